"""The single-input layers a network needs, now in :mod:`symconv.ops` (one module per family); re-exported here."""

from symconv.ops.elementwise import Activation, ReLU
from symconv.ops.norm import BatchNorm, BatchNorm1d, BatchNorm2d, BatchNorm3d
from symconv.ops.pool import (
    AdaptiveAvgPool,
    AdaptiveAvgPool1d,
    AdaptiveAvgPool2d,
    AdaptiveAvgPool3d,
    AvgPool,
    AvgPool1d,
    AvgPool2d,
    AvgPool3d,
    Gcd,
    MaxPool,
    MaxPool1d,
    MaxPool2d,
    MaxPool3d,
    Mean,
    adaptive_window_total,
)
from symconv.ops.shape import Flatten, Identity, Reshape, Slice, Transpose

__all__ = [
    "Activation",
    "AdaptiveAvgPool",
    "AdaptiveAvgPool1d",
    "AdaptiveAvgPool2d",
    "AdaptiveAvgPool3d",
    "AvgPool",
    "AvgPool1d",
    "AvgPool2d",
    "AvgPool3d",
    "BatchNorm",
    "BatchNorm1d",
    "BatchNorm2d",
    "BatchNorm3d",
    "Flatten",
    "Gcd",
    "Identity",
    "MaxPool",
    "MaxPool1d",
    "MaxPool2d",
    "MaxPool3d",
    "Mean",
    "ReLU",
    "Reshape",
    "Slice",
    "Transpose",
    "adaptive_window_total",
]
