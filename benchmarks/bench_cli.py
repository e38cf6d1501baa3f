"""How long the ``symconv`` command takes, against importing symconv (the floor any command pays), in one run.

Run: ``python benchmarks/bench_cli.py`` from the repository root. Prints the median of
``REPEATS`` cold subprocess runs of each command and its ratio to the import baseline.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REPEATS = 7
CONV = "conv2d --in-channels 64 --out-channels 128 --kernel-size 3 --padding 1 --input 1,64,56,56"
COMMANDS = {
    "import symconv (baseline)": [sys.executable, "-c", "import symconv"],
    "symconv --help": [sys.executable, "-m", "symconv", "--help"],
    "symconv cost (numbers)": [sys.executable, "-m", "symconv", "cost", *CONV.split()],
    "symconv cost (closed form)": [
        sys.executable,
        "-m",
        "symconv",
        "cost",
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
    ],
    "symconv ratio dwconv conv2d": [sys.executable, "-m", "symconv", "ratio", "dwconv", *CONV.split()],
}


def median_seconds(command: list[str]) -> float:
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        subprocess.run(command, cwd=ROOT, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    results = {name: median_seconds(command) for name, command in COMMANDS.items()}
    baseline = results["import symconv (baseline)"]
    for name, seconds in results.items():
        print(f"{name:<30} {seconds:6.3f} s   {seconds / baseline:5.2f}x the import")


if __name__ == "__main__":
    main()
