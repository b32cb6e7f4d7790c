"""Figures used throughout the course: learning curves, decision boundaries, digits, ...

Every helper takes an optional matplotlib ``ax`` (a new figure is made when it
is None) and returns the ``ax`` it drew on, so figures compose::

    import matplotlib.pyplot as plt
    from mlpkit import plot
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    plot.learning_curves(history, ax=left)
    plot.learning_curves(history, ax=right, metric="accuracy")

Every figure is labelled (axis labels, title, legend or colour bar). Colours
come from the Okabe-Ito palette (:data:`COLORS`), which stays distinguishable
with the common forms of colour blindness; wrong predictions are written in
bold red (:data:`WRONG_COLOR`) next to the true label, so colour is never the
only cue. Nothing here calls ``plt.show()`` or picks a
backend: Jupyter shows the figure at the end of the cell, a script calls
``plt.show()`` or ``fig.savefig(...)`` itself.
"""
from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from . import functional as F
from ._validation import as_float_array, as_labels, check_choice, check_int, describe

__all__ = [
    "COLORS", "WRONG_COLOR",
    "learning_curves", "decision_boundary", "fit_1d", "loss_contour", "image_grid",
    "confusion_matrix", "activation",
]

#: Okabe-Ito colours (blue, orange, bluish green, vermillion, reddish purple,
#: sky blue, yellow, black): distinguishable with colour-vision deficiencies.
COLORS = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442",
          "#000000")
#: Text colour of wrong predictions: red, and never the only cue (a wrong label is
#: also bold and followed by the true label in brackets).
WRONG_COLOR = "#CC0000"
RIGHT_COLOR = "#000000"


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------

def _axes(ax, figsize=(6.0, 4.5)):
    """``ax`` itself, or the axes of a new figure."""
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt
    _, ax = plt.subplots(figsize=figsize)
    return ax


def _palette(n: int):
    """``n`` colour-blind-friendly colours (Okabe-Ito, then matplotlib's tab20)."""
    if n <= len(COLORS):
        return list(COLORS[:n])
    import matplotlib
    extra = matplotlib.colormaps["tab20"].colors
    return list(COLORS) + [extra[i % len(extra)] for i in range(n - len(COLORS))]


def _is_model(obj) -> bool:
    return callable(getattr(obj, "forward", None)) and callable(getattr(obj, "parameters", None))


def _predictor(predict_fn_or_model, name="predict_fn_or_model"):
    """A function ``x (K, D) -> outputs`` from a model (evaluation mode) or a callable."""
    if _is_model(predict_fn_or_model):
        from .train import predict
        model = predict_fn_or_model
        return lambda pts: predict(model, pts)
    if callable(predict_fn_or_model):
        return predict_fn_or_model
    raise TypeError(f"{name} must be an mlpkit model or a function x -> y_hat, "
                    f"got {describe(predict_fn_or_model)}")


def _labels(y, name: str) -> np.ndarray:
    """Integer labels (B,) from labels, one-hot rows or scores (B, C), or 0/1 targets (B, 1)."""
    arr = np.asarray(y)
    if arr.ndim == 2:
        arr = as_float_array(arr, name, ndim=2)
        if arr.shape[1] == 1:
            return as_labels(arr[:, 0], name)
        return np.argmax(arr, axis=1)
    return as_labels(arr, name)


def _integer_xticks(ax):
    from matplotlib.ticker import MaxNLocator
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))


# ---------------------------------------------------------------------------
# learning curves
# ---------------------------------------------------------------------------

_CURVE_LABELS = {
    "loss": "loss (mean over examples)",
    "accuracy": "accuracy (fraction correct)",
    "batch_loss": "mini-batch loss",
}


def learning_curves(history, ax=None, metric: str = "loss", *, label: str | None = None,
                    color=None, log_scale: bool = False, title: str | None = None):
    """Training and validation ``metric`` per epoch (the learning curves).

    Parameters
    ----------
    history : mlpkit.train.History or dict
        What :func:`mlpkit.train.fit` returned, or a dict of lists such as
        ``{"loss": [...], "val_loss": [...]}``.
    ax : matplotlib Axes, optional
    metric : {"loss", "accuracy", "batch_loss"}
        "loss" and "accuracy" plot one point per epoch (training solid,
        validation dashed, the best epoch dotted); "batch_loss" plots the loss
        of every mini-batch with a moving average.
    label : str, optional
        Prefix for the legend entries, to compare runs on one axes
        (e.g. ``label="Adam"``); pass ``color`` too.
    color : matplotlib colour, optional
        One colour for this run's curves (default: blue training, orange
        validation).
    log_scale : bool
        Logarithmic y-axis (useful for losses spanning decades).

    Returns
    -------
    matplotlib Axes
    """
    check_choice("metric", metric, tuple(_CURVE_LABELS))
    ax = _axes(ax)
    prefix = f"{label}: " if label else ""
    if metric == "batch_loss":
        if isinstance(history, Mapping):
            values = history.get("batch_loss")
        else:
            values = getattr(history, "batch_loss", None)
        values = np.asarray(values if values is not None else [], dtype=float)
        if values.ndim != 1 or values.size == 0:
            raise ValueError("history must record batch_loss (fit's History does), "
                             f"got {describe(history)}")
        steps = np.arange(1, values.size + 1)
        c = color or COLORS[0]
        ax.plot(steps, values, color=c, alpha=0.35, lw=0.8, label=f"{prefix}each mini-batch")
        window = max(1, values.size // 50)
        if window > 1:
            smooth = np.convolve(values, np.ones(window) / window, mode="valid")
            ax.plot(steps[window - 1:], smooth, color=c, lw=2,
                    label=f"{prefix}moving average ({window} batches)")
        ax.set_xlabel("step (mini-batch)")
    else:
        try:
            train = list(history[metric])
        except KeyError as exc:
            available = ", ".join(map(str, history.keys()))
            raise ValueError(f"history has no {metric!r} to plot; it has: {available}") from None
        val_key = f"val_{metric}"
        val = list(history[val_key]) if val_key in history else []
        many = max(len(train), len(val)) > 30
        marker_t, marker_v = (None, None) if many else ("o", "s")
        if train:
            ax.plot(np.arange(1, len(train) + 1), train, color=color or COLORS[0], marker=marker_t,
                    ms=4, lw=2, label=f"{prefix}training")
        if val:
            ax.plot(np.arange(1, len(val) + 1), val, color=color or COLORS[1], marker=marker_v,
                    ms=4, lw=2, ls="--", label=f"{prefix}validation")
        best = getattr(history, "best_epoch", None)
        if best is not None and val:
            ax.axvline(best, color=color or "0.4", ls=":", lw=1.2,
                       label=f"{prefix}best epoch ({best})")
        ax.set_xlabel("epoch")
        _integer_xticks(ax)
    ax.set_ylabel(_CURVE_LABELS[metric])
    if log_scale:
        ax.set_yscale("log")
    if title is None:
        title = "Learning curves" if metric != "batch_loss" else "Loss of every mini-batch"
        reason = getattr(history, "stop_reason", None)
        if reason:
            title += f" (stopped: {reason.replace('_', ' ')})"
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend()
    return ax


# ---------------------------------------------------------------------------
# decision boundary (2-D inputs)
# ---------------------------------------------------------------------------

def _sigmoid(s):
    return 0.5 * (1.0 + np.tanh(0.5 * s))


def decision_boundary(predict_fn_or_model, x, y, ax=None, resolution: int = 200, *,
                      padding: float = 0.1, xlabel: str = "$x_1$", ylabel: str = "$x_2$",
                      title: str = "Decision boundary", colorbar: bool = True):
    """Regions a classifier assigns to each class, with the data on top (2-D inputs).

    The model (or function) is evaluated on a ``resolution`` x ``resolution``
    grid covering the data:

    * with C >= 2 outputs the filled regions show the predicted class
      (argmax), with black lines where the class changes;
    * with one output the fill shows the predicted probability of class 1 and
      a black line marks p = 0.5. Outputs in [0, 1] are taken as
      probabilities; outputs outside [0, 1] are taken as logits z and shown as
      sigmoid(z).

    Parameters
    ----------
    predict_fn_or_model : mlpkit.nn.Module or callable
        A model (run in evaluation mode) or a function ``x (K, 2) -> y_hat``
        returning shape (K, C) or (K, 1) or (K,).
    x : array_like, shape (N, 2)
    y : array_like, shape (N,) labels, (N, C) one-hot or (N, 1) 0/1 targets
    ax : matplotlib Axes, optional
    resolution : int
        Grid points per axis.
    padding : float
        Margin around the data, as a fraction of its range.

    Returns
    -------
    matplotlib Axes
    """
    from matplotlib.colors import LinearSegmentedColormap, ListedColormap

    x = as_float_array(x, "x", ndim=2, features=2)
    labels = _labels(y, "y")
    if labels.shape[0] != x.shape[0]:
        raise ValueError(f"x and y must have the same number of examples, got {x.shape[0]} "
                         f"and {labels.shape[0]}")
    resolution = check_int("resolution", resolution, minimum=2)
    f = _predictor(predict_fn_or_model)
    ax = _axes(ax, figsize=(6.0, 5.0))

    lo, hi = x.min(axis=0).astype(float), x.max(axis=0).astype(float)
    margin = np.where(hi > lo, (hi - lo) * padding, 0.5)
    g1 = np.linspace(lo[0] - margin[0], hi[0] + margin[0], resolution)
    g2 = np.linspace(lo[1] - margin[1], hi[1] + margin[1], resolution)
    grid1, grid2 = np.meshgrid(g1, g2)
    points = np.column_stack([grid1.ravel(), grid2.ravel()]).astype(x.dtype)
    scores = np.asarray(f(points), dtype=float)
    if scores.shape[0] != points.shape[0]:
        raise ValueError(f"the predictor must return one row per input point: got shape "
                         f"{scores.shape} for {points.shape[0]} points")

    num_classes = int(labels.max()) + 1 if labels.size else 0
    if scores.ndim == 2 and scores.shape[1] > 1:
        num_classes = max(num_classes, scores.shape[1])
        colors = _palette(num_classes)
        regions = np.argmax(scores, axis=1).reshape(grid1.shape)
        ax.contourf(grid1, grid2, regions, levels=np.arange(num_classes + 1) - 0.5,
                    cmap=ListedColormap(colors), alpha=0.3)
        if num_classes > 1:
            ax.contour(grid1, grid2, regions, levels=np.arange(1, num_classes) - 0.5,
                       colors="k", linewidths=1.0)
    else:
        num_classes = max(num_classes, 2)
        colors = _palette(num_classes)
        s = scores.reshape(grid1.shape)
        prob = s if (s.min() >= 0.0 and s.max() <= 1.0) else _sigmoid(s)
        cmap = LinearSegmentedColormap.from_list("okabe_blue_orange",
                                                 [COLORS[0], "#FFFFFF", COLORS[1]])
        filled = ax.contourf(grid1, grid2, prob, levels=np.linspace(0, 1, 11), cmap=cmap,
                             alpha=0.5)
        ax.contour(grid1, grid2, prob, levels=[0.5], colors="k", linewidths=1.5)
        if colorbar:
            ax.figure.colorbar(filled, ax=ax, label="predicted probability of class 1")
    for c in range(num_classes):
        mask = labels == c
        if np.any(mask):
            ax.scatter(x[mask, 0], x[mask, 1], color=colors[c], edgecolors="k", linewidths=0.5,
                       s=25, label=f"class {c}", zorder=3)
    ax.plot([], [], color="k", lw=1.5, label="decision boundary")
    ax.set_xlim(g1[0], g1[-1])
    ax.set_ylim(g2[0], g2[-1])
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend(loc="best", fontsize="small", framealpha=0.8)
    return ax


# ---------------------------------------------------------------------------
# 1-D regression fit
# ---------------------------------------------------------------------------

def fit_1d(x, y, predict_fn_or_model=None, ax=None, residuals: bool = False, *,
           num: int = 400, xlabel: str = "input $x$", ylabel: str = "target $y$",
           title: str | None = None, label: str = "model $\\hat{y}(x)$"):
    """A 1-D data set, and optionally the fitted curve and the residuals.

    Parameters
    ----------
    x : array_like, shape (N,) or (N, 1)
    y : array_like, shape (N,) or (N, 1)
    predict_fn_or_model : mlpkit.nn.Module or callable, optional
        A model (evaluation mode) or a function ``x (K, 1) -> y_hat (K, 1)``;
        drawn as a curve over the range of ``x``. The title reports its mean
        squared error on the data.
    ax : matplotlib Axes, optional
    residuals : bool
        Draw the residuals y_i - y_hat_i as vertical segments (needs a model).
    num : int
        Number of points on the curve.

    Returns
    -------
    matplotlib Axes
    """
    x = as_float_array(x, "x", ndim=(1, 2))
    y = as_float_array(y, "y", ndim=(1, 2))
    if x.ndim == 2 and x.shape[1] != 1:
        raise ValueError(f"x must have 1 feature, got shape {x.shape}")
    if y.ndim == 2 and y.shape[1] != 1:
        raise ValueError(f"y must have 1 column, got shape {y.shape}")
    x1, y1 = x.reshape(-1), y.reshape(-1)
    if x1.shape[0] != y1.shape[0]:
        raise ValueError(f"x and y must have the same number of examples, got {x1.shape[0]} "
                         f"and {y1.shape[0]}")
    if residuals and predict_fn_or_model is None:
        raise ValueError("residuals=True needs predict_fn_or_model (the fitted model)")
    ax = _axes(ax)
    ax.scatter(x1, y1, color=COLORS[0], s=18, alpha=0.8, label="data", zorder=3)
    mse = None
    if predict_fn_or_model is not None:
        f = _predictor(predict_fn_or_model)
        check_int("num", num, minimum=2)
        span = float(x1.max() - x1.min()) if x1.size else 1.0
        grid = np.linspace(x1.min() - 0.02 * span, x1.max() + 0.02 * span, num)
        curve = np.asarray(f(grid.reshape(-1, 1).astype(x.dtype)), dtype=float).reshape(-1)
        if curve.shape[0] != num:
            raise ValueError("the model must return one output per input, got "
                             f"{curve.shape[0]} values for {num} inputs")
        ax.plot(grid, curve, color=COLORS[1], lw=2.5, label=label, zorder=4)
        fitted = np.asarray(f(x1.reshape(-1, 1).astype(x.dtype)), dtype=float).reshape(-1)
        mse = float(np.mean((fitted - y1) ** 2))
        if residuals:
            ax.vlines(x1, y1, fitted, colors=COLORS[3], lw=1, alpha=0.8,
                      label="residuals $y_i - \\hat{y}_i$", zorder=2)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title is None:
        title = "Data" if mse is None else f"Fitted model (MSE = {mse:.4g})"
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend()
    return ax


# ---------------------------------------------------------------------------
# loss surface with optimiser paths
# ---------------------------------------------------------------------------

def _first(value):
    return value[0] if isinstance(value, tuple) else value


def _loss_grid(f, grid1, grid2):
    """``f`` on the grid: in one vectorised call if ``f`` supports it, else point by point."""
    points = np.stack([grid1, grid2], axis=-1)
    try:
        with np.errstate(all="ignore"):
            values = np.asarray(_first(f(points)), dtype=float)
        if values.shape == grid1.shape:
            return values
    except Exception:  # f only takes one point of shape (2,): fall back to a loop
        pass
    values = np.empty(grid1.shape)
    with np.errstate(all="ignore"):
        for idx in np.ndindex(grid1.shape):
            values[idx] = float(_first(f(points[idx])))
    return values


def _log_levels(values, n: int):
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        raise ValueError("the loss is nan or infinite everywhere in xlim x ylim")
    lo, hi = float(finite.min()), float(finite.max())
    if hi <= lo:
        return np.array([lo - 1.0, lo, lo + 1.0]) if n >= 3 else np.array([lo])
    base = min(lo, 0.0)
    span = hi - base
    start = max(lo - base, span * 1e-4)
    return np.unique(base + np.geomspace(start, span, n))


def loss_contour(f, xlim, ylim, paths=None, ax=None, levels=30, log_levels: bool = True, *,
                 resolution: int = 200, minimum=None, xlabel: str = "$w_1$",
                 ylabel: str = "$w_2$", title: str = "Loss surface and optimiser paths",
                 colorbar: bool = True):
    """Contour lines of a loss L(w1, w2), with optimiser paths drawn on top.

    Parameters
    ----------
    f : callable
        The loss as a function of a point ``w`` of shape (2,), returning a
        float or a tuple whose first item is the loss (e.g. ``(L, grad)``).
        When ``f`` also works on a stack of points of shape (..., 2) and
        returns shape (...) it is evaluated in one call, else point by point.
    xlim, ylim : (float, float)
        The plotted window for w1 and w2.
    paths : dict of str -> array_like (T, 2), optional
        ``{label: iterates}``: each optimiser's w_0, ..., w_{T-1}. The start is
        marked with an open circle, the end with a star.
    ax : matplotlib Axes, optional
    levels : int or sequence of float
        Number of contour levels, or the levels themselves.
    log_levels : bool
        Space the levels geometrically, so that both the steep walls and the
        flat valley floor get lines (the usual choice for quadratic and
        Rosenbrock losses).
    resolution : int
        Grid points per axis.
    minimum : array_like (2,), optional
        Mark the minimiser w*.

    Returns
    -------
    matplotlib Axes
    """
    from matplotlib.lines import Line2D

    if not callable(f):
        raise TypeError("f must be a function of w (shape (2,)) returning the loss, "
                        f"got {describe(f)}")
    xlim = as_float_array(xlim, "xlim", ndim=1, features=2)
    ylim = as_float_array(ylim, "ylim", ndim=1, features=2)
    resolution = check_int("resolution", resolution, minimum=2)
    ax = _axes(ax, figsize=(6.5, 5.0))
    g1 = np.linspace(float(xlim[0]), float(xlim[1]), resolution)
    g2 = np.linspace(float(ylim[0]), float(ylim[1]), resolution)
    grid1, grid2 = np.meshgrid(g1, g2)
    values = _loss_grid(f, grid1, grid2)
    if isinstance(levels, (int, np.integer)) and not isinstance(levels, bool):
        n = check_int("levels", levels, minimum=2)
        if log_levels:
            levels = _log_levels(values, n)
        else:
            finite = values[np.isfinite(values)]
            levels = np.linspace(finite.min(), finite.max(), n)
    levels = np.asarray(levels, dtype=float)
    # One colour per level, evenly spread over viridis, so that geometric
    # levels get distinct colours and the colour bar gives each level equal room.
    import matplotlib
    colors = matplotlib.colormaps["viridis"](np.linspace(0.0, 1.0, len(levels)))
    contours = ax.contour(grid1, grid2, values, levels=levels, colors=colors, linewidths=1.0)
    if colorbar:
        bar = ax.figure.colorbar(contours, ax=ax, spacing="uniform",
                                 label="loss $L(w_1, w_2)$ (contour levels)")
        ticks = levels[::max(1, len(levels) // 6)]
        bar.set_ticks(ticks)
        bar.set_ticklabels([f"{t:.3g}" for t in ticks])

    handles = []
    if paths:
        if not isinstance(paths, Mapping):
            raise TypeError("paths must be a dict {label: array of shape (T, 2)}, "
                            f"got {describe(paths)}")
        colors = _palette(len(paths))
        for color, (name, path) in zip(colors, paths.items()):
            path = as_float_array(path, f"paths[{name!r}]", ndim=2, features=2, finite=False)
            if path.shape[0] == 0:
                continue
            marker = "o" if path.shape[0] <= 60 else None
            (line,) = ax.plot(path[:, 0], path[:, 1], color=color, lw=1.8, marker=marker, ms=3,
                              label=f"{name} ({path.shape[0] - 1} steps)", zorder=3)
            handles.append(line)
            ax.plot(path[0, 0], path[0, 1], marker="o", ms=9, mfc="white", mec=color, mew=2,
                    ls="none", zorder=4)
            finite_rows = np.flatnonzero(np.all(np.isfinite(path), axis=1))
            if finite_rows.size:
                end = path[finite_rows[-1]]
                ax.plot(end[0], end[1], marker="*", ms=14, color=color, mec="k", mew=0.8,
                        ls="none", zorder=5)
        handles.append(Line2D([], [], marker="o", ms=9, mfc="white", mec="k", mew=2, ls="none",
                              label="start $w_0$"))
        handles.append(Line2D([], [], marker="*", ms=14, color="0.5", mec="k", ls="none",
                              label="end"))
    if minimum is not None:
        w_star = as_float_array(minimum, "minimum", ndim=1, features=2)
        (mark,) = ax.plot(w_star[0], w_star[1], marker="+", ms=14, mew=2.5, color="k",
                          ls="none", label="minimum $w^*$", zorder=6)
        handles.append(mark)
    ax.set_xlim(g1[0], g1[-1])
    ax.set_ylim(g2[0], g2[-1])
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    if handles:
        ax.legend(handles=handles, loc="best", fontsize="small", framealpha=0.85)
    return ax


# ---------------------------------------------------------------------------
# digits
# ---------------------------------------------------------------------------

def image_grid(images, labels=None, predictions=None, ax=None, ncols: int = 10, *,
               cmap: str = "gray_r", title: str | None = None, fontsize: float = 8):
    """A mosaic of images (e.g. MNIST digits) in one axes, with a label under each.

    Parameters
    ----------
    images : array_like, shape (N, H*W) with a square H*W (e.g. 784), or (N, H, W)
    labels : array_like, shape (N,) or (N, C) one-hot, optional
        True classes, written under each image.
    predictions : array_like, shape (N,) or (N, C) scores, optional
        Predicted classes (the argmax of scores). Written under each image;
        with ``labels`` too, wrong predictions are written in red
        (:data:`WRONG_COLOR`) followed by the true label in brackets.
    ax : matplotlib Axes, optional
    ncols : int
        Images per row.
    cmap : str
        Colour map; the default "gray_r" draws ink dark on white.

    Returns
    -------
    matplotlib Axes
    """
    imgs = as_float_array(images, "images", ndim=(2, 3))
    n = imgs.shape[0]
    if n == 0:
        raise ValueError("images must contain at least one image, got 0")
    if imgs.ndim == 2:
        side = math.isqrt(imgs.shape[1])
        if side * side != imgs.shape[1]:
            raise ValueError(f"images of shape (N, D) must have a square D (such as 784 = 28 x 28),"
                             f" got D = {imgs.shape[1]}; pass shape (N, H, W) instead")
        imgs = imgs.reshape(n, side, side)
    ncols = min(check_int("ncols", ncols, minimum=1), n)
    true = None if labels is None else _labels(labels, "labels")
    pred = None if predictions is None else _labels(predictions, "predictions")
    for name, arr in (("labels", true), ("predictions", pred)):
        if arr is not None and arr.shape[0] != n:
            raise ValueError(f"{name} must have one entry per image ({n}), got {arr.shape[0]}")

    h, w = imgs.shape[1:]
    pad = max(1, h // 14)
    band = int(round(0.45 * h)) if (true is not None or pred is not None) else 0
    cell_h, cell_w = h + pad + band, w + pad
    nrows = -(-n // ncols)
    lo, hi = float(imgs.min()), float(imgs.max())
    mosaic = np.full((nrows * cell_h, ncols * cell_w), lo, dtype=float)  # paper colour
    for i in range(n):
        r, c = divmod(i, ncols)
        mosaic[r * cell_h:r * cell_h + h, c * cell_w:c * cell_w + w] = imgs[i]

    ax = _axes(ax, figsize=(0.85 * ncols + 0.3, 1.05 * nrows + 0.6))
    ax.imshow(mosaic, cmap=cmap, vmin=lo, vmax=hi if hi > lo else lo + 1,
              interpolation="nearest")
    wrong = 0
    if band:
        for i in range(n):
            r, c = divmod(i, ncols)
            color = RIGHT_COLOR
            if pred is not None:
                text = str(int(pred[i]))
                if true is not None and pred[i] != true[i]:
                    text += f" ({int(true[i])})"
                    color = WRONG_COLOR
                    wrong += 1
            else:
                text = str(int(true[i]))
            ax.text(c * cell_w + (w - 1) / 2, r * cell_h + h + band / 2, text, ha="center",
                    va="center", fontsize=fontsize, color=color,
                    fontweight="bold" if color == WRONG_COLOR else "normal")
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(False)
    if title is None:
        if pred is not None and true is not None:
            title = (f"Predicted labels: {wrong} of {n} wrong, in red "
                     "with the true label in brackets")
        elif pred is not None:
            title = "Predicted labels"
        elif true is not None:
            title = "True labels"
        else:
            title = f"{n} images"
    ax.set_title(title, fontsize="medium")
    return ax


# ---------------------------------------------------------------------------
# confusion matrix
# ---------------------------------------------------------------------------

def confusion_matrix(y_true, y_pred, num_classes: int | None = None, ax=None,
                     normalize=False, *, cmap: str = "Blues", class_names=None,
                     title: str | None = None, colorbar: bool = True):
    """Confusion matrix: how often each true class (row) was predicted as each class (column).

    Parameters
    ----------
    y_true : array_like, shape (N,) labels or (N, C) one-hot
    y_pred : array_like, shape (N,) labels or (N, C) scores (argmax taken)
    num_classes : int, optional
        C; by default one more than the largest label seen.
    ax : matplotlib Axes, optional
    normalize : {False, True, "true", "pred", "all"}
        False: counts. True or "true": each row divided by its total (the
        fraction of each true class; the diagonal is the per-class recall).
        "pred": each column divided by its total. "all": divided by N.
    class_names : sequence of str, optional
        Tick labels (default 0 .. C-1).

    Returns
    -------
    matplotlib Axes
        Cell (i, j) is annotated with its count or fraction.
    """
    true = _labels(y_true, "y_true")
    pred = _labels(y_pred, "y_pred")
    if true.shape[0] != pred.shape[0]:
        raise ValueError(f"y_true and y_pred must have the same number of examples, got "
                         f"{true.shape[0]} and {pred.shape[0]}")
    if true.size == 0:
        raise ValueError("y_true must contain at least one example, got 0")
    seen = int(max(true.max(), pred.max())) + 1
    if num_classes is None:
        num_classes = seen
    num_classes = check_int("num_classes", num_classes, minimum=1)
    if seen > num_classes:
        raise ValueError(f"num_classes must be larger than every label, got {num_classes} "
                         f"with a label {seen - 1}")
    if normalize is True:
        normalize = "true"
    check_choice("normalize", normalize, (False, "true", "pred", "all"))
    c = num_classes
    counts = np.bincount(true * c + pred, minlength=c * c).reshape(c, c)
    if normalize:
        axis = {"true": 1, "pred": 0, "all": None}[normalize]
        totals = counts.sum(axis=axis, keepdims=axis is not None).astype(float)
        matrix = counts / np.where(totals == 0, 1.0, totals)
        fmt = "{:.2f}"
        bar_label = {"true": "fraction of the true class (row)",
                     "pred": "fraction of the predicted class (column)",
                     "all": "fraction of all examples"}[normalize]
    else:
        matrix = counts
        fmt = "{:d}"
        bar_label = "number of examples"

    ax = _axes(ax, figsize=(0.55 * c + 2.5, 0.5 * c + 2.0))
    vmax = float(matrix.max()) if matrix.max() > 0 else 1.0
    image = ax.imshow(matrix, cmap=cmap, vmin=0, vmax=vmax, interpolation="nearest")
    fontsize = 9 if c <= 10 else max(4, 9 - (c - 10) // 3)
    for i in range(c):
        for j in range(c):
            value = matrix[i, j]
            ax.text(j, i, fmt.format(value.item() if hasattr(value, "item") else value),
                    ha="center", va="center", fontsize=fontsize,
                    color="white" if value > 0.5 * vmax else "black")
    names = [str(k) for k in range(c)] if class_names is None else [str(k) for k in class_names]
    if len(names) != c:
        raise ValueError(f"class_names must have {c} entries, got {len(names)}")
    ax.set_xticks(range(c))
    ax.set_yticks(range(c))
    ax.set_xticklabels(names)
    ax.set_yticklabels(names)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    if title is None:
        acc = np.trace(counts) / counts.sum()
        title = f"Confusion matrix ({true.shape[0]} examples, accuracy {acc:.1%})"
    ax.set_title(title)
    if colorbar:
        ax.figure.colorbar(image, ax=ax, label=bar_label)
    return ax


# ---------------------------------------------------------------------------
# activation functions
# ---------------------------------------------------------------------------

def activation(name_or_fn, ax=None, derivative: bool = True, zlim=(-5.0, 5.0), *,
               num: int = 501, title: str | None = None, **kwargs):
    """Graph of an activation phi(z) and (dashed) its derivative phi'(z).

    Parameters
    ----------
    name_or_fn : str, callable or (callable, callable)
        A name from :data:`mlpkit.functional.ACTIVATIONS` ("relu",
        "leaky_relu", ...; the title then shows its formula), a function phi
        (its derivative is then estimated by central differences), or a pair
        (phi, phi_grad).
    ax : matplotlib Axes, optional
    derivative : bool
        Also draw phi'(z).
    zlim : (float, float)
        Range of the pre-activation z.
    num : int
        Number of points.
    **kwargs
        Passed to phi and phi' (e.g. ``alpha=0.1`` for leaky ReLU).

    Returns
    -------
    matplotlib Axes
    """
    if isinstance(name_or_fn, str):
        phi, phi_grad = F.get_activation(name_or_fn)          # lists the names on a typo
        entry = F.ACTIVATIONS[name_or_fn]
        kwargs = entry.hyperparameters(**kwargs)               # the defaults, shown in the title
        name = f"{entry.layer}: {entry.formula}"
    elif isinstance(name_or_fn, tuple) and len(name_or_fn) == 2 and all(map(callable, name_or_fn)):
        phi, phi_grad = name_or_fn
        name = getattr(phi, "__name__", "activation")
    elif callable(name_or_fn):
        phi, phi_grad = name_or_fn, None
        name = getattr(phi, "__name__", "activation")
    else:
        raise TypeError("name_or_fn must be an activation name such as 'relu', a function phi "
                        f"or a pair (phi, phi_grad), got {describe(name_or_fn)}")
    zlim = as_float_array(zlim, "zlim", ndim=1, features=2)
    if not zlim[0] < zlim[1]:
        raise ValueError(f"zlim must be (low, high) with low < high, got {tuple(zlim)}")
    z = np.linspace(float(zlim[0]), float(zlim[1]), check_int("num", num, minimum=2))
    a = np.asarray(phi(z, **kwargs), dtype=float)
    ax = _axes(ax, figsize=(5.0, 3.6))
    ax.axhline(0, color="0.75", lw=0.8, zorder=0)
    ax.axvline(0, color="0.75", lw=0.8, zorder=0)
    ax.plot(z, a, color=COLORS[0], lw=2.2, label=r"$\phi(z)$")
    if derivative:
        if phi_grad is not None:
            d = np.asarray(phi_grad(z, **kwargs), dtype=float)
        else:
            h = 1e-5
            d = (np.asarray(phi(z + h, **kwargs), dtype=float)
                 - np.asarray(phi(z - h, **kwargs), dtype=float)) / (2 * h)
        ax.plot(z, d, color=COLORS[1], lw=2.2, ls="--", label=r"$\phi'(z)$")
    ax.set_xlim(z[0], z[-1])
    ax.set_xlabel("pre-activation $z$")
    ax.set_ylabel(r"$\phi(z)$ and $\phi'(z)$" if derivative else r"$\phi(z)$")
    if title is None:
        extra = ", ".join(f"{k}={v}" for k, v in kwargs.items())
        title = f"{name} ({extra})" if extra else name
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend()
    return ax
