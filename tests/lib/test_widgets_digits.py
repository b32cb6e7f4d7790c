"""Tests for the digit explorer (mlpkit.widgets.digits), without a browser.

``digit_probabilities`` is checked against independent oracles: the softmax of a
linear model's outputs computed here by hand, pixel positions worked out by
hand (and ``mlpkit.data.random_shift``'s convention), a single pixel growing
into a square; the real ``train.predict`` and ``functional.softmax`` run (spied
on). A small network trained on MNIST reads test digits and is thrown off by
a large shift. The widget is built in-process and driven by setting control
values, which runs the same observers a browser would.
"""
import numpy as np
import pytest
from matplotlib.figure import Figure
from widget_support import not_grading, spy  # noqa: F401 (not_grading: an autouse fixture)

from mlpkit import data, functional, losses, nn, optim, train, widgets
from mlpkit.widgets import digit_probabilities
from mlpkit.widgets import digits as digits_widget


def _linear_model(seed=0):
    return nn.Sequential(nn.Linear(784, 10, rng=seed))


def _dot(row, col):
    """An empty image (all -1) with one white pixel (1) at (row, col)."""
    image = np.full((28, 28), -1.0, dtype=np.float32)
    image[row, col] = 1.0
    return image


@pytest.fixture(scope="module")
def mnist_model():
    """A 784-32-10 network trained for two epochs on 10,000 MNIST images, and 200 test images."""
    (x, y), (x_test, y_test) = data.load_mnist()
    model = nn.Sequential(nn.Linear(784, 32, init="he_normal", rng=0), nn.ReLU(),
                          nn.Linear(32, 10, rng=1))
    opt = optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    train.fit(model, losses.CrossEntropyLoss(), opt, x[:10_000], y[:10_000], epochs=2,
              batch_size=128, rng=0, progress=False)
    return model, x_test[:200], y_test[:200]


def test_probabilities_are_the_softmax_of_the_real_model(monkeypatch):
    predicts = spy(monkeypatch, train, "predict")
    softmaxes = spy(monkeypatch, functional, "softmax")
    model = _linear_model()
    image = np.random.default_rng(2).uniform(-1, 1, size=784).astype(np.float32)
    probe = digit_probabilities(model, image)
    assert len(predicts) == 1 and len(softmaxes) == 1
    W = model[0].weight.data.astype(np.float64)
    z = W @ image.astype(np.float64) + model[0].bias.data
    expected = np.exp(z - z.max()) / np.exp(z - z.max()).sum()
    np.testing.assert_allclose(probe.probabilities, expected, rtol=1e-5)
    assert probe.probabilities.shape == (10,) and probe.probabilities.sum() == pytest.approx(1.0)
    assert probe.predicted == int(np.argmax(z))
    np.testing.assert_array_equal(probe.image, image.reshape(28, 28))   # no perturbation asked
    # a (28, 28) image gives the same
    again = digit_probabilities(model, image.reshape(28, 28))
    np.testing.assert_array_equal(again.probabilities, probe.probabilities)


def test_a_shift_moves_every_pixel_right_and_down():
    probe = digit_probabilities(_linear_model(), _dot(10, 12), shift=(3, -2))
    np.testing.assert_array_equal(probe.image, _dot(8, 15))     # 2 rows up, 3 columns right
    gone = digit_probabilities(_linear_model(), _dot(10, 26), shift=(2, 0))
    assert np.all(gone.image == -1.0)                          # pushed past the border
    # the convention of mlpkit.data.random_shift: its seed 7 draws (dx, dy) = ...
    x = np.random.default_rng(0).uniform(-1, 1, size=(1, 784))
    dx, dy = np.random.default_rng(7).integers(-3, 4, size=(2, 1))
    moved = data.random_shift(x, 3, rng=7)[0].reshape(28, 28)
    np.testing.assert_allclose(digits_widget.shifted(x[0].reshape(28, 28), int(dx[0]), int(dy[0])),
                               moved)


def test_strokes_grow_and_shrink_one_pixel_per_step():
    thick = digit_probabilities(_linear_model(), _dot(14, 14), width=1).image
    expected = np.full((28, 28), -1.0)
    expected[13:16, 13:16] = 1.0
    np.testing.assert_array_equal(thick, expected)
    thicker = digit_probabilities(_linear_model(), _dot(14, 14), width=2).image
    assert np.sum(thicker == 1.0) == 25
    thin = digit_probabilities(_linear_model(), expected, width=-1).image
    np.testing.assert_array_equal(thin, _dot(14, 14))


def test_the_eraser_wipes_its_part_of_the_frame_before_the_shift():
    image = np.random.default_rng(3).uniform(-1, 1, size=(28, 28)).astype(np.float32)
    top = digit_probabilities(_linear_model(), image, erase="top half").image
    assert np.all(top[:14] == -1.0)
    np.testing.assert_array_equal(top[14:], image[14:])
    band = digit_probabilities(_linear_model(), image, erase="middle band", shift=(0, 2)).image
    assert np.all(band[13:19] == -1.0) and np.all(band[:2] == -1.0)    # erased, then moved down 2
    np.testing.assert_array_equal(band[2:13], image[:11])
    with pytest.raises(ValueError, match="erase"):
        digit_probabilities(_linear_model(), image, erase="everything")


def test_noise_is_repeatable_per_seed_and_clipped():
    model, image = _linear_model(), _dot(5, 5)
    a = digit_probabilities(model, image, noise=0.8, rng=0)
    b = digit_probabilities(model, image, noise=0.8, rng=0)
    c = digit_probabilities(model, image, noise=0.8, rng=1)
    np.testing.assert_array_equal(a.image, b.image)
    assert not np.array_equal(a.image, c.image)
    assert a.image.min() >= -1.0 and a.image.max() <= 1.0 and a.image.dtype == np.float32
    assert np.std(a.image - image) > 0.2


def test_a_trained_network_reads_digits_and_a_large_shift_throws_it_off(mnist_model):
    model, x, y = mnist_model
    as_drawn = np.mean([digit_probabilities(model, image).predicted == label
                        for image, label in zip(x, y)])
    shifted = np.mean([digit_probabilities(model, image, shift=(6, 0)).predicted == label
                       for image, label in zip(x, y)])
    assert as_drawn >= 0.85 and shifted < as_drawn - 0.3, (as_drawn, shifted)


def test_explorer_controls_recompute_and_redraw(mnist_model, monkeypatch):
    model, x, y = mnist_model
    w = widgets.digit_explorer(model, x, y, index=3)
    probes = spy(monkeypatch, digits_widget, "digit_probabilities")
    assert f"true label is {y[3]}" in w.status.value and w.last_update_ms > 0
    before = w.image.value
    w.dx_slider.value = 4
    assert len(probes) == 1 and probes[-1][1]["shift"] == (4, 0)
    expected = digit_probabilities(model, x[3], shift=(4, 0)).image
    np.testing.assert_array_equal(w.result.image, expected)
    assert w.image.value != before
    w.noise_slider.value = 0.5
    w.width_slider.value = 1
    w.erase_menu.value = "top half"
    assert probes[-1][1] == {"shift": (4, 0), "noise": 0.5, "width": 1, "erase": "top half",
                             "rng": 0}
    w.index_slider.value = 7
    assert f"true label is {y[7]}" in w.status.value
    assert w.dx_slider.value == 4            # the perturbation stays while another image is picked
    # without labels the status names only the prediction
    unlabelled = widgets.digit_explorer(model, x)
    assert "true label" not in unlabelled.status.value and "predicted" in unlabelled.status.value


def test_nbgrader_creates_no_widgets(monkeypatch, capsys):
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    probes = spy(monkeypatch, digits_widget, "digit_probabilities")
    assert widgets.digit_explorer(_linear_model(), np.zeros((3, 784))) is None
    assert probes == []
    assert capsys.readouterr().out.strip() == widgets._base.SKIP_MESSAGE


def test_static_figure_shows_representative_perturbations(mnist_model):
    model, x, y = mnist_model
    fig = widgets.digit_explorer(model, x, y, index=0, static=True)
    assert isinstance(fig, Figure) and fig._repr_png_()[:4] == b"\x89PNG"
    n = len(digits_widget.STATIC_SETTINGS)
    assert len(fig.axes) == 2 * n
    pictures, bars = fig.axes[:n], fig.axes[n:]
    titles = [ax.get_title() for ax in pictures]
    assert "as drawn" in titles[0] and any("shifted" in t for t in titles)
    assert all("predicted" in t for t in titles)
    for ax in bars:
        assert ax.get_xlabel() == "class (digit)" and len(ax.patches) == 10
    assert bars[0].get_ylabel() == "probability"
    assert f"true label {y[0]}" in fig._suptitle.get_text()


def test_invalid_arguments_raise_clear_errors():
    model = _linear_model()
    with pytest.raises(ValueError, match="image must have shape"):
        digit_probabilities(model, np.zeros(100))
    with pytest.raises(TypeError, match="shift must be a pair"):
        digit_probabilities(model, np.zeros(784), shift=3)
    with pytest.raises(ValueError, match="noise must be >= 0"):
        digit_probabilities(model, np.zeros(784), noise=-0.1)
    with pytest.raises(ValueError, match="width must be <= 3"):
        digit_probabilities(model, np.zeros(784), width=5)
    with pytest.raises(ValueError, match="y must have shape"):
        widgets.digit_explorer(model, np.zeros((3, 784)), np.zeros(2, dtype=int))
    with pytest.raises(ValueError, match="index must be <= 2"):
        widgets.digit_explorer(model, np.zeros((3, 784)), index=3)
    with pytest.raises(TypeError, match="int seed"):
        widgets.digit_explorer(model, np.zeros((3, 784)), rng=np.random.default_rng(0))
