"""Convolutions (1-D, 2-D, 3-D) and their transposes, with PyTorch's constructor signatures.

A convolution lowers to im2col, one GEMM per (sample, group) and a bias epilogue;
a transposed convolution to one GEMM per (sample, group) producing the column
buffer, then col2im. One class per family, parameterised by ``dims``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

import sympy

from symconv.core.geometry import ConvAxis, conv_axes, transposed_axes
from symconv.core.lowering import BiasAdd, Col2im, Gemm, Im2col, Lowering, Role, Stage, Tensor
from symconv.core.sizes import as_size, product, require, require_divides, require_equal, show
from symconv.core.touched import TouchedLength
from symconv.core.validate import flag
from symconv.errors import InvalidConfiguration
from symconv.ops.base import AXIS_NAMES, Operator, PerAxis
from symconv.ops.registry import Generated, register

PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


class _Channels(Operator):
    """Channel bookkeeping shared by convolutions and transposed convolutions."""

    dims: ClassVar[int]

    def _set_channels(self, in_channels, out_channels, groups, bias) -> None:
        self.in_channels = as_size(in_channels, "in_channels")
        self.out_channels = as_size(out_channels, "out_channels")
        self.groups = as_size(groups, "groups")
        require_divides(self.groups, "groups", self.in_channels, "in_channels")
        require_divides(self.groups, "groups", self.out_channels, "out_channels")
        self.bias = flag(bias, "bias")

    def check_input(self, shape: tuple[sympy.Expr, ...]) -> tuple[sympy.Expr, ...]:
        unbatched = len(shape) == self.dims + 1  # as PyTorch accepts it
        if not unbatched and len(shape) != self.dims + 2:
            axes = ", ".join(AXIS_NAMES[self.dims])
            raise InvalidConfiguration(
                f"input_shape={tuple(shape)} must be (N, C, {axes}) or (C, {axes}) for {type(self).__name__}"
            )
        channel = 0 if unbatched else 1
        require_equal(shape[channel], f"input_shape[{channel}]", self.in_channels, "in_channels")
        return (sympy.Integer(1), *shape) if unbatched else shape

    def _weight_and_bias(self, prefix: str, weight_shape) -> tuple[Tensor, Tensor | None]:
        weight = Tensor(f"{prefix}weight", "weight", weight_shape)
        bias = Tensor(f"{prefix}bias", "bias", (self.out_channels,)) if self.bias else None
        return weight, bias

    @staticmethod
    def _with_bias(stages: list[Stage], bias: Tensor | None, output: Tensor) -> Lowering:
        if bias is not None:
            stages.append(BiasAdd(bias, output))
        return Lowering(tuple(stages), output)


class ConvNd(_Channels):
    """``torch.nn.ConvNd``: im2col, then ``N*groups`` GEMMs.

    Each GEMM is ``(C_out/g) x (C_in/g * prod K)`` weights times the ``(C_in/g * prod K) x prod(out)`` columns.
    """

    def __init__(
        self,
        in_channels,
        out_channels,
        kernel_size: PerAxis,
        stride: PerAxis = 1,
        padding: PerAxis = 0,
        dilation: PerAxis = 1,
        groups=1,
        bias: bool = True,
        padding_mode: str = "zeros",
    ) -> None:
        self._set_channels(in_channels, out_channels, groups, bias)
        if padding_mode not in PADDING_MODES:
            raise InvalidConfiguration(f"padding_mode={show(padding_mode)} must be one of {', '.join(PADDING_MODES)}")
        self.padding_mode = padding_mode
        self.axes = conv_axes(self.dims, kernel_size, stride, padding, dilation)
        self._padding_arg = padding if isinstance(padding, str) else _plain(padding)

    @property
    def kernel_size(self) -> tuple[sympy.Expr, ...]:
        return tuple(a.kernel for a in self.axes)

    def lower(self, x: Tensor, *, prefix: str = "", output_role: Role = "output") -> Lowering:
        n, _, *lengths = x.shape
        for axis, length, name in zip(self.axes, lengths, AXIS_NAMES[self.dims]):
            _check_padding_mode(self.padding_mode, axis, length, name)
        out_lengths = tuple(
            axis.output_length(length, name) for axis, length, name in zip(self.axes, lengths, AXIS_NAMES[self.dims])
        )
        g = self.groups
        taps = self.in_channels / g * product(self.kernel_size)
        pixels = product(out_lengths)
        weight, bias = self._weight_and_bias(prefix, (self.out_channels, self.in_channels / g, *self.kernel_size))
        output = Tensor(f"{prefix}output", output_role, (n, self.out_channels, *out_lengths))
        stages: list[Stage] = []
        columns = x  # a pointwise convolution multiplies the input itself, as slow_conv2d and Caffe do
        excess = self._excess
        if excess != 0:
            built = sympy.ceiling(excess / (excess + 1))  # 1, or 0 where the symbols make it pointwise
            columns = Tensor(f"{prefix}columns", "columns", (n * g, taps, pixels), stored=built)
            touched = [
                TouchedLength(length, a.kernel, a.stride, a.dilation, a.pad_left, a.pad_right)
                for a, length in zip(self.axes, lengths)
            ]
            stages.append(Im2col(x, columns, touched=n * self.in_channels * product(touched)))
        stages.append(Gemm(m=self.out_channels / g, k=taps, n=pixels, count=n * g, a=weight, b=columns, out=output))
        return self._with_bias(stages, bias, output)

    @property
    def _excess(self) -> sympy.Expr:
        """How far from pointwise: 0 exactly for ``1 x 1``, stride 1, unpadded (the input is the column matrix)."""
        return sympy.Add(*(a.kernel - 1 + a.stride - 1 + a.pad_left + a.pad_right for a in self.axes))

    def _repr_args(self) -> list[str]:
        a = self.axes
        args = [str(self.in_channels), str(self.out_channels), f"kernel_size={self.kernel_size}"]
        padding = self._padding_arg
        if not isinstance(padding, str):
            padding = tuple(x.pad_left for x in a)
        optional = {
            "stride": (tuple(x.stride for x in a), (1,) * self.dims),
            "padding": (padding, (0,) * self.dims),
            "dilation": (tuple(x.dilation for x in a), (1,) * self.dims),
        }
        args += [f"{k}={show(v)}" for k, (v, default) in optional.items() if v != default]
        if self.groups != 1:
            args.append(f"groups={self.groups}")
        args.append(f"bias={self.bias}")
        return args


def _plain(padding: object) -> object:
    """Numeric padding as sizes (NumPy integers become exact integers), for the repr."""
    if isinstance(padding, Sequence):
        return tuple(as_size(v, "padding", minimum=0) for v in padding)
    return as_size(padding, "padding", minimum=0)


def _check_padding_mode(mode: str, axis: ConvAxis, length: sympy.Expr, name: str) -> None:
    """PyTorch's rules for non-zero padding: reflection needs ``padding < size``; circular padding may wrap once."""
    if mode == "reflect":
        rule = "padding={} must be less than the input size {}={} with padding_mode='reflect'"
        for pad in dict.fromkeys((axis.pad_left, axis.pad_right)):
            require(pad < length, rule.replace("{}={}", name + "={}"), pad, length)
    elif mode == "circular":
        rule = "padding={} must not exceed the input size {}={} with padding_mode='circular' (it would wrap twice)"
        for pad in dict.fromkeys((axis.pad_left, axis.pad_right)):
            require(pad <= length, rule.replace("{}={}", name + "={}"), pad, length)


class ConvTransposeNd(_Channels):
    """``torch.nn.ConvTransposeNd``: ``N*groups`` GEMMs ``W^T . x``, then col2im.

    The GEMMs fill a ``(C_out/g * prod K) x prod(in)`` column buffer, which col2im scatter-adds into the output.
    """

    def __init__(
        self,
        in_channels,
        out_channels,
        kernel_size: PerAxis,
        stride: PerAxis = 1,
        padding: PerAxis = 0,
        output_padding: PerAxis = 0,
        groups=1,
        bias: bool = True,
        dilation: PerAxis = 1,
        padding_mode: str = "zeros",
    ) -> None:
        self._set_channels(in_channels, out_channels, groups, bias)
        if padding_mode != "zeros":
            raise InvalidConfiguration(f"padding_mode={show(padding_mode)} must be 'zeros' for transposed convolutions")
        self.padding_mode = padding_mode
        self.axes = transposed_axes(self.dims, kernel_size, stride, padding, output_padding, dilation)

    @property
    def kernel_size(self) -> tuple[sympy.Expr, ...]:
        return tuple(a.kernel for a in self.axes)

    def lower(self, x: Tensor, *, prefix: str = "", output_role: Role = "output") -> Lowering:
        n, _, *lengths = x.shape
        names = AXIS_NAMES[self.dims]
        out_lengths = tuple(axis.output_length(length, name) for axis, length, name in zip(self.axes, lengths, names))
        counts = [axis.col2im_counts(length) for axis, length in zip(self.axes, lengths)]
        g = self.groups
        rows = self.out_channels / g * product(self.kernel_size)
        pixels = product(lengths)
        columns = Tensor(f"{prefix}columns", "columns", (n * g, rows, pixels))
        weight, bias = self._weight_and_bias(prefix, (self.in_channels, self.out_channels / g, *self.kernel_size))
        output = Tensor(f"{prefix}output", output_role, (n, self.out_channels, *out_lengths))
        stages: list[Stage] = [
            Gemm(m=rows, k=self.in_channels / g, n=pixels, count=n * g, a=weight, b=x, out=columns),
            Col2im(
                columns,
                output,
                planes=n * self.out_channels,
                contributions=product([c for c, _ in counts]),
                targets=product([t for _, t in counts]),
            ),
        ]
        return self._with_bias(stages, bias, output)

    def _repr_args(self) -> list[str]:
        a = self.axes
        args = [str(self.in_channels), str(self.out_channels), f"kernel_size={self.kernel_size}"]
        optional = {
            "stride": (tuple(x.stride for x in a), 1),
            "padding": (tuple(x.padding for x in a), 0),
            "output_padding": (tuple(x.output_padding for x in a), 0),
            "dilation": (tuple(x.dilation for x in a), 1),
        }
        args += [f"{k}={v}" for k, (v, default) in optional.items() if v != (default,) * self.dims]
        if self.groups != 1:
            args.append(f"groups={self.groups}")
        args.append(f"bias={self.bias}")
        return args


def _generated(name: str, dims: int) -> Generated:
    spatial = {1: ("length",), 2: ("height", "width"), 3: ("depth", "height", "width")}[dims]
    return Generated(("batch", "in_channels", *spatial), {name: {}})


@register(
    "conv1d",
    codegen=_generated("conv1d", 1),
    torch=("torch.nn.Conv1d",),
    example=({"in_channels": 2, "out_channels": 4, "kernel_size": 3}, ((1, 2, 6),)),
)
class Conv1d(ConvNd):
    """``torch.nn.Conv1d``."""

    dims = 1


@register(
    "conv2d",
    codegen=_generated("conv2d", 2),
    torch=("torch.nn.Conv2d",),
    example=({"in_channels": 2, "out_channels": 4, "kernel_size": 3}, ((1, 2, 6, 6),)),
)
class Conv2d(ConvNd):
    """``torch.nn.Conv2d``.

    >>> from symconv.symbols import C_in, C_out, K, H, W
    >>> Conv2d(C_in, C_out, K, padding="same", bias=False).cost((1, C_in, H, W)).macs
    C_in*C_out*H*K**2*W
    """

    dims = 2


@register(
    "conv3d",
    codegen=_generated("conv3d", 3),
    torch=("torch.nn.Conv3d",),
    example=({"in_channels": 2, "out_channels": 4, "kernel_size": 3}, ((1, 2, 5, 5, 5),)),
)
class Conv3d(ConvNd):
    """``torch.nn.Conv3d``."""

    dims = 3


@register(
    "conv_transpose1d",
    codegen=_generated("conv_transpose1d", 1),
    torch=("torch.nn.ConvTranspose1d",),
    example=({"in_channels": 2, "out_channels": 4, "kernel_size": 3, "stride": 2}, ((1, 2, 6),)),
)
class ConvTranspose1d(ConvTransposeNd):
    """``torch.nn.ConvTranspose1d``."""

    dims = 1


@register(
    "conv_transpose2d",
    codegen=_generated("conv_transpose2d", 2),
    torch=("torch.nn.ConvTranspose2d",),
    example=({"in_channels": 2, "out_channels": 4, "kernel_size": 3, "stride": 2}, ((1, 2, 6, 6),)),
)
class ConvTranspose2d(ConvTransposeNd):
    """``torch.nn.ConvTranspose2d``.

    >>> from symconv.symbols import C_in, C_out, K, H_in, W_in
    >>> ConvTranspose2d(C_in, C_out, K, bias=False).cost((1, C_in, H_in, W_in)).macs
    C_in*C_out*H_in*K**2*W_in
    """

    dims = 2


@register(
    "conv_transpose3d",
    codegen=_generated("conv_transpose3d", 3),
    torch=("torch.nn.ConvTranspose3d",),
    example=({"in_channels": 2, "out_channels": 4, "kernel_size": 3, "stride": 2}, ((1, 2, 5, 5, 5),)),
)
class ConvTranspose3d(ConvTransposeNd):
    """``torch.nn.ConvTranspose3d``."""

    dims = 3
