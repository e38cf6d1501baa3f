"""Counting conventions and memory models, as named values stored on what they produce.

Compute conventions
-------------------
========  =============================================  ==========================
name      counts                                         used by
========  =============================================  ==========================
macs      multiply-accumulates of the lowering's GEMMs   fvcore, ``FlopCounterMode``/2, first article
flops     2 x macs                                       PyTorch ``FlopCounterMode``
mults     multiplications only                           second article
ops       multiplications + additions, exactly           (exact count)
========  =============================================  ==========================

Append ``+bias`` to count one operation per output element for the bias
(``mults+bias`` is the second article's B2/B4, ``macs+bias`` is ptflops); ``ops`` counts
the bias additions already (``ops-bias`` leaves them out). How a Cost is counted
under a convention is :class:`symconv.core.quantities.Compute`'s job.

Memory models
-------------
``ideal``: every tensor at the operator's boundary (input, weight, bias, output)
is moved once, whole; lowering buffers stay on chip (implicit GEMM; the first article,
FasterNet, ShuffleNetV2). The whole input counts even where a stride larger than
the dilated kernel never reads part of it.

``touched``: as ``ideal``, but a tensor counts only the elements some loop really
reads: a ``1 x 1`` stride-2 convolution on ``H x W`` reads ``ceiling(H/2)*ceiling(W/2)``
positions per channel, not ``H*W``.

``im2col``: as ``ideal``, and the column buffer is written to memory and read
back, as an explicit im2col/col2im implementation (PyTorch's ``slow_conv2d``,
Caffe) does: none for a ``1 x 1``, stride-1, unpadded convolution (the input is
the column matrix); col2im reads only the column entries that land inside the
output, not those cropped by padding.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Literal

from symconv.errors import UnknownName

if TYPE_CHECKING:
    from symconv.core.lowering import Role

Counted = Literal["macs", "flops", "mults", "ops"]

#: What each count means, and whether it counts the bias unless told: only the exact count, ``ops``, does.
COUNTED: dict[str, tuple[str, bool]] = {
    "macs": ("multiply-accumulates of the GEMMs (padded taps included)", False),
    "flops": ("2 x multiply-accumulates, as PyTorch's FlopCounterMode", False),
    "mults": ("multiplications only", False),
    "ops": ("exact multiplications + additions", True),
}


@dataclass(frozen=True)
class Convention:
    """What a compute count counts: ``counts`` (macs, flops, mults, ops) and whether the bias is counted."""

    counts: Counted
    bias: bool

    @property
    def summary(self) -> str:
        """One line saying what is counted, bias included."""
        bias = "one addition per output element for the bias" if self.bias else "bias not counted"
        return f"{COUNTED[self.counts][0]}; {bias}"

    @property
    def bias_is_default(self) -> bool:
        """Whether the bias is counted as the bare name counts it (``macs`` without, ``ops`` with)."""
        return self.bias == COUNTED[self.counts][1]

    @property
    def name(self) -> str:
        return self.counts if self.bias_is_default else f"{self.counts}{'+' if self.bias else '-'}bias"

    @property
    def aliases(self) -> tuple[str, ...]:
        """The name with the bias stated, when the bare name already says it: ``ops+bias``, ``macs-bias``."""
        explicit = f"{self.counts}{'+' if self.bias else '-'}bias"
        return (explicit,) if self.bias_is_default else ()

    def with_bias(self, bias: bool = True) -> Convention:
        """The same convention, counting (or not) one operation per output element for the bias."""
        return replace(self, bias=bias)


def _default(counts: Counted) -> Convention:
    return Convention(counts, COUNTED[counts][1])


MACS, FLOPS, MULTS, OPS = map(_default, ("macs", "flops", "mults", "ops"))

CONVENTIONS: dict[str, Convention] = {c.name: c for c in (MACS, FLOPS, MULTS, OPS)}


def convention(value: str | Convention) -> Convention:
    """Look up a convention by name (``'macs'``, ``'flops'``, ``'mults+bias'``, ``'ops-bias'`` ...).

    >>> convention("mults+bias").name
    'mults+bias'
    >>> convention("gflops")
    Traceback (most recent call last):
    ...
    symconv.errors.UnknownName: unknown convention 'gflops'; expected one of: flops, flops+bias, macs, ...
    """
    if isinstance(value, Convention):
        return value
    every = [base.with_bias(bias) for base in CONVENTIONS.values() for bias in (False, True)]
    if isinstance(value, str):
        for found in every:
            if value in (found.name, *found.aliases):
                return found
    raise UnknownName("convention", value, [c.name for c in every])


@dataclass(frozen=True)
class MemoryModel:
    """Which tensors count as memory traffic: those whose role is in ``roles``."""

    name: str
    roles: frozenset[Role]
    summary: str
    touched: bool = False  # count only the elements actually read, not whole tensors


IDEAL = MemoryModel(
    "ideal",
    frozenset({"input", "weight", "bias", "output"}),
    "every boundary tensor moved once; lowering buffers stay on chip (implicit GEMM)",
)
IM2COL = MemoryModel(
    "im2col",
    IDEAL.roles | {"columns"},
    "as ideal, and the im2col/col2im column buffer is written to memory and read back",
)

TOUCHED = MemoryModel(
    "touched",
    IDEAL.roles,
    "as ideal, but only the input elements some window reads (padding and stride-skipped inputs are not)",
    touched=True,
)

MEMORY_MODELS: dict[str, MemoryModel] = {m.name: m for m in (IDEAL, TOUCHED, IM2COL)}


def memory_model(value: str | MemoryModel) -> MemoryModel:
    """Look up a memory model by name (``'ideal'``, ``'touched'`` or ``'im2col'``)."""
    if isinstance(value, MemoryModel):
        return value
    if not isinstance(value, str) or value not in MEMORY_MODELS:
        raise UnknownName("memory model", value, list(MEMORY_MODELS))
    return MEMORY_MODELS[value]
