"""What a trained MNIST network says about a digit you disturb (unit 06).

``digit_probabilities`` takes one image, erases part of it, moves it by (dx, dy)
pixels, makes its strokes thicker or thinner and adds noise, then asks the network (the real
``mlpkit.train.predict`` and ``mlpkit.functional.softmax``) for its ten class
probabilities. ``digit_explorer()`` puts sliders on it: pick a test image,
perturb it, and watch the image and the ten probabilities change. An MLP sees
784 separate numbers, not a picture: a shift of a few pixels, which leaves the
digit perfectly readable to us, can change its answer.
"""
from __future__ import annotations

import dataclasses

import ipywidgets as widgets
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from mlpkit import functional, train
from mlpkit._validation import (_check_real, as_float_array, check_choice, check_int, check_rng,
                                describe)
from mlpkit.widgets._base import (_CONTROL, Explorer, builder, check_seed, dropdown, int_slider,
                                  selection_slider, status_html, summary_repr)
from mlpkit.widgets._canvas import Canvas, still

__all__ = ["DigitProbe", "digit_probabilities", "digit_explorer", "DigitExplorer"]

SIDE = 28                   # MNIST images are SIDE x SIDE pixels
BACKGROUND = -1.0           # the value of an empty pixel in load_mnist's [-1, 1] scaling
MAX_SHIFT = 8               # the shift sliders span -MAX_SHIFT .. MAX_SHIFT pixels
#: The parts of the frame the eraser can wipe: name -> (rows, columns).
ERASE = {"nothing": None,
         "top half": (slice(0, 14), slice(0, 28)), "bottom half": (slice(14, 28), slice(0, 28)),
         "left half": (slice(0, 28), slice(0, 14)), "right half": (slice(0, 28), slice(14, 28)),
         "middle band": (slice(11, 17), slice(0, 28))}
C_BAR, C_PREDICTED, C_TRUE = "0.65", "tab:orange", "tab:blue"


@dataclasses.dataclass(frozen=True, repr=False)
class DigitProbe:
    """Result of ``digit_probabilities``.

    Attributes
    ----------
    image : ndarray, shape (28, 28)
        The perturbed image, float32 in [-1, 1] (what the network was shown).
    probabilities : ndarray, shape (10,)
        softmax of the network's outputs for it (they add up to 1).
    predicted : int
        The most probable class.
    """

    image: np.ndarray
    probabilities: np.ndarray
    predicted: int

    def __repr__(self) -> str:
        return summary_repr(self, predicted=self.predicted,
                            probability=self.probabilities[self.predicted])


def _int_between(name, value, low, high) -> int:
    value = check_int(name, value, minimum=low)
    if value > high:
        raise ValueError(f"{name} must be <= {high}, got {value}")
    return value


def _as_image(image) -> np.ndarray:
    """One image as a (28, 28) float32 array, from (784,) or (28, 28)."""
    image = as_float_array(image, "image", dtype=np.float32)
    if image.shape not in ((SIDE * SIDE,), (SIDE, SIDE)):
        raise ValueError(f"image must have shape ({SIDE * SIDE},) or ({SIDE}, {SIDE}), "
                         f"got {image.shape}")
    return image.reshape(SIDE, SIDE)


def shifted(image, dx, dy, fill=BACKGROUND) -> np.ndarray:
    """``image`` (H, W) moved dx pixels right and dy down: out[r, c] = image[r - dy, c - dx].

    The same convention as ``mlpkit.data.random_shift`` (there with random dx, dy);
    pixels pushed past the border are lost, vacated ones get ``fill``.
    """
    height, width = image.shape
    out = np.full_like(image, fill)

    def kept(d, size):           # (where the kept pixels go, where they come from)
        return slice(max(d, 0), size + min(d, 0)), slice(max(-d, 0), size + min(-d, 0))
    (rows_out, rows_in), (cols_out, cols_in) = kept(dy, height), kept(dx, width)
    out[rows_out, cols_out] = image[rows_in, cols_in]
    return out


def stroke(image, width) -> np.ndarray:
    """Strokes made ``width`` pixels thicker (width > 0) or thinner (width < 0).

    Each step replaces every pixel by the largest (thicker) or smallest (thinner)
    value among itself and its 8 neighbours (a 3 x 3 dilation or erosion).
    """
    pick = np.maximum if width > 0 else np.minimum
    out = image
    for _ in range(abs(width)):
        padded = np.pad(out, 1, mode="edge")
        neighbours = [padded[1 + dy:1 + dy + SIDE, 1 + dx:1 + dx + SIDE]
                      for dy in (-1, 0, 1) for dx in (-1, 0, 1)]
        out = pick.reduce(neighbours)
    return out


def digit_probabilities(model, image, *, shift=(0, 0), noise=0.0, width=0, erase="nothing",
                        rng=0) -> DigitProbe:
    """The network's ten class probabilities for a perturbed image.

    The part ``erase`` of the image is wiped to background (e.g. the top half, where
    a 9 has its loop), the image is moved by ``shift`` = (dx, dy) pixels (right and
    down), its strokes made ``width`` pixels thicker (or thinner if negative), then
    Gaussian noise of standard deviation ``noise`` is added and the pixels are
    clipped back to [-1, 1].
    The network's outputs z for it (``mlpkit.train.predict``, evaluation mode) become
    probabilities ``softmax(z)`` (``mlpkit.functional.softmax``).

    Parameters
    ----------
    model : mlpkit.nn.Module
        A trained MNIST classifier: (B, 784) -> 10 class scores (logits).
    image : array_like, shape (784,) or (28, 28)
        One image in [-1, 1], as ``mlpkit.data.load_mnist`` gives them.
    shift : (int, int)
        (dx, dy), each in [-28, 28].
    noise : float
        Standard deviation of the added noise, >= 0 (0: none).
    width : int
        Stroke change in pixels, in [-3, 3].
    erase : str
        A name in ``ERASE``: "nothing", "top half", "bottom half", "left half",
        "right half" or "middle band".
    rng : None, int or numpy.random.Generator
        Source of the noise (an int seed gives the same noise pattern every time).

    Returns
    -------
    DigitProbe
        ``image`` (28, 28) as shown to the network, ``probabilities`` (10,), ``predicted``.
    """
    picture = _as_image(image)
    if not (isinstance(shift, (tuple, list)) and len(shift) == 2):
        raise TypeError(f"shift must be a pair (dx, dy), got {describe(shift)}")
    dx = _int_between("shift[0]", shift[0], -SIDE, SIDE)
    dy = _int_between("shift[1]", shift[1], -SIDE, SIDE)
    noise = _check_real("noise", noise)
    if noise < 0:
        raise ValueError(f"noise must be >= 0, got {noise}")
    width = _int_between("width", width, -3, 3)
    erase = check_choice("erase", erase, tuple(ERASE))

    if ERASE[erase] is not None:
        picture = picture.copy()
        picture[ERASE[erase]] = BACKGROUND
    picture = stroke(shifted(picture, dx, dy), width)
    if noise > 0:
        picture = picture + noise * check_rng(rng).standard_normal(picture.shape)
    picture = np.clip(picture, -1.0, 1.0).astype(np.float32)
    logits = train.predict(model, picture.reshape(1, SIDE * SIDE))[0]      # (10,)
    probabilities = functional.softmax(logits.astype(np.float64))
    return DigitProbe(picture, probabilities, int(np.argmax(probabilities)))


def _describe(probe: DigitProbe, label) -> str:
    p = probe.probabilities[probe.predicted]
    text = f"predicted {probe.predicted} with probability {p:.1%}"
    if label is None:
        return text + "."
    if probe.predicted == label:
        return f"{text}; the true label is {label}: right."
    return (f"{text}; the true label is {label}: wrong (probability of {label}: "
            f"{probe.probabilities[label]:.1%}).")


def _bar_colours(probe: DigitProbe, label):
    return [C_PREDICTED if k == probe.predicted else C_TRUE if k == label else C_BAR
            for k in range(len(probe.probabilities))]


def _draw_probe(ax_image, ax_bars, probe: DigitProbe, label, title_size=9):
    """The image on the left axes, the ten probabilities as bars on the right; (image, bars)."""
    picture = ax_image.imshow(probe.image, cmap="gray_r", vmin=-1, vmax=1, interpolation="nearest")
    ax_image.set_xticks([])
    ax_image.set_yticks([])
    bars = ax_bars.bar(range(10), probe.probabilities, color=_bar_colours(probe, label),
                       edgecolor="0.3", linewidth=0.5)
    ax_bars.set_xticks(range(10))
    ax_bars.set_xlim(-0.6, 9.6)
    ax_bars.set_ylim(0, 1.0)
    ax_bars.set_xlabel("class (digit)", fontsize=title_size)
    ax_bars.set_ylabel("probability", fontsize=title_size)
    ax_bars.grid(True, axis="y", alpha=0.3)
    return picture, bars


class _PlotDigit(Canvas):
    """Left: the image the network sees; right: its ten probabilities."""

    def __init__(self, probe: DigitProbe, label):
        super().__init__(width_ratios=[1, 1.8])
        ax, ax2 = self.axes
        self.picture, self.bars = _draw_probe(ax, ax2, probe, label)
        keys = [Patch(color=C_PREDICTED, label="predicted class")]
        if label is not None:
            keys.append(Patch(color=C_TRUE, label="true class (when not predicted)"))
        ax2.legend(handles=keys, loc="upper left", fontsize=7.5, framealpha=0.8)
        self.dynamic(self.picture, *self.bars, ax.title, ax2.title)

    def show(self, probe: DigitProbe, label, caption):
        ax, ax2 = self.axes
        self.picture.set_data(probe.image)
        for bar, p, colour in zip(self.bars, probe.probabilities, _bar_colours(probe, label)):
            bar.set_height(p)
            bar.set_facecolor(colour)
        ax.set_title(caption, fontsize=9)
        right = label is None or probe.predicted == label
        p = probe.probabilities[probe.predicted]
        ax2.set_title(f"predicted {probe.predicted}: p = {p:.1%}",
                      fontsize=9, color="black" if right else "tab:red")


class DigitExplorer(Explorer):
    """The widget built by ``digit_explorer``.

    Attributes: ``index_slider`` (which image), ``dx_slider``, ``dy_slider``,
    ``width_slider`` (stroke), ``erase_menu``, ``noise_slider``, ``status``, ``image``,
    ``result`` (the latest ``DigitProbe``), ``last_update_ms``.
    """

    def __init__(self, model, x, y, index, rng):
        super().__init__()
        self.model, self.x, self.y, self.rng = model, x, y, rng
        self.index_slider = int_slider(index, 0, len(x) - 1, "image number")
        self.dx_slider = int_slider(0, -MAX_SHIFT, MAX_SHIFT, "shift right (px)")
        self.dy_slider = int_slider(0, -MAX_SHIFT, MAX_SHIFT, "shift down (px)")
        self.width_slider = selection_slider(
            [("thinner", -1), ("as drawn", 0), ("thicker", 1), ("much thicker", 2)], 0, "stroke")
        self.erase_menu = dropdown(list(ERASE), "nothing", "erase")
        self.noise_slider = widgets.FloatSlider(value=0.0, min=0.0, max=1.0, step=0.05,
                                                description="noise σ", readout_format=".2f",
                                                continuous_update=True, **_CONTROL)
        controls = [self.index_slider, self.dx_slider, self.dy_slider, self.width_slider,
                    self.erase_menu, self.noise_slider]
        probe = self._probe()
        image, status = self._setup(controls, _PlotDigit(probe, self._label()))
        self.children = [*controls, status, image]
        self.update()

    def _label(self):
        return None if self.y is None else int(self.y[self.index_slider.value])

    def _probe(self) -> DigitProbe:
        return digit_probabilities(self.model, self.x[self.index_slider.value],
                                   shift=(self.dx_slider.value, self.dy_slider.value),
                                   noise=self.noise_slider.value, width=self.width_slider.value,
                                   erase=self.erase_menu.value, rng=self.rng)

    def _compute(self):
        probe, label = self._probe(), self._label()
        self.result = probe
        caption = f"image {self.index_slider.value}" + ("" if label is None else f", label {label}")
        self.plot.show(probe, label, caption)
        right = label is None or probe.predicted == label
        self.status.value = status_html(_describe(probe, label), "ok" if right else "bad")


#: The perturbations of the static figure: (title, keyword arguments of digit_probabilities).
STATIC_SETTINGS = (("as drawn", {}), ("shifted 4 px right", {"shift": (4, 0)}),
                   ("shifted 3 px up, 3 left", {"shift": (-3, -3)}),
                   ("strokes 1 px thicker", {"width": 1}),
                   ("top half erased", {"erase": "top half"}),
                   ("noise σ = 0.6", {"noise": 0.6}))


def _overview(model, image, label, rng) -> Figure:
    """The static fallback: one image under a few perturbations, each with its probabilities."""
    figure = Figure(figsize=(10.0, 4.2), dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.subplots(2, len(STATIC_SETTINGS), height_ratios=[1.1, 1])
    for k, (title, settings) in enumerate(STATIC_SETTINGS):
        probe = digit_probabilities(model, image, rng=rng, **settings)
        _draw_probe(axes[0, k], axes[1, k], probe, label, title_size=8)
        right = label is None or probe.predicted == label
        axes[0, k].set_title(f"{title}\npredicted {probe.predicted} "
                             f"({probe.probabilities[probe.predicted]:.0%})", fontsize=8.5,
                             color="black" if right else "tab:red")
        axes[1, k].tick_params(labelsize=7)
        if k:
            axes[1, k].set_ylabel("")
    truth = "" if label is None else f" (true label {label})"
    figure.suptitle(f"The network's probabilities for one test image{truth}, perturbed",
                    fontsize=10)
    return still(figure)


@builder
def digit_explorer(model, x, y=None, *, index=0, static=False, rng=0):
    """Pick an image, perturb it, and see the network's ten probabilities (unit 06).

    Controls: the image number (into ``x``), a shift right/down of up to 8 pixels
    each way, the stroke width (thinner, as drawn, thicker), a part of the frame to
    erase and a noise level;
    every change reruns ``digit_probabilities`` (the real ``mlpkit.train.predict``
    and ``functional.softmax``) and redraws the image beside a bar chart of the ten
    probabilities, the predicted class highlighted and the true label named.

    Parameters
    ----------
    model : mlpkit.nn.Module
        A trained MNIST classifier: (B, 784) -> 10 logits.
    x : array_like, shape (N, 784) or (N, 28, 28)
        Images in [-1, 1] (e.g. the test images of ``mlpkit.data.load_mnist``).
    y : array_like of int, shape (N,), optional
        Their labels, to name the true class.
    index : int
        The image shown first.
    static : bool
        Return one still matplotlib Figure instead (for slides or print): image
        ``index`` as drawn, shifted two ways, with thicker strokes, with its top half
        erased and with noise, each above its probabilities.
    rng : int
        Seed of the noise pattern (the same pattern at every noise level).

    Returns
    -------
    DigitExplorer (an ``ipywidgets.VBox``), a Figure if ``static``, or None under
    autograding.
    """
    x = as_float_array(x, "x", ndim=(2, 3), dtype=np.float32)
    if x.shape[1:] not in ((SIDE * SIDE,), (SIDE, SIDE)) or len(x) == 0:
        raise ValueError(f"x must have shape (N, {SIDE * SIDE}) or (N, {SIDE}, {SIDE}), N >= 1, "
                         f"got {x.shape}")
    if y is not None:
        y = np.asarray(y)
        if y.shape != (len(x),):
            raise ValueError(f"y must have shape ({len(x)},), one label per image, got {y.shape}")
    index = _int_between("index", index, 0, len(x) - 1)
    rng = check_seed(rng)
    if static:
        return _overview(model, x[index], None if y is None else int(y[index]), rng)
    return DigitExplorer(model, x, y, index, rng)
