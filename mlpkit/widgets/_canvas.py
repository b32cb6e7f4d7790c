"""Figures for the explorers: created once, redrawn fast, sent to the browser as PNG.

Each figure is a matplotlib Figure on an Agg canvas (no pyplot). A slider move
updates the existing artists, renders the canvas and returns the PNG bytes for
an ``ipywidgets.Image``; ``benchmarks/widget_redraw.py`` times it (a few tens
of milliseconds per redraw). Also here: the small helpers that keep the axes
still while a slider moves.
"""
from __future__ import annotations

import io
import math

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image

FIGSIZE = (9.6, 3.6)
DPI = 88
LOSS_FLOOR, LOSS_CEIL = 1e-300, 1e12    # plotted losses are clipped to this range
C_RUN, C_REF, C_CURVE, C_PATH = "tab:blue", "0.4", "0.25", "tab:red"


class Canvas:
    """A matplotlib Figure on an Agg canvas (no pyplot) that renders to PNG bytes.

    Speed comes from drawing as little as possible on each slider move:

    * the first render lays the figure out (constrained layout), later renders
      keep that layout;
    * artists registered with ``dynamic`` (paths, loss curves, titles,
      legends) are "animated": a full draw skips them, and the rest of the
      figure (axes, ticks, contours, labels) is kept as a cached background
      image. A render restores the background and draws only the dynamic
      artists on top, unless the axis limits changed since the background
      was made (then it draws everything once more and caches anew);
    * the PNG is written with fast (light) compression.

    ``static()`` turns this off, so the figure also saves and displays normally.
    A subclass draws the fixed parts in ``__init__`` and updates the dynamic
    ones in ``show(...)``.
    """

    def __init__(self, ncols=2, width_ratios=None):
        self.figure = Figure(figsize=FIGSIZE, dpi=DPI, layout="constrained")
        FigureCanvasAgg(self.figure)
        self.axes = self.figure.subplots(1, ncols, width_ratios=width_ratios)
        self._frozen = False
        self._dynamic_artists = []
        self._background, self._background_key = None, None
        self.full_draws = 0          # how often the whole figure was drawn (for the benchmark)

    def dynamic(self, *artists):
        """Mark ``artists`` as changing on every redraw; returns them."""
        for artist in artists:
            artist.set_animated(True)
            self._dynamic_artists.append(artist)
        return artists[0] if len(artists) == 1 else artists

    def legend(self, ax, **kw):
        """(Re)make ``ax``'s legend as a dynamic artist (drawn on top of the paths)."""
        old = ax.get_legend()
        if old in self._dynamic_artists:
            self._dynamic_artists.remove(old)
        return self.dynamic(ax.legend(**kw))

    def static(self):
        """Draw every artist in every render (no background cache); returns the Figure."""
        for artist in self._dynamic_artists:
            artist.set_animated(False)
        self._dynamic_artists = []
        self._background = self._background_key = None
        return self.figure

    def _key(self):
        """What the cached background depends on: the axis limits."""
        return tuple((ax.get_xlim(), ax.get_ylim()) for ax in self.axes)

    def png(self) -> bytes:
        canvas = self.figure.canvas
        key = self._key()
        if self._background is None or key != self._background_key or not self._dynamic_artists:
            canvas.draw()                      # everything except the dynamic artists
            self.full_draws += 1
            if not self._frozen:
                self.figure.set_layout_engine("none")
                self._frozen = True
            if self._dynamic_artists:
                self._background = canvas.copy_from_bbox(self.figure.bbox)
                self._background_key = key
        else:
            canvas.restore_region(self._background)
        renderer = canvas.get_renderer()
        for artist in self._dynamic_artists:
            if artist.get_visible():
                artist.draw(renderer)
        width, height = canvas.get_width_height(physical=True)
        img = Image.frombuffer("RGBA", (width, height), canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
        out = io.BytesIO()
        img.convert("RGB").save(out, format="PNG", compress_level=1)
        return out.getvalue()


def still(figure: Figure) -> Figure:
    """``figure`` on an Agg canvas, shown in a notebook without pyplot (as a PNG).

    The static fallbacks (``static=True``) return such a figure: IPython displays
    any object with a ``_repr_png_`` method.
    """
    if not isinstance(figure.canvas, FigureCanvasAgg):
        FigureCanvasAgg(figure)

    def png():
        out = io.BytesIO()
        figure.savefig(out, format="png")
        return out.getvalue()
    figure._repr_png_ = png
    return figure


def until_exit(points, inside):
    """Points up to and including the first one outside the plot, and that index (or None).

    ``inside`` is a boolean array (one entry per point); the exit point itself is
    kept so the path visibly runs off the axes, and later points are dropped.
    """
    outside = np.flatnonzero(~inside)
    if not outside.size:
        return points, None
    first = int(outside[0])
    return points[:first + 1], first


def log_limits(*arrays, floor):
    """y-limits of a log-scale loss panel: from a fixed ``floor`` (converged runs run
    off the bottom) up to the largest value rounded up to a whole decade, so the axes
    stay put while a slider moves (easier to compare, and faster to draw)."""
    vals = np.concatenate([np.asarray(a, dtype=np.float64).ravel() for a in arrays if len(a)])
    vals = vals[np.isfinite(vals)]
    hi = min(max(vals.max(), 10.0 * floor), LOSS_CEIL) if vals.size else 10.0 * floor
    return floor, 10.0 ** math.ceil(math.log10(hi) + 0.05)


def nice_ceil(n) -> float:
    """The smallest of 10, 15, 20, 30, 50, 70, 100, 150, 200, ... >= n: an axis
    limit that changes only now and then as the steps slider moves."""
    n = max(float(n), 1.0)
    scale = 10.0 ** math.floor(math.log10(n))
    for m in (1.0, 1.5, 2.0, 3.0, 5.0, 7.0, 10.0):
        if m * scale >= n:
            return m * scale
    return 10.0 * scale


def clip_loss(values):
    """Losses made plottable on a log axis: NaN and inf become the ceiling."""
    return np.clip(np.nan_to_num(values, nan=LOSS_CEIL, posinf=LOSS_CEIL), LOSS_FLOOR, LOSS_CEIL)


def loss_panel(ax, title, **title_kw):
    """Label ``ax`` as a loss-per-step panel (log scale, a light grid)."""
    ax.set_xlabel("step t")
    ax.set_ylabel("loss L(w_t) (log scale)")
    ax.set_title(title, **title_kw)
    ax.grid(True, which="major", alpha=0.3)
