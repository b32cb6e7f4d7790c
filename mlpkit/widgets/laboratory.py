"""The optimiser laboratory (unit 08): optimisers side by side, on toy surfaces and on a network.

``run_lab`` runs up to three of ``mlpkit.optim``'s real optimisers (each
class's own update rule on w = (w1, w2)) on a 2-D surface of
``surfaces.py``: a quadratic with a condition-number control, Rosenbrock or a
saddle. ``optimizer_lab()`` overlays their paths on the contours, with their
loss curves. ``run_network`` trains a small MLP on the two moons with one of
the same optimisers (``nn``, ``losses``, ``data.batches``, ``train.train_step``)
and ``network_lab()`` shows its training curve and accuracy, retraining on
every change of a control.

Divergence is a result, not an error: a run that blows up stops, says at which
step and why, and (for SGD and momentum, where the theory gives one) which
learning rate would have been stable: eta < 2(1+mu)/lambda_max.

The menu (``lab_choices()``) is read from ``mlpkit.optim``'s registries. The
one momentum slider is SGD's momentum mu: "sgd" is plain gradient descent,
"momentum" and "nesterov" use mu, and every adaptive optimiser runs with its
own defaults (Adam's beta1 = 0.9), so each entry is one fixed algorithm.
"""
from __future__ import annotations

import dataclasses
import html

import ipywidgets as widgets
import numpy as np
from matplotlib.figure import Figure

from mlpkit import data, losses, nn, optim, train
from mlpkit._validation import (check_choice, check_int, check_positive, check_probability,
                                check_rng, describe)
from mlpkit.widgets import surfaces
from mlpkit.widgets._base import (BLOWUP, Explorer, SurfaceExplorer, builder, check_descent,
                                  check_seed, check_steps, first_below, fmt, int_slider, lr_slider,
                                  momentum_slider, plural, summary_repr, threshold_html)
from mlpkit.widgets._canvas import (C_REF, C_RUN, Canvas, clip_loss, log_limits, loss_panel,
                                    nice_ceil, still)
from mlpkit.widgets.optimizers import Choice, optimizer_choices
from mlpkit.widgets.theory import divergence_threshold, verdict

__all__ = ["lab_choices", "LabPath", "LabRun", "run_lab", "optimizer_lab", "OptimizerLab",
           "NetworkRun", "run_network", "network_lab", "NetworkLab"]

#: At most this many optimisers are compared at once.
MAX_OPTIMIZERS = 3
#: One colour per optimiser slot (paths and loss curves).
COLORS = ("tab:red", "black", "tab:blue")
#: The surfaces offered in the laboratory's menu.
LAB_SURFACES = {"quadratic": "quadratic (condition number κ)", "rosenbrock": "Rosenbrock",
                "saddle": "saddle point", "valley": "valley (κ = 30)"}
NONE = "none"          # the value of an empty optimiser slot
BLOWUP_TEXT = "1e6"    # BLOWUP, as messages write it


# ---------------------------------------------------------------------------
# The menu
# ---------------------------------------------------------------------------

def lab_choices() -> dict:
    """The laboratory's optimisers: name -> ``optimizers.Choice``, from mlpkit.optim's registries.

    "sgd" is plain gradient descent (mu = 0), "momentum" SGD with momentum mu,
    "nesterov" SGD with Nesterov momentum mu; every other optimiser in
    ``mlpkit.optim.OPTIMIZERS`` appears with its default hyperparameters
    (its ``knob`` is None: the momentum slider does not change it).
    """
    choices = {}
    for name, choice in optimizer_choices().items():
        if name == "sgd":
            choices["sgd"] = dataclasses.replace(choice, knob=None, default_momentum=0.0)
            choices["momentum"] = dataclasses.replace(choice, title="Momentum",
                                                      default_momentum=0.9)
        elif choice.knob == "momentum":
            choices[name] = choice
        else:
            choices[name] = dataclasses.replace(choice, knob=None, default_momentum=0.0)
    return choices


def _check_optimizers(optimizers, choices) -> tuple:
    """1 to 3 distinct names from ``choices`` (a single name may be given as a str)."""
    names = (optimizers,) if isinstance(optimizers, str) else optimizers
    if not isinstance(names, (tuple, list)) or not 1 <= len(names) <= MAX_OPTIMIZERS:
        raise ValueError(f"optimizers must be a name or a list of 1 to {MAX_OPTIMIZERS} names, "
                         f"got {describe(optimizers)}")
    for name in names:
        check_choice("optimizers", name, tuple(choices))
    if len(set(names)) != len(names):
        raise ValueError(f"optimizers must not repeat a name, got {list(names)}")
    return tuple(names)


def _threshold(choice: Choice, momentum, lambda_max):
    """(2(1+mu)/lambda_max or Nesterov's, its formula) for SGD's rule; (None, "") otherwise."""
    if choice.rule != "sgd":
        return None, ""
    mu = momentum if choice.knob else 0.0
    nesterov = choice.nesterov and mu > 0
    formula = ("2(1+mu)/(lambda_max(1+2mu))" if nesterov else
               "2(1+mu)/lambda_max" if mu > 0 else "2/lambda_max")
    return divergence_threshold(lambda_max, mu, nesterov=nesterov), formula


# ---------------------------------------------------------------------------
# Toy surfaces: the runs
# ---------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True, repr=False)
class LabPath:
    """One optimiser's run in ``run_lab``.

    Attributes
    ----------
    optimizer : str
        Its key in ``lab_choices()``.
    title, label : str
        E.g. "Momentum" and "Momentum, mu = 0.8"; "Adam" and "Adam".
    path : ndarray, shape (T+1, 2)
        The iterates w_0 ... w_T (fewer when the run blew up and stopped).
    losses : ndarray, shape (T+1,)
        L(w_t); the minimum of every surface is L = 0.
    threshold : float or None
        2(1+mu)/lambda_max (or Nesterov's) for the SGD family, None for the
        adaptive optimisers; exact on the quadratics, a guide near the minimum
        elsewhere.
    formula : str
        How ``threshold`` is computed, e.g. "2(1+mu)/lambda_max" ("" if None).
    diverged : bool
        The run blew up (``diverged_at``), or on a quadratic eta is above the
        threshold (then |w - w*| grows at every step, even if slowly).
    diverged_at : int or None
        The step at which |w| passed 1e6 or the gradient stopped being finite;
        the run stopped there.
    steps_to_tol : int or None
        First t with L(w_t) <= tol.
    near_saddle : int or None
        On a surface with a saddle point, the number of steps spent with L within
        10% of the saddle's value (the plateau); None elsewhere.
    message : str
        What happened, and a stable eta when the run diverged.
    """

    optimizer: str
    title: str
    label: str
    path: np.ndarray
    losses: np.ndarray
    threshold: float | None
    formula: str
    diverged: bool
    diverged_at: int | None
    steps_to_tol: int | None
    near_saddle: int | None
    message: str

    def __repr__(self) -> str:
        return summary_repr(self, self.label, steps=len(self.path) - 1, diverged=self.diverged,
                            steps_to_tol=self.steps_to_tol)


@dataclasses.dataclass(frozen=True, repr=False)
class LabRun:
    """Result of ``run_lab``: the settings and one ``LabPath`` per optimiser, in order.

    ``surface``, ``condition`` and ``angle`` are the arguments that chose the
    surface (``condition`` and ``angle`` shape only the quadratic); ``surf()``
    rebuilds it.
    """

    surface: str
    title: str
    condition: float
    angle: float
    lr: float
    momentum: float
    steps: int
    tol: float
    runs: tuple

    @property
    def diverged(self) -> bool:
        return any(r.diverged for r in self.runs)

    def surf(self):
        """The ``surfaces.Surface`` the optimisers ran on."""
        return surfaces.surface(self.surface, condition=self.condition, angle=self.angle)

    @property
    def message(self) -> str:
        return "\n".join(r.message for r in self.runs)

    def __repr__(self) -> str:
        return summary_repr(self, surface=self.surface, lr=self.lr, momentum=self.momentum,
                            runs=list(self.runs))


def run_lab(optimizers=("sgd", "momentum", "adam"), lr=0.05, momentum=0.8, steps=150, *,
            surface="quadratic", condition=10.0, angle=0.0, w0=None, tol=1e-4) -> LabRun:
    """Run up to three of mlpkit's optimisers on a 2-D loss surface, from the same start.

    Each optimiser is the real class of ``mlpkit.optim.OPTIMIZERS``: its own
    ``update`` (what its ``step()`` applies to a parameter) moves w = (w1, w2)
    with g = dL/dw at every step, from a state made by its ``init_state``. A
    run stops when |w| passes 1e6 (or the gradient is not finite); that is
    reported, never raised.

    Parameters
    ----------
    optimizers : str or sequence of str
        1 to 3 distinct names from ``lab_choices()``: "sgd" (plain gradient
        descent), "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw".
    lr : float
        eta > 0, the same for every optimiser.
    momentum : float
        mu in [0, 1) for "momentum" and "nesterov" (the others ignore it).
    steps : int
        Number of steps T >= 1.
    surface : str
        "quadratic" (L = 0.5 (u1^2 + kappa u2^2), minimum (0, 0)),
        "rosenbrock" (minimum (1, 1)), "saddle" (a saddle point at (0, 0),
        minima (0, +-1)) or "valley"; see ``mlpkit.widgets.surfaces``.
    condition : float
        kappa in [1, 1e4] of the quadratic (curvatures 1 along u1, kappa along
        u2); lambda_max = kappa.
    angle : float
        Rotation of the quadratic's eigenvectors, in degrees (0: along the axes).
    w0 : array_like of shape (2,), optional
        The start; default the surface's (e.g. (-4.5, 1.5) on the quadratic).
    tol : float
        Tolerance on the loss for ``steps_to_tol``.

    Returns
    -------
    LabRun
    """
    lr, momentum, steps, tol = check_descent(lr, momentum, steps, tol)
    choices = lab_choices()
    names = _check_optimizers(optimizers, choices)
    surf = surfaces.surface(surface, condition=condition, angle=angle)
    w = surf.start(w0)
    runs = tuple(_run_path(name, choices[name], surf, lr, momentum, steps, w, tol)
                 for name in names)
    return LabRun(surface=surf.name, title=surf.title, condition=condition, angle=angle, lr=lr,
                  momentum=momentum, steps=steps, tol=tol, runs=runs)


def _class_update(choice: Choice, w0, lr, momentum):
    """``update(w, g) -> new w``: the optimiser class's own ``update``, what its ``step()``
    applies to each parameter, on a copy of ``w0`` and a state made by its ``init_state``.

    ``step()`` also re-checks the hyperparameters and the gradient at every step
    (they may change between steps); here they are fixed for the run, so the class
    checks them once, and a step costs 3 to 10 microseconds instead of 25 to 30
    (``benchmarks/widget_redraw.py``: three runs of 500 steps on Rosenbrock).
    """
    cls = optim.OPTIMIZERS[choice.rule]
    hyper = cls.check_hyperparameters(**{**cls.defaults, **choice.hyperparameters(lr, momentum)})
    w = w0.copy()
    state = cls.init_state(w)

    def update(_, g):
        cls.update(w, g, state, **hyper)        # in place, as step() does
        return w
    return update


def _run_path(name, choice: Choice, surf, lr, momentum, steps, w0, tol) -> LabPath:
    path, stopped = surf.descend(_class_update(choice, w0, lr, momentum), w0, steps)
    with np.errstate(over="ignore", invalid="ignore"):
        path_losses = surf.loss(path[:, 0], path[:, 1])
    threshold, formula = _threshold(choice, momentum, surf.lambda_max)
    result = verdict(lr, threshold) if surf.exact and threshold is not None else None
    near_saddle = None
    if surf.saddle is not None:
        level = float(surf.loss(*surf.saddle))
        near_saddle = int(np.count_nonzero(np.abs(path_losses - level) <= 0.1 * level))
    run = LabPath(optimizer=name, title=choice.title, label=choice.describe(momentum),
                  path=path, losses=path_losses, threshold=threshold, formula=formula,
                  diverged=stopped or result == "diverges",
                  diverged_at=len(path) - 1 if stopped else None,
                  steps_to_tol=None if stopped else first_below(path_losses, tol),
                  near_saddle=near_saddle, message="")
    return dataclasses.replace(run, message=_path_message(run, surf, lr, tol, result))


def _advice(run: LabPath, surf, lr) -> str:
    """'; try eta below ...': a learning rate that would have been stable."""
    if run.threshold is None:
        return "; try a smaller eta"
    where = "" if surf.exact else " (near the minimum)"
    if lr > run.threshold:
        return f"; try eta below {run.formula} = {fmt(run.threshold)}{where}"
    return (f"; eta is below {run.formula} = {fmt(run.threshold)} at the minimum, but the "
            "curvature is larger along the way: try a smaller eta")


def _path_message(run: LabPath, surf, lr, tol, result) -> str:
    T = len(run.path) - 1
    if run.diverged_at is not None:
        g_finite = np.all(np.isfinite(surf.grad(run.path[-1])))
        why = f"|w| > {BLOWUP_TEXT}" if g_finite else "the gradient is no longer finite"
        return (f"{run.label} diverged at step {run.diverged_at}: {why} (run stopped)"
                f"{_advice(run, surf, lr)}.")
    if run.diverged:
        sizes = np.linalg.norm(run.path[[0, -1]], axis=1)
        return (f"{run.label} diverges: eta = {fmt(lr)} is above {run.formula} = "
                f"{fmt(run.threshold)}, so |w - w*| grows at every step ({sizes[0]:.3g} -> "
                f"{sizes[1]:.3g} in {T} steps){_advice(run, surf, lr)}.")
    if result == "edge":
        return (f"{run.label} is on the edge: eta = {fmt(lr)} equals {run.formula} = "
                f"{fmt(run.threshold)}; it oscillates without converging.")
    if run.steps_to_tol is not None:
        text = f"{run.label} reaches L < {tol:g} after {plural(run.steps_to_tol, 'step')}"
    else:
        text = f"{run.label} has not reached L < {tol:g} after {T} steps (L = {run.losses[-1]:.3g})"
    if run.near_saddle:
        text += (f"; {plural(run.near_saddle, 'step')} on the plateau near the saddle point "
                 f"(L within 10% of {float(surf.loss(*surf.saddle)):g})")
    return text + "."


# ---------------------------------------------------------------------------
# Toy surfaces: the figure and the widget
# ---------------------------------------------------------------------------

class _LabPanels:
    """One view of a ``LabRun``: paths on the contours of ``ax``, loss curves on ``ax2``.

    The live widget has one (on a ``Canvas``), the static figure one per setting.
    ``changing`` lists the artists that change with the run (``contours`` too,
    with the surface); ``legend_entries()`` the handles and labels of a legend.
    """

    def __init__(self, ax, ax2, fontsize=9):
        self.ax, self.ax2, self.fontsize = ax, ax2, fontsize
        self.surface, self.contours = None, None
        self.paths, self.ends, self.curves = [], [], []
        for colour in COLORS:
            (line,) = ax.plot([], [], "o-", color=colour, ms=2.2, lw=1.2)
            (end,) = ax.plot([], [], "X", color=colour, ms=9, mec="white", mew=0.8)
            (curve,) = ax2.semilogy([1], [1], "-", color=colour, lw=1.4)
            self.paths.append(line)
            self.ends.append(end)
            self.curves.append(curve)
        (self.start,) = ax.plot([], [], "s", color="white", mec="black", ms=6, label="start")
        (self.minimum,) = ax.plot([], [], "*", color="tab:green", ms=12, ls="none",
                                  label="minimum")
        (self.saddle,) = ax.plot([], [], "P", color="tab:purple", ms=8,
                                 label="saddle point (not a minimum)")
        self.note = ax.text(0.02, 0.03, "", transform=ax.transAxes, fontsize=fontsize - 1.5,
                            color="tab:red", va="bottom",
                            bbox=dict(facecolor="white", alpha=0.85, lw=0))
        self.tol_line = ax2.axhline(1.0, color="tab:green", ls=":", lw=1)
        self.saddle_level = ax2.axhline(1.0, color="tab:purple", ls="--", lw=0.9,
                                        label="L at the saddle point")
        loss_panel(ax2, "Loss per step", fontsize=fontsize)
        ax.set_xlabel("w1")
        ax.set_ylabel("w2")
        self.changing = [*self.paths, *self.ends, *self.curves, self.start, self.note,
                         self.tol_line, ax.title, ax2.title]

    def set_surface(self, surf):
        """Draw ``surf``'s contours, its minima and saddle point (when the surface changes)."""
        if self.surface is not None and (surf.name, surf.params) == (self.surface.name,
                                                                      self.surface.params):
            return
        if self.contours is not None:
            self.contours.remove()
        self.contours = surf.contour(self.ax)
        self.ax.title.set_fontsize(self.fontsize)
        minima = [surf.minimum, *surf.other_minima]
        self.minimum.set_data([m[0] for m in minima], [m[1] for m in minima])
        self.saddle.set_visible(surf.saddle is not None)
        self.saddle_level.set_visible(surf.saddle is not None)
        if surf.saddle is not None:
            self.saddle.set_data([surf.saddle[0]], [surf.saddle[1]])
            level = float(surf.loss(*surf.saddle))
            self.saddle_level.set_ydata([level, level])
        self.surface = surf

    def show(self, run: LabRun, title=None):
        surf, notes, arrays = self.surface, [], []
        for k, (line, end, curve) in enumerate(zip(self.paths, self.ends, self.curves)):
            shown = k < len(run.runs)
            for artist in (line, end, curve):
                artist.set_visible(shown)
            if not shown:
                continue
            r = run.runs[k]
            (xs, ys), exit_step = surf.clip(r.path)
            line.set_data(xs, ys)
            line.set_label(r.title)
            end.set_visible(r.diverged_at is not None or exit_step is not None)
            end.set_data(xs[-1:], ys[-1:])
            if r.diverged_at is not None:
                notes.append(f"{r.title}: diverged at step {r.diverged_at}")
            elif exit_step is not None:
                notes.append(f"{r.title}: leaves the plot at step {exit_step}")
            values = clip_loss(r.losses)
            curve.set_data(np.arange(len(values)), values)
            arrays.append(values)
        self.start.set_data([run.runs[0].path[0, 0]], [run.runs[0].path[0, 1]])
        self.note.set_text("\n".join(notes))
        self.note.set_visible(bool(notes))
        self.tol_line.set_ydata([run.tol, run.tol])
        self.tol_line.set_label(f"tolerance {run.tol:g}")
        self.ax2.set_xlim(0, nice_ceil(run.steps))
        self.ax2.set_ylim(*log_limits(*arrays, floor=run.tol * 1e-4))
        if title is None:
            mu = f", μ = {fmt(run.momentum)}" if any(r.formula.startswith("2(1+mu)")
                                                      for r in run.runs) else ""
            title = f"Loss per step, η = {run.lr:.3g}{mu}"
        self.ax2.set_title(title, fontsize=self.fontsize,
                           color="tab:red" if run.diverged else "black")

    def legend_entries(self):
        """(handles, labels): the optimisers shown, the markers and the reference lines."""
        handles = [h for h in (*self.paths, self.start, self.minimum, self.saddle,
                               self.tol_line, self.saddle_level) if h.get_visible()]
        return handles, [h.get_label() for h in handles]


class _LabPlot(Canvas):
    """Left: contours with up to three paths; right: their losses per step (log scale);
    a legend above both.

    The contours are redrawn with the paths (a few milliseconds), so a change of
    the condition number does not need a full redraw; the legend is part of the
    cached background, so only a change of its entries (another optimiser or
    surface) does.
    """

    def __init__(self):
        super().__init__(width_ratios=(1.25, 1))
        self.panels = _LabPanels(*self.axes)
        self.dynamic(*self.panels.changing)
        self._legend, self._legend_labels = None, None

    def _key(self):
        return (self._legend_labels, super()._key())

    def show(self, run: LabRun):
        old = self.panels.contours
        self.panels.set_surface(run.surf())
        if self.panels.contours is not old:          # drawn first, under the paths
            if old in self._dynamic_artists:
                self._dynamic_artists.remove(old)
            self.panels.contours.set_animated(True)
            self._dynamic_artists.insert(0, self.panels.contours)
        self.panels.show(run)
        handles, labels = self.panels.legend_entries()
        if tuple(labels) != self._legend_labels:
            if self._legend is not None:
                self._legend.remove()
            self._legend = self.figure.legend(handles, labels, loc="outside upper center",
                                              ncols=len(labels), fontsize=7.5, frameon=False)
            self._legend_labels = tuple(labels)


def _menu(options, value, description, width="270px"):
    return widgets.Dropdown(options=options, value=value, description=description,
                            style={"description_width": "80px"},
                            layout=widgets.Layout(width=width))


def _lab_status(run: LabRun) -> str:
    """One line per optimiser, after a swatch of its colour; red when it diverged."""
    lines = []
    for colour, r in zip(COLORS, run.runs):
        text = "#c62828" if r.diverged else ("#1a7f37" if r.steps_to_tol is not None else "#333")
        lines.append(f'<div><span style="color:{colour}">■</span> '
                     f'<span style="color:{text}">{html.escape(r.message)}</span></div>')
    return f'<div style="font-size:13px;line-height:1.35;max-width:840px">{"".join(lines)}</div>'


def _threshold_note(run: LabRun) -> str:
    """E.g. 'diverges above η = 2/λmax = 0.2 (SGD); 2(1+μ)/λmax = 0.36 (Momentum)'."""
    parts = [f"{_unicode(r.formula)} = <b>{fmt(r.threshold)}</b> ({r.title})"
             for r in run.runs if r.threshold is not None]
    if not parts:
        return threshold_html("adaptive step sizes: no single threshold", False)
    where = "" if run.surf().exact else " near the minimum"
    above = any(r.threshold is not None and run.lr > r.threshold for r in run.runs)
    return threshold_html(f"diverges above η = {'; '.join(parts)}{where}", above)


def _unicode(formula: str) -> str:
    return formula.replace("lambda_max", "λmax").replace("mu", "μ")


class OptimizerLab(SurfaceExplorer):
    """The widget built by ``optimizer_lab``.

    Attributes: ``optimizer_menus`` (three dropdowns; the second and third
    may be empty), ``surface_menu``, ``condition_slider`` (log scale; the
    quadratic only), ``lr_slider`` (log scale), ``momentum_slider``,
    ``steps_slider``, ``threshold_label``, ``status``, ``image``, ``result``
    (the latest ``LabRun``), ``last_update_ms``.
    """

    def __init__(self, run: LabRun, config):
        super().__init__()
        self.config = config                  # angle, w0, tol
        self.choices = lab_choices()
        options = [(choice.title, key) for key, choice in self.choices.items()]
        names = [r.optimizer for r in run.runs] + [NONE] * MAX_OPTIMIZERS
        self.optimizer_menus = [
            _menu(options if k == 0 else [("(none)", NONE), *options], names[k],
                  f"optimiser {k + 1}") for k in range(MAX_OPTIMIZERS)]
        surface_names = [s for s in LAB_SURFACES if s != "valley" or run.surface == "valley"]
        self.surface_menu = _menu([(LAB_SURFACES[s], s) for s in surface_names], run.surface,
                                  "loss surface", width="430px")
        self.condition_slider = widgets.FloatLogSlider(
            value=run.condition, base=10, min=0.0,
            max=max(3.0, np.ceil(np.log10(run.condition) * 10) / 10), step=0.02,
            description="condition κ", readout_format=".3g", continuous_update=True,
            style={"description_width": "120px"}, layout=widgets.Layout(width="430px"))
        self._descent_controls(run, surfaces.surface(run.surface))
        image, status = self._setup([self.lr_slider, self.momentum_slider, self.steps_slider,
                                     self.condition_slider, *self.optimizer_menus], _LabPlot())
        self.surface_menu.observe(self._on_surface, names="value")
        self.children = [widgets.HBox(self.optimizer_menus),
                         widgets.HBox([self.surface_menu, self.condition_slider]),
                         widgets.HBox([self.lr_slider, self.threshold_label]),
                         widgets.HBox([self.momentum_slider, self.steps_slider]), status, image]
        self.update()

    @property
    def optimizers(self) -> tuple:
        """The chosen optimisers, in slot order, each once."""
        names = [menu.value for menu in self.optimizer_menus if menu.value != NONE]
        return tuple(dict.fromkeys(names))

    def _on_surface(self, change):
        surf = surfaces.surface(change["new"], condition=self.condition,
                                angle=self.config["angle"])
        self._take_suggestion(surf, "momentum", 0.9)

    @property
    def condition(self) -> float:
        return float(self.condition_slider.value)

    def _compute(self):
        surface = self.surface_menu.value
        self.condition_slider.disabled = surface != "quadratic"
        run = run_lab(self.optimizers, self.lr_slider.value, self.momentum_slider.value,
                      self.steps_slider.value, surface=surface, condition=self.condition,
                      **self.config)
        self.momentum_slider.disabled = not any(self.choices[r.optimizer].knob
                                                for r in run.runs)
        self.result = run
        self.threshold_label.value = _threshold_note(run)
        self.status.value = _lab_status(run)
        self.plot.show(run)


def _representative_runs(optimizers, lr, momentum, steps, config):
    """The settings of the static figure: as given; on the quadratic, the same eta with a 10x
    larger condition number; the other surfaces of the menu at their suggested eta and mu."""
    runs = [run_lab(optimizers, lr, momentum, steps, **config)]
    if config["surface"] == "quadratic" and config["condition"] * 10 <= surfaces.MAX_CONDITION:
        runs.append(run_lab(optimizers, lr, momentum, steps,
                            **{**config, "condition": config["condition"] * 10}))
    for name in ("quadratic", "rosenbrock", "saddle"):
        if name != config["surface"]:
            surf = surfaces.surface(name, condition=config["condition"])
            s_lr, s_mu, s_steps = surf.suggest("momentum", momentum)
            runs.append(run_lab(optimizers, s_lr, s_mu, s_steps, surface=name,
                                condition=config["condition"], tol=config["tol"]))
    return runs


def _lab_overview(runs) -> Figure:
    """Small multiples: one column per setting, paths above and loss curves below."""
    figure = still(Figure(figsize=(10.0, 4.2), dpi=100, layout="constrained"))
    axes = figure.subplots(2, len(runs), height_ratios=(1.15, 1), squeeze=False)
    entries = ([], [])
    for column, run in enumerate(runs):
        panels = _LabPanels(axes[0, column], axes[1, column], fontsize=7.5)
        panels.set_surface(run.surf())
        kappa = f", κ = {run.condition:.4g}" if run.surface == "quadratic" else ""
        panels.show(run)
        panels.ax.set_title(f"{LAB_SURFACES[run.surface].split(' (')[0]}{kappa}", fontsize=8,
                            color="tab:red" if run.diverged else "black")
        for ax in (panels.ax, panels.ax2):
            ax.tick_params(labelsize=7)
            ax.xaxis.label.set_size(7.5)
            ax.yaxis.label.set_size(7.5)
        panels.ax2.set_ylabel("L (log scale)")
        handles, labels = panels.legend_entries()
        if len(labels) > len(entries[1]):
            entries = (handles, labels)
    figure.legend(*entries, loc="outside upper center", ncols=len(entries[1]), fontsize=7.5,
                  frameon=False)
    return figure


@builder
def optimizer_lab(optimizers=("sgd", "momentum", "adam"), lr=None, momentum=None, steps=None, *,
                  surface="quadratic", condition=10.0, angle=0.0, w0=None, tol=1e-4,
                  static=False):
    """The optimiser laboratory on toy surfaces (unit 08).

    Up to three optimisers (menus) start from the same point; their paths are
    drawn on the surface's contours (one colour each) and their losses per
    step beside them (log scale). Controls: the optimisers, the surface
    (quadratic, Rosenbrock, saddle), the quadratic's condition number kappa
    (log slider), the learning rate eta (log slider, shared by all), the
    momentum mu (for "momentum" and "nesterov") and the number of steps.
    Every change reruns ``run_lab`` (the real ``mlpkit.optim`` optimisers)
    and redraws only what changed. A run that blows up is stopped and named
    in the text and the figure, with a stable eta where the theory gives one.

    Parameters
    ----------
    optimizers, surface, condition, angle, w0, tol
        See ``run_lab``.
    lr, momentum, steps : float, float, int, optional
        Starting values; None takes the surface's suggestion for momentum
        (``Surface.suggest("momentum", ...)``), e.g. eta = 0.5/kappa, mu = 0.8,
        150 steps on the quadratic.
    static : bool
        Return one still Figure instead: small multiples of representative
        settings (as given; on the quadratic, the same eta with a ten times
        larger condition number; the other surfaces, quadratic, Rosenbrock and
        saddle, at their suggested values).

    Returns
    -------
    OptimizerLab (an ``ipywidgets.VBox``), a Figure if ``static``, or None
    under autograding.
    """
    surf = surfaces.surface(surface, condition=condition, angle=angle)
    s_lr, s_mu, s_steps = surf.suggest("momentum", 0.9)
    lr = s_lr if lr is None else lr
    momentum = s_mu if momentum is None else momentum
    steps = s_steps if steps is None else steps
    config = dict(surface=surface, condition=condition, angle=angle, w0=w0, tol=tol)
    run = run_lab(optimizers, lr, momentum, steps, **config)
    if static:
        return _lab_overview(_representative_runs(optimizers, lr, momentum, steps, config))
    return OptimizerLab(run, dict(angle=angle, w0=w0, tol=tol))


# ---------------------------------------------------------------------------
# A real network: the run
# ---------------------------------------------------------------------------

#: A learning rate that trains the moons network well, per optimiser (others: 0.01).
NETWORK_LR = {"sgd": 0.3, "momentum": 0.05, "nesterov": 0.05, "adagrad": 0.1,
              "rmsprop": 0.01, "adam": 0.01, "adamw": 0.01}
#: A mini-batch loss above this many times the first one counts as divergence.
LOSS_BLOWUP = 10.0
#: The accuracies are measured this many times during a run (and before it).
EVALUATIONS = 20


@dataclasses.dataclass(frozen=True, repr=False)
class NetworkRun:
    """Result of ``run_network``.

    Attributes
    ----------
    losses : ndarray, shape (S,)
        The cross-entropy loss L of each mini-batch step (before its update).
    eval_steps : ndarray of int, shape (E+1,)
        The steps after which the accuracies were measured: 0 (before
        training), then ``EVALUATIONS`` = 20 evenly spread steps up to the last
        one (and the step where training diverged).
    train_accuracy, val_accuracy : ndarray, shape (E+1,)
        Accuracy on the training and on the validation set at ``eval_steps``.
    diverged_at : int or None
        The step at which training blew up and stopped (``reason`` says how).
    message : str
    """

    optimizer: str
    label: str
    lr: float
    momentum: float
    steps: int
    batch_size: int
    losses: np.ndarray
    eval_steps: np.ndarray
    train_accuracy: np.ndarray
    val_accuracy: np.ndarray
    diverged_at: int | None
    reason: str
    message: str

    @property
    def diverged(self) -> bool:
        return self.diverged_at is not None

    def __repr__(self) -> str:
        return summary_repr(self, self.label, lr=self.lr, steps=len(self.losses),
                            val_accuracy=self.val_accuracy[-1], diverged=self.diverged)


def _network(hidden, gen):
    """Linear(2, M) -> tanh -> Linear(M, M) -> tanh -> Linear(M, 2), float64."""
    return nn.Sequential(nn.Linear(2, hidden, rng=gen, dtype=np.float64), nn.Tanh(),
                         nn.Linear(hidden, hidden, rng=gen, dtype=np.float64), nn.Tanh(),
                         nn.Linear(hidden, 2, rng=gen, dtype=np.float64))


def run_network(optimizer="sgd", lr=None, momentum=0.9, *, steps=300, batch_size=32, hidden=16,
                n=400, rng=0) -> NetworkRun:
    """Train a small MLP on the two moons with one of the laboratory's optimisers.

    Data: ``data.make_moons(n, noise=0.2)`` for training and 200 more points
    for validation. Model ``Linear(2, M) -> Tanh -> Linear(M, M) -> Tanh ->
    Linear(M, 2)`` (float64), loss ``losses.CrossEntropyLoss``, the real
    ``mlpkit.optim`` optimiser, and ``train.train_step`` on mini-batches from
    ``data.batches`` (reshuffled every epoch). Accuracies are measured with
    ``train.evaluate`` before training and at 20 evenly spread steps.

    Training stops as *diverged* when the loss or a gradient is not finite,
    a weight passes 1e6, or a mini-batch loss exceeds 10 times the first one
    (the network is then confidently wrong); that is reported, never raised.

    Parameters
    ----------
    optimizer : str
        A name from ``lab_choices()``.
    lr : float, optional
        eta > 0; None takes ``NETWORK_LR[optimizer]`` (a value that trains well).
    momentum : float
        mu in [0, 1) for "momentum" and "nesterov" (the others ignore it).
    steps : int
        Number of mini-batch steps S >= 1.
    batch_size : int
        B >= 1.
    hidden : int
        Width M >= 1 of both hidden layers.
    n : int
        Number of training examples N >= 2.
    rng : None, int or numpy.random.Generator
        Source of the data, the initial weights and the shuffling (an int seed
        repeats all three).

    Returns
    -------
    NetworkRun
    """
    choices = lab_choices()
    choice = choices[check_choice("optimizer", optimizer, tuple(choices))]
    lr = check_positive("lr", NETWORK_LR.get(optimizer, 0.01) if lr is None else lr)
    momentum = check_probability("momentum", momentum)
    steps = check_steps(steps)
    batch_size = check_int("batch_size", batch_size, minimum=1)
    hidden = check_int("hidden", hidden, minimum=1)
    n = check_int("n", n, minimum=2)
    gen = check_rng(rng)

    x, y = data.make_moons(n, noise=0.2, rng=gen, dtype=np.float64)
    x_val, y_val = data.make_moons(200, noise=0.2, rng=gen, dtype=np.float64)
    model = _network(hidden, gen)
    loss_fn = losses.CrossEntropyLoss()
    opt = optim.OPTIMIZERS[choice.rule](model.parameters(), **choice.hyperparameters(lr, momentum))

    step_losses, eval_steps, train_acc, val_acc = [], [], [], []
    eval_at = set(np.linspace(0, steps, EVALUATIONS + 1).round().astype(int).tolist())

    def measure():
        eval_steps.append(len(step_losses))
        train_acc.append(train.evaluate(model, loss_fn, x, y)["accuracy"])
        val_acc.append(train.evaluate(model, loss_fn, x_val, y_val)["accuracy"])

    measure()
    model.train()
    reason = ""
    with np.errstate(over="ignore", invalid="ignore"):
        while not reason and len(step_losses) < steps:
            for xb, yb in data.batches(x, y, batch_size, rng=gen):
                reason = _step(model, loss_fn, opt, xb, yb, step_losses)
                if reason or len(step_losses) in eval_at:
                    measure()
                if reason or len(step_losses) == steps:
                    break
    model.eval()
    run = NetworkRun(optimizer=optimizer, label=choice.describe(momentum), lr=lr,
                     momentum=momentum, steps=steps, batch_size=batch_size,
                     losses=np.asarray(step_losses, dtype=np.float64),
                     eval_steps=np.asarray(eval_steps), train_accuracy=np.asarray(train_acc),
                     val_accuracy=np.asarray(val_acc),
                     diverged_at=len(step_losses) if reason else None, reason=reason, message="")
    return dataclasses.replace(run, message=_network_message(run, choice, momentum))


def _step(model, loss_fn, opt, xb, yb, step_losses) -> str:
    """One ``train.train_step``, its loss appended; why training diverged, or ''."""
    try:
        loss = train.train_step(model, loss_fn, opt, xb, yb)
    except ValueError:                  # the loss or a gradient became nan or inf
        step_losses.append(np.inf)
        return "the loss or a gradient is no longer finite"
    step_losses.append(loss)
    if max(float(np.max(np.abs(p.data))) for p in model.parameters()) > BLOWUP:
        return f"a weight passed {BLOWUP_TEXT}"
    if loss > LOSS_BLOWUP * step_losses[0]:
        return (f"the loss rose to {loss:.3g}, over {LOSS_BLOWUP:g}x its first value "
                f"{step_losses[0]:.3g}")
    return ""


def _network_message(run: NetworkRun, choice: Choice, momentum) -> str:
    if run.diverged:
        stable = ""
        if choice.knob == "momentum" and momentum >= 0.5:
            stable = " or a smaller momentum"
        return (f"{run.label} diverged at step {run.diverged_at}: {run.reason} (training "
                f"stopped); try a smaller eta than {run.lr:.3g}{stable}.")
    return (f"{run.label}, eta = {run.lr:.3g}: after {len(run.losses)} steps (batch size "
            f"{run.batch_size}) the loss is {np.mean(run.losses[-10:]):.3g} (mean of the last "
            f"10 batches), accuracy {run.train_accuracy[-1]:.1%} on the training set and "
            f"{run.val_accuracy[-1]:.1%} on the validation set.")


# ---------------------------------------------------------------------------
# A real network: the figure and the widget
# ---------------------------------------------------------------------------

def _window_means(run: NetworkRun):
    """(steps, mean loss) of the steps between two measurements, at the step that ends them."""
    ends = run.eval_steps[1:]
    means = [np.mean(run.losses[a:b]) for a, b in zip(run.eval_steps[:-1], ends)]
    return ends, clip_loss(np.asarray(means, dtype=np.float64))


class _NetworkPlot(Canvas):
    """Left: the loss per mini-batch and its running mean; right: the accuracies. The previous
    run is drawn in grey, to compare with."""

    def __init__(self):
        super().__init__(width_ratios=(1.2, 1))
        ax, ax2 = self.axes
        (self.ghost_loss,) = ax.semilogy([1], [1], "--", color=C_REF, lw=1.1,
                                         label="previous run (mean)")
        (self.batch_loss,) = ax.semilogy([1], [1], "-", color=C_RUN, lw=0.6, alpha=0.35,
                                         label="mini-batch loss")
        (self.mean_loss,) = ax.semilogy([1], [1], "o-", color=C_RUN, lw=1.6, ms=3,
                                         label="mean over 1/20 of the run")
        self.stop = ax.axvline(0, color="tab:red", lw=1.2, label="diverged: stopped")
        ax.set_xlabel("step t (one mini-batch each)")
        ax.set_ylabel("training loss L (log scale)")
        ax.grid(True, which="major", alpha=0.3)
        (self.ghost_val,) = ax2.plot([], [], "--", color=C_REF, lw=1.1,
                                     label="previous run (validation)")
        (self.train_acc,) = ax2.plot([], [], "o-", color=C_RUN, lw=1.4, ms=3, label="training")
        (self.val_acc,) = ax2.plot([], [], "s--", color="tab:orange", lw=1.4, ms=3,
                                   label="validation")
        ax2.axhline(0.5, color="0.6", ls=":", lw=1, label="chance (50%)")
        ax2.set_ylim(0.3, 1.02)
        ax2.set_xlabel("step t")
        ax2.set_ylabel("accuracy")
        ax2.set_title("Accuracy during training", fontsize=9)
        ax2.grid(True, alpha=0.3)
        ax2.legend(loc="lower right", fontsize=7.5)
        self.dynamic(self.ghost_loss, self.batch_loss, self.mean_loss, self.stop,
                     self.ghost_val, self.train_acc, self.val_acc, ax.title)

    def show(self, run: NetworkRun, previous: NetworkRun | None = None):
        ax, ax2 = self.axes
        values = clip_loss(run.losses)
        self.batch_loss.set_data(np.arange(1, len(values) + 1), values)
        self.mean_loss.set_data(*_window_means(run))
        self.train_acc.set_data(run.eval_steps, run.train_accuracy)
        self.val_acc.set_data(run.eval_steps, run.val_accuracy)
        self.stop.set_visible(run.diverged)
        if run.diverged:
            self.stop.set_xdata([run.diverged_at, run.diverged_at])
        for line in (self.ghost_loss, self.ghost_val):
            line.set_visible(previous is not None)
        arrays = [values]
        if previous is not None:
            steps, means = _window_means(previous)
            self.ghost_loss.set_data(steps, means)
            self.ghost_loss.set_label(f"previous: {previous.label}, η = {previous.lr:.3g}")
            self.ghost_val.set_data(previous.eval_steps, previous.val_accuracy)
            arrays.append(means)
        ax.set_xlim(0, nice_ceil(run.steps))
        ax2.set_xlim(0, nice_ceil(run.steps))
        ax.set_ylim(*log_limits(*arrays, floor=1e-2))
        self.legend(ax, handles=[h for h in (self.batch_loss, self.mean_loss, self.ghost_loss,
                                             self.stop) if h.get_visible()],
                    loc="lower left", fontsize=7.5, framealpha=0.85)
        state = f"diverged at step {run.diverged_at}" if run.diverged else "training loss"
        ax.set_title(f"{run.label}, η = {run.lr:.3g}: {state}", fontsize=9,
                     color="tab:red" if run.diverged else "black")


class NetworkLab(Explorer):
    """The widget built by ``network_lab``.

    Attributes: ``optimizer_menu``, ``lr_slider`` (log scale),
    ``momentum_slider``, ``steps_slider`` (each acts when released: a change
    retrains), ``status``, ``image``, ``result`` (the latest ``NetworkRun``),
    ``previous`` (the run before it, drawn in grey), ``last_update_ms``.
    """

    def __init__(self, run: NetworkRun, config):
        super().__init__()
        self.config = config
        self.choices = lab_choices()
        self.optimizer_menu = _menu([(c.title, k) for k, c in self.choices.items()],
                                    run.optimizer, "optimiser", width="430px")
        self.lr_slider = lr_slider(run.lr, -4.0, 1.0)
        self.momentum_slider = momentum_slider(run.momentum)
        self.steps_slider = int_slider(run.steps, 50, max(1000, run.steps), "steps",
                                       step=50 if run.steps % 50 == 0 else 1, continuous=False)
        for slider in (self.lr_slider, self.momentum_slider):
            slider.continuous_update = False          # each change retrains
        image, status = self._setup([self.lr_slider, self.momentum_slider, self.steps_slider],
                                    _NetworkPlot())
        self.optimizer_menu.observe(self._on_optimizer, names="value")
        self.children = [self.optimizer_menu, self.lr_slider, self.momentum_slider,
                         self.steps_slider, status, image]
        self.result, self.previous = None, None
        self._start(run)

    def _on_optimizer(self, change):
        """Another optimiser starts at the learning rate that suits it (``NETWORK_LR``)."""
        with self.hold():
            self.lr_slider.value = NETWORK_LR.get(change["new"], 0.01)

    def _compute(self):
        name = self.optimizer_menu.value
        self.momentum_slider.disabled = self.choices[name].knob is None
        run = self._first_or(lambda: run_network(
            name, self.lr_slider.value, self.momentum_slider.value,
            steps=self.steps_slider.value, **self.config))
        self.previous, self.result = self.result, run
        kind = "#c62828" if run.diverged else "#1a7f37"
        self.status.value = (f'<div style="font-size:13px;color:{kind};max-width:840px">'
                             f"{html.escape(run.message)}</div>")
        self.plot.show(run, self.previous)


def _network_overview(optimizer, lr, momentum, steps, config) -> Figure:
    """Small multiples: three optimisers at a good eta; one optimiser at three etas."""
    figure = still(Figure(figsize=(10.0, 3.6), dpi=100, layout="constrained"))
    ax1, ax2, ax3 = figure.subplots(1, 3)
    for colour, name in zip(COLORS, ("sgd", "momentum", "adam")):
        run = run_network(name, None, momentum, steps=steps, **config)
        ax1.semilogy(*_window_means(run), "o-", ms=2.5, color=colour,
                     label=f"{run.label}, η = {run.lr:.3g}")
    ax1.set_title("three optimisers, each at a good η", fontsize=9)
    lrs = (lr / 10, lr, lr * 10)
    for colour, eta in zip(("0.55", C_RUN, "tab:red"), lrs):
        run = run_network(optimizer, eta, momentum, steps=steps, **config)
        label = f"η = {eta:.3g}" + (f" (diverged at step {run.diverged_at})" if run.diverged
                                    else "")
        ax2.semilogy(*_window_means(run), "o-", ms=2.5, color=colour, label=label)
        ax3.plot(run.eval_steps, run.val_accuracy, "o-", ms=2.5, color=colour, label=label)
    ax2.set_title(f"{run.label} at three learning rates", fontsize=9)
    ax3.set_title(f"{run.label}: validation accuracy", fontsize=9)
    for ax in (ax1, ax2):
        ax.set(xlabel="step t", ylabel="training loss L, mean (log scale)")
    ax3.axhline(0.5, color="0.6", ls=":", lw=1, label="chance (50%)")
    ax3.set(xlabel="step t", ylabel="accuracy", ylim=(0.3, 1.02))
    for ax in (ax1, ax2, ax3):
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=7)
        ax.yaxis.label.set_size(8.5)
    return figure


@builder
def network_lab(optimizer="sgd", lr=None, momentum=0.9, *, steps=300, batch_size=32, hidden=16,
                n=400, rng=0, static=False):
    """The optimiser laboratory on a real network: a small MLP learning the two moons (unit 08).

    Controls: the optimiser (``lab_choices()``), the learning rate eta (log
    slider), the momentum mu (for "momentum" and "nesterov") and the number of
    mini-batch steps. Every change retrains from the same data and initial
    weights with ``run_network`` (the real ``nn``, ``losses``, ``optim``,
    ``data.batches`` and ``train.train_step``; a few tenths of a second for 300
    steps) and draws the training loss per mini-batch and its mean, and the
    training and validation accuracy 20 times during the run; the previous run stays
    in grey to compare with. Choosing another optimiser loads a learning rate
    that suits it (``NETWORK_LR``). Divergence stops training and is named.

    Parameters
    ----------
    optimizer, lr, momentum, steps, batch_size, hidden, n : see ``run_network``
        Starting values.
    rng : int
        Seed of the data, the initial weights and the shuffling (an int, so every
        change retrains from the same start).
    static : bool
        Return one still Figure instead: the loss of SGD, momentum and Adam each
        at a good eta, and ``optimizer`` at eta/10, eta and 10 eta (loss and
        validation accuracy).

    Returns
    -------
    NetworkLab (an ``ipywidgets.VBox``), a Figure if ``static``, or None under
    autograding.
    """
    config = dict(batch_size=batch_size, hidden=hidden, n=n, rng=check_seed(rng))
    run = run_network(optimizer, lr, momentum, steps=steps, **config)
    if static:
        return _network_overview(optimizer, run.lr, momentum, steps, config)
    return NetworkLab(run, config)
