"""``symconv table``, ``derive``, ``codegen``, ``derivations`` and ``model``: files written, checked against
hand-worked values; the real command for the end-to-end cases."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from cli_runner import ROOT, in_process, launchers, run

LAYERS = ["--in-channels", "C", "--out-channels", "C", "--channels", "C", "--conv-channels", "C/4",
          "--kernel-size", "K", "--padding", "same", "--bias", "false", "--input", "1,C,H,W"]  # fmt: skip
HAVE_TEX = all(shutil.which(tool) for tool in ("latexmk", "pdflatex", "pdftotext"))


@pytest.fixture(params=launchers(), ids=lambda launcher: "console-script" if len(launcher) == 1 else "python-m")
def launcher(request):
    return request.param


def test_table_file(launcher, tmp_path):
    target = tmp_path / "table.tex"
    rows = ["conv2d", "pconv", "--labels", "standard,PConv", "--baseline", "standard", *LAYERS]
    result = run(launcher, "table", *rows, "--quantities", "macs,ratio:macs", "--caption", "50% & $x$",
                 "--output", str(target))  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"wrote {target}"
    tex = target.read_text()
    assert "\\toprule" in tex and "\\begin{document}" in tex
    assert "50\\% \\& \\$x\\$" in tex  # the caption is text, not LaTeX
    assert r"\num[group-digits=integer]{0.0625}" in tex  # PConv with C/4 channels: (1/4)^2 of the MACs


@pytest.mark.skipif(not HAVE_TEX, reason="needs latexmk, pdflatex and pdftotext")
def test_table_pdf(tmp_path):
    target = tmp_path / "t.tex"
    result = in_process("table", "conv2d", "dwconv", *LAYERS[:4], *LAYERS[8:], "--output", str(target), "--pdf")
    assert result.returncode == 0, result.stderr
    text = subprocess.run(["pdftotext", str(tmp_path / "t.pdf"), "-"], capture_output=True, text=True).stdout
    assert "conv2d" in text and "dwconv" in text and "MACs" in text


def test_table_fragment_to_stdout_at_values():
    result = in_process("table", "conv2d", "conv2d", "--set", "2:groups=4", "--labels", "dense,grouped",
                        "--in-channels", "64", "--out-channels", "64", "--kernel-size", "3", "--padding", "1",
                        "--input", "1,64,56,56", "--quantities", "params", "--fragment")  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "\\begin{document}" not in result.stdout
    # 64*64*9 + 64 and 64*16*9 + 64 parameters
    assert "\\num{36928}" in result.stdout.replace("{,}", "") or "36928" in result.stdout
    assert "9280" in result.stdout


def test_derive_builtin_is_the_committed_file(tmp_path):
    target = tmp_path / "a8.tex"
    assert in_process("derive", "A8", "--output", str(target)).returncode == 0
    committed = ROOT / "derivations" / "latex" / "derivation-A8.tex"
    text = target.read_text()
    assert text.startswith(f"% Made with symconv by: symconv derive A8 --output {target}\n")  # what made it
    if committed.exists():
        assert _unsigned(text) == _unsigned(committed.read_text())
    assert "A8" in text and "\\begin{document}" in text


def _unsigned(tex: str) -> list[str]:
    """The lines of ``tex`` but the comments naming the command that made it."""
    return [line for line in tex.splitlines() if not line.startswith("% Made with symconv by:")]


def test_derive_operator_and_list():
    listing = in_process("derive", "--list")
    assert listing.returncode == 0 and "ratio-dwconv-standard" in listing.stdout and "B8" in listing.stdout
    result = in_process("derive", "conv_transpose2d", "--quantity", "mults", "--in-channels", "C_in",
                        "--out-channels", "C_out", "--kernel-size", "K", "--stride", "s", "--bias", "false",
                        "--input", "1,C_in,H_in,W_in", "--fragment")  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "C_{\\mathrm{in}}" in result.stdout and "\\begin{align*}" in result.stdout


@pytest.mark.slow
def test_derivations_check_and_write(tmp_path):
    root = tmp_path / "derivations"
    missing = in_process("derivations", "--check", "--root", str(root))
    assert missing.returncode == 1 and "missing: latex/derivation-A1.tex" in missing.stdout
    assert "stale:" not in missing.stdout  # nothing there is out of date: it is not there
    written = in_process("derivations", "--root", str(root))
    assert written.returncode == 0, written.stderr
    assert in_process("derivations", "--check", "--out", str(root)).returncode == 0
    (root / "latex" / "derivation-A1.tex").write_text("edited", encoding="utf-8")
    assert "stale: latex/derivation-A1.tex" in in_process("derivations", "--check", "--out", str(root)).stdout


def test_derivations_inside_the_repository_finds_its_own(monkeypatch):
    monkeypatch.chdir(ROOT / "docs")  # any directory of the repository: its derivations/, never this one's
    result = in_process("derivations", "--check")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith(f"all up to date under {ROOT.resolve() / 'derivations'}")


def test_derivations_outside_the_repository_needs_out(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = in_process("derivations")
    assert result.returncode != 0 and "--out" in result.stderr
    assert not any(tmp_path.iterdir())  # nothing written here


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["table", "conv2d", "--labels", "a,b", "--input", "1,3,5,5"], "--labels gives 2 labels for 1 operators"),
        (["table", "conv2d", "--set", "groups=2", "--input", "1,3,5,5"], "must be ROW:NAME=VALUE"),
        (["table", "conv2d", "--set", "3:groups=2", "--input", "1,3,5,5"], "with ROW from 1 to 1"),
        (["derive", "Z9"], "unknown derivation or operator 'Z9'"),
        (["derive"], "give a derivation NAME"),
        (["derive", "A1", "--pdf"], "--pdf needs --output"),
        (["derive", "conv2d", "--in-channels", "3"], "deriving conv2d needs --input"),
        (
            [
                "codegen",
                "conv2d",
                "--in-channels",
                "3",
                "--out-channels",
                "3",
                "--kernel-size",
                "3",
                "--input",
                "1,3,H,W",
                "--output",
                "x.txt",
            ],
            "must end in .py",
        ),
    ],
)
def test_errors_are_one_line(args, message):
    result = in_process(*args)
    assert result.returncode != 0
    assert message in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
