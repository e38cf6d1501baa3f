"""Operators built from simpler ones: chains (fused or not), depthwise-separable and partial convolutions."""

from __future__ import annotations

from typing import ClassVar

import sympy

from symconv.core.intfuncs import FloorDiv
from symconv.core.lowering import Copy, Lowering, Role, Stage, Tensor
from symconv.core.sizes import as_size, decide, require_equal, show
from symconv.core.validate import flag
from symconv.errors import InvalidConfiguration
from symconv.ops.base import Operator, PerAxis
from symconv.ops.conv import Conv2d
from symconv.ops.registry import Free, Generated, register


class Chain(Operator):
    """Operators applied one after another; subclasses say whether they run as one kernel or several.

    ``cost()`` is the cost of ``lower()``, as for every operator. What differs is the
    tensor passed from one part to the next: inside one kernel (:class:`Fused`) it stays
    on chip (role ``intermediate``); between separate kernels (:class:`Sequential`) it is
    an ``output`` written to memory, and the next kernel reads it back as its own ``input``.
    """

    #: True: one kernel, intermediates on chip; False: one kernel per part
    fused: ClassVar[bool]

    def __init__(self, *parts: Operator | tuple[str, Operator]) -> None:
        if not parts:
            raise InvalidConfiguration(f"{type(self).__name__} needs at least one operator")
        named = [p if isinstance(p, tuple) else (str(i), p) for i, p in enumerate(parts)]
        seen: set[str] = set()
        for name, op in named:
            if not isinstance(op, Operator):
                raise InvalidConfiguration(f"part {name!r} is {op!r}, not a symconv operator")
            if op.arity != 1:
                raise InvalidConfiguration(f"part {name!r} ({op!r}) must take one input to be chained")
            if name in seen:
                raise InvalidConfiguration(f"part name {name!r} is used twice in {type(self).__name__}")
            seen.add(name)
        self.parts: tuple[tuple[str, Operator], ...] = tuple(named)

    def check_input(self, shape: tuple[sympy.Expr, ...]) -> tuple[sympy.Expr, ...]:
        """Every part checked on the shape the previous one produces."""
        (first,) = self.parts[0][1].check_inputs(shape)
        shape = first
        for index, (name, op) in enumerate(self.parts):
            if index:
                try:
                    (shape,) = op.check_inputs(shape)
                except InvalidConfiguration as error:
                    raise InvalidConfiguration(f"part {name!r} ({op!r}): {error}") from None
            shape = op.lower(Tensor("input", "input", shape)).output.shape
        return first

    def lower(self, x: Tensor, *, prefix: str = "", output_role: Role = "output") -> Lowering:
        stages: list[Stage] = []
        between: Role = "intermediate" if self.fused else "output"
        for index, (name, op) in enumerate(self.parts):
            last = index == len(self.parts) - 1
            if not self.fused:  # a separate kernel reads its own input (from memory, after the first)
                x = Tensor(f"{prefix}{name}.input", "input" if index else x.role, x.shape)
            lowering = op.lower(x, prefix=f"{prefix}{name}.", output_role=output_role if last else between)
            stages += lowering.stages
            x = lowering.output
        return Lowering(tuple(stages), x)

    def _repr_args(self) -> list[str]:
        return [f"{name}={op!r}" for name, op in self.parts]


class Fused(Chain):
    """Operators run as one kernel: the tensors passed between them stay on chip (role ``intermediate``)."""

    fused = True


class Sequential(Chain):
    """Operators run one after another as separate kernels: each intermediate is written, then read back.

    >>> from symconv.ops.conv import Conv2d
    >>> chain = [Conv2d(2, 4, 3, padding=1, bias=False), Conv2d(4, 4, 3, padding=1, bias=False)]
    >>> Sequential(*chain).cost((1, 2, 4, 4)).memory() - Fused(*chain).cost((1, 2, 4, 4)).memory()  # 4*4*4, twice
    128
    """

    fused = False


@register(
    "depthwise_separable_conv2d",
    aliases=("dwconv",),
    example=({"in_channels": 2, "out_channels": 4, "kernel_size": 3}, ((1, 2, 6, 6),)),
    codegen=Generated(
        ("batch", "in_channels", "height", "width"),
        {"depthwise_separable_conv2d": {}, "depthwise_separable_conv2d_fused": {"fused": True}},
    ),
)
class DepthwiseSeparableConv2d(Operator):
    """Depthwise ``K x K`` convolution, then pointwise ``1 x 1`` (MobileNet's depthwise-separable block).

    The depthwise part has ``groups=in_channels`` and ``depth_multiplier`` outputs per channel.

    ``fused=False`` runs them as two kernels (the intermediate is written and read
    back, the first source article's A8); ``fused=True`` keeps the intermediate on chip.
    """

    dims = 2

    def __init__(
        self,
        in_channels,
        out_channels,
        kernel_size: PerAxis,
        stride: PerAxis = 1,
        padding: PerAxis = 0,
        dilation: PerAxis = 1,
        depth_multiplier=1,
        bias: bool = True,
        fused: bool = False,
    ) -> None:
        flag(fused, "fused")
        in_channels = as_size(in_channels, "in_channels")  # before it is multiplied into out_channels
        multiplier = as_size(depth_multiplier, "depth_multiplier")
        depthwise = Conv2d(
            in_channels, in_channels * multiplier, kernel_size, stride, padding, dilation, groups=in_channels, bias=bias
        )
        pointwise = Conv2d(in_channels * multiplier, out_channels, 1, bias=bias)
        chain = Fused if fused else Sequential
        self.fused = fused
        self.chain = chain(("depthwise", depthwise), ("pointwise", pointwise))

    def check_input(self, shape: tuple[sympy.Expr, ...]) -> tuple[sympy.Expr, ...]:
        return self.chain.check_input(shape)

    def lower(self, x: Tensor, *, prefix: str = "", output_role: Role = "output") -> Lowering:
        return self.chain.lower(x, prefix=prefix, output_role=output_role)

    def _repr_args(self) -> list[str]:
        return [f"{name}={op!r}" for name, op in self.chain.parts] + [f"fused={self.fused}"]


@register(
    "partial_conv2d",
    aliases=("pconv",),
    example=({"channels": 8, "kernel_size": 3}, ((1, 8, 5, 5),)),
    codegen=Generated(
        ("batch", "channels", "height", "width"),
        {"partial_conv2d": {"n_div": Free(4)}, "partial_conv2d_split_cat": {"n_div": Free(4), "forward": "split_cat"}},
    ),
)
class PartialConv2d(Operator):
    """FasterNet's PConv: a ``C_p -> C_p`` ``K x K`` convolution ('same' padding) on the first ``C_p`` channels.

    ``C_p = channels // n_div`` (FasterNet's default ``n_div=4``) or ``conv_channels``.
    ``forward='slicing'`` writes the result in place and does not move the untouched
    channels (the first source article's A10; FasterNet's code clones the input first, which this
    count leaves out); ``'split_cat'`` is eager ``split -> conv -> cat``: the cat reads
    the convolution's output and the untouched channels and writes the whole result.
    """

    FORWARDS = ("slicing", "split_cat")

    def __init__(
        self,
        channels,
        kernel_size=3,
        n_div=None,
        conv_channels=None,
        forward: str = "slicing",
        bias: bool = False,
    ) -> None:
        self.channels = as_size(channels, "channels")
        if n_div is not None and conv_channels is not None:
            raise InvalidConfiguration(f"give n_div={n_div} or conv_channels={conv_channels}, not both")
        if conv_channels is None:
            divisor = as_size(4 if n_div is None else n_div, "n_div")
            conv_channels = FloorDiv(self.channels, divisor)
            if decide(conv_channels >= 1) is False:
                raise InvalidConfiguration(
                    f"n_div={divisor} must not exceed channels={self.channels}: no channel would be convolved"
                )
        self.conv_channels = as_size(conv_channels, "conv_channels")
        if decide(self.conv_channels <= self.channels) is False:
            raise InvalidConfiguration(f"conv_channels={self.conv_channels} must not exceed channels={self.channels}")
        if forward not in self.FORWARDS:
            raise InvalidConfiguration(f"forward={show(forward)} must be one of {', '.join(self.FORWARDS)}")
        self.forward = forward
        self.conv = Conv2d(self.conv_channels, self.conv_channels, kernel_size, padding="same", bias=bias)

    def check_input(self, shape: tuple[sympy.Expr, ...]) -> tuple[sympy.Expr, ...]:
        if len(shape) != 4:
            raise InvalidConfiguration(f"input_shape={tuple(shape)} must be (N, C, H, W) for PartialConv2d")
        require_equal(shape[1], "input_shape[1]", self.channels, "channels")
        return shape

    def lower(self, x: Tensor, *, prefix: str = "", output_role: Role = "output") -> Lowering:
        n, c, *spatial = x.shape
        c_p = self.conv_channels
        convolved = Tensor(f"{x.name}[:C_p]", x.role, (n, c_p, *spatial))
        lowering = self.conv.lower(convolved, prefix=f"{prefix}conv.", output_role=output_role)
        stages = list(lowering.stages)
        if self.forward == "split_cat":  # eager torch.cat reads both halves and writes a new tensor
            untouched = (n, c - c_p, *spatial)
            stages += [
                Copy(lowering.output, Tensor(f"{prefix}output[:C_p]", output_role, lowering.output.shape)),
                Copy(
                    Tensor(f"{x.name}[C_p:]", x.role, untouched),
                    Tensor(f"{prefix}output[C_p:]", output_role, untouched),
                ),
            ]
        return Lowering(tuple(stages), Tensor(f"{prefix}output", output_role, x.shape))

    def _repr_args(self) -> list[str]:
        return [
            str(self.channels),
            f"kernel_size={self.conv.kernel_size}",
            f"conv_channels={self.conv_channels}",
            f"forward={self.forward!r}",
            f"bias={self.conv.bias}",
        ]
