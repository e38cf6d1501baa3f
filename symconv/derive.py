"""Checked derivations: a list of steps, each verified by sympy to equal the one before.

Examples
--------
>>> from symconv.symbols import C_out, K
>>> steps = [Step("start", (C_out + K**2) / (C_out * K**2), "given"),
...          Step("split the fraction", 1 / K**2 + 1 / C_out, "apart")]
>>> Derivation("toy", steps).conclusion == 1 / K**2 + 1 / C_out
True
>>> Derivation("wrong", [steps[0], Step("oops", 1 / K**2, "typo")])
Traceback (most recent call last):
...
symconv.derive.InvalidStep: step 2 of 'wrong' ('oops') does not equal step 1: ...
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import sympy

from symconv.errors import SymconvError


class InvalidStep(SymconvError):
    """A derivation step that does not follow from the one before."""


@dataclass(frozen=True)
class Step:
    """One line of a derivation: what is done (``statement``), the result (``expr``), and why it holds."""

    statement: str
    expr: sympy.Expr
    justification: str
    new: bool = False  # True when the step introduces a quantity rather than rewriting the previous one


def equal(a: sympy.Expr, b: sympy.Expr) -> bool:
    """Whether sympy proves two expressions equal."""
    difference = sympy.simplify(sympy.expand(a - b))
    return difference == 0


@dataclass(frozen=True)
class Derivation:
    """A titled chain of :class:`Step`; building one checks every step (unless it says ``new``)."""

    title: str
    steps: tuple[Step, ...]
    convention: str = ""

    def __init__(self, title: str, steps: Sequence[Step], convention: str = "") -> None:
        object.__setattr__(self, "title", title)
        object.__setattr__(self, "steps", tuple(steps))
        object.__setattr__(self, "convention", convention)
        self.check()

    def check(self) -> None:
        """Raise :class:`InvalidStep` at the first step that does not equal the previous one."""
        if not self.steps:
            raise InvalidStep(f"derivation {self.title!r} has no steps")
        for index in range(1, len(self.steps)):
            before, step = self.steps[index - 1], self.steps[index]
            if not step.new and not equal(step.expr, before.expr):
                raise InvalidStep(
                    f"step {index + 1} of {self.title!r} ({step.statement!r}) does not equal step {index}: "
                    f"{step.expr - before.expr} is not zero"
                )

    @property
    def conclusion(self) -> sympy.Expr:
        return self.steps[-1].expr
