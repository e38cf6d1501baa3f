"""How many input positions along one axis a convolution's windows actually read.

Output ``o`` reads input position ``o*s + k*d - pad_left`` for each tap ``k``; taps
on padding read nothing, and a stride larger than the dilated kernel skips inputs
entirely. :func:`touched_length` counts the distinct positions read, exactly.

Why it is exact without enumerating positions: two pairs ``(k, o)`` and ``(k', o')``
reach the same position iff ``(k - k')*d = (o' - o)*s``, i.e. they differ by a
multiple of ``(s', -d') = (s, -d) / gcd(s, d)``. Each position therefore has one
*canonical* pair, the one that cannot move to ``(k - s', o + d')``: those with
``k < s'``, or with ``o >= L_out - d'``. Counting canonical pairs below a bound ``T``
is a sum over the kernel taps of clamped ceilings; the touched count is
``F(pad_left + L) - F(pad_left)``. The loop runs over kernel taps, never over a size.
"""

from __future__ import annotations

import math

import sympy


def touched_length(length, kernel: int, stride: int, dilation: int, pad_left: int, pad_right: int):
    """Distinct input positions read along one axis (``length`` may be a sympy expression).

    >>> touched_length(7, 1, 3, 1, 0, 0)  # taps at 0, 3, 6
    3
    >>> touched_length(5, 3, 1, 1, 1, 1)  # 'same' padding: every input read
    5
    >>> touched_length(8, 2, 4, 1, 0, 0)  # windows {0,1}, {4,5}: gaps of two
    4
    """
    out = _ceil_div(length + pad_left + pad_right - dilation * (kernel - 1), stride)  # output length
    common = math.gcd(stride, dilation)
    s_, d_ = stride // common, dilation // common

    def below(bound):
        """Canonical pairs ``(k, o)`` whose position ``k*d + o*s`` (padded coordinates) is below ``bound``."""
        total = 0
        for k in range(kernel):
            reach = _clamp(_ceil_div(bound - k * dilation, stride), 0, out)
            total += reach if k < s_ else _max(0, reach - _max(0, out - d_))
        return total

    return below(pad_left + length) - below(pad_left)


def _ceil_div(a, b: int):
    return -((-a) // b) if isinstance(a, int) else sympy.ceiling(a / b)


def _max(a, b):
    return max(a, b) if isinstance(a, int) and isinstance(b, int) else sympy.Max(a, b)


def _clamp(value, low, high):
    if isinstance(value, int) and isinstance(high, int):
        return min(max(value, low), high)
    return sympy.Min(sympy.Max(value, low), high)


class TouchedLength(sympy.Function):
    """Input positions one convolution axis reads: ``(length, kernel, stride, dilation, pad_left, pad_right)``.

    Exact integers on concrete arguments, and the length itself when every position is read
    (stride and dilation 1). Otherwise it stays unevaluated until its arguments are
    substituted, or until :func:`expand_touched` writes it in closed form (the ``touched``
    memory model does): building the closed form costs far more than the rest of a
    convolution's lowering, and most costs never ask for it.

    >>> from symconv.symbols import H
    >>> TouchedLength(H, 3, 1, 1, 1, 1)
    H
    >>> TouchedLength(7, 1, 3, 1, 0, 0)
    3
    >>> TouchedLength(H, 1, 3, 1, 0, 0).subs(H, 7)
    3
    """

    nargs = 6
    is_integer = True
    is_nonnegative = True

    @classmethod
    def eval(cls, length, kernel, stride, dilation, pad_left, pad_right):
        if stride == 1 and dilation == 1:
            return length  # consecutive windows cover the padded input
        if length.is_Integer and all(a.is_Integer for a in (kernel, stride, dilation, pad_left, pad_right)):
            return sympy.Integer(
                touched_length(int(length), int(kernel), int(stride), int(dilation), int(pad_left), int(pad_right))
            )
        return None

    def closed_form(self) -> sympy.Expr:
        """The count in closed form in the length, when the kernel geometry is concrete (else ``self``)."""
        length, *geometry = self.args
        if all(a.is_Integer for a in geometry):
            count = touched_length(length, *(int(a) for a in geometry))
            return sympy.Integer(count) if isinstance(count, int) else count
        return self


def expand_touched(expr: sympy.Expr) -> sympy.Expr:
    """``expr`` with every :class:`TouchedLength` of concrete kernel geometry written in closed form.

    >>> from symconv.symbols import H
    >>> expand_touched(2 * TouchedLength(H, 1, 2, 1, 0, 0))
    2*ceiling(H/2)
    """
    if not isinstance(expr, sympy.Basic) or not expr.has(TouchedLength):
        return expr
    return expr.replace(lambda e: isinstance(e, TouchedLength), lambda e: e.closed_form())
