"""Gradient checking: compare a backward pass with central finite differences.

The derivative of a scalar function f at x, entry by entry, is approximated by

    df/dx_i ~ (f(x + eps e_i) - f(x - eps e_i)) / (2 eps)

whose error shrinks like eps^2. Everything here runs in float64: in float32
the rounding error of f, divided by 2 eps, would swamp the comparison.

Two measures of agreement, both 0 for identical arrays and never 0/0:

* :func:`rel_error`, the largest *entrywise* relative error
  max |a - b| / max(|a| + |b|, floor). Sharp, but an entry whose true
  gradient is tiny (say 1e-5, next to others of 0.1) compares mostly
  rounding noise: with eps = 1e-6 the noise in a finite difference is about
  1e-10, so that entry alone can show 1e-5 for a correct backward pass.
* the *normwise* relative error ||a - b|| / max(||a|| + ||b||, floor) (2-norms
  over the whole array), which :func:`check_function`, :func:`check_layer`
  and :func:`check_model` report by default: one number per array, robustly
  about 1e-9 for a correct backward pass in float64, while a real bug gives
  1e-2 or more. Pass ``elementwise=True`` to get :func:`rel_error` instead.

Anything below 1e-6 passes. The helpers return the errors, so a test can
assert on them and a notebook can print them::

    errors = check_layer(Linear(4, 3, rng=0), x)
    print(errors)          # {'x': 2.1e-10, 'weight': 3.4e-11, 'bias': 1.2e-11}: about 1e-9

A kink inside the +-eps step (ReLU at exactly 0) or an exactly-zero true
gradient compared with rounding noise (the bias of a Linear layer followed
by BatchNorm1d: use ``bias=False`` there) show up as large errors without a bug.
"""
from __future__ import annotations

import contextlib
import copy

import numpy as np

from mlpkit._validation import as_float_array, check_positive, check_rng, describe
from mlpkit.nn import Dropout, Module

__all__ = ["rel_error", "numerical_gradient", "check_function", "check_layer", "check_model"]


def rel_error(a, b, *, floor=1e-8) -> float:
    """Largest entrywise relative error, max |a - b| / max(|a| + |b|, floor).

    Parameters
    ----------
    a, b : array_like of the same shape (no broadcasting)
        Typically an analytic and a numerical gradient.
    floor : float > 0
        Smallest denominator: entries where both values are ~0 compare their
        absolute difference to ``floor`` instead (so 0 vs 0 gives 0, never
        0/0, and rounding noise around a zero gradient is not magnified).

    Returns
    -------
    float
        0 for identical inputs. For a correct gradient checked in float64,
        about 1e-9, or more where some true entries are tiny (see above).

    Examples
    --------
    >>> round(rel_error([1.0, 0.0], [1.1, 0.0]), 6)   # 0.1 / 2.1, from the first entry
    0.047619
    """
    a = as_float_array(a, "a", dtype=np.float64)
    b = as_float_array(b, "b", dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"a and b must have the same shape, got {a.shape} and {b.shape}")
    floor = check_positive("floor", floor)
    if a.size == 0:
        return 0.0
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(a) + np.abs(b), floor)))


def _norm_rel_error(a, b, floor=1e-8) -> float:
    """||a - b|| / max(||a|| + ||b||, floor), 2-norms over all entries (see the module notes)."""
    a = as_float_array(a, "a", dtype=np.float64)
    b = as_float_array(b, "b", dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"a and b must have the same shape, got {a.shape} and {b.shape}")
    scale = max(float(np.linalg.norm(a)) + float(np.linalg.norm(b)), floor)
    return float(np.linalg.norm(a - b)) / scale


def _error(a, b, elementwise) -> float:
    return rel_error(a, b) if elementwise else _norm_rel_error(a, b)


def _scalar(value, what="f") -> float:
    """A function's value as a float; a (loss, grad) pair gives its loss."""
    if isinstance(value, tuple) and len(value) == 2:
        value = value[0]
    arr = np.asarray(value)
    if arr.size != 1 or not np.issubdtype(arr.dtype, np.number):
        raise TypeError(f"{what} must return a single number (or a (loss, grad) pair), "
                        f"got {describe(value)}")
    out = float(arr.reshape(()))
    if not np.isfinite(out):
        raise ValueError(f"{what} must return a finite number, got {out}")
    return out


def _check_eps(eps) -> float:
    eps = check_positive("eps", eps)
    if eps >= 1e-1:
        raise ValueError(f"eps must be a small step such as 1e-6, got {eps}")
    return eps


def numerical_gradient(f, x, eps=1e-6) -> np.ndarray:
    """Central-difference gradient of a scalar function f at x.

    Each entry x_i is set to x_i + eps and x_i - eps in turn, f is evaluated
    at both, and x_i is restored exactly. Because x is changed *in place*, f
    may ignore its argument and read x elsewhere, e.g. a layer's
    ``weight.data``: ``numerical_gradient(lambda _: loss(), layer.weight.data)``.

    Parameters
    ----------
    f : callable
        ``f(x) -> float`` (or a ``(loss, grad)`` pair; the loss is used).
    x : np.ndarray of float64, any shape, or a list of numbers
        The point; a float64 array is perturbed in place and left unchanged.
    eps : float
        The step (1e-6 suits float64).

    Returns
    -------
    np.ndarray, float64, same shape as x. Costs 2 x.size calls of f: keep x small.
    """
    if not callable(f):
        raise TypeError(f"f must be a callable returning a number, got {describe(f)}")
    eps = _check_eps(eps)
    if isinstance(x, np.ndarray):
        if x.dtype != np.float64:
            raise TypeError("x must be a float64 array (float32 is too coarse for finite "
                            f"differences): use x.astype(np.float64), got dtype {x.dtype}")
        if not x.flags.writeable:
            raise ValueError("x must be a writeable array (it is perturbed in place and "
                             "restored), got a read-only one")
        as_float_array(x, "x")  # finite
    else:
        x = np.array(as_float_array(x, "x", dtype=np.float64))
    grad = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        old = x[idx]
        x[idx] = old + eps
        f_plus = _scalar(f(x))
        x[idx] = old - eps
        f_minus = _scalar(f(x))
        x[idx] = old                     # restore exactly
        grad[idx] = (f_plus - f_minus) / (2.0 * eps)
    return grad


def check_function(f, x, df=None, *, eps=1e-6, elementwise=False) -> float:
    """Relative error between a claimed gradient of a scalar function and finite differences.

    Parameters
    ----------
    f : callable
        ``f(x) -> float``, or ``f(x) -> (loss, grad)`` like the losses in
        :mod:`mlpkit.functional` (then ``df`` is not needed).
    x : array_like
        The point (copied to float64).
    df : callable, optional
        ``df(x) -> dL/dx`` of x's shape, the gradient to check.
    eps : float
        The finite-difference step.
    elementwise : bool
        Report :func:`rel_error` (the worst entry) instead of the normwise error.

    Returns
    -------
    float, the relative error; about 1e-9 or less when the gradient is right.

    Examples
    --------
    An activation's derivative (the gradient of sum(phi(z)) is phi'(z)), and a
    loss with its gradient::

        check_function(lambda z: F.sigmoid(z).sum(), z, F.sigmoid_grad)
        check_function(lambda z: F.cross_entropy_loss(z, y), z)
    """
    if not callable(f):
        raise TypeError(f"f must be a callable, got {describe(f)}")
    x = np.array(as_float_array(x, "x", dtype=np.float64))   # our own copy
    if df is None:
        value = f(x.copy())
        if not (isinstance(value, tuple) and len(value) == 2):
            raise TypeError("f must return (loss, grad) when df is not given, got "
                            f"{describe(value)}; pass the gradient function as df")
        analytic = value[1]
    elif callable(df):
        analytic = df(x.copy())
    else:
        raise TypeError(f"df must be a callable x -> dL/dx, got {describe(df)}")
    analytic = as_float_array(analytic, "the analytic gradient", dtype=np.float64)
    if analytic.shape != x.shape:
        raise ValueError(f"the analytic gradient must have the shape of x {x.shape}, "
                         f"got {analytic.shape}")
    numeric = numerical_gradient(f, x, eps)
    return _error(analytic, numeric, elementwise)


@contextlib.contextmanager
def _float64_copy(model):
    """A float64 deep copy of ``model`` with every Dropout mask frozen."""
    if not isinstance(model, Module):
        raise TypeError(f"the layer or model must be an mlpkit.nn.Module, got {describe(model)}")
    model = copy.deepcopy(model).to(np.float64)
    with contextlib.ExitStack() as stack:
        for m in model.modules():
            if isinstance(m, Dropout) and not m._frozen:
                stack.enter_context(m.frozen_mask())
        yield model


def _param_errors(model, errors, f, eps, elementwise) -> dict:
    for name, p in model.named_parameters():
        analytic = p.grad.copy()
        numeric = numerical_gradient(lambda _: f(), p.data, eps)
        errors[name] = _error(analytic, numeric, elementwise)
    return errors


def check_layer(layer, x, *, eps=1e-6, rng=271828, elementwise=False) -> dict:
    """Check a layer's backward pass (input and parameter gradients) numerically.

    The layer is deep-copied and cast to float64 (the original is not
    touched), Dropout masks are frozen, and the scalar
    f(x) = sum(layer(x) * G) with a fixed random G is differentiated both
    ways: backward(G) must equal its finite-difference gradient. The
    layer's mode is kept (check BatchNorm1d in both ``train()`` and ``eval()``).

    Parameters
    ----------
    layer : Module
    x : array_like, shape (B, D), the input batch (kept small: 2 forward passes per entry)
    eps : float
    rng : None, int or numpy.random.Generator
        Draws G, with entries of size 0.5 to 1.5 and random signs (no
        near-zero entries, whose tiny gradients would only measure rounding
        noise). The default is a fixed seed unlikely to be the one that made x.
    elementwise : bool
        Report :func:`rel_error` (the worst entry) instead of the normwise error.

    Returns
    -------
    dict
        ``{"x": err, "weight": err, ...}``: the relative error of dL/dx and of
        each parameter's gradient; each about 1e-9 or less when correct.
    """
    eps = _check_eps(eps)
    rng = check_rng(rng)
    with _float64_copy(layer) as layer64:
        x = np.array(as_float_array(x, "x", dtype=np.float64))
        out = layer64.forward(x)
        shape = np.shape(out)
        G = rng.uniform(0.5, 1.5, size=shape) * rng.choice([-1.0, 1.0], size=shape)

        def f():
            return float(np.sum(layer64.forward(x) * G))

        layer64.zero_grad()
        dx = layer64.backward(G)
        errors = {"x": _error(dx, numerical_gradient(lambda _: f(), x, eps), elementwise)}
        return _param_errors(layer64, errors, f, eps, elementwise)


def _loss_and_grad(loss_fn, pred, y):
    if hasattr(loss_fn, "forward") and hasattr(loss_fn, "backward"):
        return loss_fn.forward(pred, y), loss_fn.backward()
    if callable(loss_fn):
        value = loss_fn(pred, y)
        if isinstance(value, tuple) and len(value) == 2:
            return value
    raise TypeError("loss_fn must be a loss object such as CrossEntropyLoss() or a function "
                    f"returning (loss, grad) such as functional.mse_loss, got {describe(loss_fn)}")


def check_model(model, loss_fn, x, y, *, eps=1e-6, elementwise=False) -> dict:
    """Check a whole model's backward pass through a loss, L = loss_fn(model(x), y).

    Like :func:`check_layer`, on a float64 deep copy with Dropout masks
    frozen, in the model's current mode (a BatchNorm1d in training mode is
    checked through its batch statistics).

    Parameters
    ----------
    model : Module, e.g. a Sequential
    loss_fn : a loss object (``CrossEntropyLoss()``) or a function returning
        ``(loss, grad)`` (``functional.cross_entropy_loss``)
    x : array_like (B, D)
    y : targets as the loss expects them (labels, one-hot rows, values)
    eps : float
    elementwise : bool
        Report :func:`rel_error` (the worst entry) instead of the normwise error.

    Returns
    -------
    dict
        ``{"x": err, "0.weight": err, "0.bias": err, ...}``, one relative
        error per parameter (named as in ``model.named_parameters()``) and for
        dL/dx; each about 1e-9 or less when correct.
    """
    eps = _check_eps(eps)
    with _float64_copy(model) as model64:
        x = np.array(as_float_array(x, "x", dtype=np.float64))
        y_arr = np.asarray(y)
        if np.issubdtype(y_arr.dtype, np.floating):
            y_arr = y_arr.astype(np.float64)

        def f():
            return float(_loss_and_grad(loss_fn, model64.forward(x), y_arr)[0])

        model64.zero_grad()
        _, grad = _loss_and_grad(loss_fn, model64.forward(x), y_arr)
        dx = model64.backward(grad)
        errors = {"x": _error(dx, numerical_gradient(lambda _: f(), x, eps), elementwise)}
        return _param_errors(model64, errors, f, eps, elementwise)
