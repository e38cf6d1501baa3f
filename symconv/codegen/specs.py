"""What a generated function is made from: an operator built on symbols, and its arguments.

A :class:`Spec` builds the operator (and input shape) from symbols named after
PyTorch's arguments; the generated function takes those arguments. A boolean
``switch`` argument (the bias) selects between two builds, folded into one
expression ``cost(False) + bias*(cost(True) - cost(False))``, exact for ``bias`` in {0, 1}.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import sympy

from symconv.cost import Cost
from symconv.errors import InvalidConfiguration
from symconv.ops import (
    Conv1d,
    Conv2d,
    Conv3d,
    ConvTranspose1d,
    ConvTranspose2d,
    ConvTranspose3d,
    DepthwiseSeparableConv2d,
    Linear,
    Operator,
    PartialConv2d,
)

Build = Callable[[bool], tuple[Operator, Sequence[object]]]


@dataclass(frozen=True)
class Argument:
    """An argument of the generated functions: a symbol's name, what it means, its default."""

    name: str
    doc: str
    default: int | bool | None = None
    minimum: int = 1

    @property
    def symbol(self) -> sympy.Symbol:
        if self.minimum == 0:
            return sympy.Symbol(self.name, integer=True, nonnegative=True)
        return sympy.Symbol(self.name, integer=True, positive=True)


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

    def costs(self) -> tuple[Cost, ...]:
        """One cost per value of the switch (``False`` first), or a single cost."""
        values = (False, True) if self.switch else (False,)
        return tuple(op.cost(shape) for op, shape in (self.build(v) for v in values))

    def expression(self, of: Callable[[Cost], sympy.Expr], costs: tuple[Cost, ...]) -> sympy.Expr:
        """The quantity ``of`` as one expression in the arguments' symbols."""
        if not self.switch:
            return of(costs[0])
        off, on = (of(c) for c in costs)
        return off + self.argument(self.switch).symbol * (on - off)

    def argument(self, name: str) -> Argument:
        return next(a for a in self.arguments if a.name == name)

    @classmethod
    def of(cls, operator: Operator, input_shape: Sequence[object]) -> Spec:
        """A spec for a user's operator: one argument per free symbol, in name order, none defaulted."""
        cost = operator.cost(input_shape)
        symbols = set().union(*(e.free_symbols for e in (cost.macs, cost.adds, cost.params, cost.memory("im2col"))))
        for sym in symbols:
            if not sym.is_integer:
                raise InvalidConfiguration(f"symbol {sym.name!r} must be declared integer to generate exact code")
        arguments = tuple(
            Argument(s.name, f"the size ``{s.name}``", minimum=0 if s.is_positive is not True else 1)
            for s in sorted(symbols, key=lambda s: s.name)
        )
        return cls(repr(operator), arguments, lambda _: (operator, input_shape))


# Built-in operators ------------------------------------------------------------------------------

AXES = {1: ("",), 2: ("_h", "_w"), 3: ("_d", "_h", "_w")}
AXIS_WORDS = {"": "", "_d": " along the depth", "_h": " along the height", "_w": " along the width"}
SPATIAL = {1: ("length",), 2: ("height", "width"), 3: ("depth", "height", "width")}
DOCS = {
    "in_channels": "channels of the input",
    "out_channels": "channels of the output",
    "kernel_size": "kernel size",
    "stride": "stride",
    "padding": "zero padding on each side",
    "crop": "PyTorch's ``padding``: cropped from each side of the output",
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


def _per_axis(name: str, dims: int, default=None, minimum: int = 1, doc: str | None = None) -> tuple[Argument, ...]:
    text = DOCS[doc or name]
    return tuple(Argument(f"{name}{a}", text + AXIS_WORDS[a], default, minimum) for a in AXES[dims])


def _axis_symbols(symbols: dict[str, sympy.Symbol], name: str, dims: int) -> tuple[sympy.Symbol, ...]:
    return tuple(symbols[f"{name}{a}"] for a in AXES[dims])


def _conv_arguments(dims: int, transposed: bool) -> tuple[Argument, ...]:
    optional = (
        *_per_axis("stride", dims, 1),
        *_per_axis("padding", dims, 0, 0, doc="crop" if transposed else None),
        *(_per_axis("output_padding", dims, 0, 0) if transposed else ()),
        *_per_axis("dilation", dims, 1),
        Argument("groups", DOCS["groups"], 1),
    )
    return (
        Argument("in_channels", DOCS["in_channels"]),
        Argument("out_channels", DOCS["out_channels"]),
        *_per_axis("kernel_size", dims),
        *(Argument(n, DOCS[n]) for n in SPATIAL[dims]),
        *optional,
        Argument("bias", DOCS["bias"], True, 0),
        Argument("batch", DOCS["batch"], 1),
    )


def _conv_spec(cls: type[Operator], transposed: bool) -> Spec:
    dims = cls.dims
    arguments = _conv_arguments(dims, transposed)
    sym = {a.name: a.symbol for a in arguments}
    names = ("kernel_size", "stride", "padding", "dilation", *(("output_padding",) if transposed else ()))
    hyper = {name: _axis_symbols(sym, name, dims) for name in names}
    shape = (sym["batch"], sym["in_channels"], *(sym[n] for n in SPATIAL[dims]))

    def build(bias: bool):
        return cls(sym["in_channels"], sym["out_channels"], groups=sym["groups"], bias=bias, **hyper), shape

    divisible = (("in_channels", "groups"), ("out_channels", "groups"))
    return Spec(f"torch.nn.{cls.__name__}", arguments, build, switch="bias", divisible=divisible)


def _linear_spec() -> Spec:
    arguments = (
        Argument("in_features", DOCS["in_features"]),
        Argument("out_features", DOCS["out_features"]),
        Argument("bias", DOCS["bias"], True, 0),
        Argument("batch", "rows of the input (the product of its leading dimensions)", 1),
    )
    f_in, f_out, _, batch = (a.symbol for a in arguments)
    return Spec("torch.nn.Linear", arguments, lambda bias: (Linear(f_in, f_out, bias), (batch, f_in)), switch="bias")


def _depthwise_separable_spec(fused: bool) -> Spec:
    arguments = (
        Argument("in_channels", DOCS["in_channels"]),
        Argument("out_channels", DOCS["out_channels"]),
        *_per_axis("kernel_size", 2),
        Argument("height", DOCS["height"]),
        Argument("width", DOCS["width"]),
        *_per_axis("stride", 2, 1),
        *_per_axis("padding", 2, 0, 0),
        *_per_axis("dilation", 2, 1),
        Argument("depth_multiplier", DOCS["depth_multiplier"], 1),
        Argument("bias", DOCS["bias"], True, 0),
        Argument("batch", DOCS["batch"], 1),
    )
    sym = {a.name: a.symbol for a in arguments}

    def build(bias: bool):
        op = DepthwiseSeparableConv2d(
            sym["in_channels"],
            sym["out_channels"],
            _axis_symbols(sym, "kernel_size", 2),
            stride=_axis_symbols(sym, "stride", 2),
            padding=_axis_symbols(sym, "padding", 2),
            dilation=_axis_symbols(sym, "dilation", 2),
            depth_multiplier=sym["depth_multiplier"],
            bias=bias,
            fused=fused,
        )
        return op, (sym["batch"], sym["in_channels"], sym["height"], sym["width"])

    kind = "fused into one kernel" if fused else "two kernels"
    return Spec(f"depthwise-separable Conv2d ({kind})", arguments, build, switch="bias")


def _partial_spec(forward: str) -> Spec:
    arguments = (
        Argument("channels", DOCS["channels"]),
        Argument("height", DOCS["height"]),
        Argument("width", DOCS["width"]),
        Argument("kernel_size", DOCS["kernel_size"], 3),
        Argument("n_div", DOCS["n_div"], 4),
        Argument("bias", DOCS["bias"], False, 0),
        Argument("batch", DOCS["batch"], 1),
    )
    c, h, w, k, n_div, _, n = (a.symbol for a in arguments)

    def build(bias: bool):
        return PartialConv2d(c, k, n_div=n_div, forward=forward, bias=bias), (n, c, h, w)

    return Spec(f"FasterNet's partial Conv2d (forward={forward!r})", arguments, build, switch="bias")


def builtin_specs() -> dict[str, Spec]:
    """The built-in operators, keyed by the prefix of their generated functions."""
    return {
        "conv1d": _conv_spec(Conv1d, False),
        "conv2d": _conv_spec(Conv2d, False),
        "conv3d": _conv_spec(Conv3d, False),
        "conv_transpose1d": _conv_spec(ConvTranspose1d, True),
        "conv_transpose2d": _conv_spec(ConvTranspose2d, True),
        "conv_transpose3d": _conv_spec(ConvTranspose3d, True),
        "linear": _linear_spec(),
        "depthwise_separable_conv2d": _depthwise_separable_spec(False),
        "depthwise_separable_conv2d_fused": _depthwise_separable_spec(True),
        "partial_conv2d": _partial_spec("slicing"),
        "partial_conv2d_split_cat": _partial_spec("split_cat"),
    }
