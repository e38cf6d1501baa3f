"""Printers of cost expressions as exact Python (integers, ``//``, ``Fraction``) and as NumPy array code.

Examples
--------
>>> import sympy
>>> from symconv.symbols import H, K, s
>>> ScalarPrinter().doprint(sympy.floor((H - K) / s) + 1)
'((H - K) // s) + 1'
>>> ScalarPrinter().doprint(sympy.ceiling(H / (2 * s)))
'((H - 1) // (2*s) + 1)'
"""

from __future__ import annotations

import sympy
from sympy.printing.precedence import PRECEDENCE
from sympy.printing.pycode import PythonCodePrinter

from symconv.codegen.nodes import Col2imCounts, Item, quotient
from symconv.core.functions import Col2imContributions, Col2imTargets
from symconv.core.intfuncs import CeilDiv, FloorDiv, Gcd
from symconv.errors import SymconvError


class NotExact(SymconvError):
    """An expression that the integer printers cannot print exactly (a float, a fractional power)."""


class ScalarPrinter(PythonCodePrinter):
    """Python on ints: integer division exact (``//``, never through floats), quotients as ``Fraction``.

    The col2im counts print as calls to ``axis_counts``, whose source the generated module carries, and
    the adaptive pools' :class:`~symconv.core.intfuncs.Gcd` as ``math.gcd``.
    """

    printmethod = "_symconv_scalar"
    col2im_function = "axis_counts"
    gcd_function = "math.gcd"

    def _print_FloorDiv(self, expr: FloorDiv) -> str:
        return f"({self._floor_division(*expr.args)})"

    def _print_CeilDiv(self, expr: CeilDiv) -> str:
        # ceil(p/q) == (p - 1)//q + 1 for q >= 1: PyTorch's form, and faster in CPython than -((-p)//q)
        p, q = expr.args
        return f"({self._floor_division(p - 1, q)} + 1)"

    def _floor_division(self, p: sympy.Expr, q: sympy.Expr) -> str:
        # ``//`` binds like ``*``: a sum needs parentheses on the left, a product on the right too.
        mul = PRECEDENCE["Mul"]
        return f"{self.parenthesize(p, mul, strict=True)} // {self.parenthesize(q, mul)}"

    def _print_Gcd(self, expr: Gcd) -> str:
        return f"{self.gcd_function}({self._print(expr.args[0])}, {self._print(expr.args[1])})"

    def _print_floor(self, expr: sympy.floor) -> str:
        return self._print(FloorDiv(*quotient(expr.args[0])))

    def _print_ceiling(self, expr: sympy.ceiling) -> str:
        return self._print(CeilDiv(*quotient(expr.args[0])))

    def _as_ordered_terms(self, expr, order=None):
        # positive terms first: ``h + 2*p - d*(k - 1)`` costs one negation less than ``-d*(k - 1) + h + 2*p``
        return sorted(super()._as_ordered_terms(expr, order), key=lambda term: term.could_extract_minus_sign())

    def _print_Ratio(self, expr) -> str:
        p, q = expr.args
        return f"Fraction({self._print(p)}, {self._print(q)})"

    def _print_Rational(self, expr: sympy.Rational) -> str:
        return self._print_Ratio(sympy.Tuple(expr.p, expr.q))

    def _print_Col2imCounts(self, expr: Col2imCounts) -> str:
        return f"{self.col2im_function}({', '.join(self._print(a) for a in expr.args)})"

    def _print_Item(self, expr: Item) -> str:
        pair, index = expr.args
        return f"{self._print(pair)}[{self._print(index)}]"

    def _print_Col2imContributions(self, expr: Col2imContributions) -> str:
        return self._print(Item(Col2imCounts(*expr.args), 0))

    def _print_Col2imTargets(self, expr: Col2imTargets) -> str:
        return self._print(Item(Col2imCounts(*expr.args), 1))

    def _print_Integer(self, expr: sympy.Integer) -> str:
        return str(int(expr))

    def _print_Pow(self, expr: sympy.Pow, rational: bool = False) -> str:
        if not (expr.exp.is_Integer and expr.exp >= 0):
            raise NotExact(f"{expr} has no exact integer form (exponent {expr.exp})")
        return super()._print_Pow(expr, rational)

    def _print_Float(self, expr: sympy.Float) -> str:
        raise NotExact(f"{expr} is a float; generated code computes on integers only")


class NumpyPrinter(ScalarPrinter):
    """The same integer arithmetic on NumPy arrays; quotients as float64 ``p / q`` of exact integers, rounded once."""

    printmethod = "_symconv_numpy"
    col2im_function = "_col2im_counts"
    gcd_function = "np.gcd"

    def _print_Ratio(self, expr) -> str:
        p, q = expr.args
        return f"_quotient({self._print(p)}, {self._print(q)})"

    def _print_Max(self, expr: sympy.Max) -> str:
        return self._fold("np.maximum", expr.args)

    def _print_Min(self, expr: sympy.Min) -> str:
        return self._fold("np.minimum", expr.args)

    def _fold(self, function: str, args) -> str:
        printed = [self._print(a) for a in sorted(args, key=sympy.default_sort_key)]
        result = printed[0]
        for other in printed[1:]:
            result = f"{function}({result}, {other})"
        return result
