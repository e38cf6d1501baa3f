"""The backward pass and training memory against independent references.

- compute: PyTorch ``FlopCounterMode`` around ``forward`` + ``loss.backward()`` on random
  configurations of every operator (its total must be ``2 * (forward + backward) macs``);
- exact mults/adds: the brute force (tests/bruteforce.py) performing the backward literally,
  its gradients checked against autograd's;
- saved activations: the bytes ``torch.autograd.graph.saved_tensors_hooks`` records,
  de-duplicated by storage, parameters and buffers left out.

PyTorch's ``conv_backward_flop`` (this version) forgets the groups in a grouped
convolution's weight gradient: it counts ``groups`` times the products formed. The
expected FlopCounterMode totals add that surplus, ``(groups - 1)`` times the weight-gradient
GEMMs' MACs, explicitly (:func:`torch_surplus`), and one test pins the surplus down on a
depthwise convolution where the true count is written out by hand.
"""

from __future__ import annotations

import json
import math

import bruteforce as bf
import numpy as np
import pytest
import sympy
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import symconv
from symconv import network as L  # every registered operator
from symconv.analysis import training
from symconv.core.lowering import Gemm
from symconv.core.quantities import identifier, quantity_named
from symconv.network import examples
from symconv.ops.einsum import Einsum
from symconv.ops.elementwise import Activation, Add, Multiply, ReLU
from symconv.ops.matmul import Matmul
from symconv.ops.shape import Flatten

torch = pytest.importorskip("torch")
import torch_models as tm  # noqa: E402
from autograd_reference import optimizer_step_elements, saved_bytes  # noqa: E402
from torch import nn  # noqa: E402
from torch.utils.flop_counter import FlopCounterMode  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel lengths:UserWarning")

SETTINGS = settings(max_examples=40, deadline=None)


# ------------------------------------------------------------------ references


def flop_counter_total(model: nn.Module, *shapes, input_grad: bool) -> int:
    """FlopCounterMode's total around forward and ``loss.backward()``."""
    xs = [torch.randn(s, dtype=torch.float64, requires_grad=input_grad) for s in shapes]
    with FlopCounterMode(display=False) as counter:
        out = model(*xs)
        out.sum().backward()
    return counter.get_total_flops()


def torch_surplus(step) -> sympy.Expr:
    """What this PyTorch's flop counter adds for grouped weight gradients: ``(groups - 1)`` x their MACs."""
    rows = step.layers if isinstance(step, training.NetworkTrainingCost) else ()
    pairs = [(row.cost, _groups(row.operator)) for row in rows] if rows else [(step, _groups(step.operator))]
    return sympy.Add(
        *(
            (g - 1) * st.macs
            for cost, g in pairs
            for st in cost.backward.stages
            if isinstance(st, Gemm) and st.out.name.endswith("grad_weight")
        )
    )


def _groups(operator: str) -> int:
    marker = "groups="
    if marker not in operator:
        return 1
    return int(operator.split(marker)[1].split(",")[0].rstrip(")"))


# ------------------------------------------------------------------ random convolutions


@st.composite
def conv_configs(draw):
    dims = draw(st.integers(1, 3))
    mode = draw(st.sampled_from(["dense", "grouped", "depthwise"]))
    if mode == "dense":
        c_in, c_out, g = draw(st.integers(1, 3)), draw(st.integers(1, 3)), 1
    elif mode == "grouped":
        c_in, c_out, g = 2 * draw(st.integers(1, 2)), 2 * draw(st.integers(1, 2)), 2
    else:
        c = draw(st.integers(1, 3))
        c_in, c_out, g = c, c * draw(st.integers(1, 2)), c
    transposed = draw(st.booleans())
    kernel = tuple(draw(st.lists(st.integers(1, 3), min_size=dims, max_size=dims)))
    stride = tuple(draw(st.lists(st.integers(1, 3), min_size=dims, max_size=dims)))
    dilation = tuple(draw(st.lists(st.integers(1, 2), min_size=dims, max_size=dims)))
    if transposed:
        padding = tuple(draw(st.lists(st.integers(0, 2), min_size=dims, max_size=dims)))
        output_padding = tuple(draw(st.integers(0, max(s, d) - 1)) for s, d in zip(stride, dilation))
    else:
        padding = draw(st.sampled_from(["same", "valid", 0, 1, 2]))
        if padding == "same":
            stride = (1,) * dims
        output_padding = None
    lengths = tuple(draw(st.lists(st.integers(1, 6 if dims < 3 else 4), min_size=dims, max_size=dims)))
    return dict(
        dims=dims, c_in=c_in, c_out=c_out, groups=g, transposed=transposed, kernel=kernel, stride=stride,
        dilation=dilation, padding=padding, output_padding=output_padding, lengths=lengths,
        batch=draw(st.integers(1, 2)), bias=draw(st.booleans()), input_grad=draw(st.booleans()),
    )  # fmt: skip


def _conv_pair(cfg):
    family = "ConvTranspose" if cfg["transposed"] else "Conv"
    kwargs = dict(stride=cfg["stride"], padding=cfg["padding"], dilation=cfg["dilation"], groups=cfg["groups"])
    if cfg["transposed"]:
        kwargs["output_padding"] = cfg["output_padding"]
    args = (cfg["c_in"], cfg["c_out"], cfg["kernel"])
    ours = getattr(symconv, f"{family}{cfg['dims']}d")(*args, **kwargs, bias=cfg["bias"])
    theirs = getattr(nn, f"{family}{cfg['dims']}d")(*args, **kwargs, bias=cfg["bias"]).double()
    return ours, theirs


def _valid(cfg) -> tuple | None:
    ours, theirs = _conv_pair(cfg)
    shape = (cfg["batch"], cfg["c_in"], *cfg["lengths"])
    try:
        theirs(torch.zeros(shape, dtype=torch.float64))
    except RuntimeError:
        return None
    return ours, theirs, shape


@SETTINGS
@given(conv_configs())
def test_conv_training_flops_equal_flop_counter(cfg) -> None:
    found = _valid(cfg)
    assume(found is not None)
    ours, theirs, shape = found
    grad = True if cfg["input_grad"] else "weights"
    step = ours.cost(shape, grad=grad)
    expected = flop_counter_total(theirs, shape, input_grad=cfg["input_grad"])
    assert expected == 2 * (step.macs + torch_surplus(step))
    assert step.ratio() == (2 if cfg["input_grad"] else 1)  # every GEMM of the backward has the forward's size


def test_flop_counter_counts_grouped_weight_gradients_groups_times() -> None:
    # depthwise 3x3 on 4 channels, 1x4x5x5 -> 1x4x3x3: each of 4*9 weights sums 9 products -> 324 MACs,
    # grad input 4*9 outputs... as the forward, 4*9*9 = 324 MACs; forward 324 MACs
    conv = nn.Conv2d(4, 4, 3, groups=4, bias=False).double()
    total = flop_counter_total(conv, (1, 4, 5, 5), input_grad=True)
    assert total == 2 * (324 + 324 + 4 * 324)  # PyTorch: the weight gradient counted groups (4) times
    step = symconv.Conv2d(4, 4, 3, groups=4, bias=False).cost((1, 4, 5, 5), grad=True)
    assert (step.forward.macs, step.backward.macs) == (324, 648)


def _bruteforce_gradients(cfg, x, w, dy):
    wanted = bf.Wanted(input=cfg["input_grad"], weight=True, bias=cfg["bias"])
    if cfg["transposed"]:
        window = bf.Window(cfg["stride"], cfg["padding"], cfg["dilation"], cfg["groups"])
        return bf.conv_transpose_backward(x, w, dy, window, wanted)
    pads = (
        bf.same_padding(cfg["kernel"], cfg["dilation"])
        if cfg["padding"] == "same"
        else ((0, 0),) * cfg["dims"]
        if cfg["padding"] == "valid"
        else ((cfg["padding"], cfg["padding"]),) * cfg["dims"]
    )
    return bf.conv_backward(x, w, dy, bf.Window(cfg["stride"], pads, cfg["dilation"], cfg["groups"]), wanted)


@settings(max_examples=30, deadline=None)
@given(conv_configs())
def test_conv_backward_mults_and_adds_equal_the_brute_force(cfg) -> None:
    found = _valid(cfg)
    assume(found is not None)
    ours, theirs, shape = found
    rng = np.random.default_rng(0)
    x = torch.tensor(rng.integers(-3, 4, shape), dtype=torch.float64, requires_grad=cfg["input_grad"])
    with torch.no_grad():
        theirs.weight.copy_(torch.tensor(rng.integers(-3, 4, tuple(theirs.weight.shape))))
    y = theirs(x)
    dy = torch.tensor(rng.integers(-3, 4, tuple(y.shape)), dtype=torch.float64)
    y.backward(dy)
    result = _bruteforce_gradients(cfg, x.detach().numpy().astype(int), theirs.weight.detach().numpy().astype(int),
                                   dy.numpy().astype(int))  # fmt: skip
    # the brute force computes the gradients autograd computes
    assert np.array_equal(result.grad_weight.astype(float), theirs.weight.grad.numpy())
    if cfg["input_grad"]:
        assert np.array_equal(result.grad_input.astype(float), x.grad.numpy())
    if cfg["bias"]:
        assert np.array_equal(result.grad_bias.astype(float), theirs.bias.grad.numpy())
    step = ours.cost(shape, grad=True if cfg["input_grad"] else "weights")
    assert (step.backward.mults, step.backward.adds) == (result.mults, result.adds)


@settings(max_examples=25, deadline=None)
@given(
    st.lists(st.integers(1, 3), min_size=1, max_size=3),
    st.integers(1, 4),
    st.integers(1, 4),
    st.booleans(),
    st.booleans(),
)
def test_linear_backward_against_brute_force_and_flop_counter(leading, f_in, f_out, bias, input_grad) -> None:
    shape = (*leading, f_in)
    theirs = nn.Linear(f_in, f_out, bias=bias).double()
    step = symconv.Linear(f_in, f_out, bias=bias).cost(shape, grad=True if input_grad else "weights")
    assert flop_counter_total(theirs, shape, input_grad=input_grad) == 2 * step.macs
    rng = np.random.default_rng(1)
    x = rng.integers(-3, 4, shape)
    dy = rng.integers(-3, 4, (*leading, f_out))
    result = bf.linear_backward(x, theirs.weight.detach().numpy().round().astype(int), dy,
                                grad_input=input_grad, grad_bias=bias)  # fmt: skip
    assert (step.backward.mults, step.backward.adds) == (result.mults, result.adds)
    xt = torch.tensor(x, dtype=torch.float64)
    assert np.array_equal(result.grad_weight.astype(float), (torch.tensor(dy, dtype=torch.float64).reshape(-1, f_out).T
                                                             @ xt.reshape(-1, f_in)).numpy())  # fmt: skip


@settings(max_examples=20, deadline=None)
@given(st.integers(1, 3), st.lists(st.integers(2, 7), min_size=2, max_size=2), st.integers(1, 3), st.integers(1, 3),
       st.integers(0, 1))  # fmt: skip
def test_avg_pool_backward_against_brute_force(channels, size, kernel, stride, padding) -> None:
    assume(2 * padding <= kernel and all(s + 2 * padding >= kernel for s in size))
    shape = (1, channels, *size)
    op = L.AvgPool2d(kernel, stride, padding)
    step = training.cost(op, shape)
    out_shape = op.output_shape(shape)
    dy = np.ones(out_shape, dtype=int)
    result = bf.avg_pool_backward(dy, size, (kernel, kernel), (stride, stride), (padding, padding))
    assert (step.backward.mults, step.backward.adds) == (result.mults, result.adds)
    x = torch.ones(shape, dtype=torch.float64, requires_grad=True)
    nn.AvgPool2d(kernel, stride, padding)(x).backward(torch.ones(out_shape, dtype=torch.float64))
    assert np.allclose(result.grad_input.astype(float), x.grad.numpy())


# ------------------------------------------------------------------ layers without a GEMM, and saved tensors

LAYERS = {
    "relu": (ReLU(), nn.ReLU(), (2, 3, 4, 4)),
    "silu": (Activation("SiLU"), nn.SiLU(), (2, 3, 4, 4)),
    "batchnorm": (L.BatchNorm2d(3), nn.BatchNorm2d(3), (2, 3, 4, 4)),
    "maxpool": (L.MaxPool2d(3, 2, 1), nn.MaxPool2d(3, 2, 1), (2, 3, 7, 7)),
    "avgpool": (L.AvgPool2d(2), nn.AvgPool2d(2), (2, 3, 6, 6)),
    "adaptive-global": (L.AdaptiveAvgPool2d(1), nn.AdaptiveAvgPool2d(1), (2, 3, 5, 5)),
    "adaptive": (L.AdaptiveAvgPool2d(2), nn.AdaptiveAvgPool2d(2), (2, 3, 5, 5)),
    "flatten": (Flatten(), nn.Flatten(), (2, 3, 4, 4)),
    "conv": (symconv.Conv2d(3, 4, 3, padding=1), nn.Conv2d(3, 4, 3, padding=1), (2, 3, 5, 5)),
    "depthwise": (symconv.Conv2d(3, 3, 3, groups=3), nn.Conv2d(3, 3, 3, groups=3), (2, 3, 5, 5)),
    "conv-transpose": (symconv.ConvTranspose2d(3, 2, 3, 2), nn.ConvTranspose2d(3, 2, 3, 2), (2, 3, 4, 4)),
    "linear": (symconv.Linear(5, 4), nn.Linear(5, 4), (2, 3, 5)),
    "layernorm": (L.LayerNorm((4,)), nn.LayerNorm(4), (2, 3, 4)),
    "groupnorm": (L.GroupNorm(2, 4), nn.GroupNorm(2, 4), (2, 4, 3, 3)),
    "upsample-nearest": (L.Upsample(scale_factor=2), nn.Upsample(scale_factor=2), (2, 3, 4, 4)),
    "upsample-bilinear": (
        L.Upsample(scale_factor=2, mode="bilinear"),
        nn.Upsample(scale_factor=2, mode="bilinear"),
        (2, 3, 4, 4),
    ),
}


class _Binary(nn.Module):
    def __init__(self, fn) -> None:
        super().__init__()
        self.fn = fn

    def forward(self, a, b):
        return self.fn(a, b)


MERGES = {
    "add": (Add(), _Binary(torch.add), ((2, 3, 4), (2, 3, 4))),
    "mul": (Multiply(), _Binary(torch.mul), ((2, 3, 4), (2, 3, 4))),
    "matmul": (Matmul(), _Binary(torch.matmul), ((2, 3, 4), (2, 4, 5))),
    "matmul-broadcast": (Matmul(), _Binary(torch.matmul), ((2, 3, 4), (4, 5))),
    "bmm-broadcast": (Matmul(), _Binary(torch.matmul), ((2, 3, 4), (1, 4, 5))),
    "einsum-heads": (
        Einsum("bhid,bhjd->bhij"),
        _Binary(lambda a, b: torch.einsum("bhid,bhjd->bhij", a, b)),
        ((1, 2, 5, 8), (1, 2, 7, 8)),
    ),
    "einsum-matrix": (Einsum("ij,jk->ik"), _Binary(lambda a, b: torch.einsum("ij,jk->ik", a, b)), ((3, 4), (4, 6))),
}


@pytest.mark.parametrize("name", sorted(LAYERS))
@pytest.mark.parametrize("input_grad", [True, False])
def test_layer_flops_and_saved_bytes(name, input_grad) -> None:
    ours, theirs, shape = LAYERS[name]
    theirs = theirs.double().train()
    has_params = any(True for _ in theirs.parameters())
    grad = True if input_grad else ("weights" if has_params else False)
    step = training.cost(ours, shape, grad=grad)
    if grad is False:
        assert step.backward.ops == 0 and step.saved == ()
        return
    assert flop_counter_total(theirs, shape, input_grad=input_grad) == 2 * (step.macs + torch_surplus(step))
    x = torch.randn(shape, dtype=torch.float64, requires_grad=input_grad)
    assert saved_bytes(theirs, x) == training.training_memory(step, element_size=8).activations


@pytest.mark.parametrize("name", sorted(MERGES))
def test_merge_flops_and_saved_bytes(name) -> None:
    ours, theirs, shapes = MERGES[name]
    step = training.cost(ours, *shapes)
    assert flop_counter_total(theirs, *shapes, input_grad=True) == 2 * step.macs
    xs = [torch.randn(s, dtype=torch.float64, requires_grad=True) for s in shapes]
    assert saved_bytes(theirs, *xs) == training.training_memory(step, element_size=8).activations


def test_relu_backward_counts_nothing_and_batchnorm_is_written_out() -> None:
    assert training.cost(ReLU(), (2, 3)).backward.ops == 0
    # M = 2*4*4 = 32 per channel, 3 channels, 96 elements: reductions 2*3*31, (x-mean)*dY 96+96,
    # dX 96*(2+3), per channel 3*4 mults, grad weight 3 mults
    step = training.cost(L.BatchNorm2d(3), (2, 3, 4, 4))
    assert step.backward.adds == 2 * 3 * 31 + 96 + 3 * 96
    assert step.backward.mults == 96 + 2 * 96 + 3 * 4 + 3


# ------------------------------------------------------------------ networks


def _meta(factory, *args) -> nn.Module:
    with torch.device("meta"):
        return factory(*args).train()


MODELS = tm.MODELS


@pytest.mark.parametrize("name", sorted(MODELS))
def test_models_training_flops_equal_flop_counter(name) -> None:
    model = _meta(MODELS[name])
    size = 64
    step = symconv.from_torch(model, (2, 3, size, size), grad=True)
    x = torch.empty((2, 3, size, size), device="meta")
    with FlopCounterMode(display=False) as counter:
        model(x).sum().backward()
    assert counter.get_total_flops() == 2 * (step.macs + torch_surplus(step))


def test_frozen_parameters_skip_their_gradients() -> None:
    model = nn.Sequential(nn.Conv2d(3, 8, 3), nn.ReLU(), nn.Conv2d(8, 8, 3), nn.ReLU(), nn.Conv2d(8, 4, 3)).double()
    for p in model[0].parameters():
        p.requires_grad_(False)
    model[2].bias.requires_grad_(False)
    step = symconv.from_torch(model, (1, 3, 12, 12), grad=True)
    conv0, _, conv2, _, conv4 = step.layers
    assert conv0.cost.backward.ops == 0  # frozen and first: no backward at all
    assert conv2.needs.inputs == (False,) and conv2.needs.params == {"weight"}
    assert conv4.needs.inputs == (True,)
    assert flop_counter_total(model, (1, 3, 12, 12), input_grad=False) == 2 * step.macs
    assert step.trainable == sum(p.numel() for p in model.parameters() if p.requires_grad)
    x = torch.randn((1, 3, 12, 12), dtype=torch.float64)
    assert saved_bytes(model, x) == training.training_memory(step, element_size=8).activations


def _mobilenet_v2_without_dropout() -> nn.Module:
    model = tm.MobileNetV2()
    model.classifier[0].p = 0.0  # symconv reads dropout as the identity; with p = 0 PyTorch runs it as one too
    return model


class _HeadsAttention(nn.Module):
    """timm's attention: ``q``, ``k``, ``v`` permuted views of one ``qkv`` projection, whose batch dimensions
    do not merge: ``k^T`` and ``v`` are copied compactly for the batched matmuls, and autograd keeps the copies."""

    def __init__(self, width: int = 16, heads: int = 2) -> None:
        super().__init__()
        self.heads = heads
        self.patches = nn.Conv2d(3, width, 4, stride=4)
        self.qkv, self.proj = nn.Linear(width, 3 * width), nn.Linear(width, width)

    def forward(self, x):
        x = self.patches(x).flatten(2).transpose(1, 2)
        n, length, width = x.shape
        qkv = self.qkv(x).reshape(n, length, 3, self.heads, width // self.heads).permute(2, 0, 3, 1, 4)
        q, k, v = qkv.unbind(0)
        attention = ((q * 0.5) @ k.transpose(-2, -1)).softmax(dim=-1)
        return self.proj((attention @ v).transpose(1, 2).reshape(n, length, width))


def _standardised_convs() -> nn.Module:
    return nn.Sequential(tm.StandardisedConv(3, 8, 3), nn.ReLU(), tm.StandardisedConv(8, 4, 3, padding=1))


SAVED_MODELS = {
    "heads_attention": (_HeadsAttention, 16),
    "standardised_convs": (_standardised_convs, 16),
    "resnet50": (tm.resnet50, 32),
    "fasternet_block": (tm.fasternet_block_net, 32),
    "mobilenet_v1": (tm.mobilenet_v1, 32),
    "mobilenet_v2": (_mobilenet_v2_without_dropout, 32),
}


@pytest.mark.parametrize("name", sorted(SAVED_MODELS))
def test_models_saved_activations_equal_autograd(name) -> None:
    factory, size = SAVED_MODELS[name]
    model = factory().train()
    step = symconv.from_torch(model, (2, 3, size, size), grad=True)
    x = torch.randn((2, 3, size, size))
    assert saved_bytes(model, x) == training.training_memory(step, element_size=4).activations


def test_symbolic_network_memory_is_a_closed_form_in_batch_resolution_and_width() -> None:
    from symconv.symbols import N, alpha, rho

    step = training.network_cost(examples.mobilenet_v1(alpha, 224 * rho, batch=N))
    memory = training.training_memory(step, optimizer="sgd-momentum", element_size=4)
    concrete = training.network_cost(examples.mobilenet_v1(1, 224, batch=2))
    assert (
        memory.peak.subs({alpha: 1, rho: 1, N: 2})
        == training.training_memory(concrete, optimizer="sgd-momentum", element_size=4).peak
    )
    assert memory.optimizer_state == memory.gradients == memory.parameters  # every parameter trained
    assert sympy.degree(sympy.expand(memory.activations), N) == 1


@pytest.mark.parametrize(
    ("kernel", "stride", "padding", "dilation"),
    [(2, 1, "same", 1), (3, 1, "same", 2), (4, 1, "same", 1), (3, 2, 1, 1), (3, 3, 0, 1), (5, 2, 2, 2), (1, 2, 0, 1)],
)
def test_symbolic_conv_backward_equals_its_integer_evaluation(kernel, stride, padding, dilation) -> None:
    from symconv.symbols import H, W

    conv = symconv.Conv2d(2, 3, kernel, stride, padding, dilation, bias=True)
    symbolic = conv.cost((1, 2, H, W), grad=True)
    pool_ok = padding != "same" and 2 * padding <= kernel and dilation == 1
    pool = L.AvgPool2d(kernel, stride, padding) if pool_ok else None
    for h, w in ((9, 11), (10, 12), (13, 8)):
        concrete = conv.cost((1, 2, h, w), grad=True)  # integer counts: checked against the brute force above
        assert symbolic.backward.ops.subs({H: h, W: w}) == concrete.backward.ops
        if pool is not None:
            assert (
                training.cost(pool, (1, 2, H, W)).backward.ops.subs({H: h, W: w})
                == training.cost(pool, (1, 2, h, w)).backward.ops
            )


def test_backward_derivations_are_checked_and_say_what_the_issue_asks() -> None:
    from symconv.analysis import backward_derivations
    from symconv.symbols import C_in, C_out, H, K, N, W, g, p, s

    found = backward_derivations.builtin()
    conv = symconv.Conv2d(C_in, C_out, K, stride=s, padding=p, groups=g, bias=False)
    assert sympy.simplify(found["backward-conv"].result - 2 * conv.cost((N, C_in, H, W)).macs) == 0
    for slug in ("backward-conv-is-transposed-conv", "backward-conv-transpose-is-conv"):
        d = found[slug]
        assert d.convention == "ops" and d.holds(d.conclusion, d.result)


EXAMPLES = {
    "mobilenet_v1": (lambda: examples.mobilenet_v1(1, 64, batch=2), lambda: tm.mobilenet_v1(), (2, 3, 64, 64)),
    "resnet_stage": (
        lambda: examples.resnet_stage(64, 64, 2, stride=2, resolution=16, batch=2),
        lambda: nn.Sequential(tm.Bottleneck(64, 64, 2), tm.Bottleneck(256, 64, 1)),
        (2, 64, 16, 16),
    ),
}


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_example_networks_training_flops_equal_flop_counter(name) -> None:
    ours, theirs, shape = EXAMPLES[name]
    step = training.network_cost(ours())
    model = _meta(theirs)
    with FlopCounterMode(display=False) as counter:
        model(torch.empty(shape, device="meta")).sum().backward()
    assert counter.get_total_flops() == 2 * (step.macs + torch_surplus(step))
    x = torch.randn(shape)
    assert saved_bytes(theirs().train(), x) == training.training_memory(step, element_size=4).activations


COMPOSITES = {
    "dwconv": (
        symconv.DepthwiseSeparableConv2d(4, 6, 3, padding=1, bias=True),
        lambda: nn.Sequential(nn.Conv2d(4, 4, 3, padding=1, groups=4), nn.Conv2d(4, 6, 1)),
        (2, 4, 6, 6),
    ),
    "dwconv-fused": (
        symconv.DepthwiseSeparableConv2d(4, 8, 3, stride=2, padding=1, depth_multiplier=2, bias=False, fused=True),
        lambda: nn.Sequential(nn.Conv2d(4, 8, 3, 2, 1, groups=4, bias=False), nn.Conv2d(8, 8, 1, bias=False)),
        (1, 4, 7, 7),
    ),
    "sequential": (
        symconv.Sequential(symconv.Conv2d(3, 4, 3), symconv.Conv2d(4, 2, 1, bias=False)),
        lambda: nn.Sequential(nn.Conv2d(3, 4, 3), nn.Conv2d(4, 2, 1, bias=False)),
        (2, 3, 6, 6),
    ),
    "pconv": (symconv.PartialConv2d(8, 3, forward="split_cat"), lambda: tm.PConv(8), (2, 8, 5, 5)),
}


@pytest.mark.parametrize("name", sorted(COMPOSITES))
@pytest.mark.parametrize("input_grad", [True, False])
def test_composite_training_flops_and_saved_bytes(name, input_grad) -> None:
    ours, theirs, shape = COMPOSITES[name]
    model = theirs().double().train()
    step = training.cost(ours, shape, grad=True if input_grad else "weights")
    assert flop_counter_total(model, shape, input_grad=input_grad) == 2 * (step.macs + _composite_surplus(ours, step))
    x = torch.randn(shape, dtype=torch.float64, requires_grad=input_grad)
    assert saved_bytes(model, x) == training.training_memory(step, element_size=8).activations


def _composite_surplus(op, step) -> sympy.Expr:
    """The flop counter's grouped weight-gradient surplus, for the depthwise part of a composite."""
    groups = {"depthwise.": op.chain.parts[0][1].groups} if isinstance(op, symconv.DepthwiseSeparableConv2d) else {}
    return sympy.Add(
        *(
            (g - 1) * st.macs
            for prefix, g in groups.items()
            for st in step.backward.stages
            if isinstance(st, Gemm) and st.out.name == f"{prefix}grad_weight"
        )
    )


def test_composites_take_grad_like_every_operator() -> None:
    from symconv.symbols import C_in, C_out, H, K, W

    dw = symconv.DepthwiseSeparableConv2d(C_in, C_out, K, padding="same", bias=False)
    step = dw.cost((1, C_in, H, W), grad="weights")
    # a first layer: the depthwise part skips grad input, the pointwise part's input needs one
    assert sympy.expand(step.backward.macs - (C_in * K**2 * H * W + 2 * C_in * C_out * H * W)) == 0


# ------------------------------------------------------------------ generated training functions


TRAINING_NAMES = ("flops", "training:flops", "backward:flops", "grad-input:flops", "grad-params:flops", "saved",
                  "trainable", "training-memory:adam", "training-memory:sgd-momentum")  # fmt: skip
CONV_SPECS = ("conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d", "linear")


@pytest.fixture(scope="module")
def generated() -> dict:
    """The built-in specs' training functions, with the input's gradient (True) and without ('weights')."""
    from symconv.codegen import python_module
    from symconv.codegen.specs import builtin_specs

    specs = builtin_specs()
    modules = {}
    for grad in (True, "weights"):
        namespace: dict = {}
        exec(python_module({k: specs[k] for k in CONV_SPECS}, TRAINING_NAMES, grad=grad), namespace)
        modules[grad] = namespace
    return modules


def flop_counter_forward(model: nn.Module, shape) -> int:
    with FlopCounterMode(display=False) as counter:
        model(torch.randn(shape, dtype=torch.float64))
    return counter.get_total_flops()


def _call(function, cfg, shape):
    names = {"length": shape[2:], "depth": shape[-3:-2], "height": shape[-2:-1], "width": shape[-1:]}
    given = dict(in_channels=cfg["c_in"], out_channels=cfg["c_out"], kernel_size=cfg["kernel"], stride=cfg["stride"],
                 padding=cfg["padding"], dilation=cfg["dilation"], groups=cfg["groups"], bias=cfg["bias"],
                 batch=shape[0], output_padding=cfg["output_padding"])  # fmt: skip
    if cfg["dims"] == 1:  # one axis: plain ints
        given = {k: v[0] if isinstance(v, tuple) else v for k, v in given.items()} | {"length": shape[2]}
    else:
        given |= {axis: names[axis][0] for axis in ("depth", "height", "width")[3 - cfg["dims"] :]}
    accepted = function.__code__.co_varnames[: function.__code__.co_argcount]
    return function(**{k: v for k, v in given.items() if k in accepted})


@settings(max_examples=25, deadline=None)
@given(conv_configs())
def test_generated_training_functions_equal_flop_counter_autograd_and_the_symbolic_values(generated, cfg) -> None:
    assume(not isinstance(cfg["padding"], str))
    found = _valid(cfg)
    assume(found is not None)
    ours, theirs, shape = found
    grad = True if cfg["input_grad"] else "weights"
    prefix = f"conv{'_transpose' if cfg['transposed'] else ''}{cfg['dims']}d_"
    got = {name: _call(generated[grad][prefix + identifier(name)], cfg, shape) for name in TRAINING_NAMES}
    step = ours.cost(shape, grad=grad)
    assert got == {name: quantity_named(name).of(step) for name in TRAINING_NAMES}  # the symbolic values
    # FlopCounterMode: forward alone; + parameter gradients; + input gradient. This PyTorch counts a
    # grouped weight gradient `groups` times (see test_flop_counter_counts_grouped_weight_gradients_groups_times).
    forward = flop_counter_forward(theirs, shape)
    weights = flop_counter_total(theirs, shape, input_grad=False)
    assert got["flops"] == forward
    assert weights - forward == cfg["groups"] * got["grad-params:flops"]
    if cfg["input_grad"]:
        assert flop_counter_total(theirs, shape, input_grad=True) - weights == got["grad-input:flops"]
    else:
        assert got["grad-input:flops"] == 0
    assert got["training:flops"] == forward + got["backward:flops"]
    assert got["backward:flops"] == got["grad-input:flops"] + got["grad-params:flops"]
    # autograd's saved tensors and a real optimizer step's buffers
    x = torch.randn(shape, dtype=torch.float64, requires_grad=cfg["input_grad"])
    assert 8 * got["saved"] == saved_bytes(theirs, x)
    assert got["trainable"] == sum(p.numel() for p in theirs.parameters())
    for optimizer in ("adam", "sgd-momentum"):
        expected = optimizer_step_elements(theirs, shape, optimizer, cfg["input_grad"])
        assert got[f"training-memory:{optimizer}"] == expected, optimizer


@settings(max_examples=15, deadline=None)
@given(st.integers(1, 3), st.integers(1, 4), st.integers(1, 4), st.booleans(), st.booleans())
def test_generated_linear_training_functions(generated, batch, f_in, f_out, bias, input_grad) -> None:
    grad = True if input_grad else "weights"
    theirs = nn.Linear(f_in, f_out, bias=bias).double()
    got = {
        name: generated[grad][f"linear_{identifier(name)}"](
            in_features=f_in, out_features=f_out, bias=bias, batch=batch
        )
        for name in TRAINING_NAMES
    }
    total = flop_counter_total(theirs, (batch, f_in), input_grad=input_grad)
    assert got["training:flops"] == total
    x = torch.randn((batch, f_in), dtype=torch.float64, requires_grad=input_grad)
    assert 8 * got["saved"] == saved_bytes(theirs, x)
    assert got["training-memory:adam"] == optimizer_step_elements(theirs, (batch, f_in), "adam", input_grad)


def test_training_quantities_through_the_table_and_the_query() -> None:
    from symconv.latex.tables import build, cell
    from symconv.symbols import C_in

    conv = symconv.Conv2d(2, 3, 3, bias=False)
    theirs = nn.Conv2d(2, 3, 3, bias=False).double()
    shape = (1, 2, 5, 5)
    # FlopCounterMode: forward 2*(3*18*9) = 972, grad input and grad weight the same each
    assert flop_counter_total(theirs, shape, input_grad=True) == 3 * 972
    table = build({"conv": conv.cost(shape, grad=True)}, ["flops", "backward:flops", "training:flops", "saved"])
    assert [c for c in table.rows[0].cells] == [cell(sympy.Integer(v), 3, exact=True) for v in (972, 1944, 2916, 50)]
    assert table.columns[1].header == ("FLOPs", "backward")
    symbolic = symconv.Conv2d(C_in, 3, 3, bias=False).cost((1, C_in, 5, 5), grad=True)
    at = build({"conv": symbolic}, ["grad-input:flops", "training-memory:sgd"], values={"C_in": 2})
    # grad input 972 FLOPs; 54 weights, 54 gradients and the 50 saved input elements
    assert [c for c in at.rows[0].cells] == [cell(sympy.Integer(v), 3, exact=False) for v in (972, 158)]
    assert symconv.quantity(conv, "training:flops", input_shape=shape) == 2916  # an operator: costed with grad=True
    assert symconv.quantity(conv.cost(shape, grad="weights"), "training:flops") == 1944
    with pytest.raises(symconv.SymconvError, match="training step"):
        symconv.quantity(conv.cost(shape), "backward:flops")


def test_cli_grad_on_cost_table_and_codegen() -> None:
    from cli_runner import in_process

    conv = ["conv2d", "--in-channels", "C_in", "--out-channels", "C_out", "--kernel-size", "3", "--stride", "2"]
    theirs = nn.Conv2d(2, 3, 3, stride=2).double()
    shape = (2, 2, 7, 6)
    first, middle = (flop_counter_total(theirs, shape, input_grad=g) for g in (False, True))
    generated = in_process("codegen", *conv, "--input", "N,C_in,H,W", "--grad", "weights", "--quantity",
                           "training:flops", "--quantity", "saved", "--name", "c")  # fmt: skip
    assert generated.returncode == 0, generated.stderr
    namespace: dict = {}
    exec(generated.stdout, namespace)
    at = dict(C_in=2, C_out=3, N=2, H=7, W=6)
    assert namespace["c_training_flops"](**at) == first
    assert 8 * namespace["c_saved"](**at) == saved_bytes(theirs, torch.randn(shape, dtype=torch.float64))
    report = in_process("cost", *conv, "--input", "N,C_in,H,W", "--grad", "--format", "json")
    assert report.returncode == 0, report.stderr
    assert _at_point(json.loads(report.stdout)["training:macs"], at) * 2 == middle
    table = in_process("table", *conv, "--input", "2,2,7,6", "--quantities", "training:flops,grad-input:flops",
                       "--grad", "--fragment", "--given", "C_in=2", "--given", "C_out=3")  # fmt: skip
    assert table.returncode == 0, table.stderr
    assert f"{{{middle}}}" in table.stdout and f"{{{middle - first}}}" in table.stdout
    refused = in_process("cost", *conv, "--input", "N,C_in,H,W", "--grad", "inputs")
    assert refused.returncode != 0 and "--grad" in refused.stderr


def _at_point(text: str, values: dict) -> int:
    expr = sympy.sympify(text, locals={name: sympy.Symbol(name) for name in values})
    return int(expr.subs({sympy.Symbol(name): v for name, v in values.items()}))


# ------------------------------------------------------------------ batch norm's training-mode forward


@settings(max_examples=20, deadline=None)
@given(st.integers(1, 3), st.integers(1, 3), st.lists(st.integers(1, 3), min_size=0, max_size=3), st.booleans())
def test_batchnorm_training_forward_statistics_equal_the_brute_force(batch, channels, spatial, affine) -> None:
    shape = (batch, channels, *spatial)
    assume(batch * math.prod(spatial) > 1)  # PyTorch: more than one value per channel in training
    dims = max(len(spatial), 1)
    theirs = getattr(nn, f"BatchNorm{dims}d")(channels, affine=affine).double().train()
    rng = np.random.default_rng(2)
    with torch.no_grad():
        theirs.running_mean.copy_(torch.tensor(rng.normal(size=channels)))
        theirs.running_var.copy_(torch.tensor(rng.uniform(0.5, 2, size=channels)))
        if affine:
            theirs.weight.copy_(torch.tensor(rng.normal(size=channels)))
            theirs.bias.copy_(torch.tensor(rng.normal(size=channels)))
    x = rng.normal(size=shape)
    weight, bias = (t.detach().numpy() if affine else None for t in (theirs.weight, theirs.bias))
    result = bf.batch_norm_train(x, weight, bias, theirs.running_mean.numpy().copy(), theirs.running_var.numpy().copy(),
                                 theirs.momentum, theirs.eps)  # fmt: skip
    with FlopCounterMode(display=False) as counter:
        y = theirs(torch.tensor(x))
    # the brute force computes what PyTorch computes: the output and both running statistics
    np.testing.assert_allclose(result.output.astype(float), y.detach().numpy(), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(result.running_mean.astype(float), theirs.running_mean.numpy(), rtol=1e-12)
    np.testing.assert_allclose(result.running_var.astype(float), theirs.running_var.numpy(), rtol=1e-12)
    ours = getattr(L, f"BatchNorm{dims}d")(channels, affine=affine)
    forward = training.cost(ours, shape).forward
    assert (forward.mults, forward.adds) == (result.mults, result.adds)
    assert forward.macs == 0 == counter.get_total_flops()  # no GEMM: FlopCounterMode counts none either


def test_batchnorm_statistics_reach_networks_and_composites() -> None:
    from symconv.symbols import C, H, N, W

    inference = L.BatchNorm2d(C).cost((N, C, H, W))
    step = training.cost(L.BatchNorm2d(C), (N, C, H, W))
    # per element: a subtraction and a square; per channel two sums of N*H*W - 1, 10 mults and 4 adds
    assert sympy.expand(step.forward.mults - inference.mults - (N * C * H * W + 10 * C)) == 0
    assert sympy.expand(step.forward.adds - inference.adds - (N * C * H * W + 2 * C * (N * H * W - 1) + 4 * C)) == 0
    block = symconv.Sequential(("conv", symconv.Conv2d(C, C, 3, padding=1)), ("bn", L.BatchNorm2d(C)))
    assert sympy.expand(training.cost(block, (N, C, H, W)).forward.mults - block.cost((N, C, H, W)).mults
                        - (N * C * H * W + 10 * C)) == 0  # fmt: skip


@settings(max_examples=40, deadline=None)
@given(conv_configs())
def test_conv_transpose_backward_reads_exactly_the_positions_of_dy_its_columns_hold(cfg) -> None:
    assume(cfg["transposed"])
    found = _valid(cfg)
    assume(found is not None)
    ours, theirs, shape = found
    out = theirs(torch.zeros(shape, dtype=torch.float64)).shape[2:]
    per_axis = []  # dY position i*s - p + k*d for every input position i and tap k, inside dY
    for length, o, k, s, d, p in zip(shape[2:], out, cfg["kernel"], cfg["stride"], cfg["dilation"], cfg["padding"]):
        per_axis.append({i * s - p + t * d for i in range(length) for t in range(k)} & set(range(o)))
    expected = cfg["batch"] * cfg["c_out"] * math.prod(len(positions) for positions in per_axis)
    (im2col,) = [st for st in ours.cost(shape, grad="weights").backward.stages if type(st).__name__ == "Im2col"]
    assert im2col.touched == expected


# ------------------------------------------------------------------ attention


@settings(max_examples=15, deadline=None)
@given(st.lists(st.integers(1, 3), min_size=1, max_size=3), st.integers(1, 5))
def test_softmax_backward_equals_the_brute_force(leading, length) -> None:
    shape = (*leading, length)
    x = torch.randn(shape, dtype=torch.float64, requires_grad=True)
    y = torch.softmax(x, -1)
    dy = torch.randn(shape, dtype=torch.float64)
    y.backward(dy)
    result = bf.softmax_backward(y.detach().numpy(), dy.numpy())
    np.testing.assert_allclose(result.grad_input.astype(float), x.grad.numpy(), rtol=1e-9, atol=1e-12)
    step = training.cost(L.Softmax(-1), shape)
    assert (step.backward.mults, step.backward.adds) == (result.mults, result.adds)
    assert step.saved == (training.SavedTensor("output", repr(L.Softmax(-1)), y.numel()),)  # softmax keeps its output


class _Attention(nn.Module):
    def __init__(self, embed: int, heads: int) -> None:
        super().__init__()
        self.heads = heads
        self.qkv, self.out = nn.Linear(embed, 3 * embed), nn.Linear(embed, embed)

    def forward(self, x):
        n, length, embed = x.shape
        q, k, v = self.qkv(x).reshape(n, length, 3, self.heads, embed // self.heads).permute(2, 0, 3, 1, 4).unbind(0)
        attended = nn.functional.scaled_dot_product_attention(q, k, v)
        return self.out(attended.transpose(1, 2).reshape(n, length, embed))


class _Block(nn.Module):
    def __init__(self, embed: int, heads: int) -> None:
        super().__init__()
        self.attention = nn.MultiheadAttention(embed, heads, batch_first=True)
        self.head = nn.Linear(embed, 2)

    def forward(self, x):
        return self.head(self.attention(x, x, x, need_weights=False)[0].softmax(-1))


@settings(max_examples=8, deadline=None)
@given(st.integers(1, 2), st.integers(1, 5), st.integers(1, 3), st.integers(1, 3), st.booleans())
def test_attention_training_flops_equal_flop_counter(batch, length, heads, width, module) -> None:
    embed = heads * width
    model = _meta(_Block if module else _Attention, embed, heads)
    step = symconv.from_torch(model, (batch, length, embed), grad=True)
    # on the meta device PyTorch runs attention as its math (bmm, softmax, bmm) and counts each bmm's backward
    with FlopCounterMode(display=False) as counter:
        model(torch.randn(batch, length, embed, device="meta")).sum().backward()
    assert counter.get_total_flops() == 2 * step.macs
    # written out: the input projection (3 E^2 per token) is a first layer (backward = forward); the two
    # attention GEMMs (A each) and the output projection (E^2) are not (backward = 2 x forward); the head (2 E)
    attention, tokens = batch * heads * length * length * width, batch * length
    head = 3 * tokens * embed * 2 if module else 0
    assert step.macs == 2 * 3 * tokens * embed**2 + 3 * 2 * attention + 3 * tokens * embed**2 + head


def _saved_by_backend(model: nn.Module, x, backend) -> int:
    from torch.nn.attention import sdpa_kernel

    with sdpa_kernel(backend):
        return saved_bytes(model, x)


@pytest.mark.parametrize(("heads", "width", "length"), [(1, 4, 5), (2, 3, 7)])
def test_attention_saved_bytes_are_the_math_backends(heads, width, length) -> None:
    from torch.nn.attention import SDPBackend

    embed, batch = heads * width, 2
    model = _Block(embed, heads).double().train()
    x = torch.randn(batch, length, embed, dtype=torch.float64)
    step = symconv.from_torch(model, (batch, length, embed), grad=True)
    math_bytes = _saved_by_backend(model, x, SDPBackend.MATH)
    # the math backend keeps q and k^T scaled by sqrt(scale), v (a view of the projection) and the L x L weights
    assert math_bytes == training.training_memory(step, element_size=8).activations
    # the flash kernel keeps q, k, v (views of the projection), its output (laid out (N, L, heads, d): the storage
    # out_proj reads, kept by both) and one log-sum-exp per query row: not the scaled q, k and the weights
    per_head = batch * heads * length * width
    weights, log_sum_exp = batch * heads * length * length, batch * heads * length
    flash_bytes = _saved_by_backend(model, x, SDPBackend.FLASH_ATTENTION)
    assert math_bytes - flash_bytes == 8 * (2 * per_head + weights - log_sum_exp)


@settings(max_examples=15, deadline=None)
@given(st.lists(st.integers(1, 3), min_size=1, max_size=2), st.integers(2, 5), st.booleans(), st.booleans())
def test_layer_norm_backward_equals_the_brute_force(leading, features, affine, input_grad) -> None:
    shape = (*leading, features)
    theirs = nn.LayerNorm(features, elementwise_affine=affine).double().train()
    rng = np.random.default_rng(3)
    if affine:
        with torch.no_grad():
            theirs.weight.copy_(torch.tensor(rng.normal(size=features)))
    x = torch.tensor(rng.normal(size=shape), requires_grad=input_grad)
    dy = rng.normal(size=shape)
    if not (input_grad or affine):
        return
    theirs(x).backward(torch.tensor(dy))
    weight = theirs.weight.detach().numpy() if affine else None
    result = bf.layer_norm_backward(x.detach().numpy(), dy, weight, theirs.eps, grad_input=input_grad)
    # the brute force computes the gradients autograd computes
    if input_grad:
        np.testing.assert_allclose(result.grad_input, x.grad.numpy(), rtol=1e-9, atol=1e-12)
    if affine:
        np.testing.assert_allclose(result.grad_weight, theirs.weight.grad.numpy(), rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(result.grad_bias, theirs.bias.grad.numpy(), rtol=1e-9, atol=1e-12)
    ours = L.LayerNorm((features,), elementwise_affine=affine)
    step = training.cost(ours, shape, grad=True if input_grad else "weights")
    assert (step.backward.mults, step.backward.adds) == (result.mults, result.adds)
