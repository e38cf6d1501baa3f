"""What a generated function is made from: an operator built on symbols, and its arguments.

A :class:`Spec` builds the operator (and input shape) from symbols named after
PyTorch's arguments; the generated function takes those arguments. A boolean
``switch`` argument (the bias) selects between two builds, folded into one
expression ``cost(False) + bias*(cost(True) - cost(False))``, exact for ``bias`` in {0, 1}.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import sympy

from symconv.analysis.arguments import as_cost
from symconv.core.cost import Cost
from symconv.errors import InvalidConfiguration, WrongType
from symconv.ops import registry
from symconv.ops.base import Operator, PerAxis, shapes_for
from symconv.ops.registry import Free, Registration, constructor_parameters

if TYPE_CHECKING:
    from symconv.analysis.training import TrainingCost

Build = Callable[[bool], tuple[Operator, Sequence[object]]]


def plain_text(text: object, what: str) -> str:
    """Text that a generated docstring can hold as it is: printable, no backslash, no triple quote."""
    if not isinstance(text, str):
        raise WrongType(f"{what}={text!r} must be a string")
    if not text.isprintable() or "\\" in text or '"""' in text:
        raise InvalidConfiguration(f"{what}={text!r} must be printable text without backslashes or triple quotes")
    return text


@dataclass(frozen=True)
class Argument:
    """An argument of the generated functions: a symbol's name, what it means, its default.

    With ``axes`` (one symbol name per spatial axis) the argument is given as PyTorch
    gives it: one value for every axis, or a tuple with one per axis.
    """

    name: str
    doc: str
    default: int | bool | None = None
    minimum: int = 1
    axes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        # the default is printed into generated code, and the doc into its docstring: exact types, plain text
        if type(self.default) not in (int, bool, type(None)):
            raise WrongType(f"Argument {self.name!r}: default={self.default!r} must be an int, a bool or None")
        if type(self.minimum) is not int or self.minimum not in (0, 1):
            raise InvalidConfiguration(f"Argument {self.name!r}: minimum={self.minimum!r} must be 0 or 1")
        plain_text(self.doc, f"Argument {self.name!r}: doc")

    @property
    def symbol(self) -> sympy.Symbol:
        return self._symbol(self.name)

    @property
    def symbols(self) -> tuple[sympy.Symbol, ...]:
        """The argument's symbols: one per axis, or its own."""
        return tuple(self._symbol(name) for name in self.axes or (self.name,))

    def _symbol(self, name: str) -> sympy.Symbol:
        if self.minimum == 0:
            return sympy.Symbol(name, integer=True, nonnegative=True)
        return sympy.Symbol(name, integer=True, positive=True)


@dataclass(frozen=True)
class Spec:
    """An operator to generate functions for.

    ``build(switch_value)`` returns ``(operator, input_shape)`` in the symbols of
    ``arguments``; without a ``switch`` it is called once with ``False``. ``divisible``
    names pairs ``(n, d)`` of arguments where ``d`` divides ``n`` in every configuration
    PyTorch accepts (``groups`` and the channel counts).
    """

    title: str
    arguments: tuple[Argument, ...]
    build: Build
    switch: str | None = None
    divisible: tuple[tuple[str, str], ...] = ()

    def divisible_symbols(self) -> tuple[tuple[sympy.Symbol, sympy.Symbol], ...]:
        return tuple((self.argument(n).symbol, self.argument(d).symbol) for n, d in self.divisible)

    def __post_init__(self) -> None:
        plain_text(self.title, "Spec title")
        if not callable(self.build):
            raise WrongType(f"Spec {self.title!r}: build={self.build!r} must be a function")

    def costs(self, grad: bool | str = False) -> tuple[Cost | TrainingCost, ...]:
        """One cost per value of the switch (``False`` first), or a single cost; training steps with ``grad``."""
        values = (False, True) if self.switch else (False,)
        return tuple(as_cost(op, shape, grad=grad) for op, shape in (self.build(v) for v in values))

    def expression(self, of: Callable[[Cost], sympy.Expr], costs: tuple[Cost, ...]) -> sympy.Expr:
        """The quantity ``of`` as one expression in the arguments' symbols."""
        if not self.switch:
            return of(costs[0])
        off, on = (of(c) for c in costs)
        return off + self.argument(self.switch).symbol * (on - off)

    def argument(self, name: str) -> Argument:
        return next(a for a in self.arguments if a.name == name)

    @classmethod
    def of(cls, operator: Operator, input_shape: Sequence[object] | None) -> Spec:
        """A spec for a user's operator: one argument per free symbol, in name order, none defaulted.

        ``input_shape``: one shape, one per input for an operator of several, ``None`` for a network.
        """
        cost = operator.total_cost(*shapes_for(operator, input_shape))
        symbols = set().union(*(e.free_symbols for e in (cost.macs, cost.adds, cost.params, cost.memory("im2col"))))
        for sym in symbols:
            if not sym.is_integer:
                raise InvalidConfiguration(f"symbol {sym.name!r} must be declared integer to generate exact code")
        arguments = tuple(
            Argument(s.name, f"the size ``{s.name}``", minimum=0 if s.is_positive is not True else 1)
            for s in sorted(symbols, key=lambda s: s.name)
        )
        return cls(repr(operator), arguments, lambda _: (operator, input_shape))


# Built-in operators: read from the registry ------------------------------------------------------

AXES = {1: ("",), 2: ("_h", "_w"), 3: ("_d", "_h", "_w")}
SPATIAL = {1: ("length",), 2: ("height", "width"), 3: ("depth", "height", "width")}
DOCS = {
    "in_channels": "channels of the input",
    "out_channels": "channels of the output",
    "kernel_size": "kernel size",
    "stride": "stride",
    "padding": "zero padding on each side",
    "output_padding": "extra size added to one side of the output",
    "dilation": "spacing between kernel taps",
    "groups": "blocked connections from input to output channels; divides both channel counts",
    "bias": "whether the layer adds a learnable bias (True/False or 1/0)",
    "batch": "batch size",
    "length": "input length",
    "depth": "input depth",
    "height": "input height",
    "width": "input width",
    "in_features": "size of each input sample",
    "out_features": "size of each output sample",
    "depth_multiplier": "depthwise outputs per input channel",
    "channels": "channels of the input and the output",
    "n_div": "the convolution covers channels // n_div channels (FasterNet's n_div)",
}
#: where an argument means something else for one family: (class name, argument) -> text
DOCS_OF_CLASS = {
    ("ConvTransposeNd", "padding"): "PyTorch's ``padding``: cropped from each side of the output",
    ("Linear", "batch"): "rows of the input (the product of its leading dimensions)",
}


def _doc(cls: type, name: str) -> str:
    for klass in cls.__mro__:
        if (klass.__name__, name) in DOCS_OF_CLASS:
            return DOCS_OF_CLASS[klass.__name__, name]
    return DOCS[name]


def _arguments(cls: type, fixed: Mapping[str, object]) -> tuple[list[Argument], dict[str, tuple[str, ...]]]:
    """The arguments from the constructor's size parameters (per axis where annotated so), and their names."""
    dims = getattr(cls, "dims", 1)
    arguments: list[Argument] = []
    names: dict[str, tuple[str, ...]] = {}
    for param in constructor_parameters(cls):
        given = fixed.get(param.name, param.default)
        default = given.default if isinstance(given, Free) else given
        if param.name in fixed and not isinstance(given, Free):
            continue
        if param.annotation is bool:
            if param.name == "bias":  # the switch: with and without bias in one expression
                arguments.append(Argument("bias", _doc(cls, "bias"), default, 0))
            continue
        if param.annotation is str or default is None:  # a mode, or an alternative left out
            continue
        required = default is inspect.Parameter.empty
        default = None if required else default
        minimum = 0 if default == 0 else 1
        axes = AXES[dims] if param.annotation is PerAxis else ("",)
        names[param.name] = tuple(f"{param.name}{a}" for a in axes)
        doc = _doc(cls, param.name)
        if len(axes) > 1:
            doc += f" (one value, or a tuple of {len(axes)}: {', '.join(SPATIAL[dims])})"
        arguments.append(Argument(param.name, doc, default, minimum, names[param.name] if len(axes) > 1 else ()))
    return arguments, names


def registered_spec(entry: Registration, fixed: Mapping[str, object]) -> Spec:
    """The spec of a registered operator with constructor arguments ``fixed``, from its signature and layout."""
    cls = entry.cls
    arguments, names = _arguments(cls, fixed)
    known = {a.name for a in arguments}
    arguments += [
        Argument(n, _doc(cls, n), 1 if n == "batch" else None) for n in entry.codegen.layout if n not in known
    ]
    sym = {s.name: s for a in arguments for s in a.symbols}
    constants = {k: v for k, v in fixed.items() if not isinstance(v, Free)}
    per_axis = {name for name, axes in names.items() if axes != (name,)}

    def build(bias: bool):
        kwargs = {name: tuple(sym[a] for a in axes) if name in per_axis else sym[name] for name, axes in names.items()}
        kwargs |= constants | ({"bias": bias} if "bias" in known else {})
        return cls(**kwargs), tuple(sym[n] for n in entry.codegen.layout)

    modules = entry.modules()
    title = modules[0] if modules else cls.__name__
    if constants:
        title += f" ({', '.join(f'{k}={v!r}' for k, v in constants.items())})"
    # PyTorch's rule for the convolutions: groups divides both channel counts
    divisible = tuple((n, "groups") for n in ("in_channels", "out_channels") if {n, "groups"} <= sym.keys())
    return Spec(title, tuple(arguments), build, switch="bias" if "bias" in known else None, divisible=divisible)


def builtin_specs() -> dict[str, Spec]:
    """The registered operators' built-in specs, keyed by the prefix of their generated functions."""
    return {
        prefix: registered_spec(entry, fixed)
        for entry in registry.registrations()
        if entry.codegen is not None
        for prefix, fixed in entry.codegen.variants.items()
    }
