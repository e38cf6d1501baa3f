"""Elementwise operators: activations, and sums and products of same-shape tensors.

Each lowers to one :class:`~symconv.core.lowering.Elementwise` stage: its arithmetic is
counted there, once. None has a GEMM, so none adds MACs (as ``FlopCounterMode``).
A comparison (ReLU, a max) is not arithmetic in any convention.
"""

from __future__ import annotations

from typing import ClassVar

import sympy

from symconv.core.lowering import Elementwise, Lowering, Role, Tensor
from symconv.core.sizes import decide, require_equal
from symconv.errors import InvalidConfiguration
from symconv.ops.base import Operator, Shape
from symconv.ops.registry import register


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


FUNCTIONAL_ACTIVATIONS = ("relu6", "silu", "gelu", "hardswish", "hardsigmoid", "mish", "leaky_relu", "elu", "hardtanh")


@register(
    "activation",
    torch=(
        *(f"torch.nn.{name}" for name in ACTIVATION_MODULES),
        *(f"torch.nn.functional.{name}" for name in FUNCTIONAL_ACTIVATIONS),
        "torch.sigmoid",
        "torch.tanh",
        "Tensor.sigmoid",
        "Tensor.sigmoid_",
        "Tensor.tanh",
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
    """Raise unless every shape provably equals the first (sizes sympy cannot prove equal are refused)."""
    first = shapes[0]
    for k, shape in enumerate(shapes[1:], start=1):
        if len(shape) != len(first):
            raise InvalidConfiguration(f"{op}: input {k} has shape {shape}, input 0 has {first}")
        for i, (a, b) in enumerate(zip(first, shape, strict=True)):
            require_equal(b, f"input_shapes[{k}][{i}]", a, f"input_shapes[0][{i}]")
            if a != b and decide(sympy.Eq(a, b, evaluate=False)) is None:
                raise InvalidConfiguration(f"{op}: cannot prove that input {k}'s size {b} equals {a} (dim {i})")


def broadcast_shapes(shapes: tuple[Shape, ...], op: str) -> Shape:
    """PyTorch's broadcast of ``shapes`` (aligned on the right; a size 1 stretches), proven or refused.

    Two sizes agree when they are provably equal, or when one of them is the number 1; sizes
    sympy cannot prove equal (``1`` against ``ceiling(H/4)`` is fine, ``h`` against ``w`` is not)
    raise rather than guess.

    >>> from symconv.symbols import H, W
    >>> broadcast_shapes(((1, 8, 1, 1), (1, 8, H, W)), "Multiply")
    (1, 8, H, W)
    >>> broadcast_shapes(((1, 8, H, W), (1, 8, W, H)), "Multiply")
    Traceback (most recent call last):
    ...
    symconv.errors.InvalidConfiguration: Multiply: cannot prove that input 1's size W broadcasts with H (dim 2)
    """
    rank = max(len(s) for s in shapes)
    out = [sympy.Integer(1)] * rank
    for k, shape in enumerate(shapes):
        for i, size in enumerate(shape, start=rank - len(shape)):
            if size == 1 or size == out[i]:
                continue
            if out[i] == 1:
                out[i] = size
                continue
            proven = decide(sympy.Eq(size, out[i], evaluate=False))
            if proven is not True:
                verb = "does not broadcast" if proven is False else "cannot be proven to broadcast"
                if proven is None:
                    raise InvalidConfiguration(
                        f"{op}: cannot prove that input {k}'s size {size} broadcasts with {out[i]} (dim {i})"
                    )
                raise InvalidConfiguration(f"{op}: input {k}'s size {size} {verb} with {out[i]} (dim {i})")
    return tuple(out)


class Combine(Operator):
    """``n`` tensors combined element by element, broadcast as PyTorch does: ``n - 1`` operations per element."""

    arity = None
    counts: ClassVar[str]

    def check_inputs(self, *shapes: Shape) -> tuple[Shape, ...]:
        broadcast_shapes(shapes, type(self).__name__)
        return shapes

    def lower(self, *inputs: Tensor, prefix: str = "", output_role: Role = "output") -> Lowering:
        shape = broadcast_shapes(tuple(t.shape for t in inputs), type(self).__name__)
        output = Tensor(f"{prefix}output", output_role, shape)
        each = {self.counts: sympy.Integer(len(inputs) - 1)}
        stage = Elementwise(output.elements, **each, reads=inputs, writes=(output,))
        return Lowering((stage,), output)


@register(
    "add",
    torch=(
        *("operator.add", "operator.iadd", "torch.add", "Tensor.add", "Tensor.add_"),
        *("operator.sub", "operator.isub", "torch.sub", "Tensor.sub", "Tensor.sub_"),
    ),
    call=lambda name, a, b, alpha=1: Add(),
    example=({}, ((2, 3), (2, 3))),
)
class Add(Combine):
    """Residual sum (``x + y``, ``torch.add``; a difference too): one addition per element and extra input.

    >>> from symconv.symbols import C, H, W
    >>> Add().cost((1, C, H, W), (1, C, H, W)).adds
    C*H*W
    """

    counts = "adds_each"


@register(
    "multiply",
    torch=(
        *("operator.mul", "operator.imul", "torch.mul", "Tensor.mul", "Tensor.mul_"),
        *("operator.truediv", "torch.div", "Tensor.div"),
    ),
    example=({}, ((2, 3), (2, 3))),
)
class Multiply(Combine):
    """Elementwise product (``x * y``; a quotient too): one multiplication per element and extra input."""

    counts = "mults_each"


@register("scalar", example=({"operation": "mul"}, ((2, 3),)))
class Scalar(Map):
    """A tensor and a Python number (``x * 0.5``, ``x + 3``): one operation per element.

    >>> Scalar("mul").cost((2, 3)).mults, Scalar("add").cost((2, 3)).adds
    (6, 6)
    """

    def __init__(self, operation: str = "mul") -> None:
        if operation not in ("add", "sub", "mul", "truediv", "div", "pow"):
            raise InvalidConfiguration(f"operation={operation!r} must be add, sub, mul, truediv, div or pow")
        self.operation = operation
        self.mults_each, self.adds_each = (0, 1) if operation in ("add", "sub") else (1, 0)

    def _repr_args(self) -> list[str]:
        return [repr(self.operation)]
