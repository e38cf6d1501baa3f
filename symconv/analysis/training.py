"""Training cost: forward + backward compute, and training memory, as closed forms.

The backward is lowered onto the forward's stages (:mod:`symconv.analysis.backward`), so every
convention works on it (``macs``, ``flops``, ``mults``, ``ops``) and PyTorch's
``FlopCounterMode`` around ``forward`` + ``loss.backward()`` reads ``2 * (forward + backward) macs``.

``grad`` says what needs a gradient:

- ``True``: the input(s) and every parameter (a layer in the middle of a network);
- ``"weights"``: the parameters only (a first layer: its input needs no gradient);
- ``False``: nothing (the backward is empty).

Training memory (:func:`training_memory`, in bytes) is what one training step holds at
its peak, modelled as the moment the backward starts, on the second step onward (gradient
buffers allocated, optimizer state initialised): parameters + gradient buffers (one per
trainable parameter) + optimizer state (SGD with momentum: one buffer per trainable
parameter; Adam: two; plain SGD: none) + every activation autograd saved for the backward.
Transient buffers (the backward's gradients of activations, column buffers, allocator
slack) are not included: the peak modelled is a lower bound of what an allocator reports.

Examples
--------
>>> import symconv
>>> from symconv.symbols import C_in, C_out, K, H, W
>>> conv = symconv.Conv2d(C_in, C_out, K, padding="same", bias=False)
>>> step = cost(conv, (1, C_in, H, W))
>>> step.forward.macs, step.backward.macs
(C_in*C_out*H*K**2*W, 2*C_in*C_out*H*K**2*W)
>>> cost(conv, (1, C_in, H, W), grad="weights").ratio()  # a first layer: backward = forward
1
>>> training_memory(step, optimizer="adam", element_size=4).activations  # the saved input, in bytes
4*C_in*H*W
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

import sympy

from symconv import network as layers  # every registered operator
from symconv.analysis import backward, layout
from symconv.core.cost import PARAMETER_ROLES, Cost
from symconv.core.lowering import Lowering, Tensor
from symconv.core.quantities import OPTIMIZERS
from symconv.core.rules import substitute, substitution
from symconv.core.sizes import as_element_size, show
from symconv.errors import InvalidConfiguration
from symconv.network.graph import Layer, Network
from symconv.ops.constant import Constant
from symconv.ops.linear import Linear
from symconv.ops.shape import Contiguous, View

Grad = bool | Literal["weights"]
INDEX_SIZE = 8  # autograd keeps argmax indices as int64


@dataclass(frozen=True)
class TrainingCost:
    """One training step of an operator (or a network): ``forward`` and ``backward``, each a :class:`Cost`.

    ``macs``, ``flops``, ``mults``, ``adds``, ``ops`` and :meth:`compute` are the step's totals;
    ``params`` counts every parameter once, ``trainable`` those that get a gradient;
    ``saved`` lists the tensors autograd keeps for the backward (de-duplicated);
    :meth:`part` gives the backward producing only the inputs' gradients (``'grad-input'``)
    or only the parameters' (``'grad-params'``), each on its own: work both share, such as
    batch norm's ``sum(dY)``, is in each. ``gradients`` lowers those two when first asked for.
    """

    operator: str
    forward: Cost
    backward: Cost
    trainable: sympy.Expr
    saved: tuple[SavedTensor, ...]
    gradients: Callable[[], tuple[Cost, Cost]] | None = field(default=None, compare=False, repr=False)

    @property
    def macs(self) -> sympy.Expr:
        return self.forward.macs + self.backward.macs

    @property
    def flops(self) -> sympy.Expr:
        """``2 * macs``: what ``FlopCounterMode`` reads around forward + backward."""
        return 2 * self.macs

    @property
    def mults(self) -> sympy.Expr:
        return self.forward.mults + self.backward.mults

    @property
    def adds(self) -> sympy.Expr:
        return self.forward.adds + self.backward.adds

    @property
    def ops(self) -> sympy.Expr:
        return self.mults + self.adds

    @property
    def params(self) -> sympy.Expr:
        return self.forward.params

    def compute(self, convention: str = "macs") -> sympy.Expr:
        """The step's compute under a named convention (:mod:`symconv.core.conventions`)."""
        return self.forward.compute(convention) + self.backward.compute(convention)

    def ratio(self, convention: str = "macs") -> sympy.Expr:
        """``backward / forward`` compute, simplified (2 for a conv whose input needs a gradient, 1 without)."""
        return sympy.simplify(self.backward.compute(convention) / self.forward.compute(convention))

    def activations(self, element_size: int = 1, index_size: int = INDEX_SIZE) -> sympy.Expr:
        """Elements (times ``element_size``: bytes) autograd keeps for the backward; indices at ``index_size``."""
        sizes = {"value": as_element_size(element_size), "index": as_element_size(index_size)}
        return sympy.Add(*(sizes[t.kind] * t.elements for t in self.saved))

    @functools.cached_property
    def split(self) -> tuple[Cost, Cost]:
        """The backward producing only the inputs' gradients, and only the parameters'."""
        if self.gradients is None:
            raise InvalidConfiguration(f"the training cost of {self.operator} was built without its gradients' split")
        return self.gradients()

    def part(self, name: str) -> Cost:
        """``'forward'``, ``'backward'``, ``'grad-input'`` or ``'grad-params'`` as a :class:`Cost`."""
        if name in ("grad-input", "grad-params"):
            return self.split[name == "grad-params"]
        if name not in ("forward", "backward"):
            raise InvalidConfiguration(f"part={show(name)} must be forward, backward, grad-input or grad-params")
        return getattr(self, name)

    def symbols(self) -> dict[str, sympy.Symbol]:
        """The symbols of the step (forward, backward and saved tensors), by name."""
        found = {**self.forward.symbols(), **self.backward.symbols()}
        found.update((s.name, s) for t in self.saved for s in t.elements.free_symbols)
        return found

    def subs(self, values: Mapping[sympy.Symbol | str, object]) -> TrainingCost:
        """The step with symbols replaced, each value checked as :meth:`~symconv.core.cost.Cost.subs` checks it.

        >>> import symconv
        >>> from symconv.symbols import H
        >>> step = cost(symconv.Conv2d(4, 8, 3), (1, 4, H, 9))
        >>> step.at(H=9).backward.macs  # grad input and grad weight: 2 * (8*4*9 taps * 7*7 outputs)
        28224
        >>> step.at(H=2)
        Traceback (most recent call last):
        ...
        symconv.errors.InvalidConfiguration: kernel_size=3 with dilation=1 needs a padded input of at least 3, got 2 ...
        """
        return self.replaced({s.name: v for s, v in substitution(values, self.symbols(), self.operator).items()})

    def at(self, **values: object) -> TrainingCost:
        """``subs`` with keyword arguments: ``step.at(H=56, W=56)``."""
        return self.subs(values)

    def check_at(self, by_name: Mapping[str, sympy.Expr]) -> None:
        """Raise if the configuration's rules break at these (checked) values: the forward's, which the step keeps."""
        self.forward.check_at(by_name)

    def replaced(self, by_name: Mapping[str, sympy.Expr]) -> TrainingCost:
        """The step with symbols replaced by already checked values; the configuration's rules checked again."""
        return TrainingCost(
            self.operator,
            self.forward.replaced(by_name),
            self.backward.replaced(by_name),
            substitute(self.trainable, by_name),
            tuple(replace(t, elements=substitute(t.elements, by_name)) for t in self.saved),
            None if self.gradients is None else lambda: tuple(part.replaced(by_name) for part in self.split),
        )


@dataclass(frozen=True)
class SavedTensor:
    """A tensor autograd keeps for the backward: which (``name``), what for (``layer``), how big."""

    name: str
    layer: str
    elements: sympy.Expr
    kind: Literal["value", "index"] = "value"


@dataclass(frozen=True)
class TrainingMemory:
    """Bytes one training step holds at its peak (see the module's docstring for what the peak is)."""

    optimizer: str
    parameters: sympy.Expr
    gradients: sympy.Expr
    optimizer_state: sympy.Expr
    activations: sympy.Expr

    @property
    def peak(self) -> sympy.Expr:
        """parameters + gradients + optimizer state + saved activations."""
        return self.parameters + self.gradients + self.optimizer_state + self.activations


def training_memory(
    step: TrainingCost | NetworkTrainingCost,
    optimizer: str = "adam",
    element_size: int = 4,
    index_size: int = INDEX_SIZE,
) -> TrainingMemory:
    """Training memory of ``step`` in bytes, every value at ``element_size`` bytes (argmax indices at ``index_size``).

    ``optimizer``: ``'sgd'`` (no state), ``'sgd-momentum'`` (one buffer per trainable
    parameter) or ``'adam'`` (two: first and second moments). The quantities
    ``training-memory:<optimizer>``, ``saved`` and ``trainable`` (:mod:`symconv.core.quantities`) read it.

    >>> import symconv
    >>> step = cost(symconv.Linear(8, 4, bias=False), (2, 8), grad="weights")
    >>> training_memory(step, "sgd-momentum").peak  # 4 bytes x (32 params + 32 grads + 32 momenta + 16 saved)
    448
    """
    if optimizer not in OPTIMIZERS:
        raise InvalidConfiguration(f"optimizer={show(optimizer)} must be one of {', '.join(sorted(OPTIMIZERS))}")
    size = as_element_size(element_size)
    total = step.total if isinstance(step, NetworkTrainingCost) else step
    return TrainingMemory(
        optimizer=optimizer,
        parameters=size * total.params,
        gradients=size * total.trainable,
        optimizer_state=size * OPTIMIZERS[optimizer] * total.trainable,
        activations=total.activations(size, index_size),
    )


# ---- one operator ---------------------------------------------------------------------------------------------


def _own_params(forward: Cost) -> frozenset[str]:
    return frozenset(t.name.rsplit(".", 1)[-1] for t in forward.traffic if t.role in PARAMETER_ROLES)


def _needs(grad: Grad, inputs: int, params: frozenset[str]) -> backward.Needs:
    if grad is True or grad is False:
        return backward.Needs((grad,) * inputs, params if grad else frozenset())
    if grad == "weights":
        return backward.Needs((False,) * inputs, params)
    raise InvalidConfiguration(f"grad={show(grad)} must be True, False or 'weights'")


def _trainable(forward: Cost, params: frozenset[str]) -> sympy.Expr:
    return sympy.Add(
        *(t.elements for t in forward.traffic if t.role in PARAMETER_ROLES and t.name.rsplit(".", 1)[-1] in params)
    )


def _input_tensors(op, shapes) -> tuple[Tensor, ...]:
    return op.input_tensors(shapes)


def cost(op, *input_shapes: Sequence[object], grad: Grad = True) -> TrainingCost:
    """Forward and backward cost of ``op`` on ``input_shapes`` (PyTorch layout, ints or symbols).

    Parameters
    ----------
    op : Operator
        Any operator with a backward lowering (:mod:`symconv.analysis.backward`).
    *input_shapes : tuple
        One shape per input.
    grad : True, False or 'weights'
        What needs a gradient (see the module's docstring).

    Examples
    --------
    >>> import symconv
    >>> step = cost(symconv.Linear(8, 4), (2, 8))
    >>> step.forward.macs, step.backward.macs  # grad input 2x8x4, grad weight 4x8x2
    (64, 128)
    >>> step.backward.adds  # grad input 2*8*(4-1), grad weight 4*8*(2-1), grad bias 4*(2-1)
    84
    """
    if isinstance(op, Network):
        return network_cost(op, input_grads=_needs(grad, 1, frozenset()).inputs[0]).total
    inputs = _input_tensors(op, input_shapes)
    plain = op.cost(*input_shapes)  # the forward as inference runs it, with its validation rules
    statistics = backward.has_statistics(op)  # batch norm's forward computes more in training mode
    forward = _with_rules(backward.training_forward(op, inputs), repr(op), plain) if statistics else plain
    return _step(op, inputs, forward, _needs(grad, len(inputs), _own_params(forward)), repr(op))


def _with_rules(lowering: Lowering, name: str, forward: Cost) -> Cost:
    """The cost of ``lowering`` under the forward's validation rules (checked again when values are substituted)."""
    return Cost.from_lowering(name, lowering, rules=forward.rules, configuration=forward.configuration)


def _step(op, inputs: tuple[Tensor, ...], forward: Cost, needs: backward.Needs, layer: str) -> TrainingCost:
    """The training step of ``op`` on ``inputs``: its backward whole, and producing only input / parameter gradients."""

    def lowered(what: str, wanted: backward.Needs) -> Cost:
        return _with_rules(Lowering(backward.lower(op, inputs, wanted), inputs[0]), f"{op!r} {what}", forward)

    def gradients() -> tuple[Cost, Cost]:
        no_inputs = (False,) * len(inputs)
        return (
            lowered("grad input", backward.Needs(needs.inputs, frozenset())),
            lowered("grad params", backward.Needs(no_inputs, needs.params)),
        )

    saved = tuple(_saved_tensor(s, layer) for s in backward.saved(op, inputs, needs))
    return TrainingCost(
        repr(op), forward, lowered("backward", needs), _trainable(forward, needs.params), saved, gradients
    )


def _saved_tensor(s: backward.Saved, layer: str) -> SavedTensor:
    return SavedTensor(":".join(str(part) for part in s.of), layer, s.elements, s.kind)


# ---- ratios ------------------------------------------------------------------------------------------------------


def ratio_table(
    operators: Mapping[str, tuple[object, tuple]] | None = None, convention: str = "macs"
) -> dict[str, tuple[sympy.Expr | None, sympy.Expr | None]]:
    """backward : forward compute per operator, as closed forms: ``(input needs a gradient, first layer)``.

    ``None`` where the forward has no compute under ``convention`` (pooling has no MACs).
    The default operators are symbolic: conv and transposed conv (stride ``s``, padding ``p``,
    ``g`` groups), linear, batch norm, ReLU and average pooling.

    >>> from symconv.symbols import F_in, F_out, N
    >>> table = ratio_table()
    >>> table["conv"], table["transposed conv"], table["linear"]
    ((2, 1), (2, 1), (2, 1))
    >>> table = ratio_table({"linear": (Linear(F_in, F_out, bias=False), ((N, F_in),))}, "ops")
    >>> sympy.factor(table["linear"][1])  # a first linear layer: grad weight F_out x F_in sums of N products
    F_in*(2*N - 1)/(N*(2*F_in - 1))
    """
    if operators is None:
        operators = default_ratio_operators()
    rows = {}
    for name, (op, shapes) in operators.items():
        forward = op.cost(*shapes).compute(convention)
        if forward == 0:
            rows[name] = (None, None)
            continue
        pair = []
        for grad in (True, "weights"):
            back = cost(op, *shapes, grad=grad).backward.compute(convention)
            pair.append(sympy.factor(sympy.simplify(back / forward)))
        rows[name] = (pair[0], pair[1])
    return rows


def default_ratio_operators() -> dict[str, tuple[object, tuple]]:
    """The operators of :func:`ratio_table`, on symbolic shapes."""
    from symconv.ops import Conv2d, ConvTranspose2d
    from symconv.symbols import C, C_in, C_out, F_in, F_out, H, H_in, K, N, W, W_in, g, p, s

    return {
        "conv": (Conv2d(C_in, C_out, K, stride=s, padding=p, groups=g, bias=False), ((N, C_in, H, W),)),
        "transposed conv": (
            ConvTranspose2d(C_in, C_out, K, stride=s, padding=p, groups=g, bias=False),
            ((N, C_in, H_in, W_in),),
        ),
        "linear": (Linear(F_in, F_out, bias=False), ((N, F_in),)),
        "batch norm": (layers.BatchNorm2d(C), ((N, C, H, W),)),
        "ReLU": (layers.ReLU(), ((N, C, H, W),)),
        "average pool 2x2": (layers.AvgPool2d(2), ((N, C, 2 * H, 2 * W),)),
    }


# ---- networks -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LayerTrainingCost:
    """One row of a network's training breakdown: which inputs needed a gradient, and the step's cost."""

    name: str
    operator: str
    needs: backward.Needs
    cost: TrainingCost


@dataclass(frozen=True)
class NetworkTrainingCost:
    """Per-layer training costs and the network's total (saved activations de-duplicated across layers)."""

    name: str
    layers: tuple[LayerTrainingCost, ...]
    total: TrainingCost

    def __getattr__(self, name: str):
        if name in ("macs", "flops", "mults", "adds", "ops", "params", "trainable", "compute", "activations", "ratio"):
            return getattr(self.total, name)
        raise AttributeError(name)

    def subs(self, values: Mapping[sympy.Symbol | str, object]) -> NetworkTrainingCost:
        """Every layer's step and the total with symbols replaced, values and configurations checked again."""
        where = f"network {self.name!r}"
        by_name = {s.name: v for s, v in substitution(values, self.total.symbols(), where).items()}
        rows = tuple(replace(row, cost=row.cost.replaced(by_name)) for row in self.layers)
        return NetworkTrainingCost(self.name, rows, self.total.replaced(by_name))

    def at(self, **values: object) -> NetworkTrainingCost:
        """``subs`` with keyword arguments: ``step.at(H=224, W=224)``."""
        return self.subs(values)


Trainable = Callable[[Layer], frozenset[str]] | None
ALL_PARAMETERS = frozenset({"weight", "bias"})
VIEWS = (View,)


def network_cost(
    net: Network,
    trainable: Trainable = None,
    input_grads: bool | Mapping[str, bool] = False,
    aliases: Mapping[str, str] | None = None,
) -> NetworkTrainingCost:
    """Training cost of every layer of ``net`` and the total.

    Parameters
    ----------
    net : Network
    trainable : callable, optional
        ``layer -> frozenset`` of the parameter names (``'weight'``, ``'bias'``) that get a
        gradient; default: all of them.
    input_grads : bool or mapping of input name to bool
        Whether the network's inputs need a gradient (default: no, as for images).
    aliases : mapping of value name to value name, optional
        Values that share storage with another (in-place layers' outputs and their inputs);
        views are aliases of what they view already.

    A value needs a gradient when a layer producing it has an input that does, or
    trainable parameters; each layer's backward skips what does not.
    """
    if not net.layers:
        raise InvalidConfiguration(f"network {net.name!r} has no layers")
    needs_grad = {
        v.name: bool(input_grads.get(v.name, False) if isinstance(input_grads, Mapping) else input_grads)
        for v in net.inputs
    }
    base = dict(aliases or {})
    elements = {v.name: sympy.Mul(*v.shape) for v in net.inputs}
    strides = {v.name: layout.contiguous(v.shape) for v in net.inputs}
    rows, saved = [], {}
    network_inputs = {v.name for v in net.inputs}
    held = set()  # parameters and buffers read in forward: what autograd keeps of them is not an activation
    for layer in net.layers:
        elements[layer.output.name] = net.fresh.get(layer.output.name, sympy.Mul(*layer.output.shape))
        x = layer.inputs[0]
        viewing = isinstance(layer.operator, VIEWS) and not isinstance(layer.operator, Contiguous)
        viewed = layout.follow(layer.operator, strides.get(x.name), layer.output.shape, x.shape) if viewing else None
        if viewing and viewed is not layout.COPY:
            base.setdefault(layer.output.name, x.name)
            strides[layer.output.name] = viewed
        else:  # a layer's output, or a reshape PyTorch makes as a copy: a compact storage of its own
            strides[layer.output.name] = layout.contiguous(layer.output.shape)
        if isinstance(layer.operator, Constant) and (
            layer.operator.parameter or (layer.inputs[0].name in network_inputs and layer.output.name not in net.fresh)
        ):
            held.add(layer.output.name)  # a parameter, or a buffer (a tensor computed from one reads that layer)
        own = _own_params(layer.cost)
        params = own if trainable is None else frozenset(trainable(layer)) & own
        needs = backward.Needs(tuple(needs_grad[v.name] for v in layer.inputs), params)
        needs_grad[layer.output.name] = needs.anything
        step = _layer_step(net, layer, needs)
        rows.append(LayerTrainingCost(layer.name, repr(layer.operator), needs, step))
        for tensor in step.saved:
            key, size = _storage(tensor, layer, needs, base, elements, strides)
            if key in held:
                continue
            saved.setdefault(key, SavedTensor(key, layer.name, size, tensor.kind))

    for key, (layer_name, size) in net.computed.items():  # a weight computed in forward is an activation
        saved.setdefault(key, SavedTensor(key, layer_name, sympy.Integer(size) if isinstance(size, int) else size))

    def parts(part: str, suffix: str) -> Cost:
        return Cost.sequence(f"{net.name}{suffix}", [(row.name, row.cost.part(part)) for row in rows])

    def gradients() -> tuple[Cost, Cost]:
        return parts("grad-input", " grad input"), parts("grad-params", " grad params")

    trainable_total = sympy.Add(*(row.cost.trainable for row in rows))
    forward, back = parts("forward", ""), parts("backward", " backward")
    total = TrainingCost(net.name, forward, back, trainable_total, tuple(saved.values()), gradients)
    return NetworkTrainingCost(net.name, tuple(rows), total)


def from_torch(model, input_shape: Sequence[object], *, sizes=None) -> NetworkTrainingCost:
    """Training cost of a ``torch.nn.Module`` (extra ``symconv[torch]``), honouring each parameter's ``requires_grad``.

    The network is read as :func:`symconv.from_torch` reads it; a layer's parameters get a
    gradient when ``requires_grad`` is set on them; the inputs need none. In-place modules
    and operations (``ReLU(inplace=True)``, ``out += x``) share their input's storage, so what
    autograd saves from them is counted once. ``sizes`` declares the range of each size symbol
    the cost is for, as :func:`symconv.from_torch` takes it.
    """
    from torch import fx

    from symconv.network.torch_fx import trace

    net, _ = trace(model, input_shape, sizes=sizes)
    modules = dict(model.named_modules())

    def trainable(layer: Layer) -> frozenset[str]:
        module = modules.get(layer.name)
        if module is not None:
            return frozenset(name for name, p in module.named_parameters(recurse=False) if p.requires_grad)
        parent, _, part = layer.name.rpartition(".")
        owner = dict(modules.get(parent, model).named_parameters(recurse=False))
        if part in owner:  # a parameter read in forward (a layer scale's gamma): the layer's weight
            return frozenset({"weight"}) if owner[part].requires_grad else frozenset()
        # a layer made of a module's own parameters (MultiheadAttention's in_proj: its in_proj_weight)
        found = {name: p for name, p in owner.items() if name.startswith(f"{part}_")}
        if found:
            return frozenset(name.removeprefix(f"{part}_") for name, p in found.items() if p.requires_grad)
        return ALL_PARAMETERS  # parameters read in a forward: trainable, as PyTorch makes them

    layer_inputs = {layer.name: layer.inputs for layer in net.layers}
    aliases = {}
    try:
        nodes = fx.symbolic_trace(model).graph.nodes
    except Exception:  # control flow on sizes, which symconv's own trace follows: in-place modules only
        nodes = [_ModuleCall(name) for name in layer_inputs if name in modules]
    for node in nodes:
        name = node.target if node.op == "call_module" else node.name
        if name in layer_inputs and _in_place(node, modules):
            aliases[name] = layer_inputs[name][0].name
    return network_cost(net, trainable, aliases=aliases)


@dataclass(frozen=True)
class _ModuleCall:
    """A call of a module, as an fx node describes it."""

    target: str
    op: str = "call_module"


#: In-place activations that keep a copy rather than the storage they share: autograd keeps the input's
#: original values for those whose backward reads the input (hardswish, silu, ...), and hardtanh a copy of its result.
KEEPS_A_COPY = frozenset({"hardtanh", "relu6", "hardswish", "silu", "hardsigmoid", "mish", "gelu"})


def _in_place(node, modules) -> bool:
    import operator

    if node.op == "call_module":
        module = modules[node.target]
        return bool(getattr(module, "inplace", False)) and type(module).__name__.lower() not in KEEPS_A_COPY
    if node.op == "call_method":
        return node.target.endswith("_") and node.target.rstrip("_") not in KEEPS_A_COPY
    if node.target is operator.iadd:
        return True
    return bool(node.kwargs.get("inplace", False)) and getattr(node.target, "__name__", "") not in KEEPS_A_COPY


def _root(name: str, base: Mapping[str, str]) -> str:
    while name in base:
        name = base[name]
    return name


def _storage(tensor: SavedTensor, layer: Layer, needs, base, elements, strides) -> tuple[str, sympy.Expr]:
    """The storage a saved tensor lives in (views and in-place outputs resolved) and its elements.

    An operand a matmul, einsum or linear layer cannot fold into the GEMM's shape without a copy is
    copied compactly first (:func:`symconv.analysis.layout.operand_copied`): autograd keeps that copy,
    a storage of its own.
    """
    kind, *rest = tensor.name.split(":")
    if kind == "own":
        return f"{layer.name}:{rest[0]}", tensor.elements
    value = layer.output.name if kind == "output" else layer.inputs[int(rest[0])].name
    if kind == "input":
        shapes = [x.shape for x in layer.inputs]
        operand_strides = [strides.get(x.name) for x in layer.inputs]
        if layout.operand_copied(layer.operator, int(rest[0]), shapes, operand_strides, needs.inputs):
            return f"{layer.name}:{tensor.name}", tensor.elements
    root = _root(value, base)
    return root, elements[root]


def _layer_step(net: Network, layer: Layer, needs: backward.Needs) -> TrainingCost:
    """The layer's training cost, on the shapes its forward was costed on."""
    op = layer.operator
    inputs = _input_tensors(op, tuple(x.shape for x in layer.inputs))
    statistics = backward.has_statistics(op)  # batch norm's forward computes more in training mode
    forward = _with_rules(backward.training_forward(op, inputs), repr(op), layer.cost) if statistics else layer.cost
    return _step(op, inputs, forward, needs, layer.name)


__all__ = [
    "Grad",
    "LayerTrainingCost",
    "NetworkTrainingCost",
    "SavedTensor",
    "TrainingCost",
    "TrainingMemory",
    "cost",
    "default_ratio_operators",
    "from_torch",
    "network_cost",
    "ratio_table",
    "training_memory",
]
