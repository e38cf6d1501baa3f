r"""Derivation documents: from an operator's lowering, through the checked steps, to the closed form.

Examples
--------
>>> import symconv
>>> from symconv.analysis.derive import Derivation, Step
>>> from symconv.symbols import C_in, C_out, K, H, W
>>> cost = symconv.Conv2d(C_in, C_out, K, padding="same", bias=False).cost((1, C_in, H, W))
>>> gemm = cost.stages[1]
>>> d = Derivation("Standard convolution, MACs", [
...     Step("one GEMM", gemm.count * gemm.m * gemm.k * gemm.n, "m n k multiply-accumulates", new=True),
...     Step("collect", H * W * C_out * K**2 * C_in, "commutativity")], "macs", assumptions="stride 1")
>>> tex = derivation(d, lowering={"": cost})
>>> print(tex.splitlines()[-3])
& C_{\mathrm{in}} \cdot C_{\mathrm{out}} \cdot K^{2} \cdot H \cdot W
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache

import sympy
from jinja2 import TemplateNotFound
from markupsafe import Markup

from symconv import symbols
from symconv.analysis.derive import Derivation, Prose
from symconv.core import functions
from symconv.core.cost import Cost
from symconv.core.intfuncs import CeilDiv
from symconv.core.lowering import Stage
from symconv.core.quantities import quantity_named
from symconv.core.validate import mapping, of_type, text
from symconv.errors import SymconvError, UnknownName
from symconv.latex.environment import environment, render
from symconv.latex.layout import TABLE_WIDTH, Lines, lines
from symconv.latex.printer import latex, length_term_order
from symconv.latex.tables import check_label
from symconv.latex.text import escape


@dataclass(frozen=True)
class Count:
    """A non-zero count of a stage (``what``: multiplications or additions), printed in lines."""

    what: str
    expr: sympy.Expr
    lines: Lines


@dataclass(frozen=True)
class StageRow:
    """A stage, the template that describes it (the most specific one for its class), and its non-zero counts."""

    stage: Stage
    template: str
    counts: tuple[Count, ...]

    @property
    def name(self) -> str:
        """The stage's class name (the generic template's heading)."""
        return type(self.stage).__name__


@dataclass(frozen=True)
class TensorRow:
    name: str
    role: str
    elements: sympy.Expr
    moved: str


@dataclass(frozen=True)
class LoweringView:
    label: str
    cost: Cost
    stages: tuple[StageRow, ...]
    total: tuple[Count, ...]
    tensors: tuple[TensorRow, ...]


def prose(text: Prose) -> Markup:
    """Prose in LaTeX: its text escaped, its formulas in math mode."""
    if isinstance(text, str):
        return escape(text)
    return Markup("".join(f"${latex(part)}$" if isinstance(part, sympy.Basic) else escape(part) for part in text))


def definition(symbol: sympy.Symbol, value: sympy.Expr) -> Markup:
    r"""``symbol = value`` in LaTeX; an output size as papers write it.

    ``ceiling((u + 1)/s)`` (a :class:`~symconv.core.intfuncs.CeilDiv` or sympy's) is printed as the equal
    ``floor(u/s) + 1`` (``u`` an integer, ``s`` positive), the input size first, then the padding, then the kernel.

    >>> from symconv.core.intfuncs import CeilDiv
    >>> from symconv.symbols import H_out, H_in, K, p, s
    >>> print(definition(H_out, CeilDiv(H_in - K + 2 * p + 1, s)))
    H_{\mathrm{out}} = \left\lfloor \frac{H_{\mathrm{in}} + 2 \cdot p - K}{s} \right\rfloor + 1
    >>> length = H_in - K + 2 * p + 1
    >>> definition(H_out, sympy.ceiling(length / s)) == definition(H_out, CeilDiv(length, s))
    True
    """
    if isinstance(value, CeilDiv | sympy.ceiling):
        top, bottom = value.args if isinstance(value, CeilDiv) else sympy.fraction(sympy.together(value.args[0]))
        if bottom != 1 and top.is_integer and bottom.is_integer and bottom.is_positive:
            terms = sorted(sympy.Add.make_args(sympy.expand(top - 1)), key=length_term_order)
            with sympy.evaluate(False):
                floor = sympy.floor(sympy.Mul(sympy.Add(*terms), sympy.Pow(bottom, -1)))
            body = latex(floor, order="none")
            return Markup(f"{latex(symbol)} = {body} + 1")
    if isinstance(value, sympy.Add):  # a transposed conv's (H_in - 1)*s - 2*p + K: the input size first
        printed = [latex(term) for term in sorted(value.args, key=_input_first)]
        body = printed[0] + "".join(f" - {t[1:].lstrip()}" if t.startswith("-") else f" + {t}" for t in printed[1:])
        return Markup(f"{latex(symbol)} = {body}")
    return Markup(f"{latex(symbol)} = {latex(value)}")


def _input_first(term: sympy.Expr) -> tuple[int, str]:
    """A positive term holding an input size first, then :func:`length_term_order`."""
    spatial = any(s.name in ("D", "H", "H_in", "W", "W_in", "L") for s in term.free_symbols)
    return (-1, str(term)) if spatial and not term.could_extract_minus_sign() else length_term_order(term)


@dataclass(frozen=True)
class StepView:
    statement: Markup
    justification: str
    new: bool
    lines: Lines


@dataclass(frozen=True)
class Notation:
    """A symconv function in the formulas: how it prints, with generic arguments, and what it counts."""

    tex: Markup
    meaning: str


@dataclass(frozen=True)
class DerivationView:
    """What ``derivation.tex`` places."""

    title: str
    convention: str
    operator: str
    assumptions: Markup
    lowerings: tuple[LoweringView, ...]
    definitions: tuple[Markup, ...]
    steps: tuple[StepView, ...]
    conclusion: Lines
    checked: bool
    notation: tuple[Notation, ...]
    introduces: bool
    label: str


def notation(exprs: Iterable[sympy.Expr]) -> tuple[Notation, ...]:
    """The symconv functions (:mod:`~symconv.core.functions`) in ``exprs``, each with its docstring's first line."""
    classes = {type(f) for e in exprs for f in e.atoms(sympy.Function) if type(f).__module__ == functions.__name__}
    return tuple(
        Notation(Markup(latex(cls(*_GENERIC_ARGS))), cls.__doc__.strip().splitlines()[0].rstrip("."))
        for cls in sorted(classes, key=lambda c: c.__name__)
    )


_GENERIC_ARGS = (sympy.Symbol("L"), symbols.K, symbols.s, symbols.d, symbols.p, sympy.Symbol("p_o"))


@cache
def stage_template(cls: type) -> str:
    """The template for a stage class: ``stage/<Class>.tex`` for the nearest class in its MRO that has one."""
    for klass in cls.__mro__:
        name = f"stage/{klass.__name__}.tex"
        try:
            environment().get_template(name)
        except TemplateNotFound:
            continue
        return name
    raise SymconvError(f"no LaTeX template for stage {cls.__name__}")


def _moved(reads: sympy.Expr, writes: sympy.Expr) -> str:
    return ", ".join(word for word, count in (("read", reads), ("written", writes)) if count != 0)


def lowering_view(label: str, cost: Cost) -> LoweringView:
    """The stages of ``cost`` and every tensor they touch (its traffic), in order of first use."""
    return LoweringView(
        label=label,
        cost=cost,
        stages=tuple(StageRow(st, stage_template(type(st)), _counts(st.mults, st.adds)) for st in cost.stages),
        total=_counts(cost.mults, cost.adds),
        tensors=tuple(TensorRow(t.name, t.role, t.elements, _moved(t.reads, t.writes)) for t in cost.traffic),
    )


def _counts(mults: sympy.Expr, adds: sympy.Expr) -> tuple[Count, ...]:
    named = (("mult.", mults), ("add.", adds))
    return tuple(Count(what, e, lines(e, TABLE_WIDTH, distribute=True)) for what, e in named if e != 0)


def convention_text(name: str) -> str:
    """The sentence stating a derivation's convention: a quantity's summary, or ``name`` itself if it names none."""
    if not name:
        return ""
    try:
        return quantity_named(name).description
    except UnknownName:
        return name


def view(d: Derivation, *, lowering: Mapping[str, Cost] | None = None, label: str = "") -> DerivationView:
    """Everything ``derivation.tex`` needs, printed or ready to print."""
    of_type(d, Derivation, "d", "a Derivation")
    lowering = mapping({} if lowering is None else lowering, "lowering", "labels to costs")
    for name, cost in lowering.items():
        text(name, "lowering label")
        of_type(cost, Cost, f"lowering[{name!r}]", "a symconv Cost")
    lowerings = tuple(lowering_view(name, cost) for name, cost in lowering.items())
    formulas = [step.expr for step in d.steps] + [e for _, e in d.definitions]
    for low in lowerings:
        formulas += [c.expr for st in low.stages for c in st.counts]
        formulas += [t.elements for t in low.tensors]
    return DerivationView(
        title=d.title,
        convention=convention_text(d.convention),
        operator=d.operator,
        assumptions=prose(d.assumptions),
        lowerings=lowerings,
        definitions=tuple(definition(symbol, value) for symbol, value in d.definitions),
        steps=tuple(StepView(prose(st.statement), st.justification, st.new, lines(st.expr)) for st in d.steps),
        conclusion=lines(d.conclusion),
        checked=d.result is not None,
        notation=notation(formulas),
        introduces=any(step.new for step in d.steps[1:]),
        label=check_label(label),
    )


def derivation(
    d: Derivation,
    *,
    lowering: Mapping[str, Cost] | None = None,
    label: str = "",
    document: bool = False,
) -> str:
    """LaTeX for a checked derivation: convention, assumptions, lowering, definitions, steps (``align*``), closed form.

    Parameters
    ----------
    d : Derivation
        The checked steps, with their convention (a quantity name such as ``'macs'`` or
        ``'memory:ideal'``, stated with its meaning), operator, assumptions and definitions;
        text is escaped.
    lowering : mapping of str to Cost, optional
        The costs whose stages and buffers the derivation starts from, by label (user text).
    label : str
        ``\\label`` of the closed form's equation.
    document : bool
        A standalone document (with the title) instead of a fragment for ``\\input``.
    """
    of_type(document, bool, "document", "True or False")
    doc = view(d, lowering=lowering, label=label)
    if document:
        return render("document.tex", title=doc.title, body="derivation.tex", doc=doc)
    return render("derivation.tex", doc=doc)
