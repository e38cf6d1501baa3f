"""symconv.from_torch vs PyTorch's own symbolic route (FlopCounterMode under FakeTensorMode with a ShapeEnv).

For each network (defined in tests/torch_models.py), in one run:

1. time to the symbolic total in H, W: symconv traces with torch.fx and replays with its own
   formulas; PyTorch runs FlopCounterMode on a fake input whose H, W are ShapeEnv symbols
   (private APIs: torch._subclasses.fake_tensor, torch.fx.experimental.symbolic_shapes).
   Each side is timed ``--repeats`` times from cold caches (sympy's and symconv's cleared,
   a new ShapeEnv for PyTorch); the minimum is reported;
2. size of the total: ``sympy.count_ops`` of symconv's total and of PyTorch's (raw, and
   after ``sympy.simplify``);
3. evaluating at 1,000 resolutions: symconv's total compiled to an exact integer function
   (symconv.codegen.scalar_function) vs FlopCounterMode run once per resolution on the meta
   device (run ``--torch-runs`` times and scaled to 1,000; ``--torch-runs 1000`` runs all).

Both totals are checked equal at every resolution FlopCounterMode is run at.

Run: ``python benchmarks/bench_networks.py`` (from the repository root).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

import sympy
import torch
from torch._subclasses.fake_tensor import FakeTensorMode
from torch.fx.experimental.symbolic_shapes import DimDynamic, ShapeEnv, StatelessSymbolicContext
from torch.utils.flop_counter import FlopCounterMode

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import torch_models  # noqa: E402

import symconv  # noqa: E402
from symconv.codegen import scalar_function  # noqa: E402
from symconv.sizes import _decide_relational, _integer_symbol  # noqa: E402
from symconv.symbols import H, W  # noqa: E402

MODELS = {
    "ResNet-50": torch_models.resnet50,
    "MobileNetV1": torch_models.mobilenet_v1,
    "MobileNetV2": torch_models.MobileNetV2,
    "VGG-16": torch_models.vgg16,
    "FasterNet block": torch_models.fasternet_block_net,
}


def cold() -> None:
    """Forget every cache symconv or sympy keeps, so each timing starts cold."""
    sympy.core.cache.clear_cache()
    for cached in (_decide_relational, _integer_symbol):
        cached.cache_clear()


def symconv_total(model: torch.nn.Module) -> sympy.Expr:
    return symconv.from_torch(model, (1, 3, H, W)).flops


def torch_total(model: torch.nn.Module) -> tuple[sympy.Expr, tuple[sympy.Symbol, sympy.Symbol]]:
    """FlopCounterMode's total on a fake input of symbolic height and width; returns it and (h, w)."""
    mode = FakeTensorMode(shape_env=ShapeEnv(), allow_non_fake_inputs=True)
    dynamic = [DimDynamic.STATIC, DimDynamic.STATIC, DimDynamic.DYNAMIC, DimDynamic.DYNAMIC]
    x = mode.from_tensor(torch.empty(1, 3, 224, 224, device="meta"), symbolic_context=StatelessSymbolicContext(dynamic))
    with mode, FlopCounterMode(display=False) as counter:
        model(x)
    total = counter.get_total_flops()
    h, w = (size.node.expr for size in x.shape[2:])
    return sympy.sympify(total.node.expr if isinstance(total, torch.SymInt) else total), (h, w)


def best_time(fn, repeats: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeats):
        cold()
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return min(times), result


def torch_flops(model: torch.nn.Module, h: int, w: int) -> int:
    with FlopCounterMode(display=False) as counter:
        model(torch.empty(1, 3, h, w, device="meta"))
    return counter.get_total_flops()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--torch-runs", type=int, default=20, help="FlopCounterMode runs, scaled to 1,000")
    args = parser.parse_args()
    rng = random.Random(0)
    sizes = [(rng.randint(64, 512), rng.randint(64, 512)) for _ in range(1000)]
    header = (
        f"{'network':16} {'symconv s':>9} {'torch s':>8} {'ratio':>6} | {'ops':>4} {'torch':>5} {'simpl':>5} | "
        f"{'eval 1000 ms':>12} {'torch 1000 s':>12} {'speed-up':>9}"
    )
    print(header)
    print("-" * len(header))
    with torch.device("meta"):
        torch_total(torch_models.mobilenet_v1())  # load PyTorch's lazily imported machinery before timing
    for name, factory in MODELS.items():
        with torch.device("meta"):
            model = factory().eval()
        t_ours, ours = best_time(lambda m=model: symconv_total(m), args.repeats)
        t_torch, (theirs, (h, w)) = best_time(lambda m=model: torch_total(m), args.repeats)
        simplified = sympy.simplify(theirs)

        f = scalar_function(ours, (H, W))
        start = time.perf_counter()
        values = [f(H=a, W=b) for a, b in sizes]
        t_eval = time.perf_counter() - start

        runs = sizes[: args.torch_runs]
        start = time.perf_counter()
        measured = [torch_flops(model, a, b) for a, b in runs]
        t_runs = (time.perf_counter() - start) * len(sizes) / len(runs)
        assert measured == values[: len(runs)], f"{name}: symconv and FlopCounterMode disagree"
        assert all(theirs.subs({h: a, w: b}) == v for (a, b), v in zip(runs[:5], values, strict=False))

        print(
            f"{name:16} {t_ours:9.3f} {t_torch:8.3f} {t_torch / t_ours:5.1f}x | "
            f"{sympy.count_ops(ours):4} {sympy.count_ops(theirs):5} {sympy.count_ops(simplified):5} | "
            f"{t_eval * 1e3:12.2f} {t_runs:12.1f} {t_runs / t_eval:8.0f}x"
        )
    print(
        "\nratio = PyTorch's time to its symbolic total / symconv's (target >= 2); ops = sympy.count_ops of the "
        "total\n(symconv, PyTorch raw, PyTorch after sympy.simplify); eval = the compiled total at 1,000 random "
        f"(H, W),\nagainst FlopCounterMode on the meta device ({args.torch_runs} runs, scaled to 1,000)."
    )


if __name__ == "__main__":
    main()
