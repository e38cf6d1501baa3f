"""Checked derivations of the I/O bounds (:mod:`symconv.analysis.bounds`) for a 3x3 'same' convolution, with sources.

Each states its model and source in the assumptions, starts from the lowering's counts,
introduces the bound (a ``new`` step: it is a theorem, not a rewriting) and ends on
the expression :func:`symconv.analysis.bounds.io_bounds` returns, which sympy checks.

>>> sorted(bound_derivations())
['bound-compulsory', 'bound-direct', 'bound-gemm', 'bound-tiled']
"""

from __future__ import annotations

import functools

import sympy

from symconv.analysis.bounds import LW_CONSTANT, S, io_bounds, tile_side
from symconv.analysis.derive import Derivation, Prose, Step
from symconv.ops.conv import Conv2d
from symconv.symbols import C_in, C_out, H, W

MODEL: Prose = (
    "batch 1, 3x3 kernel, stride 1, 'same' padding, no bias; a fast memory of ",
    S,
    " words, empty at the start, holding every operand of a multiply-accumulate; "
    "traffic = words loaded + words written back; no recomputation",
)
OPERATOR = Conv2d(C_in, C_out, 3, padding=1, bias=False)
SHAPE = (1, C_in, H, W)


@functools.cache
def bound_derivations() -> dict[str, Derivation]:
    """The derivations by slug, built and checked once."""
    bounds = io_bounds(OPERATOR, SHAPE)
    macs = C_out * H * W * 9 * C_in
    input_macs = C_out * C_in * (3 * H - 2) * (3 * W - 2)
    b = tile_side()
    specs = {
        "bound-compulsory": (
            "3x3 conv, compulsory traffic",
            [
                Step("every input element is read by some window ('same' padding)", C_in * H * W, "touched model"),
                Step("with the weights read once", C_in * H * W + 9 * C_in * C_out, "weights", new=True),
                Step(
                    "and every output written once",
                    C_in * H * W + 9 * C_in * C_out + C_out * H * W,
                    "outputs",
                    new=True,
                ),
            ],
            "I/O lower bound in words, any S",
            "; no schedule moves less: each element must cross once",
            bounds.compulsory,
        ),
        "bound-gemm": (
            "3x3 conv through im2col, GEMM traffic lower bound",
            [
                Step("the GEMM multiplies C_out x 9 C_in weights by 9 C_in x HW columns: G =", macs, "lowering"),
                Step(
                    "Smith, Lowery, Langou and van de Geijn (2017): at least 2G/sqrt(S) - 2S words",
                    2 * macs / sympy.sqrt(S) - 2 * S,
                    "tight I/O lower bound for matrix multiplication, leading term",
                    new=True,
                ),
            ],
            "I/O lower bound in words, im2col GEMM",
            "; the column matrix is stored apart from the input (explicit im2col)",
            bounds.gemm,
        ),
        "bound-direct": (
            "3x3 conv, direct convolution traffic lower bound",
            [
                Step(
                    "multiply-accumulates reading an input element: per axis 3L - 2 (output, tap) pairs land inside",
                    input_macs,
                    "padding taps read nothing",
                ),
                Step(
                    "segments of S transfers use at most 2S words; per tap Loomis-Whitney, over the T = 9 taps "
                    "Cauchy-Schwarz: at most sqrt(T) (2S/3)^(3/2) operations per segment",
                    LW_CONSTANT * input_macs / sympy.sqrt(9 * S) - S,
                    "Demmel and Dinh (2018); Chen, Demmel, Dinh, Haberle and Holtz (PASC 2022)",
                    new=True,
                ),
            ],
            "I/O lower bound in words, direct convolution",
            "; direct convolution, no column matrix",
            bounds.direct,
        ),
        "bound-tiled": (
            "3x3 conv through im2col, traffic of an output-stationary tiled GEMM",
            [
                Step("tile side b with b^2 + 2b <= S", b, "a b x b output tile, a column and a row"),
                Step(
                    "per tile and step l a column of A and a row of B; each output written once",
                    9 * C_in * (sympy.ceiling(H * W / b) * C_out + sympy.ceiling(C_out / b) * H * W) + C_out * H * W,
                    "an upper bound on the least traffic; checked against its simulation",
                    new=True,
                ),
            ],
            "traffic in words of one schedule (an upper bound)",
            "",
            bounds.tiled,
        ),
    }
    return {
        slug: Derivation(title, steps, label, operator=repr(OPERATOR), assumptions=(*MODEL, assumption), result=result)
        for slug, (title, steps, label, assumption, result) in specs.items()
    }
