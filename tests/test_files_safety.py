"""Atomic writes: errors name the file asked for, and temporary files left by a killed writer are removed."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest
from cli_runner import in_process

from symconv import files
from symconv.files import write_atomic


def test_a_write_error_names_the_real_file(tmp_path: Path):
    target = tmp_path / "table.tex"
    target.mkdir()  # os.replace cannot put a file over a directory
    with pytest.raises(OSError) as caught:
        write_atomic(target, "x")
    assert caught.value.filename == str(target)
    assert list(tmp_path.glob(".*.tmp")) == []


def test_a_full_disk_names_the_real_file(tmp_path: Path, monkeypatch):
    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(files.os, "fsync", full)
    target = tmp_path / "t.tex"
    with pytest.raises(OSError) as caught:
        write_atomic(target, "x")
    assert caught.value.errno == errno.ENOSPC and caught.value.filename == str(target)
    assert not target.exists() and list(tmp_path.glob(".*.tmp")) == []


def test_leftovers_of_a_dead_writer_are_removed_on_the_next_write(tmp_path: Path):
    dead = 2**22 + 12345  # above the usual pid_max: no such process
    while True:
        try:
            os.kill(dead, 0)
        except ProcessLookupError:
            break
        except PermissionError:
            pass
        dead += 1
    leftover = tmp_path / f".t.tex.{dead}.abcd1234.tmp"
    leftover.write_text("half")
    alive = tmp_path / f".t.tex.{os.getpid()}.efgh5678.tmp"  # a write in progress: kept
    alive.write_text("busy")
    other = tmp_path / f".u.tex.{dead}.abcd1234.tmp"  # another file's: not ours to judge now
    other.write_text("half")
    write_atomic(tmp_path / "t.tex", "done")
    assert (tmp_path / "t.tex").read_text() == "done"
    assert not leftover.exists() and alive.exists() and other.exists()


def test_the_command_line_reports_the_real_file_on_one_line(tmp_path: Path):
    target = tmp_path / "out.tex"
    target.mkdir()
    result = in_process(
        "table", "conv2d", "--in-channels", "4", "--out-channels", "8", "--kernel-size", "3",
        "--input", "1,4,9,9", "--output", str(target),
    )  # fmt: skip
    assert result.returncode != 0
    assert str(target) in result.stderr and ".tmp" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_results_beyond_python_int_str_limit_print(tmp_path: Path):
    result = in_process(
        "cost", "linear", "--in-features", "10**2200", "--out-features", "10**2200", "--input", "1,10**2200"
    )
    assert result.returncode == 0, result.stderr
    assert str(10**4400) in result.stdout
