"""mlpkit.functional: what is particular to one activation, the softmax family, and
the precision of the losses.

What every activation must do (hand-computed values, derivatives against
finite differences, dtypes, the layers and plots made from the registry) is
checked for every row of ``functional.ACTIVATIONS`` in
test_registry_activations.py. The losses' formulas and errors are tested in
test_losses.py; here the cases where a loss must not lose precision.
"""
import math

import numpy as np
import pytest

from mlpkit import functional as F
from mlpkit._validation import all_finite, as_float_array
from mlpkit.gradcheck import check_function


# ------------------------------------------------------------------ hand-computed values

def test_sigmoid_of_a_python_number():
    assert F.sigmoid(0.0) == 0.5


def test_relu_values_and_signs():
    z = np.array([[-0.0, 0.0, -1.0, 2.0, np.nan, -np.inf, np.inf]], dtype=np.float32)
    a = F.relu(z)
    np.testing.assert_array_equal(a, [[0.0, 0.0, 0.0, 2.0, np.nan, 0.0, np.inf]])
    assert not np.signbit(a[0, :4]).any()                   # never -0.0
    assert a.dtype == np.float32
    assert F.relu(np.float64(-3.0)) == 0.0 and F.relu(np.array(2.5)) == 2.5


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

def test_integer_and_list_inputs_become_float32():
    assert F.relu([1, -2]).dtype == np.float32
    assert F.sigmoid(np.array([1, 2], dtype=np.int64)).dtype == np.float32
    assert F.softmax([[1, 2]]).dtype == np.float32


@pytest.mark.parametrize("fn", [F.softmax, F.log_softmax, F.logsumexp])
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


# ------------------------------------------------------------------ losses: precision and paths

@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_bce_with_logits_keeps_a_tiny_loss(dtype):
    """A confident right answer has a small but nonzero loss: for z = 31, y = 1 it is
    log(1 + exp(-31)) ~ 3.4e-14, which summing softplus(z) and -y z separately loses."""
    tol = 1e-6 if dtype == np.float32 else 1e-13
    by_hand = math.log1p(math.exp(-31.0))                          # 3.442477108469977e-14
    for z, y in [(31.0, 1.0), (-31.0, 0.0)]:
        loss, _ = F.bce_with_logits_loss(np.array([z], dtype=dtype), np.array([y], dtype=dtype))
        assert loss == pytest.approx(by_hand, rel=tol)
    # a batch: the mean of the per-entry losses max(z, 0) - y z + log(1 + exp(-|z|)), by hand
    z = [30.69, -25.0, 3.0, 0.5]
    y = [1.0, 0.0, 1.0, 0.25]
    entries = [math.log1p(math.exp(-30.69)),                       # 4.7e-14
               math.log1p(math.exp(-25.0)),
               math.log1p(math.exp(-3.0)),
               0.5 - 0.25 * 0.5 + math.log1p(math.exp(-0.5))]
    loss, _ = F.bce_with_logits_loss(np.array(z, dtype=dtype), np.array(y, dtype=dtype))
    assert loss == pytest.approx(sum(entries) / 4, rel=tol)
    tiny, _ = F.bce_with_logits_loss(np.array(z[:2], dtype=dtype), np.array(y[:2], dtype=dtype))
    assert tiny == pytest.approx(sum(entries[:2]) / 2, rel=tol)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_cross_entropy_matches_the_definition(dtype):
    rng = np.random.default_rng(0)
    z = (rng.standard_normal((7, 4)) * 3).astype(dtype)
    y = rng.integers(0, 4, 7)
    loss, grad = F.cross_entropy_loss(z, y)
    z64 = z.astype(np.float64)
    p = np.exp(z64 - z64.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    tol = 1e-6 if dtype == np.float32 else 1e-12
    assert loss == pytest.approx(-np.mean(np.log(p[np.arange(7), y])), rel=tol)
    expected = (p - np.eye(4)[y]) / 7
    np.testing.assert_allclose(grad, expected, rtol=tol * 10, atol=tol)
    assert grad.dtype == dtype
    for same in (y.tolist(), y.astype(np.int32), np.eye(4)[y]):      # labels as list, int32, one-hot
        loss2, grad2 = F.cross_entropy_loss(z, same)
        assert loss2 == pytest.approx(loss, rel=tol)
        np.testing.assert_allclose(grad2, grad, rtol=tol, atol=tol)


def test_cross_entropy_errors():
    z = np.zeros((4, 3))
    with pytest.raises(ValueError, match=r"labels in 0..2, got 3"):
        F.cross_entropy_loss(z, np.array([0, 1, 2, 3]))
    with pytest.raises(ValueError, match="labels >= 0, got -1"):
        F.cross_entropy_loss(z, np.array([0, 1, 2, -1]))
    with pytest.raises(ValueError, match="same number of examples, got 4 and 3"):
        F.cross_entropy_loss(z, np.array([0, 1, 2]))
    z[1, 2] = -np.inf
    with pytest.raises(ValueError, match=r"got 1 NaN or infinite entry.*learning rate"):
        F.cross_entropy_loss(z, np.array([0, 1, 2, 0]))


def test_cross_entropy_stable_at_1000():
    z = np.array([[1000.0, -1000.0, 0.0], [-1000.0, 1000.0, 999.0]], dtype=np.float32)
    loss, grad = F.cross_entropy_loss(z, np.array([0, 2]))
    assert np.isfinite(loss) and np.all(np.isfinite(grad))
    assert loss == pytest.approx((0.0 + np.log1p(np.exp(1.0))) / 2, rel=1e-5)


# ------------------------------------------------------------------ input checks

def test_as_float_array_returns_the_input_when_it_needs_nothing_and_checks_the_rest():
    x = np.zeros((2, 3), dtype=np.float32)
    assert as_float_array(x, "x", ndim=2, features=3, dtype=np.float32, finite=False) is x
    assert as_float_array(x, "x", ndim=(1, 2), finite=False) is x
    with pytest.raises(ValueError, match="x must have 4 features, got 3"):
        as_float_array(x, "x", ndim=2, features=4, finite=False)
    with pytest.raises(ValueError, match="x must be a 1-D array"):
        as_float_array(x, "x", ndim=1, finite=False)
    assert as_float_array(x, "x", dtype=np.float64, finite=False).dtype == np.float64
    assert as_float_array(x.astype(np.float16), "x", finite=False).dtype == np.float32
    assert as_float_array([True, False], "x").dtype == np.float32
    with pytest.raises(ValueError, match="only finite numbers"):
        as_float_array(np.array([np.nan], dtype=np.float32), "x")
    with pytest.raises(TypeError, match="x must be real-valued, got dtype complex128"):
        as_float_array(np.array([1j]), "x")
    with pytest.raises(TypeError, match="x must be a numeric array, got dtype <U1"):
        as_float_array(np.array(["a"]), "x")
    with pytest.raises(TypeError, match="an array of Python objects"):
        as_float_array(np.array([1, None]), "x")
    with pytest.raises(TypeError, match="dtype must be a floating dtype"):
        as_float_array(x, "x", dtype=np.int32)


def test_all_finite():
    assert all_finite(np.ones(5, dtype=np.float32))
    assert all_finite(np.full(3, 3e38, dtype=np.float32))     # huge but finite
    for bad in (np.nan, np.inf, -np.inf):
        assert not all_finite(np.array([[0.0, bad]], dtype=np.float32))
