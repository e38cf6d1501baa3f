"""symconv: exact, symbolic costs of neural-network operators, derived from their im2col/col2im GEMM lowering.

>>> import symconv
>>> from symconv.symbols import C_in, C_out, K, H, W
>>> shape = (1, C_in, H, W)
>>> dw = symconv.DepthwiseSeparableConv2d(C_in, C_out, K, padding="same", bias=False).cost(shape)
>>> std = symconv.Conv2d(C_in, C_out, K, padding="same", bias=False).cost(shape)
>>> sorted((dw.macs / std.macs).expand().args, key=str)
[1/C_out, K**(-2)]
"""

from collections.abc import Sequence

from symconv import symbols
from symconv.analysis.query import asymptotic, at, compare, crossover, limit, quantity, ratio, roofline
from symconv.core.conventions import (
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
from symconv.core.cost import Cost, TensorTraffic
from symconv.errors import InvalidConfiguration, NotLowerable, SymconvError, UnknownName, WrongType
from symconv.network import Network, NetworkCost
from symconv.ops import EXPORTS, Chain, Fused, Operator, Sequential

__version__ = "0.1.0"

globals().update(EXPORTS)  # every registered operator class (symconv.ops.registry)


def from_torch(model, input_shape, *, strict: bool = True, custom=None, grad: bool = False, sizes=None):
    """Per-layer and total cost of a ``torch.nn.Module`` (extra ``symconv[torch]``, :mod:`symconv.network.torch_fx`).

    With ``grad=True``, the training cost (:func:`symconv.analysis.training.from_torch`): forward and
    backward, each parameter's ``requires_grad`` honoured. ``sizes={H: (116, 227)}`` declares the
    range of each size symbol the cost is for (a model whose Python branches on its sizes). torch
    is imported here, on first use, never at ``import symconv``.
    """
    try:
        if grad:
            from symconv.analysis.training import from_torch as convert
        else:
            from symconv.network.torch_fx import from_torch as convert
    except ModuleNotFoundError as error:
        if error.name != "torch":
            raise
        raise NotLowerable("symconv.from_torch needs PyTorch: pip install 'symconv[torch]'") from None
    import torch

    if not isinstance(model, torch.nn.Module):
        raise WrongType(f"model={model!r} must be a torch.nn.Module")
    if isinstance(input_shape, str | bytes) or not isinstance(input_shape, Sequence) or not input_shape:
        raise WrongType(f"input_shape={input_shape!r} must be a tuple of sizes (or a list of them, one per input)")
    if not isinstance(strict, bool):
        raise WrongType(f"strict={strict!r} must be True or False")
    if not isinstance(grad, bool):
        raise WrongType(f"grad={grad!r} must be True or False")
    if grad:
        return convert(model, input_shape, sizes=sizes)
    return convert(model, input_shape, strict=strict, custom=custom, sizes=sizes)


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
    "WrongType",
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
