"""MNIST: ``load_mnist`` finds, verifies and (only if it must) downloads the four files.

Where a file is looked for, in order:

1. ``data_dir``, or by default the copy shipped with mlpkit
   (``MNIST_SHIPPED_DIR``, mlpkit/datasets/mnist/): no internet needed;
2. the download cache (:func:`mnist_cache_dir`: ``$MLPKIT_CACHE/mnist``,
   ``$XDG_CACHE_HOME/mlpkit/mnist`` or ``~/.cache/mlpkit/mnist``);
3. a download from the first of the mirrors that serves a good copy, with
   pooch (an optional package, imported only then: ``pip install pooch``).

Every file is verified by the SHA-256 of its *uncompressed* bytes
(``MNIST_SHA256``, from the shipped SHA256SUMS): the shipped gzip files differ
from the mirrors' byte for byte, their content does not. A download is checked
while it is still pooch's temporary file, and only a verified file is renamed
into the cache, so the cache never holds a partial or wrong file.
"""
from __future__ import annotations

import contextlib
import functools
import hashlib
import http.client
import os
import sys
from pathlib import Path

import numpy as np

from .._validation import describe
from ._checks import check_bool, float_dtype
from .idx import _FIX, MAGIC_IMAGES, MAGIC_LABELS, _gunzip, _parse_idx

__all__ = ["load_mnist", "mnist_cache_dir", "MNIST_MIRRORS", "MNIST_SHA256",
           "MNIST_SHIPPED_DIR"]

#: The MNIST copy shipped inside the package (four gzipped IDX files and SHA256SUMS).
MNIST_SHIPPED_DIR = Path(__file__).resolve().parents[1] / "datasets" / "mnist"

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


# ---------------------------------------------------------------------------
# verifying and reading a file
# ---------------------------------------------------------------------------

def _expected_digest(name: str) -> str:
    digest = MNIST_SHA256.get(name)
    if digest is None:
        raise ValueError(f"no SHA-256 digest for {name} in the table "
                         f"{MNIST_SHIPPED_DIR / 'SHA256SUMS'}: restore that file (reinstall "
                         "mlpkit), or pass verify=False to load the files unchecked")
    return digest


def _verified_array(payload: bytes, name: str, magic: int, digest, fix: str = "") -> np.ndarray:
    """Parse a file's bytes (gzipped or not); check their SHA-256 unless digest is None.

    The IDX checks' errors say what to do; ``fix`` is added to a SHA-256 mismatch's.
    """
    raw = _gunzip(payload, name)
    arr = _parse_idx(raw, name, magic)
    if digest is not None:
        got = hashlib.sha256(raw).hexdigest()
        if got != digest:
            raise ValueError(f"{name} is corrupted: the SHA-256 of its uncompressed content is "
                             f"{got}, but SHA256SUMS expects {digest}{fix}")
    return arr


@functools.lru_cache(maxsize=8)
def _load_idx_cached(path: str, mtime_ns: int, size: int, magic: int, digest):
    """Parse (and verify) one IDX file; cached per file version, returned read-only.

    ``mtime_ns`` and ``size`` are part of the cache key so that a replaced file is
    read again.
    """
    arr = _verified_array(Path(path).read_bytes(), f"MNIST file {path!r}", magic, digest,
                          fix=f". {_FIX} Or pass verify=False to load it anyway.")
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


# ---------------------------------------------------------------------------
# downloading (with pooch, imported only when a file must be downloaded)
# ---------------------------------------------------------------------------

def _import_pooch():
    try:
        import pooch
    except ImportError:
        raise ImportError(
            "downloading MNIST needs the package pooch, which is not installed. To fix: "
            "`pip install pooch` (it comes with `pip install mlp-course[course]`); or use the "
            "copy shipped with mlpkit, which needs no download: call load_mnist() without "
            "data_dir= (restore the copy with `git checkout -- mlpkit/datasets/mnist` in the "
            "course folder, or reinstall mlpkit); or pass data_dir= a folder that holds "
            f"the four files ({_MNIST_FILE_LIST}).") from None
    return pooch


def _fetch(url: str, output_file: str) -> None:
    """Download ``url`` into ``output_file`` (every URL load_mnist opens goes through here)."""
    from .. import __version__
    pooch = _import_pooch()
    download = pooch.HTTPDownloader(progressbar=True, timeout=DOWNLOAD_TIMEOUT,
                                    headers={"User-Agent": f"mlpkit/{__version__}"})
    download(url, output_file, None)


class _MirrorFailed(Exception):
    """A mirror did not serve a good copy (the reason is the message); try the next one."""


def _fetch_verified(url: str, output_file: str, _pooch=None, *, magic: int, digest) -> None:
    """A pooch downloader: fetch ``url``, then check the file before pooch renames it.

    pooch calls this with a temporary file in the cache folder and renames that
    file to its final name only if this returns without an error; on an error it
    deletes it.
    """
    try:
        _fetch(url, output_file)
        _verified_array(Path(output_file).read_bytes(), url, magic, digest)
    except (OSError, ValueError, http.client.HTTPException) as exc:
        raise _MirrorFailed(str(exc)) from exc
    os.chmod(output_file, 0o644)   # pooch's temporary file is private to its owner


@contextlib.contextmanager
def _quiet(logger):
    """Hide pooch's own log lines (load_mnist prints what it downloads)."""
    level = logger.level
    logger.setLevel("WARNING")
    try:
        yield
    finally:
        logger.setLevel(level)


def _download(name: str, magic: int, digest, cache: Path, mirrors, folders) -> Path:
    """Download ``name.gz`` from the first mirror that serves a valid copy into ``cache``.

    pooch writes each download to a temporary file in ``cache``; the file is
    checked there (gzip, IDX header, SHA-256 of the uncompressed bytes unless
    ``digest`` is None: ``known_hash=None`` tells pooch not to check the
    compressed bytes itself) and renamed to ``name.gz`` only if it passes.
    Nothing is left behind on failure.
    """
    pooch = _import_pooch()
    dest = cache / (name + ".gz")
    failures = []
    for base in mirrors:
        url = base.rstrip("/") + "/" + dest.name
        print(f"mlpkit: downloading {url}", file=sys.stderr, flush=True)
        downloader = functools.partial(_fetch_verified, magic=magic, digest=digest)
        try:
            with _quiet(pooch.get_logger()):
                pooch.retrieve(url, known_hash=None, fname=dest.name, path=cache,
                               downloader=downloader)
        except _MirrorFailed as exc:
            failures.append(f"  {url}: {exc}")
            continue
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


# ---------------------------------------------------------------------------
# load_mnist
# ---------------------------------------------------------------------------

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
               flatten=True, dtype=np.float32, verify=True, split=None):
    """Load MNIST: 60,000 training and 10,000 test images of handwritten digits.

    By default the copy shipped with mlpkit is used (``MNIST_SHIPPED_DIR``), so
    no internet is needed. Each file is looked for as ``<name>.gz`` (or
    uncompressed ``<name>``) first in ``data_dir`` (or the shipped folder when
    ``data_dir`` is None), then in the download cache. A file found nowhere is
    downloaded (if ``download``; this needs the package pooch) from the first
    of ``mirrors`` that serves a copy with the right SHA-256, into the cache:
    only a complete, verified file ever appears there.

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
    split : None, "train" or "test"
        None (default) loads both sets; "train" or "test" loads only the two
        files of that set and returns its ``(x, y)`` alone.

    Returns
    -------
    (x_train, y_train), (x_test, y_test)
        x_train (60000, 784) and x_test (10000, 784), float32 in [-1, 1]; y_train
        (60000,) and y_test (10000,), int64 labels 0..9. With ``split``, only
        that set's ``(x, y)``.

    Raises
    ------
    FileNotFoundError
        A file is in none of the folders and could not be downloaded; the message
        lists where it looked, what failed and what to do.
    ValueError
        A file is corrupted, truncated, not an IDX file, or fails the SHA-256 check.
    ImportError
        A file must be downloaded but pooch is not installed.

    Examples
    --------
    >>> (x_train, y_train), (x_test, y_test) = load_mnist()     # doctest: +SKIP
    >>> x_train.shape, x_train.dtype, y_train[:5]                # doctest: +SKIP
    ((60000, 784), dtype('float32'), array([5, 0, 4, 1, 9]))
    """
    if split not in (None, "train", "test"):
        raise ValueError(f"`split` must be None (both sets), 'train' or 'test', got {split!r}")
    splits = ("train", "test") if split is None else (split,)
    parts = [f"{s}_{kind}" for s in splits for kind in ("images", "labels")]
    prepare = _preparer(normalize, flatten, dtype)
    arrays, paths = _load_parts(parts, data_dir, download, cache_dir, mirrors, verify)

    result = []
    for s in splits:
        images, labels = arrays[f"{s}_images"], arrays[f"{s}_labels"]
        if images.shape[0] != labels.shape[0]:
            raise ValueError(f"{paths[f'{s}_images']} holds {images.shape[0]} images but "
                             f"{paths[f'{s}_labels']} holds {labels.shape[0]} labels: the "
                             "files do not belong together. Replace them with a matching set.")
        result.append((prepare(images), labels.astype(np.int64)))
    return tuple(result) if split is None else result[0]


def load_mnist_test_images(data_dir=None, *, download=True, cache_dir=None, mirrors=None,
                           normalize=True, flatten=True, dtype=np.float32, verify=True):
    """The 10,000 MNIST test images without their labels: x_test, shape (10000, 784).

    Reads only the test-image file (the arguments are those of
    :func:`load_mnist`). The autograder uses it: in the grading sandbox the
    test labels are not there at all, so a submission's model is scored on
    images whose answers it cannot read; the grader compares its predictions
    with the labels outside the sandbox.
    """
    prepare = _preparer(normalize, flatten, dtype)
    arrays, _ = _load_parts(["test_images"], data_dir, download, cache_dir, mirrors, verify)
    return prepare(arrays["test_images"])


def _preparer(normalize, flatten, dtype):
    normalize = check_bool("normalize", normalize)
    flatten = check_bool("flatten", flatten)
    dtype = float_dtype(dtype, numeric=not normalize)   # np.uint8: the raw bytes
    return lambda raw: _prepare_images(raw, normalize, flatten, dtype)


def _load_parts(parts, data_dir, download, cache_dir, mirrors, verify):
    """``({part: array}, {part: path})`` for the named parts (e.g. "train_images")."""
    download = check_bool("download", download)
    verify = check_bool("verify", verify)
    first = MNIST_SHIPPED_DIR if data_dir is None else _as_folder("data_dir", data_dir)
    cache = mnist_cache_dir() if cache_dir is None else _as_folder("cache_dir", cache_dir)
    folders = [first] if cache == first else [first, cache]
    mirrors = list(MNIST_MIRRORS) if mirrors is None else _check_mirrors(mirrors)

    arrays, paths = {}, {}
    for part, name, magic in _MNIST_PARTS:
        if part not in parts:
            continue
        digest = _expected_digest(name) if verify else None
        path = _find_file(name, folders)
        if path is None and part == "test_labels" and os.environ.get("NBGRADER_EXECUTION"):
            raise FileNotFoundError(
                "MNIST's test labels are not available while autograding: the grader keeps "
                "them outside the sandbox and scores your predictions itself. To fix: load "
                "the training set with load_mnist(split='train') and the test images with "
                "load_mnist_test_images().")
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
    return arrays, paths
