"""Turning user values into sizes, and the checks that can be decided on them.

A *size* is a sympy expression: an exact ``Integer`` for concrete values or an
expression in symbols. A rule that cannot be decided for symbols is accepted;
a rule that is decidably broken raises :class:`~symconv.errors.InvalidConfiguration`.
"""

from __future__ import annotations

import functools
import numbers
from collections.abc import Sequence

import sympy

from symconv.errors import InvalidConfiguration

Size = int | sympy.Expr


def show(value: object) -> str:
    """How a value is quoted in an error message."""
    return repr(value) if isinstance(value, str) else str(value)


def as_size(value: object, name: str, *, minimum: int = 1) -> sympy.Expr:
    """Convert ``value`` to a sympy size, checking it is an integer ``>= minimum``.

    Examples
    --------
    >>> as_size(3, "stride")
    3
    >>> as_size(0, "stride")
    Traceback (most recent call last):
    ...
    symconv.errors.InvalidConfiguration: stride=0 must be a positive integer
    """
    rule = "a positive integer" if minimum == 1 else f"an integer >= {minimum}"
    if isinstance(value, bool) or not isinstance(value, numbers.Number | sympy.Basic):
        raise InvalidConfiguration(f"{name}={show(value)} must be {rule}")
    if isinstance(value, numbers.Number) and not isinstance(value, sympy.Basic):
        if not isinstance(value, numbers.Integral) and not float(value).is_integer():
            raise InvalidConfiguration(f"{name}={show(value)} must be {rule}")
        value = int(value)
    expr = sympy.sympify(value)
    if not isinstance(expr, sympy.Expr) or expr.is_integer is False:
        raise InvalidConfiguration(f"{name}={show(value)} must be {rule}")
    if decide(expr >= minimum) is False:
        raise InvalidConfiguration(f"{name}={show(value)} must be {rule}")
    return expr


def per_axis(value: object, dims: int, name: str, *, minimum: int = 1) -> tuple[sympy.Expr, ...]:
    """Expand an int/symbol or a ``dims``-tuple to one size per spatial axis (PyTorch's ``_ntuple``)."""
    if isinstance(value, Sequence) and not isinstance(value, str):
        if len(value) != dims:
            raise InvalidConfiguration(
                f"{name}={show(tuple(value))} must have {dims} entr{'y' if dims == 1 else 'ies'}"
            )
        return tuple(as_size(v, name, minimum=minimum) for v in value)
    return (as_size(value, name, minimum=minimum),) * dims


def decide(relation: object) -> bool | None:
    """Truth of a sympy relation under the symbols' assumptions: True, False, or None if undecidable."""
    if isinstance(relation, bool):
        return relation
    if relation is sympy.true:
        return True
    if relation is sympy.false:
        return False
    if isinstance(relation, sympy.core.relational.Relational):
        return _decide_relational(relation)
    return None


_SIGN_CHECKS = {
    sympy.GreaterThan: "is_nonnegative",
    sympy.StrictGreaterThan: "is_positive",
    sympy.LessThan: "is_nonpositive",
    sympy.StrictLessThan: "is_negative",
    sympy.Equality: "is_zero",
}


@functools.lru_cache(maxsize=4096)
def _decide_relational(relation: sympy.core.relational.Relational) -> bool | None:
    check = _SIGN_CHECKS.get(type(relation))
    if check is None:
        return None
    difference = relation.lhs - relation.rhs
    # the assumptions decide most relations as written; simplify (slow) only when they cannot and
    # the difference is not already linear (simplify cannot rewrite a sum of symbol multiples)
    answer = getattr(difference, check)
    if answer is not None or _is_linear(difference):
        return answer
    return getattr(sympy.simplify(difference), check)


def _is_linear(expr: sympy.Expr) -> bool:
    return all(t.is_Number or t.as_coeff_Mul()[1].is_Symbol for t in sympy.Add.make_args(expr))


def require_divides(divisor: sympy.Expr, divisor_name: str, dividend: sympy.Expr, dividend_name: str) -> None:
    """Raise if ``divisor`` decidably does not divide ``dividend``."""
    quotient = dividend / divisor
    if quotient.is_integer is False or (quotient.is_Number and not quotient.is_Integer):
        raise InvalidConfiguration(
            f"{divisor_name}={divisor} must divide {dividend_name}={dividend}"
        )


def require_equal(actual: sympy.Expr, actual_name: str, expected: sympy.Expr, expected_name: str) -> None:
    """Raise if two sizes that must agree decidably differ."""
    if decide(sympy.Eq(actual, expected, evaluate=False)) is False:
        raise InvalidConfiguration(f"{actual_name}={actual} does not match {expected_name}={expected}")


def product(values: Sequence[sympy.Expr]) -> sympy.Expr:
    """Exact product of sizes (1 for an empty sequence)."""
    return sympy.Mul(*values)
