"""Checked derivations of the backward of a convolution and of a transposed convolution.

Built like :mod:`symconv.analysis.derivations`: from the backward's stages (:mod:`symconv.analysis.backward`),
each step checked equal to the one before by sympy.

- ``backward-conv`` and ``backward-conv-transpose``: the backward's MACs, stage by stage, equal
  twice the forward's (grad input and grad weight are GEMMs of the forward's size);
- ``backward-conv-is-transposed-conv``: a convolution's grad input (GEMM ``W^T . dY`` into the
  column buffer, then col2im) performs exactly the multiplications and additions of the
  transposed convolution's forward on ``dY``, and ``backward-conv-transpose-is-conv`` the converse.

>>> d = builtin()["backward-conv"]
>>> d.conclusion
2*C_in*C_out*H_out*K**2*N*W_out/g
>>> from symconv.analysis.derive import equal
>>> d = builtin()["backward-conv-transpose-is-conv"]
>>> d.conclusion  # the conv's output length, ceiling((s*(L - 1) + 1)/s), is L
C_in*C_out*K*L + C_in*L*(C_out*K - 1)
>>> equal(d.conclusion, d.result)
True
"""

from __future__ import annotations

import functools

import sympy

from symconv.analysis import backward
from symconv.analysis.derivations import quantity_steps
from symconv.analysis.derive import Derivation, Prose, Step
from symconv.core.canonical import simplify_rounding
from symconv.core.cost import Cost
from symconv.core.lowering import Col2im, Gemm, Im2col, Lowering
from symconv.ops import Conv1d, Conv2d, ConvTranspose1d, ConvTranspose2d
from symconv.symbols import C_in, C_out, H, H_in, H_out, K, L, N, W, W_in, W_out, g, p, s

INPUT_GRAD = backward.Needs((True,), frozenset({"weight"}))


def lowerings() -> dict[str, dict[str, Cost]]:
    """The backward costs derivations start from, by slug, where their lowering fits a page (rendered with it)."""
    transposed = ConvTranspose2d(C_in, C_out, K, stride=s, padding=p, groups=g, bias=False)
    return {
        "backward-conv-transpose": {
            "backward of the transposed conv": backward_cost(transposed, (N, C_in, H_in, W_in))[1]
        },
    }


def backward_cost(op, shape) -> tuple[Cost, Cost]:
    """The forward and backward costs of ``op`` on ``shape`` (input and weight both get a gradient)."""
    x = op.input_tensor(shape)
    stages = backward.lower(op, (x,), INPUT_GRAD)
    return op.cost(shape), Cost.from_lowering(f"{op!r} backward", Lowering(stages, x))


GROUPED: Prose = ("batch ", N, ", stride ", s, ", padding ", p, ", ", g, " groups, no bias; the input needs a gradient")


def _twice(title: str, op, shape, outputs: dict, assumptions: Prose) -> Derivation:
    forward, back = backward_cost(op, shape)
    steps, definitions = quantity_steps(back, "macs")
    steps.append(
        Step(
            "twice the forward's macs",
            sympy.Mul(2, forward.macs, evaluate=False),
            "grad input and grad weight are GEMMs of the forward's size",
        )
    )
    if outputs:
        as_outputs = {v: k for k, v in outputs.items()}
        written = steps[-1].expr.subs(as_outputs)
        listed = ", ".join(map(str, outputs))
        steps.append(Step(f"write the output sizes as {listed}", written, "PyTorch's output-size formulas"))
        definitions = {**outputs, **{k: v.subs(as_outputs) for k, v in definitions.items()}}  # H_out first
    return Derivation(
        title,
        steps,
        "macs",
        operator=back.operator,
        assumptions=assumptions,
        definitions=definitions,
        result=back.macs,
    )


def _same_as(title: str, part: Cost, other: Cost, assumptions: Prose) -> Derivation:
    """``part``'s exact ops, stage by stage, shown equal to ``other``'s (another operator's forward)."""
    steps, definitions = quantity_steps(part, "ops")
    steps.append(Step(f"the ops of {other.operator}", other.ops, "its forward lowering (symconv.ops)"))
    simpler = simplify_rounding(other.ops)
    if simpler != other.ops:  # the conv's output length on the transposed conv's output: ceiling((s(L-1)+1)/s) = L
        steps.append(Step("simplify the output length", simpler, "for integers L, s >= 1: ceiling((s(L-1)+1)/s) = L"))
    return Derivation(
        title,
        steps,
        "ops",
        operator=part.operator,
        assumptions=assumptions,
        definitions=definitions,
        result=other.ops,
    )


def _part(cost: Cost, kinds: tuple[type, ...], name: str, last: int) -> Cost:
    """The first ``last`` stages of ``cost`` (of the given kinds) as a cost of their own."""
    stages = tuple(st for st in cost.stages[:last] if isinstance(st, kinds))
    return Cost.from_lowering(name, Lowering(stages, stages[-1].writes[0]))


def derivations() -> dict[str, Derivation]:
    """The backward derivations by slug."""
    strided = (N, C_in, H, W)
    conv = Conv2d(C_in, C_out, K, stride=s, padding=p, groups=g, bias=False)
    conv_outputs = dict(zip((H_out, W_out), conv.output_shape(strided)[2:], strict=True))
    transposed = ConvTranspose2d(C_in, C_out, K, stride=s, padding=p, groups=g, bias=False)
    transposed_in = (N, C_in, H_in, W_in)
    # the adjoint pairs, in 1-D (each spatial axis contributes one such factor); stride 1 for the conv, so
    # that the transposed conv needs no output_padding to give back its input length
    unit = Conv1d(C_in, C_out, K, padding=p, bias=False)
    _, unit_back = backward_cost(unit, (1, C_in, L))
    grad_input = _part(unit_back, (Gemm, Col2im), f"{unit!r} grad input", 2)
    adjoint = ConvTranspose1d(C_out, C_in, K, padding=p, bias=False).cost(unit.output_shape((1, C_in, L)))
    transposed_1d = ConvTranspose1d(C_in, C_out, K, stride=s, padding=p, bias=False)
    _, transposed_back = backward_cost(transposed_1d, (1, C_in, L))
    transposed_grad_input = _part(transposed_back, (Im2col, Gemm), f"{transposed_1d!r} grad input", 2)
    forward_conv = Conv1d(C_out, C_in, K, stride=s, padding=p, bias=False).cost(
        transposed_1d.output_shape((1, C_in, L))
    )
    return {
        "backward-conv": _twice(
            "backward of a convolution, compute (macs)",
            conv,
            strided,
            conv_outputs,
            GROUPED,
        ),
        "backward-conv-transpose": _twice(
            "backward of a transposed convolution, compute (macs)",
            transposed,
            transposed_in,
            {},
            GROUPED,
        ),
        "backward-conv-is-transposed-conv": _same_as(
            "a conv's grad input is a transposed conv's forward (ops)",
            grad_input,
            adjoint,
            (
                "1-D, batch 1, stride 1, padding ",
                p,
                ", no bias; the transposed conv maps ",
                C_out,
                " channels to ",
                C_in,
                " with padding ",
                p,
            ),
        ),
        "backward-conv-transpose-is-conv": _same_as(
            "a transposed conv's grad input is a conv's forward (ops)",
            transposed_grad_input,
            forward_conv,
            (
                "1-D, batch 1, stride ",
                s,
                ", padding ",
                p,
                ", no bias; the conv maps ",
                C_out,
                " channels to ",
                C_in,
                " on the transposed conv's output",
            ),
        ),
    }


@functools.cache
def _all() -> tuple[tuple[str, Derivation], ...]:
    return tuple(derivations().items())


def builtin() -> dict[str, Derivation]:
    """Every backward derivation by slug, built and checked once, then cached."""
    return dict(_all())
