"""Self-tests of the brute-force reference in ``bruteforce.py``.

Numeric results are checked against independent implementations (PyTorch in
float64 on small ints, which is exact, plus a numpy shifted-slice convolution
and the conv / transposed-conv adjoint identity); counts are checked against
hand-worked examples and against per-dimension closed forms.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import bruteforce as bf
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

SETTINGS = settings(max_examples=50, deadline=None)


@dataclass
class ConvCase:
    """A conv problem; ``padding`` is per-dim (left, right)."""

    x: np.ndarray
    w: np.ndarray
    b: np.ndarray | None
    stride: tuple[int, ...]
    padding: tuple[tuple[int, int], ...]
    dilation: tuple[int, ...]
    groups: int

    def run(self, materialize: bool = False) -> tuple[np.ndarray, bf.Counts]:
        """Evaluate with the brute-force reference."""
        return bf.conv(
            self.x,
            self.w,
            self.b,
            self.stride,
            self.padding,
            self.dilation,
            self.groups,
            materialize_columns=materialize,
        )


@dataclass
class TransposeCase:
    """A transposed-conv problem; ``padding`` is per-dim symmetric crop."""

    x: np.ndarray
    w: np.ndarray
    b: np.ndarray | None
    stride: tuple[int, ...]
    padding: tuple[int, ...]
    output_padding: tuple[int, ...]
    dilation: tuple[int, ...]
    groups: int

    def run(self, materialize: bool = False) -> tuple[np.ndarray, bf.Counts]:
        """Evaluate with the brute-force reference."""
        return bf.conv_transpose(
            self.x,
            self.w,
            self.b,
            self.stride,
            self.padding,
            self.output_padding,
            self.dilation,
            self.groups,
            materialize_columns=materialize,
        )


# ----------------------------------------------------------------- strategies


def _ints(lo: int, hi: int) -> st.SearchStrategy[int]:
    return st.integers(lo, hi)


@st.composite
def _tensor(draw: st.DrawFn, shape: Sequence[int]) -> np.ndarray:
    """Small random int64 tensor (values in [-3, 3])."""
    rng = np.random.default_rng(draw(_ints(0, 2**32 - 1)))
    return rng.integers(-3, 4, size=tuple(shape))


@st.composite
def _channels(draw: st.DrawFn) -> tuple[int, int, int]:
    """(C_in, C_out, groups) with groups in {1, 2, C_in}."""
    mode = draw(st.sampled_from(["dense", "pairs", "depthwise"]))
    if mode == "dense":
        return draw(_ints(1, 3)), draw(_ints(1, 3)), 1
    if mode == "pairs":
        return 2 * draw(_ints(1, 2)), 2 * draw(_ints(1, 2)), 2
    c = draw(_ints(1, 3))
    return c, c * draw(_ints(1, 2)), c


@st.composite
def conv_cases(draw: st.DrawFn, symmetric: bool = False, bias: bool = True) -> ConvCase:
    """Random tiny 1/2/3-D conv, possibly with kernel larger than input."""
    ndim = draw(_ints(1, 3))
    max_k = 3 if ndim < 3 else 2  # keep 3-D cases cheap
    c_in, c_out, groups = draw(_channels())
    kernel, stride, dilation, padding, size = [], [], [], [], []
    for _ in range(ndim):
        k, s, d = draw(_ints(1, max_k)), draw(_ints(1, 3)), draw(_ints(1, 2))
        left = draw(_ints(0, 2))
        right = left if symmetric else draw(_ints(0, 2))
        min_len = max(1, d * (k - 1) + 1 - left - right)
        kernel.append(k)
        stride.append(s)
        dilation.append(d)
        padding.append((left, right))
        size.append(draw(_ints(min_len, min_len + 3 - ndim)))
    n_batch = draw(_ints(1, 2))
    with_bias = bias and draw(st.booleans())
    return ConvCase(
        x=draw(_tensor((n_batch, c_in, *size))),
        w=draw(_tensor((c_out, c_in // groups, *kernel))),
        b=draw(_tensor((c_out,))) if with_bias else None,
        stride=tuple(stride),
        padding=tuple(padding),
        dilation=tuple(dilation),
        groups=groups,
    )


@st.composite
def transpose_cases(draw: st.DrawFn) -> TransposeCase:
    """Random tiny 1/2/3-D transposed conv with valid output_padding."""
    ndim = draw(_ints(1, 3))
    max_k = 3 if ndim < 3 else 2
    c_in, c_out, groups = draw(_channels())
    kernel, stride, dilation, padding, out_pad, size = [], [], [], [], [], []
    for _ in range(ndim):
        k, s, d = draw(_ints(1, max_k)), draw(_ints(1, 3)), draw(_ints(1, 2))
        op = draw(_ints(0, max(s, d) - 1))
        length = draw(_ints(1, 4 - ndim))
        max_p = ((length - 1) * s + d * (k - 1) + op) // 2  # keeps output non-empty
        kernel.append(k)
        stride.append(s)
        dilation.append(d)
        out_pad.append(op)
        size.append(length)
        padding.append(draw(_ints(0, min(2, max_p))))
    n_batch = draw(_ints(1, 2))
    return TransposeCase(
        x=draw(_tensor((n_batch, c_in, *size))),
        w=draw(_tensor((c_in, c_out // groups, *kernel))),
        b=draw(_tensor((c_out,))) if draw(st.booleans()) else None,
        stride=tuple(stride),
        padding=tuple(padding),
        output_padding=tuple(out_pad),
        dilation=tuple(dilation),
        groups=groups,
    )


# ------------------------------------------------------ independent references


def _as_float(array: np.ndarray) -> np.ndarray:
    return np.asarray(array, dtype=np.float64)


def _torch_tensor(torch: Any, array: np.ndarray | None) -> Any:
    return None if array is None else torch.from_numpy(_as_float(array))


def torch_conv(case: ConvCase) -> np.ndarray:
    """PyTorch conv in float64, asymmetric padding applied with F.pad."""
    torch = pytest.importorskip("torch")
    functional = torch.nn.functional
    flat_pad = [p for pair in reversed(case.padding) for p in pair]
    x = functional.pad(_torch_tensor(torch, case.x), flat_pad)
    fn = getattr(functional, f"conv{len(case.stride)}d")
    w, b = _torch_tensor(torch, case.w), _torch_tensor(torch, case.b)
    return fn(x, w, b, case.stride, 0, case.dilation, case.groups).numpy()


def torch_conv_transpose(case: TransposeCase) -> np.ndarray:
    """PyTorch transposed conv in float64."""
    torch = pytest.importorskip("torch")
    fn = getattr(torch.nn.functional, f"conv_transpose{len(case.stride)}d")
    return fn(
        _torch_tensor(torch, case.x),
        _torch_tensor(torch, case.w),
        _torch_tensor(torch, case.b),
        case.stride,
        case.padding,
        case.output_padding,
        case.groups,
        case.dilation,
    ).numpy()


def numpy_conv(case: ConvCase) -> np.ndarray:
    """Conv as a sum over kernel taps of strided slices of the padded input."""
    xp = np.pad(case.x, [(0, 0), (0, 0), *case.padding])
    c_out, cin_g, *kernel = case.w.shape
    cout_g = c_out // case.groups
    out_size = [(n - d * (k - 1) - 1) // s + 1 for n, k, s, d in zip(xp.shape[2:], kernel, case.stride, case.dilation)]
    out = np.zeros((case.x.shape[0], c_out, *out_size), dtype=np.int64)
    for tap in np.ndindex(*kernel):
        window = tuple(
            slice(t * d, t * d + s * (n - 1) + 1, s) for t, d, s, n in zip(tap, case.dilation, case.stride, out_size)
        )
        patch = xp[(slice(None), slice(None), *window)]
        for g in range(case.groups):
            outs, ins = (
                slice(g * cout_g, (g + 1) * cout_g),
                slice(g * cin_g, (g + 1) * cin_g),
            )
            out[:, outs] += np.einsum("oc,nc...->no...", case.w[(outs, slice(None), *tap)], patch[:, ins])
    if case.b is not None:
        out += case.b.reshape(1, -1, *[1] * len(kernel))
    return out


def _reached(length: int, kernel: int, stride: int, offset: int, dilation: int, limit: int) -> tuple[int, set[int]]:
    """(number of (i, k) pairs with 0 <= i*s - offset + k*d < limit, set of those targets)."""
    targets = [i * stride - offset + k * dilation for i in range(length) for k in range(kernel)]
    inside = [t for t in targets if 0 <= t < limit]
    return len(inside), set(inside)


# ------------------------------------------------------------- numeric checks


@SETTINGS
@given(conv_cases())
def test_conv_matches_torch(case: ConvCase) -> None:
    expected = torch_conv(case)
    out, _ = case.run()
    assert np.array_equal(_as_float(out), expected)


@SETTINGS
@given(transpose_cases())
def test_conv_transpose_matches_torch(case: TransposeCase) -> None:
    expected = torch_conv_transpose(case)
    out, _ = case.run()
    assert np.array_equal(_as_float(out), expected)


@SETTINGS
@given(st.data())
def test_linear_matches_torch(data: st.DataObject) -> None:
    torch = pytest.importorskip("torch")
    leading = data.draw(st.lists(_ints(1, 3), max_size=2))
    fin, fout = data.draw(_ints(1, 4)), data.draw(_ints(1, 4))
    x = data.draw(_tensor((*leading, fin)))
    w = data.draw(_tensor((fout, fin)))
    b = data.draw(_tensor((fout,))) if data.draw(st.booleans()) else None
    out, counts = bf.linear(x, w, b)
    expected = torch.nn.functional.linear(_torch_tensor(torch, x), _torch_tensor(torch, w), _torch_tensor(torch, b))
    assert np.array_equal(_as_float(out), expected.numpy())
    outputs = math.prod(leading) * fout
    assert counts.mults == outputs * fin
    assert counts.adds == outputs * (fin - 1 + (b is not None))
    assert counts.reads == {"input": x.size, "weight": w.size} | ({"bias": fout} if b is not None else {})
    assert counts.writes == {"output": outputs}


@SETTINGS
@given(conv_cases())
def test_conv_matches_numpy_slices(case: ConvCase) -> None:
    out, _ = case.run()
    assert np.array_equal(out.astype(np.int64), numpy_conv(case))


@SETTINGS
@given(conv_cases(symmetric=True, bias=False), st.data())
def test_adjoint_identity(case: ConvCase, data: st.DataObject) -> None:
    """<conv(x), y> == <x, conv_transpose(y)> with matching hyperparameters."""
    out, _ = case.run()
    y = data.draw(_tensor(out.shape))
    _, _, *kernel = case.w.shape
    pad = tuple(left for left, _ in case.padding)
    output_padding = tuple(
        (n + 2 * p - d * (k - 1) - 1) % s
        for n, p, d, k, s in zip(case.x.shape[2:], pad, case.dilation, kernel, case.stride)
    )
    back, _ = bf.conv_transpose(y, case.w, None, case.stride, pad, output_padding, case.dilation, case.groups)
    assert back.shape == case.x.shape
    assert np.sum(out * y) == np.sum(case.x * back)


@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel")
def test_same_padding_matches_torch() -> None:
    torch = pytest.importorskip("torch")
    x = np.arange(2 * 5 * 6).reshape(1, 2, 5, 6) % 7 - 3
    w = np.arange(3 * 2 * 4 * 2).reshape(3, 2, 4, 2) % 5 - 2
    padding = bf.same_padding((4, 2), (1, 3))
    assert padding == ((1, 2), (1, 2))  # totals 1*(4 - 1) = 3 and 3*(2 - 1) = 3
    assert bf.same_padding((2,), (1,)) == ((0, 1),)
    out, _ = bf.conv(x, w, None, (1, 1), padding, (1, 3), 1)
    expected = torch.nn.functional.conv2d(
        _torch_tensor(torch, x),
        _torch_tensor(torch, w),
        padding="same",
        dilation=(1, 3),
    )
    assert np.array_equal(_as_float(out), expected.numpy())


# ----------------------------------------------------- count closed forms


@SETTINGS
@given(conv_cases())
def test_conv_counts_closed_form(case: ConvCase) -> None:
    out, counts = case.run()
    n_batch, c_in, *size = case.x.shape
    c_out, cin_g, *kernel = case.w.shape
    outputs, taps = out.size, cin_g * math.prod(kernel)
    has_bias = case.b is not None
    assert counts.mults == outputs * taps
    assert counts.adds == outputs * (taps - 1) + outputs * has_bias
    touched = [
        _reached(n_out, k, s, left, d, n_in)[1]
        for n_out, k, s, (left, _), d, n_in in zip(
            out.shape[2:], kernel, case.stride, case.padding, case.dilation, size
        )
    ]
    expected_reads = {
        "input": n_batch * c_in * math.prod(map(len, touched)),
        "weight": case.w.size,
    }
    if has_bias:
        expected_reads["bias"] = c_out
    assert counts.reads == expected_reads
    assert counts.writes == {"output": outputs}
    assert counts.unread == {
        name: getattr(case, attr).size - expected_reads[name]
        for name, attr in [("input", "x"), ("weight", "w"), ("bias", "b")]
        if name in expected_reads
    }


@SETTINGS
@given(transpose_cases())
def test_conv_transpose_counts_closed_form(case: TransposeCase) -> None:
    out, counts = case.run()
    n_batch, _, *size = case.x.shape
    c_in, _, *kernel = case.w.shape
    cin_g, c_out = c_in // case.groups, out.shape[1]
    entries = n_batch * c_out * math.prod(kernel) * math.prod(size)
    reached = [
        _reached(n_in, k, s, p, d, n_out)
        for n_in, k, s, p, d, n_out in zip(size, kernel, case.stride, case.padding, case.dilation, out.shape[2:])
    ]
    contributions = n_batch * c_out * math.prod(hits for hits, _ in reached)
    targets = n_batch * c_out * math.prod(len(t) for _, t in reached)
    bias_adds = out.size if case.b is not None else 0
    assert counts.mults == entries * cin_g
    assert counts.adds == entries * (cin_g - 1) + (contributions - targets) + bias_adds
    assert counts.reads["input"] == case.x.size
    assert counts.reads["weight"] == case.w.size
    assert counts.writes == {"output": out.size}
    assert all(v == 0 for v in counts.unread.values())


@SETTINGS
@given(st.one_of(conv_cases(), transpose_cases()))
def test_materialized_columns_only_add_column_traffic(
    case: ConvCase | TransposeCase,
) -> None:
    direct_out, direct = case.run()
    col_out, cols = case.run(materialize=True)
    assert np.array_equal(direct_out, col_out)
    n_batch, groups = case.x.shape[0], case.groups
    # conv: (C_in/g * prod K) rows; transposed: (C_out/g * prod K) rows -- both w.shape[1]
    rows_per_group = case.w.shape[1] * math.prod(case.w.shape[2:])
    n_cols = math.prod(direct_out.shape[2:] if isinstance(case, ConvCase) else case.x.shape[2:])
    size = n_batch * groups * rows_per_group * n_cols
    replaced = replace(cols, reads={}, writes={}, unread={}) == replace(direct, reads={}, writes={}, unread={})
    assert replaced
    if isinstance(case, ConvCase) and _pointwise(case):  # slow_conv2d / Caffe build no column matrix
        assert (cols.reads, cols.writes, cols.unread) == (direct.reads, direct.writes, direct.unread)
        return
    read = size if isinstance(case, ConvCase) else _landing_entries(case, direct_out.shape[2:])
    assert cols.reads == direct.reads | {"columns": read}
    assert cols.writes == direct.writes | {"columns": size}
    assert cols.unread == direct.unread | {"columns": size - read}


def _pointwise(case: ConvCase) -> bool:
    kernel = case.w.shape[2:]
    return set(kernel) | set(case.stride) == {1} and not any(sum(p) for p in case.padding)


def _landing_entries(case: TransposeCase, out_size: tuple[int, ...]) -> int:
    """Column entries col2im keeps: per axis, the (input, tap) pairs that land inside the output."""
    per_axis = [
        sum(1 for i in range(length) for k in range(kernel) if 0 <= i * s - p + k * d < out)
        for length, kernel, s, p, d, out in zip(
            case.x.shape[2:], case.w.shape[2:], case.stride, case.padding, case.dilation, out_size, strict=True
        )
    ]
    return case.x.shape[0] * case.groups * case.w.shape[1] * math.prod(per_axis)


# --------------------------------------------------------- hand-worked examples


def _arange(*shape: int) -> np.ndarray:
    return np.arange(math.prod(shape)).reshape(shape)


def test_hand_conv2d_dense() -> None:
    x, w, b = _arange(1, 2, 4, 4), np.ones((3, 2, 3, 3), dtype=int), np.arange(3)
    out, counts = bf.conv(x, w, b, (1, 1), ((0, 0), (0, 0)), (1, 1), 1)
    assert out.shape == (1, 3, 2, 2)  # (4 - 3)//1 + 1 = 2 per dim
    # top-left window: channel 0 rows 0..2 cols 0..2 = 45, channel 1 = 45 + 9*16 = 189
    assert out[0, 0, 0, 0] == 45 + 189
    assert counts.mults == 216  # outputs 1*3*2*2 = 12, taps 2*3*3 = 18, 12*18 = 216
    assert counts.adds == 216  # 12*(18 - 1) = 204 accumulate + 12 bias = 216
    assert counts.reads == {"input": 32, "weight": 54, "bias": 3}  # 2*4*4, 3*2*3*3, 3
    assert counts.writes == {"output": 12}
    assert counts.unread == {"input": 0, "weight": 0, "bias": 0}


def test_hand_conv1d_padding_is_multiplied_but_not_read() -> None:
    x, w = np.array([[[1, 2, 3, 4, 5]]]), np.array([[[1, 1, 1]]])
    out, counts = bf.conv(x, w, None, (2,), ((1, 1),), (1,), 1)
    # L_out = (5 + 1 + 1 - 2 - 1)//2 + 1 = 3; windows [-1..1], [1..3], [3..5]
    assert out.tolist() == [[[0 + 1 + 2, 2 + 3 + 4, 4 + 5 + 0]]]
    assert counts.mults == 9  # 3 outputs * 3 taps, padded taps included
    assert counts.adds == 6  # 3 * (3 - 1)
    assert counts.reads == {"input": 5, "weight": 3}  # positions -1 and 5 are padding


def test_hand_conv1d_gaps_leave_input_unread() -> None:
    x, w = np.arange(7).reshape(1, 1, 7), np.array([[[2]]])
    out, counts = bf.conv(x, w, None, (3,), ((0, 0),), (1,), 1)
    # L_out = (7 - 0 - 1)//3 + 1 = 3, reading positions 0, 3, 6
    assert out.tolist() == [[[0, 6, 12]]]
    assert (counts.mults, counts.adds) == (3, 0)  # 3 outputs * 1 tap, 1 - 1 = 0 adds
    assert counts.reads == {"input": 3, "weight": 1}
    assert counts.unread == {"input": 4, "weight": 0}  # 7 - 3 = 4


def test_hand_conv1d_same_even_kernel() -> None:
    x, w = np.array([[[1, 2, 3, 4]]]), np.array([[[1, 10]]])
    padding = bf.same_padding((2,), (1,))  # total 1*(2 - 1) = 1 -> left 0, right 1
    out, counts = bf.conv(x, w, None, (1,), padding, (1,), 1)
    assert out.tolist() == [[[21, 32, 43, 4]]]  # x[i] + 10*x[i+1], x[4] is padding
    assert (counts.mults, counts.adds) == (8, 4)  # 4 outputs * 2 taps, 4 * (2 - 1)


def test_hand_conv2d_grouped_materialized() -> None:
    x, w = _arange(1, 2, 3, 3), np.ones((2, 1, 2, 2), dtype=int)
    out, counts = bf.conv(x, w, None, (1, 1), ((1, 1), (1, 1)), (1, 1), 2, materialize_columns=True)
    assert out.shape == (1, 2, 4, 4)  # (3 + 2 - 1 - 1)//1 + 1 = 4 per dim
    assert out[0, 1, 0, 0] == 9  # only tap (1, 1) hits the input: x[0, 1, 0, 0] = 9
    # columns per (n, g): (1*2*2 = 4 rows) x (4*4 = 16 cols); 1*2*4*16 = 128 entries
    assert counts.writes == {"columns": 128, "output": 32}  # 1*2*4*4 = 32
    assert counts.reads == {"input": 18, "weight": 8, "columns": 128}
    assert counts.mults == 128  # 32 outputs * 4 taps
    assert counts.adds == 96  # 32 * (4 - 1)


def test_hand_conv_transpose_overlap() -> None:
    x, w, b = np.array([[[1, 2, 3, 4]]]), np.array([[[1, 1, 1]]]), np.array([10])
    out, counts = bf.conv_transpose(x, w, b, (1,), (0,), (0,), (1,), 1)
    # L_out = (4 - 1)*1 - 0 + 1*(3 - 1) + 0 + 1 = 6; full correlation of x with [1, 1, 1]
    assert out.tolist() == [[[11, 13, 16, 19, 17, 14]]]
    assert counts.mults == 12  # 3 taps * 4 positions column entries, 1 input channel each
    # GEMM adds 12*(1 - 1) = 0; col2im 12 contributions onto 6 outputs: 12 - 6 = 6;
    # bias on 6 outputs: 6; total 12
    assert counts.adds == 12
    assert counts.reads == {"input": 4, "weight": 3, "bias": 1}
    assert counts.writes == {"output": 6}


def test_hand_conv_transpose_overlap_cropped() -> None:
    x, w = np.array([[[1, 2, 3, 4]]]), np.array([[[1, 1, 1]]])
    out, counts = bf.conv_transpose(x, w, None, (1,), (1,), (0,), (1,), 1)
    # L_out = 3 - 2 + 2 + 1 = 4; o = i - 1 + k drops (i, k) = (0, 0) and (3, 2)
    assert out.tolist() == [[[3, 6, 9, 7]]]
    assert counts.mults == 12  # every column entry is still computed
    assert counts.adds == 6  # 12 - 2 = 10 in-bounds contributions onto 4 outputs: 10 - 4


def test_hand_conv_transpose_gaps() -> None:
    x, w = np.array([[[1, 2, 3]]]), np.array([[[2]]])
    out, counts = bf.conv_transpose(x, w, None, (3,), (0,), (2,), (1,), 1, materialize_columns=True)
    # L_out = (3 - 1)*3 - 0 + 0 + 2 + 1 = 9; entries land on 0, 3, 6, the rest stay 0
    assert out.tolist() == [[[2, 0, 0, 4, 0, 0, 6, 0, 0]]]
    assert (counts.mults, counts.adds) == (
        3,
        0,
    )  # 3 entries * 1 mult, no overlap, no bias
    assert counts.writes == {"columns": 3, "output": 9}  # columns 1*1*(1*1)*3 = 3


def test_hand_conv_transpose_channel_sum() -> None:
    x, w = np.array([[[1, 2, 3], [4, 5, 6]]]), np.array([[[1, 2]], [[3, 4]]])
    out, counts = bf.conv_transpose(x, w, None, (2,), (0,), (0,), (1,), 1)
    # L_out = (3 - 1)*2 + (2 - 1) + 1 = 6; o = 2i + k is a bijection, no col2im adds
    # entry (k, i) = 1*x0[i]*w0[k] + x1[i]*w1[k]: k=0 -> x0 + 3x1, k=1 -> 2x0 + 4x1
    assert out.tolist() == [[[13, 18, 17, 24, 21, 30]]]
    assert counts.mults == 12  # 1*1*(1*2)*3 = 6 entries * 2 input channels
    assert counts.adds == 6  # 6 entries * (2 - 1)


def test_hand_linear() -> None:
    x, w, b = _arange(2, 3, 4), np.ones((5, 4), dtype=int), np.arange(5)
    out, counts = bf.linear(x, w, b)
    assert out[1, 2].tolist() == [20 + 21 + 22 + 23 + j for j in range(5)]
    assert counts.mults == 120  # 2*3*5 = 30 outputs * 4 features
    assert counts.adds == 120  # 30*(4 - 1) = 90 + 30 bias
    assert counts.reads == {"input": 24, "weight": 20, "bias": 5}
    assert counts.writes == {"output": 30}


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda: bf.conv(np.ones((1, 3, 4)), np.ones((2, 3, 2)), None, (1,), ((0, 0),), (1,), 2),
            "divisible",
        ),
        (
            lambda: bf.conv(np.ones((1, 1, 2)), np.ones((1, 1, 3)), None, (1,), ((0, 0),), (1,), 1),
            "empty",
        ),
        (
            lambda: bf.conv(np.ones((1, 1, 4)), np.ones((1, 1, 3)), None, (1, 1), ((0, 0),), (1,), 1),
            "entries",
        ),
        (
            lambda: bf.conv_transpose(np.ones((1, 1, 4)), np.ones((1, 1, 3)), None, (2,), (0,), (2,), (1,), 1),
            "output_padding",
        ),
    ],
)
def test_invalid_configs_raise(call: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()


def test_hand_col2im_reads_only_uncropped_entries() -> None:
    """``ConvTranspose2d(2, 2, 3, padding=2)`` on 1x2x3x3: output 1x1; of 2*9*9 = 162 entries 18 land inside."""
    x, w = np.ones((1, 2, 3, 3), dtype=np.int64), np.ones((2, 2, 3, 3), dtype=np.int64)
    out, counts = bf.conv_transpose(x, w, None, (1, 1), (2, 2), (0, 0), (1, 1), 1, materialize_columns=True)
    # L_out = 2 - 4 + 2 + 1 = 1; per axis o = i + k - 2 = 0 keeps the 3 pairs with i + k = 2, of 9
    assert out.shape == (1, 2, 1, 1)
    assert counts.writes["columns"] == 162
    assert counts.reads["columns"] == 2 * 3 * 3 == 18


def test_hand_pointwise_conv_builds_no_columns() -> None:
    x, w = np.ones((1, 3, 2, 2), dtype=np.int64), np.ones((4, 3, 1, 1), dtype=np.int64)
    _, counts = bf.conv(x, w, None, (1, 1), ((0, 0), (0, 0)), (1, 1), 1, materialize_columns=True)
    assert "columns" not in counts.reads and "columns" not in counts.writes
    _, strided = bf.conv(x, w, None, (2, 2), ((0, 0), (0, 0)), (1, 1), 1, materialize_columns=True)
    assert strided.writes["columns"] == 3 * 1  # stride 2 on 2x2: one output pixel, 3 rows


def test_hand_concat_reads_and_writes_everything() -> None:
    a, b = np.arange(4).reshape(1, 1, 2, 2), np.arange(8).reshape(1, 2, 2, 2)
    out, counts = bf.concat([a, b], axis=1)
    assert out.tolist() == np.concatenate([a, b], axis=1).tolist()
    assert counts.reads == {"part0": 4, "part1": 8}
    assert counts.writes == {"output": 12}
