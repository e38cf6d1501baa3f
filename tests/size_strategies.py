"""Hypothesis strategies for sizes as models compute them, shared by the tests of conditions on sizes."""

from __future__ import annotations

import sympy
from hypothesis import strategies as st

from symconv.core.intfuncs import CeilDiv, FloorDiv
from symconv.symbols import H, W

#: every relation a model's Python writes between sizes
RELATIONS = (sympy.Lt, sympy.Le, sympy.Gt, sympy.Ge, sympy.Eq, sympy.Ne)


@st.composite
def sizes(
    draw,
    symbols: tuple[sympy.Symbol, ...] = (H, W),
    depth: int = 3,
    *,
    largest_offset: int = 30,
    differences: bool = True,
    products: bool = False,
) -> sympy.Expr:
    """A size as models compute them: symbols and constants, sums, multiples, integer divisions, remainders
    (with ``differences``, differences of sizes; with ``products``, products of sizes: an area)."""
    if depth == 0 or draw(st.booleans()):
        symbol = draw(st.sampled_from(symbols))
        offset = draw(st.integers(0, largest_offset))
        return draw(st.sampled_from((symbol, symbol + offset, sympy.Integer(draw(st.integers(0, 20))))))

    def operand() -> sympy.Expr:
        return draw(
            sizes(symbols, depth - 1, largest_offset=largest_offset, differences=differences, products=products)
        )

    inner = operand()
    kinds = ("ceil", "floor", "mod", "sum", *(("difference",) if differences else ()), "scale")
    kind = draw(st.sampled_from((*kinds, *(("product",) if products else ()))))
    divisor = draw(st.integers(1, 9))
    if kind == "ceil":
        return CeilDiv(inner, divisor)
    if kind == "floor":
        return FloorDiv(inner, divisor)
    if kind == "mod":
        return inner - divisor * FloorDiv(inner, divisor)  # how the front end writes ``inner % divisor``
    if kind == "sum":
        return inner + operand()
    if kind == "difference":
        return inner - operand()
    if kind == "product":
        return inner * operand()
    return divisor * inner
