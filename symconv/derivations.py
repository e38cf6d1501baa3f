"""Built-in derivations: every seed formula and the headline ratios, walked from the lowering to the closed form.

Each :class:`~symconv.derive.Derivation` is built from an operator's
:class:`~symconv.cost.Cost` (never from typed-in formulas) and checked by sympy
step by step as it is built; the article's stated formula is the last step.

Interface (stable; renderers rely on it)
----------------------------------------
:func:`builtin` returns ``dict[str, Derivation]`` keyed by slug: ``'A1'`` ... ``'A10'``,
``'B1'`` ... ``'B8'`` (``shared/seed-formulas.md``), ``'ratio-dwconv-standard'``,
``'ratio-pconv-standard'``, ``'ratio-grouped-standard'``, ``'ratio-transposed-conv'``.
A derivation has

- ``title``, ``operator``, ``assumptions``, ``convention`` (the quantity's name for
  :func:`symconv.query.quantity`): plain text;
- ``definitions``: ``(Symbol, Expr)`` pairs the steps use, e.g. a GEMM's shape
  ``M_2 = C_out`` or ``H_out = ceiling((H_in - K + 2*p + 1)/s)``;
- ``steps``: each a :class:`~symconv.derive.Step` with ``statement`` and
  ``justification`` in plain text (renderers escape them) and ``expr`` a sympy
  expression (possibly unevaluated, to show a substitution before it is multiplied out);
- ``result``: the Cost's quantity the conclusion was checked to equal.

The steps of a compute derivation are: each stage's count in terms of its shape
(``B_2*M_2*N_2*R_2`` for a GEMM: B GEMMs of M x R by R x N), the shapes substituted, multiplied out,
[written with the output sizes,] as stated. A memory derivation adds the elements
of every tensor the memory model moves. A ratio derivation divides two such sums,
cancels, and rewrites in :func:`symconv.query.canonical` form.

Examples
--------
>>> d = builtin()["A1"]
>>> d.steps[0].expr
B_2*M_2*N_2*R_2
>>> d.conclusion
C_in*C_out*H*K**2*W
>>> builtin()["ratio-dwconv-standard"].conclusion
K**(-2) + 1/C_out
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, fields, replace

import sympy

from symconv.conventions import convention, memory_model
from symconv.cost import Cost
from symconv.derive import Derivation, Prose, Step
from symconv.lowering import Lowering, Stage
from symconv.network.graph import Network, NetworkCost
from symconv.ops import Conv2d, ConvTranspose2d, DepthwiseSeparableConv2d, PartialConv2d
from symconv.query import as_cost, canonical, quantity, ratio, simplify_rounding
from symconv.seeds import ROWS, SeedRow
from symconv.symbols import C, C_in, C_out, C_p, H, H_in, K, W, W_in, g, p, s

# --------------------------------------------------------------------------- stages in words


class StageText:
    """A stage in words, its sizes as formulas (:data:`~symconv.derive.Prose`); one method per stage class (MRO)."""

    def __call__(self, stage: Stage, names: dict[str, sympy.Expr]) -> Prose:
        for cls in type(stage).__mro__:
            method = getattr(self, f"describe_{cls.__name__}", None)
            if method is not None:
                return method(stage, names)
        raise TypeError(f"no description for stage {type(stage).__name__}")

    def describe_Stage(self, stage, names) -> Prose:
        return f"{type(stage).__name__} (no arithmetic)"

    def describe_Im2col(self, stage, names) -> Prose:
        return f"im2col gathers {stage.source.name} into the column buffer {stage.columns.name} (no arithmetic)"

    def describe_Gemm(self, stage, names) -> Prose:
        m, r, n = names["m"], names["k"], names["n"]
        times = () if names["count"] == 1 else (names["count"], " ")
        return (
            *times, "GEMM" if not times else "GEMMs", " of an ", _by(m, r), " matrix (", stage.a.name, ") by an ",
            _by(r, n), " matrix (", stage.b.name, ") into ", stage.out.name,
        )  # fmt: skip

    def describe_Col2im(self, stage, names) -> Prose:
        return (
            f"col2im scatter-adds {stage.columns.name} into {stage.output.name}: ", names["planes"],
            " planes, each receiving ", names["contributions"], " values on ", names["targets"], " positions",
        )  # fmt: skip

    def describe_BiasAdd(self, stage, names) -> Prose:
        return f"{stage.bias.name} is added to every element of {stage.output.name}"

    def describe_Copy(self, stage, names) -> Prose:
        return f"{stage.source.name} is copied into {stage.target.name} (no arithmetic)"


def _by(rows: sympy.Expr, columns: sympy.Expr) -> sympy.Expr:
    """``rows x columns`` as one formula (an unevaluated product would reorder its factors)."""
    return Dimensions(rows, columns)


class Dimensions(sympy.Function):
    """A matrix's dimensions, ``M x N``: printed, never evaluated."""

    def _sympystr(self, printer) -> str:
        return " x ".join(printer._print(a) for a in self.args)

    def _latex(self, printer) -> str:
        return r" \times ".join(printer._print(a) for a in self.args)


describe = StageText()


def _prose(*parts: Prose) -> tuple[str | sympy.Basic, ...]:
    """Prose pieces joined into one."""
    return tuple(x for part in parts for x in ((part,) if isinstance(part, str | sympy.Basic) else part))


def _joined(pieces: list[Prose], separator: str) -> tuple[str | sympy.Basic, ...]:
    return _prose(*(x for i, piece in enumerate(pieces) for x in ((separator,) if i else ()) + (piece,)))


@dataclass(frozen=True)
class StageTerm:
    """One stage's share of a compute count: in terms of placeholders for its shape, and their values."""

    text: Prose
    general: sympy.Expr
    definitions: dict[sympy.Symbol, sympy.Expr]
    value: sympy.Expr


# A GEMM is (M x R) . (R x N), B times: R (reduction) rather than the usual K, which is the kernel size here.
PLACEHOLDERS = {"m": "M", "k": "R", "n": "N", "count": "B", "planes": "P", "contributions": "E", "targets": "T"}


def _placeholder(field: str, index: int) -> sympy.Symbol:
    name = PLACEHOLDERS.get(field, field)
    return sympy.Symbol(f"{name}_{index}", integer=True, positive=True)


def _stage_count(stage: Stage, convention_name: str) -> sympy.Expr:
    """A stage's compute under a convention: the convention applied to the one-stage Cost."""
    return convention(convention_name).of(Cost.from_lowering("", Lowering((stage,), stage.writes[0])))


def stage_terms(cost: Cost, convention_name: str) -> list[StageTerm]:
    """Each stage of ``cost`` with its count, with placeholders for its sizes (``M_2``) and with their values."""
    terms = []
    for index, stage in enumerate(cost.stages, start=1):
        sizes = {
            f.name: getattr(stage, f.name) for f in fields(stage) if isinstance(getattr(stage, f.name), sympy.Basic)
        }
        symbols = {name: _placeholder(name, index) for name in sizes}
        general = _stage_count(replace(stage, **symbols), convention_name)
        used = {sym: sizes[name] for name, sym in symbols.items() if sym in general.free_symbols}
        # a size the count does not use is written as its value: every placeholder in the text is defined
        shown = {name: sym if sym in used else sizes[name] for name, sym in symbols.items()}
        text = _prose(f"({index}) ", describe(stage, shown))
        terms.append(StageTerm(text, general, used, _stage_count(stage, convention_name)))
    return terms


def _substituted(general: sympy.Expr, definitions: dict[sympy.Symbol, sympy.Expr]) -> sympy.Expr:
    """``general`` with the placeholders replaced but not multiplied out, to show the substitution."""
    with sympy.evaluate(False):
        return general.xreplace(definitions)


# --------------------------------------------------------------------------- derivation steps


def compute_steps(cost: Cost, convention_name: str) -> tuple[list[Step], dict[sympy.Symbol, sympy.Expr]]:
    """Steps from the stages' counts to the multiplied-out total, and the placeholders' definitions."""
    terms = stage_terms(cost, convention_name)
    counted = [t for t in terms if t.value != 0]
    definitions = {sym: value for t in counted for sym, value in t.definitions.items()}
    steps = [
        Step(
            _prose(f"sum the {convention_name} of the lowering's stages: ", _joined([t.text for t in terms], "; ")),
            sympy.Add(*(t.general for t in counted)),
            f"each stage's count under the '{convention_name}' convention, from its shape (symconv.lowering)",
            new=True,
        )
    ]
    if definitions:
        shown = sympy.Add(*(_substituted(t.general, t.definitions) for t in counted), evaluate=False)
        steps.append(Step("substitute the stages' shapes", shown, "the operator's lowering"))
    steps.append(Step("multiply out", sympy.Add(*(t.value for t in counted)), "arithmetic"))
    return steps, definitions


def memory_terms(cost: Cost, model_name: str) -> tuple[list[sympy.Expr], list[str]]:
    """The elements of every read and write the memory model counts, and each tensor's name with what is done."""
    terms, names = [], []
    for tensor in cost.tensors(model_name):
        moves = [(kind, amount) for kind, amount in (("read", tensor.reads), ("written", tensor.writes)) if amount != 0]
        terms += [amount for _, amount in moves]
        names.append(f"{tensor.name} ({' and '.join(kind for kind, _ in moves)})")
    return terms, names


def memory_steps(cost: Cost, model_name: str) -> tuple[list[Step], dict[sympy.Symbol, sympy.Expr]]:
    """Steps from the tensors moved to their total."""
    model = memory_model(model_name)
    terms, names = memory_terms(cost, model_name)
    steps = [
        Step(
            f"add the elements of every tensor moved: {', '.join(names)}",
            sympy.Add(*terms, evaluate=False),
            f"{model.name} memory model: {model.summary}",
            new=True,
        ),
        Step("collect terms", sympy.Add(*terms), "arithmetic"),
    ]
    return steps, {}


def quantity_steps(cost: Cost | NetworkCost | Network, name: str) -> tuple[list[Step], dict[sympy.Symbol, sympy.Expr]]:
    """Steps deriving quantity ``name`` (a compute convention or ``memory:<model>``) of ``cost`` from its lowering.

    ``cost`` may be a network, or a network's cost: its total, every layer's stages.
    """
    cost = as_cost(cost)
    kind, _, model = name.partition(":")
    return memory_steps(cost, model) if kind == "memory" else compute_steps(cost, name)


# --------------------------------------------------------------------------- seed rows


def _quantity_name(row: SeedRow) -> str:
    kind, name = row.quantity
    return f"memory:{name}" if kind == "memory" else name


def seed_derivation(row: SeedRow) -> Derivation:
    """The derivation of one seed formula, ending with the article's statement of it."""
    cost = row.cost()
    name = _quantity_name(row)
    steps, definitions = quantity_steps(cost, name)
    outputs = row.output_sizes()
    if outputs:
        written = steps[-1].expr.subs({value: symbol for symbol, value in outputs.items()})
        listed = _joined(list(outputs), ", ")
        steps.append(Step(_prose("write the output sizes as ", listed), written, "PyTorch's output-size formulas"))
        as_outputs = {value: symbol for symbol, value in outputs.items()}
        definitions = {**outputs, **{k: v.subs(as_outputs) for k, v in definitions.items()}}  # H_out introduced first
    steps.append(Step(f"as stated by the article ({row.id})", row.stated, "equal to the stated formula"))
    kind, _ = row.quantity
    return Derivation(
        f"{row.id}: {row.operator}, {kind} ({name})",
        steps,
        name,
        operator=cost.operator,
        assumptions=row.assumes,
        definitions=definitions,
        result=quantity(cost, name),
    )


# --------------------------------------------------------------------------- ratios


def _terms(cost: Cost, name: str) -> list[sympy.Expr]:
    kind, _, model = name.partition(":")
    if kind == "memory":
        return memory_terms(cost, model)[0]
    return [t.value for t in stage_terms(cost, name) if t.value != 0]


def ratio_derivation(
    title: str,
    a: Cost,
    b: Cost,
    name: str,
    assumptions: str,
    definitions: dict[sympy.Symbol, sympy.Expr] | None = None,
) -> Derivation:
    """``a``'s quantity over ``b``'s: the stage sums divided, cancelled, canonical, then with the definitions."""
    definitions = definitions or {}
    top, bottom = _terms(a, name), _terms(b, name)
    quotient = sympy.Add(*top) / sympy.Add(*bottom)
    shown = sympy.Mul(
        sympy.Add(*top, evaluate=False), sympy.Pow(sympy.Add(*bottom, evaluate=False), -1), evaluate=False
    )
    rounded = simplify_rounding(quotient)
    simpler = {r: simplify_rounding(r) for r in shown.atoms(sympy.floor, sympy.ceiling)}
    with sympy.evaluate(False):
        rounded_shown = shown.xreplace(simpler)
    candidates = [
        Step(f"divide the {name} of the first operator's stages by the second's", shown, "both lowerings", new=True),
        Step("cancel common factors", sympy.cancel(quotient), "arithmetic"),
        Step("write in canonical form", canonical(quotient), "symconv.query.canonical"),
    ]
    if rounded != quotient:
        rule = "integer rounding, e.g. ceiling(n - 1 + 1/s) = n for s >= 1"
        candidates.insert(1, Step("simplify the rounded sizes", rounded_shown, rule))
        candidates[2] = Step("cancel common factors", sympy.cancel(rounded), "arithmetic")
    if definitions:
        listed = _joined([sympy.Eq(k, v, evaluate=False) for k, v in definitions.items()], ", ")
        candidates.append(Step(_prose("with ", listed), canonical(quotient.subs(definitions)), "the assumptions"))
    steps = candidates[:1]
    for step in candidates[1:]:  # a step that rewrites nothing is left out
        if step.expr != steps[-1].expr:
            steps.append(step)
    return Derivation(
        title,
        steps,
        name,
        operator=f"{a.operator} / {b.operator}",
        assumptions=assumptions,
        definitions=definitions,
        result=ratio(a, b, name),
    )


SAME = "stride 1, 'same' padding, batch 1, no bias"


def ratio_derivations() -> dict[str, Derivation]:
    """The headline ratios: DWConv, PConv, grouped and transposed convolution against the standard one."""
    same = (1, C_in, H, W)
    standard = Conv2d(C_in, C_out, K, padding="same", bias=False).cost(same)
    dwconv = DepthwiseSeparableConv2d(C_in, C_out, K, padding="same", bias=False).cost(same)
    pconv = PartialConv2d(C, K, conv_channels=C_p).cost((1, C, H, W))
    square = Conv2d(C, C, K, padding="same", bias=False).cost((1, C, H, W))
    strided = (1, C_in, H_in, W_in)
    grouped = Conv2d(C_in, C_out, K, stride=s, padding=p, groups=g, bias=False).cost(strided)
    dense = Conv2d(C_in, C_out, K, stride=s, padding=p, bias=False).cost(strided)
    transposed_op = ConvTranspose2d(C_in, C_out, K, stride=s, padding=p, bias=False)
    adjoint = Conv2d(C_out, C_in, K, stride=s, padding=p, bias=False).cost(transposed_op.output_shape(strided))
    return {
        "ratio-dwconv-standard": ratio_derivation(
            "DWConv over standard conv, compute (macs)", dwconv, standard, "macs", SAME
        ),
        "ratio-pconv-standard": ratio_derivation(
            "PConv over a standard C -> C conv, compute (macs)",
            pconv,
            square,
            "macs",
            SAME + "; PConv convolves C_p = C/4 channels (FasterNet's n_div = 4)",
            {C_p: C / 4},
        ),
        "ratio-grouped-standard": ratio_derivation(
            "grouped conv over standard conv, compute (mults)", grouped, dense, "mults", "batch 1, stride s, padding p"
        ),
        "ratio-transposed-conv": ratio_derivation(
            "transposed conv over the conv it transposes, compute (mults)",
            transposed_op.cost(strided),
            adjoint,
            "mults",
            "batch 1, stride s, padding p; the conv maps C_out -> C_in on the transposed conv's output",
        ),
    }


@functools.cache
def _all() -> tuple[tuple[str, Derivation], ...]:
    return (*((row.id, seed_derivation(row)) for row in ROWS), *ratio_derivations().items())


def builtin() -> dict[str, Derivation]:
    """Every built-in derivation by slug (see the module docstring); built and checked once, then cached."""
    return dict(_all())
