"""Per-axis geometry of convolutions: output lengths (PyTorch's formulas) and their checks.

Examples
--------
>>> from symconv.symbols import H
>>> ConvAxis(kernel=3, stride=2, dilation=1, pad_left=1, pad_right=1).output_length(H, "H")
ceiling(H/2)
>>> TransposedAxis(kernel=4, stride=2, dilation=1, padding=1, output_padding=0).output_length(H, "H")
2*H
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy

from symconv.core.col2im_counts import transposed_length
from symconv.core.functions import Col2imContributions, Col2imTargets
from symconv.core.intfuncs import CeilDiv, FloorDiv
from symconv.core.sizes import decide, per_axis, require, show
from symconv.errors import InvalidConfiguration


@dataclass(frozen=True)
class ConvAxis:
    """One spatial axis of a convolution: kernel, stride, dilation and (possibly asymmetric) zero padding."""

    kernel: sympy.Expr
    stride: sympy.Expr
    dilation: sympy.Expr
    pad_left: sympy.Expr
    pad_right: sympy.Expr

    @property
    def span(self) -> sympy.Expr:
        """Extent of the dilated kernel, ``d*(K-1) + 1``."""
        return self.dilation * (self.kernel - 1) + 1

    def output_length(self, length: sympy.Expr, axis: str) -> sympy.Expr:
        """PyTorch's ``floor((L + pads - d*(K-1) - 1) / s) + 1``, as the equal ``ceiling((L + pads - d*(K-1)) / s)``.

        The ceiling form is shorter and reads ``ceiling(H/2)`` for every usual stride-2 layer (a
        :class:`~symconv.core.intfuncs.CeilDiv`, folded with the divisions already in ``L``); the kernel
        must fit the padded input.
        """
        padded = length + self.pad_left + self.pad_right
        require(
            sympy.Ge(padded, self.span, evaluate=False),
            "kernel_size={} with dilation={} needs a padded input of at least {}, got {} (input " + axis + "={})",
            self.kernel,
            self.dilation,
            self.span,
            padded,
            length,
        )
        return CeilDiv(padded - self.span + 1, self.stride)


@dataclass(frozen=True)
class TransposedAxis:
    """One spatial axis of a transposed convolution."""

    kernel: sympy.Expr
    stride: sympy.Expr
    dilation: sympy.Expr
    padding: sympy.Expr
    output_padding: sympy.Expr

    def output_length(self, length: sympy.Expr, axis: str) -> sympy.Expr:
        """``(L - 1)*s - 2*p + d*(K-1) + output_padding + 1``, checked to be positive."""
        out = transposed_length(length, self.kernel, self.stride, self.dilation, self.padding, self.output_padding)
        require(
            out >= 1,
            "padding={} crops the whole output: input " + axis + "={} gives output size {}",
            self.padding,
            length,
            out,
        )
        return out

    def col2im_counts(self, length: sympy.Expr) -> tuple[sympy.Expr, sympy.Expr]:
        """``(contributions, targets)`` of col2im along this axis (see :mod:`symconv.core.col2im_counts`)."""
        args = (length, self.kernel, self.stride, self.dilation, self.padding, self.output_padding)
        return Col2imContributions(*args), Col2imTargets(*args)


def conv_axes(dims: int, kernel_size, stride, padding, dilation) -> tuple[ConvAxis, ...]:
    """Normalise PyTorch-style convolution hyperparameters into one :class:`ConvAxis` per spatial axis."""
    kernels = per_axis(kernel_size, dims, "kernel_size")
    strides = per_axis(stride, dims, "stride")
    dilations = per_axis(dilation, dims, "dilation")
    if isinstance(padding, str):
        pads = _string_padding(padding, kernels, strides, dilations)
    else:
        pads = tuple((q, q) for q in per_axis(padding, dims, "padding", minimum=0))
    return tuple(
        ConvAxis(k, st, dl, left, right) for k, st, dl, (left, right) in zip(kernels, strides, dilations, pads)
    )


def _string_padding(padding: str, kernels, strides, dilations) -> tuple[tuple[sympy.Expr, sympy.Expr], ...]:
    if padding == "valid":
        return tuple((sympy.Integer(0), sympy.Integer(0)) for _ in kernels)
    if padding != "same":
        raise InvalidConfiguration(
            f"padding={show(padding)} must be 'same', 'valid', an integer or a tuple of integers"
        )
    if any(decide(sympy.Eq(st, 1, evaluate=False)) is False for st in strides):
        raise InvalidConfiguration(
            f"padding='same' is not supported for strided convolutions (stride={tuple(strides)})"
        )
    for st in strides:
        require(
            sympy.Eq(st, 1, evaluate=False), "padding='same' is not supported for strided convolutions (stride={})", st
        )
    # PyTorch pads d*(K-1) in total, the extra element on the right when it is odd.
    totals = [dl * (k - 1) for k, dl in zip(kernels, dilations)]
    return tuple((FloorDiv(t, 2), t - FloorDiv(t, 2)) for t in totals)


def transposed_axes(dims: int, kernel_size, stride, padding, output_padding, dilation) -> tuple[TransposedAxis, ...]:
    """Normalise PyTorch-style transposed-convolution hyperparameters, with PyTorch's output_padding rule."""
    if isinstance(padding, str):
        raise InvalidConfiguration(f"padding={show(padding)} is not supported for transposed convolutions")
    axes = tuple(
        TransposedAxis(*values)
        for values in zip(
            per_axis(kernel_size, dims, "kernel_size"),
            per_axis(stride, dims, "stride"),
            per_axis(dilation, dims, "dilation"),
            per_axis(padding, dims, "padding", minimum=0),
            per_axis(output_padding, dims, "output_padding", minimum=0),
        )
    )
    for axis in axes:
        bound = sympy.Max(axis.stride, axis.dilation)
        require(
            axis.output_padding < bound,
            "output_padding={} must be smaller than stride={} or dilation={}",
            axis.output_padding,
            axis.stride,
            axis.dilation,
        )
    return axes
