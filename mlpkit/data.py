"""Data for the course: toy data sets, splitting, batching, one-hot, scaling, MNIST.

Every function returns batch-first arrays, one example per row: inputs ``x`` of
shape (N, D) (N examples, D features), float32 unless you pass ``dtype``.

====================  ==========================================================
toy data sets         ``make_line``, ``make_1d_function`` (regression: x (N, 1),
                      y (N, 1)); ``make_blobs``, ``make_xor``, ``make_moons``,
                      ``make_spirals`` (classification: x (N, D), integer
                      labels y (N,))
preparing data        ``train_val_split``, ``one_hot``, ``Standardizer`` /
                      ``standardize``
training loop         ``batches`` (shuffled mini-batches, one epoch per call)
MNIST                 ``load_mnist`` (the copy shipped with mlpkit, or a
                      verified download), ``read_idx`` (the IDX file format)
====================  ==========================================================

Randomness comes only from the ``rng`` argument (``None``, an int seed or a
``numpy.random.Generator``): the same seed gives the same data.

>>> x, y = make_moons(200, noise=0.1, rng=0)
>>> (x_train, y_train), (x_val, y_val) = train_val_split(x, y, val_fraction=0.25, rng=0)
>>> x_train.shape, y_train.shape, x_val.shape
((150, 2), (150,), (50, 2))
"""
from __future__ import annotations

import contextlib
import functools
import gzip
import hashlib
import http.client
import math
import os
import struct
import sys
import tempfile
import urllib.request
import zlib
from pathlib import Path

import numpy as np

from ._validation import (
    _check_real,
    as_float_array,
    as_labels,
    check_choice,
    check_int,
    check_positive,
    check_probability,
    check_rng,
    check_same_rows,
    describe,
)

__all__ = [
    # toy data sets
    "make_line",
    "make_1d_function",
    "FUNCTIONS_1D",
    "make_blobs",
    "make_xor",
    "make_moons",
    "make_spirals",
    # preparing data
    "train_val_split",
    "one_hot",
    "Standardizer",
    "standardize",
    "batches",
    # MNIST
    "read_idx",
    "load_mnist",
    "mnist_cache_dir",
    "MNIST_MIRRORS",
    "MNIST_SHA256",
    "MNIST_SHIPPED_DIR",
]


# ---------------------------------------------------------------------------
# small checks shared by this module
# ---------------------------------------------------------------------------

def _float_dtype(dtype) -> np.dtype:
    """``dtype`` as a NumPy floating dtype, or a TypeError that says what to pass."""
    if dtype is None:
        raise TypeError("dtype must be a floating dtype such as np.float32, got None")
    try:
        dt = np.dtype(dtype)
    except TypeError:
        raise TypeError("dtype must be a floating dtype such as np.float32, "
                        f"got {describe(dtype)}") from None
    if not np.issubdtype(dt, np.floating):
        raise TypeError(f"dtype must be a floating dtype such as np.float32 or np.float64, "
                        f"got {dt}")
    return dt


def _check_bool(name: str, value) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {describe(value)}")
    return bool(value)


def _check_interval(name: str, value) -> tuple[float, float]:
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


def _as_rows(a, name: str) -> np.ndarray:
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


# ---------------------------------------------------------------------------
# toy data sets
# ---------------------------------------------------------------------------

def make_line(n, *, slope=2.0, intercept=1.0, noise=0.5, x_range=(-3.0, 3.0), rng=None,
              dtype=np.float32):
    """Noisy samples of a straight line, y = slope * x + intercept + noise * epsilon.

    The data set of unit 02 (linear regression): x is drawn uniformly from
    ``x_range`` and epsilon from a standard normal distribution.

    Parameters
    ----------
    n : int
        Number of examples N (>= 1).
    slope, intercept : float
        The true line (what least squares should recover).
    noise : float
        Standard deviation of the Gaussian noise added to y (>= 0).
    x_range : (float, float)
        Interval (low, high) from which x is drawn uniformly.
    rng : None, int or numpy.random.Generator
        Source of randomness; the same seed gives the same data.
    dtype : floating dtype
        dtype of both returned arrays (float32 by default).

    Returns
    -------
    x : ndarray, shape (N, 1)
        Inputs, sorted in increasing order (so ``plt.plot(x, y)`` draws left to right).
    y : ndarray, shape (N, 1)
        Targets.
    """
    n = check_int("n", n)
    slope = _check_real("slope", slope)
    intercept = _check_real("intercept", intercept)
    noise = check_positive("noise", noise, allow_zero=True)
    low, high = _check_interval("x_range", x_range)
    dt = _float_dtype(dtype)
    gen = check_rng(rng)
    x = np.sort(gen.uniform(low, high, size=n))[:, None]
    y = slope * x + intercept + noise * gen.standard_normal((n, 1))
    return x.astype(dt), y.astype(dt)


def _cubic(x):
    return x ** 3 - x


def _gaussian(x):
    return np.exp(-x ** 2)


#: The smooth 1-D functions of :func:`make_1d_function`: ``name -> (f, (low, high))``,
#: each with the interval it is sampled on by default.
FUNCTIONS_1D = {
    "sin": (np.sin, (-math.pi, math.pi)),
    "cos": (np.cos, (-math.pi, math.pi)),
    "square": (np.square, (-1.0, 1.0)),
    "cubic": (_cubic, (-1.5, 1.5)),
    "gaussian": (_gaussian, (-3.0, 3.0)),
    "sinc": (np.sinc, (-4.0, 4.0)),
    "tanh": (np.tanh, (-3.0, 3.0)),
}


def make_1d_function(n, name="sin", *, noise=0.0, x_range=None, rng=None, dtype=np.float32):
    """Samples of a smooth 1-D function, y = f(x) + noise * epsilon.

    The target of unit 05's "a 1-D function approximated by a sum of ReLUs".

    Parameters
    ----------
    n : int
        Number of examples N (>= 1).
    name : str or callable
        One of ``FUNCTIONS_1D``: ``"sin"`` (sin x on [-pi, pi]), ``"cos"``
        (cos x on [-pi, pi]), ``"square"`` (x^2 on [-1, 1]), ``"cubic"``
        (x^3 - x on [-1.5, 1.5]), ``"gaussian"`` (exp(-x^2) on [-3, 3]),
        ``"sinc"`` (sin(pi x) / (pi x) on [-4, 4]), ``"tanh"`` (tanh x on
        [-3, 3]); or your own element-wise function f (x_range then defaults to
        (-1, 1)).
    noise : float
        Standard deviation of the Gaussian noise added to y (>= 0; default 0,
        the exact function).
    x_range : (float, float), optional
        Interval to draw x from uniformly; default: the function's own interval.
    rng : None, int or numpy.random.Generator
        Source of randomness; the same seed gives the same data.
    dtype : floating dtype
        dtype of both returned arrays.

    Returns
    -------
    x : ndarray, shape (N, 1)
        Inputs, sorted in increasing order (so ``plt.plot(x, y)`` draws the curve).
    y : ndarray, shape (N, 1)
        f(x), plus noise if asked.
    """
    n = check_int("n", n)
    if callable(name):
        f, default_range = name, (-1.0, 1.0)
    else:
        check_choice("name", name, tuple(FUNCTIONS_1D))
        f, default_range = FUNCTIONS_1D[name]
    low, high = _check_interval("x_range", default_range if x_range is None else x_range)
    noise = check_positive("noise", noise, allow_zero=True)
    dt = _float_dtype(dtype)
    gen = check_rng(rng)
    x = np.sort(gen.uniform(low, high, size=n))[:, None]
    fx = np.asarray(f(x), dtype=np.float64)
    if fx.shape != x.shape:
        raise ValueError(f"name must be an element-wise function (output shape = input shape), "
                         f"but it turned x of shape {x.shape} into shape {fx.shape}")
    y = fx + noise * gen.standard_normal((n, 1))
    return x.astype(dt), y.astype(dt)


def _balanced_labels(n: int, num_classes: int) -> np.ndarray:
    """Labels 0, 1, ..., C-1, 0, 1, ... (class sizes differ by at most one)."""
    return np.arange(n, dtype=np.int64) % num_classes


def make_blobs(n, centers=3, *, std=1.0, n_features=None, center_box=(-5.0, 5.0), rng=None,
               dtype=np.float32):
    """Gaussian blobs, one per class: x = center[y] + std * epsilon.

    Parameters
    ----------
    n : int
        Number of examples N (>= 1), shared as evenly as possible between the
        blobs.
    centers : int or array_like of shape (C, D)
        Either the number of blobs C, whose centres are then drawn uniformly from
        ``center_box`` in every feature, or the centres themselves.
    std : float
        Standard deviation of every blob in every feature (>= 0).
    n_features : int, optional
        Number of features D when ``centers`` is an int (default 2); when
        ``centers`` is an array, D is its number of columns.
    center_box : (float, float)
        Interval (low, high) for random centres.
    rng : None, int or numpy.random.Generator
        Source of randomness; the same seed gives the same data.
    dtype : floating dtype
        dtype of x.

    Returns
    -------
    x : ndarray, shape (N, D)
        Points.
    y : ndarray of int64, shape (N,)
        Blob (class) labels in 0..C-1, in the order 0, 1, ..., C-1, 0, 1, ...
    """
    n = check_int("n", n)
    std = check_positive("std", std, allow_zero=True)
    dt = _float_dtype(dtype)
    if isinstance(centers, (int, np.integer)) and not isinstance(centers, bool):
        num_classes = check_int("centers", centers)
        n_features = 2 if n_features is None else check_int("n_features", n_features)
        low, high = _check_interval("center_box", center_box)
        gen = check_rng(rng)
        center_array = gen.uniform(low, high, size=(num_classes, n_features))
    else:
        center_array = as_float_array(centers, "centers", ndim=2, dtype=np.float64)
        num_classes, dims = center_array.shape
        if num_classes == 0 or dims == 0:
            raise ValueError(f"centers must hold at least one centre with at least one feature, "
                             f"got shape {center_array.shape}")
        if n_features is not None and check_int("n_features", n_features) != dims:
            raise ValueError(f"n_features must match the {dims} columns of centers, "
                             f"got {n_features}")
        gen = check_rng(rng)
    y = _balanced_labels(n, num_classes)
    x = center_array[y] + std * gen.standard_normal((n, center_array.shape[1]))
    return x.astype(dt), y


_XOR_CORNERS = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
_XOR_LABELS = np.array([0, 1, 1, 0], dtype=np.int64)


def make_xor(n, *, noise=0.0, rng=None, dtype=np.float32):
    """The XOR problem: the four corners of the unit square, labelled x1 XOR x2.

    ``make_xor(4)`` is the truth table: x = [[0, 0], [0, 1], [1, 0], [1, 1]],
    y = [0, 1, 1, 0]. A larger n cycles through the corners in that order; with
    ``noise > 0`` each point moves by Gaussian noise of that standard
    deviation (a "noisy XOR": four clouds; no straight line separates the
    classes).

    Parameters
    ----------
    n : int
        Number of examples N (>= 1).
    noise : float
        Standard deviation of the Gaussian noise added to each coordinate (>= 0).
    rng : None, int or numpy.random.Generator
        Source of randomness (unused when noise is 0).
    dtype : floating dtype
        dtype of x.

    Returns
    -------
    x : ndarray, shape (N, 2)
        Points.
    y : ndarray of int64, shape (N,)
        Labels 0 or 1 (use ``y[:, None]`` as a (N, 1) target for a single
        sigmoid output).
    """
    n = check_int("n", n)
    noise = check_positive("noise", noise, allow_zero=True)
    dt = _float_dtype(dtype)
    gen = check_rng(rng)
    corner = np.arange(n) % 4
    x = _XOR_CORNERS[corner] + noise * gen.standard_normal((n, 2))
    return x.astype(dt), _XOR_LABELS[corner]


def make_moons(n, *, noise=0.1, rng=None, dtype=np.float32):
    """Two interleaving half circles ("moons") in 2-D.

    With t drawn uniformly from [0, pi]: class 0 lies on (cos t, sin t) and
    class 1 on (1 - cos t, 0.5 - sin t); then Gaussian noise of standard
    deviation ``noise`` is added to each coordinate.

    Parameters
    ----------
    n : int
        Number of examples N (>= 1), half in each class.
    noise : float
        Standard deviation of the Gaussian noise (>= 0).
    rng : None, int or numpy.random.Generator
        Source of randomness; the same seed gives the same data.
    dtype : floating dtype
        dtype of x.

    Returns
    -------
    x : ndarray, shape (N, 2)
        Points.
    y : ndarray of int64, shape (N,)
        Labels 0 or 1, in the order 0, 1, 0, 1, ...
    """
    n = check_int("n", n)
    noise = check_positive("noise", noise, allow_zero=True)
    dt = _float_dtype(dtype)
    gen = check_rng(rng)
    y = _balanced_labels(n, 2)
    t = gen.uniform(0.0, math.pi, size=n)
    x = np.where(y[:, None] == 0,
                 np.stack([np.cos(t), np.sin(t)], axis=1),
                 np.stack([1.0 - np.cos(t), 0.5 - np.sin(t)], axis=1))
    x = x + noise * gen.standard_normal((n, 2))
    return x.astype(dt), y


def make_spirals(n, num_classes=3, *, turns=1.0, noise=0.1, rng=None, dtype=np.float32):
    """Interleaved spiral arms in 2-D, one arm per class.

    With r drawn uniformly from [0, 1], arm c holds the points
    r * (cos theta, sin theta) with theta = 2 pi (c / C + turns * r), plus
    Gaussian noise of standard deviation ``noise``: C arms that wind ``turns``
    times around the origin. Not linearly separable; a small MLP learns it.

    Parameters
    ----------
    n : int
        Number of examples N (>= 1), shared as evenly as possible between arms.
    num_classes : int
        Number of arms C (>= 1).
    turns : float
        How many times each arm winds around the origin (> 0).
    noise : float
        Standard deviation of the Gaussian noise (>= 0).
    rng : None, int or numpy.random.Generator
        Source of randomness; the same seed gives the same data.
    dtype : floating dtype
        dtype of x.

    Returns
    -------
    x : ndarray, shape (N, 2)
        Points, within radius 1 (plus noise) of the origin.
    y : ndarray of int64, shape (N,)
        Arm (class) labels in 0..C-1, in the order 0, 1, ..., C-1, 0, 1, ...
    """
    n = check_int("n", n)
    num_classes = check_int("num_classes", num_classes)
    turns = check_positive("turns", turns)
    noise = check_positive("noise", noise, allow_zero=True)
    dt = _float_dtype(dtype)
    gen = check_rng(rng)
    y = _balanced_labels(n, num_classes)
    r = gen.uniform(0.0, 1.0, size=n)
    theta = 2.0 * math.pi * (y / num_classes + turns * r)
    x = r[:, None] * np.stack([np.cos(theta), np.sin(theta)], axis=1)
    x = x + noise * gen.standard_normal((n, 2))
    return x.astype(dt), y


# ---------------------------------------------------------------------------
# preparing data
# ---------------------------------------------------------------------------

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
    x = _as_rows(x, "x")
    y = _as_rows(y, "y")
    check_same_rows(x, y)
    shuffle = _check_bool("shuffle", shuffle)
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


def one_hot(y, num_classes=None, *, dtype=np.float32):
    """One-hot encode integer class labels: row i is all zeros except a 1 in column y[i].

    Parameters
    ----------
    y : array_like of int, shape (B,)
        Class labels in 0..C-1.
    num_classes : int, optional
        Number of classes C; default ``y.max() + 1`` (give it explicitly when a
        batch might miss the last classes).
    dtype : floating dtype
        dtype of the result.

    Returns
    -------
    ndarray, shape (B, C)
        The one-hot matrix; every row sums to 1.

    Examples
    --------
    >>> one_hot([2, 0], num_classes=3)
    array([[0., 0., 1.],
           [1., 0., 0.]], dtype=float32)
    """
    if num_classes is not None:
        num_classes = check_int("num_classes", num_classes)
    labels = as_labels(y, "y", num_classes=num_classes)
    dt = _float_dtype(dtype)
    if num_classes is None:
        if labels.size == 0:
            raise ValueError("num_classes must be given when y is empty "
                             "(there is no largest label to infer it from)")
        num_classes = int(labels.max()) + 1
    out = np.zeros((labels.shape[0], num_classes), dtype=dt)
    out[np.arange(labels.shape[0]), labels] = 1
    return out


def _mean_std(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-feature mean and population std of x (B, D), accumulated in float64 by chunks."""
    b, d = x.shape
    chunk = max(1, (1 << 20) // max(d, 1))
    total = np.zeros(d)
    for start in range(0, b, chunk):
        total += x[start:start + chunk].sum(axis=0, dtype=np.float64)
    mean = total / b
    squares = np.zeros(d)
    for start in range(0, b, chunk):
        dev = x[start:start + chunk].astype(np.float64) - mean
        squares += np.einsum("ij,ij->j", dev, dev)
    return mean, np.sqrt(squares / b)


class Standardizer:
    """Rescale every feature to zero mean and unit variance: (x - mean) / std.

    Fit it on the training set only, then apply the same mean and std to the
    validation and test sets (unit 07, input normalisation)::

        scaler = Standardizer().fit(x_train)
        x_train, x_val = scaler.transform(x_train), scaler.transform(x_val)

    **Constant features.** A feature whose standard deviation on the training
    set is below ``eps`` (for example MNIST's always-blank corner pixels) would
    be divided by zero. Its std is taken to be 1 instead, so it is only
    centred: it becomes 0 on the training set, and never NaN or infinite.

    Parameters
    ----------
    eps : float
        Threshold below which a feature's std counts as zero (> 0; default 1e-8).

    Attributes
    ----------
    mean : ndarray of float64, shape (D,)
        Per-feature mean of the training set (None before ``fit``).
    std : ndarray of float64, shape (D,)
        Per-feature population standard deviation (ddof=0), with 1 in place of
        the std of constant features (None before ``fit``).
    constant : ndarray of bool, shape (D,)
        Which features were constant (std < eps).
    """

    def __init__(self, eps=1e-8):
        self.eps = check_positive("eps", eps)
        self.mean = None
        self.std = None
        self.constant = None

    def fit(self, x):
        """Compute the per-feature mean and std of x, shape (B, D); returns self."""
        x = as_float_array(x, "x", ndim=2)
        if x.shape[0] == 0:
            raise ValueError("x must hold at least one example to fit a Standardizer, "
                             f"got shape {x.shape}")
        mean, std = _mean_std(x)
        self.constant = std < self.eps
        self.mean = mean
        self.std = np.where(self.constant, 1.0, std)
        return self

    def _check_fitted(self, x, name):
        if self.mean is None:
            raise ValueError("this Standardizer is not fitted yet: call fit(x_train) first")
        return as_float_array(x, name, ndim=2, features=self.mean.shape[0])

    def transform(self, x):
        """Return (x - mean) / std, shape (B, D), in x's float dtype (x is not modified)."""
        x = self._check_fitted(x, "x")
        return (x - self.mean.astype(x.dtype)) / self.std.astype(x.dtype)

    def fit_transform(self, x):
        """``fit(x)`` then ``transform(x)``."""
        return self.fit(x).transform(x)

    def inverse_transform(self, z):
        """Undo ``transform``: return z * std + mean, shape (B, D)."""
        z = self._check_fitted(z, "z")
        return z * self.std.astype(z.dtype) + self.mean.astype(z.dtype)

    def __repr__(self):
        if self.mean is None:
            return f"Standardizer(eps={self.eps:g}, not fitted)"
        return (f"Standardizer(features={self.mean.shape[0]}, "
                f"constant features={int(self.constant.sum())})")


def standardize(x_train, *others, eps=1e-8):
    """Standardize ``x_train`` and any other sets with the mean and std of ``x_train``.

    A shortcut for ``Standardizer(eps).fit(x_train)`` followed by ``transform``
    of every argument (see :class:`Standardizer` for the constant-feature rule)::

        x_train, x_val, x_test = standardize(x_train, x_val, x_test)

    Returns
    -------
    ndarray or tuple of ndarray
        The standardized ``x_train`` alone when it is the only argument,
        otherwise a tuple with one array per argument, in order.
    """
    scaler = Standardizer(eps).fit(x_train)
    if not others:
        return scaler.transform(x_train)
    return tuple(scaler.transform(a) for a in (x_train, *others))


def batches(x, y, batch_size, shuffle=True, rng=None, drop_last=False):
    """Iterate over one epoch of mini-batches ``(x_batch, y_batch)``.

    Every example appears in exactly one batch per call. Each call is one
    epoch and draws a fresh order: pass the same ``numpy.random.Generator``
    every epoch to get a new shuffle each time, reproducibly::

        rng = np.random.default_rng(0)
        for epoch in range(epochs):
            for x_batch, y_batch in batches(x, y, batch_size=64, rng=rng):
                ...

    (An int seed gives the *same* order on every call; ``None`` a fresh,
    unpredictable one.) The order is drawn when ``batches`` is called.

    Memory: with ``shuffle=True`` one permutation of the N row indices is drawn
    and each batch is a new array gathered from it (``x[idx]``, one copy of
    just that batch; x itself is never copied or modified). With
    ``shuffle=False`` the batches are slices, i.e. views of x and y (no copy
    at all; writing into them writes into x).

    Parameters
    ----------
    x : array_like, shape (N, ...)
        Inputs, one example per row.
    y : array_like, shape (N, ...)
        Targets, one per row of x.
    batch_size : int
        Batch size B (>= 1); the last batch is smaller when B does not divide N.
    shuffle : bool
        Shuffle the examples (default True).
    rng : None, int or numpy.random.Generator
        Source of randomness for the shuffle.
    drop_last : bool
        Drop the last, smaller batch (then every batch has exactly B rows).

    Yields
    ------
    x_batch : ndarray, shape (B, ...)
    y_batch : ndarray, shape (B, ...)
    """
    x = _as_rows(x, "x")
    y = _as_rows(y, "y")
    check_same_rows(x, y)
    batch_size = check_int("batch_size", batch_size, minimum=1)
    shuffle = _check_bool("shuffle", shuffle)
    drop_last = _check_bool("drop_last", drop_last)
    n = x.shape[0]
    if n == 0:
        raise ValueError(f"x must hold at least one example, got shape {x.shape}")
    if drop_last and batch_size > n:
        raise ValueError(f"batch_size must be <= the number of examples ({n}) when "
                         f"drop_last=True (otherwise there is no full batch), got {batch_size}")
    order = check_rng(rng).permutation(n) if shuffle else None
    return _iter_batches(x, y, batch_size, order, drop_last)


def _iter_batches(x, y, batch_size, order, drop_last):
    n = x.shape[0]
    stop = n - n % batch_size if drop_last else n
    for start in range(0, stop, batch_size):
        if order is None:
            yield x[start:start + batch_size], y[start:start + batch_size]
        else:
            idx = order[start:start + batch_size]
            yield x[idx], y[idx]


# ---------------------------------------------------------------------------
# the IDX file format
# ---------------------------------------------------------------------------

#: IDX type codes (third byte of the magic number) and the dtype they stand for.
_IDX_TYPES = {
    0x08: np.dtype(np.uint8),
    0x09: np.dtype(np.int8),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}

MAGIC_IMAGES = 2051   # 0x00000803: unsigned bytes, 3 dimensions (N, rows, columns)
MAGIC_LABELS = 2049   # 0x00000801: unsigned bytes, 1 dimension (N,)

_FIX = ("To fix: replace it with a good copy; for MNIST, delete the file and call load_mnist() "
        "again to download a fresh one, or restore the copy shipped with mlpkit "
        "(`git checkout -- mlpkit/datasets/mnist` in the course folder, or reinstall mlpkit).")


def _describe_magic(magic: int) -> str:
    code, ndim = (magic >> 8) & 0xFF, magic & 0xFF
    kind = {MAGIC_IMAGES: "MNIST images, ", MAGIC_LABELS: "MNIST labels, "}.get(magic, "")
    dtype = _IDX_TYPES.get(code)
    what = f"{dtype.name} values" if dtype is not None else f"unknown type code 0x{code:02x}"
    return f"{magic} = 0x{magic:08x}: {kind}{what}, {ndim} dimension{'s' * (ndim != 1)}"


def _gunzip(data: bytes, name: str) -> bytes:
    """Decompress gzip data (recognised by its first two bytes); other data is returned as is."""
    if data[:2] != b"\x1f\x8b":
        return data
    try:
        return gzip.decompress(data)
    except (OSError, EOFError, zlib.error) as exc:
        raise ValueError(f"{name} is not a valid gzip file, it is truncated or corrupted "
                         f"({type(exc).__name__}: {exc}). {_FIX}") from None


def _parse_idx(data: bytes, name: str, magic=None) -> np.ndarray:
    """Parse uncompressed IDX bytes into an array (a read-only view for unsigned bytes)."""
    size = len(data)
    if size < 4:
        raise ValueError(f"{name} is too short to be an IDX file: {size} bytes, but the magic "
                         f"number alone takes 4. {_FIX}")
    found = int.from_bytes(data[:4], "big")
    code, ndim = data[2], data[3]
    if data[0] != 0 or data[1] != 0 or code not in _IDX_TYPES or ndim == 0:
        raise ValueError(
            f"{name} is not an IDX file: its magic number is {found} (0x{found:08x}), but an "
            "IDX file starts with two zero bytes, a type code (0x08 for unsigned bytes) and the "
            f"number of dimensions, e.g. {_describe_magic(MAGIC_IMAGES)}, or "
            f"{_describe_magic(MAGIC_LABELS)}. {_FIX}")
    if magic is not None and found != magic:
        raise ValueError(f"{name} has the wrong magic number {_describe_magic(found)}; expected "
                         f"{_describe_magic(magic)}. Check that you passed the right file (an "
                         "images file where a labels file was expected, or the reverse?).")
    header = 4 + 4 * ndim
    if size < header:
        raise ValueError(f"{name} is truncated: its header needs {header} bytes for {ndim} "
                         f"dimension sizes, but the file holds only {size} bytes. {_FIX}")
    shape = struct.unpack(f">{ndim}I", data[4:header])
    dtype = _IDX_TYPES[code]
    count = math.prod(shape)
    expected = header + count * dtype.itemsize
    if size < expected:
        raise ValueError(f"{name} is truncated: its header announces shape {shape}, "
                         f"{expected} bytes in all, but the file holds only {size} bytes. {_FIX}")
    if size > expected:
        raise ValueError(f"{name} is corrupted: its header announces shape {shape}, {expected} "
                         f"bytes in all, but the file holds {size} bytes "
                         f"({size - expected} too many). {_FIX}")
    arr = np.frombuffer(data, dtype=dtype, count=count, offset=header).reshape(shape)
    if dtype.byteorder == ">" and sys.byteorder == "little":
        arr = arr.astype(dtype.newbyteorder("="))
    return arr


def read_idx(source, *, magic=None):
    """Read an array from an IDX file (the format of MNIST), gzipped or not.

    An IDX file is a 4-byte big-endian magic number (two zero bytes, a type
    code, 0x08 for unsigned bytes, and the number of dimensions), one 4-byte
    big-endian size per dimension, then the values in C order. MNIST's image
    files have magic number 2051 (0x00000803) and shape (N, 28, 28); its label
    files 2049 (0x00000801) and shape (N,).

    Parameters
    ----------
    source : str, os.PathLike or bytes
        A file path, or the file's content. Gzip-compressed content (as in
        ``train-images-idx3-ubyte.gz``) is recognised and decompressed.
    magic : int, optional
        The magic number the file must have, e.g. 2051 for images or 2049 for
        labels.

    Returns
    -------
    ndarray
        The array with the shape from the header: uint8 for type 0x08 (a
        read-only view on the file's bytes; ``.copy()`` it to modify it); the
        other IDX types (int8, int16, int32, float32, float64) in native byte
        order.

    Raises
    ------
    ValueError
        Naming the file and the fix, if the data is not gzip-valid (truncated
        or corrupted), has a wrong magic number, or is shorter or longer than
        its header announces.
    """
    if isinstance(source, (bytes, bytearray, memoryview)):
        data, name = bytes(source), "the IDX data"
    elif isinstance(source, (str, os.PathLike)):
        path = Path(source).expanduser()
        name = f"IDX file {str(path)!r}"
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise FileNotFoundError(f"{name} does not exist") from None
    else:
        raise TypeError(f"source must be a file path or bytes, got {describe(source)}")
    if magic is not None:
        magic = check_int("magic", magic, minimum=0)
    return _parse_idx(_gunzip(data, name), name, magic)


# ---------------------------------------------------------------------------
# MNIST
# ---------------------------------------------------------------------------

#: The MNIST copy shipped inside the package (four gzipped IDX files and SHA256SUMS).
MNIST_SHIPPED_DIR = Path(__file__).resolve().parent / "datasets" / "mnist"

#: Public mirrors of the canonical MNIST files, tried in order by ``load_mnist``
#: (each is a folder URL holding ``train-images-idx3-ubyte.gz`` etc.).
MNIST_MIRRORS = [
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
]

#: Seconds to wait for a mirror to answer before trying the next one.
DOWNLOAD_TIMEOUT = 60.0

# (part, file name without .gz, magic number) in the order load_mnist reads them.
_MNIST_PARTS = (
    ("train_images", "train-images-idx3-ubyte", MAGIC_IMAGES),
    ("train_labels", "train-labels-idx1-ubyte", MAGIC_LABELS),
    ("test_images", "t10k-images-idx3-ubyte", MAGIC_IMAGES),
    ("test_labels", "t10k-labels-idx1-ubyte", MAGIC_LABELS),
)
_MNIST_FILE_LIST = ", ".join(name + ".gz" for _, name, _ in _MNIST_PARTS)


def _read_sha256sums(path: Path) -> dict:
    """``{file name: hex digest}`` from a ``sha256sum``-style table ({} if it is missing)."""
    table = {}
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return table
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 2 and len(parts[0]) == 64:
            table[parts[1].lstrip("*")] = parts[0].lower()
    return table


#: SHA-256 of each MNIST file's *uncompressed* IDX bytes, read from the shipped
#: ``SHA256SUMS``; the same digests as the public mirrors' files.
MNIST_SHA256 = _read_sha256sums(MNIST_SHIPPED_DIR / "SHA256SUMS")


def mnist_cache_dir() -> Path:
    """The folder ``load_mnist`` downloads into when ``cache_dir`` is not given.

    ``$MLPKIT_CACHE/mnist`` if the environment variable ``MLPKIT_CACHE`` is set,
    else ``$XDG_CACHE_HOME/mlpkit/mnist``, else ``~/.cache/mlpkit/mnist``.
    """
    root = os.environ.get("MLPKIT_CACHE")
    if root:
        return Path(root).expanduser() / "mnist"
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "mlpkit" / "mnist"


def _expected_digest(name: str) -> str:
    digest = MNIST_SHA256.get(name)
    if digest is None:
        raise ValueError(f"no SHA-256 digest for {name} in the table "
                         f"{MNIST_SHIPPED_DIR / 'SHA256SUMS'}: restore that file (reinstall "
                         "mlpkit), or pass verify=False to load the files unchecked")
    return digest


def _check_digest(raw: bytes, expected: str, name: str) -> None:
    got = hashlib.sha256(raw).hexdigest()
    if got != expected:
        raise ValueError(f"{name} is corrupted: the SHA-256 of its uncompressed content is "
                         f"{got}, but SHA256SUMS expects {expected}")


@functools.lru_cache(maxsize=8)
def _load_idx_cached(path: str, mtime_ns: int, size: int, magic: int, digest):
    """Parse (and verify) one IDX file; cached per file version, returned read-only.

    ``mtime_ns`` and ``size`` are part of the cache key so that a replaced file is
    read again.
    """
    name = f"MNIST file {path!r}"
    raw = _gunzip(Path(path).read_bytes(), name)
    arr = _parse_idx(raw, name, magic)
    if digest is not None:
        try:
            _check_digest(raw, digest, name)
        except ValueError as exc:
            raise ValueError(f"{exc}. {_FIX} Or pass verify=False to load it anyway.") from None
    arr.flags.writeable = False
    return arr


def _load_idx_file(path: Path, magic: int, digest) -> np.ndarray:
    stat = path.stat()
    return _load_idx_cached(str(path.resolve()), stat.st_mtime_ns, stat.st_size, magic, digest)


def _find_file(name: str, folders) -> Path | None:
    """``name.gz`` or ``name`` (uncompressed) in the first folder that has it."""
    for folder in folders:
        for candidate in (folder / (name + ".gz"), folder / name):
            if candidate.is_file():
                return candidate
    return None


def _open_url(url: str, timeout: float):
    """Open ``url`` (a separate function so that tests can watch every URL used)."""
    from . import __version__
    request = urllib.request.Request(url, headers={"User-Agent": f"mlpkit/{__version__}"})
    return urllib.request.build_opener().open(request, timeout=timeout)


def _fetch(url: str) -> bytes:
    with _open_url(url, DOWNLOAD_TIMEOUT) as response:
        payload = response.read()
        length = response.headers.get("Content-Length")
    if length is not None and length.isdigit() and len(payload) != int(length):
        raise ValueError(f"incomplete download: got {len(payload)} of {length} bytes")
    return payload


def _atomic_write(dest: Path, payload: bytes) -> None:
    """Write ``payload`` to ``dest`` all at once: a temporary file, then os.replace.

    Readers (and other processes) see either no file or the complete one; on any
    error the temporary file is removed.
    """
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".part", dir=dest.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(payload)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, dest)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _looked_in(folders) -> str:
    lines = []
    for folder in folders:
        note = ""
        if folder == MNIST_SHIPPED_DIR:
            note = " (the copy shipped with mlpkit)"
        elif not folder.is_dir():
            note = " (does not exist)"
        lines.append(f"  {folder}{note}")
    return "\n".join(lines)


def _download(name: str, magic: int, digest, cache: Path, mirrors, folders) -> Path:
    """Download ``name.gz`` from the first mirror that serves a valid copy into ``cache``.

    The download is checked (gzip, IDX header, SHA-256 of the uncompressed bytes
    unless ``digest`` is None) in memory, before anything is written; only a
    verified file is then written, atomically. Nothing is left behind on failure.
    """
    failures = []
    for base in mirrors:
        url = base.rstrip("/") + "/" + name + ".gz"
        print(f"mlpkit: downloading {url}", file=sys.stderr, flush=True)
        try:
            payload = _fetch(url)
            raw = _gunzip(payload, url)
            _parse_idx(raw, url, magic)
            if digest is not None:
                _check_digest(raw, digest, url)
        except (OSError, ValueError, http.client.HTTPException) as exc:
            failures.append(f"  {url}: {exc}")
            continue
        dest = cache / (name + ".gz")
        try:
            _atomic_write(dest, payload)
        except OSError as exc:
            raise OSError(f"could not save the MNIST download to {dest} ({exc}). To fix: pass "
                          "cache_dir= a folder you can write to, or set the environment "
                          "variable MLPKIT_CACHE") from None
        return dest
    tried = "\n".join(failures) if failures else "  (no mirrors given)"
    raise FileNotFoundError(
        f"could not get the MNIST file {name}.gz. It is not in:\n{_looked_in(folders)}\n"
        f"and downloading it failed:\n{tried}\n"
        "To fix: check your internet connection and call load_mnist() again; or download "
        f"the four files ({_MNIST_FILE_LIST}) by hand from one of "
        f"{', '.join(MNIST_MIRRORS)} into {cache}; or pass data_dir= a folder that holds them.")


def _check_mirrors(mirrors) -> list:
    if isinstance(mirrors, str):
        mirrors = [mirrors]
    try:
        mirrors = list(mirrors)
    except TypeError:
        raise TypeError(f"mirrors must be a list of URLs, got {describe(mirrors)}") from None
    for url in mirrors:
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise TypeError(f"mirrors must be a list of http:// or https:// URLs, "
                            f"got {describe(url)}")
    return mirrors


def _as_folder(name: str, value) -> Path:
    if not isinstance(value, (str, os.PathLike)):
        raise TypeError(f"{name} must be a folder path, got {describe(value)}")
    return Path(value).expanduser()


def _prepare_images(raw: np.ndarray, normalize: bool, flatten: bool, dtype) -> np.ndarray:
    """New array from raw uint8 images (N, rows, cols): scaled to [-1, 1], flattened."""
    pixels = raw.reshape(raw.shape[0], -1) if flatten else raw
    x = pixels.astype(dtype)  # always a new array: the cached raw bytes stay untouched
    if normalize:
        # x - 127.5 is exact in any float dtype, so this is (x - 127.5) / 127.5 rounded once;
        # in place, it is a few times faster than a lookup table.
        x -= 127.5
        x /= 127.5
    return x


def load_mnist(data_dir=None, *, download=True, cache_dir=None, mirrors=None, normalize=True,
               flatten=True, dtype=np.float32, verify=True):
    """Load MNIST: 60,000 training and 10,000 test images of handwritten digits.

    By default the copy shipped with mlpkit is used (``MNIST_SHIPPED_DIR``), so
    no internet is needed. Each file is looked for as ``<name>.gz`` (or
    uncompressed ``<name>``) first in ``data_dir`` (or the shipped folder when
    ``data_dir`` is None), then in the download cache. A file found nowhere is
    downloaded (if ``download``) from the first of ``mirrors`` that serves a
    copy with the right SHA-256, and saved in the cache, written atomically
    (only a complete, verified file ever appears there).

    The parsed files are kept in memory, so a second call is fast; every call
    returns new arrays, which you may modify freely.

    Parameters
    ----------
    data_dir : str or os.PathLike, optional
        Folder with the four files (``train-images-idx3-ubyte.gz``, ...), searched
        instead of the shipped copy.
    download : bool
        Download missing files (default True). With False, a missing file raises
        FileNotFoundError.
    cache_dir : str or os.PathLike, optional
        Where downloads go (and are looked for); default :func:`mnist_cache_dir`:
        ``$MLPKIT_CACHE/mnist`` or ``~/.cache/mlpkit/mnist``.
    mirrors : list of str, optional
        Base URLs to download from, in order; default ``MNIST_MIRRORS``.
    normalize : bool
        Scale the grey levels 0..255 to [-1, 1] by x = (x - 127.5) / 127.5
        (default). With False, x keeps the values 0..255, converted to ``dtype``
        (``dtype=np.uint8`` gives the raw bytes).
    flatten : bool
        Flatten each 28x28 image to a row of 784 features (default); with False
        x has shape (N, 28, 28).
    dtype : dtype
        dtype of x: float32 by default (any numeric dtype when normalize=False).
    verify : bool
        Check the SHA-256 of every file's uncompressed content against
        ``MNIST_SHA256`` (the shipped ``SHA256SUMS``); a mismatch raises
        ValueError. Pass False for other data in the same format (e.g.
        Fashion-MNIST, with ``mirrors=`` or ``data_dir=``).

    Returns
    -------
    (x_train, y_train), (x_test, y_test)
        x_train (60000, 784) and x_test (10000, 784), float32 in [-1, 1]; y_train
        (60000,) and y_test (10000,), int64 labels 0..9.

    Raises
    ------
    FileNotFoundError
        A file is in none of the folders and could not be downloaded; the message
        lists where it looked, what failed and what to do.
    ValueError
        A file is corrupted, truncated, not an IDX file, or fails the SHA-256 check.

    Examples
    --------
    >>> (x_train, y_train), (x_test, y_test) = load_mnist()     # doctest: +SKIP
    >>> x_train.shape, x_train.dtype, y_train[:5]                # doctest: +SKIP
    ((60000, 784), dtype('float32'), array([5, 0, 4, 1, 9]))
    """
    download = _check_bool("download", download)
    normalize = _check_bool("normalize", normalize)
    flatten = _check_bool("flatten", flatten)
    verify = _check_bool("verify", verify)
    if normalize:
        dtype = _float_dtype(dtype)
    else:
        try:
            dtype = np.dtype(dtype) if dtype is not None else None
        except TypeError:
            dtype = None
        if dtype is None or not (np.issubdtype(dtype, np.number)):
            raise TypeError(f"dtype must be a numeric dtype such as np.float32 or np.uint8, "
                            f"got {describe(dtype)}")
    first = MNIST_SHIPPED_DIR if data_dir is None else _as_folder("data_dir", data_dir)
    cache = mnist_cache_dir() if cache_dir is None else _as_folder("cache_dir", cache_dir)
    folders = [first] if cache == first else [first, cache]
    mirrors = list(MNIST_MIRRORS) if mirrors is None else _check_mirrors(mirrors)

    arrays, paths = {}, {}
    for part, name, magic in _MNIST_PARTS:
        digest = _expected_digest(name) if verify else None
        path = _find_file(name, folders)
        if path is None:
            if not download:
                raise FileNotFoundError(
                    f"the MNIST file {name}.gz is not in:\n{_looked_in(folders)}\n"
                    "and download=False, so it was not downloaded. To fix: call "
                    "load_mnist(download=True) with an internet connection; or put the four "
                    f"files ({_MNIST_FILE_LIST}) into one of these folders (for the shipped "
                    "copy: `git checkout -- mlpkit/datasets/mnist` in the course folder); or "
                    "pass data_dir= a folder that holds them.")
            path = _download(name, magic, digest, cache, mirrors, folders)
        arrays[part] = _load_idx_file(path, magic, digest)
        paths[part] = path

    result = []
    for split in ("train", "test"):
        images, labels = arrays[f"{split}_images"], arrays[f"{split}_labels"]
        if images.shape[0] != labels.shape[0]:
            raise ValueError(f"{paths[f'{split}_images']} holds {images.shape[0]} images but "
                             f"{paths[f'{split}_labels']} holds {labels.shape[0]} labels: the "
                             "files do not belong together. Replace them with a matching set.")
        x = _prepare_images(images, normalize, flatten, dtype)
        result.append((x, labels.astype(np.int64)))
    return result[0], result[1]
