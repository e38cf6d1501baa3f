"""``symconv codegen``: one operator's exact cost functions as a dependency-free module (:mod:`symconv.codegen`)."""

from __future__ import annotations

import argparse

from symconv.cli import operators
from symconv.cli.cost import add_grad_option, add_quantity_option, grad_of
from symconv.cli.output import emit

CODEGEN_EXAMPLE = """\
examples:
  symconv codegen conv2d --in-channels C_in --out-channels C_out --kernel-size K --stride s --padding p \\
      --input N,C_in,H,W --quantity macs --quantity params --output conv_costs.py
  symconv codegen conv2d --in-channels C_in --out-channels C_out --kernel-size 3 --input N,C_in,H,W \
      --quantity training:flops --quantity training-memory:adam --grad weights
  symconv codegen conv2d --in-channels C_in --out-channels C_out --kernel-size 3 --input 1,C_in,H,W --numpy
"""


def register(commands: argparse._SubParsersAction, formatter: type[argparse.HelpFormatter]) -> None:
    generate = commands.add_parser(
        "codegen",
        help="a dependency-free Python (or NumPy) module of one operator's cost functions",
        description="Generate exact cost functions of an operator; its symbols become the functions' arguments.",
        epilog=CODEGEN_EXAMPLE,
        formatter_class=formatter,
    )
    generate.add_argument("operator", choices=operators.CHOICES, metavar="OPERATOR")
    generate.add_argument(
        "--input", required=True, action="append", metavar="SHAPE", help="input shape, e.g. N,C_in,H,W (once per input)"
    )
    add_quantity_option(generate, default=None, many=True)
    add_grad_option(generate)
    generate.add_argument("--name", help="the functions' prefix (default: the operator name)")
    generate.add_argument("--numpy", action="store_true", help="vectorised NumPy functions instead of scalar ones")
    generate.add_argument("--output", metavar="FILE", help="write the module here (default: print it)")
    operators.add_operator_options(generate)
    generate.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    (op,) = operators.build_all([args.operator], operators.given_options(args), [{}])
    shapes = operators.read_inputs(args)
    shape = shapes[0] if op.arity == 1 else list(shapes)
    from symconv import codegen  # Jinja and the printers: only for this command

    generate = codegen.numpy_module if args.numpy else codegen.python_module
    quantities = args.quantity or [
        *codegen.DEFAULT_QUANTITIES,
        *(codegen.DEFAULT_TRAINING_QUANTITIES if args.grad else ()),
    ]
    grad = grad_of(args, quantities) or True  # training quantities' step: with the input's gradient unless told
    emit(generate({args.name or args.operator: (op, shape)}, quantities, grad=grad), args, suffix=".py")
    return 0
