"""What a table column shows: a named quantity of a :class:`~symconv.cost.Cost`, with its header and meaning.

Names are :func:`symconv.query.quantity`'s (a compute convention such as ``'macs'``,
``'flops'``, ``'mults+bias'``, ``'ops'``; ``'params'``; ``'memory'`` / ``'memory:<model>'``;
``'intensity'`` / ``'intensity:<convention>'`` / ``'intensity:<convention>:<model>'``),
plus ``'ratio:<any of these>'`` relative to a baseline row. Values come from
:func:`symconv.query.quantity` and ratios from :func:`symconv.query.canonical`; this
module only adds how a column is headed and explained.

Examples
--------
>>> import symconv
>>> cost = symconv.Conv2d(64, 128, 3, padding=1).cost((1, 64, 56, 56))
>>> quantity("memory:im2col").of(cost) - quantity("memory").of(cost)  # the column buffer, written and read back
3612672
>>> quantity("ratio:params").label
'Params ratio'
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy

from symconv.conventions import Convention, MemoryModel, convention, memory_model
from symconv.cost import Cost
from symconv.errors import SymconvError, UnknownName
from symconv.query import canonical
from symconv.query import quantity as value_of

_COUNTED_LABELS = {"macs": "MACs", "flops": "FLOPs", "mults": "Mults", "ops": "Ops"}


class Quantity:
    """A table column: ``label`` names it, ``header`` heads it (two lines), ``summary`` explains it, ``of`` fills it."""

    name: str
    label: str
    summary: str
    relative: bool = False

    @property
    def header(self) -> tuple[str, str]:
        """(first line, second line) of the column header; the second may be empty."""
        return (self.label, "")

    def of(self, cost: Cost) -> sympy.Expr:
        return value_of(cost, self.name)


@dataclass(frozen=True)
class Compute(Quantity):
    convention: Convention

    @property
    def name(self) -> str:
        return self.convention.name

    @property
    def label(self) -> str:
        bias = {True: " (+bias)", False: ""}[self.convention.bias and self.convention.counts != "ops"]
        return _COUNTED_LABELS[self.convention.counts] + bias

    @property
    def header(self) -> tuple[str, str]:
        bias = self.convention.bias and self.convention.counts != "ops"
        return (_COUNTED_LABELS[self.convention.counts], "+bias" if bias else "")

    @property
    def summary(self) -> str:
        return f"{self.label}: {self.convention.summary}"


@dataclass(frozen=True)
class Params(Quantity):
    name = "params"
    label = "Params"
    summary = "Params: elements of the weight and bias tensors"


@dataclass(frozen=True)
class Memory(Quantity):
    model: MemoryModel

    @property
    def name(self) -> str:
        return f"memory:{self.model.name}"

    @property
    def label(self) -> str:
        return f"Memory ({self.model.name})"

    @property
    def header(self) -> tuple[str, str]:
        return ("Memory", self.model.name)

    @property
    def summary(self) -> str:
        return f"{self.label}: elements read and written, {self.model.summary}"


@dataclass(frozen=True)
class Intensity(Quantity):
    compute: Compute
    memory: Memory

    @property
    def name(self) -> str:
        return f"intensity:{self.compute.name}:{self.memory.model.name}"

    @property
    def label(self) -> str:
        return f"{self.compute.label} per element ({self.memory.model.name})"

    @property
    def header(self) -> tuple[str, str]:
        return (f"{self.compute.label}/elem.", self.memory.model.name)

    @property
    def summary(self) -> str:
        moved = f"per element moved under the {self.memory.model.name} model"
        return f"{self.header[0]}: arithmetic intensity, {self.compute.label} {moved}"

    def of(self, cost: Cost) -> sympy.Expr:
        return canonical(value_of(cost, self.name))


@dataclass(frozen=True)
class Ratio(Quantity):
    """``of(cost) / of(baseline)``: the table divides by its baseline row."""

    base: Quantity
    relative = True

    @property
    def name(self) -> str:
        return f"ratio:{self.base.name}"

    @property
    def label(self) -> str:
        return f"{self.base.label} ratio"

    @property
    def header(self) -> tuple[str, str]:
        return (self.base.header[0], "ratio")

    @property
    def summary(self) -> str:
        return f"{self.label}: {self.base.label} relative to the baseline"

    def of(self, cost: Cost) -> sympy.Expr:
        return self.base.of(cost)

    def relative_to(self, cost: Cost, baseline: Cost) -> sympy.Expr:
        """The ratio in :func:`symconv.query.canonical` form (``1/C_out + 1/K**2``)."""
        bottom = self.of(baseline)
        if bottom == 0:
            raise SymconvError(f"the baseline's {self.base.name} is 0: the ratio is undefined")
        return canonical(self.of(cost) / bottom)


_NAMED: dict[str, Quantity] = {"params": Params()}


def quantity(name: str | Quantity) -> Quantity:
    """The :class:`Quantity` called ``name`` (see the module docstring for the names).

    >>> quantity("intensity").name
    'intensity:flops:ideal'
    >>> quantity("memory:disk")
    Traceback (most recent call last):
    ...
    symconv.errors.UnknownName: unknown memory model 'disk'; expected one of: ideal, im2col, touched
    """
    if isinstance(name, Quantity):
        return name
    if not isinstance(name, str):
        raise SymconvError(f"quantity={name!r} must be a quantity name such as 'macs' or 'memory:ideal'")
    head, _, rest = name.partition(":")
    if head == "ratio":
        return Ratio(quantity(rest))
    if head == "memory":
        return Memory(memory_model(rest or "ideal"))
    if head == "intensity":
        counted, _, model = rest.partition(":")
        return Intensity(Compute(convention(counted or "flops")), Memory(memory_model(model or "ideal")))
    if name in _NAMED:
        return _NAMED[name]
    try:
        return Compute(convention(name))
    except UnknownName:
        raise UnknownName(
            "quantity",
            name,
            ["params", "memory:<model>", "intensity:<convention>:<model>", "ratio:<quantity>", "<convention>"],
        ) from None
