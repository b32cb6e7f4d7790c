"""Data for the course: toy data sets, splitting, batching, one-hot, scaling, MNIST.

Every function returns batch-first arrays, one example per row: inputs ``x`` of
shape (N, D) (N examples, D features), float32 unless you pass ``dtype``.

==========================  ====================================================
``data.toy``                ``make_line``, ``make_1d_function`` (regression:
                            x (N, 1), y (N, 1)); ``make_blobs``, ``make_xor``,
                            ``make_moons``, ``make_spirals`` (classification:
                            x (N, D), integer labels y (N,))
``data.batching``           ``train_val_split``; ``batches`` (shuffled
                            mini-batches, one epoch per call)
``data.preprocessing``      ``one_hot``, ``Standardizer`` / ``standardize``
``data.mnist``              ``load_mnist`` (the copy shipped with mlpkit, or a
                            verified download)
``data.idx``                ``read_idx`` (the IDX file format of MNIST)
``data.augment``            ``random_shift`` (images moved by a few random
                            pixels, for training)
==========================  ====================================================

Every name is also available from ``mlpkit.data`` itself
(``data.make_moons``, ``data.load_mnist``, ...). Randomness comes only from the
``rng`` argument (``None``, an int seed or a ``numpy.random.Generator``): the
same seed gives the same data.

>>> x, y = make_moons(200, noise=0.1, rng=0)
>>> (x_train, y_train), (x_val, y_val) = train_val_split(x, y, val_fraction=0.25, rng=0)
>>> x_train.shape, y_train.shape, x_val.shape
((150, 2), (150,), (50, 2))
"""
from .augment import random_shift
from .batching import batches, train_val_split
from .idx import MAGIC_IMAGES, MAGIC_LABELS, read_idx
from .mnist import (
    MNIST_MIRRORS,
    MNIST_SHA256,
    MNIST_SHIPPED_DIR,
    load_mnist,
    load_mnist_test_images,
    mnist_cache_dir,
)
from .preprocessing import Standardizer, one_hot, standardize
from .toy import (
    FUNCTIONS_1D,
    make_1d_function,
    make_blobs,
    make_line,
    make_moons,
    make_spirals,
    make_xor,
)

__all__ = [
    # toy data sets
    "make_line",
    "make_1d_function",
    "FUNCTIONS_1D",
    "make_blobs",
    "make_xor",
    "make_moons",
    "make_spirals",
    # preparing data
    "train_val_split",
    "one_hot",
    "Standardizer",
    "standardize",
    "batches",
    "random_shift",
    # MNIST
    "read_idx",
    "MAGIC_IMAGES",
    "MAGIC_LABELS",
    "load_mnist",
    "load_mnist_test_images",
    "mnist_cache_dir",
    "MNIST_MIRRORS",
    "MNIST_SHA256",
    "MNIST_SHIPPED_DIR",
]
