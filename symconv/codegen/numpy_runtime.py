"""Helpers of the generated NumPy modules; their function definitions are copied into each module.

They use only ``np`` (NumPy), ``axis_counts`` and ``transposed_length`` (copied from
:mod:`symconv.core.col2im_counts`), names a generated NumPy module defines.

A generated function is evaluated in int64 when a magnitude bound proves every
value that matters fits (see :mod:`symconv.codegen.bounds`): first on the
arguments' largest magnitudes in each block of ``_BLOCK`` rows (one reduction
per argument), then, in the blocks where that is not enough, configuration by
configuration in float64. The configurations that bound does
not clear (or every one, when an argument already holds integers beyond int64)
are evaluated exactly on Python ints: never a wrapped number. The result stays
int64 when every value fits, float64 for a quotient. ``_LIMIT`` is below int64's 2**63
with a wide margin for the float64 rounding of the bound; ``_MAX_RUNS`` caps
the memory of the vectorised col2im counts (configurations x largest stride), ``_MAX_TAPS``
its loop over taps (beyond it, the closed form ``axis_counts`` runs element by element).
"""

from __future__ import annotations

import numpy as np

from symconv.core.col2im_counts import axis_counts, transposed_length

_LIMIT = 2.0**62
_MAX_RUNS = 2**26
_MAX_TAPS = 64
_BLOCK = 1024
_EXACT_IN_FLOAT = 2**53


def _integers(name, value):
    """``value`` as an int64 array, or an object array of Python ints when it does not fit."""
    array = np.asarray(value)
    kind = array.dtype.kind
    if kind == "b" or (kind == "i" and array.dtype != np.int64):
        return array.astype(np.int64)
    if kind == "i":
        return array
    if kind == "u":
        return array.astype(object if array.size and array.max() >= 2**63 else np.int64)
    if kind == "O" and all(isinstance(v, int) for v in array.flat):
        return array
    raise TypeError(f"{name} must hold integers, got an array of dtype {array.dtype}")


def _magnitude(array):
    """The largest value of an int64 array in one pass; a negative value reads as >= 2**63 (uint64 view)."""
    if array.size == 0:
        return 0.0
    return float(array.view(np.uint64).max())


def _rows_fitting(bounds):
    """Where every bound is below the limit (a boolean array, broadcast over the bounds)."""
    fitting = np.bool_(True)
    for b in bounds:
        fitting = fitting & (np.asarray(b) < _LIMIT)
    return fitting


def _evaluate(compute, bounds, names, values, quotient):
    """``compute(*values)`` in int64 where a bound proves it exact, exactly on Python ints elsewhere.

    ``bounds`` is ``(on magnitudes, on each configuration's values)``; ``quotient`` says the
    result is a float64 quotient (never an object array).
    """
    bound, row_bound = bounds
    arrays = [_integers(name, value) for name, value in zip(names, values, strict=True)]
    if any(a.dtype != np.int64 for a in arrays):
        return _exact(compute, arrays, quotient)
    shape = np.broadcast_shapes(*(a.shape for a in arrays))
    size = int(np.prod(shape))
    if size == 0:
        return compute(*arrays)
    starts = np.arange(0, size, _BLOCK)
    blocks = _rows_fitting(bound(*[_block_magnitudes(a, size, starts) for a in arrays]))
    if np.all(blocks):
        return compute(*arrays)
    flat = [a.reshape(-1) if a.size in (1, size) else np.broadcast_to(a, shape).reshape(-1) for a in arrays]
    suspects = _rows_of(np.flatnonzero(~np.broadcast_to(blocks, starts.shape)), size)
    values = [a if a.size == 1 else a[suspects] for a in flat]
    others = suspects[~_rows_fitting(row_bound(*[np.abs(a.astype(np.float64)) for a in values]))]
    if others.size == 0:
        return compute(*arrays)
    if others.size == size:
        return _exact(compute, arrays, quotient)
    with np.errstate(all="ignore"):  # the rows that may have wrapped are recomputed exactly below
        result = np.broadcast_to(compute(*flat), (size,))
    exact = _exact(compute, [a if a.size == 1 else a[others] for a in flat], quotient)
    result = result.astype(object) if exact.dtype == object else result.copy()
    result[others] = exact
    return result.reshape(shape)


def _block_magnitudes(array, size, starts):
    """The largest magnitude in each block of rows (one pass), or over the whole array if it broadcasts."""
    if array.size != size:
        return _magnitude(array)
    return np.maximum.reduceat(array.reshape(-1).view(np.uint64), starts).astype(np.float64)


def _rows_of(blocks, size):
    rows = (blocks[:, None] * _BLOCK + np.arange(_BLOCK)).reshape(-1)
    return rows[rows < size]


def _exact(compute, arrays, quotient):
    """``compute`` on Python ints; a quotient as float64, integers as int64 when every one fits."""
    result = np.asarray(compute(*[a.astype(object) for a in arrays]))
    if quotient:
        return result.astype(np.float64)
    if result.dtype == object and all(-(2**63) <= v < 2**63 for v in result.flat):
        return result.astype(np.int64)
    return result


def _quotient(numerator, denominator):
    """``numerator / denominator`` rounded once to float64.

    Operands below 2**53 are exact in float64, so NumPy's division rounds once; the rows
    with a larger one are divided as Python ints (``int / int`` rounds the exact quotient),
    where NumPy would round each operand first.
    """
    p, q = np.asarray(numerator), np.asarray(denominator)
    if p.dtype == object or q.dtype == object:
        return np.asarray(p.astype(object) / q.astype(object), dtype=np.float64)
    with np.errstate(all="ignore"):
        result = np.asarray(np.true_divide(p, q))
    large = (np.abs(p) >= _EXACT_IN_FLOAT) | (np.abs(q) >= _EXACT_IN_FLOAT)
    if not np.any(large):
        return result
    shape = result.shape
    large = np.broadcast_to(large, shape)
    result = result.copy()
    exact = np.broadcast_to(p, shape)[large].astype(object) / np.broadcast_to(q, shape)[large].astype(object)
    result[large] = np.asarray(exact, dtype=np.float64)
    return result


def _col2im_counts(length, kernel, stride, dilation, padding, output_padding):
    """``axis_counts`` element-wise: vectorised in int64, on Python ints for object arrays or huge strides."""
    args = np.broadcast_arrays(*[np.asarray(a) for a in (length, kernel, stride, dilation, padding, output_padding)])
    too_long = int(args[1].max(initial=0)) > _MAX_TAPS  # the int64 sweep loops over taps; axis_counts does not
    if any(a.dtype == object for a in args) or too_long or args[2].size * int(args[2].max(initial=1)) > _MAX_RUNS:
        exact = np.frompyfunc(axis_counts, 6, 2)(*[a.astype(object) for a in args])
        dtype = object if any(a.dtype == object for a in args) else np.int64
        return tuple(np.asarray(counts).astype(dtype) for counts in exact)
    counts = _col2im_counts_int64(*[a.ravel() for a in args])
    return tuple(c.reshape(args[0].shape) for c in counts)


def _col2im_counts_int64(length, kernel, stride, dilation, padding, output_padding):
    """``axis_counts`` for 1-D int64 arrays, one pass per tap.

    Entry ``(i, k)`` lands on ``o = i*stride + k*dilation - padding``. Along one residue
    ``o mod stride`` the taps' runs of ``o // stride`` start and end later as ``k`` grows,
    so the union is a single sweep keeping the furthest position reached per residue.
    """
    out_length = transposed_length(length, kernel, stride, dilation, padding, output_padding)
    columns = np.arange(length.size)
    reach = np.full((int(stride.max(initial=1)), length.size), -1, dtype=np.int64)
    contributions = np.zeros(length.size, dtype=np.int64)
    targets = np.zeros(length.size, dtype=np.int64)
    for k in range(int(kernel.max(initial=0))):
        offset = k * dilation - padding
        first = np.maximum(0, -(offset // stride))
        last = np.minimum(length - 1, (out_length - 1 - offset) // stride)
        lands = (k < kernel) & (last >= first)
        contributions += np.where(lands, last - first + 1, 0)
        residue, shift = offset % stride, offset // stride
        previous = reach[residue, columns]
        start = np.maximum(first + shift, previous + 1)
        targets += np.where(lands, np.maximum(last + shift - start + 1, 0), 0)
        reach[residue, columns] = np.where(lands, np.maximum(previous, last + shift), previous)
    return contributions, targets
