"""Tests for mlpkit.data.random_shift against a pixel-by-pixel reference written by hand."""
import numpy as np
import pytest

from mlpkit import data
from mlpkit.data import random_shift


def shift_by_hand(image, dx, dy, fill):
    """One image (H, W) moved dx pixels right and dy pixels down, loop by loop."""
    height, width = image.shape
    out = np.full_like(image, fill)
    for r in range(height):
        for c in range(width):
            if 0 <= r - dy < height and 0 <= c - dx < width:
                out[r, c] = image[r - dy, c - dx]
    return out


def documented_shifts(seed, n, max_shift):
    """The shifts the docstring promises: dx, dy = rng.integers(-s, s + 1, size=(2, N))."""
    return np.random.default_rng(seed).integers(-max_shift, max_shift + 1, size=(2, n))


def one_hot_images(n, seed=0, shape=(28, 28), margin=3):
    """n images of zeros with a single 1 at a random pixel at least ``margin`` from the border."""
    gen = np.random.default_rng(seed)
    rows = gen.integers(margin, shape[0] - margin, size=n)
    cols = gen.integers(margin, shape[1] - margin, size=n)
    images = np.zeros((n, *shape), dtype=np.float32)
    images[np.arange(n), rows, cols] = 1.0
    return images, rows, cols


def test_a_one_pixel_image_moves_its_pixel_by_exactly_dx_dy():
    images, rows, cols = one_hot_images(6)
    shifted = random_shift(images, 2, rng=7, fill=0.0)
    dx, dy = documented_shifts(7, 6, 2)
    for k in range(6):
        assert np.count_nonzero(shifted[k]) == 1
        r, c = np.argwhere(shifted[k] == 1.0)[0]
        assert (r - rows[k], c - cols[k]) == (dy[k], dx[k])
        np.testing.assert_array_equal(shifted[k], shift_by_hand(images[k], dx[k], dy[k], 0.0))


def test_digits_equal_the_hand_written_reference_flat_and_square():
    gen = np.random.default_rng(1)
    x = gen.uniform(-1, 1, size=(5, 784)).astype(np.float32)
    dx, dy = documented_shifts(3, 5, 3)
    expected = np.stack([shift_by_hand(x[k].reshape(28, 28), dx[k], dy[k], -1.0)
                         for k in range(5)])
    flat = random_shift(x, 3, rng=3)
    assert flat.shape == (5, 784) and flat.dtype == np.float32
    np.testing.assert_array_equal(flat.reshape(5, 28, 28), expected)
    square = random_shift(x.reshape(5, 28, 28), 3, rng=3)
    assert square.shape == (5, 28, 28)
    np.testing.assert_array_equal(square, expected)


def test_images_of_another_shape_and_float64():
    x = np.arange(2 * 15, dtype=np.float64).reshape(2, 15)      # two 3 x 5 images
    dx, dy = documented_shifts(0, 2, 1)
    out = random_shift(x, 1, rng=0, fill=9.5, image_shape=(3, 5))
    assert out.dtype == np.float64
    for k in range(2):
        np.testing.assert_array_equal(
            out[k].reshape(3, 5), shift_by_hand(x[k].reshape(3, 5), dx[k], dy[k], 9.5))


def test_each_image_gets_its_own_shift_and_every_shift_occurs():
    images, rows, cols = one_hot_images(400, seed=2)
    shifted = random_shift(images, 2, rng=0, fill=0.0)
    r, c = np.nonzero(shifted)[1:]          # one pixel per image, in image order
    moves = set(zip((r - rows).tolist(), (c - cols).tolist()))
    assert moves == {(a, b) for a in range(-2, 3) for b in range(-2, 3)}


def test_vacated_pixels_get_the_fill_value():
    x = np.ones((50, 784), dtype=np.float32)
    dx, dy = documented_shifts(4, 50, 2)
    out = random_shift(x, 2, rng=4, fill=-1.0)
    filled = np.count_nonzero(out == -1.0, axis=1)
    np.testing.assert_array_equal(filled, 784 - (28 - np.abs(dy)) * (28 - np.abs(dx)))
    assert set(np.unique(out)) <= {-1.0, 1.0}


def test_the_input_is_unchanged_and_the_result_is_new():
    x = np.random.default_rng(0).uniform(-1, 1, size=(4, 28, 28))
    before = x.copy()
    out = random_shift(x, 2, rng=0)
    np.testing.assert_array_equal(x, before)
    assert not np.shares_memory(out, x)


def test_max_shift_zero_is_the_identity():
    x = np.random.default_rng(0).uniform(-1, 1, size=(3, 784)).astype(np.float32)
    out = random_shift(x, 0, rng=0)
    np.testing.assert_array_equal(out, x)
    assert not np.shares_memory(out, x)


def test_a_seed_repeats_a_generator_moves_on():
    x = np.random.default_rng(0).uniform(-1, 1, size=(20, 784))
    np.testing.assert_array_equal(random_shift(x, rng=5), random_shift(x, rng=5))
    gen = np.random.default_rng(5)
    assert not np.array_equal(random_shift(x, rng=gen), random_shift(x, rng=gen))


def test_exported_from_mlpkit_data():
    assert data.random_shift is random_shift and "random_shift" in data.__all__


@pytest.mark.parametrize("kwargs, error, pattern", [
    ({"x": np.zeros((2, 100))}, ValueError, r"x must have shape \(N, 784\) or \(N, 28, 28\)"),
    ({"x": np.zeros(784)}, ValueError, "x must be a 2 or 3-D array"),
    ({"x": np.zeros((2, 784)), "max_shift": -1}, ValueError, "max_shift must be >= 0"),
    ({"x": np.zeros((2, 784)), "max_shift": 1.5}, TypeError, "max_shift must be an integer"),
    ({"x": np.zeros((2, 784)), "fill": np.nan}, ValueError, "fill must be finite"),
    ({"x": np.zeros((2, 784)), "rng": "seed"}, TypeError, "rng must be"),
    ({"x": np.zeros((2, 784)), "image_shape": 28}, TypeError, r"image_shape must be a pair"),
    ({"x": np.zeros((2, 784)), "image_shape": (0, 28)}, ValueError, r"image_shape\[0\] must be"),
])
def test_bad_arguments_are_named(kwargs, error, pattern):
    with pytest.raises(error, match=pattern):
        random_shift(**kwargs)
