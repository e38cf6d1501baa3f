"""``symconv model``: a real PyTorch model's per-layer and total cost, through :func:`symconv.from_torch`."""

from __future__ import annotations

import argparse
import ast
import importlib.util
import re
import sys
from pathlib import Path

import symconv
from symconv.cli import operators
from symconv.cli.compare import given_values
from symconv.cli.cost import add_peers_option, add_quantity_option, peer_report
from symconv.cli.report import FORMATS, Report, Row
from symconv.cli.values import BadValue, parse_shape
from symconv.core.quantities import quantity_named
from symconv.network.peers import explain

EXAMPLE = """\
examples:
  symconv model mynet.py:build --input 1,3,H,W
  symconv model mynet.py:build --input 1,3,H,W --given H=224 --given W=224 --layers
  symconv model mynet.py:build --input 1,3,224,224 --layers --quantity flops --quantity reads --quantity writes
  symconv model mynet.py:build --input 1,3,224,224 --peers
  symconv model mynet.py:build --input 1,3,H,W --arg num_classes=10 --arg widths=(32,64)
  symconv model mynet.py:build --input 1,3,H,W --sizes H=116..227 --sizes W=116..227 --layers

mynet.py defines build(), which returns a torch.nn.Module (needs PyTorch: pip install 'symconv[torch]').
"""


def register(commands: argparse._SubParsersAction, formatter: type[argparse.HelpFormatter]) -> None:
    parser = commands.add_parser(
        "model",
        help="the cost of a PyTorch model built by a factory function in a Python file",
        description="Trace a torch.nn.Module and cost every layer; symbols in --input give closed forms.",
        epilog=EXAMPLE,
        formatter_class=formatter,
    )
    parser.add_argument("factory", metavar="FILE.py:FUNCTION", help="a Python file and the function building the model")
    parser.add_argument("--input", required=True, metavar="SHAPE", help="input shape, e.g. 1,3,H,W")
    parser.add_argument(
        "--arg",
        action="append",
        metavar="NAME=VALUE",
        help="a keyword argument of the factory: a Python literal (10, 0.5, True, None, 'text', (32, 64)) or a word",
    )
    parser.add_argument("--given", action="append", metavar="NAME=VALUE", help="substitute a symbol's value")
    parser.add_argument(
        "--sizes",
        action="append",
        metavar="NAME=LOW..HIGH",
        help="the range of a size symbol of --input the cost is for, both ends included (a model that branches "
        "on its sizes has one closed form per range)",
    )
    parser.add_argument("--convention", default="macs", help="compute convention of the total")
    parser.add_argument("--memory-model", default="ideal", help="memory model of the total")
    parser.add_argument("--layers", action="store_true", help="also print the per-layer table (text or LaTeX)")
    add_quantity_option(parser, default=None, many=True)  # the layer table's columns
    parser.add_argument("--baseline", metavar="LAYER", help="the layer that ratio: columns divide by")
    parser.add_argument(
        "--modules",
        type=int,
        metavar="DEPTH",
        help="also print the module hierarchy to DEPTH with subtotals and shares (text, JSON, or CSV with --csv)",
    )
    parser.add_argument("--csv", action="store_true", help="print the --modules report as CSV")
    parser.add_argument(
        "--not-strict", action="store_true", help="count what cannot be lowered as zero (listed) instead of failing"
    )
    add_peers_option(parser)
    parser.add_argument("--format", choices=list(FORMATS), default="text")
    parser.set_defaults(run=run)


def load_factory(spec: str):
    """The function ``FUNCTION`` of the file ``FILE.py`` in ``FILE.py:FUNCTION``."""
    path_text, sep, name = spec.rpartition(":")
    if not sep or not path_text.endswith(".py") or not name.isidentifier():
        raise BadValue(f"{spec!r} must be FILE.py:FUNCTION, e.g. mynet.py:build")
    path = Path(path_text)
    if not path.is_file():
        raise BadValue(f"{spec!r}: no file {path_text!r}")
    module_spec = importlib.util.spec_from_file_location(f"_symconv_model_{path.stem}", path)
    module = importlib.util.module_from_spec(module_spec)
    sys.path.insert(0, str(path.parent.resolve()))  # the file may import its neighbours
    try:
        module_spec.loader.exec_module(module)
    except Exception as error:  # the user's file failed: say where, in one line
        raise BadValue(f"{spec!r}: running {path_text} raised {type(error).__name__}: {error}") from error
    finally:
        sys.path.pop(0)
    factory = getattr(module, name, None)
    if not callable(factory):
        raise BadValue(f"{spec!r}: {path_text} has no function {name!r}")
    return factory


#: longest --arg value read: literals are parsed, never run, and stay small
MAX_ARGUMENT = 1000


def factory_arguments(items: list[str] | None) -> dict[str, object]:
    """``NAME=VALUE`` options as keyword arguments: each value a Python literal, else the text itself.

    Literals are read by :func:`ast.literal_eval`, which builds constants and containers and
    runs nothing.

    >>> factory_arguments(["num_classes=10", "widths=(32, 64)", "act=relu", "bias=False"])
    {'num_classes': 10, 'widths': (32, 64), 'act': 'relu', 'bias': False}
    """
    arguments: dict[str, object] = {}
    for item in items or ():
        name, sep, text = item.partition("=")
        name = name.strip()
        if not sep or not name.isidentifier():
            raise BadValue(f"--arg {item!r} must be NAME=VALUE with NAME an identifier, e.g. num_classes=10")
        if name in arguments:
            raise BadValue(f"--arg {name} is given twice")
        if len(text) > MAX_ARGUMENT:
            raise BadValue(f"--arg {name}: the value has {len(text)} characters, more than {MAX_ARGUMENT}")
        arguments[name] = _literal(text.strip())
    return arguments


_RANGE = re.compile(r"\s*(\d+)\s*\.\.\s*(\d+)\s*")


def size_ranges(items: list[str] | None) -> dict[str, tuple[int, int]] | None:
    """``NAME=LOW..HIGH`` options as ``from_torch``'s ``sizes``: integers read by a pattern, never evaluated.

    >>> size_ranges(["H=116..227", "W = 116 .. 227"])
    {'H': (116, 227), 'W': (116, 227)}
    """
    if not items:
        return None
    ranges: dict[str, tuple[int, int]] = {}
    for item in items:
        name, sep, text = item.partition("=")
        name = name.strip()
        found = _RANGE.fullmatch(text) if len(text) <= MAX_ARGUMENT else None
        if not sep or not name.isidentifier() or found is None:
            raise BadValue(f"--sizes {item!r} must be NAME=LOW..HIGH with integers LOW <= HIGH, e.g. H=116..227")
        if name in ranges:
            raise BadValue(f"--sizes {name} is given twice")
        ranges[name] = (int(found[1]), int(found[2]))
    return ranges


def _literal(text: str) -> object:
    try:
        return ast.literal_eval(text)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return text  # a word (relu, resnet18): passed as text


def run(args: argparse.Namespace) -> int:
    for option, value in (("--quantity", args.quantity), ("--baseline", args.baseline)):
        if value and not args.layers:
            raise BadValue(f"{option} sets the columns of the per-layer table: add --layers")
    for name in args.quantity or ():
        if quantity_named(name).training:
            raise BadValue(
                f"--quantity {name} is of a training step: the layer table is of the model's forward "
                "(a training step per operator: symconv cost/table/codegen --grad)"
            )
    factory = load_factory(args.factory)
    shape = operators.read_option(parse_shape, "input", args.input)
    arguments = factory_arguments(args.arg)
    sizes = size_ranges(args.sizes)
    try:
        model = factory(**arguments)
    except Exception as error:
        raise BadValue(f"{args.factory!r}: the factory raised {type(error).__name__}: {error}") from error
    network = symconv.from_torch(model, shape, strict=not args.not_strict, sizes=sizes)
    declared = ", ".join(map(str, network.sizes))
    given = given_values(args.given)
    if given:
        network = network.subs(given)
    if args.layers:
        if args.format == "json":
            raise BadValue("--layers prints a text or LaTeX table: use --format text or latex")
        columns = args.quantity or (args.convention, "params", f"memory:{args.memory_model}")  # as the summary
        options = {"skip_views": True, "baseline": args.baseline}
        print(network.table(columns, **options) if args.format == "text" else network.latex(columns, **options))
    if args.modules is not None:
        print_modules(network, args)
        if args.format == "json" or args.csv:
            return 0
    total = network.total
    rows = (
        Row("layers", len(network.layers)),
        Row("compute", total.compute(args.convention), args.convention),
        Row("params", total.params),
        Row("memory", total.memory(args.memory_model), f"elements, {args.memory_model}; layers as separate kernels"),
    )
    if network.unsupported:  # --not-strict: what counts as zero, said where the totals are
        rows += (
            Row(
                "not lowered", len(network.unsupported), "; ".join(f"{u.module} ({u.cls})" for u in network.unsupported)
            ),
        )
    if declared:
        rows += (Row("sizes", declared, "the cost holds for these sizes only"),)
    title = f"{args.factory} on input {shape}"
    print(FORMATS[args.format](Report(title, rows)))
    if args.peers:
        print(FORMATS[args.format](peer_report(title, explain(network))))
    return 0


def print_modules(network, args: argparse.Namespace) -> None:
    """The module hierarchy, in the summary's quantities."""
    from symconv.network import report

    rows = report.module_report(network, (args.convention, "params", f"memory:{args.memory_model}"), args.modules)
    render = report.as_csv if args.csv else report.as_json if args.format == "json" else report.as_text
    print(render(rows))
