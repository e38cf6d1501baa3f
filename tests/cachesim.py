"""A fast memory of S words between the compute and main memory, simulated access by access.

A *trace* is a list of multiply-accumulates ``(a, b, c)``: read ``a`` and ``b``
(``None``: an operand that is a constant, such as padding), update the accumulator
``c``. Elements are hashable names such as ``("W", co, ci, kh, kw)``. The first update
of an accumulator needs no load (it starts from zero in fast memory); a later update
of an evicted accumulator loads it back. Traffic = loads (reads from main memory) + write-backs of modified words
(when evicted, and once at the end for every modified word still held).

Two replacement policies: LRU, and Belady's (evict the word whose next use is
furthest in the future), which minimises the loads of a fixed access order.

This module must never import ``symconv``: it is the independent reference the
bounds are checked against.
"""

from __future__ import annotations

import heapq
import itertools
from collections import OrderedDict
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass

Mac = tuple[Hashable, Hashable | None, Hashable]


@dataclass(frozen=True)
class Traffic:
    """Words moved by one simulated run."""

    reads: int
    writes: int

    @property
    def total(self) -> int:
        return self.reads + self.writes


def _accesses(trace: Iterable[Mac]) -> list[tuple[Hashable, bool]]:
    """The trace as (word, is_update) accesses, in order."""
    out: list[tuple[Hashable, bool]] = []
    for a, b, c in trace:
        out += [(word, False) for word in (a, b) if word is not None]
        out.append((c, True))
    return out


def simulate(trace: Sequence[Mac], size: int, policy: str = "lru") -> Traffic:
    """Traffic of ``trace`` through a fully associative fast memory of ``size`` words (``'lru'`` or ``'belady'``)."""
    if size < 3:
        raise ValueError("a multiply-accumulate needs 3 words of fast memory")
    accesses = _accesses(trace)
    if policy == "lru":
        return _lru(accesses, size)
    if policy == "belady":
        return _belady(accesses, size)
    raise ValueError(f"unknown policy {policy!r}")


def _lru(accesses: list[tuple[Hashable, bool]], size: int) -> Traffic:
    cache: OrderedDict[Hashable, bool] = OrderedDict()  # word -> dirty
    started: set[Hashable] = set()
    reads = writes = 0
    for word, update in accesses:
        if word in cache:
            cache.move_to_end(word)
            cache[word] = cache[word] or update
            continue
        if not (update and word not in started):
            reads += 1
        started.add(word)
        if len(cache) >= size:
            _, dirty = cache.popitem(last=False)
            writes += dirty
        cache[word] = update
    return Traffic(reads, writes + sum(cache.values()))


def _belady(accesses: list[tuple[Hashable, bool]], size: int) -> Traffic:
    never = len(accesses)
    next_use = [never] * len(accesses)
    last: dict[Hashable, int] = {}
    for i in range(len(accesses) - 1, -1, -1):
        word = accesses[i][0]
        next_use[i] = last.get(word, never)
        last[word] = i
    cache: dict[Hashable, tuple[int, bool]] = {}  # word -> (next use, dirty)
    heap: list[tuple[int, int, Hashable]] = []  # (-next use, tiebreak, word), lazily invalidated
    counter = itertools.count()
    started: set[Hashable] = set()
    reads = writes = 0
    for i, (word, update) in enumerate(accesses):
        if word in cache:
            dirty = cache[word][1] or update
        else:
            if not (update and word not in started):
                reads += 1
            started.add(word)
            while len(cache) >= size:
                far, _, victim = heapq.heappop(heap)
                if victim in cache and cache[victim][0] == -far:
                    writes += cache.pop(victim)[1]
            dirty = update
        cache[word] = (next_use[i], dirty)
        heapq.heappush(heap, (-next_use[i], next(counter), word))
    return Traffic(reads, writes + sum(d for _, d in cache.values()))


# ------------------------------------------------------------------ schedules


def gemm_trace(m: int, n: int, k: int, order: str = "ijl", count: int = 1) -> list[Mac]:
    """``count`` GEMMs ``C[i, j] += A[i, l] * B[l, j]`` with the loops nested in ``order`` (a permutation of 'ijl')."""
    ranges = {"i": range(m), "j": range(n), "l": range(k)}
    trace = []
    for g in range(count):
        for values in itertools.product(*(ranges[axis] for axis in order)):
            at = dict(zip(order, values, strict=True))
            i, j, l_ = at["i"], at["j"], at["l"]
            trace.append((("A", g, i, l_), ("B", g, l_, j), ("C", g, i, j)))
    return trace


def tiled_gemm_trace(m: int, n: int, k: int, bm: int, bn: int, count: int = 1) -> list[Mac]:
    """Output-stationary tiling: for each ``bm x bn`` tile of C, stream ``l`` (a column of A, a row of B per step)."""
    trace = []
    for g in range(count):
        for i0, j0 in itertools.product(range(0, m, bm), range(0, n, bn)):
            rows, cols = range(i0, min(i0 + bm, m)), range(j0, min(j0 + bn, n))
            for l_ in range(k):
                for i, j in itertools.product(rows, cols):
                    trace.append((("A", g, i, l_), ("B", g, l_, j), ("C", g, i, j)))
    return trace


def conv2d_trace(
    n: int,
    c_in: int,
    c_out: int,
    size: tuple[int, int],
    kernel: tuple[int, int],
    stride: tuple[int, int],
    padding: tuple[int, int],
    dilation: tuple[int, int],
    order: str,
    groups: int = 1,
) -> list[Mac]:
    """Direct 2-D convolution, the seven loops nested in ``order``, a permutation of 'bkcyxrs'.

    With ``groups``, ``c`` runs over the ``c_in/groups`` channels of output channel ``k``'s group.

    b batch, k output channel, c input channel, y/x output row/column, r/s kernel row/column.
    A tap on padding reads no input (its operand is ``None``), but still the weight and the output,
    so every output is written even where all its taps are padding.
    """
    out = [(size[a] + 2 * padding[a] - dilation[a] * (kernel[a] - 1) - 1) // stride[a] + 1 for a in (0, 1)]
    ranges = {
        "b": range(n),
        "k": range(c_out),
        "c": range(c_in // groups),
        "y": range(out[0]),
        "x": range(out[1]),
        "r": range(kernel[0]),
        "s": range(kernel[1]),
    }
    trace = []
    for values in itertools.product(*(ranges[axis] for axis in order)):
        v = dict(zip(order, values, strict=True))
        channel = v["k"] // (c_out // groups) * (c_in // groups) + v["c"]
        h = v["y"] * stride[0] - padding[0] + v["r"] * dilation[0]
        w = v["x"] * stride[1] - padding[1] + v["s"] * dilation[1]
        source = ("I", v["b"], channel, h, w) if 0 <= h < size[0] and 0 <= w < size[1] else None
        trace.append((("W", v["k"], v["c"], v["r"], v["s"]), source, ("O", v["b"], v["k"], v["y"], v["x"])))
    return trace


# ------------------------------------------------------------------ explicit data movement (a scratchpad)


def run_program(program: Iterable[tuple], size: int) -> Traffic:
    """Run a schedule with explicit movement: ``("load", w)``, ``("store", w)``, ``("drop", w)``, ``("mac", a, b, c)``.

    The fast memory holds at most ``size`` words; a multiply-accumulate needs ``a`` and ``b`` present
    (``c`` present, or created on its first update). Raises ``AssertionError`` on any violation.
    """
    held: set[Hashable] = set()
    started: set[Hashable] = set()
    reads = writes = 0
    for op, *words in program:
        if op == "load":
            assert words[0] not in held, f"{words[0]} loaded twice"
            held.add(words[0])
            reads += 1
        elif op == "store":
            assert words[0] in held, f"{words[0]} stored but not held"
            writes += 1
        elif op == "drop":
            held.remove(words[0])
        elif op == "mac":
            a, b, c = words
            assert a in held and b in held, f"operand of {words} not held"
            if c not in held:
                assert c not in started, f"{c} updated after being dropped"
                held.add(c)
            started.add(c)
        else:
            raise ValueError(f"unknown instruction {op!r}")
        assert len(held) <= size, f"{len(held)} words held, fast memory has {size}"
    assert not held, f"{len(held)} words left in fast memory"
    return Traffic(reads, writes)


def tiled_gemm_program(m: int, n: int, k: int, bm: int, bn: int, count: int = 1) -> list[tuple]:
    """The output-stationary tiled GEMM with its movement: per tile and ``l``, load a column of A and a row of B."""
    program: list[tuple] = []
    for g in range(count):
        for i0, j0 in itertools.product(range(0, m, bm), range(0, n, bn)):
            rows, cols = range(i0, min(i0 + bm, m)), range(j0, min(j0 + bn, n))
            for l_ in range(k):
                panel = [("A", g, i, l_) for i in rows] + [("B", g, l_, j) for j in cols]
                program += [("load", w) for w in panel]
                program += [("mac", ("A", g, i, l_), ("B", g, l_, j), ("C", g, i, j)) for i in rows for j in cols]
                program += [("drop", w) for w in panel]
            tile = [("C", g, i, j) for i in rows for j in cols]
            program += [("store", w) for w in tile] + [("drop", w) for w in tile]
    return program
