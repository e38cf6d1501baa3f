"""The canonical form of a cost expression, so that equal inputs written differently come out identical (``==``).

:func:`canonical` (used by ratios, intensities and leading terms) rewrites an
expression in a fixed order:

1. rounding functions (``floor``, ``ceiling``) are simplified on their own, so
   ``ceiling((s*(H - 1) + 1)/s)`` becomes ``H``;
2. ``cancel(together(.))``: one fraction ``P/Q`` of expanded polynomials with
   their greatest common divisor removed and a normalised leading coefficient
   (canonical for rational functions);
3. if ``Q`` is a single term (a monomial or a number), the fraction is expanded
   into a sum of simple terms, each reduced on its own: ``1/C_out + 1/K**2``;
   otherwise ``P`` and ``Q`` are factored: ``C_in*(K**2 + 1)/(C_out + C_in)``.
"""

from __future__ import annotations

import sympy

from symconv.core.intfuncs import as_roundings
from symconv.core.rules import exact_value


def simplify_rounding(expr: sympy.Expr) -> sympy.Expr:
    """``expr`` with each ``floor``/``ceiling`` simplified on its own: ``ceiling((s*(H - 1) + 1)/s)`` is ``H``."""
    return as_roundings(expr).replace(lambda e: isinstance(e, sympy.floor | sympy.ceiling), sympy.simplify)


def canonical(expr: sympy.Expr) -> sympy.Expr:
    """``expr`` in the canonical readable form described in the module docstring.

    >>> from symconv.symbols import C_out, K
    >>> canonical((C_out + K**2) / (C_out * K**2))
    K**(-2) + 1/C_out
    >>> canonical((K**2 * C_out - C_out) / (K - 1)) == canonical(C_out * K + C_out)
    True
    """
    fraction = sympy.cancel(sympy.together(simplify_rounding(exact_value(expr, "expr"))))
    numerator, denominator = sympy.fraction(fraction)
    if len(sympy.Add.make_args(sympy.expand(denominator))) == 1:
        return sympy.expand(numerator / denominator)
    return sympy.factor(numerator) / sympy.factor(denominator)
