"""Strides of views, symbolically: whether a batched matmul can read a view in place or copies it.

``torch.matmul`` on operands of more than three dimensions folds the batch dimensions into one
(``reshape(-1, rows, cols)``) before ``bmm``, and autograd keeps the tensors ``bmm`` received. A
view whose batch dimensions cannot be merged (timm's attention after ``permute(2, 0, 3, 1, 4)``)
is copied by that reshape: autograd keeps a compact copy of the view's elements, not the storage
the view reads.

>>> from symconv.ops.shape import Permute, Reshape, Select
>>> qkv = contiguous((2, 197, 576))
>>> qkv = follow(Reshape((2, 197, 3, 3, 64)), qkv, (2, 197, 3, 3, 64), (2, 197, 576))
>>> v = follow(Select(0, 2), follow(Permute((2, 0, 3, 1, 4)), qkv, (3, 2, 3, 197, 64)), (2, 3, 197, 64))
>>> v
(113472, 64, 576, 1)
>>> folds((2, 3, 197, 64), v)  # batch (2, 3) strided 197 * 576 and 64: not one dimension
False
>>> folds((2, 3, 197, 64), contiguous((2, 3, 197, 64)))
True
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import sympy

from symconv.core.sizes import decide
from symconv.ops.base import dim_index
from symconv.ops.shape import Contiguous, Expand, Flatten, Identity, Permute, Reshape, Select, Slice, Transpose, View

Strides = tuple[sympy.Expr, ...]


def contiguous(shape: Sequence[object]) -> Strides:
    """Row-major strides of ``shape``."""
    strides, step = [], sympy.Integer(1)
    for size in reversed(shape):
        strides.append(step)
        step = step * size  # sizes are ints or sympy integers: never text
    return tuple(reversed(strides))


def _equal(a: object, b: object) -> bool:
    return decide(sympy.Eq(a, b)) is True  # Eq converts ints strictly (never text)


def follow(op: View, strides: Strides | None, out_shape: Sequence[object], in_shape=None) -> Strides | None:
    """The strides of ``op``'s output given its input's (``None``: not known, for example a reshape of a
    non-contiguous view, which PyTorch copies or views depending on the sizes)."""
    if isinstance(op, Contiguous):
        return contiguous(out_shape)
    if strides is None:
        return None
    rank = len(strides)
    if isinstance(op, Identity) or type(op) is View:
        return strides
    if isinstance(op, Transpose):
        a, b = dim_index(op.dim0, rank, "dim0"), dim_index(op.dim1, rank, "dim1")
        swapped = list(strides)
        swapped[a], swapped[b] = strides[b], strides[a]
        return tuple(swapped)
    if isinstance(op, Permute):
        return tuple(strides[dim_index(d, rank, "dims")] for d in op.dims)
    if isinstance(op, Select):
        dim = dim_index(op.dim, rank, "dim")
        return (*strides[:dim], *strides[dim + 1 :])
    if isinstance(op, Slice):
        dim = dim_index(op.dim, rank, "dim")
        return (*strides[:dim], strides[dim] * op.step, *strides[dim + 1 :])
    if isinstance(op, Expand):
        lead = len(out_shape) - rank
        kept = [
            sympy.Integer(0) if in_shape is not None and not _equal(in_shape[i], out_shape[i + lead]) else s
            for i, s in enumerate(strides)
        ]
        return (*(sympy.Integer(0),) * lead, *kept)
    if isinstance(op, (Flatten, Reshape)) and in_shape is not None and is_contiguous(in_shape, strides):
        return contiguous(out_shape)
    return None


def is_contiguous(shape: Sequence[object], strides: Strides) -> bool:
    """Whether ``strides`` are row-major for ``shape`` (dimensions of size 1 may have any stride)."""
    return all(_equal(size, 1) or _equal(s, c) for size, s, c in zip(shape, strides, contiguous(shape), strict=True))


def folds(shape: Sequence[object], strides: Strides | None) -> bool:
    """Whether a matmul operand's batch dimensions (all but the last two) merge into one without a copy.

    Unknown strides (``None``) and sizes that cannot be decided count as merging (the storage read in place).
    """
    if strides is None or len(shape) <= 3:
        return True
    batch = [(size, s) for size, s in zip(shape[:-2], strides[:-2], strict=True) if not _equal(size, 1)]
    if any(_equal(s, 0) for _, s in batch):
        return False  # a broadcast batch: expanded, then copied by the reshape
    return all(
        decide(sympy.Eq(outer, inner * size)) is not False for (_, outer), (size, inner) in itertools.pairwise(batch)
    )
