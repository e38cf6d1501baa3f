"""The I/O bounds (symconv.analysis.bounds) against explicit schedules, through LRU and Belady caches (cachesim.py).

Every lower bound must be at most the simulated traffic of every schedule of the computation it bounds;
the tiled-schedule formula must equal its own simulation exactly.
"""

from __future__ import annotations

import math

import cachesim
import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

import symconv
from symconv.analysis.bounds import S, io_bounds, tile_side, tiled_gemm_traffic

DIRECT_ORDERS = ("bkyxcrs", "bcrskyx", "bkcrsyx", "byxkcrs", "bcyxrsk")
GEMM_ORDERS = ("ijl", "ilj", "lij", "jli")
SIZES = (3, 4, 8, 15, 24, 48)


@st.composite
def small_convs(draw: st.DrawFn) -> dict:
    kernel = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    stride = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    dilation = (draw(st.integers(1, 2)), 1)
    padding = (draw(st.integers(0, 1)), draw(st.integers(0, 1)))
    size = tuple(
        draw(st.integers(max(1, d * (k - 1) + 1 - 2 * p), 5)) for k, d, p in zip(kernel, dilation, padding, strict=True)
    )
    return {
        "c_in": draw(st.integers(1, 3)),
        "c_out": draw(st.integers(1, 3)),
        "kernel": kernel,
        "stride": stride,
        "dilation": dilation,
        "padding": padding,
        "size": size,
    }


def conv_of(c: dict) -> tuple[symconv.Conv2d, tuple[int, ...]]:
    op = symconv.Conv2d(c["c_in"], c["c_out"], c["kernel"], c["stride"], c["padding"], c["dilation"], bias=False)
    return op, (1, c["c_in"], *c["size"])


def direct_traffic(c: dict, order: str, size: int, policy: str) -> int:
    trace = cachesim.conv2d_trace(
        1, c["c_in"], c["c_out"], c["size"], c["kernel"], c["stride"], c["padding"], c["dilation"], order
    )
    return cachesim.simulate(trace, size, policy).total


def gemm_shape(op: symconv.Conv2d, shape) -> tuple[int, int, int]:
    """(m, n, k) of the im2col GEMM: C_out x pixels x C_in*taps."""
    out = op.output_shape(shape)
    return int(out[1]), int(out[2] * out[3]), int(op.in_channels * math.prod(op.kernel_size))


@settings(max_examples=25, deadline=None)
@given(small_convs(), st.sampled_from(SIZES))
def test_every_bound_is_below_every_simulated_schedule(c: dict, size: int) -> None:
    op, shape = conv_of(c)
    bounds = io_bounds(op, shape).at(S=size)
    direct = [direct_traffic(c, order, size, policy) for order in DIRECT_ORDERS for policy in ("lru", "belady")]
    assert bounds.compulsory <= min(direct)
    assert bounds.direct_lower <= min(direct), (bounds.direct_lower, min(direct))

    m, n, k = gemm_shape(op, shape)
    traces = [cachesim.gemm_trace(m, n, k, order) for order in GEMM_ORDERS]
    b = max(1, int(tile_side().subs(S, size)))
    traces.append(cachesim.tiled_gemm_trace(m, n, k, b, b))
    gemm = [cachesim.simulate(t, size, policy).total for t in traces for policy in ("lru", "belady")]
    assert bounds.gemm_compulsory == m * k + k * n + m * n
    assert bounds.gemm_lower <= min(gemm), (bounds.gemm_lower, min(gemm))


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 7), st.integers(1, 7), st.integers(1, 5), st.integers(1, 4), st.integers(1, 4))
def test_tiled_formula_equals_its_simulation(m: int, n: int, k: int, bm: int, bn: int) -> None:
    """The tiled schedule, run with its explicit movement in ``bm*bn + bm + bn`` words, moves what the formula says.

    A cache of that size running the same access order moves no more (Belady; it may keep a panel
    across tiles where a ragged tile leaves words spare).
    """
    size = bm * bn + bm + bn
    formula = tiled_gemm_traffic(m, n, k, tile_m=bm, tile_n=bn)
    moved = cachesim.run_program(cachesim.tiled_gemm_program(m, n, k, bm, bn), size)
    assert moved.total == formula
    assert moved.writes == m * n
    assert cachesim.simulate(cachesim.tiled_gemm_trace(m, n, k, bm, bn), max(3, size), "belady").reads <= moved.reads


@pytest.mark.parametrize("size", [3, 8, 15, 24, 30])
def test_operator_tiled_traffic_equals_simulation(size: int) -> None:
    """``IOBounds.tiled`` at ``S`` words is the simulated traffic of the im2col GEMM tiled by ``tile_side(S)``."""
    op, shape = symconv.Conv2d(2, 5, 2, bias=False), (1, 2, 4, 5)  # GEMM 5 x 12 x 8, ragged tiles included
    m, n, k = gemm_shape(op, shape)
    b = int(tile_side().subs(S, size))
    simulated = cachesim.run_program(cachesim.tiled_gemm_program(m, n, k, b, b), size).total
    assert io_bounds(op, shape).at(S=size).tiled == simulated


def test_simulator_on_hand_cases() -> None:
    # a 1x1x1 GEMM: read a and b, write c
    assert cachesim.simulate(cachesim.gemm_trace(1, 1, 1), 3, "lru") == cachesim.Traffic(2, 1)
    # 2x2x2 GEMM, everything fits (12 words): compulsory 8 reads + 4 writes
    assert cachesim.simulate(cachesim.gemm_trace(2, 2, 2), 12, "lru") == cachesim.Traffic(8, 4)
    # with 3 words, order ijl: C[i, j] stays (used each step), a and b stream: 16 reads, 4 writes
    assert cachesim.simulate(cachesim.gemm_trace(2, 2, 2, "ijl"), 3, "lru") == cachesim.Traffic(16, 4)
    # a dot product of length 2 in 3 words: a and b stream, c stays: 4 reads, 1 write
    assert cachesim.simulate(cachesim.gemm_trace(1, 1, 2), 3, "lru") == cachesim.Traffic(4, 1)


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 4), st.integers(1, 4), st.integers(1, 4), st.sampled_from(GEMM_ORDERS), st.integers(3, 12))
def test_belady_loads_no_more_than_lru(m: int, n: int, k: int, order: str, size: int) -> None:
    trace = cachesim.gemm_trace(m, n, k, order)
    assert cachesim.simulate(trace, size, "belady").reads <= cachesim.simulate(trace, size, "lru").reads


def test_bounds_are_closed_forms_in_s() -> None:
    from symconv.symbols import H, W

    bounds = io_bounds(symconv.Conv2d(16, 32, 3, padding=1, bias=False), (1, 16, H, W))
    assert bounds.gemm.free_symbols == {S, H, W}
    assert (
        sympy.simplify(
            bounds.s_star_gemm.subs({H: 8, W: 8}) - (2 * 32 * 144 * 64 / (32 * 144 + 144 * 64 + 32 * 64)) ** 2
        )
        == 0
    )


@pytest.mark.parametrize("size", [16, 1024, 2**20])
def test_tiled_schedule_is_never_below_the_best_bound_on_a_real_network(size: int) -> None:
    from symconv.analysis.bounds import best_lower, network_bounds
    from symconv.network.examples import mobilenet_v1

    for name, bounds in network_bounds(mobilenet_v1(resolution=64)):
        at = bounds.at(S=size)
        assert sympy.N(best_lower(at)) <= at.tiled, name
        assert at.compulsory <= at.gemm_compulsory, name


@settings(max_examples=20, deadline=None)
@given(
    st.integers(1, 3),
    st.integers(1, 2),
    st.integers(1, 3),
    st.integers(2, 5),
    st.integers(0, 1),
    st.integers(1, 2),
    st.sampled_from([3, 6, 12, 27]),
)
def test_grouped_and_depthwise_bounds_hold(groups, per_group_in, multiplier, length, pad, stride, size) -> None:
    """Grouped convolutions (depthwise when one channel per group) against their direct schedules and GEMMs."""
    c_in, c_out = groups * per_group_in, groups * multiplier
    kernel, padding = (3, 3), (pad, pad)
    length = max(length, 3 - 2 * pad)
    op = symconv.Conv2d(c_in, c_out, kernel, stride, padding, groups=groups, bias=False)
    shape = (1, c_in, length, length)
    bounds = io_bounds(op, shape).at(S=size)
    direct = min(
        cachesim.simulate(
            cachesim.conv2d_trace(1, c_in, c_out, (length, length), kernel, (stride,) * 2, padding, (1, 1), o, groups),
            size,
            policy,
        ).total
        for o in DIRECT_ORDERS
        for policy in ("lru", "belady")
    )
    assert bounds.direct_lower <= direct
    out = op.output_shape(shape)
    m, n, k = c_out // groups, int(out[2] * out[3]), per_group_in * 9
    gemm = min(
        cachesim.simulate(cachesim.gemm_trace(m, n, k, o, count=groups), size, policy).total
        for o in GEMM_ORDERS
        for policy in ("lru", "belady")
    )
    assert bounds.gemm_lower <= gemm
