"""Built-in derivations: every seed formula and the headline ratios, walked from the lowering to the closed form.

Each :class:`~symconv.analysis.derive.Derivation` is built from an operator's
:class:`~symconv.core.cost.Cost` (never from typed-in formulas) and checked by sympy
step by step as it is built; the article's stated formula is the last step.

Interface (stable; renderers rely on it)
----------------------------------------
:func:`builtin` returns ``dict[str, Derivation]`` keyed by slug: ``'A1'`` ... ``'A10'``,
``'B1'`` ... ``'B8'`` (the source articles' formulas), ``'ratio-dwconv-standard'``,
``'ratio-pconv-standard'``, ``'ratio-grouped-standard'``, ``'ratio-transposed-conv'``.
A derivation has

- ``title``, ``operator``, ``assumptions``, ``convention`` (the quantity's name for
  :func:`symconv.analysis.query.quantity`): plain text;
- ``definitions``: ``(Symbol, Expr)`` pairs the steps use, e.g. a GEMM's shape
  ``M_2 = C_out`` or ``H_out = ceiling((H_in - K + 2*p + 1)/s)``;
- ``steps``: each a :class:`~symconv.analysis.derive.Step` with ``statement`` and
  ``justification`` in plain text (renderers escape them) and ``expr`` a sympy
  expression (possibly unevaluated, to show a substitution before it is multiplied out);
- ``result``: the Cost's quantity the conclusion was checked to equal.

The steps of a compute derivation are: each stage's count in terms of its shape
(``B_2*M_2*N_2*R_2`` for a GEMM: B GEMMs of M x R by R x N), the shapes substituted, multiplied out,
[written with the output sizes,] as stated. A memory derivation adds the elements
of every tensor the memory model moves. A ratio derivation divides two such sums,
cancels, and rewrites in :func:`symconv.analysis.query.canonical` form.

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

from symconv.analysis.derive import Derivation, Prose, Step
from symconv.analysis.query import as_cost, ratio
from symconv.analysis.seeds import ROWS, SeedRow
from symconv.core.canonical import canonical, simplify_rounding
from symconv.core.cost import PARAMETER_ROLES, Cost
from symconv.core.intfuncs import as_roundings
from symconv.core.lowering import Lowering, Stage
from symconv.core.quantities import Adds, Compute, Intensity, Params, Quantity, Ratio, Traffic, quantity_named
from symconv.errors import SymconvError
from symconv.network.graph import Network, NetworkCost
from symconv.ops import Conv2d, ConvTranspose2d, DepthwiseSeparableConv2d, PartialConv2d
from symconv.symbols import C, C_in, C_out, C_p, H, H_in, K, W, W_in, g, p, s

# --------------------------------------------------------------------------- stages in words


class StageText:
    """A stage in words, its sizes as formulas (:data:`~symconv.analysis.derive.Prose`); a method per stage class."""

    def __call__(self, stage: Stage, names: dict[str, sympy.Expr]) -> Prose:
        for cls in type(stage).__mro__:
            method = getattr(self, f"describe_{cls.__name__}", None)
            if method is not None:
                return method(stage, names)
        raise TypeError(f"no description for stage {type(stage).__name__}")

    def uncounted(self, stage: Stage, names: dict[str, sympy.Expr]) -> Prose:
        """A stage the count leaves out, in words without its sizes (they take no part in the count)."""
        method = getattr(self, f"uncounted_{type(stage).__name__}", None)
        return method(stage) if method is not None else self(stage, names)

    def uncounted_Col2im(self, stage) -> Prose:
        return f"col2im scatter-adds {stage.columns.name} into {stage.output.name} (additions only)"

    def describe_Stage(self, stage, names) -> Prose:
        return f"{type(stage).__name__} reads {_listed(stage.reads)} and writes {_listed(stage.writes)}"

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

    def describe_Elementwise(self, stage, names) -> Prose:
        return (
            names["outputs"], f" results from {_listed(stage.reads)} into {_listed(stage.writes)}, each costing ",
            names["mults_each"], " multiplications and ", names["adds_each"], " additions",
        )  # fmt: skip


def _listed(tensors) -> str:
    return ", ".join(t.name for t in tensors) or "nothing"


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


def _stage_count(stage: Stage, quantity: Quantity) -> sympy.Expr:
    """A stage's share of a count summed over stages (compute, adds): the quantity of the one-stage Cost."""
    return quantity.of(Cost.from_lowering("", Lowering((stage,), stage.writes[0])))


def stage_terms(cost: Cost, quantity: str | Quantity) -> list[StageTerm]:
    """Each stage of ``cost`` with its count, with placeholders for its sizes (``M_2``) and with their values."""
    quantity = quantity_named(quantity)
    terms = []
    for index, stage in enumerate(cost.stages, start=1):
        sizes = {
            f.name: getattr(stage, f.name) for f in fields(stage) if isinstance(getattr(stage, f.name), sympy.Basic)
        }
        symbols = {name: _placeholder(name, index) for name in sizes}
        general = _stage_count(replace(stage, **symbols), quantity)
        used = {sym: sizes[name] for name, sym in symbols.items() if sym in general.free_symbols}
        # a size the count does not use is written as its value: every placeholder in the text is defined
        shown = {name: sym if sym in used else sizes[name] for name, sym in symbols.items()}
        value = _stage_count(stage, quantity)
        text = _prose(f"stage {index}, ", describe(stage, shown) if value != 0 else describe.uncounted(stage, shown))
        terms.append(StageTerm(text, general, used, value))
    return terms


def _substituted(general: sympy.Expr, definitions: dict[sympy.Symbol, sympy.Expr]) -> sympy.Expr:
    """``general`` with the placeholders replaced but not multiplied out, to show the substitution.

    A placeholder equal to 1 (one GEMM) is dropped rather than shown as a factor ``1``.
    """
    general = general.xreplace({sym: 1 for sym, value in definitions.items() if value == 1})
    with sympy.evaluate(False):
        return general.xreplace(definitions)


# --------------------------------------------------------------------------- derivation steps


def _under(quantity: Compute | Adds) -> str:
    return f"under the '{quantity.name}' convention" if isinstance(quantity, Compute) else f"of {quantity.name}"


def stage_steps(cost: Cost, quantity: Quantity) -> tuple[list[Step], dict[sympy.Symbol, sympy.Expr]]:
    """Steps from the stages' counts to the multiplied-out total, and the placeholders' definitions."""
    terms = stage_terms(cost, quantity)
    counted = [t for t in terms if t.value != 0]
    definitions = {sym: value for t in counted for sym, value in t.definitions.items()}
    steps = [
        Step(
            _prose(f"sum the {quantity.name} of the lowering's stages: ", _joined([t.text for t in terms], "; ")),
            sympy.Add(*(t.general for t in counted)),
            f"each stage's count {_under(quantity)}, from its shape (symconv.core.lowering)",
            new=True,
        )
    ]
    if definitions:
        shown = sympy.Add(*(_substituted(t.general, t.definitions) for t in counted), evaluate=False)
        steps.append(Step("substitute the stages' shapes", shown, "the operator's lowering"))
    steps.append(Step("multiply out", sympy.Add(*(t.value for t in counted)), "arithmetic"))
    return steps, definitions


def tensor_terms(cost: Cost, quantity: Traffic | Params) -> tuple[list[sympy.Expr], list[str]]:
    """The elements of every tensor move (or parameter tensor) the quantity counts, and what each is."""
    if isinstance(quantity, Params):
        tensors = [t for t in cost.traffic if t.role in PARAMETER_ROLES]
        return [t.elements for t in tensors], [f"{t.name} ({t.role})" for t in tensors]
    kinds = {"memory": ("read", "written"), "reads": ("read",), "writes": ("written",)}[quantity.kind]
    terms, names = [], []
    for tensor in cost.tensors(quantity.model):
        moves = [(kind, amount) for kind, amount in (("read", tensor.reads), ("written", tensor.writes)) if amount != 0]
        moves = [(kind, amount) for kind, amount in moves if kind in kinds]
        if moves:
            terms += [amount for _, amount in moves]
            names.append(f"{tensor.name} ({' and '.join(kind for kind, _ in moves)})")
    return terms, names


def tensor_steps(cost: Cost, quantity: Traffic | Params) -> tuple[list[Step], dict[sympy.Symbol, sympy.Expr]]:
    """Steps from the tensors counted to their total."""
    terms, names = tensor_terms(cost, quantity)
    if isinstance(quantity, Params):
        what, why = "parameter tensor", quantity.summary
    else:
        what, why = "tensor moved", f"{quantity.model.name} memory model: {quantity.model.summary}"
    steps = [
        Step(
            f"add the elements of every {what}: {', '.join(names)}",
            sympy.Add(*terms, evaluate=False),
            why,
            new=True,
        ),
        Step("collect terms", sympy.Add(*terms), "arithmetic"),
    ]
    return steps, {}


class QuantitySteps:
    """Steps deriving a quantity of a Cost from its lowering, one method per quantity class (found along the MRO)."""

    def __call__(self, cost: Cost, quantity: Quantity) -> tuple[list[Step], dict[sympy.Symbol, sympy.Expr]]:
        if quantity.training:
            raise SymconvError(
                f"quantity {quantity.name!r} is of a training step: a derivation follows the forward's lowering "
                "(the step's value: cost the operator with grad=True)"
            )
        for cls in type(quantity).__mro__:
            method = getattr(self, f"steps_{cls.__name__}", None)
            if method is not None:
                return method(cost, quantity)
        raise SymconvError(f"no derivation for quantity {quantity.name!r}")

    def steps_Compute(self, cost: Cost, quantity: Compute) -> tuple[list[Step], dict[sympy.Symbol, sympy.Expr]]:
        return stage_steps(cost, quantity)

    def steps_Adds(self, cost: Cost, quantity: Adds) -> tuple[list[Step], dict[sympy.Symbol, sympy.Expr]]:
        return stage_steps(cost, quantity)

    def steps_Params(self, cost: Cost, quantity: Params) -> tuple[list[Step], dict[sympy.Symbol, sympy.Expr]]:
        return tensor_steps(cost, quantity)

    def steps_Traffic(self, cost: Cost, quantity: Traffic) -> tuple[list[Step], dict[sympy.Symbol, sympy.Expr]]:
        return tensor_steps(cost, quantity)

    def steps_Intensity(self, cost: Cost, quantity: Intensity) -> tuple[list[Step], dict[sympy.Symbol, sympy.Expr]]:
        """The compute's steps, the traffic's steps, then their quotient in canonical form."""
        compute, definitions = self(cost, quantity.compute)
        moved, _ = self(cost, Traffic("memory", quantity.model))
        quotient = compute[-1].expr / moved[-1].expr
        steps = [
            *compute,
            *moved,
            Step("divide the compute by the elements moved", quotient, "arithmetic intensity", new=True),
            Step("write in canonical form", canonical(quotient), "symconv.core.canonical"),
        ]
        return steps, definitions

    def steps_Ratio(self, cost: Cost, quantity: Ratio) -> tuple[list[Step], dict[sympy.Symbol, sympy.Expr]]:
        raise SymconvError(f"quantity {quantity.name!r} divides two operators: derive it with ratio_derivation")


steps_of = QuantitySteps()


def quantity_steps(
    cost: Cost | NetworkCost | Network, name: str | Quantity
) -> tuple[list[Step], dict[sympy.Symbol, sympy.Expr]]:
    """Steps deriving quantity ``name`` (any name of :mod:`symconv.core.quantities` but a ratio) of ``cost``.

    ``cost`` may be a network, or a network's cost: its total, every layer's stages.
    """
    return steps_of(as_cost(cost), quantity_named(name))


# --------------------------------------------------------------------------- seed rows


def seed_derivation(row: SeedRow) -> Derivation:
    """The derivation of one seed formula, ending with the article's statement of it."""
    cost = row.cost()
    name = row.measured.name
    steps, definitions = quantity_steps(cost, row.measured)
    outputs = row.output_sizes()
    if outputs:
        written = steps[-1].expr.subs({value: symbol for symbol, value in outputs.items()})
        listed = _joined(list(outputs), ", ")
        steps.append(Step(_prose("write the output sizes as ", listed), written, "PyTorch's output-size formulas"))
        as_outputs = {value: symbol for symbol, value in outputs.items()}
        definitions = {**outputs, **{k: v.subs(as_outputs) for k, v in definitions.items()}}  # H_out introduced first
    steps.append(Step(f"as stated by the article ({row.id})", row.stated, "equal to the stated formula"))
    return Derivation(
        f"{row.id}: {row.operator}, {row.kind} ({name})",
        steps,
        name,
        operator=cost.operator,
        assumptions=row.assumes,
        definitions=definitions,
        result=row.measured.of(cost),
    )


# --------------------------------------------------------------------------- ratios


def _terms(cost: Cost, quantity: Quantity) -> list[sympy.Expr]:
    if isinstance(quantity, Traffic | Params):
        return tensor_terms(cost, quantity)[0]
    if isinstance(quantity, Compute | Adds):
        return [t.value for t in stage_terms(cost, quantity) if t.value != 0]
    raise SymconvError(f"a ratio derivation divides sums of terms: {quantity.name!r} is not one")


def ratio_derivation(
    title: str,
    a: Cost,
    b: Cost,
    name: str,
    assumptions: Prose,
    definitions: dict[sympy.Symbol, sympy.Expr] | None = None,
) -> Derivation:
    """``a``'s quantity over ``b``'s: the stage sums divided, cancelled, canonical, then with the definitions."""
    definitions = definitions or {}
    name = quantity_named(name).name
    top, bottom = ([as_roundings(t) for t in _terms(c, quantity_named(name))] for c in (a, b))  # sympy's roundings
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
        Step("write in canonical form", canonical(quotient), "symconv.core.canonical"),
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
            (SAME + "; PConv convolves ", sympy.Eq(C_p, C / 4, evaluate=False), " channels (FasterNet's n_div = 4)"),
            {C_p: C / 4},
        ),
        "ratio-grouped-standard": ratio_derivation(
            "grouped conv over standard conv, compute (mults)",
            grouped,
            dense,
            "mults",
            ("batch 1, stride ", s, ", padding ", p),
        ),
        "ratio-transposed-conv": ratio_derivation(
            "transposed conv over the conv it transposes, compute (mults)",
            transposed_op.cost(strided),
            adjoint,
            "mults",
            (
                "batch 1, stride ",
                s,
                ", padding ",
                p,
                "; the conv maps ",
                C_out,
                " channels to ",
                C_in,
                " on the transposed conv's output",
            ),
        ),
    }


@functools.cache
def _all() -> tuple[tuple[str, Derivation], ...]:
    return (*((row.id, seed_derivation(row)) for row in ROWS), *ratio_derivations().items())


def builtin() -> dict[str, Derivation]:
    """Every built-in derivation by slug (see the module docstring); built and checked once, then cached."""
    return dict(_all())
