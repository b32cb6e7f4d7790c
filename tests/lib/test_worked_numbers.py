"""The syllabus's worked numbers, reproduced by the library itself.

Unit 01: the neuron x = [1, 2, 3], w = [1, 0.5, 1], b = 0.5 outputs
w.x + b = 1 + 1 + 3 + 0.5 = 5.5.

Unit 03: one linear neuron with squared loss, x = 2, y = 2, w = 2, b = 1:
o = w x + b = 5, L = (o - y)^2 = 9, dL/do = 2 (o - y) = 6,
dL/dw = dL/do * x = 12, dL/db = dL/do = 6; one gradient-descent step with
eta = 0.1 gives w = 2 - 0.1 * 12 = 0.8 and b = 1 - 0.1 * 6 = 0.4.

The lectures quote these numbers, so they must come out of mlpkit exactly:
small integers and halves exactly; 0.8 and 0.4 (not representable in binary)
to within rounding of the dtype.
"""
from __future__ import annotations

import numpy as np
import pytest

from mlpkit import functional, losses, nn
from mlpkit.optim import SGD, sgd_update

DTYPES = [np.float32, np.float64]
# 0.8 and 0.4 to the last few bits of each dtype
TOL = {np.float32: 1e-6, np.float64: 1e-14}


def linear_with(weight, bias, dtype):
    layer = nn.Linear(len(weight[0]), len(weight), dtype=dtype)
    layer.weight.data[...] = weight
    layer.bias.data[...] = bias
    return layer


@pytest.mark.parametrize("dtype", DTYPES)
def test_unit01_neuron_outputs_5_5(dtype):
    """w.x + b = 5.5 through nn.Linear, and the identity activation keeps it."""
    layer = linear_with([[1.0, 0.5, 1.0]], [0.5], dtype)
    z = layer(np.array([[1.0, 2.0, 3.0]], dtype=dtype))
    assert z.shape == (1, 1)
    assert z.dtype == dtype
    assert z[0, 0] == 5.5
    a = functional.identity(z)
    assert a.shape == (1, 1)
    assert a[0, 0] == 5.5


def make_graph(dtype):
    """The unit 03 computation graph: (layer, x, y) with w = 2, b = 1, x = 2, y = 2."""
    layer = linear_with([[2.0]], [1.0], dtype)
    x = np.array([[2.0]], dtype=dtype)
    y = np.array([[2.0]], dtype=dtype)
    return layer, x, y


@pytest.mark.parametrize("dtype", DTYPES)
def test_unit03_forward_o_5_and_loss_9(dtype):
    """o = 5 and L = (o - y)^2 = 9, by functional.mse_loss and by losses.MSELoss."""
    layer, x, y = make_graph(dtype)
    o = layer(x)
    assert o.shape == (1, 1) and o[0, 0] == 5.0
    loss, dL_do = functional.mse_loss(o, y)
    assert loss == 9.0
    assert dL_do.shape == (1, 1) and dL_do[0, 0] == 6.0       # 2 (o - y)
    loss_fn = losses.MSELoss()
    assert loss_fn(o, y) == 9.0
    np.testing.assert_array_equal(loss_fn.backward(), [[6.0]])


@pytest.mark.parametrize("dtype", DTYPES)
def test_unit03_backward_gives_dw_12_and_db_6(dtype):
    """Linear.backward of dL/do = 6 gives dL/dw = 6 * x = 12 and dL/db = 6."""
    layer, x, y = make_graph(dtype)
    loss_fn = losses.MSELoss()
    loss_fn(layer(x), y)
    dL_dx = layer.backward(loss_fn.backward())
    assert layer.weight.grad.shape == (1, 1) and layer.weight.grad[0, 0] == 12.0
    assert layer.bias.grad.shape == (1,) and layer.bias.grad[0] == 6.0
    assert dL_dx[0, 0] == 12.0                                  # dL/dx = 6 * w


@pytest.mark.parametrize("dtype", DTYPES)
def test_unit03_one_step_with_sgd_update_gives_0_8_and_0_4(dtype):
    layer, x, y = make_graph(dtype)
    loss_fn = losses.MSELoss()
    loss_fn(layer(x), y)
    layer.backward(loss_fn.backward())
    w, _ = sgd_update(layer.weight.data, layer.weight.grad, lr=0.1)
    b, _ = sgd_update(layer.bias.data, layer.bias.grad, lr=0.1)
    assert w.dtype == dtype and b.dtype == dtype
    assert float(w[0, 0]) == pytest.approx(0.8, rel=TOL[dtype])
    assert float(b[0]) == pytest.approx(0.4, rel=TOL[dtype])


@pytest.mark.parametrize("dtype", DTYPES)
def test_unit03_one_step_with_sgd_class_gives_0_8_and_0_4(dtype):
    layer, x, y = make_graph(dtype)
    opt = SGD(layer.parameters(), lr=0.1)
    opt.zero_grad()
    loss_fn = losses.MSELoss()
    assert loss_fn(layer(x), y) == 9.0
    layer.backward(loss_fn.backward())
    opt.step()
    assert layer.weight.data.dtype == dtype
    assert float(layer.weight.data[0, 0]) == pytest.approx(0.8, rel=TOL[dtype])
    assert float(layer.bias.data[0]) == pytest.approx(0.4, rel=TOL[dtype])
    # the new neuron predicts 0.8 * 2 + 0.4 = 2.0 = y: this step lands on the target
    assert float(layer(x)[0, 0]) == pytest.approx(2.0, rel=TOL[dtype])


def test_unit03_step_with_plain_python_numbers():
    """The widgets' scalar path: w <- w - eta dL/dw on floats."""
    w, _ = sgd_update(2.0, 12.0, lr=0.1)
    b, _ = sgd_update(1.0, 6.0, lr=0.1)
    assert (w, b) == pytest.approx((0.8, 0.4), rel=1e-14)
