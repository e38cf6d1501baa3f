"""FloorDiv, CeilDiv and Gcd against Python's integer arithmetic, nested as layer chains nest them."""

from __future__ import annotations

import math

import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from symconv.core.intfuncs import CeilDiv, FloorDiv, Gcd, as_roundings
from symconv.symbols import H, s

CHAINS = st.lists(
    st.tuples(st.sampled_from(["floor", "ceiling"]), st.integers(-3, 3), st.integers(1, 4)), min_size=1, max_size=5
)


def integer_chain(h: int, chain) -> int:
    """The chain in integer arithmetic (Python's // is floor division on ints)."""
    for kind, offset, n in chain:
        h = (h + offset) // n if kind == "floor" else -((-(h + offset)) // n)
    return h


def symbolic_chain(h: sympy.Expr, chain) -> sympy.Expr:
    for kind, offset, n in chain:
        h = (FloorDiv if kind == "floor" else CeilDiv)(h + offset, n)
    return h


@settings(max_examples=200, deadline=None)
@given(CHAINS, st.integers(-40, 200))
def test_nested_divisions_fold_into_one_and_stay_exact(chain, h) -> None:
    folded = symbolic_chain(H, chain)
    assert folded.subs(H, h) == integer_chain(h, chain)
    assert len(folded.atoms(FloorDiv, CeilDiv)) <= 1  # one division of H, whatever the nesting
    assert as_roundings(folded).subs(H, h) == integer_chain(h, chain)
    for kind in (sympy.floor, sympy.ceiling):
        assert folded.rewrite(kind).subs(H, h) == integer_chain(h, chain)


@settings(max_examples=100, deadline=None)
@given(st.integers(-(10**30), 10**30), st.integers(1, 10**20))
def test_exact_on_integers_at_any_size(p, q) -> None:
    assert FloorDiv(p, q) == p // q
    assert CeilDiv(p, q) == -(-p // q)
    assert Gcd(abs(p) + 1, q) == math.gcd(abs(p) + 1, q)


def test_smaller_offset_and_whole_parts() -> None:
    assert CeilDiv(H - 1, 2) == FloorDiv(H, 2)  # a 2x2 pool: the floor reads better
    assert FloorDiv(H + 1, 2) == CeilDiv(H, 2)
    assert FloorDiv(H + 5, 2) == CeilDiv(H, 2) + 2
    assert FloorDiv(4 * H + 1, 2) == 2 * H
    assert CeilDiv(CeilDiv(H, 2), 2) == CeilDiv(H, 4)


def test_assumptions() -> None:
    assert FloorDiv(H, s).is_integer and FloorDiv(H, s).is_nonnegative
    assert CeilDiv(H, s).is_positive
    assert FloorDiv(H - 5, 2).is_nonnegative is None
    assert Gcd(H, 7).is_positive


def test_lambdify_prints_exact_integer_division() -> None:
    f = sympy.lambdify((H,), 3 * CeilDiv(H, 32) * FloorDiv(H + 1, 3) + Gcd(H, 7), modules="math")
    h = 10**30 + 1
    assert f(h) == 3 * -(-h // 32) * ((h + 1) // 3) + math.gcd(h, 7)
