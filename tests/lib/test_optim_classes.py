"""Tests for mlpkit.optim's classes: params, step(), zero_grad(), repr, state, subnormal
flushing and real layers, for every optimiser in the registry (the formulas themselves are
tested in test_optim.py)."""
from __future__ import annotations

import numpy as np
import pytest

from mlpkit import optim
from mlpkit.optim import OPTIMIZERS, SGD, UPDATE_RULES, AdaGrad, Adam, AdamW, RMSProp

from test_optim import (CASES, FITS, FULL, Param, assert_states_equal,  # tests/lib/
                        class_kwargs)

NAMES = list(OPTIMIZERS)


# ---------------------------------------------------------------------------
# params
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("name", NAMES)
def test_params_must_be_a_non_empty_iterable_of_parameters(name):
    cls = OPTIMIZERS[name]
    with pytest.raises(ValueError, match="params must contain at least one parameter"):
        cls([], lr=0.1)
    with pytest.raises(TypeError, match=r"params\[1\] must be a parameter with .data and .grad"):
        cls([Param([1.0]), np.zeros(3)], lr=0.1)
    with pytest.raises(TypeError, match="params must be an iterable of parameters"):
        cls(42, lr=0.1)
    with pytest.raises(TypeError, match=r"pass a list: \[p\]"):
        cls(Param([1.0]), lr=0.1)
    with pytest.raises(TypeError, match="params must be an iterable"):
        cls(np.zeros(3), lr=0.1)


def test_passing_the_model_instead_of_its_parameters_gives_a_hint():
    class Model:
        def parameters(self):
            return [Param([1.0])]

    with pytest.raises(TypeError, match=r"pass model.parameters\(\), not the model"):
        SGD(Model(), lr=0.1)


def test_params_data_must_be_a_float_array_and_unique():
    p = Param([1.0])
    with pytest.raises(ValueError, match=r"params\[2\] appears more than once"):
        SGD([Param([2.0]), p, p], lr=0.1)
    q = Param([1.0], "w")
    q.data = [1.0]
    with pytest.raises(TypeError, match=r"params\[0\] \('w'\).data must be a NumPy float array"):
        SGD([q], lr=0.1)


def test_a_generator_of_params_is_materialised():
    ps = [Param([1.0]), Param([2.0, 3.0])]
    opt = SGD((p for p in ps), lr=0.5)
    assert opt.params == ps
    for _ in range(2):                     # a second step still sees every parameter
        for p in ps:
            p.grad[...] = 1.0
        opt.step()
    np.testing.assert_array_equal(ps[0].data, [0.0])
    np.testing.assert_array_equal(ps[1].data, [1.0, 2.0])


# ---------------------------------------------------------------------------
# step(): in place, state, gradients only read, bad gradients refused
# ---------------------------------------------------------------------------

def test_step_updates_data_in_place():
    p = Param([[1.0, 2.0]], dtype=np.float32)
    data = p.data
    opt = Adam([p], lr=0.1)
    p.grad[...] = [[1.0, -1.0]]
    opt.step()
    assert p.data is data and p.data.dtype == np.float32
    np.testing.assert_allclose(p.data, [[0.9, 2.1]], rtol=1e-6)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", NAMES)
def test_state_is_named_arrays_shaped_like_the_parameter(name, dtype):
    """opt.state[i] is init_state(w) after the first step: zeros shaped like w, then updated."""
    params = [Param(np.ones((3, 2)), "weight", dtype), Param(np.ones(3), "bias", dtype)]
    opt = OPTIMIZERS[name](params, **class_kwargs(FULL[name]))
    assert opt.state == [{}, {}] and opt.steps == 0
    fresh = opt.init_state(params[0].data)
    for p in params:
        p.grad[...] = 0.5
    opt.step()
    assert opt.steps == 1
    for p, state in zip(params, opt.state):
        assert sorted(state) == sorted(fresh)
        for key, value in state.items():
            if isinstance(fresh[key], np.ndarray):
                assert value.shape == p.data.shape and value.dtype == dtype
                assert np.all(fresh[key] == 0)
            else:
                assert value == 1            # the step count t


@pytest.mark.parametrize("name", NAMES)
def test_step_never_writes_into_the_gradients(name):
    """step() only reads .grad (also with weight decay, which builds dw + lambda w), and no
    state array is a gradient or a parameter."""
    rng = np.random.default_rng(9)
    params = [Param(rng.normal(size=(4, 3)), "weight"), Param(rng.normal(size=4), "bias")]
    opt = OPTIMIZERS[name](params, **class_kwargs(FULL[name]))
    for _ in range(3):
        grads = []
        for p in params:
            p.grad[...] = rng.normal(size=p.data.shape)
            grads.append((p.grad, p.grad.copy()))
        opt.step()
        for p, (g, g0) in zip(params, grads):
            assert p.grad is g
            np.testing.assert_array_equal(p.grad, g0)
    for p, state in zip(params, opt.state):
        for value in state.values():
            if isinstance(value, np.ndarray):
                assert not np.shares_memory(value, p.grad)
                assert not np.shares_memory(value, p.data)


@pytest.mark.parametrize("name", NAMES)
def test_step_rejects_bad_grads_and_changes_nothing(name):
    a, b = Param([1.0, 2.0], "weight"), Param([3.0], "bias")
    opt = OPTIMIZERS[name]([a, b], lr=0.1)
    a.grad[...] = 1.0
    b.grad = np.array([np.nan])
    with pytest.raises(ValueError,
                       match=r"params\[1\] \('bias'\).grad must contain only finite numbers"):
        opt.step()
    np.testing.assert_array_equal(a.data, [1.0, 2.0])      # the good one was not updated
    b.grad = np.zeros((1, 1))
    with pytest.raises(ValueError, match=r"params\[1\] \('bias'\).grad must have the shape "
                                         r"of its data, \(1,\), got \(1, 1\)"):
        opt.step()
    b.grad = None
    with pytest.raises(TypeError, match=r"grad is None; call backward\(\) before step\(\)"):
        opt.step()
    b.grad = [0.0]
    with pytest.raises(TypeError, match="grad must be a NumPy float array"):
        opt.step()
    assert all(state == {} for state in opt.state)
    assert opt.steps == 0


# ---------------------------------------------------------------------------
# zero_grad and repr
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("name", NAMES)
def test_zero_grad_zeroes_in_place(name):
    ps = [Param(np.ones((2, 3))), Param(np.ones(3))]
    grads = []
    for p in ps:
        p.grad[...] = 7.0
        grads.append(p.grad)
    opt = OPTIMIZERS[name](ps, lr=0.1)
    opt.zero_grad()
    for p, g in zip(ps, grads):
        assert p.grad is g                  # the same array: layers may hold it
        assert not np.any(p.grad)


@pytest.mark.parametrize("name", NAMES)
def test_zero_grad_then_step_changes_nothing_without_decay(name):
    """A zero gradient from a zero state: no step (adaptive rules: 0 / (0 + eps) = 0)."""
    p = Param([1.0, -1.0])
    hyper = {"weight_decay": 0.0} if "weight_decay" in OPTIMIZERS[name].defaults else {}
    opt = OPTIMIZERS[name]([p], lr=0.1, **hyper)
    p.grad[...] = 5.0
    opt.zero_grad()
    opt.step()
    np.testing.assert_array_equal(p.data, [1.0, -1.0])


@pytest.mark.parametrize("name", NAMES)
def test_repr_shows_every_hyperparameter(name):
    cls = OPTIMIZERS[name]
    ps = [Param(np.zeros((3, 2)), "weight"), Param(np.zeros(3), "bias")]
    text = repr(cls(ps, lr=0.1))
    assert text.startswith(f"{cls.__name__}(lr=0.1, ")
    assert text.endswith("; 2 parameters, 9 values)")
    for key, value in cls.defaults.items():
        assert f"{key}={value!r}" in text


def test_repr_is_readable():
    ps = [Param(np.zeros((3, 2)), "weight"), Param(np.zeros(3), "bias")]
    assert repr(SGD(ps, lr=0.1, momentum=0.9)) == (
        "SGD(lr=0.1, momentum=0.9, nesterov=False, weight_decay=0.0; 2 parameters, 9 values)")
    assert repr(Adam(ps[:1], lr=0.001)) == (
        "Adam(lr=0.001, betas=(0.9, 0.999), eps=1e-08, weight_decay=0.0; 1 parameter, 6 values)")
    assert repr(AdamW(ps[:1], lr=0.001)) == (
        "AdamW(lr=0.001, betas=(0.9, 0.999), eps=1e-08, weight_decay=0.01; 1 parameter, "
        "6 values)")
    assert repr(AdaGrad(ps, lr=0.1)).startswith("AdaGrad(lr=0.1, eps=1e-10,")
    assert repr(RMSProp(ps, lr=0.1)).startswith("RMSProp(lr=0.1, rho=0.9, eps=1e-08,")


# ---------------------------------------------------------------------------
# Subnormal numbers
# ---------------------------------------------------------------------------

F32_SUBNORMAL = np.float32(4 * 2.0 ** -149)     # 4 times the smallest float32 > 0


def test_a_decaying_velocity_gets_stuck_in_the_subnormal_range():
    """Why step() flushes: with g = 0, v <- 0.9 v rounds 4 * 2^-149 back to itself, forever."""
    w, state = np.ones(2, dtype=np.float32), {"v": np.full(2, F32_SUBNORMAL)}
    for _ in range(100):
        w, state = optim.sgd_update(w, np.zeros(2, np.float32), state, lr=0.1, momentum=0.9)
    np.testing.assert_array_equal(state["v"], F32_SUBNORMAL)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_step_flushes_subnormal_state_every_flush_every_steps(dtype):
    """Every FLUSH_EVERY steps, state entries below finfo.tiny become 0; the rest are kept, and
    w is exactly what the (never flushing) pure rule gives."""
    tiny, mu, k = np.finfo(dtype).tiny, 0.9, optim.FLUSH_EVERY - 1
    sub = tiny / 2 ** 10                        # subnormal, and still so after k steps
    near = tiny * 1.5 / mu ** k                 # normal, about 1.5 tiny after k steps
    p = Param([1.0, -2.0, 3e-3, 0.5], dtype=dtype)
    opt = SGD([p], lr=0.1, momentum=mu)
    opt.step()                                  # zero gradient: v = 0, steps = 1
    v0 = np.array([sub, -sub, 1e-3, near], dtype=dtype)
    opt.state[0]["v"][...] = v0
    w, state = p.data.copy(), {"v": v0.copy()}
    for _ in range(k - 1):                      # up to steps = FLUSH_EVERY - 1
        opt.step()
        w, state = optim.sgd_update(w, p.grad, state, lr=0.1, momentum=mu)
    assert_states_equal(opt.state[0], state)    # not flushed yet
    assert 0 < opt.state[0]["v"][0] < tiny
    opt.step()                                  # steps = FLUSH_EVERY: flush
    w, state = optim.sgd_update(w, p.grad, state, lr=0.1, momentum=mu)
    v = opt.state[0]["v"]
    assert v[0] == 0 and v[1] == 0              # the subnormals are gone
    assert state["v"][0] != 0                   # (the pure rule keeps them)
    np.testing.assert_array_equal(v[2:], state["v"][2:])    # normal entries untouched,
    assert tiny <= v[3] < 2 * tiny                          # including ones near tiny
    np.testing.assert_array_equal(p.data, w)                # and w is the same


def test_adding_a_subnormal_to_a_weight_above_2_to_the_minus_102_changes_nothing():
    """The docstring's claim: w + v == w when |v| < tiny and |w| > 2^-102 (float32)."""
    tiny = np.finfo(np.float32).tiny
    v = np.array([tiny - 2.0 ** -149, -(tiny - 2.0 ** -149), F32_SUBNORMAL], dtype=np.float32)
    above = np.nextafter(np.float32(2.0 ** -102), np.float32(1))
    for w in [above, -above, 2.0 ** -101, 1e-20, 0.5, -3.0, 1e30]:
        w = np.float32(w)
        np.testing.assert_array_equal(w + v, w)
    w = np.float32(2.0 ** -102)                 # at 2^-102 (and below) it may change
    assert w + v[1] != w


@pytest.mark.parametrize("name", NAMES)
def test_flush_reaches_every_state_array(name):
    p = Param(np.ones(3), dtype=np.float32)
    opt = OPTIMIZERS[name]([p], lr=0.1)
    opt.step()
    for key, value in opt.state[0].items():
        if isinstance(value, np.ndarray):
            value[...] = F32_SUBNORMAL
    while opt.steps % optim.FLUSH_EVERY:
        opt.step()
    for key, value in opt.state[0].items():
        if isinstance(value, np.ndarray):
            np.testing.assert_array_equal(value, 0, err_msg=f"state[{key!r}]")


# ---------------------------------------------------------------------------
# With the real layers of mlpkit.nn
# ---------------------------------------------------------------------------

# (imported inside each test so the tests above still run if nn is broken)

@pytest.mark.parametrize("case", CASES)
def test_with_real_linear_layer(case):
    """Optimising nn.Linear's Parameters: the same numbers as the pure rule, float32 kept."""
    from mlpkit import nn

    name, hyper = CASES[case]
    rng = np.random.default_rng(5)
    layer = nn.Linear(3, 2, rng=0)
    params = layer.parameters()
    assert [p.data.shape for p in params] == [(2, 3), (2,)]
    ws = [p.data.copy() for p in params]
    states = [None, None]
    opt = OPTIMIZERS[name](layer.parameters(), **class_kwargs(hyper))
    for _ in range(3):
        opt.zero_grad()
        x = rng.normal(size=(4, 3)).astype(np.float32)
        y_hat = layer.forward(x)
        layer.backward(y_hat - 1.0)            # the gradient of sum((y_hat - 1)^2) / 2
        for i, p in enumerate(params):
            ws[i], states[i] = UPDATE_RULES[name](ws[i], p.grad, states[i], **hyper)
        opt.step()
    for p, w in zip(params, ws):
        assert p.data.dtype == np.float32
        np.testing.assert_array_equal(p.data, w)


def test_real_parameters_and_modules_are_accepted_or_explained():
    from mlpkit import nn

    p = nn.Parameter(np.array([1.0, 2.0], dtype=np.float32), "w")
    opt = Adam([p], lr=0.1)
    p.grad[...] = [1.0, -1.0]
    opt.step()
    np.testing.assert_allclose(p.data, [0.9, 2.1], rtol=1e-6)
    assert p.data.dtype == np.float32
    with pytest.raises(TypeError, match=r"pass a list: \[p\]"):
        SGD(p, lr=0.1)
    model = nn.Sequential(nn.Linear(2, 3, rng=0), nn.ReLU(), nn.Linear(3, 1, rng=0))
    with pytest.raises(TypeError, match=r"pass model.parameters\(\), not the model"):
        SGD(model, lr=0.1)
    opt = SGD(model.parameters(), lr=0.1)
    assert len(opt.params) == 4
    assert "4 parameters, 13 values" in repr(opt)


@pytest.mark.parametrize("name", NAMES)
def test_every_optimiser_fits_a_real_linear_layer(name):
    """Least squares on y = x w* + 0.3 with nn.Linear: each optimiser finds w* (RMSProp only to
    about its step length, since its steps do not shrink near the minimum)."""
    from mlpkit import nn

    kwargs, steps, atol = FITS[name]
    rng = np.random.default_rng(6)
    x = rng.normal(size=(32, 3)).astype(np.float32)
    y = x @ np.array([[1.0], [-2.0], [0.5]], dtype=np.float32) + 0.3
    layer = nn.Linear(3, 1, rng=0)
    opt = OPTIMIZERS[name](layer.parameters(), **kwargs)
    losses = []
    for _ in range(steps):
        opt.zero_grad()
        y_hat = layer(x)
        losses.append(float(np.mean((y_hat - y) ** 2)))
        layer.backward(2 * (y_hat - y) / y.size)
        opt.step()
    assert losses[-1] < 1e-4 * losses[0]
    np.testing.assert_allclose(layer.weight.data, [[1.0, -2.0, 0.5]], atol=atol)
    np.testing.assert_allclose(layer.bias.data, [0.3], atol=atol)
