"""``symconv bounds``: the per-layer table against the library, errors in one line, the plot."""

from __future__ import annotations

import pytest
from cli_runner import in_process

from symconv.analysis.bounds import network_bounds
from symconv.analysis.devices import DEVICES
from symconv.network.examples import mobilenet_v1


def test_table_rows_are_the_library_bounds() -> None:
    result = in_process("bounds", "mobilenet_v1", "--fast-memory", "4096", "--resolution", "32")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].endswith("S = 4096 words (given)")
    rows = {line.split()[0]: line.split() for line in lines[2:]}
    for name, bounds in network_bounds(mobilenet_v1(resolution=32)):
        at = bounds.at(S=4096)
        assert rows[name][1:3] == [str(at.macs), str(at.compulsory)]
        assert rows[name][5] == str(at.tiled)


def test_device_sets_s() -> None:
    result = in_process("bounds", "mobilenet_v1", "--device", "T4", "--dtype", "fp16", "--resolution", "32")
    assert "S = 2097152 words (T4 last-level cache, fp16)" in result.stdout  # 4 MiB / 2 bytes


@pytest.mark.slow
def test_roofline_verdicts_are_direct_comparisons(tmp_path) -> None:
    """Each row: memory-bound exactly when FLOPs x bandwidth < peak x bytes, bytes from the cost at 8 bytes (fp64)."""
    path = tmp_path / "roofline.png"
    args = ("--device", "Grace-CPU-Superchip", "--dtype", "fp64", "--roofline", str(path), "--resolution", "32")
    result = in_process("bounds", "mobilenet_v1", *args)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    start = lines.index("roofline on Grace-CPU-Superchip, fp64: balance 7.1 FLOP per byte")
    rows = {line.split()[0]: line.split() for line in lines[start + 2 : -1]}
    grace = DEVICES["Grace-CPU-Superchip"]
    layers = [layer for layer in mobilenet_v1(resolution=32).cost().layers if layer.cost.flops != 0]
    assert sorted(rows) == sorted(layer.name for layer in layers)
    for layer in layers:
        for column, model in ((3, "ideal"), (4, "touched")):
            memory_bound = layer.cost.flops * grace.bandwidth < grace.peak["fp64"] * layer.cost.memory(model, 8)
            assert rows[layer.name][column] == ("memory-bound" if memory_bound else "compute-bound"), layer.name
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--roofline", "r.png"), "--roofline needs --device: the verdicts use the device's peak and bandwidth"),
        (("--device", "T4", "--dtype", "bf16", "--roofline", "r.png"), "unknown dtype for T4 'bf16'"),
        (("--device", "TPU-v5e"), "--device=TPU-v5e publishes no on-chip memory size: give --fast-memory"),
        (("--fast-memory", "2"), "--fast-memory=2 must be at least 3 words"),
        (("--device", "T4", "--dtype", "fp7"), "unknown dtype for element_size 'fp7'"),
        (("--device", "T4", "--roofline", "r.txt"), "--roofline 'r.txt' must end in .png or .svg"),
        (("--device", "T4", "--roofline", "roofline"), "--roofline 'roofline' must end in .png or .svg"),
        (("--fast-memory", "4096", "--plot", "t.pdf"), "--plot 't.pdf' must end in .png or .svg"),
        (("--fast-memory", "4096", "--plot", "no/such/dir/t.png"), "--plot 'no/such/dir/t.png': directory"),
    ],
)
def test_errors_are_one_line(args, message) -> None:
    result = in_process("bounds", "mobilenet_v1", "--resolution", "32", *args)
    assert result.returncode == 1
    assert message in result.stderr and result.stderr.count("\n") == 1
    assert result.stdout == ""  # refused before any table is printed or file written


@pytest.mark.slow
def test_plot(tmp_path) -> None:
    path = tmp_path / "traffic.svg"
    result = in_process("bounds", "mobilenet_v1", "--fast-memory", "4096", "--resolution", "32", "--plot", str(path))
    assert result.returncode == 0 and path.read_text().startswith("<?xml")
