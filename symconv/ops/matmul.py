"""Matrix products of two tensors: ``torch.matmul``, ``bmm`` and ``@``."""

from __future__ import annotations

import sympy

from symconv.errors import InvalidConfiguration
from symconv.lowering import Gemm, Lowering, Role, Tensor
from symconv.ops.base import Operator, Shape
from symconv.ops.registry import register
from symconv.sizes import product, require_equal


@register(
    "matmul",
    torch=("operator.matmul", "torch.matmul", "torch.bmm", "Tensor.matmul", "Tensor.bmm"),
    example=({}, ((2, 3, 4), (2, 4, 5))),
)
class Matmul(Operator):
    """``torch.matmul``/``bmm`` of two tensors of rank >= 2: one GEMM per (broadcast) batch entry.

    >>> from symconv.symbols import N, L, C
    >>> Matmul().cost((N, L, C), (N, C, L)).macs  # attention scores
    C*L**2*N
    """

    arity = 2

    def check_inputs(self, *shapes: Shape) -> tuple[Shape, ...]:
        a, b = shapes
        if len(a) < 2 or len(b) < 2:
            raise InvalidConfiguration(f"Matmul needs inputs of rank >= 2, got shapes {a} and {b}")
        require_equal(b[-2], "input_shapes[1][-2]", a[-1], "input_shapes[0][-1]")
        for i, (x, y) in enumerate(zip(reversed(a[:-2]), reversed(b[:-2]), strict=False)):
            if not (x == 1 or y == 1):
                require_equal(y, f"batch dim -{i + 3} of input 1", x, "input 0's")
        return shapes

    def lower(self, *inputs: Tensor, prefix: str = "", output_role: Role = "output") -> Lowering:
        a, b = inputs
        batch = _broadcast(a.shape[:-2], b.shape[:-2])
        m, k, n = a.shape[-2], a.shape[-1], b.shape[-1]
        output = Tensor(f"{prefix}output", output_role, (*batch, m, n))
        gemm = Gemm(m=m, k=k, n=n, count=product(batch), a=a, b=b, out=output)
        return Lowering((gemm,), output)


def _broadcast(a: Shape, b: Shape) -> Shape:
    width = max(len(a), len(b))
    a = (sympy.Integer(1),) * (width - len(a)) + a
    b = (sympy.Integer(1),) * (width - len(b)) + b
    return tuple(y if x == 1 else x for x, y in zip(a, b, strict=True))
