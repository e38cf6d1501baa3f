"""What every operator provides: a lowering, and from it the cost and the output shape."""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Sequence

import sympy

from symconv.cost import Cost
from symconv.errors import InvalidConfiguration
from symconv.lowering import Lowering, Role, Tensor
from symconv.rules import RecordingMeta, configuration_symbols, recording, rules_of
from symconv.sizes import as_size, show


class Operator(metaclass=RecordingMeta):
    """An operator described once, by how it lowers onto GEMMs and data movement."""

    @abstractmethod
    def lower(self, x: Tensor, *, prefix: str = "", output_role: Role = "output") -> Lowering:
        """The stages computing this operator on ``x``; its own tensors are named with ``prefix``."""

    @abstractmethod
    def check_input(self, shape: tuple[sympy.Expr, ...]) -> tuple[sympy.Expr, ...]:
        """Validate an input shape against the hyperparameters; return it in canonical (batched) form."""

    def cost(self, input_shape: Sequence[object]) -> Cost:
        """The :class:`~symconv.cost.Cost` on an input of ``input_shape`` (PyTorch layout, ints or symbols)."""
        with recording() as rules:
            lowering = self.lower(self.input_tensor(input_shape))
        rules = (*rules_of(self), *rules)
        return Cost.from_lowering(repr(self), lowering, rules=rules, configuration=configuration_symbols(self))

    def output_shape(self, input_shape: Sequence[object]) -> tuple[sympy.Expr, ...]:
        """Shape of the result, by PyTorch's formulas (unbatched in, unbatched out, as PyTorch does)."""
        x = self.input_tensor(input_shape)
        shape = self.lower(x).output.shape
        return shape[1:] if len(x.shape) == len(input_shape) + 1 else shape

    def input_tensor(self, input_shape: Sequence[object]) -> Tensor:
        if isinstance(input_shape, str | bytes) or not isinstance(input_shape, Sequence):
            raise InvalidConfiguration(f"input_shape={show(input_shape)} must be a tuple of sizes")
        shape = tuple(as_size(v, f"input_shape[{i}]") for i, v in enumerate(input_shape))
        return Tensor("input", "input", self.check_input(shape))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(self._repr_args())})"

    def _repr_args(self) -> list[str]:
        return []
