r"""Operators x quantities tables for papers: ``booktabs`` rules, ``siunitx`` numbers, symbolic or at given values.

Examples
--------
>>> import symconv
>>> from symconv.symbols import C_in, C_out, K, H, W
>>> shape = (1, C_in, H, W)
>>> rows = {"standard": symconv.Conv2d(C_in, C_out, K, padding="same", bias=False).cost(shape),
...         "DWConv": symconv.DepthwiseSeparableConv2d(C_in, C_out, K, padding="same", bias=False).cost(shape)}
>>> tex = table(rows, ["ratio:macs"], baseline="standard", label="tab:cost")
>>> print(next(line for line in tex.splitlines() if line.startswith("DWConv")))
DWConv & $\frac{1}{K^{2}} + \frac{1}{C_{\mathrm{out}}}$ \\
>>> tex = table(rows, ["params"], values={"C_in": 64, "C_out": 128, "K": 3})
>>> print(next(line for line in tex.splitlines() if line.startswith("standard")))
standard & \num[group-digits=integer]{73728} \\
"""

from __future__ import annotations

import numbers
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Context, Decimal

import sympy
from markupsafe import Markup

from symconv.analysis.arguments import as_cost
from symconv.analysis.training import NetworkTrainingCost, TrainingCost
from symconv.core.cost import Cost
from symconv.core.quantities import Quantity, quantity_named
from symconv.core.rules import checked_value
from symconv.errors import SymconvError, WrongType
from symconv.latex.environment import render
from symconv.latex.printer import latex
from symconv.network.graph import Network, NetworkCost

_LABEL = re.compile(r"[A-Za-z0-9:._\-]+")


@dataclass(frozen=True)
class Cell:
    """A printed cell: ``kind`` names the template macro that places ``text`` (``num``, ``math`` or ``text``)."""

    kind: str
    text: Markup | str


@dataclass(frozen=True)
class Column:
    header: tuple[str, str]
    align: str


@dataclass(frozen=True)
class Row:
    label: str
    cells: tuple[Cell, ...]


@dataclass(frozen=True)
class Table:
    """What ``table.tex`` places: everything already printed."""

    corner: str
    columns: tuple[Column, ...]
    details: bool
    rows: tuple[Row, ...]
    caption: str
    label: str
    values: tuple[tuple[sympy.Symbol, sympy.Integer], ...]
    notes: tuple[str, ...]
    environment: str = "table"


def number(value: sympy.Rational, digits: int) -> str:
    """An exact integer in full, any other rational rounded to ``digits`` significant digits (exactly).

    >>> number(sympy.Integer(10**30), 3), number(sympy.Rational(1, 16), 3), number(sympy.Rational(2, 3), 2)
    ('1000000000000000000000000000000', '0.0625', '0.67')
    """
    if value.is_Integer:
        return str(value)
    quotient = Context(prec=digits).divide(Decimal(int(value.p)), Decimal(int(value.q)))
    return format(quotient, "f")


def cell(value: sympy.Expr, digits: int | None, *, exact: bool = False) -> Cell:
    """Print one value: an integer (or, unless ``exact``, a rounded rational) for ``\\num{}``, else LaTeX math.

    Fractions are always ``\\frac``: a column never mixes ``1/16`` with ``\\frac{1}{g}``.
    """
    if value.is_Integer or (value.is_Rational and not exact and digits is not None):
        return Cell("num", Markup(number(value, digits)))
    return Cell("math", Markup(latex(value)))


def _values(
    values: Mapping[str | sympy.Symbol, object] | None, rows: Mapping[str, Cost]
) -> dict[sympy.Symbol, sympy.Expr]:
    if values is None:
        return {}
    if not isinstance(values, Mapping):
        raise WrongType(f"values={values!r} must be a mapping of symbol names to integers")
    symbols: dict[str, sympy.Symbol] = {}
    for cost in rows.values():
        symbols.update(cost.symbols())
    resolved = {}
    for key, value in values.items():
        name = key.name if isinstance(key, sympy.Symbol) else key
        if not isinstance(name, str) or name not in symbols:
            listed = ", ".join(sorted(symbols)) or "none"
            raise SymconvError(f"values key {name!r} is not a symbol of any row; their symbols are: {listed}")
        if isinstance(value, bool) or not isinstance(value, numbers.Integral | sympy.Integer):
            raise SymconvError(f"values[{name!r}]={value!r} must be an integer")
        resolved[symbols[name]] = checked_value(value, symbols[name])
    return resolved


def _costs(rows: Mapping[str, Cost | NetworkCost]) -> dict[str, Cost]:
    """Each row's :class:`Cost` (a network's: its total), the labels checked to be text."""
    if not isinstance(rows, Mapping):
        raise WrongType(f"rows={rows!r} must be a mapping of row labels to costs")
    for name, cost in rows.items():
        if not isinstance(name, str):
            raise WrongType(f"row label {name!r} must be a string")
        if not isinstance(cost, Cost | NetworkCost | Network | TrainingCost | NetworkTrainingCost):
            raise WrongType(
                f"rows[{name!r}] is a {type(cost).__name__}: it must be a symconv Cost (op.cost(input_shape))"
            )
    return {name: as_cost(cost) for name, cost in rows.items()}


def check_label(label: str) -> str:
    if not isinstance(label, str):
        raise WrongType(f"label={label!r} must be a string")
    if label and not _LABEL.fullmatch(label):
        raise SymconvError(f"label={label!r} must use only letters, digits and ':._-'")
    return label


def build(
    rows: Mapping[str, Cost],
    quantities: Sequence[str | Quantity],
    *,
    baseline: str | None = None,
    values: Mapping[str | sympy.Symbol, object] | None = None,
    caption: str = "",
    label: str = "",
    corner: str = "Operator",
    digits: int | None = 3,
    wide: bool = False,
    raw_caption: bool = False,
) -> Table:
    """The :class:`Table` of ``rows`` x ``quantities``, every cell printed (see :func:`table`)."""
    rows = _costs(rows)
    if not rows:
        raise SymconvError("rows must name at least one operator")
    if isinstance(quantities, str) or not isinstance(quantities, Sequence):
        raise WrongType(f"quantities={quantities!r} must be a list of quantity names")
    if baseline is not None and not isinstance(baseline, str):
        raise WrongType(f"baseline={baseline!r} must be a row label")
    if digits is not None and (
        isinstance(digits, bool) or not isinstance(digits, numbers.Integral) or not 1 <= digits <= 100
    ):
        raise SymconvError(f"digits={digits!r} must be None (exact) or an integer from 1 to 100")
    if not isinstance(caption, str) or not isinstance(corner, str):
        raise WrongType(f"caption={caption!r} and corner={corner!r} must be strings")
    columns = [quantity_named(q) for q in quantities]
    if not columns:
        raise SymconvError("quantities must name at least one quantity")
    if baseline is not None and baseline not in rows:
        raise SymconvError(f"baseline={baseline!r} must be one of the rows: {', '.join(map(repr, rows))}")
    if baseline is None and any(q.relative for q in columns):
        raise SymconvError("a ratio quantity needs baseline= one of the rows")
    fixed = _values(values, rows)
    costs = {name: _fixed(cost, fixed) for name, cost in rows.items()}
    base = costs[baseline] if baseline is not None else None
    found = {name: tuple(_value(q, cost, base) for q in columns) for name, cost in costs.items()}
    # A column of numbers is printed as numbers (rounded to ``digits``), however the numbers were reached:
    # concrete sizes and symbols with ``values`` give the same cells.
    numeric = [all(found[name][i].is_Rational for name in found) for i in range(len(columns))]
    printed = {
        name: tuple(cell(v, digits, exact=not numeric[i]) for i, v in enumerate(cells)) for name, cells in found.items()
    }
    rounded = digits is not None and any(
        numeric[i] and not found[name][i].is_Integer for name in found for i in range(len(columns))
    )
    return Table(
        corner=corner,
        columns=tuple(
            Column(q.header, "r" if all(printed[n][i].kind == "num" for n in printed) else "l")
            for i, q in enumerate(columns)
        ),
        details=any(q.header[1] for q in columns),
        rows=tuple(Row(name, cells) for name, cells in printed.items()),
        caption=Markup(caption) if raw_caption else caption,
        label=check_label(label),
        values=tuple(fixed.items()),
        notes=_notes(columns, baseline, digits, rounded=rounded),
        environment="table*" if wide else "table",
    )


def _fixed(cost: Cost, fixed: Mapping[sympy.Symbol, sympy.Expr]) -> Cost:
    """``cost`` at the values of its own symbols (rows need not share every symbol), checked again."""
    present = cost.symbols()
    return cost.replaced({s.name: v for s, v in fixed.items() if s.name in present})


def _value(q: Quantity, cost: Cost, baseline: Cost | None) -> sympy.Expr:
    return q.of(cost, baseline=baseline)


def _notes(columns: Iterable[Quantity], baseline: str | None, digits: int | None, rounded: bool) -> tuple[str, ...]:
    notes = [q.description for q in columns]
    if baseline is not None:
        notes.append(f"Baseline: {baseline}")
    if rounded:
        notes.append(f"Non-integer values rounded to {digits} significant digits")
    return tuple(notes)


def table(
    rows: Mapping[str, Cost],
    quantities: Sequence[str | Quantity] = ("macs", "params", "memory:ideal"),
    *,
    baseline: str | None = None,
    values: Mapping[str | sympy.Symbol, object] | None = None,
    caption: str = "",
    label: str = "",
    document: bool = False,
    digits: int | None = 3,
    wide: bool = False,
    raw_caption: bool = False,
) -> str:
    """A LaTeX table of ``rows`` (label -> cost) x ``quantities``, as a fragment for ``\\input`` or a ``document``.

    Parameters
    ----------
    rows : mapping of str to Cost
        Row labels (user text, printed literally) and the costs to show (a network, or its
        cost, shows its total).
    quantities : sequence of str
        Column names, any of :mod:`symconv.core.quantities`: ``'macs'``, ``'flops-bias'``, ``'mults+bias'``,
        ``'adds'``, ``'params'``, ``'memory:ideal'``, ``'reads'``, ``'intensity:flops:im2col'``, ``'ratio:macs'`` ...
    baseline : str, optional
        The row that ``ratio:`` columns divide by.
    values : mapping, optional
        Symbol (or symbol name) -> integer, substituted before printing; fully fixed cells print as ``\\num{}``.
    caption, label : str
        Caption (user text, escaped unless ``raw_caption``) and ``\\label`` key (letters, digits, ``:._-``).
    document : bool
        A standalone document instead of a fragment.
    digits : int or None
        Significant digits of the non-integer numbers of an all-numeric column; ``None`` prints them
        as exact fractions. Columns with symbols always print exactly.
    wide : bool
        ``table*``: the table spans both columns of a two-column paper.
    raw_caption : bool
        The caption is LaTeX, placed as written (for math or ``\\cite``): only for text you wrote.

    Examples
    --------
    >>> import symconv
    >>> rows = {"conv": symconv.Conv2d(64, 64, 3, padding=1).cost((1, 64, 56, 56))}
    >>> tex = table(rows, ["intensity:macs:ideal"], caption=r"Intensity, as in \\cite{paper}", raw_caption=True)
    >>> r"\\caption{Intensity, as in \\cite{paper}}" in tex, r"\\num[group-digits=integer]{264}" in tex
    (True, True)
    >>> r"\\frac{200704}{761}" in table(rows, ["intensity:macs:ideal"], digits=None)
    True
    """
    if not isinstance(document, bool):
        raise WrongType(f"document={document!r} must be True or False")
    t = build(
        rows,
        quantities,
        baseline=baseline,
        values=values,
        caption=caption,
        label=label,
        digits=digits,
        wide=wide,
        raw_caption=raw_caption,
    )
    return render("document.tex", title="", body="table.tex", t=t) if document else render("table.tex", t=t)
