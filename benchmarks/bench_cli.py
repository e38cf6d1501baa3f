"""How long the ``symconv`` command and ``import symconv`` take, in fresh interpreters, in one run.

    python benchmarks/bench_cli.py [--rounds 15] [--check]

Every command runs as a new process, the commands in turn round after round (so a change
in the machine's load falls on all alike); each time is the median over rounds. Goals:
``symconv cost`` <= 1.1x ``python -c "import symconv"`` (the floor every command pays), and
``import symconv`` <= 1.2x ``import sympy`` (the library it builds on). For reference, the
first sympy sum imports ``sympy.tensor`` (the first ``Add``): every command that computes pays it.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ENV, ROOT, Goal, exit_code, interleaved, print_goals

NAME = "cli"
PYTHON = sys.executable
CONV = [
    "conv2d",
    "--in-channels",
    "64",
    "--out-channels",
    "128",
    "--kernel-size",
    "3",
    "--padding",
    "1",
    "--input",
    "1,64,56,56",
]
SYMBOLIC = [
    "conv2d",
    "--in-channels",
    "C_in",
    "--out-channels",
    "C_out",
    "--kernel-size",
    "K",
    "--padding",
    "same",
    "--input",
    "N,C_in,H,W",
]
COMMANDS = {
    "import sympy": [PYTHON, "-c", "import sympy"],
    "import sympy, first sum": [PYTHON, "-c", "import sympy; sympy.Symbol('x') + sympy.Symbol('y') + 1"],
    "import symconv": [PYTHON, "-c", "import symconv"],
    "symconv --help": [PYTHON, "-m", "symconv", "--help"],
    "symconv cost (numbers)": [PYTHON, "-m", "symconv", "cost", *CONV],
    "symconv cost (closed form)": [PYTHON, "-m", "symconv", "cost", *SYMBOLIC],
    "symconv ratio dwconv conv2d": [PYTHON, "-m", "symconv", "ratio", "dwconv", *CONV],
}


def run(command: list[str]) -> None:
    subprocess.run(command, cwd=ROOT, check=True, capture_output=True, env=ENV)


def measure(rounds: int = 15) -> list[Goal]:
    for command in COMMANDS.values():  # warm the file cache and write the bytecode
        run(command)
    t = interleaved({name: lambda c=command: run(c) for name, command in COMMANDS.items()}, rounds)
    base = t["import symconv"]
    cost = "symconv cost (numbers)"
    goals = [
        Goal(NAME, "import symconv / import sympy", base / t["import sympy"], 1.2, detail=_times(t, "import symconv")),
        Goal(NAME, f"{cost} / import symconv", t[cost] / base, 1.1, detail=_times(t, cost)),
    ]
    others = ("import sympy, first sum", "symconv --help", "symconv cost (closed form)", "symconv ratio dwconv conv2d")
    return goals + [Goal(NAME, f"{name} / import symconv", t[name] / base, detail=_times(t, name)) for name in others]


def _times(t: dict[str, float], name: str) -> str:
    return f"{t[name]:.3f} s; import sympy {t['import sympy']:.3f} s, import symconv {t['import symconv']:.3f} s"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=15, help="interleaved rounds")
    parser.add_argument("--check", action="store_true", help="exit 1 if a goal is missed")
    args = parser.parse_args()
    goals = measure(args.rounds)
    print("symconv command-line benchmark (fresh processes; medians of interleaved rounds)")
    print_goals(goals)
    return exit_code(goals, args.check)


if __name__ == "__main__":
    sys.exit(main())
