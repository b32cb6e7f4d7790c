"""Losses: mlpkit.functional's (loss, grad) functions and the classes in mlpkit.losses.

Hand-computed examples for each formula, gradients against finite
differences, stability at extreme logits, and clear errors instead of
silent broadcasting.
"""
import math

import numpy as np
import pytest

from mlpkit import functional as F
from mlpkit import losses
from mlpkit.gradcheck import check_function

RNG = np.random.default_rng(0)


# ------------------------------------------------------------------ MSE

def test_mse_syllabus_example():
    # one linear neuron, x = 2, w = 2, b = 1 gives y_hat = 5; with y = 2: L = 9, dL/dy_hat = 6
    loss, grad = F.mse_loss(np.array([[5.0]]), np.array([[2.0]]))
    assert loss == 9.0
    np.testing.assert_array_equal(grad, [[6.0]])


def test_mse_is_a_mean_over_all_entries():
    y_hat = np.array([[1.0, 0.0], [3.0, 1.0]])
    y = np.array([[0.0, 0.0], [1.0, 0.0]])
    loss, grad = F.mse_loss(y_hat, y)
    assert loss == pytest.approx((1 + 0 + 4 + 1) / 4)
    np.testing.assert_allclose(grad, 2 * (y_hat - y) / 4)
    loss1d, grad1d = F.mse_loss(np.array([1.0, 3.0]), np.array([0.0, 1.0]))
    assert loss1d == pytest.approx(2.5) and grad1d.shape == (2,)


# ------------------------------------------------------------------ BCE from probabilities

def test_bce_hand_example():
    p, y = np.array([[0.8], [0.4]]), np.array([[1.0], [0.0]])
    loss, grad = F.bce_loss(p, y)
    assert loss == pytest.approx(-(math.log(0.8) + math.log(0.6)) / 2)
    # dL/dp = (p - y) / (p (1 - p)) / n
    np.testing.assert_allclose(grad, [[-0.2 / 0.16 / 2], [0.4 / 0.24 / 2]])


def test_bce_at_exact_zero_and_one_is_finite(strict_fp):
    p = np.array([0.0, 1.0, 0.0, 1.0], dtype=np.float32)
    y = np.array([1.0, 0.0, 0.0, 1.0], dtype=np.float32)
    loss, grad = F.bce_loss(p, y)
    # two confident mistakes cost 100 each (log clamped at -100), two confident hits cost 0
    assert loss == pytest.approx(200 / 4)
    assert np.all(np.isfinite(grad))
    assert grad[0] < 0 < grad[1]              # the gradient still points the right way


# ------------------------------------------------------------------ BCE from logits

def test_bce_with_logits_hand_example():
    loss, grad = F.bce_with_logits_loss(np.array([[0.0], [0.0]]), np.array([[1.0], [0.0]]))
    assert loss == pytest.approx(math.log(2))
    np.testing.assert_allclose(grad, [[-0.25], [0.25]])   # (sigmoid(0) - y) / 2


def test_bce_with_logits_equals_bce_of_sigmoid():
    z = RNG.uniform(-4, 4, size=(6, 1))
    y = RNG.integers(0, 2, size=(6, 1)).astype(float)
    loss_z, grad_z = F.bce_with_logits_loss(z, y)
    p = F.sigmoid(z)
    loss_p, grad_p = F.bce_loss(p, y)
    assert loss_z == pytest.approx(loss_p, rel=1e-12)
    np.testing.assert_allclose(grad_z, grad_p * p * (1 - p))   # chain rule through sigmoid


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_bce_with_logits_stable_at_1000(strict_fp, dtype):
    z = np.array([-1000.0, 1000.0, -1000.0, 1000.0], dtype=dtype)
    y = np.array([1.0, 0.0, 0.0, 1.0], dtype=dtype)
    loss, grad = F.bce_with_logits_loss(z, y)
    assert loss == pytest.approx(2000 / 4)
    np.testing.assert_allclose(grad, [-0.25, 0.25, 0.0, 0.0])
    assert grad.dtype == dtype


# ------------------------------------------------------------------ cross-entropy

def test_cross_entropy_hand_example():
    # softmax([0, ln 3]) = [1/4, 3/4]
    z = np.array([[0.0, math.log(3)], [0.0, math.log(3)]])
    loss, grad = F.cross_entropy_loss(z, np.array([1, 0]))
    assert loss == pytest.approx((-math.log(0.75) - math.log(0.25)) / 2)
    np.testing.assert_allclose(grad, np.array([[0.25, -0.25], [-0.75, 0.75]]) / 2)


def test_cross_entropy_three_classes():
    loss, grad = F.cross_entropy_loss(np.array([[1.0, 2.0, 3.0]]), [2])
    assert loss == pytest.approx(0.40760596, rel=1e-7)          # -log 0.66524096
    np.testing.assert_allclose(grad, [[0.09003057, 0.24472847, 0.66524096 - 1]], rtol=1e-6)


def test_cross_entropy_one_hot_equals_labels():
    z = RNG.standard_normal((5, 4))
    labels = np.array([0, 3, 1, 1, 2])
    one_hot = np.eye(4)[labels]
    loss_l, grad_l = F.cross_entropy_loss(z, labels)
    loss_o, grad_o = F.cross_entropy_loss(z, one_hot)
    assert loss_l == pytest.approx(loss_o, rel=1e-12)
    np.testing.assert_allclose(grad_l, grad_o, atol=1e-15)
    # grad = (softmax(z) - y) / B
    np.testing.assert_allclose(grad_l, (F.softmax(z) - one_hot) / 5, atol=1e-15)


def test_cross_entropy_soft_targets():
    z = np.array([[0.0, math.log(3)]])
    loss, grad = F.cross_entropy_loss(z, np.array([[0.5, 0.5]]))
    assert loss == pytest.approx(-(math.log(0.25) + math.log(0.75)) / 2)
    np.testing.assert_allclose(grad, [[-0.25, 0.25]])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_cross_entropy_stable_at_1000(strict_fp, dtype):
    z = np.array([[1000.0, -1000.0, 0.0], [1000.0, -1000.0, 0.0]], dtype=dtype)
    loss, grad = F.cross_entropy_loss(z, [1, 0])
    assert loss == pytest.approx((2000.0 + 0.0) / 2)
    np.testing.assert_allclose(grad, [[0.5, -0.5, 0.0], [0.0, 0.0, 0.0]], atol=1e-7)
    loss_oh, _ = F.cross_entropy_loss(z, np.eye(3, dtype=dtype)[[1, 0]])
    assert loss_oh == pytest.approx(loss)
    assert grad.dtype == dtype


# ------------------------------------------------------------------ gradients vs finite differences

@pytest.mark.parametrize("case", ["mse", "bce", "bce_logits", "ce_labels", "ce_onehot"])
def test_loss_gradients_match_finite_differences(case):
    rng = np.random.default_rng(5)
    if case == "mse":
        y = rng.standard_normal((4, 3))
        f, x = (lambda v: F.mse_loss(v, y)), rng.standard_normal((4, 3))
    elif case == "bce":
        y = rng.integers(0, 2, (6, 1)).astype(float)
        f, x = (lambda v: F.bce_loss(v, y)), rng.uniform(0.1, 0.9, (6, 1))
    elif case == "bce_logits":
        y = rng.integers(0, 2, (6, 1)).astype(float)
        f, x = (lambda v: F.bce_with_logits_loss(v, y)), rng.standard_normal((6, 1))
    elif case == "ce_labels":
        y = rng.integers(0, 4, 5)
        f, x = (lambda v: F.cross_entropy_loss(v, y)), rng.standard_normal((5, 4))
    else:
        y = np.eye(4)[rng.integers(0, 4, 5)]
        f, x = (lambda v: F.cross_entropy_loss(v, y)), rng.standard_normal((5, 4))
    assert check_function(f, x) < 1e-6


# ------------------------------------------------------------------ dtypes and no mutation

@pytest.mark.parametrize("fn, pred, target", [
    (F.mse_loss, np.ones((3, 2)), np.zeros((3, 2))),
    (F.bce_loss, np.full((3, 1), 0.3), np.ones((3, 1))),
    (F.bce_with_logits_loss, np.full((3, 1), 0.3), np.ones((3, 1))),
    (F.cross_entropy_loss, np.arange(6.0).reshape(3, 2), np.array([0, 1, 1])),
])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_losses_keep_dtype_return_float_and_never_mutate(fn, pred, target, dtype):
    pred = pred.astype(dtype)
    pred_before, target_before = pred.copy(), target.copy()
    loss, grad = fn(pred, target)
    assert type(loss) is float
    assert grad.dtype == dtype and grad.shape == pred.shape
    np.testing.assert_array_equal(pred, pred_before)
    np.testing.assert_array_equal(target, target_before)


# ------------------------------------------------------------------ errors

@pytest.mark.parametrize("fn", [F.mse_loss, F.bce_loss, F.bce_with_logits_loss])
def test_no_silent_broadcasting(fn):
    pred = np.full((4, 1), 0.5)
    with pytest.raises(ValueError, match=r"y must have the same shape as .* \(4, 1\) .*got \(4,\)"
                                         r".*reshape"):
        fn(pred, np.ones(4))


def test_cross_entropy_target_shape_errors():
    z = np.zeros((4, 3))
    with pytest.raises(ValueError, match=r"y must be integer labels of shape \(B,\) = \(4,\) "
                                         r"or one-hot .*\(4, 3\), got shape \(4, 1\)"):
        F.cross_entropy_loss(z, np.zeros((4, 1), dtype=int))
    with pytest.raises(ValueError, match="same number of examples, got 4 and 3"):
        F.cross_entropy_loss(z, [0, 1, 2])
    with pytest.raises(ValueError, match=r"labels in 0..2, got 3"):
        F.cross_entropy_loss(z, [0, 1, 2, 3])
    with pytest.raises(ValueError, match="labels >= 0, got -1"):
        F.cross_entropy_loss(z, [0, 1, 2, -1])
    with pytest.raises(TypeError, match="whole-number class labels"):
        F.cross_entropy_loss(z, [0, 1, 2, 0.5])
    with pytest.raises(ValueError, match="each row summing to 1"):
        F.cross_entropy_loss(z, np.ones((4, 3)))
    with pytest.raises(ValueError, match=r"z must be a 2-D array, got shape \(3,\)"):
        F.cross_entropy_loss(np.zeros(3), [0])


@pytest.mark.parametrize("fn", [F.mse_loss, F.bce_with_logits_loss, F.cross_entropy_loss])
def test_non_finite_predictions_raise_with_a_hint(fn):
    pred = np.array([[0.0, np.nan], [np.inf, 1.0]])
    target = np.array([0, 1]) if fn is F.cross_entropy_loss else np.zeros((2, 2))
    with pytest.raises(ValueError, match=r"only finite numbers, got 2 NaN or infinite entries"
                                         r".*learning rate"):
        fn(pred, target)


def test_non_finite_targets_raise():
    with pytest.raises(ValueError, match="y must contain only finite numbers"):
        F.mse_loss(np.zeros(2), np.array([0.0, np.nan]))


def test_bce_value_range_errors():
    with pytest.raises(ValueError, match=r"p must hold probabilities in \[0, 1\].*logits"):
        F.bce_loss(np.array([0.5, 1.5]), np.array([0.0, 1.0]))
    with pytest.raises(ValueError, match=r"y must hold targets in \[0, 1\].*-1/\+1"):
        F.bce_with_logits_loss(np.array([0.5, 1.5]), np.array([-1.0, 1.0]))
    with pytest.raises(TypeError, match="y_hat must be a numeric array"):
        F.mse_loss("0.5", np.zeros(1))


# ------------------------------------------------------------------ the classes, by the registry

# One example per registered loss: (prediction, target, what predict(prediction) must
# give). Adding a loss to losses.LOSSES without an example here fails
# test_every_registered_loss_has_an_example.
EXAMPLES = {
    "mse": (np.array([[0.2], [0.5], [0.9], [0.49]]), np.array([[0.0], [1.0], [1.0], [0.0]]),
            [0, 1, 1, 0]),                                   # one output: y_hat >= 0.5
    "bce": (np.array([[0.1], [0.5], [0.8], [0.3]]), np.array([[0.0], [1.0], [1.0], [0.0]]),
            [0, 1, 1, 0]),                                   # probabilities: p >= 0.5
    "bce_with_logits": (np.array([[-1.5], [0.0], [0.3], [0.4]]),
                        np.array([[0.0], [1.0], [1.0], [0.0]]),
                        [0, 1, 1, 1]),                       # logits: z >= 0
    "cross_entropy": (np.array([[1.0, 2.0, 0.5], [3.0, -1.0, 0.0], [0.1, 0.2, 0.3],
                                [-2.0, 5.0, 4.9]]), np.array([1, 0, 2, 1]),
                      [1, 0, 2, 1]),                         # argmax of the logits
}


def test_every_registered_loss_has_an_example():
    assert set(losses.LOSSES) == set(EXAMPLES)
    for name, cls in losses.LOSSES.items():
        assert cls.__name__ in losses.__all__
        # the registry's name is the functional counterpart's, minus "_loss"
        assert cls.function is getattr(F, f"{name}_loss")


@pytest.mark.parametrize("name", sorted(losses.LOSSES))
def test_loss_class_forward_and_backward_equal_its_function(name):
    pred, target, _ = EXAMPLES[name]
    cls = losses.LOSSES[name]
    loss_fn = cls()
    expected_loss, expected_grad = getattr(F, f"{name}_loss")(pred, target)
    assert loss_fn(pred, target) == expected_loss
    np.testing.assert_array_equal(loss_fn.backward(), expected_grad)
    assert loss_fn.forward(pred, target) == expected_loss
    assert repr(loss_fn) == f"{cls.__name__}()"


@pytest.mark.parametrize("name", sorted(losses.LOSSES))
def test_loss_class_backward_matches_finite_differences(name):
    pred, target, _ = EXAMPLES[name]
    loss_fn = losses.LOSSES[name]()

    def grad(v):
        loss_fn(v, target)
        return loss_fn.backward()

    assert check_function(lambda v: loss_fn(v, target), pred, grad) < 1e-6


@pytest.mark.parametrize("name", sorted(losses.LOSSES))
def test_loss_class_predict_gives_the_classes_by_hand(name):
    pred, _, expected = EXAMPLES[name]
    got = losses.LOSSES[name]().predict(pred)
    assert got.dtype == np.int64 and got.shape == (len(pred),)
    np.testing.assert_array_equal(got, expected)


def test_predict_of_several_outputs_is_the_argmax_for_every_loss():
    scores = np.array([[0.1, 0.7, 0.2], [0.6, 0.3, 0.1]])
    for cls in losses.LOSSES.values():
        np.testing.assert_array_equal(cls().predict(scores), [1, 0])


def test_predicted_labels_hand_computed():
    np.testing.assert_array_equal(losses.predicted_labels([[0.2, 0.7, 0.1], [0.9, 0.0, 0.1]]),
                                  [1, 0])
    np.testing.assert_array_equal(losses.predicted_labels([[0.5], [0.49]]), [1, 0])
    np.testing.assert_array_equal(losses.predicted_labels([-0.1, 0.0, 2.0], threshold=0.0),
                                  [0, 1, 1])
    assert losses.predicted_labels([0.7]).dtype == np.int64
    with pytest.raises(ValueError, match="output must be"):
        losses.predicted_labels(np.zeros((2, 2, 2)))


def test_decision_thresholds_are_the_documented_ones():
    # 0 for a logit, 0.5 for a probability: what predict uses for one output
    assert losses.BCEWithLogitsLoss.decision_threshold == 0.0
    assert losses.BCELoss.decision_threshold == 0.5
    assert losses.MSELoss.decision_threshold == 0.5


def test_loss_class_backward_before_forward():
    with pytest.raises(RuntimeError, match="backward was called before forward"):
        losses.CrossEntropyLoss().backward()


def test_loss_class_errors_come_from_the_function():
    with pytest.raises(ValueError, match="same shape"):
        losses.MSELoss()(np.zeros((3, 1)), np.zeros(3))
