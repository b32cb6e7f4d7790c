"""Tests for mlpkit.data.mnist: the shipped copy, other folders, damaged files, downloads.

No test touches the internet: every URL that mlpkit.data opens goes through
``mlpkit.data.mnist._fetch`` (pooch's HTTP downloader), is recorded, and must
point at 127.0.0.1 (a local http.server started by the test).
"""
from __future__ import annotations

import gzip
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse

import numpy as np
import pytest

import mlpkit
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
from mlpkit.data import mnist as mnist_module

SHIPPED = Path(mlpkit.__file__).resolve().parent / "datasets" / "mnist"

# The known per-class counts of MNIST (digits 0..9).
TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


@pytest.fixture(autouse=True)
def local_network_only(monkeypatch, tmp_path):
    """Record every URL mlpkit.data opens; refuse (and fail the test on) any non-local one.

    Also points the default download cache at tmp_path so ~/.cache is never touched.
    """
    opened, refused = [], []
    real_fetch = mnist_module._fetch

    def guarded(url, output_file):
        if urlparse(url).hostname != "127.0.0.1":
            refused.append(url)
            raise RuntimeError(f"test tried to reach the internet: {url}")
        opened.append(url)
        return real_fetch(url, output_file)

    monkeypatch.setattr(mnist_module, "_fetch", guarded)
    monkeypatch.setenv("MLPKIT_CACHE", str(tmp_path / "mlpkit-cache"))
    for var in ("no_proxy", "NO_PROXY"):
        monkeypatch.setenv(var, "127.0.0.1,localhost")
    yield opened
    assert not refused, f"non-local URLs were opened: {refused}"
    assert all(url.startswith("http://127.0.0.1:") for url in opened)


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
    before = mnist_module._load_idx_cached.cache_info()
    data.load_mnist(download=False)
    after = mnist_module._load_idx_cached.cache_info()
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
    monkeypatch.setattr(mnist_module, "MNIST_SHA256", digests)
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
            assert sha256(raw) == mnist_module.MNIST_SHA256[name]
        for name in names:            # readable by all, like any file in a shared cache
            assert stat.S_IMODE((cache / name).stat().st_mode) == 0o644
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
    monkeypatch.setattr(mnist_module, "MNIST_SHIPPED_DIR", tmp_path / "not-shipped")
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
    def broken_rename(src, dst):
        raise OSError(28, "No space left on device")
    # the step that puts the verified temporary file in place (pooch renames it)
    monkeypatch.setattr(shutil, "move", broken_rename)
    monkeypatch.setattr(os, "replace", broken_rename)
    cache = tmp_path / "cache"
    with LocalServer(tmp_path / "served") as server:
        with pytest.raises(OSError, match="could not save the MNIST download.*MLPKIT_CACHE"):
            data.load_mnist(tmp_path / "empty", cache_dir=cache, mirrors=[server.url])
    assert _files(cache) == []


def test_verify_false_downloads_other_data_in_the_same_format(tmp_path, tiny, monkeypatch):
    monkeypatch.setattr(mnist_module, "MNIST_SHA256", {})   # e.g. Fashion-MNIST: other digests
    with pytest.raises(ValueError, match="no SHA-256 digest.*verify=False"):
        data.load_mnist(tmp_path / "empty", cache_dir=tmp_path / "cache", mirrors=[])
    with LocalServer(tmp_path / "served") as server:
        _check_tiny(data.load_mnist(tmp_path / "empty", cache_dir=tmp_path / "cache",
                                    mirrors=[server.url], verify=False), tiny)


def test_the_default_mirrors_are_the_public_ones_and_are_not_contacted(tmp_path, monkeypatch):
    assert data.MNIST_MIRRORS == ["https://ossci-datasets.s3.amazonaws.com/mnist/",
                                  "https://storage.googleapis.com/cvdf-datasets/mnist/"]
    asked = []

    def offline(url, output_file):
        asked.append(url)
        raise OSError("offline (test)")
    monkeypatch.setattr(mnist_module, "_fetch", offline)   # replaces the guard: nothing goes out
    with pytest.raises(FileNotFoundError) as info:
        data.load_mnist(tmp_path / "empty", cache_dir=tmp_path / "cache")
    assert asked == [m + "train-images-idx3-ubyte.gz" for m in data.MNIST_MIRRORS]
    assert "offline (test)" in str(info.value)
    assert _files(tmp_path / "cache") == []


# ---------------------------------------------------------------------------
# pooch: optional, imported only when a file must be downloaded
# ---------------------------------------------------------------------------

def test_importing_mlpkit_data_and_loading_the_shipped_copy_import_no_download_stack():
    code = ("import sys, mlpkit.data as d; before = sorted(sys.modules); "
            "d.load_mnist(download=False); "
            "print(' '.join(m for m in ('pooch', 'requests', 'urllib3', 'IPython', 'ipykernel', "
            "'jupyter_server', 'nbformat', 'nbconvert', 'nbgrader') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "", f"imported: {out.stdout.strip()}"


def test_a_download_without_pooch_says_how_to_install_it_or_use_the_shipped_copy(
        tmp_path, tiny, monkeypatch, local_network_only):
    monkeypatch.setitem(sys.modules, "pooch", None)        # `import pooch` now fails
    cache = tmp_path / "cache"
    with LocalServer(tmp_path / "served") as server:
        with pytest.raises(ImportError) as info:
            data.load_mnist(tmp_path / "empty", cache_dir=cache, mirrors=[server.url])
        assert server.requests == []
    msg = str(info.value)
    assert "pip install pooch" in msg and "shipped with mlpkit" in msg and "data_dir=" in msg
    assert not local_network_only and _files(cache) == []


# ---------------------------------------------------------------------------
# One set at a time: what the grading sandbox can load (no test labels there)
# ---------------------------------------------------------------------------

def test_load_mnist_split_returns_that_set_alone(tmp_path, tiny, local_network_only):
    write_mnist(tmp_path / "mine", tiny, gz=True)
    both = data.load_mnist(tmp_path / "mine", download=False)
    for i, split in enumerate(("train", "test")):
        x, y = data.load_mnist(tmp_path / "mine", download=False, split=split)
        np.testing.assert_array_equal(x, both[i][0])
        np.testing.assert_array_equal(y, both[i][1])
    with pytest.raises(ValueError, match="`split` must be None"):
        data.load_mnist(tmp_path / "mine", split="validation")
    assert not local_network_only


def test_the_training_set_and_test_images_load_without_the_test_labels(tmp_path, tiny,
                                                                       local_network_only):
    write_mnist(tmp_path / "mine", tiny, gz=True)
    (tmp_path / "mine" / "t10k-labels-idx1-ubyte.gz").unlink()
    kw = dict(download=False, cache_dir=tmp_path / "cache")
    x_test = data.load_mnist_test_images(tmp_path / "mine", dtype=np.float64, **kw)
    np.testing.assert_array_equal(x_test, (tiny["test_images"].reshape(4, -1) - 127.5) / 127.5)
    assert data.load_mnist(tmp_path / "mine", split="train", **kw)[0].shape[1] == 784
    with pytest.raises(FileNotFoundError, match="t10k-labels"):
        data.load_mnist(tmp_path / "mine", **kw)
    assert not local_network_only


def test_while_autograding_missing_test_labels_say_why(tmp_path, tiny, monkeypatch):
    write_mnist(tmp_path / "mine", tiny, gz=True)
    (tmp_path / "mine" / "t10k-labels-idx1-ubyte.gz").unlink()
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    with pytest.raises(FileNotFoundError) as info:
        data.load_mnist(tmp_path / "mine", cache_dir=tmp_path / "cache")
    assert "not available while autograding" in str(info.value)
    assert "load_mnist(split='train')" in str(info.value)
