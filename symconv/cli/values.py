"""Command-line values: integers, symbol names, arithmetic on them, and comma-separated tuples.

A value is parsed by Python's :mod:`ast` (never ``eval``) and rebuilt with sympy
from the few nodes a size can need. Identifiers become the standard symbols of
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
"""

from __future__ import annotations

import ast
import operator
import re

import sympy

from symconv.errors import SymconvError
from symconv.symbols import all_symbols, symbol


class BadValue(SymconvError):
    """A command-line value that is not a size, a word or a tuple of them."""


RULE = "expected an integer, a symbol name, arithmetic on them (+ - * / // **) or a comma-separated tuple"

_BINARY = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: lambda a, b: sympy.Mul(a, sympy.Pow(b, -1)),
    ast.FloorDiv: lambda a, b: sympy.floor(a / b),
    ast.Pow: operator.pow,
}
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
        tree = ast.parse(text, mode="eval")
        return _build(tree.body)
    except (SyntaxError, ValueError, TypeError, ZeroDivisionError, RecursionError) as error:
        raise BadValue(f"{text!r} is not a size: {RULE}") from error


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


def _build(node: ast.AST) -> int | sympy.Expr:
    if isinstance(node, ast.Constant) and isinstance(node.value, int) and not isinstance(node.value, bool):
        return node.value
    if isinstance(node, ast.Name):
        return symbol(node.id)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        value = _build(node.operand)
        return -value if isinstance(node.op, ast.USub) else value
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        left, right = _build(node.left), _build(node.right)
        if isinstance(left, int) and isinstance(right, int):
            left = sympy.Integer(left)
        return _BINARY[type(node.op)](left, right)
    raise ValueError(f"unsupported syntax {type(node).__name__}")
