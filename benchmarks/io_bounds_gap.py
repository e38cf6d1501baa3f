"""How far the I/O lower bounds sit below the best schedule found, on small convolutions, in one run.

Run: ``PYTHONPATH=.:tests python benchmarks/io_bounds_gap.py`` from the repository root.
For every case in a fixed grid and every fast-memory size S, runs direct-convolution loop orders
and im2col-GEMM schedules (loop orders and the tiled one) through LRU and Belady caches
(tests/cachesim.py), checks each bound is below every simulated traffic, and prints the
median and worst ratio best-simulated / bound, per bound.
"""

from __future__ import annotations

import itertools
import math
import statistics

import cachesim

import symconv
from symconv.analysis.bounds import S, io_bounds, tile_side

ORDERS = ("bkyxcrs", "bcrskyx", "bkcrsyx", "byxkcrs", "bcyxrsk", "kcrsbyx")
GEMM_ORDERS = ("ijl", "ilj", "jil", "jli", "lij", "lji")
SIZES = (4, 8, 16, 32, 64)
CASES = [  # (c_in, c_out, size, kernel, stride, padding)
    (c_in, c_out, (h, h), (k, k), (s, s), (p, p))
    for c_in, c_out, h, k, s, p in itertools.product((1, 3), (2, 4), (4, 6), (1, 3), (1, 2), (0, 1))
]


def main() -> None:
    ratios: dict[str, list[float]] = {"direct": [], "gemm": [], "tiled formula / gemm bound": []}
    limited: dict[str, list[float]] = {"direct": [], "gemm": []}  # where the S-term beats the compulsory traffic
    checked = violations = 0
    for (c_in, c_out, size, kernel, stride, padding), fast in itertools.product(CASES, SIZES):
        op = symconv.Conv2d(c_in, c_out, kernel, stride, padding, bias=False)
        shape = (1, c_in, *size)
        bounds = io_bounds(op, shape).at(S=fast)
        direct = [
            cachesim.simulate(
                cachesim.conv2d_trace(1, c_in, c_out, size, kernel, stride, padding, (1, 1), o), fast, p
            ).total
            for o in ORDERS
            for p in ("lru", "belady")
        ]
        out = op.output_shape(shape)
        m, n, k = int(out[1]), int(out[2] * out[3]), c_in * math.prod(kernel)
        b = max(1, int(tile_side().subs(S, fast)))
        traces = [cachesim.gemm_trace(m, n, k, o) for o in GEMM_ORDERS] + [cachesim.tiled_gemm_trace(m, n, k, b, b)]
        gemm = [cachesim.simulate(t, fast, p).total for t in traces for p in ("lru", "belady")]
        for bound, simulated in ((bounds.direct_lower, direct), (bounds.gemm_lower, gemm)):
            checked += len(simulated)
            violations += sum(1 for v in simulated if v < bound)
        ratios["direct"].append(min(direct) / float(bounds.direct_lower))
        ratios["gemm"].append(min(gemm) / float(bounds.gemm_lower))
        if float(bounds.direct) > bounds.compulsory:
            limited["direct"].append(min(direct) / float(bounds.direct))
        if float(bounds.gemm) > bounds.gemm_compulsory:
            limited["gemm"].append(min(gemm) / float(bounds.gemm))
        ratios["tiled formula / gemm bound"].append(float(bounds.tiled) / float(bounds.gemm_lower))
    print(f"{len(CASES)} convolutions x {len(SIZES)} sizes S: {checked} simulated runs, {violations} below a bound")
    print("best simulated traffic / lower bound (last row: tiled formula / GEMM bound)")
    for name, values in ratios.items():
        print(f"{name:>26}: median {statistics.median(values):.2f}, worst {max(values):.2f}")
    for name, values in limited.items():
        if values:
            median, worst = statistics.median(values), max(values)
            print(f"{name + ', S-limited':>26}: median {median:.2f}, worst {worst:.2f} over {len(values)} cases")


if __name__ == "__main__":
    main()
