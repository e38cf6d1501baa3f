"""The two source articles' summary tables, regenerated from the lowering with their conventions stated.

Each entry is :meth:`symconv.analysis.seeds.SeedRow.derive` (never the transcribed formula), and a
table is only rendered when every entry equals what the article states.

Examples
--------
>>> tex = seed000_table()
>>> "\\\\caption{Computational and memory access complexity" in tex
True
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

import sympy
from markupsafe import Markup

from symconv.analysis.derive import Prose
from symconv.analysis.seeds import BY_ID, SeedRow
from symconv.core.quantities import Compute, Quantity, Traffic
from symconv.errors import SymconvError
from symconv.latex.documents import definition, prose
from symconv.latex.environment import render
from symconv.latex.layout import Term, terms
from symconv.symbols import H, W

#: The first source article's comparison table: its columns (operator, compute row, memory row), as laid out.
SEED000_COLUMNS = (
    ("Standard Convolution", "A1", "A2"),
    ("Depthwise Separable Convolution (DWConv)", "A5", "A8"),
    ("Partial Convolution (PConv)", "A9", "A10"),
)
SEED001_ROWS = ("B1", "B2", "B3", "B4", "B5", "B6", "B7", "B8")


@dataclass(frozen=True)
class Seed000Column:
    label: str


@dataclass(frozen=True)
class Seed000Row:
    label: str
    formulas: tuple[tuple[Term, ...], ...]
    ids: tuple[str, ...]


@dataclass(frozen=True)
class Seed000Table:
    compute: str
    memory: str
    columns: tuple[Seed000Column, ...]
    rows: tuple[Seed000Row, ...]
    assumptions: tuple[tuple[Markup, tuple[str, ...]], ...]
    label: str


@dataclass(frozen=True)
class Seed001Row:
    id: str
    operator: str
    convention: str
    formula: sympy.Expr


@dataclass(frozen=True)
class SizeGroup:
    ids: tuple[str, ...]
    sizes: tuple[Markup, ...]


@dataclass(frozen=True)
class Seed001Table:
    conventions: tuple[object, ...]
    rows: tuple[Seed001Row, ...]
    sizes: tuple[SizeGroup, ...]
    assumptions: tuple[tuple[Markup, tuple[str, ...]], ...]
    label: str


def checked(row: SeedRow) -> SeedRow:
    """``row``, after checking that the derived formula equals the article's."""
    if not row.holds():
        raise SymconvError(f"seed formula {row.id} derived as {row.derive()} differs from the article's {row.stated}")
    return row


def by_pixels(expr: sympy.Expr) -> sympy.Expr:
    """``expr`` expanded, with its terms in ``H*W`` collected when others remain, as the first article writes them.

    >>> from symconv.symbols import C_in, C_out, K
    >>> by_pixels(H * W * (C_in + C_out) + K**2 * C_in * C_out)
    C_in*C_out*K**2 + H*W*(C_in + C_out)
    >>> by_pixels(H * W * (C_in + K))
    C_in*H*W + H*K*W
    """
    expanded = sympy.expand(expr)
    collected = sympy.collect(expanded, H * W)
    return collected if len(sympy.Add.make_args(collected)) > 1 else expanded


def grouped_assumptions(rows: list[SeedRow]) -> tuple[tuple[Markup, tuple[str, ...]], ...]:
    """Each distinct assumption (in LaTeX) with the ids of the rows that make it, in order of first appearance."""
    groups: dict[Prose, list[str]] = {}
    for r in sorted(rows, key=lambda r: (r.id[0], int(r.id[1:]))):
        groups.setdefault(r.assumes, []).append(r.id)
    return tuple((prose(text), tuple(ids)) for text, ids in groups.items())


def _cells(rows: list[SeedRow]) -> tuple[tuple[Term, ...], ...]:
    """Each row's derived formula, as the first article writes it, term by term (a cell breaks only between terms)."""
    return tuple(terms(by_pixels(r.derive())) for r in rows)


Q = TypeVar("Q", bound=Quantity)


def _measured(row: SeedRow, kind: type[Q]) -> Q:
    if not isinstance(row.measured, kind):
        raise SymconvError(f"seed row {row.id} is a {row.kind} formula, not {kind.__name__}")
    return row.measured


def seed000(label: str = "tab:seed000") -> Seed000Table:
    """The first article's comparison table: compute (MACs) and memory (ideal) of standard conv, DWConv and PConv."""
    compute = [checked(BY_ID[c]) for _, c, _ in SEED000_COLUMNS]
    memory = [checked(BY_ID[m]) for _, _, m in SEED000_COLUMNS]
    (counted,) = {_measured(r, Compute) for r in compute}
    (moved,) = {_measured(r, Traffic) for r in memory}
    return Seed000Table(
        compute=f"{counted.summary} ({counted.name})",
        memory=f"elements moved, {moved.model.summary} ({moved.model.name})",
        columns=tuple(Seed000Column(name) for name, _, _ in SEED000_COLUMNS),
        rows=(
            Seed000Row("Computational complexity", _cells(compute), tuple(r.id for r in compute)),
            Seed000Row("Memory access complexity", _cells(memory), tuple(r.id for r in memory)),
        ),
        assumptions=grouped_assumptions(compute + memory),
        label=label,
    )


def seed001(label: str = "tab:seed001") -> Seed001Table:
    """The second article's formulas B1--B8: compute (multiplications, with or without the bias) in its symbols."""
    rows = [checked(BY_ID[i]) for i in SEED001_ROWS]
    counted = dict.fromkeys(_measured(r, Compute) for r in rows)
    groups: dict[tuple, list[str]] = {}
    for r in rows:
        groups.setdefault(tuple(r.output_sizes().items()), []).append(r.id)
    return Seed001Table(
        conventions=tuple(q.convention for q in counted),
        rows=tuple(Seed001Row(r.id, r.operator, r.quantity, r.derive_in_outputs()) for r in rows),
        sizes=tuple(
            SizeGroup(tuple(ids), tuple(definition(*s) for s in sizes)) for sizes, ids in groups.items() if sizes
        ),
        assumptions=grouped_assumptions(rows),
        label=label,
    )


def seed000_table(*, document: bool = False) -> str:
    """The first source article's comparison table as LaTeX (a fragment, or a ``document``)."""
    return _render("seed000.tex", seed000(), document)


def seed001_table(*, document: bool = False) -> str:
    """The second source article's formulas as a LaTeX table (a fragment, or a ``document``)."""
    return _render("seed001.tex", seed001(), document)


def _render(body: str, t: object, document: bool) -> str:
    return render("document.tex", title="", body=body, t=t) if document else render(body, t=t)
