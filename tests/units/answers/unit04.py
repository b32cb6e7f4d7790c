"""Answer fixtures for unit 04's exercises (classification).

What each name means, and how the fixtures are used: ``tests/units/answers/__init__.py``.

Design decision: subtracting the maximum of the whole batch instead of each row's maximum
is exact on paper, but a row far below the batch maximum (logits near -1000 next to a row
near +1000) then underflows to 0/0 = nan; the exercise text says so, and the stability
test rejects it (``softmax_global_max``).

The wrong answers, by exercise:

softmax(z)
    softmax_axis0           normalises each column (axis=0) instead of each row
    softmax_whole_array     divides by the sum of the whole batch
    softmax_keepdims_missing  row maximum and sum of shape (B,): broadcasting error for B != C
    softmax_in_place        z -= max: changes the caller's array
    softmax_no_max          exp(z) / sum(exp(z)): overflows to nan at logits of 1000
    softmax_global_max      subtracts the maximum of the whole batch: rows near -1000 give 0/0
    softmax_calls_mlpkit    returns mlpkit.functional.softmax(z) (the exercise asks for NumPy)
    softmax_library_alias   softmax = mlpkit.functional.softmax: the library's function itself
cross_entropy(z, y)
    ce_sum_not_mean         sums the per-example losses over the batch
    ce_sign                 returns the log-probability, not its negative
    ce_column_indexing      z[:, y]: a (B, B) block instead of one entry per row
    ce_labels_as_one_hot    multiplies by y as if it were one-hot rows: broadcasting error
    ce_log_of_softmax       log(softmax(z)): log(0) = -inf for a confident wrong answer
    ce_naive_logsumexp      log(sum(exp(z))) without the maximum: overflows at 1000
    ce_calls_mlpkit         calls mlpkit.functional.log_softmax
cross_entropy_grad(z, y)
    grad_sign               y - y_hat
    grad_sum_not_mean       no division by B
    grad_label_not_one_hot  subtracts the integer label from every entry of the row
    grad_missing_softmax    (z - onehot) / B
    grad_calls_mlpkit       the gradient of mlpkit.functional.cross_entropy_loss
train_logistic(x, y, lr, steps)
    tl_ascent               w + lr * dL/dw
    tl_sum_gradient         the gradient summed over the examples, not averaged
    tl_squared_loss_gradient  delta = (p - y) p (1 - p) / N (the MSE's gradient through the sigmoid)
    tl_loss_after_update    records the loss after each update
    tl_bias_never_updated   b stays 0
"""
from __future__ import annotations

from harness import WrongAnswer, varied
from harness import function_source as _f

UNIT = "04_classification"

# The graded cells that call each answer (directly or, in the solution, through
# another answer): a wrong answer may fail these cells and no others.
CELLS_USING = {
    "softmax": {"test_softmax", "test_softmax_stable", "test_cross_entropy_grad"},
    "cross_entropy": {"test_cross_entropy", "test_cross_entropy_stable"},
    "cross_entropy_grad": {"test_cross_entropy_grad"},
    "train_logistic": {"test_train_logistic"},
}
# The points of each graded test cell (the notebook's nbgrader metadata must agree).
POINTS = {"test_softmax": 1, "test_softmax_stable": 1, "test_cross_entropy": 2,
          "test_cross_entropy_stable": 1, "test_cross_entropy_grad": 2, "test_train_logistic": 3}

_SM = "softmax(z)"
_CE = "cross_entropy(z, y)"
_GR = "cross_entropy_grad(z, y)"
_TL = "train_logistic(x, y, lr, steps)"

# a correct training loop, varied below one mistake at a time
_TL_LOOP = ["N, D = x.shape",
            "w, b, losses = np.zeros(D), 0.0, []",
            "for _ in range(steps):",
            "    z = x @ w + b",
            "    losses.append(float(np.mean(np.logaddexp(0.0, z) - y * z)))",
            "    p = 1.0 / (1.0 + np.exp(-z))",
            "    delta = (p - y) / N",
            "    w = w - lr * x.T @ delta",
            "    b = b - lr * np.sum(delta)",
            "return w, b, losses"]

_tl = varied(_TL, _TL_LOOP)


# Correct answers written differently from the solution: each must earn full marks.
ALTERNATIVES = {
    "softmax_row_loop": {"softmax": _f(
        _SM, "out = np.empty(z.shape)",
        "for i in range(z.shape[0]):",
        "    e = np.exp(z[i] - max(z[i]))",
        "    out[i] = e / e.sum()",
        "return out")},
    "softmax_via_logsumexp_float64": {"softmax": _f(
        _SM, "z = np.asarray(z, dtype=np.float64)",
        "m = z.max(axis=-1)[:, None]",
        "lse = m + np.log(np.exp(z - m).sum(axis=-1, keepdims=True))",
        "return np.exp(z - lse)")},
    "softmax_transposed": {"softmax": _f(
        _SM, "t = np.exp(z.T - z.max(axis=1))        # classes along axis 0 of the transpose",
        "return (t / t.sum(axis=0)).T")},
    "ce_take_along_axis": {"cross_entropy": _f(
        _CE, "m = z.max(axis=1, keepdims=True)",
        "log_p = z - m - np.log(np.exp(z - m).sum(axis=1, keepdims=True))   # log softmax",
        "return -np.take_along_axis(log_p, y[:, None], axis=1).mean()")},
    "ce_logaddexp_reduce": {"cross_entropy": _f(
        _CE, "return float(np.mean(np.logaddexp.reduce(z, axis=1) - z[range(len(y)), y]))")},
    "ce_loop_one_hot": {"cross_entropy": _f(
        _CE, "B, C = z.shape",
        "total = 0.0",
        "for i in range(B):",
        "    m = np.max(z[i])",
        "    log_p = z[i] - m - np.log(np.sum(np.exp(z[i] - m)))",
        "    onehot = np.zeros(C)",
        "    onehot[y[i]] = 1.0",
        "    total += -np.dot(onehot, log_p)",
        "return total / B")},
    "grad_subtract_in_place_on_copy": {"cross_entropy_grad": _f(
        _GR, "g = softmax(z)                 # a new array: safe to change",
        "g[np.arange(len(y)), y] -= 1",
        "return g / len(y)")},
    "grad_inline_softmax": {"cross_entropy_grad": _f(
        _GR, "e = np.exp(z - z.max(axis=1, keepdims=True))",
        "y_hat = e / e.sum(axis=1, keepdims=True)",
        "onehot = (np.arange(z.shape[1]) == y[:, None]).astype(float)",
        "return (y_hat - onehot) / z.shape[0]")},
    "tl_design_matrix": {"train_logistic": _f(
        _TL, "X1 = np.column_stack([x, np.ones(len(x))])",
        "theta = np.zeros(X1.shape[1])",
        "losses = []",
        "for _ in range(steps):",
        "    z = X1 @ theta",
        "    p = 1 / (1 + np.exp(-z))",
        "    losses.append(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))",
        "    theta = theta - lr * X1.T @ (p - y) / len(y)",
        "return theta[:-1], theta[-1], losses")},
    "tl_via_cross_entropy_two_logits": {"train_logistic": _f(
        _TL, "w, b, losses = np.zeros(x.shape[1]), 0.0, []",
        "for step in range(steps):",
        "    z = x @ w + b",
        "    two = np.column_stack([np.zeros_like(z), z])   # sigmoid(z) = softmax([0, z])[1]",
        "    losses.append(cross_entropy(two, y))",
        "    delta = cross_entropy_grad(two, y)[:, 1]",
        "    w, b = w - lr * delta @ x, b - lr * delta.sum()",
        "return w, b, losses")},
}


WRONG_ANSWERS = [
    # ----------------------------------------------------------------- softmax
    WrongAnswer("softmax_axis0", "softmax",
                _f(_SM, "e = np.exp(z - z.max(axis=0, keepdims=True))",
                   "return e / e.sum(axis=0, keepdims=True)"),
                "test_softmax", "sum over axis=1"),
    WrongAnswer("softmax_whole_array", "softmax",
                _f(_SM, "e = np.exp(z - z.max(axis=1, keepdims=True))", "return e / e.sum()"),
                "test_softmax", "each row of softmax(z) must sum to 1"),
    WrongAnswer("softmax_keepdims_missing", "softmax",
                _f(_SM, "e = np.exp(z - np.max(z, axis=1))", "return e / np.sum(e, axis=1)"),
                "test_softmax", "keepdims=True"),
    WrongAnswer("softmax_in_place", "softmax",
                _f(_SM, "z -= z.max(axis=1, keepdims=True)", "e = np.exp(z)",
                   "return e / e.sum(axis=1, keepdims=True)"),
                "test_softmax", "in place"),
    WrongAnswer("softmax_no_max", "softmax",
                _f(_SM, "e = np.exp(z)", "return e / e.sum(axis=1, keepdims=True)"),
                "test_softmax_stable", "subtract each row's maximum before np.exp"),
    WrongAnswer("softmax_global_max", "softmax",
                _f(_SM, "e = np.exp(z - np.max(z))", "return e / e.sum(axis=1, keepdims=True)"),
                "test_softmax_stable", "use each row's maximum"),
    WrongAnswer("softmax_calls_mlpkit", "softmax",
                _f(_SM, "return mlpkit.functional.softmax(z, axis=1)"),
                "test_softmax", "NumPy only"),
    WrongAnswer("softmax_library_alias", "softmax", "softmax = mlpkit.functional.softmax\n",
                "test_softmax", "NumPy only"),
    # ----------------------------------------------------------------- cross_entropy
    WrongAnswer("ce_sum_not_mean", "cross_entropy",
                _f(_CE, "m = z.max(axis=1, keepdims=True)",
                   "lse = m[:, 0] + np.log(np.exp(z - m).sum(axis=1))",
                   "return float(np.sum(lse - z[np.arange(len(y)), y]))"),
                "test_cross_entropy", "instead of averaging"),
    WrongAnswer("ce_sign", "cross_entropy",
                _f(_CE, "m = z.max(axis=1, keepdims=True)",
                   "lse = m[:, 0] + np.log(np.exp(z - m).sum(axis=1))",
                   "return float(np.mean(z[np.arange(len(y)), y] - lse))"),
                "test_cross_entropy", "NEGATIVE log-probability"),
    WrongAnswer("ce_column_indexing", "cross_entropy",
                _f(_CE, "m = z.max(axis=1, keepdims=True)",
                   "lse = m + np.log(np.exp(z - m).sum(axis=1, keepdims=True))",
                   "return float(np.mean(lse - z[:, y]))"),
                "test_cross_entropy", "z[np.arange(B), y]"),
    WrongAnswer("ce_labels_as_one_hot", "cross_entropy",
                _f(_CE, "m = z.max(axis=1, keepdims=True)",
                   "log_p = z - m - np.log(np.exp(z - m).sum(axis=1, keepdims=True))",
                   "return float(-np.sum(y * log_p) / len(y))"),
                "test_cross_entropy", "integer labels of shape (B,), not one-hot rows"),
    WrongAnswer("ce_log_of_softmax", "cross_entropy",
                _f(_CE, "e = np.exp(z - z.max(axis=1, keepdims=True))",
                   "p = e / e.sum(axis=1, keepdims=True)",
                   "return float(np.mean(-np.log(p[np.arange(len(y)), y])))"),
                "test_cross_entropy_stable", "log(0) = -inf"),
    WrongAnswer("ce_naive_logsumexp", "cross_entropy",
                _f(_CE, "lse = np.log(np.sum(np.exp(z), axis=1))",
                   "return float(np.mean(lse - z[np.arange(len(y)), y]))"),
                "test_cross_entropy_stable", "np.exp(1000) overflows"),
    WrongAnswer("ce_calls_mlpkit", "cross_entropy",
                _f(_CE, "log_p = mlpkit.functional.log_softmax(z, axis=1)",
                   "return float(-np.mean(log_p[np.arange(len(y)), y]))"),
                "test_cross_entropy", "NumPy only"),
    # ----------------------------------------------------------------- cross_entropy_grad
    WrongAnswer("grad_sign", "cross_entropy_grad",
                _f(_GR, "return (np.eye(z.shape[1])[y] - softmax(z)) / len(y)"),
                "test_cross_entropy_grad", "the sign is flipped"),
    WrongAnswer("grad_sum_not_mean", "cross_entropy_grad",
                _f(_GR, "return softmax(z) - np.eye(z.shape[1])[y]"),
                "test_cross_entropy_grad", "did not divide by B"),
    WrongAnswer("grad_label_not_one_hot", "cross_entropy_grad",
                _f(_GR, "return (softmax(z) - y[:, None]) / len(y)"),
                "test_cross_entropy_grad", "one-hot row"),
    WrongAnswer("grad_missing_softmax", "cross_entropy_grad",
                _f(_GR, "return (z - np.eye(z.shape[1])[y]) / len(y)"),
                "test_cross_entropy_grad", "the softmax is missing"),
    WrongAnswer("grad_calls_mlpkit", "cross_entropy_grad",
                _f(_GR, "return mlpkit.functional.cross_entropy_loss(z, y)[1]"),
                "test_cross_entropy_grad", "NumPy only"),
    # ----------------------------------------------------------------- train_logistic
    WrongAnswer("tl_ascent", "train_logistic",
                _tl(("    w = w - lr * x.T @ delta", "    w = w + lr * x.T @ delta"),
                    ("    b = b - lr * np.sum(delta)", "    b = b + lr * np.sum(delta)")),
                "test_train_logistic", "step against it"),
    WrongAnswer("tl_sum_gradient", "train_logistic",
                _tl(("    delta = (p - y) / N", "    delta = p - y")),
                "test_train_logistic", "mean over the batch"),
    WrongAnswer("tl_squared_loss_gradient", "train_logistic",
                _tl(("    delta = (p - y) / N", "    delta = (p - y) * p * (1 - p) / N")),
                "test_train_logistic", "squared-loss gradient"),
    WrongAnswer("tl_loss_after_update", "train_logistic",
                _f(_TL, "N, D = x.shape", "w, b, losses = np.zeros(D), 0.0, []",
                   "for _ in range(steps):",
                   "    p = 1.0 / (1.0 + np.exp(-(x @ w + b)))",
                   "    delta = (p - y) / N",
                   "    w, b = w - lr * x.T @ delta, b - lr * np.sum(delta)",
                   "    z = x @ w + b",
                   "    losses.append(float(np.mean(np.logaddexp(0.0, z) - y * z)))",
                   "return w, b, losses"),
                "test_train_logistic", "not before the update"),
    WrongAnswer("tl_bias_never_updated", "train_logistic",
                _tl(("    b = b - lr * np.sum(delta)", None)),
                "test_train_logistic", "bias was never updated"),
]
