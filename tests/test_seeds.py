"""Every formula of the two source articles (``shared/seed-formulas.md``), derived by symconv.

Each test builds its operator from the public API and compares symconv's count with the
formula exactly as the article states it, written here with the standard symbols: the
article's claim is the independent reference. Rows stated with ``H_out``/``W_out`` are
compared after naming symconv's output sizes ``H_out``/``W_out``; those sizes are checked
separately against PyTorch's output-size formulas (written here with Python integers).
"""

from __future__ import annotations

import itertools
import os
import re
from collections.abc import Callable
from pathlib import Path

import pytest
import sympy

import symconv
from symconv.analysis import seeds
from symconv.symbols import C, C_in, C_out, C_p, H, H_in, H_out, K, W, W_in, W_out, all_symbols, g, p, s


def equal(a: sympy.Expr, b: sympy.Expr) -> bool:
    return sympy.expand(a - b) == 0


def same_shape(channels: sympy.Expr) -> tuple[sympy.Expr, ...]:
    """Seed 000's setting: batch 1, ``H x W`` in and out (stride 1, 'same' padding)."""
    return (1, channels, H, W)


STRIDED_SHAPE = (1, C_in, H_in, W_in)


def conv_length(length: int, kernel: int, stride: int, padding: int) -> int:
    """PyTorch's ``floor((L + 2p - (K - 1) - 1) / s) + 1``."""
    return (length + 2 * padding - (kernel - 1) - 1) // stride + 1


def transposed_length(length: int, kernel: int, stride: int, padding: int) -> int:
    """PyTorch's ``(L - 1)s - 2p + (K - 1) + 1``."""
    return (length - 1) * stride - 2 * padding + (kernel - 1) + 1


def in_output_symbols(
    op: symconv.Operator, expr: sympy.Expr, reference: Callable[[int, int, int, int], int]
) -> sympy.Expr:
    """``expr`` with symconv's output sizes named ``H_out``, ``W_out``, after checking those sizes.

    The sizes are compared with ``reference`` (PyTorch's formula) at every valid point of a grid.
    """
    out_h, out_w = op.output_shape(STRIDED_SHAPE)[2:]
    for length, kernel, stride, padding in itertools.product(range(1, 7), range(1, 4), range(1, 4), range(3)):
        expected = reference(length, kernel, stride, padding)
        if expected < 1:
            continue
        point = {H_in: length, W_in: length, K: kernel, s: stride, p: padding}
        assert out_h.subs(point) == expected == out_w.subs(point), point
    return expr.subs({out_h: H_out, out_w: W_out})


def conv2d(groups: sympy.Expr = 1, bias: bool = False) -> symconv.Conv2d:
    return symconv.Conv2d(C_in, C_out, K, stride=s, padding=p, groups=groups, bias=bias)


def deconv2d(groups: sympy.Expr = 1, bias: bool = False) -> symconv.ConvTranspose2d:
    return symconv.ConvTranspose2d(C_in, C_out, K, stride=s, padding=p, groups=groups, bias=bias)


# ------------------------------------------------------------------ seed 000


def test_seed_A1_standard_conv_compute() -> None:
    cost = symconv.Conv2d(C_in, C_out, K, padding="same", bias=False).cost(same_shape(C_in))
    assert equal(cost.macs, H * W * C_out * K**2 * C_in)


def test_seed_A2_standard_conv_memory() -> None:
    cost = symconv.Conv2d(C_in, C_out, K, padding="same", bias=False).cost(same_shape(C_in))
    assert equal(cost.memory("ideal"), H * W * (C_in + C_out) + K**2 * C_in * C_out)


def test_seed_A3_depthwise_conv_compute() -> None:
    cost = symconv.Conv2d(C_in, C_in, K, padding="same", groups=C_in, bias=False).cost(same_shape(C_in))
    assert equal(cost.macs, H * W * C_in * K**2)


def test_seed_A4_pointwise_conv_compute() -> None:
    cost = symconv.Conv2d(C_in, C_out, 1, bias=False).cost(same_shape(C_in))
    assert equal(cost.macs, H * W * C_in * C_out)


def test_seed_A5_dwconv_compute() -> None:
    op = symconv.DepthwiseSeparableConv2d(C_in, C_out, K, padding="same", bias=False)
    assert equal(op.cost(same_shape(C_in)).macs, H * W * C_in * K**2 + H * W * C_in * C_out)


def test_seed_A6_depthwise_conv_memory() -> None:
    cost = symconv.Conv2d(C_in, C_in, K, padding="same", groups=C_in, bias=False).cost(same_shape(C_in))
    assert equal(cost.memory("ideal"), H * W * 2 * C_in + C_in * K**2)


def test_seed_A7_pointwise_conv_memory() -> None:
    cost = symconv.Conv2d(C_in, C_out, 1, bias=False).cost(same_shape(C_in))
    assert equal(cost.memory("ideal"), C_in * C_out + H * W * (C_in + C_out))


def test_seed_A8_dwconv_memory() -> None:
    op = symconv.DepthwiseSeparableConv2d(C_in, C_out, K, padding="same", bias=False, fused=False)
    stated = H * W * 2 * C_in + C_in * K**2 + C_in * C_out + H * W * (C_in + C_out)
    assert equal(op.cost(same_shape(C_in)).memory("ideal"), stated)


def test_seed_A8_fused_dwconv_saves_the_intermediate() -> None:
    """Not a seed row: fusing removes exactly the intermediate's write and read (2*H*W*C_in)."""
    fused = symconv.DepthwiseSeparableConv2d(C_in, C_out, K, padding="same", bias=False, fused=True)
    stated_unfused = H * W * 2 * C_in + C_in * K**2 + C_in * C_out + H * W * (C_in + C_out)
    assert equal(fused.cost(same_shape(C_in)).memory("ideal"), stated_unfused - 2 * H * W * C_in)


def test_seed_A9_pconv_compute() -> None:
    op = symconv.PartialConv2d(C, K, conv_channels=C_p, forward="slicing")
    assert equal(op.cost(same_shape(C)).macs, H * W * K**2 * C_p**2)


def test_seed_A10_pconv_memory() -> None:
    op = symconv.PartialConv2d(C, K, conv_channels=C_p, forward="slicing")
    assert equal(op.cost(same_shape(C)).memory("ideal"), H * W * 2 * C_p + K**2 * C_p**2)


# ------------------------------------------------------------------ seed 001


def test_seed_B1_conv_mults() -> None:
    op = conv2d()
    derived = in_output_symbols(op, op.cost(STRIDED_SHAPE).mults, conv_length)
    assert equal(derived, C_out * C_in * K * K * H_out * W_out)


def test_seed_B2_conv_bias_mults() -> None:
    op = conv2d(bias=True)
    derived = in_output_symbols(op, op.cost(STRIDED_SHAPE).compute("mults+bias"), conv_length)
    assert equal(derived, C_out * (C_in * K * K + 1) * H_out * W_out)


def test_seed_B3_transposed_conv_mults() -> None:
    op = deconv2d()
    derived = in_output_symbols(op, op.cost(STRIDED_SHAPE).mults, transposed_length)
    assert equal(derived, C_out * K * K * C_in * H_in * W_in)


def test_seed_B4_transposed_conv_bias_mults() -> None:
    op = deconv2d(bias=True)
    derived = in_output_symbols(op, op.cost(STRIDED_SHAPE).compute("mults+bias"), transposed_length)
    assert equal(derived, C_out * K * K * C_in * H_in * W_in + C_out * H_out * W_out)


def test_seed_B5_grouped_conv_mults() -> None:
    op = conv2d(groups=g)
    derived = in_output_symbols(op, op.cost(STRIDED_SHAPE).mults, conv_length)
    assert equal(derived, C_out * (C_in / g) * K * K * H_out * W_out)


def test_seed_B6_grouped_conv_bias_mults() -> None:
    op = conv2d(groups=g, bias=True)
    derived = in_output_symbols(op, op.cost(STRIDED_SHAPE).compute("mults+bias"), conv_length)
    assert equal(derived, C_out * (C_in / g * K * K + 1) * H_out * W_out)


def test_seed_B7_grouped_transposed_conv_mults() -> None:
    op = deconv2d(groups=g)
    derived = in_output_symbols(op, op.cost(STRIDED_SHAPE).mults, transposed_length)
    assert equal(derived, (C_out / g) * K * K * C_in * H_in * W_in)


def test_seed_B8_grouped_transposed_conv_bias_mults() -> None:
    op = deconv2d(groups=g, bias=True)
    derived = in_output_symbols(op, op.cost(STRIDED_SHAPE).compute("mults+bias"), transposed_length)
    assert equal(derived, (C_out / g) * K * K * C_in * H_in * W_in + C_out * H_out * W_out)


def test_seed_tests_cover_every_row() -> None:
    tested = {name.split("_")[2] for name in globals() if name.startswith("test_seed_") and name[10] in "AB"}
    assert tested == set(seeds.BY_ID) == {f"A{i}" for i in range(1, 11)} | {f"B{i}" for i in range(1, 9)}


# ------------------------------------------------------ the document itself

DOCUMENT_CANDIDATES = (
    Path(__file__).resolve().parents[1] / "docs" / "seed-formulas.md",
    Path(__file__).resolve().parents[2] / "shared" / "seed-formulas.md",
)
ROW = re.compile(r"^\| ([AB]\d+) \|[^`]*`([^`]+)`", re.MULTILINE)


def document_rows() -> dict[str, str]:
    """``{row id: formula as stated}`` from the markdown tables of seed-formulas.md."""
    for path in DOCUMENT_CANDIDATES:
        if path.is_file():
            return dict(ROW.findall(path.read_text(encoding="utf-8")))
    missing = f"seed-formulas.md not found (looked in {', '.join(map(str, DOCUMENT_CANDIDATES))})"
    if os.environ.get("CI"):  # CI clones main with shared/ beside it: the document must be checked there
        pytest.fail(missing)
    pytest.skip(missing)


def parse_formula(text: str) -> sympy.Expr:
    """The document's notation (``·``, ``²``, ``2C_in``) as a sympy expression over the standard symbols."""
    python = text.replace("·", "*").replace("²", "**2")
    python = re.sub(r"(\d)([A-Za-z(])", r"\1*\2", python)  # implicit product: 2C_in
    names = set(re.findall(r"[A-Za-z_]\w*", python))
    unknown = names - set(all_symbols())
    assert not unknown, f"{text!r} uses unknown names {unknown}"
    return sympy.parse_expr(python, local_dict=all_symbols())


def test_parse_formula_notation() -> None:
    assert parse_formula("H·W·2C_in + C_in·K²") == 2 * H * W * C_in + C_in * K**2
    assert parse_formula("(C_out/g)·K·K") == C_out * K**2 / g


def test_document_has_every_row() -> None:
    assert sorted(document_rows()) == sorted(seeds.BY_ID)


@pytest.mark.parametrize("row_id", sorted(seeds.BY_ID))
def test_transcription_matches_document(row_id: str) -> None:
    stated = parse_formula(document_rows()[row_id])
    assert equal(stated, seeds.BY_ID[row_id].stated)


def test_seeds_main_reports_all_rows(capsys: pytest.CaptureFixture[str]) -> None:
    assert seeds.main() == 0
    assert capsys.readouterr().out.splitlines()[-1] == "18 of 18 seed formulas derived exactly"
