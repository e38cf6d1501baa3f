"""Strides of views, symbolically: whether a reshape views its input or copies it, and what autograd keeps then.

PyTorch's ``reshape`` returns a view when the input's strides allow one (ATen's ``computeStride``:
each run of dimensions the new shape merges or splits must be laid out as one) and a compact copy
otherwise. ``torch.matmul`` on operands of more than three dimensions folds the batch dimensions into
one (``reshape(-1, rows, cols)``) before ``bmm``; ``einsum`` permutes each operand to
``(batch, rows, contracted)`` / ``(batch, contracted, columns)`` and reshapes it to three dimensions; a
linear layer folds an input of more than two dimensions into ``(-1, in_features)``. Autograd keeps the
tensors ``bmm`` and ``mm`` received: a view whose dimensions cannot be merged (timm's attention after
``permute(2, 0, 3, 1, 4)``) is kept as a compact copy of the view's elements, not the storage the view reads.

>>> from symconv.ops.shape import Permute, Reshape, Select
>>> qkv = contiguous((2, 197, 576))
>>> qkv = follow(Reshape((2, 197, 3, 3, 64)), qkv, (2, 197, 3, 3, 64), (2, 197, 576))
>>> v = follow(Select(0, 2), follow(Permute((2, 0, 3, 1, 4)), qkv, (3, 2, 3, 197, 64)), (2, 3, 197, 64))
>>> v
(113472, 64, 576, 1)
>>> view_strides((2, 3, 197, 64), v, (6, 197, 64))  # batch (2, 3) strided 197 * 576 and 64: not one dimension
COPY
>>> view_strides((2, 3, 197, 64), contiguous((2, 3, 197, 64)), (6, 197, 64))
(12608, 64, 1)
"""

from __future__ import annotations

from collections.abc import Sequence

import sympy

from symconv.core.sizes import decide, product
from symconv.ops.base import dim_index
from symconv.ops.einsum import Einsum
from symconv.ops.linear import Linear
from symconv.ops.matmul import Matmul
from symconv.ops.shape import Contiguous, Expand, Flatten, Identity, Permute, Reshape, Select, Slice, Transpose, View

Strides = tuple[sympy.Expr, ...]


class _Copy:
    """The result of a reshape PyTorch cannot make a view: a compact copy."""

    def __repr__(self) -> str:
        return "COPY"


COPY = _Copy()


class _Undecided(Exception):
    """A comparison of sizes sympy cannot decide."""


def contiguous(shape: Sequence[object]) -> Strides:
    """Row-major strides of ``shape``."""
    strides, step = [], sympy.Integer(1)
    for size in reversed(shape):
        strides.append(step)
        step = step * size  # sizes are ints or sympy integers: never text
    return tuple(reversed(strides))


def _equal(a: object, b: object) -> bool:
    return decide(sympy.Eq(a, b)) is True  # Eq converts ints strictly (never text)


def _truth(relation: object) -> bool:
    found = decide(relation)
    if found is None:
        raise _Undecided
    return found


def view_strides(shape: Sequence[object], strides: Strides | None, new_shape: Sequence[object]):
    """The strides of ``reshape(new_shape)`` of a tensor of ``shape`` and ``strides`` if it is a view; :data:`COPY`
    if PyTorch copies; ``None`` if not known (unknown strides, or sizes sympy cannot compare).

    ATen's ``computeStride``: from the last dimension, the input's dimensions form chunks laid out
    contiguously; the new shape must split into runs with the chunks' element counts. A symbolic size
    is taken to differ from 1, as PyTorch's size-oblivious guards take it.

    >>> view_strides((4, 6), (6, 1), (2, 2, 6))
    (12, 6, 1)
    >>> view_strides((6, 4), (1, 6), (24,))  # a transpose
    COPY
    """
    if strides is None:
        return None
    if not shape:
        return tuple(sympy.Integer(1) for _ in new_shape)
    try:
        return _compute_stride(tuple(shape), tuple(strides), tuple(new_shape))
    except _Undecided:
        return None


def _compute_stride(shape, strides, new_shape):
    new_strides: list[object] = [None] * len(new_shape)
    view_d = len(new_shape) - 1
    base, tensor_numel, view_numel = strides[-1], sympy.Integer(1), sympy.Integer(1)
    for d in reversed(range(len(shape))):
        tensor_numel = tensor_numel * shape[d]
        chunk_ends = d == 0 or (
            not _equal(shape[d - 1], 1) and not _truth(sympy.Eq(strides[d - 1], tensor_numel * base))
        )
        if not chunk_ends:
            continue
        while view_d >= 0 and (_truth(sympy.Lt(view_numel, tensor_numel)) or _equal(new_shape[view_d], 1)):
            new_strides[view_d] = view_numel * base
            view_numel = view_numel * new_shape[view_d]
            view_d -= 1
        if not _truth(sympy.Eq(view_numel, tensor_numel)):
            return COPY
        if d > 0:
            base, tensor_numel, view_numel = strides[d - 1], sympy.Integer(1), sympy.Integer(1)
    return COPY if view_d != -1 else tuple(new_strides)


def follow(op: View, strides: Strides | None, out_shape: Sequence[object], in_shape=None):
    """The strides of ``op``'s output given its input's: ``None`` if not known; :data:`COPY` for a reshape
    PyTorch makes as a copy (its output a storage of its own, compact)."""
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
    if isinstance(op, (Flatten, Reshape)) and in_shape is not None:
        return view_strides(in_shape, strides, out_shape)
    return None


def _copies(shape: Sequence[object], strides: Strides | None, new_shape: Sequence[object]) -> bool:
    return view_strides(shape, strides, new_shape) is COPY


def operand_copied(op: object, index: int, shapes: Sequence[Sequence[object]], strides: Sequence[Strides | None],
                   needs: Sequence[bool]) -> bool:  # fmt: skip
    """Whether the operator reshapes its ``index``-th input into a compact copy before its GEMM (autograd keeps
    that copy, not the input's storage). ``shapes`` and ``strides``: every input's; ``needs``: which need a
    gradient. Operators that read their inputs in place (every one but matmul, einsum and linear): never.

    >>> from symconv.ops.linear import Linear
    >>> operand_copied(Linear(4, 8), 0, [(2, 3, 4)], [(12, 1, 3)], [True])  # a transposed (2, 4, 3) view
    True
    """
    if strides[index] is None:
        return False
    if isinstance(op, Matmul):
        return _matmul_copied(index, shapes, strides, needs)
    if isinstance(op, Einsum):
        return _einsum_copied(op, index, shapes, strides)
    if isinstance(op, Linear):  # more than two dimensions: folded into (-1, in_features) for ``addmm``/``mm``
        shape = shapes[0]
        return len(shape) > 2 and _copies(shape, strides[0], (product(shape[:-1]), shape[-1]))
    return False


def _matmul_copied(index, shapes, strides, needs) -> bool:
    """``torch.matmul``: both operands of three dimensions or more are expanded to the broadcast batch and
    reshaped to ``(batch, rows, cols)`` for ``bmm``; an operand of three or more beside a matrix is folded into
    ``(-1, cols)`` for ``mm`` (the matrix transposed first when it is the left one), copied if need be when the
    matrix needs a gradient (ATen's ``should_fold``)."""
    shape, own = shapes[index], strides[index]
    other = shapes[1 - index]
    if len(shape) >= 3 and len(other) >= 3:
        batch = _broadcast(shape[:-2], other[:-2])
        lead = len(batch) - (len(shape) - 2)
        expanded = [
            sympy.Integer(0) if _equal(size, 1) and not _equal(b, 1) else s
            for size, s, b in zip(shape[:-2], own[:-2], batch[lead:], strict=True)
        ]
        full = (*(sympy.Integer(0),) * lead, *expanded, *own[-2:])
        return _copies((*batch, *shape[-2:]), full, (product(batch), *shape[-2:]))
    if len(shape) >= 3 and needs[1 - index]:
        if index == 1:  # the left operand is the matrix: the right one is folded transposed
            shape, own = (*shape[:-2], shape[-1], shape[-2]), (*own[:-2], own[-1], own[-2])
        return _copies(shape, own, (product(shape[:-1]), shape[-1]))
    return False


def _broadcast(a: Sequence[object], b: Sequence[object]) -> tuple[object, ...]:
    rank = max(len(a), len(b))
    a, b = (1,) * (rank - len(a)) + tuple(a), (1,) * (rank - len(b)) + tuple(b)
    return tuple(y if _equal(x, 1) else x for x, y in zip(a, b, strict=True))


def _einsum_copied(op: Einsum, index: int, shapes, strides) -> bool:
    """``torch.einsum`` of two operands (ATen's ``einsum`` and ``sumproduct_pair``): each operand is permuted to the
    output's indices then the contracted ones (sorted), size-1 dimensions added for the indices it lacks; the
    dimensions of size other than 1 in both and the output are the batch, those of one operand only its rows
    or columns; the left operand is permuted to ``(batch, rows, contracted, columns)`` and reshaped to
    ``(batch, rows, contracted)``, the right one to ``(batch, contracted, columns, rows)`` and
    ``(batch, contracted, columns)``."""
    specs = (op.a, op.b)
    sizes = {**dict(zip(op.b, shapes[1], strict=True)), **dict(zip(op.a, shapes[0], strict=True))}
    order = [*op.out, *sorted((set(op.a) | set(op.b)) - set(op.out))]
    one = sympy.Integer(1)

    def size_in(spec: str, label: str) -> object:
        return sizes[label] if label in spec and not _equal(sizes[label], 1) else one

    summed = [i for i, label in enumerate(order) if label not in op.out]
    batch, rows, cols = [], [], []
    for i, label in enumerate(order):
        if i in summed:
            continue
        left, right = not _equal(size_in(op.a, label), 1), not _equal(size_in(op.b, label), 1)
        (batch if left and right else rows if left else cols).append(i)
    permutation = (batch + rows + summed + cols) if index == 0 else (batch + summed + cols + rows)
    spec, own = specs[index], strides[index]
    shape = [size_in(spec, label) if label in spec else one for label in order]
    stride = [own[spec.index(label)] if label in spec else one for label in order]

    def size(dims) -> object:
        return product([sizes[order[i]] for i in dims])

    groups = (batch, rows, summed) if index == 0 else (batch, summed, cols)
    permuted = [shape[i] for i in permutation]
    return _copies(permuted, tuple(stride[i] for i in permutation), tuple(size(g) for g in groups))
