"""``symconv cost``: one operator's compute, parameters and memory traffic."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from symconv.cli import operators
from symconv.cli.report import FORMATS, Report, Row
from symconv.cli.values import BadValue
from symconv.core import quantities
from symconv.core.conventions import convention, memory_model
from symconv.core.cost import Cost
from symconv.network.peers import PeerCount, explain

if TYPE_CHECKING:
    from symconv.analysis.training import TrainingCost

EXAMPLE = """\
examples:
  symconv cost conv2d --in-channels 64 --out-channels 128 --kernel-size 3 --padding 1 --input 1,64,56,56
  symconv cost conv2d --in-channels C_in --out-channels C_out --kernel-size K --padding same --input N,C_in,H,W
  symconv cost add --input 1,C,H,W --input 1,C,H,W
  symconv cost conv2d --in-channels C_in --out-channels C_out --kernel-size 3 --input N,C_in,H,W --grad weights
  symconv cost partial_conv2d --channels C --conv-channels C/4 --kernel-size 3 --input 1,C,H,W --format latex
  symconv cost conv_transpose2d --in-channels 64 --out-channels 32 --kernel-size 4 --stride 2 --padding 1 \
      --input 1,64,28,28 --peers

operators (constructor parameters; [name=default] is optional):
"""


def add_cost_options(parser: argparse.ArgumentParser, *, conventions: bool = True) -> None:
    """``--input``, ``--element-size``, the operator options and (``conventions``) ``--convention``, ``--memory-model``.

    Commands that name a ``--quantity`` (``memory:im2col``, ``flops``) leave the last two out.
    """
    parser.add_argument(
        "--input",
        required=True,
        action="append",
        metavar="SHAPE",
        help="input shape, PyTorch layout, e.g. 1,C_in,H,W (once per input of an operator of several)",
    )
    if conventions:
        parser.add_argument("--convention", default="macs", help="compute convention (macs, flops, mults, ops, ±bias)")
        parser.add_argument("--memory-model", default="ideal", help="memory model: ideal or im2col")
    parser.add_argument("--element-size", default="1", metavar="BYTES", help="bytes per element (1: count elements)")
    operators.add_operator_options(parser)


def add_quantity_option(parser: argparse.ArgumentParser, *, default: str | None = "macs", many: bool = False) -> None:
    """``--quantity`` (repeatable with ``many``): any name of :mod:`symconv.core.quantities`, parsed there."""
    action = "append" if many else "store"
    parser.add_argument("--quantity", default=default, action=action, help=f"one of: {quantities.help_text()}")


def add_peers_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--peers", action="store_true", help="also show what FlopCounterMode, fvcore, ptflops, thop, calflops report"
    )


def peer_report(title: str, counts: tuple[PeerCount, ...]) -> Report:
    """What each counter reports (:func:`symconv.network.peers.explain`), its version and convention as the note."""
    rows = tuple(Row(c.tool, "-" if c.count is None else c.count, f"{c.version}: {c.why}") for c in counts)
    return Report(f"{title}: what other counters report for its conv, linear and matmul layers", rows)


def add_grad_option(parser: argparse.ArgumentParser) -> None:
    """``--grad [weights]``: the training step (forward and backward) instead of the forward alone."""
    parser.add_argument(
        "--grad",
        nargs="?",
        const="true",
        choices=GRADS,
        help="cost a training step: the input and the parameters need a gradient (--grad), or the parameters only "
        "(--grad weights: a first layer); training quantities (backward:macs, saved, training-memory ...) need it",
    )


GRADS = {"true": True, "weights": "weights"}


def grad_of(args: argparse.Namespace, names: list[str] | tuple[str, ...] = ()) -> bool | str:
    """What ``--grad`` asks for; without it, a training step all the same when a training quantity is named."""
    if args.grad is not None:
        return GRADS[args.grad]
    return any(quantities.quantity_named(name).training for name in names)


def epilog() -> str:
    aliases = ", ".join(f"{alias} = {name}" for alias, name in operators.ALIASES.items())
    lines = [operators.signature_line(name) for name in operators.OPERATORS]
    return EXAMPLE + "\n".join(lines) + (f"\n\nolder names: {aliases}" if aliases else "")


def register(commands: argparse._SubParsersAction, formatter: type[argparse.HelpFormatter]) -> None:
    parser = commands.add_parser(
        "cost",
        help="compute, parameters and memory traffic of one operator",
        description="Derive one operator's cost from its lowering: exact numbers, or closed forms in any symbols.",
        epilog=epilog(),
        formatter_class=formatter,
    )
    parser.add_argument("operator", choices=operators.CHOICES, metavar="OPERATOR", help="see the list below")
    add_cost_options(parser)
    add_peers_option(parser)
    add_grad_option(parser)
    parser.add_argument("--format", choices=list(FORMATS), default="text")
    parser.set_defaults(run=run)


def element_size(args: argparse.Namespace) -> int:
    text = args.element_size.strip()
    if not text.isdigit() or int(text) < 1:
        raise BadValue(f"--element-size {args.element_size!r} must be a positive integer (bytes per element)")
    return int(text)


def report(cost: Cost, shape: str, output: tuple, args: argparse.Namespace) -> Report:
    conv = convention(args.convention)
    model = memory_model(args.memory_model)
    size = element_size(args)
    unit = "bytes" if size > 1 else "elements"
    return Report(
        f"{cost.operator} on input {shape}",
        (
            Row("output", output, "PyTorch's output-size formulas"),
            Row("compute", cost.compute(conv), f"{conv.name}: {conv.summary}"),
            Row("params", cost.params, "elements of weight and bias"),
            Row("reads", cost.reads(model, size), f"{unit}, {model.name} memory model"),
            Row("writes", cost.writes(model, size), f"{unit}, {model.name} memory model"),
            Row("memory", cost.memory(model, size), f"{unit}, {model.name}: {model.summary}"),
            Row("intensity", cost.intensity(conv, model, size), f"{conv.name} per {unit[:-1]} moved"),
        ),
    )


def _training_rows(step: TrainingCost, args: argparse.Namespace) -> tuple[Row, ...]:
    """The training step's rows: compute of each part under ``--convention``, what it saves and holds."""
    compute = quantities.Compute(convention(args.convention))
    size = element_size(args)
    unit = "bytes" if size > 1 else "elements"
    parts = [
        quantities.TrainingCompute(part, compute) for part in ("backward", "grad-input", "grad-params", "training")
    ]
    memory = [quantities.Saved(), *map(quantities.TrainingMemory, quantities.OPTIMIZERS)]
    rows = [Row(q.name, q.of(step), q.summary) for q in (*parts, quantities.Trainable())]
    return (*rows, *(Row(q.name, q.of(step, element_size=size), f"{unit}: {q.summary}") for q in memory))


def run(args: argparse.Namespace) -> int:
    (op,) = operators.build_all([args.operator], operators.given_options(args), [{}])
    shapes = operators.read_inputs(args)
    grad = grad_of(args)
    step = op.cost(*shapes, grad=grad) if grad else None
    cost = step.forward if step else op.cost(*shapes)
    result = report(cost, operators.show_inputs(shapes), op.output_shape(*shapes), args)
    if step:
        result = Report(f"{result.title}, training step", result.rows + _training_rows(step, args))
    print(FORMATS[args.format](result))
    if args.peers:
        counts = explain(op, shapes[0]) if len(shapes) == 1 else explain(cost)
        print(FORMATS[args.format](peer_report(cost.operator, counts)))
    return 0
