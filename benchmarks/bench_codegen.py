"""Generated cost functions against hand-written formulas and PyTorch's FlopCounterMode, in one run.

    python benchmarks/bench_codegen.py [--configs 500] [--rows 1000000] [--torch-configs 60] [--check]

For random Conv2d and ConvTranspose2d configurations:

- scalar: for every quantity, the generated exact function against a hand-written formula of
  the same count, both called positionally and with keywords (literal names, as a caller
  writes them) over the same configurations; a no-op with the same signature shows what the
  call itself costs. Ratio = median time of the generated loop / the hand-written one; the
  noise (at least 1%) is the hand-written function timed against an identical copy of itself,
  and a ratio within it of the target counts as meeting it;
- FlopCounterMode on ``device='meta'`` (building the layer and running it, and running a
  prebuilt layer) against the generated function called positionally, per configuration;
- NumPy: the generated vectorised function against hand-written NumPy on ``--rows`` rows;
  the same rows with one whose value overflows int64 (exact on every row, at most 2x its
  normal time); depthwise rows (channels = groups = 2**14) whose values fit stay int64;
- the one-off cost of deriving and generating every built-in module, in a fresh interpreter.

Every count is checked equal on both sides before it is timed. The hand-written formulas
are the baseline; they live only here. ``--check`` exits 1 if a goal is missed.
"""

from __future__ import annotations

import argparse
import ast
import importlib.util
import inspect
import random
import statistics
import subprocess
import sys
import tempfile
import time
import types
from fractions import Fraction
from functools import partial
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ENV, ROOT, Goal, exit_code, interleaved, print_goals

sys.path.insert(0, str(ROOT))
from symconv.codegen import NUMPY_PATH, SCALAR_PATH, artifacts
from symconv.core.quantities import quantity_named

NAME = "codegen"

# Baselines: what a careful user writes by hand (same signature as the generated functions) ---------


def conv2d_macs(in_channels, out_channels, kernel_size_h, kernel_size_w, height, width, stride_h=1, stride_w=1,
                padding_h=0, padding_w=0, dilation_h=1, dilation_w=1, groups=1, bias=True, batch=1):  # fmt: skip
    h_out = (height + 2 * padding_h - dilation_h * (kernel_size_h - 1) - 1) // stride_h + 1
    w_out = (width + 2 * padding_w - dilation_w * (kernel_size_w - 1) - 1) // stride_w + 1
    return batch * out_channels * h_out * w_out * (in_channels // groups) * kernel_size_h * kernel_size_w


def conv2d_flops(in_channels, out_channels, kernel_size_h, kernel_size_w, height, width, stride_h=1, stride_w=1,
                 padding_h=0, padding_w=0, dilation_h=1, dilation_w=1, groups=1, bias=True, batch=1):  # fmt: skip
    h_out = (height + 2 * padding_h - dilation_h * (kernel_size_h - 1) - 1) // stride_h + 1
    w_out = (width + 2 * padding_w - dilation_w * (kernel_size_w - 1) - 1) // stride_w + 1
    return 2 * batch * out_channels * h_out * w_out * (in_channels // groups) * kernel_size_h * kernel_size_w


def conv2d_adds(in_channels, out_channels, kernel_size_h, kernel_size_w, height, width, stride_h=1, stride_w=1,
                padding_h=0, padding_w=0, dilation_h=1, dilation_w=1, groups=1, bias=True, batch=1):  # fmt: skip
    h_out = (height + 2 * padding_h - dilation_h * (kernel_size_h - 1) - 1) // stride_h + 1
    w_out = (width + 2 * padding_w - dilation_w * (kernel_size_w - 1) - 1) // stride_w + 1
    return batch * out_channels * h_out * w_out * (kernel_size_h * kernel_size_w * (in_channels // groups) - 1 + bias)


def conv2d_ops(in_channels, out_channels, kernel_size_h, kernel_size_w, height, width, stride_h=1, stride_w=1,
               padding_h=0, padding_w=0, dilation_h=1, dilation_w=1, groups=1, bias=True, batch=1):  # fmt: skip
    h_out = (height + 2 * padding_h - dilation_h * (kernel_size_h - 1) - 1) // stride_h + 1
    w_out = (width + 2 * padding_w - dilation_w * (kernel_size_w - 1) - 1) // stride_w + 1
    taps = kernel_size_h * kernel_size_w * (in_channels // groups)
    return batch * out_channels * h_out * w_out * (2 * taps - 1 + bias)


def conv2d_params(in_channels, out_channels, kernel_size_h, kernel_size_w, height, width, stride_h=1, stride_w=1,
                  padding_h=0, padding_w=0, dilation_h=1, dilation_w=1, groups=1, bias=True, batch=1):  # fmt: skip
    return out_channels * (kernel_size_h * kernel_size_w * (in_channels // groups) + bias)


def conv2d_memory_ideal(in_channels, out_channels, kernel_size_h, kernel_size_w, height, width, stride_h=1,
                        stride_w=1, padding_h=0, padding_w=0, dilation_h=1, dilation_w=1, groups=1, bias=True,
                        batch=1):  # fmt: skip
    h_out = (height + 2 * padding_h - dilation_h * (kernel_size_h - 1) - 1) // stride_h + 1
    w_out = (width + 2 * padding_w - dilation_w * (kernel_size_w - 1) - 1) // stride_w + 1
    weights = out_channels * (kernel_size_h * kernel_size_w * (in_channels // groups) + bias)
    return batch * (in_channels * height * width + out_channels * h_out * w_out) + weights


def conv2d_memory_im2col(in_channels, out_channels, kernel_size_h, kernel_size_w, height, width, stride_h=1,
                         stride_w=1, padding_h=0, padding_w=0, dilation_h=1, dilation_w=1, groups=1, bias=True,
                         batch=1):  # fmt: skip
    h_out = (height + 2 * padding_h - dilation_h * (kernel_size_h - 1) - 1) // stride_h + 1
    w_out = (width + 2 * padding_w - dilation_w * (kernel_size_w - 1) - 1) // stride_w + 1
    weights = out_channels * (kernel_size_h * kernel_size_w * (in_channels // groups) + bias)
    # written, then read; a pointwise convolution (1x1, stride 1, unpadded) multiplies the input itself
    stored = kernel_size_h + kernel_size_w + stride_h + stride_w + padding_h + padding_w > 4
    columns = 2 * in_channels * kernel_size_h * kernel_size_w * h_out * w_out * stored
    return batch * (in_channels * height * width + columns + out_channels * h_out * w_out) + weights


def conv2d_intensity(in_channels, out_channels, kernel_size_h, kernel_size_w, height, width, stride_h=1, stride_w=1,
                     padding_h=0, padding_w=0, dilation_h=1, dilation_w=1, groups=1, bias=True, batch=1):  # fmt: skip
    h_out = (height + 2 * padding_h - dilation_h * (kernel_size_h - 1) - 1) // stride_h + 1
    w_out = (width + 2 * padding_w - dilation_w * (kernel_size_w - 1) - 1) // stride_w + 1
    taps = kernel_size_h * kernel_size_w * (in_channels // groups)
    outputs = batch * out_channels * h_out * w_out
    return Fraction(2 * outputs * taps, batch * in_channels * height * width + outputs + out_channels * (taps + bias))


def conv_transpose2d_macs(in_channels, out_channels, kernel_size_h, kernel_size_w, height, width, stride_h=1,
                          stride_w=1, padding_h=0, padding_w=0, output_padding_h=0, output_padding_w=0,
                          dilation_h=1, dilation_w=1, groups=1, bias=True, batch=1):  # fmt: skip
    return batch * in_channels * (out_channels // groups) * kernel_size_h * kernel_size_w * height * width


def conv_transpose2d_flops(in_channels, out_channels, kernel_size_h, kernel_size_w, height, width, stride_h=1,
                           stride_w=1, padding_h=0, padding_w=0, output_padding_h=0, output_padding_w=0,
                           dilation_h=1, dilation_w=1, groups=1, bias=True, batch=1):  # fmt: skip
    return 2 * batch * in_channels * (out_channels // groups) * kernel_size_h * kernel_size_w * height * width


def conv_transpose2d_params(in_channels, out_channels, kernel_size_h, kernel_size_w, height, width, stride_h=1,
                            stride_w=1, padding_h=0, padding_w=0, output_padding_h=0, output_padding_w=0,
                            dilation_h=1, dilation_w=1, groups=1, bias=True, batch=1):  # fmt: skip
    return in_channels * (out_channels // groups) * kernel_size_h * kernel_size_w + bias * out_channels


def conv_transpose2d_memory_ideal(in_channels, out_channels, kernel_size_h, kernel_size_w, height, width,
                                  stride_h=1, stride_w=1, padding_h=0, padding_w=0, output_padding_h=0,
                                  output_padding_w=0, dilation_h=1, dilation_w=1, groups=1, bias=True,
                                  batch=1):  # fmt: skip
    h_out = (height - 1) * stride_h - 2 * padding_h + dilation_h * (kernel_size_h - 1) + output_padding_h + 1
    w_out = (width - 1) * stride_w - 2 * padding_w + dilation_w * (kernel_size_w - 1) + output_padding_w + 1
    weights = in_channels * (out_channels // groups) * kernel_size_h * kernel_size_w + bias * out_channels
    return batch * (in_channels * height * width + out_channels * h_out * w_out) + weights


def conv2d_intensity_numpy(in_channels, out_channels, kernel_size_h, kernel_size_w, height, width, stride_h=1,
                           stride_w=1, padding_h=0, padding_w=0, dilation_h=1, dilation_w=1, groups=1, bias=True,
                           batch=1):  # fmt: skip
    h_out = (height + 2 * padding_h - dilation_h * (kernel_size_h - 1) - 1) // stride_h + 1
    w_out = (width + 2 * padding_w - dilation_w * (kernel_size_w - 1) - 1) // stride_w + 1
    taps = kernel_size_h * kernel_size_w * (in_channels // groups)
    outputs = batch * out_channels * h_out * w_out
    return 2 * outputs * taps / (batch * in_channels * height * width + outputs + out_channels * (taps + bias))


HAND = {
    "Conv2d": {
        q: globals()[f"conv2d_{q}"]
        for q in ("macs", "flops", "mults", "adds", "ops", "params", "memory_ideal", "memory_im2col", "intensity")
        if f"conv2d_{q}" in globals()
    }
    | {"mults": conv2d_macs},
    "ConvTranspose2d": {q: globals()[f"conv_transpose2d_{q}"] for q in ("macs", "flops", "params", "memory_ideal")},
}
PREFIX = {"Conv2d": "conv2d", "ConvTranspose2d": "conv_transpose2d"}
NUMPY_QUANTITIES = ("macs", "flops", "params", "memory_ideal", "memory_im2col", "intensity")


# Random configurations ---------------------------------------------------------------------------


def random_config(rng: random.Random, transposed: bool) -> dict[str, int | bool]:
    groups = rng.choice([1, 1, 1, 2, 4, 8])
    config: dict[str, int | bool] = {
        "in_channels": groups * rng.randint(1, 64),
        "out_channels": groups * rng.randint(1, 64),
    }
    for axis in ("h", "w"):
        k, s, d = rng.choice([1, 3, 5, 7]), rng.choice([1, 1, 2, 3]), rng.choice([1, 1, 2])
        config |= {"kernel_size_" + axis: k, "stride_" + axis: s, "dilation_" + axis: d}
        config["padding_" + axis] = rng.randint(0, k // 2 * d)
        if transposed:
            config["output_padding_" + axis] = rng.randint(0, max(s, d) - 1)
    config |= {"height": rng.randint(8, 128), "width": rng.randint(8, 128), "groups": groups}
    config |= {"bias": rng.random() < 0.5, "batch": rng.randint(1, 32)}
    for axis, size in (("h", "height"), ("w", "width")):  # the dilated kernel must fit the padded input
        config[size] = max(config[size], config["dilation_" + axis] * (config["kernel_size_" + axis] - 1) + 1)
    return config


def generated_name(prefix: str, quantity: str) -> str:
    """The generated function of ``quantity``: ``conv2d_intensity_flops_ideal`` for ``intensity``."""
    return f"{prefix}_{quantity_named(quantity).identifier}"


def parameters(function) -> tuple[str, ...]:
    return function.__code__.co_varnames[: function.__code__.co_argcount]


PER_AXIS = ("kernel_size", "stride", "padding", "output_padding", "dilation")


def with_signature_of(generated, formula):
    """The hand-written ``formula`` (written on per-axis values) as a function with ``generated``'s signature.

    Its body is the formula's own text; each per-axis argument it uses is read inline as a caller
    of PyTorch's signature would (a tuple gives one value per axis, an int or an array all of them).
    """
    source = inspect.getsource(formula)
    lines = [line for line in source.splitlines()[ast.parse(source).body[0].body[0].lineno - 1 :] if line.strip()]
    used = {name for name in PER_AXIS if any(f"{name}_h" in line for line in lines)}
    unpack = [
        f"    {name}_h, {name}_w = {name} if {name}.__class__ is tuple else ({name}, {name})" for name in sorted(used)
    ]
    namespace = dict(formula.__globals__)
    exec(f"def {formula.__name__}{inspect.signature(generated)}:\n" + "\n".join(unpack + lines) + "\n", namespace)
    return namespace[formula.__name__]


def pytorch_arguments(config: dict, names: tuple[str, ...]) -> tuple:
    """``config`` (one value per axis) as the arguments ``names`` of PyTorch's signature (a tuple per axis)."""
    return tuple((config[f"{n}_h"], config[f"{n}_w"]) if n in PER_AXIS else config[n] for n in names)


# Scalar: generated vs hand-written, positionally and with keywords ------------------------------


def calls(function, names: tuple[str, ...], rows: list[tuple], keywords: bool):
    """A loop calling ``function`` on every row, compiled as a caller writes it (literal keyword names)."""
    variables = ", ".join(f"a{i}" for i in range(len(names)))
    arguments = ", ".join(f"{n}=a{i}" for i, n in enumerate(names)) if keywords else variables
    namespace = {"f": function}
    exec(f"def loop(rows):\n    for {variables} in rows:\n        f({arguments})\n", namespace)
    return partial(namespace["loop"], rows)


def noop_like(function):
    """A function with ``function``'s signature that does nothing: the cost of the call itself."""
    names = parameters(function)
    defaults = function.__defaults__ or ()
    required = names[: len(names) - len(defaults)]
    signature = [*required, *(f"{n}={d!r}" for n, d in zip(names[len(required) :], defaults, strict=True))]
    namespace: dict = {}
    exec(f"def noop({', '.join(signature)}):\n    return 0\n", namespace)
    return namespace["noop"]


def bench_scalar(scalar, rng: random.Random, configs: int, rounds: int) -> list[Goal]:
    goals = []
    for family, hand in HAND.items():
        transposed = family == "ConvTranspose2d"
        table = [random_config(rng, transposed) for _ in range(configs)]
        for quantity, formula in hand.items():
            generated = getattr(scalar, generated_name(PREFIX[family], quantity))
            hand_fn = with_signature_of(generated, formula)
            names = parameters(generated)
            rows = [pytorch_arguments(c, names) for c in table]
            for row in rows:
                assert generated(*row) == hand_fn(*row), (family, quantity, row)
            noop, twin = noop_like(generated), types.FunctionType(hand_fn.__code__, hand_fn.__globals__)
            sides = (("generated", generated), ("hand", hand_fn), ("twin", twin), ("no-op", noop))
            cases = {
                f"{side} {style}": calls(fn, names, rows, style == "keywords")
                for style in ("positional", "keywords")
                for side, fn in sides
            }
            t = interleaved(cases, rounds)
            for style in ("positional", "keywords"):
                gen, by_hand, same, call = (t[f"{side} {style}"] for side, _ in sides)
                detail = (
                    f"{gen / configs * 1e9:.0f} vs {by_hand / configs * 1e9:.0f} ns; call alone "
                    f"{call / configs * 1e9:.0f} ns; arithmetic {(gen - call) / (by_hand - call):.2f}x"
                )
                noise = max(0.01, abs(same / by_hand - 1))  # the hand-written function against its own copy
                name = f"scalar {family} {quantity} ({style})"
                goals.append(Goal(NAME, name, gen / by_hand, 1.0, detail=detail, noise=noise))
    return goals


# FlopCounterMode on the meta device ---------------------------------------------------------------


def torch_layer(config: dict, transposed: bool):
    import torch

    kwargs = {
        "in_channels": config["in_channels"],
        "out_channels": config["out_channels"],
        "kernel_size": (config["kernel_size_h"], config["kernel_size_w"]),
        "stride": (config["stride_h"], config["stride_w"]),
        "padding": (config["padding_h"], config["padding_w"]),
        "dilation": (config["dilation_h"], config["dilation_w"]),
        "groups": config["groups"],
        "bias": config["bias"],
    }
    if transposed:
        kwargs["output_padding"] = (config["output_padding_h"], config["output_padding_w"])
    with torch.device("meta"):
        layer = (torch.nn.ConvTranspose2d if transposed else torch.nn.Conv2d)(**kwargs)
        x = torch.empty(config["batch"], config["in_channels"], config["height"], config["width"])
    return layer, x


def flop_counter(layer, x) -> int:
    from torch.utils.flop_counter import FlopCounterMode

    with FlopCounterMode(display=False) as counter:
        layer(x)
    return counter.get_total_flops()


def bench_torch(scalar, rng: random.Random, configs: int, rounds: int) -> list[Goal]:
    goals = []
    for family in HAND:
        transposed = family == "ConvTranspose2d"
        generated = getattr(scalar, f"{PREFIX[family]}_flops")
        names = parameters(generated)
        per_config: dict[str, list[float]] = {"build": [], "forward": [], "generated": []}
        flop_counter(*torch_layer(random_config(rng, transposed), transposed))  # first use imports and caches
        for _ in range(configs):
            config = random_config(rng, transposed)
            row = pytorch_arguments(config, names)
            layer, x = torch_layer(config, transposed)
            assert flop_counter(layer, x) == generated(*row), config
            repeat = calls(generated, names, [row] * 100, keywords=False)
            t = interleaved(
                {
                    "build": lambda c=config, t=transposed: flop_counter(*torch_layer(c, t)),
                    "forward": lambda layer=layer, x=x: flop_counter(layer, x),
                    "generated": repeat,
                },
                rounds,
            )
            t["generated"] /= 100
            for key, value in t.items():
                per_config[key].append(value)
        gen = statistics.median(per_config["generated"])
        for key, what in (("build", "layer built and run"), ("forward", "prebuilt layer run")):
            theirs = statistics.median(per_config[key])
            detail = f"{theirs * 1e6:,.0f} us vs {gen * 1e9:.0f} ns, {configs} configurations, counts equal"
            goals.append(
                Goal(NAME, f"FlopCounterMode (meta, {what}) / generated, {family}", theirs / gen, detail=detail)
            )
    return goals


# NumPy ---------------------------------------------------------------------------------------------


def numpy_table(rng: np.random.Generator, rows: int) -> dict[str, np.ndarray]:
    groups = rng.choice([1, 1, 1, 2, 4, 8], rows)
    table = {"in_channels": groups * rng.integers(1, 65, rows), "out_channels": groups * rng.integers(1, 65, rows)}
    for axis in ("h", "w"):
        k, s, d = rng.choice([1, 3, 5, 7], rows), rng.choice([1, 1, 2, 3], rows), rng.choice([1, 1, 2], rows)
        table |= {"kernel_size_" + axis: k, "stride_" + axis: s, "dilation_" + axis: d}
        table["padding_" + axis] = rng.integers(0, k // 2 * d + 1)
    for axis, size in (("h", "height"), ("w", "width")):
        span = table["dilation_" + axis] * (table["kernel_size_" + axis] - 1) + 1
        table[size] = np.maximum(rng.integers(8, 129, rows), span)
    table |= {"groups": groups, "bias": rng.random(rows) < 0.5, "batch": rng.integers(1, 33, rows)}
    return table


def pytorch_style(table: dict) -> dict:
    """Columns of one value per axis as PyTorch's arguments: a tuple of one column per axis."""
    per_axis = {n for n in PER_AXIS if f"{n}_h" in table}
    columns = {k: v for k, v in table.items() if k[:-2] not in per_axis}
    return columns | {n: (table[f"{n}_h"], table[f"{n}_w"]) for n in sorted(per_axis)}


def bench_numpy(vector, rows: int, rounds: int) -> list[Goal]:
    goals = []
    table = numpy_table(np.random.default_rng(0), rows)
    hand = HAND["Conv2d"] | {"intensity": conv2d_intensity_numpy}
    overflowing = dict(table, batch=table["batch"].copy())
    row = rows // 2
    overflowing["batch"][row] = 2**50  # x channels x taps x pixels: beyond int64
    arguments, overflowing_arguments = pytorch_style(table), pytorch_style(overflowing)
    for quantity in NUMPY_QUANTITIES:
        generated = getattr(vector, generated_name("conv2d", quantity))
        by_hand = with_signature_of(generated, hand[quantity])
        normal = generated(**arguments)
        np.testing.assert_array_equal(normal, by_hand(**arguments))
        t = interleaved(
            {
                "generated": lambda f=generated: f(**arguments),
                "hand": lambda f=by_hand: f(**arguments),
                "overflow": lambda f=generated: f(**overflowing_arguments),
            },
            rounds,
        )
        detail = f"{t['generated'] * 1e3:.1f} vs {t['hand'] * 1e3:.1f} ms on {rows:,} rows"
        goals.append(Goal(NAME, f"numpy Conv2d {quantity}", t["generated"] / t["hand"], 1.5, detail=detail))
        if quantity == "params":  # does not depend on the batch
            continue
        result = generated(**overflowing_arguments)
        config = {k: (v[row].item() if isinstance(v, np.ndarray) else v) for k, v in overflowing.items()}
        scalar_fn = HAND["Conv2d"][quantity]
        exact = scalar_fn(**config)
        wrong = int(result[row] != (float(exact) if quantity == "intensity" else exact))
        others = np.arange(rows) != row
        wrong += int(np.count_nonzero(result[others] != normal[others]))
        detail = (
            f"{t['overflow'] * 1e3:.1f} vs {t['generated'] * 1e3:.1f} ms, dtype {result.dtype}, "
            f"rows differing from Python ints: {wrong}"
        )
        ratio = t["overflow"] / t["generated"] if wrong == 0 else float("inf")
        goals.append(Goal(NAME, f"numpy Conv2d {quantity}, one row of {rows:,} overflowing", ratio, 2.0, detail=detail))
    goals.append(depthwise_goal(vector))
    return goals


def depthwise_goal(vector) -> Goal:
    """Depthwise rows (channels = groups = 2**14) whose values fit stay int64, exact."""
    c, size, batch = 2**14, 2**12 + 2, 2**12  # in_channels * out_channels * ... would be 9 * 2**64
    rows = {"in_channels": np.full(8, c), "out_channels": np.full(8, c), "groups": np.full(8, c)}
    rows |= {"kernel_size": 3, "height": size, "width": size, "batch": batch}
    config = {k: (int(v[0]) if isinstance(v, np.ndarray) else v) for k, v in rows.items() if k != "kernel_size"}
    config |= {"kernel_size_h": 3, "kernel_size_w": 3}
    failed = []
    for quantity in ("macs", "flops", "params", "memory_ideal", "memory_im2col"):
        got = getattr(vector, f"conv2d_{quantity}")(**rows)
        if got.dtype != np.int64 or got.tolist() != [HAND["Conv2d"][quantity](**config)] * 8:
            failed.append(quantity)
    detail = "every quantity int64 and exact" if not failed else "not int64 or not exact: " + ", ".join(failed)
    return Goal(NAME, "numpy depthwise rows (C = groups = 2**14) not int64", len(failed), 0, unit="", detail=detail)


# One-off -----------------------------------------------------------------------------------------


def one_off() -> list[Goal]:
    script = (
        "import time; t0 = time.perf_counter(); import symconv.codegen as c; t1 = time.perf_counter();"
        "c.artifacts(); print(t1 - t0, time.perf_counter() - t1)"
    )
    command = [sys.executable, "-c", script]
    subprocess.run(command, cwd=ROOT, env=ENV, capture_output=True, check=True)  # bytecode written, as installed
    out = subprocess.run(command, cwd=ROOT, env=ENV, capture_output=True, text=True, check=True).stdout
    imported, generated = map(float, out.split())
    return [
        Goal(NAME, "one-off: import symconv.codegen", imported, unit="s"),
        Goal(NAME, "one-off: derive + generate every built-in module", generated, 5.0, unit="s"),
    ]


def load(directory: Path, relative: str, text: str):
    path = directory / Path(relative).name
    path.write_text(text)
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def measure(configs: int = 500, rows: int = 1_000_000, torch_configs: int = 60, rounds: int = 21) -> list[Goal]:
    sources = artifacts()
    with tempfile.TemporaryDirectory() as tmp:
        scalar = load(Path(tmp), SCALAR_PATH, sources[SCALAR_PATH])
        vector = load(Path(tmp), NUMPY_PATH, sources[NUMPY_PATH])
    rng = random.Random(0)
    goals = bench_scalar(scalar, rng, configs, rounds)
    goals += bench_torch(scalar, rng, torch_configs, 5)
    goals += bench_numpy(vector, rows, max(5, rounds // 3))
    goals += one_off()
    return goals


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--configs", type=int, default=500, help="scalar configurations per family")
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows per NumPy call")
    parser.add_argument("--torch-configs", type=int, default=60, help="configurations counted with FlopCounterMode")
    parser.add_argument("--rounds", type=int, default=21, help="interleaved rounds per comparison")
    parser.add_argument("--check", action="store_true", help="exit 1 if a goal is missed")
    args = parser.parse_args()
    start = time.perf_counter()
    goals = measure(args.configs, args.rows, args.torch_configs, args.rounds)
    print(f"symconv codegen benchmark ({time.perf_counter() - start:.0f} s; ratios of interleaved medians)")
    print_goals(goals)
    return exit_code(goals, args.check)


if __name__ == "__main__":
    sys.exit(main())
