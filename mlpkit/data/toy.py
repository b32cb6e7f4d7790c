"""Toy data sets: small, synthetic problems to train on and to plot.

==============================  ================================================
regression: x (N, 1), y (N, 1)  ``make_line`` (unit 02), ``make_1d_function``
                                (unit 05)
classification: x (N, D),       ``make_blobs``, ``make_xor``, ``make_moons``,
labels y (N,) int64             ``make_spirals``
==============================  ================================================

Every generator takes the number of examples ``n`` first, then keyword
options, an ``rng`` and a ``dtype``. The paragraphs that read the same in every
docstring (``rng``, ``dtype``, the class labels) are written once, in
``_SHARED_DOC`` below, and put into the docstrings where they say ``{rng}``
etc.: ``help(make_moons)`` shows the whole text.
"""
from __future__ import annotations

import math

import numpy as np

from .._validation import (
    _check_real,
    as_float_array,
    check_choice,
    check_int,
    check_positive,
    check_rng,
)
from ._checks import check_interval, float_dtype

__all__ = ["make_line", "make_1d_function", "FUNCTIONS_1D", "make_blobs", "make_xor",
           "make_moons", "make_spirals"]

_SHARED_DOC = {
    "rng": """rng : None, int or numpy.random.Generator
        Source of randomness: the same int seed gives the same data; a
        Generator gives new data on each call (reproducibly, from its seed);
        None gives unpredictable data.""",
    "dtype": """dtype : floating dtype
        dtype of x (float32 by default).""",
    "dtype_xy": """dtype : floating dtype
        dtype of both x and y (float32 by default).""",
    "labels": """y : ndarray of int64, shape (N,)
        Class labels 0..C-1, in the order 0, 1, ..., C-1, 0, 1, ... (the
        classes differ in size by at most one).""",
}


def _shared_doc(func):
    """Put the shared paragraphs of ``_SHARED_DOC`` into ``func``'s docstring."""
    if func.__doc__:   # None under python -OO
        func.__doc__ = func.__doc__.format(**_SHARED_DOC)
    return func


def _add_noise(points, noise, gen, dtype):
    """points + noise * epsilon (epsilon standard normal, one per entry), as ``dtype``."""
    return (points + noise * gen.standard_normal(points.shape)).astype(dtype)


def _sorted_uniform(low, high, n, gen):
    """n inputs drawn uniformly from [low, high), sorted, as a column of shape (N, 1)."""
    return np.sort(gen.uniform(low, high, size=n))[:, None]


def _balanced_labels(n: int, num_classes: int) -> np.ndarray:
    """Labels 0, 1, ..., C-1, 0, 1, ... (class sizes differ by at most one)."""
    return np.arange(n, dtype=np.int64) % num_classes


@_shared_doc
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
    {rng}
    {dtype_xy}

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
    low, high = check_interval("x_range", x_range)
    dt = float_dtype(dtype)
    gen = check_rng(rng)
    x = _sorted_uniform(low, high, n, gen)
    return x.astype(dt), _add_noise(slope * x + intercept, noise, gen, dt)


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


@_shared_doc
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
    {rng}
    {dtype_xy}

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
    low, high = check_interval("x_range", default_range if x_range is None else x_range)
    noise = check_positive("noise", noise, allow_zero=True)
    dt = float_dtype(dtype)
    gen = check_rng(rng)
    x = _sorted_uniform(low, high, n, gen)
    fx = np.asarray(f(x), dtype=np.float64)
    if fx.shape != x.shape:
        raise ValueError(f"name must be an element-wise function (output shape = input shape), "
                         f"but it turned x of shape {x.shape} into shape {fx.shape}")
    return x.astype(dt), _add_noise(fx, noise, gen, dt)


@_shared_doc
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
    {rng}
    {dtype}

    Returns
    -------
    x : ndarray, shape (N, D)
        Points.
    {labels}
    """
    n = check_int("n", n)
    std = check_positive("std", std, allow_zero=True)
    dt = float_dtype(dtype)
    if isinstance(centers, (int, np.integer)) and not isinstance(centers, bool):
        num_classes = check_int("centers", centers)
        n_features = 2 if n_features is None else check_int("n_features", n_features)
        low, high = check_interval("center_box", center_box)
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
    return _add_noise(center_array[y], std, gen, dt), y


_XOR_CORNERS = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
_XOR_LABELS = np.array([0, 1, 1, 0], dtype=np.int64)


@_shared_doc
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
    {rng}
        (The points depend on it only when noise > 0.)
    {dtype}

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
    dt = float_dtype(dtype)
    gen = check_rng(rng)
    corner = np.arange(n) % 4
    return _add_noise(_XOR_CORNERS[corner], noise, gen, dt), _XOR_LABELS[corner]


@_shared_doc
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
        Standard deviation of the Gaussian noise added to each coordinate (>= 0).
    {rng}
    {dtype}

    Returns
    -------
    x : ndarray, shape (N, 2)
        Points.
    {labels}
        Here C = 2.
    """
    n = check_int("n", n)
    noise = check_positive("noise", noise, allow_zero=True)
    dt = float_dtype(dtype)
    gen = check_rng(rng)
    y = _balanced_labels(n, 2)
    t = gen.uniform(0.0, math.pi, size=n)
    x = np.where(y[:, None] == 0,
                 np.stack([np.cos(t), np.sin(t)], axis=1),
                 np.stack([1.0 - np.cos(t), 0.5 - np.sin(t)], axis=1))
    return _add_noise(x, noise, gen, dt), y


@_shared_doc
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
        Standard deviation of the Gaussian noise added to each coordinate (>= 0).
        At radius r, neighbouring arms are an arc of 2 pi r / C apart, so noise
        blurs them together near the centre first.
    {rng}
    {dtype}

    Returns
    -------
    x : ndarray, shape (N, 2)
        Points, within radius 1 (plus noise) of the origin.
    {labels}
    """
    n = check_int("n", n)
    num_classes = check_int("num_classes", num_classes)
    turns = check_positive("turns", turns)
    noise = check_positive("noise", noise, allow_zero=True)
    dt = float_dtype(dtype)
    gen = check_rng(rng)
    y = _balanced_labels(n, num_classes)
    r = gen.uniform(0.0, 1.0, size=n)
    theta = 2.0 * math.pi * (y / num_classes + turns * r)
    x = r[:, None] * np.stack([np.cos(theta), np.sin(theta)], axis=1)
    return _add_noise(x, noise, gen, dt), y
