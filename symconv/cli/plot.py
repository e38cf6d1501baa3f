"""``symconv plot``: a figure of one operator's quantity, or two operators' (or their ratio), against one symbol."""

from __future__ import annotations

import argparse

from symconv.cli import operators
from symconv.cli.compare import given_values
from symconv.cli.cost import add_cost_options, add_grad_option, add_quantity_option, element_size, grad_of
from symconv.cli.values import BadValue
from symconv.errors import SymconvError
from symconv.render import plot

EXAMPLE = """\
examples:
  symconv plot dwconv conv2d --kind ratio --quantity memory --over C_out --range 1:128 --in-channels 64 \\
      --out-channels C_out --kernel-size 3 --padding 1 --bias false --input 1,64,7,7 --output memory.png
  symconv plot conv2d --quantity flops --over H --range 8:224:8 --in-channels 64 --out-channels 64 \\
      --kernel-size 3 --padding 1 --input 1,64,H,H --output flops.pdf
  symconv plot conv2d conv2d depthwise_separable_conv2d --set 2:groups=4 --labels dense,grouped,DWConv --over C \\
      --range 8:256:8 --in-channels C --out-channels C --kernel-size 3 --padding 1 --input 1,C,28,28 --output m.svg
"""


def register(commands: argparse._SubParsersAction, formatter: type[argparse.HelpFormatter]) -> None:
    parser = commands.add_parser(
        "plot",
        help="a PNG/PDF figure of a quantity or a ratio against one symbol, crossover marked (needs matplotlib)",
        description="Plot exact values of a quantity of one or two operators (or their ratio) over a range of one "
        "symbol; where two operators cross, a dashed line marks it.",
        epilog=EXAMPLE,
        formatter_class=formatter,
    )
    parser.add_argument("operators", nargs="+", metavar="OPERATOR", help="operator names (two for --kind ratio)")
    parser.add_argument("--a", action="append", metavar="NAME=VALUE", help="an option for the first operator only")
    parser.add_argument("--b", action="append", metavar="NAME=VALUE", help="an option for the second operator only")
    parser.add_argument("--set", action="append", metavar="ROW:NAME=VALUE", help="an option for one operator (1-based)")
    parser.add_argument("--labels", help="comma-separated curve labels (default: the operator names)")
    parser.add_argument("--kind", choices=["cost", "ratio"], default="cost", help="the quantities, or A / B")
    add_quantity_option(parser)
    add_grad_option(parser)
    parser.add_argument("--over", required=True, metavar="SYMBOL", help="the symbol on the x axis")
    parser.add_argument("--range", required=True, metavar="LO:HI[:STEP]", help="its integer values, HI included")
    parser.add_argument("--given", action="append", metavar="NAME=VALUE", help="fix another symbol")
    parser.add_argument("--output", required=True, metavar="FILE", help="where to write the figure (.png, .pdf, .svg)")
    parser.add_argument("--title", help="the figure's title")
    parser.add_argument("--logx", action="store_true", help="logarithmic x axis")
    parser.add_argument("--logy", action="store_true", help="logarithmic y axis")
    add_cost_options(parser, conventions=False)
    parser.set_defaults(run=run)


def parse_range(text: str) -> range:
    """``LO:HI[:STEP]`` (HI included) as a ``range``.

    >>> parse_range("1:9:4")
    range(1, 10, 4)
    """
    parts = text.split(":")
    if len(parts) not in (2, 3) or not all(p.strip().isdigit() for p in parts):
        raise BadValue(f"--range {text!r} must be LO:HI or LO:HI:STEP with positive integers, e.g. 1:512")
    lo, hi, *step = (int(p) for p in parts)
    if lo < 1 or hi < lo or (step and step[0] < 1):
        raise BadValue(f"--range {text!r} must have 1 <= LO <= HI and STEP >= 1")
    return range(lo, hi + 1, step[0] if step else 1)


def check_at(names, args: argparse.Namespace, extras, shapes, fix: dict[str, object]) -> None:
    """Build and cost the operators with ``fix`` substituted: an invalid end of the range is an error."""
    try:
        for op in operators.build_all(names, operators.given_options(args), extras, fix):
            op.cost(*(tuple(operators.substitute(size, fix) for size in shape) for shape in shapes))
    except SymconvError as error:
        point = ", ".join(f"{name}={value}" for name, value in fix.items())
        raise BadValue(f"at {point}: {error}") from error


def row_options(args: argparse.Namespace, count: int) -> list[dict[str, str]]:
    """Each operator's own options: ``--a``/``--b`` for the first two, ``--set ROW:NAME=VALUE`` for any."""
    rows = [operators.overrides(args.a, "--a"), operators.overrides(args.b, "--b")][:count]
    rows += [{} for _ in range(count - len(rows))]
    return [{**row, **chosen} for row, chosen in zip(rows, operators.per_row(args.set, count), strict=True)]


def curve_labels(args: argparse.Namespace, names: list[str]) -> list[str]:
    if args.labels:
        labels = [label.strip() for label in args.labels.split(",")]
        if len(labels) != len(names) or len(set(labels)) != len(labels):
            raise BadValue(f"--labels must give {len(names)} different labels, one per operator")
        return labels
    if len(names) == 2 and args.kind == "ratio":
        return [f"A: {names[0]}", f"B: {names[1]}"]
    if len(set(names)) == len(names):
        return list(names)
    return [f"{i}: {name}" for i, name in enumerate(names, start=1)]


def run(args: argparse.Namespace) -> int:
    names = args.operators
    if args.kind == "ratio" and len(names) != 2:
        raise BadValue(f"--kind ratio divides two operators, got {len(names)}: {' '.join(names)}")
    extras = row_options(args, len(names))
    ops = operators.build_all(names, operators.given_options(args), extras)
    shapes = operators.read_inputs(args)
    values, given = parse_range(args.range), given_values(args.given)
    for end in (values[0], values[-1]):
        check_at(names, args, extras, shapes, {**given, args.over: end})
    labels = curve_labels(args, names)
    grad = grad_of(args, [args.quantity])
    costs = {label: op.cost(*shapes, grad=grad) for label, op in zip(labels, ops, strict=True)}
    data = plot.series(
        costs,
        args.quantity,
        args.over,
        values,
        given=given,
        kind=args.kind,
        element_size=element_size(args),
    )
    written = plot.save(plot.figure(data, title=args.title, logx=args.logx, logy=args.logy), args.output)
    crossing = ", ".join(f"between {args.over}={lo} and {hi}" for lo, hi in data.crossings) or "none in range"
    print(f"wrote {written} ({data.label} against {args.over}; crossover: {crossing})")
    return 0
