"""Tests for mlpkit.train: train_step, fit, History, evaluate, predict, predict_classes, accuracy.

The training loop is checked against independent oracles: a step computed by
hand from the MSE gradient, and a hand-written mini-batch loop that draws the
same permutations from the same seed.
"""
import math

import numpy as np
import pytest

from mlpkit import data, losses, nn, optim, schedules
from mlpkit.train import History, accuracy, evaluate, fit, predict, predict_classes, train_step

# ---------------------------------------------------------------- small problems

def line_data(n=64, seed=0):
    """y = 2 x - 1 plus a little noise; x (N, 1), y (N, 1), float32."""
    gen = np.random.default_rng(seed)
    x = gen.uniform(-1, 1, size=(n, 1)).astype(np.float32)
    y = (2 * x - 1 + 0.05 * gen.standard_normal((n, 1))).astype(np.float32)
    return x, y


def blob_data(n=200, seed=0):
    """Two well separated Gaussian blobs in 2-D; integer labels (N,)."""
    gen = np.random.default_rng(seed)
    y = np.arange(n) % 2
    centers = np.array([[-2.0, 0.0], [2.0, 0.0]])
    x = (centers[y] + 0.7 * gen.standard_normal((n, 2))).astype(np.float32)
    return x, y.astype(np.int64)


def mlp(seed=0, d_in=2, hidden=16, d_out=2, dropout=None):
    layers = [nn.Linear(d_in, hidden, rng=seed), nn.Tanh()]
    if dropout:
        layers.append(nn.Dropout(dropout, rng=seed))
    layers.append(nn.Linear(hidden, d_out, rng=seed + 1))
    return nn.Sequential(*layers)


def weights(model):
    return [p.data.copy() for p in model.parameters()]


class ModeSpy(nn.Module):
    """Identity layer that records ``self.training`` at every forward pass."""

    def __init__(self):
        super().__init__()
        self.seen = []

    def forward(self, x):
        self.seen.append(self.training)
        return x

    def backward(self, grad_out):
        return grad_out


class InterruptingLoss:
    """Wraps a loss and raises KeyboardInterrupt (a simulated Ctrl-C) at call number ``at``."""

    def __init__(self, inner, at):
        self.inner, self.at, self.calls = inner, at, 0

    def forward(self, pred, target):
        self.calls += 1
        if self.calls == self.at:
            raise KeyboardInterrupt
        return self.inner.forward(pred, target)

    __call__ = forward

    def backward(self):
        return self.inner.backward()


# ---------------------------------------------------------------- one step

def one_neuron_on_a_line(n):
    """A one-neuron float64 model, a line data set of n examples, and the model's w and b."""
    x, y = line_data(n)
    model = nn.Linear(1, 1, rng=0, dtype=np.float64)
    w, b = float(model.weight.data[0, 0]), float(model.bias.data[0])
    return model, x.astype(np.float64), y.astype(np.float64), w, b


def gradient_step_by_hand(w, b, x, y, lr):
    """One step on the MSE, w <- w - eta dL/dw, b <- b - eta dL/db, with
    dL/dw = 2/N sum (y_hat - y) x and dL/db = 2/N sum (y_hat - y). Returns w, b and L."""
    r = (w * x[:, 0] + b) - y[:, 0]
    return w - lr * 2 * np.mean(r * x[:, 0]), b - lr * 2 * np.mean(r), np.mean(r ** 2)


def test_train_step_is_one_hand_computed_gradient_step():
    model, x, y, w, b = one_neuron_on_a_line(8)
    opt = optim.SGD(model.parameters(), lr=0.1)
    for _ in range(2):          # the second step must not see the first step's gradients
        loss = train_step(model, losses.MSELoss(), opt, x, y)
        w, b, expected_loss = gradient_step_by_hand(w, b, x, y, lr=0.1)
        assert loss == pytest.approx(expected_loss, rel=1e-12)     # the loss before the update
        np.testing.assert_allclose(model.weight.data[0, 0], w, rtol=1e-12)
        np.testing.assert_allclose(model.bias.data[0], b, rtol=1e-12)


class RecordingLinear(nn.Linear):
    """A Linear layer that records the ``input_grad`` of every backward call."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.input_grads = []

    def backward(self, grad_out, *, input_grad=True):
        self.input_grads.append(input_grad)
        return super().backward(grad_out, input_grad=input_grad)


def test_train_step_skips_only_the_input_gradient_of_the_first_layer():
    x, y = blob_data(10)
    first, last = RecordingLinear(2, 4, rng=0), RecordingLinear(4, 2, rng=1)
    model = nn.Sequential(first, nn.Tanh(), last)
    train_step(model, losses.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1), x, y)
    assert first.input_grads == [False] and last.input_grads == [True]
    alone = RecordingLinear(2, 2, rng=0)
    train_step(alone, losses.CrossEntropyLoss(), optim.SGD(alone.parameters(), lr=0.1), x, y)
    assert alone.input_grads == [False]


class Wrapper(nn.Module):
    """A Module of one's own: backward(grad_out) without input_grad."""

    def __init__(self, inner):
        super().__init__()
        self.inner = inner

    def children(self):
        return [self.inner]

    def named_parameters(self):
        return self.inner.named_parameters()

    def forward(self, x):
        return self.inner.forward(x)

    def backward(self, grad_out):
        return self.inner.backward(grad_out)


def test_train_step_and_fit_work_with_a_module_of_your_own():
    x, y = blob_data(20)
    own, plain = Wrapper(mlp(0)), mlp(0)
    for model in (own, plain):
        fit(model, losses.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1), x, y,
            epochs=2, batch_size=5, rng=0, progress=False)
    for got, want in zip(weights(own), weights(plain)):
        np.testing.assert_array_equal(got, want)


def test_a_hand_written_loop_of_train_steps_is_fit():
    # The loop of lecture 06 over the public API gives fit's weights and batch losses.
    x, y = blob_data(50)
    model, reference = mlp(2), mlp(2)
    history = fit(model, losses.CrossEntropyLoss(),
                  optim.SGD(model.parameters(), lr=0.1, momentum=0.9), x, y,
                  epochs=3, batch_size=8, rng=5, progress=False)
    loss_fn, opt = losses.CrossEntropyLoss(), optim.SGD(reference.parameters(), lr=0.1,
                                                        momentum=0.9)
    rng, batch_losses = np.random.default_rng(5), []
    reference.train()
    for _ in range(3):
        for x_b, y_b in data.batches(x, y, batch_size=8, rng=rng):
            batch_losses.append(train_step(reference, loss_fn, opt, x_b, y_b))
    assert batch_losses == history.batch_loss
    for got, want in zip(weights(model), weights(reference)):
        np.testing.assert_array_equal(got, want)


# ---------------------------------------------------------------- the loop itself

def test_full_batch_step_matches_hand_computed_gradient_descent():
    # batch_size=None (all N): each epoch is one step of gradient descent
    model, x, y, w, b = one_neuron_on_a_line(16)
    fit(model, losses.MSELoss(), optim.SGD(model.parameters(), lr=0.1), x, y,
        epochs=3, batch_size=None, progress=False, rng=0)
    for _ in range(3):      # the gradients must not accumulate across steps
        w, b, _ = gradient_step_by_hand(w, b, x, y, lr=0.1)
    np.testing.assert_allclose(model.weight.data[0, 0], w, rtol=1e-12)
    np.testing.assert_allclose(model.bias.data[0], b, rtol=1e-12)


def test_minibatches_follow_one_fresh_permutation_per_epoch_from_rng():
    x, y = blob_data(50)
    model, reference = mlp(3), mlp(3)
    loss_fn = losses.CrossEntropyLoss()
    fit(model, loss_fn, optim.SGD(model.parameters(), lr=0.1, momentum=0.9), x, y,
        epochs=3, batch_size=8, rng=42, progress=False)
    # The same loop written by hand, drawing the permutations from the same seed.
    gen = np.random.default_rng(42)
    opt = optim.SGD(reference.parameters(), lr=0.1, momentum=0.9)
    ref_loss = losses.CrossEntropyLoss()
    for _ in range(3):
        perm = gen.permutation(len(x))
        for start in range(0, len(x), 8):
            idx = perm[start:start + 8]
            opt.zero_grad()
            ref_loss.forward(reference.forward(x[idx]), y[idx])
            reference.backward(ref_loss.backward())
            opt.step()
    for got, want in zip(weights(model), weights(reference)):
        np.testing.assert_array_equal(got, want)


def test_fit_reduces_regression_loss_and_finds_the_line():
    x, y = line_data(128)
    model = nn.Linear(1, 1, rng=0)
    history = fit(model, losses.MSELoss(), optim.SGD(model.parameters(), lr=0.1), x, y,
                  epochs=30, batch_size=16, rng=0, progress=False)
    assert history.loss[-1] < 0.05 * history.loss[0]
    np.testing.assert_allclose(model.weight.data[0, 0], 2.0, atol=0.05)
    np.testing.assert_allclose(model.bias.data[0], -1.0, atol=0.05)
    # continuous targets: no accuracy is reported (metric="auto")
    assert "accuracy" not in history and history.accuracy == []


def test_fit_learns_a_classifier_and_reports_accuracy():
    x, y = blob_data(200)
    model = mlp(0)
    history = fit(model, losses.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1), x, y,
                  epochs=10, batch_size=20, rng=0, progress=False)
    assert history.loss[-1] < history.loss[0]
    assert history.accuracy[-1] > 0.95
    assert evaluate(model, losses.CrossEntropyLoss(), x, y)["accuracy"] > 0.95


def test_epoch_loss_is_the_size_weighted_mean_of_batch_losses():
    x, y = blob_data(50)          # batches of 16, 16, 16, 2
    model = mlp(1)
    history = fit(model, losses.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.05), x, y,
                  epochs=2, batch_size=16, rng=0, progress=False)
    sizes = np.array([16, 16, 16, 2])
    for epoch in range(2):
        batch = np.array(history.batch_loss[4 * epoch:4 * epoch + 4])
        assert history.loss[epoch] == pytest.approx(np.sum(batch * sizes) / 50, rel=1e-12)


# ---------------------------------------------------------------- History

def test_history_fields_and_lengths():
    x, y = blob_data(100)
    xv, yv = blob_data(40, seed=1)
    model = mlp(0)
    history = fit(model, losses.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1), x, y,
                  epochs=5, batch_size=32, x_val=xv, y_val=yv, rng=0, progress=False)
    assert isinstance(history, History)
    assert history.epochs == 5
    for key in ("loss", "accuracy", "val_loss", "val_accuracy"):
        assert len(history[key]) == 5
        assert history[key] is getattr(history, key)
        assert key in history
    assert history.keys() == ["loss", "accuracy", "val_loss", "val_accuracy"]
    assert len(history.batch_loss) == 5 * 4          # ceil(100 / 32) = 4 batches per epoch
    assert len(history.time) == 5
    assert history.stop_reason is None and history.stopped_early is False
    assert history.best_epoch == int(np.argmin(history.val_loss)) + 1
    assert all(0.0 <= a <= 1.0 for a in history.accuracy + history.val_accuracy)
    # the validation numbers are what evaluate() says about the final model
    final = evaluate(model, losses.CrossEntropyLoss(), xv, yv)
    assert history.val_loss[-1] == pytest.approx(final["loss"], rel=1e-6)
    assert history.val_accuracy[-1] == pytest.approx(final["accuracy"])
    text = repr(history)
    assert text.startswith("History(") and "epochs=5" in text and "val_loss=" in text
    assert history.to_dict()["loss"] == history.loss


def test_history_without_validation_explains_missing_keys():
    x, y = line_data()
    model = nn.Linear(1, 1, rng=0)
    history = fit(model, losses.MSELoss(), optim.SGD(model.parameters(), lr=0.1), x, y,
                  epochs=2, progress=False)
    assert history.keys() == ["loss"]
    with pytest.raises(KeyError, match="x_val"):
        history["val_loss"]
    with pytest.raises(KeyError, match="accuracy"):
        history["accuracy"]
    assert history.best_epoch == int(np.argmin(history.loss)) + 1


def test_fit_is_reproducible_with_a_fixed_rng():
    x, y = blob_data(80)
    runs = []
    for rng in (7, 7, 8):
        model = mlp(0)
        h = fit(model, losses.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1), x, y,
                epochs=3, batch_size=10, rng=rng, progress=False)
        runs.append((h.batch_loss, weights(model)))
    assert runs[0][0] == runs[1][0]
    for a, b in zip(runs[0][1], runs[1][1]):
        np.testing.assert_array_equal(a, b)
    assert runs[0][0] != runs[2][0]          # another seed, another order of the batches


def test_metric_none_skips_accuracy_and_metric_accuracy_insists():
    x, y = blob_data(40)
    model = mlp(0)
    opt = optim.SGD(model.parameters(), lr=0.1)
    history = fit(model, losses.CrossEntropyLoss(), opt, x, y, x_val=x, y_val=y, metric=None,
                  progress=False)
    assert history.keys() == ["loss", "val_loss"] and history.val_accuracy == []
    xr, yr = line_data()
    reg = nn.Linear(1, 1, rng=0)
    with pytest.raises(ValueError, match="metric=None"):
        fit(reg, losses.MSELoss(), optim.SGD(reg.parameters(), lr=0.1), xr, yr,
            metric="accuracy", progress=False)


def test_fit_accepts_a_generator_and_one_hot_targets():
    x, y = blob_data(60)
    onehot = np.eye(2, dtype=np.float32)[y]
    model = mlp(0)
    history = fit(model, losses.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1),
                  x, onehot, epochs=3, batch_size=10, rng=np.random.default_rng(0),
                  progress=False)
    assert len(history.accuracy) == 3       # one-hot rows count as class labels


def test_binary_accuracy_thresholds_logits_at_zero():
    x, y = blob_data(100)
    model = mlp(0, d_out=1)
    loss_fn = losses.BCEWithLogitsLoss()
    target = y[:, None].astype(np.float32)
    history = fit(model, loss_fn, optim.SGD(model.parameters(), lr=0.2), x, target,
                  epochs=5, batch_size=20, rng=0, progress=False)
    assert history.accuracy[-1] > 0.9
    logits = predict(model, x)
    want = np.mean((logits[:, 0] >= 0) == y)
    assert evaluate(model, loss_fn, x, target)["accuracy"] == pytest.approx(want)


class NamedWithLogitsLoss(losses.MSELoss):
    """An MSE loss whose name says "WithLogits": its outputs are still read at 0.5."""


class InvertedLoss(losses.BCEWithLogitsLoss):
    """A loss of one's own that reads its outputs the other way round."""

    def predict(self, z):
        return 1 - super().predict(z)


def test_predicted_classes_come_from_the_loss_not_its_name():
    model = nn.Linear(1, 1, rng=0, dtype=np.float64)
    model.weight.data[...], model.bias.data[...] = 1.0, 0.0      # y_hat = x
    x = np.array([[0.2], [0.3], [0.6], [0.7]])
    y = np.array([[0.0], [0.0], [1.0], [1.0]])
    # read at 0.5 (all right), not at 0 (the two below 0.5 wrong)
    assert evaluate(model, NamedWithLogitsLoss(), x, y)["accuracy"] == 1.0
    assert evaluate(model, losses.BCEWithLogitsLoss(), x, y)["accuracy"] == 0.5
    assert evaluate(model, InvertedLoss(), x, y)["accuracy"] == 0.5
    np.testing.assert_array_equal(predict_classes(model, x, loss_fn=InvertedLoss()), [0, 0, 0, 0])
    np.testing.assert_array_equal(predict_classes(model, x - 0.4,
                                                  loss_fn=losses.BCEWithLogitsLoss()),
                                  [0, 0, 1, 1])
    np.testing.assert_array_equal(predict_classes(model, x - 0.4), [0, 0, 0, 0])   # 0.5
    assert accuracy(x - 0.4, y, loss_fn=losses.BCEWithLogitsLoss()) == 1.0
    with pytest.raises(ValueError, match="threshold or loss_fn, not both"):
        accuracy(x, y, threshold=0.0, loss_fn=losses.BCELoss())


def test_fit_counts_training_accuracy_with_the_loss_predict():
    x, y = blob_data(40)
    target = y[:, None].astype(np.float64)
    plain, inverted = (nn.Linear(2, 1, rng=0, dtype=np.float64) for _ in range(2))
    # lr tiny: the weights barely move, so both count the same outputs, read both ways
    kwargs = {"epochs": 1, "batch_size": None, "x_val": x, "y_val": target, "progress": False}
    h_plain = fit(plain, losses.BCEWithLogitsLoss(), optim.SGD(plain.parameters(), lr=1e-12),
                  x, target, **kwargs)
    h_inv = fit(inverted, InvertedLoss(), optim.SGD(inverted.parameters(), lr=1e-12),
                x, target, **kwargs)
    assert 0 < h_plain.accuracy[0] < 1
    assert h_inv.accuracy[0] == pytest.approx(1 - h_plain.accuracy[0])
    assert h_inv.val_accuracy[0] == pytest.approx(1 - h_plain.val_accuracy[0])


# ---------------------------------------------------------------- modes

def test_fit_trains_in_train_mode_validates_in_eval_mode_and_ends_in_eval_mode():
    x, y = blob_data(40)
    spy = ModeSpy()
    model = nn.Sequential(nn.Linear(2, 4, rng=0), spy, nn.Linear(4, 2, rng=1))
    model.eval()                                   # fit must switch it on by itself
    fit(model, losses.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1), x, y,
        epochs=2, batch_size=20, x_val=x[:10], y_val=y[:10], rng=0, progress=False)
    # per epoch: 2 training batches (train mode), then 1 validation batch (eval mode)
    assert spy.seen == [True, True, False, True, True, False]
    assert model.training is False


@pytest.mark.parametrize("start_training", [True, False])
def test_evaluate_and_predict_use_eval_mode_and_restore_the_mode(start_training):
    x, y = blob_data(30)
    spy = ModeSpy()
    model = nn.Sequential(nn.Linear(2, 4, rng=0), spy, nn.Linear(4, 2, rng=1))
    model.train(start_training)
    evaluate(model, losses.CrossEntropyLoss(), x, y, batch_size=7)
    predict(model, x, batch_size=7)
    predict_classes(model, x)
    assert spy.seen and not any(spy.seen)
    assert model.training is start_training


def test_dropout_is_off_in_predict():
    x, _ = blob_data(20)
    model = mlp(0, dropout=0.5)
    model.train()
    np.testing.assert_array_equal(predict(model, x), predict(model, x))
    assert model.training is True


# ---------------------------------------------------------------- early stopping

def fit_against_the_mirror_image(epochs, patience):
    """Fit a line with early stopping, validating on the mirror image of the targets.

    The validation loss gets worse as soon as the model learns the training
    line. Returns the history and the validation loss of the model fit leaves.
    """
    x, y = line_data(64)
    model = nn.Linear(1, 1, rng=0)
    model.weight.data[...] = 0.0
    history = fit(model, losses.MSELoss(), optim.SGD(model.parameters(), lr=0.05), x, y,
                  epochs=epochs, batch_size=16, x_val=x, y_val=-y, early_stopping=patience,
                  rng=0, progress=False)
    return history, evaluate(model, losses.MSELoss(), x, -y)["loss"]


def test_early_stopping_triggers_and_restores_the_best_weights():
    history, final_val_loss = fit_against_the_mirror_image(epochs=50, patience=2)
    assert history.stop_reason == "early_stopping" and history.stopped_early
    best = history.best_epoch
    assert best == int(np.argmin(history.val_loss)) + 1
    assert history.epochs == best + 2                     # patience 2
    assert history.val_loss[best] >= history.val_loss[best - 1]
    # the model now holds the weights of the best epoch: evaluating reproduces its loss
    assert final_val_loss == pytest.approx(history.val_loss[best - 1], rel=1e-6)


def test_with_early_stopping_the_model_ends_at_the_best_epoch_even_without_stopping():
    history, final_val_loss = fit_against_the_mirror_image(epochs=4, patience=10)
    assert history.stop_reason is None and history.epochs == 4
    assert history.best_epoch == 1
    assert final_val_loss == pytest.approx(history.val_loss[0], rel=1e-6)


def test_early_stopping_restores_batchnorm_running_statistics():
    x, y = line_data(64)
    model = nn.Sequential(nn.Linear(1, 4, rng=0), nn.BatchNorm1d(4), nn.Linear(4, 1, rng=1))
    history = fit(model, losses.MSELoss(), optim.SGD(model.parameters(), lr=0.05), x, y,
                  epochs=40, batch_size=16, x_val=x, y_val=-y, early_stopping=2, rng=0,
                  progress=False)
    assert history.stop_reason == "early_stopping"
    restored = evaluate(model, losses.MSELoss(), x, -y)["loss"]
    assert restored == pytest.approx(history.val_loss[history.best_epoch - 1], rel=1e-5)


def test_early_stopping_needs_validation_data_and_an_integer_patience():
    x, y = line_data()
    model = nn.Linear(1, 1, rng=0)
    opt = optim.SGD(model.parameters(), lr=0.1)
    with pytest.raises(ValueError, match="x_val and y_val"):
        fit(model, losses.MSELoss(), opt, x, y, early_stopping=3, progress=False)
    with pytest.raises(TypeError, match="patience"):
        fit(model, losses.MSELoss(), opt, x, y, x_val=x, y_val=y, early_stopping=True,
            progress=False)
    with pytest.raises(ValueError, match="early_stopping must be >= 1"):
        fit(model, losses.MSELoss(), opt, x, y, x_val=x, y_val=y, early_stopping=0,
            progress=False)


# ---------------------------------------------------------------- divergence and Ctrl-C

def test_divergence_stops_with_a_warning_and_keeps_the_history():
    x, y = line_data(64)
    x = 10 * x
    model = nn.Linear(1, 1, rng=0)
    with pytest.warns(RuntimeWarning, match=r"smaller learning rate.*lr=100") as record:
        history = fit(model, losses.MSELoss(), optim.SGD(model.parameters(), lr=1000.0), x,
                      10 * y, epochs=100, batch_size=8, rng=0, progress=False)
    assert history.stop_reason == "diverged" and history.stopped_early
    assert history.epochs < 100
    message = str(record[-1].message)
    assert "epoch" in message and "batch" in message and "lr=1000" in message
    assert not math.isfinite(history.batch_loss[-1]) or "gradients" in message
    assert all(math.isfinite(v) for v in history.batch_loss[:-1])


def test_divergence_of_the_model_output_is_caught_too():
    # The losses refuse a nan/inf prediction with a ValueError; fit reports divergence instead.
    x, y = blob_data(100)
    model = nn.Sequential(nn.Linear(2, 16, rng=0), nn.ReLU(), nn.Linear(16, 16, rng=1),
                          nn.ReLU(), nn.Linear(16, 2, rng=2))
    with pytest.warns(RuntimeWarning, match="model's output contains nan or inf"):
        history = fit(model, losses.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=1e20),
                      100 * x, y, epochs=5, batch_size=8, rng=0, progress=False)
    assert history.stop_reason == "diverged" and math.isnan(history.batch_loss[-1])


def test_an_infinite_loss_stops_before_the_optimizer_step():
    # Outputs of 1e20 are finite in float32, their squares are not: the loss is inf.
    x, y = line_data(16)
    model = nn.Linear(1, 1, rng=0)
    model.weight.data[...], model.bias.data[...] = 0.0, 1e20
    before = weights(model)
    with pytest.warns(RuntimeWarning, match="epoch 1, batch 1: the loss is inf"):
        history = fit(model, losses.MSELoss(), optim.SGD(model.parameters(), lr=0.1), x, y,
                      epochs=2, batch_size=8, rng=0, progress=False)
    assert history.stop_reason == "diverged" and history.batch_loss == [math.inf]
    for got, want in zip(weights(model), before):
        np.testing.assert_array_equal(got, want)


class GradientBlowUp(nn.Module):
    """Identity forward; from backward call ``at`` on, an infinite gradient."""

    def __init__(self, at):
        super().__init__()
        self.at, self.calls = at, 0

    def forward(self, x):
        return x

    def backward(self, grad_out):
        self.calls += 1
        return grad_out * np.inf if self.calls >= self.at else grad_out


def test_divergence_of_the_gradients_is_caught_and_leaves_the_weights_alone():
    x, y = blob_data(40)
    model = nn.Sequential(nn.Linear(2, 2, rng=0), GradientBlowUp(at=3))
    opt = optim.SGD(model.parameters(), lr=0.1)
    with pytest.warns(RuntimeWarning, match="epoch 1, batch 3: the gradients contain nan or inf"):
        history = fit(model, losses.CrossEntropyLoss(), opt, x, y, epochs=3, batch_size=10,
                      rng=0, progress=False)
    assert history.stop_reason == "diverged" and len(history.batch_loss) == 3
    assert all(np.all(np.isfinite(p.data)) for p in model.parameters())


def test_errors_that_are_not_divergence_still_raise():
    x, y = line_data()
    model = nn.Linear(1, 1, rng=0)
    with pytest.raises(ValueError, match="same shape"):     # (B,) targets for (B, 1) outputs
        fit(model, losses.MSELoss(), optim.SGD(model.parameters(), lr=0.1), x, y[:, 0],
            progress=False)
    assert model.training is False


def test_ctrl_c_keeps_the_history_and_a_usable_model(capsys):
    x, y = blob_data(100)
    model = mlp(0)
    # Each epoch calls the loss 11 times: 10 batches of 10, then 1 validation batch,
    # so call 27 is epoch 3, batch 5.
    loss_fn = InterruptingLoss(losses.CrossEntropyLoss(), at=27)
    history = fit(model, loss_fn, optim.SGD(model.parameters(), lr=0.1), x, y, epochs=10,
                  batch_size=10, x_val=x, y_val=y, rng=0, progress=True)
    out = capsys.readouterr().out
    assert history.stop_reason == "interrupted" and history.stopped_early
    assert history.epochs == 2 and len(history.val_loss) == 2
    assert len(history.batch_loss) == 24
    assert "interrupted" in out and out.count("\n") == 1
    assert model.training is False
    outputs = predict(model, x)
    assert outputs.shape == (100, 2) and np.all(np.isfinite(outputs))
    # the model can be trained further
    more = fit(model, losses.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1), x, y,
               epochs=1, batch_size=10, rng=0, progress=False)
    assert more.epochs == 1


# ---------------------------------------------------------------- progress bar

def test_progress_false_prints_nothing(capsys):
    x, y = blob_data(60)
    model = mlp(0)
    fit(model, losses.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1), x, y,
        epochs=3, batch_size=10, x_val=x, y_val=y, rng=0, progress=False)
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


def test_progress_bar_shows_epochs_and_metrics(capsys):
    x, y = blob_data(60)
    model = mlp(0)
    fit(model, losses.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1), x, y,
        epochs=2, batch_size=10, x_val=x, y_val=y, rng=0, progress=True)
    err = capsys.readouterr().err
    assert "epoch 2/2" in err and "val_acc=" in err and "12/12" in err


# ---------------------------------------------------------------- evaluate, predict, accuracy

def test_predict_and_evaluate_are_independent_of_the_batch_size():
    x, y = blob_data(50)
    model = mlp(0)
    loss_fn = losses.CrossEntropyLoss()
    full = model.eval().forward(x)
    for bs in (1, 7, 50, 1024):
        out = predict(model, x, batch_size=bs)
        assert out.shape == (50, 2) and out.dtype == np.float32
        np.testing.assert_allclose(out, full, rtol=1e-6, atol=1e-6)
        result = evaluate(model, loss_fn, x, y, batch_size=bs)
        assert set(result) == {"loss", "accuracy"}
        assert result["loss"] == pytest.approx(loss_fn.forward(full, y), rel=1e-5)
        assert result["accuracy"] == pytest.approx(np.mean(full.argmax(axis=1) == y))
    classes = predict_classes(model, x, batch_size=7)
    assert classes.shape == (50,) and classes.dtype == np.int64
    np.testing.assert_array_equal(classes, full.argmax(axis=1))


def test_evaluate_regression_reports_only_the_loss():
    x, y = line_data()
    model = nn.Linear(1, 1, rng=0)
    assert set(evaluate(model, losses.MSELoss(), x, y)) == {"loss"}
    with pytest.raises(ValueError, match="metric=None"):
        evaluate(model, losses.MSELoss(), x, y, metric="accuracy")


def test_predict_converts_inputs_to_the_model_dtype():
    model = nn.Linear(2, 3, rng=0)
    out = predict(model, np.ones((4, 2), dtype=np.float64))
    assert out.dtype == np.float32 and out.shape == (4, 3)
    assert predict(model, [[1, 2]]).shape == (1, 3)   # lists of ints are fine too


def test_accuracy_hand_computed():
    scores = np.array([[2.0, 1.0], [0.0, 3.0], [1.0, 0.0]])
    assert accuracy(scores, np.array([0, 1, 1])) == pytest.approx(2 / 3)
    assert accuracy(scores, np.eye(2)[[0, 1, 1]]) == pytest.approx(2 / 3)     # one-hot
    probs = np.array([[0.9], [0.2], [0.6], [0.4]])
    assert accuracy(probs, np.array([[1], [0], [0], [0]])) == 0.75            # p >= 0.5
    logits = np.array([[1.5], [-0.3], [0.2], [-2.0]])
    assert accuracy(logits, np.array([1, 0, 1, 1]), threshold=0.0) == 0.75    # z >= 0
    assert accuracy([[0.0, 1.0]], [1]) == 1.0
    with pytest.raises(ValueError, match="same number of examples"):
        accuracy(scores, np.array([0, 1]))
    with pytest.raises(ValueError, match="class labels"):
        accuracy(scores, np.array([[0.3, 0.7]] * 3))


# ---------------------------------------------------------------- bad inputs

@pytest.fixture
def setup():
    x, y = blob_data(20)
    model = mlp(0)
    return model, losses.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1), x, y


@pytest.mark.parametrize("kwargs, error, pattern", [
    ({"epochs": 0}, ValueError, "epochs must be >= 1"),
    ({"epochs": 2.5}, TypeError, "epochs must be an integer"),
    ({"batch_size": 0}, ValueError, "batch_size must be >= 1"),
    ({"batch_size": 8.0}, TypeError, "batch_size must be an integer"),
    ({"rng": "seed"}, TypeError, "rng must be"),
    ({"metric": "f1"}, ValueError, "metric must be one of"),
    ({"x_val": np.zeros((3, 2))}, ValueError, "y_val must be given"),
])
def test_fit_rejects_bad_options(setup, kwargs, error, pattern):
    model, loss_fn, opt, x, y = setup
    with pytest.raises(error, match=pattern):
        fit(model, loss_fn, opt, x, y, progress=False, **kwargs)


def test_fit_rejects_bad_data_with_a_hint(setup):
    model, loss_fn, opt, x, y = setup
    with pytest.raises(ValueError, match="same number of examples"):
        fit(model, loss_fn, opt, x, y[:-1], progress=False)
    with pytest.raises(ValueError, match="reshape"):
        fit(model, loss_fn, opt, x[:, 0], y, progress=False)
    with pytest.raises(ValueError, match=r"2 features.*in_features"):
        fit(model, loss_fn, opt, np.zeros((20, 3)), y, progress=False)
    with pytest.raises(ValueError, match="x_val must have 2 features"):
        fit(model, loss_fn, opt, x, y, x_val=np.zeros((5, 3)), y_val=y[:5], progress=False)
    with pytest.raises(ValueError, match="finite"):
        bad = x.copy()
        bad[0, 0] = np.nan
        fit(model, loss_fn, opt, bad, y, progress=False)
    with pytest.raises(ValueError, match="labels >= 0"):
        fit(model, loss_fn, opt, x, y - 5, progress=False)
    with pytest.raises(ValueError, match="at least one example"):
        fit(model, loss_fn, opt, x[:0], y[:0], progress=False)


def test_fit_rejects_swapped_arguments(setup):
    model, loss_fn, opt, x, y = setup
    with pytest.raises(TypeError, match="loss_fn must be"):
        fit(model, opt, loss_fn, x, y, progress=False)
    with pytest.raises(TypeError, match="model must be"):
        fit(x, loss_fn, opt, x, y, progress=False)


def test_evaluate_and_predict_reject_bad_inputs(setup):
    model, loss_fn, _, x, y = setup
    with pytest.raises(ValueError, match="in_features"):
        predict(model, np.zeros((4, 5)))
    with pytest.raises(ValueError, match="batch_size must be >= 1"):
        predict(model, x, batch_size=0)
    with pytest.raises(ValueError, match="same number of examples"):
        evaluate(model, loss_fn, x, y[:3])


# ---------------------------------------------------------------- schedule and augment

def lr_spy(opt):
    """``opt`` with its step recording ``opt.lr`` in ``opt.lrs`` first."""
    opt.lrs, step = [], opt.step

    def recording_step():
        opt.lrs.append(opt.lr)
        step()

    opt.step = recording_step
    return opt


def test_a_schedule_sets_the_lr_of_every_step_at_the_fractional_epoch():
    x, y = blob_data(10)           # batch_size 4: batches of 4, 4, 2 -> n_batches = 3
    model = mlp(0)
    opt = lr_spy(optim.SGD(model.parameters(), lr=1.0))
    history = fit(model, losses.CrossEntropyLoss(), opt, x, y, epochs=2, batch_size=4,
                  schedule=lambda t: 0.1 + t, rng=0, progress=False)
    # t = e + i / 3 for epoch e in 0, 1 and batch i in 0, 1, 2
    np.testing.assert_allclose(opt.lrs, [0.1, 0.1 + 1 / 3, 0.1 + 2 / 3,
                                         1.1, 1.1 + 1 / 3, 1.1 + 2 / 3], rtol=1e-12)
    assert history.lr == pytest.approx([0.1, 1.1])      # the lr of each epoch's first step


def test_fit_with_a_schedule_is_a_hand_written_loop_that_sets_lr():
    x, y = blob_data(50)
    eta = schedules.step_decay(0.2, every=1.5, factor=0.5)
    model, reference = mlp(2), mlp(2)
    history = fit(model, losses.CrossEntropyLoss(),
                  optim.SGD(model.parameters(), lr=0.1, momentum=0.9), x, y,
                  epochs=3, batch_size=8, rng=5, schedule=eta, progress=False)
    loss_fn, opt = losses.CrossEntropyLoss(), optim.SGD(reference.parameters(), lr=0.1,
                                                        momentum=0.9)
    rng, n_batches = np.random.default_rng(5), 7           # ceil(50 / 8)
    reference.train()
    for epoch in range(3):
        for i, (x_b, y_b) in enumerate(data.batches(x, y, batch_size=8, rng=rng)):
            opt.lr = eta(epoch + i / n_batches)
            train_step(reference, loss_fn, opt, x_b, y_b)
    for got, want in zip(weights(model), weights(reference)):
        np.testing.assert_array_equal(got, want)
    assert history.lr == pytest.approx([0.2, 0.2, 0.1])    # floor(t / 1.5) at t = 0, 1, 2


def test_without_a_schedule_history_records_the_constant_lr():
    x, y = blob_data(20)
    model = mlp(0)
    opt = lr_spy(optim.SGD(model.parameters(), lr=0.07))
    history = fit(model, losses.CrossEntropyLoss(), opt, x, y, epochs=3, batch_size=8,
                  rng=0, progress=False)
    assert history.lr == [0.07, 0.07, 0.07] and set(opt.lrs) == {0.07}
    assert "lr" not in history        # not a metric: learning curves stay as they were


def test_a_warmup_from_zero_skips_only_the_update_of_its_first_step():
    model, x, y, w, b = one_neuron_on_a_line(16)
    eta = schedules.cosine(0.1, epochs=3, warmup=2)    # full batch: t = 0, 1, 2
    history = fit(model, losses.MSELoss(), optim.SGD(model.parameters(), lr=1.0), x, y,
                  epochs=3, batch_size=None, schedule=eta, progress=False, rng=0)
    for lr in (0.05, 0.1):          # eta(0) = 0: no step; eta(1) = 0.05; eta(2) = 0.1
        w, b, _ = gradient_step_by_hand(w, b, x, y, lr=lr)
    np.testing.assert_allclose(model.weight.data[0, 0], w, rtol=1e-12)
    np.testing.assert_allclose(model.bias.data[0], b, rtol=1e-12)
    assert history.lr == pytest.approx([0.0, 0.05, 0.1]) and len(history.batch_loss) == 3


class InputSpy(ModeSpy):
    """Identity layer that records every input it sees (and the mode)."""

    def __init__(self):
        super().__init__()
        self.inputs = []

    def forward(self, x):
        self.inputs.append(x.copy())
        return super().forward(x)


def test_augment_changes_every_training_batch_and_never_the_validation_data():
    x, y = blob_data(20)
    spy = InputSpy()
    model = nn.Sequential(spy, mlp(0))
    calls = []

    def add_hundred(x_b, rng):
        calls.append((x_b.copy(), rng))
        return x_b + 100.0

    fit(model, losses.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.01), x, y,
        epochs=2, batch_size=8, x_val=x[:6], y_val=y[:6], rng=0, augment=add_hundred,
        progress=False)
    assert len(calls) == 6                                    # 3 batches x 2 epochs
    assert all(rng is calls[0][1] and isinstance(rng, np.random.Generator) for _, rng in calls)
    training = [inp for inp, mode in zip(spy.inputs, spy.seen) if mode]
    validation = [inp for inp, mode in zip(spy.inputs, spy.seen) if not mode]
    assert len(training) == 6 and len(validation) == 2
    for seen, (batch, _) in zip(training, calls):
        np.testing.assert_array_equal(seen, batch + 100.0)    # the model trains on augment's output
    for seen in validation:
        np.testing.assert_array_equal(seen, x[:6])            # validation is never augmented


def test_fit_with_random_shift_is_a_hand_written_loop_with_the_same_generator():
    gen = np.random.default_rng(0)
    x = gen.uniform(-1, 1, size=(24, 16)).astype(np.float32)   # 4 x 4 "images"
    y = np.arange(24) % 2

    def shift(x_b, rng):
        return data.random_shift(x_b, 1, rng=rng, image_shape=(4, 4))

    model = nn.Sequential(nn.Linear(16, 2, rng=0))
    reference = nn.Sequential(nn.Linear(16, 2, rng=0))
    fit(model, losses.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1), x, y,
        epochs=2, batch_size=10, rng=3, augment=shift, progress=False)
    loss_fn, opt, rng = losses.CrossEntropyLoss(), optim.SGD(reference.parameters(), lr=0.1), \
        np.random.default_rng(3)
    for _ in range(2):
        for x_b, y_b in data.batches(x, y, batch_size=10, rng=rng):
            train_step(reference, loss_fn, opt, shift(x_b, rng), y_b)
    for got, want in zip(weights(model), weights(reference)):
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("kwargs, error, pattern", [
    ({"schedule": "cosine"}, TypeError, r"schedule must be a function schedule\(t\) -> lr"),
    ({"schedule": 0.1}, TypeError, "schedule must be a function"),
    ({"schedule": lambda t: -0.1}, ValueError,
     r"schedule\(t\) must return a learning rate >= 0, got -0.1 at t=0"),
    ({"schedule": lambda t: float("nan")}, ValueError, "must return a learning rate >= 0"),
    ({"schedule": lambda t: "0.1"}, ValueError, "must return a learning rate >= 0"),
    ({"augment": np.zeros(3)}, TypeError, r"augment must be a function augment\(x_batch"),
    ({"augment": lambda x_b, rng: x_b[:, :1]}, ValueError,
     r"augment must return an array of the batch's shape \(8, 2\)"),
    ({"augment": lambda x_b, rng: list(x_b)}, ValueError, "augment must return an array"),
])
def test_fit_rejects_bad_schedules_and_augmentations(setup, kwargs, error, pattern):
    model, loss_fn, opt, x, y = setup
    with pytest.raises(error, match=pattern):
        fit(model, loss_fn, opt, x, y, batch_size=8, progress=False, **kwargs)
