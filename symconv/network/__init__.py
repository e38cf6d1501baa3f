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

from symconv.network.floors import merge_divisions
from symconv.network.graph import LayerCost, Network, NetworkCost, Value
from symconv.ops import EXPORTS
from symconv.ops.base import Operator as Merge  # one operator protocol; the older name for several inputs

globals().update(EXPORTS)  # every registered operator: from symconv.network import ReLU, Add, ...

__all__ = ["LayerCost", "Merge", "Network", "NetworkCost", "Value", "merge_divisions"]
__all__ += sorted(EXPORTS)
