"""col2im counts in closed form: equal to the per-tap sweep and to a direct enumeration, fast at any size."""

from __future__ import annotations

import time

from hypothesis import given, settings
from hypothesis import strategies as st

import symconv
from symconv.codegen import numpy_module, python_module
from symconv.core.col2im_counts import axis_counts, transposed_length
from symconv.symbols import K, L


def enumerated(length, kernel, stride, dilation, padding, output_padding):
    """Every column entry's target, listed: the definition of the two counts."""
    out_length = transposed_length(length, kernel, stride, dilation, padding, output_padding)
    landed = [
        i * stride + k * dilation - padding
        for i in range(length)
        for k in range(kernel)
        if 0 <= i * stride + k * dilation - padding < out_length
    ]
    return len(landed), len(set(landed))


def swept(length, kernel, stride, dilation, padding, output_padding):
    """The earlier implementation: one run per tap, unions of runs per residue (O(kernel log kernel))."""
    out_length = transposed_length(length, kernel, stride, dilation, padding, output_padding)
    runs: dict[int, list[tuple[int, int]]] = {}
    contributions = 0
    for k in range(kernel):
        offset = k * dilation - padding
        first = max(0, -((offset) // stride))
        last = min(length - 1, (out_length - 1 - offset) // stride)
        if last < first:
            continue
        contributions += last - first + 1
        runs.setdefault(offset % stride, []).append((first + offset // stride, last + offset // stride))
    targets = 0
    for intervals in runs.values():
        reach = None
        for start, stop in sorted(intervals):
            if reach is None or start > reach:
                targets, reach = targets + stop - start + 1, stop
            elif stop > reach:
                targets, reach = targets + stop - reach, stop
    return contributions, targets


@st.composite
def axes(draw, top=14):
    stride, dilation = draw(st.integers(1, 9)), draw(st.integers(1, 9))
    args = (
        draw(st.integers(1, top)),
        draw(st.integers(1, top)),
        stride,
        dilation,
        draw(st.integers(0, 2 * top)),
        draw(st.integers(0, max(stride, dilation) - 1)),
    )
    return args


@settings(max_examples=400, deadline=None)
@given(axes())
def test_closed_form_equals_enumeration_and_sweep(args):
    if transposed_length(*args) < 1:
        return
    assert axis_counts(*args) == enumerated(*args) == swept(*args)


def test_closed_form_on_every_small_axis():
    checked = 0
    for length in range(1, 6):
        for kernel in range(1, 6):
            for stride in range(1, 5):
                for dilation in range(1, 5):
                    for padding in range(0, 8):
                        for output_padding in range(max(stride, dilation)):
                            args = (length, kernel, stride, dilation, padding, output_padding)
                            if transposed_length(*args) >= 1:
                                assert axis_counts(*args) == enumerated(*args), args
                                checked += 1
    assert checked > 5000


def _seconds(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def test_huge_kernels_answer_at_once():
    for kernel in (10**7, 10**40):
        op = symconv.ConvTranspose1d(1, 1, kernel, stride=3, dilation=2, padding=kernel // 3)
        assert _seconds(lambda op=op: op.cost((1, 1, 10)).adds) < 0.5
    # one input: every tap lands on its own position, nothing is added
    assert symconv.ConvTranspose1d(1, 1, 10**40, bias=False).cost((1, 1, 1)).adds == 0
    assert axis_counts(10, 10**40, 1, 1, 0, 0) == (10 * 10**40, 10**40 + 9)


def test_generated_code_counts_huge_kernels_at_once():
    import numpy as np

    operators = {"up": (symconv.ConvTranspose1d(1, 1, K, stride=3), (1, 1, L))}
    for render, kernel in ((python_module, 10**40), (numpy_module, np.array([10**7, 5]))):
        namespace: dict = {}
        exec(render(operators, ["adds"]), namespace)  # the generated module, as a user imports it
        adds = namespace["up_adds"]
        assert _seconds(lambda adds=adds, kernel=kernel: adds(K=kernel, L=10)) < 0.5
        for k in np.atleast_1d(kernel).tolist():
            want = symconv.ConvTranspose1d(1, 1, k, stride=3).cost((1, 1, 10)).adds
            assert np.atleast_1d(adds(K=kernel, L=10)).tolist()[np.atleast_1d(kernel).tolist().index(k)] == want
