"""`symconv.render.pdf`: LaTeX compiled reproducibly, errors in one line, pages rendered and trimmed."""

from __future__ import annotations

import os
import shutil

import pytest

from symconv.errors import SymconvError
from symconv.render import pdf

DOCUMENT = r"\documentclass{article}\pagestyle{empty}\begin{document}Hello $x^2$\end{document}"
TOOLS = ("latexmk", "pdflatex", "pdftoppm")
pytestmark = pytest.mark.slow

if not all(shutil.which(t) for t in TOOLS):
    if os.environ.get("CI"):
        raise RuntimeError(f"CI needs {', '.join(TOOLS)} (TeX Live, poppler-utils)")
    pytest.skip(f"needs {', '.join(TOOLS)}", allow_module_level=True)


def test_same_source_same_bytes(tmp_path):
    first = pdf.compile_pdf(DOCUMENT, tmp_path / "a.pdf")
    second = pdf.compile_pdf(DOCUMENT, tmp_path / "b.pdf")
    assert first.read_bytes().startswith(b"%PDF") and first.read_bytes() == second.read_bytes()


def test_latex_error_is_one_line_and_writes_nothing(tmp_path):
    with pytest.raises(SymconvError, match=r"LaTeX failed on bad\.pdf: Undefined control sequence"):
        pdf.compile_pdf(r"\documentclass{article}\begin{document}\nosuchcommand\end{document}", tmp_path / "bad.pdf")
    assert list(tmp_path.iterdir()) == []


def test_render_and_trim(tmp_path):
    from PIL import Image

    source = pdf.compile_pdf(DOCUMENT, tmp_path / "a.pdf")
    full = pdf.render_png(source, tmp_path / "full.png", dpi=50)
    trimmed = pdf.render_png(source, tmp_path / "trim.png", dpi=50, trim=True)
    with Image.open(full) as page, Image.open(trimmed) as crop:
        assert crop.width < page.width / 2 and crop.height < page.height / 10  # one short line of text


def test_missing_directory(tmp_path):
    with pytest.raises(SymconvError, match="does not exist"):
        pdf.compile_pdf(DOCUMENT, tmp_path / "no" / "a.pdf")
