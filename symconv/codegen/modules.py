"""Generated modules: expressions derived from the operators, ``cse``-d, printed, placed by a Jinja template."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import jinja2
import sympy

from symconv.codegen.bounds import bound
from symconv.codegen.identifiers import check_identifier
from symconv.codegen.nodes import integer_form
from symconv.codegen.printers import NumpyPrinter, ScalarPrinter
from symconv.codegen.quantities import DEFAULT_QUANTITIES, Quantity, quantities
from symconv.codegen.source import defined_names, function_definitions, names_in
from symconv.codegen.specs import Argument, Spec
from symconv.errors import InvalidConfiguration
from symconv.ops import Operator

Operators = Mapping[str, Spec | tuple[Operator, Sequence[object]]]

_ENVIRONMENT = jinja2.Environment(
    loader=jinja2.PackageLoader("symconv", "templates/codegen"),
    undefined=jinja2.StrictUndefined,
    keep_trailing_newline=True,
    trim_blocks=True,
    lstrip_blocks=True,
    autoescape=False,
)


@dataclass(frozen=True)
class Derived:
    """One quantity of one operator, ready to print: cse assignments and the result, in integer form."""

    name: str
    spec: Spec
    quantity: Quantity
    assignments: tuple[tuple[sympy.Symbol, sympy.Expr], ...]
    result: sympy.Expr


def derive(operators: Operators, names: Iterable[str] = DEFAULT_QUANTITIES) -> list[Derived]:
    """Every quantity of every operator as a :class:`Derived` function body."""
    specs = {check_identifier(key, "operator name"): _spec(value) for key, value in operators.items()}
    chosen = quantities(names)
    derived = []
    for key, spec in specs.items():
        _check_arguments(key, spec)
        costs = spec.costs()
        for quantity in chosen:
            expr = integer_form(spec.expression(quantity.of, costs), integer=quantity.integer)
            _check_symbols(key, spec, expr)
            assignments, (result,) = sympy.cse(expr, symbols=sympy.numbered_symbols("_t"), order="canonical")
            derived.append(Derived(f"{key}_{quantity.name}", spec, quantity, tuple(assignments), result))
    return derived


def _spec(value: Spec | tuple[Operator, Sequence[object]]) -> Spec:
    if isinstance(value, Spec):
        return value
    if not (isinstance(value, tuple) and len(value) == 2 and isinstance(value[0], Operator)):
        raise InvalidConfiguration(f"operators values must be (operator, input_shape) pairs or Specs, got {value!r}")
    return Spec.of(*value)


def _check_arguments(key: str, spec: Spec) -> None:
    for argument in spec.arguments:
        for name in (argument.name, *argument.axes):
            check_identifier(name, f"operator {key!r}: symbol", RESERVED)


def _check_symbols(key: str, spec: Spec, expr: sympy.Expr) -> None:
    unknown = sorted(s.name for s in expr.free_symbols - {s for a in spec.arguments for s in a.symbols})
    if unknown:
        raise InvalidConfiguration(f"symbol {unknown[0]!r} of operator {key!r} is not one of its arguments")


COL2IM, RUNTIME, AXES = "symconv.col2im_counts", "symconv.codegen.numpy_runtime", "symconv.codegen.axes"
RESERVED = (
    frozenset({"Fraction", "np", "axis_counts"}) | defined_names(COL2IM) | defined_names(RUNTIME) | defined_names(AXES)
)


# Printing ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Printed:
    """A generated function as the template places it: every field is finished text."""

    name: str
    signature: str
    parameters: str
    names: str
    values: str
    docstring: str
    assignments: tuple[tuple[str, str], ...]
    result: str
    bound_assignments: tuple[tuple[str, str], ...] = ()
    bound_checks: str = ""
    prologue: tuple[str, ...] = ()


def _free(d: Derived) -> set[sympy.Symbol]:
    return set().union(d.result.free_symbols, *(value.free_symbols for _, value in d.assignments))


def _required(a: Argument, free: set[sympy.Symbol]) -> bool:
    """An argument without a default that the quantity depends on (one it does not need defaults to None)."""
    return a.default is None and any(s in free for s in a.symbols)


def _signature(arguments: tuple[Argument, ...], free: set[sympy.Symbol]) -> str:
    return ", ".join(a.name if _required(a, free) else f"{a.name}={a.default!r}" for a in _ordered(arguments, free))


def _ordered(arguments: tuple[Argument, ...], free: set[sympy.Symbol]) -> tuple[Argument, ...]:
    return tuple(a for a in arguments if _required(a, free)) + tuple(a for a in arguments if not _required(a, free))


def _prologue(arguments: tuple[Argument, ...], free: set[sympy.Symbol]) -> tuple[str, ...]:
    """Per-axis arguments read into one variable per axis."""
    return tuple(
        f"{', '.join(a.axes)} = _per_axis({a.name}, {len(a.axes)})"
        for a in arguments
        if a.axes and any(s in free for s in a.symbols)
    )


def _docstring(d: Derived, returns: list[str], arrays: bool = False) -> str:
    lines = [f"{d.quantity.summary[0].upper()}{d.quantity.summary[1:]}.", "", f"Operator: {d.spec.title}.", ""]
    lines += ["Parameters", "----------"]
    free = _free(d)
    for a in _ordered(d.spec.arguments, free):
        kind = "bool" if isinstance(a.default, bool) else "int"
        kind = f"{kind} or array_like of {kind}" if arrays else kind
        kind = f"{kind}, or a tuple of them" if a.axes else kind
        if a.default is None and not _required(a, free):
            kind, doc = f"{kind}, optional", f"{a.doc} (this quantity does not depend on it)"
        else:
            kind, doc = kind + ("" if a.default is None else f", default {a.default!r}"), a.doc
        lines += [f"{a.name} : {kind}", f"    {doc}"]
    lines += ["", "Returns", "-------", *returns]
    text = "\n".join(f"    {line}" if line else "" for line in lines)
    text = text.replace("\\", "\\\\").replace('"""', '\\"\\"\\"')
    return f'    """{text.lstrip()}\n    """'


def _assign(printer, pairs) -> tuple[tuple[str, str], ...]:
    return tuple((printer.doprint(target), printer.doprint(value)) for target, value in pairs)


def _print_scalar(d: Derived) -> Printed:
    printer = ScalarPrinter()
    returns = ["int", "    exact"] if d.quantity.integer else ["fractions.Fraction", "    exact"]
    return Printed(
        name=d.name,
        signature=_signature(d.spec.arguments, _free(d)),
        parameters="",
        names="",
        values="",
        docstring=_docstring(d, returns),
        assignments=_assign(printer, d.assignments),
        result=printer.doprint(d.result),
        prologue=_prologue(d.spec.arguments, _free(d)),
    )


def _print_numpy(d: Derived) -> Printed:
    printer = NumpyPrinter()
    names, bounds, checks = {}, [], []
    for index, (target, value) in enumerate(d.assignments):
        names[target] = sympy.Symbol(f"_b{index}")
        bounds.append((names[target], bound(value, names, checks)))
    checks.append(bound(d.result, names, checks))
    inputs = {s for a in d.spec.arguments for s in a.symbols}
    kept = list(dict.fromkeys(c for c in checks if not (c.is_Integer or c in inputs)))
    free = _free(d)
    used = [s.name for a in _ordered(d.spec.arguments, free) for s in a.symbols if s in free]
    returns = [
        "numpy.ndarray",
        "    int64, or exact Python ints (dtype=object) where int64 could overflow"
        if d.quantity.integer
        else "    float64: the exact quotient of two integers, rounded once",
    ]
    return Printed(
        name=d.name,
        signature=_signature(d.spec.arguments, free),
        parameters=", ".join(used),
        names=repr(tuple(used)),
        values=f"({', '.join(used)},)" if used else "()",
        docstring=_docstring(d, returns, arrays=True),
        assignments=_assign(printer, d.assignments),
        result=printer.doprint(d.result),
        bound_assignments=_assign(printer, bounds),
        bound_checks="".join(f"{printer.doprint(c)}, " for c in kept),
        prologue=_prologue(d.spec.arguments, free),
    )


def _render(template: str, printed: list[Printed]) -> str:
    """The module, with only the helpers its functions call and ``Fraction`` only if a quotient needs it."""
    page = _ENVIRONMENT.get_template(template)
    used = names_in(page.render(functions=printed, col2im="", runtime="", axes="", fraction=False))
    runtime = function_definitions(RUNTIME, used)
    axes = function_definitions(AXES, used) if any(p.prologue for p in printed) else ""
    helpers = used | (names_in(runtime) if runtime else set()) | (names_in(axes) if axes else set())
    col2im = function_definitions(COL2IM, helpers)
    return page.render(functions=printed, col2im=col2im, runtime=runtime, axes=axes, fraction="Fraction" in used)


def python_module(operators: Operators, quantities: Iterable[str] = DEFAULT_QUANTITIES) -> str:
    """Source of a module of exact scalar cost functions that imports only the standard library.

    Parameters
    ----------
    operators : mapping
        Function-name prefix -> ``(operator, input_shape)`` built on integer sympy symbols
        (each symbol becomes an argument), or a :class:`~symconv.codegen.specs.Spec`.
    quantities : iterable of str
        Names from :data:`~symconv.codegen.quantities.QUANTITIES`.

    Examples
    --------
    >>> import symconv
    >>> from symconv.symbols import C_in, C_out, H, W
    >>> source = python_module({"conv": (symconv.Conv2d(C_in, C_out, 3, bias=False), (1, C_in, H, W))}, ["macs"])
    >>> namespace = {}
    >>> exec(source, namespace)
    >>> namespace["conv_macs"](C_in=64, C_out=128, H=56, W=56)  # 64*128*9 * 54*54
    214990848
    """
    return render_scalar(derive(operators, quantities))


def numpy_module(operators: Operators, quantities: Iterable[str] = DEFAULT_QUANTITIES) -> str:
    """Source of a module of NumPy-vectorised cost functions (imports NumPy and the standard library only).

    Each function takes arrays (or ints) and broadcasts them; it computes in int64 when
    a magnitude bound proves the result exact there, and exactly on Python ints
    (``dtype=object``) otherwise. Same arguments as :func:`python_module`.
    """
    return render_numpy(derive(operators, quantities))


def render_scalar(derived: list[Derived]) -> str:
    """The scalar module of already derived functions."""
    return _render("scalar.py.j2", [_print_scalar(d) for d in derived])


def render_numpy(derived: list[Derived]) -> str:
    """The NumPy module of already derived functions."""
    return _render("numpy.py.j2", [_print_numpy(d) for d in derived])
