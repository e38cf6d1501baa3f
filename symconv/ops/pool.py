"""Pooling and reductions: sliding-window max and average pools, adaptive average pools, means.

Each lowers to one :class:`~symconv.core.lowering.Elementwise` stage.

=====================  =============================================  ===================
layer                  arithmetic per output element                  parameters
=====================  =============================================  ===================
``MaxPool{1,2,3}d``    none (comparisons)                             none
``AvgPool{1,2,3}d``    ``window - 1`` adds + 1 mult (the 1/window)    none
``AdaptiveAvgPool``    as AvgPool, with PyTorch's adaptive windows    none
``Mean``               ``reduced - 1`` adds + 1 mult                  none
=====================  =============================================  ===================
"""

from __future__ import annotations

from collections.abc import Sequence

import sympy

from symconv.core.geometry import conv_axes
from symconv.core.intfuncs import CeilDiv, Gcd
from symconv.core.lowering import Elementwise, Lowering, Role, Tensor
from symconv.core.sizes import decide, per_axis, product, require, show
from symconv.core.validate import flag
from symconv.errors import InvalidConfiguration
from symconv.ops.base import AXIS_NAMES, Operator, Shape, SpatialInput, dim_index
from symconv.ops.registry import register

ONE = sympy.Integer(1)


class Pool(SpatialInput):
    """A sliding-window pool: output sizes by the convolution's formula (:mod:`symconv.core.geometry`)."""

    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, ceil_mode: bool = False) -> None:
        self.axes = conv_axes(self.dims, kernel_size, kernel_size if stride is None else stride, padding, dilation)
        self.ceil_mode = flag(ceil_mode, "ceil_mode")
        for axis in self.axes:
            rule = "padding={} must be at most half of kernel_size={}"
            require(sympy.Le(2 * axis.pad_left, axis.kernel, evaluate=False), rule, axis.pad_left, axis.kernel)
            # PyTorch drops a last window that would start in the right padding; it cannot when stride <= span - pad
            if self.ceil_mode and decide(axis.stride <= axis.span - axis.pad_left) is not True:
                raise InvalidConfiguration(
                    f"ceil_mode=True with stride={axis.stride} beyond kernel_size={axis.kernel} is not supported"
                )

    def output_length(self, axis, length: sympy.Expr, name: str) -> sympy.Expr:
        """The convolution's output length; with ``ceil_mode``, the last partial window kept (one more, rounded up)."""
        if not self.ceil_mode:
            return axis.output_length(length, name)
        axis.output_length(length, name)  # the kernel fits the padded input
        return CeilDiv(length + axis.pad_left + axis.pad_right - axis.span + axis.stride, axis.stride)

    def lower(self, x: Tensor, *, prefix: str = "", output_role: Role = "output") -> Lowering:
        n, c, *lengths = x.shape
        names = AXIS_NAMES[self.dims]
        out = tuple(
            self.output_length(a, length, name) for a, length, name in zip(self.axes, lengths, names, strict=True)
        )
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
        ] + (["ceil_mode=True"] if self.ceil_mode else [])


class MaxPool(Pool):
    """``torch.nn.MaxPoolNd``: comparisons only, so no arithmetic; reads the input, writes the output."""


class AvgPool(Pool):
    """``torch.nn.AvgPoolNd``: ``window - 1`` additions and one scaling per output (padding summed as zeros)."""

    def __init__(
        self,
        kernel_size,
        stride=None,
        padding=0,
        ceil_mode: bool = False,
        count_include_pad: bool = True,
        divisor_override=None,
    ) -> None:
        self.count_include_pad = flag(
            count_include_pad, "count_include_pad"
        )  # the same sum; only the divisor of a border window differs
        if divisor_override is not None:
            raise InvalidConfiguration(f"divisor_override={show(divisor_override)} is not supported")
        super().__init__(kernel_size, stride, padding, 1, ceil_mode)

    def _arithmetic(self) -> tuple[sympy.Expr, sympy.Expr]:
        return ONE, product([a.kernel for a in self.axes]) - 1


_POOL_EXAMPLE = {1: ((1, 2, 7),), 2: ((1, 2, 7, 7),), 3: ((1, 2, 5, 5, 5),)}


@register("max_pool1d", torch=("torch.nn.MaxPool1d",), example=({"kernel_size": 3, "stride": 2}, _POOL_EXAMPLE[1]))
class MaxPool1d(MaxPool):
    """``torch.nn.MaxPool1d``."""

    dims = 1


@register("max_pool2d", torch=("torch.nn.MaxPool2d",), example=({"kernel_size": 3, "stride": 2}, _POOL_EXAMPLE[2]))
class MaxPool2d(MaxPool):
    """``torch.nn.MaxPool2d``.

    >>> from symconv.symbols import H, W
    >>> MaxPool2d(3, 2, 1).output_shape((1, 64, H, W))
    (1, 64, ceiling(H/2), ceiling(W/2))
    """

    dims = 2


@register("max_pool3d", torch=("torch.nn.MaxPool3d",), example=({"kernel_size": 3, "stride": 2}, _POOL_EXAMPLE[3]))
class MaxPool3d(MaxPool):
    """``torch.nn.MaxPool3d``."""

    dims = 3


@register("avg_pool1d", torch=("torch.nn.AvgPool1d",), example=({"kernel_size": 3, "stride": 2}, _POOL_EXAMPLE[1]))
class AvgPool1d(AvgPool):
    """``torch.nn.AvgPool1d``."""

    dims = 1


@register("avg_pool2d", torch=("torch.nn.AvgPool2d",), example=({"kernel_size": 3, "stride": 2}, _POOL_EXAMPLE[2]))
class AvgPool2d(AvgPool):
    """``torch.nn.AvgPool2d``."""

    dims = 2


@register("avg_pool3d", torch=("torch.nn.AvgPool3d",), example=({"kernel_size": 3, "stride": 2}, _POOL_EXAMPLE[3]))
class AvgPool3d(AvgPool):
    """``torch.nn.AvgPool3d``."""

    dims = 3


def adaptive_window_total(length: sympy.Expr, size: int) -> sympy.Expr:
    """Summed lengths of PyTorch's ``size`` adaptive windows ``[floor(i L/o), ceiling((i+1) L/o))`` over ``L``.

    The sum telescopes to ``L + o - gcd(L, o)``: the ceilings exceed the floors of the same
    points ``i L/o`` (i = 1..o) except where ``o`` divides ``i L``, which happens ``gcd(L, o)`` times.

    >>> from symconv.symbols import H
    >>> adaptive_window_total(H, 1), adaptive_window_total(10, 4), adaptive_window_total(H, 7)  # 10: 0-3 2-5 5-8 7-10
    (H, 12, H - Gcd(H, 7) + 7)
    """
    return length + size - Gcd(length, sympy.Integer(size))


class AdaptiveAvgPool(SpatialInput):
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


@register(
    "adaptive_avg_pool1d",
    torch=("torch.nn.AdaptiveAvgPool1d", "torch.nn.functional.adaptive_avg_pool1d"),
    example=({"output_size": 3}, _POOL_EXAMPLE[1]),
)
class AdaptiveAvgPool1d(AdaptiveAvgPool):
    """``torch.nn.AdaptiveAvgPool1d``."""

    dims = 1


@register(
    "adaptive_avg_pool2d",
    torch=("torch.nn.AdaptiveAvgPool2d", "torch.nn.functional.adaptive_avg_pool2d"),
    example=({"output_size": 3}, _POOL_EXAMPLE[2]),
)
class AdaptiveAvgPool2d(AdaptiveAvgPool):
    """``torch.nn.AdaptiveAvgPool2d``.

    >>> from symconv.symbols import H, W
    >>> AdaptiveAvgPool2d(1).cost((1, 2048, H, W)).adds
    2048*H*W - 2048
    """

    dims = 2


@register(
    "adaptive_avg_pool3d",
    torch=("torch.nn.AdaptiveAvgPool3d", "torch.nn.functional.adaptive_avg_pool3d"),
    example=({"output_size": 2}, _POOL_EXAMPLE[3]),
)
class AdaptiveAvgPool3d(AdaptiveAvgPool):
    """``torch.nn.AdaptiveAvgPool3d``."""

    dims = 3


@register("mean", torch=("torch.mean", "Tensor.mean"), example=({"dim": (2, 3)}, ((1, 2, 3, 4),)))
class Mean(Operator):
    """``x.mean(dim, keepdim)``: each output sums its ``reduced`` inputs (``reduced - 1`` adds) and scales once."""

    def __init__(self, dim, keepdim: bool = False) -> None:
        self.dim = tuple(dim) if isinstance(dim, Sequence) else (dim,)
        self.keepdim = flag(keepdim, "keepdim")

    def check_input(self, shape: Shape) -> Shape:
        for d in self.dim:
            dim_index(d, len(shape), "dim")
        return shape

    def lower(self, x: Tensor, *, prefix: str = "", output_role: Role = "output") -> Lowering:
        axes = {dim_index(d, len(x.shape), "dim") for d in self.dim}
        reduced = product([x.shape[i] for i in sorted(axes)])
        kept = [ONE if i in axes else v for i, v in enumerate(x.shape) if self.keepdim or i not in axes]
        output = Tensor(f"{prefix}output", output_role, tuple(kept))
        stage = Elementwise(output.elements, *self.per_output(reduced), reads=(x,), writes=(output,))
        return Lowering((stage,), output)

    def per_output(self, reduced: sympy.Expr) -> tuple[sympy.Expr, sympy.Expr]:
        """(mults, adds) of one output: the sum of ``reduced`` inputs, scaled once."""
        return ONE, reduced - 1

    def _repr_args(self) -> list[str]:
        return [f"dim={self.dim}", f"keepdim={self.keepdim}"]


def _reduction_call(name, x, dim=None, keepdim=False, *args, **kwargs):
    if dim is None:
        dim = tuple(range(len(x.shape)))
    return Sum(dim, keepdim)


@register(
    "sum",
    torch=("torch.sum", "Tensor.sum"),
    call=_reduction_call,
    example=({"dim": (2, 3)}, ((1, 2, 3, 4),)),
)
class Sum(Mean):
    """``x.sum(dim, keepdim)``: each output sums its ``reduced`` inputs (``reduced - 1`` adds)."""

    def per_output(self, reduced: sympy.Expr) -> tuple[sympy.Expr, sympy.Expr]:
        return sympy.Integer(0), reduced - 1


def _norm_call(name, x, p="fro", dim=None, keepdim=False, *args, **kwargs):
    if p not in (2, "fro") or dim is None:
        raise InvalidConfiguration(f"norm with p={p!r}, dim={dim!r} is not supported (p=2 along dims)")
    return Norm(dim, keepdim)


@register(
    "norm",
    torch=("torch.norm", "Tensor.norm"),
    call=_norm_call,
    example=({"dim": (2, 3)}, ((1, 2, 3, 4),)),
)
class Norm(Mean):
    """``x.norm(p=2, dim, keepdim)``: ``reduced`` squares summed, then a square root (not arithmetic)."""

    def per_output(self, reduced: sympy.Expr) -> tuple[sympy.Expr, sympy.Expr]:
        return reduced, reduced - 1
