"""Small IDX files and a local HTTP server for tests/lib/test_data_idx.py and test_data_mnist.py.

Written from the IDX format description, independently of mlpkit, so that the
tests compare mlpkit's reader against a separate implementation.
"""
from __future__ import annotations

import gzip
import hashlib
import http.server
import socket
import struct
import threading
from functools import partial
from pathlib import Path

import numpy as np

# IDX type code per (dtype kind, itemsize)
_CODES = {("u", 1): 0x08, ("i", 1): 0x09, ("i", 2): 0x0B, ("i", 4): 0x0C,
          ("f", 4): 0x0D, ("f", 8): 0x0E}

MNIST_NAMES = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}


def idx_bytes(array) -> bytes:
    """The uncompressed IDX encoding of ``array`` (big-endian header and values)."""
    array = np.asarray(array)
    code = _CODES[(array.dtype.kind, array.dtype.itemsize)]
    header = bytes([0, 0, code, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype(array.dtype.newbyteorder(">")).tobytes()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def tiny_mnist(n_train: int = 6, n_test: int = 4, seed: int = 0) -> dict:
    """Random uint8 'images' (N, 28, 28) and labels (N,) under the MNIST part names."""
    rng = np.random.default_rng(seed)
    return {
        "train_images": rng.integers(0, 256, size=(n_train, 28, 28), dtype=np.uint8),
        "train_labels": rng.integers(0, 10, size=n_train, dtype=np.uint8),
        "test_images": rng.integers(0, 256, size=(n_test, 28, 28), dtype=np.uint8),
        "test_labels": rng.integers(0, 10, size=n_test, dtype=np.uint8),
    }


def write_mnist(folder: Path, arrays: dict, *, gz: bool = True) -> dict:
    """Write the four files into ``folder``; return ``{file name: sha256 of raw bytes}``."""
    folder.mkdir(parents=True, exist_ok=True)
    digests = {}
    for part, name in MNIST_NAMES.items():
        raw = idx_bytes(arrays[part])
        digests[name] = sha256(raw)
        if gz:
            (folder / (name + ".gz")).write_bytes(gzip.compress(raw, mtime=0))
        else:
            (folder / name).write_bytes(raw)
    return digests


class LocalServer:
    """Serve ``folder`` over HTTP on 127.0.0.1 (a free port) from a background thread.

    ``requests`` lists the paths asked for; ``url`` is the base URL (ends with "/").
    """

    def __init__(self, folder: Path):
        folder.mkdir(parents=True, exist_ok=True)
        self.requests: list[str] = []
        server = self

        class Handler(http.server.SimpleHTTPRequestHandler):
            def do_GET(self):
                server.requests.append(self.path)
                super().do_GET()

            def log_message(self, *args):  # keep the test output clean
                pass

        self._httpd = http.server.ThreadingHTTPServer(
            ("127.0.0.1", 0), partial(Handler, directory=str(folder)))
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}/mnist/"
        # SimpleHTTPRequestHandler serves paths relative to folder: map /mnist/ to it
        Handler.translate_path = _strip_prefix(Handler.translate_path, "/mnist")
        self._thread = threading.Thread(target=self._httpd.serve_forever,
                                        kwargs={"poll_interval": 0.02}, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)


def _strip_prefix(translate, prefix):
    def translate_path(self, path):
        if path.startswith(prefix + "/"):
            path = path[len(prefix):]
        return translate(self, path)
    return translate_path


def closed_port_url() -> str:
    """A URL on 127.0.0.1 where nothing listens (connection refused at once)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/mnist/"
