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
