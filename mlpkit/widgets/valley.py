"""An optimiser on a 2-D loss surface: the ill-conditioned valley or Rosenbrock (units 03, 08).

``run_2d`` runs one of ``mlpkit.optim``'s real update rules; ``valley_2d()``
puts sliders (and optional menus) on it and draws the path on the contours and
the loss per step. The optimiser menu is built from the registries
``mlpkit.optim.OPTIMIZERS`` and ``mlpkit.optim.UPDATE_RULES`` (plus Nesterov,
SGD with ``nesterov=True``): an optimiser added there appears here.
"""
from __future__ import annotations

import dataclasses

import ipywidgets as widgets
import numpy as np

from mlpkit import optim
from mlpkit._validation import check_choice
from mlpkit.widgets import surfaces
from mlpkit.widgets._base import (BLOWUP, SurfaceExplorer, builder, check_descent, check_flag,
                                  dropdown, eta_threshold_html, first_below, fmt, plural,
                                  status_html, still_figure, summary_repr, threshold_html)
from mlpkit.widgets._canvas import (C_PATH, C_REF, Canvas, clip_loss, log_limits, loss_panel,
                                    nice_ceil)
from mlpkit.widgets.optimizers import Choice, optimizer_choices
from mlpkit.widgets.surfaces import Surface
from mlpkit.widgets.theory import divergence_threshold, verdict

__all__ = ["Run2D", "run_2d", "valley_2d", "Valley2DExplorer"]


# ---------------------------------------------------------------------------
# The run
# ---------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True, repr=False)
class Run2D:
    """Result of ``run_2d``: an optimiser on a 2-D loss surface.

    The settings (``lr``, ``optimizer``, ``surface``, ``tol``, ``steps``) are kept
    as checked; ``momentum`` is the one used, the optimiser's default when
    ``run_2d`` was given None.

    Attributes
    ----------
    path : ndarray, shape (T+1, 2)
        Iterates (w1, w2) from w_0 to w_T (T < steps if the run blew up).
    losses : ndarray, shape (T+1,)
        L(w_t); the minimum is L* = 0 on both surfaces.
    threshold : float or None
        2(1+mu)/lambda_max (SGD) or its Nesterov analogue; None for the
        adaptive optimisers, to which it does not apply. On Rosenbrock it is
        the local threshold at the minimum.
    diverged : bool
        The run blew up (|w| > 1e6), or, on the quadratic valley with SGD or
        Nesterov, eta is above the threshold (exact there).
    stopped_early : bool
    steps_to_tol : int or None
        First t with L(w_t) <= tol.
    message : str
    """

    lr: float
    momentum: float
    optimizer: str
    surface: str
    tol: float
    steps: int
    path: np.ndarray
    losses: np.ndarray
    threshold: float | None
    diverged: bool
    stopped_early: bool
    steps_to_tol: int | None
    message: str

    def __repr__(self) -> str:
        return summary_repr(self, optimizer=self.optimizer, surface=self.surface, lr=self.lr,
                            momentum=self.momentum, steps=len(self.path) - 1,
                            diverged=self.diverged, steps_to_tol=self.steps_to_tol)


def run_2d(lr=0.06, momentum=None, steps=150, *, optimizer="sgd", surface="valley", w0=None,
           curvatures=(1.0, 30.0), tol=1e-4) -> Run2D:
    """Run one of ``mlpkit.optim``'s update rules on a 2-D loss surface.

    Surfaces: ``"valley"``, L = 0.5 (a w1^2 + c w2^2) with
    ``curvatures=(a, c)`` (default condition number c/a = 30), minimum at
    (0, 0); ``"rosenbrock"``, L = (1 - w1)^2 + 100 (w2 - w1^2)^2, minimum at
    (1, 1). Optimisers: every name in ``mlpkit.optim.OPTIMIZERS``, each
    running its pure rule from ``mlpkit.optim.UPDATE_RULES`` with its default
    hyperparameters except eta and the one ``momentum`` sets (mu for
    ``"sgd"``; beta1 for ``"adam"``), and ``"nesterov"``
    (``sgd_update(..., nesterov=True)``).

    Parameters
    ----------
    lr : float
        eta > 0.
    momentum : float or None
        mu in [0, 1) for SGD/Nesterov, beta1 for Adam; must be 0 (or None)
        for optimisers without such a knob (AdaGrad, RMSProp). None: the
        rule's default (0 for SGD, 0.9 for Adam), 0.9 for Nesterov.
    steps : int
        Number of updates T >= 1. The run stops early once |w| > 1e6.
    optimizer : str
        One of ``optimizer_choices()``.
    surface : str
        ``"valley"`` or ``"rosenbrock"``.
    w0 : array_like of shape (2,), optional
        Start; default (-4.5, 1.5) on the valley, (-1.2, 1) on Rosenbrock.
    curvatures : (float, float)
        (a, c) of the valley.
    tol : float
        Tolerance on the loss for ``steps_to_tol``.

    Returns
    -------
    Run2D
    """
    choices = optimizer_choices()
    choice = choices[check_choice("optimizer", optimizer, tuple(choices))]
    surf = surfaces.surface(surface, curvatures)
    momentum = choice.default_momentum if momentum is None else momentum
    lr, momentum, steps, tol = check_descent(lr, momentum, steps, tol)
    if choice.knob is None and momentum != 0:
        raise ValueError(f"momentum must be 0 or None for optimizer={optimizer!r} (it has no "
                         f"momentum), got {momentum}")
    w = surf.start(w0)

    rule = optim.UPDATE_RULES[choice.rule]
    hyper = choice.hyperparameters(lr, momentum)

    state = None

    def update(w, g):
        nonlocal state
        w, state = rule(w, g, state, **hyper)
        return w

    path, stopped = surf.descend(update, w, steps)
    with np.errstate(over="ignore", invalid="ignore"):
        losses = surf.loss(path[:, 0], path[:, 1])

    threshold = None
    if choice.rule == "sgd":
        threshold = divergence_threshold(surf.lambda_max, momentum,
                                         nesterov=hyper.get("nesterov", False))
    exact = surf.exact and threshold is not None
    result = verdict(lr, threshold) if exact else None
    run = Run2D(lr=lr, momentum=momentum, optimizer=optimizer, surface=surf.name, tol=tol,
                steps=steps, path=path, losses=losses, threshold=threshold,
                diverged=stopped or result == "diverges", stopped_early=stopped,
                steps_to_tol=first_below(losses, tol), message="")
    return dataclasses.replace(run, message=_message(run, choice, surf, result))


def _message(run: Run2D, choice: Choice, surf: Surface, result) -> str:
    """What happened and why; ``result`` is the exact verdict on the valley, else None."""
    name, lr, T = choice.title, fmt(run.lr), len(run.path) - 1
    formula = "2(1+mu)/(lambda_max(1+2mu))" if choice.nesterov else "2(1+mu)/lambda_max"
    threshold = None if run.threshold is None else fmt(run.threshold)
    if run.diverged:
        message = f"{name} diverges"
        if run.threshold is not None and run.lr > run.threshold:
            message += (f": eta = {lr} is above the threshold {formula} = {threshold} "
                        f"({surf.lambda_note})")
        if run.stopped_early:
            return message + f"; |w| passed {BLOWUP:.0e} after {T} steps (run stopped)."
        return message + f"; L grew from {run.losses[0]:.3g} to {run.losses[-1]:.3g} in {T} steps."
    if result == "edge":
        message = (f"{name} is on the edge: eta = {lr} equals the threshold {formula} = "
                   f"{threshold}; it oscillates without converging")
    elif run.steps_to_tol is not None:
        message = f"{name} reaches L < {run.tol:g} after {plural(run.steps_to_tol, 'step')}"
    else:
        message = (f"{name} has not reached L < {run.tol:g} after {T} steps "
                   f"(L = {run.losses[-1]:.3g})")
    if run.threshold is not None and result != "edge":
        message += f"; stable for eta < {formula} = {threshold} ({surf.lambda_note})"
    return message + "."


def _is_plain_gd(run: Run2D) -> bool:
    return run.optimizer == "sgd" and run.momentum == 0


def _reference(run: Run2D, config):
    """Plain gradient descent with the same eta and steps, or None if ``run`` is that."""
    if _is_plain_gd(run):
        return None
    return run_2d(run.lr, 0.0, run.steps, optimizer="sgd", surface=run.surface, **config)


def _compare_text(run: Run2D, ref: Run2D | None) -> str:
    if ref is None:
        return ""
    if ref.diverged:
        return " Plain GD with the same eta diverges."
    if ref.steps_to_tol is None:
        return (f" Plain GD with the same eta has not reached L < {ref.tol:g} after "
                f"{len(ref.path) - 1} steps.")
    text = f" Plain GD with the same eta needs {plural(ref.steps_to_tol, 'step')}"
    if run.steps_to_tol:
        text += f" ({ref.steps_to_tol / run.steps_to_tol:.2g}x as many)"
    return text + "."


# ---------------------------------------------------------------------------
# The figure and the widget
# ---------------------------------------------------------------------------

class _Plot2D(Canvas):
    """Left: contours with the path(s); right: loss per step (log scale)."""

    def __init__(self):
        super().__init__(width_ratios=(1.25, 1))
        ax, ax2 = self.axes
        self._contours = None
        self.surface_key = None
        (self.ref_line,) = ax.plot([], [], ".--", color=C_REF, ms=3, lw=0.9,
                                   label="plain GD, same eta")
        (self.path_line,) = ax.plot([], [], "o-", color=C_PATH, ms=2.5, lw=1.2, label="path")
        (self.start,) = ax.plot([], [], "s", color="tab:orange", ms=7, label="start")
        (self.minimum,) = ax.plot([], [], "*", color="tab:green", ms=13, label="minimum")
        ax.set_xlabel("w1")
        ax.set_ylabel("w2")
        ax.set_title("surface", fontsize=9)
        self.clip_note = ax.text(0.02, 0.03, "", transform=ax.transAxes, fontsize=8,
                                 color=C_PATH, bbox=dict(facecolor="white", alpha=0.8, lw=0))
        (self.ref_loss,) = ax2.semilogy([1], [1], "--", color=C_REF, lw=1,
                                        label="plain GD, same eta")
        (self.loss_line,) = ax2.semilogy([1], [1], "-", color=C_PATH, lw=1.4, label="optimiser")
        self.tol_line = ax2.axhline(1.0, color="tab:green", ls=":", lw=1, label="tolerance")
        self.reach = ax2.axvline(0, color=C_PATH, ls=":", lw=1)
        loss_panel(ax2, "Loss per step", fontsize=9)
        self.dynamic(self.ref_line, self.path_line, self.start, self.minimum, self.clip_note,
                     self.ref_loss, self.loss_line, self.tol_line, self.reach, ax2.title)

    def _key(self):
        return (self.surface_key, super()._key())

    def set_surface(self, surf: Surface):
        key = (surf.name, surf.params)
        if key == self.surface_key:
            return
        if self._contours is not None:
            self._contours.remove()
        self._contours = surf.contour(self.axes[0])
        self.minimum.set_data([surf.minimum[0]], [surf.minimum[1]])
        self.surface_key = key
        self._clip = surf.clip          # the path up to where it leaves the window

    def show(self, run: Run2D, ref: Run2D | None = None):
        xy, exit_step = self._clip(run.path)
        self.path_line.set_data(*xy)
        self.clip_note.set_text("" if exit_step is None else
                                f"the path leaves the plot at step {exit_step}")
        self.start.set_data([run.path[0, 0]], [run.path[0, 1]])
        ax2 = self.axes[1]
        losses = clip_loss(run.losses)
        self.loss_line.set_data(np.arange(len(losses)), losses)
        arrays = [losses]
        if ref is not None:
            self.ref_line.set_data(*self._clip(ref.path)[0])
            ref_losses = clip_loss(ref.losses)
            self.ref_loss.set_data(np.arange(len(ref_losses)), ref_losses)
            arrays.append(ref_losses)
        self.ref_line.set_visible(ref is not None)
        self.ref_loss.set_visible(ref is not None)
        self.tol_line.set_ydata([run.tol, run.tol])
        self.reach.set_visible(run.steps_to_tol is not None)
        if run.steps_to_tol is not None:
            self.reach.set_xdata([run.steps_to_tol, run.steps_to_tol])
        ax2.set_xlim(0, nice_ceil(run.steps))
        ax2.set_ylim(*log_limits(*arrays, floor=run.tol * 1e-4))
        choice = optimizer_choices()[run.optimizer]
        self.path_line.set_label(choice.describe(run.momentum))
        self.loss_line.set_label(choice.describe(run.momentum))
        self.tol_line.set_label(f"tolerance {run.tol:g}")
        visible = [self.ref_line, self.path_line, self.start, self.minimum]
        self.legend(self.axes[0], handles=[h for h in visible if h.get_visible()],
                    loc="upper right", fontsize=7.5, framealpha=0.85)
        self.legend(ax2, handles=[h for h in (self.ref_loss, self.loss_line, self.tol_line)
                                  if h.get_visible()],
                    loc="lower right" if run.diverged else "upper right", fontsize=7.5)
        ax2.set_title(f"Loss per step: {choice.describe(run.momentum, run.lr)}", fontsize=9,
                      color="tab:red" if run.diverged else "black")


class Valley2DExplorer(SurfaceExplorer):
    """The widget built by ``valley_2d``.

    Attributes: ``lr_slider``, ``momentum_slider``, ``steps_slider``,
    ``optimizer_dropdown`` and ``surface_dropdown`` (present even when
    hidden), ``threshold_label``, ``status``, ``image``, ``result`` (the
    latest ``Run2D``), ``reference`` (plain GD with the same eta, or None),
    ``last_update_ms``.
    """

    def __init__(self, run: Run2D, config, optimizer_menu, surface_menu, compare):
        super().__init__()
        self.config, self.compare = config, compare
        self._ref_cache = (None, None)
        self.choices = optimizer_choices()
        self._descent_controls(run, surfaces.surface(run.surface))
        self.optimizer_dropdown = dropdown(
            [(choice.label, key) for key, choice in self.choices.items()], run.optimizer,
            "optimiser")
        self.surface_dropdown = dropdown(
            [("quadratic valley", "valley"), ("Rosenbrock", "rosenbrock")], run.surface,
            "loss surface")
        image, status = self._setup([self.lr_slider, self.momentum_slider, self.steps_slider],
                                    _Plot2D())
        self.optimizer_dropdown.observe(self._on_menu, names="value")
        self.surface_dropdown.observe(self._on_menu, names="value")
        menus = ([self.surface_dropdown] if surface_menu else []) + (
            [self.optimizer_dropdown] if optimizer_menu else [])
        self.children = [*menus, widgets.HBox([self.lr_slider, self.threshold_label]),
                         self.momentum_slider, self.steps_slider, status, image]
        self._style_momentum()
        self.update()

    @property
    def _choice(self) -> Choice:
        return self.choices[self.optimizer_dropdown.value]

    def _style_momentum(self):
        choice = self._choice
        self.momentum_slider.description = (f"{choice.title} β1" if choice.knob == "beta1"
                                            else "momentum μ")
        self.momentum_slider.disabled = choice.knob is None

    def _on_menu(self, change):
        self._style_momentum()
        self._take_suggestion(surfaces.surface(self.surface_dropdown.value),
                              self.optimizer_dropdown.value, self._choice.default_momentum)

    def _plain_gd(self, run: Run2D):
        """Plain GD with the same eta (cached: it does not depend on mu), or None."""
        if not self.compare or _is_plain_gd(run):
            return None
        key = (run.lr, run.steps, run.surface)
        if self._ref_cache[0] != key:
            self._ref_cache = (key, _reference(run, self.config))
        return self._ref_cache[1]

    def _compute(self):
        choice = self._choice
        mu = 0.0 if choice.knob is None else self.momentum_slider.value
        run = run_2d(self.lr_slider.value, mu, self.steps_slider.value,
                     optimizer=self.optimizer_dropdown.value,
                     surface=self.surface_dropdown.value, **self.config)
        ref = self._plain_gd(run)
        self.result, self.reference = run, ref
        if run.threshold is not None:
            where = "" if run.surface == "valley" else " (near the minimum)"
            formula = "2(1+μ)/(λmax(1+2μ))" if choice.nesterov and mu > 0 else "2(1+μ)/λmax"
            self.threshold_label.value = eta_threshold_html("diverges above", formula,
                                                            run.threshold, run.lr, where)
        else:
            self.threshold_label.value = threshold_html(
                "adaptive step sizes: no single threshold", False)
        kind = "bad" if run.diverged else ("ok" if run.steps_to_tol is not None else "info")
        self.status.value = status_html(run.message + _compare_text(run, ref), kind)
        self.plot.set_surface(surfaces.surface(run.surface, self.config["curvatures"]))
        self.plot.show(run, ref)


@builder
def valley_2d(lr=None, momentum=None, steps=None, *, surface="valley", optimizer="sgd",
              optimizer_menu=False, surface_menu=False, curvatures=(1.0, 30.0), w0=None,
              tol=1e-4, compare=True, static=False):
    """Explore an optimiser on an ill-conditioned valley or Rosenbrock (units 03, 08).

    A contour plot with the optimiser's path, and the loss per step. Sliders:
    learning rate eta (logarithmic), momentum mu (beta1 for Adam; unused by
    AdaGrad and RMSProp) and the number of steps; optional menus for the
    optimiser (every one in ``mlpkit.optim.OPTIMIZERS``, plus Nesterov) and
    the surface. Each change reruns ``run_2d`` (the real ``mlpkit.optim``
    rules). With ``compare=True`` plain gradient descent with the same eta is
    drawn too (dashed grey), and the text reports how many steps each needs
    to reach L < tol: momentum damps the zig-zag across the valley and speeds
    up progress along it.

    Choosing another optimiser or surface in a menu loads suggested values of
    eta, mu and steps for it (``Surface.suggest``); then move the sliders.

    Parameters
    ----------
    lr, momentum, steps : float, float, int, optional
        Starting slider values; None takes the suggestion for the surface and
        optimiser.
    surface : {"valley", "rosenbrock"}
    optimizer : one of ``optimizer_choices()``
    optimizer_menu, surface_menu : bool
        Show a dropdown for the optimiser / the surface.
    curvatures, w0, tol
        See ``run_2d``.
    compare : bool
        Also run and draw plain gradient descent with the same eta.
    static : bool
        Return one still matplotlib Figure for the given values.

    Returns
    -------
    Valley2DExplorer (an ``ipywidgets.VBox``), a Figure if ``static``, or None
    under autograding.
    """
    choices = optimizer_choices()
    surf = surfaces.surface(surface, curvatures)
    choice = choices[check_choice("optimizer", optimizer, tuple(choices))]
    s_lr, s_mu, s_steps = surf.suggest(optimizer, choice.default_momentum)
    lr = s_lr if lr is None else lr
    momentum = s_mu if momentum is None else momentum
    steps = s_steps if steps is None else steps
    config = dict(curvatures=curvatures, w0=w0, tol=tol)
    run = run_2d(lr, momentum, steps, optimizer=optimizer, surface=surface, **config)
    optimizer_menu = check_flag("optimizer_menu", optimizer_menu)
    surface_menu = check_flag("surface_menu", surface_menu)
    compare = check_flag("compare", compare)
    if static:
        plot = _Plot2D()
        plot.set_surface(surf)
        return still_figure(plot, run, _reference(run, config) if compare else None)
    return Valley2DExplorer(run, config, optimizer_menu, surface_menu, compare)
