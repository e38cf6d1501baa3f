"""Memory models and element sizes: the 'touched' axis count against enumeration, bytes per role against the traffic."""

from __future__ import annotations

from fractions import Fraction

import bruteforce as bf
import numpy as np
import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

import symconv
from symconv.core.precision import Precision
from symconv.core.touched import TouchedLength, touched_length
from symconv.errors import SymconvError
from symconv.symbols import H


@st.composite
def axes(draw: st.DrawFn) -> tuple[int, int, int, int, int, int]:
    kernel, stride, dilation = draw(st.integers(1, 5)), draw(st.integers(1, 6)), draw(st.integers(1, 4))
    left, right = draw(st.integers(0, 5)), draw(st.integers(0, 5))
    shortest = max(1, dilation * (kernel - 1) + 1 - left - right)
    return draw(st.integers(shortest, shortest + 12)), kernel, stride, dilation, left, right


def enumerate_touched(length, kernel, stride, dilation, left, right) -> int:
    out = (length + left + right - dilation * (kernel - 1) - 1) // stride + 1
    reached = {o * stride + k * dilation - left for o in range(out) for k in range(kernel)}
    return len(reached & set(range(length)))


@settings(max_examples=300, deadline=None)
@given(axes())
def test_touched_length_equals_enumeration(axis) -> None:
    assert touched_length(*axis) == enumerate_touched(*axis)
    assert TouchedLength(*axis) == enumerate_touched(*axis)


@settings(max_examples=40, deadline=None)
@given(axes())
def test_touched_length_symbolic_in_the_length_substitutes_exactly(axis) -> None:
    length, *geometry = axis
    expr = TouchedLength(H, *geometry)
    assert expr.subs(H, length) == enumerate_touched(length, *geometry)


def test_touched_model_on_a_strided_pointwise_conv() -> None:
    """1x1, stride 3 on 7x5: rows 0, 3, 6 and columns 0, 3 are read: 6 of 35 positions per channel."""
    cost = symconv.Conv2d(2, 2, 1, stride=3, bias=False).cost((1, 2, 7, 5))
    _, counts = bf.conv(np.ones((1, 2, 7, 5), int), np.ones((2, 2, 1, 1), int), None, (3, 3), ((0, 0),) * 2, (1, 1), 1)
    assert counts.reads["input"] == 12
    assert cost.memory("touched") == 12 + 4 + 2 * 3 * 2
    assert cost.memory("ideal") == 70 + 4 + 12


def test_issue_examples() -> None:
    t = symconv.ConvTranspose2d(2, 2, 3, padding=2).cost((1, 2, 3, 3))
    columns = {x.name: (x.reads, x.writes) for x in t.tensors("im2col")}["columns"]
    assert columns == (18, 162)
    pconv = symconv.PartialConv2d(4, 3, conv_channels=1, forward="split_cat", bias=False).cost((1, 4, 5, 5))
    # conv reads 25 input + 9 weights, writes 25; the cat reads those 25 and 75 others, writes 100
    assert (pconv.reads(), pconv.writes()) == (25 + 9 + 25 + 75, 25 + 100)


# ------------------------------------------------------------------ element sizes


@settings(max_examples=40, deadline=None)
@given(
    st.integers(1, 4),
    st.sampled_from([1, 2, 4, Fraction(1, 2)]),
    st.sampled_from([1, 2, 4]),
    st.sampled_from([1, 2, 4]),
    st.booleans(),
    st.sampled_from(["ideal", "touched", "im2col"]),
)
def test_bytes_per_role_weight_each_tensor(kernel, weight, activation, bias_bytes, bias, model) -> None:
    cost = symconv.Conv2d(3, 4, kernel, stride=2, padding=1, bias=bias).cost((2, 3, 9, 8))
    sizes = {"weight": weight, "activation": activation, "bias": bias_bytes}
    per_role = {"weight": weight, "bias": bias_bytes, "input": activation, "output": activation}
    per_role["columns"] = activation
    touched = model == "touched"
    expected = sum(
        sympy.Rational(per_role[t.role]) * ((t.touched if touched else t.reads) + t.writes) for t in cost.tensors(model)
    )
    assert cost.memory(model, element_size=sizes) == expected
    uniform = cost.memory(model, element_size={"weight": 2, "bias": 2, "activation": 2})
    assert uniform == cost.memory(model, element_size=2) == 2 * cost.memory(model)


def test_precision_names_dtypes() -> None:
    cost = symconv.Conv2d(8, 8, 3, padding=1).cost((1, 8, 10, 10))
    int8 = Precision(weight="int8", activation="int8", accumulator="int32")
    by_role = {t.role: t.reads + t.writes for t in cost.tensors("ideal")}
    assert cost.memory("ideal", int8) == by_role["input"] + by_role["output"] + by_role["weight"] + 4 * 8
    mixed = Precision(weight="fp8", activation="bf16")
    assert cost.memory("ideal", mixed) == 2 * (by_role["input"] + by_role["output"]) + by_role["weight"] + 4 * 8
    assert cost.intensity("flops", "ideal", int8) == sympy.Rational(cost.flops, cost.memory("ideal", int8))


@pytest.mark.parametrize(
    ("element_size", "message"),
    [
        ({"weights": 1}, "unknown tensor role in element_size 'weights'"),
        ({"weight": "fp7"}, "unknown dtype for element_size['weight'] 'fp7'"),
        ({"weight": 1}, "element_size has no size for tensor role 'input'"),
        (Precision(weight="int4"), "unknown dtype for weight 'int4'"),
    ],
)
def test_bad_element_sizes_are_named(element_size, message) -> None:
    cost = symconv.Conv2d(2, 2, 3).cost((1, 2, 5, 5))
    with pytest.raises(SymconvError, match=message.replace("[", r"\[").replace("]", r"\]")):
        cost.memory("ideal", element_size)


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 4), st.integers(1, 4), st.integers(0, 2), st.integers(1, 6), st.integers(1, 6))
def test_touched_model_on_symbolic_sizes_counts_the_enumerated_positions(kernel, stride, pad, dh, dw) -> None:
    """The window count waits unevaluated in the lowering; the touched model writes it out, exact at every size."""
    from symconv.symbols import W

    conv = symconv.Conv2d(2, 3, kernel, stride=stride, padding=pad, bias=False)
    cost = conv.cost((1, 2, H, W))
    memory = cost.memory("touched")
    assert not memory.has(TouchedLength)
    (source,) = (t for t in cost.tensors("touched") if t.role == "input")
    h, w = kernel + dh - 1, kernel + dw - 1  # at least the kernel, with or without padding
    per_axis = [enumerate_touched(n, kernel, stride, 1, pad, pad) for n in (h, w)]
    assert source.touched.subs({H: h, W: w}) == 2 * per_axis[0] * per_axis[1]
    assert memory.subs({H: h, W: w}) == conv.cost((1, 2, h, w)).memory("touched")
