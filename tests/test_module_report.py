"""The per-module report: subtotals that add up, a depth limit, one row per call, JSON and CSV that parse back."""

from __future__ import annotations

import csv
import io
import json

import pytest

torch = pytest.importorskip("torch")

from torch import nn  # noqa: E402
from torch.utils.flop_counter import FlopCounterMode  # noqa: E402

import symconv  # noqa: E402
from symconv.errors import SymconvError  # noqa: E402
from symconv.network.report import as_csv, as_json, as_text, human, module_report  # noqa: E402


class Block(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(8, 8, 3, padding=1)
        self.relu = nn.ReLU()

    def forward(self, x):
        return self.relu(self.conv(x) + x)  # a functional add inside the block


def model() -> nn.Module:
    return nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), Block(), Block()).eval()


def test_subtotals_are_the_modules_flop_counts_and_add_up() -> None:
    net = model()
    cost = symconv.from_torch(net, (1, 3, 12, 12))
    rows = {row.path: row for row in module_report(cost, ("macs", "params"), depth=1)}
    with FlopCounterMode(display=False) as counter:
        net(torch.empty(1, 3, 12, 12))
    per_module = counter.get_flop_counts()
    for path in ("0", "1", "2"):
        assert rows[path].values["macs"] == sum(per_module[f"Sequential.{path}"].values()) // 2
        assert rows[path].values["params"] == sum(p.numel() for p in net[int(path)].parameters())
    assert sum(row.values["macs"] for row in rows.values()) == cost.macs
    assert sum(row.share for row in rows.values()) == pytest.approx(1)


def test_depth_limit_and_functional_nodes_under_their_module() -> None:
    cost = symconv.from_torch(model(), (1, 3, 12, 12))
    assert {row.depth for row in module_report(cost, depth=1)} == {1}
    paths = [row.path for row in module_report(cost)]
    assert "1.add" in paths and any(p.startswith("2.add") for p in paths)  # x + y, under its block


def test_json_csv_and_text() -> None:
    rows = module_report(symconv.from_torch(model(), (1, 3, 12, 12)), ("macs", "params", "memory:ideal"), depth=1)
    records = json.loads(as_json(rows))
    assert [r["module"] for r in records] == ["0", "1", "2"]
    assert list(csv.DictReader(io.StringIO(as_csv(rows))))[1]["macs"] == records[1]["macs"]
    assert "memory:ideal" in as_text(rows).splitlines()[0]
    assert human(symconv.Conv2d(64, 64, 3).cost((1, 64, 224, 224)).macs) == "1.82 G"  # 64*64*9 * 222*222


def test_bad_depth_is_refused() -> None:
    with pytest.raises(SymconvError, match="depth"):
        module_report(symconv.from_torch(model(), (1, 3, 12, 12)), depth=0)
