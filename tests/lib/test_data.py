"""Tests for mlpkit.data: toy data sets, splitting, batching, scaling, IDX and MNIST.

No test touches the internet: every URL that mlpkit.data opens is recorded and
must point at 127.0.0.1 (a local http.server started by the test).
"""
from __future__ import annotations

import gzip
import math
import os
from pathlib import Path
from urllib.parse import urlparse

import numpy as np
import pytest

from idx_fixtures import (
    MNIST_NAMES,
    LocalServer,
    closed_port_url,
    idx_bytes,
    sha256,
    tiny_mnist,
    write_mnist,
)
from mlpkit import data

SHIPPED = Path(data.__file__).resolve().parent / "datasets" / "mnist"

# The known per-class counts of MNIST (digits 0..9).
TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


@pytest.fixture(autouse=True)
def local_network_only(monkeypatch, tmp_path):
    """Record every URL mlpkit.data opens; refuse (and fail the test on) any non-local one.

    Also points the default download cache at tmp_path so ~/.cache is never touched.
    """
    opened, refused = [], []
    real_open = data._open_url

    def guarded(url, timeout):
        if urlparse(url).hostname != "127.0.0.1":
            refused.append(url)
            raise RuntimeError(f"test tried to reach the internet: {url}")
        opened.append(url)
        return real_open(url, timeout)

    monkeypatch.setattr(data, "_open_url", guarded)
    monkeypatch.setenv("MLPKIT_CACHE", str(tmp_path / "mlpkit-cache"))
    for var in ("no_proxy", "NO_PROXY"):
        monkeypatch.setenv(var, "127.0.0.1,localhost")
    yield opened
    assert not refused, f"non-local URLs were opened: {refused}"
    assert all(url.startswith("http://127.0.0.1:") for url in opened)


# ---------------------------------------------------------------------------
# toy data sets
# ---------------------------------------------------------------------------

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


# ---------------------------------------------------------------------------
# train_val_split
# ---------------------------------------------------------------------------

def _ids(n):
    """x whose rows carry their index, and y = that index (to check pairing)."""
    return np.arange(n * 2, dtype=np.float32).reshape(n, 2) // 2, np.arange(n)


def test_split_sizes_disjoint_and_paired():
    x, y = _ids(100)
    (xt, yt), (xv, yv) = data.train_val_split(x, y, val_fraction=0.2, rng=0)
    assert xt.shape == (80, 2) and yt.shape == (80,) and xv.shape == (20, 2) and yv.shape == (20,)
    assert not set(yt) & set(yv)
    np.testing.assert_array_equal(np.sort(np.concatenate([yt, yv])), np.arange(100))
    np.testing.assert_array_equal(xt[:, 0], yt)        # rows stay with their targets
    np.testing.assert_array_equal(xv[:, 0], yv)
    assert not np.array_equal(yv, np.arange(80, 100)), "shuffled"
    (_, yt2), (_, yv2) = data.train_val_split(x, y, val_fraction=0.2, rng=0)
    np.testing.assert_array_equal(yv, yv2)
    (_, _), (_, yv3) = data.train_val_split(x, y, val_fraction=0.2, rng=1)
    assert not np.array_equal(np.sort(yv), np.sort(yv3))


def test_split_default_fraction_val_size_and_rounding():
    x, y = _ids(50)
    (_, yt), (_, yv) = data.train_val_split(x, y, rng=0)
    assert len(yv) == 5 and len(yt) == 45                   # default val_fraction = 0.1
    (_, yt), (_, yv) = data.train_val_split(x, y, val_size=7, rng=0)
    assert len(yv) == 7 and len(yt) == 43
    (_, yt), (_, yv) = data.train_val_split(x, y, val_fraction=0.25, rng=0)
    assert len(yv) == 13                                    # round(12.5) = 13 (half up)


def test_split_without_shuffle_holds_out_the_last_rows_as_views():
    x, y = _ids(10)
    (xt, yt), (xv, yv) = data.train_val_split(x, y, val_size=3, shuffle=False)
    np.testing.assert_array_equal(yt, np.arange(7))
    np.testing.assert_array_equal(yv, [7, 8, 9])
    assert np.shares_memory(xv, x) and np.shares_memory(yt, y)


@pytest.mark.parametrize("kwargs, error, message", [
    (dict(val_fraction=0.0), ValueError, r"val_fraction must be in \(0, 1\), got 0.0"),
    (dict(val_fraction=1.0), ValueError, r"val_fraction must be in \(0, 1\)"),
    (dict(val_fraction=0.01), ValueError, "both parts need at least one"),
    (dict(val_fraction=0.2, val_size=3), ValueError, "not both"),
    (dict(val_size=10), ValueError, "val_size must be smaller than the number of examples"),
    (dict(val_size=0), ValueError, "val_size must be >= 1"),
    (dict(shuffle="yes"), TypeError, "shuffle must be True or False"),
])
def test_split_errors(kwargs, error, message):
    x, y = _ids(10)
    with pytest.raises(error, match=message):
        data.train_val_split(x, y, **kwargs)


def test_split_rejects_mismatched_rows():
    with pytest.raises(ValueError, match="x and y must have the same number of examples, "
                                         "got 10 and 9"):
        data.train_val_split(np.zeros((10, 2)), np.zeros(9))


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


# ---------------------------------------------------------------------------
# batches
# ---------------------------------------------------------------------------

def _epoch(x, y, **kwargs):
    out = list(data.batches(x, y, **kwargs))
    for xb, yb in out:
        np.testing.assert_array_equal(xb[:, 0], yb)        # rows stay with their targets
    return out


def test_batches_cover_every_example_once_per_epoch():
    x, y = _ids(10)
    out = _epoch(x, y, batch_size=3, rng=0)
    assert [len(yb) for _, yb in out] == [3, 3, 3, 1]
    seen = np.concatenate([yb for _, yb in out])
    np.testing.assert_array_equal(np.sort(seen), np.arange(10))
    assert not np.array_equal(seen, np.arange(10)), "shuffled"
    assert all(not np.shares_memory(xb, x) for xb, _ in out), "gathered copies, x untouched"


def test_batches_drop_last():
    x, y = _ids(10)
    out = _epoch(x, y, batch_size=3, rng=0, drop_last=True)
    assert [len(yb) for _, yb in out] == [3, 3, 3]
    seen = np.concatenate([yb for _, yb in out])
    assert len(set(seen)) == 9
    assert len(_epoch(x, y, batch_size=5, drop_last=True, rng=0)) == 2
    assert [len(yb) for _, yb in _epoch(x, y, batch_size=20)] == [10]   # one short batch


def test_batches_reshuffle_every_epoch_with_a_generator():
    x, y = _ids(50)
    rng = np.random.default_rng(0)
    orders = [np.concatenate([yb for _, yb in _epoch(x, y, batch_size=8, rng=rng)])
              for _ in range(3)]
    assert not np.array_equal(orders[0], orders[1]) and not np.array_equal(orders[1], orders[2])
    rng = np.random.default_rng(0)                       # same seed: same sequence of epochs
    again = [np.concatenate([yb for _, yb in _epoch(x, y, batch_size=8, rng=rng)])
             for _ in range(3)]
    for a, b in zip(orders, again):
        np.testing.assert_array_equal(a, b)
    # an int seed gives the same order on every call (as documented)
    a = np.concatenate([yb for _, yb in _epoch(x, y, batch_size=8, rng=5)])
    b = np.concatenate([yb for _, yb in _epoch(x, y, batch_size=8, rng=5)])
    np.testing.assert_array_equal(a, b)


def test_batches_without_shuffle_are_ordered_views():
    x, y = _ids(7)
    out = _epoch(x, y, batch_size=3, shuffle=False)
    np.testing.assert_array_equal(np.concatenate([yb for _, yb in out]), np.arange(7))
    assert all(np.shares_memory(xb, x) for xb, _ in out)


@pytest.mark.parametrize("kwargs, error, message", [
    (dict(batch_size=0), ValueError, "batch_size must be >= 1, got 0"),
    (dict(batch_size=2.0), TypeError, "batch_size must be an integer"),
    (dict(batch_size=11, drop_last=True), ValueError, "no full batch"),
    (dict(batch_size=2, shuffle=None), TypeError, "shuffle must be True or False"),
])
def test_batches_errors_are_raised_at_call_time(kwargs, error, message):
    x, y = _ids(10)
    with pytest.raises(error, match=message):
        data.batches(x, y, **kwargs)              # not iterated: the check is eager


def test_batches_rejects_mismatched_and_empty_inputs():
    with pytest.raises(ValueError, match="same number of examples, got 4 and 3"):
        data.batches(np.zeros((4, 2)), np.zeros(3), 2)
    with pytest.raises(ValueError, match="at least one example"):
        data.batches(np.zeros((0, 2)), np.zeros(0), 2)
    with pytest.raises(ValueError, match="got a scalar"):
        data.batches(np.float32(1.0), np.zeros(1), 1)


# ---------------------------------------------------------------------------
# the IDX format
# ---------------------------------------------------------------------------

def test_idx_fixture_writer_matches_the_spec():
    # the oracle itself, checked by hand: magic 0x00000801, one dimension of size 3
    assert idx_bytes(np.array([7, 8, 9], np.uint8)) == bytes.fromhex("00000801 00000003 070809")


@pytest.mark.parametrize("array", [
    np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4),
    np.array([5, 0, 4, 1, 9], dtype=np.uint8),
    np.array([[-3, 300], [7, -32768]], dtype=np.int16),
    np.array([1.5, -2.25], dtype=np.float32),
    np.array([[1e300]], dtype=np.float64),
    np.array([-1, 2], dtype=np.int8),
])
@pytest.mark.parametrize("gz", [False, True])
def test_read_idx_round_trip(tmp_path, array, gz):
    raw = idx_bytes(array)
    payload = gzip.compress(raw) if gz else raw
    path = tmp_path / "a.idx"
    path.write_bytes(payload)
    for source in (path, str(path), payload):
        out = data.read_idx(source)
        assert out.shape == array.shape and out.dtype == array.dtype.newbyteorder("=")
        np.testing.assert_array_equal(out, array)


def test_read_idx_checks_the_expected_magic(tmp_path):
    path = tmp_path / "train-labels-idx1-ubyte"
    path.write_bytes(idx_bytes(np.zeros(3, np.uint8)))
    assert data.read_idx(path, magic=2049).shape == (3,)
    with pytest.raises(ValueError) as info:
        data.read_idx(path, magic=2051)
    msg = str(info.value)
    assert str(path) in msg and "2049" in msg and "expected 2051" in msg
    assert "right file" in msg


def _corruptions():
    good = idx_bytes(np.arange(60, dtype=np.uint8).reshape(3, 4, 5))
    gz = gzip.compress(good)
    flipped = bytearray(gz)
    flipped[len(gz) // 2] ^= 0xFF
    return {
        "not IDX": (b"GIF89a" + good[6:], "not an IDX file"),
        "unknown type code": (b"\x00\x00\x07\x03" + good[4:], "not an IDX file"),
        "too short": (b"\x00\x00", "too short"),
        "empty": (b"", "too short"),
        "truncated header": (good[:9], "truncated"),
        "truncated data": (good[:-7], "truncated"),
        "extra bytes": (good + b"\x00\x01", "2 too many"),
        "truncated gzip": (gz[:len(gz) // 2], "not a valid gzip file"),
        "bad gzip": (bytes(flipped), "not a valid gzip file"),
        "gzip magic, garbage after": (b"\x1f\x8b" + b"garbage" * 5, "not a valid gzip file"),
    }


@pytest.mark.parametrize("case", list(_corruptions()))
def test_read_idx_rejects_damaged_files_with_a_clear_message(tmp_path, case):
    payload, expected = _corruptions()[case]
    path = tmp_path / "t10k-images-idx3-ubyte.gz"
    path.write_bytes(payload)
    with pytest.raises(ValueError) as info:
        data.read_idx(path)
    msg = str(info.value)
    assert expected in msg
    assert str(path) in msg, "the message names the file"
    assert "To fix" in msg and "load_mnist()" in msg, "the message says what to do"


def test_read_idx_argument_errors(tmp_path):
    with pytest.raises(TypeError, match="source must be a file path or bytes"):
        data.read_idx(42)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        data.read_idx(tmp_path / "missing.gz")


# ---------------------------------------------------------------------------
# MNIST: the shipped copy
# ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def mnist():
    return data.load_mnist(download=False)


def _raw_shipped(name):
    """Independent decode of a shipped file (gzip + frombuffer, offsets from the spec)."""
    raw = gzip.decompress((SHIPPED / (name + ".gz")).read_bytes())
    offset = 16 if "images" in name else 8
    return raw, np.frombuffer(raw, np.uint8, offset=offset)


def test_shipped_files_match_sha256sums():
    table = {}
    for line in (SHIPPED / "SHA256SUMS").read_text().splitlines():
        digest, name = line.split()
        table[name] = digest
    assert set(table) == set(MNIST_NAMES.values())
    for name, digest in table.items():
        assert sha256(_raw_shipped(name)[0]) == digest, name
    assert data.MNIST_SHA256 == table
    assert data.MNIST_SHIPPED_DIR == SHIPPED


def test_mnist_shapes_dtypes_and_range(mnist):
    (x_train, y_train), (x_test, y_test) = mnist
    assert x_train.shape == (60000, 784) and x_test.shape == (10000, 784)
    assert y_train.shape == (60000,) and y_test.shape == (10000,)
    assert x_train.dtype == np.float32 and x_test.dtype == np.float32
    assert y_train.dtype == np.int64 and y_test.dtype == np.int64
    for x in (x_train, x_test):
        assert x.min() == -1.0 and x.max() == 1.0


def test_mnist_label_counts(mnist):
    (_, y_train), (_, y_test) = mnist
    assert np.bincount(y_train, minlength=10).tolist() == TRAIN_COUNTS
    assert np.bincount(y_test, minlength=10).tolist() == TEST_COUNTS
    np.testing.assert_array_equal(y_train[:5], [5, 0, 4, 1, 9])   # the famous first five


def test_mnist_values_are_the_scaled_pixels(mnist):
    (x_train, y_train), (x_test, _) = mnist
    _, train_pixels = _raw_shipped("train-images-idx3-ubyte")
    _, test_pixels = _raw_shipped("t10k-images-idx3-ubyte")
    _, train_labels = _raw_shipped("train-labels-idx1-ubyte")
    expected = ((train_pixels[:2000 * 784].astype(np.float64) - 127.5) / 127.5).reshape(2000, 784)
    np.testing.assert_array_equal(x_train[:2000], expected.astype(np.float32))
    expected = ((test_pixels[-784:].astype(np.float64) - 127.5) / 127.5).astype(np.float32)
    np.testing.assert_array_equal(x_test[-1], expected)
    np.testing.assert_array_equal(y_train, train_labels)


def test_mnist_options_and_independent_copies(mnist):
    (x_train, _), _ = mnist
    (raw_train, y1), _ = data.load_mnist(download=False, normalize=False, flatten=False,
                                         dtype=np.uint8)
    assert raw_train.shape == (60000, 28, 28) and raw_train.dtype == np.uint8
    np.testing.assert_array_equal(raw_train.reshape(60000, 784)[:100],
                                  (x_train[:100] * 127.5 + 127.5).round())
    # every call returns fresh, writable arrays: changing one does not change the next
    raw_train[:] = 0
    y1[:] = -1
    (again, y2), _ = data.load_mnist(download=False, normalize=False, flatten=False,
                                     dtype=np.uint8)
    assert again.max() == 255 and y2.min() == 0
    assert raw_train.flags.writeable and y2.flags.writeable


def test_mnist_files_are_parsed_once(mnist):
    data.load_mnist(download=False)
    before = data._load_idx_cached.cache_info()
    data.load_mnist(download=False)
    after = data._load_idx_cached.cache_info()
    assert after.hits == before.hits + 4 and after.misses == before.misses


def test_load_mnist_argument_errors():
    with pytest.raises(TypeError, match="dtype must be a floating dtype"):
        data.load_mnist(download=False, dtype=np.uint8)
    with pytest.raises(TypeError, match="download must be True or False"):
        data.load_mnist(download="no")
    with pytest.raises(TypeError, match="http:// or https://"):
        data.load_mnist(data_dir="/nonexistent", mirrors=["ftp://example.invalid/"])
    with pytest.raises(TypeError, match="data_dir must be a folder path"):
        data.load_mnist(data_dir=3)


# ---------------------------------------------------------------------------
# MNIST: other folders, damaged files, downloads (tiny generated files)
# ---------------------------------------------------------------------------

@pytest.fixture
def tiny(monkeypatch, tmp_path):
    """Tiny MNIST-format files in tmp_path/served, with the digest table pointing at them."""
    arrays = tiny_mnist()
    digests = write_mnist(tmp_path / "served", arrays)
    monkeypatch.setattr(data, "MNIST_SHA256", digests)
    return arrays


def _check_tiny(result, arrays):
    (x_train, y_train), (x_test, y_test) = result
    for x, part in ((x_train, "train_images"), (x_test, "test_images")):
        expected = (arrays[part].reshape(len(arrays[part]), -1) - 127.5) / 127.5
        np.testing.assert_array_equal(x, expected.astype(np.float32))
    np.testing.assert_array_equal(y_train, arrays["train_labels"])
    np.testing.assert_array_equal(y_test, arrays["test_labels"])
    assert y_train.dtype == np.int64


def _files(folder: Path) -> list[str]:
    """Everything in folder, hidden and temporary files included."""
    return sorted(os.listdir(folder)) if folder.exists() else []


@pytest.mark.parametrize("gz", [True, False])
def test_load_mnist_from_data_dir(tmp_path, tiny, gz, local_network_only):
    write_mnist(tmp_path / "mine", tiny, gz=gz)
    _check_tiny(data.load_mnist(tmp_path / "mine", download=False), tiny)
    (x_train, _), (x_test, _) = data.load_mnist(tmp_path / "mine", download=False,
                                                dtype=np.float64, flatten=False)
    assert x_train.dtype == np.float64 and x_test.shape == (4, 28, 28)
    np.testing.assert_array_equal(x_test, (tiny["test_images"] - 127.5) / 127.5)
    assert not local_network_only, "nothing downloaded"


def test_load_mnist_rejects_a_corrupted_file_unless_verify_is_false(tmp_path, tiny):
    damaged = dict(tiny, train_images=tiny["train_images"].copy())
    damaged["train_images"][0, 0, 0] ^= 1                     # one flipped bit: same size
    write_mnist(tmp_path / "mine", damaged)
    with pytest.raises(ValueError) as info:
        data.load_mnist(tmp_path / "mine", download=False)
    msg = str(info.value)
    assert "SHA-256" in msg and "train-images-idx3-ubyte.gz" in msg and "corrupted" in msg
    assert "To fix" in msg and "verify=False" in msg
    (x_train, _), _ = data.load_mnist(tmp_path / "mine", download=False, verify=False)
    assert x_train[0, 0] == np.float32((int(damaged["train_images"][0, 0, 0]) - 127.5) / 127.5)


def test_load_mnist_rejects_swapped_and_mismatched_files(tmp_path, tiny):
    folder = tmp_path / "mine"
    write_mnist(folder, tiny)
    # a labels file where the images belong: the magic number says so
    (folder / "t10k-images-idx3-ubyte.gz").write_bytes(
        (folder / "t10k-labels-idx1-ubyte.gz").read_bytes())
    with pytest.raises(ValueError, match=r"t10k-images-idx3-ubyte\.gz' has the wrong magic "
                                         r"number 2049.*expected 2051"):
        data.load_mnist(folder, download=False, verify=False)
    write_mnist(folder, dict(tiny, test_labels=tiny["test_labels"][:3]))
    with pytest.raises(ValueError, match="holds 4 images but .* holds 3 labels"):
        data.load_mnist(folder, download=False, verify=False)


def test_load_mnist_missing_files_without_download(tmp_path, tiny, local_network_only):
    with pytest.raises(FileNotFoundError) as info:
        data.load_mnist(tmp_path / "empty", download=False, cache_dir=tmp_path / "cache")
    msg = str(info.value)
    assert "train-images-idx3-ubyte.gz" in msg
    assert str(tmp_path / "empty") in msg and str(tmp_path / "cache") in msg
    assert "download=False" in msg and "To fix" in msg
    assert not local_network_only


def test_download_success_lands_verified_in_the_cache(tmp_path, tiny, local_network_only):
    cache = tmp_path / "cache"
    with LocalServer(tmp_path / "served") as server:
        result = data.load_mnist(tmp_path / "empty", cache_dir=cache, mirrors=[server.url])
        _check_tiny(result, tiny)
        names = sorted(name + ".gz" for name in MNIST_NAMES.values())
        assert _files(cache) == names, "exactly the four files, no temporary ones"
        for name in MNIST_NAMES.values():
            raw = gzip.decompress((cache / (name + ".gz")).read_bytes())
            assert sha256(raw) == data.MNIST_SHA256[name]
        assert sorted(server.requests) == sorted("/mnist/" + n for n in names)
        assert local_network_only == [server.url + n for n in
                                      ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
                                       "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")]
        # the second call finds the cached files: no new request
        _check_tiny(data.load_mnist(tmp_path / "empty", cache_dir=cache, mirrors=[server.url]),
                    tiny)
        assert len(server.requests) == 4


def test_download_goes_to_the_default_cache_when_the_shipped_copy_is_absent(
        tmp_path, tiny, monkeypatch):
    monkeypatch.setattr(data, "MNIST_SHIPPED_DIR", tmp_path / "not-shipped")
    with LocalServer(tmp_path / "served") as server:
        _check_tiny(data.load_mnist(mirrors=[server.url]), tiny)
    cache = tmp_path / "mlpkit-cache" / "mnist"                  # $MLPKIT_CACHE/mnist
    assert data.mnist_cache_dir() == cache
    assert len(_files(cache)) == 4


def test_mnist_cache_dir_defaults(monkeypatch, tmp_path):
    monkeypatch.delenv("MLPKIT_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert data.mnist_cache_dir() == tmp_path / "xdg" / "mlpkit" / "mnist"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert data.mnist_cache_dir() == Path.home() / ".cache" / "mlpkit" / "mnist"


def test_download_falls_back_to_the_next_mirror(tmp_path, tiny):
    cache = tmp_path / "cache"
    with LocalServer(tmp_path / "nothing") as bad, LocalServer(tmp_path / "served") as good:
        _check_tiny(data.load_mnist(tmp_path / "empty", cache_dir=cache,
                                    mirrors=[bad.url, good.url]), tiny)
        assert len(bad.requests) == 4 and len(good.requests) == 4
    assert len(_files(cache)) == 4


@pytest.mark.parametrize("damage, reason", [
    ("other content", "SHA-256"),
    ("truncated gzip", "not a valid gzip file"),
    ("not IDX", "not an IDX file"),
])
def test_a_corrupted_download_leaves_no_file_behind(tmp_path, tiny, damage, reason):
    served = tmp_path / "served"
    bad_file = served / "t10k-labels-idx1-ubyte.gz"     # the last file: the others succeed
    if damage == "other content":
        bad_file.write_bytes(gzip.compress(idx_bytes((tiny["test_labels"] + 1) % 10)))
    elif damage == "truncated gzip":
        bad_file.write_bytes(bad_file.read_bytes()[:-10])
    else:
        bad_file.write_bytes(gzip.compress(b"<html>Access denied</html>"))
    cache = tmp_path / "cache"
    with LocalServer(served) as server:
        with pytest.raises(FileNotFoundError) as info:
            data.load_mnist(tmp_path / "empty", cache_dir=cache, mirrors=[server.url])
    msg = str(info.value)
    assert "could not get the MNIST file t10k-labels-idx1-ubyte.gz" in msg
    assert server.url + "t10k-labels-idx1-ubyte.gz" in msg and reason in msg
    assert str(cache) in msg and "To fix" in msg
    assert _files(cache) == ["t10k-images-idx3-ubyte.gz", "train-images-idx3-ubyte.gz",
                             "train-labels-idx1-ubyte.gz"], "the bad file was never written"


def test_a_failed_download_404_leaves_no_file_behind(tmp_path, tiny):
    cache = tmp_path / "cache"
    with LocalServer(tmp_path / "nothing") as server:
        with pytest.raises(FileNotFoundError) as info:
            data.load_mnist(tmp_path / "empty", cache_dir=cache, mirrors=[server.url])
    msg = str(info.value)
    assert server.url + "train-images-idx3-ubyte.gz" in msg and "404" in msg
    assert str(tmp_path / "empty") in msg and "(does not exist)" in msg
    assert _files(cache) == []


def test_a_server_that_is_down_gives_a_clear_error_and_no_file(tmp_path, tiny):
    cache = tmp_path / "cache"
    url = closed_port_url()
    with pytest.raises(FileNotFoundError) as info:
        data.load_mnist(tmp_path / "empty", cache_dir=cache, mirrors=[url])
    msg = str(info.value)
    assert url + "train-images-idx3-ubyte.gz" in msg and "refused" in msg.lower()
    assert "check your internet connection" in msg
    assert _files(cache) == []


def test_a_failed_write_leaves_no_temporary_file(tmp_path, tiny, monkeypatch):
    def broken_replace(src, dst):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(data.os, "replace", broken_replace)
    cache = tmp_path / "cache"
    with LocalServer(tmp_path / "served") as server:
        with pytest.raises(OSError, match="could not save the MNIST download.*MLPKIT_CACHE"):
            data.load_mnist(tmp_path / "empty", cache_dir=cache, mirrors=[server.url])
    assert _files(cache) == []


def test_verify_false_downloads_other_data_in_the_same_format(tmp_path, tiny, monkeypatch):
    monkeypatch.setattr(data, "MNIST_SHA256", {})        # e.g. Fashion-MNIST: other digests
    with pytest.raises(ValueError, match="no SHA-256 digest.*verify=False"):
        data.load_mnist(tmp_path / "empty", cache_dir=tmp_path / "cache", mirrors=[])
    with LocalServer(tmp_path / "served") as server:
        _check_tiny(data.load_mnist(tmp_path / "empty", cache_dir=tmp_path / "cache",
                                    mirrors=[server.url], verify=False), tiny)


def test_the_default_mirrors_are_the_public_ones_and_are_not_contacted(tmp_path, monkeypatch):
    assert data.MNIST_MIRRORS == ["https://ossci-datasets.s3.amazonaws.com/mnist/",
                                  "https://storage.googleapis.com/cvdf-datasets/mnist/"]
    asked = []

    def offline(url, timeout):
        asked.append(url)
        raise OSError("offline (test)")
    monkeypatch.setattr(data, "_open_url", offline)     # replaces the guard: nothing goes out
    with pytest.raises(FileNotFoundError) as info:
        data.load_mnist(tmp_path / "empty", cache_dir=tmp_path / "cache")
    assert asked == [m + "train-images-idx3-ubyte.gz" for m in data.MNIST_MIRRORS]
    assert "offline (test)" in str(info.value)
    assert _files(tmp_path / "cache") == []
