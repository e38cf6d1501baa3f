"""Calls on meta tensors (a weight standardised in ``forward``), remembered by their arguments' metadata.

A meta tensor has a shape and no data, so what a call on meta tensors gives (its result's
shape, strides and dtype, and which tensors autograd keeps for the backward pass) depends on
the function and its arguments' metadata alone. PyTorch computes some of them slowly
(``batch_norm`` in training mode runs its Python decomposition), and a model computes the same
ones at every block: each is computed once, and replayed as a fresh tensor of the same
metadata, whose kept tensors are the new arguments' (or fresh ones of the same size).
"""

from __future__ import annotations

import operator
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch

from symconv.network.torch_symbolic import Method

#: values that are their own key (hashable and compared by value)
_PLAIN = (int, float, bool, str, type(None), torch.dtype, torch.device, torch.layout, torch.memory_format)


@dataclass(frozen=True)
class _Result:
    """A remembered call's result: its metadata, and what autograd kept computing it.

    ``kept``: per kept storage, its elements and whose it is: ``("argument", elements, i)`` (the ``i``-th
    tensor argument's), ``("result", elements)``, or ``("new", elements)`` (one the call made).
    """

    shape: tuple[int, ...]
    stride: tuple[int, ...]
    dtype: torch.dtype
    requires_grad: bool
    kept: tuple[tuple, ...]


class _Uncacheable(Exception):
    """An argument the result may depend on beyond its metadata (data, an unknown object)."""


_RESULTS: OrderedDict[tuple, _Result] = OrderedDict()
_MOST = 4096


class MetaCalls:
    """Runs calls on meta tensors, remembering each by its arguments' metadata (see the module's docstring).

    ``held`` are the storages of the model's parameters and buffers (autograd keeping them costs
    nothing more); ``fresh`` keeps the tensors made for replayed results alive, so that the
    storages named in ``saved`` stay distinct.
    """

    def __init__(self, held: set[int]) -> None:
        self.held = held
        self.fresh: list[torch.Tensor] = []

    def run(self, call: Callable, args: tuple, kwargs: dict) -> tuple[Any, dict[int, int]]:
        """``call(*args, **kwargs)``, and the storages (id -> elements) autograd kept that the model does not hold."""
        tensors: list[torch.Tensor] = []
        key = _key(call, args, kwargs, tensors, self.held)
        if key is not None and key in _RESULTS:
            _RESULTS.move_to_end(key)
            return self._replay(_RESULTS[key], tensors)
        saved: dict[int, int] = {}

        def keep(t: torch.Tensor) -> torch.Tensor:  # what a training step keeps of a weight computed in forward
            storage = t.untyped_storage()
            if storage._cdata not in self.held:
                saved[storage._cdata] = storage.nbytes() // t.element_size()
            return t

        with torch.autograd.graph.saved_tensors_hooks(keep, lambda t: t):
            result = call(*args, **kwargs)
        if key is not None and isinstance(result, torch.Tensor) and result.device.type == "meta":
            remembered = _remember(result, tensors, saved)
            if remembered is not None:
                _RESULTS[key] = remembered
                if len(_RESULTS) > _MOST:
                    _RESULTS.popitem(last=False)
        return result, saved

    def _replay(self, result: _Result, tensors: list[torch.Tensor]) -> tuple[torch.Tensor, dict[int, int]]:
        tensor = torch.empty_strided(result.shape, result.stride, dtype=result.dtype, device="meta")
        if result.requires_grad:  # computed, not a leaf (a leaf that requires grad refuses in-place writes)
            tensor = tensor.requires_grad_() + 0
        saved: dict[int, int] = {}
        for whose, elements, *argument in result.kept:
            if whose == "argument":
                storage = tensors[argument[0]].untyped_storage()._cdata
            elif whose == "result":
                storage = tensor.untyped_storage()._cdata
            else:
                made = torch.empty(elements, device="meta")
                self.fresh.append(made)
                storage = made.untyped_storage()._cdata
            saved[storage] = elements
        return tensor, saved


def _remember(result: torch.Tensor, tensors: list[torch.Tensor], saved: dict[int, int]) -> _Result | None:
    """What to remember of ``result``; None when it is a view of an argument (its storage is theirs), or
    computed and not contiguous (replayed as a sum, which makes its strides contiguous)."""
    storages = [t.untyped_storage()._cdata for t in tensors]
    mine = result.untyped_storage()._cdata
    if mine in storages or (result.requires_grad and not result.is_contiguous()):
        return None
    kept = []
    for storage, elements in saved.items():
        if storage in storages:
            kept.append(("argument", elements, storages.index(storage)))
        elif storage == mine:
            kept.append(("result", elements))
        else:
            kept.append(("new", elements))
    return _Result(tuple(result.shape), result.stride(), result.dtype, result.requires_grad, tuple(kept))


def _key(call: Callable, args: tuple, kwargs: dict, tensors: list[torch.Tensor], held: set[int]) -> tuple | None:
    """What the call's result depends on, hashable (its tensor arguments appended to ``tensors``); None if more."""
    name = call.name if isinstance(call, Method) else getattr(call, "__name__", "")
    if call is operator.setitem or name.endswith("_") or "out" in kwargs:  # writes into an argument
        return None
    try:
        key = (call, _argument(args, tensors, held), _argument(kwargs, tensors, held))
        hash(key)
    except (_Uncacheable, TypeError):
        return None
    return key


def _argument(value: Any, tensors: list[torch.Tensor], held: set[int]) -> Any:
    if isinstance(value, _PLAIN):
        return (type(value), value)  # 1, 1.0 and True are equal in Python, not as arguments
    if isinstance(value, torch.Tensor):
        if value.device.type != "meta" or type(value) not in (torch.Tensor, torch.nn.Parameter):
            raise _Uncacheable(type(value).__name__)
        storage = value.untyped_storage()._cdata
        same = next((i for i, t in enumerate(tensors) if t.untyped_storage()._cdata == storage), None)
        tensors.append(value)
        return (
            torch.Tensor,
            tuple(value.shape),
            value.stride(),
            value.storage_offset(),
            value.dtype,
            value.requires_grad,
            value.is_leaf,
            storage in held,
            same,  # the storage an earlier argument shares
            value.untyped_storage().nbytes(),
        )
    if isinstance(value, tuple | list | torch.Size):
        return (type(value), tuple(_argument(v, tensors, held) for v in value))
    if isinstance(value, dict):
        return (dict, tuple((k, _argument(v, tensors, held)) for k, v in value.items()))
    if isinstance(value, slice):
        return (slice, _argument((value.start, value.stop, value.step), tensors, held))
    raise _Uncacheable(type(value).__name__)
