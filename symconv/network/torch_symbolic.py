"""Tensors a model computes from its input's sizes alone (a position encoding's grid), with symbolic sizes.

``torch.arange(1, H + 1)`` cannot run on a sympy ``H``. PyTorch's fake tensors can: each
symbolic size becomes one of a :class:`~torch.fx.experimental.symbolic_shapes.ShapeEnv`'s
symbols, PyTorch computes the result's shape from them, and the shape comes back in
symconv's symbols. No data is computed; only shapes matter, because these tensors hold
no parameters and their cost is that of the layers that read them.

PyTorch never assumes a size here: a shape that depends on deciding something about the
sizes is refused (:class:`~symconv.errors.NotLowerable`) rather than shaped on a guess.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sympy
import torch
from torch.utils import _sympy as torch_sympy

from symconv.errors import NotLowerable
from symconv.intfuncs import CeilDiv, FloorDiv


class SymbolicSizes:
    """Runs torch calls whose arguments hold symbolic sizes, under fake tensors; converts shapes back.

    Each of symconv's symbols is one *unbacked* PyTorch symbol (PyTorch knows no value for it, only
    its range): a shape computation that would need to decide something about the sizes raises
    instead of guessing, and so is refused. Sizes built from the symbols (``ceiling(H/16)``) are
    built from them with PyTorch's integer arithmetic, so PyTorch knows how they relate.
    """

    def __init__(self) -> None:
        from torch._subclasses.fake_tensor import FakeTensorMode
        from torch.fx.experimental.symbolic_shapes import ShapeEnv

        self.env = ShapeEnv()
        self.mode = FakeTensorMode(shape_env=self.env, allow_non_fake_inputs=True)
        self.symbols: dict[sympy.Symbol, torch.SymInt] = {}
        self.back: dict[sympy.Symbol, sympy.Symbol] = {}  # PyTorch's symbol -> symconv's

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
            if not (symbol.is_integer and symbol.is_nonnegative):
                raise NotLowerable(f"the size {symbol} is not declared a nonnegative integer")
            symint = self.env.create_unbacked_symint()
            torch._check(symint >= (1 if symbol.is_positive else 0))
            self.symbols[symbol] = symint
            self.back[symint.node.expr] = symbol
        return self.symbols[symbol]

    def run(self, call: Callable, args: tuple, kwargs: dict, what: str) -> Any:
        """``call(*args, **kwargs)`` with every symbolic size a SymInt, on fake tensors."""
        args, kwargs = self._symbolic(args), self._symbolic(kwargs)
        try:
            with self.mode:
                result = call(*args, **kwargs)
        except NotLowerable:
            raise
        except Exception as error:  # PyTorch cannot compute it on symbolic sizes (it must decide on them)
            reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
            raise NotLowerable(f"{what} on symbolic sizes cannot be computed: {reason}") from None
        return result

    def size(self, value: int | torch.SymInt) -> sympy.Expr:
        """One dimension of a result, in symconv's symbols."""
        if isinstance(value, int):
            return sympy.Integer(value)
        return self.expression(value.node.expr)

    def expression(self, expr: sympy.Expr) -> sympy.Expr:
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
