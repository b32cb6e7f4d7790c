"""Dividing a data set by rows: a validation split, and the mini-batches of one epoch.

``x`` and ``y`` hold one example per row (N rows); row i of x goes with row i
of y, in every split and every batch.
"""
from __future__ import annotations

import math

import numpy as np

from .._validation import check_int, check_probability, check_rng, check_same_rows
from ._checks import as_rows, check_bool

__all__ = ["train_val_split", "batches"]


def train_val_split(x, y, val_fraction=None, *, val_size=None, rng=None, shuffle=True):
    """Hold out a validation set: split (x, y) into a training and a validation part.

    Parameters
    ----------
    x : array_like, shape (N, ...)
        Inputs, one example per row (any dtype; kept).
    y : array_like, shape (N, ...)
        Targets, one per row of x (labels (N,) or targets (N, M)).
    val_fraction : float, optional
        Fraction of the examples to hold out, in (0, 1); the validation set
        gets round(val_fraction * N) of them. Default 0.1 (unless ``val_size``
        is given; give one or the other).
    val_size : int, optional
        Number of examples to hold out instead, 1 <= val_size < N.
    rng : None, int or numpy.random.Generator
        Source of randomness for the shuffle; the same seed gives the same split.
    shuffle : bool
        If True (default), a random subset is held out (new arrays in random
        order). If False, the last examples are held out and the two parts are
        views of x and y (no copy).

    Returns
    -------
    (x_train, y_train), (x_val, y_val)
        Two disjoint parts that together hold every example once:
        N - N_val and N_val rows.

    Raises
    ------
    ValueError
        If x and y have different numbers of rows, or either part would be empty.
    """
    x = as_rows(x, "x")
    y = as_rows(y, "y")
    check_same_rows(x, y)
    shuffle = check_bool("shuffle", shuffle)
    n = x.shape[0]
    if val_fraction is not None and val_size is not None:
        raise ValueError("give val_fraction or val_size, not both; got "
                         f"val_fraction={val_fraction!r} and val_size={val_size!r}")
    if val_size is None:
        fraction = 0.1 if val_fraction is None else check_probability(
            "val_fraction", val_fraction, low_inclusive=False, high_inclusive=False)
        n_val = int(math.floor(fraction * n + 0.5))
        if not 0 < n_val < n:
            raise ValueError(f"val_fraction={fraction} of {n} examples gives {n_val} validation "
                             "examples, but both parts need at least one: use more examples or "
                             "pass val_size=...")
    else:
        n_val = check_int("val_size", val_size, minimum=1)
        if n_val >= n:
            raise ValueError(f"val_size must be smaller than the number of examples ({n}) so that "
                             f"the training part is not empty, got {n_val}")
    if not shuffle:
        cut = n - n_val
        return (x[:cut], y[:cut]), (x[cut:], y[cut:])
    order = check_rng(rng).permutation(n)
    val_idx, train_idx = order[:n_val], order[n_val:]
    return (x[train_idx], y[train_idx]), (x[val_idx], y[val_idx])


def batches(x, y, batch_size, shuffle=True, rng=None, drop_last=False):
    """Iterate over one epoch of mini-batches ``(x_batch, y_batch)``.

    The algorithm: draw one permutation ``order`` of the N row indices from
    ``rng`` (``order = rng.permutation(N)``), then yield the rows
    ``order[0:B]``, ``order[B:2B]``, ... of x and y, in that order. Every
    example appears in exactly one batch per call; the last batch is smaller
    when B does not divide N (``drop_last=True`` leaves it out).

    Each call is one epoch and draws a fresh order: pass the same
    ``numpy.random.Generator`` every epoch to get a new shuffle each time,
    reproducibly::

        rng = np.random.default_rng(0)
        for epoch in range(epochs):
            for x_batch, y_batch in batches(x, y, batch_size=64, rng=rng):
                ...

    (An int seed gives the *same* order on every call; ``None`` a fresh,
    unpredictable one.) The order is drawn, and the arguments are checked,
    when ``batches`` is called, not when the first batch is taken.

    Memory: with ``shuffle=True`` each batch is a new array gathered from x
    (``np.take(x, idx, axis=0)``, the same as ``x[idx]``: one copy of just that
    batch; x itself is never copied or modified). With ``shuffle=False`` the
    batches are slices, i.e. views of x and y (no copy at all; writing into
    them writes into x).

    Parameters
    ----------
    x : array_like, shape (N, ...)
        Inputs, one example per row.
    y : array_like, shape (N, ...)
        Targets, one per row of x.
    batch_size : int
        Batch size B (>= 1).
    shuffle : bool
        Shuffle the examples (default True); False keeps the order 0..N-1.
    rng : None, int or numpy.random.Generator
        Source of randomness for the shuffle.
    drop_last : bool
        Drop the last, smaller batch (then every batch has exactly B rows).

    Yields
    ------
    x_batch : ndarray, shape (B, ...)
    y_batch : ndarray, shape (B, ...)
    """
    x = as_rows(x, "x")
    y = as_rows(y, "y")
    check_same_rows(x, y)
    batch_size = check_int("batch_size", batch_size, minimum=1)
    shuffle = check_bool("shuffle", shuffle)
    drop_last = check_bool("drop_last", drop_last)
    n = x.shape[0]
    if n == 0:
        raise ValueError(f"x must hold at least one example, got shape {x.shape}")
    if drop_last and batch_size > n:
        raise ValueError(f"batch_size must be <= the number of examples ({n}) when "
                         f"drop_last=True (otherwise there is no full batch), got {batch_size}")
    stop = n - n % batch_size if drop_last else n
    if not shuffle:
        return _slices(x, y, batch_size, stop)
    return _gathered(x, y, batch_size, check_rng(rng).permutation(n)[:stop])


def _slices(x, y, batch_size, stop):
    """The batches x[0:B], x[B:2B], ... (views), up to row ``stop``."""
    for start in range(0, stop, batch_size):
        yield x[start:start + batch_size], y[start:start + batch_size]


def _gathered(x, y, batch_size, order):
    """The batches x[order[0:B]], x[order[B:2B]], ... (new arrays)."""
    for start in range(0, len(order), batch_size):
        idx = order[start:start + batch_size]
        yield np.take(x, idx, axis=0), np.take(y, idx, axis=0)
