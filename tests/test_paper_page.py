"""A two-column paper page with symconv's fragments compiles without running into the margin (as in the gallery)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest

import symconv
from symconv import latex
from symconv.analysis.derivations import builtin
from symconv.symbols import C, H, K, W

TOOLS = ("latexmk", "pdflatex", "pdftotext")
MISSING = [tool for tool in TOOLS if shutil.which(tool) is None]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(bool(MISSING) and not os.environ.get("CI"), reason=f"TeX tools missing: {MISSING}"),
]


def _page() -> str:
    shape = (1, C, H, W)
    rows = {
        "standard conv": symconv.Conv2d(C, C, K, padding="same", bias=False).cost(shape),
        "DWConv": symconv.DepthwiseSeparableConv2d(C, C, K, padding="same", bias=False).cost(shape),
        "PConv": symconv.PartialConv2d(C, K, conv_channels=C / 4).cost(shape),
    }
    narrow = latex.table(rows, ["params", "ratio:macs"], baseline="standard conv", caption="Parameters and ratio")
    wide = latex.table(
        rows,
        ["macs", "params", "memory:ideal", "ratio:macs"],
        baseline="standard conv",
        caption=r"Cost of three $K \times K$ layers \cite{none}",
        raw_caption=True,
        label="tab:cost",
        wide=True,
    )
    excerpt = latex.derivation(builtin()["ratio-dwconv-standard"], label="eq:dwconv")
    seed = latex.derivation(builtin()["A1"])  # a seed derivation with its GEMM in words
    text = "Table~\\ref{tab:cost} and Eq.~\\eqref{eq:dwconv} come from the lowering. " * 6
    return (
        "\\documentclass[twocolumn]{article}\n\\usepackage[T1]{fontenc}\n\\usepackage{lmodern}\n"
        "\\usepackage{amsmath}\n\\usepackage{array}\n\\usepackage{booktabs}\n\\usepackage{siunitx}\n"
        "\\begin{document}\n" + text + narrow + wide + text + excerpt + text + seed + text + "\\end{document}\n"
    )


def test_two_column_page_compiles_without_overfull_boxes(tmp_path) -> None:
    if MISSING:
        pytest.fail(f"TeX tools missing under CI: {MISSING}")
    (tmp_path / "page.tex").write_text(_page(), encoding="utf-8")
    done = subprocess.run(
        ["latexmk", "-pdf", "-interaction=nonstopmode", "-halt-on-error", "page.tex"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    log = (tmp_path / "page.log").read_text(errors="replace")
    assert done.returncode == 0, log[-3000:]
    assert "Overfull \\hbox" not in log, re.findall(r"Overfull \\hbox.*", log)
    assert "table*" in (tmp_path / "page.tex").read_text()
    text = subprocess.run(
        ["pdftotext", str(tmp_path / "page.pdf"), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Cost of three" in text and "Closed form." in text and "GEMM" in text
