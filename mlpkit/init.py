"""Weight initialisers: where the weights W of a layer start.

Every initialiser has the same signature::

    W = name(shape, rng=None, dtype=np.float32, **kw)

with ``shape = (fan_out, fan_in) = (M, D)``, the shape of a ``Linear`` layer's
weight (out, in, as in PyTorch). ``rng`` is None, an int seed or a
``numpy.random.Generator``; the global NumPy generator is never used.

Why the scale matters: with z = Wx + b and inputs of unit variance, each of the
M outputs sums D = fan_in products, so Var(z) = fan_in * Var(W) * Var(x). A
variance that keeps Var(z) near Var(x) keeps the signal (and, backwards, the
gradient) from vanishing or exploding through depth:

=================  =========================  ====================================
scheme             Var(W)                     meant for
=================  =========================  ====================================
LeCun              1 / fan_in                 SELU / linear; the baseline
Xavier (Glorot)    2 / (fan_in + fan_out)     sigmoid, tanh (averages the forward
                                              and backward conditions)
He (Kaiming)       2 / fan_in                 ReLU (which zeroes half its inputs)
``default``        1 / (3 fan_in)             uniform(+-1/sqrt(fan_in)), the
                                              common framework default
=================  =========================  ====================================

Each comes as a normal distribution with std = sqrt(Var) and a uniform one on
[-bound, bound] with bound = sqrt(3 Var) (a uniform on [-a, a] has variance
a^2 / 3). Constant initialisation (``zeros``, ``constant``) gives every neuron
of a layer the same output and the same gradient, so they never become
different: the symmetry problem. It is fine for biases.

Use one by name in a layer, ``Linear(784, 256, init="he_normal")``, or look it
up with :func:`get`.
"""
from __future__ import annotations

import difflib
import math
import numbers

import numpy as np

from mlpkit._validation import _check_real, check_choice, check_positive, check_rng, describe


# ---------------------------------------------------------------- helpers

def _check_shape(shape) -> tuple:
    """Return ``shape`` as a tuple of positive ints (an int n means (n,))."""
    if isinstance(shape, numbers.Integral) and not isinstance(shape, bool):
        shape = (shape,)
    if not isinstance(shape, (tuple, list)) or not all(
            isinstance(n, numbers.Integral) and not isinstance(n, bool) for n in shape):
        raise TypeError(f"shape must be a tuple of ints such as (fan_out, fan_in), "
                        f"got {describe(shape)}")
    shape = tuple(int(n) for n in shape)
    if any(n < 1 for n in shape):
        raise ValueError(f"shape must hold sizes >= 1, got {shape}")
    return shape


def _check_dtype(dtype) -> np.dtype:
    try:
        dtype = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"dtype must be a floating dtype such as np.float32, "
                        f"got {describe(dtype)}") from None
    if not np.issubdtype(dtype, np.floating):
        raise TypeError(f"dtype must be a floating dtype such as np.float32, got {dtype}")
    return dtype


def _normal(shape, std, rng, dtype) -> np.ndarray:
    # standard_normal draws directly in float32 when asked: no float64 detour.
    w = check_rng(rng).standard_normal(shape, dtype=dtype)
    w *= std
    return w


def _uniform(shape, low, high, rng, dtype) -> np.ndarray:
    w = check_rng(rng).random(shape, dtype=dtype)   # uniform on [0, 1)
    w *= high - low
    w += low
    return w


# ---------------------------------------------------------------- constant

def zeros(shape, rng=None, dtype=np.float32) -> np.ndarray:
    """All zeros. The usual start for biases; for weights it causes the symmetry problem.

    ``rng`` is accepted for the common signature and not used.
    """
    shape, dtype = _check_shape(shape), _check_dtype(dtype)
    check_rng(rng)
    return np.zeros(shape, dtype=dtype)


def constant(shape, rng=None, dtype=np.float32, *, value) -> np.ndarray:
    """Every entry equal to ``value``: symmetric, so every neuron of a layer learns the same.

    Use it in a layer with ``functools.partial(init.constant, value=0.5)``.
    """
    shape, dtype = _check_shape(shape), _check_dtype(dtype)
    value = _check_real("value", value)
    check_rng(rng)
    return np.full(shape, value, dtype=dtype)


# ---------------------------------------------------------------- plain random

def normal(shape, rng=None, dtype=np.float32, *, mean=0.0, std=1.0) -> np.ndarray:
    """Normal N(mean, std^2) entries (defaults as in NumPy and PyTorch: N(0, 1)).

    A fixed std ignores the layer's size: std=1 with fan_in = 784 makes
    Var(z) = 784 Var(x), which saturates sigmoids at once.
    """
    shape, dtype = _check_shape(shape), _check_dtype(dtype)
    mean = _check_real("mean", mean)
    std = check_positive("std", std, allow_zero=True)
    w = _normal(shape, std, rng, dtype)
    w += mean
    return w


def uniform(shape, rng=None, dtype=np.float32, *, low=0.0, high=1.0) -> np.ndarray:
    """Uniform entries on [low, high) (defaults as in NumPy and PyTorch: [0, 1)).

    Var = (high - low)^2 / 12.
    """
    shape, dtype = _check_shape(shape), _check_dtype(dtype)
    low, high = _check_real("low", low), _check_real("high", high)
    if not low <= high:
        raise ValueError(f"high must be >= low, got low={low} and high={high}")
    return _uniform(shape, low, high, rng, dtype)


# ---------------------------------------------------------------- fan-based
# Each scheme is a formula for Var(W); the normal version draws N(0, Var), with
# std = sqrt(Var), the uniform one U(-bound, bound), with bound = sqrt(3 Var).

def _fans(shape) -> tuple[int, int]:
    """(fan_in, fan_out) of a weight of shape (fan_out, fan_in)."""
    shape = _check_shape(shape)
    if len(shape) != 2:
        raise ValueError("shape must be (fan_out, fan_in) for a fan-based initialiser, "
                         f"got {shape}")
    fan_out, fan_in = shape
    return fan_in, fan_out


def variance_scaling(shape, scale, mode, distribution, rng=None, dtype=np.float32) -> np.ndarray:
    """The rule behind LeCun, Xavier/Glorot and He: Var(W_ij) = scale / n.

    n is ``fan_in`` (mode "fan_in"), ``fan_out`` or their mean (mode "fan_avg").
    A normal draw has std = sqrt(Var); a uniform draw U(-bound, bound) has
    Var = bound^2 / 3, so bound = sqrt(3 Var).
    """
    fan_in, fan_out = _fans(shape)
    fans = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}
    var = scale / fans[check_choice("mode", mode, tuple(fans))]
    shape, dtype = _check_shape(shape), _check_dtype(dtype)
    if check_choice("distribution", distribution, ("normal", "uniform")) == "normal":
        return _normal(shape, math.sqrt(var), rng, dtype)
    bound = math.sqrt(3.0 * var)
    return _uniform(shape, -bound, bound, rng, dtype)


#: The named schemes: name -> (after whom, scale, mode, Var(W) = scale / n written out,
#: meant for). Each comes twice, as ``<name>_normal`` and ``<name>_uniform``.
_FAN_SCHEMES = {
    "lecun": ("LeCun", 1.0, "fan_in", "1 / fan_in", "SELU and linear layers; the baseline"),
    "xavier": ("Xavier/Glorot", 1.0, "fan_avg", "2 / (fan_in + fan_out)", "sigmoid and tanh"),
    "he": ("He/Kaiming", 2.0, "fan_in", "2 / fan_in",
           "ReLU (the 2 makes up for the half of its inputs ReLU zeroes)"),
}

#: How each distribution reaches Var(W).
_DRAWS = {
    "normal": "N(0, Var), std = sqrt(Var) (some frameworks truncate it at 2 std; mlpkit does not)",
    "uniform": "U(-bound, bound) with bound = sqrt(3 Var)",
}


def _fan_initialiser(scheme, distribution):
    """The initialiser ``<scheme>_<distribution>(shape, rng=None, dtype=np.float32)``."""
    who, scale, mode, var, meant_for = _FAN_SCHEMES[scheme]

    def initialiser(shape, rng=None, dtype=np.float32) -> np.ndarray:
        return variance_scaling(shape, scale, mode, distribution, rng, dtype)

    initialiser.__name__ = initialiser.__qualname__ = f"{scheme}_{distribution}"
    initialiser.__doc__ = (
        f"{who} {distribution}: Var(W) = {var}, for W of shape (fan_out, fan_in).\n\n"
        f"Drawn from {_DRAWS[distribution]}.\n"
        f"Meant for {meant_for}. See :func:`variance_scaling`.")
    return initialiser


lecun_normal = _fan_initialiser("lecun", "normal")
lecun_uniform = _fan_initialiser("lecun", "uniform")
xavier_normal = _fan_initialiser("xavier", "normal")
xavier_uniform = _fan_initialiser("xavier", "uniform")
he_normal = _fan_initialiser("he", "normal")
he_uniform = _fan_initialiser("he", "uniform")


def default(shape, rng=None, dtype=np.float32) -> np.ndarray:
    """The common framework default: U(-1/sqrt(fan_in), 1/sqrt(fan_in)), Var = 1 / (3 fan_in).

    This is what a PyTorch ``nn.Linear`` weight starts from. (mlpkit starts
    biases at zero.)
    """
    return variance_scaling(shape, 1.0 / 3.0, "fan_in", "uniform", rng, dtype)


#: canonical name -> initialiser: the one table of schemes (tests and docs iterate over it).
INITIALIZERS = {fn.__name__: fn for fn in [
    zeros, constant, normal, uniform, lecun_normal, lecun_uniform,
    xavier_normal, xavier_uniform, he_normal, he_uniform, default,
]}

#: Other names for the same schemes (the papers' first authors: Glorot and Bengio
#: 2010 for Xavier, He, Zhang, Ren and Sun 2015, whom PyTorch calls Kaiming).
ALIASES = {
    "glorot_normal": "xavier_normal", "glorot_uniform": "xavier_uniform",
    "kaiming_normal": "he_normal", "kaiming_uniform": "he_uniform",
}
# init.glorot_normal is init.xavier_normal, and so on for every alias.
globals().update({alias: INITIALIZERS[name] for alias, name in ALIASES.items()})

#: The names :func:`get` accepts: the canonical ones, then the aliases.
NAMES = (*INITIALIZERS, *ALIASES)

__all__ = ["get", "variance_scaling", "INITIALIZERS", "ALIASES", "NAMES"]
__all__.extend(NAMES)


def get(name: str):
    """Return the initialiser called ``name`` (one of :data:`NAMES`).

    A typo raises ``ValueError`` listing the valid names and the closest match.
    """
    if not isinstance(name, str):
        raise TypeError(f"init must be the name of an initialiser (a str), got {describe(name)}")
    try:
        check_choice("init", name, NAMES)
    except ValueError as exc:
        close = difflib.get_close_matches(name, NAMES, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise ValueError(f"{exc}{hint}") from None
    return INITIALIZERS[ALIASES.get(name, name)]
