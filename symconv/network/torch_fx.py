"""Read a ``torch.nn.Module`` into a symconv :class:`~symconv.network.graph.Network` (extra ``symconv[torch]``).

How: ``torch.fx.symbolic_trace`` records the module's dataflow graph without
running a kernel (public API, milliseconds); symconv then replays the graph with
its own operators, so shapes and costs come from symconv's formulas and the input
shape may hold sympy symbols. Forward hooks would see modules but neither the
functional calls (``x + y``, ``torch.cat``, ``matmul``) nor where tensors flow;
``torch.export`` and fake tensors lean on PyTorch's private shape machinery and take
seconds. A module fx cannot trace (data-dependent control flow) raises
:class:`~symconv.errors.NotLowerable` with fx's reason.

Modules are mapped by class (the most specific registered base class wins),
functions by identity, tensor methods by name, all as the operator registry
(:mod:`symconv.ops.registry`) lists them; anything else raises ``NotLowerable``
naming the node, the module and its class. A module called several times is one
layer per call; a parameter shared by several layers is counted once.
"""

from __future__ import annotations

import importlib
import operator
from collections.abc import Callable, Sequence
from functools import cache
from typing import Any

import sympy
import torch
import torch.nn.functional as F
from torch import fx, nn

from symconv.errors import InvalidConfiguration, NotLowerable
from symconv.network.graph import Network, NetworkCost, Value
from symconv.ops import registry
from symconv.ops.registry import Registration
from symconv.ops.shape import Slice
from symconv.sizes import as_size

# ---- the registry's PyTorch counterparts, resolved ---------------------------------------------------------


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


def _module_operator(name: str, module: nn.Module) -> Any:
    table = modules()
    for cls in type(module).__mro__:  # the most specific registered class
        if cls in table:
            return table[cls].from_module(module)
    raise NotLowerable(
        f"module {name!r} ({type(module).__name__}) has no symconv lowering; "
        f"supported: {', '.join(sorted(c.__name__ for c in table))}"
    )


# ---- functions and tensor methods -------------------------------------------------------------------------


class _Replay:
    """Replays an fx graph onto a :class:`Network`; ``env`` maps nodes to Values, sizes or tuples of them."""

    def __init__(self, module: nn.Module, net: Network) -> None:
        self.module, self.net, self.env = module, net, {}
        self.calls: dict[str, int] = {}
        self.parameters: dict[int, str] = {}  # id of a torch parameter -> the first layer tensor holding it

    def module_call(self, target: str, *args: Any) -> Value:
        """A call of a submodule: one layer per call; its parameters tied to where they were first seen."""
        module = self.module.get_submodule(target)
        self.calls[target] = self.calls.get(target, 0) + 1
        name = target if self.calls[target] == 1 else f"{target}:{self.calls[target]}"
        output = self.layer(name, _module_operator(target, module), *args)
        for tensor, parameter in module.named_parameters(recurse=False):
            first = self.parameters.setdefault(id(parameter), f"{name}.{tensor}")
            if first != f"{name}.{tensor}":
                self.net.tie(f"{name}.{tensor}", first)
        return output

    def value(self, arg: Any) -> Any:
        if isinstance(arg, fx.Node):
            return self.env[arg]
        if isinstance(arg, tuple | list):
            return type(arg)(self.value(a) for a in arg)
        return arg

    def layer(self, name: str, op: Any, *inputs: Any) -> Value:
        for v in inputs:
            if not isinstance(v, Value):
                raise NotLowerable(f"node {name!r}: {op!r} applied to {v!r}, not a tensor of the network")
        return self.net(name, op, *inputs)

    def registered(self, name: str, entry: Registration, what: str, *args: Any, **kwargs: Any) -> Any:
        """A call of a registered operator's function or method: one layer, its tensor arguments its inputs."""
        tensors = [v for v in _flat((*args, *kwargs.values())) if isinstance(v, Value)]
        if not tensors:
            if what in _SCALAR:
                return _SCALAR[what](*args)
            raise NotLowerable(f"node {name!r}: {what} of no tensor is not supported")
        if what in _SCALAR and len(tensors) != len(args[:2]):
            raise NotLowerable(f"node {name!r}: {what} of a tensor and a scalar is not supported")
        return self.layer(name, entry.from_call(what, *args, **kwargs), *tensors)

    # structural handlers: (replay, node name, *args, **kwargs) -> env value

    def identity(self, name, x, *args, **kwargs):
        return x

    def size(self, name, x, dim=None):
        return x.shape if dim is None else x.shape[dim]

    def getattr(self, name, x, attr):
        if attr == "shape" and isinstance(x, Value):
            return x.shape
        raise NotLowerable(f"node {name!r}: attribute {attr!r} of {x!r} is not supported")

    def getitem(self, name, x, index):
        if isinstance(x, tuple | list):
            return x[index]
        if isinstance(x, Value):
            return self._slice(name, x, index)
        raise NotLowerable(f"node {name!r}: indexing {x!r}")

    def split(self, name, x, sizes, dim=0):
        length = x.shape[dim]
        if isinstance(sizes, int | sympy.Expr):
            sizes = [sizes] * int(sympy.ceiling(length / sizes))
        starts = [sum(sizes[:i]) for i in range(len(sizes))]
        return tuple(
            self.layer(f"{name}.{i}", Slice(dim, start, start + size), x)
            for i, (start, size) in enumerate(zip(starts, sizes, strict=True))
        )

    def chunk(self, name, x, chunks, dim=0):
        length = x.shape[dim]
        if not length.is_Integer:
            raise NotLowerable(f"node {name!r}: chunk of a symbolic dimension {length}")
        return self.split(name, x, -(-int(length) // chunks), dim)

    def _slice(self, name, x, index):
        index = index if isinstance(index, tuple) else (index,)
        parts = [(d, i) for d, i in enumerate(index) if i != slice(None)]
        if len(parts) != 1 or not isinstance(parts[0][1], slice) or parts[0][1].step not in (None, 1):
            raise NotLowerable(f"node {name!r}: only one contiguous slice per index is supported, got {index!r}")
        dim, part = parts[0]
        start = 0 if part.start is None else part.start
        stop = x.shape[dim] if part.stop is None else part.stop
        return self.layer(name, Slice(dim, start, stop), x)


_SCALAR: dict[str, Callable] = {"add": operator.add, "iadd": operator.add, "mul": operator.mul}


def _flat(values: Any) -> list[Any]:
    out = []
    for v in values:
        out += _flat(v) if isinstance(v, tuple | list) else [v]
    return out


#: calls that pass their tensor through, or work on sizes rather than tensors
STRUCTURAL: dict[Callable, Callable] = {
    F.dropout: _Replay.identity,
    torch.split: _Replay.split,
    torch.chunk: _Replay.chunk,
    operator.getitem: _Replay.getitem,
    getattr: _Replay.getattr,
}
STRUCTURAL_METHODS: dict[str, Callable] = {
    "size": _Replay.size,
    "contiguous": _Replay.identity,
    "split": _Replay.split,
    "chunk": _Replay.chunk,
}


# ---- the entry point --------------------------------------------------------------------------------------


def trace(model: nn.Module, input_shape: Sequence[object] | Sequence[Sequence[object]]) -> Network:
    """The :class:`Network` of ``model`` on inputs of ``input_shape`` (one shape, or one per input).

    A module called several times is one layer per call (``name``, ``name:2`` ...); a parameter
    shared by several modules or calls (a tied weight) is counted once in ``params``.
    """
    if not isinstance(model, nn.Module):
        raise InvalidConfiguration(f"model={model!r} must be a torch.nn.Module")
    try:
        graph = fx.symbolic_trace(model).graph
    except Exception as error:  # fx raises TraceError, TypeError, ... on untraceable Python
        raise NotLowerable(f"torch.fx cannot trace {type(model).__name__}: {error}") from None
    placeholders = [n for n in graph.nodes if n.op == "placeholder"]
    shapes = _input_shapes(input_shape, len(placeholders))
    net = Network(type(model).__name__)
    replay = _Replay(model, net)
    inputs = iter(shapes)
    for node in graph.nodes:
        replay.env[node] = _run(replay, node, inputs)
    return net


def _run(replay: _Replay, node: fx.Node, inputs) -> Any:
    if node.op == "placeholder":
        return replay.net.input(next(inputs), node.name)
    if node.op == "output":
        return None
    args, kwargs = replay.value(node.args), {k: replay.value(v) for k, v in node.kwargs.items()}
    if node.op == "call_module":
        return replay.module_call(node.target, *args)
    if node.op == "call_function" and node.target in STRUCTURAL:
        return STRUCTURAL[node.target](replay, node.name, *args, **kwargs)
    if node.op == "call_method" and node.target in STRUCTURAL_METHODS:
        return STRUCTURAL_METHODS[node.target](replay, node.name, *args, **kwargs)
    if node.op == "call_function" and node.target in functions():
        what, entry = functions()[node.target]
        return replay.registered(node.name, entry, what, *args, **kwargs)
    if node.op == "call_method" and node.target in methods():
        return replay.registered(node.name, methods()[node.target], node.target.rstrip("_"), *args, **kwargs)
    what = getattr(node.target, "__name__", node.target)
    raise NotLowerable(f"node {node.name!r}: {node.op} {what!r} has no symconv lowering")


def _input_shapes(input_shape, count: int) -> list[tuple[Any, ...]]:
    nested = isinstance(input_shape, Sequence) and input_shape and isinstance(input_shape[0], Sequence)
    shapes = list(input_shape) if nested else [input_shape]
    if len(shapes) != count:
        raise InvalidConfiguration(f"input_shape gives {len(shapes)} input(s); the model's forward takes {count}")
    return [tuple(as_size(v, f"input_shape[{i}]") for i, v in enumerate(s)) for s in shapes]


def from_torch(model: nn.Module, input_shape: Sequence[object]) -> NetworkCost:
    """Per-layer and total cost of ``model`` on ``input_shape`` (ints or sympy symbols, e.g. ``(1, 3, H, W)``).

    Parameters
    ----------
    model : torch.nn.Module
        Traced with ``torch.fx``; its weights are never touched (a meta-device model works).
    input_shape : tuple, or a list of tuples for a forward with several inputs

    Returns
    -------
    NetworkCost
        ``.layers`` (name, operator, shapes, Cost) and the totals ``.macs``, ``.params``, ``.memory()``.

    Examples
    --------
    >>> import torch
    >>> from symconv.symbols import H, W
    >>> model = torch.nn.Sequential(torch.nn.Conv2d(3, 8, 3, stride=2, padding=1), torch.nn.ReLU())
    >>> from_torch(model, (1, 3, H, W)).macs
    216*ceiling(H/2)*ceiling(W/2)
    """
    return trace(model, input_shape).cost()
