"""Reference networks written with torch.nn, as torchvision defines them (torchvision is not a dependency).

Each returns an ``nn.Module``; build them under ``torch.device("meta")`` to skip the weights.
"""

from __future__ import annotations

import torch
from torch import nn


def conv_bn(
    c_in: int, c_out: int, k: int = 3, s: int = 1, groups: int = 1, act: type | None = nn.ReLU
) -> nn.Sequential:
    layers = [nn.Conv2d(c_in, c_out, k, s, (k - 1) // 2, groups=groups, bias=False), nn.BatchNorm2d(c_out)]
    return nn.Sequential(*layers, *([act(inplace=True)] if act else []))


class Bottleneck(nn.Module):
    """torchvision's ResNet v1.5 bottleneck: the stride sits on the 3x3 convolution."""

    def __init__(self, c_in: int, width: int, stride: int) -> None:
        super().__init__()
        self.body = nn.Sequential(
            conv_bn(c_in, width, 1), conv_bn(width, width, 3, stride), conv_bn(width, 4 * width, 1, act=None)
        )
        needs_projection = stride != 1 or c_in != 4 * width
        self.downsample = conv_bn(c_in, 4 * width, 1, stride, act=None) if needs_projection else nn.Identity()
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.body(x)
        out += self.downsample(x)
        return self.relu(out)


def resnet50(num_classes: int = 1000) -> nn.Module:
    stages, c_in = [], 64
    for width, blocks, stride in ((64, 3, 1), (128, 4, 2), (256, 6, 2), (512, 3, 2)):
        for i in range(blocks):
            stages.append(Bottleneck(c_in, width, stride if i == 0 else 1))
            c_in = 4 * width
    stem = [nn.Conv2d(3, 64, 7, 2, 3, bias=False), nn.BatchNorm2d(64), nn.ReLU(inplace=True), nn.MaxPool2d(3, 2, 1)]
    head = [nn.AdaptiveAvgPool2d((1, 1)), nn.Flatten(1), nn.Linear(2048, num_classes)]
    return nn.Sequential(*stem, *stages, *head)


class InvertedResidual(nn.Module):
    """MobileNetV2's block: 1x1 expansion (unless t=1), 3x3 depthwise, linear 1x1 projection, residual."""

    def __init__(self, c_in: int, c_out: int, stride: int, t: int) -> None:
        super().__init__()
        hidden = c_in * t
        expand = [conv_bn(c_in, hidden, 1, act=nn.ReLU6)] if t != 1 else []
        self.conv = nn.Sequential(
            *expand,
            conv_bn(hidden, hidden, 3, stride, groups=hidden, act=nn.ReLU6),
            conv_bn(hidden, c_out, 1, act=None),
        )
        self.residual = stride == 1 and c_in == c_out

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.conv(x) if self.residual else self.conv(x)


class MobileNetV2(nn.Module):
    def __init__(self, num_classes: int = 1000) -> None:
        super().__init__()
        blocks, c_in = [conv_bn(3, 32, 3, 2, act=nn.ReLU6)], 32
        for t, c, n, s in (
            (1, 16, 1, 1),
            (6, 24, 2, 2),
            (6, 32, 3, 2),
            (6, 64, 4, 2),
            (6, 96, 3, 1),
            (6, 160, 3, 2),
            (6, 320, 1, 1),
        ):
            for i in range(n):
                blocks.append(InvertedResidual(c_in, c, s if i == 0 else 1, t))
                c_in = c
        self.features = nn.Sequential(*blocks, conv_bn(c_in, 1280, 1, act=nn.ReLU6))
        self.classifier = nn.Sequential(nn.Dropout(0.2), nn.Linear(1280, num_classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = nn.functional.adaptive_avg_pool2d(self.features(x), (1, 1))
        return self.classifier(torch.flatten(x, 1))


def vgg16(num_classes: int = 1000) -> nn.Module:
    layers, c_in = [], 3
    for v in (64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"):
        if v == "M":
            layers.append(nn.MaxPool2d(2, 2))
        else:
            layers += [nn.Conv2d(c_in, v, 3, padding=1), nn.ReLU(inplace=True)]
            c_in = v
    head = [
        nn.Linear(512 * 7 * 7, 4096),
        nn.ReLU(True),
        nn.Dropout(),
        nn.Linear(4096, 4096),
        nn.ReLU(True),
        nn.Dropout(),
    ]
    return nn.Sequential(*layers, nn.AdaptiveAvgPool2d((7, 7)), nn.Flatten(1), *head, nn.Linear(4096, num_classes))


class PConv(nn.Module):
    """FasterNet's partial convolution, 'split_cat' forward: a 3x3 conv on the first C/n_div channels."""

    def __init__(self, dim: int, n_div: int = 4) -> None:
        super().__init__()
        self.dim_conv, self.dim_untouched = dim // n_div, dim - dim // n_div
        self.conv = nn.Conv2d(self.dim_conv, self.dim_conv, 3, 1, 1, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x1, x2 = torch.split(x, [self.dim_conv, self.dim_untouched], dim=1)
        return torch.cat((self.conv(x1), x2), 1)


class FasterNetBlock(nn.Module):
    """PConv, then a 1x1 MLP (expansion 2) with BN and ReLU, and the residual."""

    def __init__(self, dim: int) -> None:
        super().__init__()
        self.spatial_mixing = PConv(dim)
        self.mlp = nn.Sequential(nn.Conv2d(dim, 2 * dim, 1, bias=False), nn.BatchNorm2d(2 * dim), nn.ReLU(),
                                 nn.Conv2d(2 * dim, dim, 1, bias=False))  # fmt: skip

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.mlp(self.spatial_mixing(x))


def fasternet_block_net(dim: int = 40) -> nn.Module:
    """FasterNet-T0's stem (4x4 patch embedding, stride 4) and first stage's block, then a 2x2 merging layer."""
    return nn.Sequential(
        nn.Conv2d(3, dim, 4, 4, bias=False), nn.BatchNorm2d(dim), FasterNetBlock(dim),
        nn.Conv2d(dim, 2 * dim, 2, 2, bias=False), nn.BatchNorm2d(2 * dim), FasterNetBlock(2 * dim),
    )  # fmt: skip


def mobilenet_v1(alpha: float = 1.0, num_classes: int = 1000) -> nn.Module:
    """MobileNetV1 (Howard et al. 2017, Table 1) with width multiplier ``alpha`` (channels ``int(alpha*c)``)."""
    spec = [(64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2), *[(512, 1)] * 5, (1024, 2), (1024, 1)]
    c_in = int(32 * alpha)
    layers = [conv_bn(3, c_in, 3, 2)]
    for c, s in spec:
        c_out = int(c * alpha)
        layers += [conv_bn(c_in, c_in, 3, s, groups=c_in), conv_bn(c_in, c_out, 1)]
        c_in = c_out
    return nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten(1), nn.Linear(c_in, num_classes))


def conv_stack(depth: int = 200, channels: int = 16, every: int = 40) -> nn.Module:
    """``depth`` 3x3 convolutions (padding 1), every ``every``-th one with stride 2: deep, with nested divisions."""
    layers = [nn.Conv2d(3, channels, 3, padding=1)]
    layers += [nn.Conv2d(channels, channels, 3, 2 if i % every == 0 else 1, 1) for i in range(1, depth)]
    return nn.Sequential(*layers)


#: The reference models the network tests run, by name.
MODELS = {
    "resnet50": resnet50,
    "mobilenet_v2": MobileNetV2,
    "vgg16": vgg16,
    "fasternet_block": fasternet_block_net,
    "mobilenet_v1": mobilenet_v1,
}


class StandardisedConv(nn.Conv2d):
    """NF-ResNet's convolution: its weight standardised in ``forward`` by ``batch_norm`` in training mode
    (autograd keeps the standardised weight: not a parameter)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.gain = nn.Parameter(torch.ones(self.out_channels, 1, 1, 1))

    def forward(self, x):
        flat = self.weight.reshape(1, self.out_channels, -1)
        scale = (self.gain * 0.5).view(-1)
        weight = nn.functional.batch_norm(flat, None, None, weight=scale, training=True, momentum=0.0)
        return nn.functional.conv2d(x, weight.reshape_as(self.weight), self.bias, self.stride, self.padding)
