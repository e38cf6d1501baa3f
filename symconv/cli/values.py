"""Command-line values: integers, symbol names, arithmetic on them, and comma-separated tuples.

A value is parsed by :func:`symconv.core.parse.parse_expression` (Python's :mod:`ast`, never
``eval``, with limits on size). Identifiers become the standard symbols of
:mod:`symconv.symbols` (or new positive-integer symbols); a lowercase word that is
not a standard symbol (``same``, ``valid``, ``zeros``) stays a string, so the
operator itself judges it and names the rule it breaks.

Examples
--------
>>> parse_value("3")
3
>>> parse_value("C_in")
C_in
>>> parse_value("3,3")
(3, 3)
>>> parse_value("2*C/4 + 1")
C/2 + 1
>>> parse_value("same")
'same'
>>> parse_value("H-")
Traceback (most recent call last):
...
symconv.cli.values.BadValue: 'H-' is not a size: expected an integer, a symbol name, ...
>>> parse_value("9**9**9")
Traceback (most recent call last):
...
symconv.cli.values.BadValue: '9**9**9' is too large: an exponent is at most 10000
"""

from __future__ import annotations

import re

import sympy

from symconv.core.parse import BadExpression, parse_expression
from symconv.symbols import all_symbols


class BadValue(BadExpression):
    """A command-line value that is not a size, a word or a tuple of them."""


RULE = "expected an integer, a symbol name, arithmetic on them (+ - * / // **) or a comma-separated tuple"

_WORD = re.compile(r"[a-z][a-z_]*")

Value = int | str | sympy.Expr | tuple


def parse_value(text: str) -> Value:
    """Parse one command-line value (see the module docstring for the grammar)."""
    text = text.strip()
    if _WORD.fullmatch(text) and text not in all_symbols():
        return text
    if "," in text:
        return tuple(parse_value(part) for part in text.split(","))
    try:
        value = parse_expression(text, name="value")
    except BadExpression as error:
        if "too large" in str(error) or "too long" in str(error):
            raise BadValue(str(error).removeprefix("value=")) from None
        raise BadValue(f"{text!r} is not a size: {RULE}") from None
    return int(value) if value.is_Integer else value


def parse_bool(text: str) -> bool:
    """``true``/``false`` (also ``yes``/``no``, ``1``/``0``), case-insensitive.

    >>> parse_bool("False")
    False
    """
    words = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}
    if text.strip().lower() not in words:
        raise BadValue(f"{text!r} is not a boolean: expected true or false")
    return words[text.strip().lower()]


def parse_shape(text: str) -> tuple[Value, ...]:
    """An input shape: comma-separated sizes, e.g. ``1,C_in,H,W``.

    >>> parse_shape("1,64,H,2*W")
    (1, 64, H, 2*W)
    """
    parts = tuple(parse_value(part) for part in text.split(","))
    if any(isinstance(part, str | tuple) for part in parts):
        raise BadValue(f"input shape {text!r} must be comma-separated sizes, e.g. 1,C_in,H,W")
    return parts
