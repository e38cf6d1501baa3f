"""The ``symconv`` command."""

from __future__ import annotations

import argparse
import sys

from symconv import seeds


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="symconv", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser(
        "seeds",
        help="derive every formula of the two source articles and check it against the article",
        description="Derive every seed formula from the im2col/col2im lowering and compare it with the article's.",
    ).set_defaults(run=lambda args: seeds.main())
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
