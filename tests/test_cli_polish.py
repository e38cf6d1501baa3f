"""What a user reads: operator descriptions, readable numbers, the other counters' view (in process)."""

from __future__ import annotations

import pytest
from cli_runner import in_process
from hypothesis import given, settings
from hypothesis import strategies as st

import symconv
from symconv.cli.report import readable
from symconv.symbols import C_in, C_out, H, K, W

CONV = ["conv2d", "--in-channels", "64", "--out-channels", "64", "--kernel-size", "3"]


@pytest.mark.parametrize(
    ("op", "text"),
    [
        (symconv.Conv2d(64, 64, 3, padding=1), "padding=(1, 1)"),
        (symconv.Conv2d(64, 64, 3, padding=(1, 1)), "padding=(1, 1)"),
        (symconv.Conv2d(64, 64, 3, padding=(0, 2), stride=(1, 2)), "stride=(1, 2), padding=(0, 2)"),
        (symconv.Conv2d(64, 64, 3, padding="same"), "padding='same'"),
        (symconv.Conv1d(8, 8, 3, dilation=2, padding=2), "padding=(2,), dilation=(2,)"),
        (symconv.ConvTranspose2d(8, 8, 4, stride=2, padding=1), "stride=(2, 2), padding=(1, 1)"),
        (symconv.PartialConv2d(64, bias=True), "bias=True"),
        (symconv.PartialConv2d(64), "bias=False"),
    ],
)
def test_descriptions_keep_every_non_default_argument(op, text: str) -> None:
    assert text in repr(op)


def test_unpadded_description_says_nothing_of_padding() -> None:
    assert "padding" not in repr(symconv.Conv2d(64, 64, 3))


def test_cost_header_shows_the_padding() -> None:
    result = in_process("cost", *CONV, "--padding", "1,1", "--input", "1,64,56,56")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0].startswith("Conv2d(64, 64, kernel_size=(3, 3), padding=(1, 1), bias=True)")


@pytest.mark.parametrize(
    ("value", "text"),
    [(231211008, "231.2 M"), (999, "999"), (1000, "1.0 k"), (2 * 10**12, "2.0 T"), (-73856, "-73.9 k")],
)
def test_readable_units(value: int, text: str) -> None:
    assert readable(value) == text


def test_text_output_shows_units_beside_the_exact_integer() -> None:
    result = in_process("cost", *CONV, "--padding", "1", "--input", "1,64,56,56")
    # 64 outputs x 56*56 pixels x 64*9 taps = 115605504
    assert "115605504 (115.6 M)" in result.stdout


def test_peers_option_shows_each_tool_version_and_count() -> None:
    args = ["conv_transpose2d", "--in-channels", "64", "--out-channels", "32", "--kernel-size", "4"]
    result = in_process("cost", *args, "--stride", "2", "--padding", "1", "--input", "1,64,28,28", "--peers")
    assert result.returncode == 0, result.stderr
    lines = {line.split()[0]: line for line in result.stdout.splitlines() if line.startswith("  ")}
    # ptflops 0.7.5 per input pixel: 64*32*16*28*28 MACs + 32*56*56 bias
    assert "25790464" in lines["ptflops"] and "0.7.5" in lines["ptflops"]
    assert str(32 * 56 * 56 * 64 * 16) in lines["thop"]  # every output pixel


TABLE = ["table", "conv2d", "pconv", "--labels", "a,b", "--kernel-size", "3", "--padding", "1"]
TABLE_TAIL = ["--quantities", "macs,ratio:macs", "--baseline", "a", "--fragment"]


def _row(result) -> str:
    assert result.returncode == 0, result.stderr
    return next(line for line in result.stdout.splitlines() if line.startswith("b &"))


def test_numbers_print_alike_whether_given_or_concrete() -> None:
    sizes = ["--in-channels", "64", "--out-channels", "64", "--channels", "64", "--input", "1,64,56,56"]
    symbols = [
        "--in-channels",
        "C",
        "--out-channels",
        "C",
        "--channels",
        "C",
        "--input",
        "1,C,56,56",
        "--given",
        "C=64",
    ]
    concrete, given = in_process(*TABLE, *sizes, *TABLE_TAIL), in_process(*TABLE, *symbols, *TABLE_TAIL)
    assert _row(concrete) == _row(given)
    assert "{0.0625}" in _row(concrete)  # PConv convolves 16 of 64 channels: (16/64)**2 = 1/16 of the MACs
    exact = in_process(*TABLE, *sizes, *TABLE_TAIL, "--digits", "exact")
    assert r"$\frac{1}{16}$" in _row(exact)
    bad = in_process(*TABLE, *sizes, *TABLE_TAIL, "--digits", "many")
    assert bad.returncode != 0 and "--digits" in bad.stderr


def test_wide_tables_and_raw_captions() -> None:
    sizes = ["--in-channels", "64", "--out-channels", "64", "--channels", "64", "--input", "1,64,56,56"]
    caption = r"Cost of $3\times3$ layers \cite{fasternet}"
    plain = in_process(*TABLE, *sizes, *TABLE_TAIL, "--caption", caption).stdout
    raw = in_process(*TABLE, *sizes, *TABLE_TAIL, "--caption", caption, "--raw-caption", "--wide").stdout
    assert r"\caption{Cost of \$3\textbackslash{}times3\$" in plain and r"\begin{table}" in plain
    assert r"\caption{Cost of $3\times3$ layers \cite{fasternet}}" in raw
    assert r"\begin{table*}" in raw and r"\end{table*}" in raw


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 6), st.integers(1, 9), st.integers(1, 9), st.integers(1, 40), st.integers(1, 200))
def test_closed_form_crossover_agrees_with_the_costs(k: int, h: int, w: int, c_in: int, c_out: int) -> None:
    """DWConv vs conv memory with every symbol free: the closed form decides each configuration as the costs do."""
    from symconv.analysis.query import crossover

    dw = symconv.DepthwiseSeparableConv2d(C_in, C_out, K, padding="same", bias=False)
    std = symconv.Conv2d(C_in, C_out, K, padding="same", bias=False)
    found = crossover(dw, std, "memory", "C_out", input_shape=(1, C_in, H, W)).closed_form
    assert found is not None
    point = {K: k, H: h, W: w, C_in: c_in, C_out: c_out}
    if found.assuming is not None and not found.assuming.subs(point):
        return  # K = 1: the difference does not depend on C_out
    # independently: unfused DWConv moves x, dw weights, the intermediate twice, pw weights, y; conv moves x, w, y
    dw_memory = c_in * h * w + c_in * k * k + 2 * c_in * h * w + c_in * c_out + c_out * h * w
    std_memory = c_in * h * w + c_in * c_out * k * k + c_out * h * w
    assert bool(found.less.subs(point)) == (dw_memory < std_memory)
    assert bool(found.greater.subs(point)) == (dw_memory > std_memory)
    assert bool(found.equal.subs(point)) == (dw_memory == std_memory)


def test_crossover_command_prints_the_closed_form() -> None:
    args = ["--in-channels", "C_in", "--out-channels", "C_out", "--kernel-size", "K", "--padding", "same"]
    result = in_process("crossover", "dwconv", "conv2d", "--quantity", "memory", "--over", "C_out", *args,
                        "--bias", "false", "--input", "1,C_in,H,W")  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "C_out > (2*H*W + K**2)/(K**2 - 1)" in result.stdout


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["cost", "convtranspose2d", "--input", "1,4,5,5"], "symconv cost: error: argument OPERATOR: invalid choice"),
        (["cost", "convtranspose2d", "--input", "1,4,5,5"], "did you mean conv_transpose2d?"),
        (["cost", *CONV, "--in-chanels", "4", "--input", "1,64,5,5"], "symconv cost: error: unrecognized arguments"),
        (["cost", *CONV, "--in-chanels", "4", "--input", "1,64,5,5"], "did you mean --in-channels?"),
        (["cost", *CONV, "--input", "1,64,5,5", "--format", "jsn"], "did you mean json?"),
        (["cots"], "did you mean cost?"),
        (["table", "conv2d", "--input", "1,3,5,5", "--digts", "2"], "symconv table: error: unrecognized arguments"),
    ],
)
def test_usage_errors_name_the_subcommand_and_suggest(args: list[str], expected: str) -> None:
    result = in_process(*args)
    assert result.returncode == 2
    assert expected in result.stderr and len(result.stderr.splitlines()) == 1


def test_no_suggestion_for_a_word_nothing_resembles() -> None:
    assert "did you mean" not in in_process("cost", "zzzzzz", "--input", "1,4,5,5").stderr


PLOT = ["plot", "conv2d", "conv2d", "dwconv", "--set", "2:groups=4", "--labels", "dense,grouped,DWConv"]
PLOT_TAIL = ["--over", "C", "--range", "8:64:8", "--in-channels", "C", "--out-channels", "C", "--kernel-size", "3"]


def test_plot_takes_several_operators_and_writes_svg(tmp_path) -> None:
    pytest.importorskip("matplotlib")
    paths = [tmp_path / "a.svg", tmp_path / "b.svg"]
    for path in paths:
        result = in_process(*PLOT, *PLOT_TAIL, "--padding", "1", "--input", "1,C,28,28", "--output", str(path))
        assert result.returncode == 0, result.stderr
    assert paths[0].read_bytes().startswith(b"<?xml") and paths[0].read_bytes() == paths[1].read_bytes()
    bad = in_process(*PLOT, *PLOT_TAIL, "--kind", "ratio", "--input", "1,C,28,28", "--output", str(paths[0]))
    assert bad.returncode != 0 and "two operators" in bad.stderr


def test_plot_labels_are_latex_and_crossover_labels_keep_off_the_curves() -> None:
    pytest.importorskip("matplotlib")
    from symconv.render import plot

    shape = (1, C_in, H, W)
    costs = {
        "DWConv": symconv.DepthwiseSeparableConv2d(C_in, C_out, 3, padding=1, bias=False).cost(shape),
        "Conv2d": symconv.Conv2d(C_in, C_out, 3, padding=1, bias=False).cost(shape),
    }
    for kind in ("cost", "ratio"):
        data = plot.series(costs, "memory", "C_out", range(1, 65), given={"C_in": 64, "H": 7, "W": 7}, kind=kind)
        fig = plot.figure(data)
        axes = fig.axes[0]
        assert axes.get_xlabel() == r"$C_{\mathrm{out}}$"
        (note,) = axes.texts
        height = note.xy[1]  # axes fraction
        to_axes = axes.transData + axes.transAxes.inverted()
        for line in axes.get_lines()[: len(data.curves)]:
            xs, ys = line.get_data()
            near = [to_axes.transform((x, y))[1] for x, y in zip(xs, ys) if abs(x - 13.5) <= 5]
            assert min(abs(height - y) for y in near) > 0.1, (kind, height, near)


def test_model_peers_report(tmp_path) -> None:
    pytest.importorskip("torch")
    from cli_runner import ROOT

    example = ROOT / "docs" / "examples" / "mynet.py"
    result = in_process("model", f"{example}:build", "--input", "1,3,224,224", "--peers")
    assert result.returncode == 0, result.stderr
    lines = {line.split()[0]: line for line in result.stdout.splitlines() if line.startswith("  ")}
    # conv 3->8 (k3, s2, p1) on 224: 112*112*8*27 MACs; conv 8->16 (k3, p1): 112*112*16*72; bias 8*112*112
    macs = 112 * 112 * 8 * 27 + 112 * 112 * 16 * 72
    assert f"  FlopCounterMode  {2 * macs} " in lines["FlopCounterMode"] + " "
    assert str(macs + 8 * 112 * 112) in lines["ptflops"]
