"""Tests for mlpkit.plot: every helper draws a labelled figure and returns its axes."""
import matplotlib

matplotlib.use("Agg")          # no display needed; must come before pyplot is imported

import matplotlib.colors as mcolors  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from mlpkit import functional as F  # noqa: E402
from mlpkit import nn, plot  # noqa: E402
from mlpkit.train import History  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def labelled(ax, *, xlabel=True, ylabel=True):
    assert ax.get_title().strip(), "every figure needs a title"
    if xlabel:
        assert ax.get_xlabel().strip(), "the x-axis needs a label"
    if ylabel:
        assert ax.get_ylabel().strip(), "the y-axis needs a label"


def made_new_figure(call):
    before = set(plt.get_fignums())
    ax = call(None)
    assert set(plt.get_fignums()) - before, "ax=None must create a new figure"
    return ax


def draws_on_given_ax(call):
    fig, ax = plt.subplots()
    before = plt.get_fignums()
    assert call(ax) is ax
    assert plt.get_fignums() == before
    return ax


def history(with_val=True):
    h = History(has_accuracy=True, has_validation=with_val)
    h.loss[:] = [1.0, 0.6, 0.4, 0.3]
    h.accuracy[:] = [0.5, 0.7, 0.8, 0.85]
    if with_val:
        h.val_loss[:] = [1.1, 0.7, 0.5, 0.55]
        h.val_accuracy[:] = [0.45, 0.65, 0.8, 0.78]
        h.best_epoch = 3
    h.batch_loss[:] = list(np.linspace(1.0, 0.3, 200) + 0.05 * np.sin(np.arange(200)))
    return h


def two_class_model():
    return nn.Sequential(nn.Linear(2, 8, rng=0), nn.Tanh(), nn.Linear(8, 2, rng=1))


def blobs(n=40):
    gen = np.random.default_rng(0)
    y = np.arange(n) % 2
    x = (np.array([[-1.0, 0.0], [1.0, 0.0]])[y] + 0.4 * gen.standard_normal((n, 2)))
    return x.astype(np.float32), y


# ---------------------------------------------------------------- learning curves

@pytest.mark.parametrize("metric", ["loss", "accuracy", "batch_loss"])
def test_learning_curves(metric):
    h = history()
    ax = made_new_figure(lambda ax: plot.learning_curves(h, ax=ax, metric=metric))
    labelled(ax)
    assert ax.get_legend() is not None
    ax = draws_on_given_ax(lambda ax: plot.learning_curves(h, ax=ax, metric=metric))
    labelled(ax)


def test_learning_curves_plots_training_and_validation_per_epoch():
    ax = plot.learning_curves(history())
    lines = {line.get_label(): line for line in ax.get_lines()}
    np.testing.assert_array_equal(lines["training"].get_xdata(), [1, 2, 3, 4])
    np.testing.assert_array_equal(lines["training"].get_ydata(), [1.0, 0.6, 0.4, 0.3])
    np.testing.assert_array_equal(lines["validation"].get_ydata(), [1.1, 0.7, 0.5, 0.55])
    assert any(label.startswith("best epoch (3)") for label in lines)
    assert "epoch" in ax.get_xlabel()


def test_learning_curves_accepts_a_dict_and_compares_runs():
    fig, ax = plt.subplots()
    plot.learning_curves({"loss": [3, 2, 1]}, ax=ax, label="SGD", color=plot.COLORS[0])
    plot.learning_curves({"loss": [3, 1, 0.5]}, ax=ax, label="Adam", color=plot.COLORS[1])
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["SGD: training", "Adam: training"]


def test_learning_curves_rejects_unknown_metric():
    with pytest.raises(ValueError, match="metric must be one of"):
        plot.learning_curves(history(), metric="f1")
    with pytest.raises(ValueError, match="no 'accuracy'"):
        plot.learning_curves({"loss": [1, 2]}, metric="accuracy")


# ---------------------------------------------------------------- decision boundary

def test_decision_boundary_with_a_model():
    x, y = blobs()
    model = two_class_model()
    model.train()
    ax = made_new_figure(lambda ax: plot.decision_boundary(model, x, y, ax=ax, resolution=30))
    labelled(ax)
    assert ax.get_legend() is not None
    assert model.training is True          # predicted in eval mode, mode given back
    draws_on_given_ax(lambda ax: plot.decision_boundary(model, x, y, ax=ax, resolution=30))


def test_decision_boundary_with_a_probability_function_and_one_hot_labels():
    x, y = blobs()

    def prob(points):       # p(class 1) = sigmoid(3 x1), shape (K, 1)
        return 1 / (1 + np.exp(-3 * points[:, :1]))

    ax = plot.decision_boundary(prob, x, np.eye(2)[y], resolution=25)
    labelled(ax)
    # a colour bar for the probability was added next to the axes
    assert len(ax.figure.axes) == 2
    ax = plot.decision_boundary(lambda p: 3 * p[:, 0], x, y, resolution=25)   # logits (K,)
    labelled(ax)


def test_decision_boundary_rejects_3d_inputs():
    with pytest.raises(ValueError, match="2 features"):
        plot.decision_boundary(lambda p: p, np.zeros((5, 3)), np.zeros(5, dtype=int))


# ---------------------------------------------------------------- 1-D fit

def test_fit_1d_data_curve_and_residuals():
    gen = np.random.default_rng(0)
    x = np.linspace(-1, 1, 20)
    y = 2 * x + 0.1 * gen.standard_normal(20)
    ax = made_new_figure(lambda ax: plot.fit_1d(x, y, ax=ax))
    labelled(ax)
    ax = draws_on_given_ax(lambda ax: plot.fit_1d(x[:, None], y[:, None], lambda t: 2 * t,
                                                  ax=ax, residuals=True))
    labelled(ax)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels[0] == "data" and any("residual" in s for s in labels)
    assert "MSE" in ax.get_title()
    with pytest.raises(ValueError, match="residuals"):
        plot.fit_1d(x, y, residuals=True)


def test_fit_1d_with_a_model():
    model = nn.Linear(1, 1, rng=0)
    ax = plot.fit_1d(np.linspace(0, 1, 10), np.linspace(0, 1, 10), model, residuals=True)
    labelled(ax)


# ---------------------------------------------------------------- loss contour

def quadratic_point(w):          # takes one point w of shape (2,) only
    return float(0.5 * (w[0] ** 2 + 10 * w[1] ** 2)), np.array([w[0], 10 * w[1]])


def test_loss_contour_with_paths():
    paths = {"SGD": np.array([[-2.0, 1.0], [-1.0, 0.5], [-0.5, 0.1]]),
             "momentum": np.array([[-2.0, 1.0], [-0.5, -0.2], [0.1, 0.0]])}
    ax = made_new_figure(lambda ax: plot.loss_contour(quadratic_point, (-3, 3), (-2, 2),
                                                      paths=paths, ax=ax, resolution=25,
                                                      minimum=(0, 0)))
    labelled(ax)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels[0].startswith("SGD") and labels[1].startswith("momentum")
    assert any("start" in s for s in labels) and any("end" in s for s in labels)
    draws_on_given_ax(lambda ax: plot.loss_contour(
        lambda w: (w ** 2).sum(axis=-1), (-1, 1), (-1, 1), ax=ax, log_levels=False, levels=8))


def test_loss_contour_evaluates_vectorised_and_pointwise_functions_alike():
    from mlpkit.plot import _loss_grid
    g1, g2 = np.meshgrid(np.linspace(-1, 1, 7), np.linspace(-2, 2, 5))
    want = 0.5 * (g1 ** 2 + 10 * g2 ** 2)
    np.testing.assert_allclose(_loss_grid(quadratic_point, g1, g2), want)
    np.testing.assert_allclose(
        _loss_grid(lambda w: 0.5 * (w[..., 0] ** 2 + 10 * w[..., 1] ** 2), g1, g2), want)


def test_loss_contour_survives_a_diverging_path():
    path = np.array([[1.0, 1.0], [5.0, -5.0], [np.inf, np.nan]])
    ax = plot.loss_contour(quadratic_point, (-2, 2), (-2, 2), paths={"lr too large": path},
                           resolution=20)
    labelled(ax)


# ---------------------------------------------------------------- image grid

def test_image_grid_colours_wrong_predictions_red():
    gen = np.random.default_rng(0)
    images = gen.uniform(-1, 1, size=(6, 784)).astype(np.float32)
    labels = np.array([0, 1, 2, 3, 4, 5])
    predictions = np.array([0, 1, 7, 3, 4, 9])
    ax = made_new_figure(lambda ax: plot.image_grid(images, labels, predictions, ax=ax, ncols=3))
    assert ax.get_title().strip()
    texts = ax.texts
    assert len(texts) == 6
    red = [t for t in texts if mcolors.same_color(t.get_color(), plot.WRONG_COLOR)]
    assert sorted(t.get_text() for t in red) == ["7 (2)", "9 (5)"]
    assert all(mcolors.same_color(t.get_color(), "black") for t in texts if t not in red)
    assert "2 of 6 wrong" in ax.get_title()
    # one mosaic in one axes
    assert len(ax.images) == 1


def test_image_grid_accepts_28x28_images_and_labels_only():
    images = np.zeros((3, 28, 28))
    ax = draws_on_given_ax(lambda ax: plot.image_grid(images, labels=[1, 2, 3], ax=ax))
    assert [t.get_text() for t in ax.texts] == ["1", "2", "3"]
    assert ax.get_title().strip()
    ax = plot.image_grid(np.zeros((4, 16)))           # 4x4 images, no text
    assert not ax.texts and ax.get_title().strip()
    with pytest.raises(ValueError, match="square"):
        plot.image_grid(np.zeros((2, 10)))
    with pytest.raises(ValueError, match="one entry per image"):
        plot.image_grid(images, labels=[1, 2])


# ---------------------------------------------------------------- confusion matrix

def test_confusion_matrix_counts_and_annotations():
    y_true = np.array([0, 0, 1, 1, 1, 2])
    y_pred = np.array([0, 1, 1, 1, 2, 2])
    ax = made_new_figure(lambda ax: plot.confusion_matrix(y_true, y_pred, ax=ax))
    labelled(ax)
    cells = [t.get_text() for t in ax.texts]
    assert cells == ["1", "1", "0", "0", "2", "1", "0", "0", "1"]   # row i = true class i
    assert "predicted" in ax.get_xlabel() and "true" in ax.get_ylabel()
    ax = draws_on_given_ax(lambda ax: plot.confusion_matrix(y_true, y_pred, num_classes=4,
                                                            ax=ax, normalize=True))
    cells = [t.get_text() for t in ax.texts]
    assert len(cells) == 16
    assert cells[:4] == ["0.50", "0.50", "0.00", "0.00"]
    assert cells[4:8] == ["0.00", "0.67", "0.33", "0.00"]
    assert cells[12:] == ["0.00"] * 4      # a class with no examples: zeros, not nan


def test_confusion_matrix_accepts_scores_and_rejects_bad_input():
    scores = np.eye(3)[[0, 2, 1]]
    ax = plot.confusion_matrix([0, 1, 1], scores)
    assert [t.get_text() for t in ax.texts][:3] == ["1", "0", "0"]
    with pytest.raises(ValueError, match="same number"):
        plot.confusion_matrix([0, 1], [0])
    with pytest.raises(ValueError, match="num_classes"):
        plot.confusion_matrix([0, 5], [0, 1], num_classes=3)
    with pytest.raises(ValueError, match="normalize"):
        plot.confusion_matrix([0, 1], [0, 1], normalize="rows")


# ---------------------------------------------------------------- activations

@pytest.mark.parametrize("name", F.ACTIVATIONS)
def test_activation_by_name(name):
    ax = made_new_figure(lambda ax: plot.activation(name, ax=ax))
    labelled(ax)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [r"$\phi(z)$", r"$\phi'(z)$"]


def test_activation_curves_are_phi_and_its_derivative():
    ax = plot.activation("relu", zlim=(-2, 2), num=5)
    phi, dphi = [line for line in ax.get_lines() if line.get_label().startswith("$")]
    np.testing.assert_array_equal(phi.get_xdata(), [-2, -1, 0, 1, 2])
    np.testing.assert_array_equal(phi.get_ydata(), [0, 0, 0, 1, 2])
    np.testing.assert_array_equal(dphi.get_ydata()[[0, 1, 3, 4]], [0, 0, 1, 1])


def test_activation_from_a_function_uses_central_differences():
    ax = draws_on_given_ax(lambda ax: plot.activation(np.sin, ax=ax, zlim=(-1, 1), num=11))
    labelled(ax)
    phi, dphi = [line for line in ax.get_lines() if line.get_label().startswith("$")]
    np.testing.assert_allclose(dphi.get_ydata(), np.cos(phi.get_xdata()), atol=1e-8)
    ax = plot.activation("leaky_relu", derivative=False, alpha=0.2)
    assert "alpha=0.2" in ax.get_title()
    assert len([line for line in ax.get_lines() if line.get_label().startswith("$")]) == 1
    with pytest.raises(ValueError, match="name must be one of"):
        plot.activation("relu6")


def test_plot_never_calls_show(monkeypatch):
    monkeypatch.setattr(plt, "show", lambda *a, **k: pytest.fail("plt.show() was called"))
    plot.learning_curves(history())
    plot.activation("tanh")
    plot.confusion_matrix([0, 1], [1, 1])
