"""Every document under derivations/ compiles with a real TeX engine, and its PDF shows the closed form.

Needs ``latexmk`` (with pdfLaTeX and the packages in ``templates/latex/preamble.tex``) and
``pdftotext`` (``test.sh`` installs them); skipped without them, except under CI (``CI`` set), where
missing tools fail.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

import symconv
from symconv.latex import render, table
from symconv.symbols import C, H, K, W

REPO = Path(__file__).resolve().parent.parent
LATEX = REPO / "derivations" / "latex"
DOCUMENTS = sorted(p.name for p in LATEX.glob("*.tex"))
FRAGMENTS = sorted(p.name for p in (LATEX / "fragments").glob("*.tex"))
TOOLS = ("latexmk", "pdflatex", "pdftotext")
MISSING = [tool for tool in TOOLS if shutil.which(tool) is None]
#: Overfull boxes wider than this (in pt) mean a formula or table runs into the margin (a visible 1 pt).
MARGIN_PT = 1.0

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(bool(MISSING) and not os.environ.get("CI"), reason=f"TeX tools missing: {MISSING}"),
]


def _compile(directory: Path, name: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["latexmk", "-pdf", "-interaction=nonstopmode", "-halt-on-error", name],
        cwd=directory,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """Every document, and one that inputs every fragment, compiled in a temporary directory (in parallel)."""
    if MISSING:
        pytest.fail(f"TeX tools missing under CI: {MISSING}")
    directory = tmp_path_factory.mktemp("latex")
    shutil.copytree(LATEX, directory, dirs_exist_ok=True)
    (directory / "all-fragments.tex").write_text(
        render("preamble.tex")
        + "\\begin{document}\n"
        + "".join(f"\\input{{fragments/{name}}}\n\\clearpage\n" for name in FRAGMENTS)
        + "\\end{document}\n"
    )
    (directory / "hostile.tex").write_text(_hostile_table())
    names = [*DOCUMENTS, "all-fragments.tex", "hostile.tex"]
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        results = dict(zip(names, pool.map(lambda n: _compile(directory, n), names), strict=True))
    failed = {n: r.stdout[-3000:] for n, r in results.items() if r.returncode != 0}
    assert not failed, "LaTeX errors:\n" + "\n\n".join(f"== {n}\n{log}" for n, log in failed.items())
    return directory


HOSTILE = [r"\input{/etc/passwd}", "50% & $x$", "#_^~{}\\", "<|>"]


def _hostile_table() -> str:
    """A table whose labels and caption are text that LaTeX would run if it were not escaped."""
    cost = symconv.Conv2d(C, C, K, padding="same", bias=False).cost((1, C, H, W))
    return table({text: cost for text in HOSTILE}, ["params"], caption=" ".join(HOSTILE), document=True)


def test_user_text_prints_literally(built):
    text = text_of(built, "hostile.tex")
    for piece in HOSTILE:
        assert text.count(re.sub(r"\s+", "", piece)) == 2, piece  # in the caption and as a row label


def text_of(directory: Path, name: str) -> str:
    """The PDF's text with all whitespace removed (pdftotext spaces math unpredictably)."""
    pdf = directory / name.replace(".tex", ".pdf")
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True, check=True)
    return re.sub(r"\s+", "", out.stdout)


def test_there_are_documents_to_compile():
    assert "table-seed000.tex" in DOCUMENTS and "table-seed001.tex" in DOCUMENTS
    assert {"derivation-A1.tex", "derivation-B8.tex", "derivation-ratio-dwconv-standard.tex"} <= set(DOCUMENTS)
    assert len(FRAGMENTS) == len(DOCUMENTS)


@pytest.mark.parametrize("name", [*DOCUMENTS, "all-fragments.tex"])
def test_compiles_without_running_into_the_margin(built, name):
    log = (built / name.replace(".tex", ".log")).read_text(errors="replace")
    widths = [float(w) for w in re.findall(r"Overfull \\hbox \(([\d.]+)pt too wide\)", log)]
    assert all(w <= MARGIN_PT for w in widths), f"{name}: overfull by {widths} pt"
    assert "Undefined control sequence" not in log and "Missing character" not in log


# What a reader must find in each PDF (whitespace removed): a piece of the closed form or of the table.
EXPECTED = {
    "derivation-A1.tex": ["A1:standardconv,compute(macs)", "Closedform.", "Cin·Cout·K2·H·W"],
    "derivation-A9.tex": ["Cp2·K2·H·W"],
    "derivation-B4.tex": ["Cin·Cout·K2·Hin·Win+Cout·Hout·Wout", "perinputpixel"],
    "derivation-B8.tex": ["Cin·Cout·K2·Hin·Win+Cout·Hout·Wout"],
    # 1/K^2 + 1/C_out: pdftotext reads a fraction's numerators first, then the denominators
    "derivation-ratio-dwconv-standard.tex": ["DWConvoverstandardconv", "11+2KCout"],
    "table-seed000.tex": ["Cin·Cout·K2·H·W", "Cp2·K2·H·W", "Cp2·K2+2·Cp·H·W", "A1,A2,A5:stride1"],
    "table-seed001.tex": ["mults+bias", "Cin·Cout·K2·Hout·Wout+Cout·Hout·Wout", "Cin·Cout·K2·Hin·Win/g"],
    "table-operators.tex": ["C2·K2·H·Wg", "C2·K2·H·W16", "C2+C·K2"],  # fractions: numerator, then denominator
    # 64*64*9*56*56 MACs of the standard conv; 64*64*9 params; 1/16 of it for PConv (C/4 channels)
    "table-operators-values.tex": [f"{64 * 64 * 9 * 56 * 56:,}".replace(",", ""), "36864", "0.0625"],
}


@pytest.mark.parametrize("name", [n for n in DOCUMENTS if n.startswith("derivation-")])
def test_derivation_pdf_has_its_parts(built, name):
    text = text_of(built, name)
    for part in ("Convention.", "Derivation.", "Eachstepwascheckedbysympy", "Closedform."):
        assert part in text, (name, part)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_pdf_shows_the_formulas(built, name):
    text = text_of(built, name).replace("\u2009", "").replace("\u202f", "")
    missing = [piece for piece in EXPECTED[name] if piece not in text]
    assert not missing, f"{name}: {missing} not in {text[:2000]}"
