"""Copying helper functions' source into generated modules, so that they need nothing from symconv."""

from __future__ import annotations

import ast
import functools
import importlib.util
from collections.abc import Iterable
from pathlib import Path


def module_source(name: str) -> str:
    """The source of module ``name``, read without importing it (the NumPy helpers import NumPy,
    which generating a module's text must not need)."""
    spec = importlib.util.find_spec(name)
    if spec is None or spec.origin is None:
        raise ModuleNotFoundError(name)
    return Path(spec.origin).read_text(encoding="utf-8")


def function_definitions(module: str, used: Iterable[str] | None = None) -> str:
    """The source of the top-level functions and constant assignments of ``module``, in order.

    With ``used`` (names the generated code refers to), only the definitions those names
    need, directly or through one another; an empty string if none. Imports, the module
    docstring and ``from __future__`` lines are left out: the generated module provides
    the names the helpers use.

    >>> function_definitions("symconv.core.col2im_counts").startswith("def transposed_length(")
    True
    >>> function_definitions("symconv.core.col2im_counts", {"transposed_length"}).count("def ")
    1
    >>> function_definitions("symconv.core.col2im_counts", {"print"})
    ''
    """
    source, nodes = _definitions(module)
    if used is not None:
        needed = _closure(nodes, set(used))
        nodes = [node for node in nodes if _defines(node) & needed]
    blocks = [ast.get_source_segment(source, node) for node in nodes]
    return "\n\n\n".join(blocks) + "\n" if blocks else ""


@functools.cache  # parsing a module costs more than compiling a network's total: once per process
def _definitions(module: str) -> tuple[str, tuple[ast.stmt, ...]]:
    source = module_source(module)
    kept = (ast.FunctionDef, ast.Assign, ast.AnnAssign)
    return source, tuple(node for node in ast.parse(source).body if isinstance(node, kept))


def names_in(code: str) -> set[str]:
    """Every name ``code`` refers to."""
    return {node.id for node in ast.walk(ast.parse(code)) if isinstance(node, ast.Name)}


def _defines(node: ast.stmt) -> set[str]:
    if isinstance(node, ast.FunctionDef):
        return {node.name}
    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
    return {t.id for t in targets if isinstance(t, ast.Name)}


def _closure(nodes: list[ast.stmt], used: set[str]) -> set[str]:
    """The definitions ``used`` reaches, following the names each definition's body refers to."""
    refers = {
        name: {n.id for n in ast.walk(node) if isinstance(n, ast.Name)} for node in nodes for name in _defines(node)
    }
    needed, todo = set(), [name for name in used if name in refers]
    while todo:
        name = todo.pop()
        if name not in needed:
            needed.add(name)
            todo += [n for n in refers[name] if n in refers]
    return needed


@functools.cache
def defined_names(module: str) -> frozenset[str]:
    """Names that :func:`function_definitions` of ``module`` defines."""
    return frozenset(name for node in _definitions(module)[1] for name in _defines(node))
