"""The integer sign solver: where a function of one symbol is negative, zero or positive over the positive integers.

:func:`sign_sets` solves a rational function with sympy's inequality solver (or exact
root isolation where that gives no usable set) and *proves* the answer by exact
evaluation next to every edge and every real root (:func:`partition_checked`);
:func:`periodic_sign_sets` does the same, per residue class, for functions with
``floor``/``ceiling`` of the symbol (strided output sizes such as ``ceiling(H/2)``).
Every function returns ``None`` rather than a guess.

>>> from symconv.symbols import C_out
>>> sign_sets(C_out - 3, C_out)
(Range(1, 3, 1), {3}, Range(4, oo, 1))
"""

from __future__ import annotations

from collections.abc import Iterable

import sympy

NATURALS = sympy.S.Naturals

SignSets = tuple[sympy.Set, sympy.Set, sympy.Set]


def without_positive_factors(expr: sympy.Expr) -> sympy.Expr:
    """``expr`` with the factors its symbols' assumptions make positive divided out: same sign, fewer symbols.

    >>> from symconv.symbols import C_in, C_out
    >>> without_positive_factors(C_in * (3 - C_out) / C_out)
    3 - C_out
    """
    factored = sympy.factor(expr)
    kept = [f for f in sympy.Mul.make_args(factored) if not f.is_positive]
    return sympy.Mul(*kept)


def sign_sets(difference: sympy.Expr, x: sympy.Symbol) -> SignSets | None:
    """Positive integers where ``difference`` is < 0, == 0, > 0; ``None`` unless solved and re-checked."""
    real = sympy.Dummy("x", real=True)
    expr = difference.subs(x, real)
    if not expr.is_rational_function(real):
        return None
    try:
        less = _positive_integers(sympy.solve_univariate_inequality(expr < 0, real, relational=False))
        greater = _positive_integers(sympy.solve_univariate_inequality(expr > 0, real, relational=False))
        equal = _positive_integers(sympy.solveset(expr, real, sympy.S.Reals))
        sets = (less, equal, greater)
    except (NotImplementedError, ValueError, TypeError):
        sets = None
    if sets is None or not partition_checked(difference, x, sets):
        sets = isolated_sign_sets(difference, x)
    return sets if sets is not None and partition_checked(difference, x, sets) else None


def _sign_index(difference: sympy.Expr, x: sympy.Symbol, value: int) -> int | None:
    """0, 1, 2 for ``difference`` < 0, == 0, > 0 at ``x = value`` (exactly); ``None`` if it is not a number."""
    sign = sympy.sign(difference.subs(x, value))
    return {-1: 0, 0: 1, 1: 2}.get(int(sign)) if sign.is_Integer else None


def isolated_sign_sets(difference: sympy.Expr, x: sympy.Symbol) -> SignSets | None:
    """The sign sets from exact root isolation, where sympy's solver gives no usable set (e.g. ``CRootOf`` bounds).

    The sign is evaluated at 1 and at every integer within 1 of a real root; between two
    such integers that are not neighbours there is no root, so the sign holds on the gap.
    """
    critical = _near_roots(difference, x)
    if critical is None:
        return None
    points = sorted({1, *(int(v) for v in critical if v >= 1)})
    signs = [_sign_index(difference, x, v) for v in points]
    if None in signs:
        return None
    stops = [*points[1:], sympy.oo]
    return _sets_from_runs((start, stop, index) for start, stop, index in zip(points, stops, signs, strict=True))


def _sets_from_runs(runs: Iterable[tuple[int, object, int]]) -> SignSets:
    """Runs ``(start, stop, index)`` of consecutive integers ``[start, stop)``, in order, as the three sets."""
    merged: list[list] = []
    for start, stop, index in runs:
        if merged and merged[-1][2] == index and merged[-1][1] == start:
            merged[-1][1] = stop
        else:
            merged.append([start, stop, index])
    pieces: list[list[sympy.Set]] = [[], [], []]
    for start, stop, index in merged:
        pieces[index].append(sympy.FiniteSet(start) if stop == start + 1 else sympy.Range(start, stop))
    return tuple(sympy.Union(*p) if p else sympy.S.EmptySet for p in pieces)


MAX_PERIOD = 64
MAX_LISTED = 100_000


def _period(expr: sympy.Expr, x: sympy.Symbol) -> int | None:
    """The period after which every ``floor``/``ceiling`` of ``x`` in ``expr`` shifts by an integer: the lcm of
    the denominators of ``x``'s coefficients inside them (``ceiling(x/2)`` -> 2); ``None`` unless all are linear."""
    period = 1
    for rounded in expr.atoms(sympy.floor, sympy.ceiling):
        if x not in rounded.free_symbols:
            continue
        try:
            poly = sympy.Poly(rounded.args[0], x)
        except sympy.PolynomialError:
            return None
        slope = poly.coeff_monomial(x)
        if poly.degree() != 1 or not slope.is_Rational:
            return None
        period = sympy.ilcm(period, slope.q)
    return int(period) if period <= MAX_PERIOD else None


def periodic_sign_sets(difference: sympy.Expr, x: sympy.Symbol) -> SignSets | None:
    """Sign sets of a ``difference`` with ``floor``/``ceiling`` of ``x`` (strided sizes such as ``ceiling(H/2)``).

    On each residue class ``x = period*(t - 1) + r`` the roundings are exact polynomials in ``t``,
    so each class is solved (and proved) by :func:`sign_sets`; the classes are then merged
    into runs of consecutive integers, which needs every class to end in the same sign.
    """
    period = _period(difference, x)
    if period is None or period == 1:
        return None
    t = sympy.Dummy("t", integer=True, positive=True)
    classes = []
    for r in range(1, period + 1):
        per_class = sign_sets(difference.subs(x, period * (t - 1) + r), t)
        if per_class is None:
            return None
        classes.append(per_class)
    return _merge_classes(classes, period)


def _tail(sets: tuple[sympy.Set, ...]) -> tuple[int | None, int]:
    """Which set holds every large enough value, and from where on the sets no longer change."""
    horizon, tail = 1, None
    for index, found in enumerate(sets):
        for piece in _pieces(found) or ():
            if piece == NATURALS or (isinstance(piece, sympy.Range) and piece.size != 0 and piece.sup == sympy.oo):
                tail = index
                horizon = max(horizon, int(piece.inf))
            elif piece != sympy.S.EmptySet:
                horizon = max(horizon, int(piece.sup) + 1)
    return tail, horizon


def _merge_classes(classes: list[tuple[sympy.Set, ...]], period: int) -> SignSets | None:
    """Interleave the classes' sets; past the last change each class keeps its own sign, so when the
    classes end differently the tails are arithmetic progressions (``Range(start, oo, period)``)."""
    tails = [_tail(sets) for sets in classes]
    if any(tail is None for tail, _ in tails):
        return None
    last = period * max(horizon for _, horizon in tails)
    if last > MAX_LISTED:
        return None
    runs = []
    for value in range(1, last + 1):
        r = (value - 1) % period + 1
        t = (value - r) // period + 1
        runs.append((value, value + 1, next(i for i, found in enumerate(classes[r - 1]) if found.contains(t))))
    if len({tail for tail, _ in tails}) == 1:
        return _sets_from_runs([*runs, (last + 1, sympy.oo, tails[0][0])])
    prefix = _sets_from_runs(runs)
    progressions: list[list[sympy.Set]] = [[], [], []]
    for r, (tail, _) in enumerate(tails, start=1):
        progressions[tail].append(sympy.Range(last + r, sympy.oo, period))
    return tuple(sympy.Union(found, *extra) for found, extra in zip(prefix, progressions, strict=True))


def _positive_integers(reals: sympy.Set) -> sympy.Set:
    return sympy.Intersection(reals, NATURALS)


def _pieces(found: sympy.Set) -> tuple[sympy.Set, ...] | None:
    pieces = found.args if isinstance(found, sympy.Union) else (found,)
    if all(isinstance(p, sympy.Range | sympy.FiniteSet) or p == sympy.S.EmptySet or p == NATURALS for p in pieces):
        return tuple(pieces)
    return None


def _edges(piece: sympy.Set) -> list[sympy.Integer]:
    if piece == NATURALS:
        return [sympy.Integer(1)]
    if isinstance(piece, sympy.FiniteSet):
        return [e + shift for e in piece.args for shift in (-1, 0, 1)]
    if isinstance(piece, sympy.Range) and piece.size != 0:
        edges = [piece.inf - 1, piece.inf]
        if piece.sup.is_finite:
            edges += [piece.sup, piece.sup + 1]
        return edges
    return []


def partition_checked(difference: sympy.Expr, x: sympy.Symbol, sets: tuple[sympy.Set, ...]) -> bool:
    """Whether the sets are the exact answer, proved by exact evaluation at finitely many points.

    The sets must be unions of integer ranges, so membership can only change next to one
    of their edges; the sign of the rational function ``difference`` can only change next
    to a real root of its numerator or denominator (isolated exactly, in intervals
    narrower than 1/2). Both kinds of points, and 1, are evaluated: if each lies in exactly
    the set its sign says, so does every positive integer (between two checked points
    neither the sign nor the membership changes).
    """
    pieces = [_pieces(s) for s in sets]
    critical = _near_roots(difference, x)
    if any(p is None for p in pieces) or critical is None:
        return False
    points = {sympy.Integer(1)} | critical | {e for ps in pieces for p in ps for e in _edges(p)}
    for point in sorted(q for q in points if q >= 1):
        expected = _sign_index(difference, x, point)
        if expected is None:
            return False
        memberships = [bool(s.contains(point)) for s in sets]
        if memberships != [i == expected for i in range(3)]:
            return False
    return True


def _near_roots(expr: sympy.Expr, x: sympy.Symbol) -> set[sympy.Integer] | None:
    """Integers within 1 of a real root of ``expr``'s numerator or denominator; ``None`` if not rational in ``x``."""
    points: set[sympy.Integer] = set()
    try:
        for part in sympy.fraction(sympy.cancel(sympy.together(expr))):
            poly = sympy.Poly(part, x)
            if poly.is_zero or poly.degree() < 1:
                continue
            for (low, high), _ in poly.intervals(eps=sympy.Rational(1, 4)):
                start, stop = sympy.floor(low) - 1, sympy.ceiling(high) + 1
                points.update(sympy.Integer(i) for i in range(int(start), int(stop) + 1))
    except (sympy.PolynomialError, NotImplementedError):
        return None
    return points
