"""Sphinx helpers for symconv's docs: the CLI's ``--help`` texts and the gallery, generated at build time.

``{symconv-help} cost`` renders ``symconv cost --help`` as a literal block, from
the same parser the command uses; the gallery's figures are made by
:mod:`gallery` when the build starts.
"""

from __future__ import annotations

import contextlib
import io
import os

from docutils import nodes
from docutils.parsers.rst import Directive

from symconv.cli import build_parser


def help_text(words: list[str]) -> str:
    """What ``symconv WORDS --help`` prints."""
    out = io.StringIO()
    saved = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = "100"  # argparse wraps to the terminal; the page must not depend on it
    try:
        with contextlib.redirect_stdout(out), contextlib.suppress(SystemExit):
            build_parser().parse_args([*words, "--help"])
    finally:
        if saved is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = saved
    return out.getvalue()


class SymconvHelp(Directive):
    """``symconv ARGUMENTS --help`` as a literal block."""

    optional_arguments = 5
    has_content = False

    def run(self) -> list[nodes.Node]:
        text = help_text(list(self.arguments))
        block = nodes.literal_block(text, text)
        block["language"] = "text"
        return [block]


def setup(app):
    app.add_directive("symconv-help", SymconvHelp)
    return {"parallel_read_safe": True, "version": "1"}
