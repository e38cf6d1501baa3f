"""Per-layer roofline verdicts of a network on a named device (:mod:`symconv.analysis.devices`), and their plot.

Each layer is judged three ways, in bytes of the device's dtype:

* ``ideal``: every boundary tensor moved once (the exact region where it is memory-bound
  comes from :func:`symconv.analysis.query.roofline`, in whatever symbols are left);
* ``compulsory``: only what must move whatever the schedule (the ``touched`` model) -- a layer
  memory-bound even then is memory-bound on that device, full stop (also an exact region);
* ``im2col bound``: the lower bound of :mod:`symconv.analysis.bounds` for the im2col GEMMs with ``S``
  the device's last-level on-chip capacity in elements.

>>> from symconv.network.examples import mobilenet_v1
>>> rows = layer_rooflines(mobilenet_v1().cost(), "H100-SXM5", "fp16")
>>> [(r.name, r.ideal.verdict) for r in rows[:3]]
[('conv1', 'memory-bound'), ('dw1', 'memory-bound'), ('pw1', 'memory-bound')]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import sympy

from symconv.analysis.bounds import cost_bounds
from symconv.analysis.devices import Device, device
from symconv.analysis.roofline import Roofline, roofline
from symconv.core.cost import Cost
from symconv.core.lowering import Gemm
from symconv.core.precision import dtype_bytes
from symconv.errors import InvalidConfiguration
from symconv.files import write_bytes_atomic


@dataclass(frozen=True)
class LayerRoofline:
    """One layer on one device: its operations, its bytes under each tier, and the verdicts."""

    name: str
    flops: sympy.Expr
    ideal_bytes: sympy.Expr
    compulsory_bytes: sympy.Expr
    im2col_bound_bytes: sympy.Expr | None
    ideal: Roofline
    compulsory: Roofline

    @property
    def intensity(self) -> sympy.Expr:
        return self.ideal.intensity

    @property
    def compulsory_verdict(self) -> str:
        return self.compulsory.verdict


def layer_rooflines(network_cost, device_name: str | Device, dtype: str = "fp16") -> list[LayerRoofline]:
    """Verdicts for every layer of ``network_cost`` (a :class:`~symconv.network.graph.NetworkCost`) that computes.

    Layers with no floating-point operations under the ``flops`` convention (views, activations,
    normalisation folded into no GEMM) are left out.
    """
    chip = device(device_name)
    balance = chip.balance(dtype)
    size = dtype_bytes(dtype)
    words = chip.fast_memory_words(dtype)
    rows = []
    for layer in network_cost.layers:
        cost: Cost = layer.cost
        if cost.flops == 0:
            continue
        compulsory = size * cost.memory("touched")
        im2col = None
        if words is not None and any(isinstance(st, Gemm) for st in cost.stages):
            im2col = size * cost_bounds(cost).at(S=words).gemm_lower
        rows.append(
            LayerRoofline(
                name=layer.name,
                flops=cost.flops,
                ideal_bytes=cost.memory("ideal", size),
                compulsory_bytes=compulsory,
                im2col_bound_bytes=im2col,
                ideal=roofline(cost, balance, "flops", "ideal", size),
                compulsory=roofline(cost, balance, "flops", "touched", size),
            )
        )
    return rows


def plot(rows: Sequence[LayerRoofline], device_name: str | Device, dtype: str, path: str | Path, title: str = ""):
    """Write a log-log roofline of ``rows`` (concrete sizes) to ``path`` (``.png`` or ``.svg``), atomically."""
    import io

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fmt = Path(path).suffix.lstrip(".")
    if fmt not in ("png", "svg"):
        raise InvalidConfiguration(f"path={str(path)!r} must end in .png or .svg")
    chip = device(device_name)
    if any(r.intensity.free_symbols for r in rows):
        raise InvalidConfiguration("plotting a roofline needs concrete sizes: substitute the symbols first")
    peak, bandwidth = float(chip.peak[dtype]), float(chip.bandwidth)
    ideal = [float(r.intensity) for r in rows]
    best = [float(r.flops / r.compulsory_bytes) for r in rows]
    xs = [min(ideal + best) / 2, max(ideal + best + [peak / bandwidth]) * 2]
    ridge = peak / bandwidth

    fig, ax = plt.subplots(figsize=(8, 5), dpi=110)
    ax.plot([xs[0], ridge, xs[1]], [xs[0] * bandwidth / 1e12, peak / 1e12, peak / 1e12], color="black", lw=1.5)
    for x_ideal, x_best in zip(ideal, best, strict=True):
        y = min(peak, x_ideal * bandwidth) / 1e12
        ax.plot([x_ideal, x_best], [y, min(peak, x_best * bandwidth) / 1e12], color="0.7", lw=0.8, zorder=1)
    ax.scatter(ideal, [min(peak, x * bandwidth) / 1e12 for x in ideal], s=22, label="ideal traffic", zorder=2)
    ax.scatter(
        best, [min(peak, x * bandwidth) / 1e12 for x in best], s=22, marker="x", label="compulsory traffic", zorder=2
    )
    for x, names in _groups(ideal, [r.name for r in rows]):
        label = names[0] if len(names) == 1 else f"{names[0]}..{names[-1]} ({len(names)})"
        y = min(peak, x * bandwidth) / 1e12
        ax.annotate(label, (x, y), fontsize=6, xytext=(4, -9), textcoords="offset points")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(f"operational intensity (FLOP per byte, {dtype})")
    ax.set_ylabel(f"attainable TFLOP/s ({dtype}, dense)")
    ax.set_title(title or f"{chip.name}: peak {peak / 1e12:g} TFLOP/s, {bandwidth / 1e9:g} GB/s")
    ax.grid(True, which="both", lw=0.3)
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format=fmt, metadata={"Date": None} if fmt == "svg" else {"Software": None})
    plt.close(fig)
    write_bytes_atomic(path, buffer.getvalue())


def _groups(xs: Sequence[float], names: Sequence[str]) -> list[tuple[float, list[str]]]:
    """Layers whose intensities are within 3 % of each other share one label."""
    groups: list[tuple[float, list[str]]] = []
    for x, name in sorted(zip(xs, names, strict=True)):
        if groups and x <= groups[-1][0] * 1.03:
            groups[-1][1].append(name)
        else:
            groups.append((x, [name]))
    return groups
