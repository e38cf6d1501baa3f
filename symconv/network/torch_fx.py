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
functions by identity, tensor methods by name; anything else raises
``NotLowerable`` naming the node, the module and its class.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence
from typing import Any

import sympy
import torch
import torch.nn.functional as F
from torch import fx, nn

import symconv.ops as ops
from symconv.errors import InvalidConfiguration, NotLowerable
from symconv.intfuncs import CeilDiv
from symconv.network import layers, merge
from symconv.network.graph import Network, NetworkCost, Value
from symconv.sizes import as_size

# ---- modules -> operators ---------------------------------------------------------------------------------


def _conv(m: nn.Module) -> ops.Operator:
    cls = {1: ops.Conv1d, 2: ops.Conv2d, 3: ops.Conv3d}[len(m.kernel_size)]
    return cls(
        m.in_channels, m.out_channels, m.kernel_size, m.stride, m.padding, m.dilation, m.groups,
        bias=m.bias is not None, padding_mode=m.padding_mode,
    )  # fmt: skip


def _conv_transpose(m: nn.Module) -> ops.Operator:
    cls = {1: ops.ConvTranspose1d, 2: ops.ConvTranspose2d, 3: ops.ConvTranspose3d}[len(m.kernel_size)]
    return cls(
        m.in_channels, m.out_channels, m.kernel_size, m.stride, m.padding, m.output_padding, m.groups,
        bias=m.bias is not None, dilation=m.dilation, padding_mode=m.padding_mode,
    )  # fmt: skip


def _batchnorm(m: nn.Module) -> ops.Operator:
    cls = {nn.BatchNorm1d: layers.BatchNorm1d, nn.BatchNorm2d: layers.BatchNorm2d, nn.BatchNorm3d: layers.BatchNorm3d}
    return next(v for k, v in cls.items() if isinstance(m, k))(m.num_features, affine=m.affine)


def _pool(family: dict[int, type]) -> Callable[[nn.Module], ops.Operator]:
    def convert(m: nn.Module) -> ops.Operator:
        dims = next(d for d, cls in family.items() if type(m).__name__.endswith(f"{d}d"))
        if isinstance(m, nn.modules.pooling._MaxPoolNd):
            return family[dims](m.kernel_size, m.stride, m.padding, m.dilation, m.ceil_mode)
        if m.divisor_override is not None:
            raise InvalidConfiguration(f"divisor_override={m.divisor_override} is not supported")
        return family[dims](m.kernel_size, m.stride, m.padding, m.ceil_mode, m.count_include_pad)

    return convert


def _adaptive(m: nn.Module) -> ops.Operator:
    cls = {"1d": layers.AdaptiveAvgPool1d, "2d": layers.AdaptiveAvgPool2d, "3d": layers.AdaptiveAvgPool3d}
    return cls[type(m).__name__[-2:]](m.output_size)


ACTIVATIONS = (
    nn.ReLU, nn.ReLU6, nn.SiLU, nn.GELU, nn.Hardswish, nn.Hardsigmoid, nn.Sigmoid, nn.Tanh, nn.LeakyReLU,
    nn.ELU, nn.Mish, nn.PReLU,
)  # fmt: skip

MODULES: dict[type, Callable[[nn.Module], Any]] = {
    nn.modules.conv._ConvNd: _conv,
    nn.modules.conv._ConvTransposeNd: _conv_transpose,
    nn.Linear: lambda m: ops.Linear(m.in_features, m.out_features, bias=m.bias is not None),
    nn.modules.batchnorm._BatchNorm: _batchnorm,
    nn.modules.pooling._MaxPoolNd: _pool({1: layers.MaxPool1d, 2: layers.MaxPool2d, 3: layers.MaxPool3d}),
    nn.modules.pooling._AvgPoolNd: _pool({1: layers.AvgPool1d, 2: layers.AvgPool2d, 3: layers.AvgPool3d}),
    nn.modules.pooling._AdaptiveAvgPoolNd: _adaptive,
    nn.Flatten: lambda m: layers.Flatten(m.start_dim, m.end_dim),
    nn.Identity: lambda m: layers.Identity(),
    nn.modules.dropout._DropoutNd: lambda m: layers.Identity(),
    **{cls: (lambda m: layers.Activation(type(m).__name__)) for cls in ACTIVATIONS},
}


def _module_operator(name: str, module: nn.Module) -> Any:
    for cls in type(module).__mro__:  # the most specific registered class
        if cls in MODULES:
            return MODULES[cls](module)
    raise NotLowerable(
        f"module {name!r} ({type(module).__name__}) has no symconv lowering; "
        f"supported: {', '.join(sorted(c.__name__ for c in MODULES))}"
    )


# ---- functions and tensor methods -------------------------------------------------------------------------


class _Replay:
    """Replays an fx graph onto a :class:`Network`; ``env`` maps nodes to Values, sizes or tuples of them."""

    def __init__(self, module: nn.Module, net: Network) -> None:
        self.module, self.net, self.env = module, net, {}

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

    # function handlers: (replay, node name, *args, **kwargs) -> env value

    def add(self, name, a, b, alpha=1):
        if not (isinstance(a, Value) and isinstance(b, Value)):
            return _scalar(name, operator.add, a, b)
        return self.layer(name, merge.Add(), a, b)

    def mul(self, name, a, b):
        if not (isinstance(a, Value) and isinstance(b, Value)):
            return _scalar(name, operator.mul, a, b)
        return self.layer(name, merge.Multiply(), a, b)

    def cat(self, name, tensors, dim=0):
        return self.layer(name, merge.Concat(dim), *tensors)

    def matmul(self, name, a, b):
        return self.layer(name, merge.Matmul(), a, b)

    def flatten(self, name, x, start_dim=0, end_dim=-1):
        return self.layer(name, layers.Flatten(start_dim, end_dim), x)

    def flatten_method(self, name, x, start_dim=0, end_dim=-1):
        return self.flatten(name, x, start_dim, end_dim)

    def identity(self, name, x, *args, **kwargs):
        return x

    def adaptive_avg_pool(self, name, x, output_size):
        cls = {3: layers.AdaptiveAvgPool1d, 4: layers.AdaptiveAvgPool2d, 5: layers.AdaptiveAvgPool3d}[len(x.shape)]
        return self.layer(name, cls(output_size), x)

    def mean(self, name, x, dim, keepdim=False):
        return self.layer(name, layers.Mean(dim, keepdim), x)

    def view(self, name, x, *shape):
        if len(shape) == 1 and isinstance(shape[0], tuple | list):
            shape = tuple(shape[0])
        return self.layer(name, layers.Reshape(*shape), x)

    def transpose(self, name, x, dim0, dim1):
        return self.layer(name, layers.Transpose(dim0, dim1), x)

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
            sizes = [sizes] * int(CeilDiv(length, sizes))
        starts = [sum(sizes[:i]) for i in range(len(sizes))]
        return tuple(
            self.layer(f"{name}.{i}", layers.Slice(dim, start, start + size), x)
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
        return self.layer(name, layers.Slice(dim, start, stop), x)


def _activation(kind: str) -> Callable:
    """The handler of an activation function or method ``kind`` (no arithmetic counted, one read and write)."""

    def handler(replay: _Replay, name: str, x: Any, *args: Any, **kwargs: Any) -> Value:
        return replay.layer(name, layers.Activation(kind), x)

    return handler


FUNCTIONS: dict[Callable, Callable] = {
    operator.add: _Replay.add,
    operator.iadd: _Replay.add,
    torch.add: _Replay.add,
    operator.mul: _Replay.mul,
    torch.mul: _Replay.mul,
    torch.cat: _Replay.cat,
    torch.concat: _Replay.cat,
    operator.matmul: _Replay.matmul,
    torch.matmul: _Replay.matmul,
    torch.bmm: _Replay.matmul,
    torch.flatten: _Replay.flatten,
    torch.relu: _activation("relu"),
    F.relu: _activation("relu"),
    F.relu6: _activation("relu6"),
    F.silu: _activation("silu"),
    F.gelu: _activation("gelu"),
    torch.sigmoid: _activation("sigmoid"),
    F.dropout: _Replay.identity,
    F.adaptive_avg_pool2d: _Replay.adaptive_avg_pool,
    torch.mean: _Replay.mean,
    torch.reshape: _Replay.view,
    torch.transpose: _Replay.transpose,
    torch.split: _Replay.split,
    torch.chunk: _Replay.chunk,
    operator.getitem: _Replay.getitem,
    getattr: _Replay.getattr,
}

METHODS: dict[str, Callable] = {
    "add": _Replay.add,
    "add_": _Replay.add,
    "mul": _Replay.mul,
    "matmul": _Replay.matmul,
    "bmm": _Replay.matmul,
    "flatten": _Replay.flatten_method,
    "relu": _activation("relu"),
    "relu_": _activation("relu"),
    "sigmoid": _activation("sigmoid"),
    "mean": _Replay.mean,
    "view": _Replay.view,
    "reshape": _Replay.view,
    "transpose": _Replay.transpose,
    "size": _Replay.size,
    "contiguous": _Replay.identity,
    "split": _Replay.split,
    "chunk": _Replay.chunk,
}


def _scalar(name: str, fn: Callable, a: Any, b: Any) -> Any:
    if isinstance(a, Value) or isinstance(b, Value):
        raise NotLowerable(f"node {name!r}: {fn.__name__} of a tensor and a scalar is not supported")
    return fn(a, b)


# ---- the entry point --------------------------------------------------------------------------------------


def trace(model: nn.Module, input_shape: Sequence[object] | Sequence[Sequence[object]]) -> Network:
    """The :class:`Network` of ``model`` on inputs of ``input_shape`` (one shape, or one per input)."""
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
        op = _module_operator(node.target, replay.module.get_submodule(node.target))
        return replay.layer(node.target, op, *args)
    table, key = (FUNCTIONS, node.target) if node.op == "call_function" else (METHODS, node.target)
    if node.op in ("call_function", "call_method") and key in table:
        return table[key](replay, node.name, *args, **kwargs)
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
