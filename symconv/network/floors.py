"""Readable sizes: nested integer divisions merged into one, as a chain of strided layers makes them.

A network's spatial sizes are PyTorch's floor formulas applied layer after layer,
``ceiling(ceiling(ceiling(H/2)/2)/2)`` and so on. Two identities, true for every
real ``x``, integer ``a`` and positive integer ``n``, merge them:

* ``floor((floor(x) + a)/n) = floor((x + a)/n)`` and the same with ceilings;
* for an integer ``u``: ``ceiling(u/n) = floor((u + n - 1)/n)``, which turns a mixed
  nesting into a same-kind one, and picks the form with the smaller offset
  (``ceiling((H - 1)/2)`` reads ``floor(H/2)``).

So ResNet-50's last stage is ``ceiling(H/32)`` and VGG-16's is ``floor(H/32)``.

Examples
--------
>>> import sympy
>>> from symconv.symbols import H, rho
>>> merge_divisions(sympy.ceiling((sympy.ceiling((H - 1) / 2) - 1) / 2))  # two 2x2 max pools
floor(H/4)
>>> merge_divisions(sympy.ceiling(sympy.ceiling(112 * rho) / 2))
ceiling(56*rho)
"""

from __future__ import annotations

import functools

import sympy

ROUNDINGS = (sympy.floor, sympy.ceiling)


@functools.lru_cache(maxsize=8192)
def merge_divisions(expr: sympy.Expr, integers: frozenset[sympy.Expr] = frozenset()) -> sympy.Expr:
    """Rewrite every ``floor``/``ceiling`` of ``expr``, innermost first, into one division of the input.

    ``integers`` are expressions known to be integers that sympy cannot tell are, such as an
    input size ``224*rho``: ``ceiling(224*rho) = 224*rho``.

    >>> from symconv.symbols import rho
    >>> merge_divisions(sympy.ceiling((224 * rho - 1) / 2), integers=frozenset({224 * rho}))
    floor(112*rho)
    """
    # sympy pulls whole parts out of a rebuilt rounding (ceiling(y + 5/3) -> ceiling(y + 2/3) + 1), which
    # hides it from replace's bottom-up pass; repeat until nothing changes (each pass removes a nesting)
    while expr.has(*ROUNDINGS):
        merged = expr.replace(lambda e: isinstance(e, ROUNDINGS), lambda e: _merge_one(e, integers))
        if merged == expr:
            break
        expr = merged
    return expr


def _split(rounding: sympy.Expr) -> tuple[sympy.Expr, sympy.Integer, sympy.Integer] | None:
    """``rounding = kind((u + a)/n)`` as ``(u, a, n)`` with integer ``a`` and positive integer ``n``, or None."""
    numerator, denominator = sympy.together(rounding.args[0]).as_numer_denom()
    if not (denominator.is_Integer and denominator > 0):
        return None
    offset, rest = numerator.as_coeff_Add()
    if not offset.is_Integer:
        return None
    return rest, offset, denominator


@functools.lru_cache(maxsize=8192)
def _merge_one(rounding: sympy.Expr, integers: frozenset[sympy.Expr]) -> sympy.Expr:
    return _merge_defined(rounding, integers, {})


def _merge_defined(rounding: sympy.Expr, integers: frozenset[sympy.Expr], definitions: dict) -> sympy.Expr:
    """Merge one rounding; a placeholder symbol in ``definitions`` stands for the size it names."""
    if rounding.args[0] in integers:
        return rounding.args[0]
    parts = _split(rounding)
    if parts is None:
        return rounding
    kind, (inner, offset, n) = type(rounding), parts
    inner = definitions.get(inner, inner)
    if isinstance(inner, ROUNDINGS):
        if type(inner) is not kind:  # inner is an integer: switch the outer rounding to the inner's kind
            offset, kind = _switch(kind, offset, n)
        # built unevaluated: _canonical reads only its argument (sympy's evaluation of a nested one is slow)
        return _canonical(type(inner)((inner.args[0] + offset) / n, evaluate=False), integers)
    return _canonical(rounding, integers)


def _switch(kind: type, offset: sympy.Integer, n: sympy.Integer) -> tuple[sympy.Integer, type]:
    """``kind((u + offset)/n)`` for integer ``u`` written with the other rounding."""
    if kind is sympy.ceiling:
        return offset + n - 1, sympy.floor
    return offset - n + 1, sympy.ceiling


def _canonical(rounding: sympy.Expr, integers: frozenset[sympy.Expr]) -> sympy.Expr:
    """For an integer numerator, the form with the smaller offset: a whole quotient taken out, floor or ceiling."""
    parts = _split(rounding) if isinstance(rounding, ROUNDINGS) else None
    if parts is None or not (parts[0].is_integer or parts[0] in integers):
        return type(rounding)(*rounding.args) if isinstance(rounding, ROUNDINGS) else rounding
    u, offset, n = parts
    if type(rounding) is sympy.ceiling:
        offset, _ = _switch(sympy.ceiling, offset, n)
    whole, rest = divmod(int(offset), int(n))  # floor((u + offset)/n) = whole + floor((u + rest)/n)
    # for a symbol u and 0 <= rest < n there is no whole part left for sympy to find: skip its evaluation
    final = not (u.is_Symbol and n > 1)
    if rest == n - 1 and n > 1:
        return whole + sympy.ceiling(u / n, evaluate=final)
    return whole + sympy.floor((u + rest) / n, evaluate=final)


class Sizes:
    """The sizes of one network: each non-trivial size stands in the operators as a plain placeholder symbol.

    Operators then work on ``h`` rather than ``floor(floor(H/2)/2)`` (fast, and their checks stay
    decidable where they were); :meth:`resolve` puts the sizes back, merging each new rounding of a
    placeholder into one division of the input (built once, never as a nested expression).
    """

    def __init__(self, integers: frozenset[sympy.Expr]) -> None:
        self.integers = integers
        self.definitions: dict[sympy.Symbol, sympy.Expr] = {}
        self._placeholders: dict[sympy.Expr, sympy.Symbol] = {}
        self._resolved: dict[sympy.Expr, sympy.Expr] = {}

    def placeholder(self, size: sympy.Expr) -> sympy.Expr:
        """``size`` itself when it is a number or a symbol, else its placeholder (the same for equal sizes)."""
        if size.is_Integer or size.is_Symbol:
            return size
        if size not in self._placeholders:
            symbol = sympy.Dummy(f"size{len(self.definitions)}", integer=True, positive=True)
            self._placeholders[size] = symbol
            self.definitions[symbol] = size
        return self._placeholders[size]

    def resolve(self, expr: sympy.Expr) -> sympy.Expr:
        """``expr`` with the placeholders replaced by their sizes, every rounding merged."""
        if expr not in self._resolved:
            self._resolved[expr] = self._resolve(expr)
        return self._resolved[expr]

    def _resolve(self, expr: sympy.Expr) -> sympy.Expr:
        rounded = expr.has(*ROUNDINGS)
        if not expr.free_symbols & self.definitions.keys():
            return merge_divisions(expr, self.integers) if rounded else expr
        if not rounded:  # the sizes are merged already; a product of them has nothing to merge
            return expr.xreplace(self.definitions)
        merged = expr.replace(
            lambda e: isinstance(e, ROUNDINGS), lambda e: _merge_defined(e, self.integers, self.definitions)
        )
        return merge_divisions(merged.xreplace(self.definitions), self.integers)
