"""``symconv ratio``, ``crossover`` and ``plot``: the real command, checked against formulas worked out by hand."""

from __future__ import annotations

import json

import pytest
import sympy
from cli_runner import in_process, launchers, run

DWCONV_VS_CONV = ["dwconv", "conv2d", "--in-channels", "C_in", "--out-channels", "C_out", "--kernel-size", "K",
                  "--padding", "same", "--bias", "false", "--input", "1,C_in,H,W"]  # fmt: skip
MEMORY_AT_7 = ["dwconv", "conv2d", "--quantity", "memory", "--in-channels", "64", "--out-channels", "C_out",
               "--kernel-size", "3", "--padding", "1", "--bias", "false", "--input", "1,64,7,7"]  # fmt: skip


@pytest.fixture(params=launchers(), ids=lambda launcher: "console-script" if len(launcher) == 1 else "python-m")
def launcher(request):
    return request.param


def _json(launcher, *args: str) -> dict:
    result = run(launcher, *args, "--format", "json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def _expr(text: str) -> sympy.Expr:
    return sympy.sympify(text, locals={n: sympy.Symbol(n) for n in ("C", "C_in", "C_out", "K", "H", "W", "g", "N")})


def test_ratio_is_mobilenets_reduction_factor(launcher):
    body = _json(launcher, "ratio", *DWCONV_VS_CONV, "--limit", "C_out")
    c_out, k = sympy.symbols("C_out K")
    assert sympy.simplify(_expr(body["ratio"]) - (1 / c_out + 1 / k**2)) == 0
    assert _expr(body["limit C_out->oo"]) == 1 / k**2


def test_ratio_with_per_operator_overrides(launcher):
    body = _json(launcher, "ratio", "conv2d", "conv2d", "--in-channels", "C_in", "--out-channels", "C_out",
                 "--kernel-size", "3", "--a", "groups=g", "--input", "1,C_in,H,W")  # fmt: skip
    assert _expr(body["ratio"]) == 1 / sympy.Symbol("g")


def test_ratio_exact_numbers(launcher):
    body = _json(launcher, "ratio", "dwconv", "conv2d", "--in-channels", "64", "--out-channels", "128",
                 "--kernel-size", "3", "--padding", "1", "--input", "1,64,56,56", "--quantity", "params")  # fmt: skip
    # (64*9 + 64 + 64*128 + 128) / (128*64*9 + 128): depthwise + pointwise weights and biases over the conv's
    assert sympy.Rational(body["ratio"]) == sympy.Rational(64 * 9 + 64 + 64 * 128 + 128, 128 * 64 * 9 + 128)


def test_crossover_memory(launcher):
    body = _json(launcher, "crossover", *MEMORY_AT_7, "--over", "C_out")
    c = sympy.Symbol("C_out")
    # DWConv, unfused: input 64*49, dw weight 64*9, intermediate written and read 2*64*49, pw weight 64*C, output 49*C;
    # Conv2d: input 64*49, weight 64*9*C, output 49*C.
    difference = (64 * 49 + 64 * 9 + 2 * 64 * 49 + 64 * c + 49 * c) - (64 * 49 + 64 * 9 * c + 49 * c)
    assert sympy.expand(_expr(body["difference"]) - difference) == 0
    assert body["less"] == "C_out >= 14" and body["greater"] == "1 <= C_out <= 13"  # 6848 / 512 = 13.375
    assert body["exceeds"] == "sometimes"


def test_crossover_with_given_and_symbolic_boundary(launcher):
    body = _json(launcher, "crossover", "dwconv", "conv2d", "--quantity", "memory", "--over", "C_out",
                 "--in-channels", "C_in", "--out-channels", "C_out", "--kernel-size", "3", "--padding", "1",
                 "--bias", "false", "--input", "1,C_in,H,W", "--given", "H=7")  # fmt: skip
    assert body["exceeds"] == "undecided"
    w = sympy.Symbol("W")
    root = _expr(body["boundary"].strip("{}"))  # 2*7*W*C_in + 9*C_in = 8*C_in*C_out
    assert sympy.simplify(root - (14 * w + 9) / 8) == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["crossover", *MEMORY_AT_7, "--over", "H"], "symbol 'H' does not occur"),
        (["crossover", *MEMORY_AT_7], "required: --over"),
        (
            [
                "ratio",
                *MEMORY_AT_7[:2],
                "--input",
                "1,3,5,5",
                "--in-channels",
                "3",
                "--out-channels",
                "3",
                "--kernel-size",
                "3",
                "--quantity",
                "gflops",
            ],
            "unknown quantity 'gflops'",
        ),
        (["ratio", *DWCONV_VS_CONV, "--a", "groups"], "--a 'groups' must be NAME=VALUE"),
        (["ratio", *DWCONV_VS_CONV, "--a", "channels=3"], "--channels does not apply to dwconv or conv2d"),
        (["crossover", *MEMORY_AT_7, "--over", "C_out", "--given", "C_out=3"], "the symbol the crossover is over"),
    ],
)
def test_errors_are_one_line(args, message):
    result = in_process(*args)
    assert result.returncode != 0
    assert message in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr


def test_plot_writes_a_deterministic_png(launcher, tmp_path):
    pytest.importorskip("matplotlib")
    args = ["plot", *MEMORY_AT_7, "--kind", "ratio", "--over", "C_out", "--range", "1:40"]
    first = run(launcher, *args, "--output", str(tmp_path / "a.png"))
    second = run(launcher, *args, "--output", str(tmp_path / "b.png"))
    assert first.returncode == 0 and second.returncode == 0, first.stderr
    assert "crossover: between C_out=13 and 14" in first.stdout
    data = (tmp_path / "a.png").read_bytes()
    assert data.startswith(b"\x89PNG") and data == (tmp_path / "b.png").read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.png", "b.png"]  # no temporary file left


def test_plot_pdf_and_one_operator(launcher, tmp_path):
    pytest.importorskip("matplotlib")
    result = run(launcher, "plot", "conv2d", "--quantity", "flops", "--over", "H", "--range", "8:64:8",
                 "--in-channels", "8", "--out-channels", "8", "--kernel-size", "3", "--padding", "1",
                 "--input", "1,8,H,H", "--output", str(tmp_path / "f.pdf"))  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "f.pdf").read_bytes().startswith(b"%PDF")


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--range", "1:2"], "at H=1: kernel_size=3"),
        (["--range", "0:2"], "--range '0:2' must have 1 <= LO"),
        (["--range", "a:b"], "--range 'a:b' must be LO:HI"),
        (["--range", "4:8", "--output", "figure.txt"], "'figure.txt' must end in one of: .png, .pdf"),
    ],
)
def test_plot_errors(tmp_path, extra, message):
    pytest.importorskip("matplotlib")
    conv = ["conv2d", "--in-channels", "3", "--out-channels", "3", "--kernel-size", "3", "--input", "1,3,H,H"]
    result = in_process("plot", *conv, "--over", "H", "--output", str(tmp_path / "x.png"), *extra)
    assert result.returncode != 0
    assert message in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert list(tmp_path.iterdir()) == []  # nothing written, not even a temporary file


def test_limit_of_transposed_over_direct_3d_answers_quickly():
    """Once about 310 s and then an empty reason: the limit in K of two 3-D convolutions' MACs."""
    import time

    args = ["--in-channels", "C", "--out-channels", "C", "--kernel-size", "K", "--input", "1,C,D,H,W"]
    start = time.perf_counter()
    result = in_process("ratio", "conv_transpose3d", "conv3d", *args, "--limit", "K", "--format", "json")
    assert time.perf_counter() - start < 30
    assert result.returncode == 0, result.stderr
    body = json.loads(result.stdout)
    # transposed: C*K^3 MACs per input pixel, D*H*W of them; direct: C*K^3 per output pixel, (D-K+1)(H-K+1)(W-K+1)
    d, h, w, k = sympy.symbols("D H W K")
    assert sympy.simplify(_expr(body["ratio"]) - d * h * w / ((d - k + 1) * (h - k + 1) * (w - k + 1))) == 0
    assert "limit K->oo" in body


def test_a_step_over_budget_fails_on_one_line_naming_it():
    from symconv.cli.budget import budget
    from symconv.errors import SymconvError

    expected = r"^the limit as K -> oo did not finish within 0.05 s; try fixing"
    with pytest.raises(SymconvError, match=expected), budget("the limit as K -> oo", seconds=0.05):
        while True:
            pass


@pytest.mark.parametrize(("spec", "refused"), [("4:16", 5), ("4:16:2", 6), ("8:16:4", None)])
def test_plot_checks_every_point_of_the_range(spec, refused, tmp_path):
    """groups=4 must divide C at every plotted C, not only at the ends of the range."""
    args = ["--in-channels", "C", "--out-channels", "C", "--kernel-size", "3", "--groups", "4", "--input", "1,C,8,8"]
    target = tmp_path / "p.svg"
    result = in_process("plot", "conv2d", *args, "--over", "C", "--range", spec, "--output", str(target))
    if refused is None:  # 8, 12, 16: all divisible by 4
        assert result.returncode == 0, result.stderr
        assert target.exists()
    else:
        assert result.returncode != 0 and not target.exists()
        assert f"groups=4 must divide in_channels={refused}" in result.stderr
