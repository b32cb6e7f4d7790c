r"""When does gradient descent with momentum converge on a quadratic?

The explorers print these numbers next to what the real optimiser does, so a
student can check the theory against the run.

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

import math

from mlpkit._validation import check_positive, check_probability
from mlpkit.widgets._base import check_flag

__all__ = ["divergence_threshold", "convergence_rate"]


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
    nesterov = check_flag("nesterov", nesterov)
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
    if check_flag("nesterov", nesterov):
        a, b = (1.0 + mu) * (1.0 - h), mu * (1.0 - h)
    else:
        a, b = 1.0 + mu - h, mu
    disc = a * a - 4.0 * b
    if disc >= 0:
        root = math.sqrt(disc)
        return max(abs(a + root), abs(a - root)) / 2.0
    return math.sqrt(b)          # complex pair: |r|^2 = product of the roots = b


def verdict(lr, threshold) -> str:
    """'converges', 'edge' (eta = threshold) or 'diverges'."""
    if math.isclose(lr, threshold, rel_tol=1e-9):
        return "edge"
    return "converges" if lr < threshold else "diverges"


def steps_needed(loss0, tol, rate):
    """Steps until loss0 * rate^(2t) <= tol, or None if that never happens."""
    if loss0 <= tol:
        return 0
    if not 0 < rate < 1:
        return None
    return int(math.ceil(math.log(tol / loss0) / (2.0 * math.log(rate))))
