"""The model zoo: real torchvision and timm models with random weights, checked against PyTorch itself.

Shared by ``tests/test_zoo.py`` (a subset) and ``benchmarks/bench_zoo.py`` (all of it).
Models are built on the meta device (shapes only: nothing is initialised, nothing is
downloaded: ``weights=None`` / ``pretrained=False``). A model is *exact* when the one
symbolic expression of ``from_torch(model, (1, 3, H, W))``, substituted at each of its
resolutions, equals ``FlopCounterMode`` total / 2 there, and its params equal the sum of
``numel`` over the model's (unique) parameters.

torchvision's wheel built for CUDA registers fake kernels for ``torchvision::nms`` and
``torchvision::qnms`` at import, which fails beside a CPU-only torch ("operator
torchvision::nms does not exist"): :func:`import_torchvision` declares the two schemas
first when torch lacks them (no kernel is needed; no model here calls them). timm
imports torchvision: call it before ``import timm``.
"""

from __future__ import annotations

import importlib
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType

import sympy
import torch
from torch import nn
from torch.nn.attention import SDPBackend, sdpa_kernel
from torch.utils.flop_counter import FlopCounterMode

import symconv
from symconv.errors import SymconvError
from symconv.symbols import H, W

_SCHEMAS = (
    "nms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor",
    "qnms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor",
)
_LIBRARIES: list[torch.library.Library] = []  # kept alive: dropping a Library removes its definitions


def import_torchvision() -> ModuleType:
    """``import torchvision``; for a torchvision built against another torch, its detection operators' schemas first.

    A matching pair (as ``test.sh`` installs) imports plainly. A mismatched one fails to load its C++
    operators ("operator torchvision::nms does not exist"); declaring their schemas lets the Python
    models import, which is all the zoo needs.
    """
    try:
        return importlib.import_module("torchvision")
    except RuntimeError as error:
        if "torchvision::nms" not in str(error):
            raise
    for name in [m for m in sys.modules if m == "torchvision" or m.startswith("torchvision.")]:
        del sys.modules[name]
    library = torch.library.Library("torchvision", "DEF")
    for schema in _SCHEMAS:
        library.define(schema)
    _LIBRARIES.append(library)
    return importlib.import_module("torchvision")


SQUARE = ((160, 160), (193, 161), (224, 256))  # one odd resolution, one non-square
FIXED = ((224, 224),)  # models whose positional embedding or windows fix the input size


@dataclass(frozen=True)
class Model:
    """One zoo model: ``source`` is ``torchvision`` (a ``get_model`` name) or ``timm`` (a ``create_model`` name)."""

    family: str
    source: str
    name: str
    sizes: tuple[tuple[int, int], ...] = SQUARE
    depth: int = 2  # 3 for video: input (1, 3, 8, H, W)
    kwargs: tuple[tuple[str, object], ...] = ()
    multiple: int = 1  # the model accepts multiples of this only: costed on (multiple*H, multiple*W)
    least: int = 1  # the model branches on sizes below this: costed on (least - 1 + H, least - 1 + W)
    size_range: tuple[int, int] | None = None  # the model branches on its sizes: costed for H, W in this range only

    @property
    def id(self) -> str:
        return f"{self.source}:{self.name}"

    def build(self) -> nn.Module:
        """The model with random weights, on the meta device (on the CPU if its constructor reads a tensor)."""
        try:
            with torch.device("meta"):
                return self._construct().eval()
        except NotImplementedError:  # "Cannot copy out of meta tensor": RegNet computes its widths with torch
            return self._construct().eval()

    def _construct(self) -> nn.Module:
        import_torchvision()  # timm imports it too
        if self.source == "timm":
            return importlib.import_module("timm").create_model(self.name, pretrained=False, **dict(self.kwargs))
        return import_torchvision().models.get_model(self.name, weights=None, **dict(self.kwargs))

    def input_shape(self, h, w) -> tuple:
        return (1, 3, 8, h, w) if self.depth == 3 else (1, 3, h, w)


def _tv(family, name, sizes=SQUARE, least=1, size_range=None, **kwargs):
    return Model(family, "torchvision", name, sizes, kwargs=tuple(kwargs.items()), least=least, size_range=size_range)


def _timm(family, name, sizes=SQUARE, multiple=1, least=1, **kwargs):
    return Model(family, "timm", name, sizes, kwargs=tuple(kwargs.items()), multiple=multiple, least=least)


MULTIPLES = ((160, 160), (224, 192), (256, 320))


ZOO: tuple[Model, ...] = (
    _tv("ResNet", "resnet18"),
    _tv("ResNet", "resnet50"),
    _tv("ResNeXt", "resnext50_32x4d"),
    _tv("WideResNet", "wide_resnet50_2"),
    _tv("VGG", "vgg11"),
    _tv("AlexNet", "alexnet"),
    _tv("DenseNet", "densenet121"),
    _tv("GoogLeNet", "googlenet", aux_logits=False, init_weights=False),
    _tv("Inception-v3", "inception_v3", ((299, 299), (331, 301), (353, 353)), aux_logits=False, init_weights=False),
    _tv("SqueezeNet", "squeezenet1_0"),
    _tv("SqueezeNet", "squeezenet1_1"),
    _tv("ShuffleNetV2", "shufflenet_v2_x1_0"),
    _tv("MobileNetV2", "mobilenet_v2"),
    _tv("MobileNetV3", "mobilenet_v3_small"),
    _tv("MobileNetV3", "mobilenet_v3_large"),
    _tv("MnasNet", "mnasnet0_5"),
    _tv("EfficientNet", "efficientnet_b0"),
    _tv("EfficientNetV2", "efficientnet_v2_s"),
    _tv("RegNetX", "regnet_x_400mf"),
    _tv("RegNetY", "regnet_y_400mf"),
    _tv("ConvNeXt", "convnext_tiny"),
    _tv("ViT", "vit_b_16", FIXED),
    # Swin's stage sizes are h1 = floor(H/4), then h = ceiling(h/2) per stage; a block shifts its windows
    # only when its map is larger than one 7x7 window (padded to 7*ceiling(h/7) > 7: h > 7), so the cost is
    # piecewise in H and W. On 116..227 every branch goes one way: h1 >= 29, h2 >= 15, h3 in 8..14 shift,
    # h4 in 4..7 does not. At 115, h3 = ceiling(28/4) = 7 stops shifting; at 228, h4 = ceiling(57/8) = 8 starts.
    _tv("Swin", "swin_t", ((224, 224), (193, 161), (116, 227)), size_range=(116, 227)),
    _tv("MaxViT", "maxvit_t", FIXED),
    _tv("FCN", "fcn_resnet50", aux_loss=False, weights_backbone=None),
    _tv("DeepLabV3", "deeplabv3_mobilenet_v3_large", aux_loss=False, weights_backbone=None),
    _tv("LRASPP", "lraspp_mobilenet_v3_large", weights_backbone=None),
    Model("R3D", "torchvision", "r3d_18", ((112, 112), (97, 81), (128, 160)), depth=3),
    _timm("ResNet", "resnet50d"),
    _timm("SE-ResNet", "seresnet18"),
    _timm("DLA", "dla34", MULTIPLES, multiple=32),  # its upsampling adds maps of equal size for multiples of 32
    _timm("DPN", "dpn68"),
    _timm("HRNet", "hrnet_w18_small", MULTIPLES, multiple=32),
    _timm("CSPDarknet", "cspdarknet53"),
    _timm("ResNeSt", "resnest14d"),
    _timm("Res2Net", "res2net50_26w_4s"),
    _timm("RepVGG", "repvgg_a0"),
    _timm("MobileOne", "mobileone_s0"),
    _timm("GhostNet", "ghostnet_100"),
    _timm("ReXNet", "rexnet_100"),
    _timm("EfficientNet", "tf_efficientnet_lite0"),
    _timm("EfficientNet", "efficientnet_b0"),
    _timm("MixNet", "mixnet_s"),
    _timm("MobileNetV3", "mobilenetv3_small_100"),
    _timm("EfficientFormer", "efficientformer_l1", FIXED),
    _timm("LeViT", "levit_128s", FIXED),
    _timm("MobileViT", "mobilevit_xxs", ((256, 256), (384, 384), (192, 320)), multiple=64),  # else interpolates
    _timm("PoolFormer", "poolformer_s12"),
    _timm("ConvNeXt-V2", "convnextv2_atto"),
    _timm("EdgeNeXt", "edgenext_xx_small", ((256, 256), (224, 224), (192, 320))),
    _timm("XCiT", "xcit_nano_12_p16_224", ((224, 224), (192, 256), (160, 320))),
    _timm("ViT", "vit_tiny_patch16_224", FIXED),
    _timm("DeiT", "deit_tiny_patch16_224", FIXED),
    _timm("Swin", "swin_tiny_patch4_window7_224", FIXED),
    _timm("ConvNeXt", "convnext_atto"),
    _timm("RegNet", "regnety_002"),
    _timm("DenseNet", "densenet121"),
    _timm("Inception-v3", "inception_v3", ((299, 299), (331, 301), (353, 353))),
    _timm("VGG", "vgg11", ((224, 224), (257, 289), (320, 256)), least=224),  # pools smaller maps to 7x7 first
    _timm("MobileNetV2", "mobilenetv2_100"),
    _timm("CSPResNet", "cspresnet50"),
    _timm("SelecSLS", "selecsls42b"),
    _timm("NFNet", "nf_resnet50"),
    _timm("TinyNet", "tinynet_e"),
)


# ---- PyTorch's side --------------------------------------------------------------------------------------


def torch_macs(model: nn.Module, shape: tuple[int, ...]) -> int:
    """``FlopCounterMode`` total / 2 on the meta device (shapes only).

    Attention runs PyTorch's math backend, whose two batched GEMMs ``FlopCounterMode``
    counts (a fused CPU kernel it would count as zero).
    """
    with torch.no_grad(), sdpa_kernel(SDPBackend.MATH), FlopCounterMode(display=False) as counter:
        model(torch.empty(shape, device=device(model)))
    return counter.get_total_flops() // 2


def device(model: nn.Module) -> torch.device:
    """Where the model's parameters are: meta, or the CPU for models that cannot be built on meta."""
    return next(model.parameters()).device


def torch_symbolic_macs(model: nn.Module, shape: tuple[int, ...]):
    """PyTorch's own symbolic route: ``FlopCounterMode`` under ``FakeTensorMode`` with a ``ShapeEnv``.

    The spatial sizes are dynamic: the total comes back as a symbolic integer of them.
    """
    from torch._subclasses.fake_tensor import FakeTensorMode
    from torch.fx.experimental.symbolic_shapes import DimDynamic, ShapeEnv, StatelessSymbolicContext

    mode = FakeTensorMode(shape_env=ShapeEnv(), allow_non_fake_inputs=True)
    dynamic = [DimDynamic.STATIC] * 2 + [DimDynamic.DYNAMIC] * (len(shape) - 2)
    context = StatelessSymbolicContext(dynamic_sizes=dynamic)
    with mode:
        fake = mode.from_tensor(torch.empty(shape, device=device(model)), symbolic_context=context)
    with torch.no_grad(), mode, FlopCounterMode(display=False) as counter:
        model(fake)
    return counter.get_total_flops()


def unique_params(model: nn.Module) -> int:
    """Sum of ``numel`` over the model's parameters, each tensor once (``parameters()`` skips tied ones)."""
    return sum(p.numel() for p in model.parameters())


# ---- the check ---------------------------------------------------------------------------------------------


@dataclass
class Outcome:
    """``status``: exact, wrong (a total or params differ), refused (a SymconvError), crash (anything else)."""

    model: Model
    status: str
    detail: str = ""
    seconds: float = 0.0  # time to the symbolic total


def symbolic_total(model: nn.Module, spec: Model):
    """symconv's one expression of the model's MACs (and its params) on ``(1, 3, H, W)``.

    A model that accepts one resolution only (a fixed position embedding) is costed there; one
    that branches on its sizes, over the range where every branch goes one way (``spec.size_range``).
    """
    if len(spec.sizes) == 1:
        shape = spec.input_shape(*spec.sizes[0])
    else:
        shape = spec.input_shape(*(spec.multiple * s + spec.least - 1 for s in (H, W)))
    sizes = None if spec.size_range is None else {H: spec.size_range, W: spec.size_range}
    cost = symconv.from_torch(model, shape, sizes=sizes)
    return cost.macs, cost.params


def check(spec: Model, build: Callable[[], nn.Module] | None = None) -> Outcome:
    """Build ``spec``, cost it symbolically once, compare at every resolution with PyTorch."""
    model = (build or spec.build)()
    start = time.perf_counter()
    try:
        macs, params = symbolic_total(model, spec)
    except SymconvError as error:
        return Outcome(spec, "refused", f"{type(error).__name__}: {error}"[:600])
    except Exception as error:
        return Outcome(spec, "crash", f"{type(error).__name__}: {error}"[:600])
    seconds = time.perf_counter() - start
    wrong = []
    total = sympy.lambdify((H, W), macs, modules="math")
    for h, w in spec.sizes:
        at = ((s - spec.least + 1) // spec.multiple for s in (h, w))
        ours, theirs = total(*at), torch_macs(model, spec.input_shape(h, w))
        if ours != theirs:
            wrong.append(f"{h}x{w}: {ours} != {theirs}")
    if params != unique_params(model):
        wrong.append(f"params {params} != {unique_params(model)}")
    return Outcome(spec, "wrong" if wrong else "exact", "; ".join(wrong), seconds)
