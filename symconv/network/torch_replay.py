"""Replaying an fx graph's nodes with symconv's operators: shapes and costs from symconv's formulas.

``env`` maps each node to its value: a network :class:`~symconv.network.graph.Value`, a size
(sympy), a tuple of them, a parameter or buffer read in ``forward`` (or a tensor computed from
them, or from sizes alone, by torch), or a missing value downstream of an unsupported node.
"""

from __future__ import annotations

import inspect
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sympy
import torch
import torch.nn.functional as F
from torch import fx, nn

from symconv.core.intfuncs import CeilDiv
from symconv.core.size_bounds import decide_bounded
from symconv.errors import InvalidConfiguration, NotLowerable
from symconv.network.graph import Network, Value
from symconv.network.torch_mapping import functions, methods, module_operator
from symconv.network.torch_meta import MetaCalls
from symconv.network.torch_sizes import SIZE_FUNCTIONS, ceiling_form
from symconv.network.torch_symbolic import Method, SymbolicSizes
from symconv.ops.base import Operator
from symconv.ops.constant import Constant
from symconv.ops.conv import Conv1d, Conv2d, Conv3d
from symconv.ops.elementwise import Activation, Add, Multiply, Scalar
from symconv.ops.linear import Linear
from symconv.ops.matmul import Matmul
from symconv.ops.norm import BatchNorm2d, GroupNorm, LayerNorm
from symconv.ops.pool import AvgPool1d, AvgPool2d, AvgPool3d, MaxPool1d, MaxPool2d, MaxPool3d, Norm
from symconv.ops.registry import Registration
from symconv.ops.shape import Contiguous, Expand, Permute, Reshape, Select, Slice, Transpose
from symconv.ops.softmax import Softmax

if TYPE_CHECKING:
    from symconv.network.torch_tracer import Tracer


@dataclass(frozen=True)
class _Parameter:
    """A parameter or buffer read in ``forward`` (an fx ``get_attr``), or a tensor torch computed from them.

    ``sources`` are the parameters a computed tensor was made from (empty for one read directly).
    """

    name: str
    tensor: torch.Tensor
    sources: tuple[_Parameter, ...] = ()
    sizes: tuple[sympy.Expr, ...] | None = None  # a fake tensor's shape in symconv's symbols
    saved: tuple[tuple[int, int], ...] = ()  # (storage, elements) autograd kept while computing it

    @property
    def shape(self) -> tuple[sympy.Expr, ...]:
        return self.sizes if self.sizes is not None else tuple(sympy.Integer(v) for v in self.tensor.shape)

    @property
    def ndim(self) -> int:
        return self.tensor.ndim


# ---- functions and tensor methods -------------------------------------------------------------------------


class Replay:
    """Replays an fx graph onto a :class:`Network`; ``env`` maps nodes to Values, sizes or tuples of them."""

    def __init__(self, module: nn.Module, net: Network, custom: Mapping[type, Any]) -> None:
        self.module, self.net, self.env, self.custom = module, net, {}, custom
        self.calls: dict[str, int] = {}
        self.parameters: dict[int, str] = {}  # id of a torch parameter -> the first layer tensor holding it
        self.constants: dict[int, Value] = {}  # id of a parameter read in forward -> the layer holding it
        # one walk of the model: path -> submodule; id of each parameter, and of each buffer -> (its first name, it)
        self.modules: dict[str, nn.Module] = dict(module.named_modules(remove_duplicate=False))
        self.parameter_names: dict[int, tuple[str, torch.Tensor]] = {}
        self.buffer_names: dict[int, tuple[str, torch.Tensor]] = {}
        for path, submodule in self.modules.items():
            for table, tensors in (
                (self.parameter_names, submodule._parameters),
                (self.buffer_names, submodule._buffers),
            ):
                for name, tensor in tensors.items():
                    if tensor is not None and id(tensor) not in table:
                        table[id(tensor)] = (f"{path}.{name}" if path else name, tensor)
        self.model_parameters = set(self.parameter_names)
        self.kept: dict[int, int] = {}  # storages autograd keeps computing tensors from parameters
        tensors = (t for _, t in (*self.parameter_names.values(), *self.buffer_names.values()))
        self.held = {t.untyped_storage()._cdata for t in tensors}
        self.meta = MetaCalls(self.held)  # calls on parameters' meta tensors, remembered by metadata
        first = next(iter(self.parameter_names.values()), None)
        self.device = first[1].device if first is not None else torch.device("cpu")  # where tensors are made
        self._symbolic: SymbolicSizes | None = None
        self.dimensions: set[sympy.Expr] = set()  # sizes read from the network's tensors: each at least 1
        self.tracer: Tracer | None = None  # set while tracing: it traces into wrapped functions

    def node(self, node: fx.Node, inputs, unsupported: list) -> None:
        """Replay one node as fx records it; an unsupported one (and what depends on it) has no value."""
        if any(isinstance(self.env.get(n), Missing) for n in node.all_input_nodes):
            self.env[node] = Missing(node.name)  # downstream of an unsupported node: no shape to go on
            return
        try:
            self.env[node] = _run(self, node, inputs)
        except NotLowerable as error:
            unsupported.append((node, str(error)))
            self.env[node] = Missing(node.name)

    def module_call(self, target: str, *args: Any, **kwargs: Any) -> Value:
        """A call of a submodule: one layer per call; its parameters tied to where they were first seen."""
        module = self.submodule(target)
        self.calls[target] = self.calls.get(target, 0) + 1
        name = target if self.calls[target] == 1 else f"{target}:{self.calls[target]}"
        if isinstance(module, nn.MultiheadAttention):
            return self.multihead_attention(name, module, *args, **kwargs)
        if type(module) in self.custom:
            op = self.custom[type(module)](module)
            if not isinstance(op, Operator):
                raise InvalidConfiguration(f"custom cost of {type(module).__name__} returned {op!r}, not an operator")
        else:
            op = module_operator(target, module)
        output = self.layer(name, op, *(self.tensor(a) if isinstance(a, _Parameter) else a for a in args))
        for tensor, parameter in module.named_parameters(recurse=False):
            self.own(f"{name}.{tensor}", parameter)
        return output

    def submodule(self, path: str) -> nn.Module:
        """The module at ``path`` (``""``: the model), from a table (while fx traces, each attribute read is slow)."""
        return self.modules[path] if path in self.modules else self.module.get_submodule(path)

    def value(self, arg: Any) -> Any:
        if isinstance(arg, fx.Node):
            return self.env[arg]
        if isinstance(arg, tuple | list):
            return type(arg)(self.value(a) for a in arg)
        if isinstance(arg, slice):  # x[:, :h] with h a size of the graph
            return slice(self.value(arg.start), self.value(arg.stop), self.value(arg.step))
        return arg

    def layer(self, name: str, op: Any, *inputs: Any) -> Value:
        for v in inputs:
            if not isinstance(v, Value):
                raise NotLowerable(f"node {name!r}: {op!r} applied to {v!r}, not a tensor of the network")
        return self.net(name, op, *inputs)

    def registered(self, name: str, entry: Registration, what: str, *args: Any, **kwargs: Any) -> Any:
        """A call of a registered operator's function or method: one layer, its tensor arguments its inputs."""
        tensors = [v for v in _flat((*args, *kwargs.values())) if isinstance(v, Value | _Parameter)]
        if not tensors:
            if what in _SCALAR:
                return _SCALAR[what](*args)
            raise NotLowerable(f"node {name!r}: {what} of no tensor is not supported")
        tensors = [self.tensor(t) for t in tensors]
        if what in _SCALAR and len(tensors) != len(args[:2]):
            if not all(isinstance(a, Value | _Parameter | int | float | sympy.Expr) for a in args[:2]):
                raise NotLowerable(f"node {name!r}: {what} of {args[:2]!r} is not supported")
            return self.layer(name, Scalar(_SCALAR_NAMES.get(what, what)), *tensors)
        args = tuple(self.tensor(a) if isinstance(a, _Parameter) else a for a in args)
        return self.layer(name, entry.from_call(what, *args, **kwargs), *tensors)

    def tensor(self, value: Value | _Parameter) -> Value:
        """A network value: a parameter read in ``forward`` becomes a layer holding it (its params counted once)."""
        if isinstance(value, Value):
            return value
        key = id(value.tensor)
        if key not in self.constants:
            counted = key in self.model_parameters  # a buffer, or a tensor computed from parameters: no params
            sources = [self.tensor(source) for source in value.sources]  # their parameters counted once, first read
            self.constants[key] = self._constant(value, counted, sources)
            if counted:
                self.own(f"{value.name}.weight", value.tensor)
        return self.constants[key]

    def keep(self, key: str, layer: str, storages: tuple[tuple[int, int], ...]) -> None:
        """Record what autograd keeps computing a tensor from parameters in forward, each storage once."""
        new = {storage: elements for storage, elements in storages if storage not in self.kept}
        if new:
            self.kept.update(new)
            self.net.computed[key] = (layer, sum(new.values()))

    def _constant(self, value: _Parameter, counted: bool, sources: list[Value]) -> Value:
        """The layer holding a tensor read in ``forward``. One computed from a parameter takes that parameter's
        layer as its nominal input (a gradient flows there in training); a view of it is a view of that layer."""
        if not sources or counted:
            held = self.layer(value.name, Constant(value.shape, counted), self.net.inputs[0])
            if not counted and not self._model_storage(value.tensor):
                self.net.fresh[held.name] = self._storage_elements(value)
            return held
        source = value.sources[0].tensor
        shared = value.tensor.untyped_storage()._cdata == source.untyped_storage()._cdata
        if shared and value.tensor.numel() == source.numel():
            return self.layer(value.name, Reshape(value.shape), sources[0])
        return self.layer(value.name, Constant(value.shape, counted), sources[0])

    def _model_storage(self, tensor: torch.Tensor) -> bool:
        """Whether ``tensor`` lives in a parameter's or buffer's storage (a fake tensor, made from sizes, does not)."""
        try:
            return tensor.untyped_storage()._cdata in self.held
        except (RuntimeError, NotImplementedError):
            return False

    @staticmethod
    def _storage_elements(value: _Parameter) -> object:
        """Elements of the storage a computed tensor lives in (an expanded one: fewer than its shape's)."""
        if value.sizes is not None:  # a fake tensor of symbolic size
            return sympy.Mul(*value.sizes)
        return sympy.Integer(value.tensor.untyped_storage().nbytes() // value.tensor.element_size())

    # structural handlers: (replay, node name, *args, **kwargs) -> env value

    def identity(self, name, x, *args, **kwargs):
        return x

    def size(self, name, x, dim=None):
        if isinstance(x, Value):
            self.dimensions.update(x.shape)
        return x.shape if dim is None else x.shape[dim]

    def dim(self, name, x):
        return len(x.shape)

    def unbind(self, name, x, dim=0):
        length = x.shape[dim]
        if not length.is_Integer:
            raise NotLowerable(f"node {name!r}: unbind of a symbolic dimension {length}")
        return tuple(self.layer(f"{name}.{i}", Select(dim, i), x) for i in range(int(length)))

    def getattr(self, name, x, attr):
        if attr == "shape" and isinstance(x, Value | _Parameter):
            if isinstance(x, Value):
                self.dimensions.update(x.shape)
            return x.shape
        if attr == "ndim" and isinstance(x, Value | _Parameter):
            return len(x.shape)
        if attr == "device" and isinstance(x, Value | _Parameter):
            return x.tensor.device if isinstance(x, _Parameter) else self.device
        if attr == "dtype" and isinstance(x, Value | _Parameter):
            return x.tensor.dtype if isinstance(x, _Parameter) else torch.get_default_dtype()
        raise NotLowerable(f"node {name!r}: attribute {attr!r} of {x!r} is not supported")

    def getitem(self, name, x, index):
        if isinstance(x, tuple | list):
            return x[index]
        if isinstance(x, Value) and isinstance(index, int):
            return self.layer(name, Select(0, index), x)
        if isinstance(x, Value):
            return self._slice(name, x, index)
        raise NotLowerable(f"node {name!r}: indexing {x!r}")

    def split(self, name, x, sizes, dim=0):
        length = x.shape[dim]
        if isinstance(sizes, int | sympy.Expr):
            sizes = [sizes] * int(CeilDiv(length, sizes))
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

    def check(self, name, condition, message=None):
        """``torch._assert`` on sizes: refused when it provably fails, kept when it holds or is undecidable."""
        if condition is False or condition is sympy.false:
            raise NotLowerable(f"node {name!r}: the model's assertion fails on this input: {message}")

    def with_parameters(self, name, op, x, **parameters):
        """A layer from a functional call whose weight and bias are the module's (read in ``forward``)."""
        for tensor, parameter in parameters.items():
            if isinstance(parameter, Value):
                raise NotLowerable(f"node {name!r}: a {tensor} computed in forward is not supported")
        output = self.layer(name, op, x)
        for tensor, parameter in parameters.items():
            if not isinstance(parameter, _Parameter):
                continue
            if id(parameter.tensor) in self.model_parameters:
                self.own(f"{name}.{tensor}", parameter.tensor)
                continue
            # computed from parameters (a standardised weight): the layer's tensor stands for its source of the
            # same size; the others (a gain) are held by layers of their own
            same = [p for p in parameter.sources if p.tensor.numel() == parameter.tensor.numel()]
            if len(same) != 1:
                raise NotLowerable(f"node {name!r}: a {tensor} computed from parameters none of which it stands for")
            self.own(f"{name}.{tensor}", same[0].tensor)
            # autograd keeps the computed tensor (not a parameter) and what computing it kept
            result = (parameter.tensor.untyped_storage()._cdata, parameter.tensor.numel())
            self.keep(f"{name}:{tensor}", name, (*parameter.saved, result))
            for other in parameter.sources:
                if other is not same[0]:
                    self.tensor(other)
        return output

    def batch_norm(self, name, x, mean, var, weight=None, bias=None, *args, **kwargs):
        """``F.batch_norm`` in eval mode, its weight and bias read from the module (``BatchNormAct2d``)."""
        if len(x.shape) != 4:
            raise NotLowerable(f"node {name!r}: batch_norm of a {len(x.shape)}-dimensional input")
        op = BatchNorm2d(x.shape[1], affine=weight is not None)
        return self.with_parameters(name, op, x, weight=weight, bias=bias)

    def layer_norm(self, name, x, normalized_shape, weight=None, bias=None, eps=1e-5):
        op = LayerNorm(normalized_shape, weight is not None)
        return self.with_parameters(name, op, x, weight=weight, bias=bias)

    def group_norm(self, name, x, num_groups, weight=None, bias=None, eps=1e-5):
        op = GroupNorm(num_groups, x.shape[1], weight is not None)
        return self.with_parameters(name, op, x, weight=weight, bias=bias)

    def linear(self, name, x, weight, bias=None):
        op = Linear(weight.shape[1], weight.shape[0], bias is not None)
        return self.with_parameters(name, op, x, weight=weight, bias=bias)

    def conv(self, name, x, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
        if isinstance(padding, str):
            raise NotLowerable(f"node {name!r}: padding={padding!r} is not supported")
        cls = {3: Conv1d, 4: Conv2d, 5: Conv3d}[len(weight.shape)]
        channels = weight.shape[1] * groups
        op = cls(channels, weight.shape[0], weight.shape[2:], stride, padding, dilation, groups, bias is not None)
        return self.with_parameters(name, op, x, weight=weight, bias=bias)

    def attention(self, name, q, k, v, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None, **kwargs):
        """``F.scaled_dot_product_attention`` as PyTorch's math: ``softmax((q c) (k^T c)) v`` with ``c = sqrt(scale)``
        (two batched GEMMs; the scaled ``q`` and ``k^T`` are what autograd keeps for the first)."""
        if attn_mask is not None or is_causal or kwargs.get("enable_gqa"):
            raise NotLowerable(f"node {name!r}: attention with a mask or grouped queries is not supported")
        queries = self.layer(f"{name}.scale_queries", Scalar("mul"), q)
        keys = self.layer(f"{name}.keys", Transpose(-2, -1), k)
        keys = self.layer(f"{name}.scale_keys", Scalar("mul"), keys)
        scores = self.layer(f"{name}.scores", Matmul(), queries, keys)
        weights = self.layer(f"{name}.softmax", Softmax(-1), scores)
        return self.layer(name, Matmul(), weights, v)

    def multihead_attention(self, name, module, query, key, value, key_padding_mask=None, need_weights=True, **kw):
        """``nn.MultiheadAttention`` as PyTorch's math: packed input projection, attention per head, output one."""
        if not (module.batch_first and query is key is value and module._qkv_same_embed_dim):
            raise NotLowerable(
                f"node {name!r}: MultiheadAttention is supported batch-first, on one input (self-attention)"
            )
        if key_padding_mask is not None or kw.get("attn_mask") is not None or need_weights:
            raise NotLowerable(f"node {name!r}: MultiheadAttention with masks or need_weights=True is not supported")
        n, length, embed = query.shape
        heads = module.num_heads
        packed = self.layer(f"{name}.in_proj", Linear(embed, 3 * embed, module.in_proj_bias is not None), query)
        self.own(f"{name}.in_proj.weight", module.in_proj_weight)
        if module.in_proj_bias is not None:
            self.own(f"{name}.in_proj.bias", module.in_proj_bias)
        split = self.layer(f"{name}.heads", Reshape((n, length, 3, heads, embed // heads)), packed)
        heads_first = self.layer(f"{name}.permute", Permute((2, 0, 3, 1, 4)), split)
        q, k, v = self.unbind(f"{name}.qkv", self.layer(f"{name}.contiguous", Contiguous(), heads_first))
        attended = self.attention(f"{name}.attention", q, k, v)
        merged = self.layer(f"{name}.merge", Permute((0, 2, 1, 3)), attended)
        merged = self.layer(f"{name}.concat", Reshape((n, length, embed)), merged)
        out_proj = module.out_proj
        output = self.layer(f"{name}.out_proj", Linear(embed, embed, out_proj.bias is not None), merged)
        for tensor, parameter in out_proj.named_parameters():
            self.own(f"{name}.out_proj.{tensor}", parameter)
        return (output, None)

    def fold(self, node: fx.Node, args: Any, kwargs: dict) -> _Parameter:
        """A call on parameters and buffers only (a relative position bias): run by torch on their (meta) tensors."""
        sources = {}
        for read in _flat((*args, *kwargs.values())):
            if isinstance(read, _Parameter):
                counted = id(read.tensor) in self.model_parameters
                sources.update({id(p.tensor): p for p in ((read,) if counted else read.sources)})
        saved = dict(p for read in _flat((*args, *kwargs.values())) if isinstance(read, _Parameter) for p in read.saved)
        concrete = _tensors(args)
        named = {k: _tensors(v) for k, v in kwargs.items()}
        call = Method(node.target) if node.op == "call_method" else node.target
        if _fills_slices(call, concrete):
            return None
        if _symbolic((concrete, named)):  # sizes or tensors of symbolic size: PyTorch's fake tensors shape it
            what = f"node {node.name!r}: {_callable_name(node.target)}"
            result = self.symbolic().run(call, concrete, named, what, frozenset(self.dimensions))
        else:
            try:
                result, kept = self.meta.run(call, concrete, named)
            except (TypeError, ValueError, RuntimeError) as error:
                what = f"node {node.name!r}: {_callable_name(node.target)}"
                raise NotLowerable(f"{what} of constants cannot be computed: {error}") from None
            saved.update(kept)
        if result is None and node.target is operator.setitem:  # filled in place (a mask): its shape is kept
            return None
        if not isinstance(result, torch.Tensor):
            raise NotLowerable(f"node {node.name!r}: {node.target} of parameters gives {type(result).__name__}")
        sizes = tuple(self.symbolic().size(v) for v in result.shape) if _symbolic(result.shape) else None
        return _Parameter(node.name, result, tuple(sources.values()), sizes, tuple(saved.items()))

    def symbolic(self) -> SymbolicSizes:
        """PyTorch's fake tensors for tensors computed from symbolic sizes (made when first needed)."""
        if self._symbolic is None:
            self._symbolic = SymbolicSizes()
        return self._symbolic

    def unsqueeze(self, name, x, dim):
        """``x.unsqueeze(dim)``: a view with a new dimension of size 1."""
        shape = list(x.shape)
        at = dim + len(shape) + 1 if dim < 0 else dim
        if not 0 <= at <= len(shape):
            raise NotLowerable(f"node {name!r}: unsqueeze({dim}) of a {len(shape)}-dimensional tensor")
        return self.layer(name, Reshape((*shape[:at], 1, *shape[at:])), x)

    def repeat(self, name, x, *factors):
        """``x.repeat(*factors)``: the tensor itself when every factor is 1; otherwise as PyTorch makes it, ``x``
        expanded over the repeats (a view) and copied into a tensor of its own (a position encoding repeated
        over the batch)."""
        factors = tuple(factors[0]) if len(factors) == 1 and isinstance(factors[0], tuple | list) else factors
        if len(factors) < len(x.shape):
            raise NotLowerable(f"node {name!r}: repeat{tuple(factors)} names fewer dimensions than {x.shape}")
        if all(decide_bounded(sympy.Eq(f, 1)) is True for f in factors):
            return x
        shape = (1,) * (len(factors) - len(x.shape)) + tuple(x.shape)
        tiled = [size for f, s in zip(factors, shape, strict=True) for size in (f, s)]  # each dim (repeats, size)
        x = self.layer(f"{name}.split", Reshape(tuple(v for s in shape for v in (1, s))), x)
        x = self.layer(f"{name}.expand", Expand(tiled), x)
        x = self.layer(f"{name}.copy", Contiguous(), x)
        return self.layer(name, Reshape(tuple(f * s for f, s in zip(factors, shape, strict=True))), x)

    def new_tensor(self, name, x, size, *args, **kwargs):
        """``x.new_zeros(size)`` and its kind: a tensor of ``size``, whatever ``x`` holds."""
        return self.fold(_Call(name, torch.zeros), (size,), {"device": "meta"})

    def expand(self, name, x, *sizes):
        sizes = tuple(sizes[0]) if len(sizes) == 1 and isinstance(sizes[0], tuple | list) else sizes
        return self.layer(name, Expand(sizes), self.tensor(x))

    def own(self, tensor_name: str, parameter: torch.Tensor) -> None:
        """Record that the layer tensor ``tensor_name`` is ``parameter``: tied if another layer holds it already."""
        first = self.parameters.setdefault(id(parameter), tensor_name)
        if first != tensor_name:
            self.net.tie(tensor_name, first)

    def cat(self, name, tensors, dim=0):
        if len(tensors) == 1:
            return tensors[0]
        return self.registered(name, functions()[torch.cat][1], "cat", tensors, dim)

    def reshape_as(self, name, x, other):
        return self.layer(name, Reshape(other.shape), x)

    def permute(self, name, x, *dims):
        dims = tuple(dims[0]) if len(dims) == 1 and isinstance(dims[0], tuple | list) else dims
        return self.layer(name, Permute(dims), x)

    def _slice(self, name, x, index):
        """``x[index]`` of integers, contiguous slices and one ``...``: one view per indexed dimension."""
        index = index if isinstance(index, tuple) else (index,)
        if index.count(Ellipsis) == 1:
            at = index.index(Ellipsis)
            index = (*index[:at], *[slice(None)] * (len(x.shape) - len(index) + 1), *index[at + 1 :])
        views = []
        for dim, part in enumerate(index):
            if isinstance(part, int):
                views.append(Select(dim, part))
            elif isinstance(part, slice) and part != slice(None):
                start = 0 if part.start is None else part.start
                stop = x.shape[dim] if part.stop is None else part.stop
                if decide_bounded(sympy.Ge(stop, x.shape[dim])) is True:  # x[:, :H] of a map padded past H
                    stop = x.shape[dim]
                if (isinstance(start, int) and start < 0) or (isinstance(stop, int) and stop < 0):
                    raise NotLowerable(f"node {name!r}: negative slice bounds are not supported, got {index!r}")
                views.append(Slice(dim, start, stop, 1 if part.step is None else part.step))
            elif part != slice(None):
                raise NotLowerable(f"node {name!r}: indexing by {part!r} is not supported")
        if not views:
            return x
        for k, view in enumerate(reversed(views)):  # last dimension first: the earlier ones keep their place
            x = self.layer(name if k == len(views) - 1 else f"{name}.{k}", view, x)
        return x

    def normalize(self, name, x, p=2.0, dim=1, eps=1e-12, out=None):
        """``F.normalize``, as PyTorch computes it: ``x / x.norm(p, dim, keepdim=True).clamp_min(eps)``."""
        if p != 2 or out is not None:
            raise NotLowerable(f"node {name!r}: normalize with p={p!r} is not supported (p=2)")
        norm = self.layer(f"{name}.norm", Norm(dim, True), x)
        clamped = self.layer(f"{name}.clamp", Activation("clamp_min"), norm)  # a tensor of its own (no arithmetic)
        return self.layer(name, Multiply(), x, clamped)  # the quotient

    def addcmul(self, name, x, a, b, value=1):
        """``torch.addcmul(x, a, b)``: ``x + value * a * b``, a product then a sum."""
        product = self.layer(f"{name}.mul", Multiply(), self.tensor(a), self.tensor(b))
        if value != 1:
            product = self.layer(f"{name}.scale", Scalar("mul"), product)
        return self.layer(name, Add(), self.tensor(x), product)


_SCALAR: dict[str, Callable] = {
    "add": operator.add,
    "iadd": operator.add,
    "sub": operator.sub,
    "isub": operator.sub,
    "mul": operator.mul,
    "imul": operator.mul,
    "truediv": operator.truediv,
    "div": operator.truediv,
}
_SCALAR_NAMES = {"iadd": "add", "isub": "sub", "imul": "mul", "div": "truediv"}


def _tensors(value: Any) -> Any:
    """``value`` with every :class:`_Parameter` replaced by its torch tensor, every concrete size by an int (in nested
    tuples and lists too)."""
    if isinstance(value, _Parameter):
        return value.tensor
    if isinstance(value, sympy.Integer):  # a concrete size: torch's functions take Python ints only
        return int(value)
    if isinstance(value, tuple | list):
        return type(value)(_tensors(v) for v in value)
    return value


@dataclass(frozen=True)
class _Call:
    """A call the replay makes itself, folded as an fx node would be."""

    name: str
    target: Callable
    op: str = "call_function"


def _callable_name(target: Any) -> str:
    return getattr(target, "__name__", str(target))


def _symbolic(value: Any) -> bool:
    """Whether ``value`` holds a symbolic size: a sympy expression, a SymInt, or a fake tensor of symbolic shape."""
    if isinstance(value, sympy.Expr):
        return not value.is_Number
    if isinstance(value, torch.SymInt):
        return True
    if isinstance(value, torch.Tensor):  # a fake tensor computes only under its mode
        return type(value).__name__ == "FakeTensor" or any(isinstance(v, torch.SymInt) for v in value.shape)
    if isinstance(value, tuple | list | torch.Size):
        return any(_symbolic(v) for v in value)
    if isinstance(value, dict):
        return any(_symbolic(v) for v in value.values())
    if isinstance(value, slice):
        return _symbolic((value.start, value.stop, value.step))
    return False


def _flat(values: Any) -> list[Any]:
    out = []
    for v in values:
        out += _flat(v) if isinstance(v, tuple | list) else [v]
    return out


#: tensors made from sizes alone (a position encoding's grid): run by torch when the sizes are numbers
_FACTORIES = frozenset((torch.arange, torch.zeros, torch.ones, torch.linspace, torch.full, torch.empty))


def _pool(cls: type) -> Callable:
    """``F.max_poolNd`` / ``F.avg_poolNd``: the module's operator from the same arguments."""

    def pool(replay, name, x, kernel_size, stride=None, padding=0, *args, **kwargs):
        if kwargs.pop("return_indices", False):
            raise NotLowerable(f"node {name!r}: return_indices=True is not supported")
        return replay.layer(name, cls(kernel_size, stride or kernel_size, padding, *args, **kwargs), x)

    return pool


_POOLS = {
    F.max_pool1d: MaxPool1d,
    F.max_pool2d: MaxPool2d,
    F.max_pool3d: MaxPool3d,
    F.avg_pool1d: AvgPool1d,
    F.avg_pool2d: AvgPool2d,
    F.avg_pool3d: AvgPool3d,
}


#: calls that pass their tensor through, or work on sizes rather than tensors
def _size_arithmetic(target: Callable, function: Callable) -> Callable:
    """Integer arithmetic and comparisons on sizes (``x.shape[-1] // 2``, ``x.ndim == 4``), done by sympy."""

    def handler(replay, name, *args):
        if any(isinstance(a, Value | _Parameter) for a in args):
            if target in functions():  # on tensors: the registered operator
                what, entry = functions()[target]
                return replay.registered(name, entry, what, *args)
            raise NotLowerable(f"node {name!r}: {target.__name__} of a tensor has no symconv lowering")
        result = function(*args)
        return ceiling_form(result) if isinstance(result, sympy.Expr) else result

    return handler


STRUCTURAL: dict[Callable, Callable] = {
    **{f: _size_arithmetic(f, g) for f, g in SIZE_FUNCTIONS.items()},
    torch._assert: Replay.check,
    F.batch_norm: Replay.batch_norm,
    F.layer_norm: Replay.layer_norm,
    torch.addcmul: Replay.addcmul,
    F.normalize: Replay.normalize,
    F.scaled_dot_product_attention: Replay.attention,
    F.group_norm: Replay.group_norm,
    F.linear: Replay.linear,
    F.conv1d: Replay.conv,
    F.conv2d: Replay.conv,
    F.conv3d: Replay.conv,
    **{function: _pool(cls) for function, cls in _POOLS.items()},
    torch.cat: Replay.cat,
    torch.permute: Replay.permute,
    torch.unsqueeze: Replay.unsqueeze,
    F.dropout: Replay.identity,
    torch.unbind: Replay.unbind,
    torch.split: Replay.split,
    torch.chunk: Replay.chunk,
    operator.getitem: Replay.getitem,
    getattr: Replay.getattr,
}
STRUCTURAL_METHODS: dict[str, Callable] = {
    "size": Replay.size,
    "contiguous": Replay.identity,
    "dim": Replay.dim,
    "unbind": Replay.unbind,
    "reshape_as": Replay.reshape_as,
    "permute": Replay.permute,
    "expand": Replay.expand,
    "split": Replay.split,
    "chunk": Replay.chunk,
    **dict.fromkeys(("new_zeros", "new_ones", "new_empty", "new_full"), Replay.new_tensor),
    "repeat": Replay.repeat,
    "unsqueeze": Replay.unsqueeze,
}


@dataclass(frozen=True)
class Missing:
    """The value of an unsupported node (or of one that depends on it): it has no shape."""

    node: str


#: the key of ``node.meta`` the tracer records the innermost module's path under
PATH = "symconv_module_path"


def _fills_slices(call: Any, args: tuple) -> bool:
    """``mask[a:b, c:d] = k``: a number written into slices of a tensor that needs no gradient.

    It changes no shape and cannot fail (slices clamp to the tensor), so it is not run: a
    shifted-window mask on symbolic sizes is filled nine times per block, and PyTorch's fake
    tensors spend most of a Swin trace proving those slices' bounds.
    """
    if call is not operator.setitem or len(args) != 3:
        return False
    tensor, key, value = args
    keys = key if isinstance(key, tuple) else (key,)
    slices = [k for k in keys if k is not Ellipsis]
    return (
        isinstance(tensor, torch.Tensor)
        and not tensor.requires_grad
        and isinstance(value, int | float | bool)
        and keys.count(Ellipsis) <= 1
        and len(slices) <= tensor.dim()
        and all(isinstance(k, slice) and k.step in (None, 1) for k in slices)
    )


def module_path(node: fx.Node) -> str:
    """The innermost module whose ``forward`` made ``node`` (as the tracer records it), or ``""`` at the top."""
    if PATH in node.meta:
        return node.meta[PATH]
    stack = node.meta.get("nn_module_stack") or {}  # a node fx made itself
    return next(reversed(stack.values()))[0] if stack else ""


def _qualified(node: fx.Node) -> str:
    """A functional node's layer name under its module's path (``layer1.0.add``): the per-module report groups by it."""
    path = module_path(node)
    return f"{path}.{node.name}" if path else node.name


def _run(replay: Replay, node: fx.Node, inputs) -> Any:
    if node.op == "placeholder":
        return node.args[0] if node.args else replay.net.input(next(inputs), node.name)
    if node.op == "get_attr":
        owner, _, name = node.target.rpartition(".")
        return _Parameter(node.target, getattr(replay.submodule(owner), name))
    if node.op == "output":
        return None
    args, kwargs = replay.value(node.args), {k: replay.value(v) for k, v in node.kwargs.items()}
    if node.op == "call_module":
        return replay.module_call(node.target, *args, **kwargs)
    flat = _flat((*args, *kwargs.values()))
    constant = any(isinstance(a, _Parameter) for a in flat) or node.target in _FACTORIES
    if node.target is not getattr and constant and not any(isinstance(a, Value) for a in flat):
        return replay.fold(node, args, kwargs)
    name = _qualified(node)
    if node.op == "call_function" and node.target in STRUCTURAL:
        return STRUCTURAL[node.target](replay, name, *args, **kwargs)
    if node.op == "call_method" and node.target in STRUCTURAL_METHODS:
        return STRUCTURAL_METHODS[node.target](replay, name, *args, **kwargs)
    if node.op == "call_function" and node.target in functions():
        what, entry = functions()[node.target]
        return replay.registered(name, entry, what, *args, **kwargs)
    if node.op == "call_method" and node.target in methods():
        return replay.registered(name, methods()[node.target], node.target.rstrip("_"), *args, **kwargs)
    if node.op == "call_function" and _is_stochastic_depth(node.target):
        return args[0]  # identity at inference, as dropout
    if node.op == "call_function" and inspect.isfunction(node.target) and replay.tracer is not None:
        return replay.tracer.inline(node)  # a Python function fx was told to keep whole (torch.fx.wrap)
    what = getattr(node.target, "__name__", node.target)
    raise NotLowerable(f"node {node.name!r}: {node.op} {what!r} has no symconv lowering")


def _is_stochastic_depth(target: Any) -> bool:
    """torchvision's ``stochastic_depth`` (symconv does not import torchvision), the identity at inference."""
    return getattr(target, "__name__", "") == "stochastic_depth" and "torchvision" in getattr(target, "__module__", "")
