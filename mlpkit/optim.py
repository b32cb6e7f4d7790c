"""Optimisers: how a gradient becomes a change of the weights.

Every update rule lives here exactly once, as an *in-place kernel* (a private
function that overwrites the arrays it is handed). Two public faces call it:

* **pure rules** for teaching, exercises and the interactive widgets,
  ``rule(w, dw, state=None, **hyper) -> (new_w, new_state)``. They copy their
  inputs first, so nothing you pass in is ever modified. Start with
  ``state=None`` and feed the returned state into the next call. ``w`` may be
  a Python float, a 2-vector or an array of any shape; the result keeps the
  dtype of ``w`` (a Python number gives back a Python float).
* **classes** ``SGD``, ``AdaGrad``, ``RMSProp``, ``Adam`` for training a model:
  ``opt = SGD(model.parameters(), lr=0.1)``, then ``opt.zero_grad()``,
  forward, backward, ``opt.step()`` in every iteration. ``step()`` updates
  each parameter's ``.data`` in place from its ``.grad`` and keeps a separate
  state (``opt.state[i]``) for every parameter.

Since both faces run the same kernel, a class and the pure rule give bitwise
identical iterates (the tests check it).

Notation
--------
w weights (any shape), dw = dL/dw their gradient, eta the learning rate
(``lr``), mu the momentum coefficient (``momentum``; the source material of
unit 03 calls it alpha), v the velocity, lambda the L2 weight-decay
coefficient (``weight_decay``). Every rule first adds the gradient of the
penalty (lambda / 2) ||w||^2 to the loss gradient::

    g = dw + lambda * w

(For Adam this is the classic L2 penalty, as in ``torch.optim.Adam``; it is
not AdamW's decoupled decay.)

SGD and momentum
----------------
mlpkit's convention (CONTRIBUTING.md) keeps the velocity in units of a step::

    v <- mu * v - eta * g
    w <- w + v

so v is literally the last change of the weights, and this is unit 03's
Delta w_t = -eta grad L + mu Delta w_{t-1}. With mu = 0 it is plain gradient
descent, w <- w - eta g. PyTorch keeps the buffer in units of a gradient::

    u <- mu * u + g
    w <- w - eta * u

The two produce the same iterates whenever eta is constant: both buffers
start at zero, and if v = -eta u before a step then after it
v_new = mu (-eta u) - eta g = -eta (mu u + g) = -eta u_new, and
w + v_new = w - eta u_new. (Under a learning-rate schedule they differ
slightly: v remembers the old eta, u does not.)

*Effective learning rate.* On a flat stretch of the loss the gradient g stays
the same, so v_t = -eta g (1 + mu + mu^2 + ... + mu^(t-1)), which tends to
-eta g / (1 - mu): momentum multiplies the step by 1 / (1 - mu)
(tenfold for mu = 0.9).

Nesterov momentum
-----------------
Nesterov's idea is to take the gradient where momentum is about to carry the
weights, at the look-ahead point w~ + mu v, rather than at w~::

    v  <- mu * v - eta * grad L(w~ + mu * v)
    w~ <- w~ + v

A framework cannot evaluate the loss at another point, so (like PyTorch)
mlpkit stores the look-ahead point itself, w = w~ + mu v, as the parameters.
Substituting gives a rule that only needs the gradient at the stored w::

    v <- mu * v - eta * g          (g = dL/dw at the current w)
    w <- w + mu * v - eta * g      (uses the *new* v)

Check: w_new = w~_new + mu v_new = w~ + v_new + mu v_new
= (w - mu v) + (mu v - eta g) + mu v_new = w + mu v_new - eta g.
Both forms visit the same points (the stored w is always the other form's
look-ahead point; the tests run them side by side on a quadratic). In
PyTorch's units: u <- mu u + g; w <- w - eta (g + mu u).

AdaGrad
-------
Each weight gets its own step size from the running *sum* of its squared
gradients (all products elementwise)::

    G <- G + g^2
    w <- w - eta * g / (sqrt(G) + eps)

G only grows, so the effective learning rate eta / (sqrt(G) + eps) decays
toward zero (as eta / sqrt(t) for a constant gradient) and learning
eventually stalls: the weakness RMSProp fixes.

RMSProp
-------
Replaces AdaGrad's sum by an exponentially decaying mean, which forgets old
gradients at rate rho (default 0.9; PyTorch calls it ``alpha`` and defaults
to 0.99)::

    s <- rho * s + (1 - rho) * g^2
    w <- w - eta * g / (sqrt(s) + eps)

Adam
----
RMSProp's denominator plus a momentum-like decaying mean of the gradient
itself, with bias correction (m and v start at zero, which biases the early
means toward zero; dividing by 1 - beta^t removes that bias; t counts steps
from 1)::

    t <- t + 1
    m <- beta1 * m + (1 - beta1) * g
    v <- beta2 * v + (1 - beta2) * g^2
    m_hat = m / (1 - beta1^t),   v_hat = v / (1 - beta2^t)
    w <- w - eta * m_hat / (sqrt(v_hat) + eps)

Thanks to the correction the very first step has length eta (up to eps) in
every coordinate, whatever the scale of the gradient.

eps sits outside the square root in AdaGrad, RMSProp and Adam, as in PyTorch
and in the Adam paper. State keys: SGD ``{"v"}``, AdaGrad ``{"G"}``,
RMSProp ``{"s"}``, Adam ``{"m", "v", "t"}`` (t a Python int). The ``SGD``
class stores no velocity when momentum is 0 (there is nothing to remember);
``sgd_update`` always returns v, the step just taken.

How the kernels are written
---------------------------
The classes must be fast on float32 MLPs, so each kernel updates the arrays
it is given with in-place NumPy operations (``a *= c``, ``np.multiply(a, c,
out=buf)``) and reuses scratch buffers instead of creating a fresh
temporary array for every sub-expression. Each block carries the formula it
computes as a comment; the arithmetic is exactly the formula above, only
evaluated one operation at a time. SGD folds the learning rate into the
gradient once (``step = -eta * g``) so that each array is added only once.
"""
from __future__ import annotations

import numbers

import numpy as np

from mlpkit._validation import (all_finite, as_float_array, check_int, check_positive,
                                check_probability, describe)

__all__ = [
    "sgd_update", "adagrad_update", "rmsprop_update", "adam_update",
    "Optimizer", "SGD", "AdaGrad", "RMSProp", "Adam",
]

_DIVERGED_HINT = "; if training diverged, try a smaller lr"


# ---------------------------------------------------------------------------
# Hyperparameter checks (shared by the pure rules and the classes)
# ---------------------------------------------------------------------------

def _check_weight_decay(weight_decay) -> float:
    return check_positive("weight_decay", weight_decay, allow_zero=True)


def _sgd_hyper(lr, momentum, nesterov, weight_decay) -> dict:
    lr = check_positive("lr", lr)
    momentum = check_probability("momentum", momentum)
    if not isinstance(nesterov, (bool, np.bool_)):
        raise TypeError(f"nesterov must be True or False, got {describe(nesterov)}")
    if nesterov and momentum == 0:
        raise ValueError("nesterov=True requires momentum > 0 (the look-ahead point is "
                         f"w + momentum * v), got momentum={momentum}")
    return {"lr": lr, "momentum": momentum, "nesterov": bool(nesterov),
            "weight_decay": _check_weight_decay(weight_decay)}


def _adagrad_hyper(lr, eps, weight_decay) -> dict:
    return {"lr": check_positive("lr", lr), "eps": check_positive("eps", eps),
            "weight_decay": _check_weight_decay(weight_decay)}


def _rmsprop_hyper(lr, rho, eps, weight_decay) -> dict:
    return {"lr": check_positive("lr", lr), "rho": check_probability("rho", rho),
            "eps": check_positive("eps", eps),
            "weight_decay": _check_weight_decay(weight_decay)}


def _adam_hyper(lr, beta1, beta2, eps, weight_decay) -> dict:
    return {"lr": check_positive("lr", lr),
            "beta1": check_probability("beta1", beta1),
            "beta2": check_probability("beta2", beta2),
            "eps": check_positive("eps", eps),
            "weight_decay": _check_weight_decay(weight_decay)}


# ---------------------------------------------------------------------------
# The kernels: each formula, once. They overwrite w and the state arrays in
# place; dw is only read. buf and buf2 are scratch arrays shaped like w.
# ---------------------------------------------------------------------------

def _decayed_grad(w, dw, weight_decay, out):
    """g = dw + lambda * w, written into ``out``; just ``dw`` (no copy) if lambda = 0."""
    if weight_decay == 0.0:
        return dw
    np.multiply(w, weight_decay, out=out)
    out += dw
    return out


def _sgd_kernel(w, dw, v, buf, *, lr, momentum, nesterov, weight_decay):
    """SGD with optional (Nesterov) momentum, in place. ``v`` may be None when mu = 0."""
    # step = -eta * g, with g = dw + lambda * w (eta folded in before any addition)
    g = _decayed_grad(w, dw, weight_decay, out=buf)
    step = np.multiply(g, -lr, out=buf)
    if momentum == 0.0:
        # w <- w + step (plain gradient descent); v records the step taken
        w += step
        if v is not None:
            v[...] = step
        return
    # v <- mu * v - eta * g
    v *= momentum
    v += step
    if nesterov:
        # w <- w + mu * v - eta * g   (v already updated)
        w += step
        np.multiply(v, momentum, out=buf)
        w += buf
    else:
        # w <- w + v
        w += v


def _adagrad_kernel(w, dw, G, buf, buf2, *, lr, eps, weight_decay):
    """AdaGrad, in place."""
    g = _decayed_grad(w, dw, weight_decay, out=buf)
    # G <- G + g^2
    np.multiply(g, g, out=buf2)
    G += buf2
    # w <- w - eta * g / (sqrt(G) + eps)
    np.sqrt(G, out=buf2)
    buf2 += eps
    np.divide(g, buf2, out=buf2)
    buf2 *= lr
    w -= buf2


def _rmsprop_kernel(w, dw, s, buf, buf2, *, lr, rho, eps, weight_decay):
    """RMSProp, in place."""
    g = _decayed_grad(w, dw, weight_decay, out=buf)
    # s <- rho * s + (1 - rho) * g^2
    np.multiply(g, g, out=buf2)
    buf2 *= 1.0 - rho
    s *= rho
    s += buf2
    # w <- w - eta * g / (sqrt(s) + eps)
    np.sqrt(s, out=buf2)
    buf2 += eps
    np.divide(g, buf2, out=buf2)
    buf2 *= lr
    w -= buf2


def _adam_kernel(w, dw, m, v, t, buf, buf2, *, lr, beta1, beta2, eps, weight_decay) -> int:
    """Adam with bias correction, in place. ``t`` is the number of steps taken so far;
    returns the new count t + 1."""
    t += 1
    g = _decayed_grad(w, dw, weight_decay, out=buf)
    # m <- beta1 * m + (1 - beta1) * g
    np.multiply(g, 1.0 - beta1, out=buf2)
    m *= beta1
    m += buf2
    # v <- beta2 * v + (1 - beta2) * g^2
    np.multiply(g, g, out=buf2)
    buf2 *= 1.0 - beta2
    v *= beta2
    v += buf2
    # w <- w - eta * m_hat / (sqrt(v_hat) + eps),
    # m_hat = m / (1 - beta1^t), v_hat = v / (1 - beta2^t)
    np.divide(v, 1.0 - beta2 ** t, out=buf2)   # v_hat
    np.sqrt(buf2, out=buf2)
    buf2 += eps
    np.divide(m, buf2, out=buf2)               # m / (sqrt(v_hat) + eps)
    buf2 *= lr / (1.0 - beta1 ** t)            # eta / (1 - beta1^t) turns m into eta * m_hat
    w -= buf2
    return t


# ---------------------------------------------------------------------------
# Pure rules
# ---------------------------------------------------------------------------

def _all_finite(arr: np.ndarray) -> bool:
    """True when every entry of ``arr`` is finite: one read-only pass, see
    :func:`mlpkit._validation.all_finite` (runs on every gradient at every step)."""
    return all_finite(arr)


def _check_finite(arr: np.ndarray, name) -> None:
    """Raise a ValueError naming ``arr`` (``name``: a str, or a function making one) if it
    holds NaN or inf."""
    if _all_finite(arr):
        return
    if callable(name):
        name = name()
    bad = int(arr.size - np.count_nonzero(np.isfinite(arr)))
    raise ValueError(f"{name} must contain only finite numbers, got {bad} NaN or "
                     f"infinite entr{'y' if bad == 1 else 'ies'}{_DIVERGED_HINT}")


def _prepare(w, dw):
    """Check ``w`` and ``dw``; return (w array, dw array in w's dtype, unwrap function)."""
    is_python_number = (isinstance(w, numbers.Real)
                        and not isinstance(w, (bool, np.generic, np.ndarray)))
    # A plain Python number is a float64 in NumPy's eyes, so keep its precision.
    w_arr = as_float_array(w, "w", dtype=np.float64 if is_python_number else None,
                           finite=False)
    _check_finite(w_arr, "w")
    dw_arr = as_float_array(dw, "dw", dtype=w_arr.dtype, finite=False)
    if dw_arr.shape != w_arr.shape:
        raise ValueError(f"dw must have the same shape as w, {w_arr.shape}, got {dw_arr.shape} "
                         "(gradients are never broadcast)")
    _check_finite(dw_arr, "dw")

    if is_python_number:
        def unwrap(a):
            return float(a)
    elif isinstance(w, np.generic):
        def unwrap(a):
            return a[()]          # a NumPy scalar of w's dtype
    else:
        def unwrap(a):
            return a
    return w_arr, dw_arr, unwrap


def _state_arrays(state, keys, w, rule, extra=()):
    """Copies of the state's arrays (shape and dtype of ``w``), or zeros when state is None.

    ``keys`` name the arrays; ``extra`` names further (non-array) entries the state must have.
    """
    if state is None:
        return [np.zeros_like(w) for _ in keys]
    expected = sorted([*keys, *extra])
    if not isinstance(state, dict) or sorted(state) != expected:
        got = sorted(state) if isinstance(state, dict) else describe(state)
        raise ValueError(f"state must be None (first call) or the state returned by the previous "
                         f"{rule} call, a dict with keys {expected}, got {got}")
    arrays = []
    for key in keys:
        arr = as_float_array(state[key], f"state[{key!r}]", dtype=w.dtype, finite=False)
        if arr.shape != w.shape:
            raise ValueError(f"state[{key!r}] must have the shape of w, {w.shape}, "
                             f"got {arr.shape}; was this state made for another w?")
        arrays.append(np.array(arr, copy=True))   # never write into the caller's state
    return arrays


def sgd_update(w, dw, state=None, *, lr, momentum=0.0, nesterov=False, weight_decay=0.0):
    """One step of gradient descent, with optional momentum, Nesterov and L2 decay.

    ``v <- mu v - eta (dw + lambda w);  w <- w + v`` (Nesterov:
    ``w <- w + mu v - eta (dw + lambda w)`` with the new v). See the module
    docstring for both momentum conventions and the Nesterov derivation.

    Parameters
    ----------
    w : float or array_like, any shape S
        Current weights. Not modified.
    dw : float or array_like, shape S
        Gradient dL/dw at ``w``. Not modified.
    state : dict or None
        None on the first call, afterwards the state this function returned:
        ``{"v": array of shape S}``, the velocity (= the last step taken).
    lr : float
        Learning rate eta > 0.
    momentum : float
        Momentum coefficient mu in [0, 1); 0 gives plain gradient descent.
    nesterov : bool
        Take the gradient at the look-ahead point (needs momentum > 0).
    weight_decay : float
        L2 coefficient lambda >= 0.

    Returns
    -------
    new_w : same type, shape S and dtype as ``w``
    new_state : dict
        ``{"v": array of shape S}``; pass it to the next call.

    Examples
    --------
    >>> w, state = 2.0, None
    >>> w, state = sgd_update(w, 12.0, state, lr=0.1)
    >>> round(w, 12)
    0.8
    """
    hyper = _sgd_hyper(lr, momentum, nesterov, weight_decay)
    w_arr, dw_arr, unwrap = _prepare(w, dw)
    (v,) = _state_arrays(state, ["v"], w_arr, "sgd_update")
    new_w = w_arr.copy()
    _sgd_kernel(new_w, dw_arr, v, np.empty_like(new_w), **hyper)
    return unwrap(new_w), {"v": v}


def adagrad_update(w, dw, state=None, *, lr, eps=1e-10, weight_decay=0.0):
    """One AdaGrad step: ``G <- G + g^2;  w <- w - eta g / (sqrt(G) + eps)``.

    g = dw + lambda w. The effective rate eta / (sqrt(G) + eps) of each weight
    only shrinks, toward zero.

    Parameters
    ----------
    w, dw : float or array_like, shape S
        Weights and gradient dL/dw. Not modified.
    state : dict or None
        None on the first call, then ``{"G": array of shape S}`` (the sum of
        squared gradients) as returned by the previous call.
    lr : float
        Learning rate eta > 0.
    eps : float
        eps > 0, keeps the division finite while G is still zero.
    weight_decay : float
        L2 coefficient lambda >= 0.

    Returns
    -------
    new_w : same type, shape S and dtype as ``w``
    new_state : dict ``{"G": array of shape S}``
    """
    hyper = _adagrad_hyper(lr, eps, weight_decay)
    w_arr, dw_arr, unwrap = _prepare(w, dw)
    (G,) = _state_arrays(state, ["G"], w_arr, "adagrad_update")
    new_w = w_arr.copy()
    _adagrad_kernel(new_w, dw_arr, G, np.empty_like(new_w), np.empty_like(new_w), **hyper)
    return unwrap(new_w), {"G": G}


def rmsprop_update(w, dw, state=None, *, lr, rho=0.9, eps=1e-8, weight_decay=0.0):
    """One RMSProp step: ``s <- rho s + (1 - rho) g^2;  w <- w - eta g / (sqrt(s) + eps)``.

    g = dw + lambda w. Like AdaGrad, but old squared gradients fade away at
    rate rho, so the effective rate does not die out.

    Parameters
    ----------
    w, dw : float or array_like, shape S
        Weights and gradient dL/dw. Not modified.
    state : dict or None
        None on the first call, then ``{"s": array of shape S}`` (the decaying
        mean of squared gradients) as returned by the previous call.
    lr : float
        Learning rate eta > 0.
    rho : float
        Decay rate in [0, 1).
    eps : float
        eps > 0 added to sqrt(s).
    weight_decay : float
        L2 coefficient lambda >= 0.

    Returns
    -------
    new_w : same type, shape S and dtype as ``w``
    new_state : dict ``{"s": array of shape S}``
    """
    hyper = _rmsprop_hyper(lr, rho, eps, weight_decay)
    w_arr, dw_arr, unwrap = _prepare(w, dw)
    (s,) = _state_arrays(state, ["s"], w_arr, "rmsprop_update")
    new_w = w_arr.copy()
    _rmsprop_kernel(new_w, dw_arr, s, np.empty_like(new_w), np.empty_like(new_w), **hyper)
    return unwrap(new_w), {"s": s}


def adam_update(w, dw, state=None, *, lr, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.0):
    """One Adam step, with bias correction.

    ``t <- t + 1;  m <- beta1 m + (1 - beta1) g;  v <- beta2 v + (1 - beta2) g^2;
    w <- w - eta m_hat / (sqrt(v_hat) + eps)`` with ``m_hat = m / (1 - beta1^t)``,
    ``v_hat = v / (1 - beta2^t)`` and g = dw + lambda w (L2, not AdamW).

    Parameters
    ----------
    w, dw : float or array_like, shape S
        Weights and gradient dL/dw. Not modified.
    state : dict or None
        None on the first call, then ``{"m": array S, "v": array S, "t": int}``
        as returned by the previous call (t = number of steps taken).
    lr : float
        Learning rate eta > 0.
    beta1, beta2 : float
        Decay rates of the first and second moment estimates, in [0, 1).
    eps : float
        eps > 0 added to sqrt(v_hat).
    weight_decay : float
        L2 coefficient lambda >= 0.

    Returns
    -------
    new_w : same type, shape S and dtype as ``w``
    new_state : dict ``{"m": array S, "v": array S, "t": int}``
    """
    hyper = _adam_hyper(lr, beta1, beta2, eps, weight_decay)
    w_arr, dw_arr, unwrap = _prepare(w, dw)
    m, v = _state_arrays(state, ["m", "v"], w_arr, "adam_update", extra=["t"])
    t = 0 if state is None else check_int("state['t']", state["t"], minimum=0)
    new_w = w_arr.copy()
    t = _adam_kernel(new_w, dw_arr, m, v, t, np.empty_like(new_w), np.empty_like(new_w),
                     **hyper)
    return unwrap(new_w), {"m": m, "v": v, "t": t}


# ---------------------------------------------------------------------------
# Classes
# ---------------------------------------------------------------------------

def _label(i, p) -> str:
    name = getattr(p, "name", None)
    return f"params[{i}]" + (f" ({name!r})" if name else "")


def _check_params(params) -> list:
    hint = ""
    if hasattr(params, "data") and hasattr(params, "grad"):
        hint = " (for a single parameter, pass a list: [p])"
    elif callable(getattr(params, "parameters", None)):
        hint = " (pass model.parameters(), not the model)"
    if isinstance(params, (np.ndarray, str, bytes, dict)) or hint:
        raise TypeError("params must be an iterable of parameters with .data and .grad, "
                        f"e.g. model.parameters(), got {describe(params)}{hint}")
    try:
        params = list(params)     # a generator can be read only once: keep the list
    except TypeError:
        raise TypeError("params must be an iterable of parameters with .data and .grad, "
                        f"e.g. model.parameters(), got {describe(params)}") from None
    if not params:
        raise ValueError("params must contain at least one parameter, got an empty list; "
                         "does the model have any layers with weights?")
    seen = set()
    for i, p in enumerate(params):
        if not (hasattr(p, "data") and hasattr(p, "grad")):
            raise TypeError(f"params[{i}] must be a parameter with .data and .grad "
                            f"(e.g. from model.parameters()), got {describe(p)}")
        data = p.data
        if not (isinstance(data, np.ndarray) and np.issubdtype(data.dtype, np.floating)):
            raise TypeError(f"{_label(i, p)}.data must be a NumPy float array (it is updated "
                            f"in place), got {describe(data)}")
        if id(p) in seen:
            raise ValueError(f"{_label(i, p)} appears more than once in params; it would be "
                             "updated twice per step")
        seen.add(id(p))
    return params


class Optimizer:
    """Base class: holds the parameters, their per-parameter state and scratch space.

    Subclasses define ``_hyper()`` (checked hyperparameters as a dict) and
    ``_update(w, dw, state, buf, buf2, hyper)`` (calls their kernel).

    Attributes
    ----------
    params : list
        The parameters (objects with ``.data`` and ``.grad`` arrays).
    state : list of dict
        ``state[i]`` belongs to ``params[i]`` (e.g. ``{"v": array}`` for SGD
        with momentum); empty until the first ``step()``.
    """

    _HYPER_NAMES: tuple = ()   # attribute names shown by repr

    def __init__(self, params):
        self.params = _check_params(params)
        self.state = [{} for _ in self.params]
        # Scratch arrays shared by all parameters of one shape and dtype (the
        # parameters are updated one after another, so one set per shape suffices).
        self._scratch = {}

    def zero_grad(self) -> None:
        """Set every parameter's ``.grad`` to zero, in place (gradients accumulate)."""
        for p in self.params:
            zero_grad = getattr(p, "zero_grad", None)
            if callable(zero_grad):     # mlpkit's Parameter: records "zero" (see its docstring)
                zero_grad()
            elif p.grad is not None:    # any other object with .data and .grad
                p.grad[...] = 0

    def step(self) -> None:
        """Update every parameter's ``.data`` in place from its ``.grad``.

        Raises ``ValueError`` (and changes nothing) if any gradient has the
        wrong shape or a NaN/infinite entry.
        """
        # Hyperparameters are checked on every step, so a schedule that sets,
        # say, ``opt.lr = 0`` fails loudly. All gradients are checked before any
        # parameter changes, so a bad one leaves the model as it was.
        hyper = self._hyper()
        grads = [self._checked_grad(i, p) for i, p in enumerate(self.params)]
        for p, g, state in zip(self.params, grads, self.state):
            w = p.data
            key = (w.shape, w.dtype)
            scratch = self._scratch.get(key)
            if scratch is None:
                scratch = self._scratch[key] = (np.empty_like(w), np.empty_like(w))
            self._update(w, g, state, scratch[0], scratch[1], hyper)

    @staticmethod
    def _checked_grad(i, p) -> np.ndarray:
        g = p.grad
        if g is None:
            raise TypeError(f"{_label(i, p)}.grad is None; call backward() before step()")
        if not (isinstance(g, np.ndarray) and g.dtype.kind == "f"):   # a floating dtype
            raise TypeError(f"{_label(i, p)}.grad must be a NumPy float array, "
                            f"got {describe(g)}")
        if g.shape != p.data.shape:
            raise ValueError(f"{_label(i, p)}.grad must have the shape of its data, "
                             f"{p.data.shape}, got {g.shape}")
        _check_finite(g, lambda: f"{_label(i, p)}.grad")   # the name is built only on error
        return g

    def _hyper(self) -> dict:  # pragma: no cover - abstract
        raise NotImplementedError

    def _update(self, w, dw, state, buf, buf2, hyper) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def _repr_items(self) -> dict:
        return {name: getattr(self, name) for name in self._HYPER_NAMES}

    def __repr__(self) -> str:
        n = sum(p.data.size for p in self.params)
        count = len(self.params)
        items = ", ".join(f"{k}={v!r}" for k, v in self._repr_items().items())
        return (f"{type(self).__name__}({items}; {count} parameter"
                f"{'' if count == 1 else 's'}, {n:,} values)")


class SGD(Optimizer):
    """Stochastic gradient descent with optional momentum, Nesterov and L2 decay.

    Applies ``sgd_update``'s formula to every parameter in place:
    ``v <- mu v - eta (dw + lambda w);  w <- w + v`` (see the module docstring).

    Parameters
    ----------
    params : iterable of Parameter
        E.g. ``model.parameters()``; a generator is read once into a list.
    lr : float
        Learning rate eta > 0 (may be changed between steps: ``opt.lr = ...``).
    momentum : float
        mu in [0, 1).
    nesterov : bool
        Nesterov momentum (needs momentum > 0).
    weight_decay : float
        L2 coefficient lambda >= 0.

    Examples
    --------
    >>> opt = SGD(model.parameters(), lr=0.1, momentum=0.9)   # doctest: +SKIP
    >>> opt.zero_grad(); loss_fn(model(x), y); model.backward(loss_fn.backward()); opt.step()
    ... # doctest: +SKIP
    """

    _HYPER_NAMES = ("lr", "momentum", "nesterov", "weight_decay")

    def __init__(self, params, lr, momentum=0.0, nesterov=False, weight_decay=0.0):
        super().__init__(params)
        _sgd_hyper(lr, momentum, nesterov, weight_decay)   # fail early on bad values
        self.lr, self.momentum, self.nesterov, self.weight_decay = (
            lr, momentum, nesterov, weight_decay)

    def _hyper(self):
        return _sgd_hyper(self.lr, self.momentum, self.nesterov, self.weight_decay)

    def _update(self, w, dw, state, buf, buf2, hyper):
        v = state.get("v")
        if v is None and hyper["momentum"] > 0:
            v = state["v"] = np.zeros_like(w)
        _sgd_kernel(w, dw, v, buf, **hyper)


class AdaGrad(Optimizer):
    """AdaGrad: per-weight steps eta / (sqrt(G) + eps), G the sum of squared gradients.

    Applies ``adagrad_update``'s formula to every parameter in place; state
    ``{"G": array}`` per parameter.

    Parameters
    ----------
    params : iterable of Parameter
    lr : float
        eta > 0.
    eps : float
        eps > 0.
    weight_decay : float
        L2 coefficient lambda >= 0.
    """

    _HYPER_NAMES = ("lr", "eps", "weight_decay")

    def __init__(self, params, lr, eps=1e-10, weight_decay=0.0):
        super().__init__(params)
        _adagrad_hyper(lr, eps, weight_decay)
        self.lr, self.eps, self.weight_decay = lr, eps, weight_decay

    def _hyper(self):
        return _adagrad_hyper(self.lr, self.eps, self.weight_decay)

    def _update(self, w, dw, state, buf, buf2, hyper):
        if "G" not in state:
            state["G"] = np.zeros_like(w)
        _adagrad_kernel(w, dw, state["G"], buf, buf2, **hyper)


class RMSProp(Optimizer):
    """RMSProp: AdaGrad with a decaying mean s of squared gradients (decay rho).

    Applies ``rmsprop_update``'s formula to every parameter in place; state
    ``{"s": array}`` per parameter.

    Parameters
    ----------
    params : iterable of Parameter
    lr : float
        eta > 0.
    rho : float
        Decay rate in [0, 1).
    eps : float
        eps > 0.
    weight_decay : float
        L2 coefficient lambda >= 0.
    """

    _HYPER_NAMES = ("lr", "rho", "eps", "weight_decay")

    def __init__(self, params, lr, rho=0.9, eps=1e-8, weight_decay=0.0):
        super().__init__(params)
        _rmsprop_hyper(lr, rho, eps, weight_decay)
        self.lr, self.rho, self.eps, self.weight_decay = lr, rho, eps, weight_decay

    def _hyper(self):
        return _rmsprop_hyper(self.lr, self.rho, self.eps, self.weight_decay)

    def _update(self, w, dw, state, buf, buf2, hyper):
        if "s" not in state:
            state["s"] = np.zeros_like(w)
        _rmsprop_kernel(w, dw, state["s"], buf, buf2, **hyper)


def _check_betas(betas):
    if isinstance(betas, (str, bytes)) or not hasattr(betas, "__len__") or len(betas) != 2:
        raise TypeError(f"betas must be a pair (beta1, beta2), got {describe(betas)}")
    return tuple(betas)


class Adam(Optimizer):
    """Adam: decaying means of the gradient (m) and its square (v), bias-corrected.

    Applies ``adam_update``'s formula to every parameter in place; state
    ``{"m": array, "v": array, "t": int}`` per parameter.

    Parameters
    ----------
    params : iterable of Parameter
    lr : float
        eta > 0.
    betas : (float, float)
        (beta1, beta2), each in [0, 1).
    eps : float
        eps > 0.
    weight_decay : float
        L2 coefficient lambda >= 0 (added to the gradient; not AdamW).
    """

    _HYPER_NAMES = ("lr", "betas", "eps", "weight_decay")

    def __init__(self, params, lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        super().__init__(params)
        betas = _check_betas(betas)
        _adam_hyper(lr, betas[0], betas[1], eps, weight_decay)
        self.lr, self.betas, self.eps, self.weight_decay = lr, betas, eps, weight_decay

    def _hyper(self):
        beta1, beta2 = _check_betas(self.betas)
        return _adam_hyper(self.lr, beta1, beta2, self.eps, self.weight_decay)

    def _update(self, w, dw, state, buf, buf2, hyper):
        if "t" not in state:
            state.update(m=np.zeros_like(w), v=np.zeros_like(w), t=0)
        state["t"] = _adam_kernel(w, dw, state["m"], state["v"], state["t"], buf, buf2,
                                  **hyper)
