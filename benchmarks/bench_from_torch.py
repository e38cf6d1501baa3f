"""Time for ``symconv.from_torch`` to reach the symbolic total, against PyTorch's own symbolic route, in one run.

PyTorch's route: ``FlopCounterMode`` on a ``FakeTensorMode`` input whose H and W are
``ShapeEnv`` symbols (private APIs: torch._subclasses.fake_tensor,
torch.fx.experimental.symbolic_shapes), which also ends in a sympy expression in H, W.
Both sides do the same work: a symbolic FLOP total of the same module (VGG-16, and a
200-layer stack of 3x3 convolutions with a stride-2 layer every 40).

Each run starts cold: symconv in a worker process whose sympy and symconv caches are
cleared before every run, on fresh input symbols; PyTorch with a new ShapeEnv. The garbage
collector is paused during each timed run, after a full collection, as ``timeit`` does. The two
sides alternate run by run; medians are reported, and the ratio of the medians
(PyTorch's time / symconv's). ``--baseline PATH`` runs a second worker on another
checkout of symconv (e.g. a ``git worktree`` of an older commit), interleaved with the
others, for a before/after ratio measured in the same run.

Every total is checked: substituted at three resolutions (one odd), it must equal
``FlopCounterMode`` run at that resolution on the meta device, and PyTorch's symbolic total.

Run: ``python benchmarks/bench_from_torch.py [--repeats 7] [--baseline ../symconv-0.1]``.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESOLUTIONS = ((224, 224), (225, 199), (97, 128))


def models() -> dict:
    import torch

    sys.path.insert(0, str(ROOT / "tests"))
    import torch_models

    with torch.device("meta"):
        return {"VGG-16": torch_models.vgg16().eval(), "conv stack x200": torch_models.conv_stack().eval()}


@contextlib.contextmanager
def no_gc():
    """The garbage collector paused during a timed run, after a full collection (as ``timeit`` does): a collection
    of torch's and sympy's many objects would otherwise land at random in either side's time."""
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


# ---- the symconv side, in a worker process (its own checkout on sys.path) -------------------------------------


def cold(symconv_modules) -> None:
    """Forget every cache sympy and symconv keep (functools caches of any symconv module)."""
    import sympy

    sympy.core.cache.clear_cache()
    for module in symconv_modules():
        for value in list(vars(module).values()):
            if callable(getattr(value, "cache_clear", None)) and getattr(value, "__module__", "") == module.__name__:
                value.cache_clear()


def worker() -> None:
    import sympy

    import symconv

    def symconv_modules():
        return [m for name, m in list(sys.modules.items()) if name.startswith("symconv") and m is not None]

    nets = models()
    warm = sympy.Dummy("H", integer=True, positive=True)
    symconv.from_torch(nets["VGG-16"][:3], (1, 3, warm, warm))  # lazy imports (torch.fx, symconv.network) untimed
    for line in sys.stdin:
        name = line.strip()
        cold(symconv_modules)
        h, w = (sympy.Dummy(n, integer=True, positive=True) for n in "HW")
        with no_gc():
            start = time.perf_counter()
            total = symconv.from_torch(nets[name], (1, 3, h, w)).flops
            seconds = time.perf_counter() - start
        values = [int(total.subs({h: a, w: b})) for a, b in RESOLUTIONS]
        print(json.dumps({"seconds": seconds, "values": values}), flush=True)


class Worker:
    def __init__(self, checkout: Path) -> None:
        env = {**os.environ, "PYTHONPATH": str(checkout)}
        command = [sys.executable, __file__, "--worker"]
        self.process = subprocess.Popen(command, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def run(self, name: str) -> dict:
        self.process.stdin.write(name + "\n")
        self.process.stdin.flush()
        return json.loads(self.process.stdout.readline())

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait()


# ---- PyTorch's symbolic route, in this process ---------------------------------------------------------------


def torch_symbolic(model) -> tuple[float, object, tuple]:
    """Seconds to FlopCounterMode's symbolic total on a fake input of dynamic H, W; the total and (h, w)."""
    import torch
    from torch._subclasses.fake_tensor import FakeTensorMode
    from torch.fx.experimental.symbolic_shapes import DimDynamic, ShapeEnv, StatelessSymbolicContext
    from torch.utils.flop_counter import FlopCounterMode

    with no_gc():
        start = time.perf_counter()
        mode = FakeTensorMode(shape_env=ShapeEnv(), allow_non_fake_inputs=True)
        dynamic = [DimDynamic.STATIC, DimDynamic.STATIC, DimDynamic.DYNAMIC, DimDynamic.DYNAMIC]
        meta = torch.empty(1, 3, 224, 224, device="meta")
        x = mode.from_tensor(meta, symbolic_context=StatelessSymbolicContext(dynamic))
        with mode, FlopCounterMode(display=False) as counter:
            model(x)
        total = counter.get_total_flops()
        expr = total.node.expr if isinstance(total, torch.SymInt) else total
        seconds = time.perf_counter() - start
    return seconds, expr, tuple(size.node.expr for size in x.shape[2:])


def flop_counter(model, h: int, w: int) -> int:
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    with FlopCounterMode(display=False) as counter:
        model(torch.empty(1, 3, h, w, device="meta"))
    return counter.get_total_flops()


NAME = "from_torch"


def timings(repeats: int = 7, baseline: Path | None = None) -> dict[tuple[str, str], list[float]]:
    """Seconds per cold run, by (network, side), the sides interleaved run by run; every total checked."""
    nets = models()
    workers = {"symconv": Worker(ROOT)}
    if baseline:
        workers["baseline"] = Worker(baseline.resolve())
    torch_symbolic(nets["VGG-16"][:3])  # PyTorch's lazily imported machinery, untimed
    times: dict[tuple[str, str], list[float]] = {}
    try:
        for _ in range(repeats):
            for name, model in nets.items():
                expected = [flop_counter(model, a, b) for a, b in RESOLUTIONS]
                for side, w in workers.items():
                    result = w.run(name)
                    assert result["values"] == expected, f"{name}: {side} {result['values']} != {expected}"
                    times.setdefault((name, side), []).append(result["seconds"])
                seconds, expr, (h, w_) = torch_symbolic(model)
                assert [int(expr.subs({h: a, w_: b})) for a, b in RESOLUTIONS] == expected, f"{name}: PyTorch"
                times.setdefault((name, "torch"), []).append(seconds)
    finally:
        for w in workers.values():
            w.close()
    return times


def measure(repeats: int = 7) -> list:
    """The goals of :func:`timings`: PyTorch's time to its symbolic total / symconv's, per network (reported)."""
    from common import Goal

    times = timings(repeats)
    goals = []
    for name in dict.fromkeys(network for network, _ in times):
        ours, theirs = (statistics.median(times[(name, side)]) for side in ("symconv", "torch"))
        detail = f"{ours * 1e3:.0f} vs {theirs * 1e3:.0f} ms, medians of {repeats} cold runs, totals equal"
        goals.append(Goal(NAME, f"{name}: PyTorch's symbolic total / from_torch", theirs / ours, detail=detail))
    return goals


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--baseline", type=Path, help="another symconv checkout, timed interleaved with this one")
    args = parser.parse_args()
    times = timings(args.repeats, args.baseline)
    sides = ["symconv", *(["baseline"] if args.baseline else []), "torch"]
    nets = list(dict.fromkeys(network for network, _ in times))
    header = f"{'network':16} " + " ".join(f"{s + ' ms':>12}" for s in sides) + f" {'torch/symconv':>14}"
    if args.baseline:
        header += f" {'baseline/symconv':>17}"
    print(header)
    print("-" * len(header))
    for name in nets:
        med = {side: statistics.median(times[(name, side)]) for side in sides}
        row = f"{name:16} " + " ".join(f"{med[s] * 1e3:12.1f}" for s in sides)
        row += f" {med['torch'] / med['symconv']:13.2f}x"
        if args.baseline:
            row += f" {med['baseline'] / med['symconv']:16.2f}x"
        print(row)
    print(
        f"\nmedians of {args.repeats} cold runs each, interleaved; every total equals FlopCounterMode at "
        f"{', '.join(f'{a}x{b}' for a, b in RESOLUTIONS)}."
    )


if __name__ == "__main__":
    if "--worker" in sys.argv:
        worker()
    else:
        main()
