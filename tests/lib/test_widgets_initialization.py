"""Tests for the initialisation explorer (mlpkit.widgets.initialization), without a browser.

``run_init_stats`` is checked against theory and against a forward and backward
pass written here in plain NumPy: He keeps a ReLU network's activation std at
sqrt(1 - 1/pi) = 0.826 (for unit-variance inputs) through 20 layers; with
N(0, s^2) weights in the near-linear regime each layer multiplies the std by
s sqrt(width) (tanh) or s sqrt(width / 2) (ReLU), so a small s vanishes and a
large one explodes, and the result says so. The widget is built in-process and
driven by setting control values, which runs the same observers a browser would.
"""
import functools
import math
import warnings

import numpy as np
import pytest
from matplotlib.figure import Figure

from mlpkit import functional, nn, widgets
from mlpkit import init as initializers
from mlpkit.widgets import initialization as init_widget
from mlpkit.widgets import run_init_stats
from widget_support import not_grading, spy  # noqa: F401 (not_grading: an autouse fixture)


def by_hand(depth, width, n, seed, std):
    """tanh layers with N(0, std^2) weights, forward and backward in plain NumPy, drawing
    from the generator in the order run_init_stats documents (weights, x, r)."""
    gen = np.random.default_rng(seed)
    Ws = [initializers.normal((width, width), gen, np.float64, std=std) for _ in range(depth)]
    x, r = gen.standard_normal((n, width)), gen.standard_normal((n, width))
    activations = [x]
    for W in Ws:
        activations.append(np.tanh(activations[-1] @ W.T))          # bias 0
    grad, deltas = r, []
    for W, a in zip(Ws[::-1], activations[:0:-1]):
        delta = grad * (1 - a ** 2)                                  # tanh'(z) = 1 - a^2
        deltas.append(delta)
        grad = delta @ W
    return [a.std() for a in activations[1:]], [d.std() for d in deltas[::-1]]


def test_the_stds_are_those_of_a_forward_and_backward_pass_written_by_hand():
    stats = run_init_stats(4, "tanh", "normal(0.3)", 8, n=20, rng=3)
    a_std, g_std = by_hand(4, 8, 20, 3, 0.3)
    np.testing.assert_allclose(stats.activation_std, a_std, rtol=1e-12)
    np.testing.assert_allclose(stats.gradient_std, g_std, rtol=1e-12)
    assert stats.samples.shape == (4, init_widget.SAMPLES)


def test_the_real_layers_run_forward_and_backward(monkeypatch):
    forward = spy(monkeypatch, nn.Linear, "forward")
    backward = spy(monkeypatch, nn.Linear, "backward")
    phi_backward = spy(monkeypatch, nn.Activation, "backward")
    inits = []
    monkeypatch.setitem(initializers.INITIALIZERS, "he_normal", functools.partial(
        lambda original, *args, **kw: inits.append(args) or original(*args, **kw),
        initializers.INITIALIZERS["he_normal"]))
    run_init_stats(5, "relu", "he_normal", 16, n=10)
    assert len(forward) == len(backward) == len(phi_backward) == len(inits) == 5
    # the first layer skips dL/dx, which nobody needs
    assert [kw.get("input_grad") for _, kw in backward] == [True, True, True, True, False]


def test_he_keeps_the_relu_activations_at_the_same_scale_over_20_layers():
    stats = run_init_stats(20, "relu", "he_normal", 256, n=100, rng=0)
    expected = math.sqrt(1 - 1 / math.pi)      # std of relu(z), z ~ N(0, 2): 0.826
    np.testing.assert_allclose(stats.activation_std, expected, rtol=0.4)   # finite width drifts
    assert stats.gradient_std.max() / stats.gradient_std.min() < 2
    assert stats.healthy and stats.activation_flag == stats.gradient_flag == "ok"
    assert "keep their scale" in stats.message
    # Xavier's Var(W) = 1/256 is half of He's: the variance halves at every layer
    xavier = run_init_stats(20, "relu", "xavier_normal", 256, n=100, rng=0)
    decay = xavier.activation_std[-1] / xavier.activation_std[0]
    assert 0.5 < decay / 2 ** (-19 / 2) < 2


def test_a_small_normal_init_makes_activations_and_gradients_vanish_and_says_where():
    stats = run_init_stats(10, "tanh", "normal(0.01)", 256, n=100, rng=0)
    # near zero tanh is the identity: each layer multiplies the std by 0.01 sqrt(256) = 0.16,
    # forwards (activations) and backwards (gradients)
    np.testing.assert_allclose(stats.activation_std[1:] / stats.activation_std[:-1], 0.16,
                               rtol=0.05)
    np.testing.assert_allclose(stats.gradient_std[:-1] / stats.gradient_std[1:], 0.16, rtol=0.05)
    assert stats.activation_flag == stats.gradient_flag == "vanish" and not stats.healthy
    expected = (f"activations vanish: layer 10 std {stats.activation_std[9]:.2g}; "
                f"gradients vanish: layer 1 std {stats.gradient_std[0]:.2g}")
    assert stats.message == expected
    assert stats.activation_std[9] < 1e-7


def test_a_large_normal_init_makes_relu_activations_explode_and_says_where():
    stats = run_init_stats(10, "relu", "normal(1)", 256, n=100, rng=0)
    # each layer multiplies the std of z by sqrt(256 / 2) = 11.3 (ReLU keeps half the variance)
    np.testing.assert_allclose(stats.activation_std[1:] / stats.activation_std[:-1],
                               math.sqrt(128), rtol=0.15)
    assert stats.activation_flag == stats.gradient_flag == "explode"
    assert stats.message.startswith(f"activations explode: layer 10 std "
                                    f"{stats.activation_std[9]:.2g}")
    assert "gradients explode: layer 1" in stats.message


def test_an_overflow_is_an_explosion_without_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        stats = run_init_stats(200, "relu", "normal(10)", 64, n=10, rng=0)   # x56 per layer
    assert stats.activation_flag == "explode" and math.isinf(stats.activation_std.max())
    assert "std inf" in stats.message


def test_every_activation_and_menu_entry_runs():
    for name in functional.ACTIVATIONS:
        assert np.all(run_init_stats(3, name, "xavier_normal", 16, n=10).activation_std > 0), name
    for init in init_widget.INIT_MENU:
        stats = run_init_stats(3, "tanh", init, 16, n=10)
        assert stats.init == init, init
    zeros = run_init_stats(3, "tanh", "zeros", 16, n=10)
    assert zeros.activation_flag == "vanish" and "layer 1 std 0" in zeros.message


def test_normal_std_spellings_and_same_seed_repeats():
    a = run_init_stats(3, "tanh", "normal(std=0.5)", 16, n=10, rng=4)
    b = run_init_stats(3, "tanh", "normal(0.5)", 16, n=10, rng=4)
    assert a.init == b.init == "normal(0.5)"
    np.testing.assert_array_equal(a.activation_std, b.activation_std)
    np.testing.assert_array_equal(a.samples, b.samples)
    np.testing.assert_array_equal(a.gradient_std, b.gradient_std)


@pytest.mark.parametrize("kwargs, error, pattern", [
    ({"init": "constant"}, ValueError, "init must not be 'constant'"),
    ({"init": "xavier"}, ValueError, "did you mean"),
    ({"init": "normal(-1)"}, ValueError, "std must be > 0"),
    ({"init": initializers.he_normal}, TypeError, "init must be a name"),
    ({"activation": "relux"}, ValueError, "activation must be one of"),
    ({"depth": 0}, ValueError, "depth must be >= 1"),
    ({"width": 2.5}, TypeError, "width must be an integer"),
])
def test_invalid_arguments_raise_clear_errors(kwargs, error, pattern):
    arguments = {"depth": 3, "activation": "tanh", "init": "he_normal", "width": 8, **kwargs}
    with pytest.raises(error, match=pattern):
        run_init_stats(**arguments)


def test_explorer_controls_rerun_and_redraw(monkeypatch):
    w = widgets.init_explorer(depth=6, width=64)
    runs = spy(monkeypatch, init_widget, "run_init_stats")
    assert list(w.activation_menu.options) == list(functional.ACTIVATIONS)
    assert list(w.init_menu.options) == list(init_widget.INIT_MENU)
    assert "keep their scale" in w.status.value
    before = w.image.value
    w.init_menu.value = "normal(0.01)"
    assert len(runs) == 1 and runs[-1][0][2] == "normal(0.01)"
    assert w.result.init == "normal(0.01)" and w.image.value != before
    assert "vanish" in w.status.value and "#c62828" in w.status.value      # red
    w.activation_menu.value = "relu"
    assert runs[-1][0][1] == "relu" and w.result.activation == "relu"
    w.depth_slider.value = 12
    assert w.result.depth == 12 and len(w.result.activation_std) == 12
    w.width_slider.value = 128
    assert w.result.width == 128
    assert len(runs) == 4 and w.last_update_ms > 0
    # the figure: labelled axes, a title naming the setting, one histogram per shown layer
    ax, ax2 = w.plot.axes
    assert "log scale" in ax.get_ylabel() and ax.get_xlabel() == "layer l"
    assert ax.get_title().startswith("relu, normal(0.01), width 128")
    assert ax2.get_xlabel() and ax2.get_ylabel()
    texts = [t.get_text() for t in ax2.get_legend().get_texts()]
    assert [t.split(" (")[0] for t in texts] == ["layer 1", "layer 6", "layer 12"]


def test_a_given_init_outside_the_menu_is_added_to_it():
    w = widgets.init_explorer(depth=3, init="normal(0.2)", width=16)
    assert w.init_menu.value == "normal(0.2)" and "normal(0.2)" in w.init_menu.options


def test_nbgrader_creates_no_widgets(monkeypatch, capsys):
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    runs = spy(monkeypatch, init_widget, "run_init_stats")
    assert widgets.init_explorer() is None
    assert widgets.init_explorer(static=True) is None
    assert runs == []
    out = capsys.readouterr().out.strip().splitlines()
    assert out == [widgets._base.SKIP_MESSAGE] * 2


def test_static_figure_shows_the_representative_settings():
    fig = widgets.init_explorer(depth=8, width=64, static=True)
    assert isinstance(fig, Figure)
    assert fig._repr_png_()[:4] == b"\x89PNG"
    titles = [ax.get_title() for ax in fig.axes]
    expected = [f"{a}, {i}" for row in init_widget.REPRESENTATIVE for a, i in row]
    assert [t.split(":")[0] for t in titles] == expected
    assert "vanish" in titles[0] and "explode" in titles[3]         # normal(0.01), normal(1)
    assert "keep their scale" in titles[5]                           # relu with He
    for ax in fig.axes:
        assert ax.get_yscale() == "log"
    assert fig.axes[-1].get_xlabel() == "layer l" and fig.get_supylabel()
    assert len(fig.legends) == 1 and "8 layers of width 64" in fig.get_suptitle()


def test_explorer_needs_an_int_seed():
    with pytest.raises(TypeError, match="int seed"):
        widgets.init_explorer(rng=np.random.default_rng(0))


def test_partial_initialiser_is_the_menu_normal():
    # "normal(s)" is mlpkit.init.normal with std=s
    name, fn = init_widget._initializer("normal(0.05)")
    assert name == "normal(0.05)" and isinstance(fn, functools.partial)
    assert fn.func is initializers.normal and fn.keywords == {"std": 0.05}
