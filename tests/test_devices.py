"""The device table (every figure sourced, dense apart from sparse) and per-layer verdicts on named hardware."""

from __future__ import annotations

import pytest
import sympy

import symconv
from symconv.device_roofline import layer_rooflines, plot
from symconv.devices import DEVICES, device
from symconv.errors import UnknownName
from symconv.network.examples import mobilenet_v1
from symconv.network.graph import Network
from symconv.precision import DTYPE_BYTES
from symconv.symbols import C


def test_table_covers_datacenter_edge_and_cpu() -> None:
    assert len(DEVICES) >= 10
    kinds = {d.kind for d in DEVICES.values()}
    assert {"datacenter GPU", "edge GPU", "CPU"} <= kinds


@pytest.mark.parametrize("name", sorted(DEVICES))
def test_every_device_is_cited_and_consistent(name: str) -> None:
    d = DEVICES[name]
    assert d.source.url.startswith("https://") and d.source.document
    assert d.peak and set(d.peak) <= set(DTYPE_BYTES)
    assert all(v > 0 for v in d.peak.values()) and d.bandwidth > 0
    for dtype, sparse in d.sparse.items():  # structured sparsity doubles the dense tensor-core peak
        assert sparse >= d.peak[dtype], dtype
    if d.fast_memory is not None:
        assert d.fast_memory_words("fp32") * 4 <= d.fast_memory


def test_unknown_names_are_errors() -> None:
    with pytest.raises(UnknownName, match="unknown device 'H200'"):
        device("H200")
    with pytest.raises(UnknownName, match="unknown dtype for T4 'bf16'"):
        DEVICES["T4"].balance("bf16")


def test_verdicts_equal_direct_comparison() -> None:
    """A layer is memory-bound exactly when its FLOPs are below balance x bytes (computed here from the table)."""
    rows = layer_rooflines(mobilenet_v1().cost(), "Grace-CPU-Superchip", "fp64")
    grace = DEVICES["Grace-CPU-Superchip"]
    verdicts = set()
    for row in rows:
        memory_bound = row.flops * grace.bandwidth < grace.peak["fp64"] * row.ideal_bytes
        assert row.ideal.verdict == ("memory-bound" if memory_bound else "compute-bound")
        assert row.compulsory_bytes <= row.ideal_bytes
        verdicts.add(row.ideal.verdict)
    assert verdicts == {"memory-bound", "compute-bound"}  # depthwise layers memory-, pointwise compute-bound


def test_symbolic_region_is_exact() -> None:
    net = Network("one layer")
    x = net.input((1, C, 28, 28))
    net("pw", symconv.Conv2d(C, C, 1, bias=False), x)
    (row,) = layer_rooflines(net.cost(), "Grace-CPU-Superchip", "fp64")
    region = row.ideal.memory_bound_values
    grace = DEVICES["Grace-CPU-Superchip"]
    for c in range(1, 300, 7):
        cost = symconv.Conv2d(c, c, 1, bias=False).cost((1, c, 28, 28))
        memory_bound = cost.flops * grace.bandwidth < grace.peak["fp64"] * cost.memory("ideal", 8)
        assert (sympy.Integer(c) in region) == memory_bound, c


@pytest.mark.slow
def test_plot_writes_a_png(tmp_path) -> None:
    rows = layer_rooflines(mobilenet_v1().cost(), "H100-SXM5", "fp16")
    path = tmp_path / "roofline.png"
    plot(rows, "H100-SXM5", "fp16", path)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
