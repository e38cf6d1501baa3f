"""What the queries accept, made exact: a Cost (or an operator to cost), exact values, symbols given by name."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import sympy

from symconv.core.cost import Cost
from symconv.core.rules import checked_value, exact_value, lookup, substitute
from symconv.errors import SymconvError, WrongType
from symconv.network.graph import Network, NetworkCost
from symconv.ops.base import Operator, shapes_for

__all__ = ["as_cost", "checked", "exact", "expression", "find_symbol", "lookup", "substitute"]


def as_cost(
    value: Cost | NetworkCost | Operator, input_shape: Sequence[object] | None = None, *, grad: bool | str = False
) -> Cost:
    """A :class:`Cost`: itself, a network cost's total, or an :class:`Operator` costed on ``input_shape``.

    ``input_shape`` is one shape, or one per input for an operator of several (``Add``,
    ``Matmul``); a :class:`~symconv.network.graph.Network` is costed on its declared inputs.
    A training step (:class:`~symconv.analysis.training.TrainingCost`, or a network's) is kept as one;
    an operator with ``grad`` (``True`` or ``'weights'``) is costed as one.

    >>> from symconv.network import Add
    >>> as_cost(Add(), [(1, 4), (1, 4)]).adds
    4
    """
    from symconv.analysis import training  # training builds on the operators
    from symconv.analysis.training import NetworkTrainingCost, TrainingCost

    if isinstance(value, Cost | TrainingCost):
        return value
    if isinstance(value, NetworkCost | NetworkTrainingCost):
        return value.total
    if isinstance(value, Operator):
        if input_shape is None and not isinstance(value, Network):
            raise SymconvError(f"{value!r} is an operator: give input_shape= to cost it")
        shapes = shapes_for(value, input_shape)
        return training.cost(value, *shapes, grad=grad) if grad is not False else value.total_cost(*shapes)
    raise WrongType(f"expected a symconv Cost or Operator, got {type(value).__name__} {value!r}")


def find_symbol(expr: sympy.Expr, symbol: sympy.Symbol | str) -> sympy.Symbol:
    """The free symbol of ``expr`` called ``symbol`` (a name or a Symbol); raise if it does not occur."""
    return lookup(expression(expr).free_symbols, symbol, str(expr))


def exact(value: object, name: str) -> sympy.Expr:
    """``value`` as an exact sympy number or expression: text is parsed (never evaluated), floats are refused.

    >>> exact("2*C + 1", "C_out")
    2*C + 1
    >>> exact(0.5, "x")
    Traceback (most recent call last):
    ...
    symconv.errors.InvalidConfiguration: x=0.5 must be exact: an int, a Fraction or a sympy expression
    """
    return exact_value(value, name)


def expression(value: object, name: str = "expr") -> sympy.Expr:
    """An expression to query: a sympy expression, an exact number, or text (parsed by :mod:`symconv.core.parse`)."""
    if isinstance(value, Cost | NetworkCost | Operator):
        raise WrongType(f"{name}={value!r} must be an expression; take a quantity of it first, e.g. cost.macs")
    return exact_value(value, name)


def checked(values: Mapping[str, object], symbols: Mapping[str, sympy.Symbol]) -> dict[str, sympy.Expr]:
    """Values by name, each exact and suiting its symbol in ``symbols`` (a size is a positive integer)."""
    return {name: checked_value(value, symbols[name], symbols) for name, value in values.items()}
