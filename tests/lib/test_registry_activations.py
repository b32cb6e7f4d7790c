"""Every row of mlpkit.functional.ACTIVATIONS, checked the same way.

The table is the one place an activation is declared; these tests iterate
over it, so a new row is checked at once: its formula and derivative on
hand-computed numbers (HAND_VALUES below, the only thing to add here), its
derivative against central finite differences in float32 and float64, its
stability at |z| = 1000, and the layer ``nn.<layer>`` made from it (forward,
backward, gradient check, repr) and its curve in ``plot.activation``.
"""
import math

import matplotlib

matplotlib.use("Agg")          # no display needed; must come before pyplot is imported

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from mlpkit import functional as F  # noqa: E402
from mlpkit import nn, plot  # noqa: E402
from mlpkit.gradcheck import check_function, check_layer  # noqa: E402

NAMES = list(F.ACTIVATIONS)
DTYPES = [np.float32, np.float64]
LN2, LN3 = math.log(2), math.log(3)

#: name -> [(hyperparameters, z, phi(z), phi'(z)), ...], worked out by hand.
HAND_VALUES = {
    "identity": [({}, -1.5, -1.5, 1.0), ({}, 2.0, 2.0, 1.0)],
    "sigmoid": [({}, 0.0, 0.5, 0.25),                     # sigma'(0) = 1/4, the maximum
                ({}, LN3, 0.75, 0.1875),                  # 1 / (1 + 1/3); 3/4 * 1/4
                ({}, -LN3, 0.25, 0.1875)],                # sigma(-z) = 1 - sigma(z)
    "tanh": [({}, 0.0, 0.0, 1.0),
             ({}, LN2, 0.6, 0.64)],                       # (2 - 1/2) / (2 + 1/2); 1 - 0.36
    "relu": [({}, -2.0, 0.0, 0.0),
             ({}, 0.0, 0.0, 0.0),                         # relu'(0) = 0 by convention
             ({}, 3.0, 3.0, 1.0)],
    "leaky_relu": [({"alpha": 0.1}, -2.0, -0.2, 0.1),
                   ({"alpha": 0.1}, 0.0, 0.0, 0.1),
                   ({"alpha": 0.1}, 3.0, 3.0, 1.0),
                   ({}, -100.0, -1.0, 0.01)],             # default alpha 0.01
    "elu": [({"alpha": 2.0}, -LN2, -1.0, 1.0),            # 2 (1/2 - 1); 2 * 1/2
            ({"alpha": 2.0}, 0.0, 0.0, 2.0),
            ({"alpha": 2.0}, 2.0, 2.0, 1.0),
            ({}, -50.0, -1.0, 0.0)],                      # saturates at -alpha (default 1)
    "softplus": [({}, 0.0, LN2, 0.5),
                 ({}, LN3, math.log(4), 0.75)],           # log(1 + 3); sigmoid(ln 3)
    "silu": [({}, 0.0, 0.0, 0.5),                         # 0 * 1/2; 1/2 (1 + 0)
             ({}, LN3, 0.75 * LN3, 0.75 * (1 + 0.25 * LN3)),     # sigmoid(ln 3) = 3/4
             ({}, -LN3, -0.25 * LN3, 0.25 * (1 - 0.75 * LN3))],  # sigmoid(-ln 3) = 1/4
}


def grid(dtype=np.float64):
    """z from -4 to 4, no point within 0.1 of 0 (where ReLU-type kinks sit)."""
    return np.linspace(-4.0, 4.0, 40).astype(dtype)


def hyper_cases(name):
    """The defaults, and each set of hyperparameters used in HAND_VALUES."""
    cases = [{}] + [h for h, *_ in HAND_VALUES[name] if h]
    return [dict(t) for t in dict.fromkeys(tuple(sorted(h.items())) for h in cases)]


def test_every_activation_has_hand_values():
    assert set(HAND_VALUES) == set(F.ACTIVATIONS)


@pytest.mark.parametrize("name", NAMES)
def test_registry_row_is_consistent(name):
    act = F.ACTIVATIONS[name]
    assert act.name == name and act.phi.__name__ == name
    assert act.grad.__name__ == f"{name}_grad"
    assert F.get_activation(name) == (act.phi, act.grad)
    assert getattr(F, name) is act.phi and getattr(F, f"{name}_grad") is act.grad
    assert name in F.__all__ and f"{name}_grad" in F.__all__
    assert act.formula and act.layer.isidentifier()


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", NAMES)
def test_hand_values(name, dtype):
    act = F.ACTIVATIONS[name]
    tol = 1e-6 if dtype == np.float32 else 1e-12
    for hyper, z, a, da in HAND_VALUES[name]:
        z = np.array([z], dtype=dtype)
        np.testing.assert_allclose(act.phi(z, **hyper), [a], rtol=tol, atol=tol)
        np.testing.assert_allclose(act.grad(z, **hyper), [da], rtol=tol, atol=tol)


@pytest.mark.parametrize("name", NAMES)
def test_derivative_matches_finite_differences_float64(name):
    act = F.ACTIVATIONS[name]
    for hyper in hyper_cases(name):
        # the gradient of sum(phi(z)) is phi'(z), entry by entry
        err = check_function(lambda v, h=hyper: act.phi(v, **h).sum(), grid(),
                             lambda v, h=hyper: act.grad(v, **h), elementwise=True)
        assert err < 1e-6, (hyper, err)


@pytest.mark.parametrize("name", NAMES)
def test_derivative_in_float32_matches_finite_differences(name):
    act = F.ACTIVATIONS[name]
    z32 = grid(np.float32)
    z = z32.astype(np.float64)
    h = 1e-6
    for hyper in hyper_cases(name):
        numeric = (act.phi(z + h, **hyper) - act.phi(z - h, **hyper)) / (2 * h)
        d32 = act.grad(z32, **hyper)
        assert d32.dtype == np.float32
        np.testing.assert_allclose(d32, numeric, rtol=1e-5, atol=1e-6, err_msg=str(hyper))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", NAMES)
def test_stable_at_1000(strict_fp, name, dtype):
    act = F.ACTIVATIONS[name]
    z = np.array([-1000.0, -100.0, 0.0, 100.0, 1000.0], dtype=dtype)
    for out in (act.phi(z), act.grad(z)):
        assert np.all(np.isfinite(out)) and out.dtype == dtype


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", NAMES)
def test_keeps_shape_and_dtype_and_never_modifies_z(name, dtype):
    act = F.ACTIVATIONS[name]
    z = np.linspace(-2, 2, 12, dtype=dtype).reshape(3, 4)
    before = z.copy()
    for out in (act.phi(z), act.grad(z)):
        assert out.dtype == dtype and out.shape == (3, 4)
        assert not np.shares_memory(out, z)
    np.testing.assert_array_equal(z, before)
    assert act.phi([1, -2]).dtype == np.float32          # integers become float32


@pytest.mark.parametrize("name", NAMES)
def test_hyperparameters_are_checked(name):
    act = F.ACTIVATIONS[name]
    assert act.hyperparameters() == act.defaults
    with pytest.raises(TypeError, match=f"{name} takes .*hyperparameters.*; got beta"):
        act.hyperparameters(beta=1.0)


# ---------------------------------------------------------------- the layers made from the table

@pytest.mark.parametrize("name", NAMES)
def test_named_layer_class_is_made_from_the_row(name):
    act = F.ACTIVATIONS[name]
    cls = getattr(nn, act.layer)
    assert act.layer in nn.__all__
    layer = cls()
    assert isinstance(layer, nn.Activation) and layer.activation is act
    defaults = ", ".join(f"{k}={v}" for k, v in act.defaults.items())
    assert repr(layer) == f"{act.layer}({defaults})"
    assert cls.__module__ == "mlpkit.nn" and act.formula in cls.__doc__


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", NAMES)
def test_layer_forward_is_phi_and_backward_is_the_chain_rule(name, dtype):
    act = F.ACTIVATIONS[name]
    rng = np.random.default_rng(1)
    z = grid(dtype).reshape(5, 8)
    g = rng.standard_normal(z.shape).astype(dtype)
    for hyper in hyper_cases(name):
        for layer in (getattr(nn, act.layer)(**hyper), nn.Activation(name, **hyper)):
            a = layer(z)
            assert a.dtype == dtype
            np.testing.assert_array_equal(a, act.phi(z, **hyper))
            delta = layer.backward(g)
            assert delta.dtype == dtype
            np.testing.assert_array_equal(delta, g * act.grad(z, **hyper))


@pytest.mark.parametrize("name", NAMES)
def test_layer_gradcheck(name):
    z = grid().reshape(5, 8)
    for hyper in hyper_cases(name):
        assert check_layer(nn.Activation(name, **hyper), z)["x"] < 1e-6


@pytest.mark.parametrize("name", NAMES)
def test_plot_draws_every_activation(name):
    act = F.ACTIVATIONS[name]
    ax = plot.activation(name, zlim=(-2.0, 2.0), num=9)
    phi, dphi = [line for line in ax.get_lines() if line.get_label().startswith("$")]
    z = np.linspace(-2.0, 2.0, 9)
    np.testing.assert_allclose(phi.get_ydata(), act.phi(z))
    np.testing.assert_allclose(dphi.get_ydata(), act.grad(z))
    assert act.layer in ax.get_title() and act.formula in ax.get_title()
    matplotlib.pyplot.close(ax.figure)
