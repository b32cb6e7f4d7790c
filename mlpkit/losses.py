"""Loss classes with PyTorch's names: ``loss = loss_fn(pred, target)``, then ``loss_fn.backward()``.

Each class is a thin wrapper around the function of the same name in
:mod:`mlpkit.functional`, where the formula and its gradient are written
(once). ``forward`` returns the loss, a Python float averaged over the
batch, and keeps dL/d(pred); ``backward()`` returns it, ready for
``model.backward``; ``predict(output)`` turns the model's outputs into the
predicted classes, the way this loss reads them (argmax of the logits for
cross-entropy, ``z >= 0`` for a logit, ``p >= 0.5`` for a probability)::

    loss_fn = CrossEntropyLoss()
    loss = loss_fn(model(x), y)        # forward: a float
    model.backward(loss_fn.backward()) # dL/dz for the logits z, shape (B, C)
    loss_fn.predict(model(x))          # predicted classes, shape (B,)

:data:`LOSSES` maps a short name to each class; the name is the one of the
function in :mod:`mlpkit.functional` without ``_loss`` (``"mse"`` ->
:func:`~mlpkit.functional.mse_loss`). Tests iterate over it.
"""
from __future__ import annotations

import numpy as np

from mlpkit import functional as F
from mlpkit._validation import as_float_array

__all__ = [
    "LOSSES",
    "BCELoss",
    "BCEWithLogitsLoss",
    "CrossEntropyLoss",
    "MSELoss",
    "predicted_labels",
]


def predicted_labels(output, threshold: float = 0.5) -> np.ndarray:
    """Predicted classes, shape (B,) int64, from a classifier's outputs.

    Parameters
    ----------
    output : array_like, shape (B, C), (B, 1) or (B,)
        Scores (logits or probabilities). With C >= 2 columns the predicted
        class is the argmax; with one output it is class 1 where
        ``output >= threshold``, else class 0.
    threshold : float
        The decision threshold of a one-output model: 0.5 for a probability
        (sigmoid output), 0.0 for a logit.

    Examples
    --------
    >>> predicted_labels(np.array([[0.2, 0.7, 0.1], [0.9, 0.0, 0.1]]))
    array([1, 0])
    >>> predicted_labels(np.array([[0.7], [0.2]]))
    array([1, 0])
    """
    output = as_float_array(output, "output", ndim=(1, 2), finite=False)
    if output.ndim == 2 and output.shape[1] > 1:
        return np.argmax(output, axis=1)
    return (output.reshape(-1) >= threshold).astype(np.int64)


class _Loss:
    """Shared forward/backward/predict plumbing.

    A subclass names its function in ``function`` and, for one-output
    classifiers, the threshold between class 0 and class 1 in
    ``decision_threshold``.
    """

    function = None
    decision_threshold = 0.5

    def __init__(self):
        self._grad = None

    def forward(self, pred, target) -> float:
        """Compute the loss for a batch and keep its gradient for :meth:`backward`."""
        loss, self._grad = type(self).function(pred, target)
        return loss

    def __call__(self, pred, target) -> float:
        return self.forward(pred, target)

    def backward(self) -> np.ndarray:
        """dL/d(pred) of the last ``forward``, same shape as ``pred``."""
        if self._grad is None:
            raise RuntimeError(f"{type(self).__name__}.backward was called before forward: "
                               "compute the loss first, loss_fn(pred, target)")
        return self._grad

    def predict(self, output) -> np.ndarray:
        """Predicted classes (B,) int64 from outputs (B, C) or (B, 1): see :func:`predicted_labels`.

        The argmax for C >= 2 outputs; for one output, class 1 where
        ``output >= self.decision_threshold``.
        """
        return predicted_labels(output, self.decision_threshold)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class MSELoss(_Loss):
    """Mean squared error over all entries, L = mean((y_hat - y)^2).

    ``forward(y_hat, y)``: y_hat and y of the same shape, (B,) or (B, M).
    ``backward()``: 2 (y_hat - y) / n, n = y_hat.size. See :func:`mlpkit.functional.mse_loss`.
    ``predict(y_hat)``: for a classifier trained with MSE, the argmax of (B, C)
    outputs, or ``y_hat >= 0.5`` for one output in [0, 1].
    """

    function = staticmethod(F.mse_loss)
    decision_threshold = 0.5


class BCELoss(_Loss):
    """Binary cross-entropy from probabilities p in [0, 1] (e.g. a Sigmoid layer's output).

    ``forward(p, y)``: p and y of the same shape, (B,) or (B, 1).
    ``backward()``: (p - y) / (p (1 - p)) / n. Logs are clamped at -100, see
    :func:`mlpkit.functional.bce_loss`; :class:`BCEWithLogitsLoss` is the stabler choice.
    ``predict(p)``: class 1 where ``p >= 0.5``.
    """

    function = staticmethod(F.bce_loss)
    decision_threshold = 0.5


class BCEWithLogitsLoss(_Loss):
    """Binary cross-entropy from logits z, with p = sigmoid(z) built in (stable for any z).

    ``forward(z, y)``: z and y of the same shape, (B,) or (B, 1).
    ``backward()``: (sigmoid(z) - y) / n. See :func:`mlpkit.functional.bce_with_logits_loss`.
    ``predict(z)``: class 1 where ``z >= 0``, i.e. where sigmoid(z) >= 0.5.
    """

    function = staticmethod(F.bce_with_logits_loss)
    decision_threshold = 0.0


class CrossEntropyLoss(_Loss):
    """Softmax and categorical cross-entropy in one step, from logits z of shape (B, C).

    ``forward(z, y)``: y integer labels (B,) or one-hot rows (B, C).
    ``backward()``: (softmax(z) - y_onehot) / B, shape (B, C). Do not put a
    Softmax layer before it. See :func:`mlpkit.functional.cross_entropy_loss`.
    ``predict(z)``: the class with the largest logit (softmax keeps the order).
    """

    function = staticmethod(F.cross_entropy_loss)
    decision_threshold = None

    def predict(self, z) -> np.ndarray:
        """Predicted classes (B,) int64: argmax over the C logits of each row of z (B, C)."""
        return np.argmax(as_float_array(z, "z", ndim=2, finite=False), axis=1)


#: Every loss class by name; the name is its :mod:`mlpkit.functional` function's, minus ``_loss``.
LOSSES = {
    "mse": MSELoss,
    "bce": BCELoss,
    "bce_with_logits": BCEWithLogitsLoss,
    "cross_entropy": CrossEntropyLoss,
}

