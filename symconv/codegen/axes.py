"""The helper a generated module uses to read a per-axis argument as PyTorch does; its source is copied in.

An int (or an array, in a NumPy module) stands for every axis; a tuple or list gives one value per axis.

>>> _per_axis(3, 2), _per_axis((3, 1), 2)
((3, 3), (3, 1))
"""


def _per_axis(value, axes):
    """``value`` for each of ``axes`` spatial axes: a tuple or list gives one per axis, anything else all of them."""
    if isinstance(value, tuple | list):
        if len(value) != axes:
            raise ValueError(f"expected {axes} values, one per axis, got {len(value)}")
        return tuple(value)
    return (value,) * axes
