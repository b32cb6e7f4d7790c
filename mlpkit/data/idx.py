"""The IDX file format, in which MNIST is distributed: ``read_idx`` and its checks.

``read_idx`` describes the layout. Every damaged file (not gzip-valid, a wrong
magic number, shorter or longer than its header says) is reported with its
name and what to do about it.
"""
from __future__ import annotations

import gzip
import math
import os
import struct
import sys
import zlib
from pathlib import Path

import numpy as np

from .._validation import check_int, describe

__all__ = ["read_idx", "MAGIC_IMAGES", "MAGIC_LABELS"]


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
