"""Writing generated files atomically: a reader sees the old file or the new one, never a part.

Examples
--------
>>> import pathlib, tempfile
>>> root = pathlib.Path(tempfile.mkdtemp())
>>> write_atomic(root / "sub" / "a.tex", "x\\n")
>>> (root / "sub" / "a.tex").read_text()
'x\\n'
"""

from __future__ import annotations

import contextlib
import glob
import os
import tempfile
from pathlib import Path


def write_atomic(path: str | os.PathLike[str], text: str) -> None:
    """Write ``text`` (UTF-8, ``\\n`` line ends) to ``path`` through a temporary file in the same directory.

    The temporary file is renamed over ``path`` with :func:`os.replace` only once it is
    complete and flushed to disk; on any error it is removed and ``path`` is untouched.
    """
    write_bytes_atomic(path, text.encode("utf-8"))


def write_bytes_atomic(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``path`` atomically, as :func:`write_atomic` does (figures, PDFs).

    An error names ``path``, not the temporary file. The temporary file is called
    ``.NAME.PID.XXXX.tmp``: one left behind by a killed writer (its process gone) is
    removed by the next write of the same file.
    """
    target = Path(path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        _remove_stale(target)
        _write(target, data)
    except OSError as error:
        raise type(error)(error.errno, error.strerror or str(error), str(target)) from None


def _remove_stale(target: Path) -> None:
    """Delete temporary files of ``target`` whose writing process no longer exists."""
    for leftover in target.parent.glob(f".{glob.escape(target.name)}.*.tmp"):
        pid = leftover.name[len(target.name) + 2 :].split(".", 1)[0]
        if pid.isdigit() and not _alive(int(pid)):
            with contextlib.suppress(OSError):
                leftover.unlink()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def _write(target: Path, data: bytes) -> None:
    fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.{os.getpid()}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
