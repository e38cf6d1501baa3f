"""The core: exact sizes, the lowering's stages and their counts, and the cost record.

Nothing here knows an operator by name. :mod:`~symconv.core.sizes` and
:mod:`~symconv.core.intfuncs` make user values into exact sizes and integer divisions;
:mod:`~symconv.core.lowering` holds the stages (im2col, GEMM, col2im, ...), each owning its
counts; :mod:`~symconv.core.cost` sums a lowering into a :class:`~symconv.core.cost.Cost`;
:mod:`~symconv.core.quantities` is the one vocabulary of quantity names.
"""
