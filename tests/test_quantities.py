"""The whole quantity vocabulary through every consumer, against the brute-force reference (tests/bruteforce.py).

Two bias-carrying 'valid' convolutions on a 2 x 3 x 3 input, A with a 2 x 2 kernel and B
(the baseline of every ``ratio:``) with a 1 x 1 kernel, are run element by element by
the brute force; its multiplications, additions, reads and writes (with and without a
materialised column buffer) give every quantity's expected value. Each name of the
vocabulary must then give that value in ``symconv.quantity``, ``latex.table``,
``codegen.python_module`` (the generated function executed), network tables and every
command-line command taking ``--quantity``, with the same label.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from fractions import Fraction

import bruteforce
import numpy as np
import pytest
import sympy
from cli_runner import in_process

import symconv
from symconv.codegen import python_module
from symconv.core.quantities import (
    VOCABULARY,
    Adds,
    Compute,
    Intensity,
    Params,
    Quantity,
    Ratio,
    Traffic,
    identifier,
    quantity_named,
)
from symconv.errors import SymconvError, UnknownName
from symconv.latex.tables import build, cell
from symconv.network import Network
from symconv.network.table import layer_table
from symconv.symbols import C_in, C_out, H, K, W

#: The forward's quantities (the training step's are checked in tests/test_training.py).
FORWARD = [q for q in VOCABULARY if not q.training]
#: What a user types: every canonical name and every short form (``memory``, ``reads``, ``ops+bias`` ...).
TYPED = [name for q in FORWARD for name in (q.name, *q.aliases)]
CANONICAL = [q.name for q in FORWARD]
ABSOLUTE = [q.name for q in FORWARD if not q.relative]
POINT = {"C_in": 2, "C_out": 3, "K": 2, "H": 3, "W": 3}


# --------------------------------------------------------------------------- the reference


@dataclass(frozen=True)
class Reference:
    """Counts of one brute-force convolution with bias: arithmetic, parameters, elements moved per model."""

    mults: int
    adds: int
    outputs: int
    params: int
    reads: dict[str, int]
    writes: dict[str, int]

    def __add__(self, other: Reference) -> Reference:  # two layers run as separate kernels
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


A, B = brute(2, 3, 2, 3), brute(2, 3, 1, 3)
LAYER_B = brute(3, 3, 1, 2)  # in the network, B runs on A's 3 x 2 x 2 output


def expected(q: Quantity, ref: Reference, base: Reference = B) -> Fraction:
    """The value of ``q`` from the brute force's counts, by the conventions' definitions (docs/conventions.md)."""
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
    raise AssertionError(f"no reference for {q!r}")


def value(text: str) -> Fraction:
    return Fraction(str(sympy.Rational(text)))


@pytest.fixture(scope="module")
def costs() -> tuple[symconv.Cost, symconv.Cost]:
    shape = (1, 2, 3, 3)
    return symconv.Conv2d(2, 3, 2).cost(shape), symconv.Conv2d(2, 3, 1).cost(shape)


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


@pytest.mark.parametrize("name", TYPED + [q.identifier for q in FORWARD])
def test_symconv_quantity(costs, name):
    a, b = costs
    got = symconv.quantity(a, name, baseline=b)
    assert got == sympy.Rational(expected(quantity_named(name), A)), name


def test_latex_table(costs):
    a, b = costs
    table = build({"A": a, "B": b}, TYPED, baseline="B")
    for column, name in zip(table.columns, TYPED, strict=True):
        assert column.header == quantity_named(name).header
    for row, ref in zip(table.rows, (A, B), strict=True):
        for got, name in zip(row.cells, TYPED, strict=True):
            want = expected(quantity_named(name), ref)
            # a column of numbers prints as numbers (rounded to 3 digits), exact fractions only beside symbols
            assert got == cell(sympy.Rational(want.numerator, want.denominator), 3), (row.label, name)
    assert {q.description for q in map(quantity_named, TYPED)} <= set(table.notes)
    assert "\\toprule" in symconv.latex.table({"A": a, "B": b}, TYPED, baseline="B")


@pytest.mark.slow
def test_codegen_python_module():
    shape = (1, C_in, H, W)
    operators = {"a": (symconv.Conv2d(C_in, C_out, K), shape), "b": (symconv.Conv2d(C_in, C_out, 1), shape)}
    namespace: dict = {}
    exec(python_module(operators, TYPED, baseline="b"), namespace)
    for name in TYPED:
        q = quantity_named(name)
        for key, ref in (("a", A), ("b", B)):
            function = namespace[f"{key}_{q.identifier}"]
            arguments = {n: v for n, v in POINT.items() if n in function.__code__.co_varnames}
            got = function(**arguments)
            assert got == expected(q, ref), (key, name)
            assert type(got) is (int if q.integer else Fraction)


def test_network_tables():
    net = Network()
    x = net.input((1, 2, 3, 3))
    net.chain(x, ("a", symconv.Conv2d(2, 3, 2)), ("b", symconv.Conv2d(3, 3, 1)))
    cost = net.cost()
    quantities = [quantity_named(name) for name in TYPED]
    lines = layer_table(cost, TYPED, baseline="b").splitlines()
    for q in quantities:
        assert q.label in lines[0]
    layers = {"a": A, "b": LAYER_B, "total": A + LAYER_B}
    rows = {line.split()[0]: line.split()[-len(TYPED) :] for line in lines[2:] if not line.startswith("-")}
    assert rows.keys() == layers.keys()
    for layer, ref in layers.items():
        for text, q in zip(rows[layer], quantities, strict=True):
            assert value(text) == expected(q, ref, base=LAYER_B), (layer, q.name)
    tex = cost.latex(TYPED, baseline="b")
    assert all(q.header[0] in tex for q in quantities)


# --------------------------------------------------------------------------- the command line


PAIR = ["conv2d", "conv2d", "--in-channels", "2", "--out-channels", "C_out", "--kernel-size", "1", "--a",
        "kernel-size=2", "--b", "out-channels=3", "--bias", "true", "--input", "1,2,3,3"]  # fmt: skip
ONE = ["conv2d", "--in-channels", "C_in", "--out-channels", "C_out", "--kernel-size", "K", "--bias", "true",
       "--input", "1,C_in,H,W"]  # fmt: skip


def _base(q: Quantity) -> Quantity:
    """What a two-operator command divides: ``ratio:macs`` of A over B is ``macs`` of A over B."""
    return q.base if isinstance(q, Ratio) else q


def _at(text: str, **values: int) -> Fraction:
    expr = sympy.sympify(text, locals={n: sympy.Symbol(n) for n in POINT})
    return Fraction(str(expr.subs({sympy.Symbol(n): v for n, v in values.items()})))


@pytest.mark.slow
@pytest.mark.parametrize("name", TYPED)
def test_cli_ratio_and_crossover(name):
    q = _base(quantity_named(name))
    result = in_process("ratio", *PAIR, "--quantity", name, "--format", "json")
    assert result.returncode == 0, result.stderr
    assert _at(json.loads(result.stdout)["ratio"], C_out=3) == expected(q, A) / expected(q, B)
    result = in_process("crossover", *PAIR, "--quantity", name, "--over", "C_out", "--format", "json")
    assert result.returncode == 0, result.stderr
    top, bottom = (expected(quantity_named(name), ref) for ref in (A, B))
    assert _at(json.loads(result.stdout)["difference"], C_out=3) == top - bottom


@pytest.mark.slow
@pytest.mark.parametrize("name", TYPED)
def test_cli_plot(name, tmp_path):
    pytest.importorskip("matplotlib")
    out = tmp_path / "q.png"
    result = in_process("plot", *PAIR, "--quantity", name, "--over", "C_out", "--range", "1:3", "--output", str(out))
    assert result.returncode == 0, result.stderr
    assert quantity_named(name).label in result.stdout and out.exists()


@pytest.mark.slow
@pytest.mark.parametrize("name", TYPED)
def test_cli_codegen_and_derive(name):
    q = quantity_named(name)
    generated = in_process("codegen", *ONE, "--quantity", name, "--name", "a")
    derived = in_process("derive", *ONE, "--quantity", name, "--fragment")
    if q.relative:  # one operator: nothing to divide by, and the error says so
        assert generated.returncode != 0 and "baseline" in generated.stderr
        assert derived.returncode != 0 and "divides two operators" in derived.stderr
        return
    assert generated.returncode == 0, generated.stderr
    namespace: dict = {}
    exec(generated.stdout, namespace)
    assert namespace[f"a_{q.identifier}"](**POINT) == expected(q, A)
    assert derived.returncode == 0, derived.stderr
    assert q.latex in derived.stdout


@pytest.mark.slow
def test_cli_table():
    result = in_process("table", "conv2d", "conv2d", "--labels", "A,B", "--baseline", "B", "--set", "1:kernel-size=2",
                        "--set", "2:kernel-size=1", "--in-channels", "2", "--out-channels", "3", "--bias", "true",
                        "--input", "1,2,3,3", "--quantities", ",".join(TYPED), "--fragment")  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert all(quantity_named(name).description in result.stdout for name in TYPED)


MODEL = """\
import torch.nn as nn


def build():
    return nn.Sequential(nn.Conv2d(2, 3, 2), nn.Conv2d(3, 3, 1))
"""


@pytest.mark.slow
def test_cli_model_layer_table(tmp_path):
    pytest.importorskip("torch")
    (tmp_path / "tiny.py").write_text(MODEL)
    chosen = [arg for name in TYPED for arg in ("--quantity", name)]
    result = in_process("model", f"{tmp_path / 'tiny.py'}:build", "--input", "1,2,3,3", "--layers", "--baseline", "1",
                        *chosen)  # fmt: skip
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert all(quantity_named(name).label in lines[0] for name in TYPED)
    total = next(line for line in lines if line.startswith("total")).split()[-len(TYPED) :]
    for text, name in zip(total, TYPED, strict=True):
        assert value(text) == expected(quantity_named(name), A + LAYER_B, base=LAYER_B), name
