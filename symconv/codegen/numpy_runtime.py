"""Helpers of the generated NumPy modules; their function definitions are copied into each module.

They use only ``np`` (NumPy) and ``axis_counts`` (copied from
:mod:`symconv.col2im_counts`), the two names a generated NumPy module defines.

A generated function is evaluated in int64 when a magnitude bound proves every
value that matters fits (see :mod:`symconv.codegen.bounds`): first on the
arguments' largest magnitudes (a few reductions), then, if that is not enough,
configuration by configuration in float64. Otherwise, or when an argument
already holds integers beyond int64, it is evaluated exactly on Python ints
(``dtype=object``): never a wrapped number.
"""

from __future__ import annotations

import numpy as np

from symconv.col2im_counts import axis_counts

_LIMIT = 2.0**62  # below int64's 2**63 with a wide margin for float64 rounding of the bound


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


def _col2im_counts(length, kernel, stride, dilation, padding, output_padding):
    """``axis_counts`` element-wise, on Python ints (exact); int64 unless an argument is an object array."""
    args = [np.asarray(a) for a in (length, kernel, stride, dilation, padding, output_padding)]
    exact = any(a.dtype == object for a in args)
    contributions, targets = np.frompyfunc(axis_counts, 6, 2)(*[a.astype(object) for a in args])
    dtype = object if exact else np.int64
    return np.asarray(contributions).astype(dtype), np.asarray(targets).astype(dtype)
