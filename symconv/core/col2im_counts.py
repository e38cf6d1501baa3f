"""How many column entries col2im scatters into the output, and onto how many output positions, per axis.

Transposed convolution's col2im sends column entry ``(i, k)`` of an axis to output
position ``i*s + k*d - p``; entries outside ``[0, L_out)`` are cropped. Along
one axis, :func:`axis_counts` returns the number of entries that land
(*contributions*) and the number of distinct positions they hit (*targets*):
an output element hit ``n`` times costs ``n - 1`` additions.

Both are counted in closed form, in time logarithmic in the sizes (never a loop
over the taps): each is a count of lattice points ``(i, k)`` of a rectangle under
a line ``i*s + k*d < c``, a floor sum (:func:`_floor_sum`). Distinct targets are
the entries in canonical form: with ``g = gcd(s, d)``, entries ``(i, k)`` and
``(i + d/g, k - s/g)`` land on the same position, so each position has exactly
one entry with ``k < s/g`` or ``i >= L - d/g`` (the smallest ``k`` reaching it).

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
    """``(contributions, targets)`` of col2im along one axis, exact, in time logarithmic in the sizes.

    >>> axis_counts(4, 3, 1, 1, 0, 0)  # 4 inputs x 3 taps onto 6 positions
    (12, 6)
    >>> axis_counts(4, 1, 3, 1, 0, 0)  # stride 3 leaves gaps: 4 positions hit once
    (4, 4)
    >>> axis_counts(1, 10**40, 1, 1, 0, 0)  # one input, 10**40 taps, no overlap
    (10000000000000000000000000000000000000000, 10000000000000000000000000000000000000000)
    """
    low = padding
    high = padding + transposed_length(length, kernel, stride, dilation, padding, output_padding)
    contributions = _landing(0, length, 0, kernel, stride, dilation, low, high)
    step = _gcd(stride, dilation)
    stride_step, dilation_step = stride // step, dilation // step
    first_taps = min(kernel, stride_step)
    targets = _landing(0, length, 0, first_taps, stride, dilation, low, high)
    targets += _landing(max(0, length - dilation_step), length, first_taps, kernel, stride, dilation, low, high)
    return contributions, targets


def _gcd(a, b):
    while b:
        a, b = b, a % b
    return a


def _landing(i_start, i_stop, k_start, k_stop, stride, dilation, low, high):
    """Entries ``(i, k)`` of ``[i_start, i_stop) x [k_start, k_stop)`` with ``low <= i*s + k*d < high``."""
    rows, columns = i_stop - i_start, k_stop - k_start
    base = i_start * stride + k_start * dilation
    return _below(rows, columns, stride, dilation, high - base) - _below(rows, columns, stride, dilation, low - base)


def _below(rows, columns, stride, dilation, bound):
    """Pairs ``(a, b)`` in ``[0, rows) x [0, columns)`` with ``a*stride + b*dilation < bound``."""
    if rows <= 0 or columns <= 0 or bound <= 0:
        return 0
    last = min(columns - 1, (bound - 1) // dilation)  # the largest b with b*dilation < bound
    slack = bound - 1 - (rows - 1) * stride  # b*dilation <= slack: all rows fit
    full = min(last, slack // dilation) + 1 if slack >= 0 else 0
    partial = last - full + 1  # for b = last - j, j < partial: (bound - 1 - b*d) // s + 1 rows
    return rows * full + _floor_sum(partial, stride, dilation, bound - 1 - last * dilation) + partial


def _floor_sum(n, m, a, b):
    """``sum((a*j + b) // m for j in range(n))`` for ``a, b >= 0``, ``m >= 1``, by Euclid-like reduction."""
    total = 0
    while n > 0:
        if a >= m:
            total += n * (n - 1) // 2 * (a // m)
            a %= m
        if b >= m:
            total += n * (b // m)
            b %= m
        top = a * n + b
        if top < m:
            break
        n, b, m, a = top // m, top % m, a, m
    return total
