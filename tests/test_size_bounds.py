"""Conditions on sizes decided by bounding integer divisions: never a wrong answer, checked by evaluation."""

from __future__ import annotations

import functools

import sympy
from hypothesis import given
from hypothesis import strategies as st
from size_strategies import RELATIONS, sizes

from symconv.core.intfuncs import FloorDiv
from symconv.core.size_bounds import decide_bounded
from symconv.symbols import H

#: H alone, offsets as large as a padded stage's
h_sizes = functools.partial(sizes, (H,), largest_offset=300, differences=False)


@given(h_sizes(), h_sizes(), st.sampled_from(RELATIONS))
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
