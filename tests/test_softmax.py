"""Softmax: counts against a softmax that performs and counts its arithmetic, shapes and FLOPs against PyTorch."""

from __future__ import annotations

import math

import pytest
from cli_runner import in_process
from hypothesis import given, settings
from hypothesis import strategies as st

import symconv
from symconv import codegen
from symconv.errors import InvalidConfiguration
from symconv.symbols import L, N

shapes = st.lists(st.integers(1, 4), min_size=1, max_size=4)


def counted_softmax(values: list[float]) -> tuple[list[float], int, int]:
    """One row's softmax, counting additions (subtractions included) and multiplications (divisions included)."""
    adds = mults = 0
    top = values[0]
    for v in values[1:]:
        top = max(top, v)  # a comparison: no arithmetic
    shifted = []
    for v in values:
        shifted.append(v - top)
        adds += 1
    exps = [math.exp(v) for v in shifted]  # transcendental: no convention counts it
    total = exps[0]
    for e in exps[1:]:
        total += e
        adds += 1
    out = []
    for e in exps:
        out.append(e / total)
        mults += 1
    return out, adds, mults


def brute_force(shape: list[int], dim: int) -> tuple[int, int]:
    """Run the softmax row by row over a tensor of ``shape`` along ``dim``, counting."""
    axis = dim % len(shape)
    rows = math.prod(shape) // shape[axis]
    adds = mults = 0
    for row in range(rows):
        values = [float((row * 7 + i * 3) % 5) for i in range(shape[axis])]
        out, a, m = counted_softmax(values)
        assert abs(sum(out) - 1) < 1e-9
        adds, mults = adds + a, mults + m
    return adds, mults


@settings(max_examples=40, deadline=None)
@given(shapes, st.data())
def test_counts_equal_a_softmax_that_counts(shape, data) -> None:
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    cost = symconv.Softmax(dim).cost(tuple(shape))
    assert (cost.adds, cost.mults) == brute_force(shape, dim)
    assert cost.macs == 0 and cost.params == 0
    assert cost.memory() == 2 * math.prod(shape)  # read once, written once


@settings(max_examples=25, deadline=None)
@given(shapes, st.data())
def test_shape_and_flops_match_torch(shape, data) -> None:
    torch = pytest.importorskip("torch")
    from torch.utils.flop_counter import FlopCounterMode

    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    x = torch.rand(shape)
    with FlopCounterMode(display=False) as counter:
        y = torch.nn.Softmax(dim)(x)
    op = symconv.Softmax(dim)
    assert op.output_shape(tuple(shape)) == tuple(y.shape)
    assert op.cost(tuple(shape)).flops == counter.get_total_flops() == 0  # no GEMM, as FlopCounterMode


def test_symbolic_attention_weights() -> None:
    cost = symconv.Softmax(-1).cost((N, L, L))
    assert cost.adds == N * L * (2 * L - 1) and cost.mults == N * L**2


def test_dim_is_checked() -> None:
    with pytest.raises(InvalidConfiguration, match="dim=3 is out of range for a 3-dimensional input"):
        symconv.Softmax(3).cost((2, 3, 4))
    with pytest.raises(InvalidConfiguration, match="dim=None must be an integer"):
        symconv.Softmax(None)


def test_reached_from_the_cli_and_codegen() -> None:
    result = in_process("cost", "softmax", "--dim", "-1", "--input", "2,3,4", "--convention", "ops")
    assert result.returncode == 0, result.stderr
    assert "Softmax(dim=-1)" in result.stdout and "compute" in result.stdout
    namespace: dict = {}
    exec(codegen.python_module({"softmax": (symconv.Softmax(-1), (N, L, L))}, ["adds"]), namespace)
    assert namespace["softmax_adds"](N=2, L=5) == brute_force([2, 5, 5], -1)[0]


def test_attention_from_torch_equals_flop_counter() -> None:
    torch = pytest.importorskip("torch")
    from torch import nn
    from torch.utils.flop_counter import FlopCounterMode

    class Attention(nn.Module):
        def __init__(self, dim: int) -> None:
            super().__init__()
            self.qkv, self.proj = nn.Linear(dim, 3 * dim), nn.Linear(dim, dim)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            q, k, v = self.qkv(x).chunk(3, dim=-1)
            scores = torch.matmul(q, k.transpose(-2, -1))
            return self.proj(torch.bmm(scores.softmax(-1), v))

    model = Attention(8)
    cost = symconv.from_torch(model, (2, L, 8))
    softmax = [row for row in cost.layers if row.operator == "Softmax(dim=-1)"]
    assert len(softmax) == 1 and softmax[0].cost.adds == 2 * L * (2 * L - 1)
    for length in (1, 5, 9):
        with FlopCounterMode(display=False) as counter:
            model(torch.rand(2, length, 8))
        assert 2 * cost.macs.subs(L, length) == counter.get_total_flops()
    assert cost.params == sum(p.numel() for p in model.parameters())
