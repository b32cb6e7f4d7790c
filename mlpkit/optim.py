"""Optimisers: how a gradient becomes a change of the weights.

Each optimiser is one class. Its docstring gives the update rule as
equations, and its ``update`` method is the same lines in NumPy, applied to
one parameter in place::

    opt = SGD(model.parameters(), lr=0.1, momentum=0.9)
    for xb, yb in data.batches(x, y, 32, rng=0):
        opt.zero_grad()                          # gradients accumulate: reset them
        loss = loss_fn(model(xb), yb)
        model.backward(loss_fn.backward())       # dL/dw into every p.grad
        opt.step()                               # every p.data updated in place

The state is explicit: ``opt.state[i]`` belongs to ``opt.params[i]`` and is
a dict with named entries (SGD ``{"v"}``, AdaGrad ``{"G"}``, RMSProp
``{"s"}``, Adam and AdamW ``{"m", "v", "t"}``), made by the class's
``init_state`` at the first step.

Beside each class is its **pure rule**, for lectures, exercises and widgets:
``rule(w, dw, state=None, **hyper) -> (new_w, new_state)``. It copies ``w``
and ``state``, runs the class's ``update`` on the copies and returns them,
so nothing you pass in is modified, and the rule and the class are one
formula (the tests check they agree bit for bit). Start with ``state=None``
and feed the returned state into the next call. ``w`` may be a Python float,
a vector or an array of any shape; the result keeps the dtype of ``w`` (a
Python number gives back a Python float).

``OPTIMIZERS`` and ``UPDATE_RULES`` map the names "sgd", "adagrad",
"rmsprop", "adam", "adamw" to the classes and the rules, and ``get(name)``
looks a class up. ``cls.defaults`` holds a class's hyperparameters with
their defaults (``lr`` has none: every optimiser needs one).

Notation
--------
w weights (any shape); dw = dL/dw their gradient; g the gradient the rule
uses; eta the learning rate (``lr``); mu the momentum coefficient
(``momentum``; unit 03's source material writes alpha); v the velocity;
lambda the weight-decay coefficient (``weight_decay``). Products, squares,
square roots and divisions of arrays are elementwise.

Weight decay: L2 or decoupled
-----------------------------
SGD, AdaGrad, RMSProp and Adam implement weight decay as an L2 penalty
(lambda / 2) ||w||^2 added to the loss, so its gradient is added to dw::

    g = dw + lambda * w          (g = dw when lambda = 0)

as ``torch.optim`` does with ``weight_decay``. In an adaptive method the
lambda w term is then rescaled like the rest of g (divided by sqrt(v_hat) in
Adam), so weights with large gradients are barely decayed. AdamW decouples
the decay from the gradient: see :class:`AdamW`.

Speed: in place, and no subnormal numbers
-----------------------------------------
``update`` changes ``w`` and the state arrays with NumPy's in-place
operators (``v *= mu``, ``w += v``), so the state never moves; a temporary
such as ``lr * g`` is one array, reused by NumPy's allocator. ``g`` (usually
a parameter's ``.grad``) is only read, never written.

When a weight's gradient stays exactly 0 (e.g. the weights into and out of a
dead ReLU unit), its velocity only shrinks, v <- mu v, and after some
hundreds of steps falls below float32's smallest normal number, 1.2e-38,
into the *subnormal* range, where rounding keeps it forever
(0.9 * 4 * 2^-149 rounds back to 4 * 2^-149). Arithmetic on subnormal
numbers is many times slower on many x86 processors; on the MNIST benchmark
40% of the first layer's velocities were subnormal by epoch 2. So every
``FLUSH_EVERY`` steps, ``step()`` sets the state entries smaller in
magnitude than ``np.finfo(dtype).tiny`` (1.2e-38 in float32, 2.2e-308 in
float64) to 0. That changes results only below the normal range: w + v
with such a v is w unless |w| itself is at most 2^-102 (about 2e-31) in
float32. The pure rules do not flush.
"""
from __future__ import annotations

import difflib
import functools
import inspect
import numbers

import numpy as np

from mlpkit._validation import (all_finite, as_float_array, check_choice, check_int,
                                check_positive, check_probability, describe)

__all__ = [
    "Optimizer", "SGD", "AdaGrad", "RMSProp", "Adam", "AdamW",
    "sgd_update", "adagrad_update", "rmsprop_update", "adam_update", "adamw_update",
    "OPTIMIZERS", "UPDATE_RULES", "get",
]

#: ``step()`` flushes subnormal state entries to 0 once every this many steps.
FLUSH_EVERY = 10

_DIVERGED_HINT = "; if training diverged, try a smaller lr"


# ---------------------------------------------------------------------------
# Hyperparameter checks, by name: check(name, value) -> the value to use
# ---------------------------------------------------------------------------

def _check_bool(name, value) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {describe(value)}")
    return bool(value)


def _check_betas(name, betas) -> tuple:
    if isinstance(betas, (str, bytes)) or not hasattr(betas, "__len__") or len(betas) != 2:
        raise TypeError(f"{name} must be a pair (beta1, beta2), got {describe(betas)}")
    return check_probability("beta1", betas[0]), check_probability("beta2", betas[1])


_CHECKS = {
    "lr": check_positive,
    "momentum": check_probability,
    "nesterov": _check_bool,
    "rho": check_probability,
    "betas": _check_betas,
    "eps": check_positive,
    "weight_decay": functools.partial(check_positive, allow_zero=True),
}


# ---------------------------------------------------------------------------
# The base class
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


def _check_finite(arr: np.ndarray, name) -> None:
    """Raise a ValueError naming ``arr`` (``name``: a str, or a function making one) if it
    holds NaN or inf. One read-only pass (see :func:`mlpkit._validation.all_finite`)."""
    if all_finite(arr):
        return
    if callable(name):
        name = name()
    bad = int(arr.size - np.count_nonzero(np.isfinite(arr)))
    raise ValueError(f"{name} must contain only finite numbers, got {bad} NaN or "
                     f"infinite entr{'y' if bad == 1 else 'ies'}{_DIVERGED_HINT}")


def _flush_subnormals(a: np.ndarray) -> None:
    """Set the entries of ``a`` below the dtype's smallest normal number in magnitude to 0."""
    a[np.abs(a) < np.finfo(a.dtype).tiny] = 0


class Optimizer:
    """Base class: the parameters, their state, and the loop of ``step()``.

    A subclass writes ``__init__(self, params, lr, <hyperparameters with
    defaults>)`` passing them all on to this one, and two static methods:
    ``init_state(w) -> dict`` (the state of a new parameter, all zeros) and
    ``update(w, g, state, **hyperparameters)``, which applies the rule to one
    parameter in place: ``w`` and the state's arrays change, ``g`` is only
    read.

    Attributes
    ----------
    params : list
        The parameters (objects with ``.data`` and ``.grad`` arrays).
    state : list of dict
        ``state[i]`` belongs to ``params[i]``; empty until the first ``step()``.
    steps : int
        The number of ``step()`` calls so far.
    hyperparameters : tuple of str
        The names of the constructor's hyperparameters, each an attribute
        that may be changed between steps (``opt.lr = 0.01``).
    defaults : dict
        The constructor's hyperparameters that have a default, with it
        (a class attribute, read off the signature of ``__init__``).
    """

    hyperparameters: tuple = ()    # both set for each subclass by __init_subclass__
    defaults: dict = {}            # noqa: RUF012

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        signature = inspect.signature(cls.__init__).parameters.values()
        names = [p for p in signature if p.name not in ("self", "params")
                 and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
        cls.hyperparameters = tuple(p.name for p in names)
        cls.defaults = {p.name: p.default for p in names if p.default is not p.empty}

    def __init__(self, params, **hyperparameters):
        self.params = _check_params(params)
        self.check_hyperparameters(**hyperparameters)       # fail early on a bad value
        for name, value in hyperparameters.items():
            setattr(self, name, value)
        self.state = [{} for _ in self.params]
        self.steps = 0

    @classmethod
    def check_hyperparameters(cls, **hyperparameters) -> dict:
        """Check each value (errors name it) and return them as ``update`` takes them."""
        return {name: _CHECKS[name](name, value) for name, value in hyperparameters.items()}

    def zero_grad(self) -> None:
        """Set every parameter's ``.grad`` to zero, in place (gradients accumulate)."""
        for p in self.params:
            zero_grad = getattr(p, "zero_grad", None)
            if callable(zero_grad):     # mlpkit's Parameter
                zero_grad()
            elif p.grad is not None:    # any other object with .data and .grad
                p.grad[...] = 0

    def step(self) -> None:
        """Update every parameter's ``.data`` in place from its ``.grad``.

        Raises ``ValueError`` (and changes nothing) if a hyperparameter is out
        of range or a gradient has the wrong shape or a NaN/infinite entry.
        """
        # Checked at every step, so a schedule that sets, say, opt.lr = 0 fails loudly;
        # every gradient is checked before any parameter changes.
        hyper = self.check_hyperparameters(
            **{name: getattr(self, name) for name in self.hyperparameters})
        grads = [self._checked_grad(i, p) for i, p in enumerate(self.params)]
        for p, g, state in zip(self.params, grads, self.state):
            if not state:
                state.update(self.init_state(p.data))
            self.update(p.data, g, state, **hyper)
        self.steps += 1
        if self.steps % FLUSH_EVERY == 0:     # see "no subnormal numbers" in the module doc
            for state in self.state:
                for value in state.values():
                    if isinstance(value, np.ndarray):
                        _flush_subnormals(value)

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

    @staticmethod
    def init_state(w) -> dict:  # pragma: no cover - abstract
        raise NotImplementedError

    @staticmethod
    def update(w, g, state, **hyperparameters) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def __repr__(self) -> str:
        n = sum(p.data.size for p in self.params)
        count = len(self.params)
        items = ", ".join(f"{k}={getattr(self, k)!r}" for k in self.hyperparameters)
        return (f"{type(self).__name__}({items}; {count} parameter"
                f"{'' if count == 1 else 's'}, {n:,} values)")


# ---------------------------------------------------------------------------
# The pure rules' shared body: check, copy, run the class's update on the copies
# ---------------------------------------------------------------------------

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
        return w_arr, dw_arr, float
    if isinstance(w, np.generic):
        return w_arr, dw_arr, lambda a: a[()]     # a NumPy scalar of w's dtype
    return w_arr, dw_arr, lambda a: a


def _copy_state(state, fresh: dict, rule: str) -> dict:
    """A checked copy of ``state`` (``fresh``, the state of a new parameter, when None)."""
    if state is None:
        return fresh
    if not isinstance(state, dict) or sorted(state) != sorted(fresh):
        got = sorted(state) if isinstance(state, dict) else describe(state)
        raise ValueError(f"state must be None (first call) or the state returned by the previous "
                         f"{rule} call, a dict with keys {sorted(fresh)}, got {got}")
    copy = {}
    for key, zero in fresh.items():
        if not isinstance(zero, np.ndarray):          # a step count
            copy[key] = check_int(f"state[{key!r}]", state[key], minimum=0)
            continue
        arr = as_float_array(state[key], f"state[{key!r}]", dtype=zero.dtype, finite=False)
        if arr.shape != zero.shape:
            raise ValueError(f"state[{key!r}] must have the shape of w, {zero.shape}, "
                             f"got {arr.shape}; was this state made for another w?")
        copy[key] = np.array(arr, copy=True)           # never write into the caller's state
    return copy


def _pure_rule(cls, rule: str, w, dw, state, **hyperparameters):
    """The body of every pure rule: ``cls.update`` on copies of ``w`` and ``state``."""
    hyper = cls.check_hyperparameters(**hyperparameters)
    w, dw, unwrap = _prepare(w, dw)
    new_w = w.copy()
    new_state = _copy_state(state, cls.init_state(new_w), rule)
    cls.update(new_w, dw, new_state, **hyper)
    return unwrap(new_w), new_state


# ---------------------------------------------------------------------------
# SGD
# ---------------------------------------------------------------------------

class SGD(Optimizer):
    """Stochastic gradient descent with optional momentum, Nesterov and L2 decay.

    For every parameter w with gradient dw, starting from v = 0::

        g <- dw + lambda * w           (L2 weight decay; skipped when lambda = 0)
        v <- mu * v - eta * g
        w <- w + v                     (Nesterov: w <- w + mu * v - eta * g)

    With mu = 0 this is plain gradient descent, w <- w - eta g, and v is
    the step just taken: v is always the last change of w (unit 03's
    Delta w_t = -eta grad L + mu Delta w_{t-1}).

    *Momentum conventions.* PyTorch keeps its buffer in units of a
    gradient: u <- mu u + g; w <- w - eta u. Both give the same iterates
    while eta is constant: both buffers start at 0, and if v = -eta u before
    a step, then after it v_new = mu (-eta u) - eta g = -eta (mu u + g) =
    -eta u_new, so w + v_new = w - eta u_new. (Under a learning-rate schedule
    they differ slightly: v remembers the old eta, u does not.)

    *Effective learning rate.* While the gradient stays the same (a flat
    stretch of the loss), v_t = -eta g (1 + mu + ... + mu^(t-1)) tends to
    -eta g / (1 - mu): momentum multiplies the step by 1 / (1 - mu), tenfold
    for mu = 0.9.

    *Nesterov.* Take the gradient where momentum is about to carry the
    weights, at the look-ahead point w~ + mu v::

        v  <- mu * v - eta * grad L(w~ + mu * v)
        w~ <- w~ + v

    A framework only has the gradient at the stored weights, so (like
    PyTorch) mlpkit stores the look-ahead point itself, w = w~ + mu v. Then
    w_new = w~_new + mu v_new = (w - mu v) + v_new + mu v_new
    = w + mu v_new - eta g, the rule above: both forms visit the same
    points. In PyTorch's units: u <- mu u + g; w <- w - eta (g + mu u).

    Parameters
    ----------
    params : iterable of Parameter
        E.g. ``model.parameters()``; a generator is read once into a list.
    lr : float
        Learning rate eta > 0 (may be changed between steps: ``opt.lr = ...``).
    momentum : float
        mu in [0, 1); 0 gives plain gradient descent.
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

    def __init__(self, params, lr, momentum=0.0, nesterov=False, weight_decay=0.0):
        super().__init__(params, lr=lr, momentum=momentum, nesterov=nesterov,
                         weight_decay=weight_decay)

    @classmethod
    def check_hyperparameters(cls, **hyperparameters) -> dict:
        hyper = super().check_hyperparameters(**hyperparameters)
        if hyper["nesterov"] and hyper["momentum"] == 0:
            raise ValueError("nesterov=True requires momentum > 0 (the look-ahead point is "
                             f"w + momentum * v), got momentum={hyper['momentum']}")
        return hyper

    @staticmethod
    def init_state(w) -> dict:
        return {"v": np.zeros_like(w)}            # the velocity

    @staticmethod
    def update(w, g, state, *, lr, momentum, nesterov, weight_decay):
        if weight_decay:
            g = g + weight_decay * w              # g <- dw + lambda w  (a new array)
        v = state["v"]
        v *= momentum                             # v <- mu v - eta g
        v -= lr * g
        if nesterov:
            w += momentum * v - lr * g            # w <- w + mu v - eta g
        else:
            w += v                                # w <- w + v


def sgd_update(w, dw, state=None, *, lr, momentum=0.0, nesterov=False, weight_decay=0.0):
    """One step of :class:`SGD`: ``v <- mu v - eta (dw + lambda w);  w <- w + v``.

    Every pure rule works like this one; only the state and the
    hyperparameters (those of its class) differ.

    Parameters
    ----------
    w : float or array_like, any shape S
        Current weights. Not modified.
    dw : float or array_like, shape S
        Gradient dL/dw at ``w``. Not modified.
    state : dict or None
        None on the first call, afterwards the state this function returned:
        ``{"v": array of shape S}``, the velocity (the step just taken, also
        when mu = 0). Not modified.
    lr, momentum, nesterov, weight_decay
        As for :class:`SGD`.

    Returns
    -------
    new_w : same type, shape S and dtype as ``w``
    new_state : dict ``{"v": array of shape S}``; pass it to the next call.

    Examples
    --------
    >>> w, state = 2.0, None
    >>> w, state = sgd_update(w, 12.0, state, lr=0.1)
    >>> round(w, 12)
    0.8
    """
    return _pure_rule(SGD, "sgd_update", w, dw, state, lr=lr, momentum=momentum,
                      nesterov=nesterov, weight_decay=weight_decay)


# ---------------------------------------------------------------------------
# AdaGrad
# ---------------------------------------------------------------------------

class AdaGrad(Optimizer):
    """AdaGrad: each weight's step is divided by the root of its summed squared gradients.

    For every parameter, starting from G = 0::

        g <- dw + lambda * w           (L2 weight decay; skipped when lambda = 0)
        G <- G + g^2
        w <- w - eta * g / (sqrt(G) + eps)

    G only grows, so the effective learning rate eta / (sqrt(G) + eps)
    decays toward zero (as eta / sqrt(t) for a constant gradient) and
    learning eventually stalls: the weakness RMSProp fixes. eps sits outside
    the root, as in PyTorch; the defaults are PyTorch's.

    Parameters
    ----------
    params : iterable of Parameter
    lr : float
        eta > 0.
    eps : float
        eps > 0, keeps the division finite while G is still zero.
    weight_decay : float
        L2 coefficient lambda >= 0.
    """

    def __init__(self, params, lr, eps=1e-10, weight_decay=0.0):
        super().__init__(params, lr=lr, eps=eps, weight_decay=weight_decay)

    @staticmethod
    def init_state(w) -> dict:
        return {"G": np.zeros_like(w)}            # the sum of squared gradients

    @staticmethod
    def update(w, g, state, *, lr, eps, weight_decay):
        if weight_decay:
            g = g + weight_decay * w              # g <- dw + lambda w  (a new array)
        G = state["G"]
        G += g * g                                # G <- G + g^2
        w -= lr * g / (np.sqrt(G) + eps)          # w <- w - eta g / (sqrt(G) + eps)


def adagrad_update(w, dw, state=None, *, lr, eps=1e-10, weight_decay=0.0):
    """One step of :class:`AdaGrad`: ``G <- G + g^2;  w <- w - eta g / (sqrt(G) + eps)``.

    g = dw + lambda w. Arguments and results as for :func:`sgd_update`; the state is
    ``{"G": array of shape S}``, the sum of squared gradients.
    """
    return _pure_rule(AdaGrad, "adagrad_update", w, dw, state, lr=lr, eps=eps,
                      weight_decay=weight_decay)


# ---------------------------------------------------------------------------
# RMSProp
# ---------------------------------------------------------------------------

class RMSProp(Optimizer):
    """RMSProp: AdaGrad with a decaying mean of squared gradients instead of their sum.

    For every parameter, starting from s = 0::

        g <- dw + lambda * w           (L2 weight decay; skipped when lambda = 0)
        s <- rho * s + (1 - rho) * g^2
        w <- w - eta * g / (sqrt(s) + eps)

    Old squared gradients fade away at rate rho, so, unlike AdaGrad's, the
    effective learning rate does not die out: for a constant gradient the
    step settles at eta.

    *The default rho = 0.9* is the value of Hinton's lecture that introduced
    RMSProp (Coursera, lecture 6e) and of Keras; PyTorch (which calls it
    ``alpha``) defaults to 0.99. mlpkit keeps 0.9: s then averages over about
    1 / (1 - rho) = 10 recent steps, adapting quickly when the gradient's
    scale changes, and the first steps are smaller: s starts at 0 with no
    bias correction, so the first step has length eta / sqrt(1 - rho) (up
    to eps) in every coordinate, 3.2 eta for rho = 0.9 but 10 eta for rho = 0.99. Pass
    ``rho=0.99`` to get PyTorch's behaviour.

    Parameters
    ----------
    params : iterable of Parameter
    lr : float
        eta > 0.
    rho : float
        Decay rate in [0, 1).
    eps : float
        eps > 0 added to sqrt(s) (outside the root, as in PyTorch).
    weight_decay : float
        L2 coefficient lambda >= 0.
    """

    def __init__(self, params, lr, rho=0.9, eps=1e-8, weight_decay=0.0):
        super().__init__(params, lr=lr, rho=rho, eps=eps, weight_decay=weight_decay)

    @staticmethod
    def init_state(w) -> dict:
        return {"s": np.zeros_like(w)}            # the mean of squared gradients

    @staticmethod
    def update(w, g, state, *, lr, rho, eps, weight_decay):
        if weight_decay:
            g = g + weight_decay * w              # g <- dw + lambda w  (a new array)
        s = state["s"]
        s *= rho                                  # s <- rho s + (1 - rho) g^2
        s += (1 - rho) * g * g
        w -= lr * g / (np.sqrt(s) + eps)          # w <- w - eta g / (sqrt(s) + eps)


def rmsprop_update(w, dw, state=None, *, lr, rho=0.9, eps=1e-8, weight_decay=0.0):
    """One RMSProp step: ``s <- rho s + (1 - rho) g^2;  w <- w - eta g / (sqrt(s) + eps)``.

    g = dw + lambda w. Arguments and results as for :func:`sgd_update`; the state is
    ``{"s": array of shape S}``, the decaying mean of squared gradients.
    """
    return _pure_rule(RMSProp, "rmsprop_update", w, dw, state, lr=lr, rho=rho, eps=eps,
                      weight_decay=weight_decay)


# ---------------------------------------------------------------------------
# Adam and AdamW
# ---------------------------------------------------------------------------

class Adam(Optimizer):
    """Adam: decaying means of the gradient (m) and of its square (v), bias-corrected.

    For every parameter, starting from m = v = 0 and t = 0::

        g <- dw + lambda * w           (L2 weight decay; skipped when lambda = 0)
        t <- t + 1
        m <- beta1 * m + (1 - beta1) * g
        v <- beta2 * v + (1 - beta2) * g^2
        m_hat = m / (1 - beta1^t),   v_hat = v / (1 - beta2^t)
        w <- w - eta * m_hat / (sqrt(v_hat) + eps)

    m is a momentum-like mean of the gradient, v RMSProp's mean of its
    square. Both start at zero, which biases the early means toward zero;
    dividing by 1 - beta^t removes that bias, so the very first step has
    length eta (up to eps) in every coordinate, whatever the gradient's
    scale. eps sits outside the root, as in PyTorch and the Adam paper; the
    defaults are theirs. Weight decay here is the L2 penalty (like
    ``torch.optim.Adam``); for decoupled decay use :class:`AdamW`.

    Parameters
    ----------
    params : iterable of Parameter
    lr : float
        eta > 0.
    betas : (float, float)
        (beta1, beta2), the decay rates of m and v, each in [0, 1).
    eps : float
        eps > 0 added to sqrt(v_hat).
    weight_decay : float
        L2 coefficient lambda >= 0.
    """

    def __init__(self, params, lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay)

    @staticmethod
    def init_state(w) -> dict:
        return {"m": np.zeros_like(w), "v": np.zeros_like(w), "t": 0}

    @staticmethod
    def update(w, g, state, *, lr, betas, eps, weight_decay):
        if weight_decay:
            g = g + weight_decay * w              # g <- dw + lambda w  (a new array)
        beta1, beta2 = betas
        m, v = state["m"], state["v"]
        state["t"] += 1                           # t <- t + 1
        t = state["t"]
        m *= beta1                                # m <- beta1 m + (1 - beta1) g
        m += (1 - beta1) * g
        v *= beta2                                # v <- beta2 v + (1 - beta2) g^2
        v += (1 - beta2) * g * g
        m_hat = m / (1 - beta1 ** t)
        v_hat = v / (1 - beta2 ** t)
        w -= lr * m_hat / (np.sqrt(v_hat) + eps)  # w <- w - eta m_hat / (sqrt(v_hat) + eps)


def adam_update(w, dw, state=None, *, lr, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.0):
    """One step of :class:`Adam` (bias-corrected, L2 weight decay).

    Arguments and results as for :func:`sgd_update`; the state is ``{"m": array S,
    "v": array S, "t": int}`` (t = steps taken). The class takes ``betas=(beta1,
    beta2)``; the rule takes them apart.
    """
    return _pure_rule(Adam, "adam_update", w, dw, state, lr=lr, betas=(beta1, beta2), eps=eps,
                      weight_decay=weight_decay)


class AdamW(Adam):
    """AdamW: Adam with decoupled weight decay (Loshchilov and Hutter, 2019).

    For every parameter, with the state of :class:`Adam`::

        w <- w - eta * lambda * w      (decoupled decay; first, on the old w)
        then Adam's step on g = dw, without the L2 term:
        w <- w - eta * m_hat / (sqrt(v_hat) + eps)

    so in one line, with w the weights before the step,
    w <- w - eta * (m_hat / (sqrt(v_hat) + eps) + lambda * w).

    *AdamW versus Adam with L2.* Adam's L2 decay adds lambda w to g, so the
    decay passes through m and v and is divided by sqrt(v_hat): a weight
    with large gradients is barely decayed. AdamW shrinks every weight by
    the same factor 1 - eta lambda per step, whatever its gradients. The two
    agree when lambda = 0 (and for plain SGD, L2 and decoupled decay are
    the same step).

    *Convention.* This is ``torch.optim.AdamW``: the decay is multiplied by
    the learning rate (w <- w - lr * lambda * w), so changing lr changes the
    decay per step too; the paper multiplies lambda by a separate schedule
    factor instead. PyTorch's default lambda, 0.01, is the default here.

    Parameters
    ----------
    params, lr, betas, eps
        As for :class:`Adam`.
    weight_decay : float
        The decoupled decay lambda >= 0 (default 0.01).
    """

    def __init__(self, params, lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01):
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay)

    @staticmethod
    def update(w, g, state, *, lr, betas, eps, weight_decay):
        w *= 1 - lr * weight_decay                # w <- w - eta lambda w
        Adam.update(w, g, state, lr=lr, betas=betas, eps=eps, weight_decay=0.0)


def adamw_update(w, dw, state=None, *, lr, beta1=0.9, beta2=0.999, eps=1e-8,
                 weight_decay=0.01):
    """One step of :class:`AdamW`: ``w <- w - eta lambda w``, then Adam's step on dw.

    Arguments and results as for :func:`adam_update`; lambda defaults to 0.01.
    """
    return _pure_rule(AdamW, "adamw_update", w, dw, state, lr=lr, betas=(beta1, beta2),
                      eps=eps, weight_decay=weight_decay)



# ---------------------------------------------------------------------------
# The registry: what widgets, tests and docs iterate over
# ---------------------------------------------------------------------------

#: Every optimiser class by name.
OPTIMIZERS = {"sgd": SGD, "adagrad": AdaGrad, "rmsprop": RMSProp, "adam": Adam, "adamw": AdamW}

#: Every pure rule by the same name.
UPDATE_RULES = {"sgd": sgd_update, "adagrad": adagrad_update, "rmsprop": rmsprop_update,
                "adam": adam_update, "adamw": adamw_update}


def get(name: str) -> type:
    """Return the optimiser class called ``name`` (a key of :data:`OPTIMIZERS`).

    A typo raises ``ValueError`` listing the valid names and the closest match.
    """
    if not isinstance(name, str):
        raise TypeError(f"optimizer must be the name of an optimiser (a str), "
                        f"got {describe(name)}")
    try:
        check_choice("optimizer", name, tuple(OPTIMIZERS))
    except ValueError as exc:
        close = difflib.get_close_matches(name.lower(), OPTIMIZERS, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise ValueError(f"{exc}{hint}") from None
    return OPTIMIZERS[name]
