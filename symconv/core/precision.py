"""Bytes per element, per tensor role: weights, activations and accumulators may differ in width.

``element_size`` anywhere symconv turns elements into bytes may be

* one size for every tensor (``4``, ``Fraction(1, 2)``, a symbol), as before;
* a mapping from role (``input``, ``weight``, ``bias``, ``output``, ``columns``,
  ``intermediate``) or group (``activation``: input, output, intermediate and
  columns) to a size or a dtype name;
* a :class:`Precision`.

Examples
--------
>>> import symconv
>>> cost = symconv.Conv2d(64, 64, 3, padding=1, bias=False).cost((1, 64, 56, 56))
>>> cost.memory("ideal", element_size={"weight": 1, "activation": 2})  # 2 * 2*200704 + 1 * 36864
839680
>>> cost.memory("ideal", element_size=Precision(weight="int8", activation="fp16")) == _
True
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import sympy

from symconv.core.sizes import as_element_size
from symconv.errors import InvalidConfiguration, UnknownName

DTYPE_BYTES: dict[str, int] = {
    "fp64": 8,
    "fp32": 4,
    "tf32": 4,  # stored as fp32; only the tensor-core arithmetic is narrower
    "fp16": 2,
    "bf16": 2,
    "int32": 4,
    "int16": 2,
    "int8": 1,
    "uint8": 1,
    "fp8": 1,
    "fp8_e4m3": 1,
    "fp8_e5m2": 1,
}

ROLES = ("input", "weight", "bias", "output", "columns", "intermediate")
GROUPS: dict[str, tuple[str, ...]] = {"activation": ("input", "output", "intermediate", "columns")}


def dtype_bytes(value: object, name: str = "element_size") -> sympy.Expr:
    """Bytes of one element: a dtype name (``'bf16'``) or a size accepted by ``as_element_size``."""
    if isinstance(value, str):
        if value not in DTYPE_BYTES:
            raise UnknownName(f"dtype for {name}", value, list(DTYPE_BYTES))
        return sympy.Integer(DTYPE_BYTES[value])
    return as_element_size(value)


@dataclass(frozen=True)
class Precision:
    """Storage dtype of each kind of tensor; ``bias`` and ``columns`` default to the accumulator and activation dtypes.

    >>> Precision(weight="int8", activation="int8", accumulator="int32").bytes("bias")
    4
    """

    weight: str | int = "fp32"
    activation: str | int = "fp32"
    accumulator: str | int = "fp32"
    bias: str | int | None = None
    columns: str | int | None = None

    def bytes(self, role: str) -> sympy.Expr:
        """Bytes per element of a tensor with ``role``."""
        if role == "weight":
            return dtype_bytes(self.weight, "weight")
        if role == "bias":
            return dtype_bytes(self.accumulator if self.bias is None else self.bias, "bias")
        if role == "columns" and self.columns is not None:
            return dtype_bytes(self.columns, "columns")
        return dtype_bytes(self.activation, "activation")


ElementSize = int | sympy.Expr | Mapping[str, object] | Precision


def sizer(element_size: object) -> Callable[[str], sympy.Expr] | None:
    """Bytes per element as a function of the role, or ``None`` when every tensor has the same size."""
    if isinstance(element_size, Precision):
        return element_size.bytes
    if not isinstance(element_size, Mapping):
        return None
    table: dict[str, sympy.Expr] = {}
    for key, value in element_size.items():
        targets = GROUPS.get(key, (key,))
        if key not in GROUPS and key not in ROLES:
            raise UnknownName("tensor role in element_size", key, [*ROLES, *GROUPS])
        for role in targets:
            if key in GROUPS and role in element_size:
                continue  # an explicit role wins over its group
            table[role] = dtype_bytes(value, f"element_size[{key!r}]")

    def size(role: str) -> sympy.Expr:
        if role not in table:
            raise InvalidConfiguration(f"element_size has no size for tensor role {role!r}; give it or 'activation'")
        return table[role]

    return size
