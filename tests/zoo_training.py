"""The model zoo in training: ``from_torch(model, shape, grad=True)`` against PyTorch doing forward + backward.

Shared by ``tests/test_zoo_training.py`` (a subset, slow) and ``benchmarks/bench_zoo_training.py``
(the whole zoo). Each model (random weights, train mode, on the meta device where it can be
built there) runs ``forward`` and ``loss.backward()`` with ``loss = output.sum()`` (every output
of a model that returns several) at one concrete resolution:

- compute: ``FlopCounterMode``'s total must equal ``2 * (forward + backward)`` MACs. This PyTorch's
  ``conv_backward_flop`` forgets the groups in a grouped convolution's weight gradient (it counts
  ``groups`` times the products formed: a depthwise layer's ``C`` times); the reference here is
  FlopCounterMode with that one formula corrected (:func:`grouped_fixed`), and the surplus the
  uncorrected counter adds is reported beside it. Attention runs PyTorch's math backend
  (``SDPBackend.MATH``): its batched GEMMs are what FlopCounterMode counts;
- saved activations: the bytes autograd records through ``torch.autograd.graph.saved_tensors_hooks``,
  one count per storage, the model's parameters and buffers left out, must equal symconv's
  ``training_memory(..., element_size=4).activations``. Dropout and stochastic depth are set to
  ``p = 0``: symconv reads them as the identity, and PyTorch runs them as one then (with ``p > 0``
  autograd also keeps their masks). Attention saves what PyTorch's math backend saves (the scaled
  ``q`` and ``k``, ``v``, the softmax's output); its flash and memory-efficient kernels keep ``q``,
  ``k``, ``v``, the output and one log-sum-exp per query row instead of the ``L x L`` weights.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import zoo
from torch import nn
from torch.nn.attention import SDPBackend, sdpa_kernel
from torch.utils.flop_counter import FlopCounterMode, conv_backward_flop

import symconv
from symconv.analysis import training
from symconv.errors import SymconvError

BATCH = 2  # batch norm in train mode needs more than one value per channel

_RAW = getattr(conv_backward_flop, "__wrapped__", conv_backward_flop)


def grouped_fixed(grad_out_shape, x_shape, w_shape, bias, stride, padding, dilation, transposed, output_padding,
                  groups, output_mask, out_shape=None, **kwargs) -> int:  # fmt: skip
    """PyTorch's ``conv_backward_flop`` with the weight gradient divided by ``groups`` (the products formed)."""
    args = (grad_out_shape, x_shape, w_shape, bias, stride, padding, dilation, transposed, output_padding, groups)
    grad_input = _RAW(*args, [output_mask[0], False, False], out_shape=out_shape)
    grad_weight = _RAW(*args, [False, output_mask[1], False], out_shape=out_shape)
    return grad_input + grad_weight // groups


def without_dropout(model: nn.Module) -> nn.Module:
    """``model`` with every dropout and stochastic depth at ``p = 0`` (the identity, as symconv reads them).

    timm's heads also call ``F.dropout(x, p=self.drop_rate, training=self.training)`` (GhostNet's default
    ``drop_rate`` is 0.2), and timm's ``DropPath`` reads ``drop_prob`` (Swin's default path rate is 0.1):
    both are set to 0 too.
    """
    for module in model.modules():
        if isinstance(module, nn.modules.dropout._DropoutNd) or type(module).__name__ == "StochasticDepth":
            module.p = 0.0
        for rate in ("drop_rate", "drop_prob"):
            if isinstance(getattr(module, rate, None), float):
                setattr(module, rate, 0.0)
    return model


def _loss(output) -> torch.Tensor:
    if isinstance(output, torch.Tensor):
        return output.sum()
    values = output.values() if isinstance(output, dict) else output
    return sum(_loss(v) for v in values)


def torch_training(model: nn.Module, shape: tuple[int, ...]) -> tuple[int, int, int]:
    """``(corrected FLOPs, uncorrected FLOPs, saved bytes)`` of one forward + ``loss.backward()``."""
    device = zoo.device(model)
    own = {t.untyped_storage()._cdata for t in (*model.parameters(), *model.buffers())}
    storages: dict[int, int] = {}

    def pack(t):
        storage = t.untyped_storage()
        if storage._cdata not in own:
            storages[storage._cdata] = storage.nbytes()
        return t

    fixed = FlopCounterMode(display=False, custom_mapping={torch.ops.aten.convolution_backward: grouped_fixed})
    plain = FlopCounterMode(display=False)
    with sdpa_kernel(SDPBackend.MATH), fixed, plain:
        with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
            output = model(torch.empty(shape, device=device))
        _loss(output).backward()
    return fixed.get_total_flops(), plain.get_total_flops(), sum(storages.values())


@dataclass
class Outcome:
    """``status``: agree, disagree (FLOPs or saved bytes differ), refused (a SymconvError), crash (anything else)."""

    model: zoo.Model
    shape: tuple[int, ...]
    status: str
    detail: str = ""
    surplus: int = 0  # what the uncorrected FlopCounterMode adds (grouped weight gradients)


def shape_of(spec: zoo.Model, size: tuple[int, int] | None = None) -> tuple[int, ...]:
    return (BATCH, *spec.input_shape(*(size or spec.sizes[0]))[1:])


def check(spec: zoo.Model, size: tuple[int, int] | None = None) -> Outcome:
    """Build ``spec`` in train mode and compare symconv's training step with PyTorch's at one resolution."""
    model = without_dropout(spec.build().train())
    shape = shape_of(spec, size)
    try:
        step = symconv.from_torch(model, shape, grad=True)
    except SymconvError as error:
        return Outcome(spec, shape, "refused", " ".join(f"{type(error).__name__}: {error}".split())[:400])
    except Exception as error:
        return Outcome(spec, shape, "crash", " ".join(f"{type(error).__name__}: {error}".split())[:400])
    fixed, plain, saved = torch_training(model, shape)
    ours_flops, ours_saved = 2 * step.macs, training.training_memory(step, element_size=4).activations
    wrong = []
    if ours_flops != fixed:
        wrong.append(f"FLOPs {ours_flops} != {fixed} ({float(ours_flops / fixed):.6f}x)")
    if ours_saved != saved:
        wrong.append(f"saved bytes {ours_saved} != {saved} ({float(ours_saved / saved):.6f}x)")
    return Outcome(spec, shape, "disagree" if wrong else "agree", "; ".join(wrong), plain - fixed)
