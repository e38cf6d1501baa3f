"""Which symconv operator stands for a PyTorch module, function or tensor method: the registry's names, resolved.

Modules are mapped by class (the most specific registered base class wins; a subclass that
changes ``forward`` is traced into instead), functions by identity, tensor methods by name,
all as the operator registry (:mod:`symconv.ops.registry`) lists them.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from functools import cache, lru_cache
from typing import Any

from torch import nn

from symconv.errors import NotLowerable
from symconv.ops import registry
from symconv.ops.registry import Registration


def _resolve(dotted: str) -> Any:
    module, _, name = dotted.rpartition(".")
    return getattr(importlib.import_module(module), name)


@cache
def modules() -> dict[type, Registration]:
    """PyTorch module class -> registration (from the registry's dotted names)."""
    return {_resolve(name): entry for entry in registry.registrations() for name in entry.modules()}


@cache
def functions() -> dict[Callable, tuple[str, Registration]]:
    """PyTorch (and ``operator``) function -> (its name, registration)."""
    return {
        _resolve(name): (name.rpartition(".")[2], entry)
        for entry in registry.registrations()
        for name in entry.functions()
    }


@cache
def methods() -> dict[str, Registration]:
    """Tensor method name -> registration."""
    return {name: entry for entry in registry.registrations() for name in entry.methods()}


def module_operator(name: str, module: nn.Module) -> Any:
    table = modules()
    for cls in type(module).__mro__:  # the most specific registered class
        if cls in table:
            return table[cls].from_module(module)
    raise NotLowerable(
        f"module {name!r} ({type(module).__name__}) has no symconv lowering; "
        f"supported: {', '.join(sorted(_public_name(c) for c in table))}"
    )


def _public_name(cls: type) -> str:
    """The name users write: ``Dropout`` for ``_DropoutNd`` (the public subclasses share its mapping)."""
    if not cls.__name__.startswith("_"):
        return cls.__name__
    public = [c.__name__ for c in cls.__subclasses__() if not c.__name__.startswith("_")]
    return "/".join(sorted(public)) or cls.__name__.lstrip("_")


def mapped_base(module: nn.Module) -> type | None:
    """The registered class ``module`` is an instance of, if its ``forward`` is that class's (else traced into)."""
    return _mapped_base(type(module), type(module).forward)


@lru_cache(maxsize=1024)  # asked at every module call while tracing; keyed by the forward too, should a class's change
def _mapped_base(kind: type, forward: Callable) -> type | None:
    table = modules()
    for cls in kind.__mro__:
        if cls in table:
            return cls if forward is cls.forward else None
    return None
