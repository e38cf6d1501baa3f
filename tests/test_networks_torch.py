"""symconv.from_torch against PyTorch itself: FlopCounterMode / 2 and sum(p.numel()), exactly.

Each network is traced ONCE with a symbolic input (1, 3, H, W); the one expression is
then evaluated at every size and compared with FlopCounterMode run at that size (meta
device: shapes only, no weights, fast).
"""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

import sympy  # noqa: E402
import torch_models as tm  # noqa: E402
from hypothesis import assume, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from torch import nn  # noqa: E402
from torch.utils.flop_counter import FlopCounterMode  # noqa: E402

import symconv  # noqa: E402
from symconv.core.intfuncs import CeilDiv, FloorDiv  # noqa: E402
from symconv.errors import NotLowerable  # noqa: E402
from symconv.symbols import H, W  # noqa: E402

SIZES = (128, 160, 192, 224, 256, 320, 225, 199)
MODELS = tm.MODELS


def meta(factory, *args) -> nn.Module:
    with torch.device("meta"):
        return factory(*args).eval()


def torch_macs(model: nn.Module, *shapes: tuple[int, ...]) -> int:
    with FlopCounterMode(display=False) as counter:
        model(*(torch.empty(s, device="meta") for s in shapes))
    flops = counter.get_total_flops()
    assert flops % 2 == 0
    return flops // 2


#: The largest models: slow (FlopCounterMode at every size); the others check the same in the fast tier.
LARGE = {"resnet50", "mobilenet_v2"}


@pytest.fixture(
    scope="module", params=[pytest.param(n, marks=pytest.mark.slow) if n in LARGE else n for n in sorted(MODELS)]
)
def traced(request):
    model = meta(MODELS[request.param])
    return model, symconv.from_torch(model, (1, 3, H, W))


def test_macs_equal_flop_counter_at_every_size_from_one_expression(traced) -> None:
    model, cost = traced
    total = sympy.lambdify((H, W), cost.macs, modules="math")  # one expression, evaluated per size
    for size in SIZES:
        assert total(size, size) == torch_macs(model, (1, 3, size, size)), size
    assert cost.macs.subs({H: 224, W: 199}) == torch_macs(model, (1, 3, 224, 199))


def test_params_equal_module_parameters(traced) -> None:
    model, cost = traced
    assert cost.params == sum(p.numel() for p in model.parameters())


def test_total_is_a_readable_closed_form(traced) -> None:
    _, cost = traced
    # one term per distinct feature-map size: every rounding is a single division of H or W
    assert not cost.macs.has(sympy.floor, sympy.ceiling)
    for division in cost.macs.atoms(FloorDiv, CeilDiv):
        assert division.args[0].free_symbols <= {H, W} and division.args[1].is_Integer
        assert not division.args[0].has(FloorDiv, CeilDiv)


def test_batch_symbol_scales_the_total() -> None:
    model = meta(tm.mobilenet_v1)
    n = symconv.symbols.N
    cost = symconv.from_torch(model, (n, 3, 160, 160))
    assert sympy.expand(cost.macs - n * cost.macs.subs(n, 1)) == 0
    assert cost.macs.subs(n, 3) == torch_macs(model, (3, 3, 160, 160))


conv_configs = st.fixed_dictionaries(
    {
        "dims": st.integers(1, 3),
        "groups": st.sampled_from([1, 2]),
        "c": st.integers(1, 3),
        "kernel": st.integers(1, 4),
        "stride": st.integers(1, 3),
        "padding": st.integers(0, 2),
        "dilation": st.integers(1, 2),
        "output_padding": st.integers(0, 2),
        "bias": st.booleans(),
        "size": st.integers(8, 12),
        "transposed": st.booleans(),
    }
)


@settings(max_examples=60, deadline=None)
@given(conv_configs)
def test_every_conv_family_matches_flop_counter(cfg) -> None:
    dims, g = cfg["dims"], cfg["groups"]
    c_in, c_out = g * cfg["c"], g * (cfg["c"] + 1)
    common = dict(stride=cfg["stride"], padding=cfg["padding"], dilation=cfg["dilation"], groups=g, bias=cfg["bias"])
    if cfg["transposed"]:
        cls = (nn.ConvTranspose1d, nn.ConvTranspose2d, nn.ConvTranspose3d)[dims - 1]
        op = min(cfg["output_padding"], max(cfg["stride"], cfg["dilation"]) - 1)
        layer = cls(c_in, c_out, cfg["kernel"], output_padding=op, **common)
    else:
        layer = (nn.Conv1d, nn.Conv2d, nn.Conv3d)[dims - 1](c_in, c_out, cfg["kernel"], **common)
    shape = (2, c_in, *(cfg["size"],) * dims)
    model = meta(nn.Sequential, layer)
    try:
        expected = torch_macs(model, shape)
    except RuntimeError:  # PyTorch rejects it (output too small): so must symconv
        with pytest.raises(symconv.SymconvError):
            symconv.from_torch(model, shape)
        return
    cost = symconv.from_torch(model, shape)
    assert cost.macs == expected
    assert cost.params == sum(p.numel() for p in model.parameters())


class CumulativeSum(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.cumsum(-1)


def test_unsupported_method_names_the_node() -> None:
    with pytest.raises(NotLowerable, match="cumsum"):
        symconv.from_torch(CumulativeSum(), (2, 5, 8))


class Matmuls(nn.Module):
    def __init__(self, dim: int) -> None:
        super().__init__()
        self.qk = nn.Linear(dim, 2 * dim, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        q, k = torch.split(self.qk(x), [x.shape[-1], x.shape[-1]], dim=-1)
        return torch.bmm(q, k.reshape(x.size(0), x.size(2), -1)) @ q


def test_matmul_and_bmm_match_flop_counter() -> None:
    model = meta(Matmuls, 6)
    n, length = sympy.symbols("n l", integer=True, positive=True)
    cost = symconv.from_torch(model, (n, length, 6))
    for values in ((1, 7), (3, 4)):
        assert cost.macs.subs(dict(zip((n, length), values, strict=True))) == torch_macs(model, (*values, 6))


def test_unknown_module_is_named() -> None:
    model = meta(nn.Sequential, nn.Conv2d(3, 4, 3), nn.Fold((4, 4), 2))
    with pytest.raises(NotLowerable, match=r"module '1' \(Fold\)"):
        symconv.from_torch(model, (1, 3, H, W))


class DataDependent(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x if x.sum() > 0 else -x


def test_untraceable_model_says_why() -> None:
    with pytest.raises(NotLowerable, match=r"cannot trace DataDependent: .*control flow depends on .*data"):
        symconv.from_torch(DataDependent(), (1, 3, H, W))


class BranchOnSize(nn.Module):
    """timm's VGG head: pools a map smaller than 7x7 up to 7x7 first (a branch on the size)."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, stride=2)
        self.fc = nn.Conv2d(4, 2, 7)

    def forward(self, x):
        x = self.conv(x)
        if x.shape[-2] < 7 or x.shape[-1] < 7:
            x = nn.functional.adaptive_avg_pool2d(x, (max(7, x.shape[-2]), max(7, x.shape[-1])))
        return self.fc(x)


def test_a_branch_on_sizes_follows_the_sizes_that_decide_it() -> None:
    model = meta(BranchOnSize)
    h, w = sympy.symbols("h w", integer=True, nonnegative=True)
    cost = symconv.from_torch(model, (1, 3, 15 + h, 15 + w))  # maps of 7x7 and more: no pooling
    assert not any("adaptive" in layer.name for layer in cost.layers)
    for size in ((15, 15), (16, 23), (40, 17)):
        assert cost.macs.subs({h: size[0] - 15, w: size[1] - 15}) == torch_macs(model, (1, 3, *size))
    for size in ((9, 9), (12, 20)):  # integers decide either way
        assert symconv.from_torch(model, (1, 3, *size)).macs == torch_macs(model, (1, 3, *size))


def test_a_branch_on_sizes_they_do_not_decide_is_refused() -> None:
    with pytest.raises(NotLowerable, match=r"control flow depends on .*H.* < 7.*do not decide"):
        symconv.from_torch(meta(BranchOnSize), (1, 3, H, W))


def test_wrong_channel_count_names_the_layer() -> None:
    model = meta(lambda: nn.Sequential(nn.Sequential(nn.Conv2d(4, 8, 3))))
    with pytest.raises(symconv.InvalidConfiguration, match=r"layer '0\.0'.*in_channels=4"):
        symconv.from_torch(model, (1, 3, H, W))


def test_mobilenet_v1_one_expression_in_alpha_and_rho_matches_torch() -> None:
    from symconv.network.examples import mobilenet_v1
    from symconv.symbols import alpha, rho

    cost = mobilenet_v1(alpha, 224 * rho).cost()  # built once, symbolic in both multipliers
    for a in (1, 0.75, 0.25):
        model = meta(tm.mobilenet_v1, a)
        a_exact = sympy.Rational(str(a))
        assert cost.params.subs(alpha, a_exact) == sum(p.numel() for p in model.parameters())
        for size in (224, 160, 225, 199):
            at = {alpha: a_exact, rho: sympy.Rational(size, 224)}
            assert cost.macs.subs(at) == torch_macs(model, (1, 3, size, size)), (a, size)


pool_configs = st.fixed_dictionaries(
    {
        "kind": st.sampled_from(["max", "avg"]),
        "dims": st.integers(1, 3),
        "kernel": st.integers(1, 4),
        "stride": st.integers(1, 3),
        "padding": st.integers(0, 2),
        "size": st.integers(4, 11),
    }
)


@settings(max_examples=40, deadline=None)
@given(pool_configs)
def test_pool_output_shapes_match_torch(cfg) -> None:
    from symconv import network as layers

    dims, k, pad = cfg["dims"], cfg["kernel"], min(cfg["padding"], cfg["kernel"] // 2)
    name = f"{'Max' if cfg['kind'] == 'max' else 'Avg'}Pool{dims}d"
    shape = (2, 3, *(cfg["size"],) * dims)
    expected = getattr(nn, name)(k, cfg["stride"], pad)(torch.empty(shape, device="meta")).shape
    assert getattr(layers, name)(k, cfg["stride"], pad).output_shape(shape) == tuple(expected)


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 20), st.integers(1, 8))
def test_adaptive_windows_sum_to_torchs(length, size) -> None:
    from symconv.ops.pool import adaptive_window_total

    # pooling the j-th unit vector is nonzero exactly in the windows that contain j
    pooled = nn.functional.adaptive_avg_pool1d(torch.eye(length, dtype=torch.float64).unsqueeze(1), size)
    assert adaptive_window_total(sympy.Integer(length), size) == int((pooled > 0).sum())


def test_resnet_stage_in_channels_and_resolution_matches_torch() -> None:
    from symconv.network.examples import resnet_stage
    from symconv.symbols import C

    cost = resnet_stage(2 * C, C, 3, stride=2, resolution=H).cost()  # one expression in C and H
    for c, size in ((8, 56), (16, 57), (32, 29)):
        model = meta(
            lambda c=c: nn.Sequential(
                *(tm.Bottleneck(2 * c if i == 0 else 4 * c, c, 2 if i == 0 else 1) for i in range(3))
            )
        )
        at = {C: c, H: size}
        assert cost.macs.subs(at) == torch_macs(model, (1, 2 * c, size, size))
        assert cost.params.subs(at) == sum(p.numel() for p in model.parameters())


layer_specs = st.lists(
    st.one_of(
        st.tuples(st.just("conv"), st.sampled_from([1, 3, 5]), st.integers(1, 2), st.integers(0, 2)),
        st.tuples(st.just("max"), st.sampled_from([2, 3]), st.integers(1, 2), st.integers(0, 1)),
        st.tuples(st.just("avg"), st.sampled_from([2, 3]), st.integers(1, 2), st.integers(0, 1)),
    ),
    min_size=1,
    max_size=6,
)


@settings(max_examples=20, deadline=None)
@given(layer_specs, st.lists(st.integers(24, 70), min_size=3, max_size=3))
def test_random_conv_pool_stacks_one_expression_matches_torch(specs, sizes) -> None:
    layers, c = [], 3
    for kind, k, s, p in specs:
        if kind == "conv":
            layers.append(nn.Conv2d(c, c + 1, k, s, p))
            c += 1
        else:
            layers.append((nn.MaxPool2d if kind == "max" else nn.AvgPool2d)(k, s, min(p, k // 2)))
    model = meta(nn.Sequential, *layers, nn.Flatten())
    cost = symconv.from_torch(model, (2, 3, H, W))  # traced once, symbolically
    compared = 0
    for h, w in zip(sizes, reversed(sizes), strict=True):
        try:
            expected = torch_macs(model, (2, 3, h, w))
        except RuntimeError:  # too small for this stack: nothing to compare
            continue
        assert cost.macs.subs({H: h, W: w}) == expected
        compared += 1
    assume(compared > 0)


def test_tied_parameters_are_counted_once() -> None:
    model = nn.Sequential(nn.Linear(8, 8, bias=False), nn.ReLU(), nn.Linear(8, 8, bias=False))
    model[2].weight = model[0].weight
    cost = symconv.from_torch(model, (2, 8))
    assert cost.params == sum(p.numel() for p in model.parameters()) == 64
    assert cost.macs == torch_macs(model, (2, 8))


@pytest.mark.parametrize("shape", [None, "1,8", 8, [None], (1, -8), (1, 2.5)])
def test_an_input_shape_that_is_no_shape_is_refused(shape) -> None:
    with pytest.raises(symconv.errors.SymconvError, match=r"input_shape|must be"):
        symconv.from_torch(nn.Linear(8, 8), shape)


class SharedBlock(nn.Module):
    """torchvision's Bottleneck pattern: one ReLU module called after every convolution, and a conv applied twice."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(channels)
        self.conv2 = nn.Conv2d(channels, channels, 1)
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.conv2(out))
        out = self.relu(self.conv2(out))  # the same convolution again
        return self.relu(out + x)


@pytest.mark.parametrize("size", [5, 8])
def test_a_module_called_several_times_is_costed_per_call(size) -> None:
    model = meta(SharedBlock, 4)
    cost = symconv.from_torch(model, (1, 4, H, W))
    names = [row.name for row in cost.layers]
    assert names.count("relu") == 1 and {"relu:2", "relu:3", "relu:4", "conv2:2"} <= set(names)
    assert cost.macs.subs({H: size, W: size}) == torch_macs(model, (1, 4, size, size))
    assert cost.params == sum(p.numel() for p in model.parameters())
    conv2 = [row.cost for row in cost.layers if row.name.startswith("conv2")]
    assert conv2[0].memory() == conv2[1].memory()  # each call reads the weight and bias


def test_deep_conv_stack_folds_its_divisions_and_equals_flop_counter() -> None:
    model = meta(tm.conv_stack)  # 200 convolutions, stride 2 every 40: five nested divisions
    cost = symconv.from_torch(model, (1, 3, H, W))
    assert {d.args for d in cost.macs.atoms(CeilDiv)} == {(v, 2**k) for v in (H, W) for k in range(1, 5)}
    for h, w in ((224, 224), (225, 199), (97, 128)):
        assert cost.macs.subs({H: h, W: w}) == torch_macs(model, (1, 3, h, w)), (h, w)


class FourierPositions(nn.Module):
    """XCiT's position encoding: a grid built from the map's sizes, projected by a 1x1 conv and added."""

    def __init__(self) -> None:
        super().__init__()
        self.embed = nn.Conv2d(3, 8, 3, stride=2, padding=1)
        self.projection = nn.Conv2d(8, 8, 1)

    def forward(self, x):
        x = self.embed(x)
        _, _, h, w = x.shape
        y = torch.arange(1, h + 1, device=x.device).to(torch.float32).unsqueeze(1).repeat(1, 1, w)
        y = y / (y[:, -1:, :] + 1e-6)
        dims = torch.arange(4, device=x.device).to(torch.float32)
        grid = y[:, :, :, None] / dims
        grid = torch.stack([grid[:, :, :, 0::2].sin(), grid[:, :, :, 1::2].cos()], dim=4).flatten(3)
        grid = torch.cat((grid, grid), dim=3).permute(0, 3, 1, 2)
        return x + self.projection(grid).repeat(x.shape[0], 1, 1, 1)


def test_a_tensor_built_from_symbolic_sizes_is_shaped_by_them() -> None:
    model = meta(FourierPositions)
    cost = symconv.from_torch(model, (1, 3, H, W))
    for size in ((16, 16), (17, 23), (40, 9)):
        assert cost.macs.subs({H: size[0], W: size[1]}) == torch_macs(model, (1, 3, *size))
    assert cost.params == sum(p.numel() for p in model.parameters())


class DataDependentShape(nn.Module):
    """A grid of W split in two rows: its shape exists only when W is even, which the sizes do not decide."""

    def forward(self, x):
        return x + torch.zeros(x.shape[-1], device=x.device).view(2, -1)[0].sum()


def test_a_size_torch_must_decide_is_refused_not_guessed() -> None:
    with pytest.raises(NotLowerable, match=r"view on symbolic sizes (assumes .*W|cannot be computed)"):
        symconv.from_torch(DataDependentShape(), (1, 3, H, W))


@torch.fx.wrap
def windows(x, size: int):
    """Swin's window split, kept whole by fx: padded to a multiple of ``size``, then attention per window."""
    _, h, w, c = x.shape
    pad_h, pad_w = (size - h % size) % size, (size - w % size) % size
    x = nn.functional.pad(x, (0, 0, 0, pad_w, 0, pad_h))
    _, ph, pw, _ = x.shape
    x = x.view(-1, ph // size, size, pw // size, size, c).permute(0, 1, 3, 2, 4, 5).reshape(-1, size * size, c)
    x = (x @ x.transpose(1, 2)).softmax(-1) @ x
    x = x.view(-1, ph // size, pw // size, size, size, c).permute(0, 1, 3, 2, 4, 5).reshape(-1, ph, pw, c)
    return x[:, :h, :w, :]


class Windowed(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.embed = nn.Conv2d(3, 4, 2, stride=2)

    def forward(self, x):
        x = self.embed(x).permute(0, 2, 3, 1)
        return x + windows(x, 3)


def test_a_wrapped_function_is_traced_into() -> None:
    model = meta(Windowed)
    cost = symconv.from_torch(model, (1, 3, H, W))
    for size in ((12, 12), (14, 22), (31, 9)):
        assert cost.macs.subs({H: size[0], W: size[1]}) == torch_macs(model, (1, 3, *size)), size


class Normalized(nn.Module):
    def forward(self, x):
        return nn.functional.normalize(x, dim=-1).unsqueeze(1) @ x.unsqueeze(1).transpose(-2, -1)


def test_normalize_and_unsqueeze() -> None:
    model = Normalized()
    cost = symconv.from_torch(model, (2, H, 5))
    for h in (3, 8):
        assert cost.macs.subs(H, h) == torch_macs(model, (2, h, 5))


class CachedBias(nn.Module):
    """Remembers a tensor computed in ``forward`` in eval mode, as timm's LeViT does its attention biases."""

    def __init__(self) -> None:
        super().__init__()
        self.proj = nn.Linear(6, 6)
        self.table = nn.Parameter(torch.randn(6))
        self.cache: dict[str, torch.Tensor] = {}
        self.calls: list[int] = []

    def forward(self, x):
        if "bias" not in self.cache:
            self.cache["bias"] = self.table * 2
        self.calls.append(1)
        self.last = x
        return self.proj(x) + self.cache["bias"]


def test_tracing_leaves_the_model_as_it_was() -> None:
    model = CachedBias().eval()
    first = symconv.from_torch(model, (2, H, 6)).macs
    assert symconv.from_torch(model, (2, H, 6)).macs == first  # a second trace does not read the first's proxies
    assert model.cache == {} and model.calls == [] and not hasattr(model, "last")
    x = torch.randn(2, 3, 6)
    torch.testing.assert_close(model(x), model.proj(x) + model.table * 2)  # the user's own call still works
    assert first.subs(H, 3) == torch_macs(meta(CachedBias).eval(), (2, 3, 6))


class SlicedMask(nn.Module):
    """A mask built from the input's sizes and filled by slices, as shifted-window attention builds one."""

    def __init__(self, step: int = 1) -> None:
        super().__init__()
        self.step = step

    def forward(self, x):
        h, w = x.shape[-2:]
        mask = x.new_zeros((h, w))
        mask[: h - 2, 1:] = 1
        mask[..., :: self.step] = 2
        mask[-2:, 3:w] = 3.5
        return x @ (mask - mask.unsqueeze(0)).transpose(-2, -1)  # (h, w): a mask of another shape would not fit


def test_a_mask_filled_by_slices_keeps_its_shape_and_torch_refuses_what_it_refuses() -> None:
    cost = symconv.from_torch(SlicedMask(), (1, 2, H, W))
    assert cost.macs == 2 * H * W * H
    for size in ((5, 4), (9, 12)):
        assert cost.macs.subs({H: size[0], W: size[1]}) == torch_macs(SlicedMask(), (1, 2, *size))
    with pytest.raises(NotLowerable, match="step"):
        symconv.from_torch(SlicedMask(step=-1), (1, 2, H, W))
