"""Shape operators: views (identity, flatten, reshape, slice, transpose), which move nothing, and concatenation."""

from __future__ import annotations

from collections.abc import Sequence

import sympy

from symconv.errors import InvalidConfiguration
from symconv.lowering import Elementwise, Lowering, Role, Tensor
from symconv.ops.base import Operator, Shape, dim_index
from symconv.ops.elementwise import same_shapes
from symconv.ops.registry import register
from symconv.sizes import as_size, decide, product, show


class View(Operator):
    """A view: a new shape on the same data, no stage, no traffic."""

    def lower(self, x: Tensor, *, prefix: str = "", output_role: Role = "output") -> Lowering:
        return Lowering((), Tensor(f"{prefix}output", output_role, self.view(x.shape)))

    def view(self, shape: Shape) -> Shape:
        return shape


@register(
    "identity",
    torch=("torch.nn.Identity", "torch.nn.modules.dropout._DropoutNd"),
    build=lambda module: Identity(),
    example=({}, ((2, 3),)),
)
class Identity(View):
    """``torch.nn.Identity``, ``Dropout`` at inference."""


@register(
    "flatten",
    torch=("torch.nn.Flatten", "torch.flatten", "Tensor.flatten"),
    call=lambda name, x, start_dim=0, end_dim=-1: Flatten(start_dim, end_dim),
    example=({}, ((2, 3, 4),)),
)
class Flatten(View):
    """``torch.nn.Flatten(start_dim=1, end_dim=-1)``."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        self.start_dim, self.end_dim = start_dim, end_dim

    def view(self, shape: Shape) -> Shape:
        rank = len(shape)
        start, end = dim_index(self.start_dim, rank, "start_dim"), dim_index(self.end_dim, rank, "end_dim")
        if start > end:
            raise InvalidConfiguration(f"start_dim={self.start_dim} must not come after end_dim={self.end_dim}")
        return (*shape[:start], product(shape[start : end + 1]), *shape[end + 1 :])

    def _repr_args(self) -> list[str]:
        return [f"start_dim={self.start_dim}", f"end_dim={self.end_dim}"]


def _reshape_call(name: str, x, *shape) -> Reshape:
    return Reshape(tuple(shape[0]) if len(shape) == 1 and isinstance(shape[0], tuple | list) else shape)


@register(
    "reshape",
    torch=("torch.reshape", "Tensor.view", "Tensor.reshape"),
    call=_reshape_call,
    example=({"shape": (3, -1)}, ((2, 3, 4),)),
)
class Reshape(View):
    """``Tensor.view``/``reshape`` to ``shape``; one entry may be ``-1``, inferred from the element count."""

    def __init__(self, shape) -> None:
        self.shape = tuple(shape) if isinstance(shape, Sequence) and not isinstance(shape, str) else (shape,)

    def view(self, shape: Shape) -> Shape:
        elements = product(shape)
        holes = [i for i, v in enumerate(self.shape) if v == -1]
        if len(holes) > 1:
            raise InvalidConfiguration(f"shape={self.shape} may hold one -1, not {len(holes)}")
        known = [as_size(v, f"shape[{i}]") for i, v in enumerate(self.shape) if i not in holes]
        if holes:
            known.insert(holes[0], sympy.cancel(elements / product(known)))
        elif decide(sympy.Eq(product(known), elements)) is False:
            raise InvalidConfiguration(f"shape={self.shape} does not hold the input's {elements} elements")
        return tuple(known)

    def _repr_args(self) -> list[str]:
        return [show(v) for v in self.shape]


@register("slice", example=({"dim": 1, "start": 1, "stop": 3}, ((2, 4),)))
class Slice(View):
    """``x[..., start:stop]`` along ``dim`` (also one part of ``torch.split``/``chunk``): a view."""

    def __init__(self, dim: int, start, stop) -> None:
        self.dim, self.start, self.stop = dim, as_size(start, "start", minimum=0), as_size(stop, "stop")

    def view(self, shape: Shape) -> Shape:
        dim = dim_index(self.dim, len(shape), "dim")
        stop = sympy.Min(self.stop, shape[dim])
        if decide(stop > self.start) is False:
            raise InvalidConfiguration(f"slice {self.start}:{self.stop} of dim {self.dim} (size {shape[dim]}) is empty")
        return (*shape[:dim], stop - self.start, *shape[dim + 1 :])

    def _repr_args(self) -> list[str]:
        return [f"dim={self.dim}", f"{self.start}:{self.stop}"]


@register("transpose", torch=("torch.transpose", "Tensor.transpose"), example=({"dim0": 0, "dim1": 1}, ((2, 3),)))
class Transpose(View):
    """``x.transpose(dim0, dim1)``: a view with two dimensions swapped."""

    def __init__(self, dim0: int, dim1: int) -> None:
        self.dim0, self.dim1 = dim0, dim1

    def view(self, shape: Shape) -> Shape:
        a, b = dim_index(self.dim0, len(shape), "dim0"), dim_index(self.dim1, len(shape), "dim1")
        swapped = list(shape)
        swapped[a], swapped[b] = shape[b], shape[a]
        return tuple(swapped)

    def _repr_args(self) -> list[str]:
        return [str(self.dim0), str(self.dim1)]


@register(
    "concat",
    torch=("torch.cat", "torch.concat"),
    call=lambda name, tensors, dim=0: Concat(dim),
    example=({"dim": 1}, ((1, 2, 3), (1, 4, 3))),
)
class Concat(Operator):
    """``torch.cat(tensors, dim)``: every input copied into the output, no arithmetic.

    >>> Concat(1).output_shape((1, 16, 8, 8), (1, 48, 8, 8))
    (1, 64, 8, 8)
    """

    arity = None

    def __init__(self, dim: int = 0) -> None:
        self.dim = dim

    def check_inputs(self, *shapes: Shape) -> tuple[Shape, ...]:
        rank = len(shapes[0])
        dim = dim_index(self.dim, rank, "dim")
        same_shapes(tuple(s[:dim] + s[dim + 1 :] for s in shapes), f"Concat(dim={self.dim}) outside dim")
        return shapes

    def lower(self, *inputs: Tensor, prefix: str = "", output_role: Role = "output") -> Lowering:
        first = inputs[0].shape
        dim = self.dim % len(first)
        shape = (*first[:dim], sympy.Add(*(t.shape[dim] for t in inputs)), *first[dim + 1 :])
        output = Tensor(f"{prefix}output", output_role, shape)
        return Lowering((Elementwise(output.elements, reads=inputs, writes=(output,)),), output)

    def _repr_args(self) -> list[str]:
        return [f"dim={self.dim}"]
