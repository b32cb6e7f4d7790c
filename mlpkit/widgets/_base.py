"""The rules every explorer follows, written once.

* **No interactivity under autograding.** While nbgrader executes a notebook
  (the environment variable ``NBGRADER_EXECUTION`` is set) a builder prints
  one line and returns None: every builder is decorated with ``@builder``.
* **The learning-rate slider is logarithmic** (``lr_slider``): eta spans
  several decades, and a linear slider would squeeze all the interesting small
  values into its first pixels.
* **A static fallback.** ``static=True`` draws one still figure for the given
  values instead of widgets (for slides or print): ``still_figure``.
* **Sliders, a status line and a figure** (``Explorer``): every slider move
  reruns the computation and redraws the figure. ``SurfaceExplorer`` adds the
  eta, mu and steps sliders of a run on a 2-D surface, which follow the surface
  menu's suggestions.

Also here: the argument checks, number formats and one-line result reprs
(``summary_repr``) the explorers share.
"""
from __future__ import annotations

import contextlib
import functools
import html
import math
import os
import time

import ipywidgets as widgets
import numpy as np

from mlpkit._validation import _check_real, check_int, check_positive, check_probability, describe

#: |w| (or a loss) beyond which a run counts as blown up and is stopped.
BLOWUP = 1e6
#: The most steps any run may take (keeps a typo from freezing the kernel).
MAX_STEPS = 100_000

SKIP_MESSAGE = "(interactive widget skipped: NBGRADER_EXECUTION is set)"


# ---------------------------------------------------------------------------
# Autograding and the static fallback
# ---------------------------------------------------------------------------

def autograding() -> bool:
    """True while nbgrader executes the notebook (``NBGRADER_EXECUTION`` is set)."""
    return bool(os.environ.get("NBGRADER_EXECUTION"))


def builder(build):
    """Decorate an explorer's builder: under autograding it prints one line and returns None.

    Nothing is checked, computed or created then: the builder itself is not called.
    """
    @functools.wraps(build)
    def build_unless_autograding(*args, **kwargs):
        if autograding():
            print(SKIP_MESSAGE)
            return None
        return build(*args, **kwargs)
    return build_unless_autograding


def still_figure(plot, *shown):
    """The static fallback: ``plot.show(*shown)`` drawn once, as a plain Figure.

    Every artist is drawn normally (no cached background), so the figure saves
    like any other; it displays in a notebook without pyplot, since IPython
    shows objects with a ``_repr_png_`` method.
    """
    plot.show(*shown)
    figure = plot.static()
    figure._repr_png_ = plot.png
    return figure


# ---------------------------------------------------------------------------
# Argument checks and number formats
# ---------------------------------------------------------------------------

def check_real(name, value) -> float:
    """A finite real number (not a bool), as a float."""
    return _check_real(name, value)


def check_flag(name, value) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {describe(value)}")
    return bool(value)


def check_seed(rng):
    """An explorer's ``rng``: an int seed (or None), not a Generator.

    Every change of a control retrains from scratch, so the data (and the start)
    must be the same each time: a Generator would give new ones on every call.
    """
    if isinstance(rng, np.random.Generator):
        raise TypeError("rng must be an int seed here (every change retrains from the same "
                        "data and start), got a numpy Generator")
    return rng


def check_steps(value, name="steps") -> int:
    value = check_int(name, value, minimum=1)
    if value > MAX_STEPS:
        raise ValueError(f"{name} must be <= {MAX_STEPS}, got {value}")
    return value


def check_descent(lr, momentum, steps, tol):
    """The settings of a run on a toy loss, checked: (eta > 0, mu in [0, 1), T steps, tol > 0)."""
    return (check_positive("lr", lr), check_probability("momentum", momentum),
            check_steps(steps), check_positive("tol", tol))


def summary_repr(result, *args, **values) -> str:
    """A result's one-line repr, ``Name(arg, key=value, ...)``: a few telling values, no arrays.

    Floats are shown to 4 significant digits, everything else as its repr.
    """
    def short(value):
        if isinstance(value, np.integer):
            return repr(int(value))
        return f"{value:.4g}" if isinstance(value, (float, np.floating)) else repr(value)

    shown = [short(v) for v in args] + [f"{key}={short(v)}" for key, v in values.items()]
    return f"{type(result).__name__}({', '.join(shown)})"


def plural(count, noun) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def fmt(x) -> str:
    """Short number: 1.0, 0.667, 1.2e-05."""
    x = float(x)
    if x == int(x) and abs(x) < 1e6:
        return f"{x:.1f}"
    return f"{x:.3g}"


def first_below(losses, tol):
    """First index t with losses[t] <= tol, else None."""
    hits = np.flatnonzero(losses <= tol)
    return int(hits[0]) if hits.size else None


# ---------------------------------------------------------------------------
# Controls
# ---------------------------------------------------------------------------

_CONTROL = dict(style={"description_width": "120px"}, layout=widgets.Layout(width="430px"))


def lr_slider(value, lo_exp, hi_exp, description="learning rate η"):
    """A logarithmic slider for eta from 10**lo_exp to 10**hi_exp (widened to hold ``value``)."""
    lo_exp = math.floor(min(lo_exp, math.log10(value)) * 10) / 10
    hi_exp = math.ceil(max(hi_exp, math.log10(value)) * 10) / 10
    return widgets.FloatLogSlider(value=value, base=10, min=lo_exp, max=hi_exp, step=0.02,
                                  description=description, readout_format=".3g",
                                  continuous_update=True, **_CONTROL)


def momentum_slider(value, description="momentum μ"):
    return widgets.FloatSlider(value=value, min=0.0, max=0.99, step=0.01,
                               description=description, readout_format=".2f",
                               continuous_update=True, **_CONTROL)


def int_slider(value, lo, hi, description, step=1, continuous=True):
    return widgets.IntSlider(value=min(max(value, lo), hi), min=lo, max=hi, step=step,
                             description=description, continuous_update=continuous, **_CONTROL)


def selection_slider(options, value, description):
    """A slider over ``options`` that acts when released, not at every position it passes."""
    return widgets.SelectionSlider(options=options, value=value, description=description,
                                   continuous_update=False, **_CONTROL)


def dropdown(options, value, description):
    return widgets.Dropdown(options=options, value=value, description=description, **_CONTROL)


def note(text=""):
    """A line of HTML beside a slider (e.g. the divergence threshold)."""
    return widgets.HTML(value=text, layout=widgets.Layout(margin="0 0 0 12px"))


def threshold_html(text, above) -> str:
    """``text`` in red when the learning rate is above the threshold, grey otherwise."""
    return f'<span style="color:{"#c62828" if above else "#555"}">{text}</span>'


def eta_threshold_html(text, formula, threshold, lr, where="") -> str:
    """The label beside the eta slider, ``{text} η = {formula} = {threshold}{where}``, red when
    ``lr`` is above the threshold."""
    return threshold_html(f"{text} η = {formula} = <b>{fmt(threshold)}</b>{where}", lr > threshold)


def status_html(text, kind) -> str:
    """The status line: ``kind`` is 'ok' (green), 'warn', 'bad' (red) or 'info'."""
    color = {"ok": "#1a7f37", "warn": "#b26b00", "bad": "#c62828", "info": "#333"}[kind]
    return (f'<div style="font-size:13px;line-height:1.35;color:{color};max-width:840px">'
            f"{html.escape(text)}</div>")


class Explorer(widgets.VBox):
    """Sliders, a status line and a figure; ``update()`` reruns and redraws.

    A subclass builds its controls, calls ``_setup(controls, plot)``, lays out
    ``children`` and defines ``_compute()``, which reruns the computation and
    updates ``plot`` (a ``_canvas.Canvas``) and the texts. To draw the run its
    builder made without computing it twice, it starts with ``_start(run)``
    instead of ``update()`` and reruns through ``_first_or(rerun)``. Attributes:
    ``image`` (the figure as PNG), ``status`` (HTML), ``plot``,
    ``last_update_ms`` (the last rerun and redraw).
    """

    _first = None

    def _setup(self, controls, plot):
        self.plot = plot
        width = int(plot.figure.get_figwidth() * plot.figure.dpi)
        self.image = widgets.Image(format="png", layout=widgets.Layout(width=f"{width}px",
                                                                       max_width="100%"))
        self.status = widgets.HTML()
        self.last_update_ms = float("nan")
        self._holding = False
        for control in controls:
            control.observe(self._on_change, names="value")
        return self.image, self.status

    @contextlib.contextmanager
    def _quiet(self):
        """Control changes inside do not redraw."""
        holding, self._holding = self._holding, True
        try:
            yield
        finally:
            self._holding = holding

    @contextlib.contextmanager
    def hold(self):
        """Change several controls, then update once."""
        with self._quiet():
            yield
        self.update()

    def _on_change(self, change):
        if not self._holding:
            self.update()

    def update(self):
        """Rerun the computation and redraw the figure."""
        self._draw(self._compute)

    def _start(self, first):
        """The first update, drawing ``first`` (the builder's run) instead of rerunning it."""
        self._first = first
        self.update()

    def _first_or(self, rerun):
        """In ``_compute``: the builder's run at the first update (used once), then ``rerun()``."""
        first, self._first = self._first, None
        return rerun() if first is None else first

    def _draw(self, prepare):
        """Call ``prepare()`` (which updates the plot), render the figure, time both."""
        start = time.perf_counter()
        prepare()
        self.image.value = self.plot.png()
        self.last_update_ms = (time.perf_counter() - start) * 1e3

    def _replay(self, slider, play):
        """``slider`` and its ``play`` button replay ``self.result`` without retraining.

        Moving the slider redraws ``plot.show(result, slider.value)``: another
        epoch, step or snapshot of the same run.
        """
        widgets.jslink((play, "value"), (slider, "value"))
        slider.observe(self._on_replay, names="value")

    def _on_replay(self, change):
        if not self._holding:
            self._draw(lambda: self.plot.show(self.result, change["new"]))

    def _rewind_replay(self, slider, play, end, shown, move_play=True):
        """After a retrain: the replay ``slider`` and its ``play`` button span 0..end, at ``shown``.

        Quietly: ``_compute`` is drawing the new run already, so the slider's own
        observer must not redraw it a second time. ``move_play=False`` leaves the
        play button's value alone (in the browser it follows the slider through
        their ``jslink``).
        """
        with self._quiet():
            play.max = slider.max = end
            if move_play:
                play.value = shown
            slider.value = shown

    def _compute(self):
        raise NotImplementedError


class SurfaceExplorer(Explorer):
    """An explorer of runs on a 2-D loss surface (``valley_2d``, ``optimizer_lab``).

    Its ``lr_slider``, ``momentum_slider`` and ``steps_slider`` start from a run
    and span the surface's range; when another surface (or optimiser) is chosen,
    they move to the settings it suggests.
    """

    def _descent_controls(self, run, surf):
        """The eta, mu and steps sliders at ``run``'s values, and ``threshold_label`` beside eta."""
        self.lr_slider = lr_slider(run.lr, *surf.lr_exponents)
        self.momentum_slider = momentum_slider(run.momentum)
        coarse = run.steps % 10 == 0        # steps in tens unless asked otherwise
        self.steps_slider = int_slider(run.steps, 10 if coarse else 1, max(1000, run.steps),
                                       "steps T", step=10 if coarse else 1)
        self.threshold_label = note()

    def _take_suggestion(self, surf, optimizer, momentum):
        """Set the three sliders to what ``surf`` suggests for ``optimizer`` (``surf.suggest``)
        and the eta slider to the surface's range; then update once."""
        lr, mu, steps = surf.suggest(optimizer, momentum)
        lo, hi = surf.lr_exponents
        with self.hold():
            # widen first so the new value is never clamped by the old range
            self.lr_slider.min = min(lo, self.lr_slider.min)
            self.lr_slider.max = max(hi, self.lr_slider.max)
            self.lr_slider.value = lr
            self.lr_slider.min, self.lr_slider.max = lo, hi
            self.momentum_slider.value = mu
            self.steps_slider.value = steps
