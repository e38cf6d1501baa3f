"""Tensors a model computes from its input's sizes alone (a position encoding's grid), with symbolic sizes.

``torch.arange(1, H + 1)`` cannot run on a sympy ``H``. PyTorch's fake tensors can: each
symbolic size becomes one of a :class:`~torch.fx.experimental.symbolic_shapes.ShapeEnv`'s
symbols, PyTorch computes the result's shape from them, and the shape comes back in
symconv's symbols. No data is computed; only shapes matter, because these tensors hold
no parameters and their cost is that of the layers that read them.

PyTorch may assume something about the sizes on the way (``W % 2 == 0`` to view ``W`` as
two rows): each assumption must hold for every size symconv was given, else the tensor is
refused (:class:`~symconv.errors.NotLowerable`) rather than shaped on a guess.

Fake tensors compute slowly (PyTorch decomposes ``cumsum`` into a dozen primitives, each
reasoning on symbols), and models compute the same tensors at every block and every call:
a call is remembered by what its result's shape depends on alone (the function, and its
arguments with each tensor as its shape, strides, dtype and device in symconv's symbols),
for calls that do not write into their arguments.
"""

from __future__ import annotations

import operator
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sympy
import torch
import torch.utils._sympy.functions
from torch.utils import _sympy as torch_sympy

from symconv.core.intfuncs import CeilDiv, FloorDiv
from symconv.core.size_bounds import decide_bounded
from symconv.errors import NotLowerable

#: the values PyTorch is told the symbols have (a *hint*): large primes, so that no size is special and a shape
#: that exists only for some sizes (``W`` even) fails; whatever PyTorch decides from them, it records and symconv checks
_HINTS = (10007, 10009, 10037, 10039, 10061, 10067)

_LARGEST = 2**62  # the symbols' upper bound for PyTorch (its sizes are int64)


@dataclass(frozen=True)
class Method:
    """A tensor method called by name, ``Method("flatten")(x, 3)``: a callable that is equal for equal names."""

    name: str

    def __call__(self, tensor: Any, *args: Any, **kwargs: Any) -> Any:
        return getattr(tensor, self.name)(*args, **kwargs)


@dataclass(frozen=True)
class _Meta:
    """A fake tensor's metadata in symconv's symbols: all that a shape computed from it depends on."""

    shape: tuple[sympy.Expr, ...]
    stride: tuple[sympy.Expr, ...]
    dtype: torch.dtype
    device: torch.device


class _Uncacheable(Exception):
    """An argument whose result may depend on more than its metadata (a real tensor's data, an unknown object)."""


#: remembered calls: (function, arguments as metadata) -> the result's metadata, and the conditions on the sizes
#: PyTorch assumed computing it (checked again when it is reused); least recently used dropped first
_RESULTS: OrderedDict[tuple, tuple[_Meta, tuple[sympy.Basic, ...]]] = OrderedDict()
_MOST = 4096

_MAX, _MIN = (sympy.Max, torch_sympy.functions.Max), (sympy.Min, torch_sympy.functions.Min)

#: values that are their own key (hashable and compared by value)
_PLAIN = (int, float, bool, str, type(None), torch.dtype, torch.device, torch.layout, torch.memory_format)


class SymbolicSizes:
    """Runs torch calls whose arguments hold symbolic sizes, under fake tensors; converts shapes back.

    Each of symconv's symbols is one PyTorch symbol; sizes built from them (``ceiling(H/16)``) are
    built with PyTorch's integer arithmetic, so PyTorch knows how they relate. PyTorch runs
    *size-oblivious* (it does not special-case sizes 0 and 1), and every decision it takes on the
    sizes is a guard that must hold for all of them.
    """

    def __init__(self) -> None:
        from torch._subclasses.fake_tensor import FakeTensorMode
        from torch.fx.experimental.symbolic_shapes import ShapeEnv

        self.env = ShapeEnv(specialize_zero_one=False)
        self.mode = FakeTensorMode(shape_env=self.env, allow_non_fake_inputs=True)
        self.mode.cache_enabled = (
            False  # each call runs once: filling PyTorch's dispatch cache costs more than it saves
        )
        self.symbols: dict[sympy.Symbol, torch.SymInt] = {}
        self.back: dict[sympy.Symbol, sympy.Symbol] = {}  # PyTorch's symbol -> symconv's
        self.assumed: set[sympy.Basic] = set()  # PyTorch's assumptions on the sizes, each checked once
        self.metas: dict[int, tuple[torch.Tensor, _Meta]] = {}  # id of a fake tensor -> (it, its metadata)
        self.symints: dict[sympy.Expr, torch.SymInt | int] = {}

    def symint(self, size: sympy.Expr) -> torch.SymInt | int:
        """``size`` in PyTorch's integer arithmetic on one unbacked symbol per symconv symbol (made once per size)."""
        made = self.symints.get(size)
        if made is None:
            made = self.symints[size] = self._made(size)
        return made

    def _made(self, size: sympy.Expr) -> torch.SymInt | int:
        if size.is_Integer:
            return int(size)
        if size.is_Symbol:
            return self._symbol(size)
        if size.is_Add:
            return sum((self.symint(a) for a in size.args), 0)
        if size.is_Mul:
            result = 1
            for factor in size.args:
                result = result * self.symint(factor)
            return result
        if isinstance(size, FloorDiv):
            return self.symint(size.args[0]) // self.symint(size.args[1])
        if isinstance(size, CeilDiv):
            return -(-self.symint(size.args[0]) // self.symint(size.args[1]))
        if isinstance(size, sympy.Mod):
            return self.symint(size.args[0]) % self.symint(size.args[1])
        if isinstance(size, sympy.Pow) and size.exp.is_Integer and size.exp > 0:
            return self.symint(size.base) ** int(size.exp)
        if isinstance(size, sympy.floor | sympy.ceiling):
            numerator, denominator = sympy.fraction(sympy.together(size.args[0]))
            if denominator.is_Integer:
                quotient = self.symint(numerator) // int(denominator) if isinstance(size, sympy.floor) else None
                return quotient if quotient is not None else -(-self.symint(numerator) // int(denominator))
        if isinstance(size, _MAX + _MIN):  # a stride PyTorch keeps at least 1
            combine = torch.sym_max if isinstance(size, _MAX) else torch.sym_min
            result = self.symint(size.args[0])
            for arg in size.args[1:]:
                result = combine(result, self.symint(arg))
            return result
        raise NotLowerable(f"the size {size} has no PyTorch integer form")

    def _symbol(self, symbol: sympy.Symbol) -> torch.SymInt:
        if symbol not in self.symbols:
            from torch._dynamo.source import ConstantSource
            from torch.fx.experimental.symbolic_shapes import DimDynamic

            if not (symbol.is_integer and symbol.is_nonnegative):
                raise NotLowerable(f"the size {symbol} is not declared a nonnegative integer")
            hint = _HINTS[len(self.symbols) % len(_HINTS)]
            source = ConstantSource(f"symconv_{len(self.symbols)}")
            torch_symbol = self.env.create_symbol(hint, source=source, dynamic_dim=DimDynamic.DYNAMIC)
            least = 1 if symbol.is_positive else 0
            self.env.constrain_symbol_range(torch_symbol, compiler_min=least, compiler_max=_LARGEST)
            self.symbols[symbol] = self.env.create_symintnode(torch_symbol, hint=hint, source=source)
            self.back[torch_symbol] = symbol
        return self.symbols[symbol]

    def run(self, call: Callable, args: tuple, kwargs: dict, what: str, dimensions: frozenset = frozenset()) -> Any:
        """``call(*args, **kwargs)`` with every symbolic size a SymInt, on fake tensors.

        ``dimensions`` are sizes read from tensors of the network (``x.shape[-1]``): PyTorch may take
        them to be at least 1, as they are wherever the model runs (its layers refuse empty maps).
        """
        sizes = _sizes((args, kwargs))
        for dimension in dimensions:
            if any(size.has(dimension) for size in sizes):  # arange(1, h + 1) reads h
                self.dimension(dimension)
        args, kwargs = self._symbolic(args), self._symbolic(kwargs)
        key = self._key(call, args, kwargs)
        remembered = _RESULTS.get(key) if key is not None else None
        holds = remembered is not None and all(decide_bounded(c) is True for c in remembered[1])
        if holds:  # the conditions PyTorch assumed computing it hold here too
            _RESULTS.move_to_end(key)
            try:
                return self._tensor(remembered[0])
            except NotLowerable:  # a size of no PyTorch form: computed instead
                pass
        try:
            with _size_oblivious(), self.mode:
                result = call(*args, **kwargs)
        except NotLowerable:
            raise
        except Exception as error:  # PyTorch cannot compute it on symbolic sizes (it must decide on them)
            reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
            raise NotLowerable(f"{what} on symbolic sizes cannot be computed: {reason}") from None
        assumed = self._check(what)  # each holds for all sizes: the shape is the key's, under these conditions
        if key is not None and _is_fake(result) and result.constant is None:
            try:
                _RESULTS[key] = (self._meta(result), assumed)
            except NotLowerable:  # a stride PyTorch made from the data: the tensor is refused later, if read
                return result
            if len(_RESULTS) > _MOST:
                _RESULTS.popitem(last=False)
        return result

    def _key(self, call: Callable, args: tuple, kwargs: dict) -> tuple | None:
        """What ``call``'s result's shape depends on, hashable; None for a call that may write into an argument."""
        name = call.name if isinstance(call, Method) else getattr(call, "__name__", "")
        if call is operator.setitem or name.endswith("_") or "out" in kwargs:
            return None
        try:
            key = (call, self._arguments(args), self._arguments(kwargs))
            hash(key)
        except (_Uncacheable, TypeError, NotLowerable):
            return None
        return key

    def _arguments(self, value: Any) -> Any:
        if isinstance(value, _PLAIN):
            return (type(value), value)  # 1, 1.0 and True are equal in Python, not as arguments
        if isinstance(value, torch.SymInt | torch.SymFloat | torch.SymBool):
            return (type(value), self.expression(value.node.expr))
        if _is_fake(value) and value.constant is None:  # a small constant's data may decide a shape
            return self._meta(value)
        if isinstance(value, torch.Tensor) and value.device.type == "meta":
            return (torch.Tensor, tuple(value.shape), value.stride(), value.dtype)
        if isinstance(value, tuple | list | torch.Size):
            return (type(value), tuple(self._arguments(v) for v in value))
        if isinstance(value, dict):
            return (dict, tuple((k, self._arguments(v)) for k, v in value.items()))
        if isinstance(value, slice):
            return (slice, self._arguments((value.start, value.stop, value.step)))
        raise _Uncacheable(type(value).__name__)

    def _meta(self, tensor: torch.Tensor) -> _Meta:
        if id(tensor) not in self.metas:
            meta = _Meta(
                tuple(self.size(v) for v in tensor.shape),
                tuple(self.size(v) for v in tensor.stride()),
                tensor.dtype,
                tensor.device,
            )
            self.metas[id(tensor)] = (tensor, meta)  # the tensor kept alive: its id is not reused
        return self.metas[id(tensor)][1]

    def _tensor(self, meta: _Meta) -> torch.Tensor:
        """A fake tensor of ``meta`` (a remembered result), in this run's symbols."""
        with _size_oblivious():  # made on meta and wrapped, as the fake mode's own constructors do, at a third the cost
            shape = [self.symint(v) for v in meta.shape]
            elements = torch.empty_strided(
                shape, [self.symint(v) for v in meta.stride], dtype=meta.dtype, device="meta"
            )
        tensor = self.mode.fake_tensor_converter.from_meta_and_device(self.mode, elements, meta.device)
        self.metas[id(tensor)] = (tensor, meta)
        return tensor

    def dimension(self, size: sympy.Expr) -> None:
        """Tell PyTorch that ``size``, a dimension of a tensor of the network, is at least 1."""
        symint = self.symint(size)
        if isinstance(symint, torch.SymInt):
            with _size_oblivious():
                torch._check(symint >= 1)
            self.assumed.update(self._assumptions())

    def _assumptions(self) -> set[sympy.Basic]:
        """What PyTorch assumed about the sizes so far: guards, and asserts deferred to run time."""
        deferred = (a.expr for asserts in self.env.deferred_runtime_asserts.values() for a in asserts)
        return {*deferred, *(g.expr for g in self.env.guards)}

    def _check(self, what: str) -> tuple[sympy.Basic, ...]:
        """Every new assumption (``W % 2 == 0`` to view W as 2 rows) must hold for all sizes, else refused.

        Returns them, in symconv's symbols.
        """
        conditions = []
        for assumption in self._assumptions() - self.assumed:
            condition = self.expression(assumption)
            if decide_bounded(condition) is not True:
                raise NotLowerable(f"{what} on symbolic sizes assumes {condition}, which the input sizes do not decide")
            self.assumed.add(assumption)
            conditions.append(condition)
        return tuple(conditions)

    def size(self, value: int | torch.SymInt) -> sympy.Expr:
        """One dimension of a result, in symconv's symbols."""
        if isinstance(value, int):
            return sympy.Integer(value)
        return self.expression(value.node.expr)

    def expression(self, expr: sympy.Basic) -> sympy.Basic:
        """PyTorch's size expression in symconv's symbols and integer functions."""
        expr = self.env.replace(expr)
        unknown = expr.free_symbols - set(self.back)
        if unknown:
            raise NotLowerable(f"a size depends on the data ({', '.join(map(str, unknown))}), not on the input's sizes")
        expr = expr.xreplace(self.back)
        return (
            expr.replace(lambda e: isinstance(e, torch_sympy.functions.FloorDiv), lambda e: _floor_div(*e.args))
            .replace(
                lambda e: isinstance(e, torch_sympy.functions.CeilToInt | torch_sympy.functions.FloorToInt),
                lambda e: (CeilDiv if isinstance(e, torch_sympy.functions.CeilToInt) else FloorDiv)(
                    *sympy.fraction(sympy.together(e.args[0]))
                ),
            )
            .replace(
                lambda e: isinstance(e, torch_sympy.functions.PythonMod | torch_sympy.functions.Mod),
                lambda e: sympy.Mod(*e.args),
            )
            .replace(  # PyTorch's own Max and Min, as sympy's (which decide_bounded bounds)
                lambda e: isinstance(e, torch_sympy.functions.Max | torch_sympy.functions.Min),
                lambda e: (sympy.Max if isinstance(e, torch_sympy.functions.Max) else sympy.Min)(*e.args),
            )
        )

    def _symbolic(self, value: Any) -> Any:
        if isinstance(value, sympy.Expr) and not value.is_Number:
            return self.symint(value)
        if isinstance(value, sympy.Integer):
            return int(value)
        if isinstance(value, tuple | list):
            return type(value)(self._symbolic(v) for v in value)
        if isinstance(value, dict):
            return {k: self._symbolic(v) for k, v in value.items()}
        if isinstance(value, slice):
            return slice(*(self._symbolic(v) for v in (value.start, value.stop, value.step)))
        return value


def _is_fake(value: Any) -> bool:
    return isinstance(value, torch.Tensor) and type(value).__name__ == "FakeTensor"


def _floor_div(p: sympy.Expr, q: sympy.Expr) -> sympy.Expr:
    """``p // q``; ``-ceiling(-p/q)`` when ``p`` is negated, as PyTorch writes a ceiling division."""
    return -CeilDiv(-p, q) if p.could_extract_minus_sign() else FloorDiv(p, q)


def _size_oblivious():
    """PyTorch's switch that keeps it from guarding on a size being 0 or 1 (a layout check would)."""
    from torch.fx.experimental import _config

    return _config.patch(backed_size_oblivious=True)


def _sizes(value: Any) -> set[sympy.Expr]:
    """The symbolic sizes in nested arguments."""
    if isinstance(value, sympy.Expr):
        return set() if value.is_Number else {value}
    if isinstance(value, tuple | list):
        return set().union(*(_sizes(v) for v in value))
    if isinstance(value, dict):
        return _sizes(tuple(value.values()))
    if isinstance(value, slice):
        return _sizes((value.start, value.stop, value.step))
    return set()
