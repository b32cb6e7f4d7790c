"""Answer fixtures for unit 03's exercises (gradient descent).

What each name means, and how the fixtures are used: ``tests/units/answers/__init__.py``.

The wrong answers, by exercise:

mse_gradients(x, y, w, b)
    missing_factor_2        (1/B) x^T e: the 2 of d(e^2)/de forgotten
    sum_not_mean            2 x^T e: summed over the batch, no 1/B
    sign_flipped            errors taken as y - y_hat
    missing_factor_x        dL/dw = (2/B) sum(e) for every weight: de/dw = x forgotten
    grad_b_per_example      dL/db returned per example, shape (B,), not summed
    per_example_grad_w      dL/dw averaged over the features, shape (B,) instead of (D,)
    mse_calls_mlpkit_loss   mlpkit.functional.mse_loss gives dL/dy_hat (caught by check.forbidden)
descent_step(w, b, grad_w, grad_b, lr)
    ascent                  w + lr * grad_w: the sign error of the update
    learning_rate_missing   w - grad_w
    bias_not_updated        b returned unchanged
    step_updates_in_place   w -= lr * grad_w changes the caller's array
    step_calls_sgd_update   mlpkit.optim.sgd_update takes the step (caught by check.forbidden)
gradient_descent(x, y, lr, epochs)
    loop_ascent             w + lr * grad_w inside the loop: the loss grows
    loss_after_update       history records the loss after each step, not before
    bias_never_updated      only w is trained
    gradient_computed_once  the gradient at w = 0 reused in every epoch
    no_history              returns an empty history
    gd_calls_sgd_update     mlpkit.optim.sgd_update takes the steps (caught by check.forbidden)
minibatch_sgd(x, y, lr, epochs, batch_size, rng)
  (a) it trains (test_minibatch_sgd_trains)
    global_random_state     shuffles with np.random.permutation
    no_shuffle              takes the examples in their stored order
    own_fixed_seed          ignores rng and seeds its own generator
    x_and_y_shuffled_apart  different permutations for x and y
    summed_batch_gradient   gradient summed over the mini-batch: diverges
    history_per_batch       appends a loss for every mini-batch
    sgd_calls_mlpkit_batches  mlpkit.data.batches makes the mini-batches (caught by check.forbidden)
  (b) it follows the specification (test_minibatch_sgd_spec)
    drop_last_batch         the last, smaller mini-batch left out
    divide_by_batch_size    the last mini-batch's mean taken over batch_size, not its actual size
    one_step_per_epoch      only the first mini-batch of each epoch
    history_after_update    each mini-batch's loss measured after its step
    history_unweighted      the plain mean of the mini-batch losses, not weighted by size
    history_end_of_epoch    the loss on all N examples after the epoch's last step
    history_start_of_epoch  the loss on all N examples before the epoch's first step
    shuffle_once            one permutation drawn before the loop over epochs
    with_replacement        each mini-batch drawn with rng.integers: some examples twice, some never
    choice_per_batch        each mini-batch drawn with rng.choice(N, B, replace=False): overlaps across batches
    shuffles_caller_arrays  x[:] = x[order]: shuffles the caller's data in place
"""
from __future__ import annotations

from harness import WrongAnswer, varied
from harness import function_source as _f

UNIT = "03_gradient_descent"

# The graded cells that call each answer (directly or, in the solution, through
# another answer): a wrong answer may fail these cells and no others.
_SGD_CELLS = {"test_minibatch_sgd_trains", "test_minibatch_sgd_spec"}
CELLS_USING = {
    "mse_gradients": {"test_mse_gradients_example", "test_mse_gradients_batch", "test_gradient_descent",
                      *_SGD_CELLS},
    "descent_step": {"test_descent_step", "test_gradient_descent", *_SGD_CELLS},
    "gradient_descent": {"test_gradient_descent"},
    "minibatch_sgd": _SGD_CELLS,
}
# The points of each graded test cell (the notebook's nbgrader metadata must agree).
POINTS = {"test_mse_gradients_example": 1, "test_mse_gradients_batch": 2, "test_descent_step": 1,
          "test_gradient_descent": 2, "test_minibatch_sgd_trains": 2, "test_minibatch_sgd_spec": 2}


_GRAD = "mse_gradients(x, y, w, b)"
_STEP = "descent_step(w, b, grad_w, grad_b, lr)"
_GD = "gradient_descent(x, y, lr, epochs)"
_SGD = "minibatch_sgd(x, y, lr, epochs, batch_size, rng)"

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
_ORDER = "    order = rng.permutation(n)"
_IDX = "        idx = order[start:start + batch_size]"
_TOTAL = "        total += np.sum(e ** 2)"
_APPEND = "    history.append(total / n)"


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
    "gradients_zero_d_array_bias": {"mse_gradients": _f(
        _GRAD, "e = x @ w + b - y", "return (2 / len(y)) * (e @ x), np.array(2 * e.mean())")},
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
    "gd_keeps_float32": {"gradient_descent": _f(
        _GD, "w, b, history = np.zeros(x.shape[1], dtype=x.dtype), x.dtype.type(0), []",
        "for _ in range(epochs):",
        "    history.append(np.mean((x @ w + b - y) ** 2))",
        "    grad_w, grad_b = mse_gradients(x, y, w, b)",
        "    w, b = descent_step(w, b, grad_w, grad_b, lr)",
        "return w, b, np.array(history)")},
    # ----------------------------------------------------------------- minibatch_sgd
    "sgd_shuffle_in_place_indices": {"minibatch_sgd": _f(
        _SGD, "n = len(y)", "w, b, history = np.zeros(x.shape[1]), 0.0, []",
        "idx = np.arange(n)",
        "for _ in range(epochs):",
        "    rng.shuffle(idx)                     # a fresh order of the index array, x and y untouched",
        "    losses, sizes = [], []",
        "    for batch in np.split(idx, range(batch_size, n, batch_size)):",
        "        losses.append(np.mean((x[batch] @ w + b - y[batch]) ** 2))",
        "        sizes.append(len(batch))",
        "        grad_w, grad_b = mse_gradients(x[batch], y[batch], w, b)",
        "        w, b = descent_step(w, b, grad_w, grad_b, lr)",
        "    history.append(np.dot(sizes, losses) / n)",
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
    "sgd_stacked_permutation": {"minibatch_sgd": _f(
        _SGD, "data = np.column_stack([x, y])          # x and y side by side: one shuffle moves both",
        "n, d = x.shape",
        "w, b, history = np.zeros(d), 0.0, []",
        "for _ in range(epochs):",
        "    shuffled = rng.permutation(data)      # a new array with the rows permuted",
        "    xs, ys = shuffled[:, :d], shuffled[:, d]",
        "    total = 0.0",
        "    for start in range(0, n, batch_size):",
        "        xb, yb = xs[start:start + batch_size], ys[start:start + batch_size]",
        "        total += len(yb) * np.mean((xb @ w + b - yb) ** 2)",
        "        grad_w, grad_b = mse_gradients(xb, yb, w, b)",
        "        w, b = descent_step(w, b, grad_w, grad_b, lr)",
        "    history.append(total / n)",
        "return w, b, history")},
    "sgd_while_loops": {"minibatch_sgd": _f(
        _SGD, "n = x.shape[0]", "w, b, history = np.zeros(x.shape[1]), 0.0, []", "epoch = 0",
        "while epoch < epochs:",
        "    order = rng.permutation(n)",
        "    seen, weighted = 0, 0.0",
        "    while seen < n:",
        "        idx = order[seen:seen + batch_size]",
        "        e = x[idx] @ w + b - y[idx]",
        "        weighted += float(e @ e)",
        "        w = w - lr * (2 / len(idx)) * (e @ x[idx])",
        "        b = b - lr * (2 / len(idx)) * e.sum()",
        "        seen += len(idx)",
        "    history.append(weighted / n)",
        "    epoch += 1",
        "return w, b, history")},
    "sgd_predrawn_orders": {"minibatch_sgd": _f(
        _SGD, "n = len(y)",
        "orders = [rng.permutation(n) for _ in range(epochs)]   # every epoch's shuffle drawn up front",
        "w, b, history = np.zeros(x.shape[1]), 0.0, []",
        "for order in orders:",
        "    batches = [order[i:i + batch_size] for i in range(0, n, batch_size)]",
        "    losses = [0.0] * len(batches)",
        "    for k, idx in enumerate(batches):",
        "        losses[k] = np.mean((x[idx] @ w + b - y[idx]) ** 2)",
        "        grad_w, grad_b = mse_gradients(x[idx], y[idx], w, b)",
        "        w, b = descent_step(w, b, grad_w, grad_b, lr)",
        "    history.append(sum(len(idx) * loss for idx, loss in zip(batches, losses)) / n)",
        "return w, b, history")},
    "sgd_argsort_random_keys": {"minibatch_sgd": _sgd(
        (_ORDER, "    order = np.argsort(rng.random(n))   # sorting random keys: a uniform permutation"))},
    "sgd_keeps_float32": {"minibatch_sgd": _f(
        _SGD, "n, d = x.shape",
        "w, b, history = np.zeros(d, dtype=x.dtype), x.dtype.type(0), []",
        "for _ in range(epochs):",
        "    order = rng.permutation(n)",
        "    total = x.dtype.type(0)",
        "    for start in range(0, n, batch_size):",
        "        idx = order[start:start + batch_size]",
        "        e = x[idx] @ w + b - y[idx]",
        "        total += np.sum(e * e)",
        "        w = w - lr * 2 * (x[idx].T @ e) / len(idx)",
        "        b = b - lr * 2 * np.mean(e)",
        "    history.append(total / n)",
        "return w, b, history")},
    "sgd_returns_a_list_and_an_array_history": {"minibatch_sgd": _sgd(
        ("return w, b, history", "return [w, b, np.array(history)]"))},
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
                "test_mse_gradients_example", "the factor x from de/dw = x"),
    WrongAnswer("grad_b_per_example", "mse_gradients",
                _f(_GRAD, "e = x @ w + b - y", "return 2 * x.T @ e / len(y), 2 * e / len(y)"),
                "test_mse_gradients_example", "adds up all examples into one number"),
    # right for B = D = 1, the wrong shape otherwise
    WrongAnswer("per_example_grad_w", "mse_gradients",
                _f(_GRAD, "e = x @ w + b - y",
                   "return 2 * np.mean(x * e[:, None], axis=1), 2 * np.mean(e)"),
                "test_mse_gradients_batch", "one entry per weight, shape (D,)"),
    # right values: only the hidden check.forbidden block catches it
    WrongAnswer("mse_calls_mlpkit_loss", "mse_gradients",
                _f(_GRAD, "_, delta = mlpkit.functional.mse_loss(x @ w + b, y)   # dL/dy_hat",
                   "return x.T @ delta, float(np.sum(delta))"),
                "test_mse_gradients_batch", "your code called mlpkit.functional.mse_loss"),
    # ----------------------------------------------------------------- descent_step
    WrongAnswer("ascent", "descent_step", _f(_STEP, "return w + lr * grad_w, b + lr * grad_b"),
                "test_descent_step", "goes up the gradient"),
    WrongAnswer("learning_rate_missing", "descent_step", _f(_STEP, "return w - grad_w, b - grad_b"),
                "test_descent_step", "learning rate is missing"),
    WrongAnswer("bias_not_updated", "descent_step", _f(_STEP, "return w - lr * grad_w, b"),
                "test_descent_step", "bias was not updated"),
    WrongAnswer("step_updates_in_place", "descent_step",
                _f(_STEP, "w -= lr * grad_w", "return w, b - lr * grad_b"),
                "test_descent_step", "modified its input `w` in place"),
    WrongAnswer("step_calls_sgd_update", "descent_step",
                _f(_STEP, "return (mlpkit.optim.sgd_update(w, grad_w, None, lr=lr)[0],",
                   "        mlpkit.optim.sgd_update(b, grad_b, None, lr=lr)[0])"),
                "test_descent_step", "your code called mlpkit.optim.sgd_update"),
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
    WrongAnswer("gd_calls_sgd_update", "gradient_descent",
                _gd(("    w = w - lr * 2 * x.T @ e / len(y)",
                     "    w = mlpkit.optim.sgd_update(w, 2 * x.T @ e / len(y), None, lr=lr)[0]"),
                    ("    b = b - lr * 2 * np.mean(e)",
                     "    b = mlpkit.optim.sgd_update(b, 2 * np.mean(e), None, lr=lr)[0]")),
                "test_gradient_descent", "your code called mlpkit.optim.sgd_update"),
    # ----------------------------------------------------------------- minibatch_sgd (a): it trains
    WrongAnswer("global_random_state", "minibatch_sgd",
                _sgd((_ORDER, "    order = np.random.permutation(n)")),
                "test_minibatch_sgd_trains", "global random generator"),
    WrongAnswer("no_shuffle", "minibatch_sgd",
                _sgd((_ORDER, "    order = np.arange(n)")),
                "test_minibatch_sgd_trains", "were not shuffled"),
    WrongAnswer("own_fixed_seed", "minibatch_sgd",
                _sgd(("n = len(y)", ["n = len(y)", "rng = np.random.default_rng(0)"])),
                "test_minibatch_sgd_trains", "rng passed in"),
    WrongAnswer("x_and_y_shuffled_apart", "minibatch_sgd",
                _sgd((_ORDER, ["    x = x[rng.permutation(n)]", "    y = y[rng.permutation(n)]",
                               "    order = np.arange(n)"])),
                "test_minibatch_sgd_trains", "same permutation"),
    WrongAnswer("summed_batch_gradient", "minibatch_sgd",
                _sgd(("        w = w - lr * 2 * x[idx].T @ e / len(idx)",
                      "        w = w - lr * 2 * x[idx].T @ e"),
                     ("        b = b - lr * 2 * np.mean(e)", "        b = b - lr * 2 * np.sum(e)")),
                "test_minibatch_sgd_trains", "mean, not sum"),
    WrongAnswer("history_per_batch", "minibatch_sgd",
                _sgd((_TOTAL, "        history.append(np.mean(e ** 2))"),
                     ("    total = 0.0", None), (_APPEND, None)),
                "test_minibatch_sgd_trains", "one number per epoch"),
    # right behaviour: only the hidden check.forbidden block catches it
    WrongAnswer("sgd_calls_mlpkit_batches", "minibatch_sgd",
                _f(_SGD, "n = len(y)", "w, b, history = np.zeros(x.shape[1]), 0.0, []",
                   "for _ in range(epochs):",
                   "    total = 0.0",
                   "    for xb, yb in mlpkit.data.batches(x, y, batch_size, rng=rng):",
                   "        e = xb @ w + b - yb",
                   "        total += np.sum(e ** 2)",
                   "        w = w - lr * 2 * xb.T @ e / len(yb)",
                   "        b = b - lr * 2 * np.mean(e)",
                   "    history.append(total / n)",
                   "return w, b, history"),
                "test_minibatch_sgd_trains", "your code called mlpkit.data.batches"),
    # ----------------------------------------------------------------- minibatch_sgd (b): the specification
    WrongAnswer("drop_last_batch", "minibatch_sgd",
                _sgd(("    for start in range(0, n, batch_size):",
                      "    for start in range(0, n - batch_size + 1, batch_size):")),
                "test_minibatch_sgd_spec", "the last, smaller mini-batch was dropped"),
    WrongAnswer("divide_by_batch_size", "minibatch_sgd",
                _sgd(("        w = w - lr * 2 * x[idx].T @ e / len(idx)",
                      "        w = w - lr * 2 * x[idx].T @ e / batch_size"),
                     ("        b = b - lr * 2 * np.mean(e)", "        b = b - lr * 2 * np.sum(e) / batch_size")),
                "test_minibatch_sgd_spec", "instead of its actual size"),
    WrongAnswer("one_step_per_epoch", "minibatch_sgd",
                _sgd(("    for start in range(0, n, batch_size):", "    for start in [0]:")),
                "test_minibatch_sgd_spec", "ceil(N / B) steps per epoch"),
    WrongAnswer("history_after_update", "minibatch_sgd",
                _sgd((_TOTAL, None),
                     ("        b = b - lr * 2 * np.mean(e)",
                      ["        b = b - lr * 2 * np.mean(e)",
                       "        total += np.sum((x[idx] @ w + b - y[idx]) ** 2)   # after the step"])),
                "test_minibatch_sgd_spec", "measure each mini-batch's loss before its step"),
    WrongAnswer("history_unweighted", "minibatch_sgd",
                _sgd(("    total = 0.0", "    losses = []"), (_TOTAL, "        losses.append(np.mean(e ** 2))"),
                     (_APPEND, "    history.append(np.mean(losses))")),
                "test_minibatch_sgd_spec", "plain mean of the mini-batch losses"),
    WrongAnswer("history_end_of_epoch", "minibatch_sgd",
                _sgd((_APPEND, "    history.append(np.mean((x @ w + b - y) ** 2))")),
                "test_minibatch_sgd_spec", "the loss at the end of the epoch"),
    WrongAnswer("history_start_of_epoch", "minibatch_sgd",
                _sgd(("    total = 0.0", ["    total = 0.0", "    history.append(np.mean((x @ w + b - y) ** 2))"]),
                     (_APPEND, None)),
                "test_minibatch_sgd_spec", "the loss at the start of the epoch only"),
    WrongAnswer("shuffle_once", "minibatch_sgd",
                _sgd((_ORDER, None), ("n = len(y)", ["n = len(y)", "order = rng.permutation(n)"])),
                "test_minibatch_sgd_spec", "shuffled only once"),
    WrongAnswer("with_replacement", "minibatch_sgd",
                _sgd((_ORDER, None), (_IDX, "        idx = rng.integers(0, n, size=min(batch_size, n - start))")),
                "test_minibatch_sgd_spec", "every example exactly once per epoch"),
    WrongAnswer("choice_per_batch", "minibatch_sgd",
                _sgd((_ORDER, None),
                     (_IDX, "        idx = rng.choice(n, size=min(batch_size, n - start), replace=False)")),
                "test_minibatch_sgd_spec", "every example exactly once per epoch"),
    WrongAnswer("shuffles_caller_arrays", "minibatch_sgd",
                _sgd((_ORDER, [_ORDER, "    x[:] = x[order]", "    y[:] = y[order]"]),
                     (_IDX, "        idx = np.arange(start, min(start + batch_size, n))")),
                "test_minibatch_sgd_spec", "modified its input `x` in place"),
]
