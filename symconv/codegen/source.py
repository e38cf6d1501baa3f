"""Copying helper functions' source into generated modules, so that they need nothing from symconv."""

from __future__ import annotations

import ast
import functools
import importlib.util
from pathlib import Path


def module_source(name: str) -> str:
    """The source of module ``name``, read without importing it (the NumPy helpers import NumPy,
    which generating a module's text must not need)."""
    spec = importlib.util.find_spec(name)
    if spec is None or spec.origin is None:
        raise ModuleNotFoundError(name)
    return Path(spec.origin).read_text(encoding="utf-8")


@functools.cache  # parsing a module costs more than compiling a network's total: once per process
def function_definitions(module: str) -> str:
    """The source of every top-level function and constant assignment of ``module``, in order.

    Imports, the module docstring and ``from __future__`` lines are left out: the
    generated module provides the names the helpers use.

    >>> function_definitions("symconv.col2im_counts").startswith("def transposed_length(")
    True
    """
    source = module_source(module)
    kept = (ast.FunctionDef, ast.Assign, ast.AnnAssign)
    blocks = [ast.get_source_segment(source, node) for node in ast.parse(source).body if isinstance(node, kept)]
    return "\n\n\n".join(blocks) + "\n"


@functools.cache
def defined_names(module: str) -> frozenset[str]:
    """Names that :func:`function_definitions` of ``module`` defines."""
    tree = ast.parse(module_source(module))
    names = {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}
    names |= {
        t.id for node in tree.body if isinstance(node, ast.Assign) for t in node.targets if isinstance(t, ast.Name)
    }
    return frozenset(names)
