"""A network: named layers wired by their inputs, with symbolic shapes propagated as the layers are added.

Every layer is a symconv operator, of one input or several; a network is itself an
operator (its inputs are the ones it declares), so it can be a layer, or be passed to
anything that takes an operator. Output shapes come from the operators' own lowering
(PyTorch's floor formulas in :mod:`symconv.core.geometry`, whose integer divisions fold as
they nest, see :mod:`symconv.core.intfuncs`); costs are the operators' costs, summed as
separate kernels by :meth:`Cost.sequence <symconv.core.cost.Cost.sequence>`.

Examples
--------
>>> import symconv
>>> from symconv.network import Network, ReLU, Add
>>> from symconv.symbols import C, H, W
>>> net = Network("block")
>>> x = net.input((1, C, H, W))
>>> y = net.chain(x, ("conv1", symconv.Conv2d(C, C, 3, padding=1, bias=False)), ("relu", ReLU()),
...               ("conv2", symconv.Conv2d(C, C, 3, padding=1, bias=False)))
>>> out = net("add", Add(), y, x)
>>> out.shape
(1, C, H, W)
>>> net.cost().macs
18*C**2*H*W
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

import sympy

from symconv.core import validate
from symconv.core.cost import Cost, _init_fields, _map_tree
from symconv.core.lowering import Lowering, Role, Tensor
from symconv.core.rules import captured, replay, substitute, substitution
from symconv.core.size_bounds import SizeRange, declared_sizes
from symconv.core.sizes import as_size
from symconv.errors import InvalidConfiguration, SymconvError
from symconv.ops.base import Operator, Shape


@dataclass(frozen=True)
class Value:
    """A tensor flowing through the network: the layer that made it and its shape."""

    name: str
    shape: tuple[sympy.Expr, ...]


@dataclass(frozen=True)
class Layer:
    """One application of an operator to values of the network, with its cost."""

    name: str
    operator: Operator
    inputs: tuple[Value, ...]
    output: Value
    cost: Cost


def _state(operator: Operator) -> object:
    """The operator's attributes as a dictionary key: hashed as they are (fast), or by their repr."""
    state = tuple(sorted(vars(operator).items()))
    try:
        hash(state)
    except TypeError:
        return repr(state)
    return state


def _apply(operator: Operator, shapes: tuple[tuple[sympy.Expr, ...], ...]) -> tuple[tuple[sympy.Expr, ...], Cost]:
    """Output shape and cost, from one lowering when the operator's cost is its lowering's (all but networks)."""
    if type(operator).cost is Operator.cost:
        lowering, cost = operator.lowered(*shapes)
        return lowering.output.shape, cost
    return operator.output_shape(*shapes), operator.total_cost(*shapes)


_ATOMS = frozenset({int, float, str, bytes, bool, type(None)})


def _frozen(value: object) -> object:
    """``value`` as a key that equals another only for the same immutable value (``1``, ``True`` and ``1.0``
    differ), or None when it holds something mutable or unknown."""
    kind = type(value)
    if kind in _ATOMS or isinstance(value, sympy.Basic):
        return (kind, value)
    if kind is tuple:
        items = tuple(_frozen(v) for v in value)
        return None if None in items else (tuple, items)
    if isinstance(value, type):
        return (type, value)
    params = getattr(kind, "__dataclass_params__", None)
    if params is not None and params.frozen:
        return _frozen((kind, *(getattr(value, name) for name in _init_fields(kind))))
    return None


def _configuration(operator: Operator) -> object:
    """The operator's type and attributes as an immutable key, or None (a network, a stateful custom operator)."""
    if type(operator).cost is not Operator.cost:
        return None
    return _frozen((type(operator), *sorted(vars(operator).items())))


class _Applied:
    """An operator on input shapes, equal to another when the configurations and shapes are (the cache's key)."""

    __slots__ = ("key", "operator", "shapes")

    def __init__(self, key: object, operator: Operator, shapes: tuple[tuple[sympy.Expr, ...], ...]) -> None:
        self.key, self.operator, self.shapes = key, operator, shapes

    def __hash__(self) -> int:
        return hash(self.key)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Applied) and self.key == other.key


@functools.lru_cache(maxsize=1024)  # a model has a few hundred distinct layers; more would only grow the heap
def _apply_once(applied: _Applied) -> tuple[tuple[sympy.Expr, ...], Cost, tuple]:
    """:func:`_apply` memoised on the operator's configuration and the input shapes (immutable values), with the
    rules its lowering recorded, replayed on every call (an operator building a network records them)."""
    with captured() as rules:
        shape, cost = _apply(applied.operator, applied.shapes)
    return shape, cost, tuple(rules)


def _apply_cached(operator: Operator, shapes: tuple[tuple[sympy.Expr, ...], ...]) -> tuple:
    """:func:`_apply`, through :func:`_apply_once` when the configuration is made of immutable values."""
    configuration = _configuration(operator)
    if configuration is None:
        return _apply(operator, shapes)
    # the declared size ranges decide a view's bounds (x[:, :H] of a padded map): part of the key
    key = (configuration, _frozen(shapes), declared_sizes())
    shape, cost, rules = _apply_once(_Applied(key, operator, shapes))
    replay(rules)
    return shape, cost


class Network(Operator):
    """A network under construction: add inputs, then layers, each by a unique name.

    As an operator, a network takes the inputs it declares (:meth:`input`) and gives its
    last layer's output; each layer is a separate kernel, which reads its inputs and
    writes its output (:meth:`lower`). :meth:`cost` adds the per-layer breakdown.
    """

    def __init__(self, name: str = "network") -> None:
        self.name = name
        self.inputs: list[Value] = []
        self.layers: list[Layer] = []
        # tensors computed from parameters in forward (a standardised weight) and what autograd keeps of them:
        # name -> (the layer reading it, elements)
        self.computed: dict[str, tuple[str, object]] = {}
        # values torch computes in forward from sizes or buffers alone (a position encoding): new storage each step;
        # name -> the elements of that storage
        self.fresh: dict[str, object] = {}
        self.arity = 0
        self.same: dict[str, str] = {}
        self._names: set[str] = set()
        self._applied: dict[tuple, tuple[tuple[sympy.Expr, ...], Cost]] = {}

    def input(self, shape: Sequence[object], name: str = "input") -> Value:
        """Declare an input of ``shape`` (ints or symbols); its sizes are integers by declaration."""
        self._claim(name)
        value = Value(name, tuple(as_size(v, f"{name}[{i}]") for i, v in enumerate(validate.shape(shape, "shape"))))
        self.inputs.append(value)
        self.arity = len(self.inputs)
        self._applied.clear()
        return value

    def __call__(self, name: str, operator: Operator, *inputs: Value) -> Value:
        """Apply ``operator`` to ``inputs`` as the layer ``name``; return its output, shape propagated."""
        if not isinstance(operator, Operator):
            raise InvalidConfiguration(f"layer {name!r}: {operator!r} is not a symconv operator")
        if operator is self:
            raise InvalidConfiguration(f"layer {name!r}: a network cannot be a layer of itself")
        if not inputs or not all(isinstance(v, Value) for v in inputs):
            raise InvalidConfiguration(f"layer {name!r} needs input values of this network, got {inputs!r}")
        self._claim(name)
        if operator.arity is not None and len(inputs) != operator.arity:
            raise InvalidConfiguration(
                f"layer {name!r}: {operator!r} takes {operator.arity} input(s), got {len(inputs)}"
            )
        shapes = tuple(x.shape for x in inputs)
        # identical layers on identical inputs (a ResNet stage's repeated blocks) are lowered once
        key = (type(operator), _state(operator), shapes)
        entry = self._applied.get(key)
        if entry is None:
            try:
                entry = self._applied[key] = _apply_cached(operator, shapes)
            except SymconvError as error:
                raise type(error)(f"layer {name!r} ({operator!r}): {error}") from None
        shape, cost = entry
        output = Value(name, shape)
        self.layers.append(Layer(name, operator, inputs, output, cost))
        return output

    def chain(self, x: Value, *layers: tuple[str, Operator]) -> Value:
        """Apply ``(name, operator)`` pairs one after another, starting from ``x``."""
        for name, operator in layers:
            x = self(name, operator, x)
        return x

    def tie(self, name: str, same_as: str) -> None:
        """Declare the parameter tensor ``name`` (``layer.weight``) the same tensor as ``same_as``: counted once."""
        for value in (name, same_as):
            layer, _, tensor = value.rpartition(".")
            if layer not in self._names or not tensor:
                raise InvalidConfiguration(f"parameter {value!r} must be LAYER.TENSOR of a layer of this network")
        self.same[name] = self.same.get(same_as, same_as)

    def cost(self, *input_shapes: Sequence[object]) -> NetworkCost:
        """Every layer's cost and the totals, on the declared inputs (``input_shapes``, if given, must be them)."""
        if input_shapes:
            self.check_inputs(*(tuple(as_size(v, "input_shape") for v in s) for s in input_shapes))
        if not self.layers:
            raise InvalidConfiguration(f"network {self.name!r} has no layers")
        return NetworkCost.of(self.name, [(layer, layer.cost) for layer in self.layers], self.same)

    def total_cost(self, *input_shapes: Sequence[object]) -> Cost:
        """The total :class:`~symconv.core.cost.Cost` (all layers, separate kernels)."""
        return self.cost(*input_shapes).total

    def check_inputs(self, *shapes: Shape) -> tuple[Shape, ...]:
        """A network's layers are sized for its declared inputs: other shapes are refused."""
        if len(shapes) != len(self.inputs):
            raise InvalidConfiguration(f"network {self.name!r} takes {len(self.inputs)} input(s), got {len(shapes)}")
        for value, shape in zip(self.inputs, shapes, strict=True):
            if len(shape) != len(value.shape):
                raise InvalidConfiguration(f"input {value.name!r} has shape {value.shape}, got {shape}")
            if tuple(shape) != value.shape:
                raise InvalidConfiguration(
                    f"input {value.name!r} is declared {value.shape}, got {tuple(shape)}: "
                    "cost the network on its declared inputs, then substitute (NetworkCost.subs)"
                )
        return tuple(value.shape for value in self.inputs)

    def lower(self, *inputs: Tensor, prefix: str = "", output_role: Role = "output") -> Lowering:
        """Every layer a separate kernel: it reads its own copy of each input and writes its output."""
        if not self.layers:
            raise InvalidConfiguration(f"network {self.name!r} has no layers")
        shapes = {value.name: tensor.shape for value, tensor in zip(self.inputs, inputs, strict=True)}
        rename = {f"{prefix}{k}": f"{prefix}{v}" for k, v in self.same.items()}
        stages = []
        for index, layer in enumerate(self.layers):
            role = output_role if index == len(self.layers) - 1 else "output"
            count = len(layer.inputs)
            names = ["input"] if count == 1 else [f"input{k}" for k in range(count)]
            own = tuple(
                Tensor(f"{prefix}{layer.name}.{n}", "input", shapes[v.name])
                for n, v in zip(names, layer.inputs, strict=True)
            )
            lowering = layer.operator.lower(*own, prefix=f"{prefix}{layer.name}.", output_role=role)
            renamed = _map_tree(lowering.stages, lambda t: _renamed(t, rename), Tensor)
            stages += renamed
            shapes[layer.name] = lowering.output.shape
        return Lowering(tuple(stages), lowering.output)

    def __repr__(self) -> str:
        return f"Network({self.name!r})"

    def _claim(self, name: str) -> None:
        if not isinstance(name, str) or not name:
            raise InvalidConfiguration(f"layer name {name!r} must be a non-empty string")
        if name in self._names:
            raise InvalidConfiguration(f"layer name {name!r} is used twice")
        self._names.add(name)


@dataclass(frozen=True)
class LayerCost:
    """One row of a network's breakdown."""

    name: str
    input_shapes: tuple[tuple[sympy.Expr, ...], ...]
    output_shape: tuple[sympy.Expr, ...]
    cost: Cost
    layer: Operator | None = field(default=None, compare=False, repr=False)
    """The operator object itself (peer conventions look at its hyperparameters)."""

    @functools.cached_property
    def operator(self) -> str:
        """The operator as written, e.g. ``Conv2d(3, 64, kernel_size=(3, 3), ...)`` (built when first asked for)."""
        return repr(self.layer)


@dataclass(frozen=True)
class NetworkCost:
    """A network's per-layer costs and their sum (``total``, run as separate kernels).

    ``macs``, ``flops``, ``params``, ``memory(...)``, ``compute(...)`` are the total's.
    ``unsupported`` lists the parts of a model that could not be lowered and count as zero
    (``from_torch(..., strict=False)``); ``sizes`` the ranges of sizes the cost is for
    (:class:`~symconv.core.size_bounds.SizeRange`, ``from_torch(..., sizes=...)``).
    """

    name: str
    layers: tuple[LayerCost, ...]
    total: Cost
    unsupported: tuple = ()
    sizes: tuple[SizeRange, ...] = ()

    @classmethod
    def of(cls, name: str, costs: Sequence[tuple[Layer, Cost]], same: Mapping[str, str] | None = None) -> NetworkCost:
        """Rows and total; ``same`` maps a parameter tensor (``layer.weight``) to the one it is (counted once)."""
        rows = tuple(
            LayerCost(
                layer.name,
                tuple(v.shape for v in layer.inputs),
                layer.output.shape,
                cost,
                layer.operator,
            )
            for layer, cost in costs
        )
        return cls(name, rows, Cost.sequence(name, [(row.name, row.cost) for row in rows], same))

    @property
    def macs(self) -> sympy.Expr:
        return self.total.macs

    @property
    def flops(self) -> sympy.Expr:
        return self.total.flops

    @property
    def params(self) -> sympy.Expr:
        return self.total.params

    def compute(self, convention: str = "macs") -> sympy.Expr:
        """The total under a named convention (:mod:`symconv.core.conventions`)."""
        return self.total.compute(convention)

    def memory(self, model: str = "ideal", element_size: int = 1) -> sympy.Expr:
        """Total memory traffic: every layer's boundary tensors (layers are separate kernels)."""
        return self.total.memory(model, element_size)

    def table(self, columns: Sequence[str] = ("macs", "params", "memory"), skip_views: bool = False, **options) -> str:
        """The layer table as text (:func:`symconv.network.table.layer_table`: ``baseline=``)."""
        from symconv.network.table import layer_table  # the table renders this class: imported on use

        return layer_table(self, columns, skip_views, **options)

    def latex(self, quantities: Sequence[str] = ("macs", "params", "memory:ideal"), **options) -> str:
        """The layer table in LaTeX (:func:`symconv.network.table.latex_layer_table`: ``values=``, ``document=``)."""
        from symconv.network.table import latex_layer_table

        return latex_layer_table(self, quantities, **options)

    def subs(self, values: Mapping[sympy.Symbol | str, object]) -> NetworkCost:
        """Every layer and the total with symbols replaced, e.g. ``cost.subs({"H": 224, "W": 224})``.

        Values are checked as :meth:`Cost.subs <symconv.core.cost.Cost.subs>` checks them, and every
        layer's configuration again on them.
        """
        symbols = self.total.symbols()
        for row in self.layers:
            symbols.update((s.name, s) for shape in (*row.input_shapes, row.output_shape) for s in _symbols(shape))
        by_name = {sym.name: v for sym, v in substitution(values, symbols, f"network {self.name!r}").items()}
        if self.sizes:  # a size outside the declared ranges is said first (the total holds their rules first)
            self.total.check_at(by_name)
        layers = tuple(
            LayerCost(
                row.name,
                tuple(_subs_shape(s, by_name) for s in row.input_shapes),
                _subs_shape(row.output_shape, by_name),
                row.cost.replaced(by_name),
                row.layer,
            )
            for row in self.layers
        )
        sizes = tuple(r for r in self.sizes if r.symbol.name not in by_name)
        return NetworkCost(self.name, layers, self.total.replaced(by_name), self.unsupported, sizes)

    def within(self, sizes: Sequence[SizeRange]) -> NetworkCost:
        """This cost, declared for ``sizes`` only: they are recorded, and the total refuses values outside them."""
        if not sizes:
            return self
        rules = tuple(rule for r in sizes for rule in r.rules())
        total = replace(self.total, rules=tuple(dict.fromkeys(rules + self.total.rules)))  # checked first
        return replace(self, total=total, sizes=tuple(sizes))

    def at(self, **values: object) -> NetworkCost:
        """``subs`` with keyword arguments: ``cost.at(H=224, W=224)``."""
        return self.subs(values)


def _renamed(tensor: Tensor, rename: Mapping[str, str]) -> Tensor:
    return replace(tensor, storage=rename[tensor.name]) if tensor.name in rename else tensor


def _symbols(shape: tuple[sympy.Expr, ...]) -> set[sympy.Symbol]:
    return {s for v in shape for s in v.free_symbols}


def _subs_shape(shape: tuple[sympy.Expr, ...], by_name: Mapping[str, sympy.Expr]) -> tuple[sympy.Expr, ...]:
    return tuple(substitute(v, by_name) for v in shape)
