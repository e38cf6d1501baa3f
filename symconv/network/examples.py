"""Networks written with symconv's own operators, any hyperparameter an int or a symbol.

Channel counts follow the papers: ``alpha * c`` is a rational multiple of the base
width (the MobileNet paper's convention, exact whenever ``alpha * c`` is a whole
number, as for ``alpha`` in 1, 3/4, 1/2, 1/4). Implementations that round
(``int(alpha * c)``, ``make_divisible``) agree at those values; elsewhere pass the
rounded counts yourself.

>>> from symconv.symbols import alpha, rho
>>> cost = mobilenet_v1(alpha, 224 * rho).cost()
>>> cost.macs.subs({alpha: 1, rho: 1})  # the paper's Table 8: 569 million mult-adds
568740352
"""

from __future__ import annotations

import sympy

from symconv.network.graph import Network, Value
from symconv.ops import Conv2d, Linear
from symconv.ops.elementwise import Add, ReLU
from symconv.ops.norm import BatchNorm2d
from symconv.ops.pool import AdaptiveAvgPool2d
from symconv.ops.shape import Flatten

#: MobileNetV1 (Howard et al. 2017, Table 1): (output channels, stride) of each depthwise-separable layer.
MOBILENET_V1 = ((64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2), *((512, 1),) * 5, (1024, 2), (1024, 1))


def mobilenet_v1(alpha=1, resolution=224, num_classes=1000, batch=1) -> Network:
    """MobileNetV1 with width multiplier ``alpha`` on ``batch x 3 x resolution x resolution`` inputs.

    Layers are named ``conv1``, then ``dw{i}``/``pw{i}`` (with ``.bn`` and ``.relu``), ``pool``, ``fc``.
    """
    net = Network("MobileNetV1")
    c = 32 * alpha
    x = net.input((batch, 3, resolution, resolution))
    x = net.chain(x, ("conv1", Conv2d(3, c, 3, 2, 1, bias=False)), ("conv1.bn", BatchNorm2d(c)), ("conv1.relu", ReLU()))
    for i, (width, stride) in enumerate(MOBILENET_V1, start=1):
        c_out = alpha * width
        x = net.chain(
            x,
            (f"dw{i}", Conv2d(c, c, 3, stride, 1, groups=c, bias=False)),
            (f"dw{i}.bn", BatchNorm2d(c)),
            (f"dw{i}.relu", ReLU()),
            (f"pw{i}", Conv2d(c, c_out, 1, bias=False)),
            (f"pw{i}.bn", BatchNorm2d(c_out)),
            (f"pw{i}.relu", ReLU()),
        )
        c = c_out
    net.chain(x, ("pool", AdaptiveAvgPool2d(1)), ("flatten", Flatten()), ("fc", Linear(c, num_classes)))
    return net


def bottleneck(net: Network, x: Value, name: str, width, stride=1) -> Value:
    """ResNet's v1.5 bottleneck on ``x``: 1x1, 3x3 (``stride``), 1x1 to ``4*width``, BN after each, residual sum.

    A 1x1 projection (with ``stride``) carries the shortcut when the shape changes, as in torchvision.
    """
    c_in = x.shape[1]
    body = x
    for i, (c_out, k, s) in enumerate(((width, 1, 1), (width, 3, stride), (4 * width, 1, 1)), start=1):
        body = net.chain(
            body, (f"{name}.conv{i}", Conv2d(body.shape[1], c_out, k, s, (k - 1) // 2, bias=False)),
            (f"{name}.bn{i}", BatchNorm2d(c_out)),
        )  # fmt: skip
        if i < 3:
            body = net(f"{name}.relu{i}", ReLU(), body)
    shortcut = x
    if stride != 1 or sympy.simplify(c_in - 4 * width) != 0:
        shortcut = net.chain(
            x, (f"{name}.downsample", Conv2d(c_in, 4 * width, 1, stride, bias=False)),
            (f"{name}.downsample.bn", BatchNorm2d(4 * width)),
        )  # fmt: skip
    return net(f"{name}.relu", ReLU(), net(f"{name}.add", Add(), body, shortcut))


def resnet_stage(c_in, width, blocks: int, stride=1, resolution=56, batch=1) -> Network:
    """One ResNet-50 stage: ``blocks`` bottlenecks of ``width`` (output ``4*width`` channels), the first strided.

    >>> from symconv.symbols import C, H
    >>> resnet_stage(4 * C, C, 2, resolution=H).cost().macs  # two identity-shortcut blocks: 2 x (4+9+4) C^2 H W
    34*C**2*H**2
    """
    net = Network("ResNet stage")
    x = net.input((batch, c_in, resolution, resolution))
    for i in range(blocks):
        x = bottleneck(net, x, f"block{i}", width, stride if i == 0 else 1)
    return net
