"""Exceptions. Every error a user can cause is a :class:`SymconvError` (a :class:`ValueError`; :class:`WrongType` is
also a :class:`TypeError`) whose message names the parameter and the rule."""

from __future__ import annotations


class SymconvError(ValueError):
    """Base class of symconv's errors."""


class InvalidConfiguration(SymconvError):
    """An operator's hyperparameters or input shape break a rule, e.g. ``groups=3 must divide in_channels=64``."""


class UnknownName(SymconvError):
    """A convention, memory model, quantity or operator name that symconv does not know."""

    def __init__(self, kind: str, name: object, known: list[str]) -> None:
        super().__init__(f"unknown {kind} {name!r}; expected one of: {', '.join(sorted(known))}")


class NotLowerable(SymconvError):
    """An operator or module that symconv has no lowering for."""


class WrongType(SymconvError, TypeError):
    """A value of the wrong type, e.g. ``fused='yes'`` where a bool is required, or ``None`` for a cost."""
