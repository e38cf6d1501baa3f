"""Operators: each maps PyTorch-style hyperparameters onto lowering stages, one module per family.

Every module of this package is imported here, so its :func:`~symconv.ops.registry.register`
decorators run; the registered classes are this package's (and ``symconv``'s) exports.
Adding an operator is adding a module.
"""

import importlib
import pkgutil

from symconv.ops.base import Operator
from symconv.ops.composite import Chain, Fused, Sequential
from symconv.ops.conv import ConvNd, ConvTransposeNd
from symconv.ops.registry import registrations

for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")

#: the registered operator classes, by class name
EXPORTS = {entry.cls.__name__: entry.cls for entry in registrations()}
globals().update(EXPORTS)

__all__ = ["EXPORTS", "Chain", "ConvNd", "ConvTransposeNd", "Fused", "Operator", "Sequential"]
__all__ += sorted(EXPORTS)
