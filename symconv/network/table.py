"""A network's layer table as text: one row per layer (name, operator, output shape, costs), then the total.

>>> from symconv.network.examples import mobilenet_v1
>>> print(layer_table(mobilenet_v1(1, 224).cost(), skip_views=True).splitlines()[2])
conv1 Conv2d(3, 32, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1), bias=False) (1, 32, 112, 112) 10838016 864 552800
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import sympy

from symconv.core.quantities import Quantity, quantity_named
from symconv.core.validate import items
from symconv.errors import InvalidConfiguration
from symconv.network.graph import NetworkCost

COLUMNS = ("macs", "params", "memory")


def layer_table(
    cost: NetworkCost,
    columns: Sequence[str | Quantity] = COLUMNS,
    skip_views: bool = False,
    *,
    baseline: str | None = None,
) -> str:
    """Render ``cost`` as an aligned text table; ``skip_views`` leaves out layers that cost nothing (views).

    ``columns`` are quantity names (:mod:`symconv.core.quantities`), headed by their labels; ``ratio:``
    columns divide by the layer named ``baseline``.
    """
    quantities = [quantity_named(c) for c in items(columns, "columns", "quantity names")]
    layers = {r.name: r.cost for r in cost.layers}
    if baseline is not None and (not isinstance(baseline, str) or baseline not in layers):
        raise InvalidConfiguration(f"baseline={baseline!r} must be one of the layers")
    base = None if baseline is None else layers[baseline]

    def cells(layer):
        return [str(q.of(layer, baseline=base)) for q in quantities]

    rows = [r for r in cost.layers if not (skip_views and not r.cost.stages)]
    header = ["layer", "operator", "output", *(q.label for q in quantities)]
    body = [[r.name, r.operator, str(r.output_shape), *cells(r.cost)] for r in rows]
    body.append(["total", "", "", *cells(cost.total)])
    widths = [max(len(line[i]) for line in [header, *body]) for i in range(len(header))]
    rule = ["-" * w for w in widths]
    lines = [header, rule, *body[:-1], rule, body[-1]]
    text = "\n".join("  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip() for line in lines)
    if cost.sizes:
        text += f"\nfor sizes {', '.join(map(str, cost.sizes))} only"
    if cost.unsupported:
        text += f"\nnot lowered, counted as zero ({len(cost.unsupported)}):"
        text += "".join(f"\n  {item}" for item in cost.unsupported)
    return text


def latex_layer_table(
    cost: NetworkCost,
    quantities: Sequence[str] = ("macs", "params", "memory:ideal"),
    *,
    values: Mapping[str | sympy.Symbol, object] | None = None,
    skip_views: bool = True,
    baseline: str | None = None,
    caption: str = "",
    label: str = "",
    document: bool = False,
) -> str:
    """The layer table in LaTeX via :func:`symconv.latex.table` (``booktabs``, ``siunitx``): the layers, then Total.

    ``quantities``, ``values`` and ``baseline`` (a layer's name) are those of :func:`symconv.latex.table`,
    e.g. ``values={"H": 224, "W": 224}``. Declared sizes (``from_torch(..., sizes=...)``) are stated in the caption.
    """
    from symconv.latex import table  # the LaTeX machinery (Jinja environment) loads on use

    rows = {r.name: r.cost for r in cost.layers if not (skip_views and not r.cost.stages)}
    if "Total" in rows:
        raise InvalidConfiguration("a layer named 'Total' would collide with the table's total row")
    rows["Total"] = cost.total
    if cost.sizes:  # in words: the caption is text, escaped
        ranges = ", ".join(f"{r.symbol} from {r.low} to {r.high}" for r in cost.sizes)
        caption = f"{caption} For sizes {ranges} only.".strip()
    return table(rows, quantities, baseline=baseline, values=values, caption=caption, label=label, document=document)
