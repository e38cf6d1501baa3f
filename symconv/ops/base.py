"""What every operator provides: a lowering of one or more inputs, and from it the cost and the output shape.

One protocol for every operator, whatever its number of inputs: ``lower(*inputs)``
gives the stages, ``cost(*input_shapes)`` validates the shapes, lowers and sums.
``arity`` says how many inputs an operator takes (``None``: two or more).

>>> from symconv.ops.conv import Conv2d
>>> Conv2d(3, 8, 3).cost((1, 3, 5, 5)).macs  # 8 outputs * 27 taps * 3x3 positions
1944
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Sequence
from typing import ClassVar, NewType

import sympy

from symconv.core.cost import Cost
from symconv.core.lowering import Lowering, Role, Tensor
from symconv.core.rules import RecordingMeta, configuration_symbols, recording, rules_of
from symconv.core.sizes import as_size, show
from symconv.errors import InvalidConfiguration

Shape = tuple[sympy.Expr, ...]

#: annotation of a hyperparameter given per spatial axis (an int, a symbol, or a tuple of them)
PerAxis = NewType("PerAxis", object)


class Operator(metaclass=RecordingMeta):
    """An operator described once, by how it lowers onto GEMMs and data movement."""

    #: number of inputs; ``None`` for two or more
    arity: ClassVar[int | None] = 1

    @abstractmethod
    def lower(self, *inputs: Tensor, prefix: str = "", output_role: Role = "output") -> Lowering:
        """The stages computing this operator on ``inputs``; its own tensors are named with ``prefix``."""

    def check_input(self, shape: Shape) -> Shape:
        """Validate one input shape against the hyperparameters; return it in canonical (batched) form."""
        return shape

    def check_inputs(self, *shapes: Shape) -> tuple[Shape, ...]:
        """Validate the input shapes (together); return them in canonical form. One input: :meth:`check_input`."""
        return tuple(self.check_input(shape) for shape in shapes)

    def cost(self, *input_shapes: Sequence[object], grad: bool | str = False) -> Cost:
        """The :class:`~symconv.core.cost.Cost` on inputs of ``input_shapes`` (PyTorch layout, ints or symbols).

        ``grad=True`` or ``'weights'``: the training step instead (:func:`symconv.analysis.training.cost`).
        """
        if grad is not False:
            from symconv.analysis.training import cost  # training builds on the operators

            return cost(self, *input_shapes, grad=grad)
        return self.lowered(*input_shapes)[1]

    def lowered(self, *input_shapes: Sequence[object]) -> tuple[Lowering, Cost]:
        """The lowering on inputs of ``input_shapes``, and its :class:`~symconv.core.cost.Cost`.

        The cost carries the validation rules accepted undecided (on symbols) while the operator
        was built and lowered, so that substituting values checks them again (:mod:`symconv.core.rules`).
        """
        with recording() as rules:
            lowering = self.lower(*self.input_tensors(input_shapes))
        rules = (*rules_of(self), *rules)
        return lowering, Cost.from_lowering(
            repr(self), lowering, rules=rules, configuration=configuration_symbols(self)
        )

    def total_cost(self, *input_shapes: Sequence[object]) -> Cost:
        """The :class:`~symconv.core.cost.Cost` record itself (a network's :meth:`cost` adds a per-layer breakdown)."""
        return self.cost(*input_shapes)

    def output_shape(self, *input_shapes: Sequence[object]) -> Shape:
        """Shape of the result, by PyTorch's formulas (unbatched in, unbatched out, as PyTorch does)."""
        inputs = self.input_tensors(input_shapes)
        shape = self.lower(*inputs).output.shape
        unbatched = len(inputs) == 1 and len(inputs[0].shape) == len(input_shapes[0]) + 1
        return shape[1:] if unbatched else shape

    def input_tensors(self, input_shapes: Sequence[Sequence[object]]) -> tuple[Tensor, ...]:
        """The input tensors (``input``, or ``input0``, ``input1`` ...) of validated, canonical shapes."""
        count = len(input_shapes)
        if self.arity is None and count < 2:
            raise InvalidConfiguration(f"{type(self).__name__} needs at least two inputs, got {count}")
        if self.arity is not None and count != self.arity:
            raise InvalidConfiguration(f"{type(self).__name__} takes {self.arity} input(s), got {count}")
        names = ["input_shape"] if count == 1 else [f"input_shapes[{k}]" for k in range(count)]
        shapes = self.check_inputs(*(_shape(shape, name) for shape, name in zip(input_shapes, names, strict=True)))
        if count == 1:
            return (Tensor("input", "input", shapes[0]),)
        return tuple(Tensor(f"input{k}", "input", shape) for k, shape in enumerate(shapes))

    def input_tensor(self, input_shape: Sequence[object]) -> Tensor:
        """The one input tensor of a single-input operator."""
        (tensor,) = self.input_tensors((input_shape,))
        return tensor

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(self._repr_args())})"

    def _repr_args(self) -> list[str]:
        return []


def _shape(shape: object, name: str) -> Shape:
    if isinstance(shape, str | bytes) or not isinstance(shape, Sequence):
        raise InvalidConfiguration(f"{name}={show(shape)} must be a tuple of sizes")
    return tuple(as_size(v, f"{name}[{i}]") for i, v in enumerate(shape))


class SpatialInput(Operator):
    """An operator on ``(N, C, *spatial)`` with ``dims`` spatial axes (unbatched input accepted, as PyTorch does)."""

    dims: ClassVar[int]

    def check_input(self, shape: Shape) -> Shape:
        if len(shape) == self.dims + 1:
            shape = (sympy.Integer(1), *shape)
        if len(shape) != self.dims + 2:
            axes = ", ".join(AXIS_NAMES[self.dims])
            raise InvalidConfiguration(f"input_shape={tuple(shape)} must be (N, C, {axes}) for {type(self).__name__}")
        return shape


AXIS_NAMES = {1: ("L",), 2: ("H", "W"), 3: ("D", "H", "W")}


def dim_index(dim: int, rank: int, name: str) -> int:
    """``dim`` (negative counts from the end, as PyTorch's) as an index into a ``rank``-dimensional shape."""
    if not isinstance(dim, int) or isinstance(dim, bool) or not -rank <= dim < rank:
        raise InvalidConfiguration(f"{name}={show(dim)} is out of range for a {rank}-dimensional input")
    return dim % rank


def shapes_for(operator: Operator, input_shape: object) -> tuple[Sequence[object], ...]:
    """``input_shape`` as the tuple of shapes ``operator.cost`` takes: one shape, or one per input.

    A single-input operator takes one shape; an operator of several inputs a sequence of
    shapes; ``None`` means no shapes (a network's declared inputs).
    """
    if input_shape is None:
        return ()
    return (input_shape,) if operator.arity == 1 else tuple(input_shape)
