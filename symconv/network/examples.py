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

from symconv.network.graph import Network
from symconv.network.layers import AdaptiveAvgPool2d, BatchNorm2d, Flatten, ReLU
from symconv.ops import Conv2d, Linear

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
