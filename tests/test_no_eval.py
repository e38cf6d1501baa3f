"""No module of symconv hands user text to an evaluator: an AST scan of every call, with the justified exceptions."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import symconv

PACKAGE = Path(symconv.__file__).resolve().parent

#: Calls that evaluate text or build code from it (sympy's ``S("...")`` sympifies too), by name or as attributes
#: (``sympy.sympify``); ``compile`` only as the builtin (``re.compile`` is harmless).
SYMPY_EVALUATORS = frozenset({"sympify", "parse_expr", "lambdify", "S", "eval", "exec"})
EVALUATORS = SYMPY_EVALUATORS | {"compile", "__import__"}

#: (module, enclosing function, evaluator) -> why no user text can reach it.
ALLOWED = {
    ("codegen/modules.py", "scalar_function", "exec"): (
        "runs source printed by symconv's printer from a cost expression (never text); every symbol of it is an "
        "argument whose name passed check_identifier, so a hostile Symbol name is refused before it is printed"
    ),
}


def _calls(path: Path):
    """``(enclosing function, called name)`` of every call in the module at ``path``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    stack: list[tuple[ast.AST, str]] = [(tree, "<module>")]
    while stack:
        node, scope = stack.pop()
        for child in ast.iter_child_nodes(node):
            inner = child.name if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef) else scope
            if isinstance(child, ast.Call):
                func = child.func
                if isinstance(func, ast.Name):
                    yield inner, func.id, child.lineno
                elif isinstance(func, ast.Attribute) and func.attr in SYMPY_EVALUATORS:
                    yield inner, func.attr, child.lineno
            stack.append((child, inner))


def _modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def test_the_scan_sees_every_module():
    names = {p.relative_to(PACKAGE).as_posix() for p in _modules()}
    assert {"core/parse.py", "analysis/query.py", "core/cost.py", "cli/values.py", "codegen/modules.py"} <= names


@pytest.mark.parametrize("path", _modules(), ids=lambda p: p.relative_to(PACKAGE).as_posix())
def test_no_evaluator_call_outside_the_allow_list(path: Path):
    module = path.relative_to(PACKAGE).as_posix()
    found = [
        f"{module}:{line} {scope}() calls {name}"
        for scope, name, line in _calls(path)
        if name in EVALUATORS and (module, scope, name) not in ALLOWED
    ]
    assert found == []


def test_every_allowed_call_still_exists():
    """An allow-list entry whose call is gone is deleted, so the list cannot hide a new use."""
    present = {(p.relative_to(PACKAGE).as_posix(), scope, name) for p in _modules() for scope, name, _ in _calls(p)}
    assert set(ALLOWED) <= present


def test_the_scan_catches_a_planted_call(tmp_path: Path):
    planted = tmp_path / "planted.py"
    planted.write_text("import sympy\n\ndef f(text):\n    return sympy.sympify(text)\n", encoding="utf-8")
    assert [(scope, name) for scope, name, _ in _calls(planted)] == [("f", "sympify")]


HOSTILE = "__import__('os').system('touch pwned')"


def test_hostile_text_is_refused_everywhere_it_can_go(tmp_path: Path, monkeypatch):
    """Every API entry that takes text as a value: each refuses the code, none runs it."""
    import symconv.latex
    from symconv.analysis.bounds import io_bounds
    from symconv.errors import SymconvError
    from symconv.symbols import C, C_out, H

    monkeypatch.chdir(tmp_path)
    cost = symconv.Conv2d(4, 8, 3).cost((1, 4, H, 9))
    ratio = symconv.ratio(symconv.Conv2d(C, C, 3, groups=C), symconv.Conv2d(C, C, 3), input_shape=(1, C, 8, 8))
    calls = [
        lambda: cost.at(H=HOSTILE),
        lambda: cost.subs({"H": HOSTILE}),
        lambda: symconv.at(cost, H=HOSTILE),
        lambda: symconv.at(HOSTILE, H=3),
        lambda: symconv.limit(ratio, "C", HOSTILE),
        lambda: symconv.limit(HOSTILE, "C"),
        lambda: symconv.asymptotic(HOSTILE, "C"),
        lambda: symconv.compare({"c": cost}, "macs", {"H": [HOSTILE]}),
        lambda: symconv.crossover(cost, cost, "macs", "H", {"H": HOSTILE}),
        lambda: symconv.latex.table({"c": cost}, ["macs"], values={"H": HOSTILE}),
        lambda: symconv.Conv2d(4, C_out, 3).cost((1, 4, 9, 9)).at(C_out=HOSTILE),
        lambda: symconv.Conv2d(4, 8, 3).cost((1, 4, H, 9), grad=True).at(H=HOSTILE),
        lambda: io_bounds(symconv.Conv2d(4, 8, 3), (1, 4, H, 9)).at(S=HOSTILE),
        lambda: symconv.roofline(cost, HOSTILE),
        lambda: symconv.quantity(cost, HOSTILE),
    ]
    for call in calls:
        with pytest.raises(SymconvError):
            call()
    assert not (tmp_path / "pwned").exists()
