"""Loss classes with PyTorch's names: ``loss = loss_fn(pred, target)``, then ``loss_fn.backward()``.

Each class is a thin wrapper around the function of the same name in
:mod:`mlpkit.functional`, where the formula and its gradient are written
(once). ``forward`` returns the loss, a Python float averaged over the
batch, and keeps dL/d(pred); ``backward()`` returns it, ready for
``model.backward``::

    loss_fn = CrossEntropyLoss()
    loss = loss_fn(model(x), y)        # forward: a float
    model.backward(loss_fn.backward()) # dL/dz for the logits z, shape (B, C)
"""
from __future__ import annotations

import numpy as np

from mlpkit import functional as F

__all__ = ["MSELoss", "BCELoss", "BCEWithLogitsLoss", "CrossEntropyLoss"]


class _Loss:
    """Shared forward/backward plumbing; subclasses name their function in ``_fn``."""

    _fn = None

    def __init__(self):
        self._grad = None

    def forward(self, pred, target) -> float:
        """Compute the loss for a batch and keep its gradient for :meth:`backward`."""
        loss, self._grad = type(self)._fn(pred, target)
        return loss

    def __call__(self, pred, target) -> float:
        return self.forward(pred, target)

    def backward(self) -> np.ndarray:
        """dL/d(pred) of the last ``forward``, same shape as ``pred``."""
        if self._grad is None:
            raise RuntimeError(f"{type(self).__name__}.backward was called before forward: "
                               "compute the loss first, loss_fn(pred, target)")
        return self._grad

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class MSELoss(_Loss):
    """Mean squared error over all entries, L = mean((y_hat - y)^2).

    ``forward(y_hat, y)``: y_hat and y of the same shape, (B,) or (B, M).
    ``backward()``: 2 (y_hat - y) / n, n = y_hat.size. See :func:`mlpkit.functional.mse_loss`.
    """

    _fn = staticmethod(F.mse_loss)


class BCELoss(_Loss):
    """Binary cross-entropy from probabilities p in [0, 1] (e.g. a Sigmoid layer's output).

    ``forward(p, y)``: p and y of the same shape, (B,) or (B, 1).
    ``backward()``: (p - y) / (p (1 - p)) / n. Logs are clamped at -100, see
    :func:`mlpkit.functional.bce_loss`; :class:`BCEWithLogitsLoss` is the stabler choice.
    """

    _fn = staticmethod(F.bce_loss)


class BCEWithLogitsLoss(_Loss):
    """Binary cross-entropy from logits z, with p = sigmoid(z) built in (stable for any z).

    ``forward(z, y)``: z and y of the same shape, (B,) or (B, 1).
    ``backward()``: (sigmoid(z) - y) / n. See :func:`mlpkit.functional.bce_with_logits_loss`.
    """

    _fn = staticmethod(F.bce_with_logits_loss)


class CrossEntropyLoss(_Loss):
    """Softmax and categorical cross-entropy in one step, from logits z of shape (B, C).

    ``forward(z, y)``: y integer labels (B,) or one-hot rows (B, C).
    ``backward()``: (softmax(z) - y_onehot) / B, shape (B, C). Do not put a
    Softmax layer before it. See :func:`mlpkit.functional.cross_entropy_loss`.
    """

    _fn = staticmethod(F.cross_entropy_loss)
