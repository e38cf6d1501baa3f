"""The whole quantity vocabulary through every consumer, against independent references.

Two bias-carrying 'valid' convolutions on a 2 x 3 x 3 input, A with a 2 x 2 kernel and B
(the baseline of every ``ratio:``) with a 1 x 1 kernel, are run element by element by
the brute force (tests/bruteforce.py); its multiplications, additions, reads and writes
(with and without a materialised column buffer) give every forward quantity's expected
value. Their training steps are run the same way: the brute force's backward (input
gradients, and weight and bias gradients, apart) gives the training compute, and a real
PyTorch step gives what autograd saves and what each optimizer keeps. Each name of the
vocabulary, forward and training, ``ratio:`` forms included, must then give that value in
``symconv.quantity``, ``latex.table``, ``codegen.python_module`` and ``numpy_module`` (the
generated functions executed), plots, network tables and every command-line command taking
``--quantity``, with the same label; where a consumer has no training step (a derivation,
a model's per-layer table) a training name is refused with the rule.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from fractions import Fraction

import bruteforce
import numpy as np
import pytest
import sympy
from cli_runner import in_process

import symconv
from symconv.codegen import numpy_module, python_module
from symconv.core.quantities import (
    VOCABULARY,
    Adds,
    Compute,
    Intensity,
    Params,
    Quantity,
    Ratio,
    Saved,
    Traffic,
    Trainable,
    TrainingCompute,
    TrainingMemory,
    both,
    identifier,
    quantity_named,
)
from symconv.errors import SymconvError, UnknownName
from symconv.latex.tables import build, cell
from symconv.network import Network
from symconv.network.table import layer_table
from symconv.render import plot
from symconv.symbols import C_in, C_out, H, K, W

#: What a user types: every canonical name and every short form (``memory``, ``reads``, ``ops+bias`` ...).
TYPED = [name for q in VOCABULARY for name in (q.name, *q.aliases)]
#: The names of the forward's quantities (a network's layer table and a derivation take only these).
FORWARD = [name for name in TYPED if not quantity_named(name).training]
TRAINING = [name for name in TYPED if quantity_named(name).training]
POINT = {"C_in": 2, "C_out": 3, "K": 2, "H": 3, "W": 3}


# --------------------------------------------------------------------------- the reference


@dataclass(frozen=True)
class Step:
    """A training step's references: the brute-force backward's counts by part, a real PyTorch step's memory."""

    grad_input: tuple[int, int]  # (mults, adds)
    grad_params: tuple[int, int]
    saved: int
    trainable: int
    held: dict[str, int]  # elements one optimizer step holds, by optimizer


@dataclass(frozen=True)
class Reference:
    """Counts of one brute-force convolution with bias: arithmetic, parameters, elements moved per model."""

    mults: int
    adds: int
    outputs: int
    params: int
    reads: dict[str, int]
    writes: dict[str, int]
    step: Step | None = field(default=None, compare=False)

    def __add__(self, other: Reference) -> Reference:  # two layers run as separate kernels (forward only)
        def both(a, b):
            return {m: a[m] + b[m] for m in a}

        return Reference(
            self.mults + other.mults,
            self.adds + other.adds,
            self.outputs + other.outputs,
            self.params + other.params,
            both(self.reads, other.reads),
            both(self.writes, other.writes),
        )


def brute(c_in: int, c_out: int, k: int, size: int) -> Reference:
    x = np.arange(1, c_in * size * size + 1).reshape(1, c_in, size, size)
    w, b = np.ones((c_out, c_in, k, k), dtype=int), np.ones(c_out, dtype=int)
    args = ((1, 1), ((0, 0), (0, 0)), (1, 1), 1)
    _, plain = bruteforce.conv(x, w, b, *args)
    _, columns = bruteforce.conv(x, w, b, *args, materialize_columns=True)  # none for a pointwise conv

    def whole(name: str) -> int:  # symconv moves whole tensors: read elements plus unread ones
        return plain.reads.get(name, 0) + plain.unread.get(name, 0)

    ideal_reads = whole("input") + whole("weight") + whole("bias")
    touched_reads = plain.reads.get("input", 0) + whole("weight") + whole("bias")  # only the input elements read
    return Reference(
        mults=plain.mults,
        adds=plain.adds,
        outputs=plain.writes["output"],
        params=whole("weight") + whole("bias"),
        reads={"ideal": ideal_reads, "touched": touched_reads, "im2col": ideal_reads + columns.reads.get("columns", 0)},
        writes={
            "ideal": plain.writes["output"],
            "touched": plain.writes["output"],
            "im2col": plain.writes["output"] + columns.writes.get("columns", 0),
        },
    )


def brute_step(c_in: int, c_out: int, k: int, size: int) -> Step:
    """The training step (input and parameters need a gradient) of ``brute``'s convolution."""
    torch = pytest.importorskip("torch")
    from autograd_reference import OPTIMIZERS, optimizer_step_elements, saved_bytes

    x = np.arange(1, c_in * size * size + 1).reshape(1, c_in, size, size)
    w = np.ones((c_out, c_in, k, k), dtype=int)
    dy = np.arange(1, c_out * (size - k + 1) ** 2 + 1).reshape(1, c_out, size - k + 1, size - k + 1)
    window = bruteforce.Window((1, 1), ((0, 0), (0, 0)), (1, 1))
    inputs = bruteforce.conv_backward(x, w, dy, window, bruteforce.Wanted(input=True, weight=False))
    params = bruteforce.conv_backward(x, w, dy, window, bruteforce.Wanted(input=False, weight=True, bias=True))
    conv = torch.nn.Conv2d(c_in, c_out, k).double()
    shape = (1, c_in, size, size)
    return Step(
        grad_input=(inputs.mults, inputs.adds),
        grad_params=(params.mults, params.adds),
        saved=saved_bytes(conv, torch.zeros(shape, dtype=torch.float64, requires_grad=True)) // 8,
        trainable=sum(p.numel() for p in conv.parameters() if p.requires_grad),
        held={name: optimizer_step_elements(conv, shape, name, input_grad=True) for name in OPTIMIZERS},
    )


A, B = brute(2, 3, 2, 3), brute(2, 3, 1, 3)
LAYER_B = brute(3, 3, 1, 2)  # in the network, B runs on A's 3 x 2 x 2 output


@pytest.fixture(scope="module")
def steps() -> tuple[Reference, Reference]:
    """A and B with their training steps' references (PyTorch runs the real step)."""
    return (
        Reference(**{**A.__dict__, "step": brute_step(2, 3, 2, 3)}),
        Reference(**{**B.__dict__, "step": brute_step(2, 3, 1, 3)}),
    )


def _counted(counts: str, mults: int, adds: int) -> int:
    """A backward's compute under a convention: every product is a GEMM's MAC, and it adds no bias."""
    return {"macs": mults, "flops": 2 * mults, "mults": mults, "ops": mults + adds, "adds": adds}[counts]


def expected(q: Quantity, ref: Reference, base: Reference = B) -> Fraction:
    """The value of ``q`` from the references' counts, by the conventions' definitions (docs/conventions.md)."""
    if isinstance(q, Ratio):
        return expected(q.base, ref) / expected(q.base, base)
    if isinstance(q, Compute):
        c = q.convention
        # the brute force adds the bias once per output: its adds include them, its products are the MACs
        without_bias = {"macs": ref.mults, "flops": 2 * ref.mults, "mults": ref.mults}
        without_bias["ops"] = ref.mults + ref.adds - ref.outputs
        return Fraction(without_bias[c.counts] + (ref.outputs if c.bias else 0))
    if isinstance(q, Adds):
        return Fraction(ref.adds)
    if isinstance(q, Params):
        return Fraction(ref.params)
    if isinstance(q, Traffic):
        model = q.model.name
        moved = {"reads": ref.reads[model], "writes": ref.writes[model]}
        return Fraction(moved.get(q.kind, ref.reads[model] + ref.writes[model]))
    if isinstance(q, Intensity):
        return expected(q.compute, ref) / expected(Traffic("memory", q.model), ref)
    return _expected_training(q, ref)


def _expected_training(q: Quantity, ref: Reference) -> Fraction:
    step = ref.step
    assert step is not None, f"{q.name} needs the training step's reference"
    if isinstance(q, TrainingCompute):
        counts = q.base.name if isinstance(q.base, Adds) else q.base.convention.counts
        parts = {"grad-input": step.grad_input, "grad-params": step.grad_params}
        if q.part in parts:
            return Fraction(_counted(counts, *parts[q.part]))
        backward = _counted(counts, *(sum(pair) for pair in zip(*parts.values(), strict=True)))
        return Fraction(backward) + (expected(q.base, ref) if q.part == "training" else 0)
    if isinstance(q, Saved):
        return Fraction(step.saved)
    if isinstance(q, Trainable):
        return Fraction(step.trainable)
    if isinstance(q, TrainingMemory):
        return Fraction(step.held[q.optimizer])
    raise AssertionError(f"no reference for {q!r}")


def value(text: str) -> Fraction:
    return Fraction(str(sympy.Rational(text)))


@pytest.fixture(scope="module")
def costs() -> tuple[symconv.Cost, symconv.Cost]:
    shape = (1, 2, 3, 3)
    return symconv.Conv2d(2, 3, 2).cost(shape), symconv.Conv2d(2, 3, 1).cost(shape)


@pytest.fixture(scope="module")
def training_costs():
    shape = (1, 2, 3, 3)
    return symconv.Conv2d(2, 3, 2).cost(shape, grad=True), symconv.Conv2d(2, 3, 1).cost(shape, grad=True)


# --------------------------------------------------------------------------- the vocabulary itself


def test_every_name_parses_to_one_quantity_with_a_valid_identifier():
    names = [n for q in VOCABULARY for n in {q.name, *q.aliases, q.identifier}]
    for q in VOCABULARY:
        assert q.identifier.isidentifier() and q.identifier == identifier(q.name)
        for name in (q.name, *q.aliases, q.identifier):
            assert quantity_named(name) is q, name
        assert q.label and q.summary and q.header[0] and q.latex
    assert len({q.name for q in VOCABULARY}) == len({q.identifier for q in VOCABULARY}) == len(VOCABULARY)
    assert len(names) == len(set(names))  # no name means two quantities


def test_the_names_users_type():
    for short, canonical in [
        ("reads", "reads:ideal"),
        ("memory", "memory:ideal"),
        ("flops-bias", "flops"),
        ("ops+bias", "ops"),
        ("intensity", "intensity:flops:ideal"),
        ("intensity:macs", "intensity:macs:ideal"),
        ("memory_im2col", "memory:im2col"),
        ("ratio:memory", "ratio:memory:ideal"),
        ("ratio:ops-bias", "ratio:ops-bias"),
    ]:
        assert quantity_named(short).name == canonical


@pytest.mark.parametrize("name", ["gflops", "memory:disk", "ratio:ratio:macs", "intensity:params", "", "MACS", 3])
def test_unknown_names_are_refused_with_the_families_and_a_suggestion(name):
    with pytest.raises(UnknownName, match="unknown quantity") as err:
        quantity_named(name)
    assert "ratio:<quantity>" in str(err.value)
    if name == "gflops":
        assert "did you mean 'flops'" in str(err.value)


def test_a_ratio_needs_a_baseline(costs):
    with pytest.raises(SymconvError, match="needs a baseline"):
        symconv.quantity(costs[0], "ratio:macs")


# --------------------------------------------------------------------------- the consumers


@pytest.mark.parametrize("name", TYPED + [q.identifier for q in VOCABULARY])
def test_symconv_quantity(costs, training_costs, steps, name):
    q = quantity_named(name)
    (a, b), (ref, base) = training_costs, steps
    assert symconv.quantity(a, name, baseline=b) == sympy.Rational(expected(q, ref, base)), name
    if q.training:  # a forward's cost has no training step, and the error says how to get one
        with pytest.raises(SymconvError, match="is of a training step: cost the operator with grad=True"):
            symconv.quantity(costs[0], name, baseline=costs[1])
    else:  # the forward's quantities are the same of the forward alone
        assert symconv.quantity(costs[0], name, baseline=costs[1]) == sympy.Rational(expected(q, A)), name


def test_latex_table(training_costs, steps):
    a, b = training_costs
    table = build({"A": a, "B": b}, TYPED, baseline="B")
    for column, name in zip(table.columns, TYPED, strict=True):
        assert column.header == quantity_named(name).header
    for row, ref in zip(table.rows, steps, strict=True):
        for got, name in zip(row.cells, TYPED, strict=True):
            want = expected(quantity_named(name), ref, steps[1])
            # a column of numbers prints as numbers (rounded to 3 digits), exact fractions only beside symbols
            assert got == cell(sympy.Rational(want.numerator, want.denominator), 3), (row.label, name)
    assert {q.description for q in map(quantity_named, TYPED)} <= set(table.notes)
    assert "\\toprule" in symconv.latex.table({"A": a, "B": b}, TYPED, baseline="B")


def _generated(module: str) -> dict:
    namespace: dict = {}
    exec(module, namespace)
    return namespace


#: One quantity of each class (forward and training, absolute and ratio), for the fast tier's generated code.
SAMPLE = ["ops-bias", "adds", "params", "reads:im2col", "intensity:macs:touched", "ratio:memory", "training:ops",
          "grad-params:adds", "saved", "ratio:saved", "trainable", "training-memory:sgd",
          "ratio:backward:flops"]  # fmt: skip


@pytest.mark.parametrize(
    "names", [pytest.param(TYPED, marks=pytest.mark.slow, id="all"), pytest.param(SAMPLE, id="sample")]
)
def test_codegen_python_and_numpy_modules(steps, names):
    shape = (1, C_in, H, W)
    operators = {"a": (symconv.Conv2d(C_in, C_out, K), shape), "b": (symconv.Conv2d(C_in, C_out, 1), shape)}
    scalar = _generated(python_module(operators, names, baseline="b", grad=True))
    vectorised = _generated(numpy_module(operators, names, baseline="b", grad=True))
    for name in names:
        q = quantity_named(name)
        for key, ref in zip("ab", steps, strict=True):
            function = scalar[f"{key}_{q.identifier}"]
            arguments = {n: v for n, v in POINT.items() if n in function.__code__.co_varnames}
            got = function(**arguments)
            assert got == expected(q, ref, steps[1]), (key, name)
            assert type(got) is (int if q.integer else Fraction)
            many = vectorised[f"{key}_{q.identifier}"](**{n: np.array([v, v]) for n, v in arguments.items()})
            if q.integer:  # exact, in int64 or on Python ints
                assert list(np.broadcast_to(many, (2,))) == [got, got], (key, name)
            else:  # a quotient: floating point
                assert np.allclose(np.broadcast_to(many, (2,)).astype(float), float(got), rtol=1e-12), (key, name)


@pytest.mark.parametrize(
    "names", [pytest.param(TYPED, marks=pytest.mark.slow, id="all"), pytest.param(SAMPLE, id="sample")]
)
def test_plot_series(steps, names):
    pytest.importorskip("matplotlib")
    for name in names:
        q = quantity_named(name)
        over, given = _axis(name)
        chosen = dict(zip("AB", _symbolic_pair(), strict=True))
        if over is None:  # a constant: nothing to plot over
            with pytest.raises(SymconvError, match=f"grid symbol 'C_in' does not occur in the {q.name}"):
                plot.series(chosen, name, "C_in", [2])
            continue
        data = plot.series(chosen if q.relative else {"A": chosen["A"]}, name, over, [POINT[over]], given=given)
        assert data.label == q.label
        assert data.curves["A"] == (expected(q, steps[0], steps[1]),), name


def test_network_tables():
    net = Network()
    x = net.input((1, 2, 3, 3))
    net.chain(x, ("a", symconv.Conv2d(2, 3, 2)), ("b", symconv.Conv2d(3, 3, 1)))
    cost = net.cost()
    quantities = [quantity_named(name) for name in FORWARD]
    lines = layer_table(cost, FORWARD, baseline="b").splitlines()
    for q in quantities:
        assert q.label in lines[0]
    layers = {"a": A, "b": LAYER_B, "total": A + LAYER_B}
    rows = {line.split()[0]: line.split()[-len(FORWARD) :] for line in lines[2:] if not line.startswith("-")}
    assert rows.keys() == layers.keys()
    for layer, ref in layers.items():
        for text, q in zip(rows[layer], quantities, strict=True):
            assert value(text) == expected(q, ref, base=LAYER_B), (layer, q.name)
    tex = cost.latex(FORWARD, baseline="b")
    assert all(q.header[0] in tex for q in quantities)
    for name in TRAINING:  # a network's layer table is of its forward
        with pytest.raises(SymconvError, match="is of a training step"):
            layer_table(cost, [name], baseline="b")


# --------------------------------------------------------------------------- the command line


PAIR = ["conv2d", "conv2d", "--in-channels", "C_in", "--out-channels", "C_out", "--kernel-size", "1", "--a",
        "kernel-size=2", "--b", "out-channels=3", "--bias", "true", "--input", "1,C_in,3,3"]  # fmt: skip
ONE = ["conv2d", "--in-channels", "C_in", "--out-channels", "C_out", "--kernel-size", "K", "--bias", "true",
       "--input", "1,C_in,H,W"]  # fmt: skip
TABLE = ["table", "conv2d", "conv2d", "--labels", "A,B", "--baseline", "B", "--set", "1:kernel-size=2", "--set",
         "2:kernel-size=1", "--in-channels", "2", "--out-channels", "3", "--bias", "true", "--input", "1,2,3,3",
         "--fragment", "--digits", "exact"]  # fmt: skip


def _base(q: Quantity) -> Quantity:
    """What a two-operator command divides: ``ratio:macs`` of A over B is ``macs`` of A over B."""
    return q.base if isinstance(q, Ratio) else q


def _at(text: str) -> Fraction:
    expr = sympy.sympify(text, locals={n: sympy.Symbol(n) for n in POINT})
    return Fraction(str(expr.subs({sympy.Symbol(n): v for n, v in POINT.items()})))


@functools.cache
def _symbolic_pair() -> tuple:
    """The training steps of the command line's pair: A = Conv2d(C_in, C_out, 2), B = Conv2d(C_in, 3, 1)."""
    shape = (1, C_in, 3, 3)
    return tuple(symconv.Conv2d(C_in, c, k).cost(shape, grad=True) for c, k in ((C_out, 2), (3, 1)))


def _axis(name: str) -> tuple[str | None, dict[str, int]]:
    """A symbol the quantity of the pair depends on (``saved``: only on C_in), and the value of the other.

    None for a constant (``ratio:saved`` is 1 whatever the sizes): nothing to solve or plot over.
    """
    a, b = _symbolic_pair()
    present = {s.name for value in both(name, a, b) for s in sympy.sympify(value).free_symbols}
    if not present:
        return None, {}
    over = "C_out" if "C_out" in present else "C_in"
    return over, {other: POINT[other] for other in present - {over}}


def _crossover_and_plot(name: str, refs: tuple[Reference, Reference], out) -> None:
    q = quantity_named(name)
    ref, base = refs
    over, values = _axis(name)
    given = [arg for other, v in values.items() for arg in ("--given", f"{other}={v}")]
    crossover = ["crossover", *PAIR, "--quantity", name, "--over", over or "C_out", *given, "--format", "json"]
    drawn = ["plot", *PAIR, "--quantity", name, "--over", over or "C_out", *given, "--range", "1:3", "--output", out]
    if over is None:  # a constant: both commands say the symbol does not occur
        for command in (crossover, drawn):
            refused = in_process(*command)
            assert refused.returncode != 0 and "'C_out' does not occur in the" in refused.stderr, command[0]
        return
    found = in_process(*crossover)
    assert found.returncode == 0, found.stderr
    assert _at(json.loads(found.stdout)["difference"]) == expected(q, ref, base) - expected(q, base, base)
    result = in_process(*drawn)
    assert result.returncode == 0, result.stderr
    assert q.label in result.stdout


def check_cli(name: str, refs: tuple[Reference, Reference], tmp_path) -> None:
    """``name`` through every command taking ``--quantity``, each value against the reference."""
    q = quantity_named(name)
    ref, base = refs
    ratio = in_process("ratio", *PAIR, "--quantity", name, "--format", "json")
    assert ratio.returncode == 0, ratio.stderr
    assert _at(json.loads(ratio.stdout)["ratio"]) == expected(_base(q), ref, base) / expected(_base(q), base, base)
    _crossover_and_plot(name, refs, str(tmp_path / "q.png"))
    table = in_process(*TABLE, "--quantities", name)
    assert table.returncode == 0, table.stderr
    assert q.description in table.stdout
    for label, r in zip("AB", refs, strict=True):
        want = expected(q, r, base)
        shown = (
            f"\\num[group-digits=integer]{{{want}}}"
            if want.denominator == 1
            else f"$\\frac{{{want.numerator}}}{{{want.denominator}}}$"
        )
        assert f"{label} & {shown} \\\\" in table.stdout.splitlines(), (label, name)
    for numpy in ([], ["--numpy"]):
        generated = in_process("codegen", *ONE, "--quantity", name, "--name", "a", *numpy)
        if q.relative:  # one operator: nothing to divide by, and the error says so
            assert generated.returncode != 0 and "baseline" in generated.stderr
            continue
        assert generated.returncode == 0, generated.stderr
        got = _generated(generated.stdout)[f"a_{q.identifier}"](**POINT)
        want = expected(q, ref, base)
        assert got == want if q.integer or not numpy else np.isclose(float(got), float(want), rtol=1e-12), numpy
    derived = in_process("derive", *ONE, "--quantity", name, "--fragment")
    if q.training:  # a derivation follows the forward's lowering
        assert derived.returncode != 0 and "is of a training step: a derivation follows" in derived.stderr
        assert len(derived.stderr.strip().splitlines()) == 1
    elif q.relative:
        assert derived.returncode != 0 and "divides two operators" in derived.stderr
    else:
        assert derived.returncode == 0, derived.stderr
        assert q.latex in derived.stdout


@pytest.mark.slow
@pytest.mark.parametrize("name", TYPED)
def test_cli(name, steps, tmp_path):
    pytest.importorskip("matplotlib")
    check_cli(name, steps, tmp_path)


@pytest.mark.parametrize("name", ["memory:im2col", "ratio:grad-input:ops"])
def test_cli_fast(name, steps, tmp_path):
    """Two names (a forward one, a training ratio) through every command; all of them run in the slow tier."""
    pytest.importorskip("matplotlib")
    check_cli(name, steps, tmp_path)


MODEL = """\
import torch.nn as nn


def build():
    return nn.Sequential(nn.Conv2d(2, 3, 2), nn.Conv2d(3, 3, 1))
"""


@pytest.mark.slow
def test_cli_model_layer_table(tmp_path):
    pytest.importorskip("torch")
    (tmp_path / "tiny.py").write_text(MODEL)
    model = [f"{tmp_path / 'tiny.py'}:build", "--input", "1,2,3,3", "--layers", "--baseline", "1"]
    chosen = [arg for name in FORWARD for arg in ("--quantity", name)]
    result = in_process("model", *model, *chosen)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert all(quantity_named(name).label in lines[0] for name in FORWARD)
    total = next(line for line in lines if line.startswith("total")).split()[-len(FORWARD) :]
    for text, name in zip(total, FORWARD, strict=True):
        assert value(text) == expected(quantity_named(name), A + LAYER_B, base=LAYER_B), name


@pytest.mark.parametrize("name", TRAINING)
def test_cli_model_refuses_training_quantities(name):
    result = in_process("model", "absent.py:build", "--input", "1,2,3,3", "--layers", "--quantity", name)
    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [
        f"symconv model: error: --quantity {name} is of a training step: the layer table is of the model's forward "
        "(a training step per operator: symconv cost/table/codegen --grad)"
    ]
