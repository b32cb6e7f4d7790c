"""The speed-ups of the training step keep the library's observable behaviour.

* ``Parameter.zero_grad()`` only records that the gradient is zero (see the
  Parameter docstring); every way of looking at ``.grad`` must still see
  zeros, and backward passes must still accumulate.
* The fast paths of the input checks and of ``cross_entropy_loss`` give the
  same results and the same error messages as the general path.
* ``relu`` against a row of zeros gives the same values as ``max(z, 0)``.
"""
import numpy as np
import pytest

from mlpkit import functional as F
from mlpkit import losses, nn, optim
from mlpkit._validation import all_finite, as_float_array


def _layer_and_batch(seed=0):
    rng = np.random.default_rng(seed)
    layer = nn.Linear(4, 3, rng=seed, dtype=np.float64)
    x, g = rng.standard_normal((5, 4)), rng.standard_normal((5, 3))
    return layer, x, g


# ---------------------------------------------------------------- lazy zero gradient

def test_fresh_parameter_reads_zero_and_keeps_its_array():
    p = nn.Parameter(np.ones((2, 3), dtype=np.float32), "w")
    first = p.grad
    assert first.shape == (2, 3) and first.dtype == np.float32 and not first.any()
    assert p.grad is first


def test_zero_grad_reads_as_zeros_in_the_same_array():
    p = nn.Parameter(np.ones(3), "w")
    p.grad[...] = 5.0
    array = p.grad
    p.zero_grad()
    assert p.grad is array and not p.grad.any()
    assert not array.any()                      # filled when .grad was read


def test_backward_after_zero_grad_writes_then_accumulates():
    layer, x, g = _layer_and_batch()
    layer(x)
    layer.weight.grad[...] = 100.0              # stale values from an earlier step
    layer.bias.grad[...] = 100.0
    layer.zero_grad()
    layer.backward(g)
    np.testing.assert_allclose(layer.weight.grad, g.T @ x)
    np.testing.assert_allclose(layer.bias.grad, g.sum(axis=0))
    layer.backward(g)                           # no zero_grad: adds
    np.testing.assert_allclose(layer.weight.grad, 2 * (g.T @ x))
    np.testing.assert_allclose(layer.bias.grad, 2 * g.sum(axis=0))


def test_hand_edit_after_zero_grad_is_kept_and_added_to():
    layer, x, g = _layer_and_batch()
    layer(x)
    layer.backward(g)
    layer.zero_grad()
    layer.weight.grad[0, 0] = 1.0               # reading .grad ends the "zero" record
    layer.backward(g)
    expected = g.T @ x
    expected[0, 0] += 1.0
    np.testing.assert_allclose(layer.weight.grad, expected)


def test_shared_weight_gets_both_contributions():
    l1, x, g = _layer_and_batch()
    l2 = nn.Linear(4, 3, rng=1, dtype=np.float64)
    l2.weight = l1.weight                       # one Parameter in two layers
    l1(x)
    l2(2 * x)
    l1.zero_grad()
    l1.backward(g)
    l2.backward(g)
    np.testing.assert_allclose(l1.weight.grad, g.T @ x + g.T @ (2 * x))


def test_untouched_parameter_reads_zero_and_sgd_leaves_it_alone():
    model = nn.Sequential(nn.Linear(4, 3, rng=0, dtype=np.float64))
    p = model[0].bias
    p.grad[...] = 7.0
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    opt.zero_grad()                             # no backward afterwards
    before = [q.data.copy() for q in model.parameters()]
    opt.step()
    for q, b in zip(model.parameters(), before):
        assert not q.grad.any()
        np.testing.assert_array_equal(q.data, b)


def test_optimizer_zero_grad_and_step_match_a_manual_loop():
    """fit's loop (optimizer.zero_grad, forward, backward, step) gives the same weights
    as the same steps with gradients written out by hand."""
    rng = np.random.default_rng(3)
    model = nn.Sequential(nn.Linear(4, 5, rng=0, dtype=np.float64), nn.ReLU(),
                          nn.Linear(5, 3, rng=1, dtype=np.float64))
    w = [p.data.copy() for p in model.parameters()]
    v = [np.zeros_like(a) for a in w]
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    loss_fn = losses.CrossEntropyLoss()
    for _ in range(3):
        x, y = rng.standard_normal((6, 4)), rng.integers(0, 3, 6)
        # by hand, from the current weights w
        z1 = x @ w[0].T + w[1]
        a1 = np.maximum(z1, 0)
        z2 = a1 @ w[2].T + w[3]
        _, d2 = F.cross_entropy_loss(z2, y)
        d1 = (d2 @ w[2]) * (z1 > 0)
        grads = [d1.T @ x, d1.sum(axis=0), d2.T @ a1, d2.sum(axis=0)]
        for i, gi in enumerate(grads):
            v[i] = 0.9 * v[i] - 0.1 * gi
            w[i] = w[i] + v[i]
        # the library
        opt.zero_grad()
        loss_fn(model(x), y)
        model.backward(loss_fn.backward(), input_grad=False)
        opt.step()
        for p, gi in zip(model.parameters(), grads):
            np.testing.assert_allclose(p.grad, gi, rtol=1e-12, atol=1e-12)
    for p, wi in zip(model.parameters(), w):
        np.testing.assert_allclose(p.data, wi, rtol=1e-12, atol=1e-12)


def test_to_dtype_after_zero_grad_gives_zero_grad_of_the_new_dtype():
    layer, x, g = _layer_and_batch()
    layer(x)
    layer.backward(g)
    layer.zero_grad()
    layer.to(np.float32)
    assert layer.weight.grad.dtype == np.float32 and not layer.weight.grad.any()


# ---------------------------------------------------------------- input-check fast paths

def test_as_float_array_fast_path_returns_the_input_and_slow_path_still_checks():
    x = np.zeros((2, 3), dtype=np.float32)
    assert as_float_array(x, "x", ndim=2, features=3, dtype=np.float32, finite=False) is x
    assert as_float_array(x, "x", ndim=(1, 2), finite=False) is x
    with pytest.raises(ValueError, match="x must have 4 features, got 3"):
        as_float_array(x, "x", ndim=2, features=4, finite=False)
    with pytest.raises(ValueError, match="x must be a 1-D array"):
        as_float_array(x, "x", ndim=1, finite=False)
    assert as_float_array(x, "x", dtype=np.float64, finite=False).dtype == np.float64
    assert as_float_array(x.astype(np.float16), "x", finite=False).dtype == np.float32
    with pytest.raises(ValueError, match="only finite numbers"):
        as_float_array(np.array([np.nan], dtype=np.float32), "x")


def test_all_finite():
    assert all_finite(np.ones(5, dtype=np.float32))
    assert all_finite(np.full(3, 3e38, dtype=np.float32))     # squares overflow: exact check
    for bad in (np.nan, np.inf, -np.inf):
        assert not all_finite(np.array([[0.0, bad]], dtype=np.float32))


# ---------------------------------------------------------------- cross-entropy fast path

@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_cross_entropy_fast_path_matches_the_definition(dtype):
    rng = np.random.default_rng(0)
    z = (rng.standard_normal((7, 4)) * 3).astype(dtype)
    y = rng.integers(0, 4, 7)                                   # int64: the fast path
    loss, grad = F.cross_entropy_loss(z, y)
    z64 = z.astype(np.float64)
    p = np.exp(z64 - z64.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    tol = 1e-6 if dtype == np.float32 else 1e-12
    assert loss == pytest.approx(-np.mean(np.log(p[np.arange(7), y])), rel=tol)
    expected = (p - np.eye(4)[y]) / 7
    np.testing.assert_allclose(grad, expected, rtol=tol * 10, atol=tol)
    assert grad.dtype == dtype
    loss_list, grad_list = F.cross_entropy_loss(z, y.tolist())   # the general path
    assert loss_list == loss
    np.testing.assert_array_equal(grad_list, grad)


def test_cross_entropy_fast_path_errors_are_the_documented_ones():
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


def test_cross_entropy_stable_at_1000_on_the_fast_path():
    z = np.array([[1000.0, -1000.0, 0.0], [-1000.0, 1000.0, 999.0]], dtype=np.float32)
    loss, grad = F.cross_entropy_loss(z, np.array([0, 2]))
    assert np.isfinite(loss) and np.all(np.isfinite(grad))
    assert loss == pytest.approx((0.0 + np.log1p(np.exp(1.0))) / 2, rel=1e-5)


# ---------------------------------------------------------------- relu

def test_relu_values_and_signs():
    z = np.array([[-0.0, 0.0, -1.0, 2.0, np.nan, -np.inf, np.inf]], dtype=np.float32)
    a = F.relu(z)
    np.testing.assert_array_equal(a, [[0.0, 0.0, 0.0, 2.0, np.nan, 0.0, np.inf]])
    assert not np.signbit(a[0, :4]).any()                   # never -0.0
    assert a.dtype == np.float32
    assert F.relu(np.float64(-3.0)) == 0.0 and F.relu(np.array(2.5)) == 2.5
