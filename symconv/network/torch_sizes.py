"""Python arithmetic and comparisons on sizes (``x.shape[-1] // 2``, ``H % 7``, ``x.ndim == 4``), done by sympy.

Sizes take one form whatever arithmetic made them (integer divisions as ceilings, as layers
write them), so that equal sizes compare equal; comparisons are decided for every size
symconv was given (:func:`~symconv.core.size_bounds.decide_bounded`), or kept undecided.
"""

from __future__ import annotations

import functools
import math
import numbers
import operator
from collections.abc import Callable

import sympy

from symconv.core.intfuncs import CeilDiv, FloorDiv
from symconv.core.size_bounds import decide_bounded, declared_sizes, where_it_flips
from symconv.errors import NotLowerable


@functools.lru_cache(maxsize=8192)  # a pure function of an immutable expression, asked again at every block
def ceiling_form(size: sympy.Expr) -> sympy.Expr:
    """``size`` with its floors as ceilings, the form layers give sizes, so equal sizes compare equal.

    ``floor(-p/q)`` is ``-ceiling(p/q)``, and ``floor(p/2)`` is ``p - ceiling(p/2)``: padding to even,
    ``W + W % 2``, is then ``2*ceiling(W/2)``.
    """
    return size.replace(
        lambda e: isinstance(e, FloorDiv) and (e.args[0].could_extract_minus_sign() or e.args[1] == 2),
        lambda e: (
            -CeilDiv(-e.args[0], e.args[1])
            if e.args[0].could_extract_minus_sign()
            else e.args[0] - CeilDiv(e.args[0], 2)
        ),
    )


def _number(value: object) -> sympy.Basic:
    """A traced Python number (or a size) as sympy: an int exactly, a float as a Float; never text."""
    if isinstance(value, sympy.Basic):
        return value
    if isinstance(value, numbers.Integral):
        return sympy.Integer(int(value))
    if isinstance(value, numbers.Real):
        return sympy.Float(value)
    raise NotLowerable(f"{value!r} is not a number symconv can compute with")


def _floordiv(a, b):
    """``a // b`` of sizes: an exact integer division (symconv's ``FloorDiv``) when ``b`` is a whole number."""
    if not (isinstance(a, sympy.Basic) or isinstance(b, sympy.Basic)):
        return a // b
    a, b = _number(a), _number(b)
    if a.is_integer and b.is_Integer and b > 0:  # -p // q as -ceiling(p/q): the form sizes take elsewhere
        return -CeilDiv(-a, b) if a.could_extract_minus_sign() else FloorDiv(a, b)
    return sympy.floor(a / b)


def _rounding(rounded: type, function: Callable) -> Callable:
    """``math.ceil`` / ``math.floor`` of a size: an exact integer division when it is one."""

    def rounding(x):
        if not isinstance(x, sympy.Basic):
            return function(x)
        numerator, denominator = sympy.fraction(sympy.together(x))
        return rounded(numerator, denominator) if denominator.is_Integer else function(x)

    return rounding


def _compare(relation: Callable) -> Callable:
    def compare(a, b):
        if isinstance(a, sympy.Basic) or isinstance(b, sympy.Basic):
            held = relation(_number(a), _number(b))
            truth = decide_bounded(held)
            return held if truth is None else truth  # undecided: kept, for the message that refuses it
        return relation(a, b)

    compare.__name__ = relation.__name__
    return compare


def _mod(a, b):
    """``a % b`` of sizes, as ``a - b * (a // b)``: sums of sizes and remainders then simplify (``W + W % 2``)."""
    if not (isinstance(a, sympy.Basic) or isinstance(b, sympy.Basic)):
        return a % b
    quotient = _floordiv(a, b)
    return sympy.Mod(a, b) if quotient.has(sympy.floor) else a - b * quotient


def _power(a, b):
    """``size ** exponent`` (attention's ``head_dim ** -0.5``): an exact integer, or a Python float scale."""
    result = _number(a) ** _number(b)
    if result.is_Integer or result.free_symbols:
        return result
    return float(result)


def undecided(condition: object) -> str:
    """Why a branch on ``condition`` is refused, and the range of sizes to declare that would decide it.

    >>> from symconv.symbols import H
    >>> print(undecided(sympy.Le(7 * FloorDiv(H + 24, 28), 7)))  # doctest: +NORMALIZE_WHITESPACE
    which the input sizes do not decide (true at H=31, false at H=32): the cost differs on either side;
    declare the sizes it is for, sizes={H: (low, 31)} or sizes={H: (32, high)}
    """
    ranges = declared_sizes()
    within = f" (declared {', '.join(map(str, ranges))})" if ranges else ""
    flip = where_it_flips(condition) if isinstance(condition, sympy.Basic) else None
    if flip is None:
        return (
            f"which the input sizes{within} do not decide; declare the range of sizes the cost is for "
            "(from_torch(..., sizes={H: (low, high)})), or give sizes that do "
            "(integers, or multiples that fit the model)"
        )
    symbol, n, truth = flip
    return (
        f"which the input sizes{within} do not decide ({str(truth).lower()} at {symbol}={n}, "
        f"{str(not truth).lower()} at {symbol}={n + 1}): the cost differs on either side; declare the sizes it is for, "
        f"sizes={{{symbol}: (low, {n})}} or sizes={{{symbol}: ({n + 1}, high)}}"
    )


SIZE_FUNCTIONS = {
    operator.floordiv: _floordiv,
    operator.pow: _power,
    operator.sub: operator.sub,
    operator.mod: _mod,
    math.ceil: _rounding(CeilDiv, sympy.ceiling),
    math.floor: _rounding(FloorDiv, sympy.floor),
    operator.eq: _compare(sympy.Eq),
    operator.ne: _compare(sympy.Ne),
    operator.lt: _compare(sympy.Lt),
    operator.le: _compare(sympy.Le),
    operator.gt: _compare(sympy.Gt),
    operator.ge: _compare(sympy.Ge),
}
