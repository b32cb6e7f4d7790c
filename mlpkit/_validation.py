"""Input checks shared by every public entry point of mlpkit.

Every check raises ``TypeError`` (wrong kind of object or dtype) or
``ValueError`` (wrong shape, value or range) with a message of the form
"`name` must be <condition>, got <value>", so a student sees at once what
was expected, what was given, and usually how to fix it. Never ``assert``.
"""
from __future__ import annotations

import numbers

import numpy as np

__all__ = [
    "as_float_array",
    "as_labels",
    "all_finite",
    "check_rng",
    "check_positive",
    "check_probability",
    "check_int",
    "check_choice",
    "check_same_rows",
    "describe",
]

DEFAULT_DTYPE = np.float32


def describe(value) -> str:
    """A short description of ``value`` for error messages (shape and dtype for arrays)."""
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape} and dtype {value.dtype}"
    if isinstance(value, (list, tuple)):
        return f"a {type(value).__name__} of length {len(value)}"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def as_float_array(x, name: str = "x", *, ndim=None, features=None, dtype=None,
                   finite: bool = True) -> np.ndarray:
    """Return ``x`` as a floating-point NumPy array, or raise a clear error.

    Parameters
    ----------
    x : array_like
        The value to check. Lists and integer arrays are accepted and
        converted; float32 and float64 arrays keep their dtype unless
        ``dtype`` is given.
    name : str
        The argument's name, used in error messages.
    ndim : int or tuple of int, optional
        Allowed numbers of dimensions, e.g. ``2`` for a batch of shape (B, D).
    features : int, optional
        Required size of the last axis (e.g. 784 for flattened MNIST).
    dtype : numpy dtype, optional
        Convert to this floating dtype. By default float32/float64 are kept and
        everything else numeric (ints, bools, float16) becomes float32.
    finite : bool
        If True, NaN or infinite entries raise ``ValueError``.

    Returns
    -------
    np.ndarray
        The input itself when no conversion was needed (never copied needlessly,
        never modified).
    """
    if isinstance(x, (str, bytes)) or x is None:
        raise TypeError(f"{name} must be a numeric array, got {describe(x)}")
    try:
        arr = np.asarray(x)
    except Exception as exc:  # ragged lists and the like
        raise TypeError(f"{name} must be a numeric array, got {describe(x)} ({exc})") from None
    kind = arr.dtype.kind      # "b" bool, "i"/"u" integer, "f" float, "c" complex, "O" object, ...
    if kind == "O":
        raise TypeError(
            f"{name} must be a numeric array, got an array of Python objects "
            f"(shape {arr.shape}); check that every row has the same length")
    if kind == "c":
        raise TypeError(f"{name} must be real-valued, got dtype {arr.dtype}")
    if kind not in "biuf":
        raise TypeError(f"{name} must be a numeric array, got dtype {arr.dtype}")
    if dtype is not None:
        target = np.dtype(dtype)
        if target.kind != "f":
            raise TypeError(f"dtype must be a floating dtype, got {target}")
    elif arr.dtype in (np.float32, np.float64):
        target = arr.dtype
    else:
        target = np.dtype(DEFAULT_DTYPE)
    if arr.dtype != target:
        arr = arr.astype(target)
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if arr.ndim not in allowed:
            want = " or ".join(str(n) for n in allowed)
            hint = ""
            if arr.ndim == 1 and 2 in allowed:
                hint = " (a single example needs shape (1, features): use x.reshape(1, -1))"
            raise ValueError(
                f"{name} must be a {want}-D array, got shape {arr.shape}{hint}")
    if features is not None and (arr.ndim == 0 or arr.shape[-1] != features):
        got = arr.shape[-1] if arr.ndim else "a scalar"
        raise ValueError(f"{name} must have {features} features, got {got} "
                         f"(shape {arr.shape})")
    if finite and not np.all(np.isfinite(arr)):
        bad = int(np.size(arr) - np.count_nonzero(np.isfinite(arr)))
        raise ValueError(f"{name} must contain only finite numbers, got {bad} NaN or "
                         f"infinite entr{'y' if bad == 1 else 'ies'}")
    return arr


def all_finite(arr: np.ndarray) -> bool:
    """True when every entry of the float array ``arr`` is finite (no NaN, no inf)."""
    return bool(np.isfinite(arr).all())


def as_labels(y, name: str = "y", *, num_classes=None) -> np.ndarray:
    """Return integer class labels of shape (B,) as int64, or raise a clear error."""
    arr = np.asarray(y)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be a 1-D array of integer class labels of shape (B,), "
                         f"got shape {arr.shape}")
    if np.issubdtype(arr.dtype, np.floating):
        if not np.all(np.isfinite(arr)) or np.any(arr != np.round(arr)):
            raise TypeError(f"{name} must hold whole-number class labels, got dtype {arr.dtype} "
                            "with fractional or non-finite values")
    elif not (np.issubdtype(arr.dtype, np.integer) or arr.dtype == np.bool_):
        raise TypeError(f"{name} must hold integer class labels, got dtype {arr.dtype}")
    arr = arr.astype(np.int64, copy=False)
    if arr.size and arr.min() < 0:
        raise ValueError(f"{name} must hold labels >= 0, got {int(arr.min())}")
    if num_classes is not None and arr.size and arr.max() >= num_classes:
        raise ValueError(f"{name} must hold labels in 0..{num_classes - 1}, "
                         f"got {int(arr.max())}")
    return arr


def check_rng(rng) -> np.random.Generator:
    """Turn ``rng`` (None, an int seed, or a numpy Generator) into a Generator.

    ``None`` gives a fresh, unpredictable generator; an int gives a reproducible
    one. Global seeding (``np.random.seed``) is never used by mlpkit.
    """
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None or (isinstance(rng, numbers.Integral) and not isinstance(rng, bool)):
        return np.random.default_rng(rng)
    raise TypeError("rng must be None, an int seed or a numpy.random.Generator "
                    f"(np.random.default_rng(seed)), got {describe(rng)}")


def _check_real(name, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {describe(value)}")
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    return float(value)


def check_positive(name: str, value, *, allow_zero: bool = False) -> float:
    """Check that a hyperparameter is a finite number > 0 (or >= 0)."""
    value = _check_real(name, value)
    if value < 0 or (value == 0 and not allow_zero):
        cond = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{name} must be {cond}, got {value}")
    return value


def check_probability(name: str, value, *, low_inclusive=True, high_inclusive=False) -> float:
    """Check that ``value`` lies in [0, 1) (bounds configurable)."""
    value = _check_real(name, value)
    lo_ok = value >= 0 if low_inclusive else value > 0
    hi_ok = value <= 1 if high_inclusive else value < 1
    if not (lo_ok and hi_ok):
        lo = "[" if low_inclusive else "("
        hi = "]" if high_inclusive else ")"
        raise ValueError(f"{name} must be in {lo}0, 1{hi}, got {value}")
    return value


def check_int(name: str, value, *, minimum: int = 1) -> int:
    """Check that ``value`` is an integer >= ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {describe(value)}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return int(value)


def check_choice(name: str, value, choices) -> str:
    """Check that ``value`` is one of ``choices`` and list them if not."""
    if value not in choices:
        valid = ", ".join(repr(c) for c in choices)
        raise ValueError(f"{name} must be one of {valid}; got {value!r}")
    return value


def check_same_rows(a: np.ndarray, b: np.ndarray, name_a: str = "x", name_b: str = "y") -> None:
    """Check that two batches have the same number of examples (rows)."""
    if a.shape[0] != b.shape[0]:
        raise ValueError(f"{name_a} and {name_b} must have the same number of examples, "
                         f"got {a.shape[0]} and {b.shape[0]}")
