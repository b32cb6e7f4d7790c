"""Input checks used only by mlpkit.data (the shared ones are in mlpkit._validation)."""
from __future__ import annotations

import numpy as np

from .._validation import _check_real, describe


def float_dtype(dtype, *, numeric: bool = False) -> np.dtype:
    """``dtype`` as a NumPy floating dtype (any numeric one if ``numeric``), else a TypeError."""
    kind, wanted = ((np.number, "a numeric dtype such as np.float32 or np.uint8") if numeric
                    else (np.floating, "a floating dtype such as np.float32 or np.float64"))
    try:
        dt = None if dtype is None else np.dtype(dtype)
    except TypeError:
        dt = None
    if dt is None or not np.issubdtype(dt, kind):
        raise TypeError(f"dtype must be {wanted}, got {describe(dtype) if dt is None else dt}")
    return dt


def check_bool(name: str, value) -> bool:
    """``value`` if it is True or False (a NumPy bool too), else a TypeError."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {describe(value)}")
    return bool(value)


def check_interval(name: str, value) -> tuple[float, float]:
    """A pair ``(low, high)`` of finite numbers with low < high."""
    if isinstance(value, (str, bytes)):
        raise TypeError(f"{name} must be a pair (low, high), got {describe(value)}")
    try:
        low, high = value
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a pair (low, high), got {describe(value)}") from None
    low, high = _check_real(f"{name}[0]", low), _check_real(f"{name}[1]", high)
    if not low < high:
        raise ValueError(f"{name} must be a pair (low, high) with low < high, "
                         f"got ({low}, {high})")
    return low, high


def as_rows(a, name: str) -> np.ndarray:
    """An array with one example per row (any dtype kept, never copied)."""
    if a is None or isinstance(a, (str, bytes)):
        raise TypeError(f"{name} must be an array with one example per row, got {describe(a)}")
    arr = np.asarray(a)
    if arr.dtype == object:
        raise TypeError(f"{name} must be a numeric array, got an array of Python objects "
                        f"(shape {arr.shape}); check that every row has the same length")
    if arr.ndim == 0:
        raise ValueError(f"{name} must be an array with one example per row, "
                         f"got a scalar ({arr.item()!r})")
    return arr
