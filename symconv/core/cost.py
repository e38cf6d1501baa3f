"""The :class:`Cost` record: what an operator's lowering computes and moves, as sympy expressions."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields, replace

import sympy

from symconv.core.conventions import Convention, MemoryModel, convention, memory_model
from symconv.core.lowering import BiasAdd, Col2im, Copy, Elementwise, Gemm, Im2col, Lowering, Role, Stage, Tensor
from symconv.core.precision import ElementSize, sizer
from symconv.core.quantities import Compute
from symconv.core.rules import Rule, check, substitute, substitution
from symconv.core.sizes import as_element_size
from symconv.core.touched import expand_touched
from symconv.errors import SymconvError

PARAMETER_ROLES: frozenset[Role] = frozenset({"weight", "bias"})


@dataclass(frozen=True)
class TensorTraffic:
    """Elements of one tensor read and written by an operator (each at most once: the tensor's size)."""

    name: str
    role: Role
    elements: sympy.Expr
    reads: sympy.Expr
    writes: sympy.Expr
    touched: sympy.Expr | None = None  # distinct elements actually read; ``reads`` when not given


@dataclass(frozen=True)
class Cost:
    """Compute, parameters and memory traffic of an operator, derived from its lowering.

    Every quantity is a sympy expression; with concrete sizes it is an exact ``sympy.Integer``.

    Attributes
    ----------
    operator : str
        What was costed, e.g. ``Conv2d(64, 128, kernel_size=(3, 3), ...)``.
    macs, mults, adds : sympy.Expr
        Multiply-accumulates of the GEMMs; multiplications; additions (GEMM
        reductions, col2im overlaps and bias, exactly).
    bias_adds : sympy.Expr
        The part of ``adds`` that adds the bias (one per output element).
    params : sympy.Expr
        Elements of the weight and bias tensors.
    traffic : tuple of TensorTraffic
        Per-tensor reads and writes; memory models choose which count.
    stages : tuple of Stage
        The lowering the numbers come from.
    rules : tuple of ~symconv.core.rules.Rule
        The validation rules the configuration was accepted under without deciding them
        (on symbols); :meth:`subs` checks them again on the substituted values.
    configuration : tuple of Symbol
        The symbols of the operator's configuration, including any that cancel out of the counts.

    Examples
    --------
    >>> import symconv
    >>> cost = symconv.Conv2d(64, 128, 3, padding=1).cost((1, 64, 56, 56))
    >>> cost.macs, cost.params, cost.memory("ideal")  # 64*56*56 + (73728 + 128) + 128*56*56 moved
    (231211008, 73856, 675968)
    """

    operator: str
    macs: sympy.Expr
    mults: sympy.Expr
    adds: sympy.Expr
    bias_adds: sympy.Expr
    params: sympy.Expr
    traffic: tuple[TensorTraffic, ...]
    stages: tuple[Stage, ...]
    rules: tuple[Rule, ...] = field(default=(), compare=False, repr=False)
    configuration: tuple[sympy.Basic, ...] = field(default=(), compare=False, repr=False)

    @classmethod
    def from_lowering(
        cls, operator: str, lowering: Lowering, rules: Iterable[Rule] = (), configuration: Iterable[sympy.Basic] = ()
    ) -> Cost:
        """Sum the stages' arithmetic and collect each tensor's traffic once."""
        stages = lowering.stages
        return cls(
            operator=operator,
            macs=sympy.Add(*(st.macs for st in stages)),
            mults=sympy.Add(*(st.mults for st in stages)),
            adds=sympy.Add(*(st.adds for st in stages)),
            bias_adds=sympy.Add(*(st.bias_adds for st in stages)),
            params=sympy.Add(*_parameters(stages).values()),
            traffic=_traffic(stages),
            stages=stages,
            rules=tuple(dict.fromkeys(rules)),
            configuration=tuple(configuration),
        )

    @classmethod
    def sequence(cls, operator: str, parts: Iterable[tuple[str, Cost]], same: Mapping[str, str] | None = None) -> Cost:
        """The cost of running ``parts`` one after another, each a separate kernel.

        Tensors are named ``part.tensor``; a tensor passed between parts is written by
        one and read by the next, as unfused kernels do. ``same`` maps a parameter
        tensor's name to the name of the tensor it is (a tied weight, a layer called
        twice): it is read by each part that uses it, and counted in ``params`` once.
        """
        parts = list(parts)
        if not parts:
            raise SymconvError("a sequence needs at least one part")
        params = sympy.Add(*(c.params for _, c in parts))
        if same:
            tied = {f"{name}.{t.name}" for name, c in parts for t in c.traffic if t.role in PARAMETER_ROLES}
            params -= sympy.Add(
                *(t.elements for name, c in parts for t in c.traffic if f"{name}.{t.name}" in tied & same.keys())
            )
        return (_Sequenced if cls is Cost else cls)(
            operator=operator,
            macs=sympy.Add(*(c.macs for _, c in parts)),
            mults=sympy.Add(*(c.mults for _, c in parts)),
            adds=sympy.Add(*(c.adds for _, c in parts)),
            bias_adds=sympy.Add(*(c.bias_adds for _, c in parts)),
            params=params,
            traffic=_Renamed(tuple((name, c.traffic) for name, c in parts), traffic=True),
            stages=_Renamed(tuple((name, c.stages) for name, c in parts)),
            rules=tuple(dict.fromkeys(rule for _, c in parts for rule in c.rules)),
            configuration=tuple(dict.fromkeys(s for _, c in parts for s in c.configuration)),
        )

    @property
    def flops(self) -> sympy.Expr:
        """``2 * macs``: PyTorch ``FlopCounterMode``'s count."""
        return 2 * self.macs

    @property
    def ops(self) -> sympy.Expr:
        """Exact arithmetic: ``mults + adds``."""
        return self.mults + self.adds

    def compute(self, convention_: str | Convention = "macs") -> sympy.Expr:
        """Compute under a convention (:mod:`~symconv.core.conventions`): a :class:`~symconv.core.quantities.Compute`.

        >>> import symconv
        >>> c = symconv.Conv2d(2, 4, 3, bias=True).cost((1, 2, 5, 5))
        >>> c.compute("mults"), c.compute("mults+bias"), c.compute("ops")  # 4*9 outputs * 18 taps
        (648, 684, 1296)
        """
        return Compute(convention(convention_)).of(self)

    def tensors(self, model: str | MemoryModel = "ideal") -> tuple[TensorTraffic, ...]:
        """The tensors that count as memory traffic under ``model``."""
        model = memory_model(model)
        chosen = tuple(t for t in self.traffic if t.role in model.roles)
        if model.touched:
            return tuple(replace(t, touched=expand_touched(t.touched)) for t in chosen)
        return chosen

    def reads(self, model: str | MemoryModel = "ideal", element_size: ElementSize = 1) -> sympy.Expr:
        """Elements (times ``element_size``: bytes) read under ``model``.

        ``element_size`` is one size for all tensors, or per role (see :mod:`symconv.core.precision`).
        """
        model = memory_model(model)
        return self._bytes(model, element_size, lambda t: t.touched if model.touched else t.reads)

    def writes(self, model: str | MemoryModel = "ideal", element_size: ElementSize = 1) -> sympy.Expr:
        """Elements (times ``element_size``: bytes) written under ``model``."""
        return self._bytes(model, element_size, lambda t: t.writes)

    def _bytes(self, model, element_size: ElementSize, count) -> sympy.Expr:
        per_role = sizer(element_size)
        if per_role is None:
            return as_element_size(element_size) * sympy.Add(*(count(t) for t in self.tensors(model)))
        return sympy.Add(*(per_role(t.role) * count(t) for t in self.tensors(model)))

    def memory(self, model: str | MemoryModel = "ideal", element_size: ElementSize = 1) -> sympy.Expr:
        """Memory traffic, reads + writes, under ``model``."""
        return self.reads(model, element_size) + self.writes(model, element_size)

    def intensity(
        self,
        convention_: str | Convention = "flops",
        model: str | MemoryModel = "ideal",
        element_size: ElementSize = 1,
    ) -> sympy.Expr:
        """Arithmetic intensity: compute per element (or per byte, with ``element_size``) moved."""
        return self.compute(convention_) / self.memory(model, element_size)

    def symbols(self) -> dict[str, sympy.Symbol]:
        """The symbols of this cost (its quantities, stages and rules), by name."""
        found: dict[str, sympy.Symbol] = {}

        def collect(expr: sympy.Basic) -> sympy.Basic:
            found.update((s.name, s) for s in expr.free_symbols)
            return expr

        _map_tree(self, collect, sympy.Basic)
        return found

    def subs(self, values: Mapping[sympy.Symbol | str, object]) -> Cost:
        """The same cost with symbols replaced (by name or by symbol), e.g. ``cost.subs({"H": 56})``.

        Each value must suit its symbol (a size is a positive integer; text is parsed by
        :func:`symconv.core.parse.parse_expression`), every name must be a symbol of the cost, and the
        configuration's rules are checked again on the values.

        >>> import symconv
        >>> from symconv.symbols import H
        >>> symconv.Conv2d(4, 8, 3).cost((1, 4, H, 9)).subs({"H": "2*4"}).macs
        12096
        >>> symconv.Conv2d(4, 8, 3).cost((1, 4, H, 9)).at(H=0)
        Traceback (most recent call last):
        ...
        symconv.errors.InvalidConfiguration: H=0 must be a positive integer
        """
        mapping = substitution(values, self.symbols(), self.operator)
        return self.replaced({sym.name: value for sym, value in mapping.items()})

    def replaced(self, by_name: Mapping[str, sympy.Expr]) -> Cost:
        """The cost with symbols replaced by already checked values, and its rules checked again."""
        result = _map_tree(self, lambda e: substitute(e, by_name), sympy.Basic)
        return replace(result, rules=check(result.rules))

    def check_at(self, by_name: Mapping[str, sympy.Expr]) -> None:
        """Raise if the configuration's rules break at these (checked) values; the cost is not rebuilt."""
        check(tuple(_map_tree(rule, lambda e: substitute(e, by_name), sympy.Basic) for rule in self.rules))

    def at(self, **values: object) -> Cost:
        """``subs`` with keyword arguments: ``cost.at(H=56, W=56)``."""
        return self.subs(values)


@dataclass(frozen=True)
class _Renamed:
    """A sequence's stages or traffic before renaming: ``(part name, its stages or traffic)`` pairs."""

    parts: tuple[tuple[str, tuple], ...]
    traffic: bool = False

    def value(self) -> tuple:
        if self.traffic:
            return tuple(_with(t, name=f"{name}.{t.name}") for name, part in self.parts for t in part)
        return tuple(st for name, stages in self.parts for st in _prefix_stages(stages, name))


def _renamed_field(name: str) -> property:
    """A field of :class:`_Sequenced`, renamed when first read (the dataclass's ``__init__`` sets it)."""
    key = f"_{name}"

    def get(self) -> tuple:
        value = self.__dict__[key]
        if isinstance(value, _Renamed):
            value = self.__dict__[key] = value.value()
        return value

    def set_(self, value: object) -> None:  # only the dataclass's __init__ can: it is frozen
        self.__dict__[key] = value

    return property(get, set_)


class _Sequenced(Cost):
    """The cost of a sequence (:meth:`Cost.sequence`), whose stages and traffic are renamed when first read: a
    network's total is asked for its counts far more often, and renaming copies every tensor of every layer."""

    stages = _renamed_field("stages")
    traffic = _renamed_field("traffic")

    def __repr__(self) -> str:
        return "Cost" + super().__repr__().removeprefix(type(self).__qualname__)

    def __eq__(self, other: object) -> bool:  # a Cost of the same fields is the same cost
        if not isinstance(other, Cost):
            return NotImplemented
        return all(getattr(self, name) == getattr(other, name) for name in _compared_fields())

    __hash__ = Cost.__hash__


@functools.cache
def _compared_fields() -> tuple[str, ...]:
    return tuple(f.name for f in fields(Cost) if f.compare)


def _tensors(stages: Iterable[Stage]) -> list:
    seen: dict[str, object] = {}
    for stage in stages:
        for tensor in (*stage.reads, *stage.writes):
            seen.setdefault(tensor.name, tensor)
    return list(seen.values())


def _parameters(stages: Iterable[Stage]) -> dict[str, sympy.Expr]:
    """Elements of each parameter tensor, by storage: a tied tensor once."""
    return {t.storage or t.name: t.elements for t in _tensors(stages) if t.role in PARAMETER_ROLES}


def _traffic(stages: tuple[Stage, ...]) -> tuple[TensorTraffic, ...]:
    """Each tensor once: read as its first reader reads it, written whole if any stage writes it."""
    reader: dict[str, Stage] = {}
    for st in stages:
        for t in st.reads:
            reader.setdefault(t.name, st)
    written = {t.name for st in stages for t in st.writes}
    zero = sympy.Integer(0)
    return tuple(
        TensorTraffic(
            name=t.name,
            role=t.role,
            elements=t.elements,
            reads=t.stored * reader[t.name].reads_of(t) if t.name in reader else zero,
            writes=t.stored * t.elements if t.name in written else zero,
            touched=t.stored * reader[t.name].touches(t) if t.name in reader else zero,
        )
        for t in _tensors(stages)
    )


def _map_tree(obj, fn, leaf: type):
    """Apply ``fn`` to every ``leaf`` instance inside a tree of frozen dataclasses and tuples."""
    if isinstance(obj, leaf):
        return fn(obj)
    if isinstance(obj, sympy.Basic):  # the usual leaf: no dataclass inside
        return obj
    if isinstance(obj, tuple):
        mapped = tuple(_map_tree(item, fn, leaf) for item in obj)
        return obj if all(a is b for a, b in zip(mapped, obj)) else mapped
    if hasattr(obj, "__dataclass_fields__"):
        changes = {name: _map_tree(getattr(obj, name), fn, leaf) for name in _init_fields(type(obj))}
        changed = {name: value for name, value in changes.items() if value is not getattr(obj, name)}
        return replace(obj, **changed) if changed else obj
    return obj


@functools.cache
def _init_fields(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in fields(cls) if f.init)


def _prefixed(prefix: str):
    renamed: dict[int, Tensor] = {}  # a stage holds each tensor twice (its field and reads/writes): rename once

    def rename(tensor: Tensor) -> Tensor:
        if id(tensor) not in renamed:
            renamed[id(tensor)] = replace(tensor, name=f"{prefix}.{tensor.name}")
        return renamed[id(tensor)]

    return rename


def _with(obj, **changes):
    """A copy of the frozen dataclass ``obj`` with ``changes``, for a dataclass whose ``__post_init__`` derives
    nothing from them (a tensor, a traffic record): ``dataclasses.replace`` without its per-call field scan."""
    new = object.__new__(type(obj))
    new.__dict__.update(obj.__dict__)
    new.__dict__.update(changes)
    return new


#: stage classes whose fields are sympy expressions, tensors and tuples of tensors only (see :func:`_prefix_stages`)
_FLAT_STAGES = frozenset({Stage, Im2col, Gemm, Col2im, BiasAdd, Copy, Elementwise})


def _prefix_stages(stages: tuple[Stage, ...], prefix: str) -> tuple[Stage, ...]:
    """``stages`` with every tensor named ``prefix.name``, each tensor renamed once wherever it occurs: what
    ``_map_tree(stages, _prefixed(prefix), Tensor)`` gives, built field by field (a network renames every layer)."""
    if not all(type(st) in _FLAT_STAGES for st in stages):
        return _map_tree(stages, _prefixed(prefix), Tensor)
    renamed: dict[int, Tensor] = {}

    def tensor(t: Tensor) -> Tensor:
        new = renamed.get(id(t))
        if new is None:
            new = renamed[id(t)] = _with(t, name=f"{prefix}.{t.name}")
        return new

    result = []
    for st in stages:
        fields_ = dict(st.__dict__)
        for name in _tensor_fields(type(st)):
            fields_[name] = tensor(fields_[name])
        fields_["reads"] = tuple(map(tensor, st.reads))
        fields_["writes"] = tuple(map(tensor, st.writes))
        new = object.__new__(type(st))
        new.__dict__.update(fields_)
        result.append(new)
    return tuple(result)


@functools.cache
def _tensor_fields(cls: type) -> tuple[str, ...]:
    """The fields of a stage class that hold one tensor (``reads`` and ``writes`` hold tuples of them)."""
    return tuple(f.name for f in fields(cls) if f.type in ("Tensor", Tensor))
