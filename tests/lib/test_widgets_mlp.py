"""Tests for the MLP playground (mlpkit.widgets.mlp), without a browser.

``run_mlp`` is checked on behaviour: it trains with the real library parts
(spied on), fits the moons with a non-linear activation, stays linear with the
identity, reports a blow-up, and repeats itself for the same seed. The widget
is built in-process and driven by setting control values, which runs the same
observers a browser would.
"""
import numpy as np
import pytest
from matplotlib.figure import Figure

from mlpkit import functional, train, widgets
from mlpkit.widgets import mlp as mlp_widget
from mlpkit.widgets import run_mlp
from widget_support import not_grading, spy  # noqa: F401 (not_grading: an autouse fixture)


def test_run_mlp_trains_with_the_real_train_step(monkeypatch):
    calls = spy(monkeypatch, train, "train_step")
    run = run_mlp(hidden=16, lr=0.3, activation="tanh", steps=300, rng=0)
    assert len(calls) == 300 == len(run.losses)
    assert not run.diverged
    assert run.accuracies[-1] >= 0.95, run
    assert run.losses[-1] < 0.5 * run.losses[0]
    # snapshots from step 0 to the last step, one predicted class per grid point
    assert run.frame_steps[0] == 0 and run.frame_steps[-1] == 300
    assert run.regions.shape == (len(run.frame_steps), mlp_widget.GRID, mlp_widget.GRID)
    assert set(np.unique(run.regions)) <= {0, 1}
    assert "accuracy" in run.message


def test_the_first_loss_is_the_cross_entropy_of_the_untrained_model():
    run = run_mlp(hidden=4, lr=0.1, steps=1, rng=3)
    gen = np.random.default_rng(3)                     # the same data and start, rebuilt
    make, kwargs = mlp_widget.DATASETS["moons"]
    x, y = make(200, rng=gen, dtype=np.float64, **kwargs)
    model = mlp_widget._model(4, "tanh", 2, gen)
    expected, _ = functional.cross_entropy_loss(model(x), y)
    np.testing.assert_allclose(run.losses[0], expected, rtol=1e-12)
    np.testing.assert_array_equal(run.x, x)


def test_identity_activation_keeps_the_boundary_straight():
    # without a non-linearity the network is affine: a straight boundary cannot fit the moons
    linear = run_mlp(hidden=16, lr=0.3, activation="identity", steps=300, rng=0)
    curved = run_mlp(hidden=16, lr=0.3, activation="tanh", steps=300, rng=0)
    assert linear.accuracies[-1] < 0.9 < curved.accuracies[-1]
    assert "affine" in linear.message


def test_every_activation_in_the_registry_runs_and_spirals_have_three_classes():
    for name in functional.ACTIVATIONS:
        run = run_mlp(hidden=4, lr=0.1, activation=name, steps=20, dataset="spirals", n=90)
        assert run.num_classes == 3 and np.isfinite(run.losses).all(), name


def test_divergence_is_reported_and_same_seed_repeats():
    bad = run_mlp(hidden=16, lr=50.0, activation="relu", steps=300, rng=0)
    assert bad.diverged and len(bad.losses) < 300
    assert "diverges" in bad.message
    a, b = run_mlp(hidden=6, lr=0.2, steps=30, rng=5), run_mlp(hidden=6, lr=0.2, steps=30, rng=5)
    np.testing.assert_array_equal(a.losses, b.losses)
    np.testing.assert_array_equal(a.regions, b.regions)


def test_invalid_arguments_raise_clear_errors():
    with pytest.raises(ValueError, match="activation"):
        run_mlp(activation="relux")
    with pytest.raises(ValueError, match="dataset"):
        run_mlp(dataset="circles")
    with pytest.raises(ValueError, match="hidden"):
        run_mlp(hidden=0)
    with pytest.raises(ValueError, match="lr"):
        run_mlp(lr=-1.0)
    with pytest.raises(TypeError, match="int seed"):
        widgets.mlp_playground(rng=np.random.default_rng(0))


def test_playground_controls_retrain_and_redraw(monkeypatch):
    w = widgets.mlp_playground(steps=60)
    runs = spy(monkeypatch, mlp_widget, "run_mlp")
    assert list(w.activation_menu.options) == list(functional.ACTIVATIONS)
    assert w.lr_slider.__class__.__name__ == "FloatLogSlider"
    before = w.image.value
    w.activation_menu.value = "identity"
    assert len(runs) == 1 and runs[-1][0][2] == "identity"
    assert w.result.activation == "identity" and w.image.value != before
    w.width_slider.value = 16
    assert runs[-1][0][0] == 16 and w.result.hidden == 16
    w.lr_slider.value = 0.05
    assert w.result.lr == pytest.approx(0.05)
    w.dataset_menu.value = "spirals"
    assert w.result.num_classes == 3
    # the replay shows another snapshot without retraining
    n_runs, shown = len(runs), w.image.value
    w.frame_slider.value = 0
    assert len(runs) == n_runs and w.image.value != shown
    assert w.last_update_ms > 0


def test_nbgrader_creates_no_widgets(monkeypatch, capsys):
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    runs = spy(monkeypatch, mlp_widget, "run_mlp")
    assert widgets.mlp_playground() is None
    assert runs == []
    assert capsys.readouterr().out.strip() == widgets._base.SKIP_MESSAGE


def test_static_figure_shows_representative_settings():
    fig = widgets.mlp_playground(steps=50, static=True)
    assert isinstance(fig, Figure)
    assert fig._repr_png_()[:4] == b"\x89PNG"
    *regions, loss = fig.axes
    # the identity activation, 2 hidden units, and the given settings
    titles = [ax.get_title() for ax in regions]
    assert len(regions) == 3
    assert "identity" in titles[0]
    assert "2-2-2 MLP, tanh" in titles[1] and "2-8-2 MLP, tanh" in titles[2]
    for ax in regions:
        assert ax.get_xlabel() and ax.get_ylabel() and "accuracy" in ax.get_title()
    assert regions[0].get_legend() is not None
    assert "log scale" in loss.get_ylabel() and loss.get_xlabel() == "step t"
    assert len(loss.get_legend().get_texts()) == 3
    # settings that coincide with a representative one are drawn once
    fig = widgets.mlp_playground(hidden=2, activation="tanh", steps=20, static=True)
    assert len(fig.axes) == 3
