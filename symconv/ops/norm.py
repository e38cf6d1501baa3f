"""Normalisation layers at inference: a per-channel scale and shift."""

from __future__ import annotations

from symconv.core.lowering import Tensor
from symconv.core.sizes import as_size, require_divides, require_equal
from symconv.core.validate import flag
from symconv.errors import InvalidConfiguration
from symconv.ops.base import Shape, SpatialInput
from symconv.ops.elementwise import Map
from symconv.ops.registry import register


class BatchNorm(Map, SpatialInput):
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
        self.affine = flag(affine, "affine")

    def check_input(self, shape: Shape) -> Shape:
        if not (self.dims == 1 and len(shape) == 2):  # (N, C) is a valid BatchNorm1d input
            shape = SpatialInput.check_input(self, shape)
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


@register("batch_norm1d", torch=("torch.nn.BatchNorm1d",), example=({"num_features": 3}, ((2, 3, 4),)))
class BatchNorm1d(BatchNorm):
    """``torch.nn.BatchNorm1d`` (inference)."""

    dims = 1


@register("batch_norm2d", torch=("torch.nn.BatchNorm2d",), example=({"num_features": 3}, ((2, 3, 4, 4),)))
class BatchNorm2d(BatchNorm):
    """``torch.nn.BatchNorm2d`` (inference)."""

    dims = 2


@register("batch_norm3d", torch=("torch.nn.BatchNorm3d",), example=({"num_features": 3}, ((1, 3, 2, 3, 3),)))
class BatchNorm3d(BatchNorm):
    """``torch.nn.BatchNorm3d`` (inference)."""

    dims = 3


class _Statistics(Map):
    """Normalisation by statistics of the input: mean and variance, then ``(x - mean) * rstd``, then the affine.

    Per element: square, scale by ``rstd`` and the weight (3 mults); the two sums of the
    statistics, the subtraction of the mean and the bias (4 adds). No GEMM: no MACs, as
    ``FlopCounterMode``.
    """

    mults_each = 3
    adds_each = 4

    def affine_shape(self) -> Shape:
        raise NotImplementedError

    def parameters(self, prefix: str) -> tuple[Tensor, ...]:
        if not self.affine:
            return ()
        return tuple(
            Tensor(f"{prefix}{name}", role, self.affine_shape())
            for name, role in (("weight", "weight"), ("bias", "bias"))
        )


@register(
    "layer_norm",
    torch=("torch.nn.LayerNorm",),
    example=({"normalized_shape": (4,)}, ((2, 3, 4),)),
)
class LayerNorm(_Statistics):
    """``torch.nn.LayerNorm(normalized_shape)``: statistics over the last dimensions, channels-last.

    >>> LayerNorm((64,)).cost((1, 7, 7, 64)).params
    128
    """

    def __init__(self, normalized_shape, elementwise_affine: bool = True) -> None:
        shape = normalized_shape if isinstance(normalized_shape, tuple | list) else (normalized_shape,)
        self.normalized_shape = tuple(as_size(v, f"normalized_shape[{i}]") for i, v in enumerate(shape))
        self.affine = flag(elementwise_affine, "elementwise_affine")

    def affine_shape(self) -> Shape:
        return self.normalized_shape

    def check_input(self, shape: Shape) -> Shape:
        tail = shape[len(shape) - len(self.normalized_shape) :]
        if len(tail) != len(self.normalized_shape):
            raise InvalidConfiguration(f"input_shape={shape} has fewer dimensions than {self.normalized_shape}")
        for i, (a, b) in enumerate(zip(tail, self.normalized_shape, strict=True)):
            require_equal(a, f"input_shape[{i - len(tail)}]", b, f"normalized_shape[{i}]")
        return shape

    def _repr_args(self) -> list[str]:
        return [str(self.normalized_shape)] + ([] if self.affine else ["elementwise_affine=False"])


@register(
    "group_norm",
    torch=("torch.nn.GroupNorm",),
    example=({"num_groups": 2, "num_channels": 4}, ((1, 4, 3, 3),)),
)
class GroupNorm(_Statistics):
    """``torch.nn.GroupNorm(num_groups, num_channels)``: statistics per group of channels, a per-channel affine.

    >>> GroupNorm(1, 64).cost((1, 64, 7, 7)).params
    128
    """

    def __init__(self, num_groups, num_channels, affine: bool = True) -> None:
        self.num_groups, self.num_channels = as_size(num_groups, "num_groups"), as_size(num_channels, "num_channels")
        require_divides(self.num_groups, "num_groups", self.num_channels, "num_channels")
        self.affine = flag(affine, "affine")

    def affine_shape(self) -> Shape:
        return (self.num_channels,)

    def check_input(self, shape: Shape) -> Shape:
        if len(shape) < 2:
            raise InvalidConfiguration(f"input_shape={shape} must be (N, C, ...) for GroupNorm")
        require_equal(shape[1], "input_shape[1]", self.num_channels, "num_channels")
        return shape

    def _repr_args(self) -> list[str]:
        return [str(self.num_groups), str(self.num_channels)]
