"""Fewer operations for generated code: common factors pulled out of sums, as a careful hand would.

``sympy.factor_terms`` takes out what every term of a sum shares; :func:`collect_factors`
then takes out, greedily, the factor most terms share. The value is unchanged (only the
distributive law is used), so integer division nodes see the same integers.

>>> from symconv.symbols import N, C_in, C_out, H, W, K
>>> fewer_operations(N * H * W * C_in + N * H * W * C_out + K * C_out)
C_in*H*N*W + C_out*(H*N*W + K)
"""

from __future__ import annotations

from collections import Counter

import sympy


def fewer_operations(expr: sympy.Expr) -> sympy.Expr:
    """``expr`` with common factors pulled out of its sums (the same value, fewer multiplications)."""
    return collect_factors(sympy.factor_terms(expr))


def collect_factors(expr: sympy.Expr) -> sympy.Expr:
    """Pull out of each sum the factor most of its terms share (at least two), recursively."""
    if expr.is_Atom:
        return expr
    args = [collect_factors(a) for a in expr.args]
    if not expr.is_Add:
        return expr.func(*args) if args != list(expr.args) else expr
    counts = Counter(f for term in args for f in set(sympy.Mul.make_args(term)) if not f.is_Number)
    if not counts:
        return sympy.Add(*args)
    # the first of the most shared factors in sympy's order: deterministic across hash seeds
    factor = max(sorted(counts, key=sympy.default_sort_key), key=counts.__getitem__)
    if counts[factor] < 2:
        return sympy.Add(*args)
    inner = [t for t in args if factor in sympy.Mul.make_args(t)]
    rest = [t for t in args if factor not in sympy.Mul.make_args(t)]
    return factor * collect_factors(sympy.Add(*[t / factor for t in inner])) + collect_factors(sympy.Add(*rest))
