"""Every registered operator, walked through cost(), the ``symconv cost`` command, codegen and (with torch) PyTorch.

Each registration carries a small valid example; the walk builds it from the registry
alone, so an operator added by one module is checked here without editing this file.
"""

from __future__ import annotations

import importlib
import json

import pytest
from cli_runner import in_process

import symconv
from symconv import codegen
from symconv.ops import registry
from symconv.ops.registry import DuplicateRegistration, register

ENTRIES = {entry.name: entry for entry in registry.registrations()}


def _op(entry):
    return entry.cls(**entry.example.kwargs)


def _flag(name: str, value: object) -> list[str]:
    text = ",".join(map(str, value)) if isinstance(value, tuple) else str(value)
    return [f"--{name.replace('_', '-')}", text]


@pytest.mark.parametrize("name", sorted(ENTRIES))
def test_example_costs_and_is_exported(name) -> None:
    entry = ENTRIES[name]
    op = _op(entry)
    shapes = entry.example.input_shapes
    cost = op.cost(*shapes)
    assert cost.params >= 0 and cost.memory() >= 0
    assert getattr(symconv, entry.cls.__name__) is entry.cls
    assert getattr(symconv.ops, entry.cls.__name__) is entry.cls
    assert len(op.output_shape(*shapes)) >= 1


@pytest.mark.parametrize("name", sorted(ENTRIES))
def test_cli_cost_reports_the_operators_numbers(name) -> None:
    entry = ENTRIES[name]
    cost = _op(entry).cost(*entry.example.input_shapes)
    args = ["cost", name, "--convention", "ops", "--format", "json"]
    for key, value in entry.example.kwargs.items():
        args += _flag(key, value)
    for shape in entry.example.input_shapes:
        args += ["--input", ",".join(map(str, shape))]
    result = in_process(*args)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert [report[k] for k in ("compute", "params", "memory")] == [int(cost.ops), int(cost.params), int(cost.memory())]


@pytest.mark.parametrize("name", sorted(ENTRIES))
def test_codegen_module_evaluates_to_the_cost(name) -> None:
    entry = ENTRIES[name]
    op, shapes = _op(entry), entry.example.input_shapes
    shape = shapes[0] if op.arity == 1 else list(shapes)
    namespace: dict = {}
    exec(codegen.python_module({"op": (op, shape)}, ["macs", "adds", "params", "memory_ideal"]), namespace)
    cost = op.cost(*shapes)
    assert namespace["op_macs"]() == cost.macs and namespace["op_adds"]() == cost.adds
    assert namespace["op_params"]() == cost.params and namespace["op_memory_ideal"]() == cost.memory()


def test_old_cli_names_are_aliases() -> None:
    assert registry.lookup("dwconv") is ENTRIES["depthwise_separable_conv2d"]
    assert registry.lookup("pconv") is ENTRIES["partial_conv2d"]
    assert in_process("cost", "dwconv", "--in-channels", "2", "--out-channels", "4", "--kernel-size", "3",
                      "--input", "1,2,6,6").returncode == 0  # fmt: skip


def test_registry_refuses_duplicates() -> None:
    before = list(registry.registrations())

    class Twice(symconv.Operator):
        def lower(self, x, *, prefix="", output_role="output"):  # pragma: no cover (never lowered)
            raise AssertionError

    with pytest.raises(DuplicateRegistration, match="operator name 'conv2d' is registered twice"):
        register("conv2d", example=({}, ((1,),)))(Twice)
    with pytest.raises(DuplicateRegistration, match="'dwconv' is registered twice"):
        register("twice", aliases=("dwconv",), example=({}, ((1,),)))(Twice)
    with pytest.raises(DuplicateRegistration, match=r"'torch\.nn\.Conv2d' is registered twice"):
        register("twice", torch=("torch.nn.Conv2d",), example=({}, ((1,),)))(Twice)
    with pytest.raises(DuplicateRegistration, match="class Conv2d is registered twice"):
        register("conv2d_again", example=({}, ((1,),)))(symconv.Conv2d)
    assert list(registry.registrations()) == before  # nothing half-registered


def test_import_symconv_does_not_import_torch() -> None:
    import subprocess
    import sys

    code = "import sys, symconv; symconv.ops.registry.counterparts(); print('torch' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


# ---- PyTorch counterparts -------------------------------------------------------------------------------


def _resolve(dotted: str):
    module, _, name = dotted.rpartition(".")
    return getattr(importlib.import_module(module), name)


@pytest.mark.parametrize("name", sorted(ENTRIES))
def test_torch_counterparts_exist_and_build_the_operator(name) -> None:
    torch = pytest.importorskip("torch")
    entry = ENTRIES[name]
    for dotted in entry.torch:
        if dotted.startswith("Tensor."):
            assert callable(getattr(torch.Tensor, dotted.removeprefix("Tensor.")))
        else:
            assert callable(_resolve(dotted)), dotted
    for dotted in entry.modules():
        cls = _resolve(dotted)
        if cls.__name__.startswith("_"):  # a base class (every dropout): one of its modules
            cls = cls.__subclasses__()[0]
        shapes = entry.example.input_shapes
        with torch.device("meta"):
            module = cls(**entry.example.kwargs) if entry.build is None else cls()
            expected = module(*(torch.empty(s) for s in shapes)).shape
        op = entry.from_module(module)
        assert isinstance(op, entry.cls)
        if entry.build is None:  # the module's attributes give the operator its constructor gives
            mine, built = _op(entry).cost(*shapes), op.cost(*shapes)
            assert (mine.ops, mine.params, mine.memory()) == (built.ops, built.params, built.memory())
        assert op.output_shape(*shapes) == tuple(expected)
