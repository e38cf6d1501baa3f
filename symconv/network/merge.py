"""Layers with several inputs are ordinary operators now (:mod:`symconv.ops`); re-exported here.

``Merge`` is kept as a name for :class:`~symconv.ops.base.Operator`: there is one operator protocol.
"""

from symconv.ops.base import Operator as Merge
from symconv.ops.elementwise import Add, Multiply
from symconv.ops.matmul import Matmul
from symconv.ops.shape import Concat

__all__ = ["Add", "Concat", "Matmul", "Merge", "Multiply"]
