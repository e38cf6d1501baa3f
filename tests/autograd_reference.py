"""What a real PyTorch training step holds, for the training quantities' references (needs PyTorch).

- :func:`saved_bytes`: the bytes ``torch.autograd.graph.saved_tensors_hooks`` records during the
  forward, one count per storage, the module's parameters and buffers left out;
- :func:`optimizer_step_elements`: the elements one real optimizer step holds: parameters,
  their ``.grad``, the optimizer's state buffers and the saved tensors.
"""

from __future__ import annotations

import torch
from torch import nn


def saved_bytes(model: nn.Module, *xs: torch.Tensor) -> int:
    """Bytes autograd saves during ``model(*xs)``, one count per storage, parameters and buffers left out."""
    own = {t.untyped_storage().data_ptr() for t in (*model.parameters(), *model.buffers())}
    storages: dict[int, int] = {}

    def pack(t):
        storage = t.untyped_storage()
        if storage.data_ptr() not in own:
            storages[storage.data_ptr()] = storage.nbytes()
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        out = model(*xs)
    del out
    return sum(storages.values())


#: The optimizer each name of the vocabulary's ``training-memory:<optimizer>`` stands for.
OPTIMIZERS = {
    "adam": lambda params: torch.optim.Adam(params),
    "sgd-momentum": lambda params: torch.optim.SGD(params, lr=0.1, momentum=0.9),
    "sgd": lambda params: torch.optim.SGD(params, lr=0.1),
}


def optimizer_step_elements(model: nn.Module, shape, optimizer: str, input_grad: bool) -> int:
    """Elements one real optimizer step holds: parameters, their ``.grad``, the optimizer's buffers, saved tensors."""
    x = torch.randn(shape, dtype=torch.float64, requires_grad=input_grad)
    saved = saved_bytes(model, x) // 8
    model(x).sum().backward()
    params = list(model.parameters())
    opt = OPTIMIZERS[optimizer](params)
    opt.step()
    buffers = sum(
        t.numel() for state in opt.state.values() for key, t in state.items() if key != "step" and t is not None
    )  # Adam's step counter is one scalar per parameter, not a buffer of its size
    return sum(p.numel() for p in params) + sum(p.grad.numel() for p in params) + buffers + saved
