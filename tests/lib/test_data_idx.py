"""Tests for mlpkit.data.idx: read_idx against an independent IDX writer (idx_fixtures)."""
from __future__ import annotations

import gzip

import numpy as np
import pytest

from idx_fixtures import idx_bytes
from mlpkit import data


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
