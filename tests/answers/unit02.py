"""Typical wrong answers to unit 02's exercises (linear regression), as a student might write them.

``tests/test_unit02_exercises.py`` runs the solution notebook with each of these
in place of the matching answer cell (see ``tests/harness.py``) and checks that
the named graded test cell fails with a message that teaches: the message must
contain ``keyword``, a piece of the hint written for exactly this mistake.

Each source is a complete cell, as it would stand in the student's notebook.

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
excess_risk(x, y, w, b)
    best_not_subtracted    the model's MSE itself
    wrong_sign             best MSE minus the model's MSE
    root_mean_squares      difference of RMSEs
    reference_without_bias the "best" line fitted without a column of ones
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class WrongAnswer:
    id: str        # short name, used as the pytest id
    function: str  # the answer cell it replaces (the function it defines)
    source: str    # what the student wrote
    cell: str      # grade_id of the test cell that must fail
    keyword: str   # a phrase the failure message must contain (the teaching hint)


def _f(signature: str, *body: str) -> str:
    return f"def {signature}:\n" + "".join(f"    {line}\n" for line in body)


_LSQ = "least_squares(x, y)"
_EXCESS = "excess_risk(x, y, w, b)"

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
    # ----------------------------------------------------------------- excess_risk
    WrongAnswer("best_not_subtracted", "excess_risk",
                _f(_EXCESS, "return np.mean((x @ w + b - y) ** 2)"),
                "test_excess_risk_example", "best MSE was not subtracted"),
    WrongAnswer("wrong_sign", "excess_risk",
                _f(_EXCESS, "X1 = np.column_stack([x, np.ones(len(x))])",
                   "theta = np.linalg.lstsq(X1, y, rcond=None)[0]",
                   "return np.mean((X1 @ theta - y) ** 2) - np.mean((x @ w + b - y) ** 2)"),
                "test_excess_risk_example", "wrong sign"),
    WrongAnswer("root_mean_squares", "excess_risk",
                _f(_EXCESS, "X1 = np.column_stack([x, np.ones(len(x))])",
                   "theta = np.linalg.lstsq(X1, y, rcond=None)[0]",
                   "rmse_model = np.sqrt(np.mean((x @ w + b - y) ** 2))",
                   "return rmse_model - np.sqrt(np.mean((X1 @ theta - y) ** 2))"),
                "test_excess_risk_example", "square roots"),
    WrongAnswer("reference_without_bias", "excess_risk",
                _f(_EXCESS, "w_best = np.linalg.lstsq(x, y, rcond=None)[0]",
                   "return np.mean((x @ w + b - y) ** 2) - np.mean((x @ w_best - y) ** 2)"),
                "test_excess_risk_example", "without a column of ones"),
]
