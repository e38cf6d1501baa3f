"""Which command made the files rendered meanwhile: recorded in their header comments.

Kept apart from the renderers so that the command line can record it without loading them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_MADE_BY: ContextVar[str] = ContextVar("made_by", default="symconv's Python API")
_CONTROL = {c: " " for c in [*range(32), 0x7F, 0x85, 0x2028, 0x2029]}


@contextmanager
def made_by(command: str) -> Iterator[None]:
    """Record ``command`` (e.g. ``symconv table ...``) in the header comment of what is rendered meanwhile.

    >>> with made_by("symconv table conv2d --out t.tex"):
    ...     print(command())
    symconv table conv2d --out t.tex
    """
    token = _MADE_BY.set(command.translate(_CONTROL))  # one comment line, whatever the command holds
    try:
        yield
    finally:
        _MADE_BY.reset(token)


def command() -> str:
    """The command recorded by the innermost :func:`made_by`, or "symconv's Python API"."""
    return _MADE_BY.get()
