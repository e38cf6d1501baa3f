"""Each ``symconv`` subcommand loads only what it uses: ``symconv cost`` pays for no renderer or code generator."""

from __future__ import annotations

import subprocess
import sys

import pytest
from cli_runner import ROOT

CONV = ["conv2d", "--in-channels", "64", "--out-channels", "128", "--kernel-size", "3", "--input", "1,64,56,56"]
HEAVY = ("jinja2", "symconv.latex", "symconv.codegen", "symconv.seeds", "symconv.artifacts", "symconv.pdf", "json")


def loaded_after(argv: list[str]) -> set[str]:
    """The modules loaded by running ``symconv ARGV`` in a fresh interpreter."""
    script = (
        "import contextlib, io, sys\n"
        "from symconv.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    assert main({argv!r}) == 0\n"
        "print('\\n'.join(sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True)
    return set(result.stdout.split())


@pytest.mark.slow
def test_cost_loads_no_renderer_or_code_generator():
    loaded = loaded_after(["cost", *CONV])
    assert "symconv.cli.cost" in loaded
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))
    assert "symconv.cli.render" not in loaded and "symconv.cli.generate" not in loaded


@pytest.mark.slow
def test_latex_output_loads_the_renderer_when_asked():
    assert "symconv.latex" in loaded_after(["cost", *CONV, "--format", "latex"])


@pytest.mark.slow
def test_codegen_loads_the_code_generator():
    assert "jinja2" in loaded_after(["codegen", *CONV])
