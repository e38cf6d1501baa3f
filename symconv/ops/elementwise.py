"""Elementwise operators: activations, and sums and products of same-shape tensors.

Each lowers to one :class:`~symconv.lowering.Elementwise` stage: its arithmetic is
counted there, once. None has a GEMM, so none adds MACs (as ``FlopCounterMode``).
A comparison (ReLU, a max) is not arithmetic in any convention.
"""

from __future__ import annotations

from typing import ClassVar

import sympy

from symconv.errors import InvalidConfiguration
from symconv.lowering import Elementwise, Lowering, Role, Tensor
from symconv.ops.base import Operator, Shape
from symconv.ops.registry import register
from symconv.sizes import require_equal


class Map(Operator):
    """An elementwise map of any shape: ``mults_each``/``adds_each`` per element, plus its own parameters."""

    mults_each: ClassVar[int] = 0
    adds_each: ClassVar[int] = 0

    def parameters(self, prefix: str) -> tuple[Tensor, ...]:
        return ()

    def lower(self, x: Tensor, *, prefix: str = "", output_role: Role = "output") -> Lowering:
        output = Tensor(f"{prefix}output", output_role, x.shape)
        stage = Elementwise(
            output.elements,
            sympy.Integer(self.mults_each),
            sympy.Integer(self.adds_each),
            reads=(x, *self.parameters(prefix)),
            writes=(output,),
        )
        return Lowering((stage,), output)


ACTIVATION_MODULES = (
    "ReLU6", "SiLU", "GELU", "Hardswish", "Hardsigmoid", "Sigmoid", "Tanh", "LeakyReLU", "ELU", "Mish", "PReLU",
)  # fmt: skip


@register(
    "activation",
    torch=(
        *(f"torch.nn.{name}" for name in ACTIVATION_MODULES),
        *(f"torch.nn.functional.{name}" for name in ("relu6", "silu", "gelu")),
        "torch.sigmoid",
        "Tensor.sigmoid",
    ),
    build=lambda module: Activation(type(module).__name__),
    call=lambda name, *args, **kwargs: Activation(name),
    example=({"function": "GELU"}, ((2, 3),)),
)
class Activation(Map):
    """An activation (``ReLU``, ``ReLU6``, ``SiLU``, ``GELU`` ...): read and write every element, no arithmetic counted.

    >>> Activation("ReLU").cost((1, 64, 56, 56)).memory()  # read once, written once
    401408
    """

    def __init__(self, function: str = "ReLU") -> None:
        if not isinstance(function, str) or not function.isidentifier():
            raise InvalidConfiguration(f"function={function!r} must be an activation's name, e.g. 'GELU'")
        self.function = function

    def __repr__(self) -> str:
        return self.function + "()"


@register(
    "relu",
    torch=("torch.nn.ReLU", "torch.relu", "torch.nn.functional.relu", "Tensor.relu", "Tensor.relu_"),
    call=lambda name, *args, **kwargs: ReLU(),
    example=({}, ((2, 3),)),
)
class ReLU(Activation):
    """``torch.nn.ReLU``."""

    def __init__(self) -> None:
        super().__init__("ReLU")


def same_shapes(shapes: tuple[Shape, ...], op: str) -> None:
    """Raise unless every shape equals the first."""
    first = shapes[0]
    for k, shape in enumerate(shapes[1:], start=1):
        if len(shape) != len(first):
            raise InvalidConfiguration(f"{op}: input {k} has shape {shape}, input 0 has {first}")
        for i, (a, b) in enumerate(zip(first, shape, strict=True)):
            require_equal(b, f"input_shapes[{k}][{i}]", a, f"input_shapes[0][{i}]")


class Combine(Operator):
    """``n`` same-shape tensors combined element by element: ``n - 1`` operations per element."""

    arity = None
    counts: ClassVar[str]

    def check_inputs(self, *shapes: Shape) -> tuple[Shape, ...]:
        same_shapes(shapes, type(self).__name__)
        return shapes

    def lower(self, *inputs: Tensor, prefix: str = "", output_role: Role = "output") -> Lowering:
        output = Tensor(f"{prefix}output", output_role, inputs[0].shape)
        each = {self.counts: sympy.Integer(len(inputs) - 1)}
        stage = Elementwise(output.elements, **each, reads=inputs, writes=(output,))
        return Lowering((stage,), output)


@register(
    "add",
    torch=("operator.add", "operator.iadd", "torch.add", "Tensor.add", "Tensor.add_"),
    call=lambda name, a, b, alpha=1: Add(),
    example=({}, ((2, 3), (2, 3))),
)
class Add(Combine):
    """Residual sum (``x + y``, ``torch.add``): one addition per element and extra input.

    >>> from symconv.symbols import C, H, W
    >>> Add().cost((1, C, H, W), (1, C, H, W)).adds
    C*H*W
    """

    counts = "adds_each"


@register(
    "multiply",
    torch=("operator.mul", "torch.mul", "Tensor.mul"),
    example=({}, ((2, 3), (2, 3))),
)
class Multiply(Combine):
    """Elementwise product (``x * y``): one multiplication per element and extra input."""

    counts = "mults_each"
