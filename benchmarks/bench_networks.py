"""A network's FLOPs as a closed form in H, W: symconv against PyTorch's own symbolic route, like for like.

    python benchmarks/bench_networks.py [--repeats 3] [--rounds 15] [--check]

For each network (defined in tests/torch_models.py), in one run:

1. one-off, to a compiled function of (H, W), each step from cold caches, the steps in turn in
   every repeat, median of ``--repeats``:
   symconv's ``from_torch`` (torch.fx trace, its own formulas) plus compiling the total
   (``symconv.codegen.scalar_function``), reported separately; PyTorch's
   FlopCounterMode on a fake input whose H, W are ShapeEnv symbols (FakeTensorMode; private
   APIs), its total printed by PyTorch's own ``PythonPrinter`` and compiled once;
2. evaluating each compiled function at the same 1,000 random resolutions, interleaved
   rounds, medians; both are checked equal there, and equal to FlopCounterMode on the meta
   device at a few resolutions;
3. amortised: one-off plus 1,000 evaluations, each side;
4. for scale only (not the same work): FlopCounterMode run once per resolution on the meta device.

Goal: PyTorch's one-off time / symconv's >= 2 (``--check`` exits 1 if a network misses it).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

import sympy
import torch
from torch._subclasses.fake_tensor import FakeTensorMode
from torch.fx.experimental.symbolic_shapes import DimDynamic, ShapeEnv, StatelessSymbolicContext
from torch.utils._sympy.printers import PythonPrinter
from torch.utils.flop_counter import FlopCounterMode

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, Goal, exit_code, interleaved, print_goals

sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import torch_models  # noqa: E402

import symconv  # noqa: E402
from symconv.codegen import scalar_function  # noqa: E402
from symconv.core.sizes import _decide_relational, _integer_symbol  # noqa: E402
from symconv.symbols import H, W  # noqa: E402

NAME = "networks"
MODELS = {
    "ResNet-50": torch_models.resnet50,
    "MobileNetV1": torch_models.mobilenet_v1,
    "MobileNetV2": torch_models.MobileNetV2,
    "VGG-16": torch_models.vgg16,
    "FasterNet block": torch_models.fasternet_block_net,
}


def cold() -> None:
    """Forget every cache symconv or sympy keeps, so each one-off timing starts cold."""
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


def torch_compiled(expr: sympy.Expr, h: sympy.Symbol, w: sympy.Symbol):
    """PyTorch's total as a Python function of (h, w), printed by PyTorch's own printer, compiled once."""
    namespace: dict = {}
    exec(f"def total({h}, {w}):\n    return {PythonPrinter().doprint(expr)}\n", namespace)
    return namespace["total"]


def one_offs(repeats: int, steps: dict) -> tuple[dict[str, float], dict[str, object]]:
    """Median seconds of each one-off step, each from cold caches, the steps in turn in every repeat.

    A step is called with the results of the steps before it in this repeat (a compile needs its total).
    """
    times: dict[str, list[float]] = {name: [] for name in steps}
    results: dict[str, object] = {}
    for _ in range(repeats):
        for name, step in steps.items():
            cold()
            start = time.perf_counter()
            results[name] = step(results)
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) for name, values in times.items()}, results


def flop_counter(model: torch.nn.Module, h: int, w: int) -> int:
    with FlopCounterMode(display=False) as counter:
        model(torch.empty(1, 3, h, w, device="meta"))
    return counter.get_total_flops()


def bench(name: str, model: torch.nn.Module, sizes: list[tuple[int, int]], repeats: int, rounds: int) -> list[Goal]:
    once, built = one_offs(
        repeats,
        {
            "trace": lambda r: symconv_total(model),
            "compile": lambda r: scalar_function(r["trace"], (H, W)),
            "theirs": lambda r: torch_total(model),
            "their compile": lambda r: torch_compiled(r["theirs"][0], *r["theirs"][1]),
        },
    )
    t_trace, t_compile, t_theirs, t_their_compile = once.values()
    ours, f, (theirs, _), g = built.values()
    values = [f(a, b) for a, b in sizes]
    assert values == [g(a, b) for a, b in sizes], f"{name}: symconv and PyTorch's symbolic total disagree"
    assert values[:3] == [flop_counter(model, a, b) for a, b in sizes[:3]], f"{name}: FlopCounterMode disagrees"

    def evaluate(fn):
        return lambda: [fn(a, b) for a, b in sizes]

    t = interleaved({"symconv": evaluate(f), "torch": evaluate(g)}, rounds)
    runs = interleaved({"run": lambda: flop_counter(model, *sizes[0])}, 5)["run"]
    ours_once, theirs_once = t_trace + t_compile, t_theirs + t_their_compile
    n = len(sizes)
    return [
        Goal(
            NAME,
            f"{name}: one-off, PyTorch / symconv",
            theirs_once / ours_once,
            2.0,
            at_most=False,
            detail=f"symconv from_torch {t_trace:.3f} s + compile {t_compile * 1e3:.1f} ms; PyTorch symbolic "
            f"{t_theirs:.3f} s + compile {t_their_compile * 1e3:.1f} ms",
        ),
        Goal(
            NAME,
            f"{name}: {n:,} evaluations, symconv / PyTorch",
            t["symconv"] / t["torch"],
            detail=f"{t['symconv'] * 1e3:.2f} vs {t['torch'] * 1e3:.2f} ms; sympy.count_ops "
            f"{sympy.count_ops(ours)} vs {sympy.count_ops(theirs)}",
        ),
        Goal(
            NAME,
            f"{name}: one-off + {n:,} evaluations, symconv / PyTorch",
            (ours_once + t["symconv"]) / (theirs_once + t["torch"]),
        ),
        Goal(
            NAME,
            f"{name}: FlopCounterMode per resolution (meta) / symconv's compiled total",
            runs / (t["symconv"] / n),
            detail="not the same work: re-running the model per resolution, for scale",
        ),
    ]


def measure(repeats: int = 3, rounds: int = 15) -> list[Goal]:
    rng = random.Random(0)
    sizes = [(rng.randint(64, 512), rng.randint(64, 512)) for _ in range(1000)]
    with torch.device("meta"):
        torch_total(torch_models.mobilenet_v1())  # load PyTorch's lazily imported machinery before timing
        symconv_total(torch_models.mobilenet_v1())
    goals = []
    for name, factory in MODELS.items():
        with torch.device("meta"):
            model = factory().eval()
        goals += bench(name, model, sizes, repeats, rounds)
    return goals


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=3, help="one-off timings per side (median)")
    parser.add_argument("--rounds", type=int, default=15, help="interleaved rounds of 1,000 evaluations")
    parser.add_argument("--check", action="store_true", help="exit 1 if a goal is missed")
    args = parser.parse_args()
    goals = measure(args.repeats, args.rounds)
    print("symconv network benchmark (ratios of medians; evaluations interleaved)")
    print_goals(goals)
    return exit_code(goals, args.check)


if __name__ == "__main__":
    sys.exit(main())
