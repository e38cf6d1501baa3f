"""The ``symconv`` command: costs, ratios, crossovers, LaTeX, generated code and plots without writing Python.

Every subcommand parses its options, asks the library, and prints or writes the
result; errors a user can cause are one line on stderr and a non-zero exit.
"""

from __future__ import annotations

import argparse
import difflib
import importlib
import os
import re
import shlex
import sys
from collections.abc import Sequence
from typing import NoReturn

from symconv.errors import SymconvError
from symconv.provenance import made_by

USAGE_ERROR = 2
INPUT_ERROR = 1
INTERNAL_ERROR = 70  # sysexits EX_SOFTWARE: a bug of ours, reported on one line

#: The module under ``symconv.cli`` that registers each subcommand, in the order ``--help`` lists them.
COMMANDS = {
    "cost": "cost",
    "ratio": "compare",
    "crossover": "compare",
    "plot": "plot",
    "table": "render",
    "derive": "render",
    "derivations": "render",
    "codegen": "generate",
    "model": "model",
    "bounds": "bounds",
    "devices": "devices",
}


class Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line: ``symconv cost: error: ... (see --help)``, with a suggestion
    for a mistyped option or choice."""

    def error(self, message: str) -> NoReturn:
        hint = self.suggestion(message)
        self.exit(USAGE_ERROR, f"{self.prog}: error: {message}{hint} (see {self.prog} --help)\n")

    def suggestion(self, message: str) -> str:
        """``; did you mean --in-channels?`` for the first unknown option or invalid choice ``message`` names."""
        choice = _INVALID_CHOICE.search(message)
        if choice:
            names = set(choice["argument"].split("/"))
            action = next(
                (a for a in self._actions if a.choices and names & {*a.option_strings, a.metavar, a.dest}), None
            )
            return _did_you_mean(choice["value"], list(action.choices) if action else [])
        unknown = _UNRECOGNIZED.search(message)
        if unknown:
            options = [o for o in self._option_string_actions if o.startswith("--")]
            for word in unknown["words"].split():
                if word.startswith("-"):
                    return _did_you_mean(word.partition("=")[0], options)
        return ""


_INVALID_CHOICE = re.compile(r"argument (?P<argument>[^:]+): invalid choice: '(?P<value>[^']*)'")
_UNRECOGNIZED = re.compile(r"unrecognized arguments: (?P<words>.*)")


def _did_you_mean(word: str, known: list[str]) -> str:
    """The closest known word, compared without case, dashes and underscores (``convtranspose2d``)."""

    def key(text: str) -> str:
        return text.lower().replace("_", "").replace("-", "")

    by_key = {key(k): k for k in known}
    close = difflib.get_close_matches(key(word), list(by_key), n=1, cutoff=0.6)
    return f"; did you mean {by_key[close[0]]}?" if close else ""


class Formatter(argparse.RawDescriptionHelpFormatter, argparse.ArgumentDefaultsHelpFormatter):
    """Keep the examples' line breaks; show defaults that exist (not ``None``, not a flag's ``False``)."""

    def _get_help_string(self, action: argparse.Action) -> str:
        if action.default in (None, False):
            return action.help or ""
        return super()._get_help_string(action)


def run_seeds(args: argparse.Namespace) -> int:
    from symconv.analysis import seeds  # deriving the 18 rows takes a moment: only when asked

    return seeds.main()


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The parser of every subcommand, or only of the one ``argv`` names (a command loads only its own modules)."""
    parser = Parser(prog="symconv", description=__doc__, formatter_class=Formatter, allow_abbrev=False)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=Parser)
    commands.add_parser(
        "seeds",
        help="derive every formula of the two source articles and check it against the article",
        description="Derive every seed formula from the im2col/col2im lowering and compare it with the article's.",
        epilog="example:\n  symconv seeds",
        formatter_class=Formatter,
    ).set_defaults(run=run_seeds)
    named = argv[0] if argv else None
    for module in dict.fromkeys([COMMANDS[named]] if named in COMMANDS else COMMANDS.values()):
        importlib.import_module(f"symconv.cli.{module}").register(commands, Formatter)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = build_parser(argv)
    args, extra = parser.parse_known_args(argv)
    if extra:  # say so as the subcommand, which knows its own options
        subcommands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        subcommands.choices[args.command].error(f"unrecognized arguments: {' '.join(extra)}")
    if hasattr(sys, "set_int_max_str_digits"):
        sys.set_int_max_str_digits(0)  # exact results print in full, however many digits
    try:
        with made_by(shlex.join(["symconv", *argv])):
            return args.run(args)
    except SymconvError as error:
        print(f"symconv {args.command}: error: {' '.join(str(error).split())}", file=sys.stderr)  # one line
        return INPUT_ERROR
    except BrokenPipeError:  # the reader stopped early (| head): not an error of ours
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as error:
        print(f"symconv {args.command}: error: {error.strerror or error}: {error.filename or ''}", file=sys.stderr)
        return INPUT_ERROR
    except RecursionError:
        print(f"symconv {args.command}: error: the expression is nested too deeply", file=sys.stderr)
        return INPUT_ERROR
    except Exception as error:  # a bug of ours: still one line, never a traceback
        message = " ".join(str(error).split())[:500]
        print(f"symconv {args.command}: internal error: {type(error).__name__}: {message}", file=sys.stderr)
        return INTERNAL_ERROR


if __name__ == "__main__":
    sys.exit(main())
