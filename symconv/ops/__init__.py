"""Operators: each maps PyTorch-style hyperparameters onto lowering stages."""

from symconv.ops.base import Operator
from symconv.ops.composite import DepthwiseSeparableConv2d, Fused, PartialConv2d, Sequential
from symconv.ops.conv import (
    Conv1d,
    Conv2d,
    Conv3d,
    ConvNd,
    ConvTranspose1d,
    ConvTranspose2d,
    ConvTranspose3d,
    ConvTransposeNd,
)
from symconv.ops.linear import Linear

__all__ = [
    "Conv1d",
    "Conv2d",
    "Conv3d",
    "ConvNd",
    "ConvTranspose1d",
    "ConvTranspose2d",
    "ConvTranspose3d",
    "ConvTransposeNd",
    "DepthwiseSeparableConv2d",
    "Fused",
    "Linear",
    "Operator",
    "PartialConv2d",
    "Sequential",
]
