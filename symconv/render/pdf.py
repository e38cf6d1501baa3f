"""Compiling rendered LaTeX to PDF (``latexmk``), and a PDF page to PNG (``pdftoppm``), when those tools exist.

Both run in a temporary directory and move the result into place with
``os.replace``, so a failed run never leaves a half-written file; ``pdfTeX`` is
given ``SOURCE_DATE_EPOCH`` so the same source gives the same PDF bytes.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from symconv.errors import SymconvError
from symconv.files import write_bytes_atomic

#: Fixed dates for reproducible PDFs (pdfTeX honours these).
REPRODUCIBLE = {"SOURCE_DATE_EPOCH": "0", "FORCE_SOURCE_DATE": "1"}


def tool(name: str, purpose: str) -> str:
    """The path of the program ``name``, or an error saying what it is needed for."""
    found = shutil.which(name)
    if found is None:
        raise SymconvError(f"{purpose} needs {name!r} on PATH (TeX Live: latexmk, pdflatex; poppler-utils: pdftoppm)")
    return found


def compile_pdf(tex: str, target: str | os.PathLike) -> Path:
    """Compile the LaTeX document ``tex`` to the PDF file ``target``.

    Raises :class:`~symconv.errors.SymconvError` with LaTeX's first error line when it fails.
    """
    latexmk = tool("latexmk", "compiling to PDF")
    target = Path(target)
    with tempfile.TemporaryDirectory(prefix="symconv-tex-") as work:
        source = Path(work) / "document.tex"
        source.write_text(tex, encoding="utf-8")
        done = subprocess.run(
            [latexmk, "-pdf", "-interaction=nonstopmode", "-halt-on-error", "-quiet", source.name],
            cwd=work,
            capture_output=True,
            text=True,
            env={**os.environ, **REPRODUCIBLE},
            timeout=300,
            check=False,
        )
        pdf = Path(work) / "document.pdf"
        if done.returncode != 0 or not pdf.exists():
            raise SymconvError(f"LaTeX failed on {target.name}: {_first_error(Path(work) / 'document.log')}")
        _move(pdf, target)
    return target


def render_png(
    pdf: str | os.PathLike, target: str | os.PathLike, *, page: int = 1, dpi: int = 110, trim: bool = False
) -> Path:
    """Page ``page`` of ``pdf`` as the PNG file ``target``; ``trim`` cuts the white margins (needs Pillow)."""
    pdftoppm = tool("pdftoppm", "rendering a PDF page")
    target = Path(target)
    with tempfile.TemporaryDirectory(prefix="symconv-png-") as work:
        stem = Path(work) / "page"
        subprocess.run(
            [pdftoppm, "-png", "-singlefile", "-r", str(dpi), "-f", str(page), "-l", str(page), str(pdf), str(stem)],
            capture_output=True,
            check=True,
            timeout=120,
        )
        if trim:
            _trim(stem.with_suffix(".png"))
        _move(stem.with_suffix(".png"), target)
    return target


def _trim(png: Path, margin: int = 12, footer: float = 0.07) -> None:
    """Crop ``png`` in place to its non-white content plus ``margin`` pixels, leaving out the page-number footer."""
    try:
        from PIL import Image, ImageChops
    except ImportError:
        raise SymconvError("trimming a rendered page needs Pillow (installed with matplotlib)") from None
    with Image.open(png) as image:
        page = image.convert("RGB")
    body = page.crop((0, 0, page.width, round(page.height * (1 - footer))))
    box = ImageChops.difference(body, Image.new("RGB", body.size, "white")).getbbox()
    if box is not None:
        left, top, right, bottom = box
        box = (
            max(left - margin, 0),
            max(top - margin, 0),
            min(right + margin, page.width),
            min(bottom + margin, page.height),
        )
        page.crop(box).save(png)


def _move(source: Path, target: Path) -> None:
    if not target.parent.is_dir():
        raise SymconvError(f"cannot write {str(target)!r}: directory {str(target.parent)!r} does not exist")
    write_bytes_atomic(target, source.read_bytes())


def _first_error(log: Path) -> str:
    lines = log.read_text(errors="replace").splitlines() if log.exists() else []
    errors = [line.lstrip("! ").strip() for line in lines if line.startswith("!")]
    return errors[0] if errors else "see the LaTeX log (no error line found)"
