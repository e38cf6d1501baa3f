"""Normalisation layers at inference: a per-channel scale and shift."""

from __future__ import annotations

from symconv.lowering import Tensor
from symconv.ops.base import Shape, SpatialInput
from symconv.ops.elementwise import Map
from symconv.ops.registry import register
from symconv.sizes import as_size, require_equal


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
        self.affine = affine

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
