"""Generated training-cost functions against the forward ones, a hand-written formula and FlopCounterMode.

    python benchmarks/bench_training.py [--configs 200] [--torch-configs 100] [--seed 0]

For random Conv2d and ConvTranspose2d configurations (input gradient needed), per configuration
and interleaved (A, B, A, B ...), the median over configurations of the per-configuration ratio:

- training vs forward: generated ``*_training_flops`` vs generated ``*_flops`` (goal: as fast
  as the forward ones, within 5 %), and ``*_training_memory_adam`` vs ``*_memory_ideal``;
- training vs hand-written: generated ``*_training_flops`` vs a hand-written Python formula of
  the same count (forward + grad input + grad weight, ``3 x`` the forward's FLOPs);
- training vs PyTorch: generated ``*_training_flops`` vs ``FlopCounterMode`` around forward and
  ``backward()`` on ``device='meta'`` (layer construction, forward, backward), whose count must
  equal ours plus this PyTorch's surplus on grouped weight gradients (``(groups - 1)`` x theirs).

Every timed pair computes the same count for the same configuration; the counts are compared.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
import timeit
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import Goal, print_goals  # noqa: E402

from symconv.codegen import python_module  # noqa: E402
from symconv.codegen.specs import builtin_specs  # noqa: E402

NAMES = ("flops", "memory:ideal", "training:flops", "grad-params:flops", "training-memory:adam")


def hand_training_flops(in_channels, out_channels, kernel_size, height, width, stride=(1, 1), padding=(0, 0),
                        dilation=(1, 1), groups=1, bias=True, batch=1, output_padding=(0, 0),
                        transposed=False):  # fmt: skip
    """What a careful user writes: forward FLOPs, and grad input and grad weight the same again each."""
    taps = kernel_size[0] * kernel_size[1]
    if transposed:
        forward = 2 * batch * in_channels * (out_channels // groups) * taps * height * width
    else:
        out = [(n + 2 * p - d * (k - 1) - 1) // s + 1 for n, p, d, k, s in
               zip((height, width), padding, dilation, kernel_size, stride)]  # fmt: skip
        forward = 2 * batch * out_channels * out[0] * out[1] * (in_channels // groups) * taps
    return 3 * forward


def random_config(rng: random.Random, transposed: bool) -> dict:
    groups = rng.choice([1, 1, 1, 2, 4])
    config = {"in_channels": groups * rng.randint(1, 32), "out_channels": groups * rng.randint(1, 32), "groups": groups}
    k, s, d = (
        [rng.choice([1, 3, 5]) for _ in "hw"],
        [rng.choice([1, 2]) for _ in "hw"],
        [rng.choice([1, 2]) for _ in "hw"],
    )
    config |= {"kernel_size": tuple(k), "stride": tuple(s), "dilation": tuple(d)}
    config["padding"] = tuple(rng.randint(0, kk // 2 * dd) for kk, dd in zip(k, d, strict=True))
    if transposed:
        config["output_padding"] = tuple(rng.randint(0, max(ss, dd) - 1) for ss, dd in zip(s, d, strict=True))
    spans = [dd * (kk - 1) + 1 for kk, dd in zip(k, d, strict=True)]
    config |= {"height": max(rng.randint(4, 64), spans[0]), "width": max(rng.randint(4, 64), spans[1])}
    return config | {"bias": rng.random() < 0.5, "batch": rng.randint(1, 16)}


def per_call(function, kwargs: dict, number: int) -> float:
    return min(timeit.repeat(lambda: function(**kwargs), number=number, repeat=3)) / number


def interleaved(a, b, kwargs_a: dict, kwargs_b: dict, number: int = 2000) -> float:
    """``a``'s time over ``b``'s on one configuration, each timed twice in the order a, b, a, b."""
    times = {"a": [], "b": []}
    for _ in range(2):
        times["a"].append(per_call(a, kwargs_a, number))
        times["b"].append(per_call(b, kwargs_b, number))
    return min(times["a"]) / min(times["b"])


def flop_counter(config: dict, transposed: bool) -> tuple[float, int]:
    """Seconds for FlopCounterMode to count forward + backward on the meta device, and its count."""
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    start = time.perf_counter()
    kwargs = {k: config[k] for k in ("in_channels", "out_channels", "kernel_size", "stride", "padding", "dilation",
                                      "groups", "bias")}  # fmt: skip
    if transposed:
        kwargs["output_padding"] = config["output_padding"]
    with torch.device("meta"):
        layer = (torch.nn.ConvTranspose2d if transposed else torch.nn.Conv2d)(**kwargs)
        x = torch.empty(config["batch"], config["in_channels"], config["height"], config["width"], requires_grad=True)
    with FlopCounterMode(display=False) as counter:
        layer(x).sum().backward()
    return time.perf_counter() - start, counter.get_total_flops()


NAME = "training"


def measure(configs: int = 200, torch_configs: int = 100, seed: int = 0) -> list[Goal]:
    """The generated training functions against the forward ones, a hand formula and FlopCounterMode."""
    rng = random.Random(seed)
    specs = builtin_specs()
    namespace: dict = {}
    exec(python_module({k: specs[k] for k in ("conv2d", "conv_transpose2d")}, NAMES, grad=True), namespace)
    goals = []
    for transposed, prefix in ((False, "conv2d"), (True, "conv_transpose2d")):
        names = ("flops", "memory_ideal", "training_flops", "grad_params_flops", "training_memory_adam")
        fn = {name: namespace[f"{prefix}_{name}"] for name in names}
        chosen = [random_config(rng, transposed) for _ in range(configs)]
        hand = {"transposed": transposed}
        vs_forward, vs_memory, vs_hand = [], [], []
        for config in chosen:
            assert fn["training_flops"](**config) == hand_training_flops(**config, **hand), config
            vs_forward.append(interleaved(fn["training_flops"], fn["flops"], config, config))
            vs_memory.append(interleaved(fn["training_memory_adam"], fn["memory_ideal"], config, config))
            vs_hand.append(interleaved(fn["training_flops"], hand_training_flops, config, config | hand))
        flop_counter(chosen[0], transposed)  # warm-up: first use imports and caches
        vs_torch, mismatches = [], 0
        for config in chosen[:torch_configs]:
            ours = per_call(fn["training_flops"], config, 200)
            seconds, theirs = flop_counter(config, transposed)
            surplus = (config["groups"] - 1) * fn["grad_params_flops"](**config)  # FlopCounterMode's grouped error
            mismatches += theirs != fn["training_flops"](**config) + surplus
            vs_torch.append(ours / seconds)
        detail = f"{configs} configurations, medians of per-configuration ratios"
        checked = f"{len(vs_torch)} runs on meta, {mismatches} count mismatches"
        goals += [
            Goal(
                NAME, f"{prefix}: training_flops / flops (forward)", statistics.median(vs_forward), 1.05, detail=detail
            ),
            Goal(NAME, f"{prefix}: training_memory_adam / memory_ideal", statistics.median(vs_memory), detail=detail),
            Goal(NAME, f"{prefix}: training_flops / hand-written formula", statistics.median(vs_hand), detail=detail),
            Goal(NAME, f"{prefix}: FlopCounterMode / training_flops", 1 / statistics.median(vs_torch), detail=checked),
        ]
    return goals


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--configs", type=int, default=200, help="configurations per family")
    parser.add_argument("--torch-configs", type=int, default=100, help="configurations counted with FlopCounterMode")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    print_goals(measure(args.configs, args.torch_configs, args.seed))


if __name__ == "__main__":
    main()
