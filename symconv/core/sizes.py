"""Turning user values into sizes, and the checks that can be decided on them.

A *size* is a sympy expression: an exact ``Integer`` for concrete values or an
expression in symbols. A rule that cannot be decided for symbols is accepted;
a rule that is decidably broken raises :class:`~symconv.errors.InvalidConfiguration`.
"""

from __future__ import annotations

import functools
import numbers
from collections.abc import Sequence
from fractions import Fraction

import sympy

from symconv.core.rules import Rule, captured, record, replay
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
    if type(value) is int or isinstance(value, sympy.Integer):  # the usual case, decided without sympy's machinery
        if value < minimum:
            raise InvalidConfiguration(f"{name}={show(value)} must be {rule}")
        return sympy.Integer(value)
    if isinstance(value, sympy.Expr):  # a network checks the same symbolic sizes at every layer: once is enough
        expr, rules = _symbolic_size(value, name, minimum)
        replay(rules)
        return expr
    return _checked_size(value, name, minimum, rule)


@functools.lru_cache(maxsize=4096)
def _symbolic_size(value: sympy.Expr, name: str, minimum: int) -> tuple[sympy.Expr, tuple[Rule, ...]]:
    """:func:`as_size` of a sympy expression, and the rules it records (replayed on every call)."""
    with captured() as rules:
        rule = "a positive integer" if minimum == 1 else f"an integer >= {minimum}"
        expr = _checked_size(value, name, minimum, rule)
    return expr, tuple(rules)


def _checked_size(value: object, name: str, minimum: int, rule: str) -> sympy.Expr:
    if isinstance(value, bool) or not isinstance(value, numbers.Number | sympy.Basic):
        raise InvalidConfiguration(f"{name}={show(value)} must be {rule}")
    if isinstance(value, sympy.Float):
        value = float(value)
    if isinstance(value, numbers.Number) and not isinstance(value, sympy.Basic):
        value = _python_integer(value, name, rule)
    expr = sympy.Integer(value) if isinstance(value, int) else value
    if not isinstance(expr, sympy.Expr) or expr.is_integer is False or (expr.is_Number and not expr.is_Integer):
        raise InvalidConfiguration(f"{name}={show(value)} must be {rule}")
    # unevaluated: sympy would otherwise query the assumptions on the relation before decide() simplifies it
    at_least = sympy.Ge(expr, minimum, evaluate=False)
    holds = decide(at_least)
    if holds is False:
        raise InvalidConfiguration(f"{name}={show(value)} must be {rule}")
    template = f"{_escaped(name)}={{}} must be {rule}"
    if expr.is_integer is None:
        record("integer", expr, template, expr)
    if holds is None:
        record("holds", at_least, template, expr)
    return expr


def _escaped(text: str) -> str:
    """``text`` for a :class:`~symconv.core.rules.Rule` message template (braces doubled)."""
    return text.replace("{", "{{").replace("}", "}}")


def require(relation: sympy.Basic, message: str, *args: sympy.Basic) -> None:
    """Raise if ``relation`` is decidably false; record it if undecidable.

    ``message`` is a template whose ``{}`` fields are ``args``, so that the error names the
    values the rule is checked on again after substitution (:mod:`symconv.core.rules`).
    """
    if isinstance(relation, sympy.Equality) and relation.lhs == relation.rhs:
        return  # the same expression on both sides (most shapes a network checks): holds, nothing to record
    if decide(relation) is False:
        raise InvalidConfiguration(message.format(*args))
    record("holds", relation, message, *args)


def _python_integer(value: numbers.Number, name: str, rule: str) -> int:
    """A Python number that is an integer, as an int; a float only up to 2**53, where floats are exact."""
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Rational) and value.denominator == 1:
        return int(value.numerator)
    try:
        approximation = float(value)
    except (TypeError, ValueError):  # complex numbers
        raise InvalidConfiguration(f"{name}={show(value)} must be {rule}") from None
    if not approximation.is_integer():
        raise InvalidConfiguration(f"{name}={show(value)} must be {rule}")
    if abs(approximation) > 2**53:
        raise InvalidConfiguration(f"{name}={show(value)} must be an int: a float is exact only up to 2**53")
    return int(approximation)


def as_element_size(value: object) -> sympy.Expr:
    """Bytes per element: a positive integer, a positive fraction (``Fraction(1, 2)`` for 4-bit types) or a symbol.

    >>> as_element_size(Fraction(1, 2))
    1/2
    >>> as_element_size(0.5)
    Traceback (most recent call last):
    ...
    symconv.errors.InvalidConfiguration: element_size=0.5 must be a positive integer or fraction, e.g. Fraction(1, 2)
    """
    if isinstance(value, Fraction):
        value = sympy.Rational(value.numerator, value.denominator)
    if isinstance(value, sympy.Rational) and value.is_positive:
        return value
    try:
        return as_size(value, "element_size")
    except InvalidConfiguration:
        raise InvalidConfiguration(
            f"element_size={show(value)} must be a positive integer or fraction, e.g. Fraction(1, 2)"
        ) from None


def per_axis(value: object, dims: int, name: str, *, minimum: int = 1) -> tuple[sympy.Expr, ...]:
    """Expand an int/symbol or a ``dims``-tuple to one size per spatial axis (PyTorch's ``_ntuple``)."""
    if isinstance(value, Sequence) and not isinstance(value, str | bytes):
        if len(value) != dims:
            raise InvalidConfiguration(
                f"{name}={show(tuple(value))} must have {dims} entr{'y' if dims == 1 else 'ies'}"
            )
        return tuple(as_size(v, name, minimum=minimum) for v in value)
    return (as_size(value, name, minimum=minimum),) * dims


@functools.lru_cache(maxsize=4096)  # symbolic checks repeat across builds
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
    difference = _stand_ins(relation.lhs - relation.rhs)
    lowest = None if difference.is_Number else _lowest(difference)
    if lowest is not None:  # a sum that grows without bound from ``lowest``
        return _MONOTONE[check](lowest)
    return getattr(difference, check)


_MONOTONE = {
    "is_nonnegative": lambda lowest: True if lowest >= 0 else None,
    "is_positive": lambda lowest: True if lowest > 0 else None,
    "is_nonpositive": lambda lowest: False if lowest > 0 else None,
    "is_negative": lambda lowest: False if lowest >= 0 else None,
    "is_zero": lambda lowest: False if lowest > 0 else None,
}


def _lowest(expr: sympy.Expr) -> sympy.Expr | None:
    """The least value of a constant plus nonnegative multiples of monomials in nonnegative integer symbols.

    Such a sum grows with every symbol, without bound, and is least with each symbol at its least value
    (1 if positive, else 0); this costs no assumption query on the sum (sympy's differentiates it).
    None for any other expression.
    """
    lowest = sympy.Integer(0)
    for term in sympy.Add.make_args(expr):
        coefficient, monomial = term.as_coeff_Mul()
        if monomial == 1:
            lowest += coefficient
            continue
        if coefficient < 0:
            return None
        least = coefficient
        for factor in sympy.Mul.make_args(monomial):
            base, exponent = factor.as_base_exp()
            if not (
                base.is_Symbol and base.is_integer and base.is_nonnegative and exponent.is_Integer and exponent > 0
            ):
                if not factor.is_Number:
                    return None
            elif not base.is_positive:
                least = sympy.Integer(0)
        lowest += least
    return lowest


def _stand_ins(expr: sympy.Expr) -> sympy.Expr:
    """``expr`` with each integer function (an output size ``ceiling(H/2)``, a gcd) as an integer symbol of its sign.

    sympy's assumptions decide ``n - 1 >= 0`` for a positive integer symbol ``n``, not for a function.
    """
    atoms = [a for a in expr.atoms(sympy.Function) if a.is_integer]
    if not atoms:
        return expr
    return expr.xreplace({a: _integer_symbol(i, a.is_positive, a.is_nonnegative) for i, a in enumerate(atoms)})


@functools.lru_cache(maxsize=256)
def _integer_symbol(index: int, positive: bool | None, nonnegative: bool | None) -> sympy.Symbol:
    """The ``index``-th stand-in of an expression, of these signs: distinct atoms of one expression get distinct
    symbols; expressions share them (a symbol with assumptions is slow to make, and nothing outlives the query)."""
    return sympy.Dummy(integer=True, positive=positive, nonnegative=nonnegative)


def require_divides(divisor: sympy.Expr, divisor_name: str, dividend: sympy.Expr, dividend_name: str) -> None:
    """Raise if ``divisor`` decidably does not divide ``dividend``."""
    template = f"{_escaped(divisor_name)}={{}} must divide {_escaped(dividend_name)}={{}}"
    if divisor.is_Integer and dividend.is_Integer:  # the usual case, without building the fraction
        if int(divisor) == 0 or int(dividend) % int(divisor):
            raise InvalidConfiguration(template.format(divisor, dividend))
        return
    quotient = dividend / divisor
    if quotient.is_integer is False or (quotient.is_Number and not quotient.is_Integer):
        raise InvalidConfiguration(template.format(divisor, dividend))
    record("integer", quotient, template, divisor, dividend)


def require_equal(actual: sympy.Expr, actual_name: str, expected: sympy.Expr, expected_name: str) -> None:
    """Raise if two sizes that must agree decidably differ."""
    template = f"{_escaped(actual_name)}={{}} does not match {_escaped(expected_name)}={{}}"
    require(sympy.Eq(actual, expected, evaluate=False), template, actual, expected)


def product(values: Sequence[sympy.Expr]) -> sympy.Expr:
    """Exact product of sizes (1 for an empty sequence)."""
    return sympy.Mul(*values)
