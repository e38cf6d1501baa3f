r"""The LaTeX printer: sympy's, with the symbol table's names and symconv's own functions.

Examples
--------
>>> import sympy
>>> from symconv.symbols import C_in, K, H, p, s
>>> latex(C_in * K**2)
'C_{\\mathrm{in}} \\cdot K^{2}'
>>> latex(sympy.ceiling(H / s))
'\\left\\lceil \\frac{H}{s} \\right\\rceil'
>>> from symconv.functions import Col2imTargets
>>> print(latex(Col2imTargets(H, K, s, 1, p, 0)))
\operatorname{targets}_{K, s, 1, p, 0}\left(H\right)
"""

from __future__ import annotations

from typing import ClassVar

import sympy
from sympy.printing.latex import LatexPrinter

from symconv.symbols import LATEX_NAMES


class SymconvLatexPrinter(LatexPrinter):
    """``LatexPrinter`` with symconv's defaults: the symbol table's LaTeX names and ``\\cdot`` products.

    Integer rounding prints as ``\\left\\lfloor … \\right\\rfloor`` (one method per
    function); col2im's per-axis counts print as named operators, the axis length as
    argument and the hyperparameters as subscript.
    """

    _default_settings: ClassVar[dict] = {
        **LatexPrinter._default_settings,
        "symbol_names": LATEX_NAMES,
        "mul_symbol": "dot",
    }

    def __init__(self, settings: dict | None = None) -> None:
        settings = dict(settings or {})
        settings["symbol_names"] = {**LATEX_NAMES, **settings.get("symbol_names", {})}
        super().__init__(settings)

    def _rounded(self, expr: sympy.Expr, left: str, right: str, exp: str | None) -> str:
        tex = rf"\left\{left} {self._print(expr.args[0])} \right\{right}"
        return rf"{tex}^{{{exp}}}" if exp is not None else tex

    def _print_floor(self, expr: sympy.Expr, exp: str | None = None) -> str:
        return self._rounded(expr, "lfloor", "rfloor", exp)

    def _print_ceiling(self, expr: sympy.Expr, exp: str | None = None) -> str:
        return self._rounded(expr, "lceil", "rceil", exp)

    def _axis_count(self, name: str, expr: sympy.Expr, exp: str | None) -> str:
        """``name_{K, s, d, p, p_o}(L)``: the length as argument, the axis' hyperparameters as subscript."""
        length, *hyper = expr.args
        head = rf"\operatorname{{{name}}}_{{{', '.join(self._print(a) for a in hyper)}}}"
        if exp is not None:
            head = rf"{head}^{{{exp}}}"
        return rf"{head}\left({self._print(length)}\right)"

    def _print_Col2imContributions(self, expr: sympy.Expr, exp: str | None = None) -> str:
        return self._axis_count("contrib", expr, exp)

    def _print_Col2imTargets(self, expr: sympy.Expr, exp: str | None = None) -> str:
        return self._axis_count("targets", expr, exp)


def latex(expr: sympy.Basic, **settings: object) -> str:
    """Print ``expr`` as LaTeX math (without ``$``), with symconv's printer."""
    return SymconvLatexPrinter(settings).doprint(expr)
