"""Tests for mlpkit.optim: every update rule against its formula and hand-computed numbers.

The oracle is the formula from the module docstring, written out below in
plain NumPy (float64, one line per equation), plus numbers computed by hand.
The classes must reproduce the pure rules bit for bit.
"""
from __future__ import annotations

import math

import numpy as np
import pytest

from mlpkit import optim
from mlpkit.optim import (SGD, AdaGrad, Adam, RMSProp, adagrad_update, adam_update,
                          rmsprop_update, sgd_update)


class Param:
    """A minimal stand-in for nn.Parameter: ``.data`` and ``.grad`` of the same shape."""

    def __init__(self, data, name=None, dtype=np.float64):
        self.data = np.array(data, dtype=dtype)
        self.grad = np.zeros_like(self.data)
        self.name = name


# ---------------------------------------------------------------------------
# The formulas, written independently of the library
# ---------------------------------------------------------------------------

def ref_sgd(w, dw, st, lr, momentum=0.0, nesterov=False, weight_decay=0.0):
    g = dw + weight_decay * w
    v = st.get("v", np.zeros_like(w))
    v = momentum * v - lr * g
    w = w + momentum * v - lr * g if nesterov else w + v
    return w, {"v": v}


def ref_adagrad(w, dw, st, lr, eps=1e-10, weight_decay=0.0):
    g = dw + weight_decay * w
    G = st.get("G", np.zeros_like(w)) + g ** 2
    return w - lr * g / (np.sqrt(G) + eps), {"G": G}


def ref_rmsprop(w, dw, st, lr, rho=0.9, eps=1e-8, weight_decay=0.0):
    g = dw + weight_decay * w
    s = rho * st.get("s", np.zeros_like(w)) + (1 - rho) * g ** 2
    return w - lr * g / (np.sqrt(s) + eps), {"s": s}


def ref_adam(w, dw, st, lr, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.0):
    g = dw + weight_decay * w
    t = st.get("t", 0) + 1
    m = beta1 * st.get("m", np.zeros_like(w)) + (1 - beta1) * g
    v = beta2 * st.get("v", np.zeros_like(w)) + (1 - beta2) * g ** 2
    m_hat = m / (1 - beta1 ** t)
    v_hat = v / (1 - beta2 ** t)
    return w - lr * m_hat / (np.sqrt(v_hat) + eps), {"m": m, "v": v, "t": t}


# (pure rule, class, reference, pure-rule hyperparameters, class keyword arguments)
CASES = {
    "sgd": (sgd_update, SGD, ref_sgd, {"lr": 0.1}, {"lr": 0.1}),
    "sgd-decay": (sgd_update, SGD, ref_sgd, {"lr": 0.1, "weight_decay": 0.01},
                  {"lr": 0.1, "weight_decay": 0.01}),
    "momentum": (sgd_update, SGD, ref_sgd, {"lr": 0.05, "momentum": 0.9},
                 {"lr": 0.05, "momentum": 0.9}),
    "nesterov": (sgd_update, SGD, ref_sgd,
                 {"lr": 0.05, "momentum": 0.8, "nesterov": True, "weight_decay": 0.1},
                 {"lr": 0.05, "momentum": 0.8, "nesterov": True, "weight_decay": 0.1}),
    "adagrad": (adagrad_update, AdaGrad, ref_adagrad, {"lr": 0.3}, {"lr": 0.3}),
    "adagrad-decay": (adagrad_update, AdaGrad, ref_adagrad,
                      {"lr": 0.3, "eps": 1e-6, "weight_decay": 0.2},
                      {"lr": 0.3, "eps": 1e-6, "weight_decay": 0.2}),
    "rmsprop": (rmsprop_update, RMSProp, ref_rmsprop, {"lr": 0.01}, {"lr": 0.01}),
    "rmsprop-decay": (rmsprop_update, RMSProp, ref_rmsprop,
                      {"lr": 0.01, "rho": 0.5, "eps": 1e-3, "weight_decay": 0.3},
                      {"lr": 0.01, "rho": 0.5, "eps": 1e-3, "weight_decay": 0.3}),
    "adam": (adam_update, Adam, ref_adam, {"lr": 0.01}, {"lr": 0.01}),
    "adam-decay": (adam_update, Adam, ref_adam,
                   {"lr": 0.01, "beta1": 0.5, "beta2": 0.7, "eps": 1e-4, "weight_decay": 0.2},
                   {"lr": 0.01, "betas": (0.5, 0.7), "eps": 1e-4, "weight_decay": 0.2}),
}
RULES = [sgd_update, adagrad_update, rmsprop_update, adam_update]


def assert_states_equal(a, b):
    assert sorted(a) == sorted(b)
    for key in a:
        np.testing.assert_array_equal(a[key], b[key], err_msg=f"state[{key!r}]")


# ---------------------------------------------------------------------------
# Each rule against its formula; classes against the pure rules
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("case", CASES)
def test_first_steps_follow_the_formula(case):
    """Four steps of each pure rule equal the textbook formula, state included."""
    rule, _, ref, hyper, _ = CASES[case]
    rng = np.random.default_rng(0)
    w = w_ref = rng.normal(size=(3, 2))
    state, st_ref = None, {}
    for _ in range(4):
        dw = rng.normal(size=(3, 2))
        w, state = rule(w, dw, state, **hyper)
        w_ref, st_ref = ref(w_ref, dw, st_ref, **hyper)
        np.testing.assert_allclose(w, w_ref, rtol=1e-12, atol=1e-15)
        for key in st_ref:
            np.testing.assert_allclose(state[key], st_ref[key], rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", CASES)
def test_class_reproduces_pure_rule_exactly(case, dtype):
    """The class and the pure rule run the same kernel: identical bits, per parameter."""
    rule, cls, _, hyper, kwargs = CASES[case]
    rng = np.random.default_rng(1)
    params = [Param(rng.normal(size=(4, 3)), "weight", dtype),
              Param(rng.normal(size=(4,)), "bias", dtype),
              Param(rng.normal(size=(4, 3)), "weight2", dtype)]   # same shape: shared scratch
    ws = [p.data.copy() for p in params]
    states = [None] * len(params)
    opt = cls(params, **kwargs)
    for _ in range(5):
        for i, p in enumerate(params):
            p.grad[...] = rng.normal(size=p.data.shape)
            ws[i], states[i] = rule(ws[i], p.grad, states[i], **hyper)
        opt.step()
        for i, p in enumerate(params):
            assert p.data.dtype == dtype
            np.testing.assert_array_equal(p.data, ws[i])
            if cls is SGD and not kwargs.get("momentum"):
                assert opt.state[i] == {}      # plain SGD has nothing to remember
            else:
                assert_states_equal(opt.state[i], states[i])


@pytest.mark.parametrize("case", CASES)
def test_state_is_kept_per_parameter(case):
    """Two parameters with different gradients evolve exactly as two separate runs."""
    rule, cls, _, hyper, kwargs = CASES[case]
    a, b = Param([1.0, -2.0], "a"), Param([0.5, 3.0], "b")
    opt = cls([a, b], **kwargs)
    wa, wb, sa, sb = a.data.copy(), b.data.copy(), None, None
    for k in range(1, 4):
        a.grad[...] = [k, 2.0 * k]
        b.grad[...] = [-3.0, 0.1 * k * k]
        opt.step()
        wa, sa = rule(wa, a.grad, sa, **hyper)
        wb, sb = rule(wb, b.grad, sb, **hyper)
    np.testing.assert_array_equal(a.data, wa)
    np.testing.assert_array_equal(b.data, wb)
    if cls is not SGD or kwargs.get("momentum"):
        assert opt.state[0] is not opt.state[1]
        assert_states_equal(opt.state[0], sa)
        assert_states_equal(opt.state[1], sb)


# ---------------------------------------------------------------------------
# Hand-computed numbers
# ---------------------------------------------------------------------------

def test_sgd_plain_step_by_hand():
    """w <- w - eta dw: w = 2, dw = 12, eta = 0.1 gives 0.8 and v = -1.2."""
    w, state = sgd_update(2.0, 12.0, lr=0.1)
    assert w == pytest.approx(0.8, abs=1e-15)
    assert state["v"] == pytest.approx(-1.2, abs=1e-15)


def test_momentum_by_hand_on_half_w_squared():
    """L = w^2 / 2 (so dL/dw = w), w0 = 1, eta = 0.1, mu = 0.9."""
    # step 1: v = -0.1 * 1 = -0.1, w = 0.9
    # step 2: v = 0.9 * (-0.1) - 0.1 * 0.9 = -0.18, w = 0.72
    w, st = sgd_update(1.0, 1.0, lr=0.1, momentum=0.9)
    assert (w, float(st["v"])) == pytest.approx((0.9, -0.1), abs=1e-15)
    w, st = sgd_update(w, w, st, lr=0.1, momentum=0.9)
    assert (w, float(st["v"])) == pytest.approx((0.72, -0.18), abs=1e-15)


def test_nesterov_by_hand_on_half_w_squared():
    """Same problem with Nesterov: the gradient is taken at the look-ahead point."""
    # step 1: g = 1, v = -0.1, w = 1 + 0.9 * (-0.1) - 0.1 * 1 = 0.81
    # step 2: g = 0.81, v = 0.9 * (-0.1) - 0.081 = -0.171,
    #         w = 0.81 + 0.9 * (-0.171) - 0.081 = 0.5751
    # (by the explicit look-ahead form: w~ = 0.9 then 0.729; w~ + 0.9 v = 0.81, 0.5751)
    w, st = sgd_update(1.0, 1.0, lr=0.1, momentum=0.9, nesterov=True)
    assert (w, float(st["v"])) == pytest.approx((0.81, -0.1), abs=1e-15)
    w, st = sgd_update(w, w, st, lr=0.1, momentum=0.9, nesterov=True)
    assert (w, float(st["v"])) == pytest.approx((0.5751, -0.171), abs=1e-15)


@pytest.mark.parametrize("mu", [0.3, 0.6, 0.9])
def test_nesterov_equals_explicit_look_ahead_on_a_quadratic(mu):
    """Stored w equals w~ + mu v of the explicit look-ahead method, step after step."""
    A = np.array([[10.0, 2.0], [2.0, 1.0]])      # L(w) = w^T A w / 2, ill-conditioned
    grad = lambda w: A @ w                        # noqa: E731
    lr = 0.05
    w_tilde, v_ref = np.array([1.0, -1.5]), np.zeros(2)   # explicit form
    w, state = w_tilde.copy(), None                       # mlpkit's form (v starts at 0)
    p = Param(w_tilde)
    opt = SGD([p], lr=lr, momentum=mu, nesterov=True)
    for _ in range(200):
        v_ref = mu * v_ref - lr * grad(w_tilde + mu * v_ref)
        w_tilde = w_tilde + v_ref
        w, state = sgd_update(w, grad(w), state, lr=lr, momentum=mu, nesterov=True)
        p.grad[...] = grad(p.data)
        opt.step()
        np.testing.assert_allclose(w, w_tilde + mu * v_ref, rtol=1e-10, atol=1e-13)
        np.testing.assert_allclose(state["v"], v_ref, rtol=1e-10, atol=1e-13)
        np.testing.assert_array_equal(p.data, w)
    assert np.linalg.norm(w) < 1e-3          # and both reach the minimum at 0


@pytest.mark.parametrize("nesterov", [False, True])
def test_pytorch_momentum_convention_gives_identical_iterates(nesterov):
    """u <- mu u + g; w <- w - eta u (PyTorch) visits the same points as v <- mu v - eta g."""
    A = np.diag([1.0, 25.0])
    lr, mu, lam = 0.03, 0.9, 0.01
    w, state = np.array([2.0, 1.0]), None
    w_torch, u = w.copy(), np.zeros(2)
    for _ in range(50):
        g_torch = A @ w_torch + lam * w_torch
        u = mu * u + g_torch
        w_torch = w_torch - lr * (g_torch + mu * u if nesterov else u)
        w, state = sgd_update(w, A @ w, state, lr=lr, momentum=mu, nesterov=nesterov,
                              weight_decay=lam)
        np.testing.assert_allclose(w, w_torch, rtol=1e-10, atol=1e-13)
        np.testing.assert_allclose(state["v"], -lr * u, rtol=1e-10, atol=1e-13)


@pytest.mark.parametrize("mu", [0.0, 0.5, 0.9])
def test_effective_learning_rate_on_a_flat_region(mu):
    """With a constant gradient the step size tends to eta / (1 - mu)."""
    lr, g = 0.01, np.array([1.0, -2.0])        # a flat slope: the gradient never changes
    w, state = np.zeros(2), None
    for _ in range(400):
        w_old = w
        w, state = sgd_update(w, g, state, lr=lr, momentum=mu)
    np.testing.assert_allclose(w - w_old, -lr / (1 - mu) * g, rtol=1e-12)


def test_adagrad_by_hand():
    """w = 1, eta = 0.1: g = 2 gives G = 4, w = 1 - 0.1 * 2 / 2 = 0.9 (eps negligible);
    then g = 1 gives G = 5, w = 0.9 - 0.1 / sqrt(5)."""
    w, st = adagrad_update(1.0, 2.0, lr=0.1)
    assert (w, float(st["G"])) == pytest.approx((0.9, 4.0), abs=1e-10)
    w, st = adagrad_update(w, 1.0, st, lr=0.1)
    assert (w, float(st["G"])) == pytest.approx((0.9 - 0.1 / math.sqrt(5), 5.0), abs=1e-10)


def test_adagrad_effective_rate_decays_toward_zero():
    """Constant gradient g: after t steps G = t g^2, so the step is eta / sqrt(t) -> 0."""
    lr, g = 0.5, 3.0
    w, st = 0.0, None
    steps = []
    for _ in range(10_000):
        w_old = w
        w, st = adagrad_update(w, g, st, lr=lr)
        steps.append(w_old - w)
    steps = np.array(steps)
    t = np.arange(1, steps.size + 1)
    np.testing.assert_allclose(steps, lr / np.sqrt(t), rtol=1e-8)
    assert np.all(np.diff(steps) < 0)
    assert steps[-1] == pytest.approx(lr / 100, rel=1e-8)


def test_rmsprop_by_hand():
    """w = 1, g = 2 twice, eta = 0.01, rho = 0.9: s = 0.4 then 0.9 * 0.4 + 0.1 * 4 = 0.76."""
    w, st = rmsprop_update(1.0, 2.0, lr=0.01, rho=0.9)
    assert float(st["s"]) == pytest.approx(0.4, abs=1e-15)
    assert w == pytest.approx(1 - 0.01 * 2 / math.sqrt(0.4), abs=1e-9)
    w2, st = rmsprop_update(w, 2.0, st, lr=0.01, rho=0.9)
    assert float(st["s"]) == pytest.approx(0.76, abs=1e-15)
    assert w2 == pytest.approx(w - 0.01 * 2 / math.sqrt(0.76), abs=1e-9)


def test_rmsprop_rate_does_not_die_out():
    """Unlike AdaGrad, with a constant gradient the step settles at eta, not at zero."""
    lr, g = 0.01, 3.0
    w, st = 0.0, None
    for _ in range(500):
        w_old = w
        w, st = rmsprop_update(w, g, st, lr=lr, rho=0.9)
    assert w_old - w == pytest.approx(lr, rel=1e-8)


def test_adam_first_two_steps_by_hand():
    """w = 1, eta = 0.1, beta1 = 0.9, beta2 = 0.999; gradients 0.5 then -1."""
    w, st = adam_update(1.0, 0.5, lr=0.1)
    # m = 0.1 * 0.5 = 0.05, v = 0.001 * 0.25 = 0.00025
    # m_hat = 0.05 / 0.1 = 0.5, v_hat = 0.00025 / 0.001 = 0.25, step = 0.1 * 0.5 / 0.5
    assert st["t"] == 1
    assert float(st["m"]) == pytest.approx(0.05, abs=1e-15)
    assert float(st["v"]) == pytest.approx(0.00025, abs=1e-15)
    assert w == pytest.approx(0.9, abs=1e-8)
    # Without bias correction the step would have been 0.1 * 0.05 / sqrt(0.00025) = 0.316...
    assert abs(w - (1 - 0.1 * 0.05 / math.sqrt(0.00025))) > 0.2

    w2, st = adam_update(w, -1.0, st, lr=0.1)
    # m = 0.9 * 0.05 + 0.1 * (-1) = -0.055, v = 0.999 * 0.00025 + 0.001 * 1 = 0.00124975
    # m_hat = -0.055 / (1 - 0.81) = -0.055 / 0.19
    # v_hat = 0.00124975 / (1 - 0.998001) = 0.00124975 / 0.001999
    assert st["t"] == 2
    assert float(st["m"]) == pytest.approx(-0.055, abs=1e-15)
    assert float(st["v"]) == pytest.approx(0.00124975, abs=1e-15)
    m_hat, v_hat = -0.055 / 0.19, 0.00124975 / 0.001999
    assert w2 == pytest.approx(w - 0.1 * m_hat / (math.sqrt(v_hat) + 1e-8), abs=1e-12)
    assert w2 == pytest.approx(0.93661, abs=1e-5)


@pytest.mark.parametrize("scale", [1e-4, 1.0, 1e4])
def test_adam_first_step_has_length_lr_whatever_the_gradient_scale(scale):
    g = scale * np.array([1.0, -3.0, 0.2])
    w, _ = adam_update(np.zeros(3), g, lr=0.01, eps=1e-12)
    np.testing.assert_allclose(w, -0.01 * np.sign(g), rtol=1e-6)


def test_sgd_weight_decay_by_hand():
    """w = 2, dw = 1, lambda = 0.5, eta = 0.1: g = 1 + 0.5 * 2 = 2, w = 2 - 0.2 = 1.8."""
    w, _ = sgd_update(2.0, 1.0, lr=0.1, weight_decay=0.5)
    assert w == pytest.approx(1.8, abs=1e-15)
    # with a zero loss gradient, decay alone shrinks w by the factor (1 - eta lambda)
    w, _ = sgd_update(np.array([1.0, -4.0]), np.zeros(2), lr=0.1, weight_decay=0.5)
    np.testing.assert_allclose(w, [0.95, -3.8], rtol=1e-15)


@pytest.mark.parametrize("rule", RULES)
def test_weight_decay_adds_lambda_w_to_the_gradient(rule):
    """Every rule with decay lambda equals the same rule without, fed dw + lambda w."""
    rng = np.random.default_rng(2)
    w1 = w2 = rng.normal(size=5)
    s1 = s2 = None
    for _ in range(3):
        dw = rng.normal(size=5)
        w1, s1 = rule(w1, dw, s1, lr=0.05, weight_decay=0.3)
        w2, s2 = rule(w2, dw + 0.3 * w2, s2, lr=0.05)
    np.testing.assert_array_equal(w1, w2)


# ---------------------------------------------------------------------------
# Pure rules: types, shapes, dtypes, no mutation
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("rule", RULES)
def test_pure_rules_accept_python_scalars(rule):
    w, state = rule(1.0, 0.5, lr=0.1)
    assert type(w) is float
    w, state = rule(w, -0.25, state, lr=0.1)     # and take their own state back
    assert type(w) is float
    w, _ = rule(3, 1, lr=0.1)                    # ints are numbers too
    assert type(w) is float


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(), (2,), (3, 4), (2, 3, 2)])
@pytest.mark.parametrize("rule", RULES)
def test_pure_rules_keep_shape_and_dtype(rule, shape, dtype):
    rng = np.random.default_rng(3)
    w = rng.normal(size=shape).astype(dtype)
    new_w, state = rule(w, rng.normal(size=shape).astype(dtype), lr=0.1)
    new_w, state = rule(new_w, rng.normal(size=shape), state, lr=0.1)   # float64 grad
    assert isinstance(new_w, np.ndarray)
    assert new_w.shape == shape and new_w.dtype == dtype
    for key, value in state.items():
        if key != "t":
            assert value.shape == shape and value.dtype == dtype


@pytest.mark.parametrize("rule", RULES)
def test_pure_rules_keep_numpy_scalar_type(rule):
    w, _ = rule(np.float32(1.0), np.float32(0.5), lr=0.1)
    assert type(w) is np.float32


@pytest.mark.parametrize("rule", RULES)
def test_pure_rules_do_not_mutate_inputs(rule):
    rng = np.random.default_rng(4)
    w, dw = rng.normal(size=(3, 2)), rng.normal(size=(3, 2))
    _, state = rule(w.copy(), dw.copy(), lr=0.1, weight_decay=0.1)
    w0, dw0 = w.copy(), dw.copy()
    state0 = {k: np.copy(v) for k, v in state.items()}
    kwargs = {"momentum": 0.9, "nesterov": True} if rule is sgd_update else {}
    new_w, new_state = rule(w, dw, state, lr=0.1, weight_decay=0.1, **kwargs)
    np.testing.assert_array_equal(w, w0)
    np.testing.assert_array_equal(dw, dw0)
    assert_states_equal(state, state0)
    assert not np.shares_memory(new_w, w)
    for key, value in new_state.items():
        if key != "t":
            assert not np.shares_memory(value, state[key])


def test_sgd_state_records_the_step_taken():
    """v is the change of w (Delta w), also with momentum = 0."""
    w, st = sgd_update(np.array([1.0, 2.0]), np.array([3.0, -1.0]), lr=0.1)
    np.testing.assert_allclose(st["v"], [-0.3, 0.1])
    w2, st = sgd_update(w, np.array([3.0, -1.0]), st, lr=0.1, momentum=0.5)
    np.testing.assert_allclose(st["v"], w2 - w)


def test_pure_rule_rejects_bad_arrays():
    with pytest.raises(ValueError, match=r"dw must have the same shape as w, \(3,\), got \(1, 3\)"):
        sgd_update(np.zeros(3), np.zeros((1, 3)), lr=0.1)
    with pytest.raises(ValueError, match="dw must contain only finite numbers.*smaller lr"):
        sgd_update(np.zeros(2), np.array([1.0, np.nan]), lr=0.1)
    with pytest.raises(ValueError, match="w must contain only finite numbers"):
        adam_update(np.array([np.inf]), np.zeros(1), lr=0.1)
    with pytest.raises(TypeError, match="w must be a numeric array"):
        rmsprop_update("1.0", 1.0, lr=0.1)


def test_pure_rule_rejects_a_foreign_state():
    _, adam_state = adam_update(np.zeros(2), np.ones(2), lr=0.1)
    with pytest.raises(ValueError, match=r"previous sgd_update call.*\['v'\]"):
        sgd_update(np.zeros(2), np.ones(2), adam_state, lr=0.1)
    _, st = adagrad_update(np.zeros(2), np.ones(2), lr=0.1)
    with pytest.raises(ValueError, match=r"state\['G'\] must have the shape of w, \(3,\)"):
        adagrad_update(np.zeros(3), np.ones(3), st, lr=0.1)
    with pytest.raises(ValueError, match="state must be None"):
        rmsprop_update(0.0, 1.0, {}, lr=0.1)


# ---------------------------------------------------------------------------
# Hyperparameter checks
# ---------------------------------------------------------------------------

BAD_HYPER = [
    (sgd_update, SGD, {"lr": 0.0}, ValueError, "lr must be > 0, got 0.0"),
    (sgd_update, SGD, {"lr": -0.1}, ValueError, "lr must be > 0"),
    (sgd_update, SGD, {"lr": float("nan")}, ValueError, "lr must be finite"),
    (sgd_update, SGD, {"lr": "0.1"}, TypeError, "lr must be a real number"),
    (sgd_update, SGD, {"lr": 0.1, "momentum": 1.0}, ValueError,
     r"momentum must be in \[0, 1\), got 1.0"),
    (sgd_update, SGD, {"lr": 0.1, "momentum": -0.5}, ValueError, "momentum must be in"),
    (sgd_update, SGD, {"lr": 0.1, "nesterov": True}, ValueError,
     "nesterov=True requires momentum > 0"),
    (sgd_update, SGD, {"lr": 0.1, "momentum": 0.9, "nesterov": "yes"}, TypeError,
     "nesterov must be True or False"),
    (sgd_update, SGD, {"lr": 0.1, "weight_decay": -1e-4}, ValueError,
     "weight_decay must be >= 0"),
    (adagrad_update, AdaGrad, {"lr": 0.1, "eps": 0.0}, ValueError, "eps must be > 0"),
    (adagrad_update, AdaGrad, {"lr": 0}, ValueError, "lr must be > 0"),
    (rmsprop_update, RMSProp, {"lr": 0.1, "rho": 1.0}, ValueError, r"rho must be in \[0, 1\)"),
    (rmsprop_update, RMSProp, {"lr": 0.1, "eps": -1.0}, ValueError, "eps must be > 0"),
    (adam_update, Adam, {"lr": 0.1, "beta1": 1.0}, ValueError, r"beta1 must be in \[0, 1\)"),
    (adam_update, Adam, {"lr": 0.1, "beta2": -0.1}, ValueError, r"beta2 must be in \[0, 1\)"),
    (adam_update, Adam, {"lr": 0.1, "eps": 0}, ValueError, "eps must be > 0"),
    (adam_update, Adam, {"lr": 0.1, "weight_decay": float("inf")}, ValueError,
     "weight_decay must be finite"),
]


@pytest.mark.parametrize("rule, cls, hyper, exc, message", BAD_HYPER)
def test_bad_hyperparameters_are_rejected(rule, cls, hyper, exc, message):
    with pytest.raises(exc, match=message):
        rule(np.zeros(2), np.ones(2), **hyper)
    kwargs = dict(hyper)
    if cls is Adam and ("beta1" in kwargs or "beta2" in kwargs):
        kwargs["betas"] = (kwargs.pop("beta1", 0.9), kwargs.pop("beta2", 0.999))
    with pytest.raises(exc, match=message):
        cls([Param([1.0])], **kwargs)


def test_adam_betas_must_be_a_pair():
    with pytest.raises(TypeError, match=r"betas must be a pair \(beta1, beta2\)"):
        Adam([Param([1.0])], lr=0.1, betas=0.9)
    with pytest.raises(TypeError, match="betas must be a pair"):
        Adam([Param([1.0])], lr=0.1, betas=(0.9, 0.99, 0.999))


def test_hyperparameters_can_change_between_steps_and_are_rechecked():
    """A schedule may set opt.lr; a bad value fails at the next step, not silently."""
    p = Param([1.0])
    opt = SGD([p], lr=0.1)
    p.grad[...] = 1.0
    opt.step()
    opt.lr = 0.01
    opt.step()
    np.testing.assert_allclose(p.data, [1.0 - 0.1 - 0.01])
    opt.lr = -1.0
    with pytest.raises(ValueError, match="lr must be > 0"):
        opt.step()
    np.testing.assert_allclose(p.data, [0.89])


# ---------------------------------------------------------------------------
# Classes: params, step(), zero_grad(), repr
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("cls", [SGD, AdaGrad, RMSProp, Adam])
def test_params_must_be_a_non_empty_iterable_of_parameters(cls):
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


def test_step_updates_data_in_place():
    p = Param([[1.0, 2.0]], dtype=np.float32)
    data = p.data
    opt = Adam([p], lr=0.1)
    p.grad[...] = [[1.0, -1.0]]
    opt.step()
    assert p.data is data and p.data.dtype == np.float32
    np.testing.assert_allclose(p.data, [[0.9, 2.1]], rtol=1e-6)


@pytest.mark.parametrize("cls", [SGD, AdaGrad, RMSProp, Adam])
def test_step_rejects_bad_grads_and_changes_nothing(cls):
    a, b = Param([1.0, 2.0], "weight"), Param([3.0], "bias")
    opt = cls([a, b], lr=0.1)
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


@pytest.mark.parametrize("cls", [SGD, AdaGrad, RMSProp, Adam])
def test_zero_grad_zeroes_in_place(cls):
    ps = [Param(np.ones((2, 3))), Param(np.ones(3))]
    grads = []
    for p in ps:
        p.grad[...] = 7.0
        grads.append(p.grad)
    opt = cls(ps, lr=0.1)
    opt.zero_grad()
    for p, g in zip(ps, grads):
        assert p.grad is g                  # the same array: layers may hold it
        assert not np.any(p.grad)


def test_zero_grad_then_step_leaves_sgd_params_unchanged():
    p = Param([1.0, -1.0])
    opt = SGD([p], lr=0.1)
    p.grad[...] = 5.0
    opt.zero_grad()
    opt.step()
    np.testing.assert_array_equal(p.data, [1.0, -1.0])


def test_repr_is_readable():
    ps = [Param(np.zeros((3, 2)), "weight"), Param(np.zeros(3), "bias")]
    assert repr(SGD(ps, lr=0.1, momentum=0.9)) == (
        "SGD(lr=0.1, momentum=0.9, nesterov=False, weight_decay=0.0; 2 parameters, 9 values)")
    assert repr(Adam(ps[:1], lr=0.001)) == (
        "Adam(lr=0.001, betas=(0.9, 0.999), eps=1e-08, weight_decay=0.0; 1 parameter, 6 values)")
    assert repr(AdaGrad(ps, lr=0.1)).startswith("AdaGrad(lr=0.1, eps=1e-10,")
    assert repr(RMSProp(ps, lr=0.1)).startswith("RMSProp(lr=0.1, rho=0.9, eps=1e-08,")


def test_public_names():
    assert set(optim.__all__) == {"sgd_update", "adagrad_update", "rmsprop_update", "adam_update",
                                  "Optimizer", "SGD", "AdaGrad", "RMSProp", "Adam"}
    for name in optim.__all__:
        assert getattr(optim, name).__doc__


# ---------------------------------------------------------------------------
# With the real layers of mlpkit.nn
# ---------------------------------------------------------------------------

# (imported inside each test so the tests above still run if nn is broken)

@pytest.mark.parametrize("case", ["momentum", "nesterov", "adagrad", "rmsprop", "adam"])
def test_with_real_linear_layer(case):
    """Optimising nn.Linear's Parameters: the same numbers as the pure rule, float32 kept."""
    from mlpkit import nn

    rule, cls, _, hyper, kwargs = CASES[case]
    rng = np.random.default_rng(5)
    layer = nn.Linear(3, 2, rng=0)
    params = layer.parameters()
    assert [p.data.shape for p in params] == [(2, 3), (2,)]
    ws = [p.data.copy() for p in params]
    states = [None, None]
    opt = cls(layer.parameters(), **kwargs)
    for _ in range(3):
        opt.zero_grad()
        x = rng.normal(size=(4, 3)).astype(np.float32)
        y_hat = layer.forward(x)
        layer.backward(y_hat - 1.0)            # the gradient of sum((y_hat - 1)^2) / 2
        for i, p in enumerate(params):
            ws[i], states[i] = rule(ws[i], p.grad, states[i], **hyper)
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


def test_sgd_lowers_the_loss_of_a_real_linear_layer():
    from mlpkit import nn

    rng = np.random.default_rng(6)
    x = rng.normal(size=(32, 3)).astype(np.float32)
    y = x @ np.array([[1.0], [-2.0], [0.5]], dtype=np.float32) + 0.3
    layer = nn.Linear(3, 1, rng=0)
    opt = SGD(layer.parameters(), lr=0.1, momentum=0.5)
    losses = []
    for _ in range(100):
        opt.zero_grad()
        y_hat = layer(x)
        losses.append(float(np.mean((y_hat - y) ** 2)))
        layer.backward(2 * (y_hat - y) / y.size)
        opt.step()
    assert losses[-1] < 1e-4 * losses[0]
    np.testing.assert_allclose(layer.weight.data, [[1.0, -2.0, 0.5]], atol=1e-3)
    np.testing.assert_allclose(layer.bias.data, [0.3], atol=1e-3)
