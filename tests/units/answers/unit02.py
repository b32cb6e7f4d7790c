"""Answer fixtures for unit 02's exercises (linear regression).

What each name means, and how the fixtures are used: ``tests/units/answers/__init__.py``.

The wrong answers, by exercise:

predict(x, w, b)
    bias_left_out          x @ w (no bias)
    bias_subtracted        x @ w - b
    bias_added_to_inputs   (x + b) @ w
    product_not_summed     x * w + b (shape (B, D) instead of (B,))
    column_output          x @ w.reshape(-1, 1) + b (shape (B, 1))
mse(y_hat, y)
    not_squared            mean(y_hat - y): the errors cancel
    absolute_errors        mean(|y_hat - y|)
    sum_not_mean           sum of squared errors
    extra_half             0.5 * mean(...)
    root_mean_square       sqrt(mean(...)) (RMSE)
    divided_by_b_minus_1   sum / (B - 1)
    divided_by_rows        sum / len(y): wrong for (B, M) arrays
    mean_over_axis_0       mean(..., axis=0): an array for (B, M) arrays
least_squares(x, y)
    no_bias_column         least squares on x alone, b = 0
    ones_first_split_last  column of ones first, but b taken from theta[-1]
    bias_as_slice          b = theta[-1:] (an array, not a number)
    lstsq_tuple_returned   returns np.linalg.lstsq's 4-tuple
    one_feature_formula    cov(x, y) / var(x): right for D = 1 only
optimality_gap(x, y, w, b)
    best_not_subtracted    the model's MSE itself
    wrong_sign             best MSE minus the model's MSE
    root_mean_squares      difference of RMSEs
    reference_without_bias the "best" line fitted without a column of ones
"""
from __future__ import annotations

from harness import WrongAnswer
from harness import function_source as _f

UNIT = "02_linear_regression"

# The graded cells that call each answer: a wrong answer may fail these cells and no others.
CELLS_USING = {
    "predict": {"test_predict_example", "test_predict_line"},
    "mse": {"test_mse_values", "test_mse_batch"},
    "least_squares": {"test_least_squares_line", "test_least_squares_features"},
    "optimality_gap": {"test_optimality_gap_example", "test_optimality_gap_properties"},
}
# The points of each graded test cell (the notebook's nbgrader metadata must agree).
POINTS = {"test_predict_example": 1, "test_predict_line": 1,
          "test_mse_values": 1, "test_mse_batch": 1,
          "test_least_squares_line": 2, "test_least_squares_features": 2,
          "test_optimality_gap_example": 1, "test_optimality_gap_properties": 1}
# Cells that guard hidden behaviour (shapes, invariants): no wrong answer below has a
# hint of its own there; test_unit02_exercises.py shows that each catches its mistake.
PROPERTY_CELLS = {"test_predict_line", "test_optimality_gap_properties"}


_LSQ = "least_squares(x, y)"
_GAP = "optimality_gap(x, y, w, b)"

# Correct answers written differently from the solution: each must earn full marks.
ALTERNATIVES = {
    "predict_loops": {"predict": _f(
        "predict(x, w, b)",
        "B, D = x.shape",
        "y_hat = np.zeros(B)",
        "for i in range(B):",
        "    total = b",
        "    for j in range(D):",
        "        total += w[j] * x[i, j]",
        "    y_hat[i] = total",
        "return y_hat")},
    "predict_einsum": {"predict": _f("predict(x, w, b)", "return np.einsum('bd,d->b', x, w) + b")},
    "predict_sum_of_products": {"predict": _f(
        "predict(x, w, b)", "return (x * w).sum(axis=1) + b")},
    "predict_design_matrix": {"predict": _f(
        "predict(x, w, b)", "X1 = np.column_stack([x, np.ones(len(x))])",
        "return X1 @ np.append(w, b)")},
    "mse_loop": {"mse": _f(
        "mse(y_hat, y)",
        "total, count = 0.0, 0",
        "for a, t in zip(np.ravel(y_hat), np.ravel(y)):",
        "    total += (a - t) ** 2",
        "    count += 1",
        "return total / count")},
    "mse_dot_product": {"mse": _f(
        "mse(y_hat, y)", "d = np.ravel(y_hat - y)", "return d @ d / d.size")},
    "mse_numpy_scalar": {"mse": _f("mse(y_hat, y)", "return np.square(y_hat - y).mean()")},
    "least_squares_normal_equations": {"least_squares": _f(
        _LSQ, "X1 = np.hstack([x, np.ones((x.shape[0], 1))])",
        "theta = np.linalg.solve(X1.T @ X1, X1.T @ y)",
        "return theta[:-1], theta[-1]")},
    "least_squares_pinv": {"least_squares": _f(
        _LSQ, "X1 = np.c_[x, np.ones(len(x))]", "theta = np.linalg.pinv(X1) @ y",
        "return theta[:-1], float(theta[-1])")},
    "least_squares_returns_a_list": {"least_squares": _f(
        _LSQ, "X1 = np.column_stack([x, np.ones(len(x))])",
        "theta = np.linalg.solve(X1.T @ X1, X1.T @ y)",
        "return [theta[:-1], theta[-1]]")},
    "least_squares_ones_first": {"least_squares": _f(
        _LSQ, "X1 = np.column_stack([np.ones(len(x)), x])",
        "theta, *_ = np.linalg.lstsq(X1, y, rcond=None)",
        "return theta[1:], theta[0]")},
    "least_squares_centred": {"least_squares": _f(
        _LSQ, "x_mean, y_mean = x.mean(axis=0), y.mean()",
        "w = np.linalg.lstsq(x - x_mean, y - y_mean, rcond=None)[0]",
        "return w, y_mean - x_mean @ w")},
    "optimality_gap_from_own_functions": {"optimality_gap": _f(
        _GAP, "w_best, b_best = least_squares(x, y)",
        "return mse(predict(x, w, b), y) - mse(predict(x, w_best, b_best), y)")},
    "optimality_gap_quadratic_form": {"optimality_gap": _f(
        _GAP, "X1 = np.column_stack([x, np.ones(len(x))])",
        "d = np.append(w, b) - np.linalg.lstsq(X1, y, rcond=None)[0]",
        "return d @ (X1.T @ X1) @ d / len(y)")},
}


WRONG_ANSWERS = [
    # ----------------------------------------------------------------- predict
    WrongAnswer("bias_left_out", "predict", _f("predict(x, w, b)", "return x @ w"),
                "test_predict_example", "bias b was left out"),
    WrongAnswer("bias_subtracted", "predict", _f("predict(x, w, b)", "return x @ w - b"),
                "test_predict_example", "subtracted instead of added"),
    WrongAnswer("bias_added_to_inputs", "predict", _f("predict(x, w, b)", "return (x + b) @ w"),
                "test_predict_example", "added to the inputs before weighting"),
    WrongAnswer("product_not_summed", "predict", _f("predict(x, w, b)", "return x * w + b"),
                "test_predict_example", "x * w (no sum) has shape (B, D)"),
    WrongAnswer("column_output", "predict",
                _f("predict(x, w, b)", "return x @ w.reshape(-1, 1) + b"),
                "test_predict_example", "one prediction per example, shape (B,)"),
    # ----------------------------------------------------------------- mse
    WrongAnswer("not_squared", "mse", _f("mse(y_hat, y)", "return np.mean(y_hat - y)"),
                "test_mse_values", "errors were not squared"),
    WrongAnswer("absolute_errors", "mse", _f("mse(y_hat, y)", "return np.mean(np.abs(y_hat - y))"),
                "test_mse_values", "absolute errors"),
    WrongAnswer("sum_not_mean", "mse", _f("mse(y_hat, y)", "return np.sum((y_hat - y) ** 2)"),
                "test_mse_values", "sum of the squared errors instead of their mean"),
    WrongAnswer("extra_half", "mse", _f("mse(y_hat, y)", "return 0.5 * np.mean((y_hat - y) ** 2)"),
                "test_mse_values", "extra factor 1/2"),
    WrongAnswer("root_mean_square", "mse",
                _f("mse(y_hat, y)", "return np.sqrt(np.mean((y_hat - y) ** 2))"),
                "test_mse_values", "RMSE"),
    WrongAnswer("divided_by_b_minus_1", "mse",
                _f("mse(y_hat, y)", "return np.sum((y_hat - y) ** 2) / (len(y) - 1)"),
                "test_mse_values", "B - 1"),
    WrongAnswer("divided_by_rows", "mse",
                _f("mse(y_hat, y)", "return np.sum((y_hat - y) ** 2) / len(y)"),
                "test_mse_batch", "number of entries"),
    WrongAnswer("mean_over_axis_0", "mse",
                _f("mse(y_hat, y)", "return np.mean((y_hat - y) ** 2, axis=0)"),
                "test_mse_batch", "the shape should be ()"),
    # ----------------------------------------------------------------- least_squares
    WrongAnswer("no_bias_column", "least_squares",
                _f(_LSQ, "w = np.linalg.lstsq(x, y, rcond=None)[0]", "return w, 0.0"),
                "test_least_squares_line", "column of ones is missing"),
    WrongAnswer("ones_first_split_last", "least_squares",
                _f(_LSQ, "X1 = np.column_stack([np.ones(len(x)), x])",
                   "theta = np.linalg.lstsq(X1, y, rcond=None)[0]",
                   "return theta[:-1], theta[-1]"),
                "test_least_squares_line", "w and b are mixed up"),
    WrongAnswer("bias_as_slice", "least_squares",
                _f(_LSQ, "X1 = np.column_stack([x, np.ones(len(x))])",
                   "theta = np.linalg.lstsq(X1, y, rcond=None)[0]",
                   "return theta[:-1], theta[-1:]"),
                "test_least_squares_line", "not a slice"),
    WrongAnswer("lstsq_tuple_returned", "least_squares",
                _f(_LSQ, "X1 = np.column_stack([x, np.ones(len(x))])",
                   "return np.linalg.lstsq(X1, y, rcond=None)"),
                "test_least_squares_line", "must return a pair (w, b)"),
    # full marks on one feature, none on several
    WrongAnswer("one_feature_formula", "least_squares",
                _f(_LSQ, "x1 = x[:, 0]",
                   "w = np.sum((x1 - x1.mean()) * (y - y.mean())) / np.sum((x1 - x1.mean()) ** 2)",
                   "return np.array([w]), float(y.mean() - w * x1.mean())"),
                "test_least_squares_features", "one weight per feature"),
    # ----------------------------------------------------------------- optimality_gap
    WrongAnswer("best_not_subtracted", "optimality_gap",
                _f(_GAP, "return np.mean((x @ w + b - y) ** 2)"),
                "test_optimality_gap_example", "best MSE was not subtracted"),
    WrongAnswer("wrong_sign", "optimality_gap",
                _f(_GAP, "X1 = np.column_stack([x, np.ones(len(x))])",
                   "theta = np.linalg.lstsq(X1, y, rcond=None)[0]",
                   "return np.mean((X1 @ theta - y) ** 2) - np.mean((x @ w + b - y) ** 2)"),
                "test_optimality_gap_example", "wrong sign"),
    WrongAnswer("root_mean_squares", "optimality_gap",
                _f(_GAP, "X1 = np.column_stack([x, np.ones(len(x))])",
                   "theta = np.linalg.lstsq(X1, y, rcond=None)[0]",
                   "rmse_model = np.sqrt(np.mean((x @ w + b - y) ** 2))",
                   "return rmse_model - np.sqrt(np.mean((X1 @ theta - y) ** 2))"),
                "test_optimality_gap_example", "square roots"),
    WrongAnswer("reference_without_bias", "optimality_gap",
                _f(_GAP, "w_best = np.linalg.lstsq(x, y, rcond=None)[0]",
                   "return np.mean((x @ w + b - y) ** 2) - np.mean((x @ w_best - y) ** 2)"),
                "test_optimality_gap_example", "without a column of ones"),
]
