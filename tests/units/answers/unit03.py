"""Answer fixtures for unit 03's exercises (gradient descent).

What each name means, and how the fixtures are used: ``tests/units/answers/__init__.py``.

The wrong answers, by exercise:

mse_gradients(x, y, w, b)
    missing_factor_2        (1/B) x^T e: the 2 of d(e^2)/de forgotten
    sum_not_mean            2 x^T e: summed over the batch, no 1/B
    sign_flipped            errors taken as y - y_hat
    missing_factor_x        dL/dw = (2/B) sum(e) for every weight: dz/dw = x forgotten
    grad_b_per_example      dL/db returned per example, shape (B,), not summed
    per_example_grad_w      dL/dw averaged over the features, shape (B,) instead of (D,)
descent_step(w, b, grad_w, grad_b, lr)
    ascent                  w + lr * grad_w: the sign error of the update
    learning_rate_missing   w - grad_w
    bias_not_updated        b returned unchanged
    step_updates_in_place   w -= lr * grad_w changes the caller's array
gradient_descent(x, y, lr, epochs)
    loop_ascent             w + lr * grad_w inside the loop: the loss grows
    loss_after_update       history records the loss after each step, not before
    bias_never_updated      only w is trained
    gradient_computed_once  the gradient at w = 0 reused in every epoch
    no_history              returns an empty history
minibatch_sgd(x, y, lr, epochs, batch_size, rng)
    global_random_state     shuffles with np.random.permutation
    no_shuffle              takes the examples in their stored order
    own_fixed_seed          ignores rng and seeds its own generator
    x_and_y_shuffled_apart  different permutations for x and y
    summed_batch_gradient   gradient summed over the mini-batch: diverges
    history_per_batch       appends a loss for every mini-batch
momentum_step(w, v, grad, lr, mu)
    velocity_sign           v <- mu v + lr grad, then w <- w + v (climbs the gradient)
    pytorch_units           v <- mu v + grad, w <- w - lr v (weights right, v in the wrong units)
    old_velocity            w <- w + v with the old v, then v updated
    mu_missing              v <- -lr grad (no memory)
    momentum_updates_in_place  v *= mu; v -= lr grad; w += v (changes the caller's arrays)
"""
from __future__ import annotations

from harness import WrongAnswer, varied
from harness import function_source as _f

UNIT = "03_gradient_descent"

# The graded cells that call each answer (directly or, in the solution, through
# another answer): a wrong answer may fail these cells and no others.
CELLS_USING = {
    "mse_gradients": {"test_mse_gradients_example", "test_mse_gradients_batch",
                      "test_gradient_descent", "test_minibatch_sgd"},
    "descent_step": {"test_descent_step", "test_gradient_descent", "test_minibatch_sgd"},
    "gradient_descent": {"test_gradient_descent"},
    "minibatch_sgd": {"test_minibatch_sgd"},
    "momentum_step": {"test_momentum_step"},
}
# The points of each graded test cell (the notebook's nbgrader metadata must agree).
POINTS = {"test_mse_gradients_example": 1, "test_mse_gradients_batch": 2, "test_descent_step": 1,
          "test_gradient_descent": 2, "test_minibatch_sgd": 2, "test_momentum_step": 2}


_GRAD = "mse_gradients(x, y, w, b)"
_STEP = "descent_step(w, b, grad_w, grad_b, lr)"
_GD = "gradient_descent(x, y, lr, epochs)"
_SGD = "minibatch_sgd(x, y, lr, epochs, batch_size, rng)"
_MOM = "momentum_step(w, v, grad, lr, mu)"

# a correct full-batch loop body, varied below one mistake at a time
_GD_LOOP = ["w = np.zeros(x.shape[1])", "b = 0.0", "history = []",
            "for _ in range(epochs):",
            "    e = x @ w + b - y",
            "    history.append(np.mean(e ** 2))",
            "    w = w - lr * 2 * x.T @ e / len(y)",
            "    b = b - lr * 2 * np.mean(e)",
            "return w, b, history"]

_gd = varied(_GD, _GD_LOOP)


# a correct mini-batch loop body, varied below one mistake at a time
_SGD_LOOP = ["n = len(y)", "w = np.zeros(x.shape[1])", "b = 0.0", "history = []",
             "for _ in range(epochs):",
             "    order = rng.permutation(n)",
             "    total = 0.0",
             "    for start in range(0, n, batch_size):",
             "        idx = order[start:start + batch_size]",
             "        e = x[idx] @ w + b - y[idx]",
             "        total += np.sum(e ** 2)",
             "        w = w - lr * 2 * x[idx].T @ e / len(idx)",
             "        b = b - lr * 2 * np.mean(e)",
             "    history.append(total / n)",
             "return w, b, history"]

_sgd = varied(_SGD, _SGD_LOOP)


# Correct answers written differently from the solution: each must earn full marks.
ALTERNATIVES = {
    "gradients_as_a_list": {"mse_gradients": _f(
        _GRAD, "e = x @ w + b - y", "return [2 * x.T @ e / len(y), 2 * e.mean()]")},
    "gradients_loops": {"mse_gradients": _f(
        _GRAD,
        "B, D = x.shape",
        "grad_w, grad_b = np.zeros(D), 0.0",
        "for i in range(B):",
        "    e_i = sum(w[j] * x[i, j] for j in range(D)) + b - y[i]",
        "    for j in range(D):",
        "        grad_w[j] += 2 * e_i * x[i, j] / B",
        "    grad_b += 2 * e_i / B",
        "return grad_w, grad_b")},
    "gradients_mean_of_per_example": {"mse_gradients": _f(
        _GRAD, "e = x @ w + b - y",
        "return np.mean(2 * e[:, None] * x, axis=0), np.mean(2 * e)")},
    "gradients_einsum_numpy_scalar": {"mse_gradients": _f(
        _GRAD, "e = np.einsum('bd,d->b', x, w) + b - y",
        "return 2 * np.einsum('b,bd->d', e, x) / len(y), 2 * e.mean()")},
    "step_copy_then_in_place": {"descent_step": _f(
        _STEP, "w = w.copy()", "w -= lr * grad_w", "return w, b - lr * grad_b")},
    "step_via_axpy": {"descent_step": _f(
        _STEP, "return np.add(w, -lr * grad_w), float(b + (-lr) * grad_b)")},
    "gd_while_loop_inline": {"gradient_descent": _f(
        _GD, "w, b, history, t = np.zeros(x.shape[1]), 0.0, [], 0",
        "while t < epochs:",
        "    e = x @ w + b - y",
        "    history.append(float(e @ e) / len(y))",
        "    w, b = w - lr * 2 * (e @ x) / len(y), b - lr * 2 * e.sum() / len(y)",
        "    t += 1",
        "return w, b, history")},
    "gd_design_matrix": {"gradient_descent": _f(
        _GD, "X1 = np.column_stack([x, np.ones(len(x))])", "theta = np.zeros(X1.shape[1])",
        "history = []",
        "for _ in range(epochs):",
        "    e = X1 @ theta - y",
        "    history.append(np.mean(e ** 2))",
        "    theta = theta - lr * 2 / len(y) * X1.T @ e",
        "return theta[:-1], theta[-1], history")},
    "sgd_shuffle_in_place_indices": {"minibatch_sgd": _f(
        _SGD, "n = len(y)", "w, b, history = np.zeros(x.shape[1]), 0.0, []",
        "idx = np.arange(n)",
        "for _ in range(epochs):",
        "    rng.shuffle(idx)",
        "    losses = []",
        "    for batch in np.split(idx, range(batch_size, n, batch_size)):",
        "        losses.append(np.mean((x[batch] @ w + b - y[batch]) ** 2))",
        "        grad_w, grad_b = mse_gradients(x[batch], y[batch], w, b)",
        "        w, b = descent_step(w, b, grad_w, grad_b, lr)",
        "    history.append(np.mean(losses))      # unweighted mean: also fine",
        "return w, b, history")},
    "sgd_choice_and_shuffled_copies": {"minibatch_sgd": _f(
        _SGD, "n = len(y)", "w, b, history = np.zeros(x.shape[1]), 0.0, []",
        "for _ in range(epochs):",
        "    order = rng.choice(n, size=n, replace=False)",
        "    xs, ys = x[order], y[order]",
        "    total = 0.0",
        "    for start in range(0, n, batch_size):",
        "        xb, yb = xs[start:start + batch_size], ys[start:start + batch_size]",
        "        e = xb @ w + b - yb",
        "        total += e @ e",
        "        w = w - lr * 2 * xb.T @ e / len(yb)",
        "        b = b - lr * 2 * e.mean()",
        "    history.append(total / n)",
        "return w, b, history")},
    "momentum_pytorch_algebra": {"momentum_step": _f(
        _MOM, "u = -v / lr                      # PyTorch's buffer, in gradient units",
        "u = mu * u + grad",
        "w_new = w - lr * u",
        "return w_new, w_new - w")},
    "momentum_copy_then_in_place": {"momentum_step": _f(
        _MOM, "v = v * mu", "v -= lr * grad", "return w + v, v")},
}


WRONG_ANSWERS = [
    # ----------------------------------------------------------------- mse_gradients
    WrongAnswer("missing_factor_2", "mse_gradients",
                _f(_GRAD, "e = x @ w + b - y", "return x.T @ e / len(y), np.mean(e)"),
                "test_mse_gradients_example", "factor 2"),
    WrongAnswer("sum_not_mean", "mse_gradients",   # B = 1 in the worked example hides it
                _f(_GRAD, "e = x @ w + b - y", "return 2 * x.T @ e, 2 * np.sum(e)"),
                "test_mse_gradients_batch", "instead of averaging them: divide by B"),
    WrongAnswer("sign_flipped", "mse_gradients",
                _f(_GRAD, "e = y - (x @ w + b)", "return 2 * x.T @ e / len(y), 2 * np.mean(e)"),
                "test_mse_gradients_example", "the sign is flipped"),
    WrongAnswer("missing_factor_x", "mse_gradients",
                _f(_GRAD, "e = x @ w + b - y", "g = 2 * np.mean(e)",
                   "return np.full(x.shape[1], g), g"),
                "test_mse_gradients_example", "the factor x from dz/dw = x"),
    WrongAnswer("grad_b_per_example", "mse_gradients",
                _f(_GRAD, "e = x @ w + b - y", "return 2 * x.T @ e / len(y), 2 * e / len(y)"),
                "test_mse_gradients_example", "adds up all examples into one number"),
    # right for B = D = 1, the wrong shape otherwise
    WrongAnswer("per_example_grad_w", "mse_gradients",
                _f(_GRAD, "e = x @ w + b - y",
                   "return 2 * np.mean(x * e[:, None], axis=1), 2 * np.mean(e)"),
                "test_mse_gradients_batch", "one entry per weight, shape (D,)"),
    # ----------------------------------------------------------------- descent_step
    WrongAnswer("ascent", "descent_step", _f(_STEP, "return w + lr * grad_w, b + lr * grad_b"),
                "test_descent_step", "goes up the gradient"),
    WrongAnswer("learning_rate_missing", "descent_step", _f(_STEP, "return w - grad_w, b - grad_b"),
                "test_descent_step", "learning rate is missing"),
    WrongAnswer("bias_not_updated", "descent_step", _f(_STEP, "return w - lr * grad_w, b"),
                "test_descent_step", "bias was not updated"),
    WrongAnswer("step_updates_in_place", "descent_step",
                _f(_STEP, "w -= lr * grad_w", "return w, b - lr * grad_b"),
                "test_descent_step", "updates the caller's array in place"),
    # ----------------------------------------------------------------- gradient_descent
    WrongAnswer("loop_ascent", "gradient_descent",
                _gd(("    w = w - lr * 2 * x.T @ e / len(y)",
                     "    w = w + lr * 2 * x.T @ e / len(y)"),
                    ("    b = b - lr * 2 * np.mean(e)", "    b = b + lr * 2 * np.mean(e)")),
                "test_gradient_descent", "step against the gradient"),
    WrongAnswer("loss_after_update", "gradient_descent",
                _f(_GD, "w = np.zeros(x.shape[1])", "b = 0.0", "history = []",
                   "for _ in range(epochs):",
                   "    e = x @ w + b - y",
                   "    w = w - lr * 2 * x.T @ e / len(y)",
                   "    b = b - lr * 2 * np.mean(e)",
                   "    history.append(np.mean((x @ w + b - y) ** 2))   # after the step",
                   "return w, b, history"),
                "test_gradient_descent", "before the update"),
    WrongAnswer("bias_never_updated", "gradient_descent",
                _gd(("    b = b - lr * 2 * np.mean(e)", None)),
                "test_gradient_descent", "bias was never updated"),
    WrongAnswer("gradient_computed_once", "gradient_descent",
                _f(_GD, "w = np.zeros(x.shape[1])", "b = 0.0", "history = []",
                   "e0 = x @ w + b - y                    # the gradient at the start only",
                   "grad_w, grad_b = 2 * x.T @ e0 / len(y), 2 * np.mean(e0)",
                   "for _ in range(epochs):",
                   "    history.append(np.mean((x @ w + b - y) ** 2))",
                   "    w, b = w - lr * grad_w, b - lr * grad_b",
                   "return w, b, history"),
                "test_gradient_descent", "in every iteration"),
    WrongAnswer("no_history", "gradient_descent",
                _gd(("    history.append(np.mean(e ** 2))", None)),
                "test_gradient_descent", "one loss per epoch"),
    # ----------------------------------------------------------------- minibatch_sgd
    WrongAnswer("global_random_state", "minibatch_sgd",
                _sgd(("    order = rng.permutation(n)", "    order = np.random.permutation(n)")),
                "test_minibatch_sgd", "global random generator"),
    WrongAnswer("no_shuffle", "minibatch_sgd",
                _sgd(("    order = rng.permutation(n)", "    order = np.arange(n)")),
                "test_minibatch_sgd", "were not shuffled"),
    WrongAnswer("own_fixed_seed", "minibatch_sgd",
                _sgd(("n = len(y)", ["n = len(y)", "rng = np.random.default_rng(0)"])),
                "test_minibatch_sgd", "rng passed in"),
    WrongAnswer("x_and_y_shuffled_apart", "minibatch_sgd",
                _sgd(("    order = rng.permutation(n)",
                      ["    x = x[rng.permutation(n)]", "    y = y[rng.permutation(n)]",
                       "    order = np.arange(n)"])),
                "test_minibatch_sgd", "same permutation"),
    WrongAnswer("summed_batch_gradient", "minibatch_sgd",
                _sgd(("        w = w - lr * 2 * x[idx].T @ e / len(idx)",
                      "        w = w - lr * 2 * x[idx].T @ e"),
                     ("        b = b - lr * 2 * np.mean(e)", "        b = b - lr * 2 * np.sum(e)")),
                "test_minibatch_sgd", "mean, not sum"),
    WrongAnswer("history_per_batch", "minibatch_sgd",
                _sgd(("        total += np.sum(e ** 2)", "        history.append(np.mean(e ** 2))"),
                     ("    total = 0.0", None), ("    history.append(total / n)", None)),
                "test_minibatch_sgd", "one number per epoch"),
    # ----------------------------------------------------------------- momentum_step
    WrongAnswer("velocity_sign", "momentum_step",
                _f(_MOM, "v_new = mu * v + lr * grad", "return w + v_new, v_new"),
                "test_momentum_step", "wrong sign"),
    WrongAnswer("pytorch_units", "momentum_step",
                _f(_MOM, "v_new = mu * v + grad", "return w - lr * v_new, v_new"),
                "test_momentum_step", "gradient units"),
    WrongAnswer("old_velocity", "momentum_step",
                _f(_MOM, "w_new = w + v", "return w_new, mu * v - lr * grad"),
                "test_momentum_step", "old velocity"),
    WrongAnswer("mu_missing", "momentum_step",
                _f(_MOM, "v_new = -lr * grad", "return w + v_new, v_new"),
                "test_momentum_step", "mu is missing"),
    WrongAnswer("momentum_updates_in_place", "momentum_step",
                _f(_MOM, "v *= mu", "v -= lr * grad", "w += v", "return w, v"),
                "test_momentum_step", "write into the caller's arrays"),
]
