"""Matrix products of two tensors: ``torch.matmul``, ``bmm`` and ``@``."""

from __future__ import annotations

import sympy

from symconv.core.lowering import Gemm, Lowering, Role, Tensor
from symconv.core.sizes import decide, product
from symconv.errors import InvalidConfiguration
from symconv.ops.base import Operator, Shape
from symconv.ops.elementwise import broadcast_shapes
from symconv.ops.registry import register


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
        if decide(sympy.Eq(a[-1], b[-2], evaluate=False)) is not True:  # unprovable: refused, not assumed
            raise InvalidConfiguration(
                f"Matmul: cannot prove that input 1's rows ({b[-2]}) match input 0's columns ({a[-1]})"
            )
        broadcast_shapes((a[:-2], b[:-2]), "Matmul (batch dimensions)")
        return shapes

    def lower(self, *inputs: Tensor, prefix: str = "", output_role: Role = "output") -> Lowering:
        a, b = inputs
        batch = broadcast_shapes((a.shape[:-2], b.shape[:-2]), "Matmul (batch dimensions)")
        m, k, n = a.shape[-2], a.shape[-1], b.shape[-1]
        output = Tensor(f"{prefix}output", output_role, (*batch, m, n))
        gemm = Gemm(m=m, k=k, n=n, count=product(batch), a=a, b=b, out=output)
        return Lowering((gemm,), output)
