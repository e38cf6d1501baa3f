"""``torch.nn.Linear``: one GEMM over all leading dimensions, plus the bias."""

from __future__ import annotations

import sympy

from symconv.core.lowering import BiasAdd, Gemm, Lowering, Role, Stage, Tensor
from symconv.core.sizes import as_size, product, require_equal
from symconv.core.validate import flag
from symconv.errors import InvalidConfiguration
from symconv.ops.base import Operator
from symconv.ops.registry import Generated, register


@register(
    "linear",
    torch=("torch.nn.Linear",),
    example=({"in_features": 3, "out_features": 4}, ((2, 3),)),
    codegen=Generated(("batch", "in_features"), {"linear": {}}),
)
class Linear(Operator):
    """``y = x W^T + b`` on an input ``(*, in_features)``: one GEMM over all leading dimensions.

    >>> from symconv.symbols import N, F_in, F_out
    >>> Linear(F_in, F_out).cost((N, F_in)).adds  # N*F_out sums of F_in products, plus the bias
    F_out*N*(F_in - 1) + F_out*N
    """

    def __init__(self, in_features, out_features, bias: bool = True) -> None:
        self.in_features = as_size(in_features, "in_features")
        self.out_features = as_size(out_features, "out_features")
        self.bias = flag(bias, "bias")

    def check_input(self, shape: tuple[sympy.Expr, ...]) -> tuple[sympy.Expr, ...]:
        if not shape:
            raise InvalidConfiguration("input_shape=() must have at least one dimension (*, in_features)")
        require_equal(shape[-1], "input_shape[-1]", self.in_features, "in_features")
        return shape

    def lower(self, x: Tensor, *, prefix: str = "", output_role: Role = "output") -> Lowering:
        *leading, _ = x.shape
        rows = product(leading)
        weight = Tensor(f"{prefix}weight", "weight", (self.out_features, self.in_features))
        output = Tensor(f"{prefix}output", output_role, (*leading, self.out_features))
        stages: list[Stage] = [
            Gemm(m=rows, k=self.in_features, n=self.out_features, count=sympy.Integer(1), a=x, b=weight, out=output)
        ]
        if self.bias:
            stages.append(BiasAdd(Tensor(f"{prefix}bias", "bias", (self.out_features,)), output))
        return Lowering(tuple(stages), output)

    def _repr_args(self) -> list[str]:
        return [f"in_features={self.in_features}", f"out_features={self.out_features}", f"bias={self.bias}"]
