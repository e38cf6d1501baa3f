"""Declared size ranges: conditions decided over a range agree with evaluation at every size in it; a model
that branches on its sizes is costed exactly over a range where every branch goes one way, and says where
it flips when no range decides it."""

from __future__ import annotations

import textwrap

import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st
from size_strategies import RELATIONS, sizes

from symconv.core.intfuncs import CeilDiv, FloorDiv
from symconv.core.size_bounds import SizeRange, _evaluator, _period, decide_bounded, size_ranges, where_it_flips
from symconv.errors import InvalidConfiguration, SymconvError, WrongType
from symconv.symbols import H, W


def ranges() -> st.SearchStrategy[tuple[int, int]]:
    return st.tuples(st.integers(1, 300), st.integers(0, 40)).map(lambda t: (t[0], t[0] + t[1]))


def truths(condition: sympy.Basic, h_range: tuple[int, int], w_range: tuple[int, int]) -> set[bool]:
    """The condition's truth at every (H, W) of the ranges, evaluated exactly (integer ``//``, no floats)."""
    test = sympy.lambdify((H, W), condition, modules="math")
    return {bool(test(h, w)) for h in range(h_range[0], h_range[1] + 1) for w in range(w_range[0], w_range[1] + 1)}


@settings(max_examples=150, deadline=None)
@given(sizes(), sizes(), st.sampled_from(RELATIONS), ranges(), ranges())
def test_a_condition_decided_over_ranges_holds_or_fails_at_every_size_in_them(lhs, rhs, relation, hr, wr) -> None:
    condition = relation(lhs, rhs, evaluate=False)
    wr = (wr[0], wr[0] + (wr[1] - wr[0]) % 6)  # brute force over every pair: keep W's range short
    truth = decide_bounded(condition, [SizeRange(H, *hr), SizeRange(W, *wr)])
    if truth is not None:
        assert truths(condition, hr, wr) == {truth}, (condition, hr, wr)


@settings(max_examples=150, deadline=None)
@given(sizes(symbols=(H,)), sizes(symbols=(H,)), st.sampled_from(RELATIONS), ranges())
def test_a_condition_on_one_size_is_decided_whenever_it_is_constant_on_the_range(lhs, rhs, relation, hr) -> None:
    """Complete, not only sound: the residue classes of one size leave linear functions, bounded exactly."""
    condition = relation(lhs, rhs, evaluate=False)
    seen = truths(condition, hr, (1, 1))
    truth = decide_bounded(condition, [SizeRange(H, *hr)])
    if truth is not None:
        assert seen == {truth}, (condition, hr)
    elif len(seen) == 1 and H in condition.free_symbols and (_period(lhs - rhs) or 10**6) <= 512:
        pytest.fail(f"{condition} is {seen.pop()} on {hr[0]} <= H <= {hr[1]}, not decided")


@settings(max_examples=100, deadline=None)
@given(sizes(symbols=(H,), products=True), sizes(symbols=(H,), products=True), st.sampled_from(RELATIONS), ranges())
def test_a_condition_with_products_of_sizes_decided_over_a_range_holds_at_every_size(lhs, rhs, relation, hr) -> None:
    """Products (an area) leave polynomials on each residue class: bounded soundly, if not always tightly."""
    condition = relation(lhs, rhs, evaluate=False)
    truth = decide_bounded(condition, [SizeRange(H, *hr)])
    if truth is not None:
        assert truths(condition, hr, (1, 1)) == {truth}, (condition, hr)


@given(sizes(symbols=(H,), products=True), st.integers(1, 400))
def test_a_size_evaluated_without_sympy_equals_sympys_value(size, n) -> None:
    assert _evaluator(size, H)(n) == size.subs(H, n)


def test_swins_last_stage_fits_one_window_exactly_up_to_227() -> None:
    fits = sympy.Le(7 * CeilDiv(CeilDiv(FloorDiv(H, 4), 8), 7), 7)
    assert decide_bounded(fits) is None  # piecewise: no answer for every H
    assert decide_bounded(fits, [SizeRange(H, 116, 227)]) is True
    assert decide_bounded(fits, [SizeRange(H, 228, 10**6)]) is False
    assert decide_bounded(fits, [SizeRange(H, 116, 228)]) is None
    assert where_it_flips(fits) == (H, 227, True)


def test_terms_that_cancel_are_bounded_together() -> None:
    """PatchMerging pads to even, then halves: floor(H/4) - floor(H/8), at least 15 from H = 116 on."""
    merged = FloorDiv(H, 4) - FloorDiv(H, 8)
    assert decide_bounded(sympy.Ge(merged, 15), [SizeRange(H, 116, 227)]) is True
    assert decide_bounded(sympy.Ge(merged, 16), [SizeRange(H, 116, 227)]) is None


def test_a_size_that_steps_over_a_value_never_equals_it() -> None:
    assert decide_bounded(sympy.Eq(2 * H, 3), [SizeRange(H, 1, 2)]) is False  # -1, then 1
    assert decide_bounded(sympy.Ne(2 * FloorDiv(H, 3), 5), [SizeRange(H, 1, 100)]) is True
    assert decide_bounded(sympy.Eq(2 * FloorDiv(H, 3), 6), [SizeRange(H, 1, 100)]) is None  # H = 9, 10, 11


def test_without_ranges_nothing_changes() -> None:
    assert decide_bounded(sympy.Lt(FloorDiv(H, 32), 7)) is None
    assert decide_bounded(sympy.Lt(FloorDiv(H, 32), 7), [SizeRange(W, 1, 10)]) is None  # a range of another size


def test_where_it_flips_reports_facts_only() -> None:
    assert where_it_flips(sympy.Lt(H, 7)) == (H, 6, True)
    assert where_it_flips(sympy.Lt(H + W, 7)) is None  # two sizes: no single value to name
    assert where_it_flips(sympy.Eq(H - 2 * FloorDiv(H, 2), 0), [SizeRange(H, 8, 9)]) == (H, 8, True)
    assert where_it_flips(sympy.Ge(H, 1)) is None


@pytest.mark.parametrize(
    ("sizes", "error", "message"),
    [
        ([(H, (1, 2))], WrongType, r"sizes=\[.*\] must be a mapping of input-shape symbols to \(low, high\)"),
        ({"C": (1, 2)}, InvalidConfiguration, "sizes: 'C' is not a symbol of input_shape; its symbols are: H, W"),
        ({H: (1.0, 2)}, WrongType, r"sizes\[H\]=\(1.0, 2\) must be a pair of integers \(low, high\)"),
        ({H: (True, 2)}, WrongType, r"sizes\[H\]=\(True, 2\) must be a pair of integers"),
        ({H: 224}, WrongType, r"sizes\[H\]=224 must be a pair of integers"),
        ({H: (1, 2, 3)}, WrongType, r"sizes\[H\]=\(1, 2, 3\) must be a pair"),
        ({H: (9, 7)}, InvalidConfiguration, r"sizes\[H\]=\(9, 7\): low must be at most high"),
        ({W: (0, 7)}, InvalidConfiguration, r"sizes\[W\]=\(0, 7\): W is a size, a positive integer: low must be >= 1"),
        ({H: (1, 7), "H": (2, 8)}, InvalidConfiguration, "sizes: H is given twice"),
    ],
)
def test_bad_ranges_are_refused_naming_the_parameter_and_the_rule(sizes, error, message) -> None:
    with pytest.raises(error, match=message):
        size_ranges(sizes, [H, W])


# ---- through from_torch -----------------------------------------------------------------------------------

torch = pytest.importorskip("torch")
from torch import nn  # noqa: E402

import symconv  # noqa: E402


class Padded(nn.Sequential):
    """Pads maps narrower than 7 up to 7, then its layers: one cost below W = 7, another from 7 up."""

    def forward(self, x):
        return super().forward(nn.functional.pad(x, (0, 7 - x.shape[-1])) if x.shape[-1] < 7 else x)


def padded() -> nn.Module:
    return nn.Sequential(nn.Conv2d(3, 3, 1), Padded(nn.Conv2d(3, 8, 7)))


def flop_counter_macs(model: nn.Module, shape: tuple[int, ...]) -> int:
    from torch.utils.flop_counter import FlopCounterMode

    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        model(torch.empty(shape))
    return counter.get_total_flops() // 2


def test_an_undecided_branch_names_the_condition_the_layer_and_where_it_flips() -> None:
    with pytest.raises(SymconvError) as error:
        symconv.from_torch(padded(), (1, 3, H, W))
    message = str(error.value)
    assert "W < 7 (node 'lt' in 1 (Padded))" in message  # the condition, the layer, its class
    assert "true at W=6, false at W=7" in message and "sizes={W: (low, 6)} or sizes={W: (7, high)}" in message


@pytest.mark.parametrize(("low", "high"), [(7, 64), (1, 6)])
def test_each_side_of_the_branch_is_exact_over_its_range(low, high) -> None:
    model = padded().eval()
    cost = symconv.from_torch(model, (1, 3, H, W), sizes={"W": (low, high)})
    assert cost.sizes == (SizeRange(W, low, high),)
    for h, w in ((7, low), (9, high), (12, (low + high) // 2)):
        assert cost.macs.subs({H: h, W: w}) == flop_counter_macs(model, (1, 3, h, w))
    assert "for sizes " + f"{low} <= W <= {high} only" in cost.table()


def test_a_declared_range_is_kept_and_enforced() -> None:
    cost = symconv.from_torch(padded(), (1, 3, H, W), sizes={W: (7, 64)})
    with pytest.raises(
        InvalidConfiguration, match=r"W=65 is outside the sizes this cost was derived for \(7 <= W <= 64\)"
    ):
        cost.subs({"W": 65})
    with pytest.raises(InvalidConfiguration, match="W=3 is outside"):
        cost.total.at(W=3)
    at = cost.subs({"H": 9})
    assert at.sizes == cost.sizes and at.total.at(W=7).macs == flop_counter_macs(padded(), (1, 3, 9, 7))
    assert cost.subs({"W": 7}).sizes == ()
    assert "For sizes W from 7 to 64 only." in cost.latex()


def test_a_decision_over_a_range_is_not_reused_without_it() -> None:
    """Decisions are remembered per relation and declared ranges: one made over a range must not leak."""
    symconv.from_torch(padded(), (1, 3, H, W), sizes={W: (7, 64)})
    with pytest.raises(SymconvError, match="true at W=6, false at W=7"):
        symconv.from_torch(padded(), (1, 3, H, W))
    symconv.from_torch(padded(), (1, 3, H, W), sizes={W: (1, 6)})
    with pytest.raises(SymconvError, match="true at W=6, false at W=7"):
        symconv.from_torch(padded(), (1, 3, H, W), sizes={W: (1, 7)})


def test_a_range_that_spans_the_flip_says_so() -> None:
    with pytest.raises(SymconvError, match=r"\(declared 1 <= W <= 64\) do not decide \(true at W=6, false at W=7\)"):
        symconv.from_torch(padded(), (1, 3, H, W), sizes={W: (1, 64)})


def test_from_torch_refuses_a_range_of_a_size_not_in_the_input() -> None:
    with pytest.raises(InvalidConfiguration, match="sizes: 'K' is not a symbol of input_shape; its symbols are: H, W"):
        symconv.from_torch(padded(), (1, 3, H, W), sizes={"K": (1, 2)})
    with pytest.raises(InvalidConfiguration, match="its symbols are: none"):
        symconv.from_torch(padded(), (1, 3, 8, 8), sizes={"H": (1, 2)})


# ---- the command line ---------------------------------------------------------------------------------------

MODEL = """
from torch import nn


class Padded(nn.Sequential):
    def forward(self, x):
        return super().forward(nn.functional.pad(x, (0, 7 - x.shape[-1])) if x.shape[-1] < 7 else x)


def build():
    return Padded(nn.Conv2d(3, 8, 7))
"""


def test_the_model_command_takes_and_states_ranges(tmp_path) -> None:
    from cli_runner import in_process

    (tmp_path / "padded.py").write_text(textwrap.dedent(MODEL))
    factory = f"{tmp_path / 'padded.py'}:build"
    result = in_process("model", factory, "--input", "1,3,H,W", "--sizes", "W=7..64", "--layers")
    assert result.returncode == 0, result.stderr
    assert "for sizes 7 <= W <= 64 only" in result.stdout  # under the layer table
    assert any(line.split()[:4] == ["sizes", "7", "<=", "W"] for line in result.stdout.splitlines())  # the summary
    refused = in_process("model", factory, "--input", "1,3,H,W")
    assert refused.returncode == 1 and "sizes={W: (7, high)}" in refused.stderr
    for bad, message in (
        ("W=7-64", "--sizes 'W=7-64' must be NAME=LOW..HIGH"),
        ("W=__import__('os')..3", "must be NAME=LOW..HIGH"),
        ("W=64..7", "sizes[W]=(64, 7): low must be at most high"),
    ):
        result = in_process("model", factory, "--input", "1,3,H,W", "--sizes", bad)
        assert result.returncode == 1 and message in result.stderr, result.stderr
    outside = in_process("model", factory, "--input", "1,3,H,W", "--sizes", "W=7..64", "--given", "W=100")
    assert outside.returncode == 1 and "W=100 is outside" in outside.stderr


# ---- the zoo's Swin --------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_swin_t_is_exact_over_its_range_and_says_where_it_flips_outside() -> None:
    zoo = pytest.importorskip("zoo")
    try:
        zoo.import_torchvision()
    except ImportError:
        pytest.skip("needs torchvision")
    spec = next(m for m in zoo.ZOO if m.name == "swin_t")
    assert spec.size_range == (116, 227) and all(116 <= s <= 227 for size in spec.sizes for s in size)
    outcome = zoo.check(spec)
    assert outcome.status == "exact", outcome.detail
    model = spec.build()
    with pytest.raises(SymconvError, match=r"features\.7\.0\.attn.*true at H=227, false at H=228"):
        symconv.from_torch(model, (1, 3, H, W), sizes={H: (116, 300), W: (116, 227)})
