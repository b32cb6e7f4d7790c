"""How the initial weights set the scale of the signal through a deep network (unit 07).

``run_init_stats`` sends N standard-normal inputs through ``depth`` layers
``Linear(width, width, init=...) -> Activation(...)`` (mlpkit's real layers,
float64) and then a gradient back through the same layers, and measures at
every layer l

* the standard deviation of the activations a_l = phi(z_l) (forward), and
* the standard deviation of the error signal delta_l = dL/dz_l (backward),
  for the loss L = sum(r * a_depth), a fixed random projection r of the
  output (standard normal, so dL/da_depth = r has std 1).

The input has std 1, so a healthy network keeps both near 1 (within a few
decades): each layer multiplies the scale by about sqrt(fan_in Var(W)) times
what phi does to it, and ``depth`` such factors vanish or explode unless the
initialisation makes them about 1 (Xavier for tanh, He for ReLU; see
:mod:`mlpkit.init`). A std below ``VANISH`` (1e-3) or above ``EXPLODE`` (1e3)
is named in the result's ``message``.

``init_explorer()`` puts controls on it (activation, initialiser, depth and
width): the two standard deviations per layer on a log axis, and histograms of
the activations of three layers.
"""
from __future__ import annotations

import dataclasses
import functools
import math
import re

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import NullLocator

from mlpkit import functional, nn
from mlpkit import init as initializers
from mlpkit._validation import check_choice, check_int, check_positive, check_rng, describe
from mlpkit.widgets._base import (Explorer, builder, check_seed, dropdown, int_slider,
                                  selection_slider, status_html, summary_repr)
from mlpkit.widgets._canvas import C_RUN, FIGSIZE, Canvas, nice_ceil, still

__all__ = ["InitStats", "run_init_stats", "init_explorer", "InitExplorer", "INIT_MENU"]

VANISH, EXPLODE = 1e-3, 1e3      # a std outside [VANISH, EXPLODE] is named in the message
SAMPLES = 4000                   # activations kept per layer for the histograms
#: The initialisers the explorer's menu offers (``normal(s)`` is N(0, s^2)).
INIT_MENU = ("normal(0.01)", "normal(0.1)", "normal(1)", "lecun_normal", "xavier_normal",
             "xavier_uniform", "he_normal", "he_uniform", "default")
DEPTHS = (1, 30)                 # the depth slider's range
WIDTHS = (16, 32, 64, 128, 256, 512)
C_GRAD = "tab:orange"


@dataclasses.dataclass(frozen=True, repr=False)
class InitStats:
    """Result of ``run_init_stats``.

    Attributes
    ----------
    activation_std : ndarray, shape (depth,)
        std of a_l = phi(z_l) over all N examples and ``width`` units, layer
        l = 1 .. depth (entry l - 1); inf if it overflowed.
    gradient_std : ndarray, shape (depth,)
        std of delta_l = dL/dz_l, the same way.
    samples : ndarray, shape (depth, SAMPLES)
        A random sample of each layer's activations (for histograms).
    activation_flag, gradient_flag : {"ok", "vanish", "explode"}
        Whether some layer's std falls below ``VANISH`` or rises above ``EXPLODE``.
    message : str
        E.g. "activations vanish: layer 10 std 1.1e-08", or that both keep their scale.
    """

    depth: int
    activation: str
    init: str
    width: int
    n: int
    activation_std: np.ndarray
    gradient_std: np.ndarray
    samples: np.ndarray
    activation_flag: str
    gradient_flag: str
    message: str

    @property
    def healthy(self) -> bool:
        """Neither the activations nor the gradients vanish or explode."""
        return self.activation_flag == self.gradient_flag == "ok"

    @property
    def label(self) -> str:
        return f"{self.activation}, {self.init}"

    def __repr__(self) -> str:
        return summary_repr(self, depth=self.depth, activation=self.activation, init=self.init,
                            width=self.width, activations=self.activation_flag,
                            gradients=self.gradient_flag)


def _initializer(init):
    """``(name, function (shape, rng, dtype))`` for a name of mlpkit.init or 'normal(std)'."""
    if not isinstance(init, str):
        raise TypeError(f"init must be a name from mlpkit.init or 'normal(std)', "
                        f"got {describe(init)}")
    match = re.fullmatch(r"normal\(\s*(?:std\s*=\s*)?([0-9.eE+-]+)\s*\)", init)
    if match:
        std = check_positive("std", float(match.group(1)))
        return f"normal({std:g})", functools.partial(initializers.normal, std=std)
    if init == "constant":
        raise ValueError("init must not be 'constant' here (it needs a value); "
                         "'zeros' or 'normal(std)' work")
    return init, initializers.get(init)


def _std(values) -> float:
    """The std of all entries; inf when they overflowed."""
    std = float(np.std(values))
    return std if math.isfinite(std) else math.inf


def run_init_stats(depth, activation, init, width, *, n=500, rng=0) -> InitStats:
    """Activation and gradient standard deviations, layer by layer, at initialisation.

    The network is ``depth`` pairs ``nn.Linear(width, width, init=init)``,
    ``nn.Activation(activation)`` (float64, biases 0). Forward: x of shape
    (N, width), standard normal, gives a_l = phi(z_l), z_l = a_{l-1} W_l^T + b_l.
    Backward: the real layers' ``backward`` from dL/da_depth = r (a standard
    normal (N, width) array: L = sum(r * a_depth)) gives delta_l = dL/dz_l.

    Parameters
    ----------
    depth : int
        Number of layers, >= 1.
    activation : str
        A name in ``mlpkit.functional.ACTIVATIONS``.
    init : str
        A name from ``mlpkit.init.NAMES`` (not ``"constant"``), or
        ``"normal(std)"`` such as ``"normal(0.01)"`` for N(0, std^2).
    width : int
        Units per layer (D = M = width), >= 1.
    n : int
        Number of inputs N, >= 2.
    rng : None, int or numpy.random.Generator
        Source of the weights, the inputs and r.

    Returns
    -------
    InitStats
    """
    depth = check_int("depth", depth, minimum=1)
    activation = check_choice("activation", activation, tuple(functional.ACTIVATIONS))
    init, init_fn = _initializer(init)
    width = check_int("width", width, minimum=1)
    n = check_int("n", n, minimum=2)
    gen = check_rng(rng)

    layers = [(nn.Linear(width, width, init=init_fn, rng=gen, dtype=np.float64),
               nn.Activation(activation)) for _ in range(depth)]
    x = gen.standard_normal((n, width))
    r = gen.standard_normal((n, width))          # L = sum(r * a_depth): dL/da_depth = r
    activation_std, gradient_std, samples = [], [], []
    with np.errstate(all="ignore"):              # an explosion shows as inf, not as warnings
        a = x
        for linear, phi in layers:                                   # forward
            a = phi(linear(a))
            activation_std.append(_std(a))
            samples.append(a.ravel()[gen.integers(0, a.size, SAMPLES)])
        grad = r
        for l in range(depth - 1, -1, -1):                           # backward
            linear, phi = layers[l]
            delta = phi.backward(grad)                               # dL/dz_l
            gradient_std.append(_std(delta))
            grad = linear.backward(delta, input_grad=l > 0)          # dL/da_{l-1}
    stats = InitStats(depth=depth, activation=activation, init=init, width=width, n=n,
                      activation_std=np.array(activation_std),
                      gradient_std=np.array(gradient_std[::-1]), samples=np.array(samples),
                      activation_flag="ok", gradient_flag="ok", message="")
    (a_flag, a_text), (g_flag, g_text) = (_verdict(stats.activation_std, "activations"),
                                          _verdict(stats.gradient_std, "gradients"))
    message = "; ".join(text for text in (a_text, g_text) if text) or _healthy_message(stats)
    return dataclasses.replace(stats, activation_flag=a_flag, gradient_flag=g_flag,
                               message=message)


def _verdict(stds, what):
    """("explode" | "vanish" | "ok", the sentence naming the worst layer)."""
    if not np.all(stds <= EXPLODE):
        k = int(np.argmax(stds))
        return "explode", f"{what} explode: layer {k + 1} std {stds[k]:.2g}"
    if np.any(stds < VANISH):
        k = int(np.argmin(stds))
        return "vanish", f"{what} vanish: layer {k + 1} std {stds[k]:.2g}"
    return "ok", ""


def _summary(stats: InitStats) -> str:
    """A few words: "activations and gradients vanish", "gradients explode", ..."""
    flags = {"activations": stats.activation_flag, "gradients": stats.gradient_flag}
    if stats.healthy:
        return "both keep their scale"
    if stats.activation_flag == stats.gradient_flag:
        return f"activations and gradients {stats.gradient_flag}"
    return ", ".join(f"{what} {flag}" for what, flag in flags.items() if flag != "ok")


def _healthy_message(stats: InitStats) -> str:
    a, g = stats.activation_std, stats.gradient_std
    return (f"{stats.label}: activations and gradients keep their scale over "
            f"{stats.depth} layers (activation std {a.min():.2g} to {a.max():.2g}, "
            f"gradient std {g.min():.2g} to {g.max():.2g})")


# ---------------------------------------------------------------------------
# Figures
# ---------------------------------------------------------------------------

def _plottable(stds):
    """Standard deviations on a log axis: 0 and inf clipped to 1e-300 and 1e300."""
    return np.clip(stds, 1e-300, 1e300)


def _std_limits(*stds):
    """Whole decades around the values and the two thresholds (stable while controls move)."""
    values = np.log10(_plottable(np.concatenate(stds)))
    lo = min(math.floor(values.min()), round(math.log10(VANISH)) - 1)
    hi = max(math.ceil(values.max()), round(math.log10(EXPLODE)) + 1)
    return 10.0 ** lo, 10.0 ** hi


def _thresholds(ax):
    """Dotted lines at VANISH and EXPLODE."""
    for level, text in ((EXPLODE, "explodes above"), (VANISH, "vanishes below")):
        ax.axhline(level, color="0.5", ls=":", lw=1)
        ax.annotate(text, (0.99, level), xycoords=("axes fraction", "data"), fontsize=7,
                    color="0.4", va="bottom", ha="right")


def _std_panel(ax, ylabel=True):
    """Label ``ax`` as the std-per-layer panel; returns its two lines."""
    (a_line,) = ax.semilogy([1], [1], "o-", color=C_RUN, ms=3.5, lw=1.3,
                            label="activations a = φ(z)")
    (g_line,) = ax.semilogy([1], [1], "s-", color=C_GRAD, ms=3.5, lw=1.3,
                            label="gradients δ = dL/dz")
    _thresholds(ax)
    ax.yaxis.set_minor_locator(NullLocator())    # decades only: readable, and quicker to draw
    ax.set_xlabel("layer l")
    if ylabel:
        ax.set_ylabel("standard deviation (log scale)")
    ax.grid(True, which="major", alpha=0.3)
    return a_line, g_line


def _show_stds(ax, lines, stats: InitStats):
    layers = np.arange(1, stats.depth + 1)
    for line, stds in zip(lines, (stats.activation_std, stats.gradient_std)):
        line.set_data(layers, _plottable(stds))
    ax.set_xlim(0.5, nice_ceil(stats.depth) + 0.5)     # 10, 15, 20, 30: changes now and then
    ax.xaxis.get_major_locator().set_params(integer=True)


def _shown_layers(depth):
    """The layers whose activations get a histogram: first, middle, last (1-based)."""
    return sorted({1, (depth + 1) // 2, depth})


def _histograms(stats: InitStats, bins=60):
    """The shown layers, each one's histogram scaled to a peak of 1, and the bin edges.

    Exact zeros (the units a ReLU switches off, half of them) are left out, or
    their spike would flatten everything else. The range holds 99.5% of the
    sampled values, rounded up to 1, 2 or 5 times a power of ten (so the axes
    change only now and then); values beyond it count in the end bins.
    """
    layers = _shown_layers(stats.depth)
    shown = stats.samples[[l - 1 for l in layers]]
    widest = float(np.percentile(_plottable(np.abs(shown[shown != 0])), 99.5)) if shown.any() \
        else 1.0
    decade = 10.0 ** math.floor(math.log10(widest))
    hi = next(m * decade for m in (1, 2, 5, 10) if m * decade >= widest)
    lo = -hi if np.any(shown < 0) else 0.0
    edges = np.linspace(lo, hi, bins + 1)
    counts = [np.histogram(np.clip(values[values != 0], lo, hi), edges)[0] for values in shown]
    return layers, [c / max(c.max(), 1) for c in counts], edges


class _PlotInit(Canvas):
    """Left: std of activations and gradients per layer; right: activation histograms."""

    def __init__(self):
        super().__init__(width_ratios=[1.25, 1])
        ax, ax2 = self.axes
        self.lines = _std_panel(ax)
        ax.legend(loc="lower left", fontsize=7.5)
        self.stairs = [ax2.stairs(np.zeros(1), [0, 1], color=c, lw=1.4, label=" ")
                       for c in ("tab:green", "tab:purple", "tab:brown")]
        ax2.set_xlabel("activation a = φ(z)")
        ax2.set_ylabel("frequency (peak = 1)")
        ax2.set_ylim(0, 1.08)
        ax2.grid(True, alpha=0.3)
        self.dynamic(*self.lines, *self.stairs, ax.title, ax2.title)

    def show(self, stats: InitStats):
        ax, ax2 = self.axes
        _show_stds(ax, self.lines, stats)
        ax.set_ylim(*_std_limits(stats.activation_std, stats.gradient_std))
        color = "black" if stats.healthy else "tab:red"
        ax.set_title(f"{stats.label}, width {stats.width}: std per layer", fontsize=9,
                     color=color)
        layers, counts, edges = _histograms(stats)
        for k, patch in enumerate(self.stairs):
            shown = k < len(layers)
            patch.set_visible(shown)
            if shown:
                patch.set_data(counts[k], edges)
                std = stats.activation_std[layers[k] - 1]
                patch.set_label(f"layer {layers[k]} (std {std:.2g})")
        ax2.set_xlim(edges[0], edges[-1])
        ax2.set_title("activations of three layers (zeros left out)", fontsize=9)
        self.legend(ax2, handles=[p for p in self.stairs if p.get_visible()], fontsize=7.5,
                    loc="upper right")


class InitExplorer(Explorer):
    """The widget built by ``init_explorer``.

    Attributes: ``activation_menu``, ``init_menu``, ``depth_slider``,
    ``width_slider``, ``status``, ``image``, ``result`` (the latest
    ``InitStats``), ``last_update_ms`` (the last rerun and redraw).
    """

    def __init__(self, stats: InitStats, n, rng):
        super().__init__()
        self.n, self.seed = n, rng
        self.activation_menu = dropdown(list(functional.ACTIVATIONS), stats.activation,
                                        "activation φ")
        menu = list(INIT_MENU) + ([stats.init] if stats.init not in INIT_MENU else [])
        self.init_menu = dropdown(menu, stats.init, "initialisation")
        self.depth_slider = int_slider(stats.depth, DEPTHS[0], max(DEPTHS[1], stats.depth),
                                       "depth (layers)", continuous=False)
        widths = sorted({*WIDTHS, stats.width})
        self.width_slider = selection_slider(widths, stats.width, "width (units)")
        controls = [self.activation_menu, self.init_menu, self.depth_slider, self.width_slider]
        image, status = self._setup(controls, _PlotInit())
        self.children = [*controls, status, image]
        self._start(stats)

    def _compute(self):
        stats = self._first_or(lambda: run_init_stats(
            self.depth_slider.value, self.activation_menu.value, self.init_menu.value,
            self.width_slider.value, n=self.n, rng=self.seed))
        self.result = stats
        self.status.value = status_html(stats.message, "ok" if stats.healthy else "bad")
        self.plot.show(stats)


#: The static figure's settings: (activation, init), one row per activation.
REPRESENTATIVE = ((("tanh", "normal(0.01)"), ("tanh", "xavier_normal"), ("tanh", "he_normal")),
                  (("relu", "normal(1)"), ("relu", "xavier_normal"), ("relu", "he_normal")))


def _overview(rows) -> Figure:
    """The static fallback: the std-per-layer panel of each run, small multiples."""
    figure = Figure(figsize=(FIGSIZE[0] * 1.05, 4.2), dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.subplots(len(rows), len(rows[0]), sharex=True, sharey=True)
    limits = _std_limits(*[s.activation_std for row in rows for s in row],
                         *[s.gradient_std for row in rows for s in row])
    for ax, stats in zip(axes.ravel(), [s for row in rows for s in row]):
        lines = _std_panel(ax, ylabel=False)
        _show_stds(ax, lines, stats)
        ax.set_ylim(*limits)
        ax.set_title(f"{stats.label}: {_summary(stats)}", fontsize=8,
                     color="black" if stats.healthy else "tab:red")
        ax.label_outer()
    figure.supylabel("standard deviation (log scale)", fontsize=9)
    figure.legend(handles=lines, loc="outside upper right", fontsize=7.5, ncols=2)
    figure.suptitle(f"std per layer at initialisation: {rows[0][0].depth} layers of width "
                    f"{rows[0][0].width}", fontsize=10, x=0.02, ha="left")
    return still(figure)


@builder
def init_explorer(depth=10, activation="tanh", init="xavier_normal", width=256, *, n=100,
                  rng=0, static=False):
    """Activations and gradients through a deep network at initialisation (unit 07).

    Controls: activation (every row of ``mlpkit.functional.ACTIVATIONS``),
    initialisation (``INIT_MENU``), depth and width; every change reruns
    ``run_init_stats`` (the real ``nn.Linear`` and ``nn.Activation`` layers,
    forward and backward) from the same seed. Left: the std of the
    activations and of the gradients per layer (log scale); right: histograms
    of the activations of the first, middle and last layer.

    Parameters
    ----------
    depth, activation, init, width, n : see ``run_init_stats``
        Starting values (``n`` is smaller than there: 100 inputs x ``width``
        units give each std to about 1% and keep a redraw fast).
    rng : int
        Seed of the weights and inputs (the same for every change).
    static : bool
        Return one still matplotlib Figure instead (for slides or print):
        small multiples of ``REPRESENTATIVE`` (tanh with normal(0.01), Xavier
        and He; ReLU with normal(1), Xavier and He) at this depth and width.

    Returns
    -------
    InitExplorer (an ``ipywidgets.VBox``), a Figure if ``static``, or None
    under autograding.
    """
    rng = check_seed(rng)
    if static:
        return _overview([[run_init_stats(depth, a, i, width, n=n, rng=rng) for a, i in row]
                          for row in REPRESENTATIVE])
    return InitExplorer(run_init_stats(depth, activation, init, width, n=n, rng=rng), n, rng)
