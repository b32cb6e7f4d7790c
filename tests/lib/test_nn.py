"""mlpkit.nn: layers, Dropout, BatchNorm1d and Sequential.

Forward passes against hand-computed numbers, backward passes against
finite differences (mlpkit.gradcheck, float64), and the Module contract:
no mutation, accumulating gradients, modes, repr, errors.
"""
import copy
import functools

import numpy as np
import pytest

from mlpkit import functional as F
from mlpkit import init, losses, nn, optim
from mlpkit.gradcheck import check_layer, check_model

TOL = 1e-6


def batch(shape, seed=0, dtype=np.float64):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


# ====================================================================== Parameter

def test_parameter_holds_data_and_a_zero_grad():
    p = nn.Parameter(np.ones((2, 3), dtype=np.float32), "weight")
    assert p.shape == (2, 3) and p.grad.shape == (2, 3) and p.grad.dtype == np.float32
    assert np.all(p.grad == 0)
    p.grad += 1.0
    grad_array = p.grad
    p.zero_grad()
    assert np.all(p.grad == 0) and p.grad is grad_array      # reset in place
    assert repr(p) == "Parameter(name='weight', shape=(2, 3), dtype=float32)"


def test_reading_grad_never_changes_anything():
    p = nn.Parameter(np.ones(3), "w")
    p.grad[...] = 5.0
    held = p.grad                               # fetched before zero_grad
    p.zero_grad()
    assert not held.any()                       # zeroed at once: the same array, in place
    p.grad[...] = 2.0
    for _ in range(2):
        np.testing.assert_array_equal(p.grad, [2.0, 2.0, 2.0])
    assert "grad" in vars(p)                    # a plain attribute, no property behind it


def _layer_and_batch(seed=0):
    rng = np.random.default_rng(seed)
    layer = nn.Linear(4, 3, rng=seed, dtype=np.float64)
    x, g = rng.standard_normal((5, 4)), rng.standard_normal((5, 3))
    return layer, x, g


def test_backward_after_zero_grad_gives_the_gradient_then_accumulates():
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
    layer.weight.grad[0, 0] = 1.0
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


def test_to_dtype_after_zero_grad_gives_zero_grad_of_the_new_dtype():
    layer, x, g = _layer_and_batch()
    layer(x)
    layer.backward(g)
    layer.zero_grad()
    layer.to(np.float32)
    assert layer.weight.grad.dtype == np.float32 and not layer.weight.grad.any()


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
    """A training loop (optimizer.zero_grad, forward, backward, step) gives the same
    gradients and weights as the same steps written out by hand."""
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


def test_parameter_rejects_bad_data():
    with pytest.raises(ValueError, match="data must contain only finite numbers"):
        nn.Parameter(np.array([1.0, np.nan]), "w")
    with pytest.raises(TypeError, match="data must be a numeric array"):
        nn.Parameter("abc", "w")
    with pytest.raises(TypeError, match="name must be a str"):
        nn.Parameter(np.ones(2), 3)


# ====================================================================== Linear

def test_linear_syllabus_neuron():
    # x = [1, 2, 3], w = [1, 0.5, 1], b = 0.5: z = w.x + b = 5.5, a linear neuron outputs 5.5
    layer = nn.Linear(3, 1)
    layer.weight.data[:] = [[1.0, 0.5, 1.0]]
    layer.bias.data[:] = [0.5]
    z = layer(np.array([[1.0, 2.0, 3.0]]))
    np.testing.assert_allclose(nn.Identity()(z), [[5.5]])


def test_linear_syllabus_backprop_step():
    # x = 2, y = 2, w = 2, b = 1: o = 5, L = 9, dL/dw = 12, dL/db = 6;
    # a step with eta = 0.1 gives w = 0.8, b = 0.4
    layer, loss_fn = nn.Linear(1, 1), losses.MSELoss()
    layer.weight.data[:] = 2.0
    layer.bias.data[:] = 1.0
    o = layer(np.array([[2.0]]))
    assert o[0, 0] == 5.0
    assert loss_fn(o, np.array([[2.0]])) == 9.0
    layer.backward(loss_fn.backward())
    assert layer.weight.grad[0, 0] == 12.0 and layer.bias.grad[0] == 6.0
    for p in layer.parameters():
        p.data -= 0.1 * p.grad
    np.testing.assert_allclose([layer.weight.data[0, 0], layer.bias.data[0]], [0.8, 0.4], rtol=1e-6)


def test_linear_forward_backward_formulas():
    layer = nn.Linear(4, 3, rng=0, dtype=np.float64)
    layer.bias.data[:] = [0.1, -0.2, 0.3]
    x, g = batch((5, 4)), batch((5, 3), seed=1)
    W, b = layer.weight.data, layer.bias.data
    np.testing.assert_allclose(layer(x), x @ W.T + b)
    dx = layer.backward(g)
    np.testing.assert_allclose(dx, g @ W)                      # dL/dx = delta W
    np.testing.assert_allclose(layer.weight.grad, g.T @ x)     # dL/dW = delta^T x
    np.testing.assert_allclose(layer.bias.grad, g.sum(axis=0))


def test_linear_gradients_accumulate_until_zero_grad():
    layer = nn.Linear(4, 3, rng=0, dtype=np.float64)
    x, g = batch((5, 4)), batch((5, 3), seed=1)
    layer(x)
    layer.backward(g)
    once_w, once_b = layer.weight.grad.copy(), layer.bias.grad.copy()
    layer.backward(g)
    np.testing.assert_allclose(layer.weight.grad, 2 * once_w)
    np.testing.assert_allclose(layer.bias.grad, 2 * once_b)
    layer.zero_grad()
    assert np.all(layer.weight.grad == 0) and np.all(layer.bias.grad == 0)


def test_linear_gradcheck():
    errors = check_layer(nn.Linear(4, 3, rng=0), batch((5, 4)))
    assert set(errors) == {"x", "weight", "bias"}
    assert max(errors.values()) < TOL


def test_linear_shapes_dtypes_and_init():
    layer = nn.Linear(784, 256, init="he_normal", rng=0)
    assert layer.weight.shape == (256, 784) and layer.bias.shape == (256,)
    assert layer.weight.dtype == np.float32 and np.all(layer.bias.data == 0)
    assert 0.9 * 2 / 784 < layer.weight.data.var() < 1.1 * 2 / 784
    out = layer(batch((2, 784)))                                  # float64 input
    assert out.dtype == np.float32 and out.shape == (2, 256)      # computed in the layer's dtype
    assert nn.Linear(3, 2, dtype=np.float64)(np.ones((1, 3), dtype=np.float32)).dtype == np.float64
    np.testing.assert_array_equal(nn.Linear(5, 4, rng=3).weight.data,
                                  nn.Linear(5, 4, rng=3).weight.data)


def test_linear_default_init_and_callable_init():
    w = nn.Linear(100, 50, rng=0).weight.data
    assert np.abs(w).max() <= 0.1                                 # uniform(+-1/sqrt(fan_in))
    calls = []

    def ones(shape, rng, dtype):
        calls.append((shape, dtype))
        return np.ones(shape, dtype=dtype)

    layer = nn.Linear(3, 2, init=ones)
    assert calls == [((2, 3), np.dtype(np.float32))]
    assert np.all(layer.weight.data == 1.0)
    half = nn.Linear(3, 2, init=functools.partial(init.constant, value=0.5))
    assert np.all(half.weight.data == 0.5)


def test_linear_without_bias():
    layer = nn.Linear(3, 2, bias=False, rng=0, dtype=np.float64)
    assert layer.bias is None and len(layer.parameters()) == 1
    x = batch((4, 3))
    np.testing.assert_allclose(layer(x), x @ layer.weight.data.T)
    assert max(check_layer(layer, x).values()) < TOL


def test_linear_repr():
    assert repr(nn.Linear(784, 256, init="he_normal")) == \
        "Linear(in_features=784, out_features=256, bias=True, init='he_normal')"
    assert repr(nn.Linear(2, 1, bias=False, dtype=np.float64)) == \
        "Linear(in_features=2, out_features=1, bias=False, init='default', dtype=float64)"


def test_linear_skip_input_gradient():
    layer = nn.Linear(4, 3, rng=0)
    x, g = batch((5, 4), dtype=np.float32), batch((5, 3), seed=1, dtype=np.float32)
    layer(x)
    assert layer.backward(g, input_grad=False) is None
    np.testing.assert_allclose(layer.weight.grad, g.T @ x, rtol=1e-5)


def test_linear_errors():
    layer = nn.Linear(784, 10)
    with pytest.raises(ValueError, match=r"x must have 784 features, got 783"):
        layer(np.zeros((2, 783), dtype=np.float32))
    with pytest.raises(ValueError, match=r"x must be a 2-D array, got shape \(784,\).*reshape"):
        layer(np.zeros(784))
    with pytest.raises(TypeError, match="x must be a numeric array"):
        layer("pixels")
    with pytest.raises(RuntimeError, match="backward was called before forward"):
        nn.Linear(2, 2).backward(np.zeros((1, 2)))
    layer(np.zeros((2, 784)))
    with pytest.raises(ValueError, match=r"grad_out must have the shape of this layer's output "
                                         r"\(2, 10\), got \(2, 9\)"):
        layer.backward(np.zeros((2, 9)))
    with pytest.raises(ValueError, match="in_features must be >= 1, got 0"):
        nn.Linear(0, 3)
    with pytest.raises(TypeError, match="out_features must be an integer, got 2.5"):
        nn.Linear(3, 2.5)
    with pytest.raises(ValueError, match="init must be one of .*did you mean 'he_normal'"):
        nn.Linear(3, 2, init="he_norma")
    with pytest.raises(TypeError, match="init must be an initialiser name .* or a callable"):
        nn.Linear(3, 2, init=0.01)
    with pytest.raises(ValueError, match=r"init must return an array of shape .* = \(2, 3\), "
                                         r"got \(3, 2\)"):
        nn.Linear(3, 2, init=lambda shape, rng, dtype: np.zeros(shape[::-1], dtype))
    with pytest.raises(TypeError, match="bias must be True or False"):
        nn.Linear(3, 2, bias="yes")
    with pytest.raises(TypeError, match="dtype must be a floating dtype"):
        nn.Linear(3, 2, dtype=int)


# ====================================================================== activation layers

def test_relu_backward_hand_example():
    relu = nn.ReLU()
    relu(np.array([[-1.0, 2.0, 0.0, 3.0]], dtype=np.float32))
    out = relu.backward(np.array([[5.0, 6.0, 7.0, 8.0]], dtype=np.float32))
    np.testing.assert_array_equal(out, [[0.0, 6.0, 0.0, 8.0]])
    assert out.dtype == np.float32


@pytest.mark.parametrize("axis", [-1, 0])
def test_softmax_layer(axis):
    layer = nn.Softmax(axis=axis)
    z = batch((3, 4))
    np.testing.assert_allclose(layer(z), F.softmax(z, axis=axis))
    assert check_layer(layer, z)["x"] < TOL


def test_activation_reprs():
    assert repr(nn.ReLU()) == "ReLU()"
    assert repr(nn.Sigmoid()) == "Sigmoid()"
    assert repr(nn.LeakyReLU()) == "LeakyReLU(alpha=0.01)"
    assert repr(nn.ELU()) == "ELU(alpha=1.0)"
    assert repr(nn.Softmax()) == "Softmax(axis=-1)"


def test_activation_layer_errors():
    with pytest.raises(ValueError, match=r"alpha must be in \[0, 1\), got 1.0"):
        nn.LeakyReLU(alpha=1.0)
    with pytest.raises(ValueError, match="alpha must be > 0, got -1.0"):
        nn.ELU(alpha=-1.0)
    with pytest.raises(TypeError, match="axis must be an int"):
        nn.Softmax(axis="last")
    with pytest.raises(TypeError, match="x must be a numeric array"):
        nn.Tanh()(None)
    with pytest.raises(RuntimeError, match="ReLU.backward was called before forward"):
        nn.ReLU().backward(np.zeros((1, 1)))
    relu = nn.ReLU()
    relu(np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"grad_out must have the shape .* \(2, 3\), got \(3, 2\)"):
        relu.backward(np.zeros((3, 2)))


def test_generic_activation_layer():
    layer = nn.Activation("leaky_relu", alpha=0.2)
    assert repr(layer) == "Activation('leaky_relu', alpha=0.2)" and layer.alpha == 0.2
    assert repr(nn.Activation("relu")) == "Activation('relu')"
    z = np.array([[-1.0, 2.0]])
    np.testing.assert_allclose(layer(z), [[-0.2, 2.0]])
    layer.alpha = 0.5                                  # hyperparameters are plain attributes
    np.testing.assert_allclose(layer(z), [[-0.5, 2.0]])
    np.testing.assert_allclose(layer.backward(np.ones((1, 2))), [[0.5, 1.0]])
    assert repr(nn.LeakyReLU(0.3)) == "LeakyReLU(alpha=0.3)"       # by position, as before
    with pytest.raises(ValueError, match=r"name must be one of 'identity', .*'relu'.*; "
                                         r"got 'rleu'"):
        nn.Activation("rleu")
    with pytest.raises(TypeError, match="name must be the name of an activation"):
        nn.Activation(F.relu)
    with pytest.raises(TypeError, match="relu takes no hyperparameters; got alpha"):
        nn.Activation("relu", alpha=0.1)
    with pytest.raises(TypeError, match="unexpected keyword argument 'slope'"):
        nn.LeakyReLU(slope=0.1)
    with pytest.raises(TypeError, match="too many positional arguments"):
        nn.ELU(1.0, 2.0)
    with pytest.raises(TypeError, match="multiple values for argument 'alpha'"):
        nn.ELU(1.0, alpha=2.0)


# one layer class per row of functional.ACTIVATIONS (checked row by row in
# test_registry_activations.py), and Softmax
ACTIVATION_CLASSES = [getattr(nn, a.layer) for a in F.ACTIVATIONS.values()] + [nn.Softmax]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("cls", ACTIVATION_CLASSES)
def test_activation_layers_keep_dtype(cls, dtype):
    layer = cls()
    x = batch((3, 4), dtype=dtype)
    assert layer(x).dtype == dtype
    assert layer.backward(np.ones((3, 4), dtype=dtype)).dtype == dtype


# ====================================================================== no mutation (all layers)

LAYER_FACTORIES = {
    "Linear": lambda: nn.Linear(4, 3, rng=0),
    **{cls.__name__: cls for cls in ACTIVATION_CLASSES},
    "Dropout": lambda: nn.Dropout(0.5, rng=0),
    "BatchNorm1d": lambda: nn.BatchNorm1d(4),
    "BatchNorm1d-eval": lambda: nn.BatchNorm1d(4).eval(),
    "Sequential": lambda: nn.Sequential(nn.Linear(4, 4, rng=0), nn.BatchNorm1d(4), nn.ReLU(),
                                        nn.Dropout(0.3, rng=1), nn.Linear(4, 3, rng=2)),
}


@pytest.mark.parametrize("name", LAYER_FACTORIES)
def test_forward_and_backward_never_mutate_their_arguments(name):
    layer = LAYER_FACTORIES[name]()
    x = batch((6, 4), dtype=np.float32)
    x_before = x.copy()
    out = layer(x)
    g = batch(out.shape, seed=1, dtype=np.float32)
    g_before = g.copy()
    first = layer.backward(g)
    second = layer.backward(g)                 # the cache is intact: same answer again
    np.testing.assert_array_equal(x, x_before)
    np.testing.assert_array_equal(g, g_before)
    np.testing.assert_array_equal(first, second)


# ====================================================================== Dropout

def test_dropout_training_drops_and_rescales():
    p = 0.3
    drop = nn.Dropout(p, rng=0)
    x = np.ones((500, 200), dtype=np.float32)
    out = drop(x)
    dropped = np.mean(out == 0)
    assert abs(dropped - p) < 5 * np.sqrt(p * (1 - p) / x.size)   # 5 sampling stds
    np.testing.assert_allclose(out[out != 0], 1 / (1 - p), rtol=1e-6)  # inverted scaling
    assert abs(out.mean() - 1.0) < 0.02                                # expectation kept
    assert out.dtype == np.float32


def test_dropout_backward_uses_the_same_mask():
    drop = nn.Dropout(0.5, rng=1)
    x = batch((20, 10)) + 5.0           # no zeros in x
    out = drop(x)
    g = np.full_like(x, 3.0)
    dx = drop.backward(g)
    np.testing.assert_array_equal(dx == 0, out == 0)
    np.testing.assert_allclose(dx[dx != 0], 6.0)


def test_dropout_eval_mode_is_the_identity():
    drop = nn.Dropout(0.5, rng=0).eval()
    x = batch((4, 3))
    np.testing.assert_array_equal(drop(x), x)
    g = batch((4, 3), seed=1)
    np.testing.assert_array_equal(drop.backward(g), g)
    np.testing.assert_array_equal(nn.Dropout(0.0, rng=0)(x), x)   # p = 0 as well


def test_dropout_is_reproducible_with_a_seed():
    x = np.ones((10, 10))
    np.testing.assert_array_equal(nn.Dropout(0.5, rng=4)(x), nn.Dropout(0.5, rng=4)(x))
    drop = nn.Dropout(0.5, rng=4)
    assert not np.array_equal(drop(x), drop(x))          # a new mask every call


def test_dropout_frozen_mask_reuses_one_mask():
    drop = nn.Dropout(0.5, rng=0)
    x = np.ones((8, 6))
    with drop.frozen_mask():
        first, second = drop(x), drop(x)
    np.testing.assert_array_equal(first, second)
    assert not np.array_equal(drop(x), drop(x))          # unfrozen again after the block


def test_dropout_explicit_mask():
    drop = nn.Dropout(0.5, rng=0)
    keep = np.array([[True, False, True], [False, True, True]])
    with drop.frozen_mask(keep):
        out = drop(np.ones((2, 3)))
        np.testing.assert_array_equal(out, keep * 2.0)
        with pytest.raises(ValueError, match=r"frozen dropout mask has shape \(2, 3\), but x "
                                             r"has shape \(4, 3\)"):
            drop(np.ones((4, 3)))
    with pytest.raises(ValueError, match="mask must hold booleans or 0/1"):
        with drop.frozen_mask(np.full((2, 3), 0.5)):
            pass


def test_dropout_gradcheck_with_frozen_mask():
    assert check_layer(nn.Dropout(0.4, rng=0), batch((5, 6)))["x"] < TOL


def test_dropout_errors_and_repr():
    with pytest.raises(ValueError, match=r"p must be in \[0, 1\), got 1.0"):
        nn.Dropout(1.0)
    with pytest.raises(TypeError, match="rng must be None, an int seed"):
        nn.Dropout(0.5, rng="0")
    assert repr(nn.Dropout(0.25)) == "Dropout(p=0.25)"


# ====================================================================== BatchNorm1d

def test_batchnorm_training_normalises_each_feature():
    bn = nn.BatchNorm1d(3, dtype=np.float64)
    x = batch((50, 3)) * [1.0, 10.0, 0.1] + [5.0, -2.0, 0.0]
    out = bn(x)
    np.testing.assert_allclose(out.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(out.std(axis=0), 1.0, rtol=1e-3)   # eps = 1e-5 shrinks it a little
    bn.weight.data[:] = [2.0, 1.0, 1.0]
    bn.bias.data[:] = [0.5, 0.0, 0.0]
    out = bn(x)
    np.testing.assert_allclose(out[:, 0].mean(), 0.5, atol=1e-12)  # gamma scales, beta shifts
    np.testing.assert_allclose(out[:, 0].std(), 2.0, rtol=1e-3)


def test_batchnorm_hand_example_and_running_statistics():
    # one feature, x = [1, 3]: mean 2, biased var 1, unbiased var 2
    bn = nn.BatchNorm1d(1, dtype=np.float64)
    out = bn(np.array([[1.0], [3.0]]))
    np.testing.assert_allclose(out, [[-1.0], [1.0]], rtol=1e-5)
    np.testing.assert_allclose(bn.running_mean, [0.1 * 2.0])                # (1 - m) 0 + m 2
    np.testing.assert_allclose(bn.running_var, [0.9 * 1.0 + 0.1 * 2.0])     # unbiased var stored
    assert bn.num_batches_tracked == 1
    bn(np.array([[0.0], [0.0], [3.0]]))                   # mean 1, unbiased var 3
    np.testing.assert_allclose(bn.running_mean, [0.9 * 0.2 + 0.1 * 1.0])
    np.testing.assert_allclose(bn.running_var, [0.9 * 1.1 + 0.1 * 3.0])


def test_batchnorm_cumulative_average_with_momentum_none():
    bn = nn.BatchNorm1d(1, momentum=None, dtype=np.float64)
    bn(np.array([[1.0], [3.0]]))           # mean 2, unbiased var 2
    bn(np.array([[4.0], [6.0], [8.0]]))    # mean 6, unbiased var 4
    np.testing.assert_allclose(bn.running_mean, [4.0])
    np.testing.assert_allclose(bn.running_var, [3.0])


def test_batchnorm_eval_uses_running_statistics_and_does_not_update_them():
    bn = nn.BatchNorm1d(2, dtype=np.float64)
    bn.running_mean[:] = [1.0, -1.0]
    bn.running_var[:] = [4.0, 0.25]
    bn.weight.data[:] = [2.0, 1.0]
    bn.bias.data[:] = [0.0, 3.0]
    bn.eval()
    x = np.array([[3.0, -1.5]])            # a single example works in eval mode
    expected = [[2.0 * (3.0 - 1.0) / np.sqrt(4.0 + 1e-5),
                 (-1.5 + 1.0) / np.sqrt(0.25 + 1e-5) + 3.0]]
    np.testing.assert_allclose(bn(x), expected)
    np.testing.assert_array_equal(bn.running_mean, [1.0, -1.0])
    assert bn.num_batches_tracked == 0


@pytest.mark.parametrize("mode", ["train", "eval"])
def test_batchnorm_gradcheck(mode):
    bn = nn.BatchNorm1d(4)
    bn.weight.data[:] = [1.5, 0.5, -1.0, 2.0]
    bn.bias.data[:] = [0.1, 0.2, 0.3, 0.4]
    bn.running_mean[:] = [0.5, -0.5, 0.0, 1.0]
    bn.running_var[:] = [2.0, 0.5, 1.0, 3.0]
    bn.train(mode == "train")
    errors = check_layer(bn, batch((6, 4)))
    assert set(errors) == {"x", "weight", "bias"}
    assert max(errors.values()) < TOL


def test_batchnorm_aliases_repr_and_dtype():
    bn = nn.BatchNorm1d(256)
    assert bn.gamma is bn.weight and bn.beta is bn.bias
    assert np.all(bn.gamma.data == 1) and np.all(bn.beta.data == 0)
    assert repr(bn) == "BatchNorm1d(num_features=256, eps=1e-05, momentum=0.1)"
    assert bn(batch((4, 256))).dtype == np.float32
    bn.to(np.float64)
    assert bn.running_mean.dtype == np.float64 and bn.weight.dtype == np.float64


def test_batchnorm_errors():
    bn = nn.BatchNorm1d(3)
    with pytest.raises(ValueError, match="at least 2 examples .* got a batch of 1.*eval"):
        bn(np.zeros((1, 3)))
    with pytest.raises(ValueError, match="x must have 3 features, got 4"):
        bn(np.zeros((2, 4)))
    with pytest.raises(ValueError, match=r"momentum must be in \[0, 1\], got 1.5"):
        nn.BatchNorm1d(3, momentum=1.5)
    with pytest.raises(ValueError, match="eps must be > 0, got 0.0"):
        nn.BatchNorm1d(3, eps=0.0)
    with pytest.raises(TypeError, match="num_features must be an integer"):
        nn.BatchNorm1d("3")


# ====================================================================== Sequential

def make_mlp(dtype=np.float32):
    return nn.Sequential(nn.Linear(4, 5, rng=0, dtype=dtype), nn.ReLU(),
                         nn.Linear(5, 3, rng=1, dtype=dtype))


def test_sequential_forward_and_backward_compose_the_layers():
    model = make_mlp(np.float64)
    x, g = batch((6, 4)), batch((6, 3), seed=1)
    l1, relu, l2 = model
    z1 = x @ l1.weight.data.T + l1.bias.data
    a1 = np.maximum(z1, 0)
    np.testing.assert_allclose(model(x), a1 @ l2.weight.data.T + l2.bias.data)
    dx = model.backward(g)
    delta1 = (g @ l2.weight.data) * (z1 > 0)                  # the delta rule
    np.testing.assert_allclose(l2.weight.grad, g.T @ a1)
    np.testing.assert_allclose(l1.weight.grad, delta1.T @ x)
    np.testing.assert_allclose(dx, delta1 @ l1.weight.data)


def test_sequential_parameters_names_and_zero_grad():
    model = make_mlp()
    names = [name for name, _ in model.named_parameters()]
    assert names == ["0.weight", "0.bias", "2.weight", "2.bias"]
    params = model.parameters()
    assert params[0] is model[0].weight and params[3] is model[2].bias
    for p in params:
        p.grad += 1.0
    model.zero_grad()
    assert all(np.all(p.grad == 0) for p in params)


def test_shared_layer_parameters_are_listed_once():
    shared = nn.Linear(3, 3)
    assert len(nn.Sequential(shared, nn.ReLU(), shared).parameters()) == 2


def test_train_and_eval_reach_nested_layers():
    inner = nn.Sequential(nn.Dropout(0.5), nn.BatchNorm1d(3))
    model = nn.Sequential(nn.Linear(3, 3), inner)
    assert model.eval() is model
    assert all(not m.training for m in model.modules())
    model.train()
    assert all(m.training for m in model.modules())
    with pytest.raises(TypeError, match="mode must be True or False"):
        model.train("no")


def test_sequential_indexing_len_iter_append():
    model = make_mlp()
    assert len(model) == 3
    assert isinstance(model[1], nn.ReLU) and model[-1] is model[2]
    head = model[:2]
    assert isinstance(head, nn.Sequential) and len(head) == 2 and head[0] is model[0]
    assert [type(m).__name__ for m in model] == ["Linear", "ReLU", "Linear"]
    assert model.append(nn.Softmax()) is model and len(model) == 4
    with pytest.raises(IndexError, match="must be in -4..3 for a Sequential of 4 layers, got 4"):
        model[4]
    with pytest.raises(TypeError, match="index must be an int or a slice"):
        model["0"]
    with pytest.raises(TypeError, match="each layer must be an mlpkit.nn.Module .* got 3"):
        model.append(3)
    with pytest.raises(TypeError, match="each layer must be an mlpkit.nn.Module"):
        nn.Sequential(nn.Linear(2, 2), np.tanh)


def test_sequential_repr_like_pytorch():
    model = nn.Sequential(nn.Linear(784, 256, init="he_normal"), nn.ReLU(),
                          nn.Sequential(nn.Dropout(0.2), nn.Linear(256, 10)))
    assert repr(model) == (
        "Sequential(\n"
        "  (0): Linear(in_features=784, out_features=256, bias=True, init='he_normal')\n"
        "  (1): ReLU()\n"
        "  (2): Sequential(\n"
        "    (0): Dropout(p=0.2)\n"
        "    (1): Linear(in_features=256, out_features=10, bias=True, init='default')\n"
        "  )\n"
        ")")
    assert repr(nn.Sequential()) == "Sequential()"


def test_sequential_errors_name_the_layer():
    model = nn.Sequential(nn.Linear(4, 5), nn.ReLU(), nn.Linear(6, 2))
    with pytest.raises(ValueError, match=r"x must have 6 features, got 5 .*\[in layer \(2\) "
                                         r"Linear\(in_features=6, out_features=2"):
        model(np.zeros((2, 4)))


def test_sequential_skip_input_gradient_keeps_parameter_gradients():
    x, g = batch((6, 4), dtype=np.float32), batch((6, 3), seed=1, dtype=np.float32)
    full, fast = make_mlp(), make_mlp()
    full(x)
    full.backward(g)
    fast(x)
    assert fast.backward(g, input_grad=False) is None
    for p, q in zip(full.parameters(), fast.parameters()):
        np.testing.assert_allclose(p.grad, q.grad, rtol=1e-6)


def test_sequential_tells_the_first_linear_layer_to_skip_its_input_gradient():
    calls = []

    class SpyLinear(nn.Linear):
        def backward(self, grad_out, *, input_grad=True):
            calls.append(input_grad)
            return super().backward(grad_out, input_grad=input_grad)

    model = nn.Sequential(SpyLinear(4, 5, rng=0), nn.ReLU(), SpyLinear(5, 3, rng=1))
    model(batch((2, 4)))
    model.backward(np.ones((2, 3)), input_grad=False)
    assert calls == [True, False]          # the last layer's dL/dx is needed, the first one's not


def test_module_to_float64_and_base_class():
    model = make_mlp().to(np.float64)
    assert all(p.dtype == np.float64 and p.grad.dtype == np.float64 for p in model.parameters())
    with pytest.raises(NotImplementedError, match="must implement forward"):
        nn.Module()(np.zeros(1))
    assert repr(nn.Module()) == "Module()" and nn.Module().parameters() == []


def test_no_global_random_state_is_used():
    state = np.random.get_state()[1].copy()
    model = nn.Sequential(nn.Linear(4, 4), nn.Dropout(0.5), nn.Linear(4, 2, init="he_uniform"))
    model(np.ones((3, 4)))
    np.testing.assert_array_equal(np.random.get_state()[1], state)


# ====================================================================== whole models

MODELS = {
    "relu-ce": (lambda: nn.Sequential(nn.Linear(4, 6, init="he_normal", rng=0), nn.ReLU(),
                                      nn.Linear(6, 3, rng=1)),
                losses.CrossEntropyLoss, "labels"),
    "tanh-sigmoid-ce-onehot": (lambda: nn.Sequential(nn.Linear(4, 5, rng=0), nn.Tanh(),
                                                     nn.Linear(5, 5, rng=1), nn.Sigmoid(),
                                                     nn.Linear(5, 3, rng=2)),
                               losses.CrossEntropyLoss, "onehot"),
    "dropout-batchnorm-train": (lambda: nn.Sequential(
        nn.Linear(4, 6, bias=False, rng=0), nn.BatchNorm1d(6), nn.ReLU(),
        nn.Dropout(0.5, rng=1), nn.Linear(6, 3, rng=2)), losses.CrossEntropyLoss, "labels"),
    "batchnorm-eval": (lambda: nn.Sequential(nn.Linear(4, 6, rng=0), nn.BatchNorm1d(6),
                                             nn.ELU(), nn.Dropout(0.5), nn.Linear(6, 3, rng=2)
                                             ).eval(),
                       losses.CrossEntropyLoss, "labels"),
    "regression-mse": (lambda: nn.Sequential(nn.Linear(4, 6, rng=0), nn.Softplus(),
                                             nn.Linear(6, 6, rng=1), nn.LeakyReLU(0.1),
                                             nn.Linear(6, 1, rng=2)),
                       losses.MSELoss, "values"),
    "binary-logits": (lambda: nn.Sequential(nn.Linear(4, 5, rng=0), nn.ReLU(),
                                            nn.Linear(5, 1, rng=1)),
                      losses.BCEWithLogitsLoss, "binary"),
    "binary-probabilities": (lambda: nn.Sequential(nn.Linear(4, 5, rng=0), nn.Tanh(),
                                                   nn.Linear(5, 1, rng=1), nn.Sigmoid()),
                             losses.BCELoss, "binary"),
}


@pytest.mark.parametrize("name", MODELS)
def test_model_gradcheck(name):
    make, loss_cls, kind = MODELS[name]
    rng = np.random.default_rng(10)
    x = rng.standard_normal((6, 4))
    y = {"labels": rng.integers(0, 3, 6),
         "onehot": np.eye(3)[rng.integers(0, 3, 6)],
         "values": rng.standard_normal((6, 1)),
         "binary": rng.integers(0, 2, (6, 1)).astype(float)}[kind]
    model = make()
    errors = check_model(model, loss_cls(), x, y)
    assert set(errors) == {"x"} | {n for n, _ in model.named_parameters()}
    assert max(errors.values()) < TOL, errors


def test_deep_copy_of_a_model_is_independent():
    model = make_mlp()
    twin = copy.deepcopy(model)
    twin[0].weight.data += 1.0
    assert not np.array_equal(twin[0].weight.data, model[0].weight.data)
