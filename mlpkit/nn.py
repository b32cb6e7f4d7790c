"""Layers with an explicit forward and backward pass.

Every layer is a :class:`Module` with two methods:

* ``forward(x) -> out`` computes the layer and keeps (caches) only what the
  backward pass will need;
* ``backward(grad_out) -> grad_in`` takes dL/d(out) and returns dL/d(x),
  adding the gradients of the layer's parameters into their ``.grad``.

Neither method modifies its argument or the cache, and parameter gradients
*accumulate* (``+=``), as in PyTorch: call ``model.zero_grad()`` before each
backward pass. Names follow PyTorch (``Linear``, ``ReLU``, ``Sequential``,
``parameters()``, ``zero_grad()``, ``train()``/``eval()``)::

    model = Sequential(Linear(784, 256, init="he_normal", rng=0), ReLU(),
                       Linear(256, 10, rng=1))
    loss_fn = CrossEntropyLoss()                  # from mlpkit.losses
    loss = loss_fn(model(x), y)                   # forward
    model.zero_grad()
    model.backward(loss_fn.backward())            # backward: fills p.grad
    optimizer.step()                              # e.g. SGD(model.parameters(), lr=0.1)

Notation: x is a batch of shape (B, D), a layer's weight W has shape (M, D)
(out, in), its bias b shape (M,), z = x W^T + b has shape (B, M),
a = phi(z), and delta = dL/dz is the layer's error signal.

Input checks: layers check type, shape and dtype (cheap, O(1) work) but not
that every value is finite: that would be one more full pass over every
batch in every layer. Non-finite values are caught where they all end up,
in the loss (see :mod:`mlpkit.functional`).
"""
from __future__ import annotations

import contextlib
import inspect
import numbers

import numpy as np

from mlpkit import functional as F
from mlpkit import init as _init
from mlpkit._validation import (as_float_array, check_choice, check_int, check_positive,
                                check_probability, check_rng, describe)

__all__ = [  # and one activation layer per row of functional.ACTIVATIONS (ReLU, Tanh, ...)
    "Parameter", "Module", "Linear", "Activation", "Softmax", "Dropout", "BatchNorm1d",
    "Sequential",
]


# ====================================================================== Parameter

class Parameter:
    """A learnable array together with its gradient.

    Parameters
    ----------
    data : array_like
        The values (e.g. a weight matrix W of shape (M, D)); float32 and
        float64 are kept, other numbers become float32. Not copied when it
        already is a float array.
    name : str
        A short name used in ``repr`` and in ``named_parameters()``.

    Attributes
    ----------
    data : np.ndarray
        The values; optimisers update them in place.
    grad : np.ndarray
        dL/d(data), same shape and dtype, starting at zero. Backward passes
        *add* into it (``grad += ...``); :meth:`zero_grad` sets it back to
        zero in place, so it stays the same array object (unless you assign
        a new one).
    """

    def __init__(self, data, name: str = "param"):
        if not isinstance(name, str):
            raise TypeError(f"name must be a str, got {describe(name)}")
        self.data = as_float_array(data, "data")
        self.grad = np.zeros_like(self.data)
        self.name = name

    @property
    def shape(self) -> tuple:
        """The shape of ``data`` (and of ``grad``)."""
        return self.data.shape

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype

    def zero_grad(self) -> None:
        """Set every entry of ``grad`` to zero, in place."""
        self.grad.fill(0)

    def __repr__(self) -> str:
        return f"Parameter(name={self.name!r}, shape={self.shape}, dtype={self.dtype})"


# ====================================================================== helpers

def _need_cache(layer, cache):
    if cache is None:
        raise RuntimeError(f"{type(layer).__name__}.backward was called before forward: "
                           "run forward(x) first, then backward(grad_out)")


def _as_grad_out(grad_out, shape, dtype) -> np.ndarray:
    """dL/d(out) with exactly the shape of the forward output, in the layer's dtype."""
    g = as_float_array(grad_out, "grad_out", dtype=dtype, finite=False)
    if g.shape != shape:
        raise ValueError(f"grad_out must have the shape of this layer's output {shape}, "
                         f"got {g.shape}")
    return g


def _check_bool(name, value) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {describe(value)}")
    return bool(value)


def _short_name(layer) -> str:
    if isinstance(layer, Sequential):
        return "Sequential"
    return f"{type(layer).__name__}({layer.extra_repr()})"


# ====================================================================== Module

class Module:
    """Base class of every layer and model.

    Subclasses implement :meth:`forward` and :meth:`backward`; layers with
    parameters override :meth:`named_parameters`; containers override
    :meth:`children`. ``training`` is True after construction; :meth:`eval`
    switches layers such as Dropout and BatchNorm1d to their test-time
    behaviour.
    """

    def __init__(self):
        self.training = True

    # --- the two passes
    def forward(self, x):
        """Compute the layer's output for a batch x; cache what backward needs."""
        raise NotImplementedError(f"{type(self).__name__} must implement forward(x)")

    def backward(self, grad_out):
        """Given dL/d(out), add parameter gradients into .grad and return dL/dx."""
        raise NotImplementedError(f"{type(self).__name__} must implement backward(grad_out)")

    def __call__(self, *args, **kwargs):
        return self.forward(*args, **kwargs)

    # --- structure
    def children(self) -> list:
        """The direct sub-modules (empty for a plain layer)."""
        return []

    def modules(self):
        """Yield this module and every sub-module, depth first."""
        yield self
        for child in self.children():
            yield from child.modules()

    def named_parameters(self) -> list:
        """``[(name, Parameter), ...]``, e.g. ``[("weight", W), ("bias", b)]``."""
        return []

    def parameters(self) -> list:
        """The learnable parameters, each once: ``SGD(model.parameters(), lr=0.1)``."""
        seen, params = set(), []
        for _, p in self.named_parameters():
            if id(p) not in seen:       # a layer used twice shares its parameters
                seen.add(id(p))
                params.append(p)
        return params

    def zero_grad(self) -> None:
        """Reset every parameter's ``.grad`` to zero (call it before each backward)."""
        for p in self.parameters():
            p.zero_grad()

    # --- modes
    def train(self, mode=True):
        """Set training mode (``mode=True``) or evaluation mode, here and in every sub-module.

        Returns self, so ``model = Sequential(...).train()`` works.
        """
        mode = _check_bool("mode", mode)
        for m in self.modules():
            m.training = mode
        return self

    def eval(self):
        """Evaluation mode: Dropout passes x through, BatchNorm1d uses its running statistics."""
        return self.train(False)

    # --- dtype
    def to(self, dtype):
        """Cast parameters (and buffers such as running statistics) to ``dtype``, in place.

        ``model.to(np.float64)`` prepares a gradient check. Returns self. Create
        the optimiser afterwards, as in PyTorch.
        """
        dtype = _init._check_dtype(dtype)
        for p in self.parameters():
            p.data = p.data.astype(dtype, copy=False)
            p.grad = p.grad.astype(dtype, copy=False)
        for m in self.modules():
            m._cast_buffers(dtype)
        return self

    def _cast_buffers(self, dtype) -> None:
        """Cast non-learnable state arrays; layers that have some override this."""

    # --- printing
    def extra_repr(self) -> str:
        """The text between the parentheses of ``repr``, e.g. ``"alpha=0.01"``."""
        return ""

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.extra_repr()})"


# ====================================================================== Linear

class Linear(Module):
    """Fully connected layer: z = x W^T + b.

    Parameters
    ----------
    in_features : int
        D, the number of input features.
    out_features : int
        M, the number of outputs (neurons).
    bias : bool
        Whether to learn a bias b.
    init : str or callable
        How W starts: a name from :mod:`mlpkit.init` (``"default"``,
        ``"he_normal"``, ``"xavier_uniform"``, ...) or a callable
        ``init(shape, rng, dtype)`` returning an array of shape (M, D).
        The bias always starts at zero.
    rng : None, int or numpy.random.Generator
        Randomness for the initialiser.
    dtype : floating dtype
        The dtype of the parameters and of the computation (float32 by default).

    Attributes
    ----------
    weight : Parameter, shape (M, D) (out, in, as in PyTorch)
    bias : Parameter of shape (M,), or None when ``bias=False``

    Shapes
    ------
    forward: x (B, D) -> z (B, M)
    backward: grad_out = delta = dL/dz (B, M) -> dL/dx (B, D);
    adds dL/dW = delta^T x (M, D) and dL/db = sum of delta over the batch (M,).
    """

    def __init__(self, in_features, out_features, *, bias=True, init="default", rng=None,
                 dtype=np.float32):
        super().__init__()
        self.in_features = check_int("in_features", in_features)
        self.out_features = check_int("out_features", out_features)
        has_bias = _check_bool("bias", bias)
        dtype = _init._check_dtype(dtype)
        rng = check_rng(rng)
        if isinstance(init, str):
            init_fn = _init.get(init)
            self.init = init
        elif callable(init):
            init_fn = init
            self.init = getattr(init, "__name__", repr(init))
        else:
            raise TypeError(f"init must be an initialiser name such as 'he_normal' or a "
                            f"callable (shape, rng, dtype), got {describe(init)}")
        shape = (self.out_features, self.in_features)
        w = as_float_array(init_fn(shape, rng, dtype), f"init({shape})", dtype=dtype)
        if w.shape != shape:
            raise ValueError(f"init must return an array of shape (out_features, in_features) "
                             f"= {shape}, got {w.shape}")
        self.weight = Parameter(w, "weight")
        self.bias = (Parameter(np.zeros(self.out_features, dtype=dtype), "bias")
                     if has_bias else None)
        self._x = None

    def named_parameters(self) -> list:
        params = [("weight", self.weight)]
        if self.bias is not None:
            params.append(("bias", self.bias))
        return params

    def forward(self, x):
        """z = x W^T + b for a batch x of shape (B, D); returns z of shape (B, M).

        x is converted to the layer's dtype if needed (float64 data into a
        float32 layer costs one copy; pass float32 to avoid it).
        """
        W = self.weight.data
        x = as_float_array(x, "x", ndim=2, features=self.in_features, dtype=W.dtype,
                           finite=False)
        z = x @ W.T                 # (B, D) @ (D, M)
        if self.bias is not None:
            z += self.bias.data     # + b, broadcast over the batch
        self._x = x                 # the only thing backward needs (kept by reference)
        return z

    def backward(self, grad_out, *, input_grad=True):
        """Backward pass.

        Parameters
        ----------
        grad_out : array_like, shape (B, M)
            delta = dL/dz.
        input_grad : bool
            Set False when nobody needs dL/dx, e.g. for the first layer of a
            model (the data has no gradient): it skips the largest matmul of
            the backward pass. Then None is returned.

        Returns
        -------
        np.ndarray of shape (B, D), dL/dx = delta W, or None.
        """
        _need_cache(self, self._x)
        x, W = self._x, self.weight.data
        delta = _as_grad_out(grad_out, (x.shape[0], self.out_features), W.dtype)
        self.weight.grad += delta.T @ x          # dL/dW = delta^T x, (M, B) @ (B, D)
        if self.bias is not None:
            self.bias.grad += delta.sum(axis=0)  # dL/db = sum of delta over the batch, (M,)
        if not input_grad:
            return None
        return delta @ W                         # dL/dx = delta W, (B, M) @ (M, D)

    def extra_repr(self) -> str:
        text = (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}, init={self.init!r}")
        if self.weight.dtype != np.float32:
            text += f", dtype={self.weight.dtype}"
        return text


# ====================================================================== activations

class Activation(Module):
    """An elementwise activation a = phi(z): any row of ``functional.ACTIVATIONS``.

    ``Activation("leaky_relu", alpha=0.2)`` is the layer ``LeakyReLU(alpha=0.2)``:
    the named classes (``Identity``, ``Sigmoid``, ``Tanh``, ``ReLU``,
    ``LeakyReLU``, ``ELU``, ``Softplus``, ...) are made from the same table, one
    per row, so a new activation in :mod:`mlpkit.functional` is a layer here
    at once. Hyperparameters such as alpha are attributes (``layer.alpha``).

    Shapes
    ------
    forward: z of any shape, e.g. (B, M) -> a = phi(z), same shape; caches z.
    backward: dL/da -> dL/dz = dL/da * phi'(z), same shape.
    Computation stays in z's dtype.
    """

    def __init__(self, name, **hyper):
        super().__init__()
        if not isinstance(name, str):
            raise TypeError(f"name must be the name of an activation such as 'relu', "
                            f"got {describe(name)}")
        self.activation = F.ACTIVATIONS[check_choice("name", name, tuple(F.ACTIVATIONS))]
        for key, value in self.activation.hyperparameters(**hyper).items():
            setattr(self, key, value)
        self._z = None

    def _hyper(self) -> dict:
        return {key: getattr(self, key) for key in self.activation.defaults}

    def forward(self, x):
        z = as_float_array(x, "x", finite=False)
        self._z = z
        return self.activation.phi(z, **self._hyper())

    def backward(self, grad_out):
        _need_cache(self, self._z)
        z = self._z
        g = _as_grad_out(grad_out, z.shape, z.dtype)
        return g * self.activation.grad(z, **self._hyper())     # dL/dz = dL/da * phi'(z)

    def extra_repr(self) -> str:
        text = [f"{key}={value}" for key, value in self._hyper().items()]
        if type(self) is Activation:
            text.insert(0, repr(self.activation.name))
        return ", ".join(text)


def _activation_layer(activation: F.Activation) -> type:
    """The class ``nn.<activation.layer>``, e.g. ``LeakyReLU(alpha=0.01)``, for one row
    of ``functional.ACTIVATIONS``: an :class:`Activation` whose constructor takes
    that row's hyperparameters (by position or name, with its defaults)."""
    signature = inspect.Signature(
        [inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)]
        + [inspect.Parameter(key, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=value)
           for key, value in activation.defaults.items()])

    def __init__(self, *args, **kwargs):
        hyper = signature.bind(self, *args, **kwargs).arguments
        del hyper["self"]
        Activation.__init__(self, activation.name, **hyper)

    __init__.__signature__ = signature
    doc = (f"a = {activation.formula}, elementwise (:func:`mlpkit.functional."
           f"{activation.name}`). Shapes: (B, M) -> (B, M).\n\n"
           f"The layer ``Activation({activation.name!r})``; see :class:`Activation`.")
    return type(activation.layer, (Activation,),
                {"__init__": __init__, "__doc__": doc, "__module__": __name__,
                 "__qualname__": activation.layer})


# Identity, Sigmoid, Tanh, ReLU, LeakyReLU, ELU, Softplus, ...: one class per row.
for _activation in F.ACTIVATIONS.values():
    globals()[_activation.layer] = _activation_layer(_activation)
    __all__.append(_activation.layer)
del _activation


class Softmax(Module):
    """y_hat = softmax(z) along ``axis`` (the class axis). (B, C) -> (B, C).

    For training a classifier, feed logits to ``CrossEntropyLoss`` instead:
    it fuses softmax with the loss, which is faster and stabler. This layer
    is for reading probabilities, or for custom losses.

    backward: with a = softmax(z) and g = dL/da, the Jacobian-vector product
    is dL/dz = a * (g - sum_k g_k a_k), the sum taken along ``axis``.
    """

    def __init__(self, axis=-1):
        super().__init__()
        self.axis = F._check_axis(axis)
        self._a = None

    def forward(self, x):
        a = F.softmax(as_float_array(x, "x", finite=False), axis=self.axis)
        self._a = a
        return a

    def backward(self, grad_out):
        _need_cache(self, self._a)
        a = self._a
        g = _as_grad_out(grad_out, a.shape, a.dtype)
        delta = g - np.sum(g * a, axis=self.axis, keepdims=True)
        delta *= a
        return delta

    def extra_repr(self):
        return f"axis={self.axis}"


# ====================================================================== Dropout

class Dropout(Module):
    """Inverted dropout: in training, zero each entry with probability p.

    The kept entries are scaled by 1 / (1 - p), so the expected output equals
    the input and nothing needs rescaling at test time; in evaluation mode
    (``model.eval()``) the layer returns x unchanged. Dropping random units
    keeps neurons from relying on particular partners (co-adaptation).

    Parameters
    ----------
    p : float in [0, 1)
        The probability of dropping an entry.
    rng : None, int or numpy.random.Generator
        The source of the random masks.

    Shapes: x of any shape, e.g. (B, M) -> same shape; backward multiplies
    dL/d(out) by the same scaled mask.

    For a gradient check the mask must not change between forward passes:
    run them inside ``with layer.frozen_mask():`` (see :meth:`frozen_mask`).
    ``mlpkit.gradcheck`` does this for you.
    """

    def __init__(self, p=0.5, rng=None):
        super().__init__()
        self.p = check_probability("p", p)
        self.rng = check_rng(rng)
        self._mask = None          # scaled keep-mask of the last forward; None = identity
        self._frozen = False
        self._frozen_keep = None   # the boolean keep-mask reused while frozen

    @contextlib.contextmanager
    def frozen_mask(self, mask=None):
        """Reuse one dropout mask for every training-mode forward pass in the block.

        Parameters
        ----------
        mask : array_like of bool (or 0/1), optional
            Which entries to keep, shape (B, M) like x. If omitted, the first
            forward pass in the block draws a mask and later passes reuse it.

        Example
        -------
        ::

            drop = Dropout(0.5, rng=0)
            with drop.frozen_mask():
                out1, out2 = drop(x), drop(x)        # the same entries are dropped
        """
        keep = None
        if mask is not None:
            keep = np.asarray(mask)
            if keep.dtype != np.bool_:
                if not (np.issubdtype(keep.dtype, np.number)
                        and np.all((keep == 0) | (keep == 1))):
                    raise ValueError("mask must hold booleans or 0/1 values (True = keep), "
                                     f"got {describe(keep)}")
                keep = keep.astype(bool)
        previous = (self._frozen, self._frozen_keep)
        self._frozen, self._frozen_keep = True, keep
        try:
            yield self
        finally:
            self._frozen, self._frozen_keep = previous

    def forward(self, x):
        x = as_float_array(x, "x", finite=False)
        if not self.training or self.p == 0.0:
            self._mask = None
            return x                                  # identity (x itself, as in PyTorch)
        if self._frozen and self._frozen_keep is not None:
            keep = self._frozen_keep
            if keep.shape != x.shape:
                raise ValueError(f"the frozen dropout mask has shape {keep.shape}, but x has "
                                 f"shape {x.shape}; freeze a new mask for this batch size")
        else:
            keep = self.rng.random(x.shape, dtype=x.dtype) >= self.p   # P(keep) = 1 - p
            if self._frozen:
                self._frozen_keep = keep
        self._mask = np.multiply(keep, 1.0 / (1.0 - self.p), dtype=x.dtype)
        return x * self._mask

    def backward(self, grad_out):
        if self._mask is None:  # evaluation mode (or p = 0): the identity
            return as_float_array(grad_out, "grad_out", finite=False)
        return _as_grad_out(grad_out, self._mask.shape, self._mask.dtype) * self._mask

    def extra_repr(self):
        return f"p={self.p}"


# ====================================================================== BatchNorm1d

class BatchNorm1d(Module):
    """Batch normalisation of each feature over the batch, with learned scale and shift.

    Training mode, for x of shape (B, M) (statistics per feature, over B):

        mu = mean(x), var = mean((x - mu)^2)          (biased variance)
        x_hat = (x - mu) / sqrt(var + eps)
        out = gamma * x_hat + beta

    and the running statistics move toward the batch ones, as in PyTorch:
    running = (1 - momentum) running + momentum * batch, where the batch
    variance stored is the unbiased one, var * B / (B - 1). With
    ``momentum=None`` they are the cumulative average over all batches.
    Evaluation mode normalises with ``running_mean`` and ``running_var``
    instead, so one example's output no longer depends on the others.

    Parameters
    ----------
    num_features : int
        M, the number of features.
    eps : float > 0
        Added to the variance before the square root.
    momentum : float in [0, 1] or None
        Weight of the new batch in the running statistics (PyTorch's
        convention, the opposite of an optimiser's momentum).
    dtype : floating dtype
        Of the parameters and the computation.

    Attributes
    ----------
    weight : Parameter (M,), gamma, starts at 1 (also available as ``.gamma``)
    bias : Parameter (M,), beta, starts at 0 (also available as ``.beta``)
    running_mean : np.ndarray (M,), starts at 0
    running_var : np.ndarray (M,), starts at 1
    num_batches_tracked : int

    Shapes: x (B, M) -> out (B, M); backward dL/d(out) (B, M) -> dL/dx (B, M).
    """

    def __init__(self, num_features, eps=1e-5, momentum=0.1, *, dtype=np.float32):
        super().__init__()
        self.num_features = check_int("num_features", num_features)
        self.eps = check_positive("eps", eps)
        self.momentum = (None if momentum is None else
                         check_probability("momentum", momentum, high_inclusive=True))
        dtype = _init._check_dtype(dtype)
        self.weight = Parameter(np.ones(self.num_features, dtype=dtype), "weight")
        self.bias = Parameter(np.zeros(self.num_features, dtype=dtype), "bias")
        self.running_mean = np.zeros(self.num_features, dtype=dtype)
        self.running_var = np.ones(self.num_features, dtype=dtype)
        self.num_batches_tracked = 0
        self._cache = None

    @property
    def gamma(self) -> Parameter:
        """The learned scale (the same Parameter as ``weight``)."""
        return self.weight

    @property
    def beta(self) -> Parameter:
        """The learned shift (the same Parameter as ``bias``)."""
        return self.bias

    def named_parameters(self) -> list:
        return [("weight", self.weight), ("bias", self.bias)]

    def _cast_buffers(self, dtype) -> None:
        self.running_mean = self.running_mean.astype(dtype, copy=False)
        self.running_var = self.running_var.astype(dtype, copy=False)

    def forward(self, x):
        x = as_float_array(x, "x", ndim=2, features=self.num_features,
                           dtype=self.weight.dtype, finite=False)
        if self.training:
            B = x.shape[0]
            if B < 2:
                raise ValueError("x must hold at least 2 examples for BatchNorm1d in training "
                                 f"mode (a variance needs two), got a batch of {B}; use "
                                 "model.eval() to run single examples")
            mu = x.mean(axis=0)
            x_hat = x - mu                                 # fresh: normalised in place below
            var = np.mean(x_hat * x_hat, axis=0)           # biased, as used for normalising
            inv_std = 1.0 / np.sqrt(var + self.eps)
            self._update_running(mu, var, B)
        else:
            x_hat = x - self.running_mean
            inv_std = 1.0 / np.sqrt(self.running_var + self.eps)
        x_hat *= inv_std
        out = x_hat * self.weight.data
        out += self.bias.data
        self._cache = (x_hat, inv_std, self.training)
        return out

    def _update_running(self, mu, var, B) -> None:
        self.num_batches_tracked += 1
        m = 1.0 / self.num_batches_tracked if self.momentum is None else self.momentum
        self.running_mean *= 1.0 - m
        self.running_mean += m * mu
        self.running_var *= 1.0 - m
        self.running_var += (m * B / (B - 1)) * var        # unbiased, as PyTorch stores it

    def backward(self, grad_out):
        """dL/dx for dL/d(out) g of shape (B, M); adds dL/dgamma and dL/dbeta.

        dL/dbeta = sum_i g_i, dL/dgamma = sum_i g_i x_hat_i. In training mode
        mu and var depend on x too, and the chain rule through them gives

            dL/dx = gamma / sqrt(var + eps) * (g - mean(g) - x_hat * mean(g x_hat))

        (means over the batch): the gradient loses its mean and its component
        along x_hat. In evaluation mode the statistics are constants and
        dL/dx = gamma / sqrt(running_var + eps) * g.
        """
        _need_cache(self, self._cache)
        x_hat, inv_std, batch_stats = self._cache
        g = _as_grad_out(grad_out, x_hat.shape, x_hat.dtype)
        dbeta = g.sum(axis=0)
        dgamma = np.sum(g * x_hat, axis=0)
        self.bias.grad += dbeta
        self.weight.grad += dgamma
        scale = self.weight.data * inv_std                 # gamma / sqrt(var + eps), (M,)
        if not batch_stats:
            return g * scale
        B = g.shape[0]
        dx = x_hat * (dgamma / B)                          # x_hat * mean(g x_hat)
        np.subtract(g, dx, out=dx)
        dx -= dbeta / B                                    # - mean(g)
        dx *= scale
        return dx

    def extra_repr(self):
        return f"num_features={self.num_features}, eps={self.eps}, momentum={self.momentum}"


# ====================================================================== Sequential

class Sequential(Module):
    """A chain of layers, f(x) = f_n(...f_2(f_1(x))); backward runs them in reverse.

    Supports ``model[i]`` (a slice gives a Sequential sharing the layers),
    ``len(model)``, iteration and ``model.append(layer)``. ``train()``/``eval()``
    and ``zero_grad()`` reach every layer; parameters are named like
    PyTorch's (``"0.weight"``, ``"0.bias"``, ...).

    Shapes: x (B, D) -> the last layer's output, e.g. logits (B, C); backward
    dL/d(output) -> dL/dx (B, D).
    """

    def __init__(self, *layers):
        super().__init__()
        self._layers = []
        for layer in layers:
            self.append(layer)

    def append(self, layer):
        """Add a layer at the end; returns self."""
        if not isinstance(layer, Module):
            raise TypeError(f"each layer must be an mlpkit.nn.Module such as Linear(2, 3) or "
                            f"ReLU(), got {describe(layer)}")
        self._layers.append(layer)
        return self

    def children(self) -> list:
        return list(self._layers)

    def named_parameters(self) -> list:
        return [(f"{i}.{name}", p) for i, layer in enumerate(self._layers)
                for name, p in layer.named_parameters()]

    def forward(self, x):
        for i, layer in enumerate(self._layers):
            try:
                x = layer.forward(x)
            except (ValueError, TypeError) as exc:
                _name_layer(exc, i, layer)
                raise
        return x

    def backward(self, grad_out, *, input_grad=True):
        """Backpropagate dL/d(output) through the layers in reverse order.

        With ``input_grad=False`` the first layer skips computing dL/dx (the
        data needs no gradient; for the MNIST MLP 784-256-128-10 that is 40% of the
        backward matmul work) and None is returned. Training loops use it.
        """
        g = grad_out
        for i in range(len(self._layers) - 1, -1, -1):
            layer = self._layers[i]
            try:
                if i == 0 and not input_grad:
                    if isinstance(layer, (Linear, Sequential)):
                        layer.backward(g, input_grad=False)
                    else:
                        layer.backward(g)
                    return None
                g = layer.backward(g)
            except (ValueError, TypeError) as exc:
                _name_layer(exc, i, layer)
                raise
        return g

    def __getitem__(self, index):
        if isinstance(index, slice):
            return Sequential(*self._layers[index])
        if isinstance(index, bool) or not isinstance(index, numbers.Integral):
            raise TypeError(f"index must be an int or a slice, got {describe(index)}")
        n = len(self._layers)
        if not -n <= index < n:
            raise IndexError(f"index must be in {-n}..{n - 1} for a Sequential of {n} layers, "
                             f"got {index}")
        return self._layers[index]

    def __len__(self) -> int:
        return len(self._layers)

    def __iter__(self):
        return iter(self._layers)

    def __repr__(self) -> str:
        if not self._layers:
            return "Sequential()"
        lines = ["Sequential("]
        for i, layer in enumerate(self._layers):
            child = repr(layer).replace("\n", "\n  ")  # nested containers stay indented
            lines.append(f"  ({i}): {child}")
        lines.append(")")
        return "\n".join(lines)


def _name_layer(exc, i, layer) -> None:
    """Add which layer failed to an error message (keeps its type and traceback)."""
    if exc.args and isinstance(exc.args[0], str):
        exc.args = (f"{exc.args[0]} [in layer ({i}) {_short_name(layer)}]",) + exc.args[1:]
