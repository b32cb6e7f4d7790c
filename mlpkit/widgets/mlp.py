"""A small MLP training live on a 2-D data set (unit 05).

``run_mlp`` trains a one-hidden-layer network with mlpkit's real parts
(``data.make_moons`` or ``data.make_spirals``, ``nn.Linear``, ``nn.Activation``,
``losses.CrossEntropyLoss``, ``optim.SGD`` and ``train.train_step``) and keeps
snapshots of the decision regions while it trains; ``mlp_playground()`` puts
controls on it (hidden width, learning rate on a log scale, activation from
``functional.ACTIVATIONS``, data set, steps) and replays training snapshot by
snapshot: decision regions on the left, the loss curve on the right.
"""
from __future__ import annotations

import dataclasses
import math

import ipywidgets as widgets
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure

from mlpkit import data, functional, losses, nn, optim, train
from mlpkit._validation import check_choice, check_int, check_positive, check_rng
from mlpkit.widgets._base import (BLOWUP, Explorer, builder, check_seed, check_steps, dropdown,
                                  int_slider, lr_slider, selection_slider, status_html,
                                  summary_repr)
from mlpkit.widgets._canvas import C_RUN, FIGSIZE, Canvas, clip_loss, log_limits, still

__all__ = ["MLPRun", "run_mlp", "mlp_playground", "MLPExplorer", "DATASETS"]

#: The data sets the playground offers: name -> (generator, keyword arguments).
DATASETS = {
    "moons": (data.make_moons, {"noise": 0.15}),
    "spirals": (data.make_spirals, {"num_classes": 3, "noise": 0.05}),
}
MOMENTUM = 0.9          # fixed, so that a few hundred full-batch steps are enough
GRID = 70               # decision regions are evaluated on a GRID x GRID mesh
FRAMES = 40             # snapshots kept for the replay
WIDTHS = (1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64)


@dataclasses.dataclass(frozen=True, repr=False)
class MLPRun:
    """Result of ``run_mlp``.

    Attributes
    ----------
    x : ndarray, shape (N, 2)
        The data set (float64).
    y : ndarray of int64, shape (N,)
        Class labels 0 .. C-1.
    losses : ndarray, shape (S,)
        The cross-entropy loss L of each training step (before its update).
    frame_steps : ndarray of int, shape (F,)
        The steps after which a snapshot was taken (0 = before training).
    regions : ndarray of int, shape (F, GRID, GRID)
        The predicted class on the grid at each snapshot.
    accuracies : ndarray, shape (F,)
        Training accuracy at each snapshot.
    extent : (float, float, float, float)
        (x1_min, x1_max, x2_min, x2_max) of the grid.
    diverged : bool
        The loss or the weights blew up (not finite or > 1e6); training then stops.
    message : str
    """

    hidden: int
    lr: float
    activation: str
    dataset: str
    steps: int
    x: np.ndarray
    y: np.ndarray
    losses: np.ndarray
    frame_steps: np.ndarray
    regions: np.ndarray
    accuracies: np.ndarray
    extent: tuple
    diverged: bool
    message: str

    @property
    def num_classes(self) -> int:
        return int(self.y.max()) + 1

    def __repr__(self) -> str:
        return summary_repr(self, hidden=self.hidden, lr=self.lr, activation=self.activation,
                            dataset=self.dataset, steps=len(self.losses),
                            accuracy=self.accuracies[-1], diverged=self.diverged)


def _model(hidden, activation, num_classes, gen):
    """Linear(2, hidden) -> activation -> Linear(hidden, C), float64."""
    return nn.Sequential(nn.Linear(2, hidden, rng=gen, dtype=np.float64),
                         nn.Activation(activation),
                         nn.Linear(hidden, num_classes, rng=gen, dtype=np.float64))


def run_mlp(hidden=8, lr=0.3, activation="tanh", steps=300, *, dataset="moons", n=200,
            rng=0) -> MLPRun:
    """Train a one-hidden-layer MLP on a 2-D data set with mlpkit's real parts.

    Model ``Linear(2, hidden) -> Activation(activation) -> Linear(hidden, C)``
    (float64), loss ``losses.CrossEntropyLoss``, optimiser
    ``optim.SGD(lr, momentum=0.9)``, one full-batch ``train.train_step`` per
    step. ``FRAMES`` snapshots of the predicted class on a grid are kept, spread
    evenly over the steps.

    Parameters
    ----------
    hidden : int
        Width of the hidden layer, >= 1.
    lr : float
        eta > 0.
    activation : str
        A name in ``mlpkit.functional.ACTIVATIONS`` (``"identity"`` gives a
        linear model: the lecture's point).
    steps : int
        Number of full-batch steps, >= 1.
    dataset : str
        A name in ``DATASETS``: ``"moons"`` (C = 2) or ``"spirals"`` (C = 3).
    n : int
        Number of examples N >= 3.
    rng : None, int or numpy.random.Generator
        Source of the data and the initial weights (an int seed repeats both).

    Returns
    -------
    MLPRun
    """
    hidden = check_int("hidden", hidden, minimum=1)
    lr = check_positive("lr", lr)
    activation = check_choice("activation", activation, tuple(functional.ACTIVATIONS))
    steps = check_steps(steps)
    dataset = check_choice("dataset", dataset, tuple(DATASETS))
    n = check_int("n", n, minimum=3)
    gen = check_rng(rng)

    make, kwargs = DATASETS[dataset]
    x, y = make(n, rng=gen, dtype=np.float64, **kwargs)
    num_classes = int(y.max()) + 1
    model = _model(hidden, activation, num_classes, gen)
    loss_fn = losses.CrossEntropyLoss()
    opt = optim.SGD(model.parameters(), lr=lr, momentum=MOMENTUM)

    lo, hi = x.min(axis=0) - 0.4, x.max(axis=0) + 0.4
    g1, g2 = np.meshgrid(np.linspace(lo[0], hi[0], GRID), np.linspace(lo[1], hi[1], GRID))
    grid = np.column_stack([g1.ravel(), g2.ravel()])            # (GRID^2, 2)
    frame_at = set(np.unique(np.linspace(0, steps, FRAMES).round().astype(int)).tolist())

    frame_steps, regions, accuracies, step_losses = [], [], [], []

    def snapshot(step):
        frame_steps.append(step)
        regions.append(np.argmax(model(grid), axis=1).reshape(GRID, GRID))
        accuracies.append(float(np.mean(np.argmax(model(x), axis=1) == y)))

    diverged = False
    model.train()
    snapshot(0)
    with np.errstate(over="ignore", invalid="ignore"):
        for step in range(1, steps + 1):
            try:
                loss = train.train_step(model, loss_fn, opt, x, y)
            except ValueError:           # the loss or the gradients became nan or inf
                loss = math.inf
            step_losses.append(loss)
            too_big = max(float(np.max(np.abs(p.data))) for p in model.parameters()) > BLOWUP
            if not abs(loss) <= BLOWUP or too_big:
                diverged = True
                break
            if step in frame_at:
                snapshot(step)
    run = MLPRun(hidden=hidden, lr=lr, activation=activation, dataset=dataset, steps=steps,
                 x=x, y=y, losses=np.asarray(step_losses, dtype=np.float64),
                 frame_steps=np.asarray(frame_steps), regions=np.asarray(regions),
                 accuracies=np.asarray(accuracies),
                 extent=(lo[0], hi[0], lo[1], hi[1]), diverged=diverged, message="")
    return dataclasses.replace(run, message=_message(run))


def _message(run: MLPRun) -> str:
    if run.diverged:
        return (f"diverges: the loss or the weights blew up in step {len(run.losses)} "
                f"(eta = {run.lr:.3g} is too large for this network); try a smaller learning rate.")
    text = (f"{_label(run)}: after {len(run.losses)} steps, loss {run.losses[-1]:.3g}, "
            f"training accuracy {run.accuracies[-1]:.1%}.")
    if run.activation == "identity":
        text += (" Without a non-linear activation the network is affine: its boundaries are "
                 "straight.")
    return text


CLASS_COLORS = ("#1f77b4", "#d62728", "#2ca02c")


def _draw_regions(ax, run: MLPRun, legend=True):
    """The predicted class of the last snapshot as a light image, the data on top; the image."""
    C = run.num_classes
    image = ax.imshow(run.regions[-1], origin="lower", extent=run.extent,
                      cmap=ListedColormap(CLASS_COLORS[:C]), vmin=-0.5, vmax=C - 0.5,
                      alpha=0.25, interpolation="nearest", aspect="auto")
    for c in range(C):
        pts = run.x[run.y == c]
        ax.scatter(pts[:, 0], pts[:, 1], s=9, color=CLASS_COLORS[c], edgecolor="white",
                   linewidth=0.3, label=f"class {c}")
    ax.set_xlim(run.extent[0], run.extent[1])
    ax.set_ylim(run.extent[2], run.extent[3])
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    if legend:
        ax.legend(loc="upper right", fontsize=7.5, framealpha=0.8)
    return image


def _label(run: MLPRun) -> str:
    return f"2-{run.hidden}-{run.num_classes} MLP, {run.activation}"


class _PlotMLP(Canvas):
    """Left: decision regions and the data; right: the loss per step."""

    def __init__(self, run: MLPRun):
        super().__init__(width_ratios=[1, 1.25])
        ax, ax2 = self.axes
        self.regions = _draw_regions(ax, run)
        ax.set_title("decision regions", fontsize=9)
        (self.loss_line,) = ax2.semilogy([1], [1], "-", color=C_RUN, lw=1.2,
                                         label="cross-entropy loss L per step")
        self.cursor = ax2.axvline(0, color="tab:orange", lw=1, label="step shown")
        ax2.set_xlabel("step t")
        ax2.set_ylabel("loss L (log scale)")
        ax2.grid(True, which="major", alpha=0.3)
        ax2.legend(loc="lower left", fontsize=7.5)
        self.dynamic(self.regions, self.loss_line, self.cursor, ax.title, ax2.title)

    def show(self, run: MLPRun, frame=None):
        ax, ax2 = self.axes
        F = len(run.frame_steps) - 1
        frame = F if frame is None else min(max(int(frame), 0), F)
        self.regions.set_data(run.regions[frame])
        values = clip_loss(run.losses) if len(run.losses) else np.array([1.0])
        self.loss_line.set_data(np.arange(1, len(values) + 1), values)
        step = int(run.frame_steps[frame])
        self.cursor.set_xdata([step, step])
        ax2.set_xlim(0, run.steps)
        ax2.set_ylim(*log_limits(values, floor=1e-3))
        color = "tab:red" if run.diverged else "black"
        ax.set_title(f"{_label(run)}: step {step}, "
                     f"accuracy {run.accuracies[frame]:.0%}", fontsize=9, color=color)
        ax2.set_title(f"loss per step: eta = {run.lr:.3g}, momentum {MOMENTUM}", fontsize=9,
                      color=color)


class MLPExplorer(Explorer):
    """The widget built by ``mlp_playground``.

    Attributes: ``width_slider``, ``lr_slider``, ``activation_menu``,
    ``dataset_menu``, ``steps_slider``, ``frame_slider`` (the snapshot shown)
    with ``play``, ``status``, ``image``, ``result`` (the latest ``MLPRun``),
    ``last_update_ms`` (the last retrain or replay redraw).
    """

    def __init__(self, run: MLPRun, n, rng):
        super().__init__()
        self.n, self.seed = n, rng
        widths = sorted({*WIDTHS, run.hidden})
        self.width_slider = selection_slider(widths, run.hidden, "hidden width M")
        self.lr_slider = lr_slider(run.lr, -3.0, 1.0)
        self.lr_slider.continuous_update = False          # each move retrains
        self.activation_menu = dropdown(list(functional.ACTIVATIONS), run.activation,
                                        "activation φ")
        self.dataset_menu = dropdown(list(DATASETS), run.dataset, "data set")
        self.steps_slider = int_slider(run.steps, 10, max(1000, run.steps), "steps",
                                       step=10, continuous=False)
        last = len(run.frame_steps) - 1
        self.frame_slider = int_slider(last, 0, last, "snapshot shown")
        self.play = widgets.Play(value=0, min=0, max=last, step=1, interval=120,
                                 description="watch it train")
        image, status = self._setup([self.width_slider, self.lr_slider, self.activation_menu,
                                     self.dataset_menu, self.steps_slider], _PlotMLP(run))
        self._replay(self.frame_slider, self.play)
        self.children = [self.width_slider, self.lr_slider, self.activation_menu,
                         self.dataset_menu, self.steps_slider,
                         widgets.HBox([self.frame_slider, self.play]), status, image]
        self._start(run)

    def _compute(self):
        run = self._first_or(lambda: run_mlp(
            self.width_slider.value, self.lr_slider.value, self.activation_menu.value,
            self.steps_slider.value, dataset=self.dataset_menu.value, n=self.n, rng=self.seed))
        if getattr(self, "result", run).dataset != run.dataset:
            self.plot = _PlotMLP(run)        # another data set: new scatter and colours
        self.result = run
        last = len(run.frame_steps) - 1
        self._rewind_replay(self.frame_slider, self.play, last, last, move_play=False)
        self.status.value = status_html(run.message, "bad" if run.diverged else "ok")
        self.plot.show(run, last)


def _overview(runs) -> Figure:
    """The static fallback: the final decision regions of a few runs and their loss curves."""
    figure = Figure(figsize=(FIGSIZE[0] * 1.05, FIGSIZE[1]), dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.subplots(1, len(runs) + 1, width_ratios=[1] * len(runs) + [1.3])
    for k, (ax, run, colour) in enumerate(zip(axes, runs, ("0.45", "tab:orange", C_RUN))):
        _draw_regions(ax, run, legend=k == 0)
        ax.set_title(f"{_label(run)}\naccuracy {run.accuracies[-1]:.0%}", fontsize=8.5)
        axes[-1].semilogy(np.arange(1, len(run.losses) + 1), clip_loss(run.losses), color=colour,
                          lw=1.3, label=_label(run))
    axes[-1].set(xlabel="step t", ylabel="loss L (log scale)")
    axes[-1].set_title(f"loss per step, eta = {runs[-1].lr:.3g}", fontsize=8.5)
    axes[-1].grid(True, which="major", alpha=0.3)
    axes[-1].legend(fontsize=7)
    return still(figure)


@builder
def mlp_playground(hidden=8, lr=0.3, activation="tanh", steps=300, *, dataset="moons", n=200,
                   rng=0, static=False):
    """A small MLP training live on two moons or spirals (unit 05).

    Controls: hidden width M, learning rate eta (logarithmic), activation (every
    row of ``mlpkit.functional.ACTIVATIONS``), data set and number of steps;
    every change retrains from the same data and start with ``run_mlp`` (the
    real ``nn``, ``losses``, ``optim`` and ``train.train_step``). The play
    button beside "snapshot shown" replays the snapshots: the decision regions
    grow into shape while the cursor runs along the loss curve.

    Parameters
    ----------
    hidden, lr, activation, steps, dataset, n : see ``run_mlp``
        Starting values.
    rng : int
        Seed for the data and the initial weights (an int, so every change
        retrains on the same data from the same start).
    static : bool
        Return one still matplotlib Figure instead (for slides or print): the
        final decision regions and loss curves of three representative
        settings, the identity activation (a straight boundary), 2 hidden
        units, and the given values.

    Returns
    -------
    MLPExplorer (an ``ipywidgets.VBox``), a Figure if ``static``, or None
    under autograding.
    """
    run = run_mlp(hidden, lr, activation, steps, dataset=dataset, n=n, rng=check_seed(rng))
    if static:        # the same settings with no non-linearity, with 2 hidden units, as given
        others = [run_mlp(hidden, lr, "identity", steps, dataset=dataset, n=n, rng=rng),
                  run_mlp(2, lr, activation, steps, dataset=dataset, n=n, rng=rng)]
        return _overview([r for r in others if (r.hidden, r.activation) !=
                          (run.hidden, run.activation)] + [run])
    return MLPExplorer(run, n, rng)
