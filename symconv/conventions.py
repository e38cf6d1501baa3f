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
the bias additions already (``ops-bias`` leaves them out).

Memory models
-------------
``ideal``: every tensor at the operator's boundary (input, weight, bias, output)
is moved once; lowering buffers stay on chip (implicit GEMM; the first article, FasterNet,
ShuffleNetV2). ``im2col``: as ``ideal``, and the column buffer is written to
memory and read back, as an explicit im2col/col2im implementation does.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Literal

from symconv.errors import UnknownName

if TYPE_CHECKING:
    import sympy

    from symconv.cost import Cost
    from symconv.lowering import Role

Counted = Literal["macs", "flops", "mults", "ops"]


@dataclass(frozen=True)
class Convention:
    """What a compute count counts: ``counts`` (macs, flops, mults, ops) and whether the bias is counted."""

    counts: Counted
    bias: bool

    @property
    def summary(self) -> str:
        """One line saying what is counted, bias included."""
        bias = "one addition per output element for the bias" if self.bias else "bias not counted"
        return f"{COUNTED[self.counts]}; {bias}"

    @property
    def name(self) -> str:
        default_bias = self.counts == "ops"
        if self.bias == default_bias:
            return self.counts
        return f"{self.counts}{'+' if self.bias else '-'}bias"

    def with_bias(self, bias: bool = True) -> Convention:
        """The same convention, counting (or not) one operation per output element for the bias."""
        return replace(self, bias=bias)

    def of(self, cost: Cost) -> sympy.Expr:
        """The compute of ``cost`` under this convention."""
        base = {
            "macs": cost.macs,
            "flops": cost.flops,
            "mults": cost.mults,
            "ops": cost.mults + cost.adds - cost.bias_adds,
        }[self.counts]
        return base + cost.bias_adds if self.bias else base


COUNTED: dict[str, str] = {
    "macs": "multiply-accumulates of the GEMMs (padded taps included)",
    "flops": "2 x multiply-accumulates, as PyTorch's FlopCounterMode",
    "mults": "multiplications only",
    "ops": "exact multiplications + additions",
}

MACS = Convention("macs", False)
FLOPS = Convention("flops", False)
MULTS = Convention("mults", False)
OPS = Convention("ops", True)

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
    for base in CONVENTIONS.values():
        for bias in (False, True):
            if base.with_bias(bias).name == value:
                return base.with_bias(bias)
    known = [base.with_bias(b).name for base in CONVENTIONS.values() for b in (False, True)]
    raise UnknownName("convention", value, known)


@dataclass(frozen=True)
class MemoryModel:
    """Which tensors count as memory traffic: those whose role is in ``roles``."""

    name: str
    roles: frozenset[Role]
    summary: str


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

MEMORY_MODELS: dict[str, MemoryModel] = {m.name: m for m in (IDEAL, IM2COL)}


def memory_model(value: str | MemoryModel) -> MemoryModel:
    """Look up a memory model by name (``'ideal'`` or ``'im2col'``)."""
    if isinstance(value, MemoryModel):
        return value
    if not isinstance(value, str) or value not in MEMORY_MODELS:
        raise UnknownName("memory model", value, list(MEMORY_MODELS))
    return MEMORY_MODELS[value]
