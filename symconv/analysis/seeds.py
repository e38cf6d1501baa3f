"""The formulas of the two source articles, each derived from the lowering and checked against what the article states.

A :class:`SeedRow` holds what an article *claims* (``stated``, transcribed from
the article) and how to *derive* it (an operator, an input shape
and a convention). Nothing here computes a cost: :meth:`SeedRow.derive` asks the
operator for it. Run ``python -m symconv.analysis.seeds`` to print every row with its check.

The first article writes ``H x W`` for both input and output: that assumes stride 1 and
'same' padding, which the rows below make explicit. The second counts
multiplications only (its additions remark, "H_out*W_out additions", is wrong:
a GEMM row sums ``C_in*K*K`` products with ``C_in*K*K - 1`` additions), counts the
transposed convolution per input pixel and leaves col2im's additions out; it also
gives the transposed weight as ``C_out x C_in x K x K`` where PyTorch stores
``C_in x C_out/g x K x K`` (the count is the same).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass

import sympy

from symconv.analysis.derive import Prose, plain
from symconv.core.cost import Cost
from symconv.core.quantities import Quantity, Traffic, quantity_named
from symconv.ops import Conv2d, ConvTranspose2d, DepthwiseSeparableConv2d, PartialConv2d
from symconv.ops.base import Operator
from symconv.symbols import C, C_in, C_out, C_p, H, H_in, H_out, K, W, W_in, W_out, g, p, s


@dataclass(frozen=True)
class SeedRow:
    """One formula of a source article.

    ``quantity`` is a name of :mod:`symconv.core.quantities` (``'macs'``, ``'memory:ideal'``);
    ``output_names`` maps the operator's output sizes to the article's symbols
    (``H_out``, ``W_out``) for rows stated in terms of them.
    """

    id: str
    operator: str
    quantity: str
    stated: sympy.Expr
    build: Callable[[], tuple[Operator, tuple[sympy.Expr, ...]]]
    assumes: Prose
    output_names: tuple[sympy.Symbol, ...] = ()

    def cost(self) -> Cost:
        op, shape = self.build()
        return op.cost(shape)

    @property
    def measured(self) -> Quantity:
        """The quantity the row states."""
        return quantity_named(self.quantity)

    @property
    def kind(self) -> str:
        """``'memory'`` for a traffic formula, ``'compute'`` for a count."""
        return "memory" if isinstance(self.measured, Traffic) else "compute"

    def derive(self) -> sympy.Expr:
        """The row's quantity, derived by symconv from the operator's lowering."""
        return self.measured.of(self.cost())

    def output_sizes(self) -> dict[sympy.Symbol, sympy.Expr]:
        """The article's output-size symbols and their definitions (PyTorch's output-size formulas)."""
        op, shape = self.build()
        return dict(zip(self.output_names, op.output_shape(shape)[2:]))

    def stated_in_inputs(self) -> sympy.Expr:
        """The stated formula with its output sizes replaced by their definitions."""
        return self.stated.subs(self.output_sizes())

    def derive_in_outputs(self) -> sympy.Expr:
        """The derived formula written with the article's output-size symbols, for display."""
        return self.derive().subs({v: k for k, v in self.output_sizes().items()})

    def holds(self) -> bool:
        """Whether the derived formula equals the stated one, as sympy expressions."""
        return sympy.expand(self.derive() - self.stated_in_inputs()) == 0


def _same(op: Operator, channels: sympy.Expr) -> Callable[[], tuple[Operator, tuple[sympy.Expr, ...]]]:
    return lambda: (op, (1, channels, H, W))


def _strided(op: Operator) -> Callable[[], tuple[Operator, tuple[sympy.Expr, ...]]]:
    return lambda: (op, (1, C_in, H_in, W_in))


SAME = "stride 1, 'same' padding, batch 1, no bias"
GENERAL: Prose = ("batch 1, stride ", s, ", padding ", p, ", dilation 1")

_std = Conv2d(C_in, C_out, K, padding="same", bias=False)
_dw = Conv2d(C_in, C_in, K, padding="same", groups=C_in, bias=False)
_pw = Conv2d(C_in, C_out, 1, bias=False)
_dwconv = DepthwiseSeparableConv2d(C_in, C_out, K, padding="same", bias=False, fused=False)
_pconv = PartialConv2d(C, K, conv_channels=C_p, forward="slicing")


def _conv(groups: sympy.Expr, bias: bool) -> Operator:
    return Conv2d(C_in, C_out, K, stride=s, padding=p, groups=groups, bias=bias)


def _deconv(groups: sympy.Expr, bias: bool) -> Operator:
    return ConvTranspose2d(C_in, C_out, K, stride=s, padding=p, groups=groups, bias=bias)


OUT = (H_out, W_out)

ROWS: tuple[SeedRow, ...] = (
    SeedRow("A1", "standard conv", "macs", H * W * C_out * K**2 * C_in, _same(_std, C_in), SAME),
    SeedRow(
        "A2",
        "standard conv",
        "memory:ideal",
        H * W * (C_in + C_out) + K**2 * C_in * C_out,
        _same(_std, C_in),
        SAME,
    ),
    SeedRow("A3", "depthwise conv", "macs", H * W * C_in * K**2, _same(_dw, C_in), SAME),
    SeedRow("A4", "pointwise conv", "macs", H * W * C_in * C_out, _same(_pw, C_in), SAME),
    SeedRow("A5", "DWConv", "macs", H * W * C_in * K**2 + H * W * C_in * C_out, _same(_dwconv, C_in), SAME),
    SeedRow("A6", "depthwise conv", "memory:ideal", H * W * 2 * C_in + C_in * K**2, _same(_dw, C_in), SAME),
    SeedRow("A7", "pointwise conv", "memory:ideal", C_in * C_out + H * W * (C_in + C_out), _same(_pw, C_in), SAME),
    SeedRow(
        "A8",
        "DWConv (unfused)",
        "memory:ideal",
        H * W * 2 * C_in + C_in * K**2 + C_in * C_out + H * W * (C_in + C_out),
        _same(_dwconv, C_in),
        SAME + "; the intermediate is written and read back",
    ),
    SeedRow(
        "A9",
        "PConv",
        "macs",
        H * W * C_p**2 * K**2,
        _same(_pconv, C),
        (SAME, "; ", C_p, " channels in, ", C_p, " out"),
    ),
    SeedRow(
        "A10",
        "PConv",
        "memory:ideal",
        H * W * 2 * C_p + K**2 * C_p**2,
        _same(_pconv, C),
        SAME + "; in place, untouched channels not moved",
    ),
    SeedRow(
        "B1",
        "conv",
        "mults",
        C_out * C_in * K * K * H_out * W_out,
        _strided(_conv(1, False)),
        GENERAL,
        OUT,
    ),
    SeedRow(
        "B2",
        "conv + bias",
        "mults+bias",
        C_out * (C_in * K * K + 1) * H_out * W_out,
        _strided(_conv(1, True)),
        GENERAL,
        OUT,
    ),
    SeedRow(
        "B3",
        "transposed conv",
        "mults",
        C_out * K * K * C_in * H_in * W_in,
        _strided(_deconv(1, False)),
        (*GENERAL, "; per input pixel, col2im additions not counted"),
        OUT,
    ),
    SeedRow(
        "B4",
        "transposed conv + bias",
        "mults+bias",
        C_out * K * K * C_in * H_in * W_in + C_out * H_out * W_out,
        _strided(_deconv(1, True)),
        (*GENERAL, "; per input pixel, col2im additions not counted"),
        OUT,
    ),
    SeedRow(
        "B5",
        "grouped conv",
        "mults",
        C_out * (C_in / g) * K * K * H_out * W_out,
        _strided(_conv(g, False)),
        GENERAL,
        OUT,
    ),
    SeedRow(
        "B6",
        "grouped conv + bias",
        "mults+bias",
        C_out * (C_in / g * K * K + 1) * H_out * W_out,
        _strided(_conv(g, True)),
        GENERAL,
        OUT,
    ),
    SeedRow(
        "B7",
        "grouped transposed conv",
        "mults",
        (C_out / g) * K * K * C_in * H_in * W_in,
        _strided(_deconv(g, False)),
        (*GENERAL, "; per input pixel"),
        OUT,
    ),
    SeedRow(
        "B8",
        "grouped transposed conv + bias",
        "mults+bias",
        (C_out / g) * K * K * C_in * H_in * W_in + C_out * H_out * W_out,
        _strided(_deconv(g, True)),
        (*GENERAL, "; per input pixel"),
        OUT,
    ),
)

BY_ID: dict[str, SeedRow] = {row.id: row for row in ROWS}


def main() -> int:
    """Print every seed formula as derived by symconv, and whether it equals the article's."""
    failures = 0
    for row in ROWS:
        ok = row.holds()
        failures += not ok
        detail = row.measured.model.name if row.kind == "memory" else row.quantity
        print(f"{row.id:>3}  {row.operator} — {row.kind} ({detail}); assumes {plain(row.assumes)}")
        print(f"     derived: {row.derive_in_outputs()}")
        print(f"     stated:  {row.stated}    {'equal' if ok else 'DIFFERENT'}")
        for symbol, definition in row.output_sizes().items():
            print(f"     where {symbol} = {definition}")
    print(f"{len(ROWS) - failures} of {len(ROWS)} seed formulas derived exactly")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
