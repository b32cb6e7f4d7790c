"""Training loop, evaluation and prediction: ``fit``, ``evaluate``, ``predict``.

``fit`` runs the training algorithm of unit 05, written once so that every
lecture, exercise and benchmark uses the same loop::

    for each epoch:
        shuffle the examples (a fresh permutation from ``rng``)
        for each mini-batch (x_b, y_b) of B examples:
            optimizer.zero_grad()                   # forget last step's gradients
            y_hat = model.forward(x_b)              # forward pass, shape (B, M)
            loss = loss_fn.forward(y_hat, y_b)      # L, a mean over the batch
            model.backward(loss_fn.backward())      # dL/dw into every .grad
            optimizer.step()                        # w <- w - eta dL/dw (or Adam, ...)

and returns a :class:`History` of per-epoch numbers for the learning curves::

    from mlpkit import nn, losses, optim, train
    model = nn.Sequential(nn.Linear(784, 256, init="he_normal", rng=0), nn.ReLU(),
                          nn.Linear(256, 10, init="he_normal", rng=1))
    opt = optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    history = train.fit(model, losses.CrossEntropyLoss(), opt, x_train, y_train,
                        epochs=2, batch_size=128, x_val=x_val, y_val=y_val, rng=0)
    history["val_accuracy"]          # one number per epoch
    train.evaluate(model, losses.CrossEntropyLoss(), x_test, y_test)
    # {'loss': 0.08..., 'accuracy': 0.97...}

Modes. ``fit`` puts the model in training mode (``model.train()``: dropout
active, batch norm uses batch statistics) for the training steps and in
evaluation mode for validation, and **leaves the model in evaluation mode**
when it returns, ready for testing; call ``model.train()`` before writing a
training loop of your own. ``evaluate`` and ``predict`` always run in
evaluation mode and give the model back in the mode it had.

Accuracy. A target array is read as class labels when it is

* integer labels of shape (B,) -> compared with ``argmax`` of the (B, C) scores;
* one-hot rows of shape (B, C), C >= 2 (every entry 0 or 1, one 1 per row)
  -> its ``argmax`` is the label;
* 0/1 targets of shape (B, 1) for a one-output binary classifier -> the output
  is thresholded: ``y_hat >= 0.5`` for probabilities (sigmoid output with
  ``BCELoss`` or ``MSELoss``), ``z >= 0`` for logits (``BCEWithLogitsLoss``).

With ``metric="auto"`` (the default) accuracy is reported exactly when the
targets are class labels in this sense, so regression (continuous targets)
reports the loss only; ``metric="accuracy"`` insists and raises a clear error
for continuous targets; ``metric=None`` never computes it.
"""
from __future__ import annotations

import functools
import inspect
import math
import time
import warnings

import numpy as np

from ._validation import (as_float_array, as_labels, check_choice, check_int, check_rng,
                          check_same_rows, describe)

__all__ = ["History", "fit", "evaluate", "predict", "predict_classes", "accuracy"]

_METRICS = ("auto", "accuracy", None)
_POSTFIX_INTERVAL = 0.1  # seconds between progress-bar refreshes


# ---------------------------------------------------------------------------
# History
# ---------------------------------------------------------------------------

class History:
    """What happened during :func:`fit`: one number per completed epoch.

    Attributes
    ----------
    loss : list of float
        Mean training loss of each epoch, averaged over all N examples
        (a running mean of the mini-batch losses, weighted by batch size;
        measured in training mode while the weights change).
    accuracy : list of float
        Training accuracy of each epoch, counted over the same mini-batches
        (empty when no accuracy is computed, e.g. regression).
    val_loss, val_accuracy : list of float
        Loss and accuracy on the validation data at the end of each epoch, in
        evaluation mode (empty without validation data).
    batch_loss : list of float
        The loss of every mini-batch, in order (the noisy curve of mini-batch
        SGD; also shows where training diverged).
    time : list of float
        Wall-clock seconds of each epoch (training plus validation).
    epochs : int
        Number of completed epochs (the length of ``loss``).
    stop_reason : {None, "early_stopping", "diverged", "interrupted"}
        Why training ended before the requested number of epochs; None when it
        ran them all.
    stopped_early : bool
        True when training ended before the requested number of epochs, for
        any of the reasons in ``stop_reason``.
    best_epoch : int or None
        The 1-based number of the epoch with the lowest ``val_loss`` (lowest
        training ``loss`` without validation data); with early stopping the
        model holds this epoch's weights. ``history["val_loss"][history.best_epoch - 1]``
        is its validation loss. None when no epoch completed.

    Dict-style access gives the metric lists: ``history["loss"]``,
    ``"val_accuracy" in history``, ``history.keys()``.
    """

    _METRIC_NAMES = ("loss", "accuracy", "val_loss", "val_accuracy")

    def __init__(self, *, has_accuracy: bool = True, has_validation: bool = False):
        self.loss: list[float] = []
        self.accuracy: list[float] = []
        self.val_loss: list[float] = []
        self.val_accuracy: list[float] = []
        self.batch_loss: list[float] = []
        self.time: list[float] = []
        self.stop_reason: str | None = None
        self.best_epoch: int | None = None
        self._has_accuracy = bool(has_accuracy)
        self._has_validation = bool(has_validation)

    @property
    def epochs(self) -> int:
        """Number of completed epochs."""
        return len(self.loss)

    @property
    def stopped_early(self) -> bool:
        """True when training ended before the requested number of epochs."""
        return self.stop_reason is not None

    # dict-like access -------------------------------------------------------
    def keys(self) -> list[str]:
        """The metric names recorded in this history, e.g. ``['loss', 'val_loss']``."""
        names = ["loss"]
        if self._has_accuracy:
            names.append("accuracy")
        if self._has_validation:
            names.append("val_loss")
            if self._has_accuracy:
                names.append("val_accuracy")
        return names

    def __getitem__(self, key: str) -> list[float]:
        if key not in self.keys():
            why = ""
            if key in ("accuracy", "val_accuracy") and not self._has_accuracy:
                why = (" (no accuracy was computed: the targets are not class labels, "
                       "or metric=None)")
            elif key.startswith("val_") and not self._has_validation:
                why = " (no validation data was given: pass x_val=..., y_val=... to fit)"
            raise KeyError(f"history has no {key!r}{why}; available: {', '.join(self.keys())}")
        return getattr(self, key)

    def __contains__(self, key) -> bool:
        return key in self.keys()

    def __iter__(self):
        return iter(self.keys())

    def items(self):
        """``(name, list)`` pairs, like ``dict.items()``."""
        return [(k, getattr(self, k)) for k in self.keys()]

    def to_dict(self) -> dict:
        """A plain ``dict`` of copies of the metric lists."""
        return {k: list(getattr(self, k)) for k in self.keys()}

    def __repr__(self) -> str:
        parts = [f"epochs={self.epochs}"]
        for k in self.keys():
            values = getattr(self, k)
            if values:
                parts.append(f"{k}={values[-1]:.4g}")
        parts.append(f"best_epoch={self.best_epoch}")
        parts.append(f"stop_reason={self.stop_reason!r}")
        return f"History({', '.join(parts)})"


# ---------------------------------------------------------------------------
# Helpers shared by fit, evaluate, predict and accuracy
# ---------------------------------------------------------------------------

def _iter_modules(model):
    """``model`` and its sub-modules, depth first (``Module.modules()``)."""
    modules = getattr(model, "modules", None)
    return modules() if callable(modules) else iter((model,))


def _check_model(model, name: str = "model"):
    for method in ("forward", "train", "eval"):
        if not callable(getattr(model, method, None)):
            raise TypeError(f"{name} must be an mlpkit.nn.Module (with forward, train and eval), "
                            f"got {describe(model)}")


def _model_dtype(model):
    """The dtype of the model's first parameter (float32 when it has none)."""
    try:
        params = model.parameters()
    except AttributeError:
        params = []
    for p in params:
        return p.data.dtype
    return np.dtype(np.float32)


def _expected_features(model):
    """In-features of the first layer that has parameters, if it is Linear-like; else None."""
    for module in _iter_modules(model):
        weight = getattr(module, "weight", None)
        data = getattr(weight, "data", None)
        if isinstance(data, np.ndarray):
            if data.ndim == 2:
                return int(data.shape[1]), module
            return None, None
    return None, None


def _as_finite_float(x, name: str, ndim) -> np.ndarray:
    """``as_float_array`` with its finiteness check done without a full-size temporary.

    A float64 sum of float32/float64 entries is finite exactly when every entry
    is (it cannot overflow for float32 data; for float64 an overflow only sends
    us to the full check), and ``np.sum`` needs no array as large as ``x``
    (``np.isfinite(x)`` would allocate one: 47 MB for MNIST).
    """
    arr = as_float_array(x, name, ndim=ndim, finite=False)
    with np.errstate(over="ignore", invalid="ignore"):
        total = float(np.sum(arr, dtype=np.float64))
    if not math.isfinite(total):
        as_float_array(arr, name, ndim=ndim)     # raises the standard message if not finite
    return arr


def _as_inputs(model, x, name: str = "x") -> np.ndarray:
    """Check ``x`` (B, D) against the model and convert it once to the model's dtype."""
    x = _as_finite_float(x, name, ndim=2)
    expected, layer = _expected_features(model)
    if expected is not None and x.shape[1] != expected:
        raise ValueError(
            f"{name} must have {expected} features to match the model's first layer "
            f"{type(layer).__name__} (in_features={expected}), got {x.shape[1]} (shape {x.shape}); "
            "reshape the data (e.g. x.reshape(len(x), -1)) or change in_features")
    dtype = _model_dtype(model)
    if x.dtype != dtype:
        x = x.astype(dtype)
    return x


def _as_targets(y, name: str, dtype) -> np.ndarray:
    """Integer labels (B,) stay int64; everything else becomes a float array of ``dtype``."""
    arr = np.asarray(y) if not isinstance(y, np.ndarray) else y
    if arr.ndim == 1 and (np.issubdtype(arr.dtype, np.integer) or arr.dtype == np.bool_):
        return as_labels(arr, name)
    arr = _as_finite_float(arr, name, ndim=(1, 2))
    if arr.dtype != dtype:
        arr = arr.astype(dtype)
    return arr


def _target_labels(y: np.ndarray):
    """Class labels (B,) int64 read from targets ``y``, or None if they are not class labels.

    Integer labels (B,) are returned as they are; one-hot rows (B, C), C >= 2,
    give their argmax; 0/1 targets (B, 1) give their only column. Anything else
    (continuous values) is regression: None.
    """
    if y.ndim == 1:
        if np.issubdtype(y.dtype, np.integer):
            return y
        return None
    if y.ndim != 2 or y.shape[0] == 0:
        return None
    binary = np.all((y == 0) | (y == 1))
    if not binary:
        return None
    if y.shape[1] == 1:
        return y[:, 0].astype(np.int64)
    if np.all(np.count_nonzero(y, axis=1) == 1):
        return np.argmax(y, axis=1)
    return None


def _threshold_for(loss_fn) -> float:
    """0 for logits (a loss named *WithLogits*), else 0.5 for probabilities."""
    return 0.0 if "WithLogits" in type(loss_fn).__name__ else 0.5


def _predicted_labels(scores: np.ndarray, threshold: float) -> np.ndarray:
    """argmax over classes for (B, C) scores, C >= 2; ``scores >= threshold`` for (B, 1) or (B,)."""
    if scores.ndim == 2 and scores.shape[1] > 1:
        return np.argmax(scores, axis=1)
    return (scores.reshape(-1) >= threshold).astype(np.int64)


def _resolve_metric(metric, y: np.ndarray, name: str = "y"):
    """Return the labels to score accuracy against, or None (no accuracy)."""
    check_choice("metric", metric, _METRICS)
    if metric is None:
        return None
    labels = _target_labels(y)
    if labels is None and metric == "accuracy":
        raise ValueError(
            f"metric='accuracy' needs class targets in {name}: integer labels of shape (B,), "
            "one-hot rows of shape (B, C) or 0/1 targets of shape (B, 1); "
            f"got {describe(y)} with other values. For regression pass metric=None")
    return labels


def _batch_size(batch_size, n: int) -> int:
    if batch_size is None:
        return max(n, 1)
    return check_int("batch_size", batch_size, minimum=1)


# ---------------------------------------------------------------------------
# Public helpers
# ---------------------------------------------------------------------------

def accuracy(scores, y, *, threshold: float = 0.5) -> float:
    """Fraction of examples whose predicted class equals the true class.

    Parameters
    ----------
    scores : array_like, shape (B, C) or (B, 1) or (B,)
        Model outputs. With C >= 2 columns (logits or probabilities) the
        predicted class is the argmax; with one column the prediction is class
        1 when ``score >= threshold``.
    y : array_like, shape (B,) or (B, C) or (B, 1)
        True classes: integer labels, one-hot rows, or 0/1 targets.
    threshold : float
        Decision threshold for one-output models: 0.5 for probabilities
        (sigmoid output), 0.0 for logits.

    Returns
    -------
    float
        Accuracy in [0, 1].

    Examples
    --------
    >>> accuracy(np.array([[2.0, 1.0], [0.0, 3.0]]), np.array([0, 0]))
    0.5
    """
    scores = as_float_array(scores, "scores", ndim=(1, 2))
    y_arr = np.asarray(y)
    if y_arr.ndim == 1:
        labels = as_labels(y_arr, "y")
    else:
        labels = _target_labels(as_float_array(y_arr, "y", ndim=2))
        if labels is None:
            raise ValueError("y must hold class labels: integers of shape (B,), one-hot rows "
                             f"of shape (B, C) or 0/1 targets of shape (B, 1), got "
                             f"{describe(y_arr)} with other values")
    check_same_rows(scores, labels, "scores", "y")
    if labels.size == 0:
        raise ValueError("scores must contain at least one example, got 0")
    predicted = _predicted_labels(scores, float(threshold))
    return float(np.count_nonzero(predicted == labels)) / labels.shape[0]


def predict(model, x, *, batch_size: int = 1024) -> np.ndarray:
    """Model outputs for ``x``, computed in evaluation mode in batches.

    Parameters
    ----------
    model : mlpkit.nn.Module
    x : array_like, shape (B, D)
        Inputs; converted once to the model's dtype.
    batch_size : int
        Examples per forward pass (bounds the memory used, not the result).

    Returns
    -------
    np.ndarray, shape (B, M)
        ``model.forward(x)`` with dropout off and batch norm using its running
        statistics. The model is given back in the mode it had.
    """
    _check_model(model)
    x = _as_inputs(model, x)
    batch_size = check_int("batch_size", batch_size, minimum=1)
    was_training = bool(getattr(model, "training", True))
    model.eval()
    try:
        n = x.shape[0]
        if n <= batch_size:
            return model.forward(x)
        first = model.forward(x[:batch_size])
        out = np.empty((n,) + first.shape[1:], dtype=first.dtype)
        out[:batch_size] = first
        for start in range(batch_size, n, batch_size):
            out[start:start + batch_size] = model.forward(x[start:start + batch_size])
        return out
    finally:
        model.train(was_training)


def predict_classes(model, x, *, batch_size: int = 1024, threshold: float = 0.5) -> np.ndarray:
    """Predicted class of each example, shape (B,), int64.

    The argmax of the outputs for a model with C >= 2 outputs; for a model with
    one output, class 1 where ``output >= threshold`` (0.5 for a sigmoid
    output, pass ``threshold=0.0`` for logits). Evaluation mode, batched, as
    :func:`predict`.
    """
    return _predicted_labels(predict(model, x, batch_size=batch_size), float(threshold))


def evaluate(model, loss_fn, x, y, *, batch_size: int = 1024, metric="auto") -> dict:
    """Loss (and accuracy) of ``model`` on a data set, in evaluation mode.

    Parameters
    ----------
    model : mlpkit.nn.Module
    loss_fn : a loss from mlpkit.losses
    x : array_like, shape (B, D)
    y : array_like, shape (B,) integer labels, or (B, M) targets
    batch_size : int
        Examples per forward pass.
    metric : {"auto", "accuracy", None}
        Whether to report accuracy; see the module docstring for how class
        targets are recognised and how one-output models are thresholded.

    Returns
    -------
    dict
        ``{"loss": L}`` with L the mean loss over all B examples, plus
        ``"accuracy"`` for classification. The model is given back in the mode
        it had.
    """
    _check_model(model)
    x = _as_inputs(model, x)
    y = _as_targets(y, "y", x.dtype)
    check_same_rows(x, y, "x", "y")
    batch_size = check_int("batch_size", batch_size, minimum=1)
    labels = _resolve_metric(metric, y)
    return _evaluate(model, loss_fn, x, y, labels, batch_size, _threshold_for(loss_fn))


def _evaluate(model, loss_fn, x, y, labels, batch_size, threshold) -> dict:
    n = x.shape[0]
    if n == 0:
        raise ValueError("x must contain at least one example, got 0")
    was_training = bool(getattr(model, "training", True))
    model.eval()
    total_loss = 0.0
    correct = 0
    try:
        for start in range(0, n, batch_size):
            stop = min(start + batch_size, n)
            pred = model.forward(x[start:stop])
            total_loss += float(loss_fn.forward(pred, y[start:stop])) * (stop - start)
            if labels is not None:
                correct += int(np.count_nonzero(
                    _predicted_labels(pred, threshold) == labels[start:stop]))
    finally:
        model.train(was_training)
    result = {"loss": total_loss / n}
    if labels is not None:
        result["accuracy"] = correct / n
    return result


# ---------------------------------------------------------------------------
# fit
# ---------------------------------------------------------------------------

# Non-learnable state that belongs to "the weights" of a model (BatchNorm1d).
_BUFFERS = ("running_mean", "running_var", "num_batches_tracked")


def _snapshot(model) -> list:
    """Copies of every parameter and running statistic (for restoring the best weights)."""
    saved = [(p, "data", p.data.copy()) for p in model.parameters()]
    for module in _iter_modules(model):
        for attr in _BUFFERS:
            value = getattr(module, attr, None)
            if isinstance(value, np.ndarray):
                saved.append((module, attr, value.copy()))
            elif isinstance(value, (int, float)):
                saved.append((module, attr, value))
    return saved


def _restore(saved) -> None:
    """Write a snapshot back in place (optimizers keep their references to the arrays)."""
    for owner, attr, value in saved:
        target = getattr(owner, attr)
        if isinstance(target, np.ndarray) and target.shape == value.shape:
            target[...] = value
        else:
            setattr(owner, attr, value.copy() if isinstance(value, np.ndarray) else value)


def _accepts_keyword(func, name: str) -> bool:
    try:
        return name in inspect.signature(func).parameters
    except (TypeError, ValueError):  # builtins without a signature
        return False


def _has_nonfinite_grad(model) -> bool:
    return any(p.grad is not None and not np.all(np.isfinite(p.grad))
               for p in model.parameters())


def _warn_diverged(optimizer, epoch: int, batch: int, what: str) -> None:
    lr = getattr(optimizer, "lr", None)
    if isinstance(lr, (int, float, np.floating)) and not isinstance(lr, bool):
        advice = f"the learning rate is lr={lr:g}: try a smaller learning rate, e.g. lr={lr / 10:g}"
    else:
        advice = "try a smaller learning rate"
    warnings.warn(
        f"Training diverged at epoch {epoch}, batch {batch}: {what}. "
        f"Training stopped; {advice}. The history so far is kept "
        "(history.stop_reason == 'diverged').", RuntimeWarning, stacklevel=3)


def fit(model, loss_fn, optimizer, x, y, *, epochs: int = 1, batch_size: int | None = 32,
        x_val=None, y_val=None, rng=None, progress: bool = True, early_stopping=None,
        metric="auto") -> History:
    """Train ``model`` with mini-batch gradient descent and return the :class:`History`.

    Each epoch draws a fresh random order of the N examples from ``rng`` and
    walks through it in mini-batches of ``batch_size`` (the last one may be
    smaller): ``optimizer.zero_grad()``, forward, loss, backward,
    ``optimizer.step()``.

    Parameters
    ----------
    model : mlpkit.nn.Module
        Trained in place.
    loss_fn : a loss from mlpkit.losses
        ``forward(y_hat, y) -> float`` (mean over the batch) and ``backward()``.
    optimizer : an optimizer from mlpkit.optim
        Built on ``model.parameters()``; ``step()`` and ``zero_grad()``.
    x : array_like, shape (N, D)
        Training inputs; converted once to the model's dtype.
    y : array_like, shape (N,) integer labels, or (N, M) targets
        Training targets, in the form ``loss_fn`` expects.
    epochs : int
        Number of passes over the training data.
    batch_size : int or None
        B, the number of examples per gradient step; None uses all N examples
        (full-batch gradient descent).
    x_val, y_val : array_like, optional
        Validation data, evaluated (in evaluation mode) after every epoch.
    rng : None, int or numpy.random.Generator
        Source of the shuffling; an int seed makes training reproducible
        (given the same initial weights).
    progress : bool
        Show a progress bar (tqdm: a widget in Jupyter, text in a terminal)
        with the running loss and accuracy. False prints nothing at all.
    early_stopping : int, optional
        Patience: stop when ``val_loss`` has not improved for this many epochs
        in a row (needs validation data). The model then ends with the weights
        (and batch-norm statistics) of the best epoch, ``history.best_epoch``;
        this also holds when training ends for another reason.
    metric : {"auto", "accuracy", None}
        Accuracy reporting: "auto" computes it when ``y`` holds class labels
        (see the module docstring), "accuracy" requires it, None skips it
        (regression).

    Returns
    -------
    History
        Per-epoch ``loss``, ``accuracy``, ``val_loss``, ``val_accuracy``,
        plus ``stop_reason`` and ``best_epoch``. (``fit`` trains ``model`` in
        place and does not return it.)

    Notes
    -----
    * The model is left in **evaluation mode** (``model.eval()``) when ``fit``
      returns; call ``model.train()`` before training it with your own loop.
    * If the loss, the model's output or the gradients become nan or inf,
      training stops at once (before the optimizer step) with a
      ``RuntimeWarning`` that names the epoch and batch and suggests a smaller
      learning rate; ``history.stop_reason == "diverged"``. Nothing is
      raised, so the history up to that point is kept (``history.batch_loss``
      ends with the diverged batch). NumPy's own overflow warnings are silenced while
      training, since this one warning says what happened and what to do.
    * Ctrl-C (``KeyboardInterrupt``) stops training cleanly with a one-line
      note: the model keeps the weights it had reached (the best epoch's with
      ``early_stopping``), the history holds the completed epochs, and
      ``history.stop_reason == "interrupted"``.
    * The per-epoch training loss and accuracy are running means over the
      epoch's mini-batches, measured while the weights change (and with
      dropout active); ``val_*`` are measured after the epoch.
    * Calling ``fit`` again continues from the current weights and optimizer
      state, e.g. for a second phase after lowering ``optimizer.lr``.
    """
    # ---- checks (clear messages before any work) ----
    _check_model(model)
    for method in ("forward", "backward"):
        if not callable(getattr(loss_fn, method, None)):
            raise TypeError("loss_fn must be a loss from mlpkit.losses (with forward and "
                            f"backward), got {describe(loss_fn)}")
    for method in ("step", "zero_grad"):
        if not callable(getattr(optimizer, method, None)):
            raise TypeError("optimizer must be an optimizer from mlpkit.optim (with step and "
                            f"zero_grad), got {describe(optimizer)}")
    if not callable(getattr(model, "backward", None)):
        raise TypeError(f"model must have a backward method, got {describe(model)}")
    epochs = check_int("epochs", epochs, minimum=1)
    x = _as_inputs(model, x)
    y = _as_targets(y, "y", x.dtype)
    check_same_rows(x, y, "x", "y")
    n = x.shape[0]
    if n == 0:
        raise ValueError("x must contain at least one example, got 0")
    batch_size = _batch_size(batch_size, n)
    if (x_val is None) != (y_val is None):
        missing = "y_val" if y_val is None else "x_val"
        raise ValueError(f"{missing} must be given too: validation needs both x_val and y_val")
    has_val = x_val is not None
    if has_val:
        x_val = _as_inputs(model, x_val, "x_val")
        y_val = _as_targets(y_val, "y_val", x.dtype)
        check_same_rows(x_val, y_val, "x_val", "y_val")
        if x_val.shape[0] == 0:
            raise ValueError("x_val must contain at least one example, got 0")
    if early_stopping is not None:
        if isinstance(early_stopping, bool) or not isinstance(early_stopping, (int, np.integer)):
            raise TypeError("early_stopping must be an integer patience (the number of epochs "
                            "without improvement of val_loss to wait), e.g. early_stopping=5, "
                            f"got {describe(early_stopping)}")
        patience = check_int("early_stopping", early_stopping, minimum=1)
        if not has_val:
            raise ValueError("early_stopping needs validation data: pass x_val and y_val "
                             "(e.g. from mlpkit.data.train_val_split), or early_stopping=None")
    labels = _resolve_metric(metric, y, "y")
    val_labels = _resolve_metric(metric, y_val, "y_val") if has_val else None
    if labels is None or (has_val and val_labels is None):
        labels = val_labels = None
    rng = check_rng(rng)
    threshold = _threshold_for(loss_fn)
    history = History(has_accuracy=labels is not None, has_validation=has_val)

    # ---- the loop ----
    forward, backward = model.forward, model.backward
    if _accepts_keyword(backward, "input_grad"):
        # The data needs no gradient: the first layer can skip dL/dx (its largest matmul).
        backward = functools.partial(backward, input_grad=False)
    loss_forward, loss_backward = loss_fn.forward, loss_fn.backward
    zero_grad, step = optimizer.zero_grad, optimizer.step
    batch_losses = history.batch_loss
    isfinite, clock = math.isfinite, time.perf_counter
    n_batches = -(-n // batch_size)
    full_batch = batch_size >= n
    bar = None
    if progress:
        from tqdm.auto import tqdm
        bar = tqdm(total=epochs * n_batches, unit="batch", desc=f"epoch 1/{epochs}",
                   leave=True, mininterval=_POSTFIX_INTERVAL)

    best_loss, best_state, wait = math.inf, None, 0
    epoch, batch = 0, 0
    # Overflow and nan are detected and reported below (one clear warning), so
    # NumPy's own floating-point warnings would only repeat it, less clearly.
    try:
        with np.errstate(over="ignore", invalid="ignore"):
            for epoch in range(1, epochs + 1):
                t0 = clock()
                model.train()
                if bar is not None:
                    bar.set_description_str(f"epoch {epoch}/{epochs}", refresh=False)
                perm = None if full_batch else rng.permutation(n)
                total_loss, correct, seen, pending, last_shown = 0.0, 0, 0, 0, t0
                for batch, start in enumerate(range(0, n, batch_size), start=1):
                    if perm is None:
                        xb, yb, idx = x, y, None
                    else:
                        idx = perm[start:start + batch_size]
                        # The rows idx, copied into one contiguous batch: np.take(x, idx,
                        # axis=0) is x[idx], by a faster route than general fancy indexing.
                        xb, yb = np.take(x, idx, axis=0), np.take(y, idx, axis=0)
                    zero_grad()
                    pred = forward(xb)
                    try:
                        loss = float(loss_forward(pred, yb))
                    except ValueError:
                        # mlpkit's losses refuse a nan/inf prediction with a ValueError
                        if np.all(np.isfinite(pred)):
                            raise
                        loss = math.nan
                    batch_losses.append(loss)
                    if not isfinite(loss):
                        _warn_diverged(optimizer, epoch, batch,
                                       f"the loss is {loss}" if np.all(np.isfinite(pred))
                                       else "the model's output contains nan or inf")
                        history.stop_reason = "diverged"
                        break
                    backward(loss_backward())
                    try:
                        step()
                    except ValueError:
                        # The optimizer refuses NaN/inf gradients (and changes nothing):
                        # that is divergence too, with a loss that was still finite.
                        if not _has_nonfinite_grad(model):
                            raise
                        _warn_diverged(optimizer, epoch, batch,
                                       "the gradients contain nan or inf")
                        history.stop_reason = "diverged"
                        break
                    nb = xb.shape[0]
                    seen += nb
                    total_loss += loss * nb
                    if labels is not None:
                        if idx is None:
                            lb = labels
                        else:   # integer targets are their own labels: yb is labels[idx]
                            lb = yb if labels is y else labels[idx]
                        correct += int(np.count_nonzero(_predicted_labels(pred, threshold) == lb))
                    if bar is not None:
                        pending += 1
                        now = clock()
                        if now - last_shown >= _POSTFIX_INTERVAL:
                            text = f"loss={total_loss / seen:.4f}"
                            if labels is not None:
                                text += f", acc={correct / seen:.3f}"
                            bar.set_postfix_str(text, refresh=False)
                            bar.update(pending)
                            pending, last_shown = 0, now
                if history.stop_reason is not None:
                    break
                # ---- end of an epoch: record ----
                history.loss.append(total_loss / n)
                text = f"loss={total_loss / n:.4f}"
                if labels is not None:
                    history.accuracy.append(correct / n)
                    text += f", acc={correct / n:.3f}"
                if has_val:
                    result = _evaluate(model, loss_fn, x_val, y_val, val_labels, 1024, threshold)
                    history.val_loss.append(result["loss"])
                    text += f", val_loss={result['loss']:.4f}"
                    if val_labels is not None:
                        history.val_accuracy.append(result["accuracy"])
                        text += f", val_acc={result['accuracy']:.3f}"
                history.time.append(clock() - t0)
                if bar is not None:
                    bar.set_postfix_str(text, refresh=False)
                    bar.update(pending)
                if early_stopping is not None:
                    current = history.val_loss[-1]
                    if current < best_loss:
                        best_loss, wait = current, 0
                        best_state = _snapshot(model)
                        history.best_epoch = epoch
                    else:
                        wait += 1
                        if wait >= patience and epoch < epochs:
                            history.stop_reason = "early_stopping"
                            break
    except KeyboardInterrupt:
        history.stop_reason = "interrupted"
    finally:
        if bar is not None:
            bar.close()
        model.eval()

    if best_state is not None:
        _restore(best_state)
    elif history.epochs:
        curve = history.val_loss if has_val else history.loss
        finite = [v if math.isfinite(v) else math.inf for v in curve]
        history.best_epoch = int(np.argmin(finite)) + 1
    if history.stop_reason == "interrupted":
        weights = (f"the weights of the best epoch ({history.best_epoch})" if best_state is not None
                   else "the weights it had reached")
        print(f"Training interrupted at epoch {epoch}, batch {batch}: the model keeps {weights}; "
              f"the history holds {history.epochs} complete epoch(s).")
    return history
