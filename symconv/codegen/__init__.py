"""Generated cost functions: exact, dependency-free Python (and NumPy) rendered from the derived costs.

>>> import symconv
>>> from symconv.codegen import python_module
>>> from symconv.symbols import C_in, C_out, H, W
>>> source = python_module({"conv": (symconv.Conv2d(C_in, C_out, 3, stride=2), (1, C_in, H, W))}, ["macs"])
>>> namespace = {}
>>> exec(source, namespace)
>>> namespace["conv_macs"](C_in=3, C_out=8, H=9, W=9)  # 8 * 3*9 taps * 4x4 outputs
3456
"""

from __future__ import annotations

from symconv.codegen.modules import (
    DEFAULT_QUANTITIES,
    DEFAULT_TRAINING_QUANTITIES,
    derive,
    numpy_module,
    python_module,
    render_numpy,
    render_scalar,
    scalar_function,
)
from symconv.codegen.specs import Argument, Spec, builtin_specs

#: Paths of the generated modules, relative to ``derivations/``.
SCALAR_PATH = "codegen/costs.py"
NUMPY_PATH = "codegen/costs_numpy.py"


def artifacts() -> dict[str, str]:
    """The generated modules for the built-in operators, by path relative to ``derivations/``."""
    derived = derive(builtin_specs())
    return {SCALAR_PATH: render_scalar(derived), NUMPY_PATH: render_numpy(derived)}


__all__ = [
    "DEFAULT_QUANTITIES",
    "DEFAULT_TRAINING_QUANTITIES",
    "NUMPY_PATH",
    "SCALAR_PATH",
    "Argument",
    "Spec",
    "artifacts",
    "builtin_specs",
    "derive",
    "numpy_module",
    "python_module",
    "render_numpy",
    "render_scalar",
    "scalar_function",
]
