"""Copying helper functions' source into generated modules, so that they need nothing from symconv."""

from __future__ import annotations

import ast
import inspect
from types import ModuleType


def function_definitions(module: ModuleType) -> str:
    """The source of every top-level function and constant assignment of ``module``, in order.

    Imports, the module docstring and ``from __future__`` lines are left out: the
    generated module provides the names the helpers use.

    >>> import symconv.col2im_counts
    >>> function_definitions(symconv.col2im_counts).startswith("def axis_counts(")
    True
    """
    source = inspect.getsource(module)
    kept = (ast.FunctionDef, ast.Assign, ast.AnnAssign)
    blocks = [ast.get_source_segment(source, node) for node in ast.parse(source).body if isinstance(node, kept)]
    return "\n\n\n".join(blocks) + "\n"


def defined_names(module: ModuleType) -> frozenset[str]:
    """Names that :func:`function_definitions` of ``module`` defines."""
    tree = ast.parse(inspect.getsource(module))
    names = {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}
    names |= {
        t.id for node in tree.body if isinstance(node, ast.Assign) for t in node.targets if isinstance(t, ast.Name)
    }
    return frozenset(names)
