"""The device table (every figure sourced, dense apart from sparse) and per-layer verdicts on named hardware."""

from __future__ import annotations

import re

import pytest
import sympy

import symconv
from symconv.analysis.device_roofline import layer_rooflines, plot
from symconv.analysis.devices import DEVICES, TABLE, device, inconsistencies, load
from symconv.core.precision import DTYPE_BYTES
from symconv.errors import InvalidConfiguration, SymconvError, UnknownName
from symconv.network.examples import mobilenet_v1
from symconv.network.graph import Network
from symconv.symbols import C


def test_table_covers_datacenter_edge_and_cpu() -> None:
    assert len(DEVICES) >= 10
    kinds = {d.kind for d in DEVICES.values()}
    assert {"datacenter GPU", "edge GPU", "CPU"} <= kinds


@pytest.mark.parametrize("name", sorted(DEVICES))
def test_every_figure_is_cited_and_consistent(name: str) -> None:
    d = DEVICES[name]
    assert inconsistencies(d) == []
    assert d.peak and set(d.peak) <= set(DTYPE_BYTES)
    cited = {f.name for f in d.figures}
    assert {f"peak.{t}" for t in d.peak} | {f"sparse.{t}" for t in d.sparse} | {"bandwidth"} <= cited
    assert ("fast_memory" in cited) == (d.fast_memory is not None)
    for figure in d.figures:
        assert figure.source.url.startswith("https://") and figure.source.document and figure.where
    if d.fast_memory is not None:
        assert d.fast_memory_words("fp32") * 4 <= d.fast_memory


def test_figures_are_in_their_units() -> None:
    """Spot values straight from the vendor documents, in base units: operations/s, bytes/s, bytes."""
    assert DEVICES["MI300X"].peak["fp16"] == 1307_400_000_000_000  # ROCm MI300 table, 1307.4 TFLOPS
    assert DEVICES["TPU-v5e"].peak["int8"] == 393 * 10**12  # Cloud TPU v5e page: 393 TOPs
    assert DEVICES["A100-SXM4-80GB"].bandwidth == 2039 * 10**9
    assert DEVICES["MI250X"].fast_memory == 16 * 2**20  # 8 MiB L2 per GCD, two GCDs
    orin_nano = DEVICES["Jetson-Orin-Nano-8GB"]
    assert orin_nano.figure("peak.int8").basis == "stated" and orin_nano.peak["int8"] * 2 == orin_nano.sparse["int8"]


def test_computed_figures_equal_their_formula() -> None:
    mi300x = DEVICES["MI300X"].figure("peak.bf16")
    assert (mi300x.formula.units, mi300x.formula.per_clock, mi300x.formula.clock_mhz) == (304, 2048, 2100)
    assert mi300x.formula.value == 304 * 2048 * 2_100_000_000  # 1307.4336 TFLOPS, stated as 1307.4
    with_formula = [f for d in DEVICES.values() for f in d.figures if f.formula is not None]
    assert len(with_formula) >= 20


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('"peak.fp16" = { value = "1307.4"', '"peak.fp16" = { value = "1300.4"', "MI300X peak.fp16: 1300.4 is not its"),
        ('"sparse.fp8" = { value = "5229.8"', '"sparse.fp8" = { value = "5129.8"', "sparse.fp8: 5129.8 is not twice"),
        ('"peak.fp8" = { value = "1979"', '"peak.fp8" = { value = "1978.9"', "1978.9 is not half of sparse 3958"),
        (
            '"peak.int8" = { value = "393"',
            '"peak.int8" = { value = "393", formula = { units = 1, per_clock = 1, clock_mhz = 1 }',
            "not its formula",
        ),
        ('basis = "half of stated sparse"', 'basis = "guessed"', "basis 'guessed' is not one of"),
        (
            'basis = "stated", check = "vendor document", formula = { units = 304, per_clock = 2048',
            'basis = "computed", check = "vendor document", formula = { units = 304, per_clock = 2048',
            "MI300X peak.bf16: 1307.4 is not its formula's",
        ),
        ('"peak.bf16" = { value = "197"', '"peak.bfloat" = { value = "197"', "'bfloat' is not a dtype"),
        ('note = "only third-party', 'other = "only third-party', "not verified, and no note says why"),
        ('"peak.tf32" = { value = "60"', '"dense.tf32" = { value = "60"', "sparse.tf32: no dense peak beside it"),
    ],
)
def test_a_contradicting_table_is_refused(old: str, new: str, message: str) -> None:
    text = TABLE.read_text(encoding="utf-8")
    assert old in text
    with pytest.raises(InvalidConfiguration, match=re.escape(message)):
        load(text.replace(old, new, 1))


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
    grace = DEVICES["Grace-CPU-Superchip"]
    for verdict, model in ((row.ideal, "ideal"), (row.compulsory, "touched")):
        region = verdict.memory_bound_values
        for c in range(1, 300, 7):
            cost = symconv.Conv2d(c, c, 1, bias=False).cost((1, c, 28, 28))
            memory_bound = cost.flops * grace.bandwidth < grace.peak["fp64"] * cost.memory(model, 8)
            assert (sympy.Integer(c) in region) == memory_bound, (model, c)


@pytest.mark.slow
def test_plot_writes_a_png(tmp_path) -> None:
    rows = layer_rooflines(mobilenet_v1().cost(), "H100-SXM5", "fp16")
    path = tmp_path / "roofline.png"
    plot(rows, "H100-SXM5", "fp16", path)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_plot_refuses_a_format_it_does_not_write(tmp_path) -> None:
    rows = layer_rooflines(mobilenet_v1(resolution=32).cost(), "T4", "fp16")
    with pytest.raises(SymconvError, match=r"must end in \.png or \.svg"):
        plot(rows, "T4", "fp16", tmp_path / "roofline.txt")
    assert not (tmp_path / "roofline.txt").exists()
