"""Helpers of the generated NumPy modules; their function definitions are copied into each module.

They use only ``np`` (NumPy), ``axis_counts`` and ``transposed_length`` (copied from
:mod:`symconv.col2im_counts`), names a generated NumPy module defines.

A generated function is evaluated in int64 when a magnitude bound proves every
value that matters fits (see :mod:`symconv.codegen.bounds`): first on the
arguments' largest magnitudes (a few reductions), then, if that is not enough,
configuration by configuration in float64. Otherwise, or when an argument
already holds integers beyond int64, it is evaluated exactly on Python ints
(``dtype=object``): never a wrapped number. ``_LIMIT`` is below int64's 2**63
with a wide margin for the float64 rounding of the bound; ``_MAX_RUNS`` caps
the memory of the vectorised col2im counts (configurations x largest stride).
"""

from __future__ import annotations

import numpy as np

from symconv.col2im_counts import axis_counts, transposed_length

_LIMIT = 2.0**62
_MAX_RUNS = 2**26


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


def _fits(bounds):
    return all(np.all(b < _LIMIT) for b in bounds)


def _evaluate(compute, bound, names, values):
    """``compute(*values)`` in int64 if the bound proves it exact, else exactly on Python ints."""
    arrays = [_integers(name, value) for name, value in zip(names, values, strict=True)]
    if all(a.dtype == np.int64 for a in arrays):
        if _fits(bound(*[_magnitude(a) for a in arrays])):
            return compute(*arrays)
        if _fits(bound(*[np.abs(a.astype(np.float64)) for a in arrays])):
            return compute(*arrays)
    return compute(*[a.astype(object) for a in arrays])


def _quotient(numerator, denominator):
    """``numerator / denominator`` rounded once to float64.

    NumPy's int64 division rounds each operand to float64 first (twice wrong beyond 2**53);
    Python's ``int / int`` rounds the exact quotient.
    """
    exact = np.asarray(numerator).astype(object) / np.asarray(denominator).astype(object)
    return np.asarray(exact, dtype=np.float64)


def _col2im_counts(length, kernel, stride, dilation, padding, output_padding):
    """``axis_counts`` element-wise: vectorised in int64, on Python ints for object arrays or huge strides."""
    args = np.broadcast_arrays(*[np.asarray(a) for a in (length, kernel, stride, dilation, padding, output_padding)])
    if any(a.dtype == object for a in args) or args[2].size * int(args[2].max(initial=1)) > _MAX_RUNS:
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
