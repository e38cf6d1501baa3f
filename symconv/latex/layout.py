r"""Long formulas laid out in lines: a sum printed term by term, grouped into lines of a rough width.

Templates place the terms (``macros.tex``: ``terms``); a line break or an allowed break
falls only between terms, never inside a product.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

import sympy
from markupsafe import Markup

from symconv.latex.printer import latex


@dataclass(frozen=True)
class Term:
    """One term of a sum, printed, with the sign that joins it to the terms before (``''`` for a leading ``+``)."""

    sign: str
    tex: Markup


Lines = tuple[tuple[Term, ...], ...]


#: Rough width of a display line, in characters of sympy's ``str`` of the terms.
LINE_WIDTH = 72
#: The same, in a lowering table's count column.
TABLE_WIDTH = 48


def lines(expr: sympy.Expr, width: int = LINE_WIDTH, *, distribute: bool = False) -> Lines:
    r"""``expr`` printed term by term (in the printer's order), in lines of about ``width`` characters.

    With ``distribute``, a term wider than a line that is a product with one sum among its
    factors is split into the sum's terms (``a (b - c)`` into ``a b - a c``), so it can break.

    >>> from symconv.symbols import K, p, s
    >>> [[(t.sign, str(t.tex)) for t in line] for line in lines(s - K**2, width=2)]
    [[('-', 'K^{2}')], [('+', 's')]]
    >>> [[(t.sign, str(t.tex)) for t in line] for line in lines(p * (s - K**2), width=4, distribute=True)]
    [[('-', 'K^{2} \\cdot p')], [('+', 'p \\cdot s')]]
    """
    terms = list(expr.as_ordered_terms() if expr.is_Add else [expr])
    if distribute:
        terms = [piece for term in terms for piece in _distributed(term, width)]
    grouped: list[list[Term]] = [[]]
    used = 0
    for index, term in enumerate(terms):
        negative = term.could_extract_minus_sign()
        sign = "-" if negative else ("" if index == 0 else "+")
        size = len(str(term))
        if grouped[-1] and used + size > width:
            grouped.append([])
            used = 0
        grouped[-1].append(Term(sign, Markup(latex(-term if negative else term))))
        used += size
    return tuple(tuple(line) for line in grouped)


def _distributed(term: sympy.Expr, width: int) -> list[sympy.Expr]:
    sums = [f for f in term.args if f.is_Add] if term.is_Mul else []
    if len(str(term)) <= width or len(sums) != 1:
        return [term]
    rest = term / sums[0]
    return [rest * piece for piece in sums[0].as_ordered_terms()]


def terms(expr: sympy.Expr) -> tuple[Term, ...]:
    """``expr`` printed term by term, on one line (for a cell that may break between terms)."""
    return lines(expr, width=sys.maxsize)[0]
