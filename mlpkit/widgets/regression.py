"""Unit 02's line fit, trained by mini-batch SGD with momentum, live (units 03, 08).

``run_regression`` trains with mlpkit's real parts (``data.make_line``,
``nn.Linear``, ``losses.MSELoss``, ``optim.SGD``, ``data.batches``);
``regression_training()`` puts sliders on it and draws the fitted line and the
learning curve, with a replay of training epoch by epoch.
"""
from __future__ import annotations

import dataclasses
import math

import ipywidgets as widgets
import numpy as np

from mlpkit import data, losses, nn, optim
from mlpkit._validation import check_int, check_positive, check_probability, check_rng
from mlpkit.widgets._base import (BLOWUP, Explorer, builder, check_seed, check_steps,
                                  eta_threshold_html, fmt, int_slider, lr_slider, momentum_slider,
                                  note, selection_slider, status_html, still_figure, summary_repr)
from mlpkit.widgets._canvas import C_RUN, Canvas, clip_loss, log_limits, nice_ceil
from mlpkit.widgets.theory import divergence_threshold

__all__ = ["RegressionRun", "run_regression", "regression_training", "RegressionExplorer"]


@dataclasses.dataclass(frozen=True, repr=False)
class RegressionRun:
    """Result of ``run_regression``.

    Attributes
    ----------
    x, y : ndarray, shape (N, 1)
        The data set (float64).
    params : ndarray, shape (E+1, 2)
        (w, b) of the model before training and after each epoch.
    epoch_losses : ndarray, shape (E+1,)
        Mean squared error on the whole data set at the same moments.
    step_losses : ndarray, shape (S,)
        The mini-batch loss of each update step.
    steps_per_epoch : int
    lstsq : (float, float)
        The least-squares line (w, b) (normal equations), the reference answer.
    lstsq_loss : float
        Its mean squared error, the smallest possible.
    threshold : float
        Full-batch stability threshold 2(1+mu)/lambda_max, lambda_max the
        largest eigenvalue of the MSE's Hessian 2 E[(x, 1)(x, 1)^T]; mini-batch
        steps are noisier, so treat it as an upper guide.
    diverged : bool
        The loss or the weights blew up (> 1e6 in size, or not finite); training
        then stops.
    message : str
    """

    lr: float
    momentum: float
    batch_size: int
    epochs: int
    x: np.ndarray
    y: np.ndarray
    params: np.ndarray
    epoch_losses: np.ndarray
    step_losses: np.ndarray
    steps_per_epoch: int
    lstsq: tuple
    lstsq_loss: float
    threshold: float
    diverged: bool
    message: str

    def __repr__(self) -> str:
        return summary_repr(self, lr=self.lr, momentum=self.momentum, batch_size=self.batch_size,
                            epochs=len(self.epoch_losses) - 1, final_loss=self.epoch_losses[-1],
                            diverged=self.diverged)


def run_regression(lr=0.01, momentum=0.0, batch_size=10, epochs=30, *, n=100,
                   rng=0) -> RegressionRun:
    """Fit a line by mini-batch gradient descent with mlpkit's real parts.

    Data ``mlpkit.data.make_line(n, rng=...)``, model
    ``mlpkit.nn.Linear(1, 1)`` (float64), loss ``mlpkit.losses.MSELoss``,
    optimiser ``mlpkit.optim.SGD(model.parameters(), lr, momentum)``, mini-batches
    from ``mlpkit.data.batches`` (shuffled every epoch). Each step:
    ``zero_grad``, forward, loss, backward, ``step``. Training stops if the loss
    or the weights blow up.

    Parameters
    ----------
    lr : float
        eta > 0.
    momentum : float
        mu in [0, 1).
    batch_size : int
        B, 1 <= B (B >= n is full-batch descent).
    epochs : int
        Passes over the data, >= 1.
    n : int
        Number of examples N >= 2.
    rng : None, int or numpy.random.Generator
        Source of the data, the initial weights and the shuffling. With an int
        seed (the default) every call sees the same data, start and batch order,
        so only the hyperparameters differ between two runs.

    Returns
    -------
    RegressionRun
    """
    lr = check_positive("lr", lr)
    momentum = check_probability("momentum", momentum)
    batch_size = check_int("batch_size", batch_size, minimum=1)
    epochs = check_steps(epochs, "epochs")
    n = check_int("n", n, minimum=2)
    gen = check_rng(rng)

    x, y = data.make_line(n, rng=gen, dtype=np.float64)    # x, y of shape (N, 1)
    model = nn.Linear(1, 1, rng=gen, dtype=np.float64)
    loss_fn = losses.MSELoss()
    opt = optim.SGD(model.parameters(), lr=lr, momentum=momentum)

    # Reference: least squares by the normal equations, and the Hessian of the MSE.
    X = np.hstack([x, np.ones_like(x)])
    (w_ls, b_ls), *_ = np.linalg.lstsq(X, y[:, 0], rcond=None)
    lstsq_loss = float(np.mean((X @ np.array([w_ls, b_ls]) - y[:, 0]) ** 2))
    lam = float(np.linalg.eigvalsh(2.0 * X.T @ X / len(x))[-1])
    threshold = divergence_threshold(lam, momentum)

    def snapshot():
        return [float(model.weight.data[0, 0]), float(model.bias.data[0])]

    def full_loss():
        return float(np.mean((model.forward(x) - y) ** 2))

    params, epoch_losses, step_losses = [snapshot()], [full_loss()], []
    diverged = False
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(epochs):
            for xb, yb in data.batches(x, y, batch_size, shuffle=True, rng=gen):
                opt.zero_grad()
                loss = loss_fn(model(xb), yb)
                step_losses.append(loss)
                if not abs(loss) <= BLOWUP:
                    diverged = True
                    break
                model.backward(loss_fn.backward())
                opt.step()
                if not max(abs(v) for v in snapshot()) <= BLOWUP:
                    diverged = True
                    break
            params.append(snapshot())
            epoch_losses.append(full_loss())
            if diverged:
                break
    run = RegressionRun(lr=lr, momentum=momentum, batch_size=batch_size, epochs=epochs,
                        x=x, y=y, params=np.asarray(params),
                        epoch_losses=np.asarray(epoch_losses),
                        step_losses=np.asarray(step_losses, dtype=np.float64),
                        steps_per_epoch=-(-len(x) // batch_size),
                        lstsq=(float(w_ls), float(b_ls)), lstsq_loss=lstsq_loss,
                        threshold=threshold, diverged=diverged, message="")
    return dataclasses.replace(run, message=_message(run))


def _message(run: RegressionRun) -> str:
    E = len(run.epoch_losses) - 1
    threshold = fmt(run.threshold)
    if run.diverged:
        message = (f"diverges: training stopped in epoch {E} when the loss or the weights "
                   f"passed {BLOWUP:.0e}")
        if run.lr > run.threshold:
            message += (f"; eta = {fmt(run.lr)} is above even the full-batch threshold "
                        f"2(1+mu)/lambda_max = {threshold}")
        return message + "."
    (w, b), (w_ls, b_ls) = run.params[-1], run.lstsq
    loss = run.epoch_losses[-1]
    return (f"after {E} epochs ({E * run.steps_per_epoch} steps of batch size "
            f"{min(run.batch_size, len(run.x))}): w = {w:.3f}, b = {b:.3f}, MSE = {loss:.4g} "
            f"(least squares: w = {w_ls:.3f}, b = {b_ls:.3f}, MSE = {run.lstsq_loss:.4g}; "
            f"gap {loss - run.lstsq_loss:.2g}). Full-batch descent is stable for "
            f"eta < 2(1+mu)/lambda_max = {threshold}.")


class _PlotRegression(Canvas):
    """Left: the data and the fitted line; right: the learning curve."""

    def __init__(self, run: RegressionRun):
        super().__init__()
        ax, ax2 = self.axes
        x = run.x[:, 0]
        ax.plot(x, run.y[:, 0], ".", color="0.45", ms=5, label="data (x_i, y_i)")
        pad = 0.05 * (x.max() - x.min())
        self.xs = np.array([x.min() - pad, x.max() + pad])
        w_ls, b_ls = run.lstsq
        ax.plot(self.xs, w_ls * self.xs + b_ls, "--", color="tab:green", lw=1.3,
                label="least squares")
        (self.fit_line,) = ax.plot([], [], "-", color=C_RUN, lw=2, label="model y_hat = wx + b")
        ax.set_xlim(*self.xs)
        ylo, yhi = run.y.min(), run.y.max()
        ypad = 0.25 * (yhi - ylo)
        ax.set_ylim(ylo - ypad, yhi + ypad)
        ax.set_xlabel("x")
        ax.set_ylabel("y")
        ax.set_title("fitted line", fontsize=9)
        (self.step_line,) = ax2.semilogy([1], [1], "-", color=C_RUN, lw=0.7, alpha=0.45,
                                         label="mini-batch loss per step")
        (self.epoch_line,) = ax2.semilogy([1], [1], "o-", color=C_RUN, ms=3.5, lw=1.3,
                                          label="MSE on all data, per epoch")
        self.ls_line = ax2.axhline(run.lstsq_loss, color="tab:green", ls="--", lw=1,
                                   label="least-squares MSE")
        self.cursor = ax2.axvline(0, color="tab:orange", lw=1, label="epoch shown")
        ax2.set_xlabel("epoch")
        ax2.set_ylabel("MSE (log scale)")
        ax2.set_title("learning curve", fontsize=9)
        ax2.grid(True, which="major", alpha=0.3)
        self.dynamic(self.fit_line, self.step_line, self.epoch_line, self.ls_line, self.cursor,
                     ax.title, ax2.title)

    def show(self, run: RegressionRun, epoch=None):
        ax, ax2 = self.axes
        E = len(run.epoch_losses) - 1
        epoch = E if epoch is None else min(max(int(epoch), 0), E)
        w, b = run.params[epoch]
        self.fit_line.set_data(self.xs, np.clip(w * self.xs + b, -1e6, 1e6))
        steps = clip_loss(run.step_losses)
        self.step_line.set_data((np.arange(len(steps)) + 1) / run.steps_per_epoch, steps)
        epochs = clip_loss(run.epoch_losses)
        self.epoch_line.set_data(np.arange(len(epochs)), epochs)
        self.cursor.set_xdata([epoch, epoch])
        ax2.set_xlim(-0.2, nice_ceil(run.epochs) + 0.2)
        floor = 10.0 ** math.floor(math.log10(max(run.lstsq_loss, 1e-12)) - 1)
        ax2.set_ylim(*log_limits(steps, epochs, floor=floor))
        self.legend(ax, loc="upper left", fontsize=8)
        self.legend(ax2, loc="lower left" if run.diverged else "upper right", fontsize=7.5)
        color = "tab:red" if run.diverged else "black"
        ax.set_title(f"Fitted line after epoch {epoch}: w = {w:.3g}, b = {b:.3g}", fontsize=9,
                     color=color)
        ax2.set_title(f"Learning curve: eta = {run.lr:.3g}, mu = {fmt(run.momentum)}, "
                      f"B = {min(run.batch_size, len(run.x))}", fontsize=9, color=color)


class RegressionExplorer(Explorer):
    """The widget built by ``regression_training``.

    Attributes: ``lr_slider``, ``momentum_slider``, ``batch_slider``,
    ``epochs_slider``, ``epoch_slider`` (the epoch shown) with ``play``,
    ``threshold_label``, ``status``, ``image``, ``result`` (the latest
    ``RegressionRun``), ``last_update_ms``.
    """

    def __init__(self, run: RegressionRun, n, rng):
        super().__init__()
        self.n, self.seed = n, rng
        base = math.log10(run.threshold)
        self.lr_slider = lr_slider(run.lr, base - 3.0, base + 0.5)
        self.momentum_slider = momentum_slider(run.momentum)
        sizes = sorted({*(2 ** i for i in range(int(math.log2(n)) + 1)), n,
                        min(run.batch_size, n)})
        # B = 1 means N steps per epoch: retrain when the slider is released
        self.batch_slider = selection_slider(sizes, min(run.batch_size, n), "batch size B")
        self.epochs_slider = int_slider(run.epochs, 1, max(100, run.epochs), "epochs",
                                        continuous=False)
        self.epoch_slider = int_slider(run.epochs, 0, run.epochs, "epoch shown")
        self.play = widgets.Play(value=run.epochs, min=0, max=run.epochs, step=1,
                                 interval=150, description="replay training")
        self.threshold_label = note()
        image, status = self._setup([self.lr_slider, self.momentum_slider, self.batch_slider,
                                     self.epochs_slider], _PlotRegression(run))
        self._replay(self.epoch_slider, self.play)
        self.children = [widgets.HBox([self.lr_slider, self.threshold_label]),
                         self.momentum_slider, self.batch_slider, self.epochs_slider,
                         widgets.HBox([self.epoch_slider, self.play]), status, image]
        self.update()

    def _compute(self):
        run = run_regression(self.lr_slider.value, self.momentum_slider.value,
                             self.batch_slider.value, self.epochs_slider.value, n=self.n,
                             rng=self.seed)
        self.result = run
        done = len(run.epoch_losses) - 1
        self._rewind_replay(self.epoch_slider, self.play, run.epochs, done)
        self.threshold_label.value = eta_threshold_html("full batch diverges above", "2(1+μ)/λmax",
                                                        run.threshold, run.lr)
        self.status.value = status_html(run.message, "bad" if run.diverged else "ok")
        self.plot.show(run, done)


@builder
def regression_training(lr=0.01, momentum=0.0, batch_size=10, epochs=30, *, n=100, rng=0,
                        static=False):
    """Train unit 02's line by mini-batch SGD with momentum, live (units 03, 08).

    Sliders: learning rate eta (logarithmic), momentum mu, batch size B and the
    number of epochs; every change retrains from the same start with
    ``run_regression`` (mlpkit's real ``make_line`` data, ``Linear(1, 1)``,
    ``MSELoss`` and ``SGD``) and redraws the learning curve and the fitted
    line. A "shown epoch" slider with a play button replays training epoch by
    epoch without retraining.

    Parameters
    ----------
    lr, momentum, batch_size, epochs : float, float, int, int
        Starting slider values (see ``run_regression``).
    n : int
        Number of examples N.
    rng : int
        Seed for the data, the initial weights and the batch order (an int,
        so every slider move trains on the same data from the same start).
    static : bool
        Return one still matplotlib Figure for the given values.

    Returns
    -------
    RegressionExplorer (an ``ipywidgets.VBox``), a Figure if ``static``, or
    None under autograding.
    """
    run = run_regression(lr, momentum, batch_size, epochs, n=n, rng=check_seed(rng))
    if static:
        return still_figure(_PlotRegression(run), run)
    return RegressionExplorer(run, n, rng)
