"""Logistic regression trained live on a 2-D data set (unit 04).

``run_logistic`` trains one sigmoid neuron by full-batch gradient descent with
mlpkit's real parts (``data.make_blobs`` or ``data.make_moons``,
``nn.Linear(2, 1)``, ``losses.BCEWithLogitsLoss``, ``optim.SGD`` and
``train.train_step``) and records the parameters, the loss and the accuracy
after every step. ``logistic_regression()`` puts a logarithmic learning-rate
slider on it and draws the decision boundary w1 x1 + w2 x2 + b = 0 over the
predicted probability sigmoid(z), beside the loss curve; a "step shown"
slider with a play button replays training step by step.

Why a learning rate can be too large here: the Hessian of the mean binary
cross-entropy is (1/N) sum_i p_i (1 - p_i) x~_i x~_i^T with x~ = (x1, x2, 1),
and p (1 - p) <= 1/4, so its curvature is at most lambda_max / 4 with
lambda_max the largest eigenvalue of X~^T X~ / N. Every step with
eta < 2 / (lambda_max / 4) = 8 / lambda_max lowers the loss (unit 03's rule);
larger steps may overshoot and make the loss go up.
"""
from __future__ import annotations

import dataclasses
import math

import ipywidgets as widgets
import numpy as np

from mlpkit import data, losses, nn, optim, train
from mlpkit._validation import check_choice, check_int, check_positive, check_rng
from mlpkit.widgets._base import (BLOWUP, Explorer, builder, check_seed, check_steps, dropdown,
                                  eta_threshold_html, fmt, int_slider, lr_slider, note, status_html,
                                  still_figure, summary_repr)
from mlpkit.widgets._canvas import C_RUN, Canvas, clip_loss, log_limits, nice_ceil

__all__ = ["LogisticRun", "run_logistic", "logistic_regression", "LogisticExplorer",
           "DATASETS"]

#: The data sets the widget offers: name -> function (n, gen) -> (x (N, 2), y (N,) int64).
DATASETS = {
    # two overlapping Gaussian blobs: a straight line separates them well, not perfectly
    "blobs": lambda n, gen: data.make_blobs(n, centers=[[-1.0, -0.5], [1.5, 1.0]], std=0.9,
                                            rng=gen, dtype=np.float64),
    # two interleaving half circles: no straight line separates them
    "moons": lambda n, gen: data.make_moons(n, noise=0.15, rng=gen, dtype=np.float64),
}


@dataclasses.dataclass(frozen=True, repr=False)
class LogisticRun:
    """Result of ``run_logistic``.

    Attributes
    ----------
    x : ndarray, shape (N, 2)
        The inputs (float64).
    y : ndarray of int64, shape (N,)
        The labels, 0 or 1.
    params : ndarray, shape (T+1, 3)
        (w1, w2, b) before training (all zero) and after each step.
    losses : ndarray, shape (T+1,)
        The mean binary cross-entropy on all N examples at the same moments;
        losses[0] = ln 2 (p = 0.5 for every example).
    accuracy : ndarray, shape (T+1,)
        The fraction of examples with the right class (class 1 where z >= 0).
    safe_lr : float
        8 / lambda_max: every step with eta below it lowers the loss.
    rises : int
        How many steps made the loss go up.
    diverged : bool
        The loss or the weights blew up (> 1e6 in size, or not finite);
        training then stops.
    message : str
    """

    lr: float
    steps: int
    dataset: str
    x: np.ndarray
    y: np.ndarray
    params: np.ndarray
    losses: np.ndarray
    accuracy: np.ndarray
    safe_lr: float
    rises: int
    diverged: bool
    message: str

    def __repr__(self) -> str:
        return summary_repr(self, lr=self.lr, steps=len(self.losses) - 1, dataset=self.dataset,
                            final_loss=self.losses[-1], accuracy=self.accuracy[-1],
                            diverged=self.diverged)


def _bce(z, y):
    """Mean binary cross-entropy of logits z (N, K) against labels y (N,): one loss per column.

    Written out (softplus(z) - y z, stable for any z) to evaluate every snapshot
    at once; ``test_widgets_classification`` checks it against ``losses.BCEWithLogitsLoss``.
    """
    return np.mean(np.maximum(z, 0) - y[:, None] * z + np.log1p(np.exp(-np.abs(z))), axis=0)


def run_logistic(lr=0.5, steps=100, *, dataset="blobs", n=200, rng=0) -> LogisticRun:
    """Train logistic regression on a 2-D data set by full-batch gradient descent.

    The model is ``nn.Linear(2, 1)`` (float64), started at w = 0, b = 0, so
    that every run starts from the same point, L = ln 2; the loss is
    ``losses.BCEWithLogitsLoss`` (the sigmoid is built in) and each step is
    ``train.train_step`` with ``optim.SGD(lr)``: zero_grad, forward, loss,
    backward, update. Training stops early if the loss or the weights blow up.

    Parameters
    ----------
    lr : float
        eta > 0.
    steps : int
        Number of gradient-descent steps T >= 1.
    dataset : {"blobs", "moons"}
        Two overlapping blobs (nearly linearly separable) or two moons (not).
    n : int
        Number of examples N >= 2.
    rng : None, int or numpy.random.Generator
        Source of the data.

    Returns
    -------
    LogisticRun
    """
    lr = check_positive("lr", lr)
    steps = check_steps(steps)
    dataset = check_choice("dataset", dataset, tuple(DATASETS))
    n = check_int("n", n, minimum=2)
    x, y = DATASETS[dataset](n, check_rng(rng))
    target = y[:, None].astype(np.float64)              # (N, 1), as the loss wants it

    model = nn.Linear(2, 1, init="zeros", dtype=np.float64)
    loss_fn = losses.BCEWithLogitsLoss()
    sgd = optim.SGD(model.parameters(), lr=lr)

    x1 = np.hstack([x, np.ones((len(x), 1))])           # x~ = (x1, x2, 1), shape (N, 3)
    lam = float(np.linalg.eigvalsh(x1.T @ x1 / len(x))[-1])

    def snapshot():
        return np.array([*model.weight.data[0], model.bias.data[0]])

    params, step_losses, diverged = [snapshot()], [], False
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(steps):
            try:
                step_losses.append(train.train_step(model, loss_fn, sgd, x, target))
            except ValueError:                          # the loss saw inf or nan
                diverged = True
                break
            params.append(snapshot())
            if not np.all(np.abs(params[-1]) <= BLOWUP):
                diverged = True
                break
    params = np.asarray(params)
    z = x1 @ params.T                                   # logits at every snapshot, (N, T+1)
    curve = _bce(z, y)
    accuracy = np.mean((z >= 0) == (y[:, None] == 1), axis=0)
    rises = int(np.sum(np.diff(curve) > 1e-12))
    run = LogisticRun(lr=lr, steps=steps, dataset=dataset, x=x, y=y, params=params,
                      losses=curve, accuracy=accuracy, safe_lr=8.0 / lam, rises=rises,
                      diverged=diverged, message="")
    return dataclasses.replace(run, message=_message(run))


def _message(run: LogisticRun) -> str:
    T = len(run.losses) - 1
    if run.diverged:
        return (f"diverges: training stopped at step {T} when the weights passed {BLOWUP:.0e}; "
                f"eta = {fmt(run.lr)} is far above 8/lambda_max = {fmt(run.safe_lr)}.")
    w1, w2, b = run.params[-1]
    text = (f"after {T} steps: L = {run.losses[-1]:.4f} (from ln 2 = {math.log(2):.4f}), "
            f"accuracy {run.accuracy[-1]:.1%}, w = ({w1:.3g}, {w2:.3g}), b = {b:.3g}.")
    if run.rises:
        text += (f" The loss went up in {run.rises} of {T} steps: eta = {fmt(run.lr)} is above "
                 f"8/lambda_max = {fmt(run.safe_lr)}, where every step is guaranteed to help.")
    else:
        text += (f" Every step lowered the loss (steps below 8/lambda_max = "
                 f"{fmt(run.safe_lr)} always do).")
    if run.dataset == "moons":
        text += " No straight line separates the moons: a linear classifier cannot reach 100%."
    return text


def _signed(value) -> str:
    """'+ 1.6' or '- 0.83': a term of the boundary's equation."""
    return f"{'-' if value < 0 else '+'} {abs(value):.2g}"


class _PlotLogistic(Canvas):
    """Left: the predicted probability, the boundary and the data; right: loss and accuracy."""

    GRID = 80

    def __init__(self, run: LogisticRun):
        super().__init__(width_ratios=[1.0, 1.25])
        ax, ax2 = self.axes
        lo, hi = run.x.min(axis=0), run.x.max(axis=0)
        pad = 0.1 * (hi - lo)
        self.lo, self.hi = lo - pad, hi + pad
        g1 = np.linspace(self.lo[0], self.hi[0], self.GRID)
        g2 = np.linspace(self.lo[1], self.hi[1], self.GRID)
        self.grid = np.stack(np.meshgrid(g1, g2), axis=-1)           # (G, G, 2)
        self.image = ax.imshow(np.full((self.GRID, self.GRID), 0.5), origin="lower",
                               extent=(self.lo[0], self.hi[0], self.lo[1], self.hi[1]),
                               cmap="coolwarm", vmin=0.0, vmax=1.0, alpha=0.45, aspect="auto",
                               interpolation="bilinear")
        (self.boundary,) = ax.plot([], [], "k-", lw=2, label="boundary p = 0.5")
        for c, color in ((0, "tab:blue"), (1, "tab:red")):
            mask = run.y == c
            ax.scatter(run.x[mask, 0], run.x[mask, 1], s=12, color=color, edgecolors="k",
                       linewidths=0.3, label=f"class {c}", zorder=3)
        ax.set_xlim(self.lo[0], self.hi[0])
        ax.set_ylim(self.lo[1], self.hi[1])
        ax.set_xlabel("x1")
        ax.set_ylabel("x2")
        (self.loss_line,) = ax2.semilogy([1], [1], "-", color=C_RUN, lw=1.6,
                                         label="loss L (binary cross-entropy)")
        self.cursor = ax2.axvline(0, color="tab:orange", lw=1, label="step shown")
        self.acc_axis = ax2.twinx()
        (self.acc_line,) = self.acc_axis.plot([], [], "-", color="tab:green", lw=1.2,
                                              label="accuracy (right axis)")
        self.acc_axis.set_ylim(0.0, 1.05)
        self.acc_axis.set_ylabel("accuracy")
        ax2.set_xlabel("gradient-descent step t")
        ax2.set_ylabel("loss L (log scale)")
        ax2.grid(True, which="major", alpha=0.3)
        # one legend for both panels, below them: drawn once with the background (a legend
        # redrawn on every frame would cost about a third of the redraw)
        self.figure.legend(handles=[*ax.collections, self.boundary, self.loss_line,
                                    self.acc_line, self.cursor],
                           loc="outside lower center", ncols=6, fontsize=7.5, frameon=False)
        self.dynamic(self.image, self.boundary, *ax.collections, self.loss_line, self.acc_line,
                     self.cursor, ax.title, ax2.title)

    def _key(self):
        return super()._key() + (self.acc_axis.get_ylim(),)

    def show(self, run: LogisticRun, step=None):
        ax, ax2 = self.axes
        T = len(run.losses) - 1
        step = T if step is None else min(max(int(step), 0), T)
        w1, w2, b = run.params[step]
        z = self.grid @ np.array([w1, w2]) + b
        self.image.set_data(0.5 * (1.0 + np.tanh(0.5 * z)))    # sigmoid(z), no overflow
        self.boundary.set_data(*self._line(w1, w2, b))
        ts = np.arange(T + 1)
        self.loss_line.set_data(ts, clip_loss(run.losses))
        self.acc_line.set_data(ts, run.accuracy)
        self.cursor.set_xdata([step, step])
        right = 1.01 * nice_ceil(run.steps)             # the cursor stays visible at the last step
        ax2.set_xlim(0, right)
        self.acc_axis.set_xlim(0, right)
        ax2.set_ylim(*log_limits(run.losses, floor=1e-2))
        color = "tab:red" if run.diverged else "black"
        ax.set_title(f"Step {step}: boundary {w1:.2g} x1 {_signed(w2)} x2 {_signed(b)} = 0",
                     fontsize=9, color=color)
        ax2.set_title(f"eta = {run.lr:.3g}: L = {run.losses[step]:.3f}, "
                      f"accuracy {run.accuracy[step]:.1%} at step {step}", fontsize=9, color=color)

    def _line(self, w1, w2, b):
        """Two points of w1 x1 + w2 x2 + b = 0 spanning the plot (none while w = 0)."""
        if abs(w2) >= abs(w1) and w2 != 0:               # solve for x2 across the x1 range
            xs = np.array([self.lo[0], self.hi[0]])
            return xs, -(w1 * xs + b) / w2
        if w1 != 0:                                       # a steep line: solve for x1
            ys = np.array([self.lo[1], self.hi[1]])
            return -(w2 * ys + b) / w1, ys
        return [], []


class LogisticExplorer(Explorer):
    """The widget built by ``logistic_regression``.

    Attributes: ``lr_slider``, ``data_menu``, ``steps_slider``, ``step_slider``
    (the step shown) with ``play``, ``threshold_label``, ``status``, ``image``,
    ``result`` (the latest ``LogisticRun``), ``last_update_ms``.
    """

    def __init__(self, run: LogisticRun, n, rng):
        super().__init__()
        self.n, self.seed = n, rng
        self._plots = {run.dataset: _PlotLogistic(run)}
        self.lr_slider = lr_slider(run.lr, -3.0, 1.5)
        self.data_menu = dropdown(list(DATASETS), run.dataset, "data set")
        self.steps_slider = int_slider(run.steps, 10, max(500, run.steps), "steps T", step=10,
                                       continuous=False)
        self.step_slider = int_slider(run.steps, 0, run.steps, "step shown")
        self.play = widgets.Play(value=0, min=0, max=run.steps, step=1, interval=80,
                                 description="train step by step")
        self.threshold_label = note()
        image, status = self._setup([self.lr_slider, self.data_menu, self.steps_slider],
                                    self._plots[run.dataset])
        self._replay(self.step_slider, self.play)
        self.children = [widgets.HBox([self.lr_slider, self.threshold_label]), self.data_menu,
                         self.steps_slider, widgets.HBox([self.step_slider, self.play]),
                         status, image]
        self.update()

    def _compute(self):
        run = run_logistic(self.lr_slider.value, self.steps_slider.value,
                           dataset=self.data_menu.value, n=self.n, rng=self.seed)
        if run.dataset not in self._plots:              # each data set keeps its own axes
            self._plots[run.dataset] = _PlotLogistic(run)
        self.plot = self._plots[run.dataset]
        self.result = run
        done = len(run.losses) - 1
        self._rewind_replay(self.step_slider, self.play, run.steps, done)
        self.threshold_label.value = eta_threshold_html("every step lowers L below", "8/λmax",
                                                        run.safe_lr, run.lr)
        self.status.value = status_html(run.message, "bad" if run.diverged else
                                        "warn" if run.rises else "ok")
        self.plot.show(run, done)


@builder
def logistic_regression(lr=0.5, steps=100, *, dataset="blobs", n=200, rng=0, static=False):
    """Train logistic regression live on a 2-D data set (unit 04).

    Controls: the learning rate eta (logarithmic slider), the data set (two
    blobs or two moons) and the number of steps T; every change retrains from
    w = 0, b = 0 with ``run_logistic`` (mlpkit's real ``Linear``,
    ``BCEWithLogitsLoss``, ``SGD`` and ``train_step``) and redraws the decision
    boundary over the predicted probability, and the loss and accuracy per
    step. The "step shown" slider and its play button replay training step by
    step, redrawing the boundary as it moves.

    Parameters
    ----------
    lr, steps : float, int
        Starting values (see ``run_logistic``).
    dataset : {"blobs", "moons"}
    n : int
        Number of examples N.
    rng : int
        Seed for the data (an int, so every change trains on the same points).
    static : bool
        Return one still matplotlib Figure for the given values (the last step).

    Returns
    -------
    LogisticExplorer (an ``ipywidgets.VBox``), a Figure if ``static``, or None
    under autograding.
    """
    run = run_logistic(lr, steps, dataset=dataset, n=n, rng=check_seed(rng))
    if static:
        return still_figure(_PlotLogistic(run), run)
    return LogisticExplorer(run, n, rng)
