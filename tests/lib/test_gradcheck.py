"""mlpkit.gradcheck: finite differences against known derivatives, and the checks catch bugs.

A gradient check that always passes is worthless, so next to "correct
code gives about 1e-9" every helper is shown to flag a realistic mistake.
"""
import warnings

import numpy as np
import pytest

from mlpkit import functional as F
from mlpkit import losses, nn
from mlpkit.gradcheck import (check_function, check_layer, check_model, numerical_gradient,
                              rel_error)

X = np.random.default_rng(0).standard_normal((5, 4))
Y = np.array([0, 2, 1, 1, 0])


# ------------------------------------------------------------------ rel_error

def test_rel_error_hand_values():
    assert rel_error([1.0, 0.0], [1.1, 0.0]) == pytest.approx(0.1 / 2.1)
    assert rel_error(np.array([[2.0, -1.0]]), np.array([[2.0, -1.0]])) == 0.0
    assert rel_error([1.0, 100.0], [2.0, 100.0]) == pytest.approx(1 / 3)   # the worst entry


def test_rel_error_of_zeros_is_zero_without_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert rel_error(np.zeros(3), np.zeros(3)) == 0.0
        # below the floor 1e-8 absolute differences are compared with the floor
        assert rel_error([0.0], [1e-12]) == pytest.approx(1e-4)


def test_rel_error_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match=r"must have the same shape, got \(3,\) and \(3, 1\)"):
        rel_error(np.zeros(3), np.zeros((3, 1)))
    with pytest.raises(ValueError, match="floor must be > 0"):
        rel_error([1.0], [1.0], floor=0)


# ------------------------------------------------------------------ numerical_gradient

def test_numerical_gradient_of_a_known_function():
    x = np.array([[1.0, -2.0], [0.5, 3.0]])
    before = x.copy()
    grad = numerical_gradient(lambda v: float(np.sum(v ** 3)), x)
    np.testing.assert_allclose(grad, 3 * before ** 2, rtol=1e-8)
    np.testing.assert_array_equal(x, before)              # restored exactly
    assert grad.dtype == np.float64


def test_numerical_gradient_perturbs_in_place_so_f_may_ignore_its_argument():
    w = np.array([1.0, 2.0])
    grad = numerical_gradient(lambda _: float(w @ w), w)   # f reads w itself
    np.testing.assert_allclose(grad, [2.0, 4.0], rtol=1e-8)


def test_numerical_gradient_accepts_lists_and_loss_pairs():
    np.testing.assert_allclose(numerical_gradient(lambda v: float(v @ v), [3.0]), [6.0])
    y = np.array([[1.0]])
    np.testing.assert_allclose(numerical_gradient(lambda v: F.mse_loss(v, y), np.array([[3.0]])),
                               [[4.0]], rtol=1e-8)


def test_numerical_gradient_errors():
    with pytest.raises(TypeError, match="x must be a float64 array .*got dtype float32"):
        numerical_gradient(lambda v: 0.0, np.zeros(2, dtype=np.float32))
    with pytest.raises(TypeError, match="f must return a single number"):
        numerical_gradient(lambda v: v, np.zeros(2))
    with pytest.raises(ValueError, match="f must return a finite number, got nan"):
        numerical_gradient(lambda v: float("nan"), np.zeros(2))
    with pytest.raises(ValueError, match="eps must be > 0"):
        numerical_gradient(lambda v: 0.0, np.zeros(2), eps=-1e-6)
    with pytest.raises(ValueError, match="eps must be a small step"):
        numerical_gradient(lambda v: 0.0, np.zeros(2), eps=0.5)
    with pytest.raises(TypeError, match="f must be a callable"):
        numerical_gradient(3.0, np.zeros(2))
    with pytest.raises(ValueError, match="x must contain only finite numbers"):
        numerical_gradient(lambda v: 0.0, np.array([np.inf]))


# ------------------------------------------------------------------ check_function

def test_check_function_accepts_a_right_gradient_and_flags_a_wrong_one():
    z = X.copy()
    right = check_function(lambda v: F.sigmoid(v).sum(), z, F.sigmoid_grad)
    wrong = check_function(lambda v: F.sigmoid(v).sum(), z, F.sigmoid)  # forgot the (1 - a)
    assert right < 1e-8
    assert wrong > 1e-1
    assert check_function(lambda v: F.sigmoid(v).sum(), z, F.sigmoid, elementwise=True) > 1e-1


def test_check_function_with_loss_pairs():
    assert check_function(lambda v: F.cross_entropy_loss(v, Y[:5]), X[:, :3]) < 1e-7

    def bad_ce(z, y):          # forgot to divide the gradient by B
        loss, grad = F.cross_entropy_loss(z, y)
        return loss, grad * len(y)

    assert check_function(lambda v: bad_ce(v, Y), X[:, :3]) > 1e-1


def test_check_function_errors():
    with pytest.raises(TypeError, match=r"f must return \(loss, grad\) when df is not given"):
        check_function(lambda v: float(v.sum()), X)
    with pytest.raises(ValueError, match=r"analytic gradient must have the shape of x \(5, 4\)"):
        check_function(lambda v: float(v.sum()), X, lambda v: np.ones(4))
    with pytest.raises(TypeError, match="df must be a callable"):
        check_function(lambda v: float(v.sum()), X, np.ones((5, 4)))


# ------------------------------------------------------------------ check_layer

class ReLUWithoutMask(nn.ReLU):
    """A classic mistake: passing the gradient through where z < 0 as well."""

    def backward(self, grad_out):
        return np.array(grad_out, dtype=float)


class LinearWithUnsummedBias(nn.Linear):
    """A classic mistake: dL/db taken from the first example only."""

    def backward(self, grad_out, *, input_grad=True):
        before = self.bias.grad.copy()
        out = super().backward(grad_out, input_grad=input_grad)
        self.bias.grad[:] = before + np.asarray(grad_out)[0]
        return out


class BatchNormIgnoringBatchStatistics(nn.BatchNorm1d):
    """A classic mistake: the eval-mode gradient used in training mode."""

    def backward(self, grad_out):
        x_hat, inv_std, _ = self._cache
        self._cache = (x_hat, inv_std, False)
        try:
            return super().backward(grad_out)
        finally:
            self._cache = (x_hat, inv_std, True)


def test_check_layer_passes_correct_layers():
    errors = check_layer(nn.Linear(4, 3, rng=0), X)
    assert set(errors) == {"x", "weight", "bias"} and max(errors.values()) < 1e-8


@pytest.mark.parametrize("layer, bad_key", [
    (ReLUWithoutMask(), "x"),
    (LinearWithUnsummedBias(4, 3, rng=0), "bias"),
    (BatchNormIgnoringBatchStatistics(4), "x"),
])
def test_check_layer_catches_wrong_backward_passes(layer, bad_key):
    assert check_layer(layer, X)[bad_key] > 1e-2


def test_check_layer_leaves_the_original_layer_untouched():
    bn = nn.BatchNorm1d(4)
    drop = nn.Dropout(0.5, rng=3)
    check_layer(bn, X)
    assert bn.weight.dtype == np.float32 and np.all(bn.weight.grad == 0)
    assert np.all(bn.running_mean == 0) and bn.num_batches_tracked == 0 and bn.training
    state = drop.rng.bit_generator.state
    check_layer(drop, X)
    assert drop.rng.bit_generator.state == state


def test_check_layer_is_deterministic_and_can_report_elementwise():
    layer = nn.Sequential(nn.Linear(4, 3, rng=0), nn.Tanh())
    assert check_layer(layer, X) == check_layer(layer, X)
    assert max(check_layer(layer, X, elementwise=True).values()) < 1e-6


def test_check_layer_errors():
    with pytest.raises(TypeError, match="must be an mlpkit.nn.Module"):
        check_layer(np.tanh, X)
    with pytest.raises(ValueError, match="x must have 4 features, got 3"):
        check_layer(nn.Linear(4, 3), X[:, :3])


# ------------------------------------------------------------------ check_model

def test_check_model_through_dropout_and_batchnorm():
    model = nn.Sequential(nn.Linear(4, 6, bias=False, rng=0), nn.BatchNorm1d(6), nn.ReLU(),
                          nn.Dropout(0.5, rng=1), nn.Linear(6, 3, rng=2))
    errors = check_model(model, losses.CrossEntropyLoss(), X, Y)
    assert list(errors) == ["x", "0.weight", "1.weight", "1.bias", "4.weight", "4.bias"]
    assert max(errors.values()) < 1e-6


def test_check_model_accepts_a_loss_function():
    model = nn.Sequential(nn.Linear(4, 3, rng=0))
    assert max(check_model(model, F.cross_entropy_loss, X, Y).values()) < 1e-6


def test_check_model_catches_a_bug_deep_in_the_model():
    model = nn.Sequential(nn.Linear(4, 6, rng=0), ReLUWithoutMask(), nn.Linear(6, 3, rng=1))
    errors = check_model(model, losses.CrossEntropyLoss(), X, Y)
    assert errors["0.weight"] > 1e-2 and errors["x"] > 1e-2
    assert errors["2.weight"] < 1e-6           # above the bug, gradients are still right


def test_check_model_errors():
    with pytest.raises(TypeError, match="loss_fn must be a loss object .* or a function"):
        check_model(nn.Linear(4, 3), "cross_entropy", X, Y)
    with pytest.raises(TypeError, match="must be an mlpkit.nn.Module"):
        check_model(lambda x: x, losses.MSELoss(), X, X)
