"""Tests for mlpkit.widgets.classification (unit 04's logistic regression), without a browser.

``run_logistic`` is checked against an independent full-batch gradient descent
on the binary cross-entropy written here in NumPy, against the theory of its
safe learning rate, and for calling mlpkit's real training step; the widget is
built in-process and driven by setting its controls, which runs the same
observers a browser would.
"""
import math

import numpy as np
import pytest

from mlpkit import losses, train, widgets
from mlpkit.widgets import classification, logistic_regression, run_logistic
from widget_support import not_grading, spy  # noqa: F401 (not_grading: an autouse fixture)


def _reference_descent(x, y, lr, steps):
    """Full-batch gradient descent on the mean BCE from w = 0, b = 0, written out independently."""
    w, b, params = np.zeros(2), 0.0, [np.zeros(3)]
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-(x @ w + b)))
        w, b = w - lr * x.T @ (p - y) / len(y), b - lr * np.mean(p - y)
        params.append(np.array([*w, b]))
    return np.array(params)


@pytest.mark.parametrize("dataset", ["blobs", "moons"])
def test_run_logistic_is_gradient_descent_on_the_bce(dataset):
    run = run_logistic(0.3, 40, dataset=dataset, n=60, rng=1)
    assert run.params.shape == (41, 3) and run.losses.shape == run.accuracy.shape == (41,)
    np.testing.assert_allclose(run.params, _reference_descent(run.x, run.y, 0.3, 40),
                               rtol=1e-10, atol=1e-12)
    # the loss starts at ln 2 (p = 0.5 everywhere) and is the mean BCE at every snapshot
    assert run.losses[0] == pytest.approx(math.log(2))
    w1, w2, b = run.params[-1]
    p = 1.0 / (1.0 + np.exp(-(run.x @ [w1, w2] + b)))
    bce = -np.mean(run.y * np.log(p) + (1 - run.y) * np.log(1 - p))
    assert run.losses[-1] == pytest.approx(bce, rel=1e-10)
    assert run.accuracy[-1] == pytest.approx(np.mean((p >= 0.5) == (run.y == 1)))


def test_small_steps_always_lower_the_loss_and_blobs_are_learnt():
    run = run_logistic(0.5, 200, dataset="blobs")
    assert run.lr < run.safe_lr and run.rises == 0 and not run.diverged
    assert np.all(np.diff(run.losses) <= 1e-12)
    assert run.losses[-1] < 0.2 and run.accuracy[-1] > 0.9
    assert "Every step lowered the loss" in run.message


def test_safe_learning_rate_is_8_over_lambda_max():
    run = run_logistic(0.1, 5, dataset="moons", n=50, rng=2)
    x1 = np.hstack([run.x, np.ones((50, 1))])
    assert run.safe_lr == pytest.approx(8.0 / np.linalg.eigvalsh(x1.T @ x1 / 50).max())


def test_large_steps_make_the_loss_rise_and_moons_stay_below_100_percent():
    run = run_logistic(100.0, 100, dataset="moons")
    assert run.lr > run.safe_lr and run.rises > 0
    assert f"The loss went up in {run.rises} of 100 steps" in run.message
    good = run_logistic(1.0, 300, dataset="moons")
    assert 0.8 < good.accuracy[-1] < 0.95          # a straight line cannot separate the moons
    assert "No straight line separates the moons" in good.message


def test_blow_up_stops_training():
    run = run_logistic(1e9, 50, dataset="blobs")
    assert run.diverged and len(run.losses) < 51
    assert run.message.startswith("diverges")


def test_run_logistic_uses_the_real_training_step(monkeypatch):
    steps = spy(monkeypatch, train, "train_step")
    forwards = spy(monkeypatch, losses.BCEWithLogitsLoss, "forward")
    run_logistic(0.2, 7, n=20)
    assert len(steps) == 7 and len(forwards) == 7
    model, loss_fn, optimizer = steps[0][0][:3]
    assert type(loss_fn) is losses.BCEWithLogitsLoss and optimizer.lr == 0.2
    assert model.weight.shape == (1, 2)


def test_recorded_losses_are_the_losses_of_the_training_steps(monkeypatch):
    returned, original = [], train.train_step

    def recording(*args, **kwargs):
        returned.append(original(*args, **kwargs))
        return returned[-1]
    monkeypatch.setattr(train, "train_step", recording)
    run = run_logistic(2.0, 30, dataset="moons", n=80, rng=4)
    # train_step returns the loss before its update: the curve's first T entries
    np.testing.assert_allclose(run.losses[:-1], returned, rtol=1e-12)


def test_arguments_are_checked():
    with pytest.raises(ValueError, match="lr"):
        run_logistic(0.0)
    with pytest.raises(ValueError, match="dataset"):
        run_logistic(dataset="spirals")
    with pytest.raises(TypeError, match="int seed"):
        logistic_regression(rng=np.random.default_rng(0))


def test_widget_retrains_on_every_control_and_replays_steps(monkeypatch):
    w = logistic_regression(steps=50)
    assert w.result.steps == 50 and w.step_slider.value == 50
    assert w.lr_slider.min < math.log10(w.result.safe_lr) < w.lr_slider.max     # log slider
    runs = spy(monkeypatch, classification, "run_logistic")
    first = w.image.value
    w.lr_slider.value = 20.0
    assert len(runs) == 1 and w.result.lr == 20.0 and w.image.value != first
    assert "8/λmax" in w.threshold_label.value and "#c62828" in w.threshold_label.value
    w.data_menu.value = "moons"
    assert len(runs) == 2 and w.result.dataset == "moons"
    w.steps_slider.value = 120
    assert len(runs) == 3 and w.step_slider.max == w.play.max == 120
    # replaying a step redraws the boundary of that step without retraining
    before = w.image.value
    w.step_slider.value = 3
    assert len(runs) == 3 and w.image.value != before
    assert "Step 3:" in w.plot.axes[0].get_title()
    assert w.last_update_ms < 2000                  # measured, not asserted tightly (CI load)


def test_quiet_under_autograding(monkeypatch, capsys):
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    runs = spy(monkeypatch, classification, "run_logistic")
    assert logistic_regression() is None and logistic_regression(static=True) is None
    assert runs == []
    assert capsys.readouterr().out.splitlines() == [widgets._base.SKIP_MESSAGE] * 2


def test_static_figure_is_labelled():
    figure = logistic_regression(lr=2.0, dataset="moons", static=True)
    left, right = figure.axes[:2]
    assert left.get_xlabel() == "x1" and left.get_ylabel() == "x2"
    assert "Step 100" in left.get_title() and "eta = 2" in right.get_title()
    assert right.get_xlabel() == "gradient-descent step t" and "log scale" in right.get_ylabel()
    labels = [t.get_text() for t in figure.legends[0].get_texts()]
    assert {"class 0", "class 1", "boundary p = 0.5"} <= set(labels)
    assert figure._repr_png_()[:4] == b"\x89PNG"
