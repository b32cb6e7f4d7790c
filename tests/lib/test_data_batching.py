"""Tests for mlpkit.data.batching: train_val_split and batches."""
from __future__ import annotations

import numpy as np
import pytest

from mlpkit import data


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


@pytest.mark.parametrize("n, batch_size, drop_last, x_shape, y_shape", [
    (10, 3, False, (2,), ()),
    (10, 3, True, (2,), ()),
    (12, 4, False, (2, 3), (1,)),         # images (N, rows, cols) and (N, 1) targets
    (5, 8, False, (4,), (2,)),            # one short batch
])
def test_batches_follow_the_documented_algorithm(n, batch_size, drop_last, x_shape, y_shape):
    # the docstring's algorithm, written out: order = rng.permutation(N), then the rows
    # order[0:B], order[B:2B], ... (fancy indexing here as the oracle), in that order
    source = np.random.default_rng(1)
    x = source.normal(size=(n, *x_shape)).astype(np.float32)
    y = source.normal(size=(n, *y_shape))

    def expected_epoch(oracle_rng):
        order = oracle_rng.permutation(n)
        stop = n - n % batch_size if drop_last else n
        return [order[start:start + batch_size] for start in range(0, stop, batch_size)]

    def assert_epoch(got, expected):
        assert len(got) == len(expected)
        for (xb, yb), idx in zip(got, expected):
            assert xb.dtype == x.dtype and yb.dtype == y.dtype and xb.flags.c_contiguous
            np.testing.assert_array_equal(xb, x[idx])
            np.testing.assert_array_equal(yb, y[idx])

    gen, oracle = np.random.default_rng(42), np.random.default_rng(42)
    for _ in range(3):                      # one Generator: the next permutation every epoch
        assert_epoch(list(data.batches(x, y, batch_size, rng=gen, drop_last=drop_last)),
                     expected_epoch(oracle))
    for _ in range(2):                      # an int seed: that seed's first permutation, always
        assert_epoch(list(data.batches(x, y, batch_size, rng=7, drop_last=drop_last)),
                     expected_epoch(np.random.default_rng(7)))


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
