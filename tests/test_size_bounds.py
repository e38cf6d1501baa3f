"""Conditions on sizes decided by bounding integer divisions: never a wrong answer, checked by evaluation."""

from __future__ import annotations

import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from symconv.core.intfuncs import CeilDiv, FloorDiv
from symconv.core.size_bounds import decide_bounded
from symconv.symbols import H

RELATIONS = (sympy.Lt, sympy.Le, sympy.Gt, sympy.Ge, sympy.Eq, sympy.Ne)


@st.composite
def sizes(draw, depth: int = 3) -> sympy.Expr:
    """A size as models compute them: H and constants, sums, multiples, integer divisions and remainders."""
    if depth == 0 or draw(st.booleans()):
        return draw(st.sampled_from((H, H + draw(st.integers(0, 300)), sympy.Integer(draw(st.integers(0, 20))))))
    inner = draw(sizes(depth - 1))
    kind = draw(st.sampled_from(("ceil", "floor", "mod", "sum", "scale")))
    divisor = draw(st.integers(1, 9))
    if kind == "ceil":
        return CeilDiv(inner, divisor)
    if kind == "floor":
        return FloorDiv(inner, divisor)
    if kind == "mod":
        return inner - divisor * FloorDiv(inner, divisor)  # how the front end writes ``inner % divisor``
    if kind == "sum":
        return inner + draw(sizes(depth - 1))
    return divisor * inner


@settings(max_examples=150, deadline=None)
@given(sizes(), sizes(), st.sampled_from(RELATIONS))
def test_a_decided_condition_holds_or_fails_at_every_size(lhs, rhs, relation) -> None:
    condition = relation(lhs, rhs, evaluate=False)
    truth = decide_bounded(condition)
    if truth is None:
        return
    for h in (*range(1, 80), 97, 224, 1001):
        assert bool(relation(sympy.sympify(lhs).subs(H, h), sympy.sympify(rhs).subs(H, h))) is truth, (condition, h)


def test_padding_to_a_multiple_is_never_smaller() -> None:
    padded = -7 * FloorDiv(-H, 7)  # H + (-H) % 7, as the front end writes it
    assert decide_bounded(sympy.Ge(padded, H)) is True
    assert decide_bounded(sympy.Gt(padded, H)) is None  # equal when 7 divides H
