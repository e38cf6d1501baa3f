"""Brute-force reference for conv / transposed conv / linear operation counts.

Every operation is performed literally, element by element, on tensors of
Python ints (numpy object arrays, so nothing overflows), and every
multiplication, addition, element read and element write is counted as it
happens.  The arithmetic follows an im2col / col2im GEMM lowering:

* ``conv``: every output element is a dot product over all
  ``C_in/groups * prod(K)`` taps, padded taps included (they multiply the
  weight by 0 without reading the input), accumulated with ``T - 1``
  additions, plus one addition for the bias.
* ``conv_transpose``: a GEMM ``W_g^T @ x_g`` per (batch, group) produces the
  column entries, which col2im scatter-adds into the output (the first
  contribution to an output element is a plain write, each further one an
  addition; contributions landing outside the output are discarded); the bias
  is then added to every output element.
* ``linear``: ``y = x @ w.T + b``.

Reads and writes count DISTINCT elements per tensor.  This module must never
import ``symconv``: it is the independent reference its formulas are checked
against.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

Index = tuple[int, ...]
Position = tuple[int, ...]


@dataclass
class Counts:
    """Operation counts of one brute-force evaluation.

    ``reads`` / ``unread`` cover the tensors the operation consumes ("input",
    "weight", "bias" when present, "columns" when materialized), so that
    ``reads[name] + unread[name]`` is the tensor's size.  ``writes`` covers
    "output" and, when materialized, "columns".
    """

    mults: int
    adds: int
    reads: dict[str, int]
    writes: dict[str, int]
    unread: dict[str, int]


class _Tally:
    """Mutable counter of arithmetic and of distinct element reads/writes."""

    def __init__(self, readable: dict[str, int]) -> None:
        """``readable`` maps each consumed tensor's name to its size."""
        self.sizes = readable
        self.mults = 0
        self.adds = 0
        self.reads: dict[str, set[Index]] = {name: set() for name in readable}
        self.writes: dict[str, set[Index]] = {}

    def read(self, name: str, array: np.ndarray, index: Index) -> Any:
        """Read ``array[index]``, recording the element as read."""
        self.reads[name].add(index)
        return array[index]

    def write(self, name: str, array: np.ndarray, index: Index, value: Any) -> None:
        """Store ``value`` at ``array[index]``, recording the element as written."""
        self.writes.setdefault(name, set()).add(index)
        array[index] = value

    def mul(self, a: Any, b: Any) -> Any:
        """Multiply, counting one multiplication."""
        self.mults += 1
        return a * b

    def add(self, a: Any, b: Any) -> Any:
        """Add, counting one addition."""
        self.adds += 1
        return a + b

    def dot(self, terms: Iterable[tuple[Any, Any]]) -> Any:
        """Sum of products of ``terms``: T multiplications, T - 1 additions."""
        acc = None
        for a, b in terms:
            product = self.mul(a, b)
            acc = product if acc is None else self.add(acc, product)
        if acc is None:
            raise ValueError("empty dot product")
        return acc

    def counts(self) -> Counts:
        """Freeze the tallies into a :class:`Counts`."""
        reads = {name: len(seen) for name, seen in self.reads.items()}
        return Counts(
            mults=self.mults,
            adds=self.adds,
            reads=reads,
            writes={name: len(seen) for name, seen in self.writes.items()},
            unread={name: size - reads[name] for name, size in self.sizes.items()},
        )


def same_padding(kernel: Sequence[int], dilation: Sequence[int]) -> tuple[tuple[int, int], ...]:
    """PyTorch's ``padding='same'`` as (left, right) pairs (extra pad goes right)."""
    totals = [d * (k - 1) for k, d in zip(kernel, dilation, strict=True)]
    return tuple((total // 2, total - total // 2) for total in totals)


def _as_objects(array: Any) -> np.ndarray:
    """Copy ``array`` into an object array of Python ints (or scalars)."""
    return np.asarray(array).astype(object)


def _positions(shape: Sequence[int]) -> list[Position]:
    """All index tuples of a grid of the given shape, in row-major order."""
    return list(itertools.product(*(range(n) for n in shape)))


def _check_spatial(ndim: int, **params: Sequence[Any]) -> None:
    """Require one entry per spatial dimension in every parameter tuple."""
    for name, values in params.items():
        if len(values) != ndim:
            raise ValueError(f"{name} has {len(values)} entries, expected {ndim}")


def _check_groups(c_in: int, c_out: int, groups: int) -> None:
    """Require both channel counts to split evenly into ``groups``."""
    if groups < 1 or c_in % groups or c_out % groups:
        raise ValueError(f"channels {c_in}->{c_out} not divisible by {groups=}")


def _column_source(
    tally: _Tally,
    compute: Callable[[Index], Any],
    shape: tuple[int, ...],
    materialize: bool,
) -> Callable[[Index], Any]:
    """Return a getter of column-matrix entries.

    When ``materialize`` is set, every entry is computed once and written to a
    "columns" tensor of ``shape`` up front, and the getter reads it back;
    otherwise the getter computes the entry on demand.
    """
    if not materialize:
        return compute
    columns = np.empty(shape, dtype=object)
    for index in np.ndindex(*shape):
        tally.write("columns", columns, index, compute(index))
    return lambda index: tally.read("columns", columns, index)


def _readable_sizes(x: np.ndarray, w: np.ndarray, b: np.ndarray | None, columns_size: int | None) -> dict[str, int]:
    """Sizes of the tensors an operation consumes."""
    sizes = {"input": x.size, "weight": w.size}
    if b is not None:
        sizes["bias"] = b.size
    if columns_size is not None:
        sizes["columns"] = columns_size
    return sizes


def _conv_out_size(
    in_size: Sequence[int],
    kernel: Sequence[int],
    stride: Sequence[int],
    padding: Sequence[tuple[int, int]],
    dilation: Sequence[int],
) -> tuple[int, ...]:
    """Per-dimension conv output length (L + l + r - d(K-1) - 1)//s + 1."""
    sizes = tuple(
        (length + left + right - d * (k - 1) - 1) // s + 1
        for length, k, s, (left, right), d in zip(in_size, kernel, stride, padding, dilation, strict=True)
    )
    if min(sizes) < 1:
        raise ValueError(f"conv output size {sizes} is empty")
    return sizes


def _conv_transpose_out_size(
    in_size: Sequence[int],
    kernel: Sequence[int],
    stride: Sequence[int],
    padding: Sequence[int],
    output_padding: Sequence[int],
    dilation: Sequence[int],
) -> tuple[int, ...]:
    """Per-dimension transposed output length (L-1)s - 2p + d(K-1) + op + 1."""
    sizes = tuple(
        (length - 1) * s - 2 * p + d * (k - 1) + op + 1
        for length, k, s, p, op, d in zip(in_size, kernel, stride, padding, output_padding, dilation, strict=True)
    )
    if min(sizes) < 1:
        raise ValueError(f"transposed conv output size {sizes} is empty")
    return sizes


def conv(
    x: Any,
    w: Any,
    b: Any | None,
    stride: Sequence[int],
    padding: Sequence[tuple[int, int]],
    dilation: Sequence[int],
    groups: int,
    materialize_columns: bool = False,
) -> tuple[np.ndarray, Counts]:
    """N-d convolution (PyTorch layout) computed and counted tap by tap.

    ``padding`` holds one (left, right) pair per spatial dimension.  With
    ``materialize_columns`` the im2col matrix of each (batch, group),
    ``(C_in/g * prod K) x prod(L_out)``, is written out first (padding entries
    as 0, without reading the input) and the GEMM then reads it, as PyTorch's
    ``slow_conv2d`` and Caffe do; like them, a ``1 x 1``, stride-1, unpadded
    convolution builds no column matrix (the input is one).
    """
    x, w = _as_objects(x), _as_objects(w)
    b = None if b is None else _as_objects(b)
    n_batch, c_in, *in_size = x.shape
    c_out, cin_g, *kernel = w.shape
    ndim = len(in_size)
    _check_spatial(ndim, kernel=kernel, stride=stride, padding=padding, dilation=dilation)
    _check_groups(c_in, c_out, groups)
    if cin_g * groups != c_in:
        raise ValueError(f"weight has {cin_g} channels per group, input has {c_in}")
    out_size = _conv_out_size(in_size, kernel, stride, padding, dilation)
    cout_g = c_out // groups

    rows = list(itertools.product(range(cin_g), _positions(kernel)))
    cols = _positions(out_size)
    shape = (n_batch, groups, len(rows), len(cols))
    pointwise = all(k == 1 for k in kernel) and all(s == 1 for s in stride) and not any(sum(p) for p in padding)
    materialize_columns = materialize_columns and not pointwise  # the input is already the column matrix
    tally = _Tally(_readable_sizes(x, w, b, math.prod(shape) if materialize_columns else None))

    def im2col_entry(index: Index) -> Any:
        """Input value under tap ``rows[r]`` at output ``cols[c]`` (0 if padding)."""
        n, g, r, c = index
        channel, k = rows[r]
        pos = tuple(o * s - left + kk * d for o, kk, s, (left, _), d in zip(cols[c], k, stride, padding, dilation))
        if not all(0 <= p < length for p, length in zip(pos, in_size)):
            return 0
        return tally.read("input", x, (n, g * cin_g + channel, *pos))

    entry = _column_source(tally, im2col_entry, shape, materialize_columns)
    out = np.zeros((n_batch, c_out, *out_size), dtype=object)
    for n, co, c in itertools.product(range(n_batch), range(c_out), range(len(cols))):
        g = co // cout_g
        value = tally.dot(
            (tally.read("weight", w, (co, channel, *k)), entry((n, g, r, c))) for r, (channel, k) in enumerate(rows)
        )
        if b is not None:
            value = tally.add(value, tally.read("bias", b, (co,)))
        tally.write("output", out, (n, co, *cols[c]), value)
    return out, tally.counts()


def conv_transpose(
    x: Any,
    w: Any,
    b: Any | None,
    stride: Sequence[int],
    padding: Sequence[int],
    output_padding: Sequence[int],
    dilation: Sequence[int],
    groups: int,
    materialize_columns: bool = False,
) -> tuple[np.ndarray, Counts]:
    """N-d transposed convolution (PyTorch layout) as GEMM + col2im, counted.

    ``w`` is ``(C_in, C_out/groups, *K)``.  Column entry ``(co, k, i)`` of each
    (batch, group) is a dot product over the group's input channels; col2im
    sends it to output position ``i*s - p + k*d`` (discarded when outside: a
    materialised entry that lands outside is written by the GEMM, never read).
    """
    x, w = _as_objects(x), _as_objects(w)
    b = None if b is None else _as_objects(b)
    n_batch, c_in, *in_size = x.shape
    w_in, cout_g, *kernel = w.shape
    ndim = len(in_size)
    _check_spatial(
        ndim,
        kernel=kernel,
        stride=stride,
        padding=padding,
        output_padding=output_padding,
        dilation=dilation,
    )
    if w_in != c_in:
        raise ValueError(f"weight has {w_in} input channels, input has {c_in}")
    if any(op >= max(s, d) for op, s, d in zip(output_padding, stride, dilation)):
        raise ValueError("output_padding must be smaller than stride or dilation")
    c_out = cout_g * groups
    _check_groups(c_in, c_out, groups)
    cin_g = c_in // groups
    out_size = _conv_transpose_out_size(in_size, kernel, stride, padding, output_padding, dilation)

    rows = list(itertools.product(range(cout_g), _positions(kernel)))
    cols = _positions(in_size)
    shape = (n_batch, groups, len(rows), len(cols))
    tally = _Tally(_readable_sizes(x, w, b, math.prod(shape) if materialize_columns else None))

    def gemm_entry(index: Index) -> Any:
        """Entry of W_g^T @ x_g: dot product over the group's input channels."""
        n, g, r, c = index
        channel_out, k = rows[r]
        return tally.dot(
            (
                tally.read("weight", w, (g * cin_g + ci, channel_out, *k)),
                tally.read("input", x, (n, g * cin_g + ci, *cols[c])),
            )
            for ci in range(cin_g)
        )

    entry = _column_source(tally, gemm_entry, shape, materialize_columns)
    out = np.zeros((n_batch, c_out, *out_size), dtype=object)
    hit = np.zeros(out.shape, dtype=bool)
    for index in np.ndindex(*shape):
        n, g, r, c = index
        channel_out, k = rows[r]
        pos = tuple(i * s - p + kk * d for i, kk, s, p, d in zip(cols[c], k, stride, padding, dilation))
        inside = all(0 <= o < length for o, length in zip(pos, out_size))
        if not inside and materialize_columns:
            continue  # col2im never reads an entry it crops
        value = entry(index)  # computed on demand, a cropped entry still costs its GEMM arithmetic
        if not inside:
            continue
        target = (n, g * cout_g + channel_out, *pos)
        out[target] = tally.add(out[target], value) if hit[target] else value
        hit[target] = True
    for index in np.ndindex(*out.shape):
        value = out[index]
        if b is not None:
            value = tally.add(value, tally.read("bias", b, (index[1],)))
        tally.write("output", out, index, value)
    return out, tally.counts()


def linear(x: Any, w: Any, b: Any | None) -> tuple[np.ndarray, Counts]:
    """``y = x @ w.T (+ b)`` over any leading dimensions, counted."""
    x, w = _as_objects(x), _as_objects(w)
    b = None if b is None else _as_objects(b)
    *leading, in_features = x.shape
    out_features, w_in = w.shape
    if w_in != in_features:
        raise ValueError(f"weight expects {w_in} features, input has {in_features}")
    tally = _Tally(_readable_sizes(x, w, b, None))
    out = np.zeros((*leading, out_features), dtype=object)
    for lead, j in itertools.product(_positions(leading), range(out_features)):
        value = tally.dot(
            (tally.read("input", x, (*lead, f)), tally.read("weight", w, (j, f))) for f in range(in_features)
        )
        if b is not None:
            value = tally.add(value, tally.read("bias", b, (j,)))
        tally.write("output", out, (*lead, j), value)
    return out, tally.counts()


def concat(parts: Sequence[Any], axis: int) -> tuple[np.ndarray, Counts]:
    """``torch.cat(parts, axis)`` element by element: every source element read, every result element written."""
    arrays = [_as_objects(p) for p in parts]
    names = [f"part{i}" for i in range(len(arrays))]
    tally = _Tally({name: a.size for name, a in zip(names, arrays, strict=True)})
    shape = list(arrays[0].shape)
    shape[axis] = sum(a.shape[axis] for a in arrays)
    out = np.empty(shape, dtype=object)
    offset = 0
    for name, array in zip(names, arrays, strict=True):
        for index in np.ndindex(*array.shape):
            target = (*index[:axis], index[axis] + offset, *index[axis + 1 :])
            tally.write("output", out, target, tally.read(name, array, index))
        offset += array.shape[axis]
    return out, tally.counts()


# ------------------------------------------------------------------ backward passes
#
# Each gradient is computed literally from its definition, element by element, in the
# order a GEMM lowering computes it: a dot product per entry (T products, T - 1
# additions), then, for a gradient that lands on overlapping positions, a scatter-add
# (the first contribution a write, each further one an addition).


@dataclass
class Gradients:
    """The backward's results (``None`` when not asked for) and its arithmetic."""

    grad_input: np.ndarray | None
    grad_weight: np.ndarray | None
    grad_bias: np.ndarray | None
    mults: int
    adds: int


def _sum(tally: _Tally, values: Iterable[Any]) -> Any:
    """Sum of ``values``: one addition fewer than terms."""
    acc = None
    for value in values:
        acc = value if acc is None else tally.add(acc, value)
    return acc


def _scatter(tally: _Tally, target: np.ndarray, hit: np.ndarray, index: Index, value: Any) -> None:
    target[index] = tally.add(target[index], value) if hit[index] else value
    hit[index] = True


@dataclass(frozen=True)
class Window:
    """A convolution's sliding window: stride and dilation per axis, padding per axis (``(left, right)`` for a
    convolution, PyTorch's one ``padding`` for a transposed one), groups."""

    stride: Sequence[int]
    padding: Sequence[Any]
    dilation: Sequence[int]
    groups: int = 1


@dataclass(frozen=True)
class Wanted:
    """Which gradients a backward computes."""

    input: bool = True
    weight: bool = True
    bias: bool = False


def _bias_gradient(tally: _Tally, dy: np.ndarray, wanted: Wanted) -> np.ndarray | None:
    """``sum(dY)`` over everything but the channel (axis 1), when asked for."""
    if not wanted.bias:
        return None
    return np.array([_sum(tally, dy[:, co].flat) for co in range(dy.shape[1])], dtype=object)


def conv_backward(x: Any, w: Any, dy: Any, window: Window, wanted: Wanted = Wanted()) -> Gradients:
    """Gradients of an N-d convolution given ``dy``: W^T dY per column entry then col2im; dY . columns^T; sum dY."""
    x, w, dy = _as_objects(x), _as_objects(w), _as_objects(dy)
    stride, padding, dilation, groups = window.stride, window.padding, window.dilation, window.groups
    n_batch, _, *in_size = x.shape
    c_out, cin_g, *kernel = w.shape
    out_size = dy.shape[2:]
    cout_g = c_out // groups
    rows = list(itertools.product(range(cin_g), _positions(kernel)))
    cols = _positions(out_size)
    tally = _Tally({})

    def position(c: int, k: Position) -> Position | None:
        pos = tuple(o * s - left + kk * d for o, kk, s, (left, _), d in zip(cols[c], k, stride, padding, dilation))
        return pos if all(0 <= p < length for p, length in zip(pos, in_size)) else None

    dx = dw = None
    if wanted.input:
        dx = np.zeros(x.shape, dtype=object)
        hit = np.zeros(x.shape, dtype=bool)
        for n, g, (channel, k), c in itertools.product(range(n_batch), range(groups), rows, range(len(cols))):
            value = tally.dot(
                (w[g * cout_g + co, channel, *k], dy[n, g * cout_g + co, *cols[c]]) for co in range(cout_g)
            )
            pos = position(c, k)
            if pos is not None:
                _scatter(tally, dx, hit, (n, g * cin_g + channel, *pos), value)
    if wanted.weight:
        dw = np.zeros(w.shape, dtype=object)
        for co, (channel, k) in itertools.product(range(c_out), rows):
            g = co // cout_g
            terms = []
            for n, c in itertools.product(range(n_batch), range(len(cols))):
                pos = position(c, k)
                column = 0 if pos is None else x[n, g * cin_g + channel, *pos]
                terms.append((dy[n, co, *cols[c]], column))
            dw[(co, channel, *k)] = tally.dot(terms)
    return Gradients(dx, dw, _bias_gradient(tally, dy, wanted), tally.mults, tally.adds)


def conv_transpose_backward(x: Any, w: Any, dy: Any, window: Window, wanted: Wanted = Wanted()) -> Gradients:
    """Gradients of an N-d transposed convolution: im2col of dY, then W_g . columns and x . columns^T; sum dY."""
    x, w, dy = _as_objects(x), _as_objects(w), _as_objects(dy)
    stride, padding, dilation, groups = window.stride, window.padding, window.dilation, window.groups
    n_batch, c_in, *in_size = x.shape
    _, cout_g, *kernel = w.shape
    cin_g = c_in // groups
    out_size = dy.shape[2:]
    rows = list(itertools.product(range(cout_g), _positions(kernel)))
    cols = _positions(in_size)
    tally = _Tally({})

    def column(n: int, g: int, r: int, c: int) -> Any:
        channel, k = rows[r]
        pos = tuple(i * s - p + kk * d for i, kk, s, p, d in zip(cols[c], k, stride, padding, dilation))
        if not all(0 <= o < length for o, length in zip(pos, out_size)):
            return 0
        return dy[n, g * cout_g + channel, *pos]

    dx = dw = None
    if wanted.input:
        dx = np.zeros(x.shape, dtype=object)
        for n, ci, c in itertools.product(range(n_batch), range(c_in), range(len(cols))):
            g = ci // cin_g
            terms = ((w[ci, channel, *k], column(n, g, r, c)) for r, (channel, k) in enumerate(rows))
            dx[(n, ci, *cols[c])] = tally.dot(terms)
    if wanted.weight:
        dw = np.zeros(w.shape, dtype=object)
        for ci, r in itertools.product(range(c_in), range(len(rows))):
            g = ci // cin_g
            channel, k = rows[r]
            terms = (
                (x[n, ci, *cols[c]], column(n, g, r, c)) for n, c in itertools.product(range(n_batch), range(len(cols)))
            )
            dw[(ci, channel, *k)] = tally.dot(terms)
    return Gradients(dx, dw, _bias_gradient(tally, dy, wanted), tally.mults, tally.adds)


def linear_backward(
    x: Any, w: Any, dy: Any, *, grad_input: bool = True, grad_weight: bool = True, grad_bias: bool = False
) -> Gradients:
    """Gradients of ``y = x @ w.T + b``: dY . W, dY^T . x (over all leading positions), sum dY."""
    x, w, dy = _as_objects(x), _as_objects(w), _as_objects(dy)
    *leading, in_features = x.shape
    out_features = w.shape[0]
    leads = _positions(leading)
    tally = _Tally({})
    dx = dw = db = None
    if grad_input:
        dx = np.zeros(x.shape, dtype=object)
        for lead, f in itertools.product(leads, range(in_features)):
            dx[(*lead, f)] = tally.dot((dy[(*lead, j)], w[j, f]) for j in range(out_features))
    if grad_weight:
        dw = np.zeros(w.shape, dtype=object)
        for j, f in itertools.product(range(out_features), range(in_features)):
            dw[j, f] = tally.dot((dy[(*lead, j)], x[(*lead, f)]) for lead in leads)
    if grad_bias:
        db = np.array([_sum(tally, (dy[(*lead, j)] for lead in leads)) for j in range(out_features)], dtype=object)
    return Gradients(dx, dw, db, tally.mults, tally.adds)


def avg_pool_backward(
    dy: Any, in_size: Sequence[int], kernel: Sequence[int], stride: Sequence[int], padding: Sequence[int]
) -> Gradients:
    """Gradient of an average pool (``count_include_pad``): dY scaled by 1/window once, scattered onto the window."""
    dy = _as_objects(dy)
    n_batch, channels, *out_size = dy.shape
    tally = _Tally({})
    window = math.prod(kernel)
    dx = np.zeros((n_batch, channels, *in_size), dtype=object)
    hit = np.zeros(dx.shape, dtype=bool)
    for n, ch, o in itertools.product(range(n_batch), range(channels), _positions(out_size)):
        scaled = tally.mul(dy[(n, ch, *o)], 1 / window if window > 1 else 1)
        for k in _positions(kernel):
            pos = tuple(oo * s - p + kk for oo, kk, s, p in zip(o, k, stride, padding))
            if all(0 <= q < length for q, length in zip(pos, in_size)):
                _scatter(tally, dx, hit, (n, ch, *pos), scaled)
    return Gradients(dx, None, None, tally.mults, tally.adds)


@dataclass
class BatchNormStep:
    """A training-mode batch norm forward: the output, the updated running statistics, and its arithmetic."""

    output: np.ndarray
    running_mean: np.ndarray
    running_var: np.ndarray
    mults: int
    adds: int


def batch_norm_train(
    x: Any, weight: Any | None, bias: Any | None, running_mean: Any, running_var: Any, momentum: float, eps: float
) -> BatchNormStep:
    """PyTorch's CPU training-mode batch norm, literally: per channel the mean, the centred sum of squares,
    ``invstd``, the running statistics (the variance unbiased), then ``y = x * alpha + beta`` with
    ``alpha = invstd * weight`` and ``beta = bias - mean * alpha``. Divisions are counted as multiplications,
    the square root as neither."""
    x = _as_objects(x)
    tally = _Tally({})
    channels = x.shape[1]
    others = [pos for pos in _positions(x.shape) if pos[1] == 0]
    m = len(others)
    out = np.zeros(x.shape, dtype=object)
    new_mean, new_var = np.zeros(channels, dtype=object), np.zeros(channels, dtype=object)
    for c in range(channels):
        values = [x[(pos[0], c, *pos[2:])] for pos in others]
        mean = tally.mul(_sum(tally, values), 1 / m)
        var_sum = _sum(tally, (tally.mul(d, d) for d in (tally.add(v, -mean) for v in values)))
        invstd = tally.mul(1, 1 / math.sqrt(tally.add(tally.mul(var_sum, 1 / m), eps)))
        unbiased = tally.mul(var_sum, 1 / (m - 1))
        new_mean[c] = tally.add(tally.mul(1 - momentum, running_mean[c]), tally.mul(momentum, mean))
        new_var[c] = tally.add(tally.mul(1 - momentum, running_var[c]), tally.mul(momentum, unbiased))
        alpha = invstd if weight is None else tally.mul(invstd, weight[c])
        beta = tally.mul(-mean, alpha) if bias is None else tally.add(bias[c], -tally.mul(mean, alpha))
        for pos in others:
            index = (pos[0], c, *pos[2:])
            out[index] = tally.add(tally.mul(x[index], alpha), beta)
    return BatchNormStep(out, new_mean, new_var, tally.mults, tally.adds)


def softmax_backward(y: Any, dy: Any) -> Gradients:
    """Gradient of a softmax along the last axis from its output ``y``: ``y * (dy - sum(dy * y))`` per row."""
    y, dy = _as_objects(y), _as_objects(dy)
    tally = _Tally({})
    dx = np.zeros(y.shape, dtype=object)
    for lead in _positions(y.shape[:-1]):
        row = range(y.shape[-1])
        dot = tally.dot((dy[(*lead, j)], y[(*lead, j)]) for j in row)
        for j in row:
            dx[(*lead, j)] = tally.mul(y[(*lead, j)], tally.add(dy[(*lead, j)], -dot))
    return Gradients(dx, None, None, tally.mults, tally.adds)


def layer_norm_backward(
    x: Any, dy: Any, weight: Any | None, eps: float, *, grad_input: bool = True, grad_params: bool = True
) -> Gradients:
    """Layer norm's backward over the last axis, performed element by element (PyTorch's formula).

    The forward's ``mean`` and ``rstd`` per row are what autograd saved (computed here uncounted).
    Per element ``x_hat = (x - mean) * rstd`` and ``g = dy * weight``; per row ``c1 = sum(g) / M`` and
    ``c2 = sum(g * x_hat) / M``; ``dx = rstd * (g - c1 - x_hat * c2)``. ``grad_weight = sum(dy * x_hat)`` and
    ``grad_bias = sum(dy)`` over the rows (``weight`` None: no affine, no parameter gradients).
    """
    x, dy = np.asarray(x, dtype=float), np.asarray(dy, dtype=float)
    tally = _Tally({})
    m = x.shape[-1]
    rows = x.reshape(-1, m)
    grads = dy.reshape(-1, m)
    dx = np.zeros(rows.shape)
    x_hat = np.zeros(rows.shape)
    for r in range(rows.shape[0]):
        mean = rows[r].mean()
        rstd = 1 / np.sqrt(((rows[r] - mean) ** 2).mean() + eps)
        if grad_input or (weight is not None and grad_params):
            for j in range(m):
                x_hat[r, j] = tally.mul(tally.add(rows[r, j], -mean), rstd)
        if grad_input:
            g = [tally.mul(grads[r, j], weight[j]) if weight is not None else grads[r, j] for j in range(m)]
            c1 = tally.mul(_sum(tally, g), 1 / m)
            c2 = tally.mul(tally.dot((g[j], x_hat[r, j]) for j in range(m)), 1 / m)
            for j in range(m):
                dx[r, j] = tally.mul(rstd, tally.add(tally.add(g[j], -c1), -tally.mul(x_hat[r, j], c2)))
    grad_weight = grad_bias = None
    if weight is not None and grad_params:
        grad_weight = np.array([_sum(tally, [tally.mul(grads[r, j], x_hat[r, j]) for r in range(rows.shape[0])])
                                for j in range(m)])  # fmt: skip
        grad_bias = np.array([_sum(tally, [grads[r, j] for r in range(rows.shape[0])]) for j in range(m)])
    return Gradients(dx.reshape(x.shape) if grad_input else None, grad_weight, grad_bias, tally.mults, tally.adds)
