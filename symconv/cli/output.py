"""Printing a rendered text, or writing it to ``--output`` atomically (and compiling it with ``--pdf``)."""

from __future__ import annotations

import argparse
from pathlib import Path

from symconv.cli.values import BadValue
from symconv.files import write_atomic


def check_output(args: argparse.Namespace, suffix: str = ".tex") -> None:
    """Refuse ``--output`` and ``--pdf`` as :func:`emit` would, before anything is rendered."""
    if args.output is None:
        if getattr(args, "pdf", False):
            raise BadValue("--pdf needs --output FILE.tex (the PDF is written next to it)")
        return
    target = Path(args.output)
    if target.suffix != suffix:
        raise BadValue(f"--output {args.output!r} must end in {suffix}")
    if not target.parent.is_dir():
        raise BadValue(f"--output {args.output!r}: directory {str(target.parent)!r} does not exist")


def emit(text: str, args: argparse.Namespace, suffix: str = ".tex") -> None:
    """Print ``text``, or write it to ``--output`` (and compile it with ``--pdf``)."""
    check_output(args, suffix)
    if args.output is None:
        print(text, end="" if text.endswith("\n") else "\n")
        return
    target = Path(args.output)
    write_atomic(target, text)
    written = [target]
    if getattr(args, "pdf", False):
        from symconv.render.pdf import compile_pdf

        written.append(compile_pdf(text, target.with_suffix(".pdf")))
    print("wrote " + ", ".join(map(str, written)))
