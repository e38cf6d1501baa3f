"""torch.fx tracing, with each node replayed onto the network as fx records it.

The replay knows every size while the model's Python runs, so control flow on sizes
(``if x.shape[-1] < 7``) takes the branch the sizes decide, functions kept whole by
``torch.fx.wrap`` are traced into, and item assignment is recorded.
"""

from __future__ import annotations

import bisect
import dis
import inspect
import operator
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import sympy
import torch
from torch import fx, nn
from torch.fx import traceback as fx_traceback
from torch.fx.immutable_collections import immutable_dict

from symconv.core.size_bounds import decide_bounded
from symconv.errors import NotLowerable
from symconv.network.torch_mapping import mapped_base
from symconv.network.torch_replay import PATH, Missing, module_path
from symconv.network.torch_sizes import undecided

if TYPE_CHECKING:
    from collections.abc import Mapping

    from symconv.network.torch_replay import Replay


@contextmanager
def left_as_found(model: nn.Module) -> Iterator[None]:
    """Trace ``model`` and leave its modules' attributes as they were.

    Some models remember what ``forward`` computed (timm's LeViT and EfficientFormer keep their
    attention biases in a dict per module in eval mode): traced, they would keep fx's proxies,
    and fail on every later call, the user's own included.
    """
    saved = [(vars(m), dict(vars(m))) for m in model.modules()]
    contents = [(v, v.copy()) for _, before in saved for v in before.values() if type(v) in (dict, list, set)]
    try:
        yield
    finally:
        for attributes, before in saved:
            attributes.clear()
            attributes.update(before)
        for container, before in contents:
            if isinstance(container, list):
                container[:] = before
            else:
                container.clear()
                container.update(before)


class Tracer(fx.Tracer):
    """fx's tracer, stopping at every module symconv maps (subclasses too, unless they change ``forward``).

    Each node is replayed onto the network as soon as fx records it, so the tracer knows every
    size: Python control flow on sizes (``if x.shape[-1] < 7``) takes the branch the symbolic
    sizes decide, and refuses one they cannot.
    """

    def __init__(self, custom: Mapping[type, Any], replay: Replay | None = None, shapes=()) -> None:
        super().__init__()
        self.custom, self.replay, self.inputs = custom, replay, iter(shapes)
        self.unsupported: list[tuple[fx.Node, str]] = []
        self.replaying = False
        self.names: tuple[dict[int, str], dict[int, str]] | None = None

    def is_leaf_module(self, module: nn.Module, qualified_name: str) -> bool:
        """A module symconv maps (or one ``custom`` costs) is one node; others are traced into."""
        if type(module) in self.custom or mapped_base(module) is not None:
            return True
        return super().is_leaf_module(module, qualified_name)

    def create_node(self, kind, target, args, kwargs, name=None, type_expr=None) -> fx.Node:
        """fx's node, replayed onto the network at once (not while the replay itself reads the model).

        Of what fx records beside the node, only the innermost module's path is kept (``module_path``);
        fx copies the whole module stack and more for each node.
        """
        if fx_traceback.has_preserved_node_meta() or self.record_stack_traces or self.check_mutable_operations:
            node = super().create_node(kind, target, args, kwargs, name, type_expr)
        else:
            node = _append(self.graph, kind, target, args, kwargs, name, type_expr)
        if self.module_stack:
            node.meta[PATH] = next(reversed(self.module_stack.values()))[0]
        if self.replay is not None and not self.replaying:
            self.replaying = True  # the replay reads modules' parameters: as themselves, not as new nodes
            try:
                self.replay.node(node, self.inputs, self.unsupported)
            finally:
                self.replaying = False
        return node

    def getattr(self, attr: str, attr_val: Any, parameter_proxy_cache: dict) -> Any:
        """fx's, with the tensors' names looked up in a table (fx walks every parameter at each read)."""
        if self.replaying or not isinstance(attr_val, torch.Tensor):
            return attr_val
        parameters, buffers = self.tensor_names()
        name = parameters.get(id(attr_val)) if isinstance(attr_val, nn.Parameter) else None
        if name is None and self.proxy_buffer_attributes:
            name = buffers.get(id(attr_val))
        if name is None:
            return attr_val
        if name not in parameter_proxy_cache:
            parameter_proxy_cache[name] = self.create_proxy("get_attr", name, (), {})
        return parameter_proxy_cache[name]

    def create_arg(self, a: Any) -> Any:
        """fx's, with a parameter or buffer passed as an argument found by its id (fx walks them all).

        The arguments models pass most (proxies, numbers, tuples and lists of them) take a short path.
        """
        kind = type(a)
        if kind in _PLAIN:
            return a
        if kind is _Proxy:
            return a.node
        if kind is tuple:
            return tuple([self.create_arg(v) for v in a])
        if kind is list:
            return [self.create_arg(v) for v in a]
        if isinstance(a, torch.Tensor):
            parameters, buffers = self.tensor_names()
            name = parameters.get(id(a)) if isinstance(a, nn.Parameter) else buffers.get(id(a))
            if name is not None:
                return self.create_node("get_attr", name, (), {})
        return super().create_arg(a)

    def tensor_names(self) -> tuple[dict[int, str], dict[int, str]]:
        """id of each parameter, and of each buffer, of the root module -> its first name (as fx finds it)."""
        if self.names is None and self.replay is not None:  # the replay has walked the model already
            self.names = tuple(
                {key: name for key, (name, _) in table.items()}
                for table in (self.replay.parameter_names, self.replay.buffer_names)
            )
        if self.names is None:
            self.names = ({}, {})
            for table, tensors in zip(
                self.names, (self.root.named_parameters(), self.root.named_buffers()), strict=True
            ):
                for name, tensor in tensors:
                    table.setdefault(id(tensor), name)
        return self.names

    def proxy(self, node: fx.Node) -> fx.Proxy:
        """fx's proxy, with item assignment recorded."""
        return _Proxy(node, self)

    def inline(self, node: fx.Node) -> Any:
        """Trace into the Python function ``node`` calls (one ``torch.fx.wrap`` keeps whole): its value."""
        args, kwargs = fx.node.map_arg((node.args, node.kwargs), self.proxy)
        replaying, self.replaying = self.replaying, False
        try:
            result = node.target(*args, **kwargs)
        finally:
            self.replaying = replaying
        return _values_of(result, self.replay.env)

    def to_bool(self, obj: fx.Proxy) -> bool:
        """The truth of a condition on sizes, for every size given; refused when they do not decide it."""
        value = self.replay.env.get(obj.node) if self.replay is not None else None
        if isinstance(value, Missing) and self.unsupported:
            raise NotLowerable(
                "the model's Python control flow depends on a value symconv cannot compute "
                f"(the tensor's data, or an unsupported node): {self.unsupported[-1][1]}"
            )
        truth = decide_bounded(value) if isinstance(value, bool | sympy.Basic) else None
        if truth is None:
            path = module_path(obj.node)
            module = dict(self.root.named_modules()).get(path) if path else None
            where = f" in {path} ({type(module).__name__})" if module is not None else ""
            raise NotLowerable(
                f"the model's Python control flow depends on {value} (node {obj.node.name!r}{where}), "
                f"{undecided(value)}"
            )
        return truth

    def iter(self, obj: fx.Proxy):
        """Iterating a tuple of sizes or values (``h, w = x.shape[-2:]``): one proxy per item."""
        value = self.replay.env.get(obj.node) if self.replay is not None else None
        if not isinstance(value, tuple | list):
            return super().iter(obj)
        return iter([obj[i] for i in range(len(value))])


#: whether fx's graph has the internals :func:`_append` relies on (else it calls fx's public ``create_node``)
_FAST_APPEND = all(
    hasattr(fx.Graph(), a)
    for a in ("_graph_namespace", "_insert", "_find_nodes_lookup_table", "_len", "_target_to_str")
)


def _append(graph: fx.Graph, kind, target, args, kwargs, name, type_expr) -> fx.Node:
    """``graph.create_node``, named and linked as fx does, without its scan of the arguments for SymInts.

    The scan warns of a raw ``SymInt`` argument, which this tracer never records (its sizes are sympy's),
    and costs about a tenth of tracing a model.
    """
    if not _FAST_APPEND or graph.owning_module is not None:
        return graph.create_node(kind, target, args, kwargs, name, type_expr)
    unique = graph._graph_namespace.create_name(name if name is not None else graph._target_to_str(target), None)
    node = fx.Node(graph, unique, kind, target, args or (), kwargs or immutable_dict(), type_expr)
    graph._graph_namespace.associate_name_with_obj(unique, node)
    graph._insert(node)
    graph._find_nodes_lookup_table.insert(node)
    graph._len += 1
    return node


#: argument types fx records as they are
_PLAIN = frozenset((int, float, bool, str, type(None), torch.dtype, torch.device, torch.memory_format, torch.layout))


class _Iterable:
    """Iterating a proxy of a tuple of sizes or values: one proxy per item, its length the replay's.

    fx reads the caller's bytecode for an unpacking (``a, b = x.shape``) first, which costs more than
    the rest of the node; here it is read only for a value of unknown length (a tensor).
    """

    def __iter__(self):
        replay = getattr(self.tracer, "replay", None)
        value = replay.env.get(self.node) if replay is not None else None
        if isinstance(value, tuple | list):
            return iter([self[i] for i in range(len(value))])
        caller = inspect.currentframe().f_back
        instructions = list(dis.get_instructions(caller.f_code))
        at = bisect.bisect_left(instructions, caller.f_lasti, key=lambda i: i.offset)
        if instructions[at].opname == "UNPACK_SEQUENCE":
            return (self[i] for i in range(instructions[at].argval))
        return self.tracer.iter(self)


class _Proxy(_Iterable, fx.Proxy):
    """fx's proxy, recording item assignment (``mask[:h, :w] = k``) as an ``operator.setitem`` node."""

    def __setitem__(self, key: Any, value: Any) -> None:
        self.tracer.create_proxy("call_function", operator.setitem, (self, key, value), {})

    def __getattr__(self, k: str) -> fx.proxy.Attribute:
        return _Attribute(self, k)


class _Attribute(_Iterable, fx.proxy.Attribute):
    """fx's attribute of a proxy (``x.shape``), iterated as :class:`_Proxy` is."""


def _values_of(result: Any, env: dict) -> Any:
    """``result`` of traced Python code with each proxy replaced by the value the replay gave its node."""
    if isinstance(result, fx.Proxy):
        return env[result.node]
    if isinstance(result, tuple | list):
        return type(result)(_values_of(r, env) for r in result)
    return result
