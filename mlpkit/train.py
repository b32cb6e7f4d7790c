"""Training, evaluation and prediction: ``train_step``, ``fit``, ``evaluate``, ``predict``.

One step of gradient descent is :func:`train_step`, the algorithm of unit 05
in five lines (forward, loss, backward, update)::

    optimizer.zero_grad()                        # forget the last step's gradients
    y_hat = model(x)                             # forward pass, shape (B, M)
    loss = loss_fn(y_hat, y)                     # L, a mean over the batch
    model.backward(loss_fn.backward(), input_grad=False)  # dL/dw into every .grad
    optimizer.step()                             # w <- w - eta dL/dw (or Adam, ...)

(``input_grad=False``: nobody needs dL/dx of the data, so the first layer
skips computing it.)

A training loop of your own is mini-batches around it::

    rng = np.random.default_rng(0)
    model.train()
    for epoch in range(5):
        for x_b, y_b in data.batches(x_train, y_train, batch_size=128, rng=rng):
            loss = train.train_step(model, loss_fn, optimizer, x_b, y_b)

:func:`fit` is that loop with what you want around it (a :class:`History` of
per-epoch numbers for the learning curves, validation, a progress bar, early
stopping, a clear stop when training diverges, a learning-rate schedule from
:mod:`mlpkit.schedules`, data augmentation), and runs as fast::

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

* integer labels of shape (B,);
* one-hot rows of shape (B, C), C >= 2 (every entry 0 or 1, one 1 per row)
  -> its ``argmax`` is the label;
* 0/1 targets of shape (B, 1) for a one-output binary classifier.

The predicted classes come from the loss, ``loss_fn.predict(y_hat)`` (see
:mod:`mlpkit.losses`): the argmax of (B, C) scores; for one output,
``z >= 0`` for a logit (``BCEWithLogitsLoss``) and ``y_hat >= 0.5`` for a
probability (sigmoid output with ``BCELoss`` or ``MSELoss``).

With ``metric="auto"`` (the default) accuracy is reported exactly when the
targets are class labels in this sense, so regression (continuous targets)
reports the loss only; ``metric="accuracy"`` insists and raises a clear error
for continuous targets; ``metric=None`` never computes it.
"""
from __future__ import annotations

import contextlib
import math
import numbers
import time
import warnings

import numpy as np

from mlpkit import data, losses, nn
from mlpkit._validation import (
    all_finite,
    as_float_array,
    as_labels,
    check_choice,
    check_int,
    check_rng,
    check_same_rows,
    describe,
)

__all__ = ["History", "accuracy", "evaluate", "fit", "predict", "predict_classes", "train_step"]

_METRICS = ("auto", "accuracy", None)
_REFRESH = 0.1  # seconds between progress-bar refreshes


# ---------------------------------------------------------------------------
# One step, and fit
# ---------------------------------------------------------------------------

def train_step(model, loss_fn, optimizer, x, y) -> float:
    """One step of gradient descent on the mini-batch ``(x, y)``; returns its loss.

    Parameters
    ----------
    model : mlpkit.nn.Module
        In training mode (``model.train()``); its parameters are updated in place.
    loss_fn : a loss from mlpkit.losses
        ``loss_fn(y_hat, y) -> float`` (mean over the batch) and ``backward()``.
    optimizer : an optimizer from mlpkit.optim
        Built on ``model.parameters()``.
    x : np.ndarray, shape (B, D)
        Inputs, in the model's dtype.
    y : np.ndarray, shape (B,) integer labels, or (B, M) targets
        Targets, in the form ``loss_fn`` expects.

    Returns
    -------
    float
        L, the loss of the batch before the update.

    Notes
    -----
    The backward pass of ``Linear`` and ``Sequential`` models skips dL/dx of
    the first layer (``input_grad=False``): the data needs no gradient, and
    for the MNIST MLP that is 40% of the backward matrix work.
    NaN or inf make the loss (for the output) or the optimizer (for the
    gradients) raise a ``ValueError`` that suggests a smaller learning rate;
    :func:`fit` turns it into a warning and stops.
    """
    optimizer.zero_grad()                        # forget the last step's gradients
    y_hat = model(x)                             # forward pass, shape (B, M)
    loss = loss_fn(y_hat, y)                     # L, a mean over the batch
    grad = loss_fn.backward()                    # dL/dy_hat, shape (B, M)
    if isinstance(model, (nn.Linear, nn.Sequential)):
        model.backward(grad, input_grad=False)   # backward pass: dL/dw into every .grad
    else:
        model.backward(grad)                     # (a Module of your own)
    optimizer.step()                             # w <- w - eta dL/dw (or Adam, ...)
    return loss


def fit(model, loss_fn, optimizer, x, y, *, epochs: int = 1, batch_size: int | None = 32,
        x_val=None, y_val=None, rng=None, progress: bool = True, early_stopping=None,
        metric="auto", schedule=None, augment=None) -> History:
    """Train ``model`` with mini-batch gradient descent and return the :class:`History`.

    Each epoch walks through the N examples in a fresh random order drawn
    from ``rng``, in mini-batches of ``batch_size`` (the last one may be
    smaller; :func:`mlpkit.data.batches`), and takes one :func:`train_step`
    per batch.

    Parameters
    ----------
    model : mlpkit.nn.Module
        Trained in place.
    loss_fn : a loss from mlpkit.losses
        ``loss_fn(y_hat, y) -> float`` (mean over the batch), ``backward()``,
        and ``predict(y_hat)`` for the accuracy.
    optimizer : an optimizer from mlpkit.optim
        Built on ``model.parameters()``; ``step()`` and ``zero_grad()``.
    x : array_like, shape (N, D)
        Training inputs; checked and converted once to the model's dtype.
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
    schedule : callable, optional
        A learning-rate schedule ``schedule(t) -> lr`` (see
        :mod:`mlpkit.schedules`): before every step fit sets
        ``optimizer.lr = schedule(t)`` with t = e + i / n_batches, the
        fractional epoch (epoch e and mini-batch i counted from 0). A step
        whose scheduled lr is 0 (the start of a warm-up) makes no update.
        None keeps ``optimizer.lr`` as it is.
    augment : callable, optional
        ``augment(x_batch, rng=rng) -> array`` of the same shape, applied to
        every training mini-batch (never to validation data), with ``rng``
        the Generator made from ``rng`` above; e.g.
        :func:`mlpkit.data.random_shift`. It must not modify its input.

    Returns
    -------
    History
        Per-epoch ``loss``, ``accuracy``, ``val_loss``, ``val_accuracy``,
        ``lr`` (the learning rate of each epoch's first step),
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
      state, e.g. for a second phase after lowering ``optimizer.lr`` (a
      schedule starts again from t = 0; ``optimizer.lr`` keeps its last
      scheduled value).
    """
    _check_training_parts(model, loss_fn, optimizer)
    epochs = check_int("epochs", epochs, minimum=1)
    x, y = _as_dataset(model, x, y)
    n = x.shape[0]
    batch_size = n if batch_size is None else check_int("batch_size", batch_size, minimum=1)
    n_batches = -(-n // batch_size)      # the last mini-batch may be smaller
    validation = _as_validation(model, x_val, y_val)
    stopper = _EarlyStopping(_check_patience(early_stopping, validation is not None))
    predict_fn = _accuracy_predictor(loss_fn, metric, y, validation)
    rng = check_rng(rng)   # one Generator: a fresh order (and augmentation) every epoch
    step = _Step(model, loss_fn, optimizer, schedule, augment, rng)

    history = History(has_accuracy=predict_fn is not None, has_validation=validation is not None)
    bar = _ProgressBar(epochs, n_batches, enabled=progress)
    epoch = batch = 0
    try:
        # A divergence gets one clear warning below; NumPy's own would only repeat it.
        with np.errstate(over="ignore", invalid="ignore"):
            for epoch in range(1, epochs + 1):
                started = time.perf_counter()
                model.train()
                bar.start_epoch(epoch)
                train_means = _Means(predict_fn)
                for batch, (x_b, y_b) in enumerate(
                        data.batches(x, y, batch_size, shuffle=batch_size < n, rng=rng), start=1):
                    t = (epoch - 1) + (batch - 1) / n_batches   # the fractional epoch, from 0
                    loss = step(x_b, y_b, t)     # lr = schedule(t), augment(x_b), train_step
                    history.batch_loss.append(loss)
                    train_means.add(loss, step.watch.y_hat, y_b)
                    bar.batch_done(train_means)
                val_means = (_evaluate(model, loss_fn, *validation, predict_fn)
                             if validation else None)
                _record_epoch(history, train_means, val_means, step.epoch_lr,
                              time.perf_counter() - started)
                bar.epoch_done(train_means, val_means)
                if stopper.should_stop(model, history) and epoch < epochs:
                    history.stop_reason = "early_stopping"
                    break
    except _Diverged as diverged:
        history.batch_loss.append(diverged.loss)
        history.stop_reason = "diverged"
        _warn_diverged(optimizer, epoch, batch, diverged.what)
    except KeyboardInterrupt:
        history.stop_reason = "interrupted"
    finally:
        bar.close()
        model.eval()
    restored = stopper.restore_best()
    history.best_epoch = _best_epoch(history)
    if history.stop_reason == "interrupted":
        _say_interrupted(history, epoch, batch, restored)
    return history


# ---------------------------------------------------------------------------
# Evaluation and prediction
# ---------------------------------------------------------------------------

def evaluate(model, loss_fn, x, y, *, batch_size: int = 1024, metric="auto") -> dict:
    """Loss (and accuracy) of ``model`` on a data set, in evaluation mode.

    Parameters
    ----------
    model : mlpkit.nn.Module
    loss_fn : a loss from mlpkit.losses
        Its ``predict`` turns outputs into classes for the accuracy.
    x : array_like, shape (B, D)
    y : array_like, shape (B,) integer labels, or (B, M) targets
    batch_size : int
        Examples per forward pass.
    metric : {"auto", "accuracy", None}
        Whether to report accuracy; see the module docstring for how class
        targets are recognised.

    Returns
    -------
    dict
        ``{"loss": L}`` with L the mean loss over all B examples, plus
        ``"accuracy"`` for classification. The model is given back in the mode
        it had.
    """
    _check_model(model)
    x, y = _as_dataset(model, x, y)
    batch_size = check_int("batch_size", batch_size, minimum=1)
    predict_fn = _accuracy_predictor(loss_fn, metric, y, validation=None)
    return _evaluate(model, loss_fn, x, y, predict_fn, batch_size).as_dict()


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
    with _evaluation_mode(model):
        return np.concatenate([model(x[start:start + batch_size])
                               for start in range(0, max(x.shape[0], 1), batch_size)])


def predict_classes(model, x, *, batch_size: int = 1024, threshold: float | None = None,
                    loss_fn=None) -> np.ndarray:
    """Predicted class of each example, shape (B,), int64.

    With ``loss_fn`` (the loss the model was trained with) the loss decides,
    ``loss_fn.predict(outputs)``: e.g. ``z >= 0`` for ``BCEWithLogitsLoss``.
    Without it, the argmax of the outputs for a model with C >= 2 outputs; for
    one output, class 1 where ``output >= threshold`` (default 0.5, for a
    sigmoid output). Evaluation mode, batched, as :func:`predict`.
    """
    return _classes(predict(model, x, batch_size=batch_size), threshold, loss_fn)


def accuracy(scores, y, *, threshold: float | None = None, loss_fn=None) -> float:
    """Fraction of examples whose predicted class equals the true class.

    Parameters
    ----------
    scores : array_like, shape (B, C) or (B, 1) or (B,)
        Model outputs. With C >= 2 columns (logits or probabilities) the
        predicted class is the argmax; with one column the prediction is class
        1 when ``score >= threshold``.
    y : array_like, shape (B,) or (B, C) or (B, 1)
        True classes: integer labels, one-hot rows, or 0/1 targets.
    threshold : float, optional
        Decision threshold for one-output models: 0.5 (the default) for
        probabilities (sigmoid output), 0.0 for logits.
    loss_fn : a loss from mlpkit.losses, optional
        Instead of ``threshold``: the loss decides, ``loss_fn.predict(scores)``.

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
    predicted = _classes(scores, threshold, loss_fn)
    return float(np.count_nonzero(predicted == labels)) / labels.shape[0]


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
    lr : list of float
        The learning rate of each epoch's first step (``optimizer.lr``: the
        constant one, or the value of ``fit``'s ``schedule``).
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

    def __init__(self, *, has_accuracy: bool = True, has_validation: bool = False):
        self.loss: list[float] = []
        self.accuracy: list[float] = []
        self.val_loss: list[float] = []
        self.val_accuracy: list[float] = []
        self.batch_loss: list[float] = []
        self.lr: list[float] = []
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
# Checks of the arguments (once per call, never per batch)
# ---------------------------------------------------------------------------

def _check_model(model, name: str = "model"):
    for method in ("forward", "train", "eval"):
        if not callable(getattr(model, method, None)):
            raise TypeError(f"{name} must be an mlpkit.nn.Module (with forward, train and eval), "
                            f"got {describe(model)}")


def _check_training_parts(model, loss_fn, optimizer) -> None:
    """Clear errors for a wrong object (e.g. swapped arguments) before any work."""
    _check_model(model)
    if not callable(getattr(model, "backward", None)):
        raise TypeError(f"model must have a backward method, got {describe(model)}")
    if not (callable(loss_fn) and callable(getattr(loss_fn, "backward", None))):
        raise TypeError("loss_fn must be a loss from mlpkit.losses (callable, with "
                        f"backward), got {describe(loss_fn)}")
    for method in ("step", "zero_grad"):
        if not callable(getattr(optimizer, method, None)):
            raise TypeError("optimizer must be an optimizer from mlpkit.optim (with step and "
                            f"zero_grad), got {describe(optimizer)}")


def _check_patience(early_stopping, has_validation: bool):
    """The early-stopping patience (int >= 1), or None."""
    if early_stopping is None:
        return None
    if isinstance(early_stopping, bool) or not isinstance(early_stopping, (int, np.integer)):
        raise TypeError("early_stopping must be an integer patience (the number of epochs "
                        "without improvement of val_loss to wait), e.g. early_stopping=5, "
                        f"got {describe(early_stopping)}")
    patience = check_int("early_stopping", early_stopping, minimum=1)
    if not has_validation:
        raise ValueError("early_stopping needs validation data: pass x_val and y_val "
                         "(e.g. from mlpkit.data.train_val_split), or early_stopping=None")
    return patience


def _model_dtype(model):
    """The dtype of the model's first parameter (float32 when it has none)."""
    params = model.parameters() if callable(getattr(model, "parameters", None)) else []
    return params[0].data.dtype if params else np.dtype(np.float32)


def _expected_features(model):
    """(in_features, layer) of the first layer with a 2-D weight, else (None, None)."""
    modules = model.modules() if callable(getattr(model, "modules", None)) else [model]
    for module in modules:
        weight = getattr(getattr(module, "weight", None), "data", None)
        if isinstance(weight, np.ndarray):
            return (int(weight.shape[1]), module) if weight.ndim == 2 else (None, None)
    return None, None


def _as_inputs(model, x, name: str = "x") -> np.ndarray:
    """Check ``x`` (B, D) against the model and convert it once to the model's dtype."""
    x = as_float_array(x, name, ndim=2)
    expected, layer = _expected_features(model)
    if expected is not None and x.shape[1] != expected:
        raise ValueError(
            f"{name} must have {expected} features to match the model's first layer "
            f"{type(layer).__name__} (in_features={expected}), got {x.shape[1]} (shape {x.shape}); "
            "reshape the data (e.g. x.reshape(len(x), -1)) or change in_features")
    return x.astype(_model_dtype(model), copy=False)


def _as_targets(y, name: str, dtype) -> np.ndarray:
    """Integer labels (B,) stay int64; everything else becomes a float array of ``dtype``."""
    arr = np.asarray(y)
    if arr.ndim == 1 and (np.issubdtype(arr.dtype, np.integer) or arr.dtype == np.bool_):
        return as_labels(arr, name)
    return as_float_array(arr, name, ndim=(1, 2)).astype(dtype, copy=False)


def _as_dataset(model, x, y, x_name: str = "x", y_name: str = "y"):
    """Inputs and targets checked against the model and each other, at least one example."""
    x = _as_inputs(model, x, x_name)
    y = _as_targets(y, y_name, x.dtype)
    check_same_rows(x, y, x_name, y_name)
    if x.shape[0] == 0:
        raise ValueError(f"{x_name} must contain at least one example, got 0")
    return x, y


def _as_validation(model, x_val, y_val):
    """``(x_val, y_val)`` checked, or None without validation data."""
    if x_val is None and y_val is None:
        return None
    if x_val is None or y_val is None:
        missing = "y_val" if y_val is None else "x_val"
        raise ValueError(f"{missing} must be given too: validation needs both x_val and y_val")
    return _as_dataset(model, x_val, y_val, "x_val", "y_val")


# ---------------------------------------------------------------------------
# Classes: targets -> labels, outputs -> predictions
# ---------------------------------------------------------------------------

def _target_labels(y: np.ndarray):
    """Class labels (B,) int64 read from targets ``y``, or None if they are not class labels.

    Integer labels (B,) are returned as they are; one-hot rows (B, C), C >= 2,
    give their argmax; 0/1 targets (B, 1) give their only column. Anything else
    (continuous values) is regression: None.
    """
    if y.ndim == 1:
        return y if np.issubdtype(y.dtype, np.integer) else None
    if y.ndim != 2 or y.shape[0] == 0 or not np.all((y == 0) | (y == 1)):
        return None
    if y.shape[1] > 1 and not np.all(np.count_nonzero(y, axis=1) == 1):
        return None
    return _batch_labels(y).astype(np.int64)


def _batch_labels(y_b: np.ndarray) -> np.ndarray:
    """The labels of a batch of targets known to be class targets: no checks, for every batch."""
    if y_b.ndim == 1:
        return y_b
    return y_b[:, 0] if y_b.shape[1] == 1 else np.argmax(y_b, axis=1)


def _counts_accuracy(metric, targets) -> bool:
    """Whether accuracy is counted: ``targets`` ((name, array) pairs) all hold class labels."""
    check_choice("metric", metric, _METRICS)
    if metric is None:
        return False
    for name, y in targets:
        if _target_labels(y) is None:
            if metric == "accuracy":
                raise ValueError(
                    f"metric='accuracy' needs class targets in {name}: integer labels of shape "
                    "(B,), one-hot rows of shape (B, C) or 0/1 targets of shape (B, 1); "
                    f"got {describe(y)} with other values. For regression pass metric=None")
            return False
    return True


def _accuracy_predictor(loss_fn, metric, y, validation):
    """fit's ``outputs -> classes`` for the accuracy, or None when accuracy is not counted."""
    targets = [("y", y)] + ([("y_val", validation[1])] if validation else [])
    return _predictor(loss_fn) if _counts_accuracy(metric, targets) else None


def _predictor(loss_fn):
    """``loss_fn.predict``; for a loss of your own without one, the rule of
    :func:`mlpkit.losses.predicted_labels` (argmax, or >= 0.5 for one output)."""
    return getattr(loss_fn, "predict", None) or losses.predicted_labels


def _classes(outputs, threshold, loss_fn) -> np.ndarray:
    """Predicted classes by ``loss_fn.predict`` or by ``threshold`` (0.5 when neither is given)."""
    if loss_fn is None:
        return losses.predicted_labels(outputs, 0.5 if threshold is None else threshold)
    if threshold is not None:
        raise ValueError("give threshold or loss_fn, not both: the loss's predict already "
                         f"knows its threshold; got threshold={threshold!r}")
    return loss_fn.predict(outputs)


# ---------------------------------------------------------------------------
# fit's parts
# ---------------------------------------------------------------------------

class _Means:
    """Mean loss and accuracy over mini-batches, weighted by batch size."""

    def __init__(self, predict_fn=None):
        self.predict_fn = predict_fn            # outputs -> classes; None: no accuracy
        self.loss_sum, self.correct, self.seen = 0.0, 0, 0

    def add(self, loss: float, y_hat: np.ndarray, y: np.ndarray) -> None:
        self.loss_sum += loss * y.shape[0]
        self.seen += y.shape[0]
        if self.predict_fn is not None:
            self.correct += int(np.count_nonzero(self.predict_fn(y_hat) == _batch_labels(y)))

    def as_dict(self) -> dict:
        """``{"loss": ...}``, plus ``"accuracy"`` when it is counted."""
        result = {"loss": self.loss_sum / self.seen}
        if self.predict_fn is not None:
            result["accuracy"] = self.correct / self.seen
        return result

    def summary(self, prefix: str = "") -> str:
        """``loss=0.1234, acc=0.951`` for the progress bar."""
        short = {"loss": "loss={:.4f}", "accuracy": "acc={:.3f}"}
        return ", ".join(prefix + short[k].format(v) for k, v in self.as_dict().items())


def _evaluate(model, loss_fn, x, y, predict_fn, batch_size: int = 1024) -> _Means:
    """Mean loss (and accuracy) over the data in evaluation mode; the model keeps its mode."""
    means = _Means(predict_fn)
    with _evaluation_mode(model):
        for x_b, y_b in data.batches(x, y, batch_size, shuffle=False):
            y_hat = model(x_b)
            means.add(float(loss_fn(y_hat, y_b)), y_hat, y_b)
    return means


@contextlib.contextmanager
def _evaluation_mode(model):
    """Evaluation mode inside the ``with`` block, then the mode the model had."""
    was_training = bool(getattr(model, "training", True))
    model.eval()
    try:
        yield
    finally:
        model.train(was_training)


def _record_epoch(history, train_means: _Means, val_means, lr, seconds: float) -> None:
    """Append one epoch's numbers (``val_means`` None without validation) to the history."""
    history.lr.append(lr)
    for key, value in train_means.as_dict().items():
        getattr(history, key).append(value)
    if val_means is not None:
        for key, value in val_means.as_dict().items():
            getattr(history, "val_" + key).append(value)
    history.time.append(seconds)


def _best_epoch(history):
    """The 1-based epoch with the lowest val_loss (loss without validation); nan counts as inf."""
    curve = history.val_loss if "val_loss" in history else history.loss
    if not curve:
        return None
    return int(np.argmin([v if math.isfinite(v) else math.inf for v in curve])) + 1


class _Diverged(Exception):
    """A nan or inf in the loss, the model's output or the gradients (fit stops)."""

    def __init__(self, what: str, loss: float):
        super().__init__(what)
        self.what, self.loss = what, loss


class _LossWatch:
    """``loss_fn`` as ``fit`` hands it to :func:`train_step`.

    It keeps the batch's output ``y_hat`` (for the accuracy count) and loss,
    and stops the step before the backward pass when either is nan or inf.
    """

    def __init__(self, loss_fn):
        self.loss_fn = loss_fn
        self.y_hat, self.loss = None, math.nan

    def __call__(self, y_hat, y) -> float:
        self.y_hat, self.loss = y_hat, math.nan
        try:
            self.loss = float(self.loss_fn(y_hat, y))
        except ValueError:
            # mlpkit's losses refuse a nan/inf output; any other error is a real one
            if all_finite(np.asarray(y_hat)):
                raise
            raise _Diverged("the model's output contains nan or inf", math.nan) from None
        if not math.isfinite(self.loss):
            raise _Diverged(f"the loss is {self.loss}", self.loss)
        return self.loss

    def backward(self):
        return self.loss_fn.backward()


def _watched_step(model, watch: _LossWatch, optimizer, x, y) -> float:
    """:func:`train_step`, with any nan or inf turned into :class:`_Diverged`."""
    try:
        return train_step(model, watch, optimizer, x, y)
    except ValueError:
        # The optimizer refuses nan/inf gradients (and changes nothing): divergence too.
        if all(p.grad is None or all_finite(p.grad) for p in model.parameters()):
            raise
        raise _Diverged("the gradients contain nan or inf", watch.loss) from None


class _Step:
    """One training step as :func:`fit` takes it at the fractional epoch t.

    ``optimizer.lr = schedule(t)`` (with a schedule), the augmented batch
    ``augment(x_b, rng=rng)`` (with augmentation), then :func:`train_step`
    with any nan or inf turned into :class:`_Diverged`. ``watch.y_hat`` is
    the batch's output; ``epoch_lr`` the lr of the latest epoch's first step.
    """

    def __init__(self, model, loss_fn, optimizer, schedule, augment, rng):
        self.model, self.optimizer, self.rng = model, optimizer, rng
        self.schedule = _check_callable(
            "schedule", schedule, "schedule(t) -> lr, e.g. mlpkit.schedules.cosine(0.1, epochs=10)")
        self.augment = _check_callable(
            "augment", augment, "augment(x_batch, rng=rng) -> x_batch, e.g. data.random_shift")
        self.watch = _LossWatch(loss_fn)
        self.epoch_lr = None

    def __call__(self, x_b, y_b, t: float) -> float:
        if self.schedule is not None:
            self.optimizer.lr = _scheduled_lr(self.schedule, t)
        lr = getattr(self.optimizer, "lr", None)
        if t == int(t):                       # an epoch's first step (t = e + 0 / n_batches)
            self.epoch_lr = lr
        if self.augment is not None:
            x_b = _augmented(self.augment, x_b, self.rng)
        # lr = 0 (a warm-up's first step) would change nothing; mlpkit's optimisers refuse it
        optimizer = _NoUpdate(self.optimizer) if lr == 0 else self.optimizer
        return _watched_step(self.model, self.watch, optimizer, x_b, y_b)


class _NoUpdate:
    """The optimizer of a step with learning rate 0: gradients are cleared, nothing moves."""

    def __init__(self, optimizer):
        self.zero_grad = optimizer.zero_grad

    def step(self) -> None:
        pass


def _check_callable(name: str, value, form: str):
    """``value`` if it is None or callable, else a TypeError showing the expected form."""
    if value is not None and not callable(value):
        raise TypeError(f"{name} must be a function {form}, got {describe(value)}")
    return value


def _scheduled_lr(schedule, t: float) -> float:
    """``schedule(t)``, checked: a finite number >= 0."""
    lr = schedule(t)
    if (isinstance(lr, bool) or not isinstance(lr, numbers.Real)
            or not math.isfinite(lr) or lr < 0):
        raise ValueError(f"schedule(t) must return a learning rate >= 0, got {describe(lr)} "
                         f"at t={t:g} from schedule={describe(schedule)}")
    return float(lr)


def _augmented(augment, x_b: np.ndarray, rng) -> np.ndarray:
    """``augment(x_b, rng=rng)``, checked to keep the batch's shape, in the batch's dtype."""
    out = augment(x_b, rng=rng)
    if not isinstance(out, np.ndarray) or out.shape != x_b.shape:
        raise ValueError(f"augment must return an array of the batch's shape {x_b.shape}, "
                         f"got {describe(out)}")
    return out.astype(x_b.dtype, copy=False)


def _say_interrupted(history, epoch: int, batch: int, restored: bool) -> None:
    weights = (f"the weights of the best epoch ({history.best_epoch})" if restored
               else "the weights it had reached")
    print(f"Training interrupted at epoch {epoch}, batch {batch}: the model keeps {weights}; "
          f"the history holds {history.epochs} complete epoch(s).")


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


class _ProgressBar:
    """fit's tqdm bar (a widget in Jupyter, text in a terminal): one tick per mini-batch,
    the running metrics at most every ``_REFRESH`` seconds. Does nothing when disabled."""

    def __init__(self, epochs: int, batches_per_epoch: int, enabled: bool):
        self.epochs, self.bar, self.shown = epochs, None, 0.0
        if enabled:
            from tqdm.auto import tqdm
            self.bar = tqdm(total=epochs * batches_per_epoch, unit="batch", leave=True,
                            mininterval=_REFRESH)

    def start_epoch(self, epoch: int) -> None:
        if self.bar is not None:
            self.bar.set_description_str(f"epoch {epoch}/{self.epochs}", refresh=False)

    def batch_done(self, means: _Means) -> None:
        if self.bar is None:
            return
        now = time.perf_counter()
        if now - self.shown >= _REFRESH:
            self.bar.set_postfix_str(means.summary(), refresh=False)
            self.shown = now
        self.bar.update()

    def epoch_done(self, train_means: _Means, val_means) -> None:
        if self.bar is not None:
            text = train_means.summary()
            if val_means is not None:
                text += ", " + val_means.summary("val_")
            self.bar.set_postfix_str(text)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


# Non-learnable state that belongs to "the weights" of a model (BatchNorm1d).
_BUFFERS = ("running_mean", "running_var", "num_batches_tracked")


class _EarlyStopping:
    """Patience on ``val_loss``: keeps a copy of the best epoch's weights and says when to stop.

    With ``patience=None`` it never stops and keeps nothing.
    """

    def __init__(self, patience):
        self.patience, self.best_loss, self.wait, self.best = patience, math.inf, 0, None

    def should_stop(self, model, history) -> bool:
        if self.patience is None:
            return False
        if history.val_loss[-1] < self.best_loss:
            self.best_loss, self.wait, self.best = history.val_loss[-1], 0, _snapshot(model)
            return False
        self.wait += 1
        return self.wait >= self.patience

    def restore_best(self) -> bool:
        """Put the best epoch's weights back into the model; False when there are none."""
        if self.best is None:
            return False
        for owner, attr, value in self.best:
            target = getattr(owner, attr)
            if isinstance(target, np.ndarray) and target.shape == value.shape:
                target[...] = value    # in place: the optimizer keeps its references
            else:
                setattr(owner, attr, value.copy() if isinstance(value, np.ndarray) else value)
        return True


def _snapshot(model) -> list:
    """Copies of every parameter and running statistic: ``(owner, attribute, value)``."""
    saved = [(p, "data", p.data.copy()) for p in model.parameters()]
    for module in model.modules():
        for attr in _BUFFERS:
            value = getattr(module, attr, None)
            if isinstance(value, (np.ndarray, int, float)):
                saved.append((module, attr, np.copy(value) if isinstance(value, np.ndarray)
                              else value))
    return saved
