"""The package layout: no import cycle between symconv's modules, and each layer imports only from below it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "symconv"

#: Each layer may import from the layers listed after it (and from itself); the top-level modules
#: ``symbols`` and ``errors`` are the vocabulary every layer shares.
LAYERS = ["cli", "render", "latex", "codegen", "analysis", "network", "ops", "core"]
SHARED = {"symconv.symbols", "symconv.errors"}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def top_level_imports(path: Path) -> set[str]:
    """Modules imported when ``path`` is imported: module-level statements, not TYPE_CHECKING or function bodies."""
    tree = ast.parse(path.read_text())
    package = module_name(path) if path.name == "__init__.py" else module_name(path).rpartition(".")[0]
    found: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            continue
        for sub in ast.walk(node) if not isinstance(node, ast.FunctionDef | ast.ClassDef) else ():
            if isinstance(sub, ast.Import):
                found.update(a.name for a in sub.names if a.name.startswith("symconv"))
            elif isinstance(sub, ast.ImportFrom):
                base = sub.module or ""
                if sub.level:
                    base = ".".join([*package.split(".")[: len(package.split(".")) - sub.level + 1], base]).strip(".")
                if base.startswith("symconv"):
                    found.update(f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base for a in sub.names)
    return found


MODULES = {module_name(p): p for p in PACKAGE.rglob("*.py")}
GRAPH = {name: {m for m in top_level_imports(path) if m in MODULES and m != name} for name, path in MODULES.items()}


def test_no_import_cycle():
    visiting: list[str] = []
    done: set[str] = set()

    def visit(name: str) -> None:
        if name in visiting:
            cycle = [*visiting[visiting.index(name) :], name]
            pytest.fail("import cycle: " + " -> ".join(cycle))
        if name in done:
            return
        visiting.append(name)
        for dep in sorted(GRAPH[name]):
            if not _is_package_of(dep, name):
                visit(dep)
        visiting.pop()
        done.add(name)

    for name in sorted(GRAPH):
        visit(name)


def _is_package_of(package: str, module: str) -> bool:
    """A package's ``__init__`` importing its own submodules is how re-exports work, not a cycle."""
    return module.startswith(package + ".")


def layer(name: str) -> str | None:
    parts = name.split(".")
    return parts[1] if len(parts) > 2 or (len(parts) == 2 and parts[1] in LAYERS) else None


@pytest.mark.parametrize("name", sorted(n for n in GRAPH if layer(n)))
def test_layers_import_only_from_below(name):
    own = LAYERS.index(layer(name))
    upward = sorted(dep for dep in GRAPH[name] if dep not in SHARED and layer(dep) and LAYERS.index(layer(dep)) < own)
    assert not upward, f"{name} (layer {layer(name)}) imports from a layer above it: {upward}"
