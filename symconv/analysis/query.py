"""Questions a researcher asks of costs: ratios, limits, exact values, grids; crossovers and roofline verdicts.

Every answer is a sympy object derived from :class:`~symconv.core.cost.Cost` quantities,
named by the one vocabulary of :mod:`symconv.core.quantities`. Ratios and leading terms
are in the :mod:`canonical form <symconv.canonical>`; :func:`crossover` lives in
:mod:`symconv.analysis.crossover` (its integer sign solver in :mod:`symconv.analysis.signs`) and
:func:`roofline` in :mod:`symconv.analysis.roofline`; all are importable from here.

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
from collections.abc import Iterable, Mapping, Sequence

import sympy

from symconv.analysis.arguments import as_cost, checked, exact, expression, find_symbol, substitute
from symconv.analysis.crossover import ClosedForm, Crossover, closed_form, crossover
from symconv.analysis.roofline import Roofline, roofline
from symconv.analysis.training import NetworkTrainingCost, TrainingCost
from symconv.core.canonical import canonical, simplify_rounding
from symconv.core.cost import Cost
from symconv.core.intfuncs import as_roundings
from symconv.core.parse import parse_expression
from symconv.core.quantities import Quantity, both, quantity_named
from symconv.core.rules import checked_value, exact_value
from symconv.errors import SymconvError, WrongType
from symconv.network.graph import NetworkCost
from symconv.ops.base import Operator

__all__ = [
    "ClosedForm",
    "Crossover",
    "Roofline",
    "as_cost",
    "asymptotic",
    "at",
    "canonical",
    "closed_form",
    "compare",
    "crossover",
    "exact",
    "find_symbol",
    "limit",
    "quantity",
    "ratio",
    "roofline",
    "simplify_rounding",
]


def quantity(
    cost: Cost | Operator,
    name: str | Quantity,
    *,
    element_size: object = 1,
    baseline: Cost | Operator | None = None,
    input_shape: Sequence[object] | None = None,
) -> sympy.Expr:
    """The quantity called ``name`` of ``cost`` (a Cost, or an Operator costed on ``input_shape``).

    Parameters
    ----------
    cost : Cost or Operator
    name : str or Quantity
        Any name of :mod:`symconv.core.quantities`: a compute convention (``'macs'``, ``'flops'``,
        ``'mults'``, ``'ops'``, each with ``'+bias'``/``'-bias'``), ``'adds'``, ``'params'``,
        ``'memory[:model]'``, ``'reads[:model]'``, ``'writes[:model]'`` (model ``ideal`` or
        ``im2col``), ``'intensity[:convention[:model]]'`` (default ``flops`` per element
        moved, ideal), a training quantity (``'backward:macs'``, ``'training:flops'``,
        ``'saved'``, ``'training-memory:adam'`` ...: an operator is then costed with
        ``grad=True``) or ``'ratio:<quantity>'`` (with ``baseline``).
    element_size : int or Fraction
        Bytes per element, for memory quantities and intensity (1: counts elements;
        ``Fraction(1, 2)`` for 4-bit types).
    baseline : Cost or Operator, optional
        What a ``ratio:`` quantity divides by.

    Examples
    --------
    >>> import symconv
    >>> cost = symconv.Conv2d(2, 4, 3, bias=False).cost((1, 2, 5, 5))
    >>> quantity(cost, "macs"), quantity(cost, "memory:ideal"), quantity(cost, "intensity:macs")
    (648, 158, 324/79)
    >>> quantity(cost, "ratio:params", baseline=symconv.Conv2d(2, 4, 1, bias=False).cost((1, 2, 5, 5)))
    9
    >>> quantity(cost, "gflops")
    Traceback (most recent call last):
    ...
    symconv.core.quantities.UnknownQuantity: unknown quantity 'gflops'; expected one of: ... (did you mean 'flops'?)
    """
    q = quantity_named(name)
    grad = q.training  # an operator is costed as a training step for a training quantity
    base = None if baseline is None else as_cost(baseline, input_shape, grad=grad)
    return q.of(as_cost(cost, input_shape, grad=grad), element_size=element_size, baseline=base)


def ratio(
    a: Cost | Operator,
    b: Cost | Operator,
    quantity: str | Quantity = "macs",
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
    top, bottom = both(quantity, as_cost(a, input_shape), as_cost(b, input_shape), element_size=element_size)
    if bottom == 0:
        raise SymconvError(f"the {quantity_named(quantity).name} of the second cost is 0: the ratio is undefined")
    return canonical(top / bottom)


# --------------------------------------------------------------------------- symbols and values


def at(
    expr_or_cost: sympy.Expr | Cost | NetworkCost | TrainingCost, **values: object
) -> sympy.Expr | Cost | NetworkCost | TrainingCost:
    """``expr_or_cost`` with symbols (named by keyword) replaced by exact values.

    A cost checks the values as :meth:`Cost.subs <symconv.core.cost.Cost.subs>` does (a size is a
    positive integer; the configuration's rules hold again); text is parsed, never evaluated.

    >>> from symconv.symbols import C_out, K
    >>> at(1 / C_out + 1 / K**2, C_out=64, K=3)
    73/576
    >>> at(1 / C_out, H=3)
    Traceback (most recent call last):
    ...
    symconv.errors.InvalidConfiguration: symbol 'H' does not occur in 1/C_out; its symbols are: C_out
    >>> at(1 / C_out, C_out=0)
    Traceback (most recent call last):
    ...
    symconv.errors.InvalidConfiguration: C_out=0 must be a positive integer
    """
    if isinstance(expr_or_cost, Cost | NetworkCost | TrainingCost | NetworkTrainingCost):
        return expr_or_cost.subs(values)
    expr = expression(expr_or_cost)
    symbols = {name: find_symbol(expr, name) for name in values}
    return substitute(expr, checked(values, symbols))


def compare(
    costs: Mapping[str, Cost],
    quantity: str | Quantity,
    grid: Mapping[str, Iterable[object]],
    *,
    element_size: int = 1,
    baseline: str | None = None,
) -> list[dict[str, sympy.Expr]]:
    """Exact values of ``quantity`` for each named cost at every point of ``grid``.

    Rows follow the grid's cartesian product in order (last name fastest); each row maps
    the grid's names to the point and each cost's name to its exact value. A ``ratio:``
    quantity divides by the cost named ``baseline``.

    >>> import symconv
    >>> from symconv.symbols import C_in, H, W
    >>> costs = {f"K={k}": symconv.Conv2d(C_in, 8, k, bias=False).cost((1, C_in, H, W)) for k in (1, 3)}
    >>> compare(costs, "params", {"C_in": [4, 16]})
    [{'C_in': 4, 'K=1': 32, 'K=3': 288}, {'C_in': 16, 'K=1': 128, 'K=3': 1152}]
    """
    if not isinstance(costs, Mapping) or not isinstance(grid, Mapping):
        raise WrongType("compare needs costs= and grid= as mappings of names to costs and to value lists")
    q = quantity_named(quantity)
    if baseline is not None and (not isinstance(baseline, str) or baseline not in costs):
        raise SymconvError(f"baseline={baseline!r} must be one of the costs: {', '.join(map(repr, costs))}")
    costs = {name: as_cost(cost) for name, cost in costs.items()}
    base = None if baseline is None else costs[baseline]
    exprs = {name: q.of(cost, element_size=element_size, baseline=base) for name, cost in costs.items()}
    present = {s.name for e in exprs.values() for s in e.free_symbols}
    clash = set(grid) & set(exprs)
    if clash:
        raise SymconvError(f"grid names {sorted(clash)} are also cost names; rename the costs")
    for name in grid:
        if name not in present:
            raise SymconvError(
                f"grid symbol {name!r} does not occur in the {q.name} of any cost; symbols: {sorted(present)}"
            )
    missing = present - set(grid)
    if missing:
        raise SymconvError(f"compare needs a value for every symbol: {sorted(missing)} not in grid")
    symbols = {s.name: s for e in exprs.values() for s in e.free_symbols}
    axes = {name: _axis(name, values, symbols) for name, values in grid.items()}
    rows = []
    for point in itertools.product(*axes.values()):
        values = dict(zip(axes, point, strict=True))
        for cost in costs.values():
            cost.check_at(values)  # every point, not only the ends of a range
        rows.append({**values, **{name: substitute(e, values) for name, e in exprs.items()}})
    return rows


def _axis(name: str, values: Iterable[object], symbols: Mapping[str, sympy.Symbol]) -> list[sympy.Expr]:
    if isinstance(values, str | bytes) or not isinstance(values, Iterable):
        raise WrongType(f"grid[{name!r}]={values!r} must be a list of values")
    return [checked_value(v, symbols[name], symbols) for v in values]


# --------------------------------------------------------------------------- limits


def limit(expr: sympy.Expr, symbol: sympy.Symbol | str, value: object = sympy.oo) -> sympy.Expr:
    """``sympy.limit`` with the symbol given by name if wished; ``value`` may be ``'oo'``.

    >>> from symconv.symbols import C_out, K
    >>> limit(1 / C_out + 1 / K**2, "C_out", "oo")
    K**(-2)
    """
    expr = as_roundings(expression(expr))
    x = find_symbol(expr, symbol)
    if isinstance(value, str):
        point = parse_expression(value, name="value", infinity=True)
    else:
        point = exact_value(value, "value")
    try:
        return sympy.limit(expr, x, point)
    except (NotImplementedError, ValueError, TypeError, sympy.SympifyError) as err:
        raise SymconvError(f"cannot take the limit of {expr} as {x} -> {value}: {err or type(err).__name__}") from None


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
    expr = as_roundings(expression(expr))
    if isinstance(symbols, str | sympy.Symbol):
        names = [symbols]
    elif isinstance(symbols, Iterable) and not isinstance(symbols, bytes):
        names = list(symbols)
    else:
        raise WrongType(f"symbols={symbols!r} must be a symbol name or a list of them")
    if not names:
        raise SymconvError("symbols= must name at least one symbol")
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
