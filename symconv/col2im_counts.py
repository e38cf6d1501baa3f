"""How many column entries col2im scatters into the output, and onto how many output positions, per axis.

Transposed convolution's col2im sends column entry ``(i, k)`` of an axis to output
position ``i*s + k*d - p``; entries outside ``[0, L_out)`` are cropped. Along
one axis, :func:`axis_counts` returns the number of entries that land
(*contributions*) and the number of distinct positions they hit (*targets*):
an output element hit ``n`` times costs ``n - 1`` additions.

The functions here use integers only, so the code generator can copy this
module's source into generated modules unchanged.
"""

from __future__ import annotations


def transposed_length(length, kernel, stride, dilation, padding, output_padding):
    """PyTorch's transposed-convolution output length ``(L - 1)*s - 2*p + d*(K - 1) + output_padding + 1``.

    Plain arithmetic, so the same function serves ints, sympy expressions and NumPy arrays.

    >>> transposed_length(4, 3, 2, 1, 1, 1)  # 3*2 - 2*1 + 1*2 + 1 + 1
    8
    """
    return (length - 1) * stride - 2 * padding + dilation * (kernel - 1) + output_padding + 1


def axis_counts(
    length: int, kernel: int, stride: int, dilation: int, padding: int, output_padding: int
) -> tuple[int, int]:
    """``(contributions, targets)`` of col2im along one axis, exact in O(kernel log kernel).

    >>> axis_counts(4, 3, 1, 1, 0, 0)  # 4 inputs x 3 taps onto 6 positions
    (12, 6)
    >>> axis_counts(4, 1, 3, 1, 0, 0)  # stride 3 leaves gaps: 4 positions hit once
    (4, 4)
    """
    out_length = transposed_length(length, kernel, stride, dilation, padding, output_padding)
    runs: dict[int, list[tuple[int, int]]] = {}
    contributions = 0
    for k in range(kernel):
        offset = k * dilation - padding
        first = max(0, _ceil_div(-offset, stride))
        last = min(length - 1, (out_length - 1 - offset) // stride)
        if last < first:
            continue
        contributions += last - first + 1
        residue, shift = offset % stride, offset // stride
        runs.setdefault(residue, []).append((first + shift, last + shift))
    return contributions, sum(_union_length(intervals) for intervals in runs.values())


def _ceil_div(numerator: int, denominator: int) -> int:
    return -((-numerator) // denominator)


def _union_length(intervals: list[tuple[int, int]]) -> int:
    """Number of integers covered by closed intervals."""
    total, reach = 0, None
    for start, stop in sorted(intervals):
        if reach is None or start > reach:
            total += stop - start + 1
            reach = stop
        elif stop > reach:
            total += stop - reach
            reach = stop
    return total
