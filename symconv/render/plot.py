"""Figures: a quantity of one or more costs, or the ratio of two, against one parameter, crossover marked.

The values are :func:`symconv.analysis.query.compare`'s exact numbers (converted to floats
only to be drawn); the crossover is :func:`symconv.analysis.query.crossover`'s exact set,
marked where it starts or ends inside the plotted range. matplotlib is an optional
dependency (``pip install symconv[plot]``).

Examples
--------
>>> import symconv
>>> from symconv.symbols import C_in, C_out, H, W
>>> shape = (1, C_in, H, W)
>>> costs = {
...     "DWConv": symconv.DepthwiseSeparableConv2d(C_in, C_out, 3, padding=1, bias=False).cost(shape),
...     "Conv2d": symconv.Conv2d(C_in, C_out, 3, padding=1, bias=False).cost(shape),
... }
>>> curve = series(costs, "memory", "C_out", range(1, 33), given={"C_in": 64, "H": 7, "W": 7}, kind="ratio")
>>> curve.crossings  # DWConv moves more memory than Conv2d up to C_out = 13, less from 14
((13, 14),)
"""

from __future__ import annotations

import io
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import sympy

from symconv.analysis import query
from symconv.core.cost import Cost
from symconv.core.quantities import Quantity, quantity_named
from symconv.core.validate import items, mapping, of_type, text
from symconv.errors import SymconvError, WrongType
from symconv.files import write_bytes_atomic
from symconv.symbols import symbol

Kind = Literal["cost", "ratio"]
FORMATS = ("png", "pdf", "svg")


@dataclass(frozen=True)
class Series:
    """What a figure shows: x values, one exact y list per curve, and where the first two costs cross."""

    over: str
    quantity: str
    label: str
    kind: Kind
    x: tuple[int, ...]
    curves: dict[str, tuple[sympy.Expr, ...]]
    crossings: tuple[tuple[int, int], ...]
    verdict: str


def series(
    costs: Mapping[str, Cost],
    quantity: str | Quantity,
    over: str,
    values: Sequence[int],
    *,
    given: Mapping[str, object] | None = None,
    kind: Kind = "cost",
    element_size: int = 1,
) -> Series:
    """Exact values of ``quantity`` over ``values`` of the symbol ``over`` (other symbols fixed by ``given``).

    ``kind='ratio'`` plots the first cost over the second. With two costs or more, the
    crossover of the first two is located by :func:`symconv.analysis.query.crossover`, and the
    second is the baseline of a ``ratio:`` quantity.
    """
    if not isinstance(kind, str) or kind not in ("cost", "ratio"):
        raise SymconvError(f"kind={kind!r} must be 'cost' or 'ratio'")
    q = quantity_named(quantity)
    costs = {
        text(name, "costs key"): query.as_cost(cost) for name, cost in mapping(costs, "costs", "names to costs").items()
    }
    values = items(values, "values", f"values of {over}")
    text(over, "over")
    given = mapping({} if given is None else given, "given", "symbol names to values")
    if not values:
        raise SymconvError(f"the range of {over} is empty")
    if kind == "ratio" and len(costs) != 2:
        raise SymconvError(f"a ratio needs two costs, got {len(costs)}")
    fixed = {name: query.at(cost, **_present(cost, given or {})) for name, cost in costs.items()}
    baseline = list(fixed)[1] if len(fixed) >= 2 else None
    rows = query.compare(fixed, q, {over: list(values)}, element_size=element_size, baseline=baseline)
    curves = {name: tuple(row[name] for row in rows) for name in fixed}
    crossings, verdict = (), ""
    if len(fixed) >= 2:
        first, second = list(fixed.values())[:2]
        found = query.crossover(first, second, q, over, element_size=element_size)
        crossings, verdict = _crossings(found, values), found.exceeds
    if kind == "ratio":
        a, b = curves.values()
        names = " / ".join(curves)
        curves = {names: tuple(sympy.Rational(p, q) for p, q in zip(a, b, strict=True))}
    return Series(over, q.name, q.label, kind, tuple(values), curves, crossings, verdict)


def _present(cost: Cost, given: Mapping[str, object]) -> dict[str, object]:
    """The ``given`` values of the symbols that occur in ``cost`` (two costs need not share every symbol)."""
    names = cost.symbols()
    return {name: value for name, value in given.items() if name in names}


def _crossings(found: query.Crossover, values: Sequence[int]) -> tuple[tuple[int, int], ...]:
    """Consecutive plotted values between which "the first exceeds the second" changes."""
    if found.greater is None:
        return ()
    ordered = sorted(values)
    inside = [bool(found.greater.contains(sympy.Integer(v))) for v in ordered]
    return tuple((ordered[i], ordered[i + 1]) for i in range(len(ordered) - 1) if inside[i] != inside[i + 1])


def figure(data: Series, *, title: str | None = None, logx: bool = False, logy: bool = False):
    """A matplotlib ``Figure`` of ``data``; crossings as dashed vertical lines, the ratio 1 as a dotted line.

    Axis labels are the symbols' LaTeX (``$C_{\\mathrm{out}}$``); a crossover's label goes at the height
    farthest from every curve, on a white box, so that it never hides one.
    """
    of_type(data, Series, "data", "a Series (from symconv.render.plot.series)")
    if title is not None and (not isinstance(title, str) or not title.isprintable()):
        raise WrongType(f"title={title!r} must be printable text or None")
    for name, flag in (("logx", logx), ("logy", logy)):
        if not isinstance(flag, bool):
            raise WrongType(f"{name}={flag!r} must be True or False")
    fig = _figure_class()(figsize=(6.4, 4.0), dpi=100)
    axes = fig.subplots()
    for name, ys in data.curves.items():
        axes.plot(data.x, [float(y) for y in ys], label=name, linewidth=1.8)
    if data.kind == "ratio":
        axes.axhline(1.0, color="0.5", linestyle=":", linewidth=1)
    axes.set_xscale("log" if logx else "linear")
    axes.set_yscale("log" if logy else "linear")
    for before, after in data.crossings:
        x = (before + after) / 2
        axes.axvline(x, color="C3", linestyle="--", linewidth=1)
        height = _free_height(axes, data, x)
        label = f"crossover\n{axis_label(data.over)}: {before} | {after}"
        axes.annotate(
            label, (x, height), xycoords=("data", "axes fraction"), xytext=(4, 0), textcoords="offset points",
            ha="left", va="center", fontsize=8, color="C3",
            bbox={"boxstyle": "round,pad=0.2", "facecolor": "white", "edgecolor": "none", "alpha": 0.85},
        )  # fmt: skip
    axes.set_xlabel(axis_label(data.over))
    axes.set_ylabel(f"{data.label} ratio" if data.kind == "ratio" else data.label)
    axes.set_xscale("log" if logx else "linear")
    axes.set_yscale("log" if logy else "linear")
    axes.grid(True, alpha=0.3)
    axes.legend(fontsize=8)
    axes.set_title(title or f"{data.label} against {axis_label(data.over)}", fontsize=10)
    fig.tight_layout()
    return fig


def axis_label(name: str) -> str:
    """A symbol's name as matplotlib mathtext, with the symbol table's LaTeX (``C_out`` -> ``$C_{\\mathrm{out}}$``).

    >>> axis_label("C_out"), axis_label("batch size")
    ('$C_{\\\\mathrm{out}}$', 'batch size')
    """
    from symconv.latex import latex

    return f"${latex(symbol(name))}$" if name.isidentifier() else name


def _free_height(axes, data: Series, x: float) -> float:
    """The height (axes fraction) among a few candidates that is farthest from every curve near ``x``."""
    to_axes = axes.transData + axes.transAxes.inverted()
    near = [i for i, v in enumerate(data.x) if abs(v - x) <= max(1.0, 0.08 * (data.x[-1] - data.x[0]))]
    heights = [
        to_axes.transform((data.x[i], float(ys[i])))[1] for ys in data.curves.values() for i in near if float(ys[i]) > 0
    ]
    return max((0.9, 0.75, 0.5, 0.25, 0.1), key=lambda h: min((abs(h - y) for y in heights), default=1.0))


def save(fig, path: str | os.PathLike) -> Path:
    """Write ``fig`` to ``path`` (PNG or PDF, by suffix) atomically and without dates: same figure, same bytes."""
    target = Path(path)
    suffix = target.suffix.lower().lstrip(".")
    if suffix not in FORMATS:
        raise SymconvError(f"output {str(path)!r} must end in one of: {', '.join('.' + f for f in FORMATS)}")
    if not target.parent.is_dir():
        raise SymconvError(f"cannot write {str(path)!r}: directory {str(target.parent)!r} does not exist")
    metadata = {"png": {"Software": None}, "pdf": {"CreationDate": None, "Producer": None}, "svg": {"Date": None}}
    buffer = io.BytesIO()
    from matplotlib import rc_context

    with rc_context({"svg.hashsalt": "symconv"}):  # SVG ids from a fixed salt: same figure, same bytes
        fig.savefig(buffer, format=suffix, metadata=metadata[suffix])
    write_bytes_atomic(target, buffer.getvalue())
    return target


def _figure_class():
    """matplotlib's ``Figure`` (no pyplot: no global state, no backend switch)."""
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise SymconvError("plots need matplotlib: pip install 'symconv[plot]'") from None
    return Figure
