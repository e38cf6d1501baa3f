"""Property-based fuzzing with invalid inputs: every operator, query, renderer, codegen call and CLI command.

Each case is classified:

- *refused*: a :class:`~symconv.errors.SymconvError` (a ValueError/TypeError naming the rule) - the goal;
- *leak*: any other exception (from sympy, decimal, re, numpy, ...) - must not happen;
- *silent number*: a result returned for a configuration an independent oracle calls invalid;
- *slow*: a case running over :data:`LIMIT_SECONDS`.

The oracles are written here from PyTorch's documented rules (or are PyTorch's own behaviour,
re-stated), not from symconv's code. Substitution is checked against building the operator on the
values directly: ``cost.at(**values)`` equals the direct cost, or both are refused.

The fast tests run a few hundred cases; the ``slow`` ones the bulk (see :data:`COUNTS`, printed at the
end with ``-s``): together more than 4,000 per run. CI runs the same cases every time; set
``SYMCONV_FUZZ_RANDOM=1`` to explore new ones.
"""

from __future__ import annotations

import os
import tempfile
import time
import warnings
from collections import Counter
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
import sympy
from cli_runner import in_process
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import symconv
import symconv.latex
import symconv.render.plot
from symconv.analysis.derive import Derivation, Step
from symconv.codegen import Argument, numpy_module, python_module
from symconv.errors import SymconvError
from symconv.latex.documents import derivation
from symconv.symbols import C, H, K, W

LIMIT_SECONDS = 5.0
COUNTS: Counter[str] = Counter()


def _settings(examples: int) -> settings:
    return settings(
        max_examples=examples,
        deadline=None,
        derandomize=not os.environ.get("SYMCONV_FUZZ_RANDOM"),  # CI: the same cases each run
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
    )


FAST, SLOW = 60, 600


class Outcome:
    """What one call did: its result, or the exception it raised, and how long it took."""

    def __init__(self, call) -> None:
        start = time.perf_counter()
        self.result, self.error = None, None
        try:
            self.result = call()
        except Exception as error:  # classified below: a leak unless a SymconvError
            self.error = error
        self.seconds = time.perf_counter() - start

    def check(self, kind: str, *, invalid: bool) -> None:
        """No leak, no silent number when ``invalid``, not slow."""
        COUNTS[kind] += 1
        assert self.seconds < LIMIT_SECONDS, f"slow: {self.seconds:.1f} s"
        if self.error is not None:
            assert isinstance(self.error, SymconvError), f"leak: {type(self.error).__name__}: {self.error}"
            assert isinstance(self.error, ValueError | TypeError)
        elif invalid:
            raise AssertionError(f"silent number: {self.result!r} for an invalid input")


# --------------------------------------------------------------------------- invalid values

NOT_SIZES = [
    0,
    -1,
    -5,
    2.5,
    float("nan"),
    float("inf"),
    True,
    False,
    None,
    "abc",
    "3",
    "__import__('os').system('true')",
    "",
    b"3",
    object(),
    [],
    {},
    1 + 2j,
    sympy.I,
    sympy.oo,
    -sympy.oo,
    sympy.nan,
    sympy.zoo,
    sympy.Rational(1, 2),
    Fraction(3, 2),
    np.int64(-1),
    np.float64(1.5),
    np.array([3, 3]),
    sympy.Symbol("n", integer=True, negative=True),
    sympy.Symbol("k", integer=True) + sympy.Rational(1, 2),
    sympy.true,
    sympy.Eq(C, 3),
]
not_size = st.sampled_from(NOT_SIZES)
NOT_PADDING = [v for v in NOT_SIZES if not (type(v) is int and v == 0) and v is not False] + ["bogus", "SAME"]
not_padding = st.sampled_from(NOT_PADDING)
NOT_BOOL = [1, 0, "yes", "true", None, np.bool_(True), 1.0, sympy.true, []]
not_bool = st.sampled_from(NOT_BOOL)
small = st.integers(1, 6)

CONV = {1: symconv.Conv1d, 2: symconv.Conv2d, 3: symconv.Conv3d}
TRANSPOSED = {1: symconv.ConvTranspose1d, 2: symconv.ConvTranspose2d, 3: symconv.ConvTranspose3d}


# --------------------------------------------------------------------------- an independent oracle


def conv_valid(c_in, c_out, k, s, p, d, g, mode, shape, dims) -> bool:
    """PyTorch's rules for ``ConvNd`` on ``shape`` (all plain ints), restated from its documentation."""
    if min(c_in, c_out, k, s, d, g) < 1 or p < 0 or c_in % g or c_out % g:
        return False
    if len(shape) not in (dims + 1, dims + 2) or shape[-dims - 1] != c_in or min(shape) < 1:
        return False
    for length in shape[-dims:]:
        if length + 2 * p < d * (k - 1) + 1:
            return False
        if mode == "reflect" and p >= length:
            return False
        if mode == "circular" and p > length:
            return False
    return True


def transposed_valid(c_in, c_out, k, s, p, op, d, g, shape, dims) -> bool:
    if min(c_in, c_out, k, s, d, g) < 1 or p < 0 or op < 0 or c_in % g or c_out % g or op >= max(s, d):
        return False
    if len(shape) not in (dims + 1, dims + 2) or shape[-dims - 1] != c_in or min(shape) < 1:
        return False
    return all((n - 1) * s - 2 * p + d * (k - 1) + op + 1 >= 1 for n in shape[-dims:])


@st.composite
def conv_configs(draw):
    """A convolution configuration of small ints, valid or not (the oracle decides)."""
    dims = draw(st.integers(1, 3))
    c_in, c_out, g = draw(st.integers(0, 6)), draw(st.integers(0, 6)), draw(st.integers(0, 3))
    k, s, d, p = draw(st.integers(0, 5)), draw(st.integers(0, 3)), draw(st.integers(0, 2)), draw(st.integers(-1, 4))
    mode = draw(st.sampled_from(["zeros", "reflect", "replicate", "circular"]))
    batch = draw(st.sampled_from([(), (1,), (2,)]))
    channels = draw(st.sampled_from([c_in, c_in + 1]))
    spatial = tuple(draw(st.lists(st.integers(0, 7), min_size=dims, max_size=dims)))
    shape = (*batch, channels, *spatial)
    if draw(st.booleans()):
        shape = shape[: draw(st.integers(0, len(shape)))]  # a wrong rank now and then
    return dims, c_in, c_out, k, s, p, d, g, mode, shape


def _conv(dims, c_in, c_out, k, s, p, d, g, mode, shape):
    op = CONV[dims](c_in, c_out, k, stride=s, padding=p, dilation=d, groups=g, padding_mode=mode)
    return op.cost(shape).macs


@_settings(FAST)
@given(conv_configs())
def test_convolutions_against_the_oracle(config):
    _check_conv(config)


@pytest.mark.slow
@_settings(SLOW * 2)
@given(conv_configs())
def test_convolutions_against_the_oracle_bulk(config):
    _check_conv(config)


def _check_conv(config):
    outcome = Outcome(lambda: _conv(*config))
    dims, c_in, c_out, k, s, p, d, g, mode, shape = config
    valid = conv_valid(c_in, c_out, k, s, p, d, g, mode, shape, dims)
    outcome.check("operator", invalid=not valid)
    if valid:
        assert outcome.error is None, f"valid configuration refused: {outcome.error}"
        assert outcome.result.is_Integer and outcome.result > 0


@st.composite
def transposed_configs(draw):
    dims = draw(st.integers(1, 3))
    c_in, c_out, g = draw(st.integers(0, 6)), draw(st.integers(0, 6)), draw(st.integers(0, 3))
    k, s, d = draw(st.integers(0, 5)), draw(st.integers(0, 3)), draw(st.integers(0, 2))
    p, op = draw(st.integers(-1, 6)), draw(st.integers(-1, 3))
    spatial = tuple(draw(st.lists(st.integers(0, 6), min_size=dims, max_size=dims)))
    shape = (draw(st.sampled_from([1, 2])), draw(st.sampled_from([c_in, c_in + 1])), *spatial)
    return dims, c_in, c_out, k, s, p, op, d, g, shape


@_settings(FAST)
@given(transposed_configs())
def test_transposed_convolutions_against_the_oracle(config):
    _check_transposed(config)


@pytest.mark.slow
@_settings(SLOW)
@given(transposed_configs())
def test_transposed_convolutions_against_the_oracle_bulk(config):
    _check_transposed(config)


def _check_transposed(config):
    dims, c_in, c_out, k, s, p, op, d, g, shape = config
    outcome = Outcome(lambda: TRANSPOSED[dims](c_in, c_out, k, s, p, op, g, dilation=d).cost(shape).adds)
    valid = transposed_valid(c_in, c_out, k, s, p, op, d, g, shape, dims)
    outcome.check("operator", invalid=not valid)
    if valid:
        assert outcome.error is None, f"valid configuration refused: {outcome.error}"


# --------------------------------------------------------------------------- a bad value in any argument

OPERATORS = {
    "conv2d": (symconv.Conv2d, {"in_channels": 4, "out_channels": 8, "kernel_size": 3, "stride": 1, "padding": 1,
                                "dilation": 1, "groups": 1, "bias": True, "padding_mode": "zeros"}, (1, 4, 9, 9)),
    "conv_transpose1d": (symconv.ConvTranspose1d, {"in_channels": 4, "out_channels": 8, "kernel_size": 3, "stride": 2,
                                                   "padding": 1, "output_padding": 1, "groups": 1, "bias": True,
                                                   "dilation": 1}, (1, 4, 9)),
    "linear": (symconv.Linear, {"in_features": 4, "out_features": 8, "bias": True}, (2, 4)),
    "dwconv": (symconv.DepthwiseSeparableConv2d, {"in_channels": 4, "out_channels": 8, "kernel_size": 3, "stride": 1,
                                                  "padding": 1, "dilation": 1, "depth_multiplier": 1, "bias": True,
                                                  "fused": False}, (1, 4, 9, 9)),
    "pconv": (symconv.PartialConv2d, {"channels": 8, "kernel_size": 3, "n_div": 4, "bias": False,
                                      "forward": "slicing"}, (1, 8, 9, 9)),
}  # fmt: skip
FLAGS = {"bias", "fused"}
WORDS = {"padding_mode", "forward"}


@st.composite
def broken_operators(draw):
    """A valid configuration with one argument (or one input size) replaced by an invalid value."""
    name = draw(st.sampled_from(sorted(OPERATORS)))
    cls, kwargs, shape = OPERATORS[name]
    kwargs, shape = dict(kwargs), list(shape)
    if draw(st.booleans()):
        key = draw(st.sampled_from(sorted(kwargs)))
        if key in FLAGS:
            kwargs[key] = draw(not_bool)
        elif key in WORDS:
            kwargs[key] = draw(st.sampled_from(["bogus", 3, None, "", "ZEROS"]))
        elif key in ("padding", "output_padding"):
            kwargs[key] = draw(not_padding)
        else:
            kwargs[key] = draw(not_size)
            if key == "n_div" and kwargs[key] is None:  # None is n_div's default
                kwargs[key] = 0
        label = f"{name}({key}={kwargs[key]!r})"
    else:
        index = draw(st.integers(0, len(shape) - 1))
        shape[index] = draw(not_size)
        label = f"{name} input_shape[{index}]={shape[index]!r}"
    return label, cls, kwargs, tuple(shape)


def _check_broken(case):
    _label, cls, kwargs, shape = case
    outcome = Outcome(lambda: cls(**kwargs).cost(shape).macs)
    outcome.check("operator argument", invalid=True)


@_settings(FAST)
@given(broken_operators())
def test_an_invalid_argument_is_refused(case):
    _check_broken(case)


@pytest.mark.slow
@_settings(SLOW)
@given(broken_operators())
def test_an_invalid_argument_is_refused_bulk(case):
    _check_broken(case)


@_settings(FAST)
@given(st.sampled_from([*NOT_SIZES, "x", ("a", 3)]), st.sampled_from(NOT_SIZES))
def test_composites_refuse_what_is_not_an_operator(part, other):
    for build in (lambda: symconv.Sequential(part), lambda: symconv.Fused(symconv.Conv2d(4, 4, 3), part)):
        Outcome(lambda build=build: build().cost((1, 4, 9, 9)).macs).check("composite", invalid=True)
    Outcome(lambda: symconv.Conv2d(4, 4, 3).cost(other).macs).check("input shape", invalid=True)


# --------------------------------------------------------------------------- substitution


@st.composite
def substitutions(draw):
    """A symbolic convolution, and values for its symbols (often invalid ones)."""
    k, s, p, g = draw(st.integers(1, 4)), draw(st.integers(1, 3)), draw(st.integers(0, 3)), draw(st.integers(1, 4))
    mode = draw(st.sampled_from(["zeros", "reflect", "circular"]))
    values = {
        "C": draw(st.one_of(st.integers(-2, 9), st.sampled_from(NOT_SIZES))),
        "H": draw(st.one_of(st.integers(-2, 9), st.sampled_from(NOT_SIZES))),
        "W": draw(st.integers(1, 9)),
    }
    if draw(st.booleans()):
        values[draw(st.sampled_from(["Z", "K", "c", "H_in"]))] = 3  # not a symbol of the cost
    return k, s, p, g, mode, values


@_settings(FAST)
@given(substitutions())
def test_substitution_equals_building_on_the_values(case):
    _check_substitution(case)


@pytest.mark.slow
@_settings(SLOW)
@given(substitutions())
def test_substitution_equals_building_on_the_values_bulk(case):
    _check_substitution(case)


def _check_substitution(case):
    k, s, p, g, mode, values = case

    def op(c):
        return symconv.Conv2d(c, 2 * g, k, stride=s, padding=p, groups=g, padding_mode=mode)

    symbolic = op(C).cost((1, C, H, W))
    substituted = Outcome(lambda: symbolic.at(**values).macs)
    plain = {"C", "H", "W"} >= set(values) and all(
        isinstance(v, int) and not isinstance(v, bool) for v in values.values()
    )
    direct = Outcome(lambda: op(values["C"]).cost((1, values["C"], values["H"], values["W"])).macs) if plain else None
    valid = direct is not None and direct.error is None
    text = any(isinstance(v, str) for v in values.values())  # "abc" is a symbol, "3" is 3: judged by the parser
    substituted.check("substitution", invalid=not valid and not text)
    if valid:
        assert substituted.result == direct.result
    for point in (values,):
        grid = {name: [v] for name, v in point.items()}
        outcome = Outcome(lambda grid=grid: symconv.compare({"c": symbolic}, "macs", grid))
        outcome.check("compare", invalid=not valid and not text)


# --------------------------------------------------------------------------- queries

COST = symconv.Conv2d(4, 8, 3).cost((1, 4, H, 9))
SYMBOLIC = symconv.Conv2d(C, C, K, padding="same").cost((1, C, H, W))
RATIO = symconv.ratio(
    symconv.DepthwiseSeparableConv2d(C, C, 3, padding=1), symconv.Conv2d(C, C, 3, padding=1), input_shape=(1, C, H, W)
)
ANYTHING = st.sampled_from([*NOT_SIZES, COST, symconv.Conv2d(4, 8, 3), "macs", "H", "C", ("H", 3), [("H", 3)]])
QUERIES = {
    "ratio": lambda a, b: symconv.ratio(a, b),
    "ratio-quantity": lambda a, b: symconv.ratio(COST, COST, a),
    "limit": lambda a, b: symconv.limit(RATIO, a, b),
    "limit-expr": lambda a, b: symconv.limit(a, "C", b),
    "asymptotic": lambda a, b: symconv.asymptotic(a, b),
    "asymptotic-symbols": lambda a, b: symconv.asymptotic(RATIO, a),
    "at": lambda a, b: symconv.at(a, H=b),
    "at-cost": lambda a, b: symconv.at(COST, H=a),
    "cost-at": lambda a, b: COST.at(H=a),
    "cost-subs": lambda a, b: COST.subs(a),
    "compare": lambda a, b: symconv.compare(a, "macs", {"H": [3]}),
    "compare-grid": lambda a, b: symconv.compare({"c": COST}, "macs", a),
    "compare-values": lambda a, b: symconv.compare({"c": COST}, "macs", {"H": [a]}),
    "compare-quantity": lambda a, b: symconv.compare({"c": COST}, a, {"H": [5]}),
    "crossover-given": lambda a, b: symconv.crossover(SYMBOLIC, SYMBOLIC, "macs", "C", a),
    "crossover-value": lambda a, b: symconv.crossover(SYMBOLIC, SYMBOLIC, "macs", "C", {"H": a}),
    "crossover-over": lambda a, b: symconv.crossover(SYMBOLIC, SYMBOLIC, "macs", a),
    "crossover-costs": lambda a, b: symconv.crossover(a, SYMBOLIC, "macs", "C"),
    "roofline": lambda a, b: symconv.roofline(COST.at(H=9), a),
    "roofline-cost": lambda a, b: symconv.roofline(a, 10),
    "roofline-element": lambda a, b: symconv.roofline(COST.at(H=9), 10, element_size=a),
    "quantity": lambda a, b: symconv.quantity(COST, a),
    "quantity-cost": lambda a, b: symconv.quantity(a, "macs"),
    "memory": lambda a, b: COST.memory(a),
    "memory-element": lambda a, b: COST.memory("ideal", a),
    "compute": lambda a, b: COST.compute(a),
    "intensity": lambda a, b: COST.intensity(a),
}


def _check_query(name, a, b):
    # text such as "H" is a valid expression: these cases look for leaks and hangs; the oracles above
    # (operators, substitution, compare) look for silent numbers
    Outcome(lambda: QUERIES[name](a, b)).check("query", invalid=False)


@_settings(FAST * 3)
@given(st.sampled_from(sorted(QUERIES)), ANYTHING, ANYTHING)
def test_queries_refuse_invalid_arguments(name, a, b):
    _check_query(name, a, b)


@pytest.mark.slow
@_settings(SLOW)
@given(st.sampled_from(sorted(QUERIES)), ANYTHING, ANYTHING)
def test_queries_refuse_invalid_arguments_bulk(name, a, b):
    _check_query(name, a, b)


# --------------------------------------------------------------------------- renderers and codegen

RENDERERS = {
    "table-rows": lambda a: symconv.latex.table(a, ["macs"]),
    "table-quantities": lambda a: symconv.latex.table({"c": COST}, a),
    "table-baseline": lambda a: symconv.latex.table({"c": COST}, ["ratio:macs"], baseline=a),
    "table-values": lambda a: symconv.latex.table({"c": COST}, ["macs"], values=a),
    "table-value": lambda a: symconv.latex.table({"c": COST}, ["macs"], values={"H": a}),
    "table-label": lambda a: symconv.latex.table({"c": COST}, ["macs"], label=a),
    "table-caption": lambda a: symconv.latex.table({"c": COST}, ["macs"], caption=a),
    "table-digits": lambda a: symconv.latex.table({"c": COST.at(H=9)}, ["intensity"], digits=a),
    "codegen-operators": lambda a: python_module(a),
    "codegen-quantities": lambda a: python_module({"c": (symconv.Conv2d(4, 8, 3), (1, 4, H, W))}, a),
    "codegen-pair": lambda a: python_module({"c": a}),
    "codegen-numpy": lambda a: numpy_module({"c": (symconv.Conv2d(4, 8, 3), (1, 4, a, W))}),
    "network-latex": lambda a: _network().latex(["macs"], values={"H": a}),
    "network-subs": lambda a: _network().subs({"H": a}),
    "network-at": lambda a: _network().at(Z=a),
    "network-table": lambda a: _network().table(a),
    "network-layer": lambda a: symconv.Network("n")("x", a),
    "network-input": lambda a: symconv.Network("n").input(a),
    "plot-values": lambda a: symconv.render.plot.series({"c": COST}, "macs", "H", a),
    "plot-over": lambda a: symconv.render.plot.series({"c": COST}, "macs", a, [3, 4]),
    "plot-given": lambda a: symconv.render.plot.series({"c": SYMBOLIC}, "macs", "C", [3, 4], given=a),
    "plot-costs": lambda a: symconv.render.plot.series(a, "macs", "H", [3, 4]),
    "plot-kind": lambda a: symconv.render.plot.series({"c": COST}, "macs", "H", [3, 4], kind=a),
    "derivation-title": lambda a: derivation(Derivation(a, [Step("s", H, "x")])),
    "derivation-steps": lambda a: derivation(Derivation("t", a)),
    "derivation-label": lambda a: derivation(Derivation("t", [Step("s", H, "x")]), label=a),
    "derivation-lowering": lambda a: derivation(Derivation("t", [Step("s", H, "x")]), lowering=a),
    "codegen-argument": lambda a: Argument("x", "doc", default=a),
    "codegen-argument-doc": lambda a: Argument("x", a),
}
NOT_RENDERABLE = st.sampled_from(
    [*NOT_SIZES, {"c": 3}, {"c": None}, {3: COST}, ["macs"], "macs", ["nonsense"], [3], {"H": "x"}, {"Z": 3},
     {"c": (None, (1,))}, {"c": (symconv.Conv2d(4, 8, 3), None)}, {"bad name": (symconv.Conv2d(4, 8, 3), (1, 4, 9, 9))},
     [3, 3], range(0, 3), [-1, 2], [2.5], ["x"], 'a"""b', "a\\b", "bell\x07", [Step("s", H, "x"), None]]
)  # fmt: skip


def _network():
    net = symconv.Network("n")
    x = net.input((1, 4, H, W))
    net("conv", symconv.Conv2d(4, 8, 3), x)
    return net.cost()


def _check_renderer(name, a):
    Outcome(lambda: RENDERERS[name](a)).check("renderer", invalid=False)


@_settings(FAST * 2)
@given(st.sampled_from(sorted(RENDERERS)), NOT_RENDERABLE)
def test_renderers_and_codegen_refuse_invalid_arguments(name, a):
    _check_renderer(name, a)


@pytest.mark.slow
@_settings(SLOW)
@given(st.sampled_from(sorted(RENDERERS)), NOT_RENDERABLE)
def test_renderers_and_codegen_refuse_invalid_arguments_bulk(name, a):
    _check_renderer(name, a)


# --------------------------------------------------------------------------- the command line

BAD_TEXT = st.sampled_from(
    ["0", "-5", "2.5", "None", "oo", "x.y", "f(1)", "9**9**9", "10**10**10", "2**2**40", "1/0", "", ",", "3,",
     "__import__('os').system('true')", "C=", "=3", "H=-1", "H=0", "Z=3", "H=2.5", "(" * 200, "C_in-", "'3'",
     "\\input{/etc/passwd}", "H=1"]
)  # fmt: skip
PLOT_OUTPUT = os.path.join(tempfile.gettempdir(), "symconv-fuzz", "plot.png")
FACTORY = os.path.join(tempfile.mkdtemp(prefix="symconv-fuzz-"), "net.py")
Path(FACTORY).write_text(
    "import torch\n\n\ndef build(width=4):\n"
    "    return torch.nn.Sequential(torch.nn.Conv2d(3, width, 3), torch.nn.ReLU(), torch.nn.Conv2d(width, 2, 3))\n"
)
COMMANDS = {
    "cost": ["cost", "conv2d", "--in-channels", "4", "--out-channels", "8", "--kernel-size", "3", "--input", "1,4,9,9"],
    "ratio": ["ratio", "conv2d", "conv2d", "--in-channels", "C", "--out-channels", "C", "--kernel-size", "3",
              "--input", "1,C,8,8", "--b", "groups=C"],
    "crossover": ["crossover", "conv2d", "dwconv", "--in-channels", "C", "--out-channels", "C", "--kernel-size", "3",
                  "--input", "1,C,H,H", "--over", "C"],
    "table": ["table", "conv2d", "--in-channels", "4", "--out-channels", "8", "--kernel-size", "3", "--input",
              "1,4,H,9"],
    "generate": ["generate", "conv2d", "--in-channels", "C_in", "--out-channels", "8", "--kernel-size", "3",
                 "--input", "1,C_in,H,W"],
    "derive": ["derive", "conv2d", "--in-channels", "4", "--out-channels", "C_out", "--kernel-size", "3",
               "--input", "1,4,H,W"],
    "plot": ["plot", "conv2d", "dwconv", "--in-channels", "C", "--out-channels", "C", "--kernel-size", "3",
             "--input", "1,C,9,9", "--over", "C", "--range", "4:6", "--output", PLOT_OUTPUT],
    "cost --grad": ["cost", "conv2d", "--in-channels", "4", "--out-channels", "8", "--kernel-size", "3",
                    "--input", "1,4,9,9", "--grad", "weights"],
    "table --grad": ["table", "conv2d", "--in-channels", "4", "--out-channels", "8", "--kernel-size", "3",
                     "--input", "1,4,H,9", "--grad"],
    "codegen --grad": ["codegen", "conv2d", "--in-channels", "C_in", "--out-channels", "8", "--kernel-size", "3",
                       "--input", "1,C_in,H,W", "--grad", "true"],
    "model": ["model", f"{FACTORY}:build", "--input", "1,3,12,12"],
    "devices": ["devices"],
    "bounds": ["bounds", "mobilenet_v1", "--resolution", "32", "--device", "T4"],
    "bounds --fast-memory": ["bounds", "mobilenet_v1", "--resolution", "32"],
}  # fmt: skip
OPTIONS = {
    "cost": ["--in-channels", "--out-channels", "--kernel-size", "--stride", "--padding", "--groups", "--input"],
    "ratio": ["--limit", "--input", "--kernel-size", "--stride"],
    "crossover": ["--given", "--over", "--input"],
    "table": ["--given", "--labels", "--quantities", "--baseline", "--label", "--input"],
    "generate": ["--input", "--quantity", "--name", "--kernel-size", "--stride"],
    "derive": ["--quantity", "--input", "--padding", "--dilation"],
    "plot": ["--range", "--given", "--over", "--groups"],
    # an option ending in "=" (or none) takes the text in the same word: --arg=width=TEXT, or a positional
    "cost --grad": ["--grad", "--input"],
    "table --grad": ["--grad", "--given"],
    "codegen --grad": ["--grad", "--quantity"],
    "model": ["--arg", "--arg=width=", "--input", "--given"],
    "devices": [""],
    "bounds": ["--dtype", "--batch", "--resolution", "--roofline", "--plot"],
    "bounds --fast-memory": ["--fast-memory", "--plot"],
}


def _check_cli(command, option, text):
    words = [option + text] if option.endswith("=") or not option else [option, text]
    if command == "model":
        pytest.importorskip("torch")  # imported before the clock starts
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PyTorch's own warnings about the layers a factory builds
        outcome = Outcome(lambda: in_process(*COMMANDS[command], *words))
    outcome.check("command line", invalid=False)
    result = outcome.result
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr, result.stderr
    if result.returncode != 0:
        assert len(result.stderr.strip().splitlines()) <= 2, result.stderr  # argparse: usage + error
    assert not os.path.exists(text), f"{command} {option}: wrote {text!r}"
    return result
    COUNTS["command line refused" if result.returncode else "command line accepted"] += 1


@_settings(FAST)
@given(st.sampled_from(sorted(OPTIONS)).flatmap(lambda c: st.tuples(st.just(c), st.sampled_from(OPTIONS[c]))), BAD_TEXT)
def test_the_command_line_refuses_on_one_line(command_option, text):
    _check_cli(*command_option, text)


@pytest.mark.slow
@_settings(SLOW)
@given(st.sampled_from(sorted(OPTIONS)).flatmap(lambda c: st.tuples(st.just(c), st.sampled_from(OPTIONS[c]))), BAD_TEXT)
def test_the_command_line_refuses_on_one_line_bulk(command_option, text):
    _check_cli(*command_option, text)


HOSTILE = ["__import__('os').system('touch pwned')", "9**9**9", "\\input{/etc/passwd}", "-5", "0", "H=1", "", "b\x07"]
NEWER = ["cost --grad", "table --grad", "codegen --grad", "model", "devices", "bounds", "bounds --fast-memory"]


@pytest.mark.parametrize(("command", "option"), [(c, o) for c in NEWER for o in OPTIONS[c]])
def test_newer_options_refuse_hostile_text_on_one_line(command, option, tmp_path, monkeypatch):
    """--grad, model --arg/--given, devices, bounds: every hostile text refused, nothing run or written."""
    monkeypatch.chdir(tmp_path)
    for text in HOSTILE:
        result = _check_cli(command, option, text)
        assert result.returncode != 0 and "error: " in result.stderr, (text, result.stdout[-300:])
    assert list(tmp_path.iterdir()) == []


def test_no_numbers_from_invalid_command_line_values():
    """Values a size cannot take, given where a size must be: refused, with no number printed."""
    for text in ["0", "-5", "2.5", "oo", "9**9**9", "1/0", "None"]:
        result = in_process(*COMMANDS["cost"][:-1], f"1,4,{text},9")
        assert result.returncode != 0 and result.stdout == "", text
    for given_value in ["H=-5", "H=1", "H=0", "H=2.5", "Z=3"]:
        result = in_process(*COMMANDS["table"], "--given", given_value)
        assert result.returncode != 0 and result.stdout == "", given_value


# --------------------------------------------------------------------------- every argument of the public API


def _api() -> dict:
    """Public calls with valid arguments; the sweep replaces each argument in turn by each invalid value."""
    fixed = COST.at(H=9)
    return {
        "ratio": (symconv.ratio, [COST, COST, "macs"], {"element_size": 1}),
        "limit": (symconv.limit, [RATIO, "C", "oo"], {}),
        "asymptotic": (symconv.asymptotic, [RATIO, "C"], {}),
        "at": (symconv.at, [COST], {"H": 5}),
        "compare": (symconv.compare, [{"c": COST}, "macs", {"H": [5]}], {"element_size": 1}),
        "crossover": (symconv.crossover, [SYMBOLIC, SYMBOLIC, "macs", "C", {"H": 3}], {"element_size": 1}),
        "roofline": (symconv.roofline, [fixed, 10, "flops", "ideal", 4], {}),
        "quantity": (symconv.quantity, [COST, "macs"], {"element_size": 1}),
        "table": (
            symconv.latex.table,
            [{"c": COST}, ["macs"]],
            {"baseline": None, "values": None, "caption": "", "label": "", "document": False, "digits": 3},
        ),
        "convention": (symconv.convention, ["macs"], {}),
        "memory_model": (symconv.memory_model, ["ideal"], {}),
        "cost.memory": (COST.memory, ["ideal", 1], {}),
        "cost.reads": (COST.reads, ["ideal", 1], {}),
        "cost.intensity": (COST.intensity, ["flops", "ideal", 1], {}),
        "cost.compute": (COST.compute, ["macs"], {}),
        "cost.subs": (COST.subs, [{"H": 5}], {}),
        "network.subs": (_network().subs, [{"H": 5}], {}),
        "Network": (symconv.Network, ["n"], {}),
        "series": (symconv.render.plot.series, [{"c": COST}, "macs", "H", [3, 4]], {"kind": "cost", "element_size": 1}),
        "figure": (
            symconv.render.plot.figure,
            [symconv.render.plot.series({"c": COST}, "macs", "H", [3, 4])],
            {"title": None, "logx": False, "logy": False},
        ),
        "python_module": (python_module, [{"c": (symconv.Conv2d(4, 8, 3), (1, 4, H, W))}, ["macs"]], {}),
        "derivation": (derivation, [Derivation("t", [Step("s", H, "x")])], {"label": "", "document": False}),
    }


def _sweep(values: list) -> int:
    cases = 0
    for name, (call, args, kwargs) in _api().items():
        slots = [*range(len(args)), *kwargs]
        for slot in slots:
            for value in values:
                new_args, new_kwargs = list(args), dict(kwargs)
                if isinstance(slot, int):
                    new_args[slot] = value
                else:
                    new_kwargs[slot] = value
                outcome = Outcome(lambda c=call, a=new_args, k=new_kwargs: c(*a, **k))
                try:
                    outcome.check("public API argument", invalid=False)
                except AssertionError as error:
                    raise AssertionError(f"{name}, argument {slot!r} = {value!r}: {error}") from None
                cases += 1
    return cases


def test_every_argument_of_the_public_api_refuses_invalid_values():
    assert _sweep(NOT_SIZES[::6]) > 300


@pytest.mark.slow
def test_every_argument_of_the_public_api_refuses_invalid_values_bulk():
    values = [*NOT_SIZES, {"c": 3}, {3: COST}, ["nonsense"], [3], {"H": "x"}, {"Z": 3}, "bell\x07", 'a"""b']
    assert _sweep(values) > 2000


@pytest.fixture(scope="module", autouse=True)
def _report_counts():
    yield
    total = sum(v for k, v in COUNTS.items() if not k.startswith("command line re") and "accepted" not in k)
    print(f"\nfuzz cases: {total} ({dict(sorted(COUNTS.items()))})")


def test_oracle_sanity():
    """The oracle agrees with PyTorch's documented formula on a few hand-checked cases."""
    assert conv_valid(4, 8, 3, 1, 0, 1, 1, "zeros", (1, 4, 3, 3), 2)
    assert not conv_valid(4, 8, 3, 1, 0, 1, 1, "zeros", (1, 4, 2, 3), 2)
    assert not conv_valid(4, 8, 3, 1, 2, 1, 1, "reflect", (1, 4, 2, 2), 2)
    assert conv_valid(4, 8, 3, 1, 2, 1, 1, "circular", (1, 4, 2, 2), 2)
    assert not transposed_valid(4, 8, 3, 2, 0, 2, 1, 1, (1, 4, 3), 1)
