"""mlpkit.functional: activations, their derivatives and the softmax family.

Each documented formula is checked on hand-computed numbers, each
derivative against central finite differences (float64), and the stable
forms at |z| = 1000. The losses are tested in test_losses.py.
"""
import math

import numpy as np
import pytest

from mlpkit import functional as F
from mlpkit.gradcheck import check_function

ELEMENTWISE = ["identity", "sigmoid", "tanh", "relu", "leaky_relu", "elu", "softplus"]


# ------------------------------------------------------------------ hand-computed values

def test_sigmoid_hand_values():
    assert F.sigmoid(0.0) == 0.5
    # sigmoid(ln 3) = 1 / (1 + 1/3) = 3/4; sigmoid(-z) = 1 - sigmoid(z)
    np.testing.assert_allclose(F.sigmoid(np.array([math.log(3), -math.log(3)])), [0.75, 0.25])


def test_sigmoid_grad_hand_values():
    # sigma'(0) = 1/4, the maximum; sigma'(ln 3) = 3/4 * 1/4
    np.testing.assert_allclose(F.sigmoid_grad(np.array([0.0, math.log(3)])), [0.25, 0.1875])


def test_tanh_hand_values():
    # tanh(ln 2) = (2 - 1/2) / (2 + 1/2) = 0.6, tanh'(ln 2) = 1 - 0.36
    np.testing.assert_allclose(F.tanh(np.array([0.0, math.log(2)])), [0.0, 0.6])
    np.testing.assert_allclose(F.tanh_grad(np.array([0.0, math.log(2)])), [1.0, 0.64])


def test_relu_and_derivative_hand_values():
    z = np.array([-2.0, 0.0, 3.0])
    np.testing.assert_array_equal(F.relu(z), [0.0, 0.0, 3.0])
    np.testing.assert_array_equal(F.relu_grad(z), [0.0, 0.0, 1.0])  # 0 at z = 0 by convention


def test_relu_outputs_plain_zero_not_negative_zero():
    out = F.relu(np.array([-3.0]))
    assert not np.signbit(out[0])


def test_leaky_relu_hand_values():
    z = np.array([-2.0, 0.0, 3.0])
    np.testing.assert_allclose(F.leaky_relu(z, alpha=0.1), [-0.2, 0.0, 3.0])
    np.testing.assert_allclose(F.leaky_relu_grad(z, alpha=0.1), [0.1, 0.1, 1.0])
    np.testing.assert_allclose(F.leaky_relu(np.array([-100.0])), [-1.0])  # default alpha 0.01


def test_elu_hand_values():
    # elu(-ln 2) = alpha (1/2 - 1); elu'(-ln 2) = alpha / 2
    z = np.array([-math.log(2), 0.0, 2.0])
    np.testing.assert_allclose(F.elu(z, alpha=2.0), [-1.0, 0.0, 2.0])
    np.testing.assert_allclose(F.elu_grad(z, alpha=2.0), [1.0, 2.0, 1.0])
    np.testing.assert_allclose(F.elu(np.array([-50.0])), [-1.0])  # saturates at -alpha


def test_softplus_hand_values():
    # softplus(0) = ln 2, softplus(ln 3) = ln 4
    np.testing.assert_allclose(F.softplus(np.array([0.0, math.log(3)])),
                               [math.log(2), math.log(4)])


def test_softplus_derivative_is_sigmoid():
    z = np.linspace(-8, 8, 33)
    np.testing.assert_array_equal(F.softplus_grad(z), F.sigmoid(z))
    np.testing.assert_allclose(F.softplus_grad(0.0), 0.5)


def test_identity_and_its_derivative():
    z = np.array([[-1.5, 2.0]])
    out = F.identity(z)
    np.testing.assert_array_equal(out, z)
    assert out is not z                     # a copy: writing to it cannot change z
    np.testing.assert_array_equal(F.identity_grad(z), [[1.0, 1.0]])


def test_softmax_hand_values():
    # softmax([0, ln 3]) = [1, 3] / 4
    np.testing.assert_allclose(F.softmax(np.array([[0.0, math.log(3)]])), [[0.25, 0.75]])
    e = np.exp([1.0, 2.0, 3.0])
    np.testing.assert_allclose(F.softmax(np.array([1.0, 2.0, 3.0])), e / e.sum())
    np.testing.assert_allclose(F.softmax(np.array([1.0, 2.0, 3.0])),
                               [0.09003057, 0.24472847, 0.66524096], rtol=1e-6)


def test_softmax_rows_sum_to_one_and_ignore_a_shift():
    z = np.random.default_rng(0).standard_normal((5, 4))
    p = F.softmax(z)
    assert np.all(p > 0)
    np.testing.assert_allclose(p.sum(axis=1), np.ones(5))
    np.testing.assert_allclose(F.softmax(z + 100.0), p)


def test_softmax_axis():
    z = np.array([[0.0, 1.0], [math.log(3), 1.0]])
    np.testing.assert_allclose(F.softmax(z, axis=0), [[0.25, 0.5], [0.75, 0.5]])


def test_log_softmax_and_logsumexp_hand_values():
    z = np.array([[0.0, math.log(3)]])
    np.testing.assert_allclose(F.logsumexp(z), [math.log(4)])
    np.testing.assert_allclose(F.log_softmax(z), np.log([[0.25, 0.75]]))
    np.testing.assert_allclose(F.logsumexp(np.array([[1.0, 1.0], [2.0, 2.0]]), axis=0),
                               [math.log(math.e + math.e ** 2)] * 2)
    assert F.logsumexp(np.zeros((3, 4))).shape == (3,)


# ------------------------------------------------------------------ derivatives vs finite diffs

@pytest.mark.parametrize("name", ELEMENTWISE)
def test_activation_derivative_matches_finite_differences(name):
    phi, phi_grad = F.get_activation(name)
    # values away from 0, where ReLU-type kinks sit
    z = np.random.default_rng(1).uniform(0.1, 3.0, size=(4, 5))
    z *= np.where(np.random.default_rng(2).random((4, 5)) < 0.5, -1.0, 1.0)
    # the gradient of sum(phi(z)) is phi'(z), entry by entry
    assert check_function(lambda v: phi(v).sum(), z, phi_grad) < 1e-6


@pytest.mark.parametrize("alpha", [0.2, 0.5])
def test_parametrised_derivatives_match_finite_differences(alpha):
    z = np.array([[-2.0, -0.5, 0.7, 1.5]])
    assert check_function(lambda v: F.leaky_relu(v, alpha).sum(), z,
                          lambda v: F.leaky_relu_grad(v, alpha)) < 1e-6
    assert check_function(lambda v: F.elu(v, alpha).sum(), z,
                          lambda v: F.elu_grad(v, alpha)) < 1e-6


def test_logsumexp_gradient_is_softmax():
    z = np.random.default_rng(3).standard_normal((3, 4))
    assert check_function(lambda v: F.logsumexp(v).sum(), z, F.softmax) < 1e-6


# ------------------------------------------------------------------ numerical stability

@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sigmoid_softplus_stable_at_1000(strict_fp, dtype):
    z = np.array([-1000.0, -100.0, 0.0, 100.0, 1000.0], dtype=dtype)
    s = F.sigmoid(z)
    np.testing.assert_allclose(s, [0.0, 0.0, 0.5, 1.0, 1.0], atol=1e-30)
    assert F.sigmoid(np.array([-30.0], dtype=dtype))[0] > 0  # no cancellation to 0
    sp = F.softplus(z)
    np.testing.assert_allclose(sp, [0.0, 0.0, math.log(2), 100.0, 1000.0], atol=1e-30)
    for out in (s, sp, F.sigmoid_grad(z), F.softplus_grad(z)):
        assert np.all(np.isfinite(out)) and out.dtype == dtype


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_softmax_family_stable_at_1000(strict_fp, dtype):
    z = np.array([[1000.0, -1000.0, 0.0], [-1000.0, -1000.0, -1000.0]], dtype=dtype)
    p = F.softmax(z)
    np.testing.assert_allclose(p, [[1.0, 0.0, 0.0], [1 / 3, 1 / 3, 1 / 3]], rtol=1e-6)
    np.testing.assert_allclose(F.log_softmax(z)[0], [0.0, -2000.0, -1000.0])
    np.testing.assert_allclose(F.logsumexp(z), [1000.0, -1000.0 + math.log(3)], rtol=1e-6)
    assert p.dtype == dtype


def test_elu_and_tanh_stable_at_1000(strict_fp):
    z = np.array([-1000.0, 1000.0], dtype=np.float32)
    np.testing.assert_allclose(F.elu(z), [-1.0, 1000.0])
    np.testing.assert_allclose(F.elu_grad(z), [0.0, 1.0])
    np.testing.assert_allclose(F.tanh(z), [-1.0, 1.0])
    np.testing.assert_allclose(F.tanh_grad(z), [0.0, 0.0])


# ------------------------------------------------------------------ dtypes, no mutation

@pytest.mark.parametrize("name", ELEMENTWISE)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_activations_keep_dtype_and_shape(name, dtype):
    phi, phi_grad = F.get_activation(name)
    z = np.linspace(-2, 2, 12, dtype=dtype).reshape(3, 4)
    for out in (phi(z), phi_grad(z)):
        assert out.dtype == dtype and out.shape == (3, 4)


def test_integer_and_list_inputs_become_float32():
    assert F.relu([1, -2]).dtype == np.float32
    assert F.sigmoid(np.array([1, 2], dtype=np.int64)).dtype == np.float32
    assert F.softmax([[1, 2]]).dtype == np.float32


@pytest.mark.parametrize("fn", [F.sigmoid, F.tanh, F.relu, F.elu, F.softplus, F.leaky_relu,
                                F.softmax, F.log_softmax, F.logsumexp, F.sigmoid_grad,
                                F.elu_grad, F.relu_grad])
def test_functions_never_modify_their_input(fn):
    z = np.random.default_rng(4).standard_normal((3, 4)).astype(np.float32)
    before = z.copy()
    fn(z)
    np.testing.assert_array_equal(z, before)


# ------------------------------------------------------------------ lookup and errors

def test_get_activation_returns_the_pair():
    assert F.get_activation("relu") == (F.relu, F.relu_grad)
    assert F.get_activation("softplus") == (F.softplus, F.softplus_grad)


def test_get_activation_typo_lists_valid_names():
    with pytest.raises(ValueError, match=r"name must be one of .*'relu'.*'softplus'.*got 'rleu'"):
        F.get_activation("rleu")
    with pytest.raises(TypeError, match="name must be the name of an activation"):
        F.get_activation(F.relu)


def test_bad_hyperparameters_raise():
    z = np.zeros(3)
    with pytest.raises(ValueError, match=r"alpha must be in \[0, 1\), got 1.5"):
        F.leaky_relu(z, alpha=1.5)
    with pytest.raises(ValueError, match="alpha must be > 0, got 0.0"):
        F.elu(z, alpha=0.0)
    with pytest.raises(TypeError, match="alpha must be a real number"):
        F.elu_grad(z, alpha="1")
    with pytest.raises(TypeError, match="axis must be an int"):
        F.softmax(z, axis=0.5)


@pytest.mark.parametrize("fn", [F.sigmoid, F.relu, F.softplus, F.softmax, F.tanh_grad])
def test_non_numeric_inputs_raise_type_error(fn):
    with pytest.raises(TypeError, match="z must be a numeric array"):
        fn("1.0")
    with pytest.raises(TypeError, match="z must be a numeric array"):
        fn([[1.0, 2.0], [3.0]])
