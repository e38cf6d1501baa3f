"""Crossovers: for which positive integers of one symbol one cost's quantity is below, equal to or above another's.

The sets are solved and proved by :mod:`symconv.analysis.signs`; when they cannot be, the
answer comes from the symbols' assumptions, or is ``'undecided'``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import sympy

from symconv.analysis.arguments import as_cost, lookup, substitute
from symconv.analysis.signs import NATURALS, periodic_sign_sets, sign_sets, without_positive_factors
from symconv.core.canonical import canonical
from symconv.core.cost import Cost
from symconv.core.intfuncs import as_roundings
from symconv.core.quantities import Quantity, both, quantity_named
from symconv.core.rules import checked_value
from symconv.core.sizes import decide
from symconv.errors import SymconvError, WrongType
from symconv.ops.base import Operator

Verdict = Literal["always", "never", "sometimes", "undecided"]


@dataclass(frozen=True)
class Crossover:
    """Where ``a``'s quantity is below, equal to or above ``b``'s, over the positive integers ``symbol`` takes.

    ``less``, ``equal``, ``greater`` are sympy sets of positive integers (``None`` when
    they could not be determined exactly); ``exceeds`` says whether ``a > b``:
    ``'always'``, ``'never'``, ``'sometimes'`` or ``'undecided'``. ``difference`` is
    ``a - b`` after the ``given`` values. When other symbols are left, ``boundary``
    holds the real roots in ``symbol`` of the difference if sympy finds them, for
    reading (e.g. ``C_out = H*W/4 + 9/8``); the sets are then ``None``.
    """

    symbol: sympy.Symbol
    difference: sympy.Expr
    less: sympy.Set | None
    equal: sympy.Set | None
    greater: sympy.Set | None
    exceeds: Verdict
    boundary: sympy.Set | None = None
    closed_form: ClosedForm | None = None


@dataclass(frozen=True)
class ClosedForm:
    """Where ``a`` is below, equal to, above ``b``, as conditions on the symbol with other symbols free.

    For example ``C_out > (2HW + K²)/(K² − 1)``.

    ``assuming`` is the condition on the other symbols under which both hold (``None``: always);
    where it fails, the difference does not depend on the symbol.
    """

    less: sympy.Basic
    equal: sympy.Basic
    greater: sympy.Basic
    assuming: sympy.Basic | None


def closed_form(difference: sympy.Expr, x: sympy.Symbol) -> ClosedForm | None:
    """The sign of ``difference`` as a condition on ``x``, when it is linear in ``x`` (after positive factors).

    >>> from symconv.symbols import C_out, H, K, W
    >>> found = closed_form((1 - K**2) * C_out + 2 * H * W + K**2, C_out)
    >>> found.less, found.assuming
    (C_out > (2*H*W + K**2)/(K**2 - 1), K**2 - 1 > 0)
    """
    signed = without_positive_factors(difference)
    if not signed.is_polynomial(x) or sympy.degree(signed, x) != 1:
        return None
    slope, intercept = sympy.Poly(signed, x).all_coeffs()
    slope = min((slope, sympy.factor(slope)), key=sympy.count_ops)  # 8*(H - 2)**2 is decided >= 0, its expansion not
    top, bottom = sympy.fraction(sympy.cancel(-intercept / slope))
    if bottom.could_extract_minus_sign():
        top, bottom = -top, -bottom
    root = top / bottom
    rising, falling = (x < root, x > root), (x > root, x < root)
    for condition, (less, greater), assuming in (
        (slope > 0, rising, None),
        (slope < 0, falling, None),
        (slope >= 0, rising, slope > 0),
        (slope <= 0, falling, -slope > 0),
    ):
        if decide(condition):
            return ClosedForm(less, sympy.Eq(x, root), greater, assuming)
    return None


def crossover(
    a: Cost | Operator,
    b: Cost | Operator,
    quantity: str | Quantity,
    over: sympy.Symbol | str,
    given: Mapping[str, object] | None = None,
    *,
    input_shape: Sequence[object] | None = None,
    element_size: int = 1,
) -> Crossover:
    """For which positive integers ``over`` is ``a``'s quantity below, equal to, above ``b``'s?

    Other symbols are fixed by ``given`` (names to exact values) or stay symbolic. The
    sets are solved exactly with sympy's inequality solver (per residue class when
    ``over`` is under a ``ceiling``, as strided output sizes are) and proved by exact
    evaluation at every edge and next to every real root; when that is not possible the sets are ``None`` and
    ``exceeds`` is decided from the symbols' assumptions, or ``'undecided'``.

    >>> import symconv
    >>> from symconv.symbols import C_in, C_out, H, W
    >>> dw = symconv.DepthwiseSeparableConv2d(C_in, C_out, 3, padding=1, bias=False)
    >>> std = symconv.Conv2d(C_in, C_out, 3, padding=1, bias=False)
    >>> found = crossover(dw, std, "memory", "C_out", {"H": 7, "W": 7}, input_shape=(1, C_in, H, W))
    >>> found.greater, found.less, found.exceeds  # C_in*(2*7*7 + 9) > 8*C_in*C_out below C_out = 13.375
    (Range(1, 14, 1), Range(14, oo, 1), 'sometimes')
    >>> crossover(dw, std, "memory", "C_out", input_shape=(1, C_in, H, W)).boundary
    {H*W/4 + 9/8}
    """
    q = quantity_named(quantity)
    a, b = as_cost(a, input_shape), as_cost(b, input_shape)
    top, bottom = both(q, a, b, element_size=element_size)
    symbols = top.free_symbols | bottom.free_symbols
    where = f"the {q.name} of either cost"
    x = lookup(symbols, over, where)
    if given is not None and not isinstance(given, Mapping):
        raise WrongType(f"given={given!r} must be a mapping of symbol names to values")
    values = {}
    for name, value in (given or {}).items():
        if name == x.name:
            raise SymconvError(f"given fixes {name!r}, the symbol the crossover is over")
        values[name] = checked_value(value, lookup(symbols, name, where), {s.name: s for s in symbols})
    a.check_at(values)
    b.check_at(values)
    difference = sympy.cancel(sympy.together(substitute(as_roundings(top - bottom), values)))
    signed = without_positive_factors(difference)
    sets = None
    if signed.free_symbols <= {x}:
        sets = sign_sets(signed, x) or periodic_sign_sets(signed, x)
    if sets is not None:
        less, equal, greater = sets
        return Crossover(x, difference, less, equal, greater, _exceeds(greater))
    return _assumed(x, difference)


def _exceeds(greater: sympy.Set) -> Verdict:
    if greater == sympy.S.EmptySet:
        return "never"
    return "always" if greater == NATURALS or greater == sympy.Range(1, sympy.oo) else "sometimes"


def _assumed(x: sympy.Symbol, difference: sympy.Expr) -> Crossover:
    """The answer the symbols' assumptions (positive integers) give, when the sets cannot be solved."""
    empty = sympy.S.EmptySet
    if decide(difference > 0):
        return Crossover(x, difference, empty, empty, NATURALS, "always")
    if decide(difference < 0):
        return Crossover(x, difference, NATURALS, empty, empty, "never")
    if decide(sympy.Eq(difference, 0)):
        return Crossover(x, difference, empty, NATURALS, empty, "never")
    if decide(difference <= 0):
        return Crossover(x, difference, None, None, empty, "never")
    try:
        roots = sympy.solveset(without_positive_factors(difference), x, sympy.S.Reals)
    except (NotImplementedError, ValueError, TypeError):
        roots = None
    boundary = sympy.FiniteSet(*map(canonical, roots)) if isinstance(roots, sympy.FiniteSet) else None
    return Crossover(x, difference, None, None, None, "undecided", boundary, closed_form(difference, x))
