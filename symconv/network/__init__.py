"""Networks written from symconv operators, with symbolic shapes and per-layer costs.

>>> import symconv
>>> from symconv.network import Network, ReLU, MaxPool2d
>>> from symconv.symbols import H, W
>>> net = Network()
>>> x = net.input((1, 3, H, W))
>>> stem = [("conv", symconv.Conv2d(3, 64, 7, 2, 3, bias=False)), ("relu", ReLU()), ("pool", MaxPool2d(3, 2, 1))]
>>> x = net.chain(x, *stem)
>>> x.shape
(1, 64, ceiling(H/4), ceiling(W/4))
"""

from symconv.network.graph import LayerCost, Network, NetworkCost, Value
from symconv.network.layers import (
    Activation,
    AdaptiveAvgPool1d,
    AdaptiveAvgPool2d,
    AdaptiveAvgPool3d,
    AvgPool1d,
    AvgPool2d,
    AvgPool3d,
    BatchNorm1d,
    BatchNorm2d,
    BatchNorm3d,
    Flatten,
    Identity,
    MaxPool1d,
    MaxPool2d,
    MaxPool3d,
    Mean,
    ReLU,
    Reshape,
    Slice,
    Transpose,
)
from symconv.network.merge import Add, Concat, Matmul, Merge, Multiply

__all__ = [
    "Activation",
    "AdaptiveAvgPool1d",
    "AdaptiveAvgPool2d",
    "AdaptiveAvgPool3d",
    "Add",
    "AvgPool1d",
    "AvgPool2d",
    "AvgPool3d",
    "BatchNorm1d",
    "BatchNorm2d",
    "BatchNorm3d",
    "Concat",
    "Flatten",
    "Identity",
    "LayerCost",
    "Matmul",
    "MaxPool1d",
    "MaxPool2d",
    "MaxPool3d",
    "Mean",
    "Merge",
    "Multiply",
    "Network",
    "NetworkCost",
    "ReLU",
    "Reshape",
    "Slice",
    "Transpose",
    "Value",
]
