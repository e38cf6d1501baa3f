"""The quantities a generated module computes, each read off a :class:`~symconv.cost.Cost`."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import sympy

from symconv.conventions import FLOPS, IDEAL, IM2COL, MACS, MULTS, OPS
from symconv.cost import Cost
from symconv.errors import UnknownName


@dataclass(frozen=True)
class Quantity:
    """A named quantity: how to read it off a cost, what it means, and whether it is an integer count.

    A quotient of two counts (``integer=False``) names them in ``parts`` (numerator, denominator),
    so that each is generated as an integer expression and divided once.
    """

    name: str
    of: Callable[[Cost], sympy.Expr]
    summary: str
    integer: bool = True
    parts: tuple[Callable[[Cost], sympy.Expr], Callable[[Cost], sympy.Expr]] | None = None


QUANTITIES: dict[str, Quantity] = {
    q.name: q
    for q in (
        Quantity("macs", MACS.of, MACS.summary),
        Quantity("flops", FLOPS.of, FLOPS.summary),
        Quantity("mults", MULTS.of, MULTS.summary),
        Quantity("adds", lambda c: c.adds, "additions, exactly: GEMM reductions, col2im overlaps and bias"),
        Quantity("ops", OPS.of, OPS.summary),
        Quantity("params", lambda c: c.params, "parameters: elements of the weight and bias"),
        Quantity("memory_ideal", lambda c: c.memory(IDEAL), f"memory traffic in elements, {IDEAL.summary}"),
        Quantity("memory_im2col", lambda c: c.memory(IM2COL), f"memory traffic in elements, {IM2COL.summary}"),
        Quantity(
            "intensity",
            lambda c: c.intensity(FLOPS, IDEAL),
            "arithmetic intensity: flops per element moved (ideal memory model)",
            integer=False,
            parts=(FLOPS.of, lambda c: c.memory(IDEAL)),
        ),
    )
}

DEFAULT_QUANTITIES: tuple[str, ...] = tuple(QUANTITIES)


def quantities(names: Iterable[str]) -> tuple[Quantity, ...]:
    """Look up quantities by name, in the order given."""
    found = []
    for name in names:
        if name not in QUANTITIES:
            raise UnknownName("quantity", name, list(QUANTITIES))
        found.append(QUANTITIES[name])
    return tuple(found)
