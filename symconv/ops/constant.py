"""A parameter read in ``forward`` (a class token, a position embedding) as a tensor of the network.

The layer holds the parameter: it counts its elements in ``params`` and reads it once;
it computes nothing. A buffer, or a tensor computed from parameters only, is held without
being counted (``parameter=False``). Its nominal input (the network's first) is not read: a network's
layers take values of the network.
"""

from __future__ import annotations

from symconv.core.lowering import Elementwise, Lowering, Role, Tensor
from symconv.core.sizes import as_size
from symconv.core.validate import flag
from symconv.ops.base import Operator, Shape
from symconv.ops.registry import register


@register("constant", example=({"shape": (1, 4)}, ((2, 3),)))
class Constant(Operator):
    """A parameter tensor of ``shape``, whatever the input.

    >>> Constant((1, 1, 192)).cost((1, 3, 8, 8)).params
    192
    """

    def __init__(self, shape, parameter: bool = True) -> None:
        self.shape: Shape = tuple(as_size(v, f"shape[{i}]") for i, v in enumerate(shape))
        self.parameter = flag(parameter, "parameter")

    def lower(self, x: Tensor, *, prefix: str = "", output_role: Role = "output") -> Lowering:
        output = Tensor(f"{prefix}output", output_role, self.shape)
        if not self.parameter:  # a buffer, or a tensor computed from parameters: held, not a parameter
            return Lowering((), output)
        weight = Tensor(f"{prefix}weight", "weight", self.shape)
        return Lowering((Elementwise(output.elements, reads=(weight,), writes=(output,)),), output)

    def _repr_args(self) -> list[str]:
        return [str(self.shape)] + ([] if self.parameter else ["parameter=False"])
