"""The layers a network needs live in :mod:`symconv.ops`, one module per family; this module re-exports them."""

from symconv.ops import EXPORTS
from symconv.ops.pool import Gcd, adaptive_window_total

globals().update(EXPORTS)

__all__ = ["Gcd", "adaptive_window_total"]
__all__ += sorted(EXPORTS)
