r"""Escaping user text (labels, captions, notes) so LaTeX typesets it literally.

Quotes and arrows are typeset as a reader expects: ``'same'`` with an opening quote,
``C -> C`` with an arrow, ``>=`` as a sign.

Examples
--------
>>> print(escape(r"50% & $x$ \input{/etc/passwd}"))
50\% \& \$x\$ \textbackslash{}input\{/etc/passwd\}
>>> print(escape("'same' padding; C_p -> C_p; n >= 2"))
`same' padding; C\_p \textrightarrow{} C\_p; n \ensuremath{\geq} 2
"""

from __future__ import annotations

import re

from markupsafe import Markup

_SPECIAL: dict[str, str] = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "$": r"\$",
    "&": r"\&",
    "%": r"\%",
    "#": r"\#",
    "_": r"\_",
    "^": r"\textasciicircum{}",
    "~": r"\textasciitilde{}",
    "<": r"\textless{}",
    ">": r"\textgreater{}",
    "|": r"\textbar{}",
    "`": r"\textasciigrave{}",
    "\n": " ",
    "\r": " ",
    "\t": " ",
    "\f": " ",
    "\v": " ",
    # Characters pdfLaTeX's utf8 input does not map by default.
    "\u2212": r"\textminus{}",
    "\u00b7": r"\textperiodcentered{}",
    "\u2192": r"\textrightarrow{}",
    "\u2190": r"\textleftarrow{}",
    "\u2264": r"\ensuremath{\leq}",
    "\u2265": r"\ensuremath{\geq}",
    "\u2248": r"\ensuremath{\approx}",
}
_TABLE = str.maketrans(_SPECIAL)
# Read before the characters are escaped: digraphs for signs, and a quote that opens a word.
_TYPOGRAPHY = re.compile(r"(->|<-|>=|<=|!=|(?<![\w'])'(?=\w))")
_SIGNS = {
    "->": r"\textrightarrow{}",
    "<-": r"\textleftarrow{}",
    ">=": r"\ensuremath{\geq}",
    "<=": r"\ensuremath{\leq}",
    "!=": r"\ensuremath{\neq}",
    "'": "`",
}


def escape(text: object) -> Markup:
    """``text`` as LaTeX that prints it verbatim: every special character escaped, line breaks as spaces.

    Returns :class:`~markupsafe.Markup` so that the template environment does not escape it twice.
    """
    if isinstance(text, Markup):
        return text
    pieces = _TYPOGRAPHY.split(str(text))  # odd positions are the matches
    return Markup("".join(_SIGNS[p] if i % 2 else p.translate(_TABLE) for i, p in enumerate(pieces)))
