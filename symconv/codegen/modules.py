"""Generated modules: expressions derived from the operators, ``cse``-d, printed, placed by a Jinja template."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import jinja2
import sympy

from symconv.canonical import canonical
from symconv.codegen.bounds import bound
from symconv.codegen.identifiers import check_identifier
from symconv.codegen.nodes import integer_form
from symconv.codegen.printers import NumpyPrinter, ScalarPrinter
from symconv.codegen.source import defined_names, function_definitions
from symconv.codegen.specs import Argument, Spec
from symconv.errors import InvalidConfiguration
from symconv.intfuncs import Gcd
from symconv.ops import Operator
from symconv.quantities import Quantity, quantity_named

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
    specs = {check_identifier(key, "operator name"): _spec(value) for key, value in operators.items()}
    chosen = tuple(quantity_named(name) for name in names)
    if baseline is not None and baseline not in specs:
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
                spec_, expr = spec, spec.expression(quantity.of, costs[key])
            expr = integer_form(expr, integer=quantity.integer)
            _check_symbols(key, spec_, expr)
            assignments, (result,) = sympy.cse(expr, symbols=sympy.numbered_symbols("_t"), order="canonical")
            derived.append(Derived(f"{key}_{quantity.identifier}", spec_, quantity, tuple(assignments), result))
    return derived


def _relative(quantity: Quantity, spec: Spec, costs: tuple, base: Spec, base_costs: tuple) -> tuple[Spec, sympy.Expr]:
    """A ratio's function: the operator's arguments and the baseline's others (same name, same value), and ``a/b``."""
    bottom = base.expression(quantity.base.of, base_costs)
    if bottom == 0:
        raise InvalidConfiguration(f"the baseline's {quantity.base.name} is 0: the ratio is undefined")
    names = {a.name for a in spec.arguments}
    arguments = spec.arguments + tuple(a for a in base.arguments if a.name not in names)
    merged = Spec(f"{spec.title}, relative to {base.title}", arguments, spec.build, spec.switch)
    return merged, canonical(spec.expression(quantity.base.of, costs) / bottom)


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


def _uses_math(bodies: Iterable[tuple[Sequence[tuple[sympy.Symbol, sympy.Expr]], sympy.Expr]]) -> bool:
    """Whether any ``(assignments, result)`` body calls ``math`` (the adaptive pools' gcd)."""
    return any(e.has(Gcd) for assignments, result in bodies for e in (result, *(v for _, v in assignments)))


def _render(template: str, printed: list[Printed], uses_math: bool) -> str:
    return _ENVIRONMENT.get_template(template).render(
        functions=printed,
        uses_math=uses_math,
        col2im=function_definitions(COL2IM),
        runtime=function_definitions(RUNTIME),
        axes=function_definitions(AXES) if any(p.prologue for p in printed) else "",
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
        Quantity names (:mod:`symconv.quantities`); each gives one function per operator,
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

    >>> from symconv.intfuncs import CeilDiv, FloorDiv
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
    assignments, (result,) = sympy.cse(body, symbols=sympy.numbered_symbols("_t"), order="canonical")
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
    source = _render("scalar.py.j2", [printed], _uses_math([(assignments, result)]))
    exec(source, namespace)  # printed by symconv's printer from sympy expressions: no user text
    return namespace["function"]


def render_scalar(derived: list[Derived]) -> str:
    """The scalar module of already derived functions."""
    uses_math = _uses_math((d.assignments, d.result) for d in derived)
    return _render("scalar.py.j2", [_print_scalar(d) for d in derived], uses_math)


def render_numpy(derived: list[Derived]) -> str:
    """The NumPy module of already derived functions."""
    return _render("numpy.py.j2", [_print_numpy(d) for d in derived], False)  # NumPy's gcd: np.gcd
