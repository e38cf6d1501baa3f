"""Run every benchmark in one go, print its goals, and optionally write the docs' benchmark table.

    python benchmarks/run_all.py [--quick] [--only codegen,networks,cli] [--write-docs] [--check]

``--write-docs`` rewrites docs/benchmarks.md from this run's figures (with ``--only``, the other
benchmarks' sections are kept from the page as it was); ``--check`` exits 1 if a
goal is missed (each missed goal is named on stderr). ``--quick`` uses smaller sizes (for a
smoke run; the docs table should come from a full run).
"""

from __future__ import annotations

import argparse
import importlib
import os
import platform
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, Goal, exit_code, print_goals

sys.path.insert(0, str(ROOT))
from symconv.files import write_atomic

DOCS = ROOT / "docs" / "benchmarks.md"
TITLES = {
    "codegen": "Generated cost functions",
    "networks": "A network's closed form",
    "cli": "The command line",
    "from_torch": "From a PyTorch model to its symbolic total",
    "zoo": "The model zoo",
    "training": "Generated training-cost functions",
}
SETTINGS = {
    "codegen": ({}, {"configs": 100, "rows": 100_000, "torch_configs": 5, "rounds": 7}),
    "networks": ({}, {"repeats": 1, "rounds": 3}),
    "cli": ({}, {"rounds": 5}),
    "from_torch": ({}, {"repeats": 3}),
    "zoo": ({"repeat": 3}, {"repeat": 1, "only": ["resnet18", "mobilenet_v2"]}),
    "training": ({}, {"configs": 20, "torch_configs": 5}),
}
NOTES = {
    "codegen": "The scalar rows time a loop over the same configurations on both sides; *call alone* is a "
    "no-op of the same signature, so *arithmetic* compares the formulas without the call. With one "
    "overflowing row the result must hold Python ints (`dtype=object`): converting the other rows costs "
    "about as much as computing them in int64, so the ratio is about 2x by construction.",
    "networks": "Both sides end with a compiled function of (H, W): symconv's `from_torch` plus compiling its "
    "total, against PyTorch's FlopCounterMode under FakeTensorMode with a ShapeEnv plus compiling PyTorch's "
    "own total (printed by its `PythonPrinter`). Both totals are checked equal at all 1,000 resolutions.",
    "cli": "Fresh processes. Any command that computes pays sympy's import of `sympy.tensor` on its first "
    "sum, which `import sympy` alone does not (the *first sum* row).",
    "from_torch": "VGG-16 and a 200-layer stack of 3x3 convolutions (stride 2 every 40): `from_torch` to the "
    "symbolic FLOP total in H, W (in a worker process, caches cleared before every run) against PyTorch's "
    "FlopCounterMode under FakeTensorMode with a ShapeEnv (dynamic H, W), cold, the sides alternating run by "
    "run. Every total equals FlopCounterMode at three resolutions.",
    "zoo": "torchvision and timm models with random weights on the meta device (nothing downloaded). A model is "
    "*exact* when its symbolic total equals FlopCounterMode at three resolutions; the timing compares "
    "`from_torch` with PyTorch's symbolic route on the exact models, interleaved. PyTorch's route often "
    "specialises the sizes and returns a plain integer: it does less work there.",
    "training": "Random Conv2d and ConvTranspose2d configurations (input gradient needed), each pair timed "
    "interleaved on the same configuration; every training count is checked against a hand-written formula and "
    "FlopCounterMode around forward and backward on meta tensors (plus its known surplus on grouped weight "
    "gradients).",
}
COMMANDS = {
    "codegen": "python benchmarks/bench_codegen.py",
    "networks": "python benchmarks/bench_networks.py",
    "cli": "python benchmarks/bench_cli.py",
    "from_torch": "python benchmarks/bench_from_torch.py",
    "zoo": "PYTHONPATH=.:tests python benchmarks/bench_zoo.py",
    "training": "python benchmarks/bench_training.py",
}


def run(names: list[str], quick: bool, write_docs: bool) -> dict[str, list[Goal]]:
    """Each benchmark's goals; with ``write_docs`` the page is rewritten after each (a long run keeps what it has)."""
    results = {}
    for name in names:
        module = importlib.import_module(f"bench_{name}")
        full, small = SETTINGS[name]
        start = time.perf_counter()
        results[name] = module.measure(**(small if quick else full))
        print(f"{TITLES[name]} ({time.perf_counter() - start:.0f} s)", flush=True)
        print_goals(results[name])
        if write_docs:
            write_atomic(DOCS, markdown(results))
    return results


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("*", "\\*")


def kept_sections(results: dict[str, list[Goal]]) -> dict[str, str]:
    """The sections of the current page for the benchmarks not rerun (``--only``), by title."""
    if not DOCS.exists():
        return {}
    rerun = {TITLES[name] for name in results}
    sections = DOCS.read_text().split("\n## ")[1:]
    return {s.split("\n", 1)[0]: "## " + s.rstrip("\n") for s in sections if s.split("\n", 1)[0] not in rerun}


def markdown(results: dict[str, list[Goal]]) -> str:
    import numpy

    versions = f"Python {platform.python_version()}, NumPy {numpy.__version__}"
    if results.keys() & {"networks", "from_torch", "zoo"}:
        import torch

        versions += f", PyTorch {torch.__version__}"
    lines = [
        "# Benchmarks",
        "",
        "Every figure compares the same work on both sides. The cases of a comparison are timed in",
        "turn, round after round, so that a change in the machine's load falls on all of them alike;",
        "each time is a median over rounds, and each ratio is taken between medians of the same run.",
        "A scalar ratio within its noise (the hand-written function timed against an identical copy of",
        "itself, at least 1%) of the target meets it. *info* rows are reported, not judged.",
        "",
        f"Regenerate this page with `python benchmarks/run_all.py --write-docs` ({versions};",
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} when",
        "written). Absolute times depend on the machine and its load; the ratios are the point.",
    ]
    kept = kept_sections(results)
    for name, title in TITLES.items():
        if name not in results:
            if title in kept:
                lines += ["", kept[title]]
            continue
        lines += ["", f"## {title}", "", f"One command: `{COMMANDS[name]}`. {NOTES[name]}", ""]
        lines += ["| | measured | target | | details |", "|---|---:|---|---|---|"]
        for g in results[name]:
            row = (g.name, g.value_text(), g.target_text, g.verdict, g.detail)
            lines.append("| " + " | ".join(_cell(c) for c in row) + " |")
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", default=",".join(TITLES), help="comma-separated benchmarks to run")
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke run")
    parser.add_argument("--write-docs", action="store_true", help=f"write {DOCS.relative_to(ROOT)}")
    parser.add_argument("--check", action="store_true", help="exit 1 if a goal is missed")
    args = parser.parse_args()
    names = [n.strip() for n in args.only.split(",") if n.strip()]
    unknown = sorted(set(names) - set(TITLES))
    if unknown:
        parser.error(f"unknown benchmark {unknown[0]!r}; choose from {', '.join(TITLES)}")
    results = run(names, args.quick, args.write_docs)
    if args.write_docs:
        print(f"wrote {DOCS.relative_to(ROOT)}")
    return exit_code([g for goals in results.values() for g in goals], args.check)


if __name__ == "__main__":
    sys.exit(main())
