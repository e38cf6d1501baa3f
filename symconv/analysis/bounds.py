"""How little traffic any schedule can move with ``S`` words of fast memory, and what one tiled schedule moves.

Model (red-blue pebbling, Hong & Kung 1981): a fast memory of ``S`` words, empty at
the start; every multiply-accumulate needs its three operands in it; traffic is
the words loaded from main memory plus the words written back; every output ends
in main memory; nothing is recomputed.

Three tiers, each a closed form in ``S`` (a positive integer symbol):

``compulsory``
    Every element some loop reads, loaded once; every output written once (the
    ``touched`` memory model). No schedule moves less, whatever ``S``.
``gemm``
    The im2col lowering's GEMMs, ``G`` multiply-accumulates on a column matrix
    stored apart from the input: at least ``2*G/sqrt(S) - 2*g*S`` words
    (``g`` independent weight groups), with the leading term of Smith, Lowery,
    Langou & van de Geijn, *A tight I/O lower bound for matrix multiplication*
    (arXiv:1702.02017, 2017; attained by their algorithm to leading order).
``direct``
    A direct convolution, no column matrix: at least
    ``(3/2)**(3/2) * G_in / sqrt(T*S) - S`` words, ``G_in`` the multiply-accumulates
    that read an input element (not padding), ``T`` the kernel taps. Proof: cut the
    schedule into segments of ``S`` transfers; a segment can use at most ``2*S``
    distinct words. For one tap the convolution is a GEMM (output x weight x input,
    each pair fixing the third), so by Loomis-Whitney a segment does at most
    ``sqrt(|O| |W_t| |I|)`` of that tap's operations; summing over taps with
    Cauchy-Schwarz, at most ``sqrt(T |O| |W| |I|) <= sqrt(T) (2S/3)**(3/2)``. This is the
    Hölder-Brascamp-Lieb argument of Demmel & Dinh, *Communication-optimal
    convolutional neural nets* (arXiv:1802.06905, 2018) and Chen, Demmel, Dinh,
    Haberle & Holtz, *Communication bounds for convolutional neural networks*
    (PASC 2022), specialised to a constant we can state; their bounds are
    asymptotic (``Omega``) and sharpen ``T`` to ``T/(sigma_h*sigma_w)`` for strides.

``S*``, below which the ``S``-term exceeds the compulsory traffic, solves
``leading term = compulsory``: ``(2*G/compulsory)**2`` for the GEMM bound.

The *tiled* schedule is an upper bound: the im2col GEMM, output-stationary, with
``b x b`` output tiles, ``b = floor(sqrt(S + 1)) - 1`` (so ``b**2 + 2*b <= S``): for
each tile and each ``l``, load a column of A and a row of B; write the tile once.
It moves exactly ``count*(k*(ceil(n/b)*m + ceil(m/b)*n) + m*n)`` words of the GEMM, plus the bias once.

Examples
--------
>>> import symconv
>>> b = io_bounds(symconv.Conv2d(64, 64, 3, padding=1, bias=False), (1, 64, 56, 56))
>>> b.compulsory  # input, weights, output once
438272
>>> at = b.at(S=1024)  # a fast memory of 1024 words
>>> at.gemm_lower, at.direct_lower, at.tiled  # im2col GEMM bound, direct-convolution bound, tiled GEMM
(7223296, -1024 + 881792*sqrt(6), 9379840)
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace

import sympy

from symconv.analysis.arguments import substitute
from symconv.core.cost import Cost
from symconv.core.lowering import Gemm
from symconv.core.rules import Rule, check, substitution
from symconv.core.sizes import product
from symconv.errors import InvalidConfiguration
from symconv.ops.base import Operator
from symconv.ops.conv import ConvNd

S = sympy.Symbol("S", integer=True, positive=True)
"""Words of fast memory."""

LW_CONSTANT = sympy.Rational(3, 2) ** sympy.Rational(3, 2)


def gemm_bound(macs: sympy.Expr, groups: sympy.Expr = 1, size: sympy.Expr = S) -> sympy.Expr:
    """``2*G/sqrt(S) - 2*groups*S``: the GEMM traffic bound's ``S``-term (Smith et al. 2017)."""
    return 2 * macs / sympy.sqrt(size) - 2 * groups * size


def direct_conv_bound(input_macs: sympy.Expr, taps: sympy.Expr, size: sympy.Expr = S) -> sympy.Expr:
    """``(3/2)**(3/2) * G_in / sqrt(T*S) - S``: the direct convolution's ``S``-term (see the module docstring)."""
    return LW_CONSTANT * input_macs / sympy.sqrt(taps * size) - size


def tile_side(size: sympy.Expr = S) -> sympy.Expr:
    """The largest ``b`` with ``b**2 + 2*b <= S``: a ``b x b`` output tile plus a column and a row."""
    return sympy.floor(sympy.sqrt(size + 1)) - 1


def tiled_gemm_traffic(m, n, k, count=1, tile_m=None, tile_n=None) -> sympy.Expr:
    """Words an output-stationary tiled GEMM moves: A and B panels per tile and ``l``, each output written once.

    >>> tiled_gemm_traffic(4, 4, 3, tile_m=2, tile_n=2)  # 4 tiles x 3 steps x (2 + 2) + 16
    64
    """
    tile_m = tile_side() if tile_m is None else tile_m
    tile_n = tile_m if tile_n is None else tile_n
    return count * (k * (sympy.ceiling(n / tile_n) * m + sympy.ceiling(m / tile_m) * n) + m * n)


@dataclass(frozen=True)
class IOBounds:
    """Traffic bounds of one operator as closed forms in ``S`` (words); see the module docstring.

    ``gemm_lower``/``direct_lower`` combine each ``S``-term with the compulsory traffic of what it bounds
    (the GEMM moves its column matrix; the direct convolution only the touched input).
    """

    operator: str
    macs: sympy.Expr
    compulsory: sympy.Expr
    gemm_compulsory: sympy.Expr
    gemm: sympy.Expr
    direct: sympy.Expr | None
    s_star_gemm: sympy.Expr
    s_star_direct: sympy.Expr | None
    tiled: sympy.Expr
    rules: tuple[Rule, ...] = field(default=(), compare=False, repr=False)

    @property
    def gemm_lower(self) -> sympy.Expr:
        return sympy.Max(self.gemm_compulsory, self.gemm)

    @property
    def direct_lower(self) -> sympy.Expr | None:
        return None if self.direct is None else sympy.Max(self.compulsory, self.direct)

    def at(self, **values: object) -> IOBounds:
        """The bounds with symbols substituted by name, e.g. ``bounds.at(S=48 * 1024)``.

        Values are checked as :meth:`Cost.subs <symconv.core.cost.Cost.subs>` checks them: each a
        positive integer (text parsed, never evaluated), each name a symbol of the bounds, and
        the operator's configuration checked again on them.
        """
        expressions = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "rules"}
        symbols = {s.name: s for e in expressions.values() if isinstance(e, sympy.Basic) for s in e.free_symbols}
        symbols.update((s.name, s) for rule in self.rules for s in rule.condition.free_symbols)
        by_name = {s.name: v for s, v in substitution(values, symbols, self.operator).items()}

        def sub(expr):
            return expr if expr is None or isinstance(expr, str) else substitute(expr, by_name)

        rules = check(tuple(replace(r, condition=sub(r.condition), args=tuple(map(sub, r.args))) for r in self.rules))
        return replace(self, **{name: sub(e) for name, e in expressions.items()}, rules=rules)


def io_bounds(operator: Operator, input_shape) -> IOBounds:
    """The traffic bounds of ``operator`` on ``input_shape``: compulsory, GEMM, direct convolution, tiled schedule."""
    bounds = cost_bounds(operator.cost(input_shape))
    if not (isinstance(operator, ConvNd) and _concrete_geometry(operator)):
        return bounds
    input_macs = _input_macs(operator, operator.input_tensor(input_shape).shape)
    taps = product(operator.kernel_size)
    return replace(
        bounds,
        direct=direct_conv_bound(input_macs, taps),
        s_star_direct=(LW_CONSTANT * input_macs / bounds.compulsory) ** 2 / taps,
    )


def cost_bounds(cost: Cost) -> IOBounds:
    """The bounds that need only the lowering (no direct-convolution bound): compulsory, GEMM, tiled schedule."""
    gemms = [st for st in cost.stages if isinstance(st, Gemm)]
    if not gemms:
        raise InvalidConfiguration(f"{cost.operator} has no GEMM: it has only compulsory traffic")
    macs = sympy.Add(*(st.macs for st in gemms))
    groups = sympy.Add(*(st.count for st in gemms)) / _batch(cost)
    gemm_compulsory = _gemm_compulsory(cost)
    return IOBounds(
        operator=cost.operator,
        macs=macs,
        compulsory=cost.memory("touched"),
        gemm_compulsory=gemm_compulsory,
        gemm=gemm_bound(macs, groups),
        direct=None,
        s_star_gemm=(2 * macs / gemm_compulsory) ** 2,
        s_star_direct=None,
        tiled=sympy.Add(*(tiled_gemm_traffic(st.m, st.n, st.k, st.count) for st in gemms)) + _bias_reads(cost),
        rules=cost.rules,
    )


def _batch(cost: Cost) -> sympy.Expr:
    """Samples in the batch: the leading size of the operator's input."""
    for t in cost.stages[0].reads:
        if t.role == "input":
            return t.shape[0]
    return sympy.Integer(1)


def _gemm_compulsory(cost: Cost) -> sympy.Expr:
    """Each GEMM operand once: weights, the column matrix (or the input it multiplies), outputs, bias."""
    moved = sympy.Integer(0)
    seen: set[str] = set()
    for st in cost.stages:
        if isinstance(st, Gemm):
            for t in (st.a, st.b, st.out):
                if t.name not in seen:
                    seen.add(t.name)
                    moved += t.elements
    return moved + _bias_reads(cost)


def _bias_reads(cost: Cost) -> sympy.Expr:
    """The bias, read once by the GEMM's epilogue."""
    return sympy.Add(*(t.reads for t in cost.traffic if t.role == "bias"))


def _concrete_geometry(op: ConvNd) -> bool:
    return all(v.is_Integer for a in op.axes for v in (a.kernel, a.stride, a.dilation, a.pad_left, a.pad_right)) and (
        op.groups.is_Integer or op.groups == op.in_channels
    )


def _input_macs(op: ConvNd, shape) -> sympy.Expr:
    """Multiply-accumulates whose tap lands on the input, not on padding (per axis: in-bounds (output, tap) pairs)."""
    n, c_in, *lengths = shape
    pairs = [_in_bounds_pairs(length, axis) for length, axis in zip(lengths, op.axes, strict=True)]
    return n * op.out_channels * (c_in / op.groups) * product(pairs)


def _in_bounds_pairs(length, axis) -> sympy.Expr:
    k_, s, d, left = (int(v) for v in (axis.kernel, axis.stride, axis.dilation, axis.pad_left))
    out = axis.output_length(length, "length")
    total = sympy.Integer(0)
    for k in range(k_):
        first = sympy.Max(0, sympy.ceiling(sympy.Rational(left - k * d, s)))
        last = sympy.Min(out - 1, sympy.floor((left - k * d + length - 1) / s))
        total += sympy.Max(0, last - first + 1)
    return total


def network_bounds(network) -> list[tuple[str, IOBounds]]:
    """``(layer name, bounds)`` for every layer of a :class:`~symconv.network.graph.Network` that runs a GEMM."""
    rows = []
    for layer in network.layers:
        if any(isinstance(st, Gemm) for st in layer.cost.stages) and isinstance(layer.operator, Operator):
            rows.append((layer.name, io_bounds(layer.operator, layer.inputs[0].shape)))
    return rows


def best_lower(bounds: IOBounds) -> sympy.Expr:
    """The least traffic any schedule could move: the direct-convolution bound where there is one, else the GEMM's."""
    return bounds.gemm_lower if bounds.direct_lower is None else sympy.Min(bounds.gemm_lower, bounds.direct_lower)
