"""Activations, their derivatives, softmax and the losses, as plain functions.

Every formula of the course is written here once; the layers in
:mod:`mlpkit.nn` and the loss classes in :mod:`mlpkit.losses` call these.

Notation (see the course's notation table): z = Wx + b is a pre-activation,
a = phi(z) an activation, y_hat a prediction, y a target, B the batch size,
C the number of classes. Arrays are batch-first, (B, features).

Activations work elementwise on arrays of any shape and return a new array
of the same shape and dtype (float32 and float64 are kept; integers become
float32). ``phi_grad(z)`` is the derivative phi'(z), elementwise, so that
backpropagation through an activation is ``delta = grad_a * phi_grad(z)``.
:data:`ACTIVATIONS` lists them all; the layers (``nn.ReLU``, ...), the plots
and the tests are made from that table.

Losses return ``(loss, grad)``: ``loss`` is a Python float, the mean over the
batch, and ``grad = dL/d(prediction)`` has the prediction's shape and dtype.

Numerical stability is built in: sigmoid, softplus, softmax, log-softmax,
logsumexp and the losses never overflow, even at |z| = 1000.

Validation: activations check only the type of their input (they are on
the hot path of every layer and NaN simply propagates through them, as in
NumPy); the losses check everything, including that every value is finite,
because a loss sees the small (B, C) output of the network, where the check
is cheap and where any NaN or inf produced upstream ends up.
"""
from __future__ import annotations

import dataclasses
import numbers
from collections.abc import Callable

import numpy as np

from mlpkit._validation import (all_finite, as_float_array, as_labels, check_choice,
                                check_positive, check_probability, check_same_rows, describe)

__all__ = [
    "identity", "identity_grad", "sigmoid", "sigmoid_grad", "tanh", "tanh_grad",
    "relu", "relu_grad", "leaky_relu", "leaky_relu_grad", "elu", "elu_grad",
    "softplus", "softplus_grad", "silu", "silu_grad", "softmax", "log_softmax", "logsumexp",
    "Activation", "ACTIVATIONS", "get_activation",
    "mse_loss", "bce_loss", "bce_with_logits_loss", "cross_entropy_loss",
]


def _as_z(z, name="z") -> np.ndarray:
    # Type and dtype only (no finiteness pass): see the module docstring.
    return as_float_array(z, name, finite=False)


# ====================================================================== activations

def identity(z) -> np.ndarray:
    """phi(z) = z, the linear neuron (linear regression's output): a copy of z, its shape."""
    return _as_z(z).copy()


def identity_grad(z) -> np.ndarray:
    """phi'(z) = 1 everywhere. Shape of z."""
    return np.ones_like(_as_z(z))


def sigmoid(z) -> np.ndarray:
    """Logistic sigmoid phi(z) = 1 / (1 + exp(-z)), values in (0, 1).

    Computed stably as 1 / (1 + e) for z >= 0 and e / (1 + e) for z < 0, with
    e = exp(-|z|) <= 1, so exp never overflows (the naive form overflows in
    exp(-z) for z < -88 in float32). Saturates: for |z| greater than about 5
    the output is nearly 0 or 1 and the derivative nearly 0.

    Parameters
    ----------
    z : array_like, any shape, e.g. (B, M)

    Returns
    -------
    a : np.ndarray, same shape as z
    """
    z = _as_z(z)
    e = np.exp(-np.abs(z))                       # in (0, 1]: cannot overflow
    return np.where(z >= 0, 1.0, e) / (1.0 + e)  # numerator 1 for z >= 0, exp(z) for z < 0


def sigmoid_grad(z) -> np.ndarray:
    """sigma'(z) = sigma(z) (1 - sigma(z)); at most 0.25 (at z = 0), near 0 when saturated.

    Shape of z.
    """
    s = sigmoid(z)
    return s * (1.0 - s)


def tanh(z) -> np.ndarray:
    """tanh(z) = (e^z - e^-z) / (e^z + e^-z), values in (-1, 1), zero-centred.

    tanh(z) = 2 sigmoid(2z) - 1; saturates like the sigmoid. Shape of z.
    """
    return np.tanh(_as_z(z))


def tanh_grad(z) -> np.ndarray:
    """tanh'(z) = 1 - tanh(z)^2; at most 1 (at z = 0), near 0 when saturated. Shape of z."""
    a = tanh(z)
    return 1.0 - a * a


def relu(z) -> np.ndarray:
    """Rectified linear unit phi(z) = max(z, 0). Shape of z.

    Its derivative is 1 for z > 0, so stacked ReLUs do not shrink the
    gradient the way saturated sigmoids do; a unit whose z stays negative
    gets no gradient at all and stops learning (the dying-ReLU problem).
    """
    return np.maximum(_as_z(z), 0)


def relu_grad(z) -> np.ndarray:
    """relu'(z) = 1 if z > 0 else 0 (0 at z = 0, by convention, as in PyTorch). Shape of z."""
    z = _as_z(z)
    return (z > 0).astype(z.dtype)


def _check_leaky_alpha(alpha) -> float:
    return check_probability("alpha", alpha)     # a small slope for z <= 0, in [0, 1)


def leaky_relu(z, alpha=0.01) -> np.ndarray:
    """Leaky ReLU phi(z) = z if z > 0 else alpha z, with 0 <= alpha < 1.

    The small slope alpha keeps a gradient flowing for z < 0, so units cannot
    die. When alpha is learned it is called a parametric ReLU. PyTorch calls
    alpha ``negative_slope``. Shape of z.
    """
    z, alpha = _as_z(z), _check_leaky_alpha(alpha)
    return np.where(z > 0, z, alpha * z)


def leaky_relu_grad(z, alpha=0.01) -> np.ndarray:
    """Derivative of leaky ReLU: 1 if z > 0 else alpha. Shape of z."""
    z, alpha = _as_z(z), _check_leaky_alpha(alpha)
    return np.where(z > 0, 1.0, alpha).astype(z.dtype)


def _check_elu_alpha(alpha) -> float:
    return check_positive("alpha", alpha)        # the negative saturation value is -alpha


def elu(z, alpha=1.0) -> np.ndarray:
    """Exponential linear unit phi(z) = z if z > 0 else alpha (exp(z) - 1), alpha > 0.

    Smooth for alpha = 1, saturates at -alpha for very negative z. exp is
    only evaluated at min(z, 0), so large positive z cannot overflow, and
    expm1 keeps exp(z) - 1 accurate near 0. Shape of z.
    """
    z, alpha = _as_z(z), _check_elu_alpha(alpha)
    return np.where(z > 0, z, alpha * np.expm1(np.minimum(z, 0)))


def elu_grad(z, alpha=1.0) -> np.ndarray:
    """Derivative of ELU: 1 if z > 0 else alpha exp(z). Shape of z."""
    z, alpha = _as_z(z), _check_elu_alpha(alpha)
    return np.where(z > 0, 1.0, alpha * np.exp(np.minimum(z, 0))).astype(z.dtype)


def softplus(z) -> np.ndarray:
    """Softplus phi(z) = log(1 + exp(z)), a smooth ReLU; its derivative is the sigmoid.

    Computed stably as max(z, 0) + log(1 + exp(-|z|)): the exp argument is
    never positive, so softplus(1000) = 1000 instead of inf. Shape of z.
    """
    z = _as_z(z)
    return np.maximum(z, 0) + np.log1p(np.exp(-np.abs(z)))


def softplus_grad(z) -> np.ndarray:
    """softplus'(z) = sigmoid(z). Shape of z."""
    return sigmoid(z)


def silu(z) -> np.ndarray:
    """SiLU (sigmoid linear unit, also called swish) phi(z) = z sigmoid(z).

    A smooth ReLU-like curve that dips slightly below 0 (its minimum is about
    -0.28 at z = -1.28) and is not monotonic; used in many recent networks.
    Stable for any z, since the sigmoid is. Shape of z.
    """
    z = _as_z(z)
    return z * sigmoid(z)


def silu_grad(z) -> np.ndarray:
    """silu'(z) = sigmoid(z) (1 + z (1 - sigmoid(z))), by the product rule. Shape of z."""
    z = _as_z(z)
    s = sigmoid(z)
    return s * (1.0 + z * (1.0 - s))


# ====================================================================== the activation registry

@dataclasses.dataclass(frozen=True)
class Activation:
    """One elementwise activation: its formula and derivative, in one record.

    Attributes
    ----------
    name : str
        The key in :data:`ACTIVATIONS`, e.g. ``"leaky_relu"``.
    phi : callable
        ``phi(z, **hyper) -> a``, elementwise, any shape.
    grad : callable
        ``grad(z, **hyper) -> phi'(z)``, elementwise, shape of z.
    formula : str
        phi(z) in one line, for docs and plots, e.g. ``"z if z > 0 else alpha z"``.
    layer : str
        The name of its layer class in :mod:`mlpkit.nn`, e.g. ``"LeakyReLU"``.
    defaults : dict
        Its hyperparameters and their default values, e.g. ``{"alpha": 0.01}``.
    """

    name: str
    phi: Callable
    grad: Callable
    formula: str
    layer: str
    defaults: dict = dataclasses.field(default_factory=dict)

    def hyperparameters(self, **given) -> dict:
        """The defaults updated with ``given``, checked; e.g. ``{"alpha": 0.2}``.

        An unknown name raises TypeError; the values are checked by ``phi``
        itself (each check is written once, in the function), here by
        evaluating it once at z = 0.
        """
        unknown = sorted(set(given) - set(self.defaults))
        if unknown:
            allowed = (f"the hyperparameters {', '.join(self.defaults)}" if self.defaults
                       else "no hyperparameters")
            raise TypeError(f"{self.name} takes {allowed}; got {', '.join(unknown)}")
        hyper = {**self.defaults, **given}
        self.phi(np.zeros(1), **hyper)
        return hyper


#: name -> :class:`Activation`: the one table of elementwise activations.
#: A new row here gives ``get_activation(name)``, a layer ``nn.<layer>`` and a
#: curve in ``plot.activation``; the tests iterate over this table.
ACTIVATIONS = {a.name: a for a in [
    Activation("identity", identity, identity_grad, "z", "Identity"),
    Activation("sigmoid", sigmoid, sigmoid_grad, "1 / (1 + e^-z)", "Sigmoid"),
    Activation("tanh", tanh, tanh_grad, "(e^z - e^-z) / (e^z + e^-z)", "Tanh"),
    Activation("relu", relu, relu_grad, "max(z, 0)", "ReLU"),
    Activation("leaky_relu", leaky_relu, leaky_relu_grad, "z if z > 0 else alpha z",
               "LeakyReLU", {"alpha": 0.01}),
    Activation("elu", elu, elu_grad, "z if z > 0 else alpha (e^z - 1)", "ELU",
               {"alpha": 1.0}),
    Activation("softplus", softplus, softplus_grad, "log(1 + e^z)", "Softplus"),
    Activation("silu", silu, silu_grad, "z sigmoid(z)", "SiLU"),
]}


def get_activation(name: str):
    """Return ``(phi, phi_grad)`` for an activation name such as ``"relu"``.

    Valid names: the keys of :data:`ACTIVATIONS`. (Softmax is not
    elementwise, so it has no ``phi_grad``; see :func:`softmax`.)
    """
    if not isinstance(name, str):
        raise TypeError(f"name must be the name of an activation (a str), got {describe(name)}")
    activation = ACTIVATIONS[check_choice("name", name, tuple(ACTIVATIONS))]
    return activation.phi, activation.grad


# ====================================================================== softmax family

def _check_axis(axis) -> int:
    if isinstance(axis, bool) or not isinstance(axis, numbers.Integral):
        raise TypeError(f"axis must be an int, got {describe(axis)}")
    return int(axis)


def _shifted_exp(z: np.ndarray, axis: int):
    """The stable core of softmax and log-sum-exp.

    Subtracting the maximum m along ``axis`` changes nothing mathematically
    (exp(z - m) / sum exp(z - m) = exp(z) / sum exp(z)) but makes every
    exponent <= 0, so exp cannot overflow, and the largest term is exp(0) = 1,
    so the sum is >= 1 and its log is finite.

    Returns ``(shifted, s, m)``: shifted = z - m, s = the sum of exp(shifted)
    along axis and m the maximum (both kept as a size-1 axis).
    """
    m = np.max(z, axis=axis, keepdims=True)
    shifted = z - m
    s = np.sum(np.exp(shifted), axis=axis, keepdims=True)
    return shifted, s, m


def softmax(z, axis=-1) -> np.ndarray:
    """softmax(z)_k = exp(z_k) / sum_j exp(z_j) along ``axis``: positive, sums to 1.

    Stable: the maximum is subtracted before exp (see the course's unit 04).

    Parameters
    ----------
    z : array_like, e.g. logits of shape (B, C)
    axis : int
        The class axis (the last one by default).

    Returns
    -------
    y_hat : np.ndarray, same shape as z; each slice along ``axis`` sums to 1.
    """
    shifted, s, _ = _shifted_exp(_as_z(z), _check_axis(axis))
    return np.exp(shifted) / s


def log_softmax(z, axis=-1) -> np.ndarray:
    """log softmax(z) = z - logsumexp(z), computed without forming softmax (no log(0)).

    Same shape as z; entries <= 0.
    """
    shifted, s, _ = _shifted_exp(_as_z(z), _check_axis(axis))
    return shifted - np.log(s)


def logsumexp(z, axis=-1) -> np.ndarray:
    """log(sum_j exp(z_j)) along ``axis``, as m + log(sum_j exp(z_j - m)) with m = max z.

    Parameters
    ----------
    z : array_like, e.g. (B, C)
    axis : int

    Returns
    -------
    np.ndarray
        z's shape without ``axis``, e.g. (B,).
    """
    axis = _check_axis(axis)
    _, s, m = _shifted_exp(_as_z(z), axis)
    return np.squeeze(m + np.log(s), axis=axis)


# ====================================================================== losses

def _as_prediction(value, name, ndim=None) -> np.ndarray:
    """A network output for a loss: numeric, the right ndim, and finite.

    The finiteness check lives here rather than in every layer: the output is
    small, and NaN or inf from anywhere upstream reaches it.
    """
    arr = as_float_array(value, name, ndim=ndim, finite=False)
    if not all_finite(arr):
        try:
            as_float_array(arr, name)  # raises the standard message
        except ValueError as exc:
            raise ValueError(
                f"{exc}. If {name} comes from a model, the forward pass overflowed "
                "(usually a too-large learning rate) or the input data holds NaN") from None
    return arr


def _as_target_like(y, pred, name, pred_name) -> np.ndarray:
    """A float target with exactly the prediction's shape (no broadcasting), in its dtype."""
    y = as_float_array(y, name, dtype=pred.dtype)
    if y.shape != pred.shape:
        hint = ""
        if y.size == pred.size:
            hint = f"; reshape it first, e.g. {name}.reshape{pred.shape}"
        raise ValueError(f"{name} must have the same shape as {pred_name} {pred.shape} "
                         f"(no broadcasting), got {y.shape}{hint}")
    return y


def _check_unit_interval(arr, name, what, hint=""):
    if arr.size and (arr.min() < 0 or arr.max() > 1):
        raise ValueError(f"{name} must hold {what} in [0, 1], got values from "
                         f"{float(arr.min()):.4g} to {float(arr.max()):.4g}{hint}")


def mse_loss(y_hat, y):
    """Mean squared error L = mean((y_hat - y)^2) over all entries, and dL/dy_hat.

    Like PyTorch's ``MSELoss``: for one example with one output,
    L = (y_hat - y)^2; the gradient is 2 (y_hat - y) / n with n = y_hat.size.

    Parameters
    ----------
    y_hat : array_like, shape (B,) or (B, M)
        Predictions.
    y : array_like, exactly the shape of ``y_hat`` (a (B,) target for a
        (B, 1) prediction is an error, not a silent broadcast to (B, B)).

    Returns
    -------
    (loss, grad) : a float, and dL/dy_hat, shape of y_hat
    """
    y_hat = _as_prediction(y_hat, "y_hat", ndim=(1, 2))
    y = _as_target_like(y, y_hat, "y", "y_hat")
    diff = y_hat - y
    return float(np.mean(diff * diff)), 2.0 * diff / diff.size


# log(p) is clamped at -100 (as PyTorch's BCELoss does): a probability of
# exactly 0 or 1 is a legitimate output in float32 (sigmoid(-104) == 0), and
# clamping keeps the loss finite, avoids 0 * log(0) = nan, and is documented
# rather than hidden.
_BCE_LOG_CLAMP = -100.0
# The derivative (p - y) / (p (1 - p)) divides by at most this much less.
_BCE_GRAD_EPS = 1e-12


def bce_loss(p, y):
    """Binary cross-entropy from probabilities, and dL/dp.

    L = -mean(y log p + (1 - y) log(1 - p)) over all entries: the negative
    log-likelihood of Bernoulli targets y in [0, 1] under predicted
    probabilities p = P(y = 1).

    Stability: each log is clamped at -100, so p = 0 or p = 1 gives a large
    finite loss rather than inf or nan; the gradient
    dL/dp = (p - y) / (p (1 - p)) / n divides by max(p (1 - p), 1e-12).
    Prefer :func:`bce_with_logits_loss` on the logit z: it is exact where this
    one has to clamp, and its gradient is simply (sigmoid(z) - y) / n.

    Parameters
    ----------
    p : array_like, shape (B,) or (B, 1), probabilities in [0, 1]
    y : array_like, same shape as p, targets in [0, 1] (usually 0 or 1)

    Returns
    -------
    (loss, grad) : a float, and dL/dp, shape of p
    """
    p = _as_prediction(p, "p", ndim=(1, 2))
    _check_unit_interval(p, "p", "probabilities",
                         "; to pass logits use bce_with_logits_loss(z, y)")
    y = _as_target_like(y, p, "y", "p")
    _check_unit_interval(y, "y", "targets", " (use 0/1 labels, not -1/+1)")
    with np.errstate(divide="ignore"):     # log(0) = -inf is clamped right away
        log_p = np.maximum(np.log(p), _BCE_LOG_CLAMP)
        log_1mp = np.maximum(np.log1p(-p), _BCE_LOG_CLAMP)     # log(1 - p), accurate for small p
    loss = -float(np.mean(y * log_p + (1.0 - y) * log_1mp))
    grad = (p - y) / np.maximum(p * (1.0 - p), _BCE_GRAD_EPS) / p.size
    return loss, grad


def bce_with_logits_loss(z, y):
    """Binary cross-entropy from logits z (p = sigmoid(z)), and dL/dz.

    L = mean(softplus(z) - y z), which equals
    -mean(y log sigmoid(z) + (1 - y) log(1 - sigmoid(z))). Each term is
    computed as

        max(z, 0) - y z + log(1 + exp(-|z|))

    (softplus written out): exp never overflows, and the two large terms
    cancel first, so a confident right answer keeps its small loss (z = 31,
    y = 1 gives exp(-31) ~ 3.4e-14, where softplus(z) - y z would round
    31 + 3.4e-14 to 31 and return 0). The gradient is the simple
    dL/dz = (sigmoid(z) - y) / n with n = z.size, the same form as softmax
    with cross-entropy: prediction minus target.

    Parameters
    ----------
    z : array_like, shape (B,) or (B, 1), logits (any real numbers)
    y : array_like, same shape as z, targets in [0, 1]

    Returns
    -------
    (loss, grad) : a float, and dL/dz, shape of z
    """
    z = _as_prediction(z, "z", ndim=(1, 2))
    y = _as_target_like(y, z, "y", "z")
    _check_unit_interval(y, "y", "targets", " (use 0/1 labels, not -1/+1)")
    per_entry = (np.maximum(z, 0) - y * z) + np.log1p(np.exp(-np.abs(z)))
    return float(np.mean(per_entry)), (sigmoid(z) - y) / z.size


def _as_class_targets(y, z: np.ndarray) -> np.ndarray:
    """Checked targets for logits z (B, C) as rows of shape (B, C) in z's dtype.

    Integer labels (B,) become one-hot rows; one-hot rows or class
    probabilities (B, C) must be non-negative and sum to 1.
    """
    B, C = z.shape
    try:
        y_arr = np.asarray(y)
    except ValueError:  # ragged nested lists
        raise TypeError(f"y must be integer labels of shape (B,) or one-hot rows of shape "
                        f"(B, C), got {describe(y)} with rows of different lengths") from None
    if y_arr.ndim != 2:
        labels = as_labels(y_arr, "y", num_classes=C)
        check_same_rows(z, labels, "z", "y")
        return np.eye(C, dtype=z.dtype)[labels]
    if y_arr.shape != z.shape:
        raise ValueError(f"y must be integer labels of shape (B,) = ({B},) or one-hot rows of "
                         f"shape (B, C) = {z.shape}, got shape {y_arr.shape}")
    y_arr = as_float_array(y_arr, "y", dtype=z.dtype)
    row_sums = y_arr.sum(axis=1, dtype=np.float64)
    if y_arr.min() < 0 or not np.allclose(row_sums, 1.0, atol=1e-4):
        raise ValueError("y must hold one-hot rows (or class probabilities), non-negative "
                         "and each row summing to 1, got entries from "
                         f"{float(y_arr.min()):.4g} to {float(y_arr.max()):.4g} and row sums "
                         f"from {row_sums.min():.4g} to {row_sums.max():.4g}")
    return y_arr


def cross_entropy_loss(z, y):
    """Categorical cross-entropy of softmax(z), fused with the softmax, and dL/dz.

    L = -(1/B) sum_i sum_k y_ik log softmax(z_i)_k; with integer labels this is
    the mean of -log softmax(z_i)[y_i]. Fusing softmax and cross-entropy gives
    the clean gradient dL/dz = (softmax(z) - y_onehot) / B and avoids log(0):
    log softmax is computed as (z - max) - log(sum exp(z - max)), finite even
    for logits of +-1000.

    Parameters
    ----------
    z : array_like, shape (B, C)
        Logits (the last Linear layer's output, before any softmax).
    y : array_like
        Integer class labels of shape (B,) with values in 0..C-1, or one-hot
        rows (or class probabilities) of shape (B, C), each row summing to 1.

    Returns
    -------
    (loss, grad) : a float, and dL/dz, shape (B, C)
    """
    z = _as_prediction(z, "z", ndim=2)
    y_onehot = _as_class_targets(y, z)
    B = z.shape[0]
    log_y_hat = log_softmax(z, axis=1)
    loss = -float(np.sum(y_onehot * log_y_hat)) / B
    y_hat = np.exp(log_y_hat)                      # softmax(z)
    return loss, (y_hat - y_onehot) / B
