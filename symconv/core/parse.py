"""The one parser for user text that becomes a value or an expression (API and command line).

Text is read by Python's :mod:`ast` (never ``eval``, ``exec`` or ``sympify``) and
rebuilt with sympy from the few nodes a size needs: integer literals, symbol names,
``+ - * / // **`` and parentheses, plus ``oo`` where a limit point is wanted. Sizes
are bounded before they are computed, so ``10**10**10`` or ``9**9**9`` is refused
at once instead of being evaluated:

- the text has at most :data:`MAX_LENGTH` characters;
- an exact integer has at most :data:`MAX_DIGITS` decimal digits, checked from the
  operands' bit lengths before each ``*`` and ``**``;
- an exponent is an integer of magnitude at most :data:`MAX_EXPONENT`.

Examples
--------
>>> parse_expression("2*C/4 + 1")
C/2 + 1
>>> parse_expression("10**2200") == 10**2200
True
>>> parse_expression("9**9**9")
Traceback (most recent call last):
...
symconv.core.parse.BadExpression: value='9**9**9' is too large: an exponent is at most 10000
>>> parse_expression("__import__('os')")
Traceback (most recent call last):
...
symconv.core.parse.BadExpression: value="__import__('os')" is not an expression: ...
"""

from __future__ import annotations

import ast
import math
import re
from collections.abc import Callable, Mapping

import sympy

from symconv.errors import SymconvError
from symconv.symbols import symbol

MAX_LENGTH = 10_000
MAX_DIGITS = 10_000
MAX_EXPONENT = 10_000

RULE = "expected integers, symbol names and + - * / // ** on them"
_LOG2_10 = math.log2(10)
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
_INFINITY = "oo"


class BadExpression(SymconvError):
    """User text that is not an expression symconv accepts, or one too large to compute."""


def parse_expression(
    text: str,
    *,
    name: str = "value",
    symbols: Mapping[str, sympy.Symbol] | None = None,
    infinity: bool = False,
) -> sympy.Expr:
    """Parse ``text`` into a sympy expression (see the module docstring for the grammar and the limits).

    Parameters
    ----------
    text : str
        The user's text.
    name : str
        The parameter the text was given for, named in errors.
    symbols : mapping of str to Symbol, optional
        Symbols that names resolve to first (e.g. those of the cost being substituted);
        other names are :func:`symconv.symbols.symbol`.
    infinity : bool
        Whether ``oo`` (infinity) is allowed, as for a limit point.
    """
    if not isinstance(text, str):
        raise BadExpression(f"{name}={text!r} must be a string")
    if len(text) > MAX_LENGTH:
        raise BadExpression(f"{name}= text of {len(text)} characters is too long: at most {MAX_LENGTH}")
    if not text.isascii() or any(not c.isprintable() for c in text):
        raise BadExpression(f"{name}={text!r} is not an expression: {RULE} (ASCII, no control characters)")
    builder = _Builder(text, name, symbols or {}, infinity)
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        raise builder.refuse() from None
    try:
        result = builder.build(tree.body)
    except (RecursionError, ZeroDivisionError, OverflowError):
        raise builder.refuse() from None
    return _expr(result)


def as_expression(value: object, name: str, symbols: Mapping[str, sympy.Symbol] | None = None) -> object:
    """``value`` itself, or parsed by :func:`parse_expression` when it is text (never handed to ``sympify``)."""
    if isinstance(value, str):
        return parse_expression(value, name=name, symbols=symbols)
    return value


class _Builder:
    def __init__(self, text: str, name: str, symbols: Mapping[str, sympy.Symbol], infinity: bool) -> None:
        self.text, self.name, self.symbols, self.infinity = _quoted(text), name, symbols, infinity

    def refuse(self, why: str = "") -> BadExpression:
        return BadExpression(f"{self.name}={self.text} is not an expression: {why or RULE}")

    def too_large(self) -> BadExpression:
        return BadExpression(f"{self.name}={self.text} is too large: an exact value has at most {MAX_DIGITS} digits")

    def build(self, node: ast.AST) -> int | sympy.Expr:
        if isinstance(node, ast.Constant):
            if isinstance(node.value, int) and not isinstance(node.value, bool):
                return self.checked(node.value)
            raise self.refuse(f"{node.value!r} is not an integer")
        if isinstance(node, ast.Name):
            return self.name_of(node.id)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
            value = self.build(node.operand)
            return -value if isinstance(node.op, ast.USub) else value
        if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
            left, right = self.build(node.left), self.build(node.right)
            if isinstance(node.op, ast.Pow):
                return self.power(left, right)
            if isinstance(node.op, ast.Mult):
                self.check_bits(_bits(left) + _bits(right))
            return self.checked(_BINARY[type(node.op)](left, right))
        raise self.refuse(f"{type(node).__name__} is not allowed; {RULE}")

    def name_of(self, identifier: str) -> sympy.Expr:
        if identifier == _INFINITY:
            if self.infinity:
                return sympy.oo
            raise self.refuse("oo (infinity) is not a value here")
        if not _NAME.fullmatch(identifier):
            raise self.refuse(f"{identifier!r} is not a symbol name (a letter, then letters, digits or _)")
        return self.symbols.get(identifier) or symbol(identifier)

    def power(self, base: int | sympy.Expr, exponent: int | sympy.Expr) -> int | sympy.Expr:
        if not isinstance(exponent, int | sympy.Integer):
            raise self.refuse("an exponent must be an integer")
        exponent = int(exponent)
        if abs(exponent) > MAX_EXPONENT:
            raise BadExpression(f"{self.name}={self.text} is too large: an exponent is at most {MAX_EXPONENT}")
        self.check_bits(_bits(base) * abs(exponent))
        if isinstance(base, int):
            base = sympy.Integer(base)
        return self.checked(base**exponent)

    def check_bits(self, bits: float) -> None:
        if bits > MAX_DIGITS * _LOG2_10 + 64:
            raise self.too_large()

    def checked(self, value: int | sympy.Expr) -> int | sympy.Expr:
        if _bits(value) > MAX_DIGITS * _LOG2_10:
            raise self.too_large()
        return value


def _quoted(text: str) -> str:
    """``text`` quoted for an error message, shortened if long."""
    return repr(text) if len(text) <= 80 else repr(text[:60]) + f"... ({len(text)} characters)"


def _bits(value: int | sympy.Expr) -> int:
    """An upper bound on the bits of the numbers in ``value`` (numerators and denominators)."""
    if isinstance(value, int):
        return value.bit_length()
    numbers = [a for a in sympy.preorder_traversal(value) if isinstance(a, sympy.Rational)]
    return max((max(int(abs(n.p)).bit_length(), int(n.q).bit_length()) for n in numbers), default=1)


def _expr(value: int | sympy.Expr) -> sympy.Expr:
    return sympy.Integer(value) if isinstance(value, int) else value


def _divide(a: int | sympy.Expr, b: int | sympy.Expr) -> sympy.Expr:
    if b == 0:
        raise ZeroDivisionError
    return sympy.Mul(_expr(a), sympy.Pow(_expr(b), -1))


def _floor_divide(a: int | sympy.Expr, b: int | sympy.Expr) -> int | sympy.Expr:
    if b == 0:
        raise ZeroDivisionError
    if isinstance(a, int) and isinstance(b, int):
        return a // b
    return sympy.floor(_divide(a, b))


_BINARY: dict[type, Callable] = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: _divide,
    ast.FloorDiv: _floor_divide,
    ast.Pow: None,
}
