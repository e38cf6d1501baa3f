"""The docs: every `>>>` and `$ symconv ...` example runs, and Sphinx builds with warnings as errors."""

from __future__ import annotations

import doctest
import importlib.util
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from cli_runner import ROOT, launchers, run

DOCS = ROOT / "docs"
SKIP = {"_build", "_generated", "generated"}
PAGES = sorted(p for p in DOCS.rglob("*.md") if not SKIP & set(p.relative_to(DOCS).parts))
FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
PYCON = re.compile(r"^ *```pycon\n(.*?)^ *```", re.MULTILINE | re.DOTALL)
CONSOLE = re.compile(r"^ *```console\n(.*?)^ *```", re.MULTILINE | re.DOTALL)


def page_id(page: Path) -> str:
    return str(page.relative_to(DOCS))


def python_examples(page: Path) -> str:
    """The page's ```` ```pycon ```` blocks, one after another (a page is one namespace, like a session)."""
    return "\n\n".join(PYCON.findall(page.read_text()))


PAGES_WITH_PYTHON = [page for page in PAGES if python_examples(page)]


@pytest.mark.parametrize("page", PAGES_WITH_PYTHON, ids=page_id)
def test_python_examples_run(page, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)  # examples that write files write them here
    test = doctest.DocTestParser().get_doctest(python_examples(page), {}, page_id(page), str(page), 0)
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    result = runner.run(test)
    assert result.attempted > 0
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples in {page_id(page)} failed"


def console_examples(page: Path) -> list[tuple[list[str], str]]:
    """``$ symconv ARGS`` lines of ```` ```console ```` blocks, each with the output shown under it."""
    examples = []
    for block in CONSOLE.findall(page.read_text()):
        for chunk in re.split(r"^(?=\$ )", block, flags=re.MULTILINE):
            if chunk.startswith("$ symconv "):
                command, _, output = chunk.partition("\n")
                examples.append((shlex.split(command[2:])[1:], output))
    return examples


CONSOLE_EXAMPLES = [(page, args, output) for page in PAGES for args, output in console_examples(page)]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("page", "args", "expected"), CONSOLE_EXAMPLES, ids=[f"{page_id(p)}:{a[0]}" for p, a, _ in CONSOLE_EXAMPLES]
)
def test_console_examples_run(page, args, expected, tmp_path):
    if args[0] == "model":
        pytest.importorskip("torch")
    for example in (DOCS / "examples").glob("*.py"):  # the files the examples name (shown with literalinclude)
        shutil.copy(example, tmp_path)
    result = run(launchers()[-1], *args, cwd=tmp_path)
    failing = ": error: " in expected  # an example of an error shows the one line on stderr
    assert (result.returncode != 0) == failing, result.stderr
    shown = result.stdout + result.stderr
    assert doctest.OutputChecker().check_output(expected, shown, FLAGS), f"$ symconv {shlex.join(args)}\n{shown}"


def require(module: str) -> None:
    """Skip without the docs extra, except in CI, which installs it."""
    if importlib.util.find_spec(module) is None:
        if os.environ.get("CI"):
            pytest.fail(f"{module} is not installed (pip install -e '.[docs]')")
        pytest.skip(f"{module} is not installed")


@pytest.mark.slow
def test_sphinx_builds_without_warnings(tmp_path):
    for module in ("sphinx", "myst_parser", "furo", "matplotlib"):
        require(module)
    done = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html", str(DOCS), str(tmp_path / "html")],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    index = (tmp_path / "html" / "index.html").read_text()
    assert "symconv" in index
