"""The validation rules of a configuration, recorded when it is built and checked again after substitution.

A rule that cannot be decided on symbols (``groups=g must divide in_channels=C``)
is accepted when an operator is built or costed; it is recorded here, stored on
the :class:`~symconv.core.cost.Cost`, and checked again whenever values replace
symbols (``cost.at(g=3, C=64)``), so a substituted cost is exactly as valid as
the operator built on those values directly.

A :class:`Rule` is a sympy condition and the error message naming the parameter
and the rule; its message is a template whose fields are the rule's ``args``
(sympy expressions, substituted along with the condition).

Examples
--------
>>> import symconv
>>> from symconv.symbols import H
>>> cost = symconv.Conv2d(4, 8, 3).cost((1, 4, H, 9))
>>> cost.at(H=1)
Traceback (most recent call last):
...
symconv.errors.InvalidConfiguration: kernel_size=3 with dilation=1 needs a padded input of at least 3, got 1 (input H=1)
"""

from __future__ import annotations

import contextlib
import contextvars
import numbers
from abc import ABCMeta
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

import sympy

from symconv.core.parse import parse_expression
from symconv.errors import InvalidConfiguration, WrongType

Kind = Literal["holds", "integer"]


@dataclass(frozen=True)
class Rule:
    """``condition`` must hold (a relation) or be an integer (``kind='integer'``); else ``message``."""

    kind: Kind
    condition: sympy.Basic
    message: str
    args: tuple[sympy.Basic, ...] = ()

    def broken(self) -> bool:
        """Whether the rule is decidably broken (an undecidable rule is not)."""
        from symconv.core.sizes import decide  # sizes records rules: imported on use

        if self.kind == "integer":
            value = self.condition
            return value.is_integer is False or (value.is_Number and not value.is_Integer)
        return decide(self.condition) is False

    def settled(self) -> bool:
        """Whether the rule holds for every value: it has no symbols left."""
        return not self.condition.free_symbols

    def error(self) -> InvalidConfiguration:
        return InvalidConfiguration(self.message.format(*self.args))


_RECORDING: contextvars.ContextVar[list[Rule] | None] = contextvars.ContextVar("symconv_rules", default=None)


@contextlib.contextmanager
def recording() -> Iterator[list[Rule]]:
    """Collect the rules recorded inside the block (and pass them on to an enclosing recording)."""
    outer = _RECORDING.get()
    rules: list[Rule] = []
    token = _RECORDING.set(rules)
    try:
        yield rules
    finally:
        _RECORDING.reset(token)
        if outer is not None:
            outer.extend(rules)


def record(kind: Kind, condition: sympy.Basic, message: str, *args: sympy.Basic) -> None:
    """Remember a rule that was accepted undecided, if a recording is active."""
    rules = _RECORDING.get()
    if rules is None or not getattr(condition, "free_symbols", None):
        return
    from symconv.core.sizes import decide

    if (condition.is_integer if kind == "integer" else decide(condition)) is not True:
        rules.append(
            Rule(kind, condition, message, tuple(a if isinstance(a, sympy.Basic) else sympy.Integer(a) for a in args))
        )


@contextlib.contextmanager
def captured() -> Iterator[list[Rule]]:
    """Collect the rules recorded inside the block without passing them on (see :func:`replay`)."""
    token = _RECORDING.set(rules := [])
    try:
        yield rules
    finally:
        _RECORDING.reset(token)


def replay(rules: Iterable[Rule]) -> None:
    """Record ``rules`` again, as recorded before (a cached check's), if a recording is active."""
    active = _RECORDING.get()
    if active is not None:
        active.extend(rules)


def check(rules: tuple[Rule, ...]) -> tuple[Rule, ...]:
    """Raise the first broken rule's error; return the rules still open (with symbols left)."""
    for rule in rules:
        if rule.broken():
            raise rule.error()
    return tuple(rule for rule in rules if not rule.settled())


class RecordingMeta(ABCMeta):
    """Metaclass that records the rules accepted while an instance is built, as ``instance.built_rules``."""

    def __call__(cls, *args, **kwargs):
        # recording(), inlined: every layer of a model builds an operator
        outer = _RECORDING.get()
        token = _RECORDING.set(rules := [])
        try:
            instance = super().__call__(*args, **kwargs)
        finally:
            _RECORDING.reset(token)
            if outer is not None:
                outer.extend(rules)
        instance.built_rules = tuple(dict.fromkeys(rules)) if rules else ()
        return instance


def _reachable(obj: object, opens: Callable[[object], bool]) -> list[object]:
    """``obj`` and what it holds, depth first, each object once: the items of lists and tuples, and the
    attributes of the objects ``opens`` accepts."""
    seen: set[int] = set()
    found: list[object] = []
    stack = [obj]
    while stack:  # a stack, not recursive generators: every layer's cost walks its operator
        item = stack.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        found.append(item)
        if isinstance(item, list | tuple):
            stack.extend(reversed(item))
        elif not isinstance(item, _LEAVES) and opens(item):
            stack.extend(reversed(list(vars(item).values())))
    return found


#: what is never opened: sympy expressions and plain values hold no configuration of their own
_LEAVES = (sympy.Basic, str, int, float, type(None))


def _is_operator(item: object) -> bool:
    return isinstance(type(item), RecordingMeta)


def configuration_symbols(obj: object) -> tuple[sympy.Symbol, ...]:
    """The symbols in the configuration of ``obj`` (an operator, its parts and axes), even those that cancel
    out of every count (a dilation under ``'same'`` padding): values may be given for them."""
    parts = _reachable(obj, lambda item: _is_operator(item) or hasattr(item, "__dataclass_fields__"))
    found = dict.fromkeys(
        s for item in parts if isinstance(item, sympy.Basic) for s in item.free_symbols if isinstance(s, sympy.Symbol)
    )
    return tuple(sorted(found, key=str))


def rules_of(obj: object) -> tuple[Rule, ...]:
    """The rules recorded when ``obj`` and every operator inside it (parts, chains) were built."""
    found = dict.fromkeys(
        rule
        for item in _reachable(obj, _is_operator)
        if _is_operator(item)
        for rule in getattr(item, "built_rules", ())
    )
    return tuple(found)


# --------------------------------------------------------------------------- substituted values


def lookup(symbols: Iterable[sympy.Symbol], symbol: sympy.Symbol | str, where: str) -> sympy.Symbol:
    """The symbol of ``symbols`` called ``symbol``; raise, listing them, if there is none (``where`` says whose)."""
    names = {s.name: s for s in symbols}
    name = symbol.name if isinstance(symbol, sympy.Symbol) else symbol
    if not isinstance(name, str) or name not in names:
        listed = ", ".join(sorted(names)) or "none: it is a number"
        raise InvalidConfiguration(f"symbol {name!r} does not occur in {where}; its symbols are: {listed}")
    return names[name]


def substitute(expr: sympy.Basic, values: Mapping[str, sympy.Expr]) -> sympy.Basic:
    """``expr`` with the symbols named in ``values`` replaced (values already checked)."""
    mapping = {s: values[s.name] for s in expr.free_symbols if s.name in values}
    return expr.subs(mapping) if mapping else expr


def substitution(values: Mapping[object, object], symbols: Mapping[str, sympy.Symbol], where: str) -> dict:
    """``values`` (keyed by name or Symbol) as ``{symbol: exact value}``, each checked against the symbol.

    Names must be symbols of ``where``; text is parsed by :func:`symconv.core.parse.parse_expression`;
    a value must be exact (int, Fraction, sympy expression) and satisfy the symbol's assumptions
    (a size is a positive integer).
    """
    if not isinstance(values, Mapping):
        raise WrongType(f"values={values!r} must be a mapping of symbol names to values")
    mapping = {}
    for key, value in values.items():
        target = lookup(symbols.values(), key, where)
        mapping[target] = checked_value(value, target, symbols)
    return mapping


def exact_value(value: object, name: str, symbols: Mapping[str, sympy.Symbol] | None = None) -> sympy.Expr:
    """``value`` as an exact sympy expression: text is parsed, floats, bools and other objects are refused."""
    if isinstance(value, str):
        return parse_expression(value, name=name, symbols=symbols)
    rule = "must be exact: an int, a Fraction or a sympy expression"
    if isinstance(value, bool) or value is None:
        raise WrongType(f"{name}={value!r} {rule}")
    if isinstance(value, sympy.Expr):
        return value
    if isinstance(value, numbers.Integral):
        return sympy.Integer(int(value))
    if isinstance(value, Fraction):
        return sympy.Rational(value.numerator, value.denominator)
    if isinstance(value, numbers.Number):
        raise InvalidConfiguration(f"{name}={value!r} {rule}")
    raise WrongType(f"{name}={value!r} {rule}")


_ASSUMPTIONS = (
    ("finite", "finite"),
    ("real", "real"),
    ("integer", "an integer"),
    ("rational", "rational"),
    ("positive", "positive"),
    ("nonnegative", "nonnegative"),
)


def describe(target: sympy.Symbol) -> str:
    """What values a symbol stands for, from its assumptions: 'a positive integer', 'a positive rational'."""
    if target.is_integer:
        return "a positive integer" if target.is_positive else "a nonnegative integer"
    if target.is_rational:
        return "a positive rational" if target.is_positive else "a rational"
    return "a number"


def checked_value(value: object, target: sympy.Symbol, symbols: Mapping[str, sympy.Symbol] | None = None) -> sympy.Expr:
    """``value`` for symbol ``target``, refused if it breaks one of the symbol's assumptions."""
    expr = exact_value(value, target.name, symbols)
    for key, _ in _ASSUMPTIONS:
        if getattr(target, f"is_{key}") is True and getattr(expr, f"is_{key}") is False:
            raise InvalidConfiguration(f"{target.name}={expr} must be {describe(target)}")
    if expr.is_Number and target.is_integer and not expr.is_Integer:
        raise InvalidConfiguration(f"{target.name}={expr} must be {describe(target)}")
    return expr
