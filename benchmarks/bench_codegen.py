"""Generated cost functions against hand-written formulas and PyTorch's FlopCounterMode, measured in one run.

    python benchmarks/bench_codegen.py [--configs 400] [--rows 1000000] [--torch-configs 200] [--seed 0]

Prints, for random Conv2d and ConvTranspose2d configurations (FLOPs = 2 x MACs,
PyTorch's convention):
- scalar: the generated exact function vs a hand-written Python formula of the same
  count, per configuration (median over configurations of the per-configuration ratio);
- numpy: the generated vectorised function vs hand-written NumPy over ``--rows``
  configurations;
- both vs ``FlopCounterMode`` on ``device='meta'`` (layer construction + forward);
- the one-off cost of deriving and generating every built-in operator's module, in a
  fresh interpreter.
The hand-written formulas are the baseline; they live only here.
"""

from __future__ import annotations

import argparse
import importlib.util
import random
import statistics
import subprocess
import sys
import tempfile
import time
import timeit
import types
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from symconv.codegen import NUMPY_PATH, SCALAR_PATH, artifacts  # noqa: E402

# Baselines: what a careful user writes by hand -----------------------------------------------------


def hand_conv2d_flops(in_channels, out_channels, kernel_size_h, kernel_size_w, height, width, stride_h=1, stride_w=1,
                      padding_h=0, padding_w=0, dilation_h=1, dilation_w=1, groups=1, bias=True, batch=1):  # fmt: skip
    h_out = (height + 2 * padding_h - dilation_h * (kernel_size_h - 1) - 1) // stride_h + 1
    w_out = (width + 2 * padding_w - dilation_w * (kernel_size_w - 1) - 1) // stride_w + 1
    return 2 * batch * out_channels * h_out * w_out * (in_channels // groups) * kernel_size_h * kernel_size_w


def hand_conv_transpose2d_flops(in_channels, out_channels, kernel_size_h, kernel_size_w, height, width, stride_h=1,
                                stride_w=1, padding_h=0, padding_w=0, output_padding_h=0, output_padding_w=0,
                                dilation_h=1, dilation_w=1, groups=1, bias=True, batch=1):  # fmt: skip
    return 2 * batch * in_channels * (out_channels // groups) * kernel_size_h * kernel_size_w * height * width


def hand_conv2d_flops_numpy(in_channels, out_channels, kernel_size_h, kernel_size_w, height, width, stride_h, stride_w,
                            padding_h, padding_w, dilation_h, dilation_w, groups, bias, batch):  # fmt: skip
    h_out = (height + 2 * padding_h - dilation_h * (kernel_size_h - 1) - 1) // stride_h + 1
    w_out = (width + 2 * padding_w - dilation_w * (kernel_size_w - 1) - 1) // stride_w + 1
    return 2 * batch * out_channels * h_out * w_out * (in_channels // groups) * kernel_size_h * kernel_size_w


def hand_conv_transpose2d_flops_numpy(in_channels, out_channels, kernel_size_h, kernel_size_w, height, width,
                                      stride_h, stride_w, padding_h, padding_w, output_padding_h, output_padding_w,
                                      dilation_h, dilation_w, groups, bias, batch):  # fmt: skip
    return 2 * batch * in_channels * (out_channels // groups) * kernel_size_h * kernel_size_w * height * width


# Random configurations ---------------------------------------------------------------------------


def random_config(rng: random.Random, transposed: bool) -> dict[str, int | bool]:
    groups = rng.choice([1, 1, 1, 2, 4, 8])
    in_channels = groups * rng.randint(1, 64)
    out_channels = groups * rng.randint(1, 64)
    config: dict[str, int | bool] = {"in_channels": in_channels, "out_channels": out_channels}
    for axis in ("h", "w"):
        k, s, d = rng.choice([1, 3, 5, 7]), rng.choice([1, 1, 2, 3]), rng.choice([1, 1, 2])
        p = rng.randint(0, k // 2 * d)
        config |= {f"kernel_size_{axis}": k, f"stride_{axis}": s, f"dilation_{axis}": d, f"padding_{axis}": p}
        if transposed:
            config[f"output_padding_{axis}"] = rng.randint(0, max(s, d) - 1)
    config |= {"height": rng.randint(8, 128), "width": rng.randint(8, 128), "groups": groups}
    config |= {"bias": rng.random() < 0.5, "batch": rng.randint(1, 32)}
    for axis, size in (("h", "height"), ("w", "width")):  # the dilated kernel must fit the padded input
        span = config[f"dilation_{axis}"] * (config[f"kernel_size_{axis}"] - 1) + 1
        config[size] = max(config[size], span)
    return config


# Measurements ------------------------------------------------------------------------------------


def per_call(function, kwargs, number: int, repeat: int = 5) -> float:
    """Median seconds per call of ``function(**kwargs)``."""
    timer = timeit.Timer(lambda: function(**kwargs))
    return statistics.median(t / number for t in timer.repeat(repeat, number))


def flop_counter_seconds(config: dict, transposed: bool) -> tuple[float, int]:
    """Seconds to count one configuration with FlopCounterMode on the meta device, and its count."""
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    start = time.perf_counter()
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
    layer_class = torch.nn.ConvTranspose2d if transposed else torch.nn.Conv2d
    with torch.device("meta"):
        layer = layer_class(**kwargs)
        x = torch.empty(config["batch"], config["in_channels"], config["height"], config["width"])
    with FlopCounterMode(display=False) as counter:
        layer(x)
    return time.perf_counter() - start, counter.get_total_flops()


def load(directory: Path, relative: str, text: str):
    path = directory / Path(relative).name
    path.write_text(text)
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def one_off_seconds() -> tuple[float, float, float]:
    """Import time, then wall and CPU seconds of deriving + generating every built-in module, in a fresh interpreter."""
    script = (
        "import time; t0 = time.perf_counter(); import symconv.codegen as c; t1 = time.perf_counter();"
        "p = time.process_time(); c.artifacts(); print(t1 - t0, time.perf_counter() - t1, time.process_time() - p)"
    )
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    imported, wall, cpu = map(float, out.split())
    return imported, wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--configs", type=int, default=400, help="scalar configurations (half transposed)")
    parser.add_argument("--rows", type=int, default=1_000_000, help="configurations per NumPy call")
    parser.add_argument("--torch-configs", type=int, default=200, help="configurations counted with FlopCounterMode")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rng = random.Random(args.seed)

    imported, wall, cpu = one_off_seconds()
    sources = artifacts()
    with tempfile.TemporaryDirectory() as tmp:
        scalar = load(Path(tmp), SCALAR_PATH, sources[SCALAR_PATH])
        vector = load(Path(tmp), NUMPY_PATH, sources[NUMPY_PATH])

    families = {
        False: ("Conv2d", scalar.conv2d_flops, hand_conv2d_flops, vector.conv2d_flops, hand_conv2d_flops_numpy),
        True: (
            "ConvTranspose2d",
            scalar.conv_transpose2d_flops,
            hand_conv_transpose2d_flops,
            vector.conv_transpose2d_flops,
            hand_conv_transpose2d_flops_numpy,
        ),
    }
    print(f"symconv codegen benchmark (seed {args.seed}; FLOPs = 2 x MACs; times per configuration)\n")
    for transposed, (name, generated_fn, hand_fn, vector_fn, hand_vector_fn) in families.items():
        configs = [random_config(rng, transposed) for _ in range(args.configs // 2)]
        twin = types.FunctionType(hand_fn.__code__, hand_fn.__globals__)  # noise floor: the baseline vs itself
        ratios, controls, gen_times, hand_times = [], [], [], []
        for config in configs:
            assert generated_fn(**config) == hand_fn(**config), config
            gen, hand = per_call(generated_fn, config, 2000), per_call(hand_fn, config, 2000)
            controls.append(per_call(twin, config, 2000) / hand)
            ratios.append(gen / hand)
            gen_times.append(gen)
            hand_times.append(hand)

        table = [random_config(rng, transposed) for _ in range(args.rows)]
        arrays = {key: np.array([c[key] for c in table]) for key in table[0]}
        np.testing.assert_array_equal(vector_fn(**arrays), hand_vector_fn(**arrays))
        vec = statistics.median(timeit.repeat(lambda: vector_fn(**arrays), number=1, repeat=5)) / args.rows  # noqa: B023
        hand_vec = statistics.median(timeit.repeat(lambda: hand_vector_fn(**arrays), number=1, repeat=5)) / args.rows  # noqa: B023

        flop_counter_seconds(configs[0], transposed)  # warm-up: first use imports and caches
        torch_times, mismatches = [], 0
        for config in configs[: args.torch_configs]:
            seconds, flops = flop_counter_seconds(config, transposed)
            torch_times.append(seconds)
            mismatches += flops != generated_fn(**config)
        torch_time = statistics.median(torch_times)
        gen_time = statistics.median(gen_times)
        hand_time = statistics.median(hand_times)
        print(f"{name}: {len(configs)} scalar configurations, {args.rows:,} NumPy rows, {len(torch_times)} meta runs")
        print(f"  scalar  generated {gen_time * 1e9:8.0f} ns   hand-written {hand_time * 1e9:8.0f} ns"
              f"   median ratio generated/hand = {statistics.median(ratios):.3f}x  (target <= 1.0x;"
              f" noise floor, hand-written vs an identical copy: {statistics.median(controls):.3f}x)")  # fmt: skip
        print(f"  numpy   generated {vec * 1e9:8.1f} ns   hand-written {hand_vec * 1e9:8.1f} ns"
              f"   ratio generated/hand = {vec / hand_vec:.2f}x  (target <= 2x)")  # fmt: skip
        print(f"  FlopCounterMode (meta) {torch_time * 1e6:8.0f} us   counts equal to generated: "
              f"{len(torch_times) - mismatches}/{len(torch_times)}")  # fmt: skip
        print(f"  speed-up vs FlopCounterMode: scalar {torch_time / gen_time:,.0f}x   numpy {torch_time / vec:,.0f}x\n")
    print(f"one-off, fresh interpreter: import symconv.codegen {imported:.2f} s; derive + generate all built-in "
          f"operators (scalar + NumPy modules) {wall:.2f} s wall, {cpu:.2f} s CPU  (target < 5 s)")  # fmt: skip


if __name__ == "__main__":
    main()
