"""mlpkit.init: every initialiser in INITIALIZERS reaches its documented variance; names,
aliases, dtypes, rng and errors."""
import math

import numpy as np
import pytest

from mlpkit import init

FAN_OUT, FAN_IN = 600, 400            # different, so fan_in and fan_out cannot be swapped unseen
SHAPE = (FAN_OUT, FAN_IN)
N = FAN_OUT * FAN_IN

# name -> (keyword arguments, Var(W), mean, distribution), from each docstring's formula
SCHEMES = {
    "zeros": ({}, 0.0, 0.0, "constant"),
    "constant": ({"value": 0.5}, 0.0, 0.5, "constant"),
    "normal": ({"mean": 2.0, "std": 0.5}, 0.25, 2.0, "normal"),
    "uniform": ({"low": -2.0, "high": 1.0}, 9 / 12, -0.5, "uniform"),    # (high - low)^2 / 12
    "lecun_normal": ({}, 1 / FAN_IN, 0.0, "normal"),
    "lecun_uniform": ({}, 1 / FAN_IN, 0.0, "uniform"),
    "xavier_normal": ({}, 2 / (FAN_IN + FAN_OUT), 0.0, "normal"),
    "xavier_uniform": ({}, 2 / (FAN_IN + FAN_OUT), 0.0, "uniform"),
    "he_normal": ({}, 2 / FAN_IN, 0.0, "normal"),
    "he_uniform": ({}, 2 / FAN_IN, 0.0, "uniform"),
    "default": ({}, 1 / (3 * FAN_IN), 0.0, "uniform"),
}


def test_every_initializer_has_a_documented_variance():
    assert set(SCHEMES) == set(init.INITIALIZERS)


@pytest.mark.parametrize("name", init.INITIALIZERS)
def test_scheme_reaches_its_variance(name):
    kw, var, mean, dist = SCHEMES[name]
    w = init.INITIALIZERS[name](SHAPE, rng=0, **kw)
    assert w.shape == SHAPE and w.dtype == np.float32
    if dist == "constant":
        assert np.all(w == mean)
        return
    # The sample variance of N draws has std var * sqrt(2/N) for a normal and
    # var * sqrt(0.8/N) for a uniform (fourth moment 9/5 var^2): allow 5 of those.
    sampling_std = var * math.sqrt((2.0 if dist == "normal" else 0.8) / N)
    assert abs(w.var(dtype=np.float64) - var) < 5 * sampling_std
    assert abs(w.mean(dtype=np.float64) - mean) < 5 * math.sqrt(var / N)
    if dist == "uniform":
        half = math.sqrt(3 * var)           # uniform on [m - h, m + h] has Var = h^2 / 3
        assert mean - half <= w.min() and w.max() <= mean + half
        assert w.max() > mean + 0.999 * half and w.min() < mean - 0.999 * half


def test_default_bound_is_one_over_sqrt_fan_in():
    w = init.default((50, 100), rng=1)
    assert np.abs(w).max() <= 0.1 and np.abs(w).max() > 0.099


def test_fan_based_schemes_use_fan_in_from_the_second_axis():
    # (fan_out, fan_in) = (10, 1000): He's Var = 2/1000, not 2/10
    w = init.he_normal((10, 1000), rng=2)
    assert 0.0015 < w.var() < 0.0025


def test_aliases_are_the_same_functions():
    assert init.glorot_normal is init.xavier_normal
    assert init.glorot_uniform is init.xavier_uniform
    assert init.kaiming_normal is init.he_normal
    assert init.kaiming_uniform is init.he_uniform
    assert init.get("kaiming_uniform") is init.he_uniform
    for alias, name in init.ALIASES.items():
        assert getattr(init, alias) is init.get(alias) is init.INITIALIZERS[name]


def test_registry_names_are_the_functions_names():
    for name, fn in init.INITIALIZERS.items():
        assert fn.__name__ == name and getattr(init, name) is fn is init.get(name)
    assert init.NAMES == (*init.INITIALIZERS, *init.ALIASES)
    assert set(init.__all__) >= set(init.NAMES)


def test_constant_initialisers():
    np.testing.assert_array_equal(init.zeros((2, 3)), np.zeros((2, 3)))
    np.testing.assert_array_equal(init.constant((2, 2), value=0.5), np.full((2, 2), 0.5))
    assert init.zeros(4).shape == (4,)


def test_normal_and_uniform_defaults():
    w = init.normal((400, 500), rng=3)                  # default N(0, 1), as in NumPy
    assert abs(w.mean()) < 5 / math.sqrt(w.size) and abs(w.std() - 1.0) < 0.01
    z = init.uniform((3, 3), rng=0)                     # default [0, 1), as in NumPy
    assert 0.0 <= z.min() and z.max() < 1.0
    assert np.all(init.normal((2, 2), std=0.0) == 0.0)


@pytest.mark.parametrize("name", init.NAMES)
def test_dtype_default_float32_and_float64_kept(name):
    kw = {"value": 1.0} if name == "constant" else {}
    fn = init.get(name)
    assert fn((3, 4), rng=0, **kw).dtype == np.float32
    assert fn((3, 4), 0, np.float64, **kw).dtype == np.float64   # positional (shape, rng, dtype)
    assert fn((3, 4), rng=0, **kw).shape == (3, 4)


def test_rng_reproducible_and_never_global():
    state = np.random.get_state()[1].copy()
    a = init.he_normal((5, 5), rng=7)
    b = init.he_normal((5, 5), rng=np.random.default_rng(7))
    c = init.he_normal((5, 5), rng=8)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    assert not np.array_equal(init.he_normal((5, 5)), init.he_normal((5, 5)))  # None: fresh
    np.testing.assert_array_equal(np.random.get_state()[1], state)


def test_get_lists_valid_names_and_suggests():
    with pytest.raises(ValueError, match=r"init must be one of 'zeros', .*'default', "
                                         r"'glorot_normal', .*'kaiming_uniform'; "
                                         r"got 'he_norml' \(did you mean 'he_normal'\?\)"):
        init.get("he_norml")
    with pytest.raises(TypeError, match="init must be the name of an initialiser"):
        init.get(None)


def test_bad_arguments_raise():
    with pytest.raises(ValueError, match=r"shape must hold sizes >= 1, got \(0, 3\)"):
        init.he_normal((0, 3))
    with pytest.raises(TypeError, match="shape must be a tuple of ints"):
        init.zeros("3x4")
    with pytest.raises(TypeError, match="shape must be a tuple of ints"):
        init.zeros((3.0, 4))
    with pytest.raises(ValueError, match=r"shape must be \(fan_out, fan_in\) .*got \(5,\)"):
        init.xavier_uniform((5,))
    with pytest.raises(TypeError, match="dtype must be a floating dtype .*got int32"):
        init.default((2, 2), dtype=np.int32)
    with pytest.raises(ValueError, match="std must be >= 0, got -1.0"):
        init.normal((2, 2), std=-1.0)
    with pytest.raises(ValueError, match="high must be >= low"):
        init.uniform((2, 2), low=1.0, high=0.0)
    with pytest.raises(ValueError, match="value must be finite, got nan"):
        init.constant((2, 2), value=float("nan"))
    with pytest.raises(TypeError, match="rng must be None, an int seed or a numpy.random"):
        init.lecun_normal((2, 2), rng="seed")
