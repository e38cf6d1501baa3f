"""The whole model zoo: which models symconv costs exactly, and how fast, against PyTorch's symbolic route.

For each model (random weights on the meta device, nothing downloaded): the outcome
(exact / wrong / refused / crash, see ``tests/zoo.py``), and the time to the symbolic
total on ``(1, 3, H, W)``, symconv's ``from_torch`` against ``FlopCounterMode`` under
``FakeTensorMode`` with a ``ShapeEnv`` (dynamic H, W), measured interleaved in the same
run, median of ``--repeat`` runs each; beside it, the ratio of each side's first (cold) call on
the model, made before the others (caches filled by earlier models stay filled). PyTorch's
route may specialise the sizes (a guard on them) and return a plain integer: marked ``int``.

Run: ``PYTHONPATH=.:tests python benchmarks/bench_zoo.py [--only NAME ...] [--repeat 3] [--json FILE]``
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

import zoo

from symconv.files import write_atomic


def _time(fn) -> tuple[float, object]:
    start = time.perf_counter()
    try:
        result = fn()
    except Exception as error:  # PyTorch's route fails on some models: recorded, not fatal
        result = error
    return time.perf_counter() - start, result


def bench(spec: zoo.Model, repeat: int) -> dict:
    shape = spec.input_shape(*spec.sizes[0])
    try:
        # each side's first call (caches filled by earlier models stay filled), each on a model of its own:
        # a model may keep what a call left in it (timm's LeViT keeps its attention biases, a proxy when traced)
        first, second = spec.build(), spec.build()
        cold_ours = _time(lambda: zoo.symbolic_total(first, spec))[0]
        cold_theirs = _time(lambda: zoo.torch_symbolic_macs(second, shape))[0]
        outcome = zoo.check(spec)
    except Exception as error:  # the model cannot be built, or PyTorch itself fails on it
        return {"model": spec.id, "family": spec.family, "status": "crash", "detail": f"PyTorch: {error!r}"[:300]}
    row = {"model": spec.id, "family": spec.family, "status": outcome.status, "detail": outcome.detail}
    if outcome.status != "exact":
        return row
    model = spec.build()
    ours, theirs = [], []
    failed = None
    for _ in range(repeat):  # interleaved
        seconds, result = _time(lambda: zoo.symbolic_total(model, spec))
        ours.append(seconds)
        failed = result if isinstance(result, Exception) else failed
        seconds, total = _time(lambda: zoo.torch_symbolic_macs(model, shape))
        theirs.append(seconds)
    if failed is not None:  # a time to an error is no time to the total
        row["detail"] = f"not timed: a later from_torch call on the same model fails: {failed!r}"[:300]
        return row
    kind = "error" if isinstance(total, Exception) else ("int" if isinstance(total, int) else "symbolic")
    row.update(symconv_s=statistics.median(ours), torch_s=statistics.median(theirs), torch_result=kind)
    row["ratio"] = row["symconv_s"] / row["torch_s"]
    row.update(cold_symconv_s=cold_ours, cold_torch_s=cold_theirs, cold_ratio=cold_ours / cold_theirs)
    return row


NAME = "zoo"


def measure(repeat: int = 3, only: list[str] | None = None) -> list:
    """The zoo's outcomes, and from_torch's time to the symbolic total / PyTorch's, over the models costed exactly."""
    from common import Goal

    rows = [bench(spec, repeat) for spec in zoo.ZOO if only is None or spec.name in only]
    counts = {s: sum(r["status"] == s for r in rows) for s in ("exact", "wrong", "refused", "crash")}
    goals = [
        Goal(
            NAME,
            "models costed exactly",
            counts["exact"],
            unit="",
            detail=", ".join(f"{v} {k}" for k, v in counts.items()),
        ),
        Goal(NAME, "models silently wrong", counts["wrong"], 0, unit=""),
    ]
    timed = [r for r in rows if "ratio" in r]
    for key, label, targets in (("ratio", "", (0.3, 0.5)), ("cold_ratio", ", first (cold) calls", (None, None))):
        if not timed:
            break
        ratios = [r[key] for r in timed]
        geomean = math.exp(statistics.fmean(math.log(x) for x in ratios))
        worst, name = max(zip(ratios, (r["model"] for r in timed), strict=True))
        above = sum(x > 0.5 for x in ratios)
        how = f"medians of {repeat} interleaved runs" if key == "ratio" else "each side's first call on a model"
        goals += [
            Goal(
                NAME,
                f"from_torch / PyTorch's symbolic route{label}, geometric mean",
                geomean,
                targets[0],
                detail=f"{len(ratios)} models, {how}",
            ),
            Goal(
                NAME,
                f"from_torch / PyTorch's symbolic route{label}, slowest model",
                worst,
                targets[1],
                detail=f"{name}; {above} of {len(ratios)} above 0.5x",
            ),
        ]
    return goals


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", default=None, help="model names (default: the whole zoo)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", type=Path, default=None, help="also write the rows as JSON")
    args = parser.parse_args(argv)
    specs = [m for m in zoo.ZOO if args.only is None or m.name in args.only]
    rows = []
    for spec in specs:
        row = bench(spec, args.repeat)
        rows.append(row)
        timing = f"{row['ratio']:.2f}x {row['cold_ratio']:.2f}x ({row['torch_result']})" if "ratio" in row else ""
        print(f"{spec.id:45} {row['status']:8} {timing:22} {' '.join(row['detail'].split())[:260]}", flush=True)
    counts = {s: sum(r["status"] == s for r in rows) for s in ("exact", "wrong", "refused", "crash")}
    print(f"\n{len(rows)} models: " + ", ".join(f"{v} {k}" for k, v in counts.items()))
    for label, key in (("warm: median of --repeat", "ratio"), ("cold: each side's first call", "cold_ratio")):
        ratios = [r[key] for r in rows if key in r]
        if ratios:
            geomean = math.exp(statistics.fmean(math.log(r) for r in ratios))
            worst = max(zip(ratios, (r["model"] for r in rows if key in r), strict=True))
            above = sum(r > 0.5 for r in ratios)
            print(
                f"time to the symbolic total vs PyTorch's ({label}): geometric mean {geomean:.2f}x, "
                f"worst {worst[0]:.2f}x ({worst[1]}), {above} of {len(ratios)} above 0.5x"
            )
    if args.json:
        write_atomic(args.json, json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
