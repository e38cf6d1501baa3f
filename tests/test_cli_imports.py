"""Each ``symconv`` subcommand loads only what it uses: ``symconv cost`` pays for no renderer or code generator."""

from __future__ import annotations

import subprocess
import sys

import pytest
from cli_runner import ROOT

CONV = ["conv2d", "--in-channels", "64", "--out-channels", "128", "--kernel-size", "3", "--input", "1,64,56,56"]
HEAVY = (
    "jinja2",
    "symconv.latex",
    "symconv.codegen",
    "symconv.analysis.seeds",
    "symconv.render.artifacts",
    "symconv.render.pdf",
    "json",
)


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


def _subcommands(parser) -> set[str]:
    return set(parser._subparsers._group_actions[0].choices)


def test_every_subcommand_module_is_listed_and_each_name_builds_its_own_parser():
    import pkgutil

    import symconv.cli
    from symconv.cli import COMMANDS, build_parser

    with_register = set()
    for info in pkgutil.iter_modules(symconv.cli.__path__):
        module = __import__(f"symconv.cli.{info.name}", fromlist=["register"])
        if hasattr(module, "register"):
            with_register.add(info.name)
    assert with_register == set(COMMANDS.values())  # a new command module must be named in COMMANDS
    assert _subcommands(build_parser()) == {"seeds", *COMMANDS}
    for name, module in COMMANDS.items():
        assert name in _subcommands(build_parser([name, "--help"])), (name, module)
