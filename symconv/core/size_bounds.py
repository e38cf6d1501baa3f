"""Deciding a model's conditions on sizes (``if x.shape[-1] < 7``, ``H % 7``) for every size symconv was given.

:func:`~symconv.core.sizes.decide` answers from the symbols' assumptions. The conditions models
write about their sizes hold integer divisions and remainders (``ceiling(H/2)``, the
padding ``(7 - W % 7) % 7``), which it cannot see through. Here each is bounded instead:
``p/q <= ceiling(p/q) <= p/q + (q-1)/q``, ``0 <= p mod n <= n - 1``; what is left is linear
in the bounds, and the condition is decided when it holds (or fails) across their whole range.
"""

from __future__ import annotations

import functools
from typing import Any

import sympy

from symconv.core.intfuncs import CeilDiv, FloorDiv
from symconv.core.sizes import decide

#: how deep integer functions may nest in a condition (a stage's size: a division of a division ...)
_DEPTH = 32


def decide_bounded(relation: Any) -> bool | None:
    """True or False when ``relation`` holds or fails for every value of its symbols, else None.

    ``2*ceiling(H/2) - H + 1 > 0`` holds for every ``H``: with ``ceiling(H/2) = H/2 + r``,
    ``0 <= r <= 1/2``, the difference is ``1 + 2r``, at least ``1``.

    >>> from symconv.symbols import H
    >>> decide_bounded(sympy.Lt(2 * CeilDiv(H, 2) - H + 1, 0)), decide_bounded(sympy.Lt(FloorDiv(H, 32), 7))
    (False, None)
    >>> decide_bounded(sympy.Le(CeilDiv(H, 4), 7 * CeilDiv(H, 28)))  # r1 - 7 r2 <= 3/4, an integer: <= 0
    True
    >>> decide_bounded(sympy.Ge(7, FloorDiv(H + 255, 32) + sympy.Mod(FloorDiv(H + 255, 32), 7)))  # H >= 1
    False
    """
    if isinstance(relation, sympy.Basic):
        return _decided(relation)
    return decide(relation)


@functools.lru_cache(maxsize=4096)
def _decided(relation: sympy.Basic) -> bool | None:
    """:func:`decide_bounded`, memoised on the relation (an immutable expression: a model asks the same ones
    at every block)."""
    truth = decide(relation)
    if truth is not None or not isinstance(relation, sympy.core.relational.Relational):
        return truth
    difference = relation.lhs - relation.rhs
    bounded = _bounded(difference)
    if bounded is None:
        return None
    least, most = bounded
    if difference.is_integer:  # an integer in [-6.75, 0.75] is at most 0
        least = sympy.ceiling(least) if least.is_Number else least
        most = sympy.floor(most) if most.is_Number else most
    return _on_range(type(relation), least, most)


def _bounded(difference: sympy.Expr) -> tuple[sympy.Expr, sympy.Expr] | None:
    """The least and the most ``difference`` can be, as expressions free of integer functions; None if not linear."""
    ranges: dict[sympy.Dummy, tuple[sympy.Expr, sympy.Expr]] = {}
    replaced: dict[sympy.Expr, sympy.Expr] = {}  # one remainder per integer function, wherever it occurs
    for _ in range(_DEPTH):
        atoms = difference.atoms(FloorDiv, CeilDiv, sympy.Mod)
        if not atoms:
            break
        for atom in atoms - set(replaced):
            divisor = atom.args[1]
            if not (divisor.is_Integer and divisor > 0):
                return None
            r = sympy.Dummy()
            if isinstance(atom, sympy.Mod):
                replaced[atom], ranges[r] = r, (sympy.Integer(0), divisor - 1)
                continue
            replaced[atom] = atom.args[0] / divisor + (r if isinstance(atom, CeilDiv) else -r)
            ranges[r] = (sympy.Integer(0), sympy.Rational(int(divisor) - 1, int(divisor)))
        difference = difference.xreplace(replaced)
    else:
        return None
    if not ranges:
        return None
    difference = difference.expand()
    least = most = difference
    for r, (low, high) in ranges.items():
        slope = difference.coeff(r)
        if not slope.is_Number or (difference - slope * r).has(r):
            return None
        least = least.subs(r, low if slope >= 0 else high)
        most = most.subs(r, high if slope >= 0 else low)
    return least, most


def _on_range(relation: type, least: sympy.Expr, most: sympy.Expr) -> bool | None:
    """The truth of ``d REL 0`` for every ``d`` from ``least`` to ``most``, if it is the same for all."""
    cases = {
        sympy.StrictLessThan: (sympy.Lt(most, 0), sympy.Ge(least, 0)),
        sympy.LessThan: (sympy.Le(most, 0), sympy.Gt(least, 0)),
        sympy.StrictGreaterThan: (sympy.Gt(least, 0), sympy.Le(most, 0)),
        sympy.GreaterThan: (sympy.Ge(least, 0), sympy.Lt(most, 0)),
        sympy.Equality: (
            sympy.And(sympy.Eq(least, 0), sympy.Eq(most, 0)),
            sympy.Or(sympy.Gt(least, 0), sympy.Lt(most, 0)),
        ),
        sympy.Unequality: (
            sympy.Or(sympy.Gt(least, 0), sympy.Lt(most, 0)),
            sympy.And(sympy.Eq(least, 0), sympy.Eq(most, 0)),
        ),
    }.get(relation)
    if cases is None:
        return None
    always, never = (_holds(c) for c in cases)
    return True if always else False if never else None


def _holds(condition: sympy.Basic) -> bool:
    if isinstance(condition, sympy.And):
        return all(_holds(c) for c in condition.args)
    if isinstance(condition, sympy.Or):
        return any(_holds(c) for c in condition.args)
    return decide(condition) is True
