"""The stages an operator is lowered to, each owning its arithmetic and the tensors it touches.

A convolution lowers to ``Im2col -> Gemm (-> BiasAdd)``; a transposed convolution to
``Gemm -> Col2im (-> BiasAdd)``; a linear layer to ``Gemm (-> BiasAdd)``. A stage's
counts are written here once; operators only choose the stages and their shapes.

Examples
--------
>>> from symconv.symbols import C_in, C_out, K, H, W
>>> x = Tensor("x", "input", (C_in * K**2, H * W))
>>> w = Tensor("w", "weight", (C_out, C_in * K**2))
>>> y = Tensor("y", "output", (C_out, H * W))
>>> gemm = Gemm(m=C_out, k=C_in * K**2, n=H * W, count=1, a=w, b=x, out=y)
>>> gemm.mults
C_in*C_out*H*K**2*W
>>> gemm.adds
C_out*H*W*(C_in*K**2 - 1)
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Literal

import sympy

from symconv.core.sizes import product

Role = Literal["input", "weight", "bias", "output", "columns", "intermediate"]

ZERO = sympy.Integer(0)
ONE = sympy.Integer(1)


@dataclass(frozen=True)
class Tensor:
    """A buffer a stage reads or writes.

    ``role`` says what the memory models make of it: operator boundaries
    (``input``, ``weight``, ``bias``, ``output``), the lowering's column buffer
    (``columns``), or a tensor kept on chip inside a fused operator (``intermediate``).
    ``storage`` names the tensor whose data this one is (a tied weight, a layer applied
    twice): it is moved as its own tensor, and counted once in the parameters.
    """

    name: str
    role: Role
    shape: tuple[sympy.Expr, ...]
    storage: str = ""
    stored: sympy.Expr = ONE  # 0 where the buffer is never built, e.g. a condition on symbols

    @functools.cached_property  # read for every memory count; a frozen dataclass keeps it in its __dict__
    def elements(self) -> sympy.Expr:
        return product(self.shape)


@dataclass(frozen=True)
class Stage:
    """One step of a lowering. Subclasses define their arithmetic; the defaults are "none"."""

    reads: tuple[Tensor, ...] = field(default=(), kw_only=True)
    writes: tuple[Tensor, ...] = field(default=(), kw_only=True)

    def reads_of(self, tensor: Tensor) -> sympy.Expr:
        """Elements of ``tensor`` (one this stage reads) that it reads from memory: all of them, by default."""
        return tensor.elements

    def touches(self, tensor: Tensor) -> sympy.Expr:
        """Distinct elements of ``tensor`` the stage's loops actually read (see the ``touched`` memory model)."""
        return self.reads_of(tensor)

    @property
    def macs(self) -> sympy.Expr:
        """Multiply-accumulates."""
        return ZERO

    @property
    def mults(self) -> sympy.Expr:
        """Multiplications."""
        return ZERO

    @property
    def adds(self) -> sympy.Expr:
        """Additions, bias included."""
        return ZERO

    @property
    def bias_adds(self) -> sympy.Expr:
        """The part of :attr:`adds` that adds a bias."""
        return ZERO


@dataclass(frozen=True)
class Im2col(Stage):
    """Gather the input into the column matrix: data movement only, no arithmetic.

    ``touched`` is the number of input elements some window reads (padding and
    positions a large stride skips are not read).
    """

    source: Tensor
    columns: Tensor
    touched: sympy.Expr

    def __post_init__(self) -> None:
        object.__setattr__(self, "reads", (self.source,))
        object.__setattr__(self, "writes", (self.columns,))

    def touches(self, tensor: Tensor) -> sympy.Expr:
        return self.touched if tensor == self.source else self.reads_of(tensor)


@dataclass(frozen=True)
class Gemm(Stage):
    """``count`` independent products ``(m x k) . (k x n)``.

    Each does ``m*n*k`` multiplications and ``m*n*(k-1)`` additions (a sum of ``k`` terms takes ``k-1``).
    """

    m: sympy.Expr
    k: sympy.Expr
    n: sympy.Expr
    count: sympy.Expr
    a: Tensor
    b: Tensor
    out: Tensor

    def __post_init__(self) -> None:
        object.__setattr__(self, "reads", (self.a, self.b))
        object.__setattr__(self, "writes", (self.out,))

    @functools.cached_property
    def macs(self) -> sympy.Expr:
        return sympy.Mul(self.count, self.m, self.n, self.k)  # one product, not three nested ones

    @property
    def mults(self) -> sympy.Expr:
        return self.macs

    @functools.cached_property
    def adds(self) -> sympy.Expr:
        return sympy.Mul(self.count, self.m, self.n, self.k - 1)


@dataclass(frozen=True)
class Col2im(Stage):
    """Scatter-add the column matrix into the output.

    Each of ``planes`` output planes receives ``contributions`` entries on ``targets``
    distinct positions; an element hit ``n`` times costs ``n - 1`` additions.
    """

    columns: Tensor
    output: Tensor
    planes: sympy.Expr
    contributions: sympy.Expr
    targets: sympy.Expr

    def __post_init__(self) -> None:
        object.__setattr__(self, "reads", (self.columns,))
        object.__setattr__(self, "writes", (self.output,))

    def reads_of(self, tensor: Tensor) -> sympy.Expr:
        """Only the column entries that land inside the output are read; those cropped by padding never are."""
        return self.planes * self.contributions if tensor == self.columns else tensor.elements

    @property
    def adds(self) -> sympy.Expr:
        return self.planes * (self.contributions - self.targets)


@dataclass(frozen=True)
class BiasAdd(Stage):
    """Add the bias to every output element, in the GEMM's epilogue (the output is not read back)."""

    bias: Tensor
    output: Tensor

    def __post_init__(self) -> None:
        object.__setattr__(self, "reads", (self.bias,))
        object.__setattr__(self, "writes", (self.output,))

    @property
    def adds(self) -> sympy.Expr:
        return self.output.elements

    @property
    def bias_adds(self) -> sympy.Expr:
        return self.output.elements


@dataclass(frozen=True)
class Copy(Stage):
    """Copy a tensor (e.g. the channels a partial convolution leaves untouched, when concatenated)."""

    source: Tensor
    target: Tensor

    def __post_init__(self) -> None:
        object.__setattr__(self, "reads", (self.source,))
        object.__setattr__(self, "writes", (self.target,))


@dataclass(frozen=True)
class Elementwise(Stage):
    """A map or reduction without a GEMM: each of ``outputs`` results costs ``mults_each`` and ``adds_each``.

    Activations, normalisation, residual sums and pooling lower to this stage; the
    operator names what it reads and writes. Comparisons (ReLU, max) are not
    arithmetic in any convention, so a max contributes neither.
    """

    outputs: sympy.Expr
    mults_each: sympy.Expr = ZERO
    adds_each: sympy.Expr = ZERO

    @property
    def mults(self) -> sympy.Expr:
        return self.outputs * self.mults_each

    @property
    def adds(self) -> sympy.Expr:
        return self.outputs * self.adds_each


@dataclass(frozen=True)
class Lowering:
    """An operator's stages and the tensor holding its result."""

    stages: tuple[Stage, ...]
    output: Tensor
