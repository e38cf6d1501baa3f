"""The README's examples run, and say what they claim (checked against arithmetic written here)."""

import re
from pathlib import Path

import sympy

from symconv.symbols import C_out, K

README = Path(__file__).resolve().parents[1] / "README.md"


def run_readme() -> dict:
    namespace: dict = {}
    for block in re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S):
        exec(block, namespace)
    return namespace


def test_readme_examples_hold():
    ns = run_readme()
    assert sympy.expand(ns["dw"].macs / ns["std"].macs - (1 / C_out + 1 / K**2)) == 0  # MobileNet's factor
    assert ns["symconv"].Conv2d(64, 128, 3, padding=1).cost((1, 64, 56, 56)).flops == 2 * 128 * 64 * 9 * 56 * 56
    # DWConv (unfused) - standard conv memory = C_in*C_out*(1 - K**2) + 2*C_in*H*W + C_in*K**2
    # = C_in*(6281 - 8*C_out) at H = W = 56, K = 3: positive exactly for C_out <= 785
    assert ns["found"].greater == sympy.Range(1, 786)
    assert 8 * 785 < 6281 < 8 * 786
    # training: a first layer's backward is its grad weight, one GEMM of the forward's size
    assert ns["first"].ratio() == 1 and sympy.expand(ns["step"].backward.macs - 2 * ns["step"].forward.macs) == 0
