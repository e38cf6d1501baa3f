"""Printing a rendered text, or writing it to ``--output`` atomically (and compiling it with ``--pdf``)."""

from __future__ import annotations

import argparse
from pathlib import Path

from symconv.cli.values import BadValue
from symconv.files import write_atomic


def emit(text: str, args: argparse.Namespace, suffix: str = ".tex") -> None:
    """Print ``text``, or write it to ``--output`` (and compile it with ``--pdf``)."""
    if args.output is None:
        if getattr(args, "pdf", False):
            raise BadValue("--pdf needs --output FILE.tex (the PDF is written next to it)")
        print(text, end="" if text.endswith("\n") else "\n")
        return
    target = Path(args.output)
    if target.suffix != suffix:
        raise BadValue(f"--output {args.output!r} must end in {suffix}")
    if not target.parent.is_dir():
        raise BadValue(f"--output {args.output!r}: directory {str(target.parent)!r} does not exist")
    write_atomic(target, text)
    written = [target]
    if getattr(args, "pdf", False):
        from symconv.render.pdf import compile_pdf

        written.append(compile_pdf(text, target.with_suffix(".pdf")))
    print("wrote " + ", ".join(map(str, written)))
