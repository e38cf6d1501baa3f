"""The rendered files: atomic writes, determinism, and derivations/ kept up to date."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from symconv.files import write_atomic
from symconv.render import artifacts

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def rendered() -> dict[str, str]:
    return artifacts.artifacts()


def _leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.rglob("*") if p.name.endswith(".tmp"))


@pytest.mark.parametrize("failing", ["fsync", "replace"])
def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch, failing):
    target = tmp_path / "doc.tex"
    target.write_text("old\n")

    def fail(*args, **kwargs):
        raise OSError(f"injected failure in {failing}")

    monkeypatch.setattr(os, failing, fail)
    with pytest.raises(OSError, match="injected"):
        write_atomic(target, "new\n" * 10_000)
    assert target.read_text() == "old\n"
    assert _leftovers(tmp_path) == []


def test_a_failed_first_write_leaves_no_file(tmp_path, monkeypatch):
    monkeypatch.setattr(os, "replace", lambda *a: (_ for _ in ()).throw(OSError("injected")))
    with pytest.raises(OSError):
        write_atomic(tmp_path / "new.tex", "x")
    assert list(tmp_path.iterdir()) == []


def test_write_artifacts_interrupted_leaves_only_whole_files(tmp_path, monkeypatch, rendered):
    calls = []

    def flaky(path, text):
        calls.append(path)
        if len(calls) == 3:
            raise OSError("injected failure on the third file")
        write_atomic(path, text)

    monkeypatch.setattr(artifacts, "write_atomic", flaky)
    with pytest.raises(OSError, match="third file"):
        artifacts.write_artifacts(tmp_path, rendered)
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert len(written) == 2
    for path in written:
        assert path.read_text() == rendered[str(path.relative_to(tmp_path))]
    assert _leftovers(tmp_path) == []


def test_write_then_check(tmp_path, rendered):
    assert sorted(artifacts.write_artifacts(tmp_path, rendered)) == sorted(rendered)
    assert artifacts.stale(tmp_path, rendered) == []
    assert artifacts.write_artifacts(tmp_path, rendered) == []  # unchanged files are not rewritten
    first = next(iter(rendered))
    (tmp_path / first).write_text("edited by hand\n")
    (tmp_path / "latex" / "orphan.tex").write_text("left over\n")
    (tmp_path / "latex" / "table-seed000.pdf").write_bytes(b"%PDF compiled in place")
    assert artifacts.stale(tmp_path, rendered) == sorted([first, "latex/orphan.tex"])


@pytest.mark.slow
def test_rendering_is_byte_identical_across_processes(tmp_path):
    for seed in ("0", "1"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(REPO)}
        subprocess.run(
            [sys.executable, "-m", "symconv.render.artifacts", "--root", str(tmp_path / seed)],
            check=True,
            cwd=tmp_path,
            env=env,
            capture_output=True,
        )
    first = {str(p.relative_to(tmp_path / "0")): p.read_bytes() for p in (tmp_path / "0").rglob("*") if p.is_file()}
    second = {str(p.relative_to(tmp_path / "1")): p.read_bytes() for p in (tmp_path / "1").rglob("*") if p.is_file()}
    assert first and first == second


def test_no_dates_in_the_output(rendered):
    for path, text in rendered.items():
        assert "\\today" not in text and "\\date" not in text, path


def test_committed_derivations_are_up_to_date(rendered):
    outdated = artifacts.stale(REPO / "derivations", rendered)
    assert outdated == [], f"run `python -m symconv.render.artifacts` to regenerate: {outdated}"
