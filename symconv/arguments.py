"""What the queries accept, made exact: a Cost (or an operator to cost), exact values, symbols given by name."""

from __future__ import annotations

import numbers
from collections.abc import Iterable, Mapping, Sequence
from fractions import Fraction

import sympy

from symconv.cost import Cost
from symconv.errors import SymconvError
from symconv.network.graph import Network, NetworkCost
from symconv.ops.base import Operator, shapes_for


def as_cost(
    value: Cost | NetworkCost | Operator, input_shape: Sequence[object] | None = None, *, grad: bool | str = False
) -> Cost:
    """A :class:`Cost`: itself, a network cost's total, or an :class:`Operator` costed on ``input_shape``.

    ``input_shape`` is one shape, or one per input for an operator of several (``Add``,
    ``Matmul``); a :class:`~symconv.network.graph.Network` is costed on its declared inputs.
    A training step (:class:`~symconv.training.TrainingCost`, or a network's) is kept as one;
    an operator with ``grad`` (``True`` or ``'weights'``) is costed as one.

    >>> from symconv.network import Add
    >>> as_cost(Add(), [(1, 4), (1, 4)]).adds
    4
    """
    from symconv import training  # training builds on the operators
    from symconv.training import NetworkTrainingCost, TrainingCost

    if isinstance(value, Cost | TrainingCost):
        return value
    if isinstance(value, NetworkCost | NetworkTrainingCost):
        return value.total
    if isinstance(value, Operator):
        if input_shape is None and not isinstance(value, Network):
            raise SymconvError(f"{value!r} is an operator: give input_shape= to cost it")
        shapes = shapes_for(value, input_shape)
        return training.cost(value, *shapes, grad=grad) if grad is not False else value.total_cost(*shapes)
    raise SymconvError(f"expected a symconv Cost or Operator, got {type(value).__name__} {value!r}")


def find_symbol(expr: sympy.Expr, symbol: sympy.Symbol | str) -> sympy.Symbol:
    """The free symbol of ``expr`` called ``symbol`` (a name or a Symbol); raise if it does not occur."""
    return lookup(sympy.sympify(expr).free_symbols, symbol, str(expr))


def lookup(symbols: Iterable[sympy.Symbol], symbol: sympy.Symbol | str, where: str) -> sympy.Symbol:
    """The symbol of ``symbols`` called ``symbol``; raise, listing them, if there is none (``where`` says whose)."""
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


def substitute(expr: sympy.Expr, values: Mapping[str, sympy.Expr]) -> sympy.Expr:
    """``expr`` with the symbols named in ``values`` replaced."""
    mapping = {s: values[s.name] for s in expr.free_symbols if s.name in values}
    return expr.subs(mapping) if mapping else expr
