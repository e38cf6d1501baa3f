"""``torch.einsum`` of two operands: one batched GEMM over the indices the equation names.

Each index is a batch index (in both operands and the output), a row of the first
operand (first and output), a column of the second (second and output), or contracted
(both operands, not the output): ``count * m * n * k`` MACs, as PyTorch lowers it to ``bmm``.
"""

from __future__ import annotations

from symconv.core.lowering import Gemm, Lowering, Role, Tensor
from symconv.core.sizes import product, require_equal
from symconv.errors import InvalidConfiguration
from symconv.ops.base import Operator, Shape
from symconv.ops.registry import register


def _einsum_call(name, equation, *operands):
    return Einsum(equation)


@register(
    "einsum", torch=("torch.einsum",), call=_einsum_call, example=({"equation": "bij,bjk->bik"}, ((2, 3, 4), (2, 4, 5)))
)
class Einsum(Operator):
    """``torch.einsum(equation, a, b)`` with an explicit output (``->``), each index once per operand.

    >>> from symconv.symbols import N, L, C
    >>> Einsum("n i c, n j c -> n i j").cost((N, L, C), (N, L, C)).macs  # attention scores
    C*L**2*N
    """

    arity = 2

    def __init__(self, equation: str) -> None:
        if not isinstance(equation, str) or equation.count("->") != 1 or equation.count(",") != 1:
            raise InvalidConfiguration(f"equation={equation!r} must be 'a,b->out' for two operands")
        inputs, output = equation.replace(" ", "").split("->")
        self.a, self.b = inputs.split(",")
        self.out = output
        for part in (self.a, self.b, self.out):
            if not part.isalpha() or len(set(part)) != len(part):
                raise InvalidConfiguration(f"equation={equation!r}: each operand names each index once (no '...')")
        if set(self.out) - set(self.a) - set(self.b):
            raise InvalidConfiguration(f"equation={equation!r}: the output names an index no operand has")
        self.equation = equation

    def sizes(self, a: Shape, b: Shape) -> dict[str, object]:
        for spec, shape, k in ((self.a, a, 0), (self.b, b, 1)):
            if len(spec) != len(shape):
                raise InvalidConfiguration(f"input {k} has shape {shape}, the equation names {len(spec)} indices")
        sizes = dict(zip(self.a, a, strict=True))
        for index, size in zip(self.b, b, strict=True):
            if index in sizes:
                require_equal(size, f"index {index!r} of input 1", sizes[index], "input 0's")
            sizes.setdefault(index, size)
        return sizes

    def check_inputs(self, *shapes: Shape) -> tuple[Shape, ...]:
        self.sizes(*shapes)
        return shapes

    def lower(self, *inputs: Tensor, prefix: str = "", output_role: Role = "output") -> Lowering:
        a, b = inputs
        sizes = self.sizes(a.shape, b.shape)
        both, out = set(self.a) & set(self.b), set(self.out)

        def size(indices) -> object:
            return product([sizes[i] for i in sorted(indices)])

        summed = (set(self.a) | set(self.b)) - out - both  # an index of one operand only, summed away
        if summed:
            raise InvalidConfiguration(f"equation={self.equation!r}: summing {sorted(summed)} alone is not supported")
        output = Tensor(f"{prefix}output", output_role, tuple(sizes[i] for i in self.out))
        gemm = Gemm(
            m=size(set(self.a) & out - both),
            k=size(both - out),
            n=size(set(self.b) & out - both),
            count=size(both & out),
            a=a,
            b=b,
            out=output,
        )
        return Lowering((gemm,), output)

    def _repr_args(self) -> list[str]:
        return [repr(self.equation)]
