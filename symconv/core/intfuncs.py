"""Integer division as expressions: ``FloorDiv``, ``CeilDiv`` and ``Gcd``, integer sympy functions.

Output sizes are integer quotients, ``ceil((L + pads - span + 1)/s)`` layer after layer.
sympy's ``floor``/``ceiling`` of a quotient are real functions: every one built asks the
assumption system whether its argument is an integer (the bulk of a network trace) and
leaves nestings such as ``ceiling(ceiling(H/2)/2)`` for a post-pass to merge. Here the
arguments are integers by contract (``q >= 1``), so each node evaluates exactly on numbers
and folds nested divisions as it is built, without asking the assumptions anything:

* ``FloorDiv(FloorDiv(x, m) + c, n) = FloorDiv(x + c*m, m*n)``, the same with ``CeilDiv``;
* a ceiling of an integer is a floor, ``CeilDiv(u, n) = FloorDiv(u + n - 1, n)``, which turns a
  mixed nesting into a same-kind one;
* whole parts come out, and a quotient is written with the smaller offset
  (``CeilDiv(H - 1, 2)`` is ``FloorDiv(H, 2)``, ``FloorDiv(H + 1, 2)`` is ``CeilDiv(H, 2)``).

So two 2x2 max pools give ``floor(H/4)``, and ResNet-50's last stage ``ceiling(H/32)``.
The analysis code that needs sympy's own machinery (limits, solving, simplification)
converts with :func:`as_roundings`.

Examples
--------
>>> from symconv.symbols import H
>>> CeilDiv(CeilDiv(H, 2), 2)
ceiling(H/4)
>>> FloorDiv(FloorDiv(H, 2) - 1 + 1, 2), CeilDiv(H - 1, 2)  # a pool of a pool; a 2x2 pool as a ceiling
(floor(H/4), floor(H/2))
>>> CeilDiv(225, 2), FloorDiv(-7, 2), Gcd(12, 18)
(113, -4, 6)
>>> as_roundings(CeilDiv(H, 32) + FloorDiv(H + 1, 3))
ceiling(H/32) + floor(H/3 + 1/3)
>>> CeilDiv(H, 32).rewrite(sympy.floor)
floor(H/32 + 31/32)
"""

from __future__ import annotations

import math

import sympy

__all__ = ["CeilDiv", "FloorDiv", "Gcd", "as_roundings"]


def _positive_integer(q: sympy.Expr) -> bool:
    return q.is_Integer and q > 0


def _split(p: sympy.Expr) -> tuple[sympy.Expr, int]:
    """``p`` as ``(rest, offset)`` with an integer ``offset``."""
    offset, rest = p.as_coeff_Add()
    if offset.is_Integer:
        return rest, int(offset)
    return p, 0


class _Division(sympy.Function):
    """``p`` divided by ``q``, rounded to an integer; ``p`` an integer and ``q >= 1`` by contract."""

    nargs = 2
    is_integer = True
    rounding: type[sympy.Function]

    @classmethod
    def eval(cls, p: sympy.Expr, q: sympy.Expr) -> sympy.Expr | None:
        if p.is_Integer and q.is_Integer:
            return sympy.Integer(cls._exact(int(p), int(q)))
        if p.is_Rational and q.is_Rational:  # outside the contract (a fraction substituted), still exact
            return cls.rounding(p / q)
        if q == 1:
            return p
        if p is sympy.S.Zero:
            return sympy.Integer(0)
        if not _positive_integer(q):
            return None
        return _canonical(cls, p, int(q))

    @staticmethod
    def _exact(p: int, q: int) -> int:
        raise NotImplementedError

    def _sympystr(self, printer) -> str:
        return printer._print(self.rounding(self.args[0] / self.args[1], evaluate=False))

    def _pythoncode(self, printer) -> str:
        """For ``sympy.lambdify``: exact integer division, never through floats."""
        p, q = (printer._print(a) for a in self.args)
        if self.rounding is sympy.floor:
            return f"(({p}) // ({q}))"
        return f"(-(-({p}) // ({q})))"

    _lambdacode = _numpycode = _pythoncode


class FloorDiv(_Division):
    """``floor(p/q)`` for an integer ``p`` and an integer ``q >= 1``; nonnegative for ``p >= 0``.

    >>> from symconv.symbols import H, s
    >>> FloorDiv(H + 5, 2), FloorDiv(2 * H + 1, 2), FloorDiv(H, s).is_nonnegative
    (ceiling(H/2) + 2, H, True)
    """

    rounding = sympy.floor

    @staticmethod
    def _exact(p: int, q: int) -> int:
        return p // q

    def _eval_rewrite_as_floor(self, p: sympy.Expr, q: sympy.Expr, **kwargs) -> sympy.Expr:
        return sympy.floor(p / q)

    def _eval_rewrite_as_ceiling(self, p: sympy.Expr, q: sympy.Expr, **kwargs) -> sympy.Expr:
        return sympy.ceiling((p - q + 1) / q)  # p an integer

    def _eval_is_nonnegative(self) -> bool | None:
        p, q = self.args
        if q.is_positive:
            return p.is_nonnegative
        return None

    def _eval_is_positive(self) -> bool | None:
        p, q = self.args
        excess = p - q
        if q.is_positive and excess.is_Number:  # p >= q; anything else would cost an assumption query on a sum
            return bool(excess >= 0)
        return None


class CeilDiv(_Division):
    """``ceiling(p/q)`` for an integer ``p`` and an integer ``q >= 1``; positive for ``p >= 1``.

    >>> from symconv.symbols import H, s
    >>> CeilDiv(H - 2, 2), CeilDiv(H, s).is_positive
    (ceiling(H/2) - 1, True)
    """

    rounding = sympy.ceiling

    @staticmethod
    def _exact(p: int, q: int) -> int:
        return -(-p // q)

    def _eval_rewrite_as_ceiling(self, p: sympy.Expr, q: sympy.Expr, **kwargs) -> sympy.Expr:
        return sympy.ceiling(p / q)

    def _eval_rewrite_as_floor(self, p: sympy.Expr, q: sympy.Expr, **kwargs) -> sympy.Expr:
        return sympy.floor((p + q - 1) / q)  # p an integer

    def _eval_is_positive(self) -> bool | None:
        p, q = self.args
        if q.is_positive:
            return p.is_positive
        return None

    def _eval_is_nonnegative(self) -> bool | None:
        p, q = self.args
        if q.is_positive and p.is_nonnegative:
            return True
        return None


def _canonical(cls: type[_Division], p: sympy.Expr, n: int) -> sympy.Expr | None:
    """``cls(p, n)`` for an integer ``n >= 2`` as ``whole + FloorDiv(u + r, n)`` (``0 <= r < n - 1``) or
    ``whole + CeilDiv(u, n)``, nested divisions of ``u`` folded in; None when ``cls(p, n)`` is that already."""
    rest, offset = _split(p)
    whole_terms, rest = _whole_terms(rest, n)
    if isinstance(rest, _Division) and _positive_integer(rest.args[1]):
        inner, m = rest.args[0], int(rest.args[1])
        if type(rest) is not cls:  # the inner quotient is an integer: write the outer rounding as the inner's
            offset += n - 1 if cls is CeilDiv else 1 - n
        return whole_terms + type(rest)(inner + offset * m, m * n)
    # floor((u + a)/n) with the ceiling as a floor: ceil((u + a)/n) = floor((u + a + n - 1)/n)
    floor_offset = offset + (n - 1 if cls is CeilDiv else 0)
    whole, remainder = divmod(floor_offset, n)
    if remainder == n - 1:
        kind, remainder = CeilDiv, 0
    else:
        kind = FloorDiv
    if whole == 0 and whole_terms == 0 and kind is cls and remainder == offset:
        return None
    return whole_terms + whole + kind(rest + remainder, n)


def _whole_terms(rest: sympy.Expr, n: int) -> tuple[sympy.Expr, sympy.Expr]:
    """``rest`` as ``n*whole + left`` where ``whole`` collects the integer terms whose coefficient ``n`` divides."""
    whole, left = [], []
    for term in sympy.Add.make_args(rest):
        coefficient, factor = term.as_coeff_Mul()
        if coefficient.is_Integer and int(coefficient) % n == 0 and factor.is_integer:
            whole.append(sympy.Integer(int(coefficient) // n) * factor)
        else:
            left.append(term)
    if not whole:
        return sympy.Integer(0), rest
    return sympy.Add(*whole), sympy.Add(*left)


class Gcd(sympy.Function):
    """Greatest common divisor of two positive integers, exact on numbers, unevaluated on symbols.

    (``sympy.gcd`` is the polynomial gcd: ``sympy.gcd(H, 7)`` is 1 for a symbol ``H``.)

    >>> from symconv.symbols import H
    >>> Gcd(H, 7), Gcd(H, 1), Gcd(10, 4)
    (Gcd(H, 7), 1, 2)
    """

    nargs = 2
    is_integer = True
    is_positive = True

    @classmethod
    def eval(cls, a: sympy.Expr, b: sympy.Expr) -> sympy.Expr | None:
        if a.is_Integer and b.is_Integer:
            return sympy.Integer(math.gcd(int(a), int(b)))
        if b == 1 or a == 1:
            return sympy.Integer(1)
        return None

    def _pythoncode(self, printer) -> str:
        """For ``sympy.lambdify`` (``gcd`` of its math or NumPy namespace)."""
        return f"gcd({', '.join(printer._print(a) for a in self.args)})"

    _lambdacode = _numpycode = _pythoncode


def as_roundings(expr: sympy.Expr) -> sympy.Expr:
    """``expr`` with every :class:`FloorDiv`/:class:`CeilDiv` as sympy's ``floor``/``ceiling`` of the quotient.

    For the analysis that needs sympy's own machinery (limits, solving, ``simplify``); equal in
    value, since the arguments are integers.
    """
    if not expr.has(FloorDiv, CeilDiv):
        return expr
    return expr.replace(lambda e: isinstance(e, _Division), lambda e: e.rounding(e.args[0] / e.args[1]))
