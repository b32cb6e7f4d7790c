"""Tests for mlpkit.data.toy: the toy data sets (shapes, seeds, the documented formulas)."""
from __future__ import annotations

import math

import numpy as np
import pytest

from mlpkit import data

# name -> (call(n, rng, dtype), kind, number of classes or None)
GENERATORS = {
    "line": (lambda n, rng, dtype: data.make_line(n, rng=rng, dtype=dtype), "regression", None),
    "1d_sin": (lambda n, rng, dtype: data.make_1d_function(n, "sin", noise=0.1, rng=rng,
                                                           dtype=dtype), "regression", None),
    "blobs": (lambda n, rng, dtype: data.make_blobs(n, 4, rng=rng, dtype=dtype), "class", 4),
    "xor": (lambda n, rng, dtype: data.make_xor(n, noise=0.2, rng=rng, dtype=dtype), "class", 2),
    "moons": (lambda n, rng, dtype: data.make_moons(n, rng=rng, dtype=dtype), "class", 2),
    "spirals": (lambda n, rng, dtype: data.make_spirals(n, 5, rng=rng, dtype=dtype), "class", 5),
}


@pytest.mark.parametrize("name", GENERATORS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_generator_shapes_and_dtypes(name, dtype):
    make, kind, num_classes = GENERATORS[name]
    x, y = make(101, 0, dtype)
    assert x.ndim == 2 and x.shape[0] == 101 and x.dtype == dtype
    assert np.all(np.isfinite(x))
    if kind == "regression":
        assert x.shape == (101, 1) and y.shape == (101, 1) and y.dtype == dtype
        assert np.all(np.diff(x[:, 0]) >= 0), "1-D inputs are sorted"
    else:
        assert x.shape == (101, 2) and y.shape == (101,) and y.dtype == np.int64
        assert set(np.unique(y)) == set(range(num_classes))
        counts = np.bincount(y, minlength=num_classes)
        assert counts.max() - counts.min() <= 1, "classes are balanced"


@pytest.mark.parametrize("name", GENERATORS)
def test_generator_same_seed_same_data_other_seed_other_data(name):
    make = GENERATORS[name][0]
    x1, y1 = make(60, 7, np.float32)
    x2, y2 = make(60, np.random.default_rng(7), np.float32)   # a seed and its Generator agree
    x3, _ = make(60, 8, np.float32)
    np.testing.assert_array_equal(x1, x2)
    np.testing.assert_array_equal(y1, y2)
    assert not np.array_equal(x1, x3)


def test_generators_draw_from_the_given_generator_only():
    state = np.random.get_state()
    rng = np.random.default_rng(0)
    a = data.make_moons(10, rng=rng)[0]
    b = data.make_moons(10, rng=rng)[0]   # the Generator advanced: new data
    assert not np.array_equal(a, b)
    assert np.all(np.random.get_state()[1] == state[1]), "global NumPy state untouched"


def test_make_line_follows_the_formula():
    x, y = data.make_line(50, slope=-3.0, intercept=0.5, noise=0.0, x_range=(2.0, 4.0),
                          rng=1, dtype=np.float64)
    np.testing.assert_allclose(y, -3.0 * x + 0.5)
    assert x.min() >= 2.0 and x.max() <= 4.0
    # with noise, least squares recovers the line and the residuals have the noise's std
    x, y = data.make_line(4000, slope=2.0, intercept=1.0, noise=0.3, rng=2, dtype=np.float64)
    slope, intercept = np.polyfit(x[:, 0], y[:, 0], 1)
    assert abs(slope - 2.0) < 0.02 and abs(intercept - 1.0) < 0.02
    assert abs(np.std(y - (slope * x + intercept)) - 0.3) < 0.02


@pytest.mark.parametrize("name", sorted(data.FUNCTIONS_1D))
def test_make_1d_function_samples_the_named_function(name):
    f, (low, high) = data.FUNCTIONS_1D[name]
    x, y = data.make_1d_function(200, name, rng=0, dtype=np.float64)
    assert low <= x.min() and x.max() <= high
    np.testing.assert_allclose(y, f(x), atol=1e-12)


def test_make_1d_function_hand_values_and_custom_function():
    f = data.FUNCTIONS_1D
    xs = np.array([0.0, 0.5, 2.0])
    np.testing.assert_allclose(f["cubic"][0](xs), [0.0, -0.375, 6.0])
    np.testing.assert_allclose(f["gaussian"][0](xs), [1.0, math.exp(-0.25), math.exp(-4.0)])
    np.testing.assert_allclose(f["sinc"][0](xs), [1.0, 2 / math.pi, 0.0], atol=1e-15)
    x, y = data.make_1d_function(30, lambda t: 3 * t, x_range=(5, 6), rng=0)
    np.testing.assert_allclose(y, 3 * x, rtol=1e-6)
    assert x.min() >= 5 and x.max() <= 6
    x, y = data.make_1d_function(30, lambda t: t ** 2, rng=0)   # default interval (-1, 1)
    assert -1 <= x.min() and x.max() <= 1


def test_make_1d_function_errors():
    with pytest.raises(ValueError, match="name must be one of 'sin', 'cos'"):
        data.make_1d_function(10, "sine")
    with pytest.raises(ValueError, match="element-wise"):
        data.make_1d_function(10, lambda t: t.sum())


def test_make_blobs_centres_and_spread():
    centers = np.array([[0.0, 0.0, 0.0], [10.0, 0.0, 5.0]])
    x, y = data.make_blobs(2000, centers, std=0.5, rng=0, dtype=np.float64)
    assert x.shape == (2000, 3)
    for c in range(2):
        np.testing.assert_allclose(x[y == c].mean(axis=0), centers[c], atol=0.06)
        np.testing.assert_allclose(x[y == c].std(axis=0), 0.5, atol=0.04)
    x, y = data.make_blobs(6, centers, std=0.0)
    np.testing.assert_array_equal(x, centers[y].astype(np.float32))
    np.testing.assert_array_equal(y, [0, 1, 0, 1, 0, 1])
    # random centres lie in center_box
    x, y = data.make_blobs(40, 3, std=0.0, n_features=4, center_box=(2.0, 3.0), rng=0)
    assert x.shape == (40, 4) and 2.0 <= x.min() and x.max() <= 3.0
    assert len(np.unique(x, axis=0)) == 3


def test_make_blobs_errors():
    with pytest.raises(ValueError, match="n_features must match"):
        data.make_blobs(10, np.zeros((2, 3)), n_features=2)
    with pytest.raises(ValueError, match="centers must be a 2-D array"):
        data.make_blobs(10, [1.0, 2.0])
    with pytest.raises(ValueError, match="centers must be >= 1"):
        data.make_blobs(10, 0)


def test_make_xor_truth_table_and_noisy_version():
    x, y = data.make_xor(4)
    np.testing.assert_array_equal(x, [[0, 0], [0, 1], [1, 0], [1, 1]])
    np.testing.assert_array_equal(y, [0, 1, 1, 0])
    x, y = data.make_xor(4000, noise=0.1, rng=0, dtype=np.float64)
    corners = np.round(x)                       # noise 0.1: every point rounds to its corner
    np.testing.assert_array_equal(y, np.logical_xor(corners[:, 0], corners[:, 1]))
    assert abs(np.std(x - corners) - 0.1) < 0.01


def test_make_moons_lies_on_the_two_half_circles():
    x, y = data.make_moons(500, noise=0.0, rng=0, dtype=np.float64)
    a, b = x[y == 0], x[y == 1]
    np.testing.assert_allclose(np.hypot(a[:, 0], a[:, 1]), 1.0)
    assert a[:, 1].min() >= 0
    np.testing.assert_allclose(np.hypot(1 - b[:, 0], 0.5 - b[:, 1]), 1.0)
    assert b[:, 1].max() <= 0.5


def test_make_spirals_follows_the_formula():
    x, y = data.make_spirals(600, 3, turns=1.5, noise=0.0, rng=0, dtype=np.float64)
    r = np.hypot(x[:, 0], x[:, 1])
    theta = 2 * np.pi * (y / 3 + 1.5 * r)
    np.testing.assert_allclose(x, r[:, None] * np.stack([np.cos(theta), np.sin(theta)], 1),
                               atol=1e-12)
    assert r.max() <= 1.0


@pytest.mark.parametrize("call, error, message", [
    (lambda: data.make_moons(0), ValueError, "n must be >= 1, got 0"),
    (lambda: data.make_moons(2.5), TypeError, "n must be an integer"),
    (lambda: data.make_moons(10, noise=-0.1), ValueError, "noise must be >= 0"),
    (lambda: data.make_moons(10, dtype=np.int64), TypeError, "dtype must be a floating dtype"),
    (lambda: data.make_moons(10, rng="seed"), TypeError, "rng must be None, an int seed"),
    (lambda: data.make_line(10, x_range=(1, 0)), ValueError, "low < high"),
    (lambda: data.make_line(10, x_range=3), TypeError, "x_range must be a pair"),
    (lambda: data.make_spirals(10, 0), ValueError, "num_classes must be >= 1"),
    (lambda: data.make_spirals(10, turns=0), ValueError, "turns must be > 0"),
])
def test_generator_input_errors(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_generator_docstrings_have_the_shared_paragraphs_filled_in():
    for name in ("make_line", "make_1d_function", "make_blobs", "make_xor", "make_moons",
                 "make_spirals"):
        doc = getattr(data, name).__doc__
        assert "rng : None, int or numpy.random.Generator" in doc, name
        assert "dtype : floating dtype" in doc and "{" not in doc, name
