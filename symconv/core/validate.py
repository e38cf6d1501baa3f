"""Type checks at the public entry points: the wrong kind of argument is a :class:`~symconv.errors.WrongType`.

Each check names the parameter and what it must be, so a caller never meets an
``AttributeError`` from deep inside symconv, sympy or NumPy.

>>> mapping(3, "rows", "row labels to costs")
Traceback (most recent call last):
...
symconv.errors.WrongType: rows=3 must be a mapping of row labels to costs
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from symconv.errors import WrongType


def mapping(value: object, name: str, what: str) -> Mapping:
    """``value`` if it is a mapping (``what`` says of what to what)."""
    if not isinstance(value, Mapping):
        raise WrongType(f"{name}={_short(value)} must be a mapping of {what}")
    return value


def items(value: object, name: str, what: str) -> list:
    """``value`` as a list, if it is a list-like of ``what`` (a string is not)."""
    if isinstance(value, str | bytes | Mapping) or not isinstance(value, Iterable):
        raise WrongType(f"{name}={_short(value)} must be a list of {what}")
    return list(value)


def shape(value: object, name: str) -> Sequence:
    """``value`` if it is a tuple or list (of sizes, checked by whoever takes them)."""
    if isinstance(value, str | bytes) or not isinstance(value, Sequence):
        raise WrongType(f"{name}={_short(value)} must be a tuple of sizes")
    return value


def flag(value: object, name: str) -> bool:
    """``value`` if it is ``True`` or ``False`` (as PyTorch's flags: ``'yes'`` or ``1`` is not a flag).

    >>> flag("yes", "fused")
    Traceback (most recent call last):
    ...
    symconv.errors.WrongType: fused='yes' must be True or False
    """
    if not isinstance(value, bool):
        raise WrongType(f"{name}={_short(value)} must be True or False")
    return value


def text(value: object, name: str) -> str:
    if not isinstance(value, str):
        raise WrongType(f"{name}={_short(value)} must be a string")
    return value


def of_type(value: object, kind: type | tuple[type, ...], name: str, what: str) -> object:
    if not isinstance(value, kind):
        raise WrongType(f"{name}={_short(value)} must be {what}")
    return value


def _short(value: object) -> str:
    shown = repr(value)
    return shown if len(shown) <= 80 else shown[:60] + "..."
