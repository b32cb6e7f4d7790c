"""Tests for mlpkit.optim's update rules: every rule against its formula and hand-computed numbers.

The oracle is each formula written out below in plain NumPy (float64, one
line per equation, independent of the library), plus numbers computed by
hand. The classes must reproduce the pure rules bit for bit. Everything that
holds for every optimiser iterates the registry (``optim.OPTIMIZERS``,
``optim.UPDATE_RULES``): adding an optimiser to mlpkit/optim.py means adding
its reference formula and one entry in each table here (CASES, HAND, FULL,
FITS), and ``test_every_registered_optimiser_is_tested`` fails until they
are. The classes' own behaviour (params, step, zero_grad, repr, subnormal
flushing, real layers) is tested in test_optim_classes.py, which iterates the
registry with the tables from this file: it never needs editing for a new
optimiser.
"""
from __future__ import annotations

import inspect
import math

import numpy as np
import pytest

from mlpkit import optim
from mlpkit.optim import (OPTIMIZERS, SGD, UPDATE_RULES, Adam, AdamW, adagrad_update,
                          adam_update, adamw_update, rmsprop_update, sgd_update)

NAMES = list(OPTIMIZERS)


class Param:
    """A minimal stand-in for nn.Parameter: ``.data`` and ``.grad`` of the same shape."""

    def __init__(self, data, name=None, dtype=np.float64):
        self.data = np.array(data, dtype=dtype)
        self.grad = np.zeros_like(self.data)
        self.name = name


def class_kwargs(hyper: dict) -> dict:
    """A pure rule's keywords as its class takes them: the classes take betas=(beta1, beta2)."""
    kwargs = dict(hyper)
    if "beta1" in kwargs or "beta2" in kwargs:
        kwargs["betas"] = (kwargs.pop("beta1", 0.9), kwargs.pop("beta2", 0.999))
    return kwargs


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


def ref_adamw(w, dw, st, lr, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.01):
    t = st.get("t", 0) + 1
    m = beta1 * st.get("m", np.zeros_like(w)) + (1 - beta1) * dw
    v = beta2 * st.get("v", np.zeros_like(w)) + (1 - beta2) * dw ** 2
    m_hat = m / (1 - beta1 ** t)
    v_hat = v / (1 - beta2 ** t)
    return w - lr * (m_hat / (np.sqrt(v_hat) + eps) + weight_decay * w), {"m": m, "v": v, "t": t}


REFERENCES = {"sgd": ref_sgd, "adagrad": ref_adagrad, "rmsprop": ref_rmsprop,
              "adam": ref_adam, "adamw": ref_adamw}

# case id -> (registry name, pure-rule hyperparameters); the class gets class_kwargs(hyper)
CASES = {
    "sgd": ("sgd", {"lr": 0.1}),
    "sgd-decay": ("sgd", {"lr": 0.1, "weight_decay": 0.01}),
    "momentum": ("sgd", {"lr": 0.05, "momentum": 0.9}),
    "nesterov": ("sgd", {"lr": 0.05, "momentum": 0.8, "nesterov": True, "weight_decay": 0.1}),
    "adagrad": ("adagrad", {"lr": 0.3}),
    "adagrad-decay": ("adagrad", {"lr": 0.3, "eps": 1e-6, "weight_decay": 0.2}),
    "rmsprop": ("rmsprop", {"lr": 0.01}),
    "rmsprop-decay": ("rmsprop", {"lr": 0.01, "rho": 0.5, "eps": 1e-3, "weight_decay": 0.3}),
    "adam": ("adam", {"lr": 0.01}),
    "adam-decay": ("adam", {"lr": 0.01, "beta1": 0.5, "beta2": 0.7, "eps": 1e-4,
                            "weight_decay": 0.2}),
    "adamw": ("adamw", {"lr": 0.01}),
    "adamw-decay": ("adamw", {"lr": 0.01, "beta1": 0.5, "beta2": 0.7, "eps": 1e-4,
                              "weight_decay": 0.2}),
}

# One step of each optimiser, computed by hand from a non-zero state:
# name -> (w, dw, state, hyper, expected new w, expected new state)
HAND = {
    # g = 2 + 0.5 * 1 = 2.5;  v = 0.9 * 0.5 - 0.1 * 2.5 = 0.2;  w = 1 + 0.2 = 1.2
    "sgd": (1.0, 2.0, {"v": 0.5}, {"lr": 0.1, "momentum": 0.9, "weight_decay": 0.5},
            1.2, {"v": 0.2}),
    # g = 1 + 1 * 1 = 2;  G = 12 + 4 = 16;  w = 1 - 0.1 * 2 / 4 = 0.95
    "adagrad": (1.0, 1.0, {"G": 12.0}, {"lr": 0.1, "weight_decay": 1.0}, 0.95, {"G": 16.0}),
    # g = 3 + 1 * 1 = 4;  s = 0.9 * 0.1 + 0.1 * 16 = 1.69;  w = 1 - 0.01 * 4 / 1.3
    "rmsprop": (1.0, 3.0, {"s": 0.1}, {"lr": 0.01, "rho": 0.9, "weight_decay": 1.0},
                1 - 0.04 / 1.3, {"s": 1.69}),
    # g = 1.5 + 0.5 * 1 = 2;  t = 2;  m = 0.5 * 2 + 0.5 * 2 = 2;  v = 0.5 * 2 + 0.5 * 4 = 3
    # m_hat = 2 / (1 - 0.25) = 8/3;  v_hat = 3 / 0.75 = 4;  w = 1 - 0.3 * (8/3) / 2 = 0.6
    "adam": (1.0, 1.5, {"m": 2.0, "v": 2.0, "t": 1},
             {"lr": 0.3, "beta1": 0.5, "beta2": 0.5, "weight_decay": 0.5},
             0.6, {"m": 2.0, "v": 3.0, "t": 2}),
    # decay first: w = 1 - 0.3 * 0.5 * 1 = 0.85;  then Adam on g = dw = 2 (as above):
    # m_hat = 8/3, v_hat = 4, w = 0.85 - 0.4 = 0.45
    "adamw": (1.0, 2.0, {"m": 2.0, "v": 2.0, "t": 1},
              {"lr": 0.3, "beta1": 0.5, "beta2": 0.5, "weight_decay": 0.5},
              0.45, {"m": 2.0, "v": 3.0, "t": 2}),
}


# Used by test_optim_classes.py:
# name -> hyperparameters under which the rule uses every part of itself (weight decay too)
FULL = {"sgd": {"lr": 0.1, "momentum": 0.9, "nesterov": True, "weight_decay": 0.1},
        "adagrad": {"lr": 0.1, "weight_decay": 0.1},
        "rmsprop": {"lr": 0.1, "weight_decay": 0.1},
        "adam": {"lr": 0.1, "weight_decay": 0.1},
        "adamw": {"lr": 0.1, "weight_decay": 0.1}}
# name -> (class keywords, steps, tolerance on the weights) for fitting a linear layer
FITS = {"sgd": ({"lr": 0.1, "momentum": 0.5}, 100, 1e-3),
        "adagrad": ({"lr": 0.5}, 300, 1e-3),
        "rmsprop": ({"lr": 0.01}, 300, 1e-2),
        "adam": ({"lr": 0.03}, 300, 1e-3),
        "adamw": ({"lr": 0.03, "weight_decay": 0.0}, 300, 1e-3)}


def as_state(state: dict) -> dict:
    """A hand-written state with arrays where the library keeps arrays (t stays an int)."""
    return {k: v if k == "t" else np.array(v) for k, v in state.items()}


def assert_states_equal(a, b):
    assert sorted(a) == sorted(b)
    for key in a:
        np.testing.assert_array_equal(a[key], b[key], err_msg=f"state[{key!r}]")


# ---------------------------------------------------------------------------
# The registry
# ---------------------------------------------------------------------------

def test_every_registered_optimiser_is_tested():
    """The registry's names, and for each a reference formula, cases and a hand-computed step."""
    assert NAMES == ["sgd", "adagrad", "rmsprop", "adam", "adamw"]
    assert list(UPDATE_RULES) == NAMES
    assert set(REFERENCES) == set(NAMES)
    assert set(HAND) == set(NAMES)
    assert set(FULL) == set(NAMES) and set(FITS) == set(NAMES)
    assert {name for name, _ in CASES.values()} == set(NAMES)
    for name in NAMES:
        assert issubclass(OPTIMIZERS[name], optim.Optimizer)
        assert UPDATE_RULES[name].__name__ == f"{name}_update"
        assert OPTIMIZERS[name].__doc__ and UPDATE_RULES[name].__doc__
        assert optim.get(name) is OPTIMIZERS[name]


def test_get_lists_the_valid_names_on_a_typo():
    with pytest.raises(ValueError, match=r"optimizer must be one of 'sgd', 'adagrad', 'rmsprop', "
                                         r"'adam', 'adamw'; got 'adan' \(did you mean 'adam'\?\)"):
        optim.get("adan")
    with pytest.raises(ValueError, match="did you mean 'sgd'"):
        optim.get("SGD")
    with pytest.raises(TypeError, match="must be the name of an optimiser"):
        optim.get(SGD)


@pytest.mark.parametrize("name", NAMES)
def test_defaults_are_the_signatures_of_class_and_rule(name):
    """cls.defaults lists the constructor's defaults; the pure rule has the same ones."""
    cls, rule = OPTIMIZERS[name], UPDATE_RULES[name]
    init = inspect.signature(cls.__init__).parameters
    assert cls.hyperparameters == tuple(init)[2:]                   # after self, params
    assert cls.hyperparameters[0] == "lr" and init["lr"].default is inspect.Parameter.empty
    assert cls.defaults == {k: init[k].default for k in cls.hyperparameters[1:]}
    rule_params = inspect.signature(rule).parameters
    assert list(rule_params)[:3] == ["w", "dw", "state"]
    assert rule_params["lr"].default is inspect.Parameter.empty
    rule_defaults = {k: p.default for k, p in rule_params.items() if k not in ("w", "dw", "state",
                                                                               "lr")}
    assert class_kwargs(rule_defaults) == cls.defaults


def test_documented_defaults():
    assert SGD.defaults == {"momentum": 0.0, "nesterov": False, "weight_decay": 0.0}
    assert optim.AdaGrad.defaults == {"eps": 1e-10, "weight_decay": 0.0}
    assert optim.RMSProp.defaults == {"rho": 0.9, "eps": 1e-8, "weight_decay": 0.0}
    assert Adam.defaults == {"betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 0.0}
    assert AdamW.defaults == {"betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 0.01}


# ---------------------------------------------------------------------------
# Each rule against its formula; classes against the pure rules
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("name", NAMES)
def test_one_step_by_hand(name):
    w, dw, state, hyper, expected_w, expected_state = HAND[name]
    new_w, new_state = UPDATE_RULES[name](w, dw, as_state(state), **hyper)
    assert new_w == pytest.approx(expected_w, abs=1e-8)      # eps moves it by < 1e-8
    assert sorted(new_state) == sorted(expected_state)
    for key, value in expected_state.items():
        assert float(new_state[key]) == pytest.approx(value, abs=1e-15)
    assert type(new_state.get("t", 0)) is int
    # and the class, from the same state
    p = Param([w])
    opt = OPTIMIZERS[name]([p], **class_kwargs(hyper))
    opt.state[0].update({k: v if k == "t" else np.array([v]) for k, v in state.items()})
    p.grad[...] = dw
    opt.step()
    assert p.data[0] == pytest.approx(expected_w, abs=1e-8)


@pytest.mark.parametrize("case", CASES)
def test_first_steps_follow_the_formula(case):
    """Four steps of each pure rule equal the textbook formula, state included."""
    name, hyper = CASES[case]
    rule, ref = UPDATE_RULES[name], REFERENCES[name]
    rng = np.random.default_rng(0)
    w = w_ref = rng.normal(size=(3, 2))
    state, st_ref = None, {}
    for _ in range(4):
        dw = rng.normal(size=(3, 2))
        w, state = rule(w, dw, state, **hyper)
        w_ref, st_ref = ref(w_ref, dw, st_ref, **hyper)
        np.testing.assert_allclose(w, w_ref, rtol=1e-12, atol=1e-15)
        assert sorted(state) == sorted(st_ref)
        for key in st_ref:
            np.testing.assert_allclose(state[key], st_ref[key], rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", CASES)
def test_class_reproduces_pure_rule_exactly(case, dtype):
    """The class and the pure rule are one formula: identical bits, per parameter, over many
    steps (past several subnormal flushes, which must change nothing here)."""
    name, hyper = CASES[case]
    rule, cls = UPDATE_RULES[name], OPTIMIZERS[name]
    rng = np.random.default_rng(1)
    params = [Param(rng.normal(size=(4, 3)), "weight", dtype),
              Param(rng.normal(size=(4,)), "bias", dtype),
              Param(rng.normal(size=(4, 3)), "weight2", dtype)]
    ws = [p.data.copy() for p in params]
    states = [None] * len(params)
    opt = cls(params, **class_kwargs(hyper))
    for _ in range(3 * optim.FLUSH_EVERY + 1):
        for i, p in enumerate(params):
            p.grad[...] = rng.normal(size=p.data.shape)
            ws[i], states[i] = rule(ws[i], p.grad, states[i], **hyper)
        opt.step()
        for i, p in enumerate(params):
            assert p.data.dtype == dtype
            np.testing.assert_array_equal(p.data, ws[i])
            assert_states_equal(opt.state[i], states[i])


@pytest.mark.parametrize("case", CASES)
def test_state_is_kept_per_parameter(case):
    """Two parameters with different gradients evolve exactly as two separate runs."""
    name, hyper = CASES[case]
    rule = UPDATE_RULES[name]
    a, b = Param([1.0, -2.0], "a"), Param([0.5, 3.0], "b")
    opt = OPTIMIZERS[name]([a, b], **class_kwargs(hyper))
    wa, wb, sa, sb = a.data.copy(), b.data.copy(), None, None
    for k in range(1, 4):
        a.grad[...] = [k, 2.0 * k]
        b.grad[...] = [-3.0, 0.1 * k * k]
        opt.step()
        wa, sa = rule(wa, a.grad, sa, **hyper)
        wb, sb = rule(wb, b.grad, sb, **hyper)
    np.testing.assert_array_equal(a.data, wa)
    np.testing.assert_array_equal(b.data, wb)
    assert opt.state[0] is not opt.state[1]
    assert_states_equal(opt.state[0], sa)
    assert_states_equal(opt.state[1], sb)


# ---------------------------------------------------------------------------
# SGD, momentum and Nesterov by hand
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
    grad = lambda w: A @ w
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


def test_sgd_state_records_the_step_taken():
    """v is the change of w (Delta w), also with momentum = 0."""
    w, st = sgd_update(np.array([1.0, 2.0]), np.array([3.0, -1.0]), lr=0.1)
    np.testing.assert_allclose(st["v"], [-0.3, 0.1])
    w2, st = sgd_update(w, np.array([3.0, -1.0]), st, lr=0.1, momentum=0.5)
    np.testing.assert_allclose(st["v"], w2 - w)


# ---------------------------------------------------------------------------
# AdaGrad, RMSProp, Adam by hand
# ---------------------------------------------------------------------------

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


@pytest.mark.parametrize("rho", [0.9, 0.99])
def test_rmsprop_first_step_is_lr_over_sqrt_one_minus_rho(rho):
    """The docstring's reason for rho = 0.9: s = (1 - rho) g^2 after one step, so the first step
    is eta / sqrt(1 - rho) whatever g: 3.16 eta for 0.9, 10 eta for PyTorch's 0.99."""
    g = np.array([1e-3, -2.0, 50.0])
    w, _ = rmsprop_update(np.zeros(3), g, lr=0.01, rho=rho, eps=1e-12)
    np.testing.assert_allclose(np.abs(w), 0.01 / math.sqrt(1 - rho), rtol=1e-8)
    assert math.sqrt(1 / (1 - 0.9)) == pytest.approx(3.1623, abs=1e-4)


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


# ---------------------------------------------------------------------------
# Weight decay: L2 (added to the gradient) and AdamW's decoupled decay
# ---------------------------------------------------------------------------

L2_RULES = [UPDATE_RULES[name] for name in NAMES if name != "adamw"]


def test_sgd_weight_decay_by_hand():
    """w = 2, dw = 1, lambda = 0.5, eta = 0.1: g = 1 + 0.5 * 2 = 2, w = 2 - 0.2 = 1.8."""
    w, _ = sgd_update(2.0, 1.0, lr=0.1, weight_decay=0.5)
    assert w == pytest.approx(1.8, abs=1e-15)
    # with a zero loss gradient, decay alone shrinks w by the factor (1 - eta lambda)
    w, _ = sgd_update(np.array([1.0, -4.0]), np.zeros(2), lr=0.1, weight_decay=0.5)
    np.testing.assert_allclose(w, [0.95, -3.8], rtol=1e-15)


@pytest.mark.parametrize("rule", L2_RULES)
def test_l2_weight_decay_adds_lambda_w_to_the_gradient(rule):
    """Every L2 rule with decay lambda equals the same rule without, fed dw + lambda w."""
    rng = np.random.default_rng(2)
    w1 = w2 = rng.normal(size=5)
    s1 = s2 = None
    for _ in range(3):
        dw = rng.normal(size=5)
        w1, s1 = rule(w1, dw, s1, lr=0.05, weight_decay=0.3)
        w2, s2 = rule(w2, dw + 0.3 * w2, s2, lr=0.05)
    np.testing.assert_array_equal(w1, w2)


def test_adamw_first_two_steps_by_hand():
    """w = 1, eta = 0.1, lambda = 0.1, default betas; gradients 0.5 then -1 (as for Adam)."""
    w, st = adamw_update(1.0, 0.5, lr=0.1, weight_decay=0.1)
    # decay: w = 1 - 0.1 * 0.1 * 1 = 0.99; Adam on g = 0.5: m_hat = 0.5, v_hat = 0.25, step 0.1
    assert st["t"] == 1
    assert float(st["m"]) == pytest.approx(0.05, abs=1e-15)       # lambda w is not in m
    assert float(st["v"]) == pytest.approx(0.00025, abs=1e-15)    # nor in v
    assert w == pytest.approx(0.89, abs=1e-8)
    w2, st = adamw_update(w, -1.0, st, lr=0.1, weight_decay=0.1)
    # decay: w (1 - 0.1 * 0.1) (= 0.8811, up to eps); then Adam's second step of the Adam test
    m_hat, v_hat = -0.055 / 0.19, 0.00124975 / 0.001999
    assert float(st["m"]) == pytest.approx(-0.055, abs=1e-15)
    assert w2 == pytest.approx(w * 0.99 - 0.1 * m_hat / (math.sqrt(v_hat) + 1e-8), abs=1e-12)
    assert w2 == pytest.approx(0.917711, abs=1e-6)


def test_adamw_is_torchs_decay_times_lr_then_adam():
    """torch.optim.AdamW: w <- w (1 - lr lambda), then Adam's step on dw without decay."""
    rng = np.random.default_rng(7)
    w, state = rng.normal(size=4), None
    w_ref, st_ref = w.copy(), None
    for _ in range(5):
        dw = rng.normal(size=4)
        w, state = adamw_update(w, dw, state, lr=0.02, weight_decay=0.3)
        w_ref, st_ref = adam_update(w_ref * (1 - 0.02 * 0.3), dw, st_ref, lr=0.02)
        np.testing.assert_allclose(w, w_ref, rtol=1e-14)
        assert_states_equal(state, st_ref)


def test_adamw_and_adam_with_l2_differ_and_agree_without_decay():
    rng = np.random.default_rng(8)
    w0 = rng.normal(size=6) * [1, 1, 1, 100, 100, 100]       # large and small weights
    scale = np.array([1e-3, 1e-3, 1e-3, 10.0, 10.0, 10.0])    # small and large gradients
    for lam in (0.0, 0.1):
        wa, sa, ww, sw = w0, None, w0, None
        for _ in range(20):
            dw = scale * rng.normal(size=6)
            wa, sa = adam_update(wa, dw, sa, lr=0.01, weight_decay=lam)
            ww, sw = adamw_update(ww, dw, sw, lr=0.01, weight_decay=lam)
        if lam == 0:
            np.testing.assert_array_equal(ww, wa)           # no decay: the same rule
            assert_states_equal(sw, sa)
        else:
            assert np.max(np.abs(ww - wa)) > 1e-3
            # AdamW shrinks every weight by (1 - lr lambda) per step; Adam's L2 term is
            # divided by sqrt(v_hat), so weights with large gradients are barely decayed
            assert not np.allclose(sw["m"], sa["m"])


# ---------------------------------------------------------------------------
# Pure rules: types, shapes, dtypes, no mutation
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("name", NAMES)
def test_pure_rules_accept_python_scalars(name):
    rule = UPDATE_RULES[name]
    w, state = rule(1.0, 0.5, lr=0.1)
    assert type(w) is float
    w, state = rule(w, -0.25, state, lr=0.1)     # and take their own state back
    assert type(w) is float
    w, _ = rule(3, 1, lr=0.1)                    # ints are numbers too
    assert type(w) is float


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(), (2,), (3, 4), (2, 3, 2)])
@pytest.mark.parametrize("name", NAMES)
def test_pure_rules_keep_shape_and_dtype(name, shape, dtype):
    rule = UPDATE_RULES[name]
    rng = np.random.default_rng(3)
    w = rng.normal(size=shape).astype(dtype)
    new_w, state = rule(w, rng.normal(size=shape).astype(dtype), lr=0.1)
    new_w, state = rule(new_w, rng.normal(size=shape), state, lr=0.1)   # float64 grad
    assert isinstance(new_w, np.ndarray)
    assert new_w.shape == shape and new_w.dtype == dtype
    for key, value in state.items():
        if key != "t":
            assert value.shape == shape and value.dtype == dtype


@pytest.mark.parametrize("name", NAMES)
def test_pure_rules_keep_numpy_scalar_type(name):
    w, _ = UPDATE_RULES[name](np.float32(1.0), np.float32(0.5), lr=0.1)
    assert type(w) is np.float32


@pytest.mark.parametrize("name", NAMES)
def test_pure_rules_do_not_mutate_inputs(name):
    rule = UPDATE_RULES[name]
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
            assert not np.shares_memory(value, dw)


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
    with pytest.raises(ValueError, match=r"state\['t'\] must be >= 0"):
        adamw_update(0.0, 1.0, {**adam_state, "m": 0.0, "v": 0.0, "t": -1}, lr=0.1)


# ---------------------------------------------------------------------------
# Hyperparameter checks
# ---------------------------------------------------------------------------

BAD_HYPER = [
    ("sgd", {"lr": 0.0}, ValueError, "lr must be > 0, got 0.0"),
    ("sgd", {"lr": -0.1}, ValueError, "lr must be > 0"),
    ("sgd", {"lr": float("nan")}, ValueError, "lr must be finite"),
    ("sgd", {"lr": "0.1"}, TypeError, "lr must be a real number"),
    ("sgd", {"lr": 0.1, "momentum": 1.0}, ValueError, r"momentum must be in \[0, 1\), got 1.0"),
    ("sgd", {"lr": 0.1, "momentum": -0.5}, ValueError, "momentum must be in"),
    ("sgd", {"lr": 0.1, "nesterov": True}, ValueError, "nesterov=True requires momentum > 0"),
    ("sgd", {"lr": 0.1, "momentum": 0.9, "nesterov": "yes"}, TypeError,
     "nesterov must be True or False"),
    ("sgd", {"lr": 0.1, "weight_decay": -1e-4}, ValueError, "weight_decay must be >= 0"),
    ("adagrad", {"lr": 0.1, "eps": 0.0}, ValueError, "eps must be > 0"),
    ("adagrad", {"lr": 0}, ValueError, "lr must be > 0"),
    ("rmsprop", {"lr": 0.1, "rho": 1.0}, ValueError, r"rho must be in \[0, 1\)"),
    ("rmsprop", {"lr": 0.1, "eps": -1.0}, ValueError, "eps must be > 0"),
    ("adam", {"lr": 0.1, "beta1": 1.0}, ValueError, r"beta1 must be in \[0, 1\)"),
    ("adam", {"lr": 0.1, "beta2": -0.1}, ValueError, r"beta2 must be in \[0, 1\)"),
    ("adam", {"lr": 0.1, "eps": 0}, ValueError, "eps must be > 0"),
    ("adam", {"lr": 0.1, "weight_decay": float("inf")}, ValueError,
     "weight_decay must be finite"),
    ("adamw", {"lr": 0.1, "beta1": 1.0}, ValueError, r"beta1 must be in \[0, 1\)"),
    ("adamw", {"lr": 0.1, "weight_decay": -0.01}, ValueError, "weight_decay must be >= 0"),
]


@pytest.mark.parametrize("name, hyper, exc, message", BAD_HYPER)
def test_bad_hyperparameters_are_rejected(name, hyper, exc, message):
    with pytest.raises(exc, match=message):
        UPDATE_RULES[name](np.zeros(2), np.ones(2), **hyper)
    with pytest.raises(exc, match=message):
        OPTIMIZERS[name]([Param([1.0])], **class_kwargs(hyper))


@pytest.mark.parametrize("cls", [Adam, AdamW])
def test_adam_betas_must_be_a_pair(cls):
    with pytest.raises(TypeError, match=r"betas must be a pair \(beta1, beta2\)"):
        cls([Param([1.0])], lr=0.1, betas=0.9)
    with pytest.raises(TypeError, match="betas must be a pair"):
        cls([Param([1.0])], lr=0.1, betas=(0.9, 0.99, 0.999))


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


def test_public_names():
    assert set(optim.__all__) == {
        "Optimizer", "SGD", "AdaGrad", "RMSProp", "Adam", "AdamW",
        "sgd_update", "adagrad_update", "rmsprop_update", "adam_update", "adamw_update",
        "OPTIMIZERS", "UPDATE_RULES", "get"}
    for name in optim.__all__:
        assert getattr(optim, name) is not None
        if callable(getattr(optim, name)):
            assert getattr(optim, name).__doc__
