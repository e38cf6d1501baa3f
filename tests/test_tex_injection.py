"""TeX injection: hostile symbol names, keys and labels compiled by a real pdfLaTeX come out as literal text.

Every place user text can reach LaTeX is compiled: a symbol name inside a cost's formulas
(``latex.table``), a ``values=`` key (``latex.table`` and ``NetworkCost.latex``), a derivation's
symbols and definitions, row labels and captions. The PDF's text must show each payload
literally, never the file it names, and no file may be written by ``\\openout``.
The command line refuses a ``--given`` name that is not a symbol of the table.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import sympy
from cli_runner import in_process

import symconv
import symconv.latex
from symconv.analysis.derive import Derivation, Step
from symconv.latex.documents import derivation
from symconv.network import Network

TOOLS = ("latexmk", "pdflatex", "pdftotext")
MISSING = [tool for tool in TOOLS if shutil.which(tool) is None]
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(bool(MISSING) and not os.environ.get("CI"), reason=f"TeX tools missing: {MISSING}"),
]

SECRET = "root:"  # the first line of /etc/passwd
PAYLOADS = [
    r"\input{/etc/passwd}",
    r"\csname input\endcsname{/etc/passwd}",
    r"^^5cinput{/etc/passwd}",
    r"\openin5=/etc/passwd \read5 to\x \x",
    r"\immediate\openout5=pwned.tex \immediate\write5{x}\immediate\closeout5",
    r"\catcode`\@=0 @input{/etc/passwd}",
]


def _symbol(text: str) -> sympy.Symbol:
    return sympy.Symbol(text, integer=True, positive=True)


def _documents() -> dict[str, str]:
    """One standalone document per place user text reaches, each holding every payload."""
    docs = {}
    xs = [_symbol(text) for text in PAYLOADS]
    # a symbol name inside the formulas of a table
    rows = {f"row {i}": symconv.Conv2d(x, 8, 3, padding=1).cost((1, x, 9, 9)) for i, x in enumerate(xs)}
    docs["names"] = symconv.latex.table(rows, ["macs", "params"], document=True)
    # a values= key of a table: the hostile symbol is fixed, the table states it
    width = _symbol(PAYLOADS[0])
    cost = symconv.Conv2d(4, 8, 3, padding=1).cost((1, 4, 9, width))
    docs["values"] = symconv.latex.table({"c": cost}, ["macs"], values={width: 9}, document=True)
    # NetworkCost.latex(values=...)
    net = Network("net")
    v = net.input((1, 4, 9, width))
    net("conv", symconv.Conv2d(4, 8, 3, padding=1), v)
    docs["network"] = net.cost().latex(["macs"], values={PAYLOADS[0]: 9}, document=True)
    # derivation symbols and definitions
    a, b = xs[:2]
    steps = [Step("start", a * b, PAYLOADS[5]), Step("same", b * a, "commutativity")]
    d = Derivation(PAYLOADS[2], steps, "macs", operator=PAYLOADS[3], assumptions=PAYLOADS[4], definitions={a: b + 1})
    docs["derivation"] = derivation(d, document=True)
    # row labels and caption (escaped since 0.1: kept here as a regression)
    docs["labels"] = symconv.latex.table(
        {p: cost for p in PAYLOADS}, ["macs"], caption=" ".join(PAYLOADS), document=True
    )
    return docs


@pytest.fixture(scope="module")
def compiled(tmp_path_factory) -> dict[str, tuple[Path, str]]:
    if MISSING:
        pytest.fail(f"TeX tools missing under CI: {MISSING}")
    directory = tmp_path_factory.mktemp("injection")
    texts = {}
    for name, tex in _documents().items():
        (directory / f"{name}.tex").write_text(tex, encoding="utf-8")
        done = subprocess.run(
            ["latexmk", "-pdf", "-interaction=nonstopmode", "-halt-on-error", f"{name}.tex"],
            cwd=directory,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stdout[-3000:]
        out = subprocess.run(
            ["pdftotext", "-enc", "UTF-8", str(directory / f"{name}.pdf"), "-"], capture_output=True, text=True
        )
        texts[name] = re.sub(r"\s+", "", out.stdout).replace("\u2018", "`")  # T1 prints ` as a quote
    return {name: (directory, text) for name, text in texts.items()}


@pytest.mark.parametrize("place", ["names", "values", "network", "derivation", "labels"])
def test_hostile_text_is_typeset_literally(compiled, place):
    directory, text = compiled[place]
    assert SECRET not in text
    assert not (directory / "pwned.tex").exists()
    assert "input{/etc/passwd}" in text  # the payload itself, printed


def test_every_payload_appears_literally_in_the_formulas(compiled):
    _, text = compiled["names"]
    for payload in PAYLOADS:
        assert re.sub(r"\s+", "", payload) in text, payload


def test_the_command_line_refuses_a_given_name_that_is_no_symbol(tmp_path):
    out = tmp_path / "t.tex"
    result = in_process(
        *["table", "conv2d", "--in-channels", "4", "--out-channels", "8", "--kernel-size", "3",
         "--input", "1,4,H,9", "--given", r"\input{/etc/passwd}=3", "--output", str(out), "--pdf"]
    )  # fmt: skip
    assert result.returncode != 0
    assert "is not a symbol of any row" in result.stderr
    assert "Traceback" not in result.stderr
    assert not out.exists()
