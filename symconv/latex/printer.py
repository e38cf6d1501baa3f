r"""The LaTeX printer: sympy's, with the symbol table's names and symconv's own functions.

Examples
--------
>>> import sympy
>>> from symconv.symbols import C_in, K, H, p, s
>>> latex(C_in * K**2)
'C_{\\mathrm{in}} \\cdot K^{2}'
>>> latex(sympy.ceiling(H / s))
'\\left\\lceil \\frac{H}{s} \\right\\rceil'
>>> from symconv.core.intfuncs import CeilDiv, FloorDiv, Gcd
>>> print(latex(FloorDiv(H, 4) + CeilDiv(H, s) ** 2 + Gcd(H, 7)))
\left\lceil \frac{H}{s} \right\rceil^{2} + \left\lfloor \frac{H}{4} \right\rfloor + \gcd\left(H, 7\right)
>>> print(latex(sympy.Symbol("count_2") * K))
K \cdot \mathrm{count}_{2}
>>> with sympy.evaluate(False):
...     shown = (C_in + K) * sympy.Pow(C_in * K, -1)
>>> print(latex(shown))
\frac{C_{\mathrm{in}} + K}{C_{\mathrm{in}} \cdot K}
>>> from symconv.core.functions import Col2imTargets
>>> print(latex(Col2imTargets(H, K, s, 1, p, 0)))
\operatorname{targets}_{K, s, 1, p, 0}\left(H\right)

A name outside the symbol table that is not a plain identifier is user text: it is
typeset literally, escaped, never as LaTeX source.

>>> print(latex(sympy.Symbol(r"\input{/etc/passwd}") + 1))
\text{\textit{\textbackslash{}input\{/etc/passwd\}}} + 1
"""

from __future__ import annotations

import re
from typing import ClassVar

import sympy
from sympy.printing.conventions import split_super_sub
from sympy.printing.latex import LatexPrinter, translate
from sympy.printing.precedence import PRECEDENCE

from symconv.latex.text import escape
from symconv.symbols import LATEX_NAMES

#: Names sympy typesets itself: letters and digits, with ``_``/``__``/``^`` sub- and superscripts.
SAFE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:(?:__?|\^)[A-Za-z0-9]+)*")


class SymconvLatexPrinter(LatexPrinter):
    """``LatexPrinter`` with symconv's defaults: the symbol table's LaTeX names and ``\\cdot`` products.

    Integer rounding prints as ``\\left\\lfloor … \\right\\rfloor`` (one method per
    function; :mod:`symconv.core.intfuncs`' divisions as the rounded quotient); col2im's per-axis
    counts print as named operators, the axis length as argument and the hyperparameters as subscript.
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

    def _print_Symbol(self, expr: sympy.Symbol, style: str = "plain") -> str:
        """A symbol outside the table whose name is a word (``count_2``) prints upright: ``\\mathrm{count}_{2}``."""
        if expr in self._settings["symbol_names"]:
            return self._settings["symbol_names"][expr]
        if not SAFE_NAME.fullmatch(expr.name):
            return literal_name(expr.name)
        base, supers, subs = split_super_sub(expr.name)
        if len(base) < 2 or translate(base) != base:
            return super()._print_Symbol(expr, style)
        tex = rf"\mathrm{{{base}}}"
        if subs:
            tex = rf"{tex}_{{{' '.join(translate(x) for x in subs)}}}"
        if supers:
            tex = rf"{tex}^{{{' '.join(translate(x) for x in supers)}}}"
        return tex

    def _hprint_Function(self, func: str) -> str:
        """A function's name (``f``, ``\\operatorname{count}``); a name that is not an identifier, literally."""
        if not SAFE_NAME.fullmatch(func) or "^" in func:
            return literal_name(func)
        return super()._hprint_Function(func)

    def _print_Mul(self, expr: sympy.Mul) -> str:
        """An unevaluated product with reciprocal factors (a quotient before it is cancelled) prints as a fraction;
        a product's factors read as papers write them (:func:`reading_order`: channels, kernel, then H next to W)."""
        factors = _flat_factors(expr)
        if len(factors) == len(expr.args):
            return self._print_in_reading_order(expr)
        numerator = [f for f in factors if not _reciprocal(f)]
        denominator = [1 / f for f in factors if _reciprocal(f)]
        if not denominator:
            return super()._print_Mul(expr)
        with sympy.evaluate(False):
            top, bottom = sympy.Mul(*numerator), sympy.Mul(*denominator)
        return rf"\frac{{{self._print(top)}}}{{{self._print(bottom)}}}"

    def _print_in_reading_order(self, expr: sympy.Mul) -> str:
        if self.order in ("old", "none"):
            return super()._print_Mul(expr)
        top, bottom = sympy.fraction(expr, exact=True)
        if bottom != 1:  # each side comes back here, to be put in order
            sign = ""
            if top.could_extract_minus_sign():
                sign, top = "- ", -top
            numerator, denominator = self._print(top), self._print(bottom)
            if self._settings["fold_short_frac"] and len(denominator.split()) <= 2 and "^" not in denominator:
                if top.is_Add:
                    numerator = rf"\left({numerator}\right)"
                return f"{sign}{numerator} / {denominator}"
            return rf"{sign}\frac{{{numerator}}}{{{denominator}}}"
        coefficient, rest = expr.as_coeff_Mul()
        sign = ""
        if coefficient.is_negative:
            sign, coefficient = "- ", -coefficient
        ordered = sorted(sympy.Mul.make_args(rest), key=reading_order)
        parts = [self.parenthesize(f, PRECEDENCE["Mul"], strict=False) for f in ordered]
        if coefficient != 1:
            parts.insert(0, self._print(coefficient))
        return sign + " \\cdot ".join(parts)

    def _print_Add(self, expr: sympy.Add, order: str | None = None) -> str:
        """A length such as ``H_in + 2p - K + 1`` reads size, padding, kernel, number, on every axis alike."""
        terms = sympy.Add.make_args(expr)
        if self.order == "none" or not _is_length(terms):
            return super()._print_Add(expr, order)
        with sympy.evaluate(False):
            ordered = sympy.Add(*sorted(terms, key=length_term_order))
        previous, self._settings["order"] = self._settings["order"], "none"
        try:
            return super()._print_Add(ordered, "none")
        finally:
            self._settings["order"] = previous

    def _rounded(self, expr: sympy.Expr, left: str, right: str, exp: str | None) -> str:
        tex = rf"\left\{left} {self._print(expr.args[0])} \right\{right}"
        return rf"{tex}^{{{exp}}}" if exp is not None else tex

    def _print_floor(self, expr: sympy.Expr, exp: str | None = None) -> str:
        return self._rounded(expr, "lfloor", "rfloor", exp)

    def _print_ceiling(self, expr: sympy.Expr, exp: str | None = None) -> str:
        return self._rounded(expr, "lceil", "rceil", exp)

    def _print_FloorDiv(self, expr: sympy.Expr, exp: str | None = None) -> str:
        return self._print_floor(sympy.floor(expr.args[0] / expr.args[1], evaluate=False), exp)

    def _print_CeilDiv(self, expr: sympy.Expr, exp: str | None = None) -> str:
        return self._print_ceiling(sympy.ceiling(expr.args[0] / expr.args[1], evaluate=False), exp)

    def _print_Gcd(self, expr: sympy.Expr, exp: str | None = None) -> str:
        tex = rf"\gcd\left({self._print(expr.args[0])}, {self._print(expr.args[1])}\right)"
        return rf"{tex}^{{{exp}}}" if exp is not None else tex

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


def literal_name(name: str) -> str:
    """A name typeset as escaped italic text (control characters and untypesettable characters refused)."""
    return rf"\text{{\textit{{{escape(name)}}}}}"


_CHANNELS = ("N", "C", "C_in", "C_out", "C_p", "F_in", "F_out", "alpha", "m")
_KERNEL = ("K",)
_SPATIAL = ("D", "H", "H_in", "H_out", "W", "W_in", "W_out", "L", "rho")


def reading_order(factor: sympy.Expr) -> tuple[int, str]:
    """Where a factor goes in a printed product: batch and channels, kernel, then the spatial sizes in order
    (``C_in C_out K^2 H W``, as MobileNet and FasterNet write them), then anything else.

    >>> from symconv.symbols import C_in, C_out, H, K, W, g
    >>> [str(f) for f in sorted((W, K**2, g, H, C_out, C_in), key=reading_order)]
    ['C_in', 'C_out', 'K**2', 'H', 'W', 'g']
    """
    names = {s.name for s in factor.free_symbols}
    key = str(sympy.default_sort_key(factor))
    spatial = [_SPATIAL.index(n) for n in names if n in _SPATIAL]
    if spatial:  # a size, or an output size rounded from it: H before W
        return 2, f"{min(spatial):02d}{key}"
    for rank, group in ((0, _CHANNELS), (1, _KERNEL)):
        if names and names <= set(group):
            return rank, f"{min(group.index(n) for n in names):02d}{key}"
    return 3, key


def _is_length(terms: tuple[sympy.Expr, ...]) -> bool:
    """A sum linear in its symbols with a size among them (an axis length before rounding)."""
    return any(t.is_Symbol and t.name in _SPATIAL for t in terms) and all(
        t.is_Number or t.as_coeff_Mul()[1].is_Symbol for t in terms
    )


def length_term_order(term: sympy.Expr) -> tuple[int, str]:
    """The size, then the other positive terms (padding), then the negative ones (kernel), then numbers."""
    if term.is_Number:
        return 3, ""
    if term.could_extract_minus_sign():
        return 2, str(term)
    return (0 if term.is_Symbol and term.name in _SPATIAL else 1), str(term)


def _flat_factors(expr: sympy.Expr) -> list[sympy.Expr]:
    if not expr.is_Mul:
        return [expr]
    return [factor for arg in expr.args for factor in _flat_factors(arg)]


def _reciprocal(factor: sympy.Expr) -> bool:
    return factor.is_Pow and factor.exp.is_negative is True


def latex(expr: sympy.Basic, **settings: object) -> str:
    """Print ``expr`` as LaTeX math (without ``$``), with symconv's printer."""
    return SymconvLatexPrinter(settings).doprint(expr)
