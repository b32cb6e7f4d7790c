"""Gradient descent with momentum on the 1-D quadratic L(w) = (k/2)(w - w*)^2 (unit 03).

``run_1d`` runs the real ``mlpkit.optim.sgd_update`` and says whether and why
the run converges or diverges; ``quadratic_1d()`` puts sliders on it and draws
the iterates on the loss curve and the loss per step.
"""
from __future__ import annotations

import dataclasses
import math

import ipywidgets as widgets
import numpy as np

from mlpkit import optim
from mlpkit._validation import check_positive
from mlpkit.widgets._base import (BLOWUP, Explorer, builder, check_descent, check_flag, check_real,
                                  eta_threshold_html, first_below, fmt, int_slider, lr_slider,
                                  momentum_slider, note, plural, status_html, still_figure,
                                  summary_repr)
from mlpkit.widgets._canvas import (C_CURVE, C_RUN, Canvas, clip_loss, log_limits, loss_panel,
                                    nice_ceil, until_exit)
from mlpkit.widgets.theory import (convergence_rate, divergence_threshold, steps_needed,
                                   verdict)

__all__ = ["Run1D", "run_1d", "quadratic_1d", "Quadratic1DExplorer"]


@dataclasses.dataclass(frozen=True, repr=False)
class Run1D:
    """Result of ``run_1d``: gradient descent on L(w) = (k/2)(w - w*)^2.

    The settings (``lr``, ``momentum``, ``curvature``, ``w_star``, ``w0``, ``tol``,
    ``steps``) are kept as checked; ``nesterov`` is False when momentum is 0
    (Nesterov without momentum is plain descent).

    Attributes
    ----------
    path : ndarray, shape (T+1,)
        Iterates w_0, ..., w_T (T < steps if the run blew up and was stopped).
    losses : ndarray, shape (T+1,)
        L(w_t); the minimum is L* = 0.
    threshold : float
        The divergence threshold for eta (see ``divergence_threshold``).
    rate : float
        Asymptotic factor rho by which |w - w*| changes per step.
    verdict : str
        'converges', 'edge' (eta exactly at the threshold) or 'diverges'.
    diverged : bool
        True when verdict is 'diverges' (exact for this quadratic) or the run blew up.
    stopped_early : bool
        The run was stopped because |w - w*| exceeded ``BLOWUP`` (1e6).
    steps_to_tol : int or None
        First t with L(w_t) <= tol, None if not reached within the steps.
    message : str
        One or two plain sentences saying what happened and why.
    """

    lr: float
    momentum: float
    nesterov: bool
    curvature: float
    w_star: float
    w0: float
    tol: float
    steps: int
    path: np.ndarray
    losses: np.ndarray
    threshold: float
    rate: float
    verdict: str
    diverged: bool
    stopped_early: bool
    steps_to_tol: int | None
    message: str

    @property
    def threshold_formula(self) -> str:
        return "2(1+mu)/(k(1+2mu))" if self.nesterov else "2(1+mu)/k"

    def __repr__(self) -> str:
        return summary_repr(self, lr=self.lr, momentum=self.momentum, curvature=self.curvature,
                            steps=len(self.path) - 1, verdict=self.verdict,
                            threshold=self.threshold, steps_to_tol=self.steps_to_tol)


def run_1d(lr=0.1, momentum=0.0, steps=30, *, curvature=2.0, w_star=1.0, w0=-3.0,
           nesterov=False, tol=1e-4) -> Run1D:
    """Run ``mlpkit.optim.sgd_update`` on the 1-D quadratic L(w) = (k/2)(w - w*)^2.

    The gradient is dL/dw = k (w - w*). Each step calls the library's real
    update rule, ``sgd_update(w, dw, state, lr=eta, momentum=mu,
    nesterov=...)``. The run stops early once |w - w*| > 1e6.

    Convergence condition (derived in ``mlpkit.widgets.theory``): eta < 2(1+mu)/k
    for heavy-ball momentum (eta < 2/k for plain descent), and
    eta < 2(1+mu)/(k(1+2mu)) for Nesterov.

    Parameters
    ----------
    lr : float
        Learning rate eta > 0.
    momentum : float
        mu in [0, 1); 0 is plain gradient descent.
    steps : int
        Number of updates T >= 1.
    curvature : float
        k > 0, the second derivative of L.
    w_star : float
        The minimum w*.
    w0 : float
        The starting point.
    nesterov : bool
        Nesterov momentum (with momentum 0 it is plain descent).
    tol : float
        Tolerance on the loss for ``steps_to_tol`` (L* = 0).

    Returns
    -------
    Run1D
    """
    lr, momentum, steps, tol = check_descent(lr, momentum, steps, tol)
    k = check_positive("curvature", curvature)
    w_star = check_real("w_star", w_star)
    w0 = check_real("w0", w0)
    nesterov = check_flag("nesterov", nesterov)
    nesterov = nesterov and momentum > 0     # with mu = 0 Nesterov is plain descent

    path = [w0]
    w, state, stopped = w0, None, False
    for _ in range(steps):
        w, state = optim.sgd_update(w, k * (w - w_star), state, lr=lr, momentum=momentum,
                                    nesterov=nesterov)
        path.append(w)
        if not abs(w - w_star) <= BLOWUP:   # also catches NaN
            stopped = True
            break
    path = np.asarray(path, dtype=np.float64)
    losses = 0.5 * k * (path - w_star) ** 2

    threshold = divergence_threshold(k, momentum, nesterov=nesterov)
    rate = convergence_rate(lr, k, momentum, nesterov=nesterov)
    result = verdict(lr, threshold)
    reached = first_below(losses, tol)
    run = Run1D(lr=lr, momentum=momentum, nesterov=nesterov, curvature=k, w_star=w_star,
                w0=w0, tol=tol, steps=steps, path=path, losses=losses, threshold=threshold,
                rate=rate, verdict=result, diverged=result == "diverges" or stopped,
                stopped_early=stopped, steps_to_tol=reached, message="")
    return dataclasses.replace(run, message=_message(run))


def _message(run: Run1D) -> str:
    """What happened and why, in one or two sentences."""
    formula, lr, threshold = run.threshold_formula, fmt(run.lr), fmt(run.threshold)
    T = len(run.path) - 1
    if run.verdict == "diverges":
        e0, e_end = abs(run.path[0] - run.w_star), abs(run.path[-1] - run.w_star)
        message = (f"diverges: eta = {lr} is above the threshold {formula} = {threshold} for "
                   f"this curvature (k = {fmt(run.curvature)}, mu = {fmt(run.momentum)}); "
                   f"|w - w*| is multiplied by about {run.rate:.3g} per step")
        return message + (f" and passed {BLOWUP:.0e} after {T} steps (run stopped)."
                          if run.stopped_early else f", from {e0:.3g} to {e_end:.3g} in {T} steps.")
    if run.verdict == "edge":
        return (f"on the edge: eta = {lr} equals the threshold {formula} = {threshold}; "
                "the iterates oscillate for ever without converging.")
    message = f"converges: eta = {lr} is below the threshold {formula} = {threshold}; "
    if run.rate < 1e-12:
        message += "eta = 1/k jumps straight to the minimum"
    else:
        message += f"|w - w*| is multiplied by about {run.rate:.3g} per step"
    if run.steps_to_tol is not None:
        return message + f", and L < {run.tol:g} after {plural(run.steps_to_tol, 'step')}."
    need = steps_needed(run.losses[0], run.tol, run.rate)
    return message + (f"; L is still above {run.tol:g} after {plural(T, 'step')}"
                      + (f" (about {need} needed)." if need else "."))


class _Plot1D(Canvas):
    """Left: L(w) with the iterates; right: L(w_t) per step (log scale)."""

    def __init__(self, curvature, w_star, w0):
        super().__init__()
        self.k, self.w_star = curvature, w_star
        half = 1.3 * max(abs(w0 - w_star), 1e-3)
        self.lo, self.hi = w_star - half, w_star + half
        ax, ax2 = self.axes
        grid = np.linspace(self.lo, self.hi, 300)
        top = 0.5 * curvature * half ** 2
        ax.plot(grid, self._loss(grid), color=C_CURVE, lw=1.5,
                label=f"L(w) = (k/2)(w - w*)^2, k = {fmt(curvature)}")
        ax.plot([w_star], [0.0], marker="*", ms=12, color="tab:green", ls="none",
                label=f"minimum w* = {fmt(w_star)}")
        (self.path_line,) = ax.plot([], [], "o-", color=C_RUN, ms=4, lw=1, alpha=0.85,
                                    label="iterates w_t")
        (self.start,) = ax.plot([], [], "s", color="tab:orange", ms=7, label="start w_0")
        ax.set_xlim(self.lo, self.hi)
        ax.set_ylim(-0.05 * top, 1.12 * top)
        ax.set_xlabel("weight w")
        ax.set_ylabel("loss L(w)")
        ax.set_title("Path of gradient descent on the loss curve")
        self.clip_note = ax.text(0.02, 0.03, "", transform=ax.transAxes, fontsize=8,
                                 color="tab:red")
        ax.legend(loc="upper center", fontsize=8)   # static: the path rarely reaches it

        (self.loss_line,) = ax2.semilogy([1], [1], "o-", color=C_RUN, ms=3, lw=1,
                                         label="L(w_t)")
        self.tol_line = ax2.axhline(1.0, color="tab:green", ls="--", lw=1, label="tolerance")
        loss_panel(ax2, "Loss per step")
        self.fig_title = self.figure.suptitle("eta", fontsize=10)
        self.dynamic(self.path_line, self.start, self.clip_note, self.loss_line, self.tol_line,
                     self.fig_title)

    def _loss(self, w):
        return 0.5 * self.k * (w - self.w_star) ** 2

    def show(self, run: Run1D):
        shown, exit_step = until_exit(run.path, (run.path >= self.lo) & (run.path <= self.hi))
        shown = np.clip(shown, self.lo, self.hi)
        self.path_line.set_data(shown, self._loss(shown))
        self.start.set_data([shown[0]], [self._loss(shown[0])])
        self.clip_note.set_text("" if exit_step is None else
                                f"w leaves the plot at step {exit_step}\n(see the loss panel)")
        losses = clip_loss(run.losses)
        self.loss_line.set_data(np.arange(len(run.path)), losses)
        self.tol_line.set_ydata([run.tol, run.tol])
        self.tol_line.set_label(f"tolerance {run.tol:g}")
        ax2 = self.axes[1]
        ax2.set_xlim(-0.5, nice_ceil(run.steps) + 0.5)
        ax2.set_ylim(*log_limits(losses, floor=run.tol * 1e-4))
        # upper right unless a diverging loss runs up there
        self.legend(ax2, loc="lower right" if run.verdict == "diverges" else "upper right",
                    fontsize=8)
        color = {"converges": "black", "edge": "tab:orange", "diverges": "tab:red"}[run.verdict]
        mom = ("Nesterov " if run.nesterov else "") + f"mu = {fmt(run.momentum)}"
        self.fig_title.set_text(f"eta = {run.lr:.3g}, {mom}: {run.verdict} "
                                f"(threshold {run.threshold_formula} = {fmt(run.threshold)})")
        self.fig_title.set_color(color)


class Quadratic1DExplorer(Explorer):
    """The widget built by ``quadratic_1d``.

    Attributes: ``lr_slider``, ``momentum_slider``, ``steps_slider``,
    ``threshold_label`` (HTML beside the eta slider), ``status`` (HTML),
    ``image`` (the figure as PNG), ``result`` (the latest ``Run1D``),
    ``last_update_ms``. Call ``update()`` to rerun and redraw.
    """

    def __init__(self, run: Run1D, nesterov=False):
        super().__init__()
        self.settings = dict(curvature=run.curvature, w_star=run.w_star, w0=run.w0,
                             nesterov=bool(nesterov), tol=run.tol)
        base = math.log10(2.0 / run.curvature)
        self.lr_slider = lr_slider(run.lr, base - 3.0, base + 0.7)
        self.momentum_slider = momentum_slider(run.momentum)
        self.steps_slider = int_slider(run.steps, 1, max(100, run.steps), "steps T")
        self.threshold_label = note()
        image, status = self._setup([self.lr_slider, self.momentum_slider, self.steps_slider],
                                    _Plot1D(run.curvature, run.w_star, run.w0))
        self.children = [widgets.HBox([self.lr_slider, self.threshold_label]),
                         self.momentum_slider, self.steps_slider, status, image]
        self.update()

    def _compute(self):
        run = run_1d(self.lr_slider.value, self.momentum_slider.value, self.steps_slider.value,
                     **self.settings)
        self.result = run
        formula = run.threshold_formula.replace("mu", "μ")
        self.threshold_label.value = eta_threshold_html("diverges above", formula, run.threshold,
                                                        run.lr)
        kind = {"converges": "ok", "edge": "warn", "diverges": "bad"}[run.verdict]
        self.status.value = status_html(run.message, kind)
        self.plot.show(run)


@builder
def quadratic_1d(lr=0.1, momentum=0.0, steps=30, *, curvature=2.0, w_star=1.0, w0=-3.0,
                 nesterov=False, tol=1e-4, static=False):
    """Explore gradient descent with momentum on L(w) = (k/2)(w - w*)^2 (unit 03).

    Sliders: learning rate eta (logarithmic), momentum mu (0 to 0.99) and the
    number of steps. Every change reruns ``run_1d`` (the real
    ``mlpkit.optim.sgd_update``) and redraws two panels: the iterates on the
    loss curve and the loss per step. The text says whether the run converges
    or diverges and why; the label beside the learning-rate slider shows the
    divergence threshold eta < 2(1+mu)/k for the current mu (plain descent:
    2/k; Nesterov: 2(1+mu)/(k(1+2mu))).

    Parameters
    ----------
    lr, momentum, steps : float, float, int
        Starting slider values (see ``run_1d``).
    curvature, w_star, w0, nesterov, tol
        Fixed settings of the problem (see ``run_1d``).
    static : bool
        Draw one still figure for the given values instead of widgets (for
        slides or print) and return the matplotlib Figure.

    Returns
    -------
    Quadratic1DExplorer (an ``ipywidgets.VBox``), a Figure if ``static``, or
    None under autograding (``NBGRADER_EXECUTION`` set).
    """
    run = run_1d(lr, momentum, steps, curvature=curvature, w_star=w_star, w0=w0,
                 nesterov=nesterov, tol=tol)          # also checks every argument
    if static:
        return still_figure(_Plot1D(run.curvature, run.w_star, run.w0), run)
    return Quadratic1DExplorer(run, nesterov)
