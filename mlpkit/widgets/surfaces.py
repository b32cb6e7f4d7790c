"""The 2-D loss surfaces of ``valley_2d`` and the optimiser laboratory.

Four surfaces, each a ``Surface`` carrying its loss and gradient and what a
figure needs to show it: the plot window, contour levels, the start, the
largest curvature lambda_max (which sets the divergence threshold of gradient
descent), the learning-rate slider's range and suggested settings per
optimiser.

==============  ==============================================================
``valley``      L = 0.5 (a w1^2 + c w2^2): an axis-aligned quadratic valley
``quadratic``   L = 0.5 (u1^2 + kappa u2^2) in coordinates u turned by
                ``angle``: a quadratic with condition number kappa
``rosenbrock``  L = (1 - w1)^2 + 100 (w2 - w1^2)^2: a curved, narrow valley
``saddle``      L = w1^2 / 2 + (w2^2 - 1)^2 / 4: a saddle point at the origin
                between two minima
==============  ==============================================================

A surface also checks a start (``Surface.start``), runs an optimiser on
itself (``Surface.descend``), clips a path to its window (``Surface.clip``)
and draws its contours (``Surface.contour``), so every figure of a path does
these the same way.
"""
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from matplotlib.colors import LogNorm

from mlpkit._validation import check_choice, check_positive, describe
from mlpkit.widgets._base import BLOWUP, check_real, fmt
from mlpkit.widgets._canvas import until_exit

__all__ = ["Surface", "SURFACES", "surface", "valley", "quadratic", "rosenbrock", "saddle"]

#: Surface names accepted by ``surface``, ``run_2d``, ``valley_2d`` and ``run_lab``.
SURFACES = ("valley", "rosenbrock", "quadratic", "saddle")

#: The largest condition number ``quadratic`` accepts (the window would need
#: more than float64's contour resolution beyond it).
MAX_CONDITION = 1e4


@dataclass(frozen=True)
class Surface:
    """A loss L(w1, w2) to explore, with its plot settings.

    Attributes
    ----------
    name, title : str
    loss : callable
        ``loss(w1, w2)``, elementwise on arrays of any (equal) shape.
    grad : callable
        ``grad(w)`` = (dL/dw1, dL/dw2) for w of shape (2,).
    minimum, w0 : (float, float)
        Where L = 0 (the minimum the default start reaches), and the default start.
    window : (float, float, float, float)
        (w1_min, w1_max, w2_min, w2_max) of the plot.
    lambda_max : float
        Largest Hessian eigenvalue at the minimum; eta < 2(1+mu)/lambda_max is
        gradient descent's stability condition there.
    lambda_note : str
        One phrase on what lambda_max means here (shown in messages).
    levels : ndarray
        Contour levels (increasing).
    lr_exponents : (float, float)
        Range of the learning-rate slider, as powers of ten.
    suggested : dict
        Optimiser name -> (lr, momentum, steps) that shows it well here. An
        optimiser without an entry starts from SGD's eta and steps (see
        ``suggest``), so a new optimiser works before anyone tunes it.
    params : tuple
        The numbers that define the surface (with ``name``, its identity).
    exact : bool
        True for a quadratic: there lambda_max is the same everywhere, so the
        threshold 2(1+mu)/lambda_max is exact; elsewhere it is a local guide
        near the minimum.
    other_minima : tuple of (float, float)
        Further points where L = 0 (the saddle surface has two minima).
    saddle : (float, float) or None
        A saddle point (a stationary point that is not a minimum), if any.
    """

    name: str
    title: str
    loss: Callable
    grad: Callable
    minimum: tuple
    w0: tuple
    window: tuple
    lambda_max: float
    lambda_note: str
    levels: np.ndarray = field(repr=False)
    lr_exponents: tuple
    suggested: dict = field(repr=False)
    params: tuple = ()
    exact: bool = False
    other_minima: tuple = ()
    saddle: tuple | None = None

    def suggest(self, optimizer, momentum):
        """(lr, momentum, steps) to start ``optimizer`` with; ``momentum`` is the
        optimiser's default, used when this surface has no suggestion for it."""
        return self.suggested.get(optimizer, (self.suggested["sgd"][0], momentum,
                                              self.suggested["sgd"][2]))

    def start(self, w0=None) -> np.ndarray:
        """The start as a new float64 array of shape (2,): ``w0`` (checked), or the default."""
        if w0 is None:
            return np.array(self.w0, dtype=np.float64)
        w = np.array(w0, dtype=np.float64)       # a copy: the caller's w0 is never touched
        if w.shape != (2,) or not np.all(np.isfinite(w)):
            raise ValueError(f"w0 must be 2 finite numbers (w1, w2), got {describe(w0)}")
        return w

    def descend(self, update, w0, steps):
        """Run ``w <- update(w, dL/dw)`` from ``w0``; stop when it blows up.

        Parameters
        ----------
        update : callable
            ``update(w, g) -> new w`` for w, g of shape (2,): one optimiser step
            (it may keep its own state, e.g. a velocity).
        w0 : ndarray, shape (2,)
            The start (not modified).
        steps : int
            Number of steps T.

        Returns
        -------
        path : ndarray, shape (T'+1, 2)
            w_0 ... w_T'; T' < T when the run was stopped.
        stopped : bool
            The run stopped early: the gradient was not finite, or |w| passed
            ``BLOWUP`` (1e6) at the last point of ``path``.
        """
        path = np.empty((steps + 1, 2))
        path[0] = w0
        with np.errstate(over="ignore", invalid="ignore"):
            for t in range(steps):
                g = self.grad(path[t])
                if not np.all(np.isfinite(g)):
                    return path[:t + 1], True
                path[t + 1] = update(path[t], g)
                if not max(abs(path[t + 1, 0]), abs(path[t + 1, 1])) <= BLOWUP:
                    return path[:t + 2], True
        return path, False

    def clip(self, path):
        """The part of ``path`` (shape (T+1, 2)) to draw, and the step where it leaves the window.

        The path is cut after its first point outside the window, and that point
        is held just outside the frame, so the line visibly runs off the plot.
        Returns ``(w1s, w2s), exit_step`` (``exit_step`` None if it stays inside).
        """
        x0, x1, y0, y1 = self.window
        mx, my = 0.02 * (x1 - x0), 0.02 * (y1 - y0)
        inside = ((path[:, 0] >= x0) & (path[:, 0] <= x1)
                  & (path[:, 1] >= y0) & (path[:, 1] <= y1))
        shown, exit_step = until_exit(path, inside)
        return (np.clip(shown[:, 0], x0 - mx, x1 + mx),
                np.clip(shown[:, 1], y0 - my, y1 + my)), exit_step

    def contour(self, ax, resolution=160):
        """Draw the contour lines on ``ax`` (levels on a log scale); set its limits and
        title. Returns the contour set (``.remove()`` takes it off again)."""
        x0, x1, y0, y1 = self.window
        W1, W2 = np.meshgrid(np.linspace(x0, x1, resolution), np.linspace(y0, y1, resolution))
        levels = self.levels
        contours = ax.contour(W1, W2, self.loss(W1, W2), levels=levels, cmap="viridis",
                              norm=LogNorm(levels[0], levels[-1]), linewidths=0.8, alpha=0.6)
        ax.set_xlim(x0, x1)
        ax.set_ylim(y0, y1)
        ax.set_title(self.title, fontsize=9)
        return contours


# ---------------------------------------------------------------------------
# Quadratics: the valley and the quadratic with a condition number
# ---------------------------------------------------------------------------

QUADRATIC_WINDOW = (-5.0, 5.0, -2.2, 2.2)
QUADRATIC_START = (-4.5, 1.5)


def _bowl(name, title, curvatures, angle, suggested, params) -> Surface:
    """L = 0.5 (k1 u1^2 + k2 u2^2), u = the coordinates w turned by ``angle`` degrees.

    u1 = cos(a) w1 + sin(a) w2 and u2 = -sin(a) w1 + cos(a) w2 are the
    coordinates along the Hessian's eigenvectors (cos a, sin a) and
    (-sin a, cos a), whose eigenvalues (curvatures) are k1 and k2. The
    gradient is k1 u1 (cos a, sin a) + k2 u2 (-sin a, cos a); the minimum is
    (0, 0).
    """
    k1, k2 = curvatures
    c, s = math.cos(math.radians(angle)), math.sin(math.radians(angle))

    def loss(w1, w2):
        u1, u2 = c * w1 + s * w2, -s * w1 + c * w2
        return 0.5 * (k1 * u1 * u1 + k2 * u2 * u2)

    def grad(w):
        w1, w2 = w
        g1, g2 = k1 * (c * w1 + s * w2), k2 * (-s * w1 + c * w2)   # k1 u1, k2 u2
        return np.array([c * g1 - s * g2, s * g1 + c * g2])

    big = max(k1, k2)
    x0, x1, y0, y1 = QUADRATIC_WINDOW
    top = max(float(loss(u, v)) for u in (x0, x1) for v in (y0, y1))
    return Surface(
        name, title, loss, grad, minimum=(0.0, 0.0), w0=QUADRATIC_START,
        window=QUADRATIC_WINDOW, lambda_max=big,
        lambda_note=f"lambda_max = {fmt(big)}, the steepest curvature",
        levels=top * 0.5 ** np.arange(16, -1, -1), lr_exponents=(-4.0, 0.5),
        suggested=suggested, params=params, exact=True)


def valley(curvatures=(1.0, 30.0)) -> Surface:
    """L = 0.5 (a w1^2 + c w2^2) with ``curvatures = (a, c)``; minimum (0, 0).

    The Hessian is diag(a, c): lambda_max = max(a, c), and the condition
    number max/min says how much narrower the valley is across than along.
    """
    if (isinstance(curvatures, (str, bytes)) or not hasattr(curvatures, "__len__")
            or len(curvatures) != 2):
        raise TypeError(f"curvatures must be a pair (a, c), got {describe(curvatures)}")
    a = check_positive("curvatures[0]", curvatures[0])
    c = check_positive("curvatures[1]", curvatures[1])
    return _bowl(
        "valley", f"valley L = 0.5({fmt(a)} w1^2 + {fmt(c)} w2^2), condition number "
        f"{max(a, c) / min(a, c):.3g}", (a, c), 0.0,
        suggested={"sgd": (0.06, 0.0, 150), "nesterov": (0.03, 0.8, 150),
                   "adagrad": (1.0, 0.0, 150), "rmsprop": (0.05, 0.0, 150),
                   "adam": (0.2, 0.9, 150), "adamw": (0.2, 0.9, 150)},
        params=(a, c))


def quadratic(condition=10.0, *, angle=0.0) -> Surface:
    """A quadratic with condition number kappa: curvatures 1 and kappa, minimum (0, 0).

    L = 0.5 (u1^2 + kappa u2^2), where u1 = cos(a) w1 + sin(a) w2 and
    u2 = -sin(a) w1 + cos(a) w2 are the coordinates along the Hessian's
    eigenvectors, turned by ``angle`` = a degrees from the axes. The default,
    angle = 0, is *not rotated*: curvature 1 along w1 and kappa along w2, so
    each eigendirection of the lecture's analysis is one coordinate (the
    valley with curvatures (1, kappa)). A rotated bowl (angle = 30, say)
    shows what adaptive methods such as Adam lose when the narrow direction
    is not an axis: their per-coordinate step sizes no longer match it.

    lambda_max = kappa: gradient descent with momentum mu converges for
    eta < 2(1+mu)/kappa, and the slowest direction (curvature 1) then
    shrinks by at best (kappa - 1)/(kappa + 1) per step without momentum,
    (sqrt(kappa) - 1)/(sqrt(kappa) + 1) with the best momentum.

    Parameters
    ----------
    condition : float
        kappa = lambda_max / lambda_min, in [1, 1e4].
    angle : float
        Rotation a of the eigenvectors, in degrees.
    """
    kappa = check_positive("condition", condition)
    if not 1.0 <= kappa <= MAX_CONDITION:
        raise ValueError(f"condition must be in [1, {MAX_CONDITION:g}], got {condition}")
    angle = check_real("angle", angle)
    turned = f", turned {fmt(angle)} deg" if angle else ""
    return _bowl(
        "quadratic", f"quadratic L = 0.5(u1^2 + {kappa:.4g} u2^2), condition number "
        f"{kappa:.4g}{turned}", (1.0, kappa), angle,
        suggested={"sgd": (1.0 / kappa, 0.0, 150), "momentum": (0.5 / kappa, 0.8, 150),
                   "nesterov": (0.5 / kappa, 0.8, 150), "adagrad": (1.0, 0.0, 150),
                   "rmsprop": (0.05, 0.0, 150), "adam": (0.2, 0.9, 150),
                   "adamw": (0.2, 0.9, 150)},
        params=(kappa, angle))


# ---------------------------------------------------------------------------
# Rosenbrock and the saddle
# ---------------------------------------------------------------------------

def rosenbrock() -> Surface:
    """L = (1 - w1)^2 + 100 (w2 - w1^2)^2; minimum (1, 1) at the end of a curved valley.

    Its Hessian at the minimum is [[802, -400], [-400, 200]]; elsewhere the
    curvature differs, so lambda_max there is only a local guide.
    """
    def loss(w1, w2):
        return (1.0 - w1) ** 2 + 100.0 * (w2 - w1 * w1) ** 2

    def grad(w):
        w1, w2 = w
        return np.array([-2.0 * (1.0 - w1) - 400.0 * w1 * (w2 - w1 * w1),
                         200.0 * (w2 - w1 * w1)])

    lam = float(np.linalg.eigvalsh(np.array([[802.0, -400.0], [-400.0, 200.0]]))[-1])
    return Surface(
        "rosenbrock", "Rosenbrock L = (1 - w1)^2 + 100(w2 - w1^2)^2", loss, grad,
        minimum=(1.0, 1.0), w0=(-1.2, 1.0), window=(-2.0, 2.0, -1.0, 3.0), lambda_max=lam,
        lambda_note=f"lambda_max = {lam:.4g} at the minimum; only a local guide, since the "
        "curvature changes along the way",
        levels=np.logspace(-1.5, 3.3, 16), lr_exponents=(-5.0, 0.0),
        suggested={"sgd": (1e-3, 0.9, 500), "momentum": (1e-3, 0.9, 500),
                   "nesterov": (1e-3, 0.9, 500), "adagrad": (1.0, 0.0, 500),
                   "rmsprop": (0.01, 0.0, 500), "adam": (0.1, 0.9, 500),
                   "adamw": (0.1, 0.9, 500)})


def saddle() -> Surface:
    """L = w1^2 / 2 + (w2^2 - 1)^2 / 4: a saddle point at (0, 0) between minima (0, +-1).

    The gradient is (w1, w2^3 - w2). At the origin it is zero but the origin
    is *not* a minimum: the Hessian there is diag(1, -1), curving up along
    w1 and down along w2, and L = 1/4. The minima are (0, 1) and (0, -1),
    with L = 0 and Hessian diag(1, 2) (lambda_max = 2 there). Unlike the
    bare saddle (w1^2 - w2^2) / 2, this one is bounded below, so the loss
    has a floor and plots on a log scale.

    The default start (-2, 0.001) lies almost on the w1 axis, the line that
    leads into the saddle. Gradient descent rushes to the saddle, then
    crawls: near it w2 grows by only a factor (1 + eta) per step, a plateau
    at L = 1/4 in the loss curve, before it escapes to the minimum (0, 1).
    A good optimiser escapes quickly: momentum builds up speed along the
    downhill direction, and Adam's first steps have length about eta in
    every coordinate however small the gradient.
    """
    def loss(w1, w2):
        return 0.5 * w1 * w1 + 0.25 * (w2 * w2 - 1.0) ** 2

    def grad(w):
        w1, w2 = w
        return np.array([w1, w2 * w2 * w2 - w2])

    return Surface(
        "saddle", "saddle L = w1^2/2 + (w2^2 - 1)^2/4: saddle point (0, 0), minima (0, ±1)",
        loss, grad, minimum=(0.0, 1.0), w0=(-2.0, 1e-3), window=(-2.5, 2.5, -1.6, 1.6),
        lambda_max=2.0, lambda_note="lambda_max = 2 at the minima; only a local guide, since "
        "the curvature changes along the way",
        levels=np.unique(np.r_[np.logspace(-2.5, 0.6, 13), 0.25]), lr_exponents=(-3.0, 0.5),
        suggested={"sgd": (0.1, 0.0, 150), "momentum": (0.1, 0.8, 150),
                   "nesterov": (0.1, 0.8, 150), "adagrad": (0.5, 0.0, 150),
                   "rmsprop": (0.05, 0.0, 150), "adam": (0.1, 0.9, 150),
                   "adamw": (0.1, 0.9, 150)},
        other_minima=((0.0, -1.0),), saddle=(0.0, 0.0))


def surface(name, curvatures=(1.0, 30.0), *, condition=10.0, angle=0.0) -> Surface:
    """The surface called ``name`` (one of ``SURFACES``).

    ``curvatures`` shape the valley; ``condition`` and ``angle`` the quadratic.
    """
    check_choice("surface", name, SURFACES)
    if name == "valley":
        return valley(curvatures)
    if name == "quadratic":
        return quadratic(condition, angle=angle)
    return rosenbrock() if name == "rosenbrock" else saddle()
