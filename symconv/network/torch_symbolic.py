"""Tensors a model computes from its input's sizes alone (a position encoding's grid), with symbolic sizes.

``torch.arange(1, H + 1)`` cannot run on a sympy ``H``. PyTorch's fake tensors can: each
symbolic size becomes one of a :class:`~torch.fx.experimental.symbolic_shapes.ShapeEnv`'s
symbols, PyTorch computes the result's shape from them, and the shape comes back in
symconv's symbols. No data is computed; only shapes matter, because these tensors hold
no parameters and their cost is that of the layers that read them.

PyTorch may assume something about the sizes on the way (``W % 2 == 0`` to view ``W`` as
two rows): each assumption must hold for every size symconv was given, else the tensor is
refused (:class:`~symconv.errors.NotLowerable`) rather than shaped on a guess.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sympy
import torch
from torch.utils import _sympy as torch_sympy

from symconv.core.intfuncs import CeilDiv, FloorDiv
from symconv.core.size_bounds import decide_bounded
from symconv.errors import NotLowerable

#: the values PyTorch is told the symbols have (a *hint*): large primes, so that no size is special and a shape
#: that exists only for some sizes (``W`` even) fails; whatever PyTorch decides from them, it records and symconv checks
_HINTS = (10007, 10009, 10037, 10039, 10061, 10067)

_LARGEST = 2**62  # the symbols' upper bound for PyTorch (its sizes are int64)


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

    def symint(self, size: sympy.Expr) -> torch.SymInt | int:
        """``size`` in PyTorch's integer arithmetic on one unbacked symbol per symconv symbol."""
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
        try:
            with _size_oblivious(), self.mode:
                result = call(*args, **kwargs)
        except NotLowerable:
            raise
        except Exception as error:  # PyTorch cannot compute it on symbolic sizes (it must decide on them)
            reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
            raise NotLowerable(f"{what} on symbolic sizes cannot be computed: {reason}") from None
        self._check(what)
        return result

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

    def _check(self, what: str) -> None:
        """Every new assumption (``W % 2 == 0`` to view W as 2 rows) must hold for all sizes, else refused."""
        for assumption in self._assumptions() - self.assumed:
            condition = self.expression(assumption)
            if decide_bounded(condition) is not True:
                raise NotLowerable(f"{what} on symbolic sizes assumes {condition}, which the input sizes do not decide")
            self.assumed.add(assumption)

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
