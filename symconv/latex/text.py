r"""Escaping user text (labels, captions, notes) so LaTeX typesets it literally.

Examples
--------
>>> print(escape(r"50% & $x$ \input{/etc/passwd}"))
50\% \& \$x\$ \textbackslash{}input\{/etc/passwd\}
"""

from __future__ import annotations

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


def escape(text: object) -> Markup:
    """``text`` as LaTeX that prints it verbatim: every special character escaped, line breaks as spaces.

    Returns :class:`~markupsafe.Markup` so that the template environment does not escape it twice.
    """
    if isinstance(text, Markup):
        return text
    return Markup(str(text).translate(_TABLE))
