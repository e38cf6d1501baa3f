r"""Escaping user text (labels, captions, notes) so LaTeX typesets it literally.

Quotes and arrows are typeset as a reader expects: ``'same'`` with an opening quote,
``C -> C`` with an arrow, ``>=`` as a sign.

Examples
--------
>>> print(escape(r"50% & $x$ \input{/etc/passwd}"))
50\% \& \$x\$ \textbackslash{}input\{/etc/passwd\}
>>> print(escape("'same' padding; C_p -> C_p; n >= 2"))
`same' padding; C\_p \textrightarrow{} C\_p; n \ensuremath{\geq} 2
>>> print(escape("α = 0.75"))
\ensuremath{\alpha} = 0.75
>>> escape("中")
Traceback (most recent call last):
...
symconv.errors.SymconvError: text '中' has the character '中' (U+4E2D), which pdfLaTeX cannot typeset: ...

Text is typeset literally by pdfLaTeX (``utf8`` input, ``T1`` fonts): ASCII, the Latin-1
letters and signs, dashes, quotes and the ellipsis as they are, Greek letters as math;
any other character (CJK, emoji, most symbols) is refused with a clear error rather
than breaking the compilation, and so is a control character.
"""

from __future__ import annotations

import re
import unicodedata

from markupsafe import Markup

from symconv.errors import SymconvError

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
_GREEK_UPPER = {"Gamma", "Delta", "Theta", "Lambda", "Xi", "Pi", "Sigma", "Upsilon", "Phi", "Psi", "Omega"}


def _greek(char: str) -> str | None:
    """``\\ensuremath{\\alpha}`` for a Greek letter LaTeX has a command for, else ``None``."""
    name = unicodedata.name(char, "")
    for prefix, upper in (("GREEK SMALL LETTER ", False), ("GREEK CAPITAL LETTER ", True)):
        if name.startswith(prefix) and " " not in name[len(prefix) :]:
            word = name[len(prefix) :].lower()
            word = {"lamda": "lambda"}.get(word, word)
            if upper:
                word = word.capitalize()
                if word not in _GREEK_UPPER:
                    return None
            elif word == "omicron":
                return "o"
            return rf"\ensuremath{{\{word}}}"
    return None


def _typesettable(char: str) -> bool:
    """ASCII, Latin-1 (``T1``/``textcomp``), dashes, quotes and the ellipsis: what pdfLaTeX's utf8 maps."""
    code = ord(char)
    return code < 0x80 or 0xA0 <= code <= 0xFF or 0x2010 <= code <= 0x2026


def check_text(text: str, what: str = "text") -> str:
    """``text``, or a :class:`~symconv.errors.SymconvError` naming the first character LaTeX cannot take."""
    for char in text:
        if char in _SPECIAL:
            continue
        if unicodedata.category(char) in ("Cc", "Cf", "Cs", "Co", "Cn"):
            raise SymconvError(f"{what} {text!r} has the control character U+{ord(char):04X}: remove it")
        if not _typesettable(char) and _greek(char) is None:
            raise SymconvError(
                f"{what} {text!r} has the character {char!r} (U+{ord(char):04X}), which pdfLaTeX cannot "
                "typeset: use ASCII, Latin-1 or Greek letters"
            )
    return text


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
    pieces = _TYPOGRAPHY.split(check_text(str(text)))  # odd positions are the matches
    value = "".join(_SIGNS[p] if i % 2 else p.translate(_TABLE) for i, p in enumerate(pieces))
    if not value.isascii():
        value = "".join(c if _typesettable(c) else _greek(c) for c in value)
    return Markup(value)
