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
from symconv.errors import WrongType
from symconv.symbols import C, C_in, C_out, C_p, H, K, N, W, g, p, s

negative = sympy.Symbol("n", integer=True, negative=True)
unknown = sympy.Symbol("x")  # no assumptions at all


def conv_cost(**kwargs: object) -> Callable[[], object]:
    return lambda: symconv.Conv2d(4, 4, 3, **kwargs).cost((1, 4, 8, 8))


def a_cost() -> symconv.Cost:
    return symconv.Conv2d(2, 2, 3).cost((1, 2, 5, 5))


def rule(name: str, call: Callable[[], object], message: str, error: type[Exception] = InvalidConfiguration) -> object:
    """One row: ``call`` raises ``error`` whose message starts with ``message`` (matched literally)."""
    return pytest.param(call, error, message, id=name)


RULES = [
    # groups
    rule("groups-in", lambda: symconv.Conv2d(64, 128, 3, groups=3), "groups=3 must divide in_channels=64"),
    rule("groups-out", lambda: symconv.Conv2d(6, 64, 3, groups=3), "groups=3 must divide out_channels=64"),
    rule(
        "groups-transposed", lambda: symconv.ConvTranspose2d(64, 6, 3, groups=3), "groups=3 must divide in_channels=64"
    ),
    rule("groups-zero", lambda: symconv.Conv2d(4, 4, 3, groups=0), "groups=0 must be a positive integer"),
    # geometry
    rule(
        "kernel-too-large",
        lambda: symconv.Conv2d(1, 1, 7, dilation=2).cost((1, 1, 5, 5)),
        "kernel_size=7 with dilation=2 needs a padded input of at least 13, got 5",
    ),
    rule(
        "kernel-too-large-padded",
        lambda: symconv.Conv1d(1, 1, 6, padding=1).cost((1, 1, 3)),
        "kernel_size=6 with dilation=1 needs a padded input of at least 6, got 5",
    ),
    rule(
        "same-strided",
        lambda: symconv.Conv2d(1, 1, 3, stride=2, padding="same"),
        "padding='same' is not supported for strided convolutions",
    ),
    rule(
        "same-strided-dwconv",
        lambda: symconv.DepthwiseSeparableConv2d(2, 4, 3, stride=(1, 2), padding="same"),
        "padding='same' is not supported for strided convolutions",
    ),
    rule(
        "padding-string",
        lambda: symconv.Conv2d(1, 1, 3, padding="full"),
        "padding='full' must be 'same', 'valid', an integer or a tuple of integers",
    ),
    rule(
        "padding-string-transposed",
        lambda: symconv.ConvTranspose2d(1, 1, 3, padding="same"),
        "padding='same' is not supported for transposed convolutions",
    ),
    rule(
        "padding-mode",
        lambda: symconv.Conv2d(1, 1, 3, padding_mode="mirror"),
        "padding_mode='mirror' must be one of zeros, reflect, replicate, circular",
    ),
    rule(
        "padding-mode-transposed",
        lambda: symconv.ConvTranspose1d(1, 1, 3, padding_mode="reflect"),
        "padding_mode='reflect' must be 'zeros' for transposed convolutions",
    ),
    rule(
        "output-padding",
        lambda: symconv.ConvTranspose2d(1, 1, 3, stride=2, output_padding=2),
        "output_padding=2 must be smaller than stride=2 or dilation=1",
    ),
    rule(
        "output-padding-dilation",
        lambda: symconv.ConvTranspose1d(1, 1, 3, stride=1, output_padding=1, dilation=1),
        "output_padding=1 must be smaller than stride=1 or dilation=1",
    ),
    rule(
        "transposed-cropped",
        lambda: symconv.ConvTranspose2d(1, 1, 3, padding=5).cost((1, 1, 2, 2)),
        "padding=5 crops the whole output: input H=2 gives output size -6",
    ),
    # sizes: negative, zero, non-integer, bool, not a number, inexact
    rule("kernel-negative", lambda: symconv.Conv2d(1, 1, -1), "kernel_size=-1 must be a positive integer"),
    rule("stride-zero", lambda: symconv.Conv3d(1, 1, 3, stride=0), "stride=0 must be a positive integer"),
    rule("dilation-zero", lambda: symconv.Conv1d(1, 1, 3, dilation=0), "dilation=0 must be a positive integer"),
    rule("padding-negative", lambda: symconv.Conv2d(1, 1, 3, padding=-1), "padding=-1 must be an integer >= 0"),
    rule(
        "output-padding-negative",
        lambda: symconv.ConvTranspose2d(1, 1, 3, output_padding=-1),
        "output_padding=-1 must be an integer >= 0",
    ),
    rule("in-channels-zero", lambda: symconv.Conv2d(0, 1, 3), "in_channels=0 must be a positive integer"),
    rule(
        "out-channels-negative", lambda: symconv.ConvTranspose2d(1, -2, 3), "out_channels=-2 must be a positive integer"
    ),
    rule("features-zero", lambda: symconv.Linear(0, 3), "in_features=0 must be a positive integer"),
    rule("stride-fraction", lambda: symconv.Conv2d(1, 1, 3, stride=1.5), "stride=1.5 must be a positive integer"),
    rule(
        "kernel-rational",
        lambda: symconv.Conv2d(1, 1, sympy.Rational(5, 2)),
        "kernel_size=5/2 must be a positive integer",
    ),
    rule("kernel-bool", lambda: symconv.Conv2d(1, 1, True), "kernel_size=True must be a positive integer"),
    rule("channels-bool", lambda: symconv.Linear(False, 3), "in_features=False must be a positive integer"),
    rule("kernel-none", lambda: symconv.Conv2d(1, 1, None), "kernel_size=None must be a positive integer"),
    rule("kernel-string", lambda: symconv.Conv2d(1, 1, "3"), "kernel_size='3' must be a positive integer"),
    rule("kernel-complex", lambda: symconv.Conv2d(1, 1, 3j), "kernel_size=3j must be a positive integer"),
    rule("stride-nan", lambda: symconv.Conv2d(1, 1, 3, stride=float("nan")), "stride=nan must be a positive integer"),
    rule(
        "stride-sympy-nan", lambda: symconv.Conv2d(1, 1, 3, stride=sympy.nan), "stride=nan must be a positive integer"
    ),
    rule("stride-infinite", lambda: symconv.Conv2d(1, 1, 3, stride=sympy.oo), "stride=oo must be a positive integer"),
    rule("channels-imaginary", lambda: symconv.Conv2d(sympy.I, 1, 3), "in_channels=I must be a positive integer"),
    rule(
        "channels-huge-float",
        lambda: symconv.Conv2d(1e40, 1, 3),
        "in_channels=1e+40 must be an int: a float is exact only up to 2**53",
    ),
    rule("bias-not-bool", lambda: symconv.Conv2d(1, 1, 3, bias=1), "bias=1 must be True or False", WrongType),
    rule("bias-not-bool-linear", lambda: symconv.Linear(1, 1, bias=None), "bias=None must be True or False", WrongType),
    rule(
        "fused-not-bool",
        lambda: symconv.DepthwiseSeparableConv2d(4, 8, 3, fused="yes"),
        "fused='yes' must be True or False",
        WrongType,
    ),
    # padding modes, as PyTorch checks them
    rule(
        "reflect-padding-too-large",
        lambda: symconv.Conv2d(4, 8, 3, padding=2, padding_mode="reflect").cost((1, 4, 2, 2)),
        "padding=2 must be less than the input size H=2 with padding_mode='reflect'",
    ),
    rule(
        "circular-wraps-twice",
        lambda: symconv.Conv1d(4, 8, 3, padding=3, padding_mode="circular").cost((1, 4, 2)),
        "padding=3 must not exceed the input size L=2 with padding_mode='circular'",
    ),
    # substitution re-validates
    rule(
        "at-kernel-too-large",
        lambda: symconv.Conv2d(4, 8, 3).cost((1, 4, H, 9)).at(H=1),
        "kernel_size=3 with dilation=1 needs a padded input of at least 3, got 1 (input H=1)",
    ),
    rule(
        "at-zero", lambda: symconv.at(symconv.Conv2d(4, 8, 3).cost((1, 4, H, 9)), H=0), "H=0 must be a positive integer"
    ),
    rule(
        "at-complex", lambda: symconv.Conv2d(4, 8, 3).cost((1, 4, H, 9)).at(H=sympy.I), "H=I must be a positive integer"
    ),
    rule("at-float", lambda: symconv.Conv2d(4, 8, 3).cost((1, 4, H, 9)).at(H=2.5), "H=2.5 must be exact"),
    rule("at-bool", lambda: symconv.Conv2d(4, 8, 3).cost((1, 4, H, 9)).at(H=True), "H=True must be exact", WrongType),
    rule(
        "at-unknown-name",
        lambda: symconv.Conv2d(4, 8, 3).cost((1, 4, H, 9)).at(Z=3),
        "symbol 'Z' does not occur in Conv2d",
    ),
    rule(
        "at-groups",
        lambda: symconv.Conv2d(C, C, 3, groups=g).cost((1, C, 8, 8)).at(C=6, g=4),
        "groups=4 must divide in_channels=6",
    ),
    rule(
        "compare-negative",
        lambda: symconv.compare({"c": symconv.Conv2d(4, 8, 3).cost((1, 4, H, 9))}, "macs", {"H": [-5]}),
        "H=-5 must be a positive integer",
    ),
    rule(
        "compare-every-point",
        lambda: symconv.compare({"c": symconv.Conv2d(C, 8, 3, groups=4).cost((1, C, 9, 9))}, "macs", {"C": [4, 5]}),
        "groups=4 must divide in_channels=5",
    ),
    rule(
        "crossover-infinite",
        lambda: symconv.crossover(
            symconv.Conv2d(4, 8, 3).cost((1, 4, H, W)),
            symconv.Conv2d(4, 8, 1).cost((1, 4, H, W)),
            "macs",
            "W",
            {"H": sympy.oo},
        ),
        "H=oo must be a positive integer",
    ),
    rule(
        "depth-multiplier-zero",
        lambda: symconv.DepthwiseSeparableConv2d(2, 4, 3, depth_multiplier=0),
        "depth_multiplier=0 must be a positive integer",
    ),
    rule(
        "dwconv-channels",
        lambda: symconv.DepthwiseSeparableConv2d("ab", 4, 3, depth_multiplier=2),
        "in_channels='ab' must be a positive integer",
    ),
    # tuple lengths
    rule("kernel-tuple", lambda: symconv.Conv2d(1, 1, (3, 3, 3)), "kernel_size=(3, 3, 3) must have 2 entries"),
    rule("stride-tuple", lambda: symconv.Conv3d(1, 1, 3, stride=(1, 2)), "stride=(1, 2) must have 3 entries"),
    rule("padding-tuple", lambda: symconv.Conv1d(1, 1, 3, padding=(1, 1)), "padding=(1, 1) must have 1 entry"),
    rule(
        "output-padding-tuple",
        lambda: symconv.ConvTranspose2d(1, 1, 3, stride=2, output_padding=(1, 1, 1)),
        "output_padding=(1, 1, 1) must have 2 entries",
    ),
    rule(
        "dilation-tuple-entry",
        lambda: symconv.Conv2d(1, 1, 3, dilation=(1, 0)),
        "dilation=0 must be a positive integer",
    ),
    # input shapes
    rule(
        "input-rank",
        lambda: symconv.Conv2d(4, 4, 3).cost((4, 8)),
        "input_shape=(4, 8) must be (N, C, H, W) or (C, H, W) for Conv2d",
    ),
    rule(
        "input-rank-3d",
        lambda: symconv.ConvTranspose3d(4, 4, 3).cost((1, 4, 8, 8, 8, 8)),
        "input_shape=(1, 4, 8, 8, 8, 8) must be (N, C, D, H, W) or (C, D, H, W) for ConvTranspose3d",
    ),
    rule(
        "input-rank-linear",
        lambda: symconv.Linear(4, 4).cost(()),
        "input_shape=() must have at least one dimension (*, in_features)",
    ),
    rule(
        "input-rank-pconv",
        lambda: symconv.PartialConv2d(8).cost((8, 5, 5)),
        "input_shape=(8, 5, 5) must be (N, C, H, W) for PartialConv2d",
    ),
    rule(
        "input-not-tuple",
        lambda: symconv.Conv2d(4, 4, 3).cost("1x4x8x8"),
        "input_shape='1x4x8x8' must be a tuple of sizes",
    ),
    rule("input-not-sequence", lambda: symconv.Linear(4, 4).cost(4), "input_shape=4 must be a tuple of sizes"),
    rule(
        "input-entry-zero",
        lambda: symconv.Conv2d(4, 4, 3).cost((1, 4, 0, 8)),
        "input_shape[2]=0 must be a positive integer",
    ),
    rule(
        "input-entry-float",
        lambda: symconv.Conv2d(4, 4, 3).cost((1, 4, 8.5, 8)),
        "input_shape[2]=8.5 must be a positive integer",
    ),
    rule(
        "input-channels",
        lambda: symconv.Conv2d(4, 4, 3).cost((1, 3, 8, 8)),
        "input_shape[1]=3 does not match in_channels=4",
    ),
    rule(
        "input-channels-unbatched",
        lambda: symconv.Conv2d(4, 4, 3).cost((3, 8, 8)),
        "input_shape[0]=3 does not match in_channels=4",
    ),
    rule(
        "input-channels-transposed",
        lambda: symconv.ConvTranspose1d(4, 4, 3).cost((2, 5, 8)),
        "input_shape[1]=5 does not match in_channels=4",
    ),
    rule(
        "input-features", lambda: symconv.Linear(4, 4).cost((2, 3, 5)), "input_shape[-1]=5 does not match in_features=4"
    ),
    rule(
        "input-channels-pconv",
        lambda: symconv.PartialConv2d(8).cost((1, 6, 5, 5)),
        "input_shape[1]=6 does not match channels=8",
    ),
    # names
    rule(
        "convention",
        lambda: a_cost().compute("gflops"),
        "unknown convention 'gflops'; expected one of: flops, flops+bias, macs, macs+bias, mults, mults+bias, ops",
        UnknownName,
    ),
    rule("convention-intensity", lambda: a_cost().intensity("MACs"), "unknown convention 'MACs'", UnknownName),
    rule(
        "memory-model",
        lambda: a_cost().memory("cache"),
        "unknown memory model 'cache'; expected one of: ideal, im2col, touched",
        UnknownName,
    ),
    rule("memory-model-unhashable", lambda: a_cost().reads(["ideal"]), "unknown memory model ['ideal']", UnknownName),
    rule(
        "memory-model-lookup", lambda: symconv.memory_model("implicit"), "unknown memory model 'implicit'", UnknownName
    ),
    rule("convention-lookup", lambda: symconv.convention("gflops"), "unknown convention 'gflops'", UnknownName),
    # bytes per element
    rule(
        "element-size-float",
        lambda: a_cost().memory("ideal", element_size=0.5),
        "element_size=0.5 must be a positive integer or fraction, e.g. Fraction(1, 2)",
    ),
    rule(
        "element-size-string",
        lambda: a_cost().reads("ideal", element_size="4"),
        "element_size='4' must be a positive integer or fraction",
    ),
    rule(
        "element-size-zero",
        lambda: a_cost().intensity("macs", "ideal", element_size=0),
        "element_size=0 must be a positive integer or fraction",
    ),
    rule(
        "element-size-negative",
        lambda: a_cost().writes("im2col", element_size=sympy.Rational(-1, 2)),
        "element_size=-1/2 must be a positive integer or fraction",
    ),
    # PartialConv2d
    rule(
        "pconv-both",
        lambda: symconv.PartialConv2d(8, n_div=2, conv_channels=4),
        "give n_div=2 or conv_channels=4, not both",
    ),
    rule(
        "pconv-too-many",
        lambda: symconv.PartialConv2d(8, conv_channels=9),
        "conv_channels=9 must not exceed channels=8",
    ),
    rule(
        "pconv-n-div",
        lambda: symconv.PartialConv2d(3, n_div=4),
        "n_div=4 must not exceed channels=3: no channel would be convolved",
    ),
    rule("pconv-n-div-zero", lambda: symconv.PartialConv2d(8, n_div=0), "n_div=0 must be a positive integer"),
    rule(
        "pconv-forward",
        lambda: symconv.PartialConv2d(8, forward="inplace"),
        "forward='inplace' must be one of slicing, split_cat",
    ),
    # chains
    rule("fused-empty", lambda: symconv.Fused(), "Fused needs at least one operator"),
    rule(
        "sequential-part", lambda: symconv.Sequential(symconv.Linear(2, 2), 3), "part '1' is 3, not a symconv operator"
    ),
    # symbolic, decidably wrong
    rule("symbol-negative", lambda: symconv.Conv2d(negative, C_out, K), "in_channels=n must be a positive integer"),
    rule(
        "symbol-negative-padding",
        lambda: symconv.Conv2d(C_in, C_out, K, padding=negative),
        "padding=n must be an integer >= 0",
    ),
    rule("symbol-minus-one", lambda: symconv.Conv2d(C_in, C_out, K, stride=-s), "stride=-s must be a positive integer"),
    rule(
        "symbol-channels",
        lambda: symconv.Conv2d(C_in, C_out, K).cost((1, 2 * C_in, H, W)),
        "input_shape[1]=2*C_in does not match in_channels=C_in",
    ),
    rule(
        "symbol-groups",
        lambda: symconv.Conv2d(C_in, C_out, K, groups=2 * C_in),
        "groups=2*C_in must divide in_channels=C_in",
    ),
    rule(
        "symbol-kernel",
        lambda: symconv.Conv2d(C, C, H + 1).cost((1, C, H, W)),
        "kernel_size=H + 1 with dilation=1 needs a padded input of at least H + 1, got H",
    ),
    rule(
        "symbol-same-strided",
        lambda: symconv.Conv2d(C, C, K, stride=s + 1, padding="same"),
        "padding='same' is not supported for strided convolutions",
    ),
    rule(
        "symbol-output-padding",
        lambda: symconv.ConvTranspose2d(C, C, K, stride=s, output_padding=s),
        "output_padding=s must be smaller than stride=s or dilation=1",
    ),
    rule(
        "symbol-pconv",
        lambda: symconv.PartialConv2d(C, conv_channels=C + 1),
        "conv_channels=C + 1 must not exceed channels=C",
    ),
    rule(
        "symbol-transposed-cropped",
        lambda: symconv.ConvTranspose1d(C, C, 1, padding=H).cost((1, C, H)),
        "padding=H crops the whole output: input L=H gives output size -H",
    ),
]


@pytest.mark.parametrize(("call", "error", "message"), RULES)
def test_rule_raises_named_error(call: Callable[[], object], error: type[Exception], message: str) -> None:
    with pytest.raises(error, match="^" + re.escape(message)) as caught:
        call()
    assert type(caught.value) is error  # exactly symconv's type: no sympy or Python exception leaks through
    assert isinstance(caught.value, ValueError)
    assert type(caught.value).__module__ == "symconv.errors"


# Symbolic configurations whose rule cannot be decided: accepted, and costed.
UNDECIDABLE = [
    pytest.param(lambda: symconv.Conv2d(C_in, C_out, K, groups=g).cost((N, C_in, H, W)), id="groups"),
    pytest.param(lambda: symconv.Conv2d(C_in, C_out, K, groups=3).cost((N, C_in, H, W)), id="groups-3"),
    pytest.param(lambda: symconv.Conv2d(C_in, C_out, K, padding=p).cost((1, C_in, H, W)), id="kernel-vs-input"),
    pytest.param(lambda: symconv.Conv1d(C, C, K, dilation=3).cost((N, C, H)), id="dilated-kernel"),
    pytest.param(lambda: symconv.Conv2d(C_in, C_out, K).cost((1, C, H, W)), id="channels"),
    pytest.param(
        lambda: symconv.Conv2d(C, C, K, stride=s, padding="same").cost((1, C, H, W)), id="same-symbolic-stride"
    ),
    pytest.param(
        lambda: symconv.ConvTranspose2d(C, C, K, stride=s, output_padding=p).cost((1, C, H, W)), id="output-padding"
    ),
    pytest.param(lambda: symconv.ConvTranspose2d(C, C, K, padding=p).cost((1, C, H, W)), id="transposed-crop"),
    pytest.param(lambda: symconv.PartialConv2d(C, K, conv_channels=C_p).cost((1, C, H, W)), id="pconv"),
    pytest.param(lambda: symconv.PartialConv2d(C, K).cost((1, C, H, W)), id="pconv-n-div"),
    pytest.param(lambda: symconv.Conv2d(unknown, C_out, K).cost((1, unknown, H, W)), id="no-assumptions"),
    pytest.param(lambda: symconv.Linear(C_in, C_out).cost((N, H, C_in)), id="linear"),
]


@pytest.mark.parametrize("call", UNDECIDABLE)
def test_undecidable_rule_passes(call: Callable[[], symconv.Cost]) -> None:
    cost = call()
    assert isinstance(cost, symconv.Cost)
    assert cost.macs.free_symbols


def test_errors_are_value_errors() -> None:
    assert issubclass(InvalidConfiguration, ValueError)
    assert issubclass(UnknownName, ValueError)
    assert issubclass(symconv.NotLowerable, ValueError)
