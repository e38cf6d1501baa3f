"""Resizing: ``nn.Upsample`` and ``F.interpolate`` (nearest, bilinear), each output element read from the input.

No GEMM, so no MACs (as ``FlopCounterMode``). Nearest copies one input element per
output element; (bi/tri)linear blends ``2**dims`` neighbours per output element:
``2**dims`` mults and ``2**dims - 1`` adds.
"""

from __future__ import annotations

from collections.abc import Sequence

import sympy

from symconv.core.lowering import Elementwise, Lowering, Role, Tensor
from symconv.core.sizes import as_size
from symconv.errors import InvalidConfiguration
from symconv.ops.base import Operator, Shape
from symconv.ops.registry import register

_LINEAR = {"linear": 1, "bilinear": 2, "trilinear": 3}


def _interpolate_call(name, x, size=None, scale_factor=None, mode="nearest", align_corners=None, *args, **kwargs):
    return Upsample(size, scale_factor, mode)


@register(
    "upsample",
    torch=("torch.nn.Upsample", "torch.nn.functional.interpolate"),
    call=_interpolate_call,
    example=({"scale_factor": 2}, ((1, 2, 3, 3),)),
)
class Upsample(Operator):
    """``torch.nn.Upsample(size=None, scale_factor=None, mode='nearest')`` on ``(N, C, *spatial)``.

    The output size is ``size``, or ``floor(L * scale_factor)`` per axis, as PyTorch's.

    >>> from symconv.symbols import H, W
    >>> Upsample(scale_factor=2).output_shape((1, 8, H, W))
    (1, 8, 2*H, 2*W)
    """

    def __init__(self, size=None, scale_factor=None, mode: str = "nearest") -> None:
        if (size is None) == (scale_factor is None):
            raise InvalidConfiguration("give exactly one of size= and scale_factor=")
        if mode != "nearest" and mode not in _LINEAR:
            raise InvalidConfiguration(f"mode={mode!r} is not supported (nearest, linear, bilinear, trilinear)")
        self.size, self.scale_factor, self.mode = size, scale_factor, mode

    def _spatial(self, lengths: Shape) -> Shape:
        dims = len(lengths)
        if self.size is not None:
            size = self.size if isinstance(self.size, Sequence) else (self.size,) * dims
            return tuple(as_size(v, f"size[{i}]") for i, v in enumerate(size))
        scale = self.scale_factor if isinstance(self.scale_factor, Sequence) else (self.scale_factor,) * dims
        return tuple(sympy.floor(length * sympy.nsimplify(f)) for length, f in zip(lengths, scale, strict=True))

    def check_input(self, shape: Shape) -> Shape:
        if len(shape) < 3:
            raise InvalidConfiguration(f"input_shape={shape} must be (N, C, *spatial) for Upsample")
        if self.mode in _LINEAR and _LINEAR[self.mode] != len(shape) - 2:
            raise InvalidConfiguration(f"mode={self.mode!r} needs {_LINEAR[self.mode]} spatial dimension(s)")
        return shape

    def lower(self, x: Tensor, *, prefix: str = "", output_role: Role = "output") -> Lowering:
        n, c, *lengths = x.shape
        output = Tensor(f"{prefix}output", output_role, (n, c, *self._spatial(tuple(lengths))))
        taps = 2 ** (len(lengths)) if self.mode in _LINEAR else 0
        stage = Elementwise(
            output.elements, sympy.Integer(taps), sympy.Integer(max(taps - 1, 0)), reads=(x,), writes=(output,)
        )
        return Lowering((stage,), output)

    def _repr_args(self) -> list[str]:
        what = f"size={self.size}" if self.size is not None else f"scale_factor={self.scale_factor}"
        return [what, f"mode={self.mode!r}"]
