"""The 2-D loss surfaces of ``valley_2d``: an ill-conditioned quadratic valley and Rosenbrock.

Each ``Surface`` carries its loss and gradient and what the explorer needs to
show it: the plot window, contour levels, the start, the largest curvature
lambda_max (which sets the divergence threshold of gradient descent), the
learning-rate slider's range and suggested settings per optimiser.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from mlpkit._validation import check_choice, check_positive, describe
from mlpkit.widgets._base import fmt

__all__ = ["Surface", "SURFACES", "surface", "valley", "rosenbrock"]

#: Surface names accepted by ``surface``, ``run_2d`` and ``valley_2d``.
SURFACES = ("valley", "rosenbrock")


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
        Where L = 0, and the default start.
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

    def suggest(self, optimizer, momentum):
        """(lr, momentum, steps) to start ``optimizer`` with; ``momentum`` is the
        optimiser's default, used when this surface has no suggestion for it."""
        return self.suggested.get(optimizer, (self.suggested["sgd"][0], momentum,
                                              self.suggested["sgd"][2]))


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

    def loss(w1, w2):
        return 0.5 * (a * w1 * w1 + c * w2 * w2)

    def grad(w):
        w1, w2 = w
        return np.array([a * w1, c * w2])

    big, small = max(a, c), min(a, c)
    window = (-5.0, 5.0, -2.2, 2.2)
    top = float(loss(max(abs(window[0]), abs(window[1])), max(abs(window[2]), abs(window[3]))))
    return Surface(
        "valley", f"valley L = 0.5({fmt(a)} w1^2 + {fmt(c)} w2^2), condition number "
        f"{big / small:.3g}", loss, grad, minimum=(0.0, 0.0), w0=(-4.5, 1.5), window=window,
        lambda_max=big, lambda_note=f"lambda_max = {fmt(big)}, the steepest curvature",
        levels=top * 0.5 ** np.arange(16, -1, -1), lr_exponents=(-4.0, 0.5),
        suggested={"sgd": (0.06, 0.0, 150), "nesterov": (0.03, 0.8, 150),
                   "adagrad": (1.0, 0.0, 150), "rmsprop": (0.05, 0.0, 150),
                   "adam": (0.2, 0.9, 150), "adamw": (0.2, 0.9, 150)},
        params=(a, c))


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
        suggested={"sgd": (1e-3, 0.9, 500), "nesterov": (1e-3, 0.9, 500),
                   "adagrad": (1.0, 0.0, 500), "rmsprop": (0.01, 0.0, 500),
                   "adam": (0.1, 0.9, 500), "adamw": (0.1, 0.9, 500)})


def surface(name, curvatures=(1.0, 30.0)) -> Surface:
    """The surface called ``name`` (one of ``SURFACES``); ``curvatures`` shape the valley."""
    check_choice("surface", name, SURFACES)
    return valley(curvatures) if name == "valley" else rosenbrock()
