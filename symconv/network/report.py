"""A per-module report of a network's cost: the module hierarchy with subtotals, as ptflops and torchinfo show.

Layer names are module paths (``layer1.0.conv1``; a module called again is
``layer1.0.relu:2``, one row per call): every path prefix is a module, whose subtotal
is the sum of its layers. Each row has its share of the total (when the values are
numbers) and, beside each exact integer, a human-readable one (``4.09 G``). Rows
render as text, JSON or CSV.

Examples
--------
>>> import symconv
>>> from torch import nn
>>> model = nn.Sequential(nn.Sequential(nn.Conv2d(3, 8, 3), nn.ReLU()), nn.Conv2d(8, 4, 1))
>>> rows = module_report(symconv.from_torch(model, (1, 3, 10, 10)), depth=1)
>>> [(row.path, row.values["macs"], round(row.share, 3)) for row in rows]  # 8*27 and 4*8 MACs at 8x8 pixels
[('0', 13824, 0.871), ('1', 2048, 0.129)]
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass

import sympy

from symconv.core.quantities import quantity_named
from symconv.errors import InvalidConfiguration
from symconv.network.graph import NetworkCost

_PREFIXES = ((10**12, "T"), (10**9, "G"), (10**6, "M"), (10**3, "K"))


@dataclass(frozen=True)
class ModuleRow:
    """One module (a path prefix of the layer names) and the sums of its layers' quantities."""

    path: str
    depth: int
    layers: int
    values: dict[str, sympy.Expr]
    share: float | None  # of the total's first quantity, when both are numbers


def _modules(name: str) -> list[str]:
    """Every module a layer belongs to, outermost first: ``a.b.c:2`` -> ``a``, ``a.b``, ``a.b.c:2``."""
    parts = name.split(".")
    return [".".join(parts[: k + 1]) for k in range(len(parts))]


def module_report(
    cost: NetworkCost, quantities: Sequence[str] = ("macs", "params"), depth: int | None = None
) -> tuple[ModuleRow, ...]:
    """The module hierarchy of ``cost`` down to ``depth`` (``None``: every layer), in order of first use.

    ``quantities`` are quantity names (a convention such as ``macs``, ``params``, ``memory:<model>``).
    A parameter shared by several layers appears in each of their rows; the total counts it once.
    """
    if depth is not None and (not isinstance(depth, int) or isinstance(depth, bool) or depth < 1):
        raise InvalidConfiguration(f"depth={depth!r} must be a positive integer or None")
    measures = [quantity_named(q) for q in quantities]
    sums: dict[str, list] = {}
    for row in cost.layers:
        values = [m.of(row.cost) for m in measures]
        for path in _modules(row.name)[:depth]:
            entry = sums.setdefault(path, [0, [sympy.Integer(0)] * len(values)])
            entry[0] += 1
            entry[1] = [a + b for a, b in zip(entry[1], values, strict=True)]
    total = measures[0].of(cost.total) if measures else None
    return tuple(
        ModuleRow(path, path.count(".") + 1, count, dict(zip(quantities, values, strict=True)), _share(values, total))
        for path, (count, values) in sums.items()
    )


def _share(values: list[sympy.Expr], total: sympy.Expr | None) -> float | None:
    if not values or total is None or not (values[0].is_number and total.is_number) or total == 0:
        return None
    return float(values[0] / total)


def human(value: sympy.Expr) -> str:
    """``4090000000`` -> ``4.09 G``; an expression as it is."""
    if not (value.is_Integer or value.is_Float):
        return str(value)
    for scale, prefix in _PREFIXES:
        if abs(value) >= scale:
            return f"{float(value) / scale:.3g} {prefix}"
    return str(value)


def as_text(rows: Sequence[ModuleRow]) -> str:
    """An indented table: module, layers, each quantity (exact and human-readable), share."""
    if not rows:
        return ""
    names = list(rows[0].values)
    header = ["module", "layers", *names, "share"]
    body = []
    for row in rows:
        cells = [f"{human(v)} ({v})" if v.is_Integer and abs(v) >= 1000 else str(v) for v in row.values.values()]
        share = "" if row.share is None else f"{100 * row.share:.2f} %"
        body.append(["  " * (row.depth - 1) + row.path.rsplit(".", 1)[-1], str(row.layers), *cells, share])
    widths = [max(len(line[i]) for line in [header, *body]) for i in range(len(header))]
    lines = [header, ["-" * w for w in widths], *body]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)).rstrip() for line in lines)


def _records(rows: Sequence[ModuleRow]) -> list[dict[str, object]]:
    return [
        {"module": row.path, "depth": row.depth, "layers": row.layers}
        | {k: str(v) for k, v in row.values.items()}
        | {"share": row.share}
        for row in rows
    ]


def as_json(rows: Sequence[ModuleRow]) -> str:
    """The rows as a JSON list of objects (values as exact strings: integers of any size, or expressions)."""
    return json.dumps(_records(rows), indent=1)


def as_csv(rows: Sequence[ModuleRow]) -> str:
    """The rows as CSV, one line per module."""
    records = _records(rows)
    if not records:
        return ""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(records[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(records)
    return out.getvalue()
