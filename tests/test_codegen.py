"""Generated cost functions: equal to the derived costs on random configurations, exact, safe, reproducible."""

from __future__ import annotations

import ast
import importlib.util
import os
import shutil
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

import symconv
from symconv.codegen import DEFAULT_QUANTITIES, NUMPY_PATH, SCALAR_PATH, artifacts, numpy_module, python_module
from symconv.codegen.specs import SPATIAL
from symconv.core.quantities import quantity_named
from symconv.errors import InvalidConfiguration
from symconv.symbols import C_in, C_out, H, W

ROOT = Path(__file__).resolve().parent.parent
SETTINGS = settings(max_examples=60, deadline=None)
#: The generated functions' quantities, by the suffix of their names (``conv2d_memory_ideal``).
QUANTITIES = {q.identifier: q for q in map(quantity_named, DEFAULT_QUANTITIES)}
CONV = {1: symconv.Conv1d, 2: symconv.Conv2d, 3: symconv.Conv3d}
TRANSPOSED = {1: symconv.ConvTranspose1d, 2: symconv.ConvTranspose2d, 3: symconv.ConvTranspose3d}


def _import(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def sources() -> dict[str, str]:
    return artifacts()


@pytest.fixture(scope="module")
def scalar(sources, tmp_path_factory):
    path = tmp_path_factory.mktemp("gen") / "costs.py"
    path.write_text(sources[SCALAR_PATH])
    return _import(path, "generated_costs")


@pytest.fixture(scope="module")
def vector(sources, tmp_path_factory):
    path = tmp_path_factory.mktemp("gen") / "costs_numpy.py"
    path.write_text(sources[NUMPY_PATH])
    return _import(path, "generated_costs_numpy")


def expected(cost: symconv.Cost, quantity: str):
    value = QUANTITIES[quantity].of(cost)
    return int(value) if value.is_Integer else Fraction(int(value.p), int(value.q))


# Random valid configurations -------------------------------------------------------------------


@st.composite
def conv_configs(draw, transposed: bool, dims: int | None = None, big: bool = False):
    """``(operator, input_shape, kwargs of the generated function)`` for a valid (transposed) convolution."""
    dims = dims or draw(st.integers(1, 3))
    size = st.integers(1, 10**12) if big else st.integers(1, 9)
    g = draw(st.integers(1, 3))
    c_in, c_out = g * draw(size), g * draw(st.integers(1, 4))
    batch, bias = draw(size), draw(st.booleans())
    axes = []
    for _ in range(dims):
        k, s, d = draw(st.integers(1, 5)), draw(st.integers(1, 6)), draw(st.integers(1, 3))
        length = draw(size)
        if transposed:
            op_ = draw(st.integers(0, max(s, d) - 1))
            full = (length - 1) * s + d * (k - 1) + op_ + 1
            p = draw(st.integers(0, (full - 1) // 2))
            axes.append(
                {"kernel_size": k, "stride": s, "dilation": d, "padding": p, "output_padding": op_, "n": length}
            )
        else:
            p = draw(st.integers(0, 4))
            length = max(length, d * (k - 1) + 1 - 2 * p)
            axes.append({"kernel_size": k, "stride": s, "dilation": d, "padding": p, "n": length})
    per_axis = {key: tuple(a[key] for a in axes) for key in axes[0] if key != "n"}
    kwargs = {"in_channels": c_in, "out_channels": c_out, "groups": g, "bias": bias, "batch": batch}
    kwargs |= {key: values if dims > 1 else values[0] for key, values in per_axis.items()}  # as PyTorch takes them
    kwargs.update(dict(zip(SPATIAL[dims], (a["n"] for a in axes), strict=True)))
    family = TRANSPOSED if transposed else CONV
    op = family[dims](c_in, c_out, groups=g, bias=bias, **per_axis)
    prefix = f"conv_transpose{dims}d" if transposed else f"conv{dims}d"
    return prefix, op, (batch, c_in, *(a["n"] for a in axes)), kwargs


def _check_scalar(module, prefix, op, shape, kwargs):
    cost = op.cost(shape)
    for quantity in QUANTITIES:
        got = getattr(module, f"{prefix}_{quantity}")(**kwargs)
        assert got == expected(cost, quantity), (quantity, kwargs)
        assert type(got) is (int if QUANTITIES[quantity].integer else Fraction)


@SETTINGS
@given(st.booleans().flatmap(lambda t: conv_configs(t)))
def test_scalar_conv_equals_derived_cost(scalar, config):
    _check_scalar(scalar, *config)


@SETTINGS
@given(st.booleans().flatmap(lambda t: conv_configs(t, big=True)))
def test_scalar_is_exact_on_huge_sizes(scalar, config):
    _check_scalar(scalar, *config)


def _conv2d(transposed: bool, shape: tuple[int, ...], **hyper):
    """An operator, its input shape and the generated function's kwargs, from one set of 2-D hyperparameters."""
    kwargs = {"in_channels": shape[1], "batch": shape[0], "height": shape[2], "width": shape[3]}
    kwargs |= hyper  # the generated functions take PyTorch's arguments: an int, or a tuple per axis
    op = (symconv.ConvTranspose2d if transposed else symconv.Conv2d)(shape[1], **hyper)
    return ("conv_transpose2d" if transposed else "conv2d"), op, shape, kwargs


EDGE_CASES = [
    _conv2d(False, (3, 4, 7, 8), out_channels=6, kernel_size=2, stride=5, groups=2),  # stride > kernel
    _conv2d(
        False, (1, 4, 5, 5), out_channels=4, kernel_size=(3, 1), padding=(2, 0), dilation=(2, 1), groups=4, bias=False
    ),
    _conv2d(False, (1, 1, 1, 1), out_channels=1, kernel_size=3, padding=1, stride=4),  # padding only
    _conv2d(True, (2, 4, 3, 4), out_channels=6, kernel_size=3, stride=2, padding=1, output_padding=1, groups=2),
    _conv2d(True, (1, 2, 1, 1), out_channels=2, kernel_size=5, padding=2),  # crops to one output pixel
    _conv2d(True, (1, 2, 6, 6), out_channels=2, kernel_size=2, stride=5, dilation=3, output_padding=(4, 0)),  # gaps
]


@pytest.mark.parametrize("case", EDGE_CASES, ids=lambda case: repr(case[1]))
def test_scalar_edge_cases(scalar, case):
    _check_scalar(scalar, *case)


@st.composite
def other_configs(draw, prefix: str):
    """``(prefix, operator, input_shape, kwargs)`` for the composite operators and Linear."""
    c_in, c_out, n, bias = (
        draw(st.integers(1, 64)),
        draw(st.integers(1, 64)),
        draw(st.integers(1, 4)),
        draw(st.booleans()),
    )
    k, s, p, d, m = (draw(st.integers(1, 7)), draw(st.integers(1, 3)), draw(st.integers(0, 3)),
                     draw(st.integers(1, 2)), draw(st.integers(1, 4)))  # fmt: skip
    h, w = (max(draw(st.integers(1, 40)), d * (k - 1) + 1) for _ in range(2))
    if prefix == "linear":
        return prefix, symconv.Linear(c_in, c_out, bias=bias), (n, c_in), {
            "in_features": c_in, "out_features": c_out, "bias": bias, "batch": n}  # fmt: skip
    if prefix.startswith("partial"):
        channels = c_in * m + c_out  # at least n_div = m, so the partial convolution has a channel
        forward = "split_cat" if prefix.endswith("split_cat") else "slicing"
        op = symconv.PartialConv2d(channels, k, n_div=m, forward=forward, bias=bias)
        kwargs = {"channels": channels, "height": h, "width": w, "kernel_size": k, "n_div": m, "bias": bias, "batch": n}
        return prefix, op, (n, channels, h, w), kwargs
    fused = prefix.endswith("fused")
    op = symconv.DepthwiseSeparableConv2d(c_in, c_out, k, s, p, d, depth_multiplier=m, bias=bias, fused=fused)
    kwargs = {"in_channels": c_in, "out_channels": c_out, "height": h, "width": w, "depth_multiplier": m}
    kwargs |= {"kernel_size": k, "stride": (s, s), "padding": p, "dilation": (d, d)}  # an int or one per axis
    return prefix, op, (n, c_in, h, w), kwargs | {"bias": bias, "batch": n}


OTHERS = [
    "linear",
    "depthwise_separable_conv2d",
    "depthwise_separable_conv2d_fused",
    "partial_conv2d",
    "partial_conv2d_split_cat",
]


@SETTINGS
@given(st.sampled_from(OTHERS).flatmap(other_configs))
def test_scalar_composites_and_linear_equal_derived_cost(scalar, config):
    _check_scalar(scalar, *config)


# NumPy ------------------------------------------------------------------------------------------


def _stacked(values: list):
    """One array per argument; a per-axis argument as a tuple of one array per axis (an array is every axis)."""
    if isinstance(values[0], tuple):
        return tuple(np.array(column) for column in zip(*values, strict=True))
    return np.array(values)


@settings(max_examples=25, deadline=None)
@given(st.sampled_from([(t, d) for t in (False, True) for d in (1, 2, 3)] + OTHERS), st.data())
def test_numpy_equals_derived_cost(vector, kind, data):
    strategy = other_configs(kind) if isinstance(kind, str) else conv_configs(*kind)
    configs = data.draw(st.lists(strategy, min_size=1, max_size=12))
    prefix = configs[0][0]
    arrays = {key: _stacked([c[3][key] for c in configs]) for key in configs[0][3]}
    costs = [op.cost(shape) for _, op, shape, _ in configs]
    for quantity, q in QUANTITIES.items():
        got = getattr(vector, f"{prefix}_{quantity}")(**arrays)
        want = [expected(c, quantity) for c in costs]
        if q.integer:
            assert got.dtype == np.int64
            assert got.tolist() == want, quantity
        else:
            assert got.tolist() == [float(v) for v in want], quantity


def test_numpy_falls_back_to_exact_ints_when_int64_would_overflow(vector, scalar):
    # 2**21 * 2**21 channels * 3*3 taps * 2**12 * 2**12 outputs = 9 * 2**66 MACs: beyond int64.
    big = {"in_channels": 2**21, "out_channels": 2**21, "kernel_size": 3}
    big |= {"height": 2**12 + 2, "width": 2**12 + 2}
    small = dict.fromkeys(big, 3)
    arrays = {k: np.array([small[k], big[k]]) for k in big}
    got = vector.conv2d_macs(**arrays)
    assert got.dtype == object
    assert got.tolist() == [3 * 3 * 9 * 1 * 1, 9 * 2**66]
    assert got[1] == scalar.conv2d_macs(**big)
    # in int64 the same computation wraps: the fallback is needed
    assert np.prod(np.array([2**21, 2**21, 9, 2**12, 2**12], dtype=np.int64)) != 9 * 2**66


def test_numpy_stays_int64_when_only_the_maxima_together_would_overflow(vector):
    # Largest channels in one row, largest image in another: each row fits, the maxima's product does not.
    arrays = {"in_channels": np.array([2**28, 1]), "out_channels": np.array([2**28, 1])}
    arrays |= {"kernel_size": 1, "height": np.array([1, 2**28]), "width": np.array([1, 2**28])}
    got = vector.conv2d_macs(**arrays)
    assert got.dtype == np.int64
    assert got.tolist() == [2**56, 2**56]


def test_numpy_accepts_ints_beyond_int64(vector):
    got = vector.linear_macs(in_features=np.array([2**70], dtype=object), out_features=3, batch=2)
    assert got.tolist() == [2**70 * 3 * 2]


def test_numpy_rejects_floats(vector):
    with pytest.raises(TypeError, match="in_features must hold integers"):
        vector.linear_macs(in_features=np.array([2.5]), out_features=3)


def test_numpy_transposed_col2im_counts_on_huge_sizes(vector, scalar):
    kwargs = {"in_channels": 2, "out_channels": 2, "kernel_size": 3, "length": np.array([5, 10**15])}
    kwargs |= {"stride": 2, "padding": 1, "output_padding": 1}
    want = [scalar.conv_transpose1d_adds(**{**kwargs, "length": n}) for n in (5, 10**15)]
    assert vector.conv_transpose1d_adds(**kwargs).tolist() == want


# The generated source ---------------------------------------------------------------------------


def _imports(source: str) -> set[str]:
    tree = ast.parse(source)
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            names.add((node.module or "").split(".")[0])
    return names


def test_scalar_module_imports_only_the_standard_library(sources):
    assert _imports(sources[SCALAR_PATH]) <= set(sys.stdlib_module_names)


def test_numpy_module_imports_only_numpy_and_the_standard_library(sources):
    assert _imports(sources[NUMPY_PATH]) <= set(sys.stdlib_module_names) | {"numpy"}


def test_no_float_division_or_math_in_scalar_module(sources):
    tree = ast.parse(sources[SCALAR_PATH])
    divisions = [n for n in ast.walk(tree) if isinstance(n, ast.BinOp) and isinstance(n.op, ast.Div)]
    assert divisions == []
    assert "math" not in _imports(sources[SCALAR_PATH])


@pytest.mark.slow
def test_generation_is_deterministic_across_hash_seeds():
    script = "import symconv.codegen as c, hashlib; print(hashlib.sha256(repr(c.artifacts()).encode()).hexdigest())"
    digests = set()
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(ROOT)}
        run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True)
        digests.add(run.stdout)
    assert len(digests) == 1


# User operators and identifier validation --------------------------------------------------------


def test_user_module_with_own_symbols():
    n, c, h = (sympy.Symbol(name, integer=True, positive=True) for name in ("n", "c", "h"))
    source = python_module(
        {"block": (symconv.Conv2d(c, 2 * c, 3, stride=2, padding=1), (n, c, h, h))}, ["macs", "params"]
    )
    namespace: dict = {}
    exec(source, namespace)
    cost = symconv.Conv2d(5, 10, 3, stride=2, padding=1).cost((2, 5, 11, 11))
    assert namespace["block_macs"](c=5, h=11, n=2) == cost.macs
    assert namespace["block_params"](c=5, h=11, n=2) == cost.params


BAD_NAMES = ["__import__('os')", "x; import os", "lambda", "print", "_hidden", "Fraction", "np", "H\u00e9", "1x", "a b"]


@pytest.mark.parametrize("name", BAD_NAMES)
@pytest.mark.parametrize("generate", [python_module, numpy_module])
def test_bad_symbol_names_are_rejected(name, generate):
    bad = sympy.Symbol(name, integer=True, positive=True)
    with pytest.raises(InvalidConfiguration, match="not allowed in generated code") as error:
        generate({"conv": (symconv.Conv1d(bad, 4, 3), (1, bad, 8))}, ["macs"])
    assert repr(name) in str(error.value)


@pytest.mark.parametrize("key", ["conv; import os", "__class__", "def"])
def test_bad_operator_names_are_rejected(key):
    with pytest.raises(InvalidConfiguration, match="operator name"):
        python_module({key: (symconv.Linear(3, 4), (1, 3))})


def test_non_integer_symbols_are_rejected():
    x = sympy.Symbol("x", positive=True)
    with pytest.raises(InvalidConfiguration, match="'x'"):
        python_module({"lin": (symconv.Linear(3, 4), (sympy.ceiling(x), 3))})


def test_unknown_quantity_is_rejected():
    with pytest.raises(symconv.UnknownName, match="gflops"):
        python_module({"lin": (symconv.Linear(3, 4), (1, 3))}, ["gflops"])


def test_numpy_negative_values_are_not_mistaken_for_small_ones(vector):
    # Invalid, but still computed exactly: a negative int64 must not pass the magnitude check as a small number.
    got = vector.linear_macs(in_features=np.array([-3, 2**40]), out_features=2**40, bias=False)
    assert got.tolist() == [-3 * 2**40, 2**80]


@st.composite
def transposed_axes(draw, max_length: int = 12):
    k, s, d = draw(st.integers(1, 7)), draw(st.integers(1, 6)), draw(st.integers(1, 4))
    length, op_ = draw(st.integers(1, max_length)), draw(st.integers(0, max(s, d) - 1))
    full = (length - 1) * s + d * (k - 1) + op_ + 1
    return length, k, s, d, draw(st.integers(0, (full - 1) // 2)), op_


@SETTINGS
@given(st.lists(transposed_axes(), min_size=1, max_size=40), st.sampled_from([1, 10**12]))
def test_vectorised_col2im_counts_equal_axis_counts(axes, scale):
    from symconv.codegen.numpy_runtime import _col2im_counts
    from symconv.core.col2im_counts import axis_counts

    axes = [(length * scale, *rest) for length, *rest in axes]
    contributions, targets = _col2im_counts(*np.array(axes).T)
    assert contributions.dtype == targets.dtype == np.int64
    assert list(zip(contributions.tolist(), targets.tolist(), strict=True)) == [axis_counts(*a) for a in axes]


def test_col2im_counts_with_a_huge_stride_take_the_exact_path():
    from symconv.codegen.numpy_runtime import _col2im_counts
    from symconv.core.col2im_counts import axis_counts

    args = (3, 2, 2**30, 2**29, 1, 5)
    assert tuple(c.tolist() for c in _col2im_counts(*args)) == axis_counts(*args)


WITHOUT_NUMPY = """
import builtins
real = builtins.__import__
def guard(name, globals=None, locals=None, fromlist=(), level=0):
    if level == 0 and name.split(".")[0] == "numpy":
        raise ModuleNotFoundError("No module named 'numpy'")
    return real(name, globals, locals, fromlist, level)
builtins.__import__ = guard
import symconv
import symconv.codegen
"""


@pytest.mark.slow
def test_generating_needs_no_numpy():
    """``main.sh`` installs symconv without extras, then regenerates derivations/: that must not import NumPy."""
    script = WITHOUT_NUMPY + "print(sorted(symconv.codegen.artifacts()))"
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, check=False)
    assert result.returncode == 0, result.stderr
    assert "codegen/costs_numpy.py" in result.stdout


def test_generating_one_operator_needs_no_numpy():
    """The fast twin of the above: one operator's scalar and NumPy modules, generated without NumPy."""
    script = WITHOUT_NUMPY + (
        "from symconv.symbols import H, W\n"
        "ops = {'c': (symconv.Conv2d(2, 3, 3, stride=2), (1, 2, H, W)),\n"
        "       'p': (symconv.AdaptiveAvgPool2d(3), (1, 2, H, W))}\n"
        "print(len(symconv.codegen.python_module(ops)), len(symconv.codegen.numpy_module(ops)))"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, check=False)
    assert result.returncode == 0, result.stderr
    assert all(int(n) > 0 for n in result.stdout.split())


def _adaptive_window_sum(length: int, size: int) -> int:
    """PyTorch's adaptive windows [floor(i*L/o), ceil((i+1)*L/o)), their lengths added up one by one."""
    return sum(-(-(i + 1) * length // size) - i * length // size for i in range(size))


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 9), st.integers(1, 80), st.integers(1, 80), st.integers(1, 9))
def test_adaptive_pool_gcd_prints_in_python_and_numpy(c, h, w, o) -> None:
    from symconv.network import AdaptiveAvgPool2d
    from symconv.symbols import C, H, W

    operators = {"pool": (AdaptiveAvgPool2d(o), (1, C, H, W))}
    scalar, vector = {}, {}
    exec(python_module(operators, ["adds", "mults"]), scalar)
    exec(numpy_module(operators, ["adds"]), vector)
    summed = _adaptive_window_sum(h, o) * _adaptive_window_sum(w, o)  # every window's elements, per plane
    assert scalar["pool_adds"](C=c, H=h, W=w) == c * (summed - o * o)  # one add less than elements per window
    assert scalar["pool_mults"](C=c, H=h, W=w) == c * o * o  # one scaling per output
    big = 10**30 + h
    assert scalar["pool_adds"](C=c, H=big, W=w) == c * (
        _adaptive_window_sum(big, o) * _adaptive_window_sum(w, o) - o * o
    )
    assert vector["pool_adds"](C=np.array([c, c]), H=np.array([h, big], dtype=object), W=w).tolist() == [
        c * (summed - o * o),
        scalar["pool_adds"](C=c, H=big, W=w),
    ]


@pytest.mark.parametrize("kernel_size", [(3, 3, 3), (3,), [3, 3, 3]])
@pytest.mark.parametrize("module", ["scalar", "vector"])
def test_per_axis_argument_of_the_wrong_length_says_so(module, kernel_size, request):
    conv2d_macs = request.getfixturevalue(module).conv2d_macs
    with pytest.raises(ValueError, match="expected 2 values, one per axis, got"):
        conv2d_macs(in_channels=4, out_channels=4, kernel_size=kernel_size, height=8, width=8)


@pytest.mark.parametrize("module", ["scalar", "vector"])
def test_per_axis_argument_as_int_tuple_or_list_agree(module, request):
    conv2d_macs = request.getfixturevalue(module).conv2d_macs
    # 4 * 4 channels x 3 * 1 taps at (8 - 3 + 1) x (8 + 2 - 1 + 1) = 6 x 10 output pixels
    got = [conv2d_macs(4, 4, k, 8, 8, padding=(0, 1)) for k in ((3, 1), [3, 1])]
    assert [int(v) for v in got] == [4 * 4 * 3 * 1 * 6 * 10] * 2
    assert int(conv2d_macs(4, 4, 3, 8, 8)) == 4 * 4 * 9 * 6 * 6


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 10**6), st.integers(1, 10**30))
def test_scalar_function_of_a_network_total_is_exact(h, w):
    from symconv.codegen import scalar_function
    from symconv.core.intfuncs import CeilDiv, FloorDiv
    from symconv.symbols import H, W

    # the shape of a network's total: a sum of products of output sizes with a shared factor 128
    total = 128 * (147 * CeilDiv(H, 2) * CeilDiv(W, 2) + 3840 * CeilDiv(H, 4) * CeilDiv(W, 4) + 32000)
    total += 3 * FloorDiv(H + 1, 2) * FloorDiv(W - 1, 3)
    f = scalar_function(total, (H, W))

    def ceil(a, b):  # written independently: -(-a // b)
        return -(-a // b)

    expected = 128 * (147 * ceil(h, 2) * ceil(w, 2) + 3840 * ceil(h, 4) * ceil(w, 4) + 32000)
    expected += 3 * ((h + 1) // 2) * ((w - 1) // 3)
    assert f(h, w) == f(H=h, W=w) == expected


# --------------------------------------------------------------------------- generated code passes a linter


def _lint(sources: dict[str, str], tmp_path) -> subprocess.CompletedProcess:
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    if ruff is None:
        pytest.skip("ruff is not installed")
    for name, source in sources.items():
        (tmp_path / name).write_text(source, encoding="utf-8")
    # the project's rules; long lines are left to the reader's formatter (a signature has one argument per symbol)
    rules = ["--select", "E,F,I,B,UP,SIM,RUF", "--ignore", "E501"]
    return subprocess.run(
        [ruff, "check", "--isolated", "--no-cache", *rules, str(tmp_path)], capture_output=True, text=True, check=False
    )


def test_generated_modules_pass_ruff(tmp_path) -> None:
    conv = {"conv": (symconv.Conv2d(C_in, C_out, 3, bias=False), (1, C_in, H, W))}
    up = {"up": (symconv.ConvTranspose2d(C_in, C_out, 4, stride=2, padding=1), (1, C_in, H, W))}
    sources = {
        "conv_macs.py": python_module(conv, ["macs"]),  # no quotient: no Fraction; no col2im helpers
        "conv_numpy.py": numpy_module(conv, ["macs"]),
        "up.py": python_module(up),
        "up_numpy.py": numpy_module(up),
        **{Path(path).name: text for path, text in artifacts().items()},
    }
    result = _lint(sources, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Fraction" not in sources["conv_macs.py"].split('"""')[2]  # past the docstring: not imported
    assert "def axis_counts" not in sources["conv_macs.py"] and "def axis_counts" in sources["up.py"]
    assert "def _col2im_counts" not in sources["conv_numpy.py"] and "def _col2im_counts" in sources["up_numpy.py"]
