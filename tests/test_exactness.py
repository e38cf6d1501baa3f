"""Concrete sizes far beyond int64 and a float's mantissa give exact ``sympy.Integer`` counts.

Every expected value is computed here with Python integers, from the textbook formulas
(PyTorch's output sizes, a GEMM's ``M*N*K`` multiplications and ``M*N*(K-1)`` additions).
"""

from __future__ import annotations

from fractions import Fraction

import pytest
import sympy

import symconv
from symconv.symbols import C_in, C_out, H, N, W

BIG = 10**40


def conv_length(length: int, kernel: int, stride: int, padding: int, dilation: int = 1) -> int:
    return (length + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1


def assert_exact(cost: symconv.Cost) -> None:
    """Every number of the cost is a sympy Integer, and no Float hides anywhere in it."""
    values = [cost.macs, cost.mults, cost.adds, cost.bias_adds, cost.params, cost.flops, cost.ops]
    values += [cost.memory(model) for model in ("ideal", "im2col")]
    values += [x for t in cost.traffic for x in (t.elements, t.reads, t.writes)]
    for value in values:
        assert isinstance(value, sympy.Integer), value
        assert not value.atoms(sympy.Float)


def test_conv2d_beyond_int64() -> None:
    n, c_in, c_out, groups, k, s, p = BIG + 1, 3 * BIG, 2 * BIG, 10**20, 3, 2, 1
    h, w = BIG + 7, 5 * BIG + 3
    cost = symconv.Conv2d(c_in, c_out, k, stride=s, padding=p, groups=groups).cost((n, c_in, h, w))
    assert_exact(cost)
    h_out, w_out = conv_length(h, k, s, p), conv_length(w, k, s, p)
    outputs = n * c_out * h_out * w_out
    taps = c_in // groups * k * k
    assert cost.macs == cost.mults == outputs * taps
    assert cost.adds == outputs * (taps - 1) + outputs
    weight = c_out * (c_in // groups) * k * k
    assert cost.params == weight + c_out
    ideal = n * c_in * h * w + weight + c_out + outputs
    assert cost.memory("ideal") == ideal
    columns = n * groups * taps * h_out * w_out
    assert cost.memory("im2col") == ideal + 2 * columns
    assert cost.memory("ideal", element_size=2) == 2 * ideal
    assert cost.macs > 2**255  # far past any fixed-width integer


def test_conv3d_with_dilation() -> None:
    n, c, d, h, w = 7, BIG, BIG + 1, BIG + 2, BIG + 3
    k, dil = 3, 2
    cost = symconv.Conv3d(c, c, k, dilation=dil, padding="same", groups=c, bias=False).cost((n, c, d, h, w))
    assert_exact(cost)
    assert cost.macs == n * c * d * h * w * k**3
    assert cost.adds == n * c * d * h * w * (k**3 - 1)


def test_transposed_conv_overlapping_and_cropped() -> None:
    """Stride 1, padding 2 < K: per axis ``L*K - p*(p+1)`` contributions land on ``L + K - 1 - 2p`` positions."""
    n, c_in, c_out, length, k, p = BIG, 2 * BIG, 3, BIG + 11, 5, 2
    cost = symconv.ConvTranspose1d(c_in, c_out, k, padding=p).cost((n, c_in, length))
    assert_exact(cost)
    out = length + k - 1 - 2 * p
    contributions = length * k - p * (p + 1)
    assert cost.macs == n * c_out * k * length * c_in
    gemm_adds = n * c_out * k * length * (c_in - 1)
    assert cost.adds == gemm_adds + n * c_out * (contributions - out) + n * c_out * out
    assert symconv.ConvTranspose1d(c_in, c_out, k, padding=p).output_shape((n, c_in, length)) == (n, c_out, out)


def test_transposed_conv_windows_apart() -> None:
    """Stride >= kernel: no window overlaps, so col2im adds nothing."""
    n, c, h, w, k, s = 2, BIG, BIG, 3 * BIG, 2, 3
    cost = symconv.ConvTranspose2d(c, c, k, stride=s, bias=False).cost((n, c, h, w))
    assert_exact(cost)
    assert cost.adds == n * c * k * k * h * w * (c - 1)
    h_out, w_out = (h - 1) * s + k, (w - 1) * s + k
    assert cost.memory("ideal") == n * c * h * w + c * c * k * k + n * c * h_out * w_out


def test_linear_with_huge_leading_dims() -> None:
    leading, f_in, f_out = (BIG, 3, BIG + 1), 4 * BIG, 5
    cost = symconv.Linear(f_in, f_out).cost((*leading, f_in))
    assert_exact(cost)
    rows = leading[0] * leading[1] * leading[2]
    assert cost.macs == rows * f_in * f_out
    assert cost.adds == rows * f_out * (f_in - 1) + rows * f_out
    assert cost.params == f_in * f_out + f_out


def test_depthwise_separable_and_partial_conv() -> None:
    n, c, h, w, k = BIG, 4 * BIG, BIG + 1, BIG + 2, 3
    dws = symconv.DepthwiseSeparableConv2d(c, 2 * c, k, padding=1, depth_multiplier=2).cost((n, c, h, w))
    assert_exact(dws)
    assert dws.macs == n * 2 * c * h * w * k * k + n * 2 * c * h * w * 2 * c
    pconv = symconv.PartialConv2d(c, k, n_div=4, forward="split_cat").cost((n, c, h, w))
    assert_exact(pconv)
    c_p = c // 4
    assert pconv.macs == n * c_p * h * w * c_p * k * k
    # the cat reads the conv output back and writes the whole result
    assert pconv.memory("ideal") == 4 * n * c_p * h * w + c_p * c_p * k * k + 2 * n * (c - c_p) * h * w


@pytest.mark.parametrize(
    "values",
    [{"N": BIG, "C_in": BIG, "C_out": 3, "H": BIG + 1, "W": 2}, {"N": 1, "C_in": 1, "C_out": BIG, "H": 3, "W": BIG}],
)
def test_symbolic_cost_at_huge_values(values: dict[str, int]) -> None:
    cost = symconv.Conv2d(C_in, C_out, 3, stride=2, padding=1).cost((N, C_in, H, W)).at(**values)
    assert_exact(cost)
    h_out, w_out = conv_length(values["H"], 3, 2, 1), conv_length(values["W"], 3, 2, 1)
    outputs = values["N"] * values["C_out"] * h_out * w_out
    assert cost.macs == outputs * values["C_in"] * 9
    assert cost.ops == outputs * (2 * values["C_in"] * 9 - 1) + outputs


def test_intensity_is_an_exact_rational() -> None:
    cost = symconv.Conv2d(BIG, BIG, 3, padding=1, bias=False).cost((1, BIG, BIG, BIG))
    intensity = cost.intensity("flops", "ideal", element_size=4)
    assert isinstance(intensity, sympy.Rational)
    moved = 4 * (BIG**3 + 9 * BIG**2 + BIG**3)
    assert intensity == sympy.Rational(2 * BIG**4 * 9, moved)


def test_fractional_bytes_stay_exact() -> None:
    """4-bit elements: half a byte each, as an exact fraction."""
    cost = symconv.Linear(BIG, 3, bias=False).cost((BIG + 1, BIG))
    moved = (BIG + 1) * BIG + 3 * BIG + (BIG + 1) * 3
    assert cost.memory("ideal", element_size=Fraction(1, 2)) == sympy.Rational(moved, 2)
    assert isinstance(cost.memory("ideal", element_size=Fraction(1, 2)), sympy.Rational)
