"""Preparing data: one-hot labels, and features rescaled to zero mean and unit variance."""
from __future__ import annotations

import numpy as np

from .._validation import as_float_array, as_labels, check_int, check_positive
from ._checks import float_dtype

__all__ = ["one_hot", "Standardizer", "standardize"]


def one_hot(y, num_classes=None, *, dtype=np.float32):
    """One-hot encode integer class labels: row i is all zeros except a 1 in column y[i].

    Parameters
    ----------
    y : array_like of int, shape (B,)
        Class labels in 0..C-1.
    num_classes : int, optional
        Number of classes C; default ``y.max() + 1`` (give it explicitly when a
        batch might miss the last classes).
    dtype : floating dtype
        dtype of the result.

    Returns
    -------
    ndarray, shape (B, C)
        The one-hot matrix; every row sums to 1.

    Examples
    --------
    >>> one_hot([2, 0], num_classes=3)
    array([[0., 0., 1.],
           [1., 0., 0.]], dtype=float32)
    """
    if num_classes is not None:
        num_classes = check_int("num_classes", num_classes)
    labels = as_labels(y, "y", num_classes=num_classes)
    dt = float_dtype(dtype)
    if num_classes is None:
        if labels.size == 0:
            raise ValueError("num_classes must be given when y is empty "
                             "(there is no largest label to infer it from)")
        num_classes = int(labels.max()) + 1
    out = np.zeros((labels.shape[0], num_classes), dtype=dt)
    out[np.arange(labels.shape[0]), labels] = 1
    return out


def _mean_std(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-feature mean and population std of x (B, D), accumulated in float64 by chunks."""
    b, d = x.shape
    chunk = max(1, (1 << 20) // max(d, 1))
    total = np.zeros(d)
    for start in range(0, b, chunk):
        total += x[start:start + chunk].sum(axis=0, dtype=np.float64)
    mean = total / b
    squares = np.zeros(d)
    for start in range(0, b, chunk):
        dev = x[start:start + chunk].astype(np.float64) - mean
        squares += np.einsum("ij,ij->j", dev, dev)
    return mean, np.sqrt(squares / b)


class Standardizer:
    """Rescale every feature to zero mean and unit variance: (x - mean) / std.

    Fit it on the training set only, then apply the same mean and std to the
    validation and test sets (unit 07, input normalisation)::

        scaler = Standardizer().fit(x_train)
        x_train, x_val = scaler.transform(x_train), scaler.transform(x_val)

    **Constant features.** A feature whose standard deviation on the training
    set is below ``eps`` (for example MNIST's always-blank corner pixels) would
    be divided by zero. Its std is taken to be 1 instead, so it is only
    centred: it becomes 0 on the training set, and never NaN or infinite.

    Parameters
    ----------
    eps : float
        Threshold below which a feature's std counts as zero (> 0; default 1e-8).

    Attributes
    ----------
    mean : ndarray of float64, shape (D,)
        Per-feature mean of the training set (None before ``fit``).
    std : ndarray of float64, shape (D,)
        Per-feature population standard deviation (ddof=0), with 1 in place of
        the std of constant features (None before ``fit``).
    constant : ndarray of bool, shape (D,)
        Which features were constant (std < eps).
    """

    def __init__(self, eps=1e-8):
        self.eps = check_positive("eps", eps)
        self.mean = None
        self.std = None
        self.constant = None

    def fit(self, x):
        """Compute the per-feature mean and std of x, shape (B, D); returns self."""
        x = as_float_array(x, "x", ndim=2)
        if x.shape[0] == 0:
            raise ValueError("x must hold at least one example to fit a Standardizer, "
                             f"got shape {x.shape}")
        mean, std = _mean_std(x)
        self.constant = std < self.eps
        self.mean = mean
        self.std = np.where(self.constant, 1.0, std)
        return self

    def _check_fitted(self, x, name):
        if self.mean is None:
            raise ValueError("this Standardizer is not fitted yet: call fit(x_train) first")
        return as_float_array(x, name, ndim=2, features=self.mean.shape[0])

    def transform(self, x):
        """Return (x - mean) / std, shape (B, D), in x's float dtype (x is not modified)."""
        x = self._check_fitted(x, "x")
        return (x - self.mean.astype(x.dtype)) / self.std.astype(x.dtype)

    def fit_transform(self, x):
        """``fit(x)`` then ``transform(x)``."""
        return self.fit(x).transform(x)

    def inverse_transform(self, z):
        """Undo ``transform``: return z * std + mean, shape (B, D)."""
        z = self._check_fitted(z, "z")
        return z * self.std.astype(z.dtype) + self.mean.astype(z.dtype)

    def __repr__(self):
        if self.mean is None:
            return f"Standardizer(eps={self.eps:g}, not fitted)"
        return (f"Standardizer(features={self.mean.shape[0]}, "
                f"constant features={int(self.constant.sum())})")


def standardize(x_train, *others, eps=1e-8):
    """Standardize ``x_train`` and any other sets with the mean and std of ``x_train``.

    A shortcut for ``Standardizer(eps).fit(x_train)`` followed by ``transform``
    of every argument (see :class:`Standardizer` for the constant-feature rule)::

        x_train, x_val, x_test = standardize(x_train, x_val, x_test)

    Returns
    -------
    ndarray or tuple of ndarray
        The standardized ``x_train`` alone when it is the only argument,
        otherwise a tuple with one array per argument, in order.
    """
    scaler = Standardizer(eps).fit(x_train)
    if not others:
        return scaler.transform(x_train)
    return tuple(scaler.transform(a) for a in (x_train, *others))
