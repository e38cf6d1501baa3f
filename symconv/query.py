"""Questions a researcher asks of costs: ratios, limits, crossovers, exact values, roofline verdicts.

Every answer is a sympy object derived from :class:`~symconv.cost.Cost` quantities,
which are named by one parser, :func:`quantity`.

Canonical form of a ratio
-------------------------
:func:`canonical` (used by :func:`ratio` and :func:`asymptotic`) rewrites an
expression in a fixed order, so that equal inputs written differently come out
structurally identical (``==``):

1. rounding functions (``floor``, ``ceiling``) are simplified on their own, so
   ``ceiling((s*(H - 1) + 1)/s)`` becomes ``H``;
2. ``cancel(together(.))``: one fraction ``P/Q`` of expanded polynomials with
   their greatest common divisor removed and a normalised leading coefficient
   (canonical for rational functions);
3. if ``Q`` is a single term (a monomial or a number), the fraction is expanded
   into a sum of simple terms, each reduced on its own: ``1/C_out + 1/K**2``;
   otherwise ``P`` and ``Q`` are factored: ``C_in*(K**2 + 1)/(C_out + C_in)``.

Examples
--------
>>> import symconv
>>> from symconv.symbols import C_in, C_out, K, H, W
>>> shape = (1, C_in, H, W)
>>> std = symconv.Conv2d(C_in, C_out, K, padding="same", bias=False).cost(shape)
>>> dw = symconv.DepthwiseSeparableConv2d(C_in, C_out, K, padding="same", bias=False).cost(shape)
>>> ratio(dw, std)
K**(-2) + 1/C_out
>>> asymptotic(ratio(dw, std), "C_out")
K**(-2)
>>> crossover(dw, std, "memory", over="C_out", given={"H": 56, "W": 56, "K": 3}).greater
Range(1, 786, 1)
"""

from __future__ import annotations

import itertools
import numbers
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

import sympy

from symconv.conventions import CONVENTIONS, MEMORY_MODELS, memory_model
from symconv.conventions import convention as find_convention
from symconv.cost import Cost
from symconv.errors import SymconvError, UnknownName
from symconv.network.graph import Network, NetworkCost
from symconv.ops.base import Operator, shapes_for
from symconv.sizes import as_element_size, decide

# --------------------------------------------------------------------------- quantities


def _no_option(kind: str) -> Callable[[Cost, str, int], sympy.Expr]:
    def get(cost: Cost, option: str, element_size: int) -> sympy.Expr:
        if option:
            raise UnknownName("quantity", f"{kind}:{option}", known_quantities())
        return getattr(cost, kind)

    return get


def _traffic(kind: str) -> Callable[[Cost, str, int], sympy.Expr]:
    def get(cost: Cost, option: str, element_size: int) -> sympy.Expr:
        return getattr(cost, kind)(option or "ideal", element_size)

    return get


def _intensity(cost: Cost, option: str, element_size: int) -> sympy.Expr:
    convention_, _, model = option.partition(":")
    return cost.intensity(convention_ or "flops", model or "ideal", element_size)


_QUANTITIES: dict[str, Callable[[Cost, str, int], sympy.Expr]] = {
    "params": _no_option("params"),
    "memory": _traffic("memory"),
    "reads": _traffic("reads"),
    "writes": _traffic("writes"),
    "intensity": _intensity,
}


def known_quantities() -> list[str]:
    """Every quantity name :func:`quantity` accepts (``intensity`` takes any convention and model)."""
    conventions = [c.with_bias(b).name for c in CONVENTIONS.values() for b in (False, True)]
    traffic = [
        f"{kind}{suffix}"
        for kind in ("memory", "reads", "writes")
        for suffix in ("", *map(":{}".format, MEMORY_MODELS))
    ]
    return [*conventions, "params", *traffic, "intensity", "intensity:<convention>", "intensity:<convention>:<model>"]


def quantity(cost: Cost, name: str, *, element_size: int = 1) -> sympy.Expr:
    """The quantity called ``name`` of ``cost``.

    Parameters
    ----------
    cost : Cost
    name : str
        A compute convention (``'macs'``, ``'flops'``, ``'mults'``, ``'ops'``, each
        with ``'+bias'``/``'-bias'``), ``'params'``, ``'memory'`` (= ``'memory:ideal'``),
        ``'memory:im2col'``, ``'reads[:model]'``, ``'writes[:model]'`` or
        ``'intensity[:convention[:model]]'`` (default ``flops`` per element moved, ideal).
    element_size : int or Fraction
        Bytes per element, for memory quantities and intensity (1: counts elements;
        ``Fraction(1, 2)`` for 4-bit types).

    Examples
    --------
    >>> import symconv
    >>> cost = symconv.Conv2d(2, 4, 3, bias=False).cost((1, 2, 5, 5))
    >>> quantity(cost, "macs"), quantity(cost, "memory:ideal"), quantity(cost, "intensity:macs")
    (648, 158, 324/79)
    >>> quantity(cost, "gflops")
    Traceback (most recent call last):
    ...
    symconv.errors.UnknownName: unknown quantity 'gflops'; expected one of: ...
    """
    cost = as_cost(cost)
    if not isinstance(name, str):
        raise UnknownName("quantity", name, known_quantities())
    size = as_element_size(element_size)
    head, _, option = name.partition(":")
    if head in _QUANTITIES:
        return _QUANTITIES[head](cost, option, size)
    try:
        return find_convention(name).of(cost)
    except UnknownName:
        raise UnknownName("quantity", name, known_quantities()) from None


_quantity_of = quantity  # for the functions below whose parameter is called ``quantity``


def as_cost(value: Cost | NetworkCost | Operator, input_shape: Sequence[object] | None = None) -> Cost:
    """A :class:`Cost`: itself, a network cost's total, or an :class:`Operator` costed on ``input_shape``.

    ``input_shape`` is one shape, or one per input for an operator of several (``Add``,
    ``Matmul``); a :class:`~symconv.network.graph.Network` is costed on its declared inputs.

    >>> from symconv.network import Add
    >>> as_cost(Add(), [(1, 4), (1, 4)]).adds
    4
    """
    if isinstance(value, Cost):
        return value
    if isinstance(value, NetworkCost):
        return value.total
    if isinstance(value, Operator):
        if input_shape is None and not isinstance(value, Network):
            raise SymconvError(f"{value!r} is an operator: give input_shape= to cost it")
        return value.total_cost(*shapes_for(value, input_shape))
    raise SymconvError(f"expected a symconv Cost or Operator, got {type(value).__name__} {value!r}")


# --------------------------------------------------------------------------- canonical form


def simplify_rounding(expr: sympy.Expr) -> sympy.Expr:
    """``expr`` with each ``floor``/``ceiling`` simplified on its own: ``ceiling((s*(H - 1) + 1)/s)`` is ``H``."""
    return expr.replace(lambda e: isinstance(e, sympy.floor | sympy.ceiling), sympy.simplify)


def canonical(expr: sympy.Expr) -> sympy.Expr:
    """``expr`` in the canonical readable form described in the module docstring.

    >>> from symconv.symbols import C_out, K
    >>> canonical((C_out + K**2) / (C_out * K**2))
    K**(-2) + 1/C_out
    >>> canonical((K**2 * C_out - C_out) / (K - 1)) == canonical(C_out * K + C_out)
    True
    """
    fraction = sympy.cancel(sympy.together(simplify_rounding(sympy.sympify(expr))))
    numerator, denominator = sympy.fraction(fraction)
    if len(sympy.Add.make_args(sympy.expand(denominator))) == 1:
        return sympy.expand(numerator / denominator)
    return sympy.factor(numerator) / sympy.factor(denominator)


def ratio(
    a: Cost | Operator,
    b: Cost | Operator,
    quantity: str = "macs",
    *,
    input_shape: Sequence[object] | None = None,
    element_size: int = 1,
) -> sympy.Expr:
    """The quantity of ``a`` over that of ``b``, in :func:`canonical` form.

    ``a`` and ``b`` are Costs, or Operators costed on ``input_shape``.

    >>> import symconv
    >>> from symconv.symbols import C, C_in, C_out, K, H, W, g
    >>> ratio(symconv.Conv2d(C_in, C_out, K, groups=g), symconv.Conv2d(C_in, C_out, K), input_shape=(1, C_in, H, W))
    1/g
    >>> pconv = symconv.PartialConv2d(C, K, conv_channels=C / 4).cost((1, C, H, W))
    >>> ratio(pconv, symconv.Conv2d(C, C, K, padding="same", bias=False).cost((1, C, H, W)))
    1/16
    """
    top = _quantity_of(as_cost(a, input_shape), quantity, element_size=element_size)
    bottom = _quantity_of(as_cost(b, input_shape), quantity, element_size=element_size)
    if bottom == 0:
        raise SymconvError(f"the {quantity} of the second cost is 0: the ratio is undefined")
    return canonical(top / bottom)


# --------------------------------------------------------------------------- symbols and values


def find_symbol(expr: sympy.Expr, symbol: sympy.Symbol | str) -> sympy.Symbol:
    """The free symbol of ``expr`` called ``symbol`` (a name or a Symbol); raise if it does not occur."""
    return _lookup(sympy.sympify(expr).free_symbols, symbol, str(expr))


def _lookup(symbols: Iterable[sympy.Symbol], symbol: sympy.Symbol | str, where: str) -> sympy.Symbol:
    names = {s.name: s for s in symbols}
    name = symbol.name if isinstance(symbol, sympy.Symbol) else symbol
    if not isinstance(name, str) or name not in names:
        listed = ", ".join(sorted(names)) or "none: it is a number"
        raise SymconvError(f"symbol {name!r} does not occur in {where}; its symbols are: {listed}")
    return names[name]


def exact(value: object, name: str) -> sympy.Expr:
    """``value`` as an exact sympy number or expression; floats and strings are refused."""
    if isinstance(value, sympy.Basic):
        return value
    if isinstance(value, Fraction):
        return sympy.Rational(value.numerator, value.denominator)
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return sympy.Integer(int(value))
    raise SymconvError(f"{name}={value!r} must be exact: an int, a Fraction or a sympy expression")


def _substitute(expr: sympy.Expr, values: Mapping[str, sympy.Expr]) -> sympy.Expr:
    mapping = {s: values[s.name] for s in expr.free_symbols if s.name in values}
    return expr.subs(mapping) if mapping else expr


def _free_names(cost: Cost) -> set[str]:
    exprs = [cost.macs, cost.mults, cost.adds, cost.params, *(t.reads + t.writes for t in cost.traffic)]
    return {s.name for e in exprs for s in e.free_symbols}


def at(expr_or_cost: sympy.Expr | Cost, **values: object) -> sympy.Expr | Cost:
    """``expr_or_cost`` with symbols (named by keyword) replaced by exact values.

    >>> from symconv.symbols import C_out, K
    >>> at(1 / C_out + 1 / K**2, C_out=64, K=3)
    73/576
    >>> at(1 / C_out, H=3)
    Traceback (most recent call last):
    ...
    symconv.errors.SymconvError: symbol 'H' does not occur in 1/C_out; its symbols are: C_out
    """
    exact_values = {name: exact(v, name) for name, v in values.items()}
    if isinstance(expr_or_cost, Cost):
        present = _free_names(expr_or_cost)
        for name in exact_values:
            if name not in present:
                listed = ", ".join(sorted(present))
                raise SymconvError(
                    f"symbol {name!r} does not occur in {expr_or_cost.operator}; its symbols are: {listed}"
                )
        return expr_or_cost.subs(exact_values)
    expr = sympy.sympify(expr_or_cost)
    for name in exact_values:
        find_symbol(expr, name)
    return _substitute(expr, exact_values)


def compare(
    costs: Mapping[str, Cost],
    quantity: str,
    grid: Mapping[str, Iterable[object]],
    *,
    element_size: int = 1,
) -> list[dict[str, sympy.Expr]]:
    """Exact values of ``quantity`` for each named cost at every point of ``grid``.

    Rows follow the grid's cartesian product in order (last name fastest); each row maps
    the grid's names to the point and each cost's name to its exact value.

    >>> import symconv
    >>> from symconv.symbols import C_in, H, W
    >>> costs = {f"K={k}": symconv.Conv2d(C_in, 8, k, bias=False).cost((1, C_in, H, W)) for k in (1, 3)}
    >>> compare(costs, "params", {"C_in": [4, 16]})
    [{'C_in': 4, 'K=1': 32, 'K=3': 288}, {'C_in': 16, 'K=1': 128, 'K=3': 1152}]
    """
    exprs = {name: _quantity_of(cost, quantity, element_size=element_size) for name, cost in costs.items()}
    present = {s.name for e in exprs.values() for s in e.free_symbols}
    clash = set(grid) & set(exprs)
    if clash:
        raise SymconvError(f"grid names {sorted(clash)} are also cost names; rename the costs")
    for name in grid:
        if name not in present:
            raise SymconvError(
                f"grid symbol {name!r} does not occur in the {quantity} of any cost; symbols: {sorted(present)}"
            )
    missing = present - set(grid)
    if missing:
        raise SymconvError(f"compare needs a value for every symbol: {sorted(missing)} not in grid")
    axes = {name: [exact(v, name) for v in values] for name, values in grid.items()}
    rows = []
    for point in itertools.product(*axes.values()):
        values = dict(zip(axes, point, strict=True))
        rows.append({**values, **{name: _substitute(e, values) for name, e in exprs.items()}})
    return rows


# --------------------------------------------------------------------------- limits


def limit(expr: sympy.Expr, symbol: sympy.Symbol | str, value: object = sympy.oo) -> sympy.Expr:
    """``sympy.limit`` with the symbol given by name if wished; ``value`` may be ``'oo'``.

    >>> from symconv.symbols import C_out, K
    >>> limit(1 / C_out + 1 / K**2, "C_out", "oo")
    K**(-2)
    """
    expr = sympy.sympify(expr)
    x = find_symbol(expr, symbol)
    try:
        return sympy.limit(expr, x, sympy.sympify(value))
    except (NotImplementedError, ValueError, TypeError, sympy.SympifyError) as err:
        raise SymconvError(f"cannot take the limit of {expr} as {x} -> {value}: {err}") from None


def asymptotic(expr: sympy.Expr, symbols: sympy.Symbol | str | Sequence[sympy.Symbol | str]) -> sympy.Expr:
    """Leading behaviour of ``expr`` as ``symbols`` grow together (each scaled by the same factor).

    For a rational function this is the top-degree part: ``c * x**k`` for one symbol,
    the homogeneous leading part for several.

    >>> from symconv.symbols import C_in, C_out, H, K, W
    >>> asymptotic(H * W * (C_in + C_out) + K**2 * C_in * C_out, ["H", "W"])
    C_in*H*W + C_out*H*W
    >>> asymptotic((C_out + K**2) / (C_out * K**2), C_out)
    K**(-2)
    """
    expr = sympy.sympify(expr)
    names = [symbols] if isinstance(symbols, str | sympy.Symbol) else list(symbols)
    xs = [find_symbol(expr, s) for s in names]
    scale = sympy.Dummy("scale", positive=True)
    scaled = sympy.cancel(sympy.together(expr.subs({x: scale * x for x in xs}, simultaneous=True)))
    numerator, denominator = sympy.fraction(scaled)
    try:  # a rational function of the scale: the ratio of the leading coefficients
        return canonical(sympy.Poly(numerator, scale).LC() / sympy.Poly(denominator, scale).LC())
    except sympy.PolynomialError:  # the scale is inside a function (floor, ceiling ...)
        pass
    if len(xs) == 1:
        value = limit(expr, xs[0])
        if value.is_finite and value != 0:
            return value
    grow = "grows" if len(xs) == 1 else "grow together"
    raise SymconvError(f"cannot find the leading behaviour of {expr} as {', '.join(map(str, xs))} {grow}")


# --------------------------------------------------------------------------- crossovers


Verdict = Literal["always", "never", "sometimes", "undecided"]
NATURALS = sympy.S.Naturals


@dataclass(frozen=True)
class Crossover:
    """Where ``a``'s quantity is below, equal to or above ``b``'s, over the positive integers ``symbol`` takes.

    ``less``, ``equal``, ``greater`` are sympy sets of positive integers (``None`` when
    they could not be determined exactly); ``exceeds`` says whether ``a > b``:
    ``'always'``, ``'never'``, ``'sometimes'`` or ``'undecided'``. ``difference`` is
    ``a - b`` after the ``given`` values. When other symbols are left, ``boundary``
    holds the real roots in ``symbol`` of the difference if sympy finds them, for
    reading (e.g. ``C_out = H*W/4 + 9/8``); the sets are then ``None``.
    """

    symbol: sympy.Symbol
    difference: sympy.Expr
    less: sympy.Set | None
    equal: sympy.Set | None
    greater: sympy.Set | None
    exceeds: Verdict
    boundary: sympy.Set | None = None
    closed_form: ClosedForm | None = None


@dataclass(frozen=True)
class ClosedForm:
    """Where ``a`` is below, equal to, above ``b``, as conditions on the symbol with other symbols free.

    For example ``C_out > (2HW + K²)/(K² − 1)``.

    ``assuming`` is the condition on the other symbols under which both hold (``None``: always);
    where it fails, the difference does not depend on the symbol.
    """

    less: sympy.Basic
    equal: sympy.Basic
    greater: sympy.Basic
    assuming: sympy.Basic | None


def closed_form(difference: sympy.Expr, x: sympy.Symbol) -> ClosedForm | None:
    """The sign of ``difference`` as a condition on ``x``, when it is linear in ``x`` (after positive factors).

    >>> from symconv.symbols import C_out, H, K, W
    >>> found = closed_form((1 - K**2) * C_out + 2 * H * W + K**2, C_out)
    >>> found.less, found.assuming
    (C_out > (2*H*W + K**2)/(K**2 - 1), K**2 - 1 > 0)
    """
    signed = _without_positive_factors(difference)
    if not signed.is_polynomial(x) or sympy.degree(signed, x) != 1:
        return None
    slope, intercept = sympy.Poly(signed, x).all_coeffs()
    top, bottom = sympy.fraction(sympy.cancel(-intercept / slope))
    if bottom.could_extract_minus_sign():
        top, bottom = -top, -bottom
    root = top / bottom
    rising, falling = (x < root, x > root), (x > root, x < root)
    for condition, (less, greater), assuming in (
        (slope > 0, rising, None),
        (slope < 0, falling, None),
        (slope >= 0, rising, slope > 0),
        (slope <= 0, falling, -slope > 0),
    ):
        if decide(condition):
            return ClosedForm(less, sympy.Eq(x, root), greater, assuming)
    return None


def crossover(
    a: Cost | Operator,
    b: Cost | Operator,
    quantity: str,
    over: sympy.Symbol | str,
    given: Mapping[str, object] | None = None,
    *,
    input_shape: Sequence[object] | None = None,
    element_size: int = 1,
) -> Crossover:
    """For which positive integers ``over`` is ``a``'s quantity below, equal to, above ``b``'s?

    Other symbols are fixed by ``given`` (names to exact values) or stay symbolic. The
    sets are solved exactly with sympy's inequality solver (per residue class when
    ``over`` is under a ``ceiling``, as strided output sizes are) and proved by exact
    evaluation at every edge and next to every real root; when that is not possible the sets are ``None`` and
    ``exceeds`` is decided from the symbols' assumptions, or ``'undecided'``.

    >>> import symconv
    >>> from symconv.symbols import C_in, C_out, H, W
    >>> dw = symconv.DepthwiseSeparableConv2d(C_in, C_out, 3, padding=1, bias=False)
    >>> std = symconv.Conv2d(C_in, C_out, 3, padding=1, bias=False)
    >>> found = crossover(dw, std, "memory", "C_out", {"H": 7, "W": 7}, input_shape=(1, C_in, H, W))
    >>> found.greater, found.less, found.exceeds  # C_in*(2*7*7 + 9) > 8*C_in*C_out below C_out = 13.375
    (Range(1, 14, 1), Range(14, oo, 1), 'sometimes')
    >>> crossover(dw, std, "memory", "C_out", input_shape=(1, C_in, H, W)).boundary
    {H*W/4 + 9/8}
    """
    top = _quantity_of(as_cost(a, input_shape), quantity, element_size=element_size)
    bottom = _quantity_of(as_cost(b, input_shape), quantity, element_size=element_size)
    symbols = top.free_symbols | bottom.free_symbols
    where = f"the {quantity} of either cost"
    x = _lookup(symbols, over, where)
    values = {}
    for name, value in (given or {}).items():
        if name == x.name:
            raise SymconvError(f"given fixes {name!r}, the symbol the crossover is over")
        _lookup(symbols, name, where)
        values[name] = exact(value, name)
    difference = sympy.cancel(sympy.together(_substitute(top - bottom, values)))
    signed = _without_positive_factors(difference)
    sets = None
    if signed.free_symbols <= {x}:
        sets = _sign_sets(signed, x) or _periodic_sign_sets(signed, x)
    if sets is not None:
        less, equal, greater = sets
        return Crossover(x, difference, less, equal, greater, _exceeds(greater))
    return _assumed(x, difference)


def _without_positive_factors(expr: sympy.Expr) -> sympy.Expr:
    """``expr`` with the factors its symbols' assumptions make positive divided out: same sign, fewer symbols.

    >>> from symconv.symbols import C_in, C_out
    >>> _without_positive_factors(C_in * (3 - C_out) / C_out)
    3 - C_out
    """
    factored = sympy.factor(expr)
    kept = [f for f in sympy.Mul.make_args(factored) if not f.is_positive]
    return sympy.Mul(*kept)


def _exceeds(greater: sympy.Set) -> Verdict:
    if greater == sympy.S.EmptySet:
        return "never"
    return "always" if greater == NATURALS or greater == sympy.Range(1, sympy.oo) else "sometimes"


def _assumed(x: sympy.Symbol, difference: sympy.Expr) -> Crossover:
    """The answer the symbols' assumptions (positive integers) give, when the sets cannot be solved."""
    empty = sympy.S.EmptySet
    if decide(difference > 0):
        return Crossover(x, difference, empty, empty, NATURALS, "always")
    if decide(difference < 0):
        return Crossover(x, difference, NATURALS, empty, empty, "never")
    if decide(sympy.Eq(difference, 0)):
        return Crossover(x, difference, empty, NATURALS, empty, "never")
    if decide(difference <= 0):
        return Crossover(x, difference, None, None, empty, "never")
    try:
        roots = sympy.solveset(_without_positive_factors(difference), x, sympy.S.Reals)
    except (NotImplementedError, ValueError, TypeError):
        roots = None
    boundary = sympy.FiniteSet(*map(canonical, roots)) if isinstance(roots, sympy.FiniteSet) else None
    return Crossover(x, difference, None, None, None, "undecided", boundary, closed_form(difference, x))


def _sign_sets(difference: sympy.Expr, x: sympy.Symbol) -> tuple[sympy.Set, sympy.Set, sympy.Set] | None:
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
    if sets is None or not _partition_checked(difference, x, sets):
        sets = _isolated_sign_sets(difference, x)
    return sets if sets is not None and _partition_checked(difference, x, sets) else None


def _sign_index(difference: sympy.Expr, x: sympy.Symbol, value: int) -> int | None:
    """0, 1, 2 for ``difference`` < 0, == 0, > 0 at ``x = value`` (exactly); ``None`` if it is not a number."""
    sign = sympy.sign(difference.subs(x, value))
    return {-1: 0, 0: 1, 1: 2}.get(int(sign)) if sign.is_Integer else None


def _isolated_sign_sets(difference: sympy.Expr, x: sympy.Symbol) -> tuple[sympy.Set, sympy.Set, sympy.Set] | None:
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


def _sets_from_runs(runs: Iterable[tuple[int, object, int]]) -> tuple[sympy.Set, sympy.Set, sympy.Set]:
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


def _periodic_sign_sets(difference: sympy.Expr, x: sympy.Symbol) -> tuple[sympy.Set, sympy.Set, sympy.Set] | None:
    """Sign sets of a ``difference`` with ``floor``/``ceiling`` of ``x`` (strided sizes such as ``ceiling(H/2)``).

    On each residue class ``x = period*(t - 1) + r`` the roundings are exact polynomials in ``t``,
    so each class is solved (and proved) by :func:`_sign_sets`; the classes are then merged
    into runs of consecutive integers, which needs every class to end in the same sign.
    """
    period = _period(difference, x)
    if period is None or period == 1:
        return None
    t = sympy.Dummy("t", integer=True, positive=True)
    classes = []
    for r in range(1, period + 1):
        per_class = _sign_sets(difference.subs(x, period * (t - 1) + r), t)
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


def _merge_classes(classes: list[tuple[sympy.Set, ...]], period: int) -> tuple[sympy.Set, sympy.Set, sympy.Set] | None:
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


def _partition_checked(difference: sympy.Expr, x: sympy.Symbol, sets: tuple[sympy.Set, ...]) -> bool:
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


# --------------------------------------------------------------------------- roofline


@dataclass(frozen=True)
class Roofline:
    """A roofline verdict: ``'memory-bound'`` when ``intensity < machine_balance``, else ``'compute-bound'``.

    With symbols left, ``verdict`` is ``'depends'`` unless the assumptions decide it;
    ``memory_bound_when`` is the condition (``compute < balance * bytes``) and, with one
    symbol left, ``memory_bound_values`` the exact set of its values where it holds.
    """

    intensity: sympy.Expr
    machine_balance: sympy.Expr
    verdict: Literal["memory-bound", "compute-bound", "depends"]
    memory_bound_when: sympy.Basic
    memory_bound_values: sympy.Set | None = None


def _balance(value: object) -> sympy.Expr:
    if isinstance(value, float):  # the decimal the user wrote, exactly: 10.2 -> 51/5
        value = sympy.Rational(repr(value))
    balance = exact(value, "machine_balance")
    if not (balance.is_number and balance.is_positive):
        raise SymconvError(f"machine_balance={value} must be a positive number (operations per byte)")
    return balance


def roofline(
    cost: Cost,
    machine_balance: object,
    convention: str = "flops",
    model: str = "ideal",
    element_size: int = 4,
) -> Roofline:
    """Is ``cost`` memory- or compute-bound on a machine of balance ``machine_balance`` (operations per byte)?

    ``machine_balance`` is exact (a float is read as the decimal it was written as).

    >>> import symconv
    >>> from symconv.symbols import C
    >>> pw = symconv.Conv2d(64, 64, 1, bias=False).cost((1, 64, 56, 56))
    >>> roofline(pw, 10).verdict, roofline(pw, 10).intensity  # 2*64*64*3136 / (4*(2*64*3136 + 64*64))
    ('compute-bound', 1568/99)
    >>> roofline(symconv.Conv2d(C, C, 1, bias=False).cost((1, C, 56, 56)), 10).memory_bound_values
    Range(1, 41, 1)
    """
    balance = _balance(machine_balance)
    compute = find_convention(convention).of(cost)
    moved = cost.memory(memory_model(model), as_element_size(element_size))
    intensity = canonical(compute / moved)
    difference = sympy.expand(compute - balance * moved)
    condition = sympy.Lt(compute, balance * moved)
    if not difference.free_symbols:
        verdict = "memory-bound" if difference < 0 else "compute-bound"
        return Roofline(intensity, balance, verdict, sympy.sympify(difference < 0))
    values = None
    signed = _without_positive_factors(difference)
    if len(signed.free_symbols) == 1:
        (x,) = signed.free_symbols
        sets = _sign_sets(signed, x)
        values = None if sets is None else sets[0]
    bound = decide(difference < 0)
    verdict = {True: "memory-bound", False: "compute-bound", None: "depends"}[bound]
    return Roofline(intensity, balance, verdict, condition, values)
