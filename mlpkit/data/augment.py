"""Data augmentation: new training images made from the old ones.

A digit moved by a pixel or two is still the same digit, but to an MLP (which
sees 784 unrelated numbers, not a picture) it is a new input. Showing the
network randomly shifted copies during training teaches it that small shifts
do not matter. Use it in :func:`mlpkit.train.fit`, which shifts every
training mini-batch afresh (never the validation data)::

    history = train.fit(model, loss_fn, opt, x_train, y_train, epochs=20,
                        augment=data.random_shift, rng=0)
"""
from __future__ import annotations

import numpy as np

from .._validation import _check_real, as_float_array, check_int, check_rng, describe

__all__ = ["random_shift"]


def random_shift(x, max_shift=2, *, rng=None, fill=-1.0, image_shape=(28, 28)):
    """Shift each image by its own random whole number of pixels.

    Image k moves dx_k pixels right and dy_k pixels down (negative: left,
    up), dx_k and dy_k drawn uniformly from {-max_shift, ..., max_shift}:

        out[k, r, c] = x[k, r - dy_k, c - dx_k]   (``fill`` where that is outside the image)

    Pixels pushed past the border are lost; the vacated ones get ``fill``
    (-1.0, the background of :func:`load_mnist`'s images in [-1, 1]).

    Parameters
    ----------
    x : array_like, shape (N, H * W) or (N, H, W)
        N images, flattened (as :func:`load_mnist` gives them) or not.
    max_shift : int
        The largest shift in each direction, >= 0 (0 returns a copy).
    rng : None, int or numpy.random.Generator
        Source of the shifts: ``dx, dy = rng.integers(-max_shift, max_shift + 1,
        size=(2, N))``.
    fill : float
        The value of the vacated pixels.
    image_shape : tuple (H, W)
        The shape of one image.

    Returns
    -------
    np.ndarray
        A new array of the shape and (floating) dtype of ``x``; ``x`` is not modified.

    Examples
    --------
    >>> x = np.zeros((1, 3, 3)); x[0, 1, 1] = 1.0
    >>> random_shift(x, 1, rng=0, fill=0.0, image_shape=(3, 3))[0]    # dx = 1, dy = 0
    array([[0., 0., 0.],
           [0., 0., 1.],
           [0., 0., 0.]])
    """
    x = as_float_array(x, "x", ndim=(2, 3))
    height, width = _check_image_shape(image_shape)
    if x.shape[1:] not in ((height * width,), (height, width)):
        raise ValueError(f"x must have shape (N, {height * width}) or (N, {height}, {width}) "
                         f"for images of image_shape={image_shape}, got shape {x.shape}")
    s = check_int("max_shift", max_shift, minimum=0)
    fill = _check_real("fill", fill)
    n = x.shape[0]
    dx, dy = check_rng(rng).integers(-s, s + 1, size=(2, n))

    # One slice copy per distinct shift (at most (2s + 1)^2 of them) moves every image
    # with that shift at once: out[k, r, c] = x[k, r - dy, c - dx] inside the image.
    images = x.reshape(n, height, width)
    out = np.full((n, height, width), fill, dtype=x.dtype)
    for shift_x, shift_y in sorted(set(zip(dx.tolist(), dy.tolist()))):
        k = (dx == shift_x) & (dy == shift_y)
        (to_rows, from_rows), (to_cols, from_cols) = _moved(shift_y, height), _moved(shift_x, width)
        out[k, to_rows, to_cols] = images[k, from_rows, from_cols]
    return out.reshape(x.shape)


def _moved(shift: int, size: int) -> tuple[slice, slice]:
    """(destination, source) slices of one axis of length ``size`` moved by ``shift``."""
    if shift >= 0:
        return slice(shift, size), slice(0, max(size - shift, 0))
    return slice(0, max(size + shift, 0)), slice(-shift, size)


def _check_image_shape(image_shape) -> tuple[int, int]:
    if not isinstance(image_shape, (tuple, list)) or len(image_shape) != 2:
        raise TypeError(f"image_shape must be a pair (H, W), got {describe(image_shape)}")
    return (check_int("image_shape[0]", image_shape[0]),
            check_int("image_shape[1]", image_shape[1]))
