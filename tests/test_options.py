"""Operator options checked as PyTorch checks them: padding modes, bool flags, NumPy integers, distinct labels."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import sympy
from cli_runner import in_process

import symconv
from symconv.errors import SymconvError, WrongType


def _symconv_accepts(mode: str, padding: int, size: int) -> bool:
    try:
        symconv.Conv1d(1, 1, 1, padding=padding, padding_mode=mode).cost((1, 1, size))
    except SymconvError:
        return False
    return True


@pytest.mark.slow  # imports torch
def test_padding_modes_accept_what_pytorch_accepts():
    torch = pytest.importorskip("torch")
    checked = 0
    for mode, padding, size in itertools.product(("zeros", "reflect", "replicate", "circular"), range(6), range(1, 6)):
        conv = torch.nn.Conv1d(1, 1, 1, padding=padding, padding_mode=mode)
        try:
            conv(torch.zeros(1, 1, size))
            torch_accepts = True
        except RuntimeError:
            torch_accepts = False
        assert _symconv_accepts(mode, padding, size) == torch_accepts, (mode, padding, size)
        checked += 1
    assert checked == 120


def test_padding_mode_rules_hold_on_every_axis_and_after_substitution():
    from symconv.symbols import H

    with pytest.raises(SymconvError, match="padding=2 must be less than the input size W=2"):
        symconv.Conv2d(4, 8, 3, padding=2, padding_mode="reflect").cost((1, 4, 9, 2))
    cost = symconv.Conv2d(4, 8, 3, padding=2, padding_mode="circular").cost((1, 4, H, 5))
    assert cost.at(H=2).macs == symconv.Conv2d(4, 8, 3, padding=2, padding_mode="circular").cost((1, 4, 2, 5)).macs
    with pytest.raises(SymconvError, match="padding=2 must not exceed the input size H=1"):
        cost.at(H=1)


@pytest.mark.parametrize("flag", ["yes", 1, None, np.bool_(True)])
def test_flags_are_bools(flag):
    with pytest.raises(WrongType, match="must be True or False"):
        symconv.DepthwiseSeparableConv2d(4, 8, 3, fused=flag)
    with pytest.raises(WrongType, match="must be True or False"):
        symconv.Conv2d(4, 8, 3, bias=flag)
    for build in (
        lambda: symconv.Linear(4, 8, bias=flag),
        lambda: symconv.GroupNorm(2, 8, affine=flag),
        lambda: symconv.LayerNorm(8, elementwise_affine=flag),
        lambda: symconv.AvgPool2d(3, ceil_mode=flag),
        lambda: symconv.AvgPool2d(3, count_include_pad=flag),
        lambda: symconv.MaxPool2d(3, ceil_mode=flag),
    ):
        with pytest.raises(WrongType, match="must be True or False"):
            build()


def test_group_norm_groups_divide_the_channels():
    # PyTorch: "num_channels must be divisible by num_groups"
    with pytest.raises(SymconvError, match="num_groups=3 must divide num_channels=8"):
        symconv.GroupNorm(3, 8)
    g = sympy.Symbol("g", integer=True, positive=True)
    cost = symconv.GroupNorm(g, 8).cost((1, 8, 5, 5))
    with pytest.raises(SymconvError, match="num_groups=3 must divide num_channels=8"):
        cost.at(g=3)
    direct = symconv.GroupNorm(4, 8).cost((1, 8, 5, 5))
    assert (cost.at(g=4).adds, cost.at(g=4).params) == (direct.adds, direct.params)


def test_pool_padding_is_at_most_half_the_kernel_after_substitution():
    # PyTorch: "pad should be at most half of effective kernel size"
    p = sympy.Symbol("p", integer=True, nonnegative=True)
    cost = symconv.AvgPool2d(3, padding=p).cost((1, 2, 9, 9))
    with pytest.raises(SymconvError, match="padding=2 must be at most half of kernel_size=3"):
        cost.at(p=2)
    assert cost.at(p=1).adds == symconv.AvgPool2d(3, padding=1).cost((1, 2, 9, 9)).adds


@pytest.mark.parametrize("kind", [np.int8, np.int32, np.int64, np.uint16])
def test_numpy_integers_are_sizes(kind):
    plain = symconv.Conv2d(4, 8, 3, stride=2, padding=1).cost((1, 4, 9, 9))
    numpy = symconv.Conv2d(kind(4), kind(8), kind(3), stride=kind(2), padding=kind(1)).cost((1, kind(4), 9, kind(9)))
    assert numpy == plain
    assert repr(symconv.Conv2d(4, 8, 3, padding=kind(1))) == repr(symconv.Conv2d(4, 8, 3, padding=1))


def test_table_labels_are_distinct():
    common = ["--in-channels", "4", "--out-channels", "8", "--kernel-size", "3", "--input", "1,4,9,9"]
    refused = in_process("table", "conv2d", "conv2d", *common, "--labels", "x,x")
    assert refused.returncode != 0 and "--labels must be distinct" in refused.stderr
    numbered = in_process("table", "conv2d", "conv2d", *common, "--set", "2:stride=2")
    assert numbered.returncode == 0
    assert "conv2d (1)" in numbered.stdout and "conv2d (2)" in numbered.stdout
