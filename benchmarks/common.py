"""What every benchmark here shares: interleaved timing, medians, and goals that print PASS or FAIL.

Each side of a comparison does the same work. The cases are timed in turn, round after
round, so that a change in the machine's load falls on every case alike; a case's time is
the median over rounds, and a ratio is taken between medians of the same run.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: The environment of a fresh interpreter timed here: an installed package has its bytecode cached (pip
#: compiles it), so bytecode is written and read whatever the caller's PYTHONDONTWRITEBYTECODE says.
ENV = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}


def interleaved(cases: Mapping[str, Callable[[], object]], rounds: int) -> dict[str, float]:
    """Median seconds of one call of each case, the cases called in turn in every round."""
    times: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(rounds):
        for name, case in cases.items():
            start = time.perf_counter()
            case()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) for name, values in times.items()}


@dataclass(frozen=True)
class Goal:
    """A measured ratio (or figure) against its target; ``target`` None is reported, not judged."""

    benchmark: str
    name: str
    value: float
    target: float | None = None
    at_most: bool = True
    unit: str = "x"
    detail: str = ""
    noise: float = 0.0

    @property
    def passed(self) -> bool | None:
        """Whether the target is met; a ratio within the measured noise of its target counts as met."""
        if self.target is None:
            return None
        if self.at_most:
            return self.value <= self.target + self.noise
        return self.value >= self.target - self.noise

    @property
    def verdict(self) -> str:
        return {True: "PASS", False: "FAIL", None: "info"}[self.passed]

    @property
    def target_text(self) -> str:
        if self.target is None:
            return ""
        noise = f" ±{self.noise:.2f}" if self.noise else ""
        return f"{'<=' if self.at_most else '>='} {self.target:g}{self.unit}{noise}"

    def value_text(self) -> str:
        if self.unit == "x":
            return f"{self.value:.2f}x" if self.value < 100 else f"{self.value:,.0f}x"
        if self.unit == "s":
            return f"{self.value:.3f} s"
        if self.unit == "ms":
            return f"{self.value:.2f} ms"
        return f"{self.value:g} {self.unit}"


def print_goals(goals: Sequence[Goal]) -> None:
    width = max(len(g.name) for g in goals)
    for g in goals:
        detail = f"  ({g.detail})" if g.detail else ""
        print(f"  {g.verdict:4}  {g.name:<{width}}  {g.value_text():>12}  {g.target_text:<10}{detail}")


def exit_code(goals: Sequence[Goal], check: bool) -> int:
    """1 if ``check`` and a goal was missed (each missed goal is named on stderr), else 0."""
    missed = [g for g in goals if g.passed is False]
    for g in missed:
        print(f"FAIL: {g.benchmark}: {g.name} = {g.value_text()}, target {g.target_text}", file=sys.stderr)
    return 1 if check and missed else 0
