"""Compile a network's cost expression into a plain Python function, exact on integers.

The printing is :class:`symconv.codegen.printers.ScalarPrinter`'s (every rounding as integer
``//``, never through floats; sympy's ``lambdify`` would print ``math.ceil((1/32)*H)``), plus
the one function only networks produce: the ``Gcd`` of adaptive pooling windows.

>>> from symconv.symbols import H, W
>>> import sympy
>>> f = integer_function(3 * sympy.ceiling(H / 32) * sympy.floor((W + 1) / 2), (H, W))
>>> f(225, 10**30 + 1) == 3 * 8 * (10**30 + 2) // 2
True
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from fractions import Fraction

import sympy

from symconv.codegen.printers import ScalarPrinter


class NetworkPrinter(ScalarPrinter):
    """:class:`ScalarPrinter` that also prints the adaptive pools' ``Gcd`` as ``math.gcd``."""

    def _print_Gcd(self, expr: sympy.Expr) -> str:
        return f"math.gcd({self._print(expr.args[0])}, {self._print(expr.args[1])})"


def integer_function(expr: sympy.Expr, symbols: Sequence[sympy.Symbol]) -> Callable[..., int]:
    """``expr`` as a Python function of ``symbols`` (ints in, an exact int or Fraction out)."""
    namespace = [{"math": math, "Fraction": Fraction}]
    return sympy.lambdify(tuple(symbols), expr, modules=namespace, printer=NetworkPrinter, docstring_limit=0)
