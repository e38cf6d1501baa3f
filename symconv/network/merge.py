"""Layers with several inputs: residual sums, products, concatenation, matrix products.

They share :class:`~symconv.ops.base.Operator`'s interface with a variable number of
input shapes: ``op.cost(shape_a, shape_b)``, ``op.output_shape(shape_a, shape_b)``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import ClassVar

import sympy

from symconv.cost import Cost
from symconv.errors import InvalidConfiguration
from symconv.lowering import Elementwise, Gemm, Lowering, Role, Tensor
from symconv.sizes import as_size, product, require_equal


class Merge(ABC):
    """An operator on several tensors, lowered like the others."""

    @abstractmethod
    def lower(self, inputs: tuple[Tensor, ...], *, prefix: str = "", output_role: Role = "output") -> Lowering:
        """The stages computing this operator on ``inputs``."""

    def check_inputs(self, shapes: tuple[tuple[sympy.Expr, ...], ...]) -> None:  # noqa: B027 (optional hook)
        """Raise if the input shapes do not fit together."""

    def cost(self, *input_shapes: Sequence[object]) -> Cost:
        """The cost on inputs of ``input_shapes`` (PyTorch layout; ints or symbols)."""
        return Cost.from_lowering(repr(self), self.lower(self.input_tensors(input_shapes)))

    def output_shape(self, *input_shapes: Sequence[object]) -> tuple[sympy.Expr, ...]:
        """Shape of the result."""
        return self.lower(self.input_tensors(input_shapes)).output.shape

    def input_tensors(self, input_shapes: tuple[Sequence[object], ...]) -> tuple[Tensor, ...]:
        if len(input_shapes) < 2:
            raise InvalidConfiguration(f"{type(self).__name__} needs at least two inputs, got {len(input_shapes)}")
        shapes = tuple(
            tuple(as_size(v, f"input_shapes[{k}][{i}]") for i, v in enumerate(shape))
            for k, shape in enumerate(input_shapes)
        )
        self.check_inputs(shapes)
        return tuple(Tensor(f"input{k}", "input", shape) for k, shape in enumerate(shapes))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(self._repr_args())})"

    def _repr_args(self) -> list[str]:
        return []


def _same_shapes(shapes: tuple[tuple[sympy.Expr, ...], ...], op: str) -> None:
    first = shapes[0]
    for k, shape in enumerate(shapes[1:], start=1):
        if len(shape) != len(first):
            raise InvalidConfiguration(f"{op}: input {k} has shape {shape}, input 0 has {first}")
        for i, (a, b) in enumerate(zip(first, shape, strict=True)):
            require_equal(b, f"input_shapes[{k}][{i}]", a, f"input_shapes[0][{i}]")


class _Elementwise(Merge):
    """``n`` same-shape tensors combined element by element: ``n - 1`` operations per element."""

    counts: ClassVar[str]

    def check_inputs(self, shapes: tuple[tuple[sympy.Expr, ...], ...]) -> None:
        _same_shapes(shapes, type(self).__name__)

    def lower(self, inputs: tuple[Tensor, ...], *, prefix: str = "", output_role: Role = "output") -> Lowering:
        output = Tensor(f"{prefix}output", output_role, inputs[0].shape)
        each = {self.counts: sympy.Integer(len(inputs) - 1)}
        stage = Elementwise(output.elements, **each, reads=inputs, writes=(output,))
        return Lowering((stage,), output)


class Add(_Elementwise):
    """Residual sum (``x + y``, ``torch.add``): one addition per element and extra input.

    >>> from symconv.symbols import C, H, W
    >>> Add().cost((1, C, H, W), (1, C, H, W)).adds
    C*H*W
    """

    counts = "adds_each"


class Multiply(_Elementwise):
    """Elementwise product (``x * y``): one multiplication per element and extra input."""

    counts = "mults_each"


class Concat(Merge):
    """``torch.cat(tensors, dim)``: every input copied into the output, no arithmetic.

    >>> Concat(1).output_shape((1, 16, 8, 8), (1, 48, 8, 8))
    (1, 64, 8, 8)
    """

    def __init__(self, dim: int = 0) -> None:
        self.dim = dim

    def check_inputs(self, shapes: tuple[tuple[sympy.Expr, ...], ...]) -> None:
        rank = len(shapes[0])
        if not -rank <= self.dim < rank:
            raise InvalidConfiguration(f"dim={self.dim} is out of range for {rank}-dimensional inputs")
        dim = self.dim % rank
        _same_shapes(tuple(s[:dim] + s[dim + 1 :] for s in shapes), f"Concat(dim={self.dim}) outside dim")

    def lower(self, inputs: tuple[Tensor, ...], *, prefix: str = "", output_role: Role = "output") -> Lowering:
        first = inputs[0].shape
        dim = self.dim % len(first)
        shape = (*first[:dim], sympy.Add(*(t.shape[dim] for t in inputs)), *first[dim + 1 :])
        output = Tensor(f"{prefix}output", output_role, shape)
        return Lowering((Elementwise(output.elements, reads=inputs, writes=(output,)),), output)

    def _repr_args(self) -> list[str]:
        return [f"dim={self.dim}"]


class Matmul(Merge):
    """``torch.matmul``/``bmm`` of two tensors of rank >= 2: one GEMM per (broadcast) batch entry.

    >>> from symconv.symbols import N, L, C
    >>> Matmul().cost((N, L, C), (N, C, L)).macs  # attention scores
    C*L**2*N
    """

    def check_inputs(self, shapes: tuple[tuple[sympy.Expr, ...], ...]) -> None:
        if len(shapes) != 2:
            raise InvalidConfiguration(f"Matmul takes two inputs, got {len(shapes)}")
        a, b = shapes
        if len(a) < 2 or len(b) < 2:
            raise InvalidConfiguration(f"Matmul needs inputs of rank >= 2, got shapes {a} and {b}")
        require_equal(b[-2], "input_shapes[1][-2]", a[-1], "input_shapes[0][-1]")
        for i, (x, y) in enumerate(zip(reversed(a[:-2]), reversed(b[:-2]), strict=False)):
            if not (x == 1 or y == 1):
                require_equal(y, f"batch dim -{i + 3} of input 1", x, "input 0's")

    def lower(self, inputs: tuple[Tensor, ...], *, prefix: str = "", output_role: Role = "output") -> Lowering:
        a, b = inputs
        batch = _broadcast(a.shape[:-2], b.shape[:-2])
        m, k, n = a.shape[-2], a.shape[-1], b.shape[-1]
        output = Tensor(f"{prefix}output", output_role, (*batch, m, n))
        gemm = Gemm(m=m, k=k, n=n, count=product(batch), a=a, b=b, out=output)
        return Lowering((gemm,), output)


def _broadcast(a: tuple[sympy.Expr, ...], b: tuple[sympy.Expr, ...]) -> tuple[sympy.Expr, ...]:
    width = max(len(a), len(b))
    a = (sympy.Integer(1),) * (width - len(a)) + a
    b = (sympy.Integer(1),) * (width - len(b)) + b
    return tuple(y if x == 1 else x for x, y in zip(a, b, strict=True))


__all__ = ["Add", "Concat", "Matmul", "Merge", "Multiply"]
