"""sympy functions for the counts that have no polynomial closed form in general.

They evaluate to exact integers on concrete arguments and to closed forms in
the symbolic cases that have one; otherwise they stay unevaluated (and the code
generator emits :mod:`symconv.core.col2im_counts` to compute them).
"""

from __future__ import annotations

import sympy

from symconv.core.col2im_counts import axis_counts
from symconv.core.sizes import decide


class _Col2imAxis(sympy.Function):
    """Base of the per-axis col2im counts; arguments ``(length, kernel, stride, dilation, padding, output_padding)``."""

    nargs = 6
    is_integer = True
    is_nonnegative = True
    _index: int

    @classmethod
    def eval(cls, length, kernel, stride, dilation, padding, output_padding):
        args = (length, kernel, stride, dilation, padding, output_padding)
        if all(a.is_Integer for a in args):
            return sympy.Integer(axis_counts(*(int(a) for a in args))[cls._index])
        if padding.is_zero:
            return cls._uncropped(length, kernel, stride, dilation)
        return None

    @classmethod
    def _uncropped(cls, length, kernel, stride, dilation):
        raise NotImplementedError


class Col2imContributions(_Col2imAxis):
    """Column entries along one axis that land inside the output (the rest are cropped by padding)."""

    _index = 0

    @classmethod
    def _uncropped(cls, length, kernel, stride, dilation):
        return kernel * length


class Col2imTargets(_Col2imAxis):
    """Distinct output positions along one axis that col2im writes at least once."""

    _index = 1

    @classmethod
    def _uncropped(cls, length, kernel, stride, dilation):
        if decide(sympy.Ge(stride, dilation * (kernel - 1) + 1, evaluate=False)):
            return kernel * length  # windows never overlap
        if stride == 1 and dilation == 1:
            return length + kernel - 1
        return None
