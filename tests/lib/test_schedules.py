"""Tests for mlpkit.schedules: every formula against hand-computed values.

cos(pi / 4) = 0.70710678..., cos(pi / 2) = 0, cos(pi) = -1 give the cosine
schedule's values below by hand.
"""
import math

import numpy as np
import pytest

from mlpkit import schedules
from mlpkit.schedules import SCHEDULES, Schedule, constant, cosine, get, step_decay

# name -> keyword arguments of an example: every registered schedule needs one
EXAMPLES = {
    "constant": {"lr": 0.1},
    "step_decay": {"lr": 0.1, "every": 5, "factor": 0.5},
    "cosine": {"lr": 0.1, "epochs": 10, "warmup": 2, "final": 0.001},
}


def test_every_registered_schedule_has_an_example():
    assert set(EXAMPLES) == set(SCHEDULES)


# ---------------------------------------------------------------- the formulas

@pytest.mark.parametrize("t", [0, 0.5, 3, 17.25])
def test_constant_is_the_same_at_every_t(t):
    assert constant(0.03)(t) == 0.03


@pytest.mark.parametrize("every, factor, t, expected", [
    (5, 0.1, 0, 0.1),
    (5, 0.1, 4.99, 0.1),         # still the first stretch
    (5, 0.1, 5, 0.01),           # the first decay happens exactly at t = every
    (5, 0.1, 12, 0.001),         # floor(12 / 5) = 2 decays
    (2, 0.5, 3, 0.05),
    (2.5, 0.5, 7.6, 0.0125),     # floor(7.6 / 2.5) = 3: 0.1 * 0.5 ** 3
])
def test_step_decay_hand_computed(every, factor, t, expected):
    assert step_decay(0.1, every=every, factor=factor)(t) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("t, expected", [
    (0, 0.1),                     # starts at lr
    (2.5, 0.0853553390593274),    # 0.1 * (1 + cos(pi / 4)) / 2
    (5, 0.05),                    # halfway: (lr + final) / 2
    (7.5, 0.0146446609406726),    # 0.1 * (1 - cos(pi / 4)) / 2
    (10, 0.0),                    # final at t = epochs
    (13, 0.0),                    # and after
])
def test_cosine_without_warmup_hand_computed(t, expected):
    assert cosine(0.1, epochs=10)(t) == pytest.approx(expected, rel=1e-12, abs=1e-15)


def test_cosine_decays_to_final():
    eta = cosine(0.1, epochs=10, final=0.01)
    assert eta(0) == pytest.approx(0.1)
    assert eta(5) == pytest.approx(0.055)          # 0.01 + 0.09 / 2
    assert eta(10) == pytest.approx(0.01) and eta(20) == pytest.approx(0.01)


def test_cosine_warmup_rises_linearly_from_zero_then_decays():
    eta = cosine(0.1, epochs=10, warmup=2)
    assert eta(0) == 0.0                            # the warm-up starts at 0
    assert eta(0.5) == pytest.approx(0.025)         # 0.1 * 0.5 / 2
    assert eta(1) == pytest.approx(0.05)
    assert eta(2) == pytest.approx(0.1)             # the end of the warm-up: the peak
    assert eta(1.999999) == pytest.approx(0.1, rel=1e-5)    # no jump at t = warmup
    assert eta(6) == pytest.approx(0.05)            # progress (6 - 2) / (10 - 2) = 1/2
    assert eta(10) == pytest.approx(0.0, abs=1e-15)


def test_cosine_rises_during_warmup_and_never_rises_after():
    eta = cosine(0.2, epochs=15, warmup=3, final=0.002)
    t = np.linspace(0, 20, 2001)
    values = eta(t)
    warm = t <= 3
    assert np.all(np.diff(values[warm]) > 0)
    assert np.all(np.diff(values[~warm]) <= 0)
    assert values.max() == pytest.approx(0.2) and values.min() == 0.0


def test_an_array_of_t_gives_the_values_one_by_one():
    for name, kwargs in EXAMPLES.items():
        eta = SCHEDULES[name](**kwargs)
        t = np.array([0.0, 1.5, 4.0, 9.99, 12.0])
        values = eta(t)
        assert isinstance(values, np.ndarray) and values.shape == t.shape, name
        np.testing.assert_allclose(values, [eta(float(v)) for v in t], rtol=1e-15)
        assert isinstance(eta(1), float)


# ---------------------------------------------------------------- registry, repr

@pytest.mark.parametrize("name", sorted(SCHEDULES))
def test_registry_get_and_a_repr_that_rebuilds_the_schedule(name):
    factory = get(name)
    assert factory is SCHEDULES[name] is getattr(schedules, name)
    eta = factory(**EXAMPLES[name])
    assert isinstance(eta, Schedule)
    assert repr(eta).startswith(f"{name}(")
    rebuilt = eval(repr(eta), vars(schedules))       # the repr is the call that made it
    t = np.linspace(0, 12, 49)
    np.testing.assert_allclose(rebuilt(t), eta(t), rtol=1e-12)
    for key, value in EXAMPLES[name].items():
        assert getattr(eta, key) == value


def test_repr_reads_like_the_call():
    assert repr(cosine(0.1, epochs=10)) == "cosine(lr=0.1, epochs=10, warmup=0, final=0)"
    assert repr(step_decay(0.05, every=3)) == "step_decay(lr=0.05, every=3, factor=0.1)"
    assert repr(constant(1e-3)) == "constant(lr=0.001)"


def test_get_lists_the_names_on_a_typo():
    with pytest.raises(ValueError, match="'constant', 'step_decay', 'cosine'"):
        get("cosinus")
    with pytest.raises(TypeError, match="name must be the name of a schedule"):
        get(cosine)


# ---------------------------------------------------------------- errors

@pytest.mark.parametrize("make, pattern", [
    (lambda: constant(0), "lr must be > 0, got 0"),
    (lambda: constant(-0.1), "lr must be > 0"),
    (lambda: step_decay(0.1, every=0), "every must be > 0, got 0"),
    (lambda: step_decay(0.1, every=5, factor=0), r"factor must be in \(0, 1\]"),
    (lambda: step_decay(0.1, every=5, factor=1.5), r"factor must be in \(0, 1\]"),
    (lambda: cosine(0.1, epochs=0), "epochs must be > 0, got 0"),
    (lambda: cosine(0.1, epochs=10, warmup=-1), "warmup must be >= 0"),
    (lambda: cosine(0.1, epochs=10, warmup=10), r"warmup must be < epochs \(10\), got 10"),
    (lambda: cosine(0.1, epochs=10, final=-0.01), "final must be >= 0"),
    (lambda: cosine(0.1, epochs=10, final=0.2), r"final must be <= lr \(0.1\), got 0.2"),
    (lambda: cosine(0.1, epochs=math.inf), "epochs must be finite"),
])
def test_bad_hyperparameters_are_named(make, pattern):
    with pytest.raises(ValueError, match=pattern):
        make()


def test_bad_types_and_bad_t():
    with pytest.raises(TypeError, match="lr must be a real number"):
        constant("0.1")
    with pytest.raises(TypeError, match="every"):
        step_decay(0.1)                                     # every has no default
    eta = cosine(0.1, epochs=10)
    with pytest.raises(ValueError, match="t must be >= 0"):
        eta(-0.5)
    with pytest.raises(ValueError, match="t must be >= 0"):
        eta(np.array([0.0, np.nan]))
    with pytest.raises(TypeError, match="t must be a number"):
        eta("3")
