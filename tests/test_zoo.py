"""Real torchvision and timm models (random weights, nothing downloaded) costed exactly, and the cases behind them.

The whole zoo runs in ``benchmarks/bench_zoo.py``; here a representative subset (slow),
and small models for each construct a real model needed (fast). Every count is compared
with ``FlopCounterMode`` total / 2 and ``sum(numel)`` of the unique parameters.
"""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

import zoo  # noqa: E402

try:
    zoo.import_torchvision()  # before timm, which imports torchvision
except ImportError:
    pytest.skip("the zoo needs torchvision and timm (pip install 'symconv[zoo]')", allow_module_level=True)
pytest.importorskip("timm")
from torch import nn  # noqa: E402

import symconv  # noqa: E402
from symconv.errors import SymconvError  # noqa: E402
from symconv.symbols import H, W  # noqa: E402

SUBSET = (
    "resnet18",  # a module called several times
    "densenet121",  # torch.cat of one tensor
    "mobilenet_v3_small",  # squeeze-excitation: the 1x1 scale first
    "efficientnet_b0",  # stochastic_depth
    "regnet_y_400mf",  # built on the CPU (its widths come from torch)
    "r3d_18",  # a subclass of Conv3d, video input
    "dpn68",  # timm's BatchNormAct2d: traced into, its parameters read in forward
    "seresnet18",
    "resnet50d",  # average pools with ceil_mode in the shortcut
    "tf_efficientnet_lite0",  # Python control flow on sizes ("same" padding)
    "xcit_nano_12_p16_224",  # a position encoding built from the sizes
)


@pytest.mark.slow
@pytest.mark.parametrize("name", SUBSET)
def test_zoo_model_is_exact_at_every_resolution(name: str) -> None:
    spec = next(m for m in zoo.ZOO if m.name == name)
    outcome = zoo.check(spec)
    assert outcome.status == "exact", outcome.detail


def test_zoo_has_the_families_the_benchmark_promises() -> None:
    assert len(zoo.ZOO) >= 60
    assert len({m.id for m in zoo.ZOO}) == len(zoo.ZOO)


class ScaleFirst(nn.Module):
    """torchvision's squeeze-excitation: the (N, C, 1, 1) scale times the input, the small tensor first."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, padding=1)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Conv2d(8, 8, 1)
        self.head = nn.Conv2d(8, 4, 3, stride=2)

    def forward(self, x):
        x = self.conv(x)
        return self.head(self.fc(self.pool(x)) * x)


@pytest.mark.parametrize("size", [(16, 16), (17, 23)])
def test_broadcast_with_the_one_by_one_operand_first(size) -> None:
    model = ScaleFirst().eval()
    cost = symconv.from_torch(model, (1, 3, H, W))
    assert cost.macs.subs({H: size[0], W: size[1]}) == zoo.torch_macs(model, (1, 3, *size))


class Swapped(nn.Module):
    def forward(self, x):
        return x * x.transpose(2, 3)


def test_an_unprovable_broadcast_is_refused() -> None:
    with pytest.raises(SymconvError, match="cannot prove"):
        symconv.from_torch(Swapped(), (1, 3, H, W))


def test_a_bare_leaf_module() -> None:
    assert symconv.from_torch(nn.Conv2d(3, 8, 3), (1, 3, 8, 8)).macs == 8 * 27 * 36


class MyConv(nn.Conv2d):
    """A subclass that keeps Conv2d's forward: costed as a Conv2d."""


class ReadsWeight(nn.Conv2d):
    """A subclass with its own forward: traced into, its parameters read in forward."""

    def forward(self, x):
        assert x.ndim == 4
        return torch.nn.functional.batch_norm(x, None, None, self.weight[:, 0, 0, 0], self.bias, False)


def test_subclasses_of_mapped_modules() -> None:
    model = nn.Sequential(MyConv(3, 8, 3), nn.ReLU(), MyConv(8, 8, 1)).eval()
    cost = symconv.from_torch(model, (1, 3, H, W))
    assert cost.macs.subs({H: 9, W: 11}) == zoo.torch_macs(model, (1, 3, 9, 11))
    assert cost.params == zoo.unique_params(model)


def test_permute_and_optional_arguments() -> None:
    class Model(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.fc = nn.Linear(8, 5)

        def forward(self, x, mask=None):
            return self.fc(x.permute(0, 2, 3, 1))

    model = Model()
    cost = symconv.from_torch(model, (1, 8, H, W))
    assert cost.macs.subs({H: 3, W: 7}) == zoo.torch_macs(model, (1, 8, 3, 7))


def test_scaled_dot_product_attention_has_pytorchs_formula() -> None:
    class Attention(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.qkv = nn.Linear(16, 48)

        def forward(self, x):
            q, k, v = self.qkv(x).reshape(x.shape[0], x.shape[1], 3, 2, 8).permute(2, 0, 3, 1, 4).unbind(0)
            return torch.nn.functional.scaled_dot_product_attention(q, k, v)

    model = Attention()
    from symconv.symbols import L

    cost = symconv.from_torch(model, (1, L, 16))
    for length in (5, 17):
        assert cost.macs.subs(L, length) == zoo.torch_macs(model, (1, length, 16))


class Unknown(nn.Module):
    def forward(self, x):
        return torch.fft.rfft2(x).real


class WithUnknowns(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3)
        self.odd = Unknown()
        self.fold = nn.Fold((4, 4), 2)
        self.head = nn.Conv2d(3, 4, 1)

    def forward(self, x):
        return self.head(x), self.odd(self.conv(x)), self.fold(x)


def test_one_error_lists_every_unsupported_node() -> None:
    with pytest.raises(SymconvError) as error:
        symconv.from_torch(WithUnknowns(), (1, 3, H, W))
    message = str(error.value)
    assert "2 node(s)" in message and "odd (Unknown)" in message and "fold (Fold)" in message


def test_not_strict_counts_the_unsupported_as_zero_and_lists_them() -> None:
    cost = symconv.from_torch(WithUnknowns(), (1, 3, H, W), strict=False)
    assert [u.module for u in cost.unsupported] == ["odd", "fold"]
    expected = 12 * H * W + 8 * 27 * (H - 2) * (W - 2)  # the head, and the conv before the unknown
    assert (cost.macs - expected).expand() == 0
    assert "not lowered, counted as zero (2)" in cost.table()


def test_custom_cost_of_a_user_module() -> None:
    model = nn.Sequential(nn.Conv2d(3, 8, 3), Unknown())
    cost = symconv.from_torch(model, (1, 3, H, W), custom={Unknown: lambda module: symconv.Conv2d(8, 8, 1)})
    assert (cost.macs - (8 * 27 + 64) * (H - 2) * (W - 2)).expand() == 0


def test_multihead_attention_and_a_bias_computed_from_parameters() -> None:
    class Block(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.attention = nn.MultiheadAttention(16, 2, batch_first=True)
            self.table = nn.Parameter(torch.zeros(9, 16))
            self.register_buffer("index", torch.zeros(5, dtype=torch.long))

        def forward(self, x):
            y, _ = self.attention(x, x, x, need_weights=False)
            return y + self.table[self.index]

    with torch.device("meta"):
        model = Block().eval()
    cost = symconv.from_torch(model, (1, 5, 16))
    assert cost.macs == zoo.torch_macs(model, (1, 5, 16))
    assert cost.params == zoo.unique_params(model)


@pytest.mark.parametrize(
    ("equation", "a", "b"),
    [
        ("bij,bjk->bik", (2, 3, 4), (2, 4, 5)),
        ("bhid,bhjd->bhij", (1, 2, 5, 8), (1, 2, 7, 8)),
        ("ij,jk->ik", (3, 4), (4, 6)),
    ],
)
def test_einsum_equals_flop_counter(equation, a, b) -> None:
    class Model(nn.Module):
        def forward(self, x, y):
            return torch.einsum(equation, x, y)

    from torch.utils.flop_counter import FlopCounterMode

    with FlopCounterMode(display=False) as counter:
        Model()(torch.empty(a, device="meta"), torch.empty(b, device="meta"))
    assert symconv.from_torch(Model(), [a, b]).macs == counter.get_total_flops() // 2


def test_concatenating_maps_of_unprovably_equal_sizes_is_refused() -> None:
    class Skip(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.down = nn.Conv2d(3, 3, 3, stride=2, padding=1)
            self.up = nn.Upsample(scale_factor=2)

        def forward(self, x):
            return torch.cat([self.up(self.down(x)), x], dim=1)  # 2*ceiling(H/2) is H only for even H

    with pytest.raises(SymconvError, match="cannot prove"):
        symconv.from_torch(Skip(), (1, 3, H, W))
    assert symconv.from_torch(Skip(), (1, 3, 2 * H, 2 * W)).macs.subs({H: 4, W: 5}) == zoo.torch_macs(
        Skip(), (1, 3, 8, 10)
    )
