"""Built-in derivations: every step re-checked numerically, the lowering's shapes checked against the
articles' im2col/col2im description, and wrong steps, formulas or operators rejected."""

from __future__ import annotations

from dataclasses import replace

import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

import symconv
from symconv.analysis.derivations import builtin, seed_derivation
from symconv.analysis.derive import Derivation, InvalidStep, Step, plain
from symconv.analysis.seeds import BY_ID
from symconv.symbols import C_in, C_out, H, H_in, H_out, K, W, W_in, W_out, g, p, s

SLUGS = (
    *(f"A{i}" for i in range(1, 11)),
    *(f"B{i}" for i in range(1, 9)),
    "ratio-dwconv-standard",
    "ratio-pconv-standard",
    "ratio-grouped-standard",
    "ratio-transposed-conv",
)


@pytest.fixture(scope="module")
def derivations() -> dict[str, Derivation]:
    return builtin()


def test_slugs(derivations):
    assert tuple(derivations) == SLUGS


def test_interface(derivations):
    for slug, d in derivations.items():
        for text in (d.title, d.operator, plain(d.assumptions), d.convention):
            assert isinstance(text, str) and text, slug
        assert d.steps[0].new and not any(step.new for step in d.steps[1:]), slug
        for step in d.steps:
            assert isinstance(plain(step.statement), str) and isinstance(step.justification, str)
            assert isinstance(step.expr, sympy.Basic)
        for symbol, value in d.definitions:
            assert isinstance(symbol, sympy.Symbol) and isinstance(value, sympy.Basic)
        assert d.result is not None


values = st.fixed_dictionaries(
    {name: st.integers(1, 9) for name in ("C", "C_in", "C_out", "C_p", "H", "W", "H_in", "W_in", "K", "s", "g")}
    | {"p": st.integers(0, 3)}
)


@settings(max_examples=15, deadline=None)
@given(point=values)
def test_every_step_equals_the_previous_at_random_points(derivations, point):
    """An independent re-check of sympy's proof: exact evaluation of each step, definitions expanded."""
    for slug, d in derivations.items():

        def evaluate(expr, d=d):
            expanded = d.expand_definitions(expr)
            return expanded.subs({sym: point[sym.name] for sym in expanded.free_symbols})

        numbers = [evaluate(step.expr) for step in d.steps] + [evaluate(d.result)]
        assert all(n == numbers[0] for n in numbers), (slug, numbers)
        assert numbers[0].is_Rational


def test_seed_derivations_end_with_the_articles_formula(derivations):
    for slug, row in BY_ID.items():
        assert derivations[slug].conclusion == row.stated
        assert derivations[slug].steps[-1].statement == f"as stated by the article ({slug})"


def _gemm(d: Derivation, index: int) -> dict[str, sympy.Expr]:
    names = {"M": "m", "R": "k", "N": "n", "B": "count"}
    return {
        field: dict(d.definitions)[sympy.Symbol(f"{name}_{index}", integer=True, positive=True)]
        for name, field in names.items()
    }


# The GEMM each row lowers to, as seed 001 describes im2col/col2im (weight C_out x C_in*K*K times the
# column matrix C_in*K*K x H_out*W_out; transposed: weight^T times the input into C_out*K*K x H_in*W_in),
# with groups splitting each GEMM g ways.
GEMMS = {
    "A1": (2, dict(m=C_out, k=C_in * K**2, n=H * W, count=1)),
    "A3": (2, dict(m=1, k=K**2, n=H * W, count=C_in)),
    "A4": (1, dict(m=C_out, k=C_in, n=H * W, count=1)),  # pointwise: no im2col stage
    "B1": (2, dict(m=C_out, k=C_in * K**2, n=H_out * W_out, count=1)),
    "B3": (1, dict(m=C_out * K**2, k=C_in, n=H_in * W_in, count=1)),
    "B5": (2, dict(m=C_out / g, k=C_in * K**2 / g, n=H_out * W_out, count=g)),
    "B7": (1, dict(m=C_out * K**2 / g, k=C_in / g, n=H_in * W_in, count=g)),
}


@pytest.mark.parametrize("slug", GEMMS)
def test_gemm_shapes_are_the_articles(derivations, slug):
    index, expected = GEMMS[slug]
    d = derivations[slug]
    outputs = {H_out: (H_in + 2 * p - K) / s + 1, W_out: (W_in + 2 * p - K) / s + 1}
    if slug in ("B3", "B7"):
        outputs = {}
    for field, value in _gemm(d, index).items():
        value = d.expand_definitions(value)  # N_2 = H_out*W_out, and H_out's own definition
        # the lowering writes the output size as a ceiling; with s dividing H_in + 2p - K it is the article's
        point = {H_in: 9, W_in: 7, K: 3, p: 1, s: 1, C_in: 6, C_out: 4, g: 2, H: 5, W: 3}
        assert value.subs(point) == sympy.sympify(expected[field]).subs(outputs).subs(point), (slug, field)


def test_dwconv_lists_both_stages(derivations):
    first = derivations["A5"].steps[0]
    assert first.expr == _placeholders(2) + _placeholders(3)  # im2col (stage 1) does no arithmetic; the 1x1 has none
    text = plain(first.statement)
    assert "stage 2, B_2 GEMMs of an M_2 x R_2 matrix" in text and "stage 3, B_3 GEMMs of an M_3 x R_3 matrix" in text


def _placeholders(index: int) -> sympy.Expr:
    return sympy.Mul(*(sympy.Symbol(f"{n}_{index}", integer=True, positive=True) for n in ("M", "R", "N", "B")))


def test_headline_ratios(derivations):
    assert derivations["ratio-dwconv-standard"].conclusion == 1 / C_out + 1 / K**2
    assert derivations["ratio-pconv-standard"].conclusion == sympy.Rational(1, 16)
    assert derivations["ratio-grouped-standard"].conclusion == 1 / g
    assert derivations["ratio-transposed-conv"].conclusion == 1


@pytest.mark.parametrize("slug", SLUGS)
def test_a_wrong_step_raises(derivations, slug):
    d = derivations[slug]
    for index in range(1, len(d.steps)):
        steps = list(d.steps)
        steps[index] = replace(steps[index], expr=2 * steps[index].expr)
        with pytest.raises(InvalidStep, match=f"step {index + 1} of"):
            Derivation(d.title, steps, d.convention, definitions=d.definitions, result=d.result)


def test_a_wrong_conclusion_or_definition_raises(derivations):
    d = derivations["A1"]
    with pytest.raises(InvalidStep, match="does not equal its result"):
        Derivation(d.title, d.steps, definitions=d.definitions, result=d.result + 1)
    wrong = tuple((sym, value + 1 if sym.name == "R_2" else value) for sym, value in d.definitions)
    with pytest.raises(InvalidStep, match="step 2 of"):
        Derivation(d.title, d.steps, definitions=wrong, result=d.result)
    x = sympy.Symbol("x")
    y = sympy.Symbol("y")
    with pytest.raises(InvalidStep, match="circular"):
        Derivation("loop", [Step("a", x, "given", new=True), Step("b", y, "same")], definitions={x: y, y: x})


def test_a_wrong_stated_formula_raises():
    row = BY_ID["A1"]
    with pytest.raises(InvalidStep, match=r"as stated by the article \(A1\)"):
        seed_derivation(replace(row, stated=H * W * C_out * K * C_in))


def test_steps_come_from_the_operator():
    """Cost a different operator for the same row: the derivation follows it and no longer reaches the article."""
    row = BY_ID["B1"]
    with_bias = symconv.Conv2d(C_in, C_out, K, stride=s, padding=p, bias=True)
    changed = replace(row, quantity="mults+bias", build=lambda: (with_bias, (1, C_in, H_in, W_in)))
    with pytest.raises(InvalidStep, match="as stated"):
        seed_derivation(changed)
    bigger = symconv.Conv2d(C_in, C_out, K, stride=s, padding=p, groups=g, bias=False)
    grouped = seed_derivation(replace(row, stated=row.stated / g, build=lambda: (bigger, (1, C_in, H_in, W_in))))
    assert dict(grouped.definitions)[sympy.Symbol("B_2", integer=True, positive=True)] == g


def test_memory_derivation_lists_the_tensors(derivations):
    first = derivations["A8"].steps[0]
    for name in (
        "depthwise.input (read)",
        "depthwise.weight (read)",
        "depthwise.output (written)",
        "pointwise.input (read)",
        "pointwise.weight (read)",
        "pointwise.output (written)",
    ):
        assert name in plain(first.statement)
    assert "columns" not in plain(first.statement)  # the ideal model keeps the column buffer on chip
    assert len(first.expr.args) == 6


def test_deterministic():
    row = BY_ID["B4"]
    assert seed_derivation(row) == seed_derivation(row)
    assert [str(s.expr) for s in seed_derivation(row).steps] == [str(s.expr) for s in seed_derivation(row).steps]
