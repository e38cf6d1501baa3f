"""Running the real ``symconv`` command in a subprocess: ``python -m symconv`` and, when installed, the console script.

The console script is looked for next to the running Python (a venv's ``bin/``,
whether or not it is activated) and on ``PATH``. CI installs the package
(``pip install -e .``), so there it must exist: ``test_cli_cost.py`` fails when
``CI`` is set and it does not.
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def console_script() -> str | None:
    """The installed ``symconv`` script: beside ``sys.executable`` (venv), else on ``PATH``."""
    search = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    return shutil.which("symconv", path=search)


def launchers() -> list[tuple[str, ...]]:
    """The commands that start symconv: the module always, the console script when installed."""
    script = console_script()
    return [(sys.executable, "-m", "symconv"), *([(script,)] if script else [])]


@dataclass(frozen=True)
class Result:
    returncode: int
    stdout: str
    stderr: str


def run(launcher: tuple[str, ...], *args: str, cwd: Path | None = None) -> Result:
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    done = subprocess.run(
        [*launcher, *args], capture_output=True, text=True, cwd=cwd or ROOT, env=env, timeout=300, check=False
    )
    return Result(done.returncode, done.stdout, done.stderr)


def in_process(*args: str) -> Result:
    """``symconv ARGS`` run by ``symconv.cli.main`` in this process (fast; for the large tables of cases)."""
    from symconv.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(list(args))
        except SystemExit as exit_:  # argparse: --help, usage errors
            code = exit_.code if isinstance(exit_.code, int) else 1
    return Result(code, out.getvalue(), err.getvalue())
