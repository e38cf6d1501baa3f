"""What other counters report, as conventions on symconv's lowering: who counts what, and why they disagree.

Each :class:`Peer` reproduces one tool, at the version named, on the layers that have a
GEMM (convolutions, transposed convolutions, linear layers, matmuls). The tools' counts
for normalisation, activations and pooling differ tool by tool and are not modelled: a
layer without a GEMM counts 0 here.

================  ======================  ===================  ==========  ===========================  ==========
tool              version                 counts               bias        transposed conv counted per  batch
================  ======================  ===================  ==========  ===========================  ==========
FlopCounterMode   torch 2.x               2 x MACs             no          input pixel (= ``macs``)     total
fvcore            0.1.5.post20221221      MACs; 0 for a conv   no          input pixel                  total
                                          padded ``'same'``
                                          or ``'valid'``
ptflops           0.7.5, pytorch backend  MACs + bias          yes         input pixel                  per sample
ptflops-aten      0.7.5, aten backend     MACs + bias          yes         input pixel                  total
thop              0.1.1.post2209072238    MACs                 no          output pixel (zeros too)     total
calflops          0.3.2                   2 x MACs + bias      convs only  input pixel, ``C_out/g^2``   total
                                                                           channels per group
================  ======================  ===================  ==========  ===========================  ==========

Functional ``torch.matmul`` is seen by the dispatch-level counters and by calflops; ptflops'
pytorch backend counts it without dividing by the batch, and thop, which hooks modules
only, not at all. calflops also recomputes a convolution's output size itself: ``padding='same'`` becomes
``d(K-1)//2`` on both sides (one pixel short per axis when ``d(K-1)`` is odd), and a
transposed convolution's bias is counted on the *direct* convolution's output size of its input.

>>> import symconv
>>> op = symconv.ConvTranspose2d(8, 4, 4, stride=2, padding=1)
>>> op.cost((1, 8, 16, 16)).macs  # per input pixel: 8*16*16 inputs x 4 outputs x 4*4 taps
131072
>>> {name: peer.layer(op, (1, 8, 16, 16)) for name, peer in PEERS.items()}  # doctest: +NORMALIZE_WHITESPACE
{'FlopCounterMode': 262144, 'fvcore': 131072, 'ptflops': 135168, 'ptflops-aten': 135168, 'thop': 524288,
 'calflops': 262400}
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import sympy

from symconv.core.cost import Cost
from symconv.core.lowering import Col2im, Gemm
from symconv.core.sizes import product
from symconv.errors import NotLowerable
from symconv.network.graph import NetworkCost
from symconv.ops.base import Operator
from symconv.ops.conv import ConvNd, ConvTransposeNd
from symconv.ops.linear import Linear
from symconv.ops.matmul import Matmul


@dataclass(frozen=True)
class Peer:
    """A counter's convention: a multiplier on MACs, whether it adds the bias, how it handles the batch.

    Per-operator quirks are methods (``conv``, ``conv_transpose``, ``linear``) that subclasses override;
    :meth:`count` dispatches on the operator's class, as sympy's printers do.
    """

    name: str
    version: str
    factor: int
    bias: bool
    per_sample: bool
    summary: str

    def count(self, cost: Cost | NetworkCost) -> sympy.Expr:
        """What this tool reports for the GEMM layers of ``cost`` (exact, symbolic).

        With a :class:`NetworkCost` (e.g. from :func:`symconv.from_torch`) every layer's own
        operator is consulted; a bare :class:`Cost` is counted from its stages alone.
        """
        if isinstance(cost, NetworkCost):
            batch = _batch(cost.total)
            rows = [(row.layer, self._row(row.layer, row.input_shapes, row.cost)) for row in cost.layers]
            return sympy.Add(*(count / batch if self._divides(op) else count for op, count in rows))
        total = self._stages(cost)
        return total / _batch(cost) if self.per_sample else total

    def layer(self, op: Operator, input_shape: Sequence[object]) -> sympy.Expr:
        """What this tool reports for ``op`` alone on ``input_shape`` (batch included)."""
        (tensor,) = op.input_tensors((input_shape,))
        shape = tensor.shape
        total = self._row(op, (shape,), op.cost(shape))
        return total / shape[0] if self.per_sample else total

    def _divides(self, op: object) -> bool:
        """Whether this layer's count is divided by the batch (ptflops divides its modules' counts only)."""
        return self.per_sample and not isinstance(op, Matmul)

    def _row(self, op: object, shapes: tuple[tuple[sympy.Expr, ...], ...], cost: Cost) -> sympy.Expr:
        for cls in type(op).__mro__:
            rule = _RULES.get(cls)
            if rule is not None:
                return getattr(self, rule)(op, shapes[0], cost)
        return self._stages(cost)

    def _stages(self, cost: Cost) -> sympy.Expr:
        """The convention applied to a lowering: ``factor x MACs (+ bias)``."""
        return self.factor * cost.macs + (cost.bias_adds if self.bias else 0)

    def conv(self, op: ConvNd, shape: tuple[sympy.Expr, ...], cost: Cost) -> sympy.Expr:
        return self._stages(cost)

    def conv_transpose(self, op: ConvTransposeNd, shape: tuple[sympy.Expr, ...], cost: Cost) -> sympy.Expr:
        return self._stages(cost)

    def linear(self, op: Linear, shape: tuple[sympy.Expr, ...], cost: Cost) -> sympy.Expr:
        return self._stages(cost)

    def matmul(self, op: Matmul, shape: tuple[sympy.Expr, ...], cost: Cost) -> sympy.Expr:
        return self.factor * cost.macs


_RULES = {ConvNd: "conv", ConvTransposeNd: "conv_transpose", Linear: "linear", Matmul: "matmul"}


class _Fvcore(Peer):
    def conv(self, op: ConvNd, shape: tuple[sympy.Expr, ...], cost: Cost) -> sympy.Expr:
        # A string padding makes PyTorch call aten::_convolution_mode, which fvcore has no handle for.
        # A non-zero padding_mode pads the input first and passes padding 0: counted as usual.
        if isinstance(op._padding_arg, str) and op.padding_mode == "zeros":
            return sympy.Integer(0)
        return self._stages(cost)


class _Calflops(Peer):
    def conv(self, op: ConvNd, shape: tuple[sympy.Expr, ...], cost: Cost) -> sympy.Expr:
        # 'same' (stride 1) is padded with d(K-1)//2 on both sides: one pixel short where d(K-1) is odd.
        # A non-zero padding_mode pads the input first and passes padding 0: exact.
        if op._padding_arg != "same" or op.padding_mode != "zeros":
            return self._stages(cost)
        n, _, *lengths = shape
        spans = [a.dilation * (a.kernel - 1) for a in op.axes]
        outputs = n * product([v + 2 * sympy.floor(span / 2) - span for v, span in zip(lengths, spans)])
        macs = outputs * product(op.kernel_size) * op.in_channels * op.out_channels / op.groups
        return 2 * macs + (op.out_channels * outputs if op.bias else 0)

    def conv_transpose(self, op: ConvTransposeNd, shape: tuple[sympy.Expr, ...], cost: Cost) -> sympy.Expr:
        # calflops reads C_out from the weight (C_out/g) and divides it by g once more
        n, _, *lengths = shape
        per_group = sympy.floor(op.out_channels / op.groups / op.groups)
        macs = n * product(lengths) * product(op.kernel_size) * op.in_channels * per_group
        if not op.bias:
            return 2 * macs
        # the bias is counted on the output size of a *direct* convolution of the input
        direct = product(
            [
                sympy.floor((v + 2 * a.padding - a.dilation * (a.kernel - 1) - 1) / a.stride) + 1
                for a, v in zip(op.axes, lengths)
            ]
        )
        return 2 * macs + op.out_channels / op.groups * n * direct

    def linear(self, op: Linear, shape: tuple[sympy.Expr, ...], cost: Cost) -> sympy.Expr:
        return 2 * cost.macs  # F.linear's bias is not counted

    def _stages(self, cost: Cost) -> sympy.Expr:
        if any(isinstance(st, Col2im) for st in cost.stages):
            raise NotLowerable("calflops' count of a transposed convolution needs the operator (use Peer.layer)")
        return super()._stages(cost)


def _transposed_excess(cost: Cost) -> sympy.Expr:
    """MACs a transposed conv gains when counted per output pixel: its GEMM times (out pixels / in pixels - 1)."""
    producers = {st.out.name: st for st in cost.stages if isinstance(st, Gemm)}
    excess = []
    for col2im in (st for st in cost.stages if isinstance(st, Col2im)):
        gemm = producers[col2im.columns.name]
        out_pixels = col2im.output.elements / col2im.planes
        excess.append(gemm.macs * (out_pixels / gemm.n - 1))
    return sympy.Add(*excess)


class _Thop(Peer):
    """A transposed convolution counted per output element: ``C_in/g x prod(K)`` taps, inserted zeros included.

    thop hooks modules only: a functional ``torch.matmul`` counts nothing.
    """

    def matmul(self, op: Matmul, shape: tuple[sympy.Expr, ...], cost: Cost) -> sympy.Expr:
        return sympy.Integer(0)

    def _stages(self, cost: Cost) -> sympy.Expr:
        return self.factor * (cost.macs + _transposed_excess(cost))


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
        Peer("FlopCounterMode", "torch 2.x", 2, False, False, "2 x MACs of conv/mm/bmm, no bias"),
        _Fvcore("fvcore", "0.1.5.post20221221", 1, False, False, "one flop per MAC, no bias; string-padded convs: 0"),
        Peer("ptflops", "0.7.5, pytorch backend", 1, True, True, "MACs + bias, divided by the batch"),
        Peer("ptflops-aten", "0.7.5, aten backend", 1, True, False, "MACs + bias of aten conv/mm/addmm/bmm"),
        _Thop("thop", "0.1.1.post2209072238", 1, False, False, "MACs; transposed convs per output element"),
        _Calflops("calflops", "0.3.2", 2, True, False, "2 x MACs + conv bias, with its own output sizes"),
    )
}


@dataclass(frozen=True)
class PeerCount:
    """What one tool reports, and why: its version and its convention in a line."""

    tool: str
    version: str
    count: sympy.Expr | None
    why: str


def explain(
    subject: Operator | Cost | NetworkCost, input_shape: Sequence[object] | None = None
) -> tuple[PeerCount, ...]:
    """What every counter in :data:`PEERS` reports for an operator on ``input_shape``, a cost or a network.

    A count the convention cannot give without the operator (calflops on a bare transposed-conv
    :class:`Cost`) is ``None``, with the reason.

    Examples
    --------
    >>> import symconv
    >>> for row in explain(symconv.Linear(512, 10), (1, 512)):
    ...     print(f"{row.tool:<16} {row.count!s:>6}  {row.why}")
    FlopCounterMode   10240  2 x MACs of conv/mm/bmm, no bias
    fvcore             5120  one flop per MAC, no bias; string-padded convs: 0
    ptflops            5130  MACs + bias, divided by the batch
    ptflops-aten       5130  MACs + bias of aten conv/mm/addmm/bmm
    thop               5120  MACs; transposed convs per output element
    calflops          10240  2 x MACs + conv bias, with its own output sizes
    """
    rows = []
    for peer in PEERS.values():
        try:
            count = peer.count(subject) if input_shape is None else peer.layer(subject, input_shape)
            why = peer.summary
        except NotLowerable as error:
            count, why = None, str(error)
        rows.append(PeerCount(peer.name, peer.version, count, why))
    return tuple(rows)
