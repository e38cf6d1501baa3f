"""``symconv table``, ``derive`` and ``derivations``: LaTeX rendered by :mod:`symconv.latex` and
:mod:`symconv.render.artifacts`, written atomically (and compiled with ``--pdf``)."""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

from symconv.cli import operators
from symconv.cli.compare import given_values
from symconv.cli.cost import add_grad_option, add_quantity_option, grad_of
from symconv.cli.output import check_output, emit
from symconv.cli.values import BadValue
from symconv.core.quantities import help_text, quantity_named
from symconv.errors import UnknownName

if TYPE_CHECKING:
    from symconv.analysis.derive import Derivation

TABLE_EXAMPLE = """\
examples:
  symconv table conv2d dwconv pconv --labels "standard,DWConv,PConv" --baseline standard \\
      --in-channels C --out-channels C --channels C --conv-channels C/4 --kernel-size K --padding same \\
      --bias false --input 1,C,H,W --quantities macs,params,memory,ratio:macs --output table.tex --pdf
  symconv table conv2d conv2d --set 2:groups=4 --labels "dense,grouped" --in-channels 64 --out-channels 64 \\
      --kernel-size 3 --padding 1 --input 1,64,56,56
  symconv table conv2d linear --in-channels 3 --out-channels 8 --kernel-size 3 --in-features 8 --out-features 8 \
      --input 1,3,8,8 --quantities macs,backward:macs,saved,training-memory:adam --grad weights
"""

DERIVE_EXAMPLE = """\
examples:
  symconv derive --list
  symconv derive A8 --output a8.tex --pdf
  symconv derive conv_transpose2d --quantity mults --in-channels C_in --out-channels C_out --kernel-size K \\
      --stride s --bias false --input 1,C_in,H_in,W_in
"""


def add_output_options(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument("--output", metavar="FILE", help=f"write the {what} here (default: print it)")
    parser.add_argument("--pdf", action="store_true", help="also compile a standalone document to FILE.pdf (latexmk)")
    parser.add_argument("--fragment", action="store_true", help="a fragment for \\input instead of a document")


def register(commands: argparse._SubParsersAction, formatter: type[argparse.HelpFormatter]) -> None:
    table = commands.add_parser(
        "table",
        help="a LaTeX table (booktabs, siunitx) of operators x quantities",
        description="Render a paper table of several operators' quantities, symbolic or at given values.",
        epilog=TABLE_EXAMPLE,
        formatter_class=formatter,
    )
    table.add_argument("operators", nargs="+", metavar="OPERATOR", help="the rows, by operator name")
    table.add_argument("--set", action="append", metavar="ROW:NAME=VALUE", help="an option for one row (1-based)")
    table.add_argument("--labels", help="comma-separated row labels (default: the operator names)")
    table.add_argument(
        "--quantities", default="macs,params,memory", help=f"comma-separated columns, each one of: {help_text()}"
    )
    table.add_argument("--baseline", help="the row label that ratio: columns divide by")
    table.add_argument("--given", action="append", metavar="NAME=VALUE", help="substitute a symbol's value")
    table.add_argument("--caption", default="", help="the caption (printed literally, unless --raw-caption)")
    table.add_argument(
        "--raw-caption", action="store_true", help="the caption is LaTeX (math, \\cite): placed as written"
    )
    table.add_argument(
        "--digits", default="3", metavar="N", help="significant digits of numbers; 'exact' for fractions"
    )
    table.add_argument("--wide", action="store_true", help="table* for two-column papers: span both columns")
    table.add_argument("--label", default="", help="the \\label key")
    table.add_argument(
        "--input", required=True, action="append", metavar="SHAPE", help="input shape, e.g. 1,C,H,W (once per input)"
    )
    add_grad_option(table)
    operators.add_operator_options(table)
    add_output_options(table, "table")
    table.set_defaults(run=run_table)

    derive = commands.add_parser(
        "derive",
        help="a checked step-by-step derivation as a LaTeX document",
        description="Render a built-in derivation (a seed formula or a headline ratio), or derive one quantity of "
        "an operator from its lowering, every step checked by sympy.",
        epilog=DERIVE_EXAMPLE,
        formatter_class=formatter,
    )
    derive.add_argument("name", nargs="?", metavar="NAME", help="a built-in derivation (see --list) or an operator")
    derive.add_argument("--list", action="store_true", help="list the built-in derivations")
    add_quantity_option(derive)
    derive.add_argument("--input", action="append", metavar="SHAPE", help="for an operator: its input shape(s)")
    operators.add_operator_options(derive)
    add_output_options(derive, "derivation")
    derive.set_defaults(run=run_derive)

    regenerate = commands.add_parser(
        "derivations",
        help="regenerate the rendered files under derivations/ (or --check them)",
        description="Write every rendered file of the built-in operators (LaTeX, generated code), each only if "
        "it changed; --check lists stale files and exits 1.",
        epilog="examples:\n  symconv derivations            (inside the symconv repository)\n"
        "  symconv derivations --check --out somewhere/derivations",
        formatter_class=formatter,
    )
    regenerate.add_argument(
        "--out",
        "--root",
        dest="root",
        metavar="DIR",
        help="the output directory (default: derivations/ of the symconv repository, when run inside it)",
    )
    regenerate.add_argument("--check", action="store_true", help="write nothing; exit 1 if a file is stale")
    regenerate.set_defaults(run=run_derivations)


def _document(args: argparse.Namespace) -> bool:
    if args.pdf and args.fragment:
        raise BadValue("--pdf compiles a standalone document: leave out --fragment")
    return not args.fragment


def digits(text: str) -> int | None:
    """``--digits``: a positive count of significant digits, or ``exact``."""
    if text.strip() == "exact":
        return None
    if not text.strip().isdigit() or not 1 <= int(text) <= 50:
        raise BadValue(f"--digits {text!r} must be 'exact' or a whole number from 1 to 50")
    return int(text)


def run_table(args: argparse.Namespace) -> int:
    names = args.operators
    labels = [label.strip() for label in args.labels.split(",")] if args.labels else list(names)
    if len(labels) != len(names):
        raise BadValue(f"--labels gives {len(labels)} labels for {len(names)} operators")
    if args.labels and len(set(labels)) != len(labels):
        twice = sorted({label for label in labels if labels.count(label) > 1})
        raise BadValue(f"--labels must be distinct: {', '.join(map(repr, twice))} labels two rows")
    if not args.labels:  # the same operator twice (with different --set options): number the rows
        labels = [f"{name} ({i})" if names.count(name) > 1 else name for i, name in enumerate(names, start=1)]
    ops = operators.build_all(names, operators.given_options(args), operators.per_row(args.set, len(names)))
    shapes = operators.read_inputs(args)
    quantities = [q.strip() for q in args.quantities.split(",") if q.strip()]
    from symconv import latex  # the renderers load only for the commands that render

    grad = grad_of(args, quantities)
    rows = {label: op.cost(*shapes, grad=grad) for label, op in zip(labels, ops, strict=True)}
    text = latex.table(
        rows,
        quantities,
        baseline=args.baseline,
        values=given_values(args.given) or None,
        caption=args.caption,
        label=args.label,
        document=_document(args),
        digits=digits(args.digits),
        wide=args.wide,
        raw_caption=args.raw_caption,
    )
    emit(text, args)
    return 0


def run_derive(args: argparse.Namespace) -> int:
    from symconv import latex
    from symconv.analysis import derivations
    from symconv.render import artifacts

    if args.list:
        for slug, d in derivations.builtin().items():
            print(f"{slug:<24} {d.title}")
        return 0
    if args.name is None:
        raise BadValue("give a derivation NAME (symconv derive --list) or an operator name")
    check_output(args)  # before the derivation is built
    _document(args)
    if args.name in operators.CHOICES:  # before the built-in derivations, which take seconds to build the first time
        derivation, lowering = _operator_derivation(args)
        emit(latex.derivation(derivation, lowering=lowering, document=_document(args)), args)
        return 0
    builtin = derivations.builtin()
    if args.name not in builtin:
        raise UnknownName("derivation or operator", args.name, [*builtin, *operators.OPERATORS])
    fragment = "" if _document(args) else "fragments/"  # exactly the file under derivations/
    emit(artifacts.latex_derivations()[f"{artifacts.LATEX}/{fragment}derivation-{args.name}.tex"], args)
    return 0


def _operator_derivation(args: argparse.Namespace) -> tuple[Derivation, dict]:
    """Derive ``--quantity`` of the operator from its lowering with :mod:`symconv.analysis.derivations`' steps."""
    from symconv.analysis import derivations
    from symconv.analysis.derive import Derivation

    if args.input is None:
        raise BadValue(f"deriving {args.name} needs --input SHAPE")
    (op,) = operators.build_all([args.name], operators.given_options(args), [{}])
    cost = op.cost(*operators.read_inputs(args))
    q = quantity_named(args.quantity)
    steps, definitions = derivations.quantity_steps(cost, q)
    derivation = Derivation(
        f"{args.name}: {q.name}", steps, q.name, operator=cost.operator, definitions=definitions, result=q.of(cost)
    )
    return derivation, {args.name: cost}


def run_derivations(args: argparse.Namespace) -> int:
    from symconv.render import artifacts

    if args.root is None:  # never write into whatever directory the command runs in
        repository = artifacts.repository_root()
        if repository is None:
            raise BadValue("not inside the symconv repository: give the output directory with --out DIR")
        args.root = str(repository / artifacts.ROOT)
    if args.check:
        found = artifacts.problems(args.root)
        for path, what in found.items():
            print(f"{what}: {path}")
        counts = Counter(found.values())
        summary = ", ".join(f"{n} {what}" for what, n in sorted(counts.items())) or "all up to date"
        print(f"{summary} under {args.root}")
        return 1 if found else 0
    written = artifacts.write_artifacts(args.root)
    for path in written:
        print(f"wrote {Path(args.root) / path}")
    print(f"{len(written)} file(s) written, the others unchanged, under {args.root}")
    return 0
