"""Shape operators: views (identity, flatten, reshape, slice, transpose), which move nothing, and concatenation."""

from __future__ import annotations

from collections.abc import Sequence

import sympy

from symconv.core.intfuncs import CeilDiv
from symconv.core.lowering import Elementwise, Lowering, Role, Tensor
from symconv.core.size_bounds import decide_bounded
from symconv.core.sizes import as_size, decide, product, show
from symconv.errors import InvalidConfiguration
from symconv.ops.base import Operator, Shape, dim_index
from symconv.ops.elementwise import same_shapes
from symconv.ops.registry import register


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


@register("contiguous", example=({}, ((2, 3),)))
class Contiguous(View):
    """A compact copy of a view (``x.contiguous()`` where PyTorch copies): no arithmetic, the same shape.

    The forward counts it as a view; in training it is a storage of its own, which is what autograd
    keeps when a later layer saves it (``nn.MultiheadAttention``'s packed ``q``, ``k``, ``v``).
    """


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
        elif decide(sympy.Eq(product(known), elements, evaluate=False)) is False:
            raise InvalidConfiguration(f"shape={self.shape} does not hold the input's {elements} elements")
        return tuple(known)

    def _repr_args(self) -> list[str]:
        return [show(v) for v in self.shape]


@register("slice", example=({"dim": 1, "start": 1, "stop": 3}, ((2, 4),)))
class Slice(View):
    """``x[..., start:stop:step]`` along ``dim`` (also one part of ``torch.split``/``chunk``): a view.

    >>> from symconv.symbols import H
    >>> Slice(2, 0, H, 2).output_shape((1, 8, H))
    (1, 8, ceiling(H/2))
    """

    def __init__(self, dim: int, start, stop, step=1) -> None:
        self.dim, self.start, self.stop = dim, as_size(start, "start", minimum=0), as_size(stop, "stop")
        self.step = as_size(step, "step")

    def view(self, shape: Shape) -> Shape:
        dim = dim_index(self.dim, len(shape), "dim")
        # x[:, :H] of a map padded past H
        fits = decide_bounded(sympy.Le(self.stop, shape[dim], evaluate=False)) is True
        stop = self.stop if fits else sympy.Min(self.stop, shape[dim])
        if decide(stop > self.start) is False:
            raise InvalidConfiguration(f"slice {self.start}:{self.stop} of dim {self.dim} (size {shape[dim]}) is empty")
        return (*shape[:dim], CeilDiv(stop - self.start, self.step), *shape[dim + 1 :])

    def _repr_args(self) -> list[str]:
        step = "" if self.step == 1 else f":{self.step}"
        return [f"dim={self.dim}", f"{self.start}:{self.stop}{step}"]


@register("select", example=({"dim": 0, "index": 1}, ((2, 3),)))
class Select(View):
    """``x[index]`` along ``dim`` (also one part of ``unbind``): a view without that dimension.

    >>> Select(0, 2).output_shape((3, 1, 4, 8))
    (1, 4, 8)
    """

    def __init__(self, dim: int, index: int) -> None:
        self.dim, self.index = dim, index

    def view(self, shape: Shape) -> Shape:
        dim = dim_index(self.dim, len(shape), "dim")
        inside = (sympy.Lt(self.index, shape[dim], evaluate=False), sympy.Ge(self.index, -shape[dim], evaluate=False))
        if any(decide(relation) is False for relation in inside):
            raise InvalidConfiguration(f"index={self.index} is out of range for size {shape[dim]} (dim {self.dim})")
        return (*shape[:dim], *shape[dim + 1 :])

    def _repr_args(self) -> list[str]:
        return [f"dim={self.dim}", f"index={self.index}"]


@register(
    "transpose",
    torch=("torch.transpose", "Tensor.transpose", "torch.swapaxes", "Tensor.swapaxes"),
    example=({"dim0": 0, "dim1": 1}, ((2, 3),)),
)
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


@register("permute", example=({"dims": (0, 2, 1)}, ((2, 3, 4),)))
class Permute(View):
    """``x.permute(*dims)``: a view with the dimensions reordered.

    >>> Permute((0, 2, 3, 1)).output_shape((1, 8, 5, 7))
    (1, 5, 7, 8)
    """

    def __init__(self, dims: Sequence[int]) -> None:
        self.dims = tuple(dims)

    def view(self, shape: Shape) -> Shape:
        order = [dim_index(d, len(shape), "dims") for d in self.dims]
        if sorted(order) != list(range(len(shape))):
            raise InvalidConfiguration(f"dims={self.dims} must order all {len(shape)} dimensions once each")
        return tuple(shape[d] for d in order)

    def _repr_args(self) -> list[str]:
        return [str(self.dims)]


@register("expand", example=({"sizes": (2, -1)}, ((1, 3),)))
class Expand(View):
    """``x.expand(*sizes)``: a view stretching dimensions of size 1 (``-1`` keeps a size).

    >>> Expand((8, -1, -1)).output_shape((1, 1, 192))
    (8, 1, 192)
    """

    def __init__(self, sizes: Sequence[object]) -> None:
        self.sizes = tuple(sizes)

    def view(self, shape: Shape) -> Shape:
        if len(self.sizes) < len(shape):
            raise InvalidConfiguration(f"sizes={self.sizes} must have at least the input's {len(shape)} dimensions")
        lead = len(self.sizes) - len(shape)
        out = []
        for i, size in enumerate(self.sizes):
            old = shape[i - lead] if i >= lead else None
            if size == -1 and old is not None:
                out.append(old)
                continue
            size = as_size(size, f"sizes[{i}]")
            if old is not None and old != 1 and decide(sympy.Eq(old, size, evaluate=False)) is not True:
                raise InvalidConfiguration(f"cannot expand size {old} to {size} (dim {i})")
            out.append(size)
        return tuple(out)

    def _repr_args(self) -> list[str]:
        return [show(v) for v in self.sizes]


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


def _pad_call(name, x, pad, mode="constant", value=None) -> Pad:
    return Pad(pad, mode)


@register(
    "pad",
    torch=("torch.nn.functional.pad",),
    call=_pad_call,
    example=({"pad": (1, 1)}, ((1, 2, 3),)),
)
class Pad(Operator):
    """``F.pad(x, pad)``: ``pad`` gives (before, after) pairs from the last dimension back; a copy, no arithmetic.

    >>> from symconv.symbols import H, W
    >>> Pad((0, 1, 2, 3)).output_shape((1, 8, H, W))
    (1, 8, H + 5, W + 1)
    """

    def __init__(self, pad: Sequence[object], mode: str = "constant") -> None:
        if len(pad) % 2:
            raise InvalidConfiguration(f"pad={tuple(pad)} must hold (before, after) pairs")
        if mode not in ("constant", "reflect", "replicate", "circular"):
            raise InvalidConfiguration(f"mode={mode!r} must be constant, reflect, replicate or circular")
        self.pad = tuple(as_size(v, f"pad[{i}]", minimum=0) for i, v in enumerate(pad))
        self.mode = mode

    def check_input(self, shape: Shape) -> Shape:
        if len(self.pad) // 2 > len(shape):
            raise InvalidConfiguration(f"pad={self.pad} pads more dimensions than input_shape={shape} has")
        return shape

    def lower(self, x: Tensor, *, prefix: str = "", output_role: Role = "output") -> Lowering:
        shape = list(x.shape)
        for k in range(len(self.pad) // 2):
            shape[-1 - k] = shape[-1 - k] + self.pad[2 * k] + self.pad[2 * k + 1]
        output = Tensor(f"{prefix}output", output_role, tuple(shape))
        return Lowering((Elementwise(output.elements, reads=(x,), writes=(output,)),), output)

    def _repr_args(self) -> list[str]:
        return [str(self.pad)] + ([] if self.mode == "constant" else [f"mode={self.mode!r}"])


@register(
    "roll",
    torch=("torch.roll", "Tensor.roll"),
    call=lambda name, x, shifts, dims=None: Roll(shifts, dims),
    example=({"shifts": 1, "dims": 0}, ((3, 2),)),
)
class Roll(Operator):
    """``torch.roll(x, shifts, dims)``: every element copied to its shifted place, no arithmetic."""

    def __init__(self, shifts, dims=None) -> None:
        self.shifts, self.dims = shifts, dims

    def lower(self, x: Tensor, *, prefix: str = "", output_role: Role = "output") -> Lowering:
        output = Tensor(f"{prefix}output", output_role, x.shape)
        return Lowering((Elementwise(output.elements, reads=(x,), writes=(output,)),), output)

    def _repr_args(self) -> list[str]:
        return [f"shifts={self.shifts}", f"dims={self.dims}"]
