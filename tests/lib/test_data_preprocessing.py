"""Tests for mlpkit.data.preprocessing: one_hot, Standardizer and standardize."""
from __future__ import annotations

import math

import numpy as np
import pytest

from mlpkit import data


# ---------------------------------------------------------------------------
# one_hot
# ---------------------------------------------------------------------------

def test_one_hot_hand_example():
    out = data.one_hot([2, 0, 1, 2], num_classes=4)
    expected = [[0, 0, 1, 0], [1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0]]
    np.testing.assert_array_equal(out, expected)
    assert out.dtype == np.float32 and out.shape == (4, 4)
    assert data.one_hot(np.array([1, 0]), dtype=np.float64).dtype == np.float64


def test_one_hot_infers_classes_and_inverts_argmax():
    y = np.random.default_rng(0).integers(0, 10, size=500)
    out = data.one_hot(y)
    assert out.shape == (500, int(y.max()) + 1)
    np.testing.assert_array_equal(out.sum(axis=1), 1)
    np.testing.assert_array_equal(out.argmax(axis=1), y)


@pytest.mark.parametrize("y, kwargs, error, message", [
    ([0, 3], dict(num_classes=3), ValueError, r"labels in 0\.\.2, got 3"),
    ([0, -1], {}, ValueError, "labels >= 0"),
    ([[0], [1]], {}, ValueError, r"1-D array of integer class labels of shape \(B,\)"),
    ([0.5, 1], {}, TypeError, "whole-number"),
    ([], {}, ValueError, "num_classes must be given when y is empty"),
    ([1], dict(num_classes=0), ValueError, "num_classes must be >= 1"),
])
def test_one_hot_errors(y, kwargs, error, message):
    with pytest.raises(error, match=message):
        data.one_hot(y, **kwargs)


# ---------------------------------------------------------------------------
# Standardizer / standardize
# ---------------------------------------------------------------------------

def test_standardizer_hand_example_and_constant_feature():
    x = np.array([[1.0, 10.0], [3.0, 10.0], [5.0, 10.0]])
    scaler = data.Standardizer().fit(x)
    np.testing.assert_allclose(scaler.mean, [3.0, 10.0])
    np.testing.assert_allclose(scaler.std, [math.sqrt(8 / 3), 1.0])   # constant: std taken as 1
    np.testing.assert_array_equal(scaler.constant, [False, True])
    z = scaler.transform(x)
    s = math.sqrt(3 / 2)   # 2 / sqrt(8/3)
    np.testing.assert_allclose(z, [[-s, 0.0], [0.0, 0.0], [s, 0.0]])
    assert np.all(np.isfinite(z))
    assert "constant features=1" in repr(scaler) and "not fitted" in repr(data.Standardizer())


def test_standardizer_round_trip_statistics_and_dtype():
    rng = np.random.default_rng(0)
    x = (rng.normal(size=(300, 5)) * [1, 10, 100, 0.1, 3] + [0, -5, 1e3, 2, 7]).astype(np.float32)
    x_copy = x.copy()
    scaler = data.Standardizer()
    z = scaler.fit_transform(x)
    assert z.dtype == np.float32 and z.shape == x.shape
    np.testing.assert_array_equal(x, x_copy), "input untouched"
    np.testing.assert_allclose(z.mean(axis=0), 0, atol=1e-5)
    np.testing.assert_allclose(z.std(axis=0), 1, atol=1e-5)
    np.testing.assert_allclose(scaler.inverse_transform(z), x, rtol=1e-5, atol=1e-4)
    x64 = x.astype(np.float64)
    z64 = data.Standardizer().fit(x64).transform(x64)
    assert z64.dtype == np.float64
    np.testing.assert_allclose(data.Standardizer().fit(x64).inverse_transform(z64), x64,
                               rtol=1e-12)


def test_standardizer_float32_precision_with_a_large_offset():
    # std computed in float64: a small spread on a large offset is not lost
    x = (1000.0 + np.random.default_rng(0).normal(0, 0.01, size=(20000, 1))).astype(np.float32)
    std = data.Standardizer().fit(x).std[0]
    np.testing.assert_allclose(std, x.astype(np.float64).std(), rtol=1e-6)


def test_standardize_uses_the_training_statistics():
    x_train = np.array([[0.0], [2.0]])
    x_val = np.array([[4.0]])
    z_train, z_val = data.standardize(x_train, x_val)
    np.testing.assert_allclose(z_train, [[-1.0], [1.0]])
    np.testing.assert_allclose(z_val, [[3.0]])              # (4 - 1) / 1, not its own stats
    np.testing.assert_allclose(data.standardize(x_train), [[-1.0], [1.0]])   # one array in, out


def test_standardizer_errors():
    with pytest.raises(ValueError, match="not fitted yet"):
        data.Standardizer().transform(np.zeros((2, 3)))
    scaler = data.Standardizer().fit(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="must have 3 features, got 4"):
        scaler.transform(np.zeros((2, 4)))
    with pytest.raises(ValueError, match="2-D array"):
        data.Standardizer().fit(np.zeros(3))
    with pytest.raises(ValueError, match="at least one example"):
        data.Standardizer().fit(np.zeros((0, 3)))
    with pytest.raises(ValueError, match="eps must be > 0"):
        data.Standardizer(eps=0)
