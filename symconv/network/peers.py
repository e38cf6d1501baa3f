"""What other counters report, as conventions on a symconv :class:`~symconv.cost.Cost`: why they disagree.

Only the convolution / linear / matmul part (the GEMM stages) is modelled here; the
peers' counts for normalisation, activations and pooling differ tool by tool (see
``docs/notes/networks.md``) and are not conventions on a GEMM.

=================  =========================  ====  ======================================  =============
tool               counts                     bias  transposed convolution counted per      batch
=================  =========================  ====  ======================================  =============
FlopCounterMode    2 x MACs                   no    input pixel (= symconv ``macs``)         total
fvcore             MACs                       no    input pixel                              total
ptflops            MACs (+ bias)              yes   output pixel (direct conv over zeros)    per sample
thop               MACs                       no    output pixel (direct conv over zeros)    total
calflops           2 x MACs (+ bias)          yes   not modelled (see the notes)             total
=================  =========================  ====  ======================================  =============

>>> import symconv
>>> cost = symconv.ConvTranspose2d(8, 4, 4, stride=2, padding=1).cost((1, 8, 16, 16))
>>> cost.macs  # per input pixel: 8*16*16 inputs x 4 outputs x 4*4 taps
131072
>>> {name: PEERS[name].count(cost) for name in ("FlopCounterMode", "fvcore", "ptflops", "thop")}  # thop: 2^2 more
{'FlopCounterMode': 262144, 'fvcore': 131072, 'ptflops': 528384, 'thop': 524288}
>>> PEERS["calflops"].count(symconv.Conv2d(8, 4, 3, padding=1).cost((2, 8, 16, 16)))  # 2 x 147456 + 2048 bias
296960
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import sympy

from symconv.cost import Cost
from symconv.errors import NotLowerable
from symconv.lowering import Col2im, Gemm
from symconv.network.graph import NetworkCost

Transposed = Literal["input", "output", "unmodelled"]


@dataclass(frozen=True)
class Peer:
    """A counter's convention: multiplier on MACs, bias counted or not, where transposed convs are counted, batch."""

    name: str
    factor: int
    bias: bool
    transposed: Transposed
    per_sample: bool
    summary: str

    def count(self, cost: Cost | NetworkCost) -> sympy.Expr:
        """What this tool reports for the GEMM layers of ``cost`` (exact, symbolic)."""
        total = cost.total if isinstance(cost, NetworkCost) else cost
        if self.transposed == "unmodelled" and any(isinstance(st, Col2im) for st in total.stages):
            raise NotLowerable(f"{self.name}'s count of transposed convolutions is not modelled (see the notes)")
        macs = total.macs + (_transposed_excess(total) if self.transposed == "output" else 0)
        count = self.factor * macs + (total.bias_adds if self.bias else 0)
        return count / _batch(total) if self.per_sample else count


def _transposed_excess(cost: Cost) -> sympy.Expr:
    """MACs a transposed conv gains when counted per output pixel: its GEMM times (out pixels / in pixels - 1)."""
    producers = {st.out.name: st for st in cost.stages if isinstance(st, Gemm)}
    excess = []
    for col2im in (st for st in cost.stages if isinstance(st, Col2im)):
        gemm = producers[col2im.columns.name]
        out_pixels = col2im.output.elements / col2im.planes
        excess.append(gemm.macs * (out_pixels / gemm.n - 1))
    return sympy.Add(*excess)


def _batch(cost: Cost) -> sympy.Expr:
    """The batch: first dimension of the first input read (the network's input, as its first layer comes first)."""
    for stage in cost.stages:
        for tensor in stage.reads:
            if tensor.role == "input":
                return tensor.shape[0]
    return sympy.Integer(1)


PEERS: dict[str, Peer] = {
    p.name: p
    for p in (
        Peer("FlopCounterMode", 2, False, "input", False, "torch.utils.flop_counter: 2 x MACs of conv/mm/bmm, no bias"),
        Peer("fvcore", 1, False, "input", False, "fvcore FlopCountAnalysis: one flop per MAC, no bias"),
        Peer("ptflops", 1, True, "output", True, "ptflops (pytorch backend): MACs + bias, module counts / batch"),
        Peer("thop", 1, False, "output", False, "thop profile: MACs, transposed conv over the upsampled input"),
        Peer("calflops", 2, True, "unmodelled", False, "calflops (DeepSpeed profiler lineage): 2 x MACs + bias"),
    )
}
