"""Roofline verdicts: is a cost memory- or compute-bound on a machine of a given balance (operations per byte)?"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import sympy

from symconv.analysis.arguments import as_cost, exact
from symconv.analysis.signs import sign_sets, without_positive_factors
from symconv.core.canonical import canonical
from symconv.core.conventions import memory_model
from symconv.core.cost import Cost
from symconv.core.intfuncs import as_roundings
from symconv.core.sizes import as_element_size, decide
from symconv.errors import SymconvError


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
        if not math.isfinite(value):
            raise SymconvError(f"machine_balance={value} must be a positive number (operations per byte)")
        value = sympy.Rational(repr(float(value)))
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
    cost = as_cost(cost)
    balance = _balance(machine_balance)
    compute = as_roundings(cost.compute(convention))
    moved = as_roundings(cost.memory(memory_model(model), as_element_size(element_size)))
    intensity = canonical(compute / moved)
    difference = sympy.expand(compute - balance * moved)
    condition = sympy.Lt(compute, balance * moved)
    if not difference.free_symbols:
        verdict = "memory-bound" if difference < 0 else "compute-bound"
        return Roofline(intensity, balance, verdict, sympy.true if difference < 0 else sympy.false)
    values = None
    signed = without_positive_factors(difference)
    if len(signed.free_symbols) == 1:
        (x,) = signed.free_symbols
        sets = sign_sets(signed, x)
        values = None if sets is None else sets[0]
    bound = decide(difference < 0)
    verdict = {True: "memory-bound", False: "compute-bound", None: "depends"}[bound]
    return Roofline(intensity, balance, verdict, condition, values)
