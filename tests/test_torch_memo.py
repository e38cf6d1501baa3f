"""from_torch remembers what depends on metadata alone (meta-tensor calls, fake-tensor calls, conditions on sizes).

Each remembered answer must be the one computing it gives: checked against PyTorch itself
(autograd's saved tensors, FlopCounterMode) on calls that hit the memory, within one model
(identical blocks) and across calls.
"""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

import sympy  # noqa: E402
import torch_models as tm  # noqa: E402
from autograd_reference import saved_bytes  # noqa: E402
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from torch import nn  # noqa: E402
from torch.utils.flop_counter import FlopCounterMode  # noqa: E402

import symconv  # noqa: E402
from symconv.analysis import training  # noqa: E402
from symconv.core.intfuncs import CeilDiv  # noqa: E402
from symconv.core.size_bounds import _decided, decide_bounded  # noqa: E402
from symconv.network import torch_meta, torch_symbolic  # noqa: E402
from symconv.symbols import H, W  # noqa: E402


def standardised_blocks() -> nn.Module:
    """Identical blocks (the second and third replay the first's weight computations), then a different one."""
    return nn.Sequential(
        tm.StandardisedConv(3, 8, 3, padding=1),
        nn.ReLU(),
        *(m for _ in range(2) for m in (tm.StandardisedConv(8, 8, 3, padding=1), nn.ReLU())),
        tm.StandardisedConv(8, 4, 1),
    )


def test_remembered_weight_computations_keep_what_autograd_keeps() -> None:
    """On the meta device (remembered) and on the CPU (computed): autograd's saved bytes on the CPU agree."""
    torch.manual_seed(0)
    cpu = standardised_blocks().train()
    with torch.device("meta"):
        on_meta = standardised_blocks().train()
    shape = (2, 3, 12, 12)
    expected = saved_bytes(cpu, torch.randn(shape))
    torch_meta._RESULTS.clear()
    for _ in range(2):  # the first call fills the memory (the third block hits it), the second hits it throughout
        step = symconv.from_torch(on_meta, shape, grad=True)
        assert training.training_memory(step, element_size=4).activations == expected
    assert torch_meta._RESULTS
    assert symconv.from_torch(on_meta, shape).params == sum(p.numel() for p in cpu.parameters())


class Positions(nn.Module):
    """EdgeNeXt's position encoding (a cumulative sum over a mask of the map's size) in two blocks."""

    def __init__(self) -> None:
        super().__init__()
        self.embed = nn.Conv2d(3, 8, 3, stride=2, padding=1)
        self.projections = nn.ModuleList(nn.Conv2d(8, 8, 1) for _ in range(2))

    def grid(self, x):
        n, _, h, w = x.shape
        mask = ~torch.zeros((n, h, w), device=x.device).to(torch.bool)
        y, z = mask.cumsum(1, dtype=torch.float32), mask.cumsum(2, dtype=torch.float32)
        y = y / (y[:, -1:, :] + 1e-6)
        dims = torch.arange(4, device=x.device).to(torch.float32)
        grid = torch.cat((y[:, :, :, None] / dims, z[:, :, :, None] / dims), dim=3)
        return grid.permute(0, 3, 1, 2)

    def forward(self, x):
        x = self.embed(x)
        for projection in self.projections:
            x = x + projection(self.grid(x))
        return x


def torch_macs(model: nn.Module, shape: tuple[int, ...]) -> int:
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        model(torch.empty(shape, device="meta"))
    return counter.get_total_flops() // 2


def test_remembered_fake_tensor_results_give_pytorchs_counts() -> None:
    with torch.device("meta"):
        model = Positions()
    torch_symbolic._RESULTS.clear()
    costs = [symconv.from_torch(model, (1, 3, H, W)) for _ in range(2)]  # computed, then remembered
    assert torch_symbolic._RESULTS
    for cost in costs:
        for size in ((16, 16), (17, 23), (40, 9)):
            assert cost.macs.subs({H: size[0], W: size[1]}) == torch_macs(model, (1, 3, *size))


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 9), st.integers(-20, 20), st.sampled_from((sympy.Lt, sympy.Le, sympy.Eq, sympy.Ge)))
def test_a_remembered_decision_is_the_decision(q, c, relation) -> None:
    """Asked twice (the second answer remembered), the answer is the one computed afresh, for any condition."""
    condition = relation(CeilDiv(H, q) * q - H, c)
    assert decide_bounded(condition) is _decided.__wrapped__(condition, ())
    assert decide_bounded(condition) is _decided.__wrapped__(condition, ())
