"""Named hardware for rooflines: peak dense throughput per dtype, memory bandwidth, on-chip capacity, each cited.

The figures live in one data table, ``devices.toml`` beside this module: every figure
with the vendor document that states it, the place in that document (section, table,
row), its *basis* (``stated``; ``half of stated sparse``, where the document prints
only the structured-sparsity peak and a footnote halves it; or ``computed``, units x
operations per clock x clock), the clock assumption where one applies, and how it was
*checked* (against a copy of the vendor document, against a reproduction of the vendor
table, or ``not verified``, with a note saying why).

Peaks are *dense* (structured-sparsity peaks are kept apart in ``sparse``).
Throughput is in operations per second, an operation being a floating-point (or
integer) multiply or add, so a multiply-accumulate is 2, as the datasheets count.
Bandwidth is in bytes per second; ``fast_memory`` is the largest on-chip store of the
whole chip (the last-level cache), in bytes: the ``S`` of :mod:`symconv.analysis.bounds` once
divided by the element size.

>>> d = device("H100-SXM5")
>>> d.peak["bf16"] / d.bandwidth  # machine balance, operations per byte
19790/67
>>> d.fast_memory_words("bf16")
26214400
>>> d.figure("peak.bf16").basis, d.figure("peak.bf16").source.document
('half of stated sparse', 'NVIDIA H100 Tensor Core GPU Datasheet')
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import sympy

from symconv.core.precision import DTYPE_BYTES, dtype_bytes
from symconv.errors import InvalidConfiguration, UnknownName

TABLE = Path(__file__).with_name("devices.toml")
T = 10**12
G = 10**9
MiB = 2**20
BASES = ("stated", "half of stated sparse", "computed")
CHECKS = ("vendor document", "vendor reproduction", "not verified")
SCALE = {"peak": T, "sparse": T, "bandwidth": G, "fast_memory": MiB}


@dataclass(frozen=True)
class Source:
    """A vendor document: its title and where it is published."""

    document: str
    url: str


@dataclass(frozen=True)
class Formula:
    """A peak as ``units`` (SMs, CUs, cores) x ``per_clock`` operations per unit per clock x ``clock_mhz``."""

    units: int
    per_clock: int
    clock_mhz: sympy.Rational

    @property
    def value(self) -> sympy.Rational:
        """Operations per second."""
        return sympy.Integer(self.units * self.per_clock) * self.clock_mhz * 10**6


@dataclass(frozen=True)
class Figure:
    """One figure of one device, as the table gives it (``value`` in the table's unit, see ``devices.toml``)."""

    name: str
    value: str
    source: Source
    where: str
    basis: str
    check: str
    formula: Formula | None = None
    note: str = ""

    @property
    def quantity(self) -> sympy.Rational:
        """The value in base units (operations/s, bytes/s, bytes) for ``peak.*``, ``sparse.*``, ``bandwidth``..."""
        return sympy.Rational(self.value) * SCALE[self.name.split(".")[0]]


@dataclass(frozen=True)
class Device:
    """One device's figures (see the module docstring for units); ``figures`` cite each one."""

    name: str
    kind: str
    peak: Mapping[str, sympy.Rational]
    bandwidth: sympy.Rational
    fast_memory: int | None
    source: Source
    sparse: Mapping[str, sympy.Rational] = field(default_factory=dict)
    on_chip: Mapping[str, str] = field(default_factory=dict)
    notes: str = ""
    figures: tuple[Figure, ...] = ()

    def balance(self, dtype: str) -> sympy.Rational:
        """Machine balance: peak dense operations per byte of memory traffic, for ``dtype``."""
        if dtype not in self.peak:
            raise UnknownName(f"dtype for {self.name}", dtype, list(self.peak))
        return sympy.Rational(self.peak[dtype]) / self.bandwidth

    def fast_memory_words(self, dtype: str) -> sympy.Integer | None:
        """``S`` for :mod:`symconv.analysis.bounds`: last-level on-chip capacity in elements of ``dtype``."""
        if self.fast_memory is None:
            return None
        return sympy.floor(sympy.Integer(self.fast_memory) / dtype_bytes(dtype))

    def figure(self, name: str) -> Figure:
        """The cited figure ``name`` (``'peak.bf16'``, ``'sparse.fp8'``, ``'bandwidth'``, ``'on_chip.L2'`` ...)."""
        for figure in self.figures:
            if figure.name == name:
                return figure
        raise UnknownName(f"figure of {self.name}", name, [f.name for f in self.figures])


def _formula(row: Mapping | None) -> Formula | None:
    return None if row is None else Formula(row["units"], row["per_clock"], sympy.Rational(row["clock_mhz"]))


def _figure(name: str, row: Mapping, sources: Mapping[str, Source]) -> Figure:
    return Figure(
        name=name,
        value=row["value"],
        source=sources[row["source"]],
        where=row["where"],
        basis=row["basis"],
        check=row["check"],
        formula=_formula(row.get("formula")),
        note=row.get("note", ""),
    )


def _device(row: Mapping, sources: Mapping[str, Source]) -> Device:
    figures = tuple(_figure(name, value, sources) for name, value in row["figures"].items())
    by_kind: dict[str, dict[str, Figure]] = {}
    for figure in figures:
        kind, _, key = figure.name.partition(".")
        by_kind.setdefault(kind, {})[key] = figure
    fast = by_kind.get("fast_memory", {}).get("")
    return Device(
        name=row["name"],
        kind=row["kind"],
        peak={dtype: f.quantity for dtype, f in by_kind["peak"].items()},
        bandwidth=by_kind["bandwidth"][""].quantity,
        fast_memory=None if fast is None else int(fast.quantity),
        source=by_kind["peak"][next(iter(by_kind["peak"]))].source,
        sparse={dtype: f.quantity for dtype, f in by_kind.get("sparse", {}).items()},
        on_chip={key: f.value for key, f in by_kind.get("on_chip", {}).items()},
        notes=row.get("notes", ""),
        figures=figures,
    )


def inconsistencies(chip: Device) -> list[str]:
    """What in ``chip``'s figures contradicts itself; empty when the figures agree.

    * basis and check are among :data:`BASES` and :data:`CHECKS`; a figure ``not verified`` says why;
    * peaks are named by a known dtype; numeric figures are positive;
    * a ``computed`` figure equals its formula, a ``stated`` one equals its formula rounded to its digits;
    * a ``half of stated sparse`` peak is exactly half the stated sparse peak;
    * where both are stated, the sparse peak is twice the dense one up to the stated rounding
      (structured 2:4 sparsity doubles the tensor-core rate, as every vendor here states).

    >>> inconsistencies(device("MI300X"))
    []
    """
    problems = [f"{chip.name} {f.name}: {p}" for f in chip.figures for p in _figure_problems(f)]
    for dtype, sparse in chip.sparse.items():
        if dtype not in chip.peak:
            problems.append(f"{chip.name} sparse.{dtype}: no dense peak beside it")
            continue
        dense = chip.figure(f"peak.{dtype}")
        stated = chip.figure(f"sparse.{dtype}")
        if dense.basis == "half of stated sparse":
            if dense.quantity * 2 != sparse:
                problems.append(f"{chip.name} peak.{dtype}: {dense.value} is not half of sparse {stated.value}")
        elif abs(sparse - 2 * dense.quantity) > (2 * _half_digit(dense.value) + _half_digit(stated.value)) * T:
            problems.append(f"{chip.name} sparse.{dtype}: {stated.value} is not twice the dense {dense.value}")
    return problems


def _figure_problems(figure: Figure) -> list[str]:
    problems = []
    kind, _, key = figure.name.partition(".")
    if figure.basis not in BASES:
        problems.append(f"basis {figure.basis!r} is not one of {BASES}")
    if figure.check not in CHECKS:
        problems.append(f"check {figure.check!r} is not one of {CHECKS}")
    if figure.check == "not verified" and not figure.note and kind != "on_chip":
        problems.append("not verified, and no note says why")
    if kind in ("peak", "sparse") and key not in DTYPE_BYTES:
        problems.append(f"{key!r} is not a dtype")
    if kind not in SCALE and kind != "on_chip":
        problems.append(f"{kind!r} is not a figure kind")
    elif kind in SCALE and not figure.quantity > 0:
        problems.append("must be positive")
    if figure.formula is not None and kind in SCALE:
        exact = figure.formula.value
        if figure.basis == "computed" and exact != figure.quantity:
            problems.append(f"{figure.value} is not its formula's {exact / SCALE[kind]}")
        if figure.basis == "stated" and _round(exact / SCALE[kind], figure.value) != sympy.Rational(figure.value):
            problems.append(f"{figure.value} is not its formula's {float(exact / SCALE[kind]):g} rounded")
    elif figure.basis == "computed":
        problems.append("computed, but no formula")
    return problems


def _digits(value: str) -> int:
    return len(value.partition(".")[2])


def _half_digit(value: str) -> sympy.Rational:
    return sympy.Rational(1, 2 * 10 ** _digits(value))


def _round(exact: sympy.Rational, like: str) -> sympy.Rational:
    scale = 10 ** _digits(like)
    return sympy.floor(exact * scale + sympy.Rational(1, 2)) / scale


def load(text: str) -> dict[str, Device]:
    """Devices from a table in the form of ``devices.toml``; refused if its figures contradict themselves."""
    import tomllib  # parsing the table is deferred to its first use: the CLI starts without it

    table = tomllib.loads(text)
    sources = {key: Source(**value) for key, value in table["sources"].items()}
    devices = {row["name"]: _device(row, sources) for row in table["devices"]}
    problems = [p for chip in devices.values() for p in inconsistencies(chip)]
    if problems:
        raise InvalidConfiguration(f"{TABLE.name} contradicts itself: " + "; ".join(problems))
    return devices


@functools.cache
def devices() -> dict[str, Device]:
    """The named devices of ``devices.toml``, by name (loaded once, on first use; also ``DEVICES``)."""
    return load(TABLE.read_text(encoding="utf-8"))


def __getattr__(name: str) -> object:
    if name == "DEVICES":
        return devices()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class Names:
    """The device names, read only when asked (``argparse`` choices that do not load the table to build a parser)."""

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(devices()))

    def __contains__(self, name: object) -> bool:
        return name in devices()


def device(name: str | Device) -> Device:
    """Look up a device by name (``'H100-SXM5'``, ``'Jetson-AGX-Orin-64GB'`` ...)."""
    if isinstance(name, Device):
        return name
    if name not in devices():
        raise UnknownName("device", name, list(devices()))
    return devices()[name]
