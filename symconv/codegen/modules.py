"""Generated modules: expressions derived from the operators, ``cse``-d, printed, placed by a Jinja template."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import jinja2
import sympy

from symconv.codegen.bounds import bound
from symconv.codegen.factoring import fewer_operations
from symconv.codegen.identifiers import check_identifier
from symconv.codegen.nodes import Ratio, integer_form
from symconv.codegen.printers import NumpyPrinter, ScalarPrinter
from symconv.codegen.source import defined_names, function_definitions, names_in
from symconv.codegen.specs import Argument, Spec
from symconv.core.canonical import canonical
from symconv.core.quantities import Quantity, quantity_named
from symconv.errors import InvalidConfiguration, WrongType
from symconv.ops import Operator

Operators = Mapping[str, Spec | tuple[Operator, Sequence[object]]]

#: What a module computes unless told: every absolute count, traffic under both memory models, and intensity.
DEFAULT_QUANTITIES: tuple[str, ...] = (
    "macs",
    "flops",
    "mults",
    "adds",
    "ops",
    "params",
    "memory:ideal",
    "memory:im2col",
    "intensity",
)

#: What ``--grad`` adds: the training step's compute by part, what autograd saves and the peak memory.
DEFAULT_TRAINING_QUANTITIES: tuple[str, ...] = (
    "training:macs",
    "training:flops",
    "backward:flops",
    "grad-input:flops",
    "grad-params:flops",
    "saved",
    "trainable",
    "training-memory:adam",
)

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


def derive(
    operators: Operators,
    names: Iterable[str | Quantity] = DEFAULT_QUANTITIES,
    *,
    baseline: str | None = None,
    grad: bool | str = True,
) -> list[Derived]:
    """Every quantity of every operator as a :class:`Derived` function body (``ratio:`` ones over ``baseline``).

    Training quantities are of the training step with ``grad`` (``True``: the inputs need a
    gradient too; ``'weights'``: only the parameters, as in a first layer).
    """
    if not isinstance(operators, Mapping):
        raise WrongType(f"operators={operators!r} must be a mapping of names to (operator, input_shape) pairs")
    if isinstance(names, str | bytes) or not isinstance(names, Iterable):
        raise WrongType(f"quantities={names!r} must be a list of quantity names")
    specs = {check_identifier(key, "operator name"): _spec(value) for key, value in operators.items()}
    chosen = tuple(quantity_named(name) for name in names)
    if baseline is not None and (not isinstance(baseline, str) or baseline not in specs):
        raise InvalidConfiguration(f"baseline={baseline!r} must be one of the operators: {', '.join(map(repr, specs))}")
    if baseline is None and any(q.relative for q in chosen):
        raise InvalidConfiguration("a ratio quantity needs baseline= one of the operators")
    training = grad if any(q.training for q in chosen) else False
    costs = {key: spec.costs(training) for key, spec in specs.items()}
    derived = []
    for key, spec in specs.items():
        _check_arguments(key, spec)
        for quantity in chosen:
            if quantity.relative:
                spec_, expr = _relative(quantity, spec, costs[key], specs[baseline], costs[baseline])
            else:
                spec_, expr = spec, _integer_expression(spec, quantity, costs[key])
            _check_symbols(key, spec_, expr)
            assignments, result = _body(expr)
            derived.append(Derived(f"{key}_{quantity.identifier}", spec_, quantity, assignments, result))
    return derived


def _body(expr: sympy.Expr) -> tuple[tuple[tuple[sympy.Symbol, sympy.Expr], ...], sympy.Expr]:
    """A function body: common factors out of sums, then ``cse`` assignments and the result."""
    assignments, (result,) = sympy.cse(fewer_operations(expr), symbols=sympy.numbered_symbols("_t"), order="canonical")
    return tuple(assignments), result


def _integer_expression(spec: Spec, quantity: Quantity, costs: tuple) -> sympy.Expr:
    """The quantity as integer-division nodes; a quotient of two counts as each count's integer form, divided once."""
    divisible = spec.divisible_symbols()
    if quantity.parts is None:
        return integer_form(spec.expression(quantity.of, costs), integer=quantity.integer, divisible=divisible)
    top, bottom = (
        integer_form(spec.expression(q.of, costs), integer=True, divisible=divisible) for q in quantity.parts
    )
    return Ratio(top, bottom)


def _relative(quantity: Quantity, spec: Spec, costs: tuple, base: Spec, base_costs: tuple) -> tuple[Spec, sympy.Expr]:
    """A ratio's function: the operator's arguments and the baseline's others (same name, same value), and ``a/b``."""
    bottom = base.expression(quantity.base.of, base_costs)
    if bottom == 0:
        raise InvalidConfiguration(f"the baseline's {quantity.base.name} is 0: the ratio is undefined")
    names = {a.name for a in spec.arguments}
    arguments = spec.arguments + tuple(a for a in base.arguments if a.name not in names)
    merged = Spec(f"{spec.title}, relative to {base.title}", arguments, spec.build, spec.switch, spec.divisible)
    ratio = canonical(spec.expression(quantity.base.of, costs) / bottom)
    return merged, integer_form(ratio, integer=False, divisible=merged.divisible_symbols())


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


COL2IM, RUNTIME, AXES = "symconv.core.col2im_counts", "symconv.codegen.numpy_runtime", "symconv.codegen.axes"
RESERVED = (
    frozenset({"Fraction", "math", "np", "axis_counts"})
    | defined_names(COL2IM)
    | defined_names(RUNTIME)
    | defined_names(AXES)
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
    row_bound_assignments: tuple[tuple[str, str], ...] = ()
    row_bound_checks: str = ""
    quotient: bool = False
    prologue: tuple[str, ...] = ()
    prologue_checks: tuple[str, ...] = ()


def _free(d: Derived) -> set[sympy.Symbol]:
    return set().union(d.result.free_symbols, *(value.free_symbols for _, value in d.assignments))


def _required(a: Argument, free: set[sympy.Symbol]) -> bool:
    """An argument without a default that the quantity depends on (one it does not need defaults to None)."""
    return a.default is None and any(s in free for s in a.symbols)


def _signature(arguments: tuple[Argument, ...], free: set[sympy.Symbol]) -> str:
    return ", ".join(a.name if _required(a, free) else f"{a.name}={a.default!r}" for a in _ordered(arguments, free))


def _ordered(arguments: tuple[Argument, ...], free: set[sympy.Symbol]) -> tuple[Argument, ...]:
    return tuple(a for a in arguments if _required(a, free)) + tuple(a for a in arguments if not _required(a, free))


def _per_axis_arguments(arguments: tuple[Argument, ...], free: set[sympy.Symbol]) -> tuple[Argument, ...]:
    return tuple(a for a in arguments if a.axes and any(s in free for s in a.symbols))


def _prologue(arguments: tuple[Argument, ...], free: set[sympy.Symbol]) -> tuple[str, ...]:
    """Per-axis arguments read into one variable per axis.

    A tuple (as PyTorch's layers store them) and an int are read inline, as a hand would: a call
    would cost more than the formula. Anything else goes through ``_per_axis``; a tuple of the
    wrong length fails to unpack, and :func:`_prologue_checks` then says what is wrong.
    """
    return tuple(
        f"{', '.join(a.axes)} = {_per_axis_read(a.name, len(a.axes))}" for a in _per_axis_arguments(arguments, free)
    )


def _prologue_checks(arguments: tuple[Argument, ...], free: set[sympy.Symbol]) -> tuple[str, ...]:
    """Calls that raise ``_per_axis``'s error for the per-axis argument that failed to unpack."""
    return tuple(f"_per_axis({a.name}, {len(a.axes)})" for a in _per_axis_arguments(arguments, free))


def _per_axis_read(name: str, axes: int) -> str:
    every = ", ".join([name] * axes)
    return (
        f"{name} if {name}.__class__ is tuple else ({every}) if {name}.__class__ is int else _per_axis({name}, {axes})"
    )


def _docstring(d: Derived, returns: list[str], arrays: bool = False) -> str:
    lines = [f"{d.quantity.description}.", "", f"Operator: {d.spec.title}.", ""]
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
        prologue_checks=_prologue_checks(d.spec.arguments, _free(d)),
    )


def _bounds(d: Derived, rows: bool) -> tuple[list[tuple[sympy.Symbol, sympy.Expr]], list[sympy.Expr]]:
    """The bound of every assignment, and the bounds that must fit (inputs and constants fit already)."""
    names, bounds, checks = {}, [], []
    for index, (target, value) in enumerate(d.assignments):
        names[target] = sympy.Symbol(f"_b{index}")
        bounds.append((names[target], bound(value, names, checks, rows)))
    checks.append(bound(d.result, names, checks, rows))
    inputs = {s for a in d.spec.arguments for s in a.symbols}
    return bounds, list(dict.fromkeys(c for c in checks if not (c.is_Integer or c in inputs)))


def _print_numpy(d: Derived) -> Printed:
    printer = NumpyPrinter()
    (bounds, kept), (row_bounds, row_kept) = _bounds(d, rows=False), _bounds(d, rows=True)
    free = _free(d)
    used = [s.name for a in _ordered(d.spec.arguments, free) for s in a.symbols if s in free]
    returns = [
        "numpy.ndarray",
        "    int64, or exact Python ints (dtype=object) when a value does not fit in int64"
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
        row_bound_assignments=_assign(printer, row_bounds),
        row_bound_checks="".join(f"{printer.doprint(c)}, " for c in row_kept),
        quotient=not d.quantity.integer,
        prologue=_prologue(d.spec.arguments, free),
        prologue_checks=_prologue_checks(d.spec.arguments, free),
    )


def _render(template: str, printed: list[Printed]) -> str:
    """The module, with only the helpers its functions call, ``math`` and ``Fraction`` only if they are used."""
    page = _ENVIRONMENT.get_template(template)
    used = names_in(page.render(functions=printed, col2im="", runtime="", axes="", fraction=False, uses_math=False))
    runtime = function_definitions(RUNTIME, used)
    axes = function_definitions(AXES, used) if any(p.prologue for p in printed) else ""
    helpers = used | (names_in(runtime) if runtime else set()) | (names_in(axes) if axes else set())
    col2im = function_definitions(COL2IM, helpers)
    helpers |= names_in(col2im) if col2im else set()
    return page.render(
        functions=printed,
        col2im=col2im,
        runtime=runtime,
        axes=axes,
        fraction="Fraction" in helpers,
        uses_math="math" in helpers,
    )


def python_module(
    operators: Operators,
    quantities: Iterable[str | Quantity] = DEFAULT_QUANTITIES,
    *,
    baseline: str | None = None,
    grad: bool | str = True,
) -> str:
    """Source of a module of exact scalar cost functions that imports only the standard library.

    Parameters
    ----------
    operators : mapping
        Function-name prefix -> ``(operator, input_shape)`` built on integer sympy symbols
        (each symbol becomes an argument), or a :class:`~symconv.codegen.specs.Spec`.
    quantities : iterable of str
        Quantity names (:mod:`symconv.core.quantities`); each gives one function per operator,
        ``<key>_<identifier>`` (``conv_memory_ideal`` for ``memory:ideal``).
    baseline : str, optional
        The operator (a key of ``operators``) that ``ratio:`` quantities divide by; a ratio
        function takes both operators' arguments (one argument per name).
    grad : True or 'weights'
        What needs a gradient in the training step that training quantities (``backward:macs``,
        ``training:flops``, ``saved``, ``training-memory:adam`` ...) are of: the inputs and
        the parameters, or (``'weights'``) the parameters only.

    Examples
    --------
    >>> import symconv
    >>> from symconv.symbols import C_in, C_out, H, W
    >>> source = python_module({"conv": (symconv.Conv2d(C_in, C_out, 3, bias=False), (1, C_in, H, W))}, ["macs"])
    >>> namespace = {}
    >>> exec(source, namespace)
    >>> namespace["conv_macs"](C_in=64, C_out=128, H=56, W=56)  # 64*128*9 * 54*54
    214990848
    >>> exec(python_module({"conv": (symconv.Conv2d(C_in, C_out, 3), (1, C_in, H, W))}, ["training:macs"]), namespace)
    >>> namespace["conv_training_macs"](C_in=64, C_out=128, H=56, W=56)  # forward, grad input, grad weight
    644972544
    """
    return render_scalar(derive(operators, quantities, baseline=baseline, grad=grad))


def numpy_module(
    operators: Operators,
    quantities: Iterable[str | Quantity] = DEFAULT_QUANTITIES,
    *,
    baseline: str | None = None,
    grad: bool | str = True,
) -> str:
    """Source of a module of NumPy-vectorised cost functions (imports NumPy and the standard library only).

    Each function takes arrays (or ints) and broadcasts them; it computes in int64 when
    a magnitude bound proves the result exact there, and exactly on Python ints
    (``dtype=object``) otherwise. Same arguments as :func:`python_module`.
    """
    return render_numpy(derive(operators, quantities, baseline=baseline, grad=grad))


def scalar_function(expr: sympy.Expr, arguments: Sequence[sympy.Symbol], *, integer: bool = True) -> Callable:
    """``expr`` compiled to an exact Python function of ``arguments`` (keywords), as :func:`python_module` prints it.

    For an expression that is not an operator's quantity, such as a network's total: ``integer=True``
    for a count (an int comes out), ``False`` for a quotient (a ``Fraction``).

    >>> from symconv.core.intfuncs import CeilDiv, FloorDiv
    >>> from symconv.symbols import H, W
    >>> f = scalar_function(3 * CeilDiv(H, 32) * FloorDiv(W + 1, 2), (H, W))
    >>> f(H=225, W=10**30 + 1) == 3 * 8 * (10**30 + 2) // 2
    True
    """
    names = [check_identifier(symbol.name, "symbol", RESERVED) for symbol in arguments]
    unknown = sorted(s.name for s in expr.free_symbols - set(arguments))
    if unknown:
        raise InvalidConfiguration(f"symbol {unknown[0]!r} is not one of the arguments {names}")
    body = integer_form(expr, integer=integer)
    assignments, result = _body(body)
    printer = ScalarPrinter()
    printed = Printed(
        name="function",
        signature=", ".join(names),
        parameters="",
        names="",
        values="",
        docstring=f'    """{"An exact count" if integer else "An exact quotient"} in {", ".join(names)}."""',
        assignments=_assign(printer, assignments),
        result=printer.doprint(result),
    )
    namespace: dict = {}
    source = _render("scalar.py.j2", [printed])
    exec(source, namespace)  # printed by symconv's printer from sympy expressions: no user text
    return namespace["function"]


def render_scalar(derived: list[Derived]) -> str:
    """The scalar module of already derived functions."""
    return _render("scalar.py.j2", [_print_scalar(d) for d in derived])


def render_numpy(derived: list[Derived]) -> str:
    """The NumPy module of already derived functions."""
    return _render("numpy.py.j2", [_print_numpy(d) for d in derived])
