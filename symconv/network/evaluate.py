"""Compile a cost expression into a plain Python function, exact on integers (``//`` for every rounding).

sympy's ``lambdify`` prints ``ceiling(H/32)`` as ``math.ceil((1/32)*H)``: a float division.
Here a rounding of ``p/q`` prints as integer floor division of the integer numerator by
the positive integer denominator, so the function is exact at any size.

>>> from symconv.symbols import H, W
>>> import sympy
>>> f = integer_function(3 * sympy.ceiling(H / 32) * sympy.floor((W + 1) / 2), (H, W))
>>> f(225, 10**30 + 1) == 3 * 8 * (10**30 + 2) // 2
True
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import sympy
from sympy.printing.pycode import PythonCodePrinter

from symconv.errors import InvalidConfiguration


class IntegerPrinter(PythonCodePrinter):
    """Python printer with integer floor and ceiling division (never through floats)."""

    def _fraction(self, expr: sympy.Expr) -> tuple[str, str]:
        numerator, denominator = sympy.together(expr.args[0]).as_numer_denom()
        if not (denominator.is_Integer and denominator > 0 and numerator.is_integer):
            raise InvalidConfiguration(f"{expr} is not a rounding of an integer ratio; cannot print it exactly")
        return self._print(numerator), self._print(denominator)

    def _print_floor(self, expr: sympy.Expr) -> str:
        numerator, denominator = self._fraction(expr)
        return f"(({numerator}) // {denominator})"

    def _print_ceiling(self, expr: sympy.Expr) -> str:
        numerator, denominator = self._fraction(expr)
        return f"(-((-({numerator})) // {denominator}))"

    def _print_Gcd(self, expr: sympy.Expr) -> str:
        return f"math.gcd({self._print(expr.args[0])}, {self._print(expr.args[1])})"


def integer_function(expr: sympy.Expr, symbols: Sequence[sympy.Symbol]) -> Callable[..., int]:
    """``expr`` as a Python function of ``symbols`` (ints in, exact int out when the expression is integral)."""
    return sympy.lambdify(tuple(symbols), expr, modules=[{"math": math}], printer=IntegerPrinter, docstring_limit=0)
