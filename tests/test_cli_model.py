"""``symconv model``: a real torch model's cost, checked against hand-worked counts."""

from __future__ import annotations

import json
import textwrap

import pytest
from cli_runner import in_process, launchers, run


@pytest.fixture(params=launchers(), ids=lambda launcher: "console-script" if len(launcher) == 1 else "python-m")
def launcher(request):
    return request.param


MODEL = """
import torch


def build():
    return torch.nn.Sequential(
        torch.nn.Conv2d(3, 8, 3, stride=2, padding=1), torch.nn.ReLU(), torch.nn.Conv2d(8, 16, 3, padding=1, bias=False)
    )


def broken():
    raise RuntimeError("boom")


def sized(width=8, stride=2, bias=True, act="relu", kernel=(3, 3)):
    layers = [torch.nn.Conv2d(3, width, kernel, stride=stride, bias=bias)]
    return torch.nn.Sequential(*layers, {"relu": torch.nn.ReLU(), "gelu": torch.nn.GELU()}[act])
"""


def test_model(launcher, tmp_path):
    pytest.importorskip("torch")
    (tmp_path / "tiny.py").write_text(textwrap.dedent(MODEL))
    result = run(launcher, "model", f"{tmp_path / 'tiny.py'}:build", "--input", "1,3,H,W", "--given", "H=224",
                 "--given", "W=224", "--format", "json")  # fmt: skip
    assert result.returncode == 0, result.stderr
    body = json.loads(result.stdout)
    # 112 x 112 outputs: 8 * (3*9) + 16 * (8*9) multiply-accumulates each
    assert body["compute"] == 112 * 112 * (8 * 27 + 16 * 72)
    assert body["params"] == 8 * 27 + 8 + 16 * 72


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["model", "nofile.py:build", "--input", "1,3,8,8"], "no file 'nofile.py'"),
        (["model", "build", "--input", "1,3,8,8"], "must be FILE.py:FUNCTION"),
    ],
)
def test_errors_are_one_line(args, message):
    result = in_process(*args)
    assert result.returncode != 0
    assert message in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_model_errors_from_the_users_file(tmp_path):
    pytest.importorskip("torch")
    (tmp_path / "tiny.py").write_text(textwrap.dedent(MODEL))
    result = in_process("model", f"{tmp_path / 'tiny.py'}:broken", "--input", "1,3,8,8")
    assert result.returncode == 1 and "the factory raised RuntimeError: boom" in result.stderr


def test_model_layer_tables(tmp_path):
    pytest.importorskip("torch")
    (tmp_path / "tiny.py").write_text(textwrap.dedent(MODEL))
    factory = f"{tmp_path / 'tiny.py'}:build"
    text = in_process("model", factory, "--input", "1,3,H,W", "--layers")
    assert text.returncode == 0, text.stderr
    assert "216*ceiling(H/2)*ceiling(W/2)" in text.stdout  # the first conv: 8 * 3*3*3 MACs per output pixel
    tex = in_process("model", factory, "--input", "1,3,H,W", "--layers", "--format", "latex")
    assert tex.returncode == 0 and "\\toprule" in tex.stdout
    assert in_process("model", factory, "--input", "1,3,H,W", "--layers", "--format", "json").returncode == 1


def test_layer_table_shows_the_asked_convention_and_memory_model(tmp_path):
    pytest.importorskip("torch")
    (tmp_path / "tiny.py").write_text(textwrap.dedent(MODEL))
    result = in_process("model", f"{tmp_path / 'tiny.py'}:build", "--input", "1,3,8,8", "--layers",
                        "--convention", "flops", "--memory-model", "im2col")  # fmt: skip
    assert result.returncode == 0, result.stderr
    table, summary = result.stdout.split("\ntotal")[0], result.stdout.split("\ntotal")[1]
    assert "FLOPs" in table.splitlines()[0] and "Memory (im2col)" in table.splitlines()[0]
    total_row = summary.splitlines()[0].split()
    # the table's total row and the summary below it give the same compute and memory
    compute = next(line for line in summary.splitlines() if line.strip().startswith("compute")).split()[1]
    memory = next(line for line in summary.splitlines() if line.strip().startswith("memory")).split()[1]
    assert total_row[0] == compute == str(2 * 16 * (8 * 27 + 16 * 72))
    assert total_row[-1] == memory


PARTLY = """
import torch
from torch import nn


class Odd(nn.Module):
    def forward(self, x):
        return torch.fft.rfft2(x).real


def build():
    return nn.Sequential(nn.Sequential(nn.Conv2d(3, 8, 3), nn.ReLU()), nn.Conv2d(8, 4, 1), Odd())
"""


def test_modules_report_and_not_strict(tmp_path):
    pytest.importorskip("torch")
    (tmp_path / "partly.py").write_text(textwrap.dedent(PARTLY))
    factory = f"{tmp_path / 'partly.py'}:build"
    refused = in_process("model", factory, "--input", "1,3,10,10")
    assert refused.returncode == 1 and "2 (Odd)" in refused.stderr
    result = in_process("model", factory, "--input", "1,3,10,10", "--modules", "1", "--not-strict", "--csv")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "module,depth,layers,macs,params,memory:ideal,share"
    assert lines[1].startswith("0,1,2,13824,224,") and lines[2].startswith("1,1,1,2048,36,")  # 8*27 and 4*8 at 8x8
    text = in_process("model", factory, "--input", "1,3,10,10", "--not-strict")
    assert "not lowered  1" in text.stdout and "2 (Odd)" in text.stdout


def test_arguments_reach_the_factory(tmp_path):
    pytest.importorskip("torch")
    (tmp_path / "tiny.py").write_text(textwrap.dedent(MODEL))
    factory = f"{tmp_path / 'tiny.py'}:sized"
    args = (
        "--arg",
        "width=4",
        "--arg",
        "stride=1",
        "--arg",
        "bias=False",
        "--arg",
        "act=gelu",
        "--arg",
        "kernel=(1, 3)",
    )
    result = in_process("model", factory, "--input", "1,3,10,10", *args, "--format", "json")
    assert result.returncode == 0, result.stderr
    body = json.loads(result.stdout)
    assert body["params"] == 4 * 3 * 1 * 3  # width 4, a 1x3 kernel, no bias
    assert body["compute"] == 10 * 8 * 4 * 3 * 3  # 10 x 8 outputs of 3*1*3 taps per channel


@pytest.mark.parametrize(
    ("arg", "message"),
    [
        ("width", "must be NAME=VALUE"),
        ("1x=2", "must be NAME=VALUE"),
        ("width=" + "9" * 2000, "more than 1000"),
        ("width=__import__('os').system('echo pwned')", "the factory raised TypeError"),
    ],
)
def test_bad_arguments_are_refused_and_never_run(tmp_path, arg, message):
    pytest.importorskip("torch")
    (tmp_path / "tiny.py").write_text(textwrap.dedent(MODEL))
    result = in_process("model", f"{tmp_path / 'tiny.py'}:sized", "--input", "1,3,10,10", "--arg", arg)
    assert result.returncode != 0 and message in result.stderr, result.stderr
    assert "pwned" not in result.stdout + result.stderr


def test_a_given_value_the_layers_cannot_take_is_refused(tmp_path):
    """H=1 under an unpadded 3x3 conv: refused on one line, not printed as a negative formula in W."""
    pytest.importorskip("torch")
    (tmp_path / "tiny.py").write_text("import torch\n\n\ndef build():\n    return torch.nn.Conv2d(3, 8, 3)\n")
    result = in_process("model", f"{tmp_path / 'tiny.py'}:build", "--input", "1,3,H,W", "--given", "H=1")
    assert result.returncode != 0 and result.stdout == ""
    assert "kernel_size=3" in result.stderr and len(result.stderr.strip().splitlines()) == 1
