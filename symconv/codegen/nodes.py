"""Expression nodes of generated code: exact integer division, and the col2im counts as one call.

Integer division is a node (:mod:`symconv.core.intfuncs`) so that ``cse`` cannot split a quotient
into ``1/q``. Output sizes are such nodes already; a ``floor(p/q)`` or ``ceiling(p/q)`` of
sympy's becomes :class:`FloorDiv` / :class:`CeilDiv` of integer polynomials, and a whole quantity
``P/Q`` becomes ``FloorDiv(P, Q)`` (an
integer count: exact for every valid configuration) or :class:`Ratio` (a
quotient such as an arithmetic intensity, printed as an exact fraction).

Examples
--------
>>> from symconv.symbols import H, K, s
>>> integer_form(sympy.ceiling((H - K + 1) / s), integer=True)
ceiling((H - K + 1)/s)
>>> integer_form(H / s, integer=False)
Ratio(H, s)

The col2im counts of an axis come from one ``axis_counts`` call, which ``cse`` can share:

>>> from symconv.core.functions import Col2imContributions
>>> integer_form(Col2imContributions(H, K, s, 1, 1, 0), integer=True)
Item(Col2imCounts(H, K, s, 1, 1, 0), 0)
"""

from __future__ import annotations

from collections.abc import Sequence

import sympy

from symconv.core.functions import Col2imContributions, Col2imTargets
from symconv.core.intfuncs import CeilDiv, FloorDiv


class Ratio(sympy.Function):
    """The exact quotient ``p/q`` of two integers, kept apart so that it is printed exactly."""

    nargs = 2


class Col2imCounts(sympy.Function):
    """``(contributions, targets)`` of col2im along one axis: a pair, read through :class:`Item`."""

    nargs = 6


class Item(sympy.Function):
    """Entry ``index`` of a pair such as :class:`Col2imCounts`."""

    nargs = 2
    is_integer = True


def quotient(expr: sympy.Expr) -> tuple[sympy.Expr, sympy.Expr]:
    """``(p, q)`` with ``expr == p/q``, ``p`` and ``q`` free of division (``fraction(together(expr))``, faster)."""
    return expr.as_numer_denom()


def exact_divisions(expr: sympy.Expr, divisible: Sequence[tuple[sympy.Symbol, sympy.Symbol]]) -> sympy.Expr:
    """``expr`` with ``n`` as ``d*(n // d)`` for pairs ``(n, d)`` (``d`` divides ``n``) until nothing divides by ``d``.

    Dividing ``n`` first keeps intermediates small (a depthwise layer's ``in_channels // groups``
    is 1) and spares a division of the whole product; ``d*(n // d)`` left as a factor is ``n`` again.

    >>> from symconv.symbols import C_in, C_out, g
    >>> exact_divisions((C_in * C_out + g * C_out) / g, [(C_in, g), (C_out, g)])
    C_out*(floor(C_in/g) + 1)
    """
    for n, d in divisible:
        if not quotient(expr)[1].has(d):
            break
        part = FloorDiv(n, d)
        expr = expr.subs(n, part * d)
        p, q = quotient(expr)
        if q.has(d):  # a sum over d: take d out of it, to cancel
            expr = sympy.factor_terms(p) / q
        expr = expr.subs(part * d, n)
    return expr


def integer_form(
    expr: sympy.Expr, *, integer: bool, divisible: Sequence[tuple[sympy.Symbol, sympy.Symbol]] = ()
) -> sympy.Expr:
    """``expr`` with every ``floor``/``ceiling`` and the outer quotient as integer-division nodes.

    ``integer=True`` says the value is an integer count (its outer quotient becomes a
    :class:`FloorDiv`, exact whenever the configuration is valid); ``False`` keeps an
    exact :class:`Ratio`. ``divisible`` lists pairs ``(n, d)`` where ``d`` divides ``n``
    in every valid configuration (see :func:`exact_divisions`).
    """
    expr = exact_divisions(expr, divisible)
    expr = expr.replace(Col2imContributions, lambda *args: Item(Col2imCounts(*args), 0))
    expr = expr.replace(Col2imTargets, lambda *args: Item(Col2imCounts(*args), 1))
    expr = expr.replace(sympy.floor, lambda arg: FloorDiv(*quotient(arg)))
    expr = expr.replace(sympy.ceiling, lambda arg: CeilDiv(*quotient(arg)))
    p, q = quotient(expr)
    if integer:
        return FloorDiv(p, q)
    return Ratio(p, q)
