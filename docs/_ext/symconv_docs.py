"""Sphinx helpers for symconv's docs: the CLI's ``--help`` texts, the quantity vocabulary and the gallery.

``{symconv-help} cost`` renders ``symconv cost --help`` as a literal block, from
the same parser the command uses. ``{symconv-quantities}`` renders the quantity
vocabulary (:mod:`symconv.core.quantities`) as two tables, its families and every name.
The gallery's figures are made by running the ``pycon`` examples of ``gallery.md``
in ``_generated/`` when the build starts: the code shown is the code that made the
figure, and a failing example fails the build.
"""

from __future__ import annotations

import contextlib
import doctest
import io
import os
import re
from pathlib import Path

from docutils import nodes
from docutils.parsers.rst import Directive
from docutils.statemachine import StringList
from sphinx.errors import ExtensionError

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


def quantity_tables() -> str:
    """The vocabulary as Markdown: how names are formed, then every quantity with its label and code identifier."""
    from symconv.core.quantities import VOCABULARY, families

    def code(text: str) -> str:
        return "`" + text.replace("|", "\\|") + "`"

    lines = ["| names | meaning |", "|---|---|", *(f"| {code(p)} | {m} |" for p, m in families())]
    lines += ["", "| name | also accepted | label | code identifier | meaning |", "|---|---|---|---|---|"]
    for q in VOCABULARY:
        if not q.relative:
            also = ", ".join(code(a) for a in q.aliases)
            lines.append(f"| {code(q.name)} | {also} | {q.label} | {code(q.identifier)} | {q.summary} |")
    return "\n".join(lines)


class SymconvQuantities(Directive):
    """The quantity vocabulary's tables, parsed as the page's own Markdown."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        container = nodes.container()
        self.state.nested_parse(StringList(quantity_tables().splitlines(), "symconv.core.quantities"), 0, container)
        return container.children


PYCON = re.compile(r"^ *```pycon\n(.*?)^ *```", re.MULTILINE | re.DOTALL)


def run_examples(page: Path, directory: Path) -> None:
    """Run the page's ``pycon`` examples with ``directory`` as the working directory; raise if one fails."""
    directory.mkdir(exist_ok=True)
    source = "\n\n".join(PYCON.findall(page.read_text()))
    test = doctest.DocTestParser().get_doctest(source, {}, page.name, str(page), 0)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    before = Path.cwd()
    report = io.StringIO()
    os.chdir(directory)
    try:
        result = runner.run(test, out=report.write)
    finally:
        os.chdir(before)
    if result.failed:
        raise ExtensionError(f"{result.failed} example(s) of {page.name} failed:\n{report.getvalue()}")


def make_gallery(app) -> None:
    source = Path(app.srcdir)
    run_examples(source / "gallery.md", source / "_generated")
    run_examples(source / "data-movement.md", source / "_generated")


def setup(app):
    app.add_directive("symconv-help", SymconvHelp)
    app.add_directive("symconv-quantities", SymconvQuantities)
    app.connect("builder-inited", make_gallery)
    return {"parallel_read_safe": True, "version": "1"}
