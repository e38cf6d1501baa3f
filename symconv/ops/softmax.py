"""``torch.nn.Softmax``: ``exp(x - max) / sum(exp(x - max))`` along one dimension.

Per row of ``L`` elements along ``dim``: ``L`` subtractions of the row's maximum and
``L - 1`` additions for the sum (``2 L - 1`` adds), and ``L`` scalings by the sum
(``L`` mults, each division counted as one multiplication, as the pools' ``1/window``).
Finding the maximum takes comparisons, and ``exp`` is a transcendental function:
no convention counts either as arithmetic, and neither has a GEMM, so no MACs
(``FlopCounterMode`` counts none either).

>>> from symconv.symbols import N, L
>>> cost = Softmax(dim=-1).cost((N, L, L))  # attention weights
>>> cost.adds, cost.mults, cost.macs
(L*N*(2*L - 1), L**2*N, 0)
"""

from __future__ import annotations

from symconv.core.lowering import Elementwise, Lowering, Role, Tensor
from symconv.core.sizes import show
from symconv.errors import InvalidConfiguration
from symconv.ops.base import Operator, Shape, dim_index
from symconv.ops.registry import register


def _from_call(name: str, x, dim=None, *args, **kwargs) -> Softmax:
    return Softmax(dim)


@register(
    "softmax",
    torch=("torch.nn.Softmax", "torch.softmax", "torch.nn.functional.softmax", "Tensor.softmax"),
    call=_from_call,
    example=({"dim": 1}, ((2, 3, 4),)),
)
class Softmax(Operator):
    """``torch.nn.Softmax(dim)``: a softmax along ``dim`` (negative counts from the end)."""

    def __init__(self, dim: int) -> None:
        if not isinstance(dim, int) or isinstance(dim, bool):
            raise InvalidConfiguration(f"dim={show(dim)} must be an integer (PyTorch's implicit dim is not supported)")
        self.dim = dim

    def check_input(self, shape: Shape) -> Shape:
        dim_index(self.dim, len(shape), "dim")
        return shape

    def lower(self, x: Tensor, *, prefix: str = "", output_role: Role = "output") -> Lowering:
        length = x.shape[dim_index(self.dim, len(x.shape), "dim")]
        output = Tensor(f"{prefix}output", output_role, x.shape)
        rows = output.elements / length
        stage = Elementwise(rows, length, 2 * length - 1, reads=(x,), writes=(output,))
        return Lowering((stage,), output)

    def _repr_args(self) -> list[str]:
        return [f"dim={self.dim}"]
