"""symconv: exact, symbolic costs of neural-network operators, derived from their im2col/col2im GEMM lowering.

>>> import symconv
>>> from symconv.symbols import C_in, C_out, K, H, W
>>> shape = (1, C_in, H, W)
>>> dw = symconv.DepthwiseSeparableConv2d(C_in, C_out, K, padding="same", bias=False).cost(shape)
>>> std = symconv.Conv2d(C_in, C_out, K, padding="same", bias=False).cost(shape)
>>> sorted((dw.macs / std.macs).expand().args, key=str)
[1/C_out, K**(-2)]
"""

from symconv import symbols
from symconv.conventions import (
    FLOPS,
    IDEAL,
    IM2COL,
    MACS,
    MULTS,
    OPS,
    Convention,
    MemoryModel,
    convention,
    memory_model,
)
from symconv.cost import Cost, TensorTraffic
from symconv.errors import InvalidConfiguration, NotLowerable, SymconvError, UnknownName
from symconv.network import Network, NetworkCost
from symconv.ops import EXPORTS, Chain, Fused, Operator, Sequential
from symconv.query import asymptotic, at, compare, crossover, limit, quantity, ratio, roofline

__version__ = "0.1.0"

globals().update(EXPORTS)  # every registered operator class (symconv.ops.registry)


def from_torch(model, input_shape) -> NetworkCost:
    """Per-layer and total cost of a ``torch.nn.Module`` (extra ``symconv[torch]``, :mod:`symconv.network.torch_fx`).

    torch is imported here, on first use, never at ``import symconv``.
    """
    try:
        from symconv.network.torch_fx import from_torch as convert
    except ModuleNotFoundError as error:
        if error.name != "torch":
            raise
        raise NotLowerable("symconv.from_torch needs PyTorch: pip install 'symconv[torch]'") from None
    return convert(model, input_shape)


__all__ = [
    "FLOPS",
    "IDEAL",
    "IM2COL",
    "MACS",
    "MULTS",
    "OPS",
    "Chain",
    "Convention",
    "Cost",
    "Fused",
    "InvalidConfiguration",
    "MemoryModel",
    "Network",
    "NetworkCost",
    "NotLowerable",
    "Operator",
    "Sequential",
    "SymconvError",
    "TensorTraffic",
    "UnknownName",
    "asymptotic",
    "at",
    "compare",
    "convention",
    "crossover",
    "from_torch",
    "limit",
    "memory_model",
    "quantity",
    "ratio",
    "roofline",
    "symbols",
]
__all__ += sorted(EXPORTS)
