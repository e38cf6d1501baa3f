"""Read a ``torch.nn.Module`` into a symconv :class:`~symconv.network.graph.Network` (extra ``symconv[torch]``).

How: ``torch.fx`` traces the module's dataflow without running a kernel (public API,
milliseconds), and symconv replays each node with its own operators as fx records it, so
shapes and costs come from symconv's formulas and the input shape may hold sympy symbols.
Python control flow on sizes takes the branch the sizes decide; one they do not decide, or
one on the data, raises :class:`~symconv.errors.NotLowerable` naming the condition. Forward
hooks would see modules but neither the functional calls (``x + y``, ``torch.cat``,
``matmul``) nor where tensors flow; ``torch.export`` and fake tensors take seconds, and are
used only for the few tensors a model computes from its sizes alone (a position encoding).

Modules are mapped by class (the most specific registered base class wins),
functions by identity, tensor methods by name, all as the operator registry
(:mod:`symconv.ops.registry`) lists them; anything else raises ``NotLowerable``
naming the node, the module and its class. A module called several times is one
layer per call; a parameter shared by several layers is counted once.

The parts: :mod:`~symconv.network.torch_mapping` (which operator stands for a module,
function or method), :mod:`~symconv.network.torch_tracer` (fx tracing, each node replayed
as recorded), :mod:`~symconv.network.torch_replay` (the nodes as symconv layers),
:mod:`~symconv.network.torch_sizes` (arithmetic on sizes), :mod:`~symconv.network.torch_symbolic`
(tensors computed from symbolic sizes), :mod:`~symconv.network.torch_meta` (tensors computed from
parameters) and :mod:`~symconv.core.size_bounds` (conditions on sizes).

What depends on immutable values alone is remembered across calls: a condition on sizes per
relation, a tensor computed from parameters or sizes per function and arguments' metadata
(shapes, strides, dtypes), a module class's mapping per class. Nothing is remembered per model.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from torch import fx, nn

from symconv.core.size_bounds import declared, size_ranges
from symconv.core.sizes import as_size
from symconv.errors import InvalidConfiguration, NotLowerable, SymconvError
from symconv.network.graph import Network, NetworkCost
from symconv.network.torch_mapping import functions, mapped_base, methods, modules
from symconv.network.torch_replay import STRUCTURAL, STRUCTURAL_METHODS, Replay, module_path
from symconv.network.torch_tracer import Tracer, left_as_found

__all__ = [
    "STRUCTURAL",
    "STRUCTURAL_METHODS",
    "CustomCost",
    "Unsupported",
    "from_torch",
    "functions",
    "methods",
    "modules",
    "trace",
]


@dataclass(frozen=True)
class Unsupported:
    """A node of the model symconv could not lower: where (module path and class), and why."""

    node: str
    module: str
    cls: str
    reason: str

    def __str__(self) -> str:
        return f"{self.module or '(top)'} ({self.cls}): {self.reason}"


#: a user module's cost: ``fn(module) -> symconv operator`` (a Network, a Conv2d ...), applied to its inputs
CustomCost = Callable[[nn.Module], Any]


def trace(
    model: nn.Module,
    input_shape: Sequence[object] | Sequence[Sequence[object]],
    *,
    strict: bool = True,
    custom: Mapping[type, CustomCost] | None = None,
    sizes: Mapping[object, tuple[int, int]] | None = None,
) -> tuple[Network, tuple[Unsupported, ...]]:
    """The :class:`Network` of ``model`` on inputs of ``input_shape`` (one shape, or one per input).

    A module called several times is one layer per call (``name``, ``name:2`` ...); a parameter
    shared by several modules or calls (a tied weight) is counted once in ``params``. Nodes that
    cannot be lowered are all listed in one :class:`NotLowerable`, or with ``strict=False``
    returned (counted as zero; the nodes that depend on them are left out too). ``sizes`` declares
    the range of each size symbol the network is for (:func:`from_torch`).
    """
    if not isinstance(model, nn.Module):
        raise InvalidConfiguration(f"model={model!r} must be a torch.nn.Module")
    custom = dict(custom or {})
    for cls, fn in custom.items():
        if not isinstance(cls, type) or not issubclass(cls, nn.Module) or not callable(fn):
            raise InvalidConfiguration(f"custom must map nn.Module classes to functions, got {cls!r}: {fn!r}")
    if mapped_base(model) is not None or type(model) in custom:  # a bare leaf module: one call of it
        model = nn.Sequential(model)
    shapes = _input_shapes(input_shape, _required_inputs(model))
    ranges = size_ranges(sizes, {s for shape in shapes for v in shape for s in v.free_symbols})
    net = Network(type(model).__name__)
    replay = Replay(model, net, custom)
    tracer = replay.tracer = Tracer(custom, replay, shapes)
    try:
        with declared(ranges), left_as_found(model):
            tracer.trace(model)
    except NotLowerable as error:
        raise NotLowerable(f"cannot trace {type(model).__name__}: {error}") from None
    except SymconvError:  # a layer the model builds wrongly, named by the network
        raise
    except Exception as error:  # fx raises TraceError, TypeError, ... on untraceable Python
        raise NotLowerable(f"torch.fx cannot trace {type(model).__name__}: {error}") from None
    unsupported = [_unsupported(model, node, reason) for node, reason in tracer.unsupported]
    if unsupported and strict:
        listing = "\n  ".join(str(u) for u in unsupported)
        raise NotLowerable(
            f"{len(unsupported)} node(s) of {type(model).__name__} have no symconv lowering "
            f"(strict=False counts them as zero; custom= supplies a module's cost):\n  {listing}"
        )
    return net, tuple(unsupported)


def _required_inputs(model: nn.Module) -> int:
    """How many inputs ``model.forward`` needs: optional arguments keep their defaults."""
    parameters = inspect.signature(model.forward).parameters.values()
    return sum(p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) for p in parameters)


def _unsupported(model: nn.Module, node: fx.Node, reason: str) -> Unsupported:
    """Where ``node`` is: its module (a called module, or the innermost module whose forward made it)."""
    path = str(node.target) if node.op == "call_module" else module_path(node)
    try:
        cls = type(model.get_submodule(path)).__name__
    except AttributeError:
        cls = type(model).__name__
    return Unsupported(node.name, path, cls, reason)


def _input_shapes(input_shape, count: int) -> list[tuple[Any, ...]]:
    nested = isinstance(input_shape, Sequence) and input_shape and isinstance(input_shape[0], Sequence)
    shapes = list(input_shape) if nested else [input_shape]
    if len(shapes) != count:
        raise InvalidConfiguration(f"input_shape gives {len(shapes)} input(s); the model's forward takes {count}")
    return [tuple(as_size(v, f"input_shape[{i}]") for i, v in enumerate(s)) for s in shapes]


def from_torch(
    model: nn.Module,
    input_shape: Sequence[object],
    *,
    strict: bool = True,
    custom: Mapping[type, CustomCost] | None = None,
    sizes: Mapping[object, tuple[int, int]] | None = None,
) -> NetworkCost:
    """Per-layer and total cost of ``model`` on ``input_shape`` (ints or sympy symbols, e.g. ``(1, 3, H, W)``).

    Parameters
    ----------
    model : torch.nn.Module
        Traced with ``torch.fx``; its weights are never touched (a meta-device model works).
    input_shape : tuple, or a list of tuples for a forward with several inputs
    strict : bool
        ``True``: one :class:`~symconv.errors.NotLowerable` lists every node that cannot be
        lowered (module path, class, reason). ``False``: those nodes (and the nodes computed
        from them) count as zero, and are listed in the result's ``unsupported``.
    custom : mapping of nn.Module class to function, optional
        ``{MyBlock: fn}``: every ``MyBlock`` is one layer, the operator ``fn(module)`` returns
        (any symconv operator, a :class:`~symconv.network.graph.Network` included).
    sizes : mapping of size symbol to ``(low, high)``, optional
        ``{H: (116, 227), W: (116, 227)}``: the cost is for those sizes only (both ends included;
        keys are symbols of ``input_shape``, or their names). A model whose Python branches on its
        sizes (a window attention that shifts only maps larger than a window) has a cost that is
        piecewise in them; over a range where every branch goes one way it is one closed form.
        Branches are decided over the range, the result records it (``.sizes``), and substituting
        a size outside it raises.

    Returns
    -------
    NetworkCost
        ``.layers`` (name, operator, shapes, Cost) and the totals ``.macs``, ``.params``, ``.memory()``;
        ``.sizes`` the declared ranges.

    Examples
    --------
    >>> import torch
    >>> from symconv.symbols import H, W
    >>> model = torch.nn.Sequential(torch.nn.Conv2d(3, 8, 3, stride=2, padding=1), torch.nn.ReLU())
    >>> from_torch(model, (1, 3, H, W)).macs
    216*ceiling(H/2)*ceiling(W/2)
    >>> class Padded(torch.nn.Sequential):  # pads maps narrower than 7 up to 7 first
    ...     def forward(self, x):
    ...         return super().forward(torch.nn.functional.pad(x, (0, 7 - x.shape[-1])) if x.shape[-1] < 7 else x)
    >>> model = Padded(torch.nn.Conv2d(3, 8, 7))
    >>> from_torch(model, (1, 3, H, W))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    symconv.errors.NotLowerable: cannot trace Padded: ... (true at W=6, false at W=7): ... sizes={W: (7, high)}
    >>> cost = from_torch(model, (1, 3, H, W), sizes={W: (7, 1024)})
    >>> cost.macs, cost.sizes
    (1176*(H - 6)*(W - 6), (SizeRange(symbol=W, low=7, high=1024),))
    """
    network, unsupported = trace(model, input_shape, strict=strict, custom=custom, sizes=sizes)
    ranges = size_ranges(sizes, {s for value in network.inputs for v in value.shape for s in v.free_symbols})
    return replace(network.cost(), unsupported=unsupported).within(ranges)
