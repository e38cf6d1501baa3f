"""``symconv devices``: the table and each device's cited figures, against the data file itself."""

from __future__ import annotations

import tomllib

import pytest
from cli_runner import in_process

from symconv.analysis.devices import TABLE

ROWS = {row["name"]: row for row in tomllib.loads(TABLE.read_text(encoding="utf-8"))["devices"]}


def test_overview_shows_every_device_with_its_dense_peaks() -> None:
    result = in_process("devices")
    assert result.returncode == 0, result.stderr
    lines = {line.split()[0]: line for line in result.stdout.splitlines()[1:]}
    assert list(lines) == list(ROWS)
    for name, row in ROWS.items():
        for figure, cited in row["figures"].items():
            kind, _, dtype = figure.partition(".")
            if kind == "peak":
                assert f"{dtype} {float(cited['value']):g}" in lines[name], (name, figure)
        assert f"  {float(row['figures']['bandwidth']['value']):g}  " in lines[name]


@pytest.mark.parametrize("name", ["H100-SXM5", "MI300X", "Grace-CPU-Superchip"])
def test_one_device_lists_every_figure_with_its_citation(name: str) -> None:
    result = in_process("devices", name)
    assert result.returncode == 0, result.stderr
    shown = {line.split()[0]: line for line in result.stdout.splitlines() if line[:1].strip()}
    for figure, cited in ROWS[name]["figures"].items():
        line = shown[figure.split()[0]]
        assert cited["value"] in line and cited["check"] in line and cited["where"] in line, figure
    assert "sources:" in result.stdout and "https://" in result.stdout


def test_unknown_device_is_one_line() -> None:
    result = in_process("devices", "H200")
    assert result.returncode == 2
    assert "invalid choice: 'H200'" in result.stderr and result.stderr.count("\n") == 1
