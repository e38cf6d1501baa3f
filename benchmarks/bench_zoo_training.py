"""The whole model zoo in training: symconv's training step against PyTorch's forward + ``loss.backward()``.

For each model (random weights, train mode, batch 2, nothing downloaded) at its first
resolution (and with ``--sizes all`` at every one the zoo lists): agree / disagree / refused /
crash, as ``tests/zoo_training.py`` defines them: ``2 * (forward + backward)`` MACs against
``FlopCounterMode`` (its grouped weight-gradient formula corrected; the uncorrected surplus is
printed) and the saved activations against the bytes autograd records.

Run: ``PYTHONPATH=.:tests python benchmarks/bench_zoo_training.py [--only NAME ...] [--sizes first|all]``
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

import zoo
import zoo_training

STATUSES = ("agree", "disagree", "refused", "crash")


def run(only: list[str] | None = None, every_size: bool = False) -> list[zoo_training.Outcome]:
    outcomes = []
    for spec in zoo.ZOO:
        if only is not None and spec.name not in only:
            continue
        for size in spec.sizes if every_size else spec.sizes[:1]:
            try:
                outcome = zoo_training.check(spec, size)
            except Exception as error:  # the model cannot be built, or PyTorch itself fails on it
                shape = zoo_training.shape_of(spec, size)
                outcome = zoo_training.Outcome(spec, shape, "crash", f"PyTorch: {error!r}"[:300])
            outcomes.append(outcome)
            surplus = f"FlopCounterMode surplus {outcome.surplus}" if outcome.surplus else ""
            shape = "x".join(map(str, outcome.shape))
            print(f"{spec.id:40} {shape:14} {outcome.status:9} {surplus} {outcome.detail}", flush=True)
    return outcomes


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", default=None, help="model names (default: the whole zoo)")
    parser.add_argument("--sizes", choices=("first", "all"), default="first")
    args = parser.parse_args(argv)
    outcomes = run(args.only, args.sizes == "all")
    counts = {s: sum(o.status == s for o in outcomes) for s in STATUSES}
    models = len({o.model.id for o in outcomes})
    print(f"\n{len(outcomes)} runs of {models} models: " + ", ".join(f"{v} {k}" for k, v in counts.items()))


if __name__ == "__main__":
    main()
