"""Deciding a model's conditions on sizes (``if x.shape[-1] < 7``, ``H % 7``) for every size symconv was given.

:func:`~symconv.core.sizes.decide` answers from the symbols' assumptions. The conditions models
write about their sizes hold integer divisions and remainders (``ceiling(H/2)``, the
padding ``(7 - W % 7) % 7``), which it cannot see through. Here each is bounded instead:
``p/q <= ceiling(p/q) <= p/q + (q-1)/q``, ``0 <= p mod n <= n - 1``; what is left is linear
in the bounds, and the condition is decided when it holds (or fails) across their whole range.

A model's cost can be piecewise in its sizes (a window attention shifts only maps larger than
its window): a condition that flips at some size holds on one side only. Declaring the sizes
a cost is for (:class:`SizeRange`, ``from_torch(..., sizes={H: (116, 227)})``) bounds the
symbols too: each integer function then also has an interval, exact for the monotone nestings
sizes are made of, sums whose terms cancel keep the linear bounds above, and a condition of one
size still open is bounded exactly on each residue class modulo the period of its divisions.
A condition is then decided across the declared range only. :func:`where_it_flips` finds, by
evaluation, two neighbouring sizes where an undecided condition changes, for the message.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import math
import numbers
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import sympy

from symconv.core.intfuncs import CeilDiv, FloorDiv
from symconv.core.rules import Rule
from symconv.core.sizes import decide
from symconv.errors import InvalidConfiguration, WrongType

#: how deep integer functions may nest in a condition (a stage's size: a division of a division ...)
_DEPTH = 32


@dataclass(frozen=True)
class SizeRange:
    """A size symbol declared to take the integers from ``low`` to ``high`` (both included) only.

    >>> from symconv.symbols import H
    >>> print(SizeRange(H, 116, 227))
    116 <= H <= 227
    """

    symbol: sympy.Symbol
    low: int
    high: int

    def __str__(self) -> str:
        return f"{self.low} <= {self.symbol} <= {self.high}"

    def rules(self) -> tuple[Rule, Rule]:
        """The range as two validation rules, kept with a cost: substituting a size outside it raises."""
        message = f"{self.symbol}={{0}} is outside the sizes this cost was derived for ({self})"
        return (
            Rule("holds", sympy.Ge(self.symbol, self.low), message, (self.symbol,)),
            Rule("holds", sympy.Le(self.symbol, self.high), message, (self.symbol,)),
        )


_DECLARED: contextvars.ContextVar[tuple[SizeRange, ...]] = contextvars.ContextVar("symconv_sizes", default=())


@contextlib.contextmanager
def declared(sizes: Iterable[SizeRange]) -> Iterator[None]:
    """Inside the block, :func:`decide_bounded` decides over ``sizes`` (a model's trace reads them there)."""
    token = _DECLARED.set(tuple(sizes))
    try:
        yield
    finally:
        _DECLARED.reset(token)


def declared_sizes() -> tuple[SizeRange, ...]:
    """The sizes :func:`declared` around the call (none outside a model's trace with ``sizes=``)."""
    return _DECLARED.get()


def size_ranges(
    sizes: Mapping[object, object] | None, symbols: Iterable[sympy.Symbol], name: str = "sizes"
) -> tuple[SizeRange, ...]:
    """``sizes`` (``{H: (116, 227)}``, keys symbols or their names) checked against ``symbols``, by symbol name.

    Keys must be symbols of the input shape, bounds integers with ``1 <= low <= high``.

    >>> from symconv.symbols import H, W
    >>> size_ranges({"W": (113, 224), H: (1, 7)}, [H, W])
    (SizeRange(symbol=H, low=1, high=7), SizeRange(symbol=W, low=113, high=224))
    >>> size_ranges({H: (9, 7)}, [H, W])
    Traceback (most recent call last):
    ...
    symconv.errors.InvalidConfiguration: sizes[H]=(9, 7): low must be at most high
    """
    if sizes is None:
        return ()
    if not isinstance(sizes, Mapping):
        raise WrongType(
            f"{name}={sizes!r} must be a mapping of input-shape symbols to (low, high), e.g. {{H: (113, 224)}}"
        )
    by_name = {s.name: s for s in symbols if isinstance(s, sympy.Symbol)}
    found: dict[sympy.Symbol, SizeRange] = {}
    for key, bounds in sizes.items():
        label = key.name if isinstance(key, sympy.Symbol) else key
        if not isinstance(label, str) or label not in by_name:
            listed = ", ".join(sorted(by_name)) or "none: every size is a number"
            raise InvalidConfiguration(f"{name}: {key!r} is not a symbol of input_shape; its symbols are: {listed}")
        symbol = by_name[label]
        if symbol in found:
            raise InvalidConfiguration(f"{name}: {label} is given twice")
        found[symbol] = _size_range(symbol, bounds, f"{name}[{label}]")
    return tuple(sorted(found.values(), key=lambda r: r.symbol.name))


def _size_range(symbol: sympy.Symbol, bounds: object, name: str) -> SizeRange:
    pair = isinstance(bounds, tuple | list) and len(bounds) == 2
    if not pair or not all(isinstance(b, numbers.Integral) and not isinstance(b, bool) for b in bounds):
        raise WrongType(f"{name}={bounds!r} must be a pair of integers (low, high), both included")
    low, high = (int(b) for b in bounds)
    if low > high:
        raise InvalidConfiguration(f"{name}=({low}, {high}): low must be at most high")
    if low < 1:
        raise InvalidConfiguration(f"{name}=({low}, {high}): {symbol} is a size, a positive integer: low must be >= 1")
    return SizeRange(symbol, low, high)


def decide_bounded(relation: Any, sizes: Iterable[SizeRange] | None = None) -> bool | None:
    """True or False when ``relation`` holds or fails for every value of its symbols, else None.

    ``sizes`` bounds some symbols (by default, the sizes :func:`declared` around the call): the
    relation is then decided for the values in those ranges only.

    ``2*ceiling(H/2) - H + 1 > 0`` holds for every ``H``: with ``ceiling(H/2) = H/2 + r``,
    ``0 <= r <= 1/2``, the difference is ``1 + 2r``, at least ``1``.

    >>> from symconv.symbols import H
    >>> decide_bounded(sympy.Lt(2 * CeilDiv(H, 2) - H + 1, 0)), decide_bounded(sympy.Lt(FloorDiv(H, 32), 7))
    (False, None)
    >>> decide_bounded(sympy.Le(CeilDiv(H, 4), 7 * CeilDiv(H, 28)))  # r1 - 7 r2 <= 3/4, an integer: <= 0
    True
    >>> decide_bounded(sympy.Ge(7, FloorDiv(H + 255, 32) + sympy.Mod(FloorDiv(H + 255, 32), 7)))  # H >= 1
    False
    >>> shifted = sympy.Le(7 * CeilDiv(CeilDiv(FloorDiv(H, 4), 8), 7), 7)  # Swin's last stage fits one window
    >>> decide_bounded(shifted), decide_bounded(shifted, [SizeRange(H, 116, 227)])
    (None, True)
    """
    if not isinstance(relation, sympy.core.relational.Relational):
        return decide(relation)
    declared = _DECLARED.get() if sizes is None else sizes
    relevant = tuple(sorted((r for r in declared if r.symbol in relation.free_symbols), key=lambda r: r.symbol.name))
    return _decided(relation, relevant)


@functools.lru_cache(maxsize=8192)  # a model asks the same conditions at every block, and at every call
def _decided(relation: sympy.core.relational.Relational, sizes: tuple[SizeRange, ...]) -> bool | None:
    """:func:`decide_bounded` over the declared ranges of the relation's symbols (none: over every value).

    Keyed on the ranges too: a decision made over a range must not answer a trace without one.
    """
    truth = decide(relation)
    if truth is not None:
        return truth
    return _decided_over(relation, sizes) if sizes else _decided_everywhere(relation)


def _decided_everywhere(relation: sympy.core.relational.Relational) -> bool | None:
    """:func:`decide_bounded` for every value of the relation's symbols (a model asks the same of every block)."""
    difference = relation.lhs - relation.rhs
    bounded = _bounded(difference)
    if bounded is None:
        return None
    return _on_range(type(relation), *_rounded(difference, *bounded))


def _decided_over(relation: sympy.core.relational.Relational, sizes: tuple[SizeRange, ...]) -> bool | None:
    """:func:`decide_bounded` over ranges of some of the relation's symbols (a model asks the same of every block)."""
    ranges = {r.symbol: (Fraction(r.low), Fraction(r.high)) for r in sizes}
    difference = relation.lhs - relation.rhs
    if difference.is_Number:  # Ne(x, x) unevaluated
        return _on_range(type(relation), difference, difference)
    least, most = _bounded(difference) or (None, None)
    least, most = _narrowed(difference, least, most, ranges)
    if least is None:
        return None
    truth = _on_range(type(relation), *_rounded(difference, least, most))
    if truth is not None or len(difference.free_symbols) != 1:
        return truth
    (symbol,) = difference.free_symbols
    by_residue = _by_residue(difference, symbol, *(int(end) for end in ranges[symbol]))
    if by_residue is None:
        return None
    least, most, zero = by_residue
    if zero is False and isinstance(relation, sympy.Equality | sympy.Unequality):  # it steps over 0: never equal
        return isinstance(relation, sympy.Unequality)
    return _on_range(type(relation), *_rounded(difference, least, most))


def _rounded(difference: sympy.Expr, least: sympy.Expr, most: sympy.Expr) -> tuple[sympy.Expr, sympy.Expr]:
    if difference.is_integer:  # an integer in [-6.75, 0.75] is at most 0
        least = sympy.ceiling(least) if least.is_Number else least
        most = sympy.floor(most) if most.is_Number else most
    return least, most


#: the most residue classes :func:`_by_residue` looks at
_PERIOD = 512


def _by_residue(difference: sympy.Expr, symbol: sympy.Symbol, low: int, high: int) -> tuple | None:
    """Exact bounds of ``difference``, a function of one ranged symbol ``x``, from its residue classes, and
    whether it is 0 somewhere on the range (None: not known).

    With ``x = L*k + c`` for a period ``L`` of its integer functions, each of them folds
    (``floor((8k + c)/4) = 2k + floor(c/4)``), which leaves a polynomial in ``k`` per class: bounded
    over the ``k`` of the range. ``floor(H/4) - floor(H/8)``, bounded loosely term by term, is then
    seen to be ``k + floor(c/4) - floor(c/8)``: at least 15 on ``116 <= H <= 227``.
    """
    period = _period(difference)
    if period is None or period > _PERIOD:
        return None
    if _steps_evenly(difference, symbol):
        return _by_steps(difference, symbol, low, high, period)
    k = sympy.Dummy("k", integer=True)
    bounds = []
    for c in range(period):
        first, last = math.ceil((low - c) / period), math.floor((high - c) / period)
        if first > last:
            continue
        folded = difference.xreplace({symbol: period * k + c})
        if folded.has(FloorDiv, CeilDiv, sympy.Mod, sympy.floor, sympy.ceiling):
            return None
        bound = _interval(sympy.expand(folded), {k: (Fraction(first), Fraction(last))})
        if bound is None:
            return None
        bounds.append(bound)
    least, most = min(b[0] for b in bounds), max(b[1] for b in bounds)
    return sympy.Rational(least.numerator, least.denominator), sympy.Rational(most.numerator, most.denominator), None


def _steps_evenly(expr: sympy.Expr, symbol: sympy.Symbol, inner: bool = False) -> bool:
    """Whether ``expr`` is a rational sum of ``symbol``, constants and integer divisions (or remainders) of integer
    sums of the same kind: then one period further, each division, and ``expr``, moves by one constant step."""
    for term in sympy.Add.make_args(expr):
        coefficient, factor = term.as_coeff_Mul()
        if not (coefficient.is_Integer if inner else coefficient.is_Rational):
            return False
        if factor is sympy.S.One or factor == symbol:
            continue
        division = isinstance(factor, FloorDiv | CeilDiv | sympy.Mod)
        if not (division and factor.args[1].is_Integer and factor.args[1] > 0):
            return False
        if not _steps_evenly(factor.args[0], symbol, inner=True):
            return False
    return True


def _by_steps(difference: sympy.Expr, symbol: sympy.Symbol, low: int, high: int, period: int) -> tuple[sympy.Expr, ...]:
    """:func:`_by_residue` by evaluation, for a difference that :func:`_steps_evenly`: ``f(n + j*period)`` is
    ``f(n) + j*step`` for every ``n``, so each class's extremes are at its ends, from one period of values."""
    value = _evaluator(difference, symbol)
    step = value(low + period) - value(low)
    ends, zero = [], False
    for n in range(low, min(low + period - 1, high) + 1):
        first, steps = value(n), (high - n) // period
        ends += [first, first + step * steps]
        j = -first / step if step else (0 if first == 0 else None)  # the step where the class is 0, if any
        zero = zero or (j is not None and j.denominator == 1 and 0 <= j <= steps)
    least, most = min(ends), max(ends)
    return sympy.Rational(least.numerator, least.denominator), sympy.Rational(most.numerator, most.denominator), zero


def _evaluator(expr: sympy.Expr, symbol: sympy.Symbol) -> Callable[[int], Fraction]:
    """``n -> expr`` at ``symbol = n``, exactly, as a tree of Python functions built once.

    :func:`_by_steps` evaluates a difference at up to a period of sizes; walking the sympy tree
    for each of them cost more than deciding everything else in a model.
    """
    if expr.is_Rational:
        constant = Fraction(int(expr.p), int(expr.q))
        return lambda n: constant
    if expr == symbol:
        return Fraction
    parts = [_evaluator(a, symbol) for a in expr.args]
    if expr.is_Add:
        return lambda n: sum((part(n) for part in parts), Fraction(0))
    if expr.is_Mul:
        return lambda n: math.prod((part(n) for part in parts), start=Fraction(1))
    if expr.is_Pow and expr.exp.is_Integer:
        base, exponent = parts[0], int(expr.exp)
        return lambda n: base(n) ** exponent
    if isinstance(expr, FloorDiv | sympy.Mod):
        (p, q), floor_division = parts, isinstance(expr, FloorDiv)
        return (lambda n: Fraction(p(n) // q(n))) if floor_division else (lambda n: p(n) % q(n))
    if isinstance(expr, CeilDiv):
        p, q = parts
        return lambda n: Fraction(-(-p(n) // q(n)))
    if isinstance(expr, sympy.floor | sympy.ceiling):
        (inner,), rounding = parts, math.floor if isinstance(expr, sympy.floor) else math.ceil
        return lambda n: Fraction(rounding(inner(n)))
    return lambda n: _interval(expr, {symbol: (Fraction(n), Fraction(n))}, correlate=False)[0]


def _period(expr: sympy.Expr) -> int | None:
    """A period of the integer functions in ``expr``: shifting their symbol by it shifts each by a whole number."""
    period = 1
    for atom in expr.atoms(FloorDiv, CeilDiv, sympy.Mod):
        divisor = atom.args[1]
        if not (divisor.is_Integer and divisor > 0):
            return None
        inner = _period(atom.args[0])
        if inner is None:
            return None
        period = math.lcm(period, int(divisor) * inner)
    return period


def _narrowed(difference, least, most, ranges) -> tuple[sympy.Expr | None, sympy.Expr | None]:
    """Numeric bounds of ``difference`` over ``ranges``: the tighter of its own interval and its linear bounds'."""
    candidates = [_interval(difference, ranges)]
    if least is not None:
        low, high = _interval(least, ranges), _interval(most, ranges)
        candidates.append((low[0], high[1]) if low is not None and high is not None else None)
    candidates = [c for c in candidates if c is not None]
    if not candidates:
        return least, most
    low, high = max(c[0] for c in candidates), min(c[1] for c in candidates)
    return sympy.Rational(low.numerator, low.denominator), sympy.Rational(high.numerator, high.denominator)


Interval = tuple[Fraction, Fraction]


def _interval(expr: sympy.Expr, ranges: Mapping[sympy.Symbol, Interval], correlate: bool = True) -> Interval | None:
    """The least and the most ``expr`` can be when each symbol stays in its range; None if some symbol has none.

    Sound for any expression of sums, products, powers and integer roundings; exact when each symbol
    occurs once and every step is monotone (a size's nested divisions).
    """
    if expr.is_Rational:
        value = Fraction(int(expr.p), int(expr.q))
        return value, value
    if expr.is_Symbol:
        return ranges.get(expr)
    parts = [_interval(a, ranges, correlate) for a in expr.args]
    if any(p is None for p in parts):
        return None
    if expr.is_Add:
        low, high = sum(p[0] for p in parts), sum(p[1] for p in parts)
        if correlate and expr.has(FloorDiv, CeilDiv, sympy.Mod):
            return _correlated(expr, low, high, ranges)
        return low, high
    if expr.is_Mul:
        result = parts[0]
        for part in parts[1:]:
            result = _product(result, part)
        return result
    if expr.is_Pow and expr.exp.is_Integer:
        base = parts[0]
        if expr.exp < 0:
            if base[0] <= 0 <= base[1]:
                return None
            base = (1 / base[1], 1 / base[0])
        result = (Fraction(1), Fraction(1))
        for _ in range(abs(int(expr.exp))):
            result = _product(result, base)
        return result
    if isinstance(expr, FloorDiv | CeilDiv | sympy.Mod) and expr.args[1].is_Integer and expr.args[1] > 0:
        return _division(type(expr), parts[0], int(expr.args[1]), expr.args[0].is_integer)
    if isinstance(expr, sympy.floor | sympy.ceiling):
        rounding = math.floor if isinstance(expr, sympy.floor) else math.ceil
        return Fraction(rounding(parts[0][0])), Fraction(rounding(parts[0][1]))
    if isinstance(expr, sympy.Max | sympy.Min):
        pick = max if isinstance(expr, sympy.Max) else min
        return pick(p[0] for p in parts), pick(p[1] for p in parts)
    return None


def _correlated(expr: sympy.Expr, low: Fraction, high: Fraction, ranges) -> Interval:
    """The interval of a sum of integer functions, narrowed by their linear bounds, which see terms cancel:
    ``floor(W/4) - floor(W/8)`` is ``W/8 - r1 + r2``, not the difference of two independent intervals."""
    bounded = _bounded(expr)
    least, most = (None, None) if bounded is None else (_interval(b, ranges) for b in bounded)
    if least is not None and most is not None:
        low, high = max(low, least[0]), min(high, most[1])
    if expr.is_integer:
        low, high = Fraction(math.ceil(low)), Fraction(math.floor(high))
    return low, high


def _product(a: Interval, b: Interval) -> Interval:
    ends = [x * y for x in a for y in b]
    return min(ends), max(ends)


def _division(kind: type, p: Interval, q: int, integer: bool | None) -> Interval:
    """The interval of ``FloorDiv(p, q)``, ``CeilDiv(p, q)`` or ``Mod(p, q)`` for ``p`` in the interval ``p``."""
    if kind is CeilDiv:
        return Fraction(math.ceil(p[0] / q)), Fraction(math.ceil(p[1] / q))
    low, high = Fraction(math.floor(p[0] / q)), Fraction(math.floor(p[1] / q))
    if kind is FloorDiv:
        return low, high
    if low == high:  # one period: the remainder is p less a constant
        return p[0] - q * low, p[1] - q * low
    return Fraction(0), Fraction(q - 1 if integer else q)


@functools.lru_cache(maxsize=4096)
def _bounded(difference: sympy.Expr) -> tuple[sympy.Expr, sympy.Expr] | None:
    """The least and the most ``difference`` can be, as expressions free of integer functions; None if not linear."""
    ranges: dict[sympy.Dummy, tuple[sympy.Expr, sympy.Expr]] = {}
    replaced: dict[sympy.Expr, sympy.Expr] = {}  # one remainder per integer function, wherever it occurs
    for _ in range(_DEPTH):
        atoms = difference.atoms(FloorDiv, CeilDiv, sympy.Mod)
        if not atoms:
            break
        for atom in atoms - set(replaced):
            divisor = atom.args[1]
            if not (divisor.is_Integer and divisor > 0):
                return None
            r = sympy.Dummy()
            if isinstance(atom, sympy.Mod):
                replaced[atom], ranges[r] = r, (sympy.Integer(0), divisor - 1)
                continue
            replaced[atom] = atom.args[0] / divisor + (r if isinstance(atom, CeilDiv) else -r)
            ranges[r] = (sympy.Integer(0), sympy.Rational(int(divisor) - 1, int(divisor)))
        difference = difference.xreplace(replaced)
    else:
        return None
    if not ranges:
        return None
    difference = difference.expand()
    least = most = difference
    for r, (low, high) in ranges.items():
        slope = difference.coeff(r)
        if not slope.is_Number or (difference - slope * r).has(r):
            return None
        least = least.subs(r, low if slope >= 0 else high)
        most = most.subs(r, high if slope >= 0 else low)
    return least, most


def _on_range(relation: type, least: sympy.Expr, most: sympy.Expr) -> bool | None:
    """The truth of ``d REL 0`` for every ``d`` from ``least`` to ``most``, if it is the same for all."""
    cases = {
        sympy.StrictLessThan: (sympy.Lt(most, 0), sympy.Ge(least, 0)),
        sympy.LessThan: (sympy.Le(most, 0), sympy.Gt(least, 0)),
        sympy.StrictGreaterThan: (sympy.Gt(least, 0), sympy.Le(most, 0)),
        sympy.GreaterThan: (sympy.Ge(least, 0), sympy.Lt(most, 0)),
        sympy.Equality: (
            sympy.And(sympy.Eq(least, 0), sympy.Eq(most, 0)),
            sympy.Or(sympy.Gt(least, 0), sympy.Lt(most, 0)),
        ),
        sympy.Unequality: (
            sympy.Or(sympy.Gt(least, 0), sympy.Lt(most, 0)),
            sympy.And(sympy.Eq(least, 0), sympy.Eq(most, 0)),
        ),
    }.get(relation)
    if cases is None:
        return None
    always, never = (_holds(c) for c in cases)
    return True if always else False if never else None


def _holds(condition: sympy.Basic) -> bool:
    if isinstance(condition, sympy.And):
        return all(_holds(c) for c in condition.args)
    if isinstance(condition, sympy.Or):
        return any(_holds(c) for c in condition.args)
    return decide(condition) is True


#: how far :func:`where_it_flips` looks for a size without a declared range
_SEARCHED = 1 << 16


def where_it_flips(relation: Any, sizes: Iterable[SizeRange] | None = None) -> tuple[sympy.Symbol, int, bool] | None:
    """``(symbol, n, truth)``: ``relation`` of one size symbol is ``truth`` at ``n`` and not at ``n + 1``.

    Found by evaluating the relation at sizes (the ends of the symbol's declared range, or 1 and
    65536, then sizes between them), then bisecting between two sizes where it differs; None when
    it has several symbols or no two sizes tried differ. Evaluation only: both truths are facts.

    >>> from symconv.symbols import H
    >>> where_it_flips(sympy.Le(7 * CeilDiv(CeilDiv(FloorDiv(H, 4), 8), 7), 7))
    (H, 227, True)
    """
    if not isinstance(relation, sympy.core.relational.Relational) or len(relation.free_symbols) != 1:
        return None
    (symbol,) = relation.free_symbols
    declared = {r.symbol: (r.low, r.high) for r in (_DECLARED.get() if sizes is None else sizes)}
    low, high = declared.get(symbol, (1, _SEARCHED))

    def truth(n: int) -> bool | None:
        value = relation.subs(symbol, n)
        return bool(value) if value in (sympy.true, sympy.false) else None

    probes = sorted({low, high, *(low + (high - low) * k // 64 for k in range(1, 64)), *(2**k for k in range(17))})
    probes = [n for n in probes if low <= n <= high]
    truths = [truth(n) for n in probes]
    if None in truths:
        return None
    changed = next((i for i in range(1, len(truths)) if truths[i] != truths[i - 1]), None)
    if changed is None:
        return None
    a, b = probes[changed - 1], probes[changed]  # truth(a) != truth(b): bisect to neighbours
    at_a = truths[changed - 1]
    while b - a > 1:
        middle = (a + b) // 2
        if truth(middle) == at_a:
            a = middle
        else:
            b = middle
    return symbol, a, at_a
