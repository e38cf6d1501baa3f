"""Every validation rule: a ValueError subclass from symconv.errors whose message names the parameter and the rule.

One row per rule: what is called, the exception type, and the message (or its start) it must carry.
Symbolic inputs: a decidable violation raises, an undecidable one passes.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
import sympy

import symconv
from symconv import InvalidConfiguration, UnknownName
from symconv.symbols import C, C_in, C_out, C_p, H, K, N, W, g, p, s

negative = sympy.Symbol("n", integer=True, negative=True)
unknown = sympy.Symbol("x")  # no assumptions at all


def conv_cost(**kwargs: object) -> Callable[[], object]:
    return lambda: symconv.Conv2d(4, 4, 3, **kwargs).cost((1, 4, 8, 8))


def a_cost() -> symconv.Cost:
    return symconv.Conv2d(2, 2, 3).cost((1, 2, 5, 5))


# (id, call, exception type, message): the message is matched literally at the start of str(error).
RULES: list[tuple[str, Callable[[], object], type[Exception], str]] = [
    # groups
    (
        "groups-in",
        lambda: symconv.Conv2d(64, 128, 3, groups=3),
        InvalidConfiguration,
        "groups=3 must divide in_channels=64",
    ),
    (
        "groups-out",
        lambda: symconv.Conv2d(6, 64, 3, groups=3),
        InvalidConfiguration,
        "groups=3 must divide out_channels=64",
    ),
    (
        "groups-transposed",
        lambda: symconv.ConvTranspose2d(64, 6, 3, groups=3),
        InvalidConfiguration,
        "groups=3 must divide in_channels=64",
    ),
    (
        "groups-zero",
        lambda: symconv.Conv2d(4, 4, 3, groups=0),
        InvalidConfiguration,
        "groups=0 must be a positive integer",
    ),
    # geometry
    (
        "kernel-too-large",
        lambda: symconv.Conv2d(1, 1, 7, dilation=2).cost((1, 1, 5, 5)),
        InvalidConfiguration,
        "kernel_size=7 with dilation=2 needs a padded input of at least 13, got 5",
    ),
    (
        "kernel-too-large-padded",
        lambda: symconv.Conv1d(1, 1, 6, padding=1).cost((1, 1, 3)),
        InvalidConfiguration,
        "kernel_size=6 with dilation=1 needs a padded input of at least 6, got 5",
    ),
    (
        "same-strided",
        lambda: symconv.Conv2d(1, 1, 3, stride=2, padding="same"),
        InvalidConfiguration,
        "padding='same' is not supported for strided convolutions",
    ),
    (
        "same-strided-dwconv",
        lambda: symconv.DepthwiseSeparableConv2d(2, 4, 3, stride=(1, 2), padding="same"),
        InvalidConfiguration,
        "padding='same' is not supported for strided convolutions",
    ),
    (
        "padding-string",
        lambda: symconv.Conv2d(1, 1, 3, padding="full"),
        InvalidConfiguration,
        "padding='full' must be 'same', 'valid', an integer or a tuple of integers",
    ),
    (
        "padding-string-transposed",
        lambda: symconv.ConvTranspose2d(1, 1, 3, padding="same"),
        InvalidConfiguration,
        "padding='same' is not supported for transposed convolutions",
    ),
    (
        "padding-mode",
        lambda: symconv.Conv2d(1, 1, 3, padding_mode="mirror"),
        InvalidConfiguration,
        "padding_mode='mirror' must be one of zeros, reflect, replicate, circular",
    ),
    (
        "padding-mode-transposed",
        lambda: symconv.ConvTranspose1d(1, 1, 3, padding_mode="reflect"),
        InvalidConfiguration,
        "padding_mode='reflect' must be 'zeros' for transposed convolutions",
    ),
    (
        "output-padding",
        lambda: symconv.ConvTranspose2d(1, 1, 3, stride=2, output_padding=2),
        InvalidConfiguration,
        "output_padding=2 must be smaller than stride=2 or dilation=1",
    ),
    (
        "output-padding-dilation",
        lambda: symconv.ConvTranspose1d(1, 1, 3, stride=1, output_padding=1, dilation=1),
        InvalidConfiguration,
        "output_padding=1 must be smaller than stride=1 or dilation=1",
    ),
    (
        "transposed-cropped",
        lambda: symconv.ConvTranspose2d(1, 1, 3, padding=5).cost((1, 1, 2, 2)),
        InvalidConfiguration,
        "padding=5 crops the whole output: input H=2 gives output size -6",
    ),
    # sizes: negative, zero, non-integer, bool, not a number, inexact
    (
        "kernel-negative",
        lambda: symconv.Conv2d(1, 1, -1),
        InvalidConfiguration,
        "kernel_size=-1 must be a positive integer",
    ),
    (
        "stride-zero",
        lambda: symconv.Conv3d(1, 1, 3, stride=0),
        InvalidConfiguration,
        "stride=0 must be a positive integer",
    ),
    (
        "dilation-zero",
        lambda: symconv.Conv1d(1, 1, 3, dilation=0),
        InvalidConfiguration,
        "dilation=0 must be a positive integer",
    ),
    (
        "padding-negative",
        lambda: symconv.Conv2d(1, 1, 3, padding=-1),
        InvalidConfiguration,
        "padding=-1 must be an integer >= 0",
    ),
    (
        "output-padding-negative",
        lambda: symconv.ConvTranspose2d(1, 1, 3, output_padding=-1),
        InvalidConfiguration,
        "output_padding=-1 must be an integer >= 0",
    ),
    (
        "in-channels-zero",
        lambda: symconv.Conv2d(0, 1, 3),
        InvalidConfiguration,
        "in_channels=0 must be a positive integer",
    ),
    (
        "out-channels-negative",
        lambda: symconv.ConvTranspose2d(1, -2, 3),
        InvalidConfiguration,
        "out_channels=-2 must be a positive integer",
    ),
    ("features-zero", lambda: symconv.Linear(0, 3), InvalidConfiguration, "in_features=0 must be a positive integer"),
    (
        "stride-fraction",
        lambda: symconv.Conv2d(1, 1, 3, stride=1.5),
        InvalidConfiguration,
        "stride=1.5 must be a positive integer",
    ),
    (
        "kernel-rational",
        lambda: symconv.Conv2d(1, 1, sympy.Rational(5, 2)),
        InvalidConfiguration,
        "kernel_size=5/2 must be a positive integer",
    ),
    (
        "kernel-bool",
        lambda: symconv.Conv2d(1, 1, True),
        InvalidConfiguration,
        "kernel_size=True must be a positive integer",
    ),
    (
        "channels-bool",
        lambda: symconv.Linear(False, 3),
        InvalidConfiguration,
        "in_features=False must be a positive integer",
    ),
    (
        "kernel-none",
        lambda: symconv.Conv2d(1, 1, None),
        InvalidConfiguration,
        "kernel_size=None must be a positive integer",
    ),
    (
        "kernel-string",
        lambda: symconv.Conv2d(1, 1, "3"),
        InvalidConfiguration,
        "kernel_size='3' must be a positive integer",
    ),
    (
        "kernel-complex",
        lambda: symconv.Conv2d(1, 1, 3j),
        InvalidConfiguration,
        "kernel_size=3j must be a positive integer",
    ),
    (
        "stride-nan",
        lambda: symconv.Conv2d(1, 1, 3, stride=float("nan")),
        InvalidConfiguration,
        "stride=nan must be a positive integer",
    ),
    (
        "stride-sympy-nan",
        lambda: symconv.Conv2d(1, 1, 3, stride=sympy.nan),
        InvalidConfiguration,
        "stride=nan must be a positive integer",
    ),
    (
        "stride-infinite",
        lambda: symconv.Conv2d(1, 1, 3, stride=sympy.oo),
        InvalidConfiguration,
        "stride=oo must be a positive integer",
    ),
    (
        "channels-imaginary",
        lambda: symconv.Conv2d(sympy.I, 1, 3),
        InvalidConfiguration,
        "in_channels=I must be a positive integer",
    ),
    (
        "channels-huge-float",
        lambda: symconv.Conv2d(1e40, 1, 3),
        InvalidConfiguration,
        "in_channels=1e+40 must be an int: a float is exact only up to 2**53",
    ),
    ("bias-not-bool", lambda: symconv.Conv2d(1, 1, 3, bias=1), InvalidConfiguration, "bias=1 must be True or False"),
    (
        "bias-not-bool-linear",
        lambda: symconv.Linear(1, 1, bias=None),
        InvalidConfiguration,
        "bias=None must be True or False",
    ),
    (
        "depth-multiplier-zero",
        lambda: symconv.DepthwiseSeparableConv2d(2, 4, 3, depth_multiplier=0),
        InvalidConfiguration,
        "depth_multiplier=0 must be a positive integer",
    ),
    (
        "dwconv-channels",
        lambda: symconv.DepthwiseSeparableConv2d("ab", 4, 3, depth_multiplier=2),
        InvalidConfiguration,
        "in_channels='ab' must be a positive integer",
    ),
    # tuple lengths
    (
        "kernel-tuple",
        lambda: symconv.Conv2d(1, 1, (3, 3, 3)),
        InvalidConfiguration,
        "kernel_size=(3, 3, 3) must have 2 entries",
    ),
    (
        "stride-tuple",
        lambda: symconv.Conv3d(1, 1, 3, stride=(1, 2)),
        InvalidConfiguration,
        "stride=(1, 2) must have 3 entries",
    ),
    (
        "padding-tuple",
        lambda: symconv.Conv1d(1, 1, 3, padding=(1, 1)),
        InvalidConfiguration,
        "padding=(1, 1) must have 1 entry",
    ),
    (
        "output-padding-tuple",
        lambda: symconv.ConvTranspose2d(1, 1, 3, stride=2, output_padding=(1, 1, 1)),
        InvalidConfiguration,
        "output_padding=(1, 1, 1) must have 2 entries",
    ),
    (
        "dilation-tuple-entry",
        lambda: symconv.Conv2d(1, 1, 3, dilation=(1, 0)),
        InvalidConfiguration,
        "dilation=0 must be a positive integer",
    ),
    # input shapes
    (
        "input-rank",
        lambda: symconv.Conv2d(4, 4, 3).cost((4, 8)),
        InvalidConfiguration,
        "input_shape=(4, 8) must be (N, C, H, W) or (C, H, W) for Conv2d",
    ),
    (
        "input-rank-3d",
        lambda: symconv.ConvTranspose3d(4, 4, 3).cost((1, 4, 8, 8, 8, 8)),
        InvalidConfiguration,
        "input_shape=(1, 4, 8, 8, 8, 8) must be (N, C, D, H, W) or (C, D, H, W) for ConvTranspose3d",
    ),
    (
        "input-rank-linear",
        lambda: symconv.Linear(4, 4).cost(()),
        InvalidConfiguration,
        "input_shape=() must have at least one dimension (*, in_features)",
    ),
    (
        "input-rank-pconv",
        lambda: symconv.PartialConv2d(8).cost((8, 5, 5)),
        InvalidConfiguration,
        "input_shape=(8, 5, 5) must be (N, C, H, W) for PartialConv2d",
    ),
    (
        "input-not-tuple",
        lambda: symconv.Conv2d(4, 4, 3).cost("1x4x8x8"),
        InvalidConfiguration,
        "input_shape='1x4x8x8' must be a tuple of sizes",
    ),
    (
        "input-not-sequence",
        lambda: symconv.Linear(4, 4).cost(4),
        InvalidConfiguration,
        "input_shape=4 must be a tuple of sizes",
    ),
    (
        "input-entry-zero",
        lambda: symconv.Conv2d(4, 4, 3).cost((1, 4, 0, 8)),
        InvalidConfiguration,
        "input_shape[2]=0 must be a positive integer",
    ),
    (
        "input-entry-float",
        lambda: symconv.Conv2d(4, 4, 3).cost((1, 4, 8.5, 8)),
        InvalidConfiguration,
        "input_shape[2]=8.5 must be a positive integer",
    ),
    (
        "input-channels",
        lambda: symconv.Conv2d(4, 4, 3).cost((1, 3, 8, 8)),
        InvalidConfiguration,
        "input_shape[1]=3 does not match in_channels=4",
    ),
    (
        "input-channels-unbatched",
        lambda: symconv.Conv2d(4, 4, 3).cost((3, 8, 8)),
        InvalidConfiguration,
        "input_shape[0]=3 does not match in_channels=4",
    ),
    (
        "input-channels-transposed",
        lambda: symconv.ConvTranspose1d(4, 4, 3).cost((2, 5, 8)),
        InvalidConfiguration,
        "input_shape[1]=5 does not match in_channels=4",
    ),
    (
        "input-features",
        lambda: symconv.Linear(4, 4).cost((2, 3, 5)),
        InvalidConfiguration,
        "input_shape[-1]=5 does not match in_features=4",
    ),
    (
        "input-channels-pconv",
        lambda: symconv.PartialConv2d(8).cost((1, 6, 5, 5)),
        InvalidConfiguration,
        "input_shape[1]=6 does not match channels=8",
    ),
    # names
    (
        "convention",
        lambda: a_cost().compute("gflops"),
        UnknownName,
        "unknown convention 'gflops'; expected one of: flops, flops+bias, macs, macs+bias, mults, mults+bias, ops",
    ),
    ("convention-intensity", lambda: a_cost().intensity("MACs"), UnknownName, "unknown convention 'MACs'"),
    (
        "memory-model",
        lambda: a_cost().memory("cache"),
        UnknownName,
        "unknown memory model 'cache'; expected one of: ideal, im2col",
    ),
    ("memory-model-unhashable", lambda: a_cost().reads(["ideal"]), UnknownName, "unknown memory model ['ideal']"),
    ("memory-model-lookup", lambda: symconv.memory_model("implicit"), UnknownName, "unknown memory model 'implicit'"),
    ("convention-lookup", lambda: symconv.convention("ops+bias"), UnknownName, "unknown convention 'ops+bias'"),
    # PartialConv2d
    (
        "pconv-both",
        lambda: symconv.PartialConv2d(8, n_div=2, conv_channels=4),
        InvalidConfiguration,
        "give n_div=2 or conv_channels=4, not both",
    ),
    (
        "pconv-too-many",
        lambda: symconv.PartialConv2d(8, conv_channels=9),
        InvalidConfiguration,
        "conv_channels=9 must not exceed channels=8",
    ),
    (
        "pconv-n-div",
        lambda: symconv.PartialConv2d(3, n_div=4),
        InvalidConfiguration,
        "n_div=4 must not exceed channels=3: no channel would be convolved",
    ),
    (
        "pconv-n-div-zero",
        lambda: symconv.PartialConv2d(8, n_div=0),
        InvalidConfiguration,
        "n_div=0 must be a positive integer",
    ),
    (
        "pconv-forward",
        lambda: symconv.PartialConv2d(8, forward="inplace"),
        InvalidConfiguration,
        "forward='inplace' must be one of slicing, split_cat",
    ),
    # chains
    ("fused-empty", lambda: symconv.Fused(), InvalidConfiguration, "Fused needs at least one operator"),
    (
        "sequential-part",
        lambda: symconv.Sequential(symconv.Linear(2, 2), 3),
        InvalidConfiguration,
        "part '1' is 3, not a symconv operator",
    ),
    # symbolic, decidably wrong
    (
        "symbol-negative",
        lambda: symconv.Conv2d(negative, C_out, K),
        InvalidConfiguration,
        "in_channels=n must be a positive integer",
    ),
    (
        "symbol-negative-padding",
        lambda: symconv.Conv2d(C_in, C_out, K, padding=negative),
        InvalidConfiguration,
        "padding=n must be an integer >= 0",
    ),
    (
        "symbol-minus-one",
        lambda: symconv.Conv2d(C_in, C_out, K, stride=-s),
        InvalidConfiguration,
        "stride=-s must be a positive integer",
    ),
    (
        "symbol-channels",
        lambda: symconv.Conv2d(C_in, C_out, K).cost((1, 2 * C_in, H, W)),
        InvalidConfiguration,
        "input_shape[1]=2*C_in does not match in_channels=C_in",
    ),
    (
        "symbol-groups",
        lambda: symconv.Conv2d(C_in, C_out, K, groups=2 * C_in),
        InvalidConfiguration,
        "groups=2*C_in must divide in_channels=C_in",
    ),
    (
        "symbol-kernel",
        lambda: symconv.Conv2d(C, C, H + 1).cost((1, C, H, W)),
        InvalidConfiguration,
        "kernel_size=H + 1 with dilation=1 needs a padded input of at least H + 1, got H",
    ),
    (
        "symbol-same-strided",
        lambda: symconv.Conv2d(C, C, K, stride=s + 1, padding="same"),
        InvalidConfiguration,
        "padding='same' is not supported for strided convolutions",
    ),
    (
        "symbol-output-padding",
        lambda: symconv.ConvTranspose2d(C, C, K, stride=s, output_padding=s),
        InvalidConfiguration,
        "output_padding=s must be smaller than stride=s or dilation=1",
    ),
    (
        "symbol-pconv",
        lambda: symconv.PartialConv2d(C, conv_channels=C + 1),
        InvalidConfiguration,
        "conv_channels=C + 1 must not exceed channels=C",
    ),
    (
        "symbol-transposed-cropped",
        lambda: symconv.ConvTranspose1d(C, C, 1, padding=H).cost((1, C, H)),
        InvalidConfiguration,
        "padding=H crops the whole output: input L=H gives output size -H",
    ),
]


@pytest.mark.parametrize(("call", "error", "message"), [r[1:] for r in RULES], ids=[r[0] for r in RULES])
def test_rule_raises_named_error(call: Callable[[], object], error: type[Exception], message: str) -> None:
    with pytest.raises(error, match="^" + re.escape(message)) as caught:
        call()
    assert type(caught.value) is error  # exactly symconv's type: no sympy or Python exception leaks through
    assert isinstance(caught.value, ValueError)
    assert type(caught.value).__module__ == "symconv.errors"


# Symbolic configurations whose rule cannot be decided: accepted, and costed.
UNDECIDABLE: list[tuple[str, Callable[[], object]]] = [
    ("groups", lambda: symconv.Conv2d(C_in, C_out, K, groups=g).cost((N, C_in, H, W))),
    ("groups-3", lambda: symconv.Conv2d(C_in, C_out, K, groups=3).cost((N, C_in, H, W))),
    ("kernel-vs-input", lambda: symconv.Conv2d(C_in, C_out, K, padding=p).cost((1, C_in, H, W))),
    ("dilated-kernel", lambda: symconv.Conv1d(C, C, K, dilation=3).cost((N, C, H))),
    ("channels", lambda: symconv.Conv2d(C_in, C_out, K).cost((1, C, H, W))),
    ("same-symbolic-stride", lambda: symconv.Conv2d(C, C, K, stride=s, padding="same").cost((1, C, H, W))),
    ("output-padding", lambda: symconv.ConvTranspose2d(C, C, K, stride=s, output_padding=p).cost((1, C, H, W))),
    ("transposed-crop", lambda: symconv.ConvTranspose2d(C, C, K, padding=p).cost((1, C, H, W))),
    ("pconv", lambda: symconv.PartialConv2d(C, K, conv_channels=C_p).cost((1, C, H, W))),
    ("pconv-n-div", lambda: symconv.PartialConv2d(C, K).cost((1, C, H, W))),
    ("no-assumptions", lambda: symconv.Conv2d(unknown, C_out, K).cost((1, unknown, H, W))),
    ("linear", lambda: symconv.Linear(C_in, C_out).cost((N, H, C_in))),
]


@pytest.mark.parametrize("call", [u[1] for u in UNDECIDABLE], ids=[u[0] for u in UNDECIDABLE])
def test_undecidable_rule_passes(call: Callable[[], symconv.Cost]) -> None:
    cost = call()
    assert isinstance(cost, symconv.Cost)
    assert cost.macs.free_symbols


def test_errors_are_value_errors() -> None:
    assert issubclass(InvalidConfiguration, ValueError)
    assert issubclass(UnknownName, ValueError)
    assert issubclass(symconv.NotLowerable, ValueError)
