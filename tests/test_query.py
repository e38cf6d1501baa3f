"""Queries checked independently: closed forms worked out by hand in the comments, and costs of
operators built with concrete integers (a path that never substitutes into a symbolic cost)."""

from __future__ import annotations

from fractions import Fraction

import pytest
import sympy
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

import symconv
from symconv.analysis.query import asymptotic, at, canonical, compare, crossover, limit, quantity, ratio, roofline
from symconv.errors import InvalidConfiguration, SymconvError, UnknownName
from symconv.symbols import C, C_in, C_out, C_p, H, K, W, alpha, g, s

SETTINGS = settings(max_examples=25, deadline=None)
small = st.integers(min_value=1, max_value=12)


def dwconv(c_in=C_in, c_out=C_out, k=K, bias=False):
    return symconv.DepthwiseSeparableConv2d(c_in, c_out, k, padding="same", bias=bias)


def standard(c_in=C_in, c_out=C_out, k=K, bias=False):
    return symconv.Conv2d(c_in, c_out, k, padding="same", bias=bias)


# --------------------------------------------------------------------------- quantity


@SETTINGS
@given(
    c_in=small, c_out=small, k=st.integers(1, 4), extra=st.integers(0, 6), bias=st.booleans(), size=st.integers(1, 8)
)
def test_quantity_names_match_hand_formulas(c_in, c_out, k, extra, bias, size):
    h = w = k + extra  # 'valid' convolution, stride 1: output (h - k + 1) x (w - k + 1)
    cost = symconv.Conv2d(c_in, c_out, k, bias=bias).cost((1, c_in, h, w))
    pixels = (h - k + 1) * (w - k + 1)
    macs = c_out * c_in * k * k * pixels
    outputs = c_out * pixels
    weights = c_out * c_in * k * k + (c_out if bias else 0)
    ideal = c_in * h * w + weights + outputs
    columns = c_in * k * k * pixels if k > 1 else 0  # a 1x1 'valid' conv multiplies its input directly
    expected = {
        "macs": macs,
        "macs+bias": macs + bias * outputs,
        "flops": 2 * macs,
        "mults": macs,
        "ops": 2 * macs - outputs + bias * outputs,  # each of the outputs sums c_in*k*k products
        "ops-bias": 2 * macs - outputs,
        "params": weights,
        "memory": ideal,
        "memory:ideal": ideal,
        "memory:im2col": ideal + 2 * columns,
        "reads": c_in * h * w + weights,
        "reads:im2col": c_in * h * w + weights + columns,
        "writes": outputs,
        "writes:im2col": outputs + columns,
        "intensity": Fraction(2 * macs, ideal),
        "intensity:macs": Fraction(macs, ideal),
        "intensity:ops-bias:im2col": Fraction(2 * macs - outputs, ideal + 2 * columns),
    }
    for name, value in expected.items():
        assert quantity(cost, name) == sympy.Rational(value), name
    assert quantity(cost, "memory", element_size=size) == size * ideal
    assert quantity(cost, "intensity", element_size=size) == sympy.Rational(2 * macs, size * ideal)


@pytest.mark.parametrize("name", ["gflops", "memory:foo", "params:ideal", "intensity:macs:foo", "", "MACS"])
def test_unknown_quantity_names_the_valid_ones(name):
    cost = standard().cost((1, C_in, H, W))
    with pytest.raises(UnknownName) as err:
        quantity(cost, name)
    message = str(err.value)
    assert repr(name) in message or "foo" in message
    assert "expected one of" in message


def test_unknown_quantity_lists_every_family():
    with pytest.raises(UnknownName) as err:
        quantity(standard().cost((1, C_in, H, W)), "gflops")
    for valid in ("macs", "[+bias | -bias]", "adds", "params", "memory", "im2col", "reads", "writes", "intensity"):
        assert valid in str(err.value)
    assert "did you mean 'flops'" in str(err.value)


def test_quantity_of_an_operator_asks_for_its_input():
    with pytest.raises(SymconvError, match="is an operator: give input_shape="):
        quantity(standard(), "macs")


def test_element_size_must_be_positive_and_exact():
    cost = standard().cost((1, C_in, H, W))
    for bad in (0, -2, 0.5, "4"):
        with pytest.raises(InvalidConfiguration, match="element_size="):
            quantity(cost, "memory", element_size=bad)
    assert quantity(cost, "memory", element_size=Fraction(1, 2)) == quantity(cost, "memory") / 2


# --------------------------------------------------------------------------- ratio and canonical form


def test_headline_ratios():
    shape = (1, C_in, H, W)
    assert ratio(dwconv(), standard(), input_shape=shape) == 1 / C_out + 1 / K**2
    pconv = symconv.PartialConv2d(C, K, conv_channels=C / 4).cost((1, C, H, W))
    assert ratio(pconv, standard(C, C).cost((1, C, H, W))) == sympy.Rational(1, 16)
    grouped = symconv.Conv2d(C_in, C_out, K, stride=s, groups=g)
    assert ratio(grouped, symconv.Conv2d(C_in, C_out, K, stride=s), "mults", input_shape=shape) == 1 / g
    # PConv's memory (A10 over A2 with C_in = C_out = C): (2*H*W*C_p + K**2*C_p**2) / (2*H*W*C + K**2*C**2)
    pconv_general = symconv.PartialConv2d(C, K, conv_channels=C_p).cost((1, C, H, W))
    memory = ratio(pconv_general, standard(C, C).cost((1, C, H, W)), quantity="memory")
    assert memory == C_p * (2 * H * W + K**2 * C_p) / (C * (2 * H * W + K**2 * C))


def test_transposed_ratio_simplifies_rounding():
    t = symconv.ConvTranspose2d(C_in, C_out, K, stride=s, bias=False)
    shape = (1, C_in, H, W)
    adjoint = symconv.Conv2d(C_out, C_in, K, stride=s, bias=False).cost(t.output_shape(shape))
    assert ratio(t.cost(shape), adjoint, "mults") == 1


@SETTINGS
@given(c_in=small, c_out=small, k=st.integers(1, 5), h=small, w=small)
def test_ratio_equals_concrete_quotient(c_in, c_out, k, h, w):
    symbolic = ratio(dwconv(), standard(), "memory", input_shape=(1, C_in, H, W))
    shape = (1, c_in, h, w)
    a = dwconv(c_in, c_out, k).cost(shape).memory()
    b = standard(c_in, c_out, k).cost(shape).memory()
    assert at(symbolic, C_in=c_in, C_out=c_out, K=k, H=h, W=w) == sympy.Rational(a, b)


x, y, z = (sympy.Symbol(n, integer=True, positive=True) for n in "xyz")
polynomials = st.lists(st.integers(-4, 4), min_size=1, max_size=4).map(
    lambda cs: sum((c * x**i * y ** (len(cs) - i) for i, c in enumerate(cs)), sympy.Integer(0)) + z
)


@SETTINGS
@given(top=polynomials, bottom=polynomials, common=polynomials)
def test_canonical_form_is_the_same_for_equal_inputs_written_differently(top, bottom, common):
    if sympy.expand(bottom) == 0 or sympy.expand(common) == 0:
        return
    plain = top / bottom
    forms = [
        plain,
        (top * common) / (bottom * common),
        sympy.expand(top * common) / sympy.expand(bottom * common),
        sympy.together(top / (2 * bottom) + top / (2 * bottom)),
        sympy.apart(plain, x) if sympy.expand(bottom).has(x) else plain,
    ]
    results = [canonical(f) for f in forms]
    assert all(r == results[0] for r in results)  # structurally identical, not only equal
    point = {x: 3, y: 5, z: 7}
    if bottom.subs(point) != 0:
        assert results[0].subs(point) == plain.subs(point)


def test_canonical_shapes():
    # a single-term denominator: a sum of simple terms
    assert canonical((C_out + K**2) / (C_out * K**2)).args == sympy.Add(1 / C_out, K**-2).args
    # several terms below: factored
    assert canonical((2 * H * W * C_in + K**2 * C_in) / (H * W * (C_in + C_out))) == C_in * (2 * H * W + K**2) / (
        H * W * (C_in + C_out)
    )


def test_ratio_errors():
    shape = (1, C_in, H, W)
    with pytest.raises(SymconvError, match="give input_shape="):
        ratio(dwconv(), standard())
    with pytest.raises(SymconvError, match="expected a symconv Cost or Operator"):
        ratio("conv", standard(), input_shape=shape)
    with pytest.raises(InvalidConfiguration, match=r"input_shape\[1\]=64 does not match in_channels=32"):
        ratio(symconv.Conv2d(64, 8, 3), symconv.Conv2d(32, 8, 3), input_shape=(1, 64, 8, 8))
    with pytest.raises(InvalidConfiguration, match="in_channels"):  # parts that don't compose
        symconv.Sequential(symconv.Conv2d(3, 8, 3), symconv.Conv2d(4, 8, 3)).cost((1, 3, 8, 8))
    with pytest.raises(SymconvError, match="ratio is undefined"):
        ratio(standard().cost(shape), _copy_only(), "macs")


def _copy_only():
    """A cost with no arithmetic: a lowering that only copies."""
    from symconv.core.cost import Cost
    from symconv.core.lowering import Copy, Lowering, Tensor

    t = Tensor("x", "input", (sympy.Integer(4),))
    return Cost.from_lowering("copy", Lowering((Copy(t, Tensor("y", "output", (sympy.Integer(4),))),), t))


# --------------------------------------------------------------------------- limits and asymptotics


@SETTINGS
@given(a=small, b=small, c=small, d=small)
def test_limit_of_a_rational_function(a, b, c, d):
    # (a x + b) / (c x + d) -> a / c as x grows; -> b / d at 0
    assume(a * d != b * c)  # otherwise the expression is the constant a/c
    expr = (a * C_out + b) / (c * C_out + d)
    assert limit(expr, "C_out", "oo") == sympy.Rational(a, c)
    assert limit(expr, C_out, 0) == sympy.Rational(b, d)


def test_limit_of_the_dwconv_ratio():
    r = ratio(dwconv(), standard(), input_shape=(1, C_in, H, W))
    assert limit(r, "C_out") == 1 / K**2
    assert limit(r, "K") == 1 / C_out


def test_limit_rejects_a_symbol_not_in_the_expression():
    with pytest.raises(SymconvError, match="symbol 'H' does not occur in 1/C_out; its symbols are: C_out"):
        limit(1 / C_out, "H")
    with pytest.raises(SymconvError, match="none: it is a number"):
        limit(sympy.Integer(3), "H")


@SETTINGS
@given(
    coeffs=st.lists(st.integers(1, 9), min_size=2, max_size=4),
    below=st.lists(st.integers(1, 9), min_size=1, max_size=3),
)
def test_asymptotic_is_the_ratio_of_leading_terms(coeffs, below):
    top = sum(c * H**i for i, c in enumerate(coeffs))
    bottom = sum(c * H**i for i, c in enumerate(below))
    assume(sympy.cancel(top / bottom).has(H))
    expected = sympy.Rational(coeffs[-1], below[-1]) * H ** (len(coeffs) - len(below))
    assert sympy.simplify(asymptotic(top / bottom, "H") - expected) == 0


def test_asymptotics_of_conv_costs():
    cost = standard().cost((1, C_in, H, W))
    # flops 2*C_in*C_out*K**2*H*W over memory H*W*(C_in + C_out) + K**2*C_in*C_out: the weights stop mattering
    assert asymptotic(quantity(cost, "intensity"), ["H", "W"]) == 2 * C_in * C_out * K**2 / (C_in + C_out)
    assert asymptotic(quantity(cost, "memory"), ["H", "W"]) == C_in * H * W + C_out * H * W
    # as the channels grow together the weights dominate: intensity ~ 2*H*W
    assert asymptotic(quantity(cost, "intensity"), ["C_in", "C_out"]) == 2 * H * W
    assert asymptotic(ratio(dwconv(), standard(), input_shape=(1, C_in, H, W)), C_out) == 1 / K**2


# --------------------------------------------------------------------------- crossover


def _memory(op, c_out_value, h, w, c_in):
    return op(c_in, c_out_value).cost((1, c_in, h, w)).memory()


def _check_sets(found, sign_at, horizon):
    """Every value up to ``horizon`` lies in exactly the set its exact sign says."""
    for value in range(1, horizon):
        sign = sign_at(value)
        members = [found.less.contains(value), found.equal.contains(value), found.greater.contains(value)]
        assert [bool(m) for m in members] == [sign < 0, sign == 0, sign > 0], value


@SETTINGS
@given(h=st.integers(1, 12), w=st.integers(1, 12), k=st.integers(1, 4), c_in=st.integers(1, 4))
def test_dwconv_memory_crossover_against_concrete_costs(h, w, k, c_in):
    found = crossover(
        dwconv(k=k), standard(k=k), "memory", over="C_out", given={"H": h, "W": w}, input_shape=(1, C_in, H, W)
    )

    def sign(c_out):
        a = _memory(lambda ci, co: dwconv(ci, co, k), c_out, h, w, c_in)
        b = _memory(lambda ci, co: standard(ci, co, k), c_out, h, w, c_in)
        return int(bool(a > b)) - int(bool(a < b))

    # A8 - A2 = C_in*(2*H*W + K**2 - (K**2 - 1)*C_out): positive below (2HW + K^2)/(K^2 - 1)
    boundary = (2 * h * w + k * k) / (k * k - 1) if k > 1 else None
    horizon = int(boundary) + 3 if boundary else 40
    _check_sets(found, sign, horizon)
    if boundary is None:
        assert found.exceeds == "always"
    else:
        assert found.exceeds == "sometimes"
        assert found.greater.sup < boundary <= found.greater.sup + 1


def test_crossover_with_an_exact_tie():
    # K = 2, H = W = 1: C_in*(2 + 4 - 3*C_out) is zero at C_out = 2
    found = crossover(dwconv(k=2), standard(k=2), "memory", "C_out", {"H": 1, "W": 1}, input_shape=(1, C_in, H, W))
    assert (list(found.greater), list(found.equal), found.less) == ([1], [2], sympy.Range(3, sympy.oo))
    c_in = 3
    memory = [
        [op(c_in, c_out, 2).cost((1, c_in, 1, 1)).memory() for op in (dwconv, standard)] for c_out in (1, 2, 3, 4)
    ]
    assert [a > b for a, b in memory] == [True, False, False, False]
    assert [a == b for a, b in memory] == [False, True, False, False]


def test_crossover_with_an_irrational_boundary():
    # params: C**2 (1x1 conv, no bias) against 2*C + 2 (two 1x1 filters with bias): equal at C = 1 + sqrt(3)
    square = symconv.Conv2d(C, C, 1, bias=False).cost((1, C, 1, 1))
    pair = symconv.Conv2d(C, 2, 1, bias=True).cost((1, C, 1, 1))
    found = crossover(square, pair, "params", "C")
    assert found.less == sympy.Range(1, 3) and found.equal == sympy.S.EmptySet
    for c in range(1, 12):
        a = symconv.Conv2d(c, c, 1, bias=False).cost((1, c, 1, 1)).params
        b = symconv.Conv2d(c, 2, 1, bias=True).cost((1, c, 1, 1)).params
        assert bool(found.greater.contains(c)) == (a > b)


@SETTINGS
@given(h=st.integers(1, 16), c_in=st.integers(1, 32), c_out=st.integers(1, 32))
def test_intensity_crossover_against_concrete_costs(h, c_in, c_out):
    # a rational function of H: DWConv's intensity against the standard conv's
    found = crossover(
        dwconv(k=3),
        standard(k=3),
        "intensity",
        "H",
        {"W": h, "C_in": c_in, "C_out": c_out},
        input_shape=(1, C_in, H, W),
    )
    assert found.exceeds in ("always", "never", "sometimes")

    def sign(height):
        a, b = (op(c_in, c_out, 3).cost((1, c_in, height, h)).intensity() for op in (dwconv, standard))
        return int(bool(a > b)) - int(bool(a < b))

    _check_sets(found, sign, 30)


@SETTINGS
@given(root=st.integers(1, 10**6), guess=st.integers(1, 10**6), gap=st.integers(1, 3))
def test_a_wrong_partition_is_never_accepted(root, guess, gap):
    """The re-check behind ``crossover``: exact sets pass, sets off by anything fail."""
    from symconv.analysis.signs import partition_checked

    # (x - root) * (x - root - gap): negative strictly between the roots, zero on them
    difference = (C - root) * (C - root - gap)

    def sets(low, high):
        inside = sympy.Range(low + 1, high) if high > low + 1 else sympy.S.EmptySet
        outside = sympy.Union(sympy.Range(1, low), sympy.Range(high + 1, sympy.oo))
        return inside, sympy.FiniteSet(low, high), outside

    assert partition_checked(difference, C, sets(root, root + gap))
    if guess != root:
        assert not partition_checked(difference, C, sets(guess, guess + gap))
    assert not partition_checked(difference, C, sets(root, root + gap + 1))
    # "always greater": right at 1, its only edge, wrong between the roots; caught by evaluating near them
    empty = sympy.S.EmptySet
    assert not partition_checked(difference, C, (empty, empty, sympy.S.Naturals))


@settings(max_examples=12, deadline=None)
@given(
    strides=st.tuples(st.integers(1, 3), st.integers(1, 3)),
    kernels=st.tuples(st.sampled_from([1, 3]), st.sampled_from([1, 3])),
    c=st.integers(1, 16),
    w=st.integers(1, 12),
    name=st.sampled_from(["macs", "memory", "memory:im2col", "intensity"]),
)
@example(strides=(3, 1), kernels=(3, 1), c=1, w=3, name="macs")  # classes end differently: equal iff 3 | H
def test_strided_crossover_over_the_height(strides, kernels, c, w, name):
    """Output sizes ceiling(H/s): solved per residue class of H mod s, checked against concrete layers."""

    def layer(i, channels=C):
        return symconv.Conv2d(channels, channels, kernels[i], stride=strides[i], padding=kernels[i] // 2)

    found = crossover(layer(0), layer(1), name, "H", {"W": w, "C": c}, input_shape=(1, C, H, W))

    def sign(height):
        a, b = (quantity(layer(i, c).cost((1, c, height, w)), name) for i in (0, 1))
        return int(bool(a > b)) - int(bool(a < b))

    if found.less is None:  # allowed, never wrong; but these all have a period <= 3
        pytest.fail(f"undecided: {found}")
    _check_sets(found, sign, 80)
    for height in (997, 1000, 1001):
        assert bool(found.greater.contains(height)) == (sign(height) > 0)


@settings(max_examples=12, deadline=None)
@given(
    roots=st.lists(st.integers(-5, 40), min_size=1, max_size=5),
    lead=st.sampled_from([-3, -1, 1, 2]),
    shift=st.integers(0, 3),
)
def test_sign_sets_against_evaluation(roots, lead, shift):
    """Both solvers (sympy's, and exact root isolation) against the sign at every integer up to past the roots."""
    from symconv.analysis.signs import isolated_sign_sets, sign_sets

    difference = lead * sympy.Mul(*(C - r - sympy.Rational(shift, 4) for r in roots)) / (C**2 + 1)
    horizon = max(roots) + 5
    for solve in (sign_sets, isolated_sign_sets):
        found = solve(difference, C)
        for value in range(1, horizon):
            sign = sympy.sign(difference.subs(C, value))
            assert [bool(s.contains(value)) for s in found] == [sign < 0, sign == 0, sign > 0], (solve, value)
        tail = sympy.sign(lead)  # past every root the sign is the leading coefficient's
        assert [bool(s.contains(10**6)) for s in found] == [tail < 0, False, tail > 0]


def test_crossover_left_symbolic():
    found = crossover(dwconv(k=3), standard(k=3), "memory", "C_out", input_shape=(1, C_in, H, W))
    assert found.exceeds == "undecided" and found.less is None
    assert found.boundary == sympy.FiniteSet(H * W / 4 + sympy.Rational(9, 8))  # (2*H*W + 9)/8
    # decided by the assumptions: a bias always adds C_out parameters
    with_bias = crossover(standard(bias=True), standard(), "params", "C_in", input_shape=(1, C_in, H, W))
    assert with_bias.exceeds == "always"
    assert with_bias.greater == sympy.S.Naturals


def test_crossover_errors():
    shape = (1, C_in, H, W)
    with pytest.raises(SymconvError, match="symbol 'D' does not occur in the memory:ideal of either cost"):
        crossover(dwconv(), standard(), "memory", "D", input_shape=shape)
    with pytest.raises(SymconvError, match="given fixes 'C_out'"):
        crossover(dwconv(), standard(), "memory", "C_out", {"C_out": 3}, input_shape=shape)
    with pytest.raises(SymconvError, match="symbol 'Hh' does not occur"):
        crossover(dwconv(), standard(), "memory", "C_out", {"Hh": 3}, input_shape=shape)
    with pytest.raises(SymconvError, match=r"H=2\.5 must be exact"):
        crossover(dwconv(), standard(), "memory", "C_out", {"H": 2.5}, input_shape=shape)
    with pytest.raises(UnknownName):
        crossover(dwconv(), standard(), "bytes", "C_out", input_shape=shape)


# --------------------------------------------------------------------------- at and compare


@SETTINGS
@given(c_in=small, c_out=small, k=st.integers(1, 5), h=small, w=small)
def test_at_matches_concrete_operators(c_in, c_out, k, h, w):
    symbolic = dwconv().cost((1, C_in, H, W))
    concrete = dwconv(c_in, c_out, k).cost((1, c_in, h, w))
    fixed = at(symbolic, C_in=c_in, C_out=c_out, K=k, H=h, W=w)
    for name in ("macs", "ops", "params", "memory", "memory:im2col", "intensity"):
        assert quantity(fixed, name) == quantity(concrete, name)
        expr = quantity(symbolic, name)
        values = {
            n: v
            for n, v in dict(C_in=c_in, C_out=c_out, K=k, H=h, W=w).items()
            if expr.has(sympy.Symbol(n, integer=True, positive=True))
        }
        assert at(expr, **values) == quantity(concrete, name)


def test_at_errors():
    cost = standard().cost((1, C_in, H, W))
    with pytest.raises(SymconvError, match="symbol 'D' does not occur in Conv2d"):
        at(cost, D=3)
    with pytest.raises(SymconvError, match=r"H=56\.0 must be exact"):
        at(cost, H=56.0)
    assert at(cost, H="56") == at(cost, H=56)  # text is parsed, never evaluated
    with pytest.raises(SymconvError, match="is not an expression"):
        at(cost, H="__import__('os')")
    with pytest.raises(SymconvError, match=r"C_out=1/2 must be a positive integer"):
        at(C_out * K, C_out=Fraction(1, 2))
    assert at(alpha * K, alpha=Fraction(1, 2)) == K / 2  # a multiplier is a positive rational


def test_compare_grid_against_concrete_operators():
    costs = {"dw": dwconv().cost((1, C_in, H, W)), "std": standard().cost((1, C_in, H, W))}
    grid = {"C_in": [8, 16], "C_out": [16, 32], "K": [3], "H": [7, 14], "W": [7]}
    rows = compare(costs, "memory", grid)
    assert len(rows) == 8
    assert [(r["C_in"], r["C_out"], r["H"]) for r in rows[:3]] == [(8, 16, 7), (8, 16, 14), (8, 32, 7)]
    for row in rows:
        shape = (1, row["C_in"], row["H"], row["W"])
        assert row["dw"] == dwconv(row["C_in"], row["C_out"], row["K"]).cost(shape).memory()
        assert row["std"] == standard(row["C_in"], row["C_out"], row["K"]).cost(shape).memory()
        assert all(isinstance(v, sympy.Integer) for v in row.values())


def test_compare_errors():
    costs = {"std": standard().cost((1, C_in, H, W))}
    full = {"C_in": [1], "C_out": [1], "K": [1], "H": [1], "W": [1]}
    with pytest.raises(SymconvError, match=r"needs a value for every symbol: \['K'\]"):
        compare(costs, "macs", {k: v for k, v in full.items() if k != "K"})
    with pytest.raises(SymconvError, match="grid symbol 'D' does not occur"):
        compare(costs, "macs", {**full, "D": [1]})
    with pytest.raises(SymconvError, match="also cost names"):
        compare({"H": costs["std"]}, "macs", full)
    with pytest.raises(SymconvError, match="must be exact"):
        compare(costs, "macs", {**full, "H": [1.5]})


# --------------------------------------------------------------------------- roofline


@SETTINGS
@given(c=st.integers(1, 256), h=st.integers(1, 64), balance=st.integers(1, 100), size=st.sampled_from([1, 2, 4]))
def test_roofline_concrete(c, h, balance, size):
    cost = symconv.Conv2d(c, c, 1, bias=False).cost((1, c, h, h))
    found = roofline(cost, balance, element_size=size)
    assert roofline(cost, balance, convention="macs", element_size=size).intensity == found.intensity / 2
    # 1x1 conv: flops 2*c*c*h*h; bytes size*(2*c*h*h + c*c)
    intensity = Fraction(2 * c * c * h * h, size * (2 * c * h * h + c * c))
    assert found.intensity == sympy.Rational(intensity)
    assert found.verdict == ("memory-bound" if intensity < balance else "compute-bound")


def test_roofline_symbolic():
    found = roofline(symconv.Conv2d(C, C, 1, bias=False).cost((1, C, 56, 56)), 10)
    assert found.verdict == "depends"
    for c in range(1, 60):
        intensity = symconv.Conv2d(c, c, 1, bias=False).cost((1, c, 56, 56)).intensity(element_size=4)
        assert bool(found.memory_bound_values.contains(c)) == (intensity < 10)
    many = roofline(standard().cost((1, C_in, H, W)), 10)
    assert many.verdict == "depends" and many.memory_bound_values is None
    assert many.memory_bound_when.subs({C_in: 1, C_out: 1, K: 1, H: 1, W: 1}) == sympy.true  # 2 < 10*4*3
    # a bias-free depthwise 1x1 layer does one flop pair per element it moves: memory-bound on any machine >= 1
    depthwise = symconv.Conv2d(C, C, 1, groups=C, bias=False).cost((1, C, H, W))
    assert roofline(depthwise, 1).verdict == "memory-bound"


def test_roofline_balance():
    cost = symconv.Conv2d(8, 8, 1).cost((1, 8, 4, 4))
    assert roofline(cost, 10.2).machine_balance == sympy.Rational(51, 5)
    assert roofline(cost, Fraction(1, 3)).machine_balance == sympy.Rational(1, 3)
    for bad in (0, -1, "fast"):
        with pytest.raises(SymconvError, match="machine_balance"):
            roofline(cost, bad)


def test_closed_form_keeps_a_squared_factor_of_the_slope():
    """conv2d - dwconv MACs on (1, C, H, H), 3x3 unpadded: C*(H - 2)**2*(8*C - 9), expanded; the slope is a square."""
    from symconv.analysis.crossover import closed_form

    c, h = sympy.symbols("C H", integer=True, positive=True)
    difference = sympy.expand(c * (h - 2) ** 2 * (8 * c - 9))
    found = closed_form(difference, c)
    assert found is not None and found.assuming is not None
    for hv in range(3, 9):  # H >= 3 under an unpadded 3x3 kernel
        for cv in range(1, 6):
            pixels = (hv - 2) ** 2
            # conv2d: 9*C*C per output pixel; dwconv: 9*C (depthwise) + C*C (pointwise)
            direct = 9 * cv * cv * pixels - (9 * cv + cv * cv) * pixels
            at = {c: cv, h: hv}
            assert bool(found.assuming.subs(at))
            assert bool(found.less.subs(at)) == (direct < 0)
            assert bool(found.greater.subs(at)) == (direct > 0)
            assert bool(found.equal.subs(at)) == (direct == 0)
