"""``symconv codegen``: the generated module runs, exactly, without symconv."""

from __future__ import annotations

import pytest
from cli_runner import in_process, launchers, run


@pytest.fixture(params=launchers(), ids=lambda launcher: "console-script" if len(launcher) == 1 else "python-m")
def launcher(request):
    return request.param


def test_codegen_module_runs_exactly(launcher, tmp_path):
    target = tmp_path / "conv_costs.py"
    result = run(launcher, "codegen", "conv2d", "--in-channels", "C_in", "--out-channels", "C_out",
                 "--kernel-size", "K", "--stride", "s", "--padding", "p", "--input", "N,C_in,H,W",
                 "--quantity", "macs", "--quantity", "params", "--output", str(target))  # fmt: skip
    assert result.returncode == 0, result.stderr
    source = target.read_text()
    assert "import symconv" not in source and "from symconv" not in source
    namespace: dict = {}
    exec(compile(source, str(target), "exec"), namespace)
    out = (56 + 2 * 1 - 3) // 2 + 1  # PyTorch's output size, stride 2, padding 1
    expected = 8 * 128 * out * out * 64 * 3 * 3  # N * C_out * H_out * W_out * (C_in * K * K)
    assert namespace["conv2d_macs"](N=8, C_in=64, C_out=128, K=3, s=2, p=1, H=56, W=56) == expected
    huge = 10**30  # exact beyond int64
    assert namespace["conv2d_params"](C_in=huge, C_out=3, K=1, s=1, p=0, H=1, W=1, N=1) == 3 * huge + 3


def test_codegen_numpy_to_stdout():
    result = in_process("codegen", "conv2d", "--in-channels", "C_in", "--out-channels", "8", "--kernel-size", "3",
                        "--input", "1,C_in,H,W", "--numpy", "--name", "stem")  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "import numpy as np" in result.stdout and "def stem_macs(" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--output", "x.txt"], "must end in .py"),
        (["--output", "/nonexistent/x.py"], "directory '/nonexistent' does not exist"),
        (["--quantity", "gflops"], "gflops"),
    ],
)
def test_codegen_errors(args, message):
    conv = ["conv2d", "--in-channels", "3", "--out-channels", "3", "--kernel-size", "3", "--input", "1,3,H,W"]
    result = in_process("codegen", *conv, *args)
    assert result.returncode != 0
    assert message in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
