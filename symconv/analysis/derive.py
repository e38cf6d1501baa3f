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
symconv.analysis.derive.InvalidStep: step 2 of 'wrong' ('oops') does not equal step 1: ...
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import sympy

from symconv.core.canonical import simplify_rounding
from symconv.core.rules import exact_value
from symconv.core.validate import items, of_type, text
from symconv.errors import SymconvError


class InvalidStep(SymconvError):
    """A derivation step that does not follow from the one before."""


Prose = str | tuple[str | sympy.Basic, ...]
"""Plain text, or text with formulas in it: ``("B_2 GEMMs of an ", M_2, " x ", R_2, " matrix")``."""


def plain(text: Prose) -> str:
    """Prose as plain text, its formulas written as sympy writes them (an equation as ``a = b``).

    >>> from symconv.symbols import C_p, C
    >>> plain(("with ", sympy.Eq(C_p, C / 4, evaluate=False)))
    'with C_p = C/4'
    """
    if isinstance(text, str):
        return text
    return "".join(f"{p.lhs} = {p.rhs}" if isinstance(p, sympy.Eq) else str(p) for p in text)


def _check_prose(value: object, name: str) -> None:
    """``value`` is :data:`Prose`: a string, or a tuple of strings and sympy formulas."""
    if isinstance(value, tuple):
        for part in value:
            if not isinstance(part, sympy.Basic):
                text(part, name)
    else:
        text(value, name)


@dataclass(frozen=True)
class Step:
    """One line of a derivation: what is done (``statement``, :data:`Prose`), the result (``expr``), and why."""

    statement: Prose
    expr: sympy.Expr
    justification: str
    new: bool = False  # True when the step introduces a quantity rather than rewriting the previous one


def equal(a: sympy.Expr, b: sympy.Expr) -> bool:
    """Whether sympy proves two expressions equal."""
    difference = sympy.simplify(sympy.expand(simplify_rounding(a - b)))  # ceiling((s*(L - 1) + 1)/s) is L
    return difference == 0


@dataclass(frozen=True)
class Derivation:
    """A titled chain of :class:`Step`; building one checks every step (unless it says ``new``).

    Attributes
    ----------
    title : str
        Plain text, e.g. ``"A1: standard conv, compute (macs)"``.
    steps : tuple of Step
    convention : str
        The quantity derived, as :func:`symconv.analysis.query.quantity` names it (``'macs'``,
        ``'mults+bias'``, ``'memory:ideal'``); empty for a toy derivation.
    operator : str
        What is costed (an operator's repr, or ``"A / B"`` for a ratio).
    assumptions : Prose
        Plain text, e.g. ``"stride 1, 'same' padding, batch 1, no bias"``, or text with formulas in it
        (``("PConv convolves ", Eq(C_p, C / 4), " channels")``), typeset as math.
    definitions : tuple of (Symbol, Expr)
        Symbols the steps use that stand for expressions (``H_out = ceiling(...)``,
        a GEMM's ``M_2 = C_out``); every comparison substitutes them first.
    result : Expr or None
        What the conclusion must equal (under the definitions), e.g. the Cost's quantity.
    """

    title: str
    steps: tuple[Step, ...]
    convention: str = ""
    operator: str = ""
    assumptions: Prose = ""
    definitions: tuple[tuple[sympy.Symbol, sympy.Expr], ...] = ()
    result: sympy.Expr | None = None

    def __init__(
        self,
        title: str,
        steps: Sequence[Step],
        convention: str = "",
        *,
        operator: str = "",
        assumptions: Prose = "",
        definitions: Mapping[sympy.Symbol, sympy.Expr] | Iterable[tuple[sympy.Symbol, sympy.Expr]] = (),
        result: sympy.Expr | None = None,
    ) -> None:
        pairs = definitions.items() if isinstance(definitions, Mapping) else items(definitions, "definitions", "pairs")
        steps = tuple(items(steps, "steps", "Steps"))
        for step in steps:
            of_type(step, Step, "steps", "a list of Steps")
        for pair in pairs:
            of_type(pair, tuple, "definitions", "pairs (Symbol, expression)")
            of_type(pair[0], sympy.Symbol, "definitions", "keyed by sympy Symbols")
        for field_name, value in (("title", title), ("convention", convention), ("operator", operator)):
            text(value, field_name)
        _check_prose(assumptions, "assumptions")
        object.__setattr__(self, "title", title)
        object.__setattr__(self, "steps", steps)
        object.__setattr__(self, "convention", convention)
        object.__setattr__(self, "operator", operator)
        object.__setattr__(self, "assumptions", assumptions)
        object.__setattr__(self, "definitions", tuple((s, exact_value(e, str(s))) for s, e in pairs))
        object.__setattr__(self, "result", None if result is None else exact_value(result, "result"))
        self.check()

    def expand_definitions(self, expr: sympy.Expr) -> sympy.Expr:
        """``expr`` with every defined symbol replaced by its definition (repeatedly, so definitions may nest)."""
        mapping = dict(self.definitions)
        for _ in range(len(mapping) + 1):
            if not expr.free_symbols & mapping.keys():
                return expr
            expr = expr.xreplace(mapping)
        raise InvalidStep(f"the definitions of {self.title!r} are circular")

    def holds(self, a: sympy.Expr, b: sympy.Expr) -> bool:
        """Whether ``a`` equals ``b`` once the definitions are substituted."""
        return equal(self.expand_definitions(a), self.expand_definitions(b))

    def check(self) -> None:
        """Raise :class:`InvalidStep` at the first step that does not equal the previous one,
        or if the conclusion differs from :attr:`result`."""
        if not self.steps:
            raise InvalidStep(f"derivation {self.title!r} has no steps")
        for index in range(1, len(self.steps)):
            before, step = self.steps[index - 1], self.steps[index]
            if not step.new and not self.holds(step.expr, before.expr):
                raise InvalidStep(
                    f"step {index + 1} of {self.title!r} ({plain(step.statement)!r}) does not equal step {index}: "
                    f"{step.expr - before.expr} is not zero"
                )
        if self.result is not None and not self.holds(self.conclusion, self.result):
            raise InvalidStep(
                f"the conclusion of {self.title!r} ({self.conclusion}) does not equal its result {self.result}"
            )

    @property
    def conclusion(self) -> sympy.Expr:
        return self.steps[-1].expr
