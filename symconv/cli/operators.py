"""Operators by command-line name (from :mod:`symconv.ops.registry`), their options read from each class's signature.

One option per constructor parameter (``in_channels`` -> ``--in-channels``); the
parameter's annotation decides how the text is read (``bool``: true/false, ``str``:
as is, anything else: a size, see :mod:`symconv.cli.values`). A parameter without a
default is required by the operator that has it.
"""

from __future__ import annotations

import argparse
import functools
import inspect
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import sympy

from symconv.cli.values import BadValue, parse_bool, parse_shape, parse_value
from symconv.ops import registry
from symconv.ops.base import Operator

#: Command-line names of the operators (the registry's), and the older names kept working.
OPERATORS: dict[str, type[Operator]] = {entry.name: entry.cls for entry in registry.registrations()}
ALIASES: dict[str, str] = {alias: entry.name for entry in registry.registrations() for alias in entry.aliases}
CHOICES: list[str] = [*OPERATORS, *ALIASES]

_READERS: dict[object, Callable[[str], object]] = {bool: parse_bool, str: str}


@dataclass(frozen=True)
class Option:
    """One constructor parameter as a command-line option."""

    name: str
    read: Callable[[str], object]
    operators: tuple[str, ...]

    @property
    def flag(self) -> str:
        return "--" + self.name.replace("_", "-")


def parameters(name: str) -> tuple[inspect.Parameter, ...]:
    """The constructor parameters of operator ``name`` (``self`` and ``*args`` left out)."""
    return registry.constructor_parameters(operator_class(name))


def operator_class(name: str) -> type[Operator]:
    """The class called ``name`` (or an alias of it) on the command line."""
    return registry.lookup(name).cls


def read_inputs(args: argparse.Namespace) -> tuple[tuple, ...]:
    """The ``--input`` shapes: one, or one per input of an operator of several (``--input`` repeated)."""
    texts = args.input if isinstance(args.input, list) else [args.input]
    return tuple(read_option(parse_shape, "input", text) for text in texts)


def show_inputs(shapes: tuple[tuple, ...]) -> str:
    """``(1, 64, 56, 56)``, or ``(1, 4), (1, 4)`` for several inputs."""
    return ", ".join(str(shape) for shape in shapes)


def options(names: Iterable[str] = OPERATORS) -> list[Option]:
    """The union of the operators' options, in first-seen order."""
    return list(_options(tuple(names)))


@functools.cache
def _options(names: tuple[str, ...]) -> tuple[Option, ...]:
    found: dict[str, Option] = {}
    for op in names:
        for param in parameters(op):
            read = _READERS.get(param.annotation, parse_value)
            known = found.get(param.name)
            found[param.name] = Option(param.name, read, (*known.operators, op) if known else (op,))
    return tuple(found.values())


def signature_line(name: str) -> str:
    """``conv2d  in_channels out_channels kernel_size [stride=1] ...`` for help texts."""
    parts = [p.name if p.default is inspect.Parameter.empty else f"[{p.name}={p.default!r}]" for p in parameters(name)]
    return f"  {name:<17} {' '.join(parts)}"


def add_operator_options(parser: argparse.ArgumentParser) -> None:
    """Add every operator's options (all optional here; :func:`build` checks what each operator needs)."""
    group = parser.add_argument_group("operator options (any size may be a symbol name or an expression)")
    for option in options():
        group.add_argument(
            option.flag,
            dest=f"op_{option.name}",
            metavar="VALUE",
            help=f"{option.name} ({', '.join(option.operators)})",
        )


def given_options(args: argparse.Namespace) -> dict[str, str]:
    """The operator options given on the command line, as text."""
    return {o.name: getattr(args, f"op_{o.name}") for o in options() if getattr(args, f"op_{o.name}") is not None}


def overrides(pairs: Sequence[str] | None, flag: str) -> dict[str, str]:
    """``["groups=4", "bias=false"]`` -> ``{"groups": "4", "bias": "false"}``."""
    found = {}
    for pair in pairs or ():
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise BadValue(f"{flag} {pair!r} must be NAME=VALUE, e.g. {flag} groups=4")
        found[key.strip().replace("-", "_")] = value
    return found


def per_row(pairs: Sequence[str] | None, count: int) -> list[dict[str, str]]:
    """``--set ROW:NAME=VALUE`` options by row, ROW from 1 to ``count``.

    >>> per_row(["2:groups=4"], 2)
    [{}, {'groups': '4'}]
    """
    rows: list[dict[str, str]] = [{} for _ in range(count)]
    for key, text in overrides(pairs, "--set").items():
        row, sep, option = key.partition(":")
        if not sep or not row.isdigit() or not 1 <= int(row) <= count:
            raise BadValue(f"--set {key}={text} must be ROW:NAME=VALUE with ROW from 1 to {count}")
        rows[int(row) - 1][option] = text
    return rows


def build(name: str, given: dict[str, str], fix: Mapping[str, object] | None = None) -> Operator:
    """Construct operator ``name`` from the options it takes among ``given`` (text values).

    ``fix`` maps symbol names to values substituted into every option, e.g. to check
    the operator is valid at the ends of a plotted range.
    """
    params = {p.name: p for p in parameters(name)}
    readers = {o.name: o.read for o in options([name])}
    kwargs = {key: read_option(readers[key], key, text) for key, text in given.items() if key in params}
    kwargs = {key: substitute(value, fix or {}) for key, value in kwargs.items()}
    missing = [p for p, param in params.items() if param.default is inspect.Parameter.empty and p not in kwargs]
    if missing:
        flags = ", ".join("--" + m.replace("_", "-") for m in missing)
        raise BadValue(f"{name} needs {flags}")
    return operator_class(name)(**kwargs)


def read_option(read: Callable[[str], object], name: str, text: str) -> object:
    """Read one option's text, naming the option in the error."""
    try:
        return read(text)
    except BadValue as error:
        raise BadValue(f"--{name.replace('_', '-')}: {error}") from error


def add_pair_arguments(parser: argparse.ArgumentParser) -> None:
    """Two operators by name, with per-operator overrides of the shared options."""
    parser.add_argument("first", choices=CHOICES, metavar="A", help="the operator on top (see cost --help)")
    parser.add_argument("second", choices=CHOICES, metavar="B", help="the operator it is compared with")
    for flag, which in (("--a", "A"), ("--b", "B")):
        parser.add_argument(
            flag, action="append", metavar="NAME=VALUE", help=f"an option for {which} only, e.g. {flag} groups=4"
        )


def build_pair(args: argparse.Namespace) -> list[Operator]:
    """The two operators of a comparison: shared options, then each one's ``--a``/``--b`` overrides."""
    extras = [overrides(args.a, "--a"), overrides(args.b, "--b")]
    return build_all([args.first, args.second], given_options(args), extras)


def substitute(value: object, fix: Mapping[str, object]) -> object:
    """``value`` (a size, a word, or a tuple of them) with the symbols named in ``fix`` replaced."""
    if isinstance(value, tuple):
        return tuple(substitute(v, fix) for v in value)
    if isinstance(value, sympy.Basic):
        return value.subs({s: fix[s.name] for s in value.free_symbols if s.name in fix})
    return value


def build_all(
    names: Sequence[str],
    given: dict[str, str],
    per_operator: Sequence[dict[str, str]],
    fix: Mapping[str, object] | None = None,
) -> list[Operator]:
    """Construct several operators from shared options plus per-operator overrides; reject unused options."""
    accepted = {p.name for name in names for p in parameters(name)}  # parameters() rejects unknown names
    for key in [*given, *(k for extra in per_operator for k in extra)]:
        if key not in accepted:
            raise BadValue(f"--{key.replace('_', '-')} does not apply to {' or '.join(names)}")
    return [build(name, {**given, **extra}, fix) for name, extra in zip(names, per_operator, strict=True)]
