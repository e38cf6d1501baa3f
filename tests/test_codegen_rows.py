"""The generated NumPy module computes configuration by configuration: int64 where a bound proves it exact.

Expected values come from hand-written Python-int formulas (or the derived cost), never from
the generated code itself.
"""

from __future__ import annotations

import importlib.util
from fractions import Fraction

import numpy as np
import pytest

import symconv
from symconv.codegen import NUMPY_PATH, artifacts

INT64_MAX = 2**63 - 1


@pytest.fixture(scope="module")
def vector(tmp_path_factory):
    path = tmp_path_factory.mktemp("gen") / "costs_numpy_rows.py"
    path.write_text(artifacts()[NUMPY_PATH])
    spec = importlib.util.spec_from_file_location("generated_costs_numpy_rows", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def conv2d_macs(c_in, c_out, k, size, padding=0, groups=1, batch=1):
    """Square Conv2d, stride 1: MACs by hand."""
    out = size + 2 * padding - k + 1
    return batch * c_out * out * out * (c_in // groups) * k * k


def _rows(n: int, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    groups = rng.choice([1, 2, 4], n)
    return {
        "in_features": rng.integers(1, 4096, n),
        "out_features": rng.integers(1, 4096, n),
        "batch": rng.integers(1, 64, n),
        "groups": groups,
    }


@pytest.mark.parametrize(
    ("row", "fits"),
    [
        ((INT64_MAX, 1, 1), True),  # the largest int64 itself
        ((2**62, 2, 1), False),  # 2**63: one past it
        ((2**31, 2**32, 1), False),
        ((3, 2**61, 4), False),
        ((2**61 - 1, 2, 2), True),  # 2**63 - 4
    ],
)
def test_one_row_at_the_int64_edge_among_thousands(vector, row, fits):
    columns = _rows(5000)
    index = 2500  # in the third block of 1024 rows: the other blocks stay on the int64 path
    for name, value in zip(("in_features", "out_features", "batch"), row, strict=True):
        columns[name] = columns[name].astype(object if value > INT64_MAX else np.int64)
        columns[name][index] = value
    got = vector.linear_macs(columns["in_features"], columns["out_features"], batch=columns["batch"])
    want = [
        int(a) * int(b) * int(n) for a, b, n in zip(*(columns[k] for k in ("in_features", "out_features", "batch")))
    ]
    assert got.tolist() == want
    assert got.dtype == (np.int64 if fits else object)


def test_rows_on_both_sides_of_the_edge_in_one_block(vector):
    a = np.array([INT64_MAX, 2**62, 7, 2**32, 1, 2**40], dtype=np.int64)
    b = np.array([1, 2, 9, 2**31 - 1, 1, 2**23], dtype=np.int64)
    got = vector.linear_macs(a, b)
    assert got.tolist() == [int(x) * int(y) for x, y in zip(a, b, strict=True)]
    assert got.dtype == object


def test_conv2d_one_overflowing_row_is_exact_and_the_others_too(vector):
    n = 3000
    rng = np.random.default_rng(1)
    groups = rng.choice([1, 2, 4], n)
    args = {
        "in_channels": groups * rng.integers(1, 64, n),
        "out_channels": groups * rng.integers(1, 64, n),
        "kernel_size": 3,
        "height": rng.integers(8, 128, n),
        "width": None,
        "padding": (np.full(n, 1), np.full(n, 1)),  # one array per axis
        "groups": groups,
        "batch": rng.integers(1, 32, n),
    }
    args["width"] = args["height"]
    args["batch"][1234] = 2**50  # 2**50 x 9 x channels x pixels: beyond int64
    got = vector.conv2d_macs(**args)
    want = [
        conv2d_macs(int(c), int(o), 3, int(h), padding=1, groups=int(g), batch=int(b))
        for c, o, h, g, b in zip(*(args[k] for k in ("in_channels", "out_channels", "height", "groups", "batch")))
    ]
    assert got.dtype == object
    assert want[1234] > INT64_MAX
    assert got.tolist() == want


def test_scalar_arguments_that_overflow_are_exact(vector):
    got = vector.linear_macs(2**40, 2**40, batch=3)
    assert int(got) == 3 * 2**80


def test_broadcast_arguments_with_one_overflowing_row(vector):
    a = np.array([[1], [2**40], [5]])  # a column against a row: the fallback works on the broadcast shape
    b = np.array([1, 2**30, 3])
    got = vector.linear_macs(a, b, batch=2**10)
    assert got.shape == (3, 3)
    assert got.tolist() == [[int(x) * int(y) * 2**10 for y in b] for x in a[:, 0]]


def test_depthwise_rows_that_fit_stay_int64(vector):
    # C = groups = 2**14: in_channels * out_channels * ... is 9 * 2**64, beyond int64, but the MACs
    # divide in_channels by groups first: 9 * 2**50.
    c, size, batch = 2**14, 2**12 + 2, 2**12
    rows = {"in_channels": np.full(4, c), "out_channels": np.full(4, c), "groups": np.full(4, c)}
    rows |= {"kernel_size": 3, "height": size, "width": size, "batch": batch}
    op = symconv.Conv2d(c, c, 3, groups=c)
    cost = op.cost((batch, c, size, size))
    assert c * c * 9 * (size - 2) ** 2 * batch > INT64_MAX
    for quantity, value in {
        "macs": cost.macs,
        "flops": 2 * cost.macs,
        "params": cost.params,
        "memory_ideal": cost.memory("ideal"),
    }.items():
        got = getattr(vector, f"conv2d_{quantity}")(**rows)
        assert got.dtype == np.int64, quantity
        assert got.tolist() == [int(value)] * 4, quantity
    assert conv2d_macs(c, c, 3, size, groups=c, batch=batch) == int(cost.macs) == 9 * 2**50


def test_intensity_is_float64_with_or_without_an_overflowing_row(vector):
    flops = [2 * 64 * 64 * 9 * 56 * 56, 2 * 2**40 * 64 * 9 * 56 * 56]
    rows = {"in_channels": np.array([64, 2**40]), "out_channels": 64, "kernel_size": (3, 3)}
    rows |= {"height": 58, "width": 58, "bias": False}
    got = vector.conv2d_intensity_flops_ideal(**rows)
    memory = [c * 58 * 58 + 64 * 56 * 56 + 64 * c * 9 for c in (64, 2**40)]
    assert got.dtype == np.float64
    assert got.tolist() == [float(Fraction(f, m)) for f, m in zip(flops, memory, strict=True)]
    assert vector.conv2d_intensity_flops_ideal(**(rows | {"in_channels": np.array([64, 128])})).dtype == np.float64


def test_quotient_rounds_once_beyond_2_53_and_stays_float64(vector):
    # flops and memory of the second row exceed 2**53: NumPy would round each before dividing
    rows = {"in_channels": np.array([64, 2**35 + 1]), "out_channels": 2**20 + 3, "kernel_size": 3}
    rows |= {"height": 58, "width": 61, "bias": True}
    got = vector.conv2d_intensity_flops_ideal(**rows)
    want = []
    for c in (64, 2**35 + 1):
        outputs = (2**20 + 3) * 56 * 59
        flops = 2 * outputs * c * 9
        memory = c * 58 * 61 + outputs + (2**20 + 3) * (9 * c + 1)
        assert c == 64 or flops > 2**53
        want.append(float(Fraction(flops, memory)))
    assert got.dtype == np.float64
    assert got.tolist() == want


def test_every_intensity_is_float64_at_small_sizes(vector):
    """Small configurations take the int64 path: every ``*_intensity*`` returns float64, never an object array."""
    import inspect

    functions = {name: f for name, f in vars(vector).items() if "_intensity" in name and not name.startswith("_")}
    assert len(functions) >= 10
    for name, function in functions.items():
        required = [p.name for p in inspect.signature(function).parameters.values() if p.default is p.empty]
        for value in (np.int64(8), np.array([8, 16]), np.array([[8], [12]])):
            sizes = {p: (3 if p == "kernel_size" else value) for p in required}
            got = function(**sizes)
            assert got.dtype == np.float64, (name, value)
            assert got.shape == np.shape(value), name
