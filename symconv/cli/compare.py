"""``symconv ratio`` and ``symconv crossover``: two operators on one input (:mod:`symconv.analysis.query`)."""

from __future__ import annotations

import argparse

import sympy
from markupsafe import Markup

from symconv.analysis import query
from symconv.cli import operators
from symconv.cli.budget import budget
from symconv.cli.cost import add_cost_options, add_grad_option, add_quantity_option, element_size, grad_of
from symconv.cli.report import FORMATS, Report, Row
from symconv.cli.values import BadValue, parse_value
from symconv.core.quantities import quantity_named
from symconv.latex import latex as latex_expression

RATIO_EXAMPLE = """\
examples:
  symconv ratio dwconv conv2d --in-channels C_in --out-channels C_out --kernel-size K --padding same \\
      --bias false --input 1,C_in,H,W
  symconv ratio dwconv conv2d --in-channels C_in --out-channels C_out --kernel-size K --padding same \\
      --bias false --input 1,C_in,H,W --limit C_out
  symconv ratio conv2d conv2d --in-channels C_in --out-channels C_out --kernel-size 3 --b groups=1 --a groups=g \\
      --input 1,C_in,H,W
"""

CROSSOVER_EXAMPLE = """\
example (for which C_out does a depthwise-separable block move more memory than a 3x3 conv?):
  symconv crossover dwconv conv2d --quantity memory --over C_out --in-channels 64 --out-channels C_out \\
      --kernel-size 3 --padding 1 --bias false --input 1,64,7,7
"""


def add_comparison_options(parser: argparse.ArgumentParser) -> None:
    operators.add_pair_arguments(parser)
    add_quantity_option(parser)
    add_grad_option(parser)
    add_cost_options(parser, conventions=False)
    parser.add_argument("--format", choices=list(FORMATS), default="text")


def register(commands: argparse._SubParsersAction, formatter: type[argparse.HelpFormatter]) -> None:
    ratio = commands.add_parser(
        "ratio",
        help="a quantity of operator A over operator B, in canonical form",
        description="The ratio of one quantity of two operators on the same input, as a canonical closed form.",
        epilog=RATIO_EXAMPLE,
        formatter_class=formatter,
    )
    add_comparison_options(ratio)
    ratio.add_argument("--limit", metavar="SYMBOL[=VALUE]", help="also the limit as SYMBOL -> VALUE (default oo)")
    ratio.set_defaults(run=run_ratio)
    crossover = commands.add_parser(
        "crossover",
        help="for which values of one symbol A's quantity is below, equal to or above B's",
        description="Solve exactly, over the positive integers, where operator A's quantity crosses B's.",
        epilog=CROSSOVER_EXAMPLE,
        formatter_class=formatter,
    )
    add_comparison_options(crossover)
    crossover.add_argument("--over", required=True, metavar="SYMBOL", help="the symbol the sets are over")
    crossover.add_argument("--given", action="append", metavar="NAME=VALUE", help="fix another symbol")
    crossover.set_defaults(run=run_crossover)


def costs(args: argparse.Namespace):
    shapes = operators.read_inputs(args)
    grad = grad_of(args, [args.quantity])
    return [op.cost(*shapes, grad=grad) for op in operators.build_pair(args)], operators.show_inputs(shapes)


def run_ratio(args: argparse.Namespace) -> int:
    (a, b), shape = costs(args)
    value = query.ratio(a, b, args.quantity, element_size=element_size(args))
    label = quantity_named(args.quantity).label
    rows = [Row("ratio", value, f"{label} of {args.first} / {args.second}")]
    if args.limit:
        name, equals, to = args.limit.partition("=")
        if equals and not to.strip():
            raise BadValue(f"--limit {args.limit} must be SYMBOL or SYMBOL=VALUE, with a value after '='")
        with budget(f"the limit as {name.strip()} -> {to.strip() or 'oo'}"):
            found = query.limit(value, name.strip(), to.strip() or "oo")
        rows.append(Row(f"limit {name}->{to or 'oo'}", found))
    print(FORMATS[args.format](Report(f"{a.operator} / {b.operator} on input {shape}", tuple(rows))))
    return 0


def given_values(pairs: list[str] | None) -> dict[str, object]:
    found = operators.overrides(pairs, "--given")
    values = {name: operators.read_option(parse_value, "given", text) for name, text in found.items()}
    for name, value in values.items():
        if isinstance(value, str | tuple):
            raise BadValue(f"--given {name}={found[name]} must be a number or an expression")
    return values


def run_crossover(args: argparse.Namespace) -> int:
    (a, b), shape = costs(args)
    given = given_values(args.given)
    with budget("the crossover"):
        found = query.crossover(a, b, args.quantity, args.over, given, element_size=element_size(args))
    label = quantity_named(args.quantity).label
    title = f"{a.operator} vs {b.operator} on input {shape}"
    if args.format == "latex":
        title += f"; {label} of {args.first} against {args.second}"
        rows = latex_rows(found, args.first, args.second)
    else:
        rows = text_rows(found, label, args.first, args.second)
    print(FORMATS[args.format](Report(title, rows)))
    return 0


def text_rows(found: query.Crossover, label: str, first: str, second: str) -> tuple[Row, ...]:
    """The crossover as named rows: the sets in words, or the boundary in closed form."""
    x, closed = found.symbol, found.closed_form

    def where(part: sympy.Set | None, condition: sympy.Basic | None) -> str:
        if part is None and condition in (sympy.true, sympy.false):  # e.g. C = 9/8 has no integer solution
            return "all" if condition else "none"
        if part is None and condition is not None:  # other symbols free: the boundary in closed form
            return f"{condition.lhs} = {condition.rhs}" if isinstance(condition, sympy.Eq) else str(condition)
        return describe(part, x)

    assuming = f"; for {closed.assuming}" if closed is not None and closed.assuming is not None else ""
    rows = [
        Row("difference", found.difference, f"A - B: {label} of A = {first} minus B = {second}"),
        Row("less", where(found.less, closed and closed.less), "where A < B" + assuming),
        Row("equal", where(found.equal, closed and closed.equal), "where A = B" + assuming),
        Row("greater", where(found.greater, closed and closed.greater), "where A > B" + assuming),
        Row("exceeds", found.exceeds, "does A exceed B: always, never, sometimes or undecided"),
    ]
    if found.boundary is not None:
        rows.append(Row("boundary", str(found.boundary), f"real roots in {x} of A - B"))
    return tuple(rows)


def latex_rows(found: query.Crossover, first: str, second: str) -> tuple[Row, ...]:
    r"""The crossover as relations between the operators: ``\text{a} < \text{b} \quad \text{for } C \geq 14``."""
    from symconv.latex import escape

    x, closed = found.symbol, found.closed_form
    a, b = (rf"\text{{{escape(name)}}}" for name in (first, second))
    assuming = ""
    if closed is not None and closed.assuming is not None:
        assuming = rf" \quad \text{{if }} {latex_expression(closed.assuming)}"

    def where(part: sympy.Set | None, condition: sympy.Basic | None) -> Markup:
        if part is None and condition in (sympy.true, sympy.false):
            return Markup(rf"\text{{for {'every' if condition else 'no'} }} {latex_expression(x)}{assuming}")
        if part is None and condition is not None:
            return Markup(rf"\text{{for }} {latex_expression(condition)}{assuming}")
        if part is None:
            return Markup(r"\text{not determined}")
        if part == sympy.S.EmptySet:
            return Markup(rf"\text{{for no }} {latex_expression(x)}")
        if part in (sympy.S.Naturals, sympy.Range(1, sympy.oo)):
            return Markup(rf"\text{{for every }} {latex_expression(x)}")
        return Markup(rf"\text{{for }} {describe(part, x, tex=True)}")

    rows = [
        Row("difference", found.difference, tex_head=Markup(f"{a} - {b} &=")),
        Row("less", where(found.less, closed and closed.less), tex_head=Markup(rf"{a} < {b} &\quad")),
        Row("equal", where(found.equal, closed and closed.equal), tex_head=Markup(rf"{a} = {b} &\quad")),
        Row("greater", where(found.greater, closed and closed.greater), tex_head=Markup(rf"{a} > {b} &\quad")),
    ]
    if found.boundary is not None:
        roots = Markup(rf"{latex_expression(x)} \in {latex_expression(found.boundary)}")
        rows.append(Row("boundary", roots, tex_head=Markup(rf"\text{{real roots of }} {a} - {b} &\quad")))
    return tuple(rows)


def describe(found: sympy.Set | None, x: sympy.Symbol, *, tex: bool = False) -> str:
    """A set of positive integers in words: ``C_out >= 14``, ``1 <= C_out <= 13``, ``none``; LaTeX with ``tex``.

    >>> from symconv.symbols import C_out
    >>> describe(sympy.Range(14, sympy.oo), C_out), describe(sympy.Range(1, 14), C_out)
    ('C_out >= 14', '1 <= C_out <= 13')
    >>> print(describe(sympy.Range(1, 14), C_out, tex=True))
    1 \\leq C_{\\mathrm{out}} \\leq 13
    """
    show, words = (latex_expression, _tex_words) if tex else (str, str)
    ge, le, eq, join = (r" \geq ", r" \leq ", " = ", r" \text{ or } ") if tex else (" >= ", " <= ", " = ", " or ")
    if found is None:
        return words("not determined")
    if found == sympy.S.EmptySet:
        return words("none")
    if found in (sympy.S.Naturals, sympy.Range(1, sympy.oo)):
        return words("all")
    if isinstance(found, sympy.Union):
        return join.join(describe(part, x, tex=tex) for part in found.args)
    if isinstance(found, sympy.Range) and found.step == 1:
        low, high, name = show(found.inf), show(found.sup), show(x)
        if found.sup.is_infinite:
            return f"{name}{ge}{low}"
        return f"{name}{eq}{low}" if found.inf == found.sup else f"{low}{le}{name}{le}{high}"
    if isinstance(found, sympy.FiniteSet):
        return join.join(f"{show(x)}{eq}{show(value)}" for value in found.args)
    return show(found)


def _tex_words(text: str) -> str:
    return rf"\text{{{text}}}"
