"""Tests for the optimiser laboratory (mlpkit.widgets.laboratory and its surfaces), no browser.

The surfaces are checked against finite differences and hand-computed numbers;
``run_lab`` against the pure update rules of ``mlpkit.optim`` (the oracle: the
same formulas iterated by hand) and against the theory of the quadratic (the
divergence threshold, the steps gradient descent needs); ``run_network`` with
the real ``train_step`` spied on. The widgets are built in-process and driven
by setting control values, which runs the same observers a browser would.
"""
import math

import numpy as np
import pytest
from matplotlib.figure import Figure

from mlpkit import functional, optim, train, widgets
from mlpkit.widgets import laboratory as lab
from mlpkit.widgets import run_lab, run_network, surfaces
from widget_support import counting, not_grading, spy  # noqa: F401 (not_grading: autouse)


def _numeric_grad(surf, w, h=1e-6):
    return np.array([(surf.loss(*(w + h * e)) - surf.loss(*(w - h * e))) / (2 * h)
                     for e in np.eye(2)])


def _numeric_hessian(surf, w, h=1e-5):
    return np.column_stack([(surf.grad(w + h * e) - surf.grad(w - h * e)) / (2 * h)
                            for e in np.eye(2)])


# ---------------------------------------------------------------------------
# The surfaces
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("surf", [surfaces.quadratic(10.0), surfaces.quadratic(50.0, angle=30.0),
                                  surfaces.saddle(), surfaces.rosenbrock(),
                                  surfaces.valley((2.0, 7.0))],
                         ids=["quadratic", "rotated", "saddle", "rosenbrock", "valley"])
def test_every_gradient_matches_finite_differences(surf):
    for w in ([0.3, -0.7], [-1.2, 1.1], list(surf.w0)):
        w = np.array(w)
        np.testing.assert_allclose(surf.grad(w), _numeric_grad(surf, w), rtol=1e-6, atol=1e-6)
    assert surf.loss(*surf.minimum) == pytest.approx(0.0, abs=1e-12)
    np.testing.assert_allclose(surf.grad(np.array(surf.minimum)), 0.0, atol=1e-12)


def test_quadratic_has_curvatures_1_and_kappa_along_its_turned_axes():
    flat = surfaces.quadratic(10.0)
    # not rotated: L = 0.5 (w1^2 + 10 w2^2); at (-4, 1): L = 0.5 (16 + 10) = 13
    assert flat.loss(-4.0, 1.0) == pytest.approx(13.0)
    assert flat.grad(np.array([-4.0, 1.0])) == pytest.approx([-4.0, 10.0])
    assert flat.lambda_max == 10.0 and flat.exact
    turned = surfaces.quadratic(10.0, angle=30.0)
    H = _numeric_hessian(turned, np.array([0.4, -0.2]))
    eigenvalues, eigenvectors = np.linalg.eigh(H)
    np.testing.assert_allclose(eigenvalues, [1.0, 10.0], rtol=1e-6)
    # the steep direction (curvature kappa) is u2 = (-sin 30, cos 30)
    steep = eigenvectors[:, 1] * np.sign(eigenvectors[1, 1])
    np.testing.assert_allclose(steep, [-0.5, math.sqrt(3) / 2], atol=1e-6)
    with pytest.raises(ValueError, match=r"condition must be in \[1, 10000\]"):
        surfaces.quadratic(0.5)


def test_saddle_point_is_not_a_minimum_and_the_minima_are_where_the_docstring_says():
    s = surfaces.saddle()
    # L = w1^2/2 + (w2^2 - 1)^2/4: L(0, 0) = 1/4, L(0, +-1) = 0, L(1, 2) = 1/2 + 9/4
    assert s.loss(0.0, 0.0) == 0.25 and s.loss(0.0, -1.0) == 0.0 and s.loss(1.0, 2.0) == 2.75
    np.testing.assert_allclose(s.grad(np.array(s.saddle)), 0.0)
    # the Hessian at the saddle point curves up along w1 and down along w2
    np.testing.assert_allclose(_numeric_hessian(s, np.zeros(2)), np.diag([1.0, -1.0]), atol=1e-6)
    np.testing.assert_allclose(_numeric_hessian(s, np.array([0.0, 1.0])), np.diag([1.0, 2.0]),
                               atol=1e-5)
    assert s.lambda_max == 2.0 and s.other_minima == ((0.0, -1.0),) and not s.exact


def test_surface_registry_and_the_valley_is_unchanged():
    assert surfaces.SURFACES == ("valley", "rosenbrock", "quadratic", "saddle")
    v = surfaces.valley()
    assert v.loss(-4.0, 1.0) == pytest.approx(0.5 * (16 + 30))
    assert v.grad(np.array([-4.0, 1.0])) == pytest.approx([-4.0, 30.0])
    for name in surfaces.SURFACES:
        s = surfaces.surface(name)
        assert s.name == name and np.all(np.diff(s.levels) > 0)
    with pytest.raises(ValueError, match="surface must be one of 'valley', 'rosenbrock', "
                                         "'quadratic', 'saddle'"):
        surfaces.surface("bowl")


def test_clip_cuts_a_path_after_it_leaves_the_window():
    s = surfaces.quadratic()                       # window w1 in [-5, 5], w2 in [-2.2, 2.2]
    path = np.array([[0.0, 0.0], [1.0, 1.0], [1.0, 30.0], [2.0, 0.0]])
    (xs, ys), exit_step = s.clip(path)
    assert exit_step == 2 and len(xs) == 3
    assert ys[-1] == pytest.approx(2.2 + 0.02 * 4.4)        # held just outside the frame
    (xs, ys), exit_step = s.clip(path[:2])
    assert exit_step is None and list(ys) == [0.0, 1.0]


# ---------------------------------------------------------------------------
# run_lab: the real optimisers, step by step
# ---------------------------------------------------------------------------

def _lab_oracles(mu):
    """Every laboratory entry as (pure rule of mlpkit.optim, its keywords), from the registry."""
    oracles = {}
    for name, rule in optim.UPDATE_RULES.items():
        if name == "sgd":
            oracles["sgd"] = (rule, {})
            oracles["momentum"] = (rule, {"momentum": mu})
            oracles["nesterov"] = (rule, {"momentum": mu, "nesterov": True})
        else:
            oracles[name] = (rule, {})           # the defaults: the momentum slider is SGD's
    return oracles


@pytest.mark.parametrize("surface", ["quadratic", "rosenbrock", "saddle"])
def test_paths_are_the_pure_update_rules_iterated(surface):
    lr, mu, steps = {"quadratic": (0.05, 0.7, 40), "rosenbrock": (1e-3, 0.9, 40),
                     "saddle": (0.1, 0.8, 40)}[surface]
    oracles = _lab_oracles(mu)
    assert set(lab.lab_choices()) == set(oracles)
    surf = surfaces.surface(surface, condition=10.0)
    for name, (rule, hyper) in oracles.items():
        run = run_lab(name, lr, mu, steps, surface=surface).runs[0]
        w, state, expected = np.array(surf.w0), None, [np.array(surf.w0)]
        for _ in range(steps):
            w, state = rule(w, surf.grad(w), state, lr=lr, **hyper)
            expected.append(w)
        np.testing.assert_array_equal(run.path, expected, err_msg=name)
        np.testing.assert_array_equal(run.losses, surf.loss(run.path[:, 0], run.path[:, 1]))


def test_first_steps_by_hand_and_the_start_is_not_touched():
    w0 = np.array([-4.0, 1.0])
    run = run_lab(("sgd", "momentum"), 0.01, 0.5, 2, condition=10.0, w0=w0)
    sgd, heavy = run.runs
    # grad(-4, 1) = (-4, 10): w1 = (-4 + 0.04, 1 - 0.1)
    assert sgd.path[1] == pytest.approx([-3.96, 0.9])
    # momentum: v1 = -eta g0 = (0.04, -0.1); g1 = (-3.96, 9);
    # v2 = 0.5 v1 - 0.01 g1 = (0.0596, -0.14); w2 = w1 + v2 = (-3.9004, 0.76)
    assert heavy.path[2] == pytest.approx([-3.9004, 0.76])
    assert sgd.path[2] == pytest.approx([-3.96 + 0.0396, 0.9 - 0.09])
    assert np.array_equal(w0, [-4.0, 1.0])


def test_the_real_optimizer_classes_update(monkeypatch):
    calls = {}
    for cls in (optim.SGD, optim.Adam):       # the rule each class's step() applies
        calls[cls] = []
        monkeypatch.setattr(cls, "update", staticmethod(counting(cls.update, calls[cls])))
    run_lab(("sgd", "momentum", "adam"), 0.05, 0.8, 30)
    assert len(calls[optim.SGD]) == 60 and len(calls[optim.Adam]) == 30
    assert sorted({kw["momentum"] for _, kw in calls[optim.SGD]}) == [0.0, 0.8]
    assert {kw["betas"] for _, kw in calls[optim.Adam]} == {(0.9, 0.999)}


def test_gradient_descent_needs_the_steps_the_theory_says():
    # eta = 1/kappa: the steep direction is solved in one step, the flat one shrinks by
    # (1 - 1/kappa) per step: 0.5 * 4.5^2 (1 - 1/kappa)^(2t) <= 1e-4
    for kappa in (10.0, 100.0):
        run = run_lab("sgd", 1 / kappa, 0.0, 600, condition=kappa).runs[0]
        t = math.ceil(math.log(1e-4 / (0.5 * 4.5 ** 2)) / (2 * math.log(1 - 1 / kappa)))
        assert run.steps_to_tol == t, (kappa, run.steps_to_tol, t)
    assert t == 574          # kappa = 100: ln(1e-4 / 10.125) / (2 ln 0.99) = 573.4


def test_the_condition_number_changes_the_path():
    a = run_lab(("sgd", "momentum", "adam"), 0.005, 0.8, 100, condition=10.0)
    b = run_lab(("sgd", "momentum", "adam"), 0.005, 0.8, 100, condition=100.0)
    assert a.condition == 10.0 and b.condition == 100.0 and "100" in b.title
    for ra, rb in zip(a.runs[:2], b.runs[:2]):
        assert ra.path.shape == rb.path.shape and not np.allclose(ra.path, rb.path)
    # Adam divides each coordinate's step by its own gradient scale: on a bowl whose
    # axes are the coordinates its path hardly depends on kappa (only through eps)
    np.testing.assert_allclose(a.runs[2].path, b.runs[2].path, rtol=1e-6)
    # the start's loss 0.5 (4.5^2 + kappa 1.5^2) grows with kappa
    assert a.runs[0].losses[0] == pytest.approx(0.5 * (20.25 + 22.5))
    assert b.runs[0].losses[0] == pytest.approx(0.5 * (20.25 + 225.0))


def test_rotation_leaves_gradient_descent_alone_but_not_adam():
    # start at the same point of the bowl (in its own axes): plain descent is
    # rotation-invariant, Adam's per-coordinate steps are not
    a = math.radians(30.0)
    turned_start = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]]) @ [-4.5,
                                                                                          1.5]
    flat = run_lab(("sgd", "adam"), 0.05, 0.0, 100, condition=20.0)
    turned = run_lab(("sgd", "adam"), 0.05, 0.0, 100, condition=20.0, angle=30.0,
                     w0=turned_start)
    np.testing.assert_allclose(turned.runs[0].losses, flat.runs[0].losses, rtol=1e-9)
    assert not np.allclose(turned.runs[1].losses, flat.runs[1].losses, rtol=0.1)


def test_divergence_is_named_with_a_stable_learning_rate_never_raised():
    # lambda_max = kappa = 100: SGD needs eta < 2/100, momentum mu = 0.8 eta < 3.6/100
    run = run_lab(("sgd", "momentum", "adam"), 0.05, 0.8, 150, condition=100.0)
    sgd, heavy, adam = run.runs
    assert run.diverged and sgd.diverged and heavy.diverged and not adam.diverged
    assert sgd.diverged_at is not None and len(sgd.path) == sgd.diverged_at + 1 < 151
    assert np.max(np.abs(sgd.path[-1])) > 1e6 and np.all(np.isfinite(sgd.path))
    assert sgd.message == (f"SGD diverged at step {sgd.diverged_at}: |w| > 1e6 (run stopped); "
                           "try eta below 2/lambda_max = 0.02.")
    assert "try eta below 2(1+mu)/lambda_max = 0.036" in heavy.message
    assert sgd.threshold == pytest.approx(0.02) and heavy.threshold == pytest.approx(0.036)
    assert adam.threshold is None and "diverged" not in adam.message
    assert run.message.splitlines() == [sgd.message, heavy.message, adam.message]


@pytest.mark.parametrize("name, mu, nesterov", [("sgd", 0.0, False), ("momentum", 0.6, False),
                                                ("nesterov", 0.6, True)])
def test_just_above_the_threshold_diverges_even_before_it_blows_up(name, mu, nesterov):
    thr = widgets.divergence_threshold(10.0, mu, nesterov=nesterov)
    below = run_lab(name, 0.98 * thr, mu, 300, condition=10.0).runs[0]
    above = run_lab(name, 1.02 * thr, mu, 60, condition=10.0).runs[0]
    assert not below.diverged and below.steps_to_tol is not None
    assert above.diverged and above.diverged_at is None            # slow: no blow-up yet
    assert above.losses[-1] > 10 * above.losses[0]                  # but it does grow
    assert "is above" in above.message and f"try eta below {above.formula}" in above.message


def test_rosenbrock_curvature_along_the_way_is_named():
    # eta is below 2/lambda_max at the minimum, but the valley is steeper on the way
    run = run_lab("sgd", 0.0019, 0.0, 300, surface="rosenbrock", w0=(-1.5, 2.5)).runs[0]
    assert run.diverged_at is not None
    assert "at the minimum, but the curvature is larger along the way" in run.message


def test_saddle_plateau_and_escape():
    run = run_lab(("sgd", "momentum", "adam"), 0.1, 0.8, 150, surface="saddle")
    sgd, heavy, adam = run.runs
    assert all(r.steps_to_tol is not None for r in run.runs)      # all end in a minimum
    assert sgd.near_saddle > heavy.near_saddle > adam.near_saddle  # the plateau shrinks
    assert sgd.near_saddle >= 20 and "plateau near the saddle point" in sgd.message
    for r in run.runs:
        assert r.path[-1] == pytest.approx([0.0, 1.0], abs=0.02)
    # started exactly on the line into the saddle, descent stops at the saddle point:
    # a stationary point that is not a minimum
    stuck = run_lab("sgd", 0.1, 0.0, 300, surface="saddle", w0=(-2.0, 0.0)).runs[0]
    assert stuck.path[-1] == pytest.approx([0.0, 0.0], abs=1e-6)
    assert stuck.losses[-1] == pytest.approx(0.25) and stuck.steps_to_tol is None


def test_invalid_arguments_raise_clear_errors():
    with pytest.raises(ValueError, match="optimizers must not repeat a name"):
        run_lab(("sgd", "sgd"))
    with pytest.raises(ValueError, match="optimizers must be a name or a list of 1 to 3"):
        run_lab(("sgd", "momentum", "adam", "rmsprop"))
    with pytest.raises(ValueError, match="optimizers must be one of 'sgd', 'momentum'"):
        run_lab("lbfgs")
    with pytest.raises(ValueError, match="lr must be > 0"):
        run_lab(lr=0.0)
    with pytest.raises(ValueError, match=r"momentum must be in \[0, 1\)"):
        run_lab(momentum=1.0)
    with pytest.raises(ValueError, match="surface must be one of"):
        run_lab(surface="bowl")
    with pytest.raises(ValueError, match="condition must be in"):
        run_lab(condition=1e5)
    with pytest.raises(ValueError, match="w0 must be 2 finite numbers"):
        run_lab(w0=(1.0, np.nan))
    with pytest.raises(ValueError, match="optimizer must be one of"):
        run_network("lbfgs")
    with pytest.raises(ValueError, match="batch_size must be >= 1"):
        run_network(batch_size=0)
    with pytest.raises(TypeError, match="int seed"):
        widgets.network_lab(rng=np.random.default_rng(0))


# ---------------------------------------------------------------------------
# run_network: a real MLP
# ---------------------------------------------------------------------------

def test_run_network_trains_with_the_real_train_step(monkeypatch):
    calls = spy(monkeypatch, train, "train_step")
    run = run_network("momentum", 0.05, 0.9, steps=200, rng=0)
    assert len(calls) == 200 == len(run.losses)
    assert all(isinstance(args[2], optim.SGD) and args[2].momentum == 0.9 for args, _ in calls)
    assert {len(args[3]) for args, _ in calls} <= {32, 400 % 32}   # mini-batches of 32
    assert not run.diverged and run.val_accuracy[-1] >= 0.85
    assert np.mean(run.losses[-20:]) < 0.5 * run.losses[0]
    assert run.eval_steps[0] == 0 and run.eval_steps[-1] == 200 and len(run.eval_steps) == 21
    assert "validation set" in run.message


def test_the_first_loss_is_the_cross_entropy_of_the_untrained_network():
    run = run_network("adam", 0.01, steps=1, rng=3)
    gen = np.random.default_rng(3)                 # the same data, start and shuffle, rebuilt
    x, y = lab.data.make_moons(400, noise=0.2, rng=gen, dtype=np.float64)
    lab.data.make_moons(200, noise=0.2, rng=gen, dtype=np.float64)
    model = lab._network(16, gen)
    (xb, yb), *_ = lab.data.batches(x, y, 32, rng=gen)
    expected, _ = functional.cross_entropy_loss(model(xb), yb)
    np.testing.assert_allclose(run.losses[0], expected, rtol=1e-12)
    assert run.train_accuracy[0] == train.evaluate(model, lab.losses.CrossEntropyLoss(), x,
                                                   y)["accuracy"]


def test_network_divergence_is_named_and_same_seed_repeats():
    bad = run_network("sgd", 10.0, steps=300)
    assert bad.diverged and bad.diverged_at == len(bad.losses) < 300
    assert bad.losses[-1] > 10 * bad.losses[0]
    assert bad.message.startswith(f"SGD diverged at step {bad.diverged_at}: the loss rose to")
    assert "try a smaller eta than 10" in bad.message
    assert bad.eval_steps[-1] == bad.diverged_at               # measured where it stopped
    a, b = run_network("adam", 0.01, steps=40, rng=5), run_network("adam", 0.01, steps=40, rng=5)
    np.testing.assert_array_equal(a.losses, b.losses)
    np.testing.assert_array_equal(a.val_accuracy, b.val_accuracy)


def test_momentum_trains_faster_than_plain_sgd_at_the_same_learning_rate():
    plain = run_network("sgd", 0.05, steps=300)
    heavy = run_network("momentum", 0.05, 0.9, steps=300)
    assert np.mean(heavy.losses[-30:]) < 0.7 * np.mean(plain.losses[-30:])


# ---------------------------------------------------------------------------
# The widgets
# ---------------------------------------------------------------------------

def test_optimizer_lab_controls_rerun_the_real_run(monkeypatch):
    w = widgets.optimizer_lab()
    runs = spy(monkeypatch, lab, "run_lab")
    assert w.lr_slider.__class__.__name__ == "FloatLogSlider"
    assert w.condition_slider.__class__.__name__ == "FloatLogSlider"
    assert w.optimizers == ("sgd", "momentum", "adam")
    before = w.image.value
    w.lr_slider.value = 0.03
    assert len(runs) == 1 and w.result.lr == pytest.approx(0.03) and w.image.value != before
    w.optimizer_menus[2].value = "nesterov"
    assert w.optimizers == ("sgd", "momentum", "nesterov")
    assert [r.optimizer for r in w.result.runs] == ["sgd", "momentum", "nesterov"]
    w.optimizer_menus[1].value = "sgd"                       # twice the same: drawn once
    assert w.optimizers == ("sgd", "nesterov")
    w.optimizer_menus[1].value = lab.NONE
    w.optimizer_menus[2].value = lab.NONE
    assert w.optimizers == ("sgd",) and w.momentum_slider.disabled
    w.optimizer_menus[1].value = "momentum"
    assert not w.momentum_slider.disabled
    w.momentum_slider.value = 0.5
    assert w.result.runs[1].label == "Momentum, mu = 0.5"
    w.condition_slider.value = 100.0
    assert w.result.condition == pytest.approx(100.0) and "100" in w.plot.axes[0].get_title()
    assert w.last_update_ms > 0


def test_optimizer_lab_names_divergence_in_text_and_figure():
    w = widgets.optimizer_lab()
    assert "diverge" not in w.status.value
    w.lr_slider.value = 0.5                                  # above 2/10 and 3.6/10
    assert "SGD diverged at step" in w.status.value and "try eta below" in w.status.value
    assert "#c62828" in w.threshold_label.value                # the threshold turns red
    note = w.plot.panels.note
    assert note.get_visible() and "diverged at step" in note.get_text()
    assert w.plot.axes[1].title.get_color() == "tab:red"


def test_optimizer_lab_surface_menu_loads_suggestions():
    w = widgets.optimizer_lab()
    w.surface_menu.value = "saddle"
    assert w.result.surface == "saddle" and w.condition_slider.disabled
    assert (w.lr_slider.value, w.momentum_slider.value, w.steps_slider.value) == (
        pytest.approx(0.1), 0.8, 150)
    assert "plateau near the saddle point" in w.status.value
    assert w.plot.panels.saddle.get_visible()
    w.surface_menu.value = "rosenbrock"
    assert w.result.steps == 500 and w.lr_slider.value == pytest.approx(1e-3)
    assert "Rosenbrock" in w.plot.axes[0].get_title()
    w.surface_menu.value = "quadratic"
    assert not w.condition_slider.disabled and not w.plot.panels.saddle.get_visible()


def test_a_slider_move_redraws_without_rebuilding_the_figure(monkeypatch):
    w = widgets.optimizer_lab()
    figure, full = w.plot.figure, w.plot.full_draws
    pngs = spy(monkeypatch, w.plot, "png")
    images = {w.image.value}
    for lr in (0.04, 0.045, 0.055):
        w.lr_slider.value = lr
        images.add(w.image.value)
    contours = w.plot.panels.contours
    for kappa in (12.0, 15.0):                     # new contours, drawn over the cached background
        w.condition_slider.value = kappa
        images.add(w.image.value)
    assert w.plot.panels.contours is not contours
    assert contours not in w.plot._dynamic_artists
    assert w.plot.figure is figure and len(pngs) == 5 and len(images) == 6
    assert w.plot.full_draws == full               # only the changing artists were drawn
    w.optimizer_menus[2].value = "rmsprop"         # a new legend: one full redraw
    assert w.plot.full_draws == full + 1
    legend_texts = [t.get_text() for t in w.plot.figure.legends[0].get_texts()]
    assert legend_texts[:3] == ["SGD", "Momentum", "RMSProp"]


def test_network_lab_controls_retrain_and_keep_the_previous_run(monkeypatch):
    w = widgets.network_lab(steps=100)
    runs = spy(monkeypatch, lab, "run_network")
    assert w.lr_slider.__class__.__name__ == "FloatLogSlider" and w.momentum_slider.disabled
    first, before = w.result, w.image.value
    w.lr_slider.value = 0.1
    assert len(runs) == 1 and w.result.lr == pytest.approx(0.1) and w.previous is first
    assert w.image.value != before and w.plot.ghost_loss.get_visible()
    w.optimizer_menu.value = "adam"                       # loads Adam's learning rate
    assert len(runs) == 2 and w.result.optimizer == "adam"
    assert w.result.lr == pytest.approx(lab.NETWORK_LR["adam"])
    w.optimizer_menu.value = "momentum"
    assert not w.momentum_slider.disabled
    w.lr_slider.value = 10.0
    assert w.result.diverged and "diverged at step" in w.status.value
    assert w.plot.stop.get_visible() and "diverged" in w.plot.axes[0].get_title()
    w.steps_slider.value = 50
    assert w.result.steps == 50 and w.last_update_ms > 0


def test_nbgrader_creates_no_widgets(monkeypatch, capsys):
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    runs = spy(monkeypatch, lab, "run_lab")
    nets = spy(monkeypatch, lab, "run_network")
    for build in (widgets.optimizer_lab, widgets.network_lab):
        assert build() is None and build(static=True) is None
    assert runs == [] and nets == []
    out = capsys.readouterr().out.strip().splitlines()
    assert out == [widgets._base.SKIP_MESSAGE] * 4


def test_static_optimizer_lab_draws_small_multiples():
    fig = widgets.optimizer_lab(static=True)
    assert isinstance(fig, Figure) and fig._repr_png_()[:4] == b"\x89PNG"
    assert len(fig.axes) == 8                    # 4 settings, paths above and losses below
    titles = [ax.get_title() for ax in fig.axes[:4]]
    assert titles == ["quadratic, κ = 10", "quadratic, κ = 100", "Rosenbrock", "saddle point"]
    for ax in fig.axes:
        assert ax.get_xlabel() and ax.get_ylabel()
        assert not any(artist.get_animated() for artist in ax.get_children())
    diverged = fig.axes[1]                       # kappa = 100 at the same eta: SGD blows up
    assert diverged.title.get_color() == "tab:red"
    assert any("diverged at step" in t.get_text() for t in diverged.texts)
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend[:3] == ["SGD", "Momentum", "Adam"] and "saddle point (not a minimum)" in legend


def test_static_network_lab_shows_three_optimizers_and_three_learning_rates():
    fig = widgets.network_lab(steps=60, static=True)
    assert isinstance(fig, Figure) and fig._repr_png_()[:4] == b"\x89PNG"
    compare, rates, accuracy = fig.axes
    assert [t.get_text().split(",")[0] for t in compare.get_legend().get_texts()] == [
        "SGD", "Momentum", "Adam"]
    labels = [t.get_text() for t in rates.get_legend().get_texts()]
    assert labels[0] == "η = 0.03" and labels[1] == "η = 0.3" and "diverged at step" in labels[2]
    for ax in fig.axes:
        assert ax.get_xlabel() and ax.get_ylabel() and ax.get_title()
    assert "log scale" in rates.get_ylabel() and accuracy.get_ylabel() == "accuracy"
