"""Magnitude bounds that tell when int64 evaluation of a generated expression is exact.

int64 arithmetic wraps modulo 2**64, and ``+ - *`` commute with that wrap: a
ring expression whose true value fits in int64 comes out right whatever its
intermediates did. What must fit are the values that leave the ring: the
operands of ``//`` (and of quotients and the col2im counts) and the results.
:func:`bound` replaces every coefficient by its absolute value and every
``p // q`` by a bound of ``p`` (``|p // q| <= |p|`` for ``q >= 1``; a ceiling
is printed ``(p - 1) // q + 1``), giving a
polynomial with nonnegative coefficients that bounds the magnitude of its
expression when evaluated on the magnitudes of the arguments; it records the
bounds that must stay below the limit in ``checks``.

>>> from symconv.symbols import H, K, s
>>> from symconv.core.intfuncs import FloorDiv
>>> checks = []
>>> bound(FloorDiv(H - K, s) + 1, {}, checks)
H + K + 1
>>> checks
[H + K, s]

On one configuration's values, a quotient by a positive argument is bounded by the quotient:

>>> bound(FloorDiv(H - K, s) + 1, {}, [], rows=True)
Ratio(H + K, s) + 2
"""

from __future__ import annotations

from collections.abc import Mapping

import sympy

from symconv.codegen.nodes import Col2imCounts, Item, Ratio
from symconv.core.intfuncs import CeilDiv, FloorDiv, Gcd
from symconv.errors import SymconvError

_QUOTIENTS = (FloorDiv, Ratio)


def bound(
    expr: sympy.Expr, names: Mapping[sympy.Symbol, sympy.Symbol], checks: list[sympy.Expr], rows: bool = False
) -> sympy.Expr:
    """An upper bound of ``|expr|`` in the bounds ``names`` (symbols not in it bound themselves).

    With ``rows`` the bound is evaluated on each configuration's own values (not on the
    largest magnitude of each argument), so a quotient by a product of positive arguments
    is bounded by the quotient of the bounds: ``|p // q| <= |p| / q + 1``.
    """
    if expr.is_Symbol:
        return names.get(expr, expr)
    if expr.is_Integer:
        return abs(expr)
    if expr.is_Add or expr.is_Mul:
        parts = [bound(a, names, checks, rows) for a in expr.args]
        return sympy.Add(*parts) if expr.is_Add else sympy.Mul(*parts)
    if expr.is_Pow and expr.exp.is_Integer and expr.exp >= 0:
        return bound(expr.base, names, checks, rows) ** expr.exp
    if isinstance(expr, CeilDiv):  # printed (p - 1) // q + 1
        p, q = bound(expr.args[0] - 1, names, checks, rows), bound(expr.args[1], names, checks, rows)
        checks += [p, q]
        return Ratio(p, q) + 2 if rows and _exact_positive(expr.args[1]) else p + 1
    if isinstance(expr, _QUOTIENTS):
        p, q = (bound(a, names, checks, rows) for a in expr.args)
        checks += [p, q]
        return Ratio(p, q) + 1 if rows and _exact_positive(expr.args[1]) else p
    if isinstance(expr, Gcd):  # gcd(a, b) <= a for positive a, b
        a, b = (bound(x, names, checks, rows) for x in expr.args)
        checks += [a, b]
        return a
    if isinstance(expr, Col2imCounts):
        length, kernel, stride, dilation, padding, output_padding = (bound(a, names, checks, rows) for a in expr.args)
        # the helper's intermediates (output length, tap offsets) stay below this
        checks.append((length + 1) * stride + 2 * padding + dilation * (kernel + 1) + output_padding + 1)
        return length * kernel  # both counts are at most length * kernel
    if isinstance(expr, Item):
        return bound(expr.args[0], names, checks, rows)
    raise SymconvError(f"no magnitude bound for {type(expr).__name__}: {expr}")


def _exact_positive(q: sympy.Expr) -> bool:
    """Whether ``q`` is a product of positive arguments and integers: its bound on one configuration is its value."""
    return all(
        (f.is_Integer and f > 0)
        or (f.is_Symbol and f.is_positive)
        or (f.is_Pow and f.exp.is_Integer and f.exp > 0 and _exact_positive(f.base))
        for f in sympy.Mul.make_args(q)
    )
