"""What users read speaks of the product: no issue numbers, branch names or internal history.

Scanned: the README, the docs (notes included: they are published), the LaTeX and code templates,
the rendered derivations, symconv's sources (their docstrings are the API docs) and every
subcommand's ``--help``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from cli_runner import ROOT, in_process

INTERNAL = re.compile(
    r"\bissue\s*#?\d+"  # issue 7, issue #12
    r"|\b(?:branch|merged?)\s+['`\"]?(?:latex|safety|polish|perf|zoo|training|core-tests|checks)\d*\b"
    r"|\bseed\s+0\d\d\b"  # the source articles, not their internal numbers
    r"|(?:\.\./)?shared/[\w-]+\.md"  # files outside the repository
    r"|/work/|\bintegrator\b",
    re.IGNORECASE,
)
SUFFIXES = {".md", ".py", ".tex", ".j2", ".toml"}


def _published() -> list[Path]:
    files = [ROOT / "README.md"]
    for folder in ("docs", "symconv", "derivations"):
        files += [p for p in sorted((ROOT / folder).rglob("*")) if p.suffix in SUFFIXES and "_build" not in p.parts]
    return files


def _subcommands() -> list[str]:
    usage = in_process("--help").stdout
    return re.findall(r"^    (\w+)\s", usage, re.MULTILINE)


def test_the_scan_sees_the_docs_and_the_package():
    names = {p.relative_to(ROOT).as_posix() for p in _published()}
    assert {"README.md", "docs/notes/latex.md", "symconv/cli/__init__.py"} <= names
    assert "symconv/templates/latex/derivation.tex" in names
    assert len(_subcommands()) >= 12


@pytest.mark.parametrize(
    "planted",
    ["fixed in issue 12", "see Issue #7", "the notes from branch core-tests", "merged polish2", "Seed 000's table",
     "(`shared/seed-formulas.md`)", "ask the integrator"],
)  # fmt: skip
def test_the_pattern_catches_internal_history(planted):
    assert INTERNAL.search(planted)


@pytest.mark.parametrize("innocent", ["takes the branch the sizes decide", "seed000_table()", "table-seed001.tex"])
def test_the_pattern_spares_product_words(innocent):
    assert not INTERNAL.search(innocent)


def test_published_text_has_no_internal_history():
    found = []
    for path in _published():
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if INTERNAL.search(line):
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not found, "\n".join(found)


def test_command_help_has_no_internal_history():
    for command in ["", *_subcommands()]:
        text = in_process(*([command] if command else []), "--help").stdout
        assert text, command
        assert not INTERNAL.search(text), (command, INTERNAL.search(text))
