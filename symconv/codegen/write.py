"""Writing the generated modules of the built-in operators under ``derivations/``, atomically."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from symconv.codegen import artifacts


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same directory and ``os.replace``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as file:
            file.write(text)
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise


def write_artifacts(root: Path) -> list[Path]:
    """Regenerate every codegen artifact under ``root`` (the ``derivations/`` folder); return the paths written."""
    written = []
    for relative, text in artifacts().items():
        write_atomic(root / relative, text)
        written.append(root / relative)
    return written
