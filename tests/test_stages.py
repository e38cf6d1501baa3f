"""Every stage class renders: its LaTeX template, its prose description, and generated Python and NumPy code.

The classes are discovered (``Stage.__subclasses__``, recursively), so a new stage is walked
through every renderer without editing this file. Each is built with sizes holding the
integer functions of output sizes (``ceiling(H/2)``, ``gcd``), so the printers meet them too.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import subprocess
import typing

import pytest
import sympy

from symconv import latex
from symconv.analysis.derivations import quantity_steps, stage_terms
from symconv.analysis.derive import Derivation, plain
from symconv.codegen import numpy_module, python_module
from symconv.core.cost import Cost
from symconv.core.intfuncs import CeilDiv, FloorDiv, Gcd
from symconv.core.lowering import Lowering, Stage, Tensor
from symconv.ops.base import Operator
from symconv.symbols import H, W

SIZES = (H, CeilDiv(H, 2) + W, W - Gcd(W, 7) + 7, FloorDiv(H, 4) + 1, W)
QUANTITIES = ("macs", "flops", "mults", "adds", "params", "memory_ideal", "memory_im2col")
VALUES = ({"H": 9, "W": 14}, {"H": 224, "W": 199}, {"H": 10**20 + 3, "W": 3 * 10**19})


def stage_classes(cls: type = Stage) -> list[type]:
    found = [cls]
    for sub in cls.__subclasses__():
        found += stage_classes(sub)
    return found


def build(cls: type) -> Stage:
    """An instance with a tensor for every Tensor field and a size for every other field."""
    hints = typing.get_type_hints(cls)
    tensors = [Tensor(f"t{i}", role, (SIZES[i], SIZES[i + 1])) for i, role in enumerate(("input", "weight", "output"))]
    kwargs, t, n = {}, 0, 0
    for f in dataclasses.fields(cls):
        if not f.init or f.kw_only:
            continue
        if hints[f.name] is Tensor:
            kwargs[f.name], t = tensors[t % len(tensors)], t + 1
        else:
            kwargs[f.name], n = SIZES[n % len(SIZES)], n + 1
    if cls is Stage or not any(hints[f.name] is Tensor for f in dataclasses.fields(cls) if f.init and not f.kw_only):
        kwargs.update(reads=tuple(tensors[:2]), writes=(tensors[2],))
    return cls(**kwargs)


class OneStage(Operator):
    """An operator whose lowering is one given stage (for the code generator)."""

    def __init__(self, stage: Stage) -> None:
        self.stage = stage

    def check_input(self, shape):
        return shape

    def lower(self, x, *, prefix="", output_role="output"):
        return Lowering((self.stage,), self.stage.writes[0])


CLASSES = [cls for cls in stage_classes() if cls.__module__ != __name__]


class Scale(Stage):
    """A stage with arithmetic and no description of its own: the generic one must not say "no arithmetic"."""

    @property
    def mults(self) -> sympy.Expr:
        return self.writes[0].elements


def test_generic_description_of_a_stage_with_arithmetic() -> None:
    stage = build(Scale)
    (term,) = stage_terms(Cost.from_lowering("scale", Lowering((stage,), stage.writes[0])), "mults")
    assert "no arithmetic" not in term.text and "Scale reads t0, t1 and writes t2" in term.text


def test_every_stage_class_is_walked() -> None:
    names = {cls.__name__ for cls in CLASSES}
    assert {"Stage", "Im2col", "Gemm", "Col2im", "BiasAdd", "Copy", "Elementwise"} <= names


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_latex_stage_template(cls) -> None:
    stage = build(cls)
    cost = Cost.from_lowering("one stage", Lowering((stage,), stage.writes[0]))
    steps, definitions = quantity_steps(cost, "ops")
    d = Derivation("one stage", steps, "ops", definitions=definitions, result=cost.ops)
    tex = latex.derivation(d, lowering={"stage": cost})
    row = tex[tex.index(r"\midrule") + len(r"\midrule") : tex.index("Total")].strip()
    assert row.split("&")[0].strip(), row  # the template wrote something for the stage
    assert r"\texttt{t0}" in tex or r"\texttt{t1}" in tex
    for count in (stage.mults, stage.adds):
        if count != 0:
            assert latex.latex(count) in tex


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_prose_description(cls) -> None:
    stage = build(cls)
    cost = Cost.from_lowering("one stage", Lowering((stage,), stage.writes[0]))
    (term,) = stage_terms(cost, "ops")
    text = plain(term.text)
    for tensor in (*stage.reads, *stage.writes):
        assert tensor.name in text, (tensor.name, text)  # says what it reads and writes
    if stage.mults != 0 or stage.adds != 0:
        assert "no arithmetic" not in text
    assert sympy.expand(term.value - (stage.mults + stage.adds)) == 0


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
@pytest.mark.parametrize("module", [python_module, numpy_module], ids=["python", "numpy"])
def test_generated_code(cls, module) -> None:
    stage = build(cls)
    operator = OneStage(stage)
    namespace: dict = {}
    exec(module({"stage": (operator, (H, W))}, QUANTITIES), namespace)
    cost = operator.cost((H, W))
    for values in VALUES:
        exact = {sympy.Symbol(k, integer=True, positive=True): v for k, v in values.items()}
        for name in QUANTITIES:
            expected = _quantity(cost, name).subs(exact)
            got = namespace[f"stage_{name}"](**values)
            assert int(sympy.Integer(int(got) if not hasattr(got, "item") else int(got.item()))) == expected, name


def _quantity(cost: Cost, name: str) -> sympy.Expr:
    if name.startswith("memory_"):
        return cost.memory(name.removeprefix("memory_"))
    return getattr(cost, name)


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("latexmk") is None and not os.environ.get("CI"), reason="latexmk missing")
def test_every_stage_compiles_with_latex(tmp_path) -> None:
    costs = {}
    for cls in CLASSES:
        stage = build(cls)
        costs[cls.__name__] = Cost.from_lowering(cls.__name__, Lowering((stage,), stage.writes[0]))
    steps, definitions = quantity_steps(costs["Elementwise"], "ops")
    d = Derivation("every stage", steps, "ops", definitions=definitions, result=costs["Elementwise"].ops)
    (tmp_path / "stages.tex").write_text(latex.derivation(d, lowering=costs, document=True))
    run = subprocess.run(
        ["latexmk", "-pdf", "-interaction=nonstopmode", "-halt-on-error", "stages.tex"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout[-3000:]
