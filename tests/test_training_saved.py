"""What autograd keeps, rule by rule: tiny modules reproducing one pattern each, against ``saved_tensors_hooks``.

Each rule of :mod:`symconv.analysis.layout` and :mod:`symconv.analysis.training` that decides which storage
autograd keeps is checked here on a module made for it (random sizes where hypothesis draws them):
``training_memory(from_torch(model, shape, grad=True)).activations`` must equal the bytes PyTorch's
``torch.autograd.graph.saved_tensors_hooks`` records, one count per storage (``tests/autograd_reference.py``),
and the step's FLOPs ``FlopCounterMode``'s. The strides rule itself (``view_strides``) is checked against
PyTorch's ``Tensor.view``, which succeeds exactly when ATen's ``computeStride`` finds strides.
"""

from __future__ import annotations

import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

import symconv
from symconv.analysis import layout, training

torch = pytest.importorskip("torch")

from autograd_reference import saved_bytes  # noqa: E402
from torch import nn  # noqa: E402
from torch.utils.flop_counter import FlopCounterMode  # noqa: E402

from symconv.network.torch_fx import trace  # noqa: E402

SETTINGS = settings(max_examples=15, deadline=None)


def check(model: nn.Module, shape: tuple[int, ...]) -> None:
    """symconv's saved bytes and FLOPs of one training step equal autograd's and FlopCounterMode's."""
    model = model.train()
    step = symconv.from_torch(model, shape, grad=True)
    assert saved_bytes(model, torch.randn(shape)) == training.training_memory(step, element_size=4).activations
    with FlopCounterMode(display=False) as counter:
        model(torch.randn(shape)).sum().backward()
    assert counter.get_total_flops() == 2 * step.macs


# ---- the strides of a reshape, against PyTorch's view ----------------------------------------------------------


@st.composite
def strided_views(draw):
    """A tensor of random shape seen through a random permutation and slice, and a shape to reshape it to."""
    rank = draw(st.integers(1, 4))
    shape = [draw(st.integers(1, 4)) for _ in range(rank)]
    order = draw(st.permutations(range(rank)))
    step = draw(st.integers(1, 2))
    dims = [shape[d] for d in order]
    sliced = draw(st.integers(0, rank - 1))
    dims[sliced] = -(-dims[sliced] // step)
    total = 1
    for size in dims:
        total *= size
    split = []  # a random factorisation of the elements into a new shape
    rest = total
    while rest > 1 and len(split) < 4:
        divisor = draw(st.sampled_from([d for d in range(1, rest + 1) if rest % d == 0]))
        split.append(divisor)
        rest //= divisor
    split.append(rest)
    return shape, order, sliced, step, tuple(draw(st.permutations(split)))


@SETTINGS
@given(strided_views())
def test_view_strides_are_pytorchs(case) -> None:
    shape, order, sliced, step, new_shape = case
    base = torch.empty(shape).permute(order)
    index = [slice(None)] * len(shape)
    index[sliced] = slice(None, None, step)
    view = base[tuple(index)]
    ours = layout.view_strides(view.shape, tuple(sympy.Integer(s) for s in view.stride()), new_shape)
    try:
        theirs = view.view(new_shape).stride()
    except RuntimeError:  # "view size is not compatible with input tensor's size and stride"
        assert ours is layout.COPY
        return
    assert ours is not layout.COPY
    assert all(o == t for o, t, size in zip(ours, theirs, new_shape, strict=True) if size != 1)


def test_view_strides_unknown_stay_unknown() -> None:
    from symconv.symbols import H

    assert layout.view_strides((2, 3), None, (6,)) is None
    assert layout.view_strides((H, 3), (3, 1), (3 * H,)) == (1,)  # contiguous: a view whatever H


# ---- reshapes PyTorch copies: a strided subsample (LeViT) --------------------------------------------------------


class Subsample(nn.Module):
    """LeViT's attention downsample: tokens viewed as a map, every ``stride``-th kept, reshaped to tokens (a copy)."""

    def __init__(self, width: int, side: int, stride: int) -> None:
        super().__init__()
        self.side, self.stride = side, stride
        self.embed = nn.Conv2d(3, width, 1)
        self.proj = nn.Linear(width, width)

    def forward(self, x):
        x = self.embed(x).flatten(2).transpose(1, 2)  # (N, L, C) over a transposed (N, C, L)
        n, _, c = x.shape
        x = x.reshape(n, self.side, self.side, c)[:, :: self.stride, :: self.stride]
        return self.proj(x.reshape(n, -1, c))


@SETTINGS
@given(st.integers(1, 2), st.integers(2, 6), st.integers(2, 7), st.integers(1, 3))
def test_a_reshape_pytorch_copies_is_a_storage_of_its_own(batch, width, side, stride) -> None:
    check(Subsample(width, side, stride), (batch, 3, side, side))


# ---- linear on a view it cannot fold ---------------------------------------------------------------------------


class TransposedLinear(nn.Module):
    """A linear layer on a transposed 3-D view: folded into ``(-1, in_features)`` by a copy, which autograd keeps
    (the viewed storage is kept too, by a product with a parameter)."""

    def __init__(self, width: int, permute: bool) -> None:
        super().__init__()
        self.permute = permute
        self.embed, self.proj = nn.Conv2d(3, width, 1), nn.Linear(width, 5)
        self.scale = nn.Parameter(torch.ones(1))

    def view(self, x):
        return x.permute(0, 2, 3, 1) if self.permute else x.flatten(2).transpose(1, 2)

    def forward(self, x):
        x = self.embed(x)
        return self.proj(self.view(x)) + self.view(x * self.scale)[..., :1]


@pytest.mark.parametrize("permute", [False, True])
@pytest.mark.parametrize("shape", [(2, 3, 4, 5), (1, 3, 3, 1)])
def test_linear_keeps_the_copy_of_a_view_it_cannot_fold(permute, shape) -> None:
    check(TransposedLinear(4, permute), shape)


# ---- matmul with a weight read in forward: folded into mm -------------------------------------------------------


class MatmulWeight(nn.Module):
    """``x @ W`` with ``x`` a 3-D view and ``W`` a parameter: ``x`` folded to ``(-1, C)``, by a copy when its
    dimensions do not merge (the viewed storage is kept too, by a product with a parameter)."""

    def __init__(self, width: int, transposed: bool) -> None:
        super().__init__()
        self.transposed = transposed
        self.embed = nn.Conv2d(3, width, 1)
        self.weight = nn.Parameter(torch.randn(width, 6))
        self.scale = nn.Parameter(torch.ones(1))

    def view(self, x):
        return x.flatten(2).transpose(1, 2) if self.transposed else x.flatten(2)

    def forward(self, x):
        x = self.embed(x)
        return self.view(x) @ self.weight + self.view(x * self.scale)[..., :1]


@pytest.mark.parametrize("transposed", [False, True])
def test_matmul_folds_a_view_by_a_copy_when_the_matrix_needs_a_gradient(transposed) -> None:
    check(MatmulWeight(6, transposed), (2, 3, 2, 3))


# ---- einsum's operands (MaxViT) ---------------------------------------------------------------------------------


class EinsumAttention(nn.Module):
    """torchvision MaxViT's attention: ``q``, ``k``, ``v`` permuted views of one projection, scores and output by
    ``einsum``; einsum reshapes each operand to three dimensions for ``bmm``, copying those it cannot view."""

    def __init__(self, width: int, heads: int, scores: str, output: str) -> None:
        super().__init__()
        self.heads, self.scores, self.output = heads, scores, output
        self.embed = nn.Conv2d(3, width, 1)
        self.qkv = nn.Linear(width, 3 * width)

    def forward(self, x):
        x = self.embed(x).permute(0, 2, 3, 1)  # (B, G, P, D): groups of tokens
        b, g, p, d = x.shape
        q, k, v = torch.chunk(self.qkv(x), 3, dim=-1)
        q, k, v = (t.reshape(b, g, p, self.heads, d // self.heads).permute(0, 1, 3, 2, 4) for t in (q, k, v))
        k = k * 0.5
        attention = torch.einsum(self.scores, q, k).softmax(dim=-1)
        return torch.einsum(self.output, attention, v)


EQUATIONS = [
    ("bghid,bghjd->bghij", "bghij,bghjd->bghid"),  # MaxViT's
    ("bghid,bghjd->bghij", "bghij,bghjd->bgihd"),  # the output permuted
    ("bghjd,bghid->bghij", "bghji,bghjd->bghid"),  # the operands' indices swapped
]


@pytest.mark.parametrize("equations", EQUATIONS, ids=lambda e: e[0])
@pytest.mark.parametrize("heads", [1, 2])
def test_einsum_keeps_the_copies_bmm_receives(equations, heads) -> None:
    check(EinsumAttention(4, heads, *equations), (2, 3, 3, 5))


# ---- normalize (EdgeNeXt's and XCiT's cross-covariance attention) ------------------------------------------------


class Normalized(nn.Module):
    """``F.normalize`` on a projection: autograd keeps the input, the norm and the clamped norm it divides by."""

    def __init__(self, width: int, dim: int) -> None:
        super().__init__()
        self.dim = dim
        self.embed = nn.Conv2d(3, width, 1)

    def forward(self, x):
        return nn.functional.normalize(self.embed(x), dim=self.dim)


@pytest.mark.parametrize("dim", [1, -1])
def test_normalize_keeps_the_norm_and_the_clamped_norm(dim) -> None:
    check(Normalized(4, dim), (2, 3, 3, 5))


# ---- tensors computed in forward from sizes (a position encoding) -----------------------------------------------


class Encoded(nn.Module):
    """EdgeNeXt's and XCiT's Fourier position encoding: a tensor made from the input's sizes (no parameter), then
    projected by a convolution, which keeps it: an activation, not a buffer."""

    def __init__(self, width: int, repeat: bool) -> None:
        super().__init__()
        self.repeat = repeat
        self.embed = nn.Conv2d(3, width, 1)
        self.projection = nn.Conv2d(2, width, 1)

    def forward(self, x):
        n, _, h, w = x.shape
        rows = torch.arange(1, h + 1, dtype=torch.float32).view(1, 1, h, 1).expand(1, 1, h, w)
        cols = torch.arange(1, w + 1, dtype=torch.float32).view(1, 1, 1, w).expand(1, 1, h, w)
        position = torch.cat((rows, cols), dim=1)
        if self.repeat:  # XCiT: encoded once, repeated over the batch (a copy)
            return self.embed(x) * self.projection(position).repeat(n, 1, 1, 1)
        return self.embed(x) + self.projection(position.expand(n, -1, -1, -1))


@pytest.mark.parametrize("repeat", [False, True])
def test_a_tensor_computed_from_sizes_is_an_activation(repeat) -> None:
    check(Encoded(4, repeat), (2, 3, 3, 5))


# ---- repeat ------------------------------------------------------------------------------------------------------


class Repeated(nn.Module):
    """``x.repeat(*factors)`` followed by a layer that keeps its input: the repeated copy is what it keeps."""

    def __init__(self, factors: tuple[int, ...]) -> None:
        super().__init__()
        self.factors = factors
        self.embed = nn.Conv2d(3, 2, 1)
        self.scale = nn.Parameter(torch.randn(1))

    def forward(self, x):
        return self.embed(x).repeat(*self.factors) * self.scale


@pytest.mark.parametrize("factors", [(2, 1, 1, 1), (1, 3, 1, 2), (2, 1, 2, 1, 1), (1, 1, 1, 1)])
def test_repeat_is_an_expanded_copy(factors) -> None:
    model = Repeated(factors)
    check(model, (1, 3, 2, 3))
    net, _ = trace(model, (1, 3, 2, 3))
    assert tuple(net.layers[-1].output.shape) == tuple(model(torch.randn(1, 3, 2, 3)).shape)


# ---- a parameter read in forward whose name prefixes another's (EdgeNeXt's gamma and gamma_xca) -----------------


class LayerScales(nn.Module):
    def __init__(self, width: int) -> None:
        super().__init__()
        self.embed = nn.Conv2d(3, width, 1)
        self.gamma_xca = nn.Parameter(torch.ones(width, 1, 1))
        self.gamma = nn.Parameter(torch.ones(width, 1, 1))

    def forward(self, x):
        x = self.embed(x)
        x = x + self.gamma_xca * x
        return x + self.gamma * x


def test_a_parameter_named_like_anothers_prefix_gets_its_gradient() -> None:
    model = LayerScales(4)
    step = symconv.from_torch(model, (2, 3, 4, 4), grad=True)
    assert step.trainable == sum(p.numel() for p in model.parameters())
    check(model, (2, 3, 4, 4))
