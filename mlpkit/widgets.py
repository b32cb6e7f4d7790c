r"""Interactive learning-rate and momentum widgets (units 03 and 08).

Three explorers, each a slider panel over a figure that is redrawn on every
slider move. They rerun mlpkit's *real* optimisers (``mlpkit.optim``) and,
for the training explorer, mlpkit's real layers, loss and data:

=========================  ====================================================
``quadratic_1d()``         gradient descent with momentum on
                           L(w) = (k/2)(w - w*)^2: the path of the iterates on
                           the curve, the loss per step, and whether (and why)
                           the run diverges
``valley_2d()``            an ill-conditioned quadratic valley (or Rosenbrock)
                           as a contour plot with the optimiser's path; an
                           optional optimiser menu (SGD, Nesterov, AdaGrad,
                           RMSProp, Adam) for unit 08
``regression_training()``  unit 02's line fit trained by mini-batch SGD with
                           momentum: learning curve and fitted line
=========================  ====================================================

Each explorer is built on a pure function that does the computing and can be
used (and tested) without a browser: ``run_1d``, ``run_2d`` and
``run_regression`` return a small result object (path, losses, verdict,
threshold, steps to reach a tolerance, ...).

In a notebook::

    from mlpkit.widgets import quadratic_1d, valley_2d, regression_training
    quadratic_1d(curvature=2.0)                 # unit 03
    valley_2d(optimizer_menu=True)              # unit 08
    quadratic_1d(lr=1.2, static=True)           # one still figure, e.g. for slides

Autograding: when the environment variable ``NBGRADER_EXECUTION`` is set (as
nbgrader does while grading), every builder prints one short line and returns
None, without creating widgets or computing anything.

Speed: each figure is created once (matplotlib's Agg canvas, no pyplot); a
slider move updates the existing artists, renders the canvas and sends the
PNG bytes to an ``ipywidgets.Image``. ``benchmarks/widget_redraw.py`` times
it (a few tens of milliseconds per redraw).

The divergence threshold
------------------------
mlpkit's momentum convention is v <- mu v - eta dL/dw; w <- w + v (mu = 0 is
plain gradient descent). On L(w) = (k/2)(w - w*)^2 the gradient is k e with
e = w - w*, and v_t = e_t - e_{t-1}, so

    e_{t+1} = (1 + mu - eta k) e_t - mu e_{t-1},

a linear recurrence with characteristic polynomial
r^2 - (1 + mu - eta k) r + mu. Both roots lie inside the unit circle (the
iterates converge to w*) exactly when mu < 1 and |1 + mu - eta k| < 1 + mu,
that is when

    0 < eta k < 2 (1 + mu),   i.e.   eta < 2 (1 + mu) / k.

For mu = 0 this is plain gradient descent's eta < 2 / k. At eta = 2(1+mu)/k
one root is -1 and the iterates oscillate for ever with constant amplitude;
above it |e_t| grows geometrically with alternating sign. Momentum thus
*raises* the threshold (up to almost 4/k as mu -> 1). For Nesterov momentum
(``sgd_update(..., nesterov=True)``) the recurrence is
e_{t+1} = (1 + mu)(1 - eta k) e_t - mu (1 - eta k) e_{t-1} and the condition
becomes eta k < 2 (1 + mu) / (1 + 2 mu), which is *lower* than plain descent's
2 for any mu > 0. The tests check both thresholds against runs of the real
``mlpkit.optim.sgd_update``. In several dimensions the condition must hold
for every curvature (every eigenvalue of the Hessian), so the largest one,
lambda_max, sets the threshold: eta < 2 (1 + mu) / lambda_max.
"""
from __future__ import annotations

import contextlib
import functools
import html
import io
import math
import numbers
import os
import time
from dataclasses import dataclass

import numpy as np

from mlpkit._validation import (check_choice, check_int, check_positive, check_probability,
                                check_rng, describe)

__all__ = [
    "divergence_threshold", "convergence_rate",
    "Run1D", "Run2D", "RegressionRun",
    "run_1d", "run_2d", "run_regression",
    "quadratic_1d", "valley_2d", "regression_training",
    "Quadratic1DExplorer", "Valley2DExplorer", "RegressionExplorer",
    "OPTIMIZERS", "SURFACES", "SUGGESTED", "autograding",
]

#: |w| beyond which a run counts as blown up and is stopped.
BLOWUP = 1e6
#: The most steps any run may take (keeps a typo from freezing the kernel).
MAX_STEPS = 100_000

#: Optimiser names accepted by ``run_2d`` (label shown in the menu).
OPTIMIZERS = {
    "sgd": "SGD (momentum mu)",
    "nesterov": "Nesterov (momentum mu)",
    "adagrad": "AdaGrad",
    "rmsprop": "RMSProp",
    "adam": "Adam (beta1 = mu)",
}
#: Surfaces accepted by ``run_2d``.
SURFACES = ("valley", "rosenbrock")

_SKIP_MESSAGE = "(interactive widget skipped: NBGRADER_EXECUTION is set)"


def autograding() -> bool:
    """True while nbgrader executes the notebook (``NBGRADER_EXECUTION`` is set)."""
    return bool(os.environ.get("NBGRADER_EXECUTION"))


# ---------------------------------------------------------------------------
# Small checks and formatting
# ---------------------------------------------------------------------------

def _real(name, value) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {describe(value)}")
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    return float(value)


def _flag(name, value) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {describe(value)}")
    return bool(value)


def _steps(value, name="steps") -> int:
    value = check_int(name, value, minimum=1)
    if value > MAX_STEPS:
        raise ValueError(f"{name} must be <= {MAX_STEPS}, got {value}")
    return value


def _plural(count, noun) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _fmt(x) -> str:
    """Short number: 1.0, 0.667, 1.2e-05."""
    x = float(x)
    if x == int(x) and abs(x) < 1e6:
        return f"{x:.1f}"
    return f"{x:.3g}"


# ---------------------------------------------------------------------------
# Theory: threshold and rate of SGD with momentum on a quadratic
# ---------------------------------------------------------------------------

def divergence_threshold(curvature, momentum=0.0, *, nesterov=False) -> float:
    """Largest stable learning rate of (momentum) gradient descent on a quadratic.

    Heavy-ball momentum (mlpkit's ``v <- mu v - eta dL/dw; w <- w + v``)
    converges on L(w) = (k/2)(w - w*)^2 exactly when
    ``eta < 2 (1 + mu) / k``; Nesterov momentum when
    ``eta < 2 (1 + mu) / (k (1 + 2 mu))``. With mu = 0 both are plain
    gradient descent's ``eta < 2 / k``. The module docstring derives them.

    Parameters
    ----------
    curvature : float
        k > 0, the second derivative L''(w) (in several dimensions, the
        largest eigenvalue lambda_max of the Hessian).
    momentum : float
        mu in [0, 1).
    nesterov : bool
        Nesterov momentum instead of heavy-ball momentum.

    Returns
    -------
    float
        The threshold eta_max; any eta < eta_max converges, eta > eta_max diverges.

    Examples
    --------
    >>> divergence_threshold(2.0)
    1.0
    >>> divergence_threshold(2.0, momentum=0.5)
    1.5
    """
    k = check_positive("curvature", curvature)
    mu = check_probability("momentum", momentum)
    nesterov = _flag("nesterov", nesterov)
    if nesterov:
        return 2.0 * (1.0 + mu) / (k * (1.0 + 2.0 * mu))
    return 2.0 * (1.0 + mu) / k


def convergence_rate(lr, curvature, momentum=0.0, *, nesterov=False) -> float:
    """Factor rho by which |w - w*| shrinks per step (asymptotically) on a quadratic.

    rho is the largest |r| over the roots of the characteristic polynomial
    ``r^2 - (1 + mu - eta k) r + mu`` (heavy ball) or
    ``r^2 - (1 + mu)(1 - eta k) r + mu (1 - eta k)`` (Nesterov). rho < 1
    converges, rho > 1 diverges. For plain descent rho = |1 - eta k|.

    Parameters
    ----------
    lr : float
        eta > 0.
    curvature : float
        k > 0.
    momentum : float
        mu in [0, 1).
    nesterov : bool

    Returns
    -------
    float
    """
    lr = check_positive("lr", lr)
    k = check_positive("curvature", curvature)
    mu = check_probability("momentum", momentum)
    h = lr * k
    if _flag("nesterov", nesterov):
        a, b = (1.0 + mu) * (1.0 - h), mu * (1.0 - h)
    else:
        a, b = 1.0 + mu - h, mu
    disc = a * a - 4.0 * b
    if disc >= 0:
        root = math.sqrt(disc)
        return max(abs(a + root), abs(a - root)) / 2.0
    return math.sqrt(b)          # complex pair: |r|^2 = product of the roots = b


def _verdict(lr, threshold) -> str:
    """'converges', 'edge' (eta = threshold) or 'diverges'."""
    if math.isclose(lr, threshold, rel_tol=1e-9):
        return "edge"
    return "converges" if lr < threshold else "diverges"


def _first_below(losses, tol):
    """First index t with losses[t] <= tol, else None."""
    hits = np.flatnonzero(losses <= tol)
    return int(hits[0]) if hits.size else None


# ---------------------------------------------------------------------------
# 1-D quadratic
# ---------------------------------------------------------------------------

@dataclass(frozen=True, repr=False)
class Run1D:
    """Result of ``run_1d``: gradient descent on L(w) = (k/2)(w - w*)^2.

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
        return (f"Run1D(lr={self.lr:g}, momentum={self.momentum:g}, curvature={self.curvature:g}, "
                f"steps={len(self.path) - 1}, verdict={self.verdict!r}, "
                f"threshold={self.threshold:.4g}, steps_to_tol={self.steps_to_tol})")


def run_1d(lr=0.1, momentum=0.0, steps=30, *, curvature=2.0, w_star=1.0, w0=-3.0,
           nesterov=False, tol=1e-4) -> Run1D:
    """Run ``mlpkit.optim.sgd_update`` on the 1-D quadratic L(w) = (k/2)(w - w*)^2.

    The gradient is dL/dw = k (w - w*). Each step calls the library's real
    update rule, ``sgd_update(w, dw, state, lr=eta, momentum=mu,
    nesterov=...)``. The run stops early once |w - w*| > 1e6.

    Convergence condition (derived in the module docstring): eta < 2(1+mu)/k
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
    from mlpkit import optim     # looked up on every call: tests can spy on it

    lr = check_positive("lr", lr)
    momentum = check_probability("momentum", momentum)
    steps = _steps(steps)
    k = check_positive("curvature", curvature)
    w_star = _real("w_star", w_star)
    w0 = _real("w0", w0)
    nesterov = _flag("nesterov", nesterov)
    tol = check_positive("tol", tol)
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
    verdict = _verdict(lr, threshold)
    diverged = verdict == "diverges" or stopped
    reached = _first_below(losses, tol)
    formula = "2(1+mu)/(k(1+2mu))" if nesterov else "2(1+mu)/k"

    e0, e_end = abs(path[0] - w_star), abs(path[-1] - w_star)
    if verdict == "diverges":
        message = (f"diverges: eta = {_fmt(lr)} is above the threshold {formula} = "
                   f"{_fmt(threshold)} for this curvature (k = {_fmt(k)}, mu = {_fmt(momentum)}); "
                   f"|w - w*| is multiplied by about {rate:.3g} per step")
        message += (f" and passed {BLOWUP:.0e} after {len(path) - 1} steps (run stopped)."
                    if stopped else f", from {e0:.3g} to {e_end:.3g} in {len(path) - 1} steps.")
    elif verdict == "edge":
        message = (f"on the edge: eta = {_fmt(lr)} equals the threshold {formula} = "
                   f"{_fmt(threshold)}; the iterates oscillate for ever without converging.")
    else:
        message = (f"converges: eta = {_fmt(lr)} is below the threshold {formula} = "
                   f"{_fmt(threshold)}; ")
        if rate < 1e-12:
            message += "eta = 1/k jumps straight to the minimum"
        else:
            message += f"|w - w*| is multiplied by about {rate:.3g} per step"
        if reached is not None:
            message += f", and L < {tol:g} after {_plural(reached, 'step')}."
        else:
            need = _steps_needed(losses[0], tol, rate)
            message += (f"; L is still above {tol:g} after {_plural(len(path) - 1, 'step')}"
                        + (f" (about {need} needed)." if need else "."))
    return Run1D(lr=lr, momentum=momentum, nesterov=nesterov, curvature=k, w_star=w_star,
                 w0=w0, tol=tol, steps=steps, path=path, losses=losses, threshold=threshold,
                 rate=rate, verdict=verdict, diverged=diverged, stopped_early=stopped,
                 steps_to_tol=reached, message=message)


def _steps_needed(loss0, tol, rate):
    """Steps until loss0 * rate^(2t) <= tol, or None if that never happens."""
    if loss0 <= tol:
        return 0
    if not 0 < rate < 1:
        return None
    return int(math.ceil(math.log(tol / loss0) / (2.0 * math.log(rate))))


# ---------------------------------------------------------------------------
# 2-D surfaces
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class _Surface:
    name: str
    title: str
    minimum: tuple
    w0: tuple
    window: tuple            # (w1_min, w1_max, w2_min, w2_max)
    lambda_max: float        # largest Hessian eigenvalue at the minimum
    lambda_note: str
    params: tuple

    def loss(self, w1, w2):
        if self.name == "valley":
            a, c = self.params
            return 0.5 * (a * w1 * w1 + c * w2 * w2)
        return (1.0 - w1) ** 2 + 100.0 * (w2 - w1 * w1) ** 2

    def grad(self, w):
        w1, w2 = w
        if self.name == "valley":
            a, c = self.params
            return np.array([a * w1, c * w2])
        return np.array([-2.0 * (1.0 - w1) - 400.0 * w1 * (w2 - w1 * w1),
                         200.0 * (w2 - w1 * w1)])

    def levels(self):
        if self.name == "valley":
            x0, x1, y0, y1 = self.window
            top = float(self.loss(max(abs(x0), abs(x1)), max(abs(y0), abs(y1))))
            return top * 0.5 ** np.arange(16, -1, -1)
        return np.logspace(-1.5, 3.3, 16)


def _surface(name, curvatures=(1.0, 30.0)) -> _Surface:
    check_choice("surface", name, SURFACES)
    if name == "valley":
        if (isinstance(curvatures, (str, bytes)) or not hasattr(curvatures, "__len__")
                or len(curvatures) != 2):
            raise TypeError(f"curvatures must be a pair (a, c), got {describe(curvatures)}")
        a = check_positive("curvatures[0]", curvatures[0])
        c = check_positive("curvatures[1]", curvatures[1])
        big, small = max(a, c), min(a, c)
        title = (f"valley L = 0.5({_fmt(a)} w1^2 + {_fmt(c)} w2^2), "
                 f"condition number {big / small:.3g}")
        return _Surface("valley", title, (0.0, 0.0), (-4.5, 1.5), (-5.0, 5.0, -2.2, 2.2),
                        big, f"lambda_max = {_fmt(big)}, the steepest curvature", (a, c))
    lam = float(np.linalg.eigvalsh(np.array([[802.0, -400.0], [-400.0, 200.0]]))[-1])
    return _Surface("rosenbrock", "Rosenbrock L = (1 - w1)^2 + 100(w2 - w1^2)^2", (1.0, 1.0),
                    (-1.2, 1.0), (-2.0, 2.0, -1.0, 3.0), lam,
                    f"lambda_max = {lam:.4g} at the minimum; only a local guide, since "
                    "the curvature changes along the way", ())


#: Suggested (lr, momentum, steps) per surface and optimiser; the widgets load them.
SUGGESTED = {
    ("valley", "sgd"): (0.06, 0.0, 150),
    ("valley", "nesterov"): (0.03, 0.8, 150),
    ("valley", "adagrad"): (1.0, 0.0, 150),
    ("valley", "rmsprop"): (0.05, 0.0, 150),
    ("valley", "adam"): (0.2, 0.9, 150),
    ("rosenbrock", "sgd"): (1e-3, 0.9, 500),
    ("rosenbrock", "nesterov"): (1e-3, 0.9, 500),
    ("rosenbrock", "adagrad"): (1.0, 0.0, 500),
    ("rosenbrock", "rmsprop"): (0.01, 0.0, 500),
    ("rosenbrock", "adam"): (0.1, 0.9, 500),
}


@dataclass(frozen=True, repr=False)
class Run2D:
    """Result of ``run_2d``: an optimiser on a 2-D loss surface.

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
        return (f"Run2D(optimizer={self.optimizer!r}, surface={self.surface!r}, lr={self.lr:g}, "
                f"momentum={self.momentum:g}, steps={len(self.path) - 1}, "
                f"diverged={self.diverged}, steps_to_tol={self.steps_to_tol})")


def _default_momentum(optimizer):
    return {"sgd": 0.0, "nesterov": 0.9, "adam": 0.9}.get(optimizer, 0.0)


def run_2d(lr=0.06, momentum=None, steps=150, *, optimizer="sgd", surface="valley", w0=None,
           curvatures=(1.0, 30.0), tol=1e-4) -> Run2D:
    """Run one of ``mlpkit.optim``'s update rules on a 2-D loss surface.

    Surfaces: ``"valley"``, L = 0.5 (a w1^2 + c w2^2) with
    ``curvatures=(a, c)`` (default condition number c/a = 30), minimum at
    (0, 0); ``"rosenbrock"``, L = (1 - w1)^2 + 100 (w2 - w1^2)^2, minimum at
    (1, 1). Optimisers (each calls its pure rule in ``mlpkit.optim``):
    ``"sgd"`` (``sgd_update`` with momentum mu; mu = 0 is plain descent),
    ``"nesterov"`` (``sgd_update(..., nesterov=True)``), ``"adagrad"``,
    ``"rmsprop"`` (their default eps and rho), ``"adam"`` (``momentum`` is
    beta1; beta2 = 0.999).

    Parameters
    ----------
    lr : float
        eta > 0.
    momentum : float or None
        mu in [0, 1) for SGD/Nesterov, beta1 for Adam; must be 0 (or None)
        for AdaGrad and RMSProp. None: 0 for SGD, 0.9 for Nesterov and Adam.
    steps : int
        Number of updates T >= 1. The run stops early once |w| > 1e6.
    optimizer : str
        One of ``OPTIMIZERS``.
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
    from mlpkit import optim

    lr = check_positive("lr", lr)
    check_choice("optimizer", optimizer, tuple(OPTIMIZERS))
    surf = _surface(surface, curvatures)
    if momentum is None:
        momentum = _default_momentum(optimizer)
    momentum = check_probability("momentum", momentum)
    if optimizer in ("adagrad", "rmsprop") and momentum != 0:
        raise ValueError(f"momentum must be 0 or None for optimizer={optimizer!r} (it has no "
                         f"momentum), got {momentum}")
    steps = _steps(steps)
    tol = check_positive("tol", tol)
    if w0 is None:
        w = np.array(surf.w0, dtype=np.float64)
    else:
        w = np.array(w0, dtype=np.float64)   # a copy: the caller's w0 is never touched
        if w.shape != (2,) or not np.all(np.isfinite(w)):
            raise ValueError(f"w0 must be 2 finite numbers (w1, w2), got {describe(w0)}")

    if optimizer in ("sgd", "nesterov"):
        # nesterov with mu = 0 is plain descent (sgd_update refuses nesterov without momentum)
        hyper = {"lr": lr, "momentum": momentum,
                 "nesterov": optimizer == "nesterov" and momentum > 0}

        def rule(w, dw, state):
            return optim.sgd_update(w, dw, state, **hyper)
    elif optimizer == "adagrad":
        def rule(w, dw, state):
            return optim.adagrad_update(w, dw, state, lr=lr)
    elif optimizer == "rmsprop":
        def rule(w, dw, state):
            return optim.rmsprop_update(w, dw, state, lr=lr)
    else:
        def rule(w, dw, state):
            return optim.adam_update(w, dw, state, lr=lr, beta1=momentum)

    path = [w]
    state, stopped = None, False
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(steps):
            g = surf.grad(w)
            if not np.all(np.isfinite(g)):
                stopped = True
                break
            w, state = rule(w, g, state)
            path.append(w)
            if not np.max(np.abs(w)) <= BLOWUP:
                stopped = True
                break
        path = np.asarray(path, dtype=np.float64)
        losses = surf.loss(path[:, 0], path[:, 1])

    name = OPTIMIZERS[optimizer].split(" (")[0]
    threshold = None
    if optimizer in ("sgd", "nesterov"):
        threshold = divergence_threshold(surf.lambda_max, momentum,
                                         nesterov=hyper["nesterov"])
    exact = surf.name == "valley" and threshold is not None
    verdict = _verdict(lr, threshold) if exact else None
    diverged = stopped or verdict == "diverges"
    reached = _first_below(losses, tol)
    formula = "2(1+mu)/(lambda_max(1+2mu))" if optimizer == "nesterov" else "2(1+mu)/lambda_max"
    T = len(path) - 1

    if diverged:
        message = f"{name} diverges"
        if threshold is not None and lr > threshold:
            message += (f": eta = {_fmt(lr)} is above the threshold {formula} = "
                        f"{_fmt(threshold)} ({surf.lambda_note})")
        message += (f"; |w| passed {BLOWUP:.0e} after {T} steps (run stopped)." if stopped
                    else f"; L grew from {losses[0]:.3g} to {losses[-1]:.3g} in {T} steps.")
    else:
        if verdict == "edge":
            message = (f"{name} is on the edge: eta = {_fmt(lr)} equals the threshold "
                       f"{formula} = {_fmt(threshold)}; it oscillates without converging")
        elif reached is not None:
            message = f"{name} reaches L < {tol:g} after {_plural(reached, 'step')}"
        else:
            message = (f"{name} has not reached L < {tol:g} after {T} steps "
                       f"(L = {losses[-1]:.3g})")
        if threshold is not None and verdict != "edge":
            message += (f"; stable for eta < {formula} = {_fmt(threshold)} "
                        f"({surf.lambda_note})")
        message += "."
    return Run2D(lr=lr, momentum=momentum, optimizer=optimizer, surface=surf.name, tol=tol,
                 steps=steps, path=path, losses=losses, threshold=threshold, diverged=diverged,
                 stopped_early=stopped, steps_to_tol=reached, message=message)


# ---------------------------------------------------------------------------
# Regression trained by mini-batch SGD (unit 02's line)
# ---------------------------------------------------------------------------

@dataclass(frozen=True, repr=False)
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
        return (f"RegressionRun(lr={self.lr:g}, momentum={self.momentum:g}, "
                f"batch_size={self.batch_size}, epochs={len(self.epoch_losses) - 1}, "
                f"final_loss={self.epoch_losses[-1]:.4g}, diverged={self.diverged})")


def _line_data(n, rng):
    from mlpkit import data
    return data.make_line(n, rng=rng, dtype=np.float64)    # x, y of shape (N, 1)


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
    from mlpkit import data, losses, nn, optim

    lr = check_positive("lr", lr)
    momentum = check_probability("momentum", momentum)
    batch_size = check_int("batch_size", batch_size, minimum=1)
    epochs = _steps(epochs, "epochs")
    n = check_int("n", n, minimum=2)
    gen = check_rng(rng)

    x, y = _line_data(n, gen)
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
    steps_per_epoch = -(-len(x) // batch_size)
    E = len(epoch_losses) - 1
    if diverged:
        message = (f"diverges: training stopped in epoch {E} when the loss or the weights "
                   f"passed {BLOWUP:.0e}")
        if lr > threshold:
            message += (f"; eta = {_fmt(lr)} is above even the full-batch threshold "
                        f"2(1+mu)/lambda_max = {_fmt(threshold)}")
        message += "."
    else:
        w, b = params[-1]
        gap = epoch_losses[-1] - lstsq_loss
        message = (f"after {E} epochs ({E * steps_per_epoch} steps of batch size "
                   f"{min(batch_size, len(x))}): w = {w:.3f}, b = {b:.3f}, MSE = "
                   f"{epoch_losses[-1]:.4g} (least squares: w = {w_ls:.3f}, b = {b_ls:.3f}, "
                   f"MSE = {lstsq_loss:.4g}; gap {gap:.2g}). Full-batch descent is stable for "
                   f"eta < 2(1+mu)/lambda_max = {_fmt(threshold)}.")
    return RegressionRun(lr=lr, momentum=momentum, batch_size=batch_size, epochs=epochs,
                         x=x, y=y, params=np.asarray(params), epoch_losses=np.asarray(epoch_losses),
                         step_losses=np.asarray(step_losses, dtype=np.float64),
                         steps_per_epoch=steps_per_epoch, lstsq=(float(w_ls), float(b_ls)),
                         lstsq_loss=lstsq_loss, threshold=threshold, diverged=diverged,
                         message=message)


# ---------------------------------------------------------------------------
# Figures (Agg, created once, artists updated in place)
# ---------------------------------------------------------------------------

FIGSIZE = (9.6, 3.6)
DPI = 88
_LOSS_FLOOR, _LOSS_CEIL = 1e-300, 1e12    # plotted losses are clipped to this range
_C_RUN, _C_REF, _C_CURVE, _C_PATH = "tab:blue", "0.4", "0.25", "tab:red"


class _Canvas:
    """A matplotlib Figure on an Agg canvas (no pyplot) that renders to PNG bytes.

    Speed comes from drawing as little as possible on each slider move:

    * the first render lays the figure out (constrained layout), later renders
      keep that layout;
    * artists registered with ``_dynamic`` (paths, loss curves, titles,
      legends) are "animated": a full draw skips them, and the rest of the
      figure (axes, ticks, contours, labels) is kept as a cached background
      image. A render restores the background and draws only the dynamic
      artists on top, unless the axis limits changed since the background
      was made (then it draws everything once more and caches anew);
    * the PNG is written with fast (light) compression.

    ``static()`` turns this off, so the figure also saves and displays normally.
    """

    def __init__(self, ncols=2, width_ratios=None):
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        self.figure = Figure(figsize=FIGSIZE, dpi=DPI, layout="constrained")
        FigureCanvasAgg(self.figure)
        self.axes = self.figure.subplots(1, ncols, width_ratios=width_ratios)
        self._frozen = False
        self._dynamic_artists = []
        self._background, self._background_key = None, None
        self.full_draws = 0          # how often the whole figure was drawn (for the benchmark)

    def _dynamic(self, *artists):
        for artist in artists:
            artist.set_animated(True)
            self._dynamic_artists.append(artist)
        return artists[0] if len(artists) == 1 else artists

    def _legend(self, ax, **kw):
        """(Re)make ``ax``'s legend as a dynamic artist (drawn on top of the paths)."""
        old = ax.get_legend()
        if old in self._dynamic_artists:
            self._dynamic_artists.remove(old)
        legend = ax.legend(**kw)
        return self._dynamic(legend)

    def static(self):
        """Draw every artist in every render (no background cache); returns the Figure."""
        for artist in self._dynamic_artists:
            artist.set_animated(False)
        self._dynamic_artists = []
        self._background = self._background_key = None
        return self.figure

    def _key(self):
        return tuple((ax.get_xlim(), ax.get_ylim()) for ax in self.axes)

    def png(self) -> bytes:
        from PIL import Image

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


def _until_exit(points, inside):
    """Points up to and including the first one outside the plot, and that index (or None).

    ``inside`` is a boolean array (one entry per point); the exit point itself is
    kept so the path visibly runs off the axes, and later points are dropped.
    """
    outside = np.flatnonzero(~inside)
    if not outside.size:
        return points, None
    first = int(outside[0])
    return points[:first + 1], first


def _log_limits(*arrays, floor):
    """y-limits of a log-scale loss panel: from a fixed ``floor`` (converged runs run
    off the bottom) up to the largest value rounded up to a whole decade, so the axes
    stay put while a slider moves (easier to compare, and faster to draw)."""
    vals = np.concatenate([np.asarray(a, dtype=np.float64).ravel() for a in arrays if len(a)])
    vals = vals[np.isfinite(vals)]
    hi = min(max(vals.max(), 10.0 * floor), _LOSS_CEIL) if vals.size else 10.0 * floor
    return floor, 10.0 ** math.ceil(math.log10(hi) + 0.05)


def _nice_ceil(n) -> float:
    """The smallest of 10, 20, 30, 50, 70, 100, 150, 200, 300, 500, 700, 1000, ... >= n:
    an axis limit that changes only now and then as the steps slider moves."""
    n = max(float(n), 1.0)
    scale = 10.0 ** math.floor(math.log10(n))
    for m in (1.0, 1.5, 2.0, 3.0, 5.0, 7.0, 10.0):
        if m * scale >= n:
            return m * scale
    return 10.0 * scale


def _clip_loss(values):
    return np.clip(np.nan_to_num(values, nan=_LOSS_CEIL, posinf=_LOSS_CEIL),
                   _LOSS_FLOOR, _LOSS_CEIL)


class _Plot1D(_Canvas):
    """Left: L(w) with the iterates; right: L(w_t) per step (log scale)."""

    def __init__(self, curvature, w_star, w0):
        super().__init__()
        self.k, self.w_star = curvature, w_star
        half = 1.3 * max(abs(w0 - w_star), 1e-3)
        self.lo, self.hi = w_star - half, w_star + half
        ax, ax2 = self.axes
        grid = np.linspace(self.lo, self.hi, 300)
        top = 0.5 * curvature * half ** 2
        ax.plot(grid, 0.5 * curvature * (grid - w_star) ** 2, color=_C_CURVE, lw=1.5,
                label=f"L(w) = (k/2)(w - w*)^2, k = {_fmt(curvature)}")
        ax.plot([w_star], [0.0], marker="*", ms=12, color="tab:green", ls="none",
                label=f"minimum w* = {_fmt(w_star)}")
        (self.path_line,) = ax.plot([], [], "o-", color=_C_RUN, ms=4, lw=1, alpha=0.85,
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

        (self.loss_line,) = ax2.semilogy([1], [1], "o-", color=_C_RUN, ms=3, lw=1,
                                         label="L(w_t)")
        self.tol_line = ax2.axhline(1.0, color="tab:green", ls="--", lw=1, label="tolerance")
        ax2.set_xlabel("step t")
        ax2.set_ylabel("loss L(w_t) (log scale)")
        ax2.set_title("Loss per step")
        ax2.grid(True, which="major", alpha=0.3)
        self.fig_title = self.figure.suptitle("eta", fontsize=10)
        self._dynamic(self.path_line, self.start, self.clip_note, self.loss_line, self.tol_line,
                      self.fig_title)

    def show(self, run: Run1D):
        path = run.path
        shown, exit_step = _until_exit(path, (path >= self.lo) & (path <= self.hi))
        shown = np.clip(shown, self.lo, self.hi)
        self.path_line.set_data(shown, 0.5 * self.k * (shown - self.w_star) ** 2)
        self.start.set_data([shown[0]], [0.5 * self.k * (shown[0] - self.w_star) ** 2])
        self.clip_note.set_text("" if exit_step is None else
                                f"w leaves the plot at step {exit_step}\n(see the loss panel)")
        losses = _clip_loss(run.losses)
        self.loss_line.set_data(np.arange(len(path)), losses)
        self.tol_line.set_ydata([run.tol, run.tol])
        self.tol_line.set_label(f"tolerance {run.tol:g}")
        ax2 = self.axes[1]
        ax2.set_xlim(-0.5, _nice_ceil(run.steps) + 0.5)
        ax2.set_ylim(*_log_limits(losses, floor=run.tol * 1e-4))
        # upper right unless a diverging loss runs up there
        self._legend(ax2, loc="lower right" if run.verdict == "diverges" else "upper right",
                     fontsize=8)
        color = {"converges": "black", "edge": "tab:orange", "diverges": "tab:red"}[run.verdict]
        mom = ("Nesterov " if run.nesterov else "") + f"mu = {_fmt(run.momentum)}"
        self.fig_title.set_text(f"eta = {run.lr:.3g}, {mom}: {run.verdict} "
                                f"(threshold {run.threshold_formula} = {_fmt(run.threshold)})")
        self.fig_title.set_color(color)


class _Plot2D(_Canvas):
    """Left: contours with the path(s); right: loss per step (log scale)."""

    def __init__(self):
        super().__init__(width_ratios=(1.25, 1))
        ax, ax2 = self.axes
        self._contours = None
        self.surface_key = None
        (self.ref_line,) = ax.plot([], [], ".--", color=_C_REF, ms=3, lw=0.9,
                                   label="plain GD, same eta")
        (self.path_line,) = ax.plot([], [], "o-", color=_C_PATH, ms=2.5, lw=1.2, label="path")
        (self.start,) = ax.plot([], [], "s", color="tab:orange", ms=7, label="start")
        (self.minimum,) = ax.plot([], [], "*", color="tab:green", ms=13, label="minimum")
        ax.set_xlabel("w1")
        ax.set_ylabel("w2")
        ax.set_title("surface", fontsize=9)
        self.clip_note = ax.text(0.02, 0.03, "", transform=ax.transAxes, fontsize=8,
                                 color=_C_PATH, bbox=dict(facecolor="white", alpha=0.8, lw=0))
        (self.ref_loss,) = ax2.semilogy([1], [1], "--", color=_C_REF, lw=1,
                                        label="plain GD, same eta")
        (self.loss_line,) = ax2.semilogy([1], [1], "-", color=_C_PATH, lw=1.4, label="optimiser")
        self.tol_line = ax2.axhline(1.0, color="tab:green", ls=":", lw=1, label="tolerance")
        self.reach = ax2.axvline(0, color=_C_PATH, ls=":", lw=1)
        ax2.set_xlabel("step t")
        ax2.set_ylabel("loss L(w_t) (log scale)")
        ax2.set_title("Loss per step", fontsize=9)
        ax2.grid(True, which="major", alpha=0.3)
        self._dynamic(self.ref_line, self.path_line, self.start, self.minimum, self.clip_note,
                      self.ref_loss, self.loss_line, self.tol_line, self.reach, ax2.title)

    def _key(self):
        return (self.surface_key, super()._key())

    def set_surface(self, surf: _Surface):
        key = (surf.name, surf.params)
        if key == self.surface_key:
            return
        from matplotlib.colors import LogNorm

        ax = self.axes[0]
        if self._contours is not None:
            self._contours.remove()
        x0, x1, y0, y1 = surf.window
        W1, W2 = np.meshgrid(np.linspace(x0, x1, 160), np.linspace(y0, y1, 160))
        levels = surf.levels()
        self._contours = ax.contour(W1, W2, surf.loss(W1, W2), levels=levels, cmap="viridis",
                                    norm=LogNorm(levels[0], levels[-1]), linewidths=0.8,
                                    alpha=0.6)
        self.minimum.set_data([surf.minimum[0]], [surf.minimum[1]])
        ax.set_xlim(x0, x1)
        ax.set_ylim(y0, y1)
        ax.set_title(surf.title, fontsize=9)
        self.surface_key = key
        self.window = surf.window

    def show(self, run: Run2D, ref: Run2D | None = None):
        x0, x1, y0, y1 = self.window
        mx, my = 0.02 * (x1 - x0), 0.02 * (y1 - y0)

        def clip(path):
            inside = ((path[:, 0] >= x0) & (path[:, 0] <= x1)
                      & (path[:, 1] >= y0) & (path[:, 1] <= y1))
            shown, exit_step = _until_exit(path, inside)
            return (np.clip(shown[:, 0], x0 - mx, x1 + mx),
                    np.clip(shown[:, 1], y0 - my, y1 + my)), exit_step

        xy, exit_step = clip(run.path)
        self.path_line.set_data(*xy)
        self.clip_note.set_text("" if exit_step is None else
                                f"the path leaves the plot at step {exit_step}")
        self.start.set_data([run.path[0, 0]], [run.path[0, 1]])
        ax2 = self.axes[1]
        losses = _clip_loss(run.losses)
        self.loss_line.set_data(np.arange(len(losses)), losses)
        arrays = [losses]
        if ref is not None:
            self.ref_line.set_data(*clip(ref.path)[0])
            ref_losses = _clip_loss(ref.losses)
            self.ref_loss.set_data(np.arange(len(ref_losses)), ref_losses)
            arrays.append(ref_losses)
        self.ref_line.set_visible(ref is not None)
        self.ref_loss.set_visible(ref is not None)
        self.tol_line.set_ydata([run.tol, run.tol])
        self.reach.set_visible(run.steps_to_tol is not None)
        if run.steps_to_tol is not None:
            self.reach.set_xdata([run.steps_to_tol, run.steps_to_tol])
        ax2.set_xlim(0, _nice_ceil(run.steps))
        ax2.set_ylim(*_log_limits(*arrays, floor=run.tol * 1e-4))
        name = OPTIMIZERS[run.optimizer].split(" (")[0]
        hyper = {"sgd": f", mu = {_fmt(run.momentum)}", "nesterov": f", mu = {_fmt(run.momentum)}",
                 "adam": f", beta1 = {_fmt(run.momentum)}"}.get(run.optimizer, "")
        self.path_line.set_label(f"{name}{hyper}")
        self.loss_line.set_label(f"{name}{hyper}")
        self.tol_line.set_label(f"tolerance {run.tol:g}")
        visible = [self.ref_line, self.path_line, self.start, self.minimum]
        self._legend(self.axes[0], handles=[h for h in visible if h.get_visible()],
                     loc="upper right", fontsize=7.5, framealpha=0.85)
        self._legend(ax2, handles=[h for h in (self.ref_loss, self.loss_line, self.tol_line)
                                   if h.get_visible()],
                     loc="lower right" if run.diverged else "upper right", fontsize=7.5)
        ax2.set_title(f"Loss per step: {name}, eta = {run.lr:.3g}{hyper}", fontsize=9,
                      color="tab:red" if run.diverged else "black")


class _PlotRegression(_Canvas):
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
        (self.fit_line,) = ax.plot([], [], "-", color=_C_RUN, lw=2, label="model y_hat = wx + b")
        ax.set_xlim(*self.xs)
        ylo, yhi = run.y.min(), run.y.max()
        ypad = 0.25 * (yhi - ylo)
        ax.set_ylim(ylo - ypad, yhi + ypad)
        ax.set_xlabel("x")
        ax.set_ylabel("y")
        ax.set_title("fitted line", fontsize=9)
        (self.step_line,) = ax2.semilogy([1], [1], "-", color=_C_RUN, lw=0.7, alpha=0.45,
                                         label="mini-batch loss per step")
        (self.epoch_line,) = ax2.semilogy([1], [1], "o-", color=_C_RUN, ms=3.5, lw=1.3,
                                          label="MSE on all data, per epoch")
        self.ls_line = ax2.axhline(run.lstsq_loss, color="tab:green", ls="--", lw=1,
                                   label="least-squares MSE")
        self.cursor = ax2.axvline(0, color="tab:orange", lw=1, label="epoch shown")
        ax2.set_xlabel("epoch")
        ax2.set_ylabel("MSE (log scale)")
        ax2.set_title("learning curve", fontsize=9)
        ax2.grid(True, which="major", alpha=0.3)
        self._dynamic(self.fit_line, self.step_line, self.epoch_line, self.ls_line, self.cursor,
                      ax.title, ax2.title)

    def show(self, run: RegressionRun, epoch=None):
        ax, ax2 = self.axes
        E = len(run.epoch_losses) - 1
        epoch = E if epoch is None else min(max(int(epoch), 0), E)
        w, b = run.params[epoch]
        self.fit_line.set_data(self.xs, np.clip(w * self.xs + b, -1e6, 1e6))
        steps = _clip_loss(run.step_losses)
        self.step_line.set_data((np.arange(len(steps)) + 1) / run.steps_per_epoch, steps)
        epochs = _clip_loss(run.epoch_losses)
        self.epoch_line.set_data(np.arange(len(epochs)), epochs)
        self.cursor.set_xdata([epoch, epoch])
        ax2.set_xlim(-0.2, _nice_ceil(run.epochs) + 0.2)
        floor = 10.0 ** math.floor(math.log10(max(run.lstsq_loss, 1e-12)) - 1)
        ax2.set_ylim(*_log_limits(steps, epochs, floor=floor))
        self._legend(ax, loc="upper left", fontsize=8)
        self._legend(ax2, loc="lower left" if run.diverged else "upper right", fontsize=7.5)
        color = "tab:red" if run.diverged else "black"
        ax.set_title(f"Fitted line after epoch {epoch}: w = {w:.3g}, b = {b:.3g}", fontsize=9,
                     color=color)
        ax2.set_title(f"Learning curve: eta = {run.lr:.3g}, mu = {_fmt(run.momentum)}, "
                      f"B = {min(run.batch_size, len(run.x))}", fontsize=9, color=color)


def _static(plot: _Canvas):
    """The figure with every artist drawn normally, displayable in a notebook without pyplot."""
    fig = plot.static()
    fig._repr_png_ = plot.png      # IPython shows objects with a _repr_png_ method
    return fig


# ---------------------------------------------------------------------------
# Widgets
# ---------------------------------------------------------------------------

def _status_html(text, kind) -> str:
    color = {"ok": "#1a7f37", "warn": "#b26b00", "bad": "#c62828", "info": "#333"}[kind]
    return (f'<div style="font-size:13px;line-height:1.35;color:{color};max-width:840px">'
            f"{html.escape(text)}</div>")


@functools.cache
def _base_explorer():
    import ipywidgets as widgets

    class Explorer(widgets.VBox):
        """Sliders, a status line and a figure; ``update()`` reruns and redraws."""

        def _setup(self, controls, plot):
            self.plot = plot
            self.image = widgets.Image(format="png", layout=widgets.Layout(
                width=f"{int(FIGSIZE[0] * DPI)}px", max_width="100%"))
            self.status = widgets.HTML()
            self.last_update_ms = float("nan")
            self._holding = False
            for control in controls:
                control.observe(self._on_change, names="value")
            return self.image, self.status

        @contextlib.contextmanager
        def hold(self):
            """Change several controls, then update once."""
            self._holding = True
            try:
                yield
            finally:
                self._holding = False
            self.update()

        def _on_change(self, change):
            if not self._holding:
                self.update()

        def update(self):
            start = time.perf_counter()
            self._compute()
            self.image.value = self.plot.png()
            self.last_update_ms = (time.perf_counter() - start) * 1e3

    Explorer.__qualname__ = 'Explorer'     # a readable name in reprs
    return Explorer


def _lr_slider(value, lo_exp, hi_exp, description="learning rate η"):
    import ipywidgets as widgets

    # the range always holds the requested value
    lo_exp = math.floor(min(lo_exp, math.log10(value)) * 10) / 10
    hi_exp = math.ceil(max(hi_exp, math.log10(value)) * 10) / 10
    return widgets.FloatLogSlider(value=value, base=10, min=lo_exp, max=hi_exp, step=0.02,
                                  description=description, readout_format=".3g",
                                  continuous_update=True, style={"description_width": "120px"},
                                  layout=widgets.Layout(width="430px"))


def _momentum_slider(value, description="momentum μ"):
    import ipywidgets as widgets

    return widgets.FloatSlider(value=value, min=0.0, max=0.99, step=0.01,
                               description=description, readout_format=".2f",
                               continuous_update=True, style={"description_width": "120px"},
                               layout=widgets.Layout(width="430px"))


def _int_slider(value, lo, hi, description, step=1, continuous=True):
    import ipywidgets as widgets

    return widgets.IntSlider(value=min(max(value, lo), hi), min=lo, max=hi, step=step,
                             description=description, continuous_update=continuous,
                             style={"description_width": "120px"},
                             layout=widgets.Layout(width="430px"))


def _note(text=""):
    import ipywidgets as widgets

    return widgets.HTML(value=text, layout=widgets.Layout(margin="0 0 0 12px"))


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
    if autograding():
        print(_SKIP_MESSAGE)
        return None
    run = run_1d(lr, momentum, steps, curvature=curvature, w_star=w_star, w0=w0,
                 nesterov=nesterov, tol=tol)          # also checks every argument
    if static:
        plot = _Plot1D(run.curvature, run.w_star, run.w0)
        plot.show(run)
        return _static(plot)
    return _quadratic_class()(run, nesterov)


@functools.cache
def _quadratic_class():
    Explorer = _base_explorer()
    import ipywidgets as widgets

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
            k = run.curvature
            base = math.log10(2.0 / k)
            self.lr_slider = _lr_slider(run.lr, base - 3.0, base + 0.7)
            self.momentum_slider = _momentum_slider(run.momentum)
            self.steps_slider = _int_slider(run.steps, 1, max(100, run.steps), "steps T")
            self.threshold_label = _note()
            image, status = self._setup([self.lr_slider, self.momentum_slider,
                                         self.steps_slider],
                                        _Plot1D(run.curvature, run.w_star, run.w0))
            self.children = [
                widgets.HBox([self.lr_slider, self.threshold_label]),
                self.momentum_slider, self.steps_slider, status, image]
            self.update()

        def _compute(self):
            run = run_1d(self.lr_slider.value, self.momentum_slider.value,
                         self.steps_slider.value, **self.settings)
            self.result = run
            above = run.lr > run.threshold
            self.threshold_label.value = (
                f'<span style="color:{"#c62828" if above else "#555"}">diverges above '
                f"η = {run.threshold_formula.replace('mu', 'μ')} = <b>{_fmt(run.threshold)}</b>"
                "</span>")
            kind = {"converges": "ok", "edge": "warn", "diverges": "bad"}[run.verdict]
            self.status.value = _status_html(run.message, kind)
            self.plot.show(run)

    Quadratic1DExplorer.__qualname__ = 'Quadratic1DExplorer'     # a readable name in reprs
    return Quadratic1DExplorer


def valley_2d(lr=None, momentum=None, steps=None, *, surface="valley", optimizer="sgd",
              optimizer_menu=False, surface_menu=False, curvatures=(1.0, 30.0), w0=None,
              tol=1e-4, compare=True, static=False):
    """Explore an optimiser on an ill-conditioned valley or Rosenbrock (units 03, 08).

    A contour plot with the optimiser's path, and the loss per step. Sliders:
    learning rate eta (logarithmic), momentum mu (beta1 for Adam; unused by
    AdaGrad and RMSProp) and the number of steps; optional menus for the
    optimiser (SGD, Nesterov, AdaGrad, RMSProp, Adam) and the surface. Each
    change reruns ``run_2d`` (the real ``mlpkit.optim`` rules). With
    ``compare=True`` plain gradient descent with the same eta is drawn too
    (dashed grey), and the text reports how many steps each needs to reach
    L < tol: momentum damps the zig-zag across the valley and speeds up
    progress along it.

    Choosing another optimiser or surface in a menu loads suggested values of
    eta, mu and steps for it (``SUGGESTED``); then move the sliders.

    Parameters
    ----------
    lr, momentum, steps : float, float, int, optional
        Starting slider values; None takes the suggestion for the surface and
        optimiser.
    surface : {"valley", "rosenbrock"}
    optimizer : one of ``OPTIMIZERS``
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
    if autograding():
        print(_SKIP_MESSAGE)
        return None
    check_choice("surface", surface, SURFACES)
    check_choice("optimizer", optimizer, tuple(OPTIMIZERS))
    s_lr, s_mu, s_steps = SUGGESTED[(surface, optimizer)]
    lr = s_lr if lr is None else lr
    momentum = s_mu if momentum is None else momentum
    steps = s_steps if steps is None else steps
    config = dict(curvatures=curvatures, w0=w0, tol=tol)
    run = run_2d(lr, momentum, steps, optimizer=optimizer, surface=surface, **config)
    optimizer_menu = _flag("optimizer_menu", optimizer_menu)
    surface_menu = _flag("surface_menu", surface_menu)
    compare = _flag("compare", compare)
    if static:
        plot = _Plot2D()
        plot.set_surface(_surface(surface, curvatures))
        ref = _reference(run, config) if compare else None
        plot.show(run, ref)
        return _static(plot)
    return _valley_class()(run, config, optimizer_menu, surface_menu, compare)


def _reference(run: Run2D, config):
    """Plain gradient descent with the same eta and steps, or None if ``run`` is that."""
    if run.optimizer == "sgd" and run.momentum == 0:
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
    text = f" Plain GD with the same eta needs {_plural(ref.steps_to_tol, 'step')}"
    if run.steps_to_tol:
        text += f" ({ref.steps_to_tol / run.steps_to_tol:.2g}x as many)"
    return text + "."


@functools.cache
def _valley_class():
    Explorer = _base_explorer()
    import ipywidgets as widgets

    class Valley2DExplorer(Explorer):
        """The widget built by ``valley_2d``.

        Attributes: ``lr_slider``, ``momentum_slider``, ``steps_slider``,
        ``optimizer_dropdown`` and ``surface_dropdown`` (present even when
        hidden), ``threshold_label``, ``status``, ``image``, ``result`` (the
        latest ``Run2D``), ``reference`` (plain GD with the same eta, or None),
        ``last_update_ms``.
        """

        _LR_RANGE = {"valley": (-4.0, 0.5), "rosenbrock": (-5.0, 0.0)}

        def __init__(self, run: Run2D, config, optimizer_menu, surface_menu, compare):
            super().__init__()
            self.config, self.compare = config, compare
            self._ref_cache = (None, None)
            lo, hi = self._LR_RANGE[run.surface]
            self.lr_slider = _lr_slider(run.lr, lo, hi)
            self.momentum_slider = _momentum_slider(run.momentum)
            coarse = run.steps % 10 == 0        # steps in tens unless asked otherwise
            self.steps_slider = _int_slider(run.steps, 10 if coarse else 1,
                                            max(1000, run.steps), "steps T",
                                            step=10 if coarse else 1)
            self.optimizer_dropdown = widgets.Dropdown(
                options=[(label, key) for key, label in OPTIMIZERS.items()],
                value=run.optimizer, description="optimiser",
                style={"description_width": "120px"}, layout=widgets.Layout(width="430px"))
            self.surface_dropdown = widgets.Dropdown(
                options=[("quadratic valley", "valley"), ("Rosenbrock", "rosenbrock")],
                value=run.surface, description="loss surface",
                style={"description_width": "120px"}, layout=widgets.Layout(width="430px"))
            self.threshold_label = _note()
            image, status = self._setup([self.lr_slider, self.momentum_slider,
                                         self.steps_slider], _Plot2D())
            self.optimizer_dropdown.observe(self._on_menu, names="value")
            self.surface_dropdown.observe(self._on_menu, names="value")
            menus = ([self.surface_dropdown] if surface_menu else []) + (
                [self.optimizer_dropdown] if optimizer_menu else [])
            self.children = [*menus, widgets.HBox([self.lr_slider, self.threshold_label]),
                             self.momentum_slider, self.steps_slider, status, image]
            self._style_momentum()
            self.update()

        def _style_momentum(self):
            opt = self.optimizer_dropdown.value
            self.momentum_slider.description = "Adam β1" if opt == "adam" else "momentum μ"
            self.momentum_slider.disabled = opt in ("adagrad", "rmsprop")

        def _on_menu(self, change):
            surface, opt = self.surface_dropdown.value, self.optimizer_dropdown.value
            lr, mu, steps = SUGGESTED[(surface, opt)]
            lo, hi = self._LR_RANGE[surface]
            with self.hold():
                self._style_momentum()
                # widen first so the new value is never clamped by the old range
                self.lr_slider.min, self.lr_slider.max = min(lo, self.lr_slider.min), max(
                    hi, self.lr_slider.max)
                self.lr_slider.value = lr
                self.lr_slider.min, self.lr_slider.max = lo, hi
                self.momentum_slider.value = mu
                self.steps_slider.value = steps

        def _compute(self):
            opt = self.optimizer_dropdown.value
            mu = 0.0 if opt in ("adagrad", "rmsprop") else self.momentum_slider.value
            run = run_2d(self.lr_slider.value, mu, self.steps_slider.value, optimizer=opt,
                         surface=self.surface_dropdown.value, **self.config)
            ref = None
            if self.compare:
                key = (run.lr, run.steps, run.surface)
                if run.optimizer == "sgd" and run.momentum == 0:
                    ref = None
                elif self._ref_cache[0] == key:    # plain GD does not depend on mu
                    ref = self._ref_cache[1]
                else:
                    ref = _reference(run, self.config)
                    self._ref_cache = (key, ref)
            self.result, self.reference = run, ref
            if run.threshold is not None:
                where = "" if run.surface == "valley" else " (near the minimum)"
                formula = ("2(1+μ)/(λmax(1+2μ))" if opt == "nesterov" and mu > 0
                           else "2(1+μ)/λmax")
                self.threshold_label.value = (
                    f'<span style="color:{"#c62828" if run.lr > run.threshold else "#555"}">'
                    f"diverges above η = {formula} = <b>{_fmt(run.threshold)}</b>{where}</span>")
            else:
                self.threshold_label.value = ('<span style="color:#555">adaptive step sizes: '
                                              "no single threshold</span>")
            kind = "bad" if run.diverged else ("ok" if run.steps_to_tol is not None else "info")
            self.status.value = _status_html(run.message + _compare_text(run, ref), kind)
            self.plot.set_surface(_surface(run.surface, self.config["curvatures"]))
            self.plot.show(run, ref)

    Valley2DExplorer.__qualname__ = 'Valley2DExplorer'     # a readable name in reprs
    return Valley2DExplorer


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
    if autograding():
        print(_SKIP_MESSAGE)
        return None
    if isinstance(rng, np.random.Generator):
        raise TypeError("rng must be an int seed here (every slider move retrains from the "
                        "same data and start), got a numpy Generator")
    run = run_regression(lr, momentum, batch_size, epochs, n=n, rng=rng)
    if static:
        plot = _PlotRegression(run)
        plot.show(run)
        return _static(plot)
    return _regression_class()(run, n, rng)


@functools.cache
def _regression_class():
    Explorer = _base_explorer()
    import ipywidgets as widgets

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
            self.lr_slider = _lr_slider(run.lr, base - 3.0, base + 0.5)
            self.momentum_slider = _momentum_slider(run.momentum)
            sizes = sorted({*(2 ** i for i in range(int(math.log2(n)) + 1)), n,
                            min(run.batch_size, n)})
            # B = 1 means N steps per epoch: retrain when the slider is released,
            # not at every position it passes while dragged
            self.batch_slider = widgets.SelectionSlider(
                options=sizes, value=min(run.batch_size, n), description="batch size B",
                continuous_update=False, style={"description_width": "120px"},
                layout=widgets.Layout(width="430px"))
            self.epochs_slider = _int_slider(run.epochs, 1, max(100, run.epochs), "epochs",
                                             continuous=False)
            self.epoch_slider = _int_slider(run.epochs, 0, run.epochs, "epoch shown")
            self.play = widgets.Play(value=run.epochs, min=0, max=run.epochs, step=1,
                                     interval=150, description="replay training")
            widgets.jslink((self.play, "value"), (self.epoch_slider, "value"))
            self.threshold_label = _note()
            image, status = self._setup([self.lr_slider, self.momentum_slider,
                                         self.batch_slider, self.epochs_slider],
                                        _PlotRegression(run))
            self.epoch_slider.observe(self._on_epoch, names="value")
            self.children = [widgets.HBox([self.lr_slider, self.threshold_label]),
                             self.momentum_slider, self.batch_slider, self.epochs_slider,
                             widgets.HBox([self.epoch_slider, self.play]), status, image]
            self.update()

        def _on_epoch(self, change):
            if self._holding:
                return
            start = time.perf_counter()
            self.plot.show(self.result, self.epoch_slider.value)
            self.image.value = self.plot.png()
            self.last_update_ms = (time.perf_counter() - start) * 1e3

        def _compute(self):
            run = run_regression(self.lr_slider.value, self.momentum_slider.value,
                                 self.batch_slider.value, self.epochs_slider.value, n=self.n,
                                 rng=self.seed)
            self.result = run
            done = len(run.epoch_losses) - 1
            holding, self._holding = self._holding, True   # no extra redraw from the epoch slider
            try:
                self.play.max = self.epoch_slider.max = run.epochs
                self.play.value = self.epoch_slider.value = done
            finally:
                self._holding = holding
            above = run.lr > run.threshold
            self.threshold_label.value = (
                f'<span style="color:{"#c62828" if above else "#555"}">full batch diverges '
                f"above η = 2(1+μ)/λmax = <b>{_fmt(run.threshold)}</b></span>")
            self.status.value = _status_html(run.message, "bad" if run.diverged else "ok")
            self.plot.show(run, done)

    RegressionExplorer.__qualname__ = 'RegressionExplorer'     # a readable name in reprs
    return RegressionExplorer


# The widget classes are created on first use (ipywidgets is imported lazily, so
# ``run_1d`` and friends work without it); these names give them a documented home.
def __getattr__(name):
    factories = {"Quadratic1DExplorer": _quadratic_class, "Valley2DExplorer": _valley_class,
                 "RegressionExplorer": _regression_class}
    if name in factories:
        cls = factories[name]()
        globals()[name] = cls
        return cls
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
