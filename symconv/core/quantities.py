"""The quantity vocabulary: every quantity symconv reports, named once, each a frozen value.

A quantity knows its ``name`` (what users type), its ``label`` (plain text and
LaTeX), a two-line table ``header``, a one-line ``summary``, its code
``identifier`` (``memory:ideal`` -> ``memory_ideal``) and how it is taken from a
:class:`~symconv.core.cost.Cost` (:meth:`Quantity.of`). :func:`quantity_named` is the one
parser; the API (:func:`symconv.quantity`), LaTeX tables, generated code,
derivations, network tables and the command line all read names through it.

========================================  ===================================================================
name                                      quantity
========================================  ===================================================================
``macs``, ``flops``, ``mults``, ``ops``   compute under a convention (:mod:`symconv.core.conventions`); each also
                                          ``+bias``/``-bias`` (``ops`` counts the bias unless ``-bias``)
``adds``                                  additions, exactly
``params``                                elements of the weight and bias
``memory``, ``reads``, ``writes``         traffic under a memory model: ``memory:ideal`` (the default),
                                          ``memory:im2col``, ``reads:im2col`` ...
``intensity[:convention[:model]]``        compute per element moved (default ``flops``, ``ideal``)
``training:<c>``, ``backward:<c>``,       a training step's compute (:mod:`symconv.analysis.training`): the whole step,
``grad-input:<c>``, ``grad-params:<c>``   its backward, the backward's input gradients or parameter gradients
                                          alone; ``<c>`` is ``macs``, ``flops``, ``mults``, ``ops`` or ``adds``
``saved``, ``trainable``                  what autograd saves for the backward; parameters that get a gradient
``training-memory[:optimizer]``           a training step's peak: parameters, gradients, optimizer state
                                          (``sgd``, ``sgd-momentum``, ``adam``: the default) and ``saved``
``ratio:<quantity>``                      any of the above divided by a baseline's
========================================  ===================================================================

Training quantities are of a training step (``op.cost(shape, grad=True)`` or ``grad="weights"``);
the others, given a training step, are of its forward.

Each code identifier is also accepted as a name (``memory_ideal``).

Examples
--------
>>> import symconv
>>> cost = symconv.Conv2d(2, 4, 3).cost((1, 2, 5, 5))
>>> q = quantity_named("flops-bias")
>>> q.name, q.label, q.identifier, q.of(cost)
('flops', 'FLOPs', 'flops', 1296)
>>> q = quantity_named("memory:im2col")
>>> q.identifier, q.of(cost, element_size=4)  # 4 bytes x (input 50 + weight 72 + bias 4 + output 36 + 2 x columns 162)
('memory_im2col', 1944)
>>> quantity_named("gflop")
Traceback (most recent call last):
...
symconv.core.quantities.UnknownQuantity: unknown quantity 'gflop'; expected one of: ... (did you mean 'flops'?)
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, Literal

import sympy

from symconv.core.canonical import canonical
from symconv.core.conventions import CONVENTIONS, FLOPS, IDEAL, MEMORY_MODELS, Convention, MemoryModel
from symconv.core.sizes import as_element_size
from symconv.errors import SymconvError, UnknownName

if TYPE_CHECKING:
    from symconv.analysis.training import TrainingCost
    from symconv.core.cost import Cost

TrafficKind = Literal["memory", "reads", "writes"]

_COUNTED_LABELS = {"macs": "MACs", "flops": "FLOPs", "mults": "Mults", "ops": "Ops"}
_TRAFFIC = {
    "memory": ("Memory", "elements read and written"),
    "reads": ("Reads", "elements read"),
    "writes": ("Writes", "elements written"),
}
_LATEX_SPECIALS = {c: "\\" + c for c in "&%$#_{}"}


def identifier(name: str) -> str:
    """The code identifier of a name: ``memory:ideal`` -> ``memory_ideal``, ``ops-bias`` -> ``ops_nobias``.

    >>> identifier("grad-input:flops-bias")
    'grad_input_flops_nobias'
    """
    return name.replace("+bias", "_bias").replace("-bias", "_nobias").replace(":", "_").replace("-", "_")


class Quantity:
    """A named quantity of a Cost. Subclasses are frozen dataclasses; the class attributes say what it is.

    ``integer``: an integer count at integer sizes (generated code returns ``int``, else
    a ``Fraction``); ``relative``: divided by a baseline's value (:class:`Ratio`);
    ``training``: of a training step (:class:`~symconv.analysis.training.TrainingCost`) only.
    """

    integer: ClassVar[bool] = True
    relative: ClassVar[bool] = False
    training: ClassVar[bool] = False

    @property
    def name(self) -> str:
        raise NotImplementedError

    @property
    def label(self) -> str:
        """A short plain-text name: ``MACs (+bias)``, ``Memory (im2col)``."""
        raise NotImplementedError

    @property
    def header(self) -> tuple[str, str]:
        """(first line, second line) of a table column's header; the second may be empty."""
        return (self.label, "")

    @property
    def summary(self) -> str:
        """One line saying what is counted."""
        raise NotImplementedError

    @property
    def description(self) -> str:
        """The label and the summary, as a sentence for notes and docstrings: ``MACs: multiply-accumulates ...``."""
        return f"{self.label}: {self.summary}"

    @property
    def latex(self) -> str:
        """The label as LaTeX text."""
        return "".join(_LATEX_SPECIALS.get(c, c) for c in self.label)

    @property
    def identifier(self) -> str:
        """A Python identifier for generated code: ``memory_ideal``."""
        return identifier(self.name)

    @property
    def aliases(self) -> tuple[str, ...]:
        """Shorter names the parser also accepts (defaults left out: ``memory`` for ``memory:ideal``)."""
        return ()

    @property
    def parts(self) -> tuple[Quantity, Quantity] | None:
        """(numerator, denominator) of a quotient of two counts of one cost, else None.

        Generated code computes each as an integer and divides once.
        """
        return None

    def of(self, cost: Cost, *, element_size: object = 1, baseline: Cost | None = None) -> sympy.Expr:
        """The value of this quantity for ``cost`` (bytes per element ``element_size``; ``baseline`` for ratios)."""
        raise NotImplementedError


@dataclass(frozen=True)
class Compute(Quantity):
    """Compute under a :class:`~symconv.core.conventions.Convention`."""

    convention: Convention

    @property
    def name(self) -> str:
        return self.convention.name

    @property
    def label(self) -> str:
        bias = self.header[1]
        return _COUNTED_LABELS[self.convention.counts] + (f" ({bias})" if bias else "")

    @property
    def header(self) -> tuple[str, str]:
        shown = "" if self.convention.bias_is_default else ("+bias" if self.convention.bias else "-bias")
        return (_COUNTED_LABELS[self.convention.counts], shown)

    @property
    def summary(self) -> str:
        return self.convention.summary

    @property
    def aliases(self) -> tuple[str, ...]:
        return self.convention.aliases

    def of(self, cost: Cost, *, element_size: object = 1, baseline: Cost | None = None) -> sympy.Expr:
        cost = forward(cost)
        base = {
            "macs": cost.macs,
            "flops": cost.flops,
            "mults": cost.mults,
            "ops": cost.mults + cost.adds - cost.bias_adds,
        }[self.convention.counts]
        return base + cost.bias_adds if self.convention.bias else base


@dataclass(frozen=True)
class Params(Quantity):
    """Elements of the weight and bias tensors."""

    name: ClassVar[str] = "params"
    label: ClassVar[str] = "Params"
    summary: ClassVar[str] = "elements of the weight and bias tensors"

    def of(self, cost: Cost, *, element_size: object = 1, baseline: Cost | None = None) -> sympy.Expr:
        cost = forward(cost)
        return cost.params


@dataclass(frozen=True)
class Adds(Quantity):
    """Additions, exactly (multiplications are the ``mults`` convention)."""

    name: ClassVar[str] = "adds"
    label: ClassVar[str] = "Adds"
    summary: ClassVar[str] = "additions, exactly: GEMM reductions, col2im overlaps and bias"

    def of(self, cost: Cost, *, element_size: object = 1, baseline: Cost | None = None) -> sympy.Expr:
        cost = forward(cost)
        return cost.adds


@dataclass(frozen=True)
class Traffic(Quantity):
    """Elements (or bytes) read, written, or both (``memory``) under a memory model."""

    kind: TrafficKind
    model: MemoryModel

    @property
    def name(self) -> str:
        return f"{self.kind}:{self.model.name}"

    @property
    def label(self) -> str:
        return f"{_TRAFFIC[self.kind][0]} ({self.model.name})"

    @property
    def header(self) -> tuple[str, str]:
        return (_TRAFFIC[self.kind][0], self.model.name)

    @property
    def summary(self) -> str:
        return f"{_TRAFFIC[self.kind][1]}, {self.model.summary}"

    @property
    def aliases(self) -> tuple[str, ...]:
        return (self.kind,) if self.model == IDEAL else ()

    def of(self, cost: Cost, *, element_size: object = 1, baseline: Cost | None = None) -> sympy.Expr:
        cost = forward(cost)
        return getattr(cost, self.kind)(self.model, as_element_size(element_size))


@dataclass(frozen=True)
class Intensity(Quantity):
    """Arithmetic intensity: compute per element (or byte) moved, in canonical form."""

    compute: Compute
    model: MemoryModel
    integer: ClassVar[bool] = False

    @property
    def name(self) -> str:
        return f"intensity:{self.compute.name}:{self.model.name}"

    @property
    def label(self) -> str:
        return f"{self.compute.label} per element ({self.model.name})"

    @property
    def header(self) -> tuple[str, str]:
        return (f"{self.compute.label}/elem.", self.model.name)

    @property
    def summary(self) -> str:
        return f"arithmetic intensity, {self.compute.label} per element moved under the {self.model.name} model"

    @property
    def aliases(self) -> tuple[str, ...]:
        if self.model != IDEAL:
            return ()
        short = tuple(f"intensity:{name}" for name in (self.compute.name, *self.compute.aliases))
        return ("intensity", *short) if self.compute.convention == FLOPS else short

    @property
    def parts(self) -> tuple[Quantity, Quantity]:
        return (self.compute, Traffic("memory", self.model))

    def of(self, cost: Cost, *, element_size: object = 1, baseline: Cost | None = None) -> sympy.Expr:
        top, moved = self.parts
        return canonical(top.of(cost) / moved.of(cost, element_size=element_size))


def forward(cost: Cost | TrainingCost) -> Cost:
    """The Cost a forward quantity reads: ``cost`` itself, or a training step's forward."""
    from symconv.analysis.training import (
        TrainingCost,
    )  # training builds on the operators, which build on the vocabulary

    return cost.forward if isinstance(cost, TrainingCost) else cost


def step(cost: object, name: str) -> TrainingCost:
    """``cost`` as a training step, or a clear error naming the quantity ``name`` that needs one."""
    from symconv.analysis.training import TrainingCost

    if not isinstance(cost, TrainingCost):
        raise SymconvError(
            f"quantity {name!r} is of a training step: cost the operator with grad=True (or grad='weights')"
        )
    return cost


_PARTS = {
    "training": ("Training", "a training step, forward and backward"),
    "backward": ("Backward", "the backward"),
    "grad-input": ("Grad-input", "the backward's input gradients alone"),
    "grad-params": ("Grad-params", "the backward's parameter gradients (weight and bias) alone"),
}
TrainingPart = Literal["training", "backward", "grad-input", "grad-params"]


@dataclass(frozen=True)
class TrainingCompute(Quantity):
    """Compute (or additions) of a training step, or of one part of its backward."""

    part: TrainingPart
    base: Compute | Adds
    training: ClassVar[bool] = True

    @property
    def name(self) -> str:
        return f"{self.part}:{self.base.name}"

    @property
    def label(self) -> str:
        return f"{_PARTS[self.part][0]} {self.base.label}"

    @property
    def header(self) -> tuple[str, str]:
        first, second = self.base.header
        return (first, f"{self.part} {second}".rstrip())

    @property
    def summary(self) -> str:
        return f"{self.base.summary}, of {_PARTS[self.part][1]}"

    @property
    def aliases(self) -> tuple[str, ...]:
        return tuple(f"{self.part}:{name}" for name in self.base.aliases)

    def of(self, cost: Cost, *, element_size: object = 1, baseline: Cost | None = None) -> sympy.Expr:
        training = step(cost, self.name)
        if self.part == "training":
            return self.base.of(training.forward) + self.base.of(training.backward)
        return self.base.of(training.part(self.part))


@dataclass(frozen=True)
class Saved(Quantity):
    """What autograd keeps from the forward for the backward (de-duplicated by storage)."""

    name: ClassVar[str] = "saved"
    label: ClassVar[str] = "Saved"
    summary: ClassVar[str] = "what autograd saves for the backward, de-duplicated by storage (an int64 index: 8 bytes)"
    training: ClassVar[bool] = True

    def of(self, cost: Cost, *, element_size: object = 1, baseline: Cost | None = None) -> sympy.Expr:
        size = as_element_size(element_size)
        return step(cost, self.name).activations(size, _index_size(size))


@dataclass(frozen=True)
class Trainable(Quantity):
    """Elements of the parameters that get a gradient."""

    name: ClassVar[str] = "trainable"
    label: ClassVar[str] = "Trainable"
    summary: ClassVar[str] = "elements of the parameters that get a gradient"
    training: ClassVar[bool] = True

    def of(self, cost: Cost, *, element_size: object = 1, baseline: Cost | None = None) -> sympy.Expr:
        return step(cost, self.name).trainable


#: Buffers per trainable parameter each optimizer keeps; the first is the default.
OPTIMIZERS: dict[str, int] = {"adam": 2, "sgd-momentum": 1, "sgd": 0}
_STATE = {"adam": "two moment buffers", "sgd-momentum": "one momentum buffer", "sgd": "no optimizer state"}


@dataclass(frozen=True)
class TrainingMemory(Quantity):
    """A training step's peak memory: parameters, gradients, optimizer state and saved activations."""

    optimizer: str
    training: ClassVar[bool] = True

    @property
    def name(self) -> str:
        return f"training-memory:{self.optimizer}"

    @property
    def label(self) -> str:
        return f"Training memory ({self.optimizer})"

    @property
    def header(self) -> tuple[str, str]:
        return ("Training memory", self.optimizer)

    @property
    def summary(self) -> str:
        return f"parameters, gradients, {_STATE[self.optimizer]} and what autograd saves, at the backward's start"

    @property
    def aliases(self) -> tuple[str, ...]:
        return ("training-memory",) if self.optimizer == next(iter(OPTIMIZERS)) else ()

    def of(self, cost: Cost, *, element_size: object = 1, baseline: Cost | None = None) -> sympy.Expr:
        from symconv.analysis.training import training_memory

        size = as_element_size(element_size)
        return training_memory(step(cost, self.name), self.optimizer, size, index_size=_index_size(size)).peak


def _index_size(element_size: sympy.Expr) -> int:
    """An argmax index counts as one element when elements are counted, as its 8 bytes of int64 otherwise."""
    return 1 if element_size == 1 else 8


@dataclass(frozen=True)
class Ratio(Quantity):
    """``base`` of a cost over ``base`` of a baseline, in canonical form."""

    base: Quantity
    integer: ClassVar[bool] = False
    relative: ClassVar[bool] = True

    @property
    def training(self) -> bool:  # type: ignore[override]
        return self.base.training

    @property
    def name(self) -> str:
        return f"ratio:{self.base.name}"

    @property
    def label(self) -> str:
        return f"{self.base.label} ratio"

    @property
    def header(self) -> tuple[str, str]:
        first, second = self.base.header
        return (first, f"{second} ratio".lstrip())

    @property
    def summary(self) -> str:
        return f"{self.base.label} relative to the baseline"

    @property
    def aliases(self) -> tuple[str, ...]:
        return tuple(f"ratio:{name}" for name in (*self.base.aliases, self.base.identifier))

    def of(self, cost: Cost, *, element_size: object = 1, baseline: Cost | None = None) -> sympy.Expr:
        if baseline is None:
            raise SymconvError(f"quantity {self.name!r} is relative: it needs a baseline to divide by")
        bottom = self.base.of(baseline, element_size=element_size)
        if bottom == 0:
            raise SymconvError(f"the baseline's {self.base.name} is 0: the ratio is undefined")
        return canonical(self.base.of(cost, element_size=element_size) / bottom)


def _vocabulary() -> tuple[Quantity, ...]:
    models = tuple(MEMORY_MODELS.values())
    compute = tuple(Compute(c.with_bias(bias)) for c in CONVENTIONS.values() for bias in (False, True))
    traffic = tuple(Traffic(kind, m) for kind in _TRAFFIC for m in models)
    intensity = tuple(Intensity(c, m) for c in compute for m in models)
    counts = (*(Compute(c) for c in CONVENTIONS.values()), Adds())  # the backward adds no bias: no ±bias forms
    training = (
        *(TrainingCompute(part, c) for part in _PARTS for c in counts),
        Saved(),
        Trainable(),
        *(TrainingMemory(o) for o in OPTIMIZERS),
    )
    absolute = (*compute, Adds(), Params(), *traffic, *intensity, *training)
    return (*absolute, *(Ratio(q) for q in absolute))


#: Every quantity, once, in the order tables and listings show them.
VOCABULARY: tuple[Quantity, ...] = _vocabulary()


def _names() -> dict[str, Quantity]:
    names: dict[str, Quantity] = {}
    for q in VOCABULARY:
        for name in (q.name, *q.aliases, q.identifier):
            if names.setdefault(name, q) != q:
                raise AssertionError(f"quantity name {name!r} means both {names[name].name} and {q.name}")
    return names


_BY_NAME = _names()


class UnknownQuantity(UnknownName):
    """A quantity name that is not in the vocabulary; says which known name is closest."""

    def __init__(self, name: object) -> None:
        super().__init__("quantity", name, [help_text()])
        close = difflib.get_close_matches(name, list(_BY_NAME), n=1) if isinstance(name, str) else []
        if close:
            self.args = (f"{self.args[0]} (did you mean {close[0]!r}?)",)


def quantity_named(name: str | Quantity) -> Quantity:
    """The quantity called ``name``: the one parser of quantity names (see the module docstring).

    >>> quantity_named("intensity").name
    'intensity:flops:ideal'
    >>> quantity_named("ratio:memory_im2col").label
    'Memory (im2col) ratio'
    """
    if isinstance(name, Quantity):
        return name
    if not isinstance(name, str) or name not in _BY_NAME:
        raise UnknownQuantity(name)
    return _BY_NAME[name]


def families() -> tuple[tuple[str, str], ...]:
    """The vocabulary by family: (how its names are formed, what it measures), for help texts and docs.

    >>> for pattern, meaning in families()[:2]:
    ...     print(f"{pattern}: {meaning}")
    macs | flops | mults | ops, each [+bias | -bias]: compute under a convention; ops counts the bias (-bias: not), ...
    adds: additions, exactly: GEMM reductions, col2im overlaps and bias
    """
    counts = " | ".join(CONVENTIONS)
    models = " | ".join(MEMORY_MODELS)
    with_bias = ", ".join(c.counts for c in CONVENTIONS.values() if c.bias)
    without = ", ".join(c.counts for c in CONVENTIONS.values() if not c.bias)
    bias = f"{with_bias} counts the bias (-bias: not), {without} do not (+bias: they do)"
    return (
        (f"{counts}, each [+bias | -bias]", f"compute under a convention; {bias}"),
        (Adds.name, Adds.summary),
        (Params.name, Params.summary),
        (f"{' | '.join(_TRAFFIC)}[:{models}]", f"memory traffic under a memory model (default {IDEAL.name})"),
        ("intensity[:<convention>[:<model>]]", f"compute per element moved (default {FLOPS.name}, {IDEAL.name})"),
        (
            f"{' | '.join(_PARTS)}:<{' | '.join(CONVENTIONS)} | adds>",
            "a training step's compute: the step, its backward, or the backward's input or parameter gradients",
        ),
        (Saved.name, Saved.summary),
        (Trainable.name, Trainable.summary),
        (f"training-memory[:{' | '.join(OPTIMIZERS)}]", "a training step's peak memory (default adam)"),
        ("ratio:<quantity>", "any of the above divided by a baseline's"),
    )


def help_text() -> str:
    """One line naming every family of quantity names, for command-line help."""
    return "; ".join(pattern for pattern, _ in families())


def both(quantity: str | Quantity, a: Cost, b: Cost, *, element_size: object = 1) -> tuple[sympy.Expr, sympy.Expr]:
    """``quantity`` of ``a`` and of ``b``, with ``b`` the baseline of a ratio (so ``ratio:macs`` gives ``a/b``, 1)."""
    q = quantity_named(quantity)
    return (q.of(a, element_size=element_size, baseline=b), q.of(b, element_size=element_size, baseline=b))
