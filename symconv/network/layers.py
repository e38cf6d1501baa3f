"""The single-input layers a network needs besides convolutions and linear layers.

Each lowers to :class:`~symconv.lowering.Elementwise` stages (or to none, for views),
so their arithmetic is counted once, in the stage. None of them has a GEMM, so none
adds MACs: the MAC total of a network is its convolutions' and linear layers', as
PyTorch's ``FlopCounterMode`` counts it.

=====================  =============================================  ===================
layer                  arithmetic per output element                  parameters
=====================  =============================================  ===================
``BatchNorm{1,2,3}d``  1 mult + 1 add (inference: scale and shift)    ``2 C`` (affine)
``ReLU``, activations  none (a comparison is not arithmetic)          none
``MaxPool{1,2,3}d``    none (comparisons)                             none
``AvgPool{1,2,3}d``    ``window - 1`` adds + 1 mult (the 1/window)    none
``AdaptiveAvgPool``    as AvgPool, with PyTorch's adaptive windows    none
``Flatten``, views     none, and no memory traffic                    none
=====================  =============================================  ===================
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import ClassVar

import sympy

from symconv.errors import InvalidConfiguration
from symconv.geometry import conv_axes
from symconv.lowering import Elementwise, Lowering, Role, Tensor
from symconv.ops.base import Operator
from symconv.ops.conv import AXIS_NAMES
from symconv.rules import exact_value
from symconv.sizes import as_size, decide, per_axis, product, require_equal, show

ONE = sympy.Integer(1)


class _Spatial(Operator):
    """An operator on ``(N, C, *spatial)`` with ``dims`` spatial axes (unbatched input accepted, as PyTorch does)."""

    dims: ClassVar[int]

    def check_input(self, shape: tuple[sympy.Expr, ...]) -> tuple[sympy.Expr, ...]:
        if len(shape) == self.dims + 1:
            shape = (ONE, *shape)
        if len(shape) != self.dims + 2:
            raise InvalidConfiguration(
                f"input_shape={tuple(shape)} must be (N, C, {', '.join(AXIS_NAMES[self.dims])}) "
                f"for {type(self).__name__}"
            )
        return shape


class _Map(Operator):
    """An elementwise map of any shape: ``mults_each``/``adds_each`` per element, plus its own parameters."""

    mults_each: ClassVar[int] = 0
    adds_each: ClassVar[int] = 0

    def check_input(self, shape: tuple[sympy.Expr, ...]) -> tuple[sympy.Expr, ...]:
        return shape

    def parameters(self, prefix: str) -> tuple[Tensor, ...]:
        return ()

    def lower(self, x: Tensor, *, prefix: str = "", output_role: Role = "output") -> Lowering:
        output = Tensor(f"{prefix}output", output_role, x.shape)
        stage = Elementwise(
            output.elements,
            sympy.Integer(self.mults_each),
            sympy.Integer(self.adds_each),
            reads=(x, *self.parameters(prefix)),
            writes=(output,),
        )
        return Lowering((stage,), output)


class Activation(_Map):
    """An activation (``ReLU``, ``ReLU6``, ``SiLU``, ``GELU`` ...): read and write every element, no arithmetic counted.

    >>> Activation("ReLU").cost((1, 64, 56, 56)).memory()  # read once, written once
    401408
    """

    def __init__(self, kind: str = "ReLU") -> None:
        self.kind = kind

    def __repr__(self) -> str:
        return self.kind + "()"


class ReLU(Activation):
    """``torch.nn.ReLU``."""

    def __init__(self) -> None:
        super().__init__("ReLU")


class BatchNorm(_Map, _Spatial):
    """Inference batch normalisation as a per-channel scale and shift: one mult and one add per element.

    ``params`` counts the affine weight and bias (``2 C``, as ``nn.Module.parameters()``);
    the running statistics are buffers, folded into the scale and shift.

    >>> BatchNorm2d(64).cost((1, 64, 8, 8)).params, BatchNorm2d(64).cost((1, 64, 8, 8)).ops
    (128, 8192)
    """

    mults_each = 1
    adds_each = 1

    def __init__(self, num_features, affine: bool = True) -> None:
        self.num_features = as_size(num_features, "num_features")
        self.affine = affine

    def check_input(self, shape: tuple[sympy.Expr, ...]) -> tuple[sympy.Expr, ...]:
        if not (self.dims == 1 and len(shape) == 2):  # (N, C) is a valid BatchNorm1d input
            shape = _Spatial.check_input(self, shape)
        require_equal(shape[1], "input_shape[1]", self.num_features, "num_features")
        return shape

    def parameters(self, prefix: str) -> tuple[Tensor, ...]:
        if not self.affine:
            return ()
        return tuple(
            Tensor(f"{prefix}{name}", role, (self.num_features,))
            for name, role in (("weight", "weight"), ("bias", "bias"))
        )

    def _repr_args(self) -> list[str]:
        return [str(self.num_features)] + ([] if self.affine else ["affine=False"])


class BatchNorm1d(BatchNorm):
    """``torch.nn.BatchNorm1d`` (inference)."""

    dims = 1


class BatchNorm2d(BatchNorm):
    """``torch.nn.BatchNorm2d`` (inference)."""

    dims = 2


class BatchNorm3d(BatchNorm):
    """``torch.nn.BatchNorm3d`` (inference)."""

    dims = 3


class _Pool(_Spatial):
    """A sliding-window pool: output sizes by the convolution's formula (:mod:`symconv.geometry`)."""

    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, ceil_mode: bool = False) -> None:
        if ceil_mode:
            raise InvalidConfiguration("ceil_mode=True is not supported (its output size is not a convolution's)")
        self.axes = conv_axes(self.dims, kernel_size, kernel_size if stride is None else stride, padding, dilation)
        for axis in self.axes:
            if decide(2 * axis.pad_left <= axis.kernel) is False:
                raise InvalidConfiguration(f"padding={axis.pad_left} must be at most half of kernel_size={axis.kernel}")

    def lower(self, x: Tensor, *, prefix: str = "", output_role: Role = "output") -> Lowering:
        n, c, *lengths = x.shape
        names = AXIS_NAMES[self.dims]
        out = tuple(a.output_length(length, name) for a, length, name in zip(self.axes, lengths, names, strict=True))
        output = Tensor(f"{prefix}output", output_role, (n, c, *out))
        stage = Elementwise(output.elements, *self._arithmetic(), reads=(x,), writes=(output,))
        return Lowering((stage,), output)

    def _arithmetic(self) -> tuple[sympy.Expr, sympy.Expr]:
        return sympy.Integer(0), sympy.Integer(0)

    def _repr_args(self) -> list[str]:
        a = self.axes
        return [
            f"kernel_size={tuple(x.kernel for x in a)}",
            f"stride={tuple(x.stride for x in a)}",
            f"padding={tuple(x.pad_left for x in a)}",
        ]


class MaxPool(_Pool):
    """``torch.nn.MaxPoolNd``: comparisons only, so no arithmetic; reads the input, writes the output."""


class AvgPool(_Pool):
    """``torch.nn.AvgPoolNd`` (``count_include_pad=True``): ``window - 1`` additions and one scaling per output."""

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode: bool = False, count_include_pad: bool = True):
        if not count_include_pad:
            raise InvalidConfiguration("count_include_pad=False is not supported (border windows differ)")
        super().__init__(kernel_size, stride, padding, 1, ceil_mode)

    def _arithmetic(self) -> tuple[sympy.Expr, sympy.Expr]:
        return ONE, product([a.kernel for a in self.axes]) - 1


class MaxPool1d(MaxPool):
    """``torch.nn.MaxPool1d``."""

    dims = 1


class MaxPool2d(MaxPool):
    """``torch.nn.MaxPool2d``.

    >>> from symconv.symbols import H, W
    >>> MaxPool2d(3, 2, 1).output_shape((1, 64, H, W))
    (1, 64, ceiling(H/2), ceiling(W/2))
    """

    dims = 2


class MaxPool3d(MaxPool):
    """``torch.nn.MaxPool3d``."""

    dims = 3


class AvgPool1d(AvgPool):
    """``torch.nn.AvgPool1d``."""

    dims = 1


class AvgPool2d(AvgPool):
    """``torch.nn.AvgPool2d``."""

    dims = 2


class AvgPool3d(AvgPool):
    """``torch.nn.AvgPool3d``."""

    dims = 3


class Gcd(sympy.Function):
    """Greatest common divisor of two positive integers, exact on numbers, unevaluated on symbols.

    (``sympy.gcd`` is the polynomial gcd: ``sympy.gcd(H, 7)`` is 1 for a symbol ``H``.)
    """

    is_integer = True
    is_positive = True

    @classmethod
    def eval(cls, a, b):
        if a.is_Integer and b.is_Integer:
            return sympy.Integer(math.gcd(int(a), int(b)))
        if b == 1 or a == 1:
            return sympy.Integer(1)
        return None


def adaptive_window_total(length: sympy.Expr, size: int) -> sympy.Expr:
    """Summed lengths of PyTorch's ``size`` adaptive windows ``[floor(i L/o), ceiling((i+1) L/o))`` over ``L``.

    The sum telescopes to ``L + o - gcd(L, o)``: the ceilings exceed the floors of the same
    points ``i L/o`` (i = 1..o) except where ``o`` divides ``i L``, which happens ``gcd(L, o)`` times.

    >>> from symconv.symbols import H
    >>> adaptive_window_total(H, 1), adaptive_window_total(10, 4), adaptive_window_total(H, 7)  # 10: 0-3 2-5 5-8 7-10
    (H, 12, H - Gcd(H, 7) + 7)
    """
    return length + size - Gcd(length, sympy.Integer(size))


class AdaptiveAvgPool(_Spatial):
    """``torch.nn.AdaptiveAvgPoolNd``: PyTorch's adaptive windows, summed exactly; ``output_size`` must be concrete."""

    def __init__(self, output_size) -> None:
        sizes = per_axis(output_size, self.dims, "output_size")
        for size in sizes:
            if not size.is_Integer:
                raise InvalidConfiguration(f"output_size={show(output_size)} must be concrete integers")
        self.output_size = sizes

    def lower(self, x: Tensor, *, prefix: str = "", output_role: Role = "output") -> Lowering:
        n, c, *lengths = x.shape
        output = Tensor(f"{prefix}output", output_role, (n, c, *self.output_size))
        windows = zip(lengths, self.output_size, strict=True)
        summed = product([adaptive_window_total(length, int(o)) for length, o in windows])
        outputs = product(self.output_size)
        # per (sample, channel) plane: every window's elements summed, one scaling per output
        stage = Elementwise(n * c, outputs, summed - outputs, reads=(x,), writes=(output,))
        return Lowering((stage,), output)

    def _repr_args(self) -> list[str]:
        return [f"output_size={self.output_size}"]


class AdaptiveAvgPool1d(AdaptiveAvgPool):
    """``torch.nn.AdaptiveAvgPool1d``."""

    dims = 1


class AdaptiveAvgPool2d(AdaptiveAvgPool):
    """``torch.nn.AdaptiveAvgPool2d``.

    >>> from symconv.symbols import H, W
    >>> AdaptiveAvgPool2d(1).cost((1, 2048, H, W)).adds
    2048*H*W - 2048
    """

    dims = 2


class AdaptiveAvgPool3d(AdaptiveAvgPool):
    """``torch.nn.AdaptiveAvgPool3d``."""

    dims = 3


class _View(Operator):
    """A view: a new shape on the same data, no stage, no traffic."""

    def check_input(self, shape: tuple[sympy.Expr, ...]) -> tuple[sympy.Expr, ...]:
        return shape

    def lower(self, x: Tensor, *, prefix: str = "", output_role: Role = "output") -> Lowering:
        return Lowering((), Tensor(f"{prefix}output", output_role, self.view(x.shape)))

    def view(self, shape: tuple[sympy.Expr, ...]) -> tuple[sympy.Expr, ...]:
        return shape


class Identity(_View):
    """``torch.nn.Identity``, ``Dropout`` at inference."""


class Flatten(_View):
    """``torch.nn.Flatten(start_dim=1, end_dim=-1)``."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        self.start_dim, self.end_dim = start_dim, end_dim

    def view(self, shape: tuple[sympy.Expr, ...]) -> tuple[sympy.Expr, ...]:
        rank = len(shape)
        start, end = _dim(self.start_dim, rank, "start_dim"), _dim(self.end_dim, rank, "end_dim")
        if start > end:
            raise InvalidConfiguration(f"start_dim={self.start_dim} must not come after end_dim={self.end_dim}")
        return (*shape[:start], product(shape[start : end + 1]), *shape[end + 1 :])

    def _repr_args(self) -> list[str]:
        return [f"start_dim={self.start_dim}", f"end_dim={self.end_dim}"]


class Reshape(_View):
    """``Tensor.view``/``reshape`` to ``shape``; one entry may be ``-1``, inferred from the element count."""

    def __init__(self, *shape) -> None:
        self.shape = shape

    def view(self, shape: tuple[sympy.Expr, ...]) -> tuple[sympy.Expr, ...]:
        elements = product(shape)
        holes = [i for i, v in enumerate(self.shape) if isinstance(v, int) and v == -1]
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


class Slice(_View):
    """``x[..., start:stop]`` along ``dim`` (also one part of ``torch.split``/``chunk``): a view."""

    def __init__(self, dim: int, start, stop) -> None:
        self.dim, self.start, self.stop = dim, exact_value(start, "start"), exact_value(stop, "stop")

    def view(self, shape: tuple[sympy.Expr, ...]) -> tuple[sympy.Expr, ...]:
        dim = _dim(self.dim, len(shape), "dim")
        stop = sympy.Min(self.stop, shape[dim])
        if decide(stop > self.start) is False:
            raise InvalidConfiguration(f"slice {self.start}:{self.stop} of dim {self.dim} (size {shape[dim]}) is empty")
        return (*shape[:dim], stop - self.start, *shape[dim + 1 :])

    def _repr_args(self) -> list[str]:
        return [f"dim={self.dim}", f"{self.start}:{self.stop}"]


def _dim(dim: int, rank: int, name: str) -> int:
    if not -rank <= dim < rank:
        raise InvalidConfiguration(f"{name}={dim} is out of range for a {rank}-dimensional input")
    return dim % rank


__all__ = [
    "Activation",
    "AdaptiveAvgPool1d",
    "AdaptiveAvgPool2d",
    "AdaptiveAvgPool3d",
    "AvgPool1d",
    "AvgPool2d",
    "AvgPool3d",
    "BatchNorm1d",
    "BatchNorm2d",
    "BatchNorm3d",
    "Flatten",
    "Identity",
    "MaxPool1d",
    "MaxPool2d",
    "MaxPool3d",
    "Mean",
    "ReLU",
    "Reshape",
    "Slice",
    "Transpose",
]


class Mean(_Spatial):
    """``x.mean(dims, keepdim)``: each output sums its ``reduced`` inputs (``reduced - 1`` adds) and scales once."""

    dims = 0

    def __init__(self, dim, keepdim: bool = False) -> None:
        self.dim = tuple(dim) if isinstance(dim, Sequence) else (dim,)
        self.keepdim = keepdim

    def check_input(self, shape: tuple[sympy.Expr, ...]) -> tuple[sympy.Expr, ...]:
        for d in self.dim:
            _dim(d, len(shape), "dim")
        return shape

    def lower(self, x: Tensor, *, prefix: str = "", output_role: Role = "output") -> Lowering:
        axes = {_dim(d, len(x.shape), "dim") for d in self.dim}
        reduced = product([x.shape[i] for i in sorted(axes)])
        kept = [ONE if i in axes else v for i, v in enumerate(x.shape) if self.keepdim or i not in axes]
        output = Tensor(f"{prefix}output", output_role, tuple(kept))
        stage = Elementwise(output.elements, ONE, reduced - 1, reads=(x,), writes=(output,))
        return Lowering((stage,), output)

    def _repr_args(self) -> list[str]:
        return [f"dim={self.dim}", f"keepdim={self.keepdim}"]


class Transpose(_View):
    """``x.transpose(dim0, dim1)``: a view with two dimensions swapped."""

    def __init__(self, dim0: int, dim1: int) -> None:
        self.dim0, self.dim1 = dim0, dim1

    def view(self, shape: tuple[sympy.Expr, ...]) -> tuple[sympy.Expr, ...]:
        a, b = _dim(self.dim0, len(shape), "dim0"), _dim(self.dim1, len(shape), "dim1")
        swapped = list(shape)
        swapped[a], swapped[b] = shape[b], shape[a]
        return tuple(swapped)

    def _repr_args(self) -> list[str]:
        return [str(self.dim0), str(self.dim1)]
