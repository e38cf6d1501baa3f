"""The backward pass of each operator, lowered onto the same stages as its forward (:mod:`symconv.core.lowering`).

A convolution's backward is the transposed convolution's forward, and the other way round:

=====================  ================================================  ==========================================
operator               grad input                                        grad weight / grad bias
=====================  ================================================  ==========================================
``ConvNd``             GEMM ``W_g^T . dY`` into a column buffer, col2im  im2col of ``x``, GEMM ``dY . columns^T``
``ConvTransposeNd``    im2col of ``dY``, GEMM ``W_g . columns``          GEMM ``x . columns^T`` (same im2col)
``Linear``             GEMM ``dY . W``                                   GEMM ``dY^T . x``
``Matmul``             GEMMs ``dY . B^T`` and ``A^T . dY``               (no parameters)
``Einsum``             the same two GEMMs on the equation's indices      (no parameters)
=====================  ================================================  ==========================================

A grad bias is the sum of ``dY`` over every position but the channel: ``C_out`` sums
of ``N * prod(out)`` terms, counted as additions. The weight-gradient GEMM sums over
the batch and the output positions at once (``k = N * prod(out)``, per group): summing
``N`` per-sample GEMMs takes exactly as many additions. Every product a GEMM forms is
counted, padded taps included, as in the forward.

The other layers (no GEMM, so no MACs, as PyTorch's ``FlopCounterMode`` counts them):

- activations: no arithmetic counted, as in the forward (``ReLU``'s backward is a comparison);
- max pooling: the gradient is routed to the recorded argmax (no arithmetic; where
  windows overlap and share an argmax the accumulation is data-dependent and not counted);
- average pooling: ``dY`` scaled once per output, then scattered onto its window (col2im:
  ``contributions - targets`` additions);
- batch normalisation (training): the forward first computes the batch statistics
  (:func:`training_forward`); the backward per channel ``sum(dY)`` and ``sum((x - mean) * dY)``, then
  ``dX = (dY - sum(dY)/M - (x - mean) * k) * invstd * gamma`` with ``k = sum((x-mean) dY) invstd^2 / M``:
  2 mults and 3 adds per element, 2 reductions, 4 mults per channel (PyTorch's CPU kernel);
- ``Add``: the gradient passes through (no arithmetic); ``Multiply``: ``n - 1`` mults per
  element for each input that needs a gradient; ``Mean``: one scaling per output, broadcast;
  ``Norm`` (2-norm): ``x * (dY / norm)``, autograd keeping the input and the norm;
  ``Scalar``: a scaling per element (``x * c``), none (``x + c``);
- softmax: ``dX = Y * (dY - sum(dY * Y))`` per row (the output saved);
- attention (``scaled_dot_product_attention``, as :func:`symconv.from_torch` reads it: ``q`` and
  ``k^T`` scaled by ``sqrt(scale)``, two batched GEMMs around a softmax, PyTorch's math path): the
  GEMMs' backward, four GEMMs of the forward's size, without recomputing the scores; autograd
  keeps the scaled ``q`` and ``k^T``, ``v`` and the softmax's output. The flash and memory-efficient
  kernels recompute ``q k^T`` (one GEMM more) and keep ``q``, ``k``, ``v``, the output and one
  log-sum-exp per query row instead;
- layer and group normalisation, per row of ``M`` normalised elements (``x_hat = (x - mean) * rstd``,
  ``g = dY * gamma``): ``dX = rstd * (g - sum(g)/M - x_hat * sum(g * x_hat)/M)``, autograd keeping the input,
  the mean and ``rstd`` per row; grad weight ``sum(dY * x_hat)``, grad bias ``sum(dY)`` over the rows;
- upsampling: each output's gradient scattered back onto the input positions it read (nearest: one each;
  linear modes: ``2^d``, weighted), nothing saved but sizes;
- views, ``Concat``, ``Pad``, ``Roll`` and a parameter read in ``forward`` (``Constant``): no stage.

A layer whose input needs no gradient (the first layer, or one after frozen layers only)
skips grad input; frozen parameters skip grad weight and grad bias.

Examples
--------
>>> import symconv
>>> from symconv.symbols import C_in, C_out, K, H, W
>>> conv = symconv.Conv2d(C_in, C_out, K, padding="same", bias=False)
>>> x = conv.input_tensor((1, C_in, H, W))
>>> stages = lower(conv, (x,), Needs((True,), frozenset({"weight"})))
>>> [type(st).__name__ for st in stages]
['Gemm', 'Col2im', 'Im2col', 'Gemm']
>>> sum(st.macs for st in stages) == 2 * conv.cost((1, C_in, H, W)).macs
True
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Literal

import sympy

from symconv.core.cost import _map_tree, _prefixed
from symconv.core.functions import Col2imContributions, Col2imTargets
from symconv.core.geometry import ConvAxis
from symconv.core.lowering import Col2im, Elementwise, Gemm, Im2col, Lowering, Stage, Tensor
from symconv.core.sizes import product
from symconv.core.touched import TouchedLength
from symconv.errors import NotLowerable
from symconv.ops.base import dim_index
from symconv.ops.composite import Chain, DepthwiseSeparableConv2d, PartialConv2d
from symconv.ops.constant import Constant
from symconv.ops.conv import ConvNd, ConvTransposeNd
from symconv.ops.einsum import Einsum
from symconv.ops.elementwise import Activation, Add, Multiply, Scalar
from symconv.ops.linear import Linear
from symconv.ops.matmul import Matmul
from symconv.ops.norm import BatchNorm, GroupNorm, LayerNorm
from symconv.ops.pool import AdaptiveAvgPool, AvgPool, MaxPool, Mean, Norm, adaptive_window_total
from symconv.ops.resize import Upsample
from symconv.ops.shape import Concat, Pad, Roll, View
from symconv.ops.softmax import Softmax

ONE = sympy.Integer(1)


@dataclass(frozen=True)
class Needs:
    """What the backward must produce: which inputs need a gradient, and the parameters that do (by name)."""

    inputs: tuple[bool, ...]
    params: frozenset[str] = frozenset({"weight", "bias"})

    @property
    def anything(self) -> bool:
        return any(self.inputs) or bool(self.params)


@dataclass(frozen=True)
class Saved:
    """A tensor autograd keeps from the forward for the backward.

    ``of`` names it: ``("input", k)`` the layer's k-th input, ``("output",)`` its output, or
    ``("own", name)`` a tensor the layer makes for itself (batch statistics, argmax indices).
    ``kind`` is ``"value"`` (the activations' element size) or ``"index"`` (int64).
    """

    of: tuple
    elements: sympy.Expr
    kind: Literal["value", "index"] = "value"


@dataclass(frozen=True)
class Rule:
    """One operator family's backward: its stages, what the forward saves for it, and what the training-mode
    forward computes beyond the inference forward (``statistics``: batch norm's batch statistics)."""

    stages: Callable[[object, tuple[Tensor, ...], Tensor, Needs], list[Stage]]
    saved: Callable[[object, tuple[Tensor, ...], Tensor, Needs], list[Saved]]
    statistics: Callable[[object, tuple[Tensor, ...]], list[Stage]] | None = None


RULES: dict[type, Rule] = {}


def rule(cls: type, saved: Callable, statistics: Callable | None = None) -> Callable:
    """Register ``cls``'s backward stages (the decorated function), its saved tensors (``saved``) and its
    training-mode forward's extra stages (``statistics``), once."""

    def register(stages: Callable) -> Callable:
        if cls in RULES:
            raise ValueError(f"the backward of {cls.__name__} is registered twice")
        RULES[cls] = Rule(stages, saved, statistics)
        return stages

    return register


def rule_for(op: object) -> Rule:
    """The rule of the most specific registered class of ``op``."""
    found = _rule(op)
    if found is None:
        raise NotLowerable(f"{type(op).__name__} has no backward lowering")
    return found


def _rule(op: object) -> Rule | None:
    return next((RULES[cls] for cls in type(op).__mro__ if cls in RULES), None)


def has_statistics(op: object) -> bool:
    """Whether ``op``'s training-mode forward computes more than its inference forward (or may: a composite)."""
    found = _rule(op)
    return found is not None and found.statistics is not None


def forward_output(op: object, inputs: tuple[Tensor, ...]) -> Tensor:
    """The forward's output tensor (from the forward lowering)."""
    return op.lower(*inputs).output


def lower(op: object, inputs: tuple[Tensor, ...], needs: Needs) -> tuple[Stage, ...]:
    """The backward stages of ``op`` on forward inputs ``inputs`` (nothing when nothing needs a gradient)."""
    if not needs.anything:
        return ()
    return tuple(rule_for(op).stages(op, inputs, forward_output(op, inputs), needs))


def training_forward(op: object, inputs: tuple[Tensor, ...]) -> Lowering:
    """The forward in training mode: the inference forward's stages after what training mode adds (batch norm
    computes its batch statistics, and updates its running ones, before it normalises)."""
    forward = op.lower(*inputs)
    if not has_statistics(op):
        return forward
    return Lowering((*rule_for(op).statistics(op, inputs), *forward.stages), forward.output)


def saved(op: object, inputs: tuple[Tensor, ...], needs: Needs) -> tuple[Saved, ...]:
    """What autograd keeps from ``op``'s forward for its backward (nothing when nothing needs a gradient)."""
    if not needs.anything:
        return ()
    return tuple(rule_for(op).saved(op, inputs, forward_output(op, inputs), needs))


# ---- shared pieces ----------------------------------------------------------------------------------------


def _grad(t: Tensor, role="output") -> Tensor:
    return Tensor(f"grad_{t.name}", role, t.shape)


def _weight(op: object, inputs: tuple[Tensor, ...]) -> Tensor:
    """The weight tensor as the forward lowering defines it (its shape is written once, in the operator)."""
    return next(t for stage in op.lower(*inputs).stages for t in stage.reads if t.role == "weight")


def _dy(output: Tensor) -> Tensor:
    return Tensor("dY", "input", output.shape)


def _bias_reduction(dy: Tensor, channels: sympy.Expr, needs: Needs, has_bias: bool) -> list[Stage]:
    """grad bias: ``channels`` sums over every other position of ``dy``."""
    if not (has_bias and "bias" in needs.params):
        return []
    per_channel = dy.elements / channels
    grad_bias = Tensor("grad_bias", "output", (channels,))
    return [Elementwise(channels, adds_each=per_channel - 1, reads=(dy,), writes=(grad_bias,))]


def window_scatter_counts(
    axes: tuple[ConvAxis, ...], in_lengths: tuple[sympy.Expr, ...], out_lengths: tuple[sympy.Expr, ...]
) -> tuple[sympy.Expr, sympy.Expr]:
    """``(contributions, targets)`` per plane of the col2im that undoes a sliding window's im2col.

    Column entry ``(o, k)`` of an axis goes back to input position ``o*s + k*d - pad_left``, as a
    transposed convolution with ``padding=pad_left`` sends it; its output length is the input's,
    so its ``output_padding`` is what the transposed formula falls short of ``L_in`` by. With
    asymmetric ('same') padding the right pad is the larger: the axis is mirrored (counts are
    invariant under mirroring) so that the shortfall is never negative.
    """
    contributions, targets = [], []
    for axis, length, out in zip(axes, in_lengths, out_lengths, strict=True):
        crop = axis.pad_right  # >= pad_left; equal unless 'same' with an odd total
        # L_in - transposed_length(out, ..., crop, 0): what the last window leaves over, plus the pads' difference
        left_over = sympy.Mod(length + axis.pad_left + axis.pad_right - axis.span, axis.stride)
        args = (out, axis.kernel, axis.stride, axis.dilation, crop, left_over + axis.pad_right - axis.pad_left)
        contributions.append(Col2imContributions(*args))
        targets.append(Col2imTargets(*args))
    return product(contributions), product(targets)


# ---- convolutions and linear layers --------------------------------------------------------------------------


def _inputs_saved(op, inputs, output, needs) -> list[Saved]:
    return [Saved(("input", 0), inputs[0].elements)]


@rule(ConvNd, saved=_inputs_saved)
def _conv(op: ConvNd, inputs, output, needs) -> list[Stage]:
    (x,) = inputs
    n, _, *lengths = x.shape
    _, _, *out_lengths = output.shape
    g = op.groups
    taps = op.in_channels / g * product(op.kernel_size)
    pixels = product(out_lengths)
    weight = _weight(op, inputs)
    dy = _dy(output)
    stages: list[Stage] = []
    if needs.inputs[0]:
        grad_columns = Tensor("grad_columns", "columns", (n * g, taps, pixels))
        contributions, targets = window_scatter_counts(op.axes, tuple(lengths), tuple(out_lengths))
        stages += [
            Gemm(m=taps, k=op.out_channels / g, n=pixels, count=n * g, a=weight, b=dy, out=grad_columns),
            Col2im(grad_columns, _grad(x), planes=n * op.in_channels, contributions=contributions, targets=targets),
        ]
    if "weight" in needs.params:
        columns = Tensor("columns", "columns", (n * g, taps, pixels))
        grad_weight = _grad(weight)
        touched = [
            TouchedLength(length, a.kernel, a.stride, a.dilation, a.pad_left, a.pad_right)
            for a, length in zip(op.axes, x.shape[2:], strict=True)
        ]
        stages += [
            Im2col(x, columns, touched=x.shape[0] * op.in_channels * product(touched)),
            Gemm(m=op.out_channels / g, k=n * pixels, n=taps, count=g, a=dy, b=columns, out=grad_weight),
        ]
    return stages + _bias_reduction(dy, op.out_channels, needs, op.bias)


@rule(ConvTransposeNd, saved=_inputs_saved)
def _conv_transpose(op: ConvTransposeNd, inputs, output, needs) -> list[Stage]:
    (x,) = inputs
    n, _, *lengths = x.shape
    g = op.groups
    rows = op.out_channels / g * product(op.kernel_size)
    pixels = product(lengths)
    weight = _weight(op, inputs)
    dy = _dy(output)
    columns = Tensor("dY_columns", "columns", (n * g, rows, pixels))
    stages: list[Stage] = []
    if needs.inputs[0] or "weight" in needs.params:
        # the im2col of a convolution over dY (padding p on the left; on the right p - output_padding, which
        # may crop): a stride larger than the dilated kernel leaves positions of dY no column reads
        touched = [
            TouchedLength(length, a.kernel, a.stride, a.dilation, a.padding, a.padding - a.output_padding)
            for a, length in zip(op.axes, dy.shape[2:], strict=True)
        ]
        stages.append(Im2col(dy, columns, touched=n * op.out_channels * product(touched)))
    if needs.inputs[0]:
        stages.append(Gemm(m=op.in_channels / g, k=rows, n=pixels, count=n * g, a=weight, b=columns, out=_grad(x)))
    if "weight" in needs.params:
        stages.append(Gemm(m=op.in_channels / g, k=n * pixels, n=rows, count=g, a=x, b=columns, out=_grad(weight)))
    return stages + _bias_reduction(dy, op.out_channels, needs, op.bias)


def _linear_saved(op, inputs, output, needs) -> list[Saved]:
    return [Saved(("input", 0), inputs[0].elements)] if "weight" in needs.params else []


@rule(Linear, saved=_linear_saved)
def _linear(op: Linear, inputs, output, needs) -> list[Stage]:
    (x,) = inputs
    rows = product(x.shape[:-1])
    weight = _weight(op, inputs)
    dy = _dy(output)
    stages: list[Stage] = []
    if needs.inputs[0]:
        stages.append(Gemm(m=rows, k=op.out_features, n=op.in_features, count=ONE, a=dy, b=weight, out=_grad(x)))
    if "weight" in needs.params:
        stages.append(Gemm(m=op.out_features, k=rows, n=op.in_features, count=ONE, a=dy, b=x, out=_grad(weight)))
    return stages + _bias_reduction(dy, op.out_features, needs, op.bias)


def _matmul_saved(op, inputs, output, needs) -> list[Saved]:
    a, b = inputs
    return [Saved(("input", k), t.elements) for k, t in ((0, a), (1, b)) if needs.inputs[1 - k]]


@rule(Matmul, saved=_matmul_saved)
def _matmul(op: Matmul, inputs, output, needs) -> list[Stage]:
    a, b = inputs
    m, k, n = a.shape[-2], a.shape[-1], b.shape[-1]
    batch = product(output.shape[:-2])
    dy = _dy(output)
    stages: list[Stage] = []
    # an operand broadcast over the batch sums its gradient over it: a longer reduction, fewer GEMMs
    for index, operand, (rows, inner, cols) in ((0, a, (m, n, k)), (1, b, (k, m, n))):
        if needs.inputs[index]:
            own = product(operand.shape[:-2])
            other = a if index else b
            stages.append(
                Gemm(m=rows, k=inner * batch / own, n=cols, count=own, a=dy, b=other, out=_grad(operand, "output"))
            )
    return stages


def _einsum_saved(op, inputs, output, needs) -> list[Saved]:
    a, b = inputs
    return [Saved(("input", k), t.elements) for k, t in ((0, a), (1, b)) if needs.inputs[1 - k]]


@rule(Einsum, saved=_einsum_saved)
def _einsum(op: Einsum, inputs, output, needs) -> list[Stage]:
    """The forward GEMM ``(m x k) . (k x n)``, ``count`` times: ``dA = dY . B^T`` and ``dB = A^T . dY``, each
    a GEMM of the forward's size (an einsum is a batched GEMM, and so is each operand's gradient)."""
    (gemm,) = op.lower(*inputs).stages
    dy = _dy(output)
    stages: list[Stage] = []
    if needs.inputs[0]:
        stages.append(replace(gemm, m=gemm.m, k=gemm.n, n=gemm.k, a=dy, b=inputs[1], out=_grad(inputs[0])))
    if needs.inputs[1]:
        stages.append(replace(gemm, m=gemm.k, k=gemm.m, n=gemm.n, a=inputs[0], b=dy, out=_grad(inputs[1])))
    return stages


# ---- layers without a GEMM ----------------------------------------------------------------------------------


def _nothing_saved(op, inputs, output, needs) -> list[Saved]:
    return []


def _pass_through(op, inputs, output, needs) -> list[Stage]:
    """The gradient of every input that needs one is ``dY`` itself (a view or an add): no stage."""
    return []


SAVES_OUTPUT = frozenset({"ReLU", "relu", "relu_", "Sigmoid", "sigmoid", "Tanh", "tanh"})


def _activation_saved(op: Activation, inputs, output, needs) -> list[Saved]:
    if op.function in SAVES_OUTPUT:
        return [Saved(("output",), output.elements)]
    return [Saved(("input", 0), inputs[0].elements)]


@rule(Activation, saved=_activation_saved)
def _activation(op, inputs, output, needs) -> list[Stage]:
    if not needs.inputs[0]:
        return []
    return [Elementwise(output.elements, reads=(_dy(output),), writes=(_grad(inputs[0]),))]


def _batchnorm_saved(op: BatchNorm, inputs, output, needs) -> list[Saved]:
    stats = [Saved(("own", name), op.num_features) for name in ("save_mean", "save_invstd")]
    return [Saved(("input", 0), inputs[0].elements), *stats]


def _batchnorm_statistics(op: BatchNorm, inputs) -> list[Stage]:
    """PyTorch's training-mode statistics, per channel of ``M`` elements: ``mean = sum(x) / M``,
    ``var_sum = sum((x - mean)^2)`` (one subtraction and one square per element),
    ``invstd = 1 / sqrt(var_sum / M + eps)``, the running mean and the running (unbiased, ``var_sum / (M - 1)``)
    variance updated with the momentum (2 mults and 1 add each), then the scale ``alpha = invstd * weight`` and
    shift ``beta = bias - mean * alpha`` the inference forward applies. Divisions count as mults; the square
    root as neither."""
    (x,) = inputs
    c = op.num_features
    per_channel = x.elements / c
    sums = Tensor("batch_sum", "intermediate", (c,))
    squares = Tensor("batch_var_sum", "intermediate", (c,))
    stats = tuple(Tensor(name, "intermediate", (c,)) for name in ("save_mean", "save_invstd"))
    # per channel: mean, var, the reciprocal, the unbiased variance (4); running stats (4); alpha, beta (2, or 1)
    mults = 8 + (2 if op.affine else 1)
    adds = 3 + (1 if op.affine else 0)  # eps, the running stats (2), beta's subtraction
    return [
        Elementwise(c, adds_each=per_channel - 1, reads=(x,), writes=(sums,)),
        Elementwise(x.elements, mults_each=ONE, adds_each=ONE, reads=(x, sums)),
        Elementwise(c, adds_each=per_channel - 1, writes=(squares,)),
        Elementwise(c, mults_each=sympy.Integer(mults), adds_each=sympy.Integer(adds), reads=(sums, squares),
                    writes=stats),
    ]  # fmt: skip


@rule(BatchNorm, saved=_batchnorm_saved, statistics=_batchnorm_statistics)
def _batchnorm(op: BatchNorm, inputs, output, needs) -> list[Stage]:
    (x,) = inputs
    c = op.num_features
    per_channel = x.elements / c
    dy = _dy(output)
    wants_input, wants_weight = needs.inputs[0], op.affine and "weight" in needs.params
    wants_bias = op.affine and "bias" in needs.params
    stages: list[Stage] = []
    sums = Tensor("sum_grad_output", "intermediate", (c,))
    dots = Tensor("sum_centered_grad_output", "intermediate", (c,))
    if wants_input or wants_bias:  # sum(dY): grad bias, and part of grad input
        stages.append(Elementwise(c, adds_each=per_channel - 1, reads=(dy,), writes=(sums,)))
    if wants_input or wants_weight:  # sum((x - mean) * dY): one subtraction and one product per element
        stages += [
            Elementwise(x.elements, mults_each=ONE, adds_each=ONE, reads=(x, dy)),
            Elementwise(c, adds_each=per_channel - 1, writes=(dots,)),
        ]
    if wants_weight:  # grad weight = dots * invstd
        stages.append(Elementwise(c, mults_each=ONE, reads=(dots,), writes=(Tensor("grad_weight", "output", (c,)),)))
    if wants_input:
        # per channel: sums/M, dots*invstd*invstd/M, invstd*gamma; per element: 2 mults, 3 adds
        stages += [
            Elementwise(c, mults_each=sympy.Integer(4 if op.affine else 3), reads=(sums, dots)),
            Elementwise(x.elements, mults_each=sympy.Integer(2), adds_each=sympy.Integer(3), reads=(x, dy),
                        writes=(_grad(x),)),
        ]  # fmt: skip
    return stages


def _rows(op: LayerNorm | GroupNorm, x: Tensor) -> sympy.Expr:
    """How many rows of statistics (mean, rstd) the normalisation computes."""
    if isinstance(op, LayerNorm):
        return x.elements / product(op.normalized_shape)
    return x.shape[0] * op.num_groups


def _statistics_saved(op, inputs, output, needs) -> list[Saved]:
    (x,) = inputs
    rows = _rows(op, x)
    return [Saved(("input", 0), x.elements), Saved(("own", "mean"), rows), Saved(("own", "rstd"), rows)]


def _statistics_backward(op: LayerNorm | GroupNorm, inputs, output, needs) -> list[Stage]:
    """Per element: ``x_hat`` (1 add, 1 mult), ``g = dY * gamma`` (1 mult, affine), ``g * x_hat`` (1 mult), two
    row sums, ``dX = rstd * (g - c1 - x_hat * c2)`` (2 mults, 2 adds); per row ``c1``, ``c2`` (2 mults)."""
    (x,) = inputs
    rows, dy = _rows(op, x), _dy(output)
    per_row = x.elements / rows
    affine = product(op.affine_shape()) if op.affine else ONE
    wants_weight, wants_bias = (op.affine and name in needs.params for name in ("weight", "bias"))
    stages: list[Stage] = []
    if needs.inputs[0]:
        mults = sympy.Integer(5 if op.affine else 4)
        stages += [
            Elementwise(x.elements, mults_each=mults, adds_each=sympy.Integer(3), reads=(x, dy), writes=(_grad(x),)),
            Elementwise(rows, mults_each=sympy.Integer(2), adds_each=2 * (per_row - 1)),
        ]
    if wants_weight:  # sum over the rows of dY * x_hat (x_hat computed again when grad input is not)
        extra = (0, 0) if needs.inputs[0] else (1, 1)
        stages += [
            Elementwise(x.elements, mults_each=sympy.Integer(1 + extra[0]), adds_each=sympy.Integer(extra[1]),
                        reads=(x, dy)),
            Elementwise(affine, adds_each=x.elements / affine - 1, writes=(Tensor("grad_weight", "output",
                                                                                  op.affine_shape()),)),
        ]  # fmt: skip
    if wants_bias:
        stages.append(Elementwise(affine, adds_each=x.elements / affine - 1, reads=(dy,),
                                  writes=(Tensor("grad_bias", "output", op.affine_shape()),)))  # fmt: skip
    return stages


rule(LayerNorm, saved=_statistics_saved)(_statistics_backward)
rule(GroupNorm, saved=_statistics_saved)(_statistics_backward)


@rule(Upsample, saved=_nothing_saved)
def _upsample(op: Upsample, inputs, output, needs) -> list[Stage]:
    """Each output's gradient goes back to the input positions it read: nearest, one (``outputs - inputs``
    additions); a linear mode, ``2^d`` weighted ones (``2^d`` mults per output)."""
    if not needs.inputs[0]:
        return []
    (x,) = inputs
    taps = sympy.Integer(2 ** (len(x.shape) - 2) if op.mode != "nearest" else 1)
    contributions = output.elements * taps
    scatter = Col2im(_dy(output), _grad(x), planes=ONE, contributions=contributions, targets=x.elements)
    if op.mode == "nearest":
        return [scatter]
    weighted = Tensor("weighted_grad_output", "intermediate", (*output.shape, taps))
    return [Elementwise(contributions, mults_each=ONE, reads=(_dy(output),), writes=(weighted,)),
            replace(scatter, columns=weighted)]  # fmt: skip


for _cls in (Pad, Roll, Constant):
    rule(_cls, saved=_nothing_saved)(_pass_through)


def _maxpool_saved(op, inputs, output, needs) -> list[Saved]:
    return [Saved(("input", 0), inputs[0].elements), Saved(("own", "indices"), output.elements, "index")]


@rule(MaxPool, saved=_maxpool_saved)
def _maxpool(op, inputs, output, needs) -> list[Stage]:
    if not needs.inputs[0]:
        return []
    return [Elementwise(output.elements, reads=(_dy(output),), writes=(_grad(inputs[0]),))]


@rule(AvgPool, saved=_inputs_saved)
def _avgpool(op: AvgPool, inputs, output, needs) -> list[Stage]:
    if not needs.inputs[0]:
        return []
    (x,) = inputs
    n, c, *lengths = x.shape
    _, _, *out_lengths = output.shape
    contributions, targets = window_scatter_counts(op.axes, tuple(lengths), tuple(out_lengths))
    scaled = Tensor("scaled_grad_output", "intermediate", output.shape)
    return [
        Elementwise(output.elements, mults_each=ONE, reads=(_dy(output),), writes=(scaled,)),
        Col2im(scaled, _grad(x), planes=n * c, contributions=contributions, targets=targets),
    ]


def _global(op: AdaptiveAvgPool) -> bool:
    return all(size == 1 for size in op.output_size)


def _adaptive_saved(op, inputs, output, needs) -> list[Saved]:
    return [] if _global(op) else [Saved(("input", 0), inputs[0].elements)]  # a global pool runs as a mean


@rule(AdaptiveAvgPool, saved=_adaptive_saved)
def _adaptive(op: AdaptiveAvgPool, inputs, output, needs) -> list[Stage]:
    if not needs.inputs[0]:
        return []
    (x,) = inputs
    n, c, *lengths = x.shape
    windows = zip(lengths, op.output_size, strict=True)
    summed = product([adaptive_window_total(length, int(o)) for length, o in windows])
    scaled = Tensor("scaled_grad_output", "intermediate", output.shape)
    return [
        Elementwise(output.elements, mults_each=ONE, reads=(_dy(output),), writes=(scaled,)),
        Col2im(scaled, _grad(x), planes=n * c, contributions=summed, targets=product(lengths)),
    ]


@rule(Mean, saved=_nothing_saved)
def _mean(op, inputs, output, needs) -> list[Stage]:
    if not needs.inputs[0]:
        return []
    return [Elementwise(output.elements, mults_each=ONE, reads=(_dy(output),), writes=(_grad(inputs[0]),))]


def _norm_saved(op, inputs, output, needs) -> list[Saved]:
    return [Saved(("input", 0), inputs[0].elements), Saved(("output",), output.elements)]


@rule(Norm, saved=_norm_saved)
def _norm(op: Norm, inputs, output, needs) -> list[Stage]:
    """``dX = x * (dY / norm)``: one division per output, broadcast, and one product per element (autograd
    keeps the input and the norm)."""
    if not needs.inputs[0]:
        return []
    scaled = Tensor("scaled_grad_output", "intermediate", output.shape)
    return [
        Elementwise(output.elements, mults_each=ONE, reads=(_dy(output), output), writes=(scaled,)),
        Elementwise(inputs[0].elements, mults_each=ONE, reads=(scaled, inputs[0]), writes=(_grad(inputs[0]),)),
    ]


@rule(Add, saved=_nothing_saved)
def _add(op, inputs, output, needs) -> list[Stage]:
    return []


def _scalar_saved(op: Scalar, inputs, output, needs) -> list[Saved]:
    return [Saved(("input", 0), inputs[0].elements)] if op.operation == "pow" else []


@rule(Scalar, saved=_scalar_saved)
def _scalar(op: Scalar, inputs, output, needs) -> list[Stage]:
    """``x + c``: dY passes through; ``x * c``, ``x / c``: one scaling per element; ``x ** c``:
    ``dY * c * x ** (c - 1)``, three mults per element (the power counted as one, as in the forward)."""
    if not needs.inputs[0] or op.operation in ("add", "sub"):
        return []
    mults = sympy.Integer(3 if op.operation == "pow" else 1)
    return [Elementwise(output.elements, mults_each=mults, reads=(_dy(output),), writes=(_grad(inputs[0]),))]


def _softmax_saved(op, inputs, output, needs) -> list[Saved]:
    return [Saved(("output",), output.elements)]


@rule(Softmax, saved=_softmax_saved)
def _softmax(op: Softmax, inputs, output, needs) -> list[Stage]:
    """PyTorch's ``dX = Y * (dY - sum(dY * Y))`` per row of ``L``: ``2 L`` mults and ``2 L - 1`` adds."""
    if not needs.inputs[0]:
        return []
    length = output.shape[dim_index(op.dim, len(output.shape), "dim")]
    rows = output.elements / length
    return [Elementwise(rows, mults_each=2 * length, adds_each=2 * length - 1, reads=(_dy(output), output),
                        writes=(_grad(inputs[0]),))]  # fmt: skip


def _multiply_saved(op, inputs, output, needs) -> list[Saved]:
    return [
        Saved(("input", k), t.elements)
        for k, t in enumerate(inputs)
        if any(need for j, need in enumerate(needs.inputs) if j != k)
    ]


@rule(Multiply, saved=_multiply_saved)
def _multiply(op, inputs, output, needs) -> list[Stage]:
    others = sympy.Integer(len(inputs) - 1)
    dy = _dy(output)
    return [
        Elementwise(t.elements, mults_each=others, reads=(dy, *(u for u in inputs if u is not t)), writes=(_grad(t),))
        for t, need in zip(inputs, needs.inputs, strict=True)
        if need
    ]


@rule(Concat, saved=_nothing_saved)
def _concat(op, inputs, output, needs) -> list[Stage]:
    return []


rule(View, saved=_nothing_saved)(_pass_through)


# ---- composite operators: their parts' backwards, in reverse order ---------------------------------------------


def _chain(op) -> tuple[tuple[str, object], ...]:
    return op.chain.parts if isinstance(op, DepthwiseSeparableConv2d) else op.parts


def _walk(op, x: Tensor, needs: Needs):
    """Each part with its input tensor and what its backward must produce (inputs need a gradient downstream
    of the first trainable part)."""
    upstream = needs.inputs[0]
    for name, part in _chain(op):
        own = frozenset(t.name for st in part.lower(x).stages for t in (*st.reads, *st.writes)
                        if t.role in ("weight", "bias"))  # fmt: skip
        part_needs = Needs((upstream,), needs.params & own)
        yield name, part, x, part_needs
        upstream = upstream or part_needs.anything
        x = Tensor(f"{name}.output", "intermediate", part.lower(x).output.shape)


def _composite_stages(op, inputs, output, needs) -> list[Stage]:
    stages: list[Stage] = []
    for name, part, x, part_needs in reversed(list(_walk(op, inputs[0], needs))):
        stages += [_map_tree(st, _prefixed(name), Tensor) for st in lower(part, (x,), part_needs)]
    return stages


def _composite_saved(op, inputs, output, needs) -> list[Saved]:
    found: dict[tuple, Saved] = {}
    for index, (name, part, x, part_needs) in enumerate(_walk(op, inputs[0], needs)):
        for item in saved(part, (x,), part_needs):
            kind = item.of[0]
            if kind == "input" and index == 0:
                key = item.of
            elif kind == "input":
                key = ("own", x.name)
            else:
                key = ("own", f"{name}.{item.of[-1]}")
            found.setdefault(key, Saved(key, item.elements, item.kind))
    return list(found.values())


def _composite_statistics(op, inputs) -> list[Stage]:
    stages: list[Stage] = []
    x = inputs[0]
    for name, part in _chain(op):
        extra = rule_for(part).statistics
        if extra:
            stages += [_map_tree(st, _prefixed(name), Tensor) for st in extra(part, (x,))]
        x = Tensor(f"{name}.output", "intermediate", part.lower(x).output.shape)
    return stages


rule(Chain, saved=_composite_saved, statistics=_composite_statistics)(_composite_stages)
rule(DepthwiseSeparableConv2d, saved=_composite_saved, statistics=_composite_statistics)(_composite_stages)


def _partial_saved(op: PartialConv2d, inputs, output, needs) -> list[Saved]:
    return [Saved(("input", 0), inputs[0].elements)]  # the convolved channels are a view of the whole input


@rule(PartialConv2d, saved=_partial_saved)
def _partial(op: PartialConv2d, inputs, output, needs) -> list[Stage]:
    """The convolution's backward on the convolved channels; the untouched ones pass their gradient through."""
    (x,) = inputs
    n, _, *spatial = x.shape
    convolved = Tensor(f"{x.name}[:C_p]", x.role, (n, op.conv_channels, *spatial))
    return [_map_tree(st, _prefixed("conv"), Tensor) for st in lower(op.conv, (convolved,), needs)]


__all__ = [
    "RULES",
    "Needs",
    "Rule",
    "Saved",
    "has_statistics",
    "lower",
    "rule",
    "rule_for",
    "saved",
    "training_forward",
    "window_scatter_counts",
]
