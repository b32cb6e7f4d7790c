"""Answer fixtures for unit 02's exercises (linear regression).

What each name means, and how the fixtures are used: ``tests/units/answers/__init__.py``.

The wrong answers, by exercise:

predict(x, w, b)
    bias_left_out          x @ w (no bias)
    bias_subtracted        x @ w - b
    bias_added_to_inputs   (x + b) @ w
    product_not_summed     x * w + b (shape (B, D) instead of (B,))
    column_output          x @ w.reshape(-1, 1) + b (shape (B, 1))
    weights_in_place       x *= w, then a row sum: the caller's x is changed
    library_layer          mlpkit.nn.Linear with w and b copied in
mse(y_hat, y)
    not_squared            mean(y_hat - y): the residuals cancel
    absolute_errors        mean(|y_hat - y|)
    sum_not_mean           sum of squared residuals
    extra_half             0.5 * mean(...)
    root_mean_square       sqrt(mean(...)) (RMSE)
    divided_by_b_minus_1   sum / (B - 1)
    divided_by_rows        sum / len(y): wrong for (B, M) arrays
    mean_over_axis_0       mean(..., axis=0): an array for (B, M) arrays
    residuals_in_place     y_hat -= y: the caller's y_hat is changed
    library_mse_loss       mlpkit.functional.mse_loss
    library_mse_class      mlpkit.losses.MSELoss
least_squares(x, y)
    no_bias_column         least squares on x alone, b = 0
    ones_first_split_last  column of ones first, but b taken from theta[-1]
    bias_as_slice          b = theta[-1:] (an array, not a number)
    lstsq_tuple_returned   returns np.linalg.lstsq's 4-tuple
    one_feature_formula    cov(x, y) / var(x): right for D = 1 only
    inverse_of_normal_matrix  inv(X1^T X1) @ X1^T y (np.linalg.inv imported by name, in the function)
    pseudo_inverse         np.linalg.pinv(X1) @ y
    centred_in_place       x -= x.mean(axis=0): the caller's x is changed
    solve_on_design_matrix np.linalg.solve(X1, y): X1 is not square
optimality_gap(x, y, w, b)
    best_not_subtracted    the model's MSE itself
    wrong_sign             best MSE minus the model's MSE
    root_mean_squares      difference of RMSEs
    reference_without_bias the "best" line fitted without a column of ones
    sums_not_means         sums of squared residuals instead of means
least_squares_streaming(chunks)
    chunk_solutions_averaged   the mean of the chunks' own least-squares solutions (lstsq)
    chunk_solutions_weighted   the same, weighted by the chunk sizes
    chunk_solutions_solved     each chunk solved with np.linalg.solve: singular for a chunk of one
    sums_replaced              A = ..., c = ... instead of adding: the last chunk only
    gram_replaced              c summed, but A taken from the last chunk only
    stream_without_ones        the sums without the column of ones, b = 0
    chunk_means                each chunk's sums divided by its size B_k
    first_chunk_peeked         next(iter(chunks)) to learn D: a generator loses its first chunk
    two_passes                 means in a first loop, centred sums in a second, which a generator leaves empty
    stream_inverse             np.linalg.inv(A) @ c
    sums_sized_for_one_feature the sums created as 2 x 2 and (2,): right for D = 1 only
    chunks_kept                list(chunks), stacked, then least squares: the right answer, all data kept
    growing_array              np.vstack of every chunk onto one array: the right answer, all data kept
"""
from __future__ import annotations

from harness import WrongAnswer
from harness import function_source as _f

UNIT = "02_linear_regression"

# The graded cells that call each answer: a wrong answer may fail these cells and no others.
CELLS_USING = {
    "predict": {"test_predict"},
    "mse": {"test_mse"},
    "least_squares": {"test_least_squares_line", "test_least_squares_features"},
    "optimality_gap": {"test_optimality_gap_example", "test_optimality_gap_properties"},
    "least_squares_streaming": {"test_least_squares_streaming", "test_least_squares_streaming_memory"},
}
# The points of each graded test cell (the notebook's nbgrader metadata must agree).
POINTS = {"test_predict": 1, "test_mse": 1,
          "test_least_squares_line": 2, "test_least_squares_features": 2,
          "test_optimality_gap_example": 1, "test_optimality_gap_properties": 1,
          "test_least_squares_streaming": 1, "test_least_squares_streaming_memory": 1}
# Cells that guard hidden behaviour (shapes, invariants): no wrong answer below has a
# hint of its own there; test_unit02_exercises.py shows that each catches its mistake.
PROPERTY_CELLS = {"test_optimality_gap_properties"}


_PREDICT = "predict(x, w, b)"
_MSE = "mse(y_hat, y)"
_LSQ = "least_squares(x, y)"
_GAP = "optimality_gap(x, y, w, b)"
_STREAM = "least_squares_streaming(chunks)"
_DESIGN = "X1 = np.column_stack([x, np.ones(len(x))])"

# Correct answers written differently from the solution: each must earn full marks.
ALTERNATIVES = {
    # ----------------------------------------------------------------- predict
    "predict_loops": {"predict": _f(
        _PREDICT,
        "B, D = x.shape",
        "y_hat = np.zeros(B)",
        "for i in range(B):",
        "    total = b",
        "    for j in range(D):",
        "        total += w[j] * x[i, j]",
        "    y_hat[i] = total",
        "return y_hat")},
    "predict_einsum": {"predict": _f(_PREDICT, "return np.einsum('bd,d->b', x, w) + b")},
    "predict_sum_of_products": {"predict": _f(_PREDICT, "return (x * w).sum(axis=1) + b")},
    "predict_design_matrix": {"predict": _f(_PREDICT, _DESIGN, "return X1 @ np.append(w, b)")},
    "predict_dot": {"predict": _f(_PREDICT, "return np.dot(x, w) + b")},
    # ----------------------------------------------------------------- mse
    "mse_loop": {"mse": _f(
        _MSE,
        "total, count = 0.0, 0",
        "for a, t in zip(np.ravel(y_hat), np.ravel(y)):",
        "    total += (a - t) ** 2",
        "    count += 1",
        "return total / count")},
    "mse_dot_product": {"mse": _f(_MSE, "d = np.ravel(y_hat - y)", "return d @ d / d.size")},
    "mse_numpy_scalar": {"mse": _f(_MSE, "return np.square(y_hat - y).mean()")},   # float32 stays float32
    "mse_zero_d_array": {"mse": _f(_MSE, "return np.asarray(np.mean((y - y_hat) ** 2))")},
    # ----------------------------------------------------------------- least_squares
    "least_squares_normal_equations": {"least_squares": _f(
        _LSQ, "X1 = np.hstack([x, np.ones((x.shape[0], 1))])",
        "theta = np.linalg.solve(X1.T @ X1, X1.T @ y)",
        "return theta[:-1], theta[-1]")},
    # float32 data stays float32, even in the normal equations (their rounding is squared)
    "least_squares_normal_equations_in_float32": {"least_squares": _f(
        _LSQ, "X1 = np.column_stack([x, np.ones(len(x), dtype=x.dtype)])",
        "theta = np.linalg.solve(X1.T @ X1, X1.T @ y)",
        "return theta[:-1], theta[-1]")},
    "least_squares_returns_a_list": {"least_squares": _f(
        _LSQ, _DESIGN,
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
    "least_squares_qr": {"least_squares": _f(
        _LSQ, _DESIGN, "Q, R = np.linalg.qr(X1)", "theta = np.linalg.solve(R, Q.T @ y)",
        "return theta[:-1], float(theta[-1])")},
    "least_squares_cholesky": {"least_squares": _f(
        _LSQ, _DESIGN, "L = np.linalg.cholesky(X1.T @ X1)",
        "theta = np.linalg.solve(L.T, np.linalg.solve(L, X1.T @ y))",
        "return theta[:-1], theta[-1]")},
    "least_squares_scipy": {"least_squares": "import scipy.linalg\n\n" + _f(
        _LSQ, _DESIGN, "theta = scipy.linalg.lstsq(X1, y)[0]", "return theta[:-1], theta[-1]")},
    # ----------------------------------------------------------------- optimality_gap
    "optimality_gap_from_own_functions": {"optimality_gap": _f(
        _GAP, "w_best, b_best = least_squares(x, y)",
        "return mse(predict(x, w, b), y) - mse(predict(x, w_best, b_best), y)")},
    "optimality_gap_quadratic_form": {"optimality_gap": _f(
        _GAP, _DESIGN,
        "d = np.append(w, b) - np.linalg.lstsq(X1, y, rcond=None)[0]",
        "return d @ (X1.T @ X1) @ d / len(y)")},
    "optimality_gap_normal_equations_in_dtype": {"optimality_gap": _f(
        _GAP, "X1 = np.column_stack([x, np.ones(len(x), dtype=x.dtype)])",
        "theta = np.linalg.solve(X1.T @ X1, X1.T @ y)",
        "e_model = x @ w + b - y",
        "e_best = X1 @ theta - y",
        "return np.mean(e_model ** 2) - np.mean(e_best ** 2)")},
    # ----------------------------------------------------------------- least_squares_streaming
    "streaming_lstsq_on_the_sums": {"least_squares_streaming": _f(
        _STREAM, "A, c = 0, 0",
        "for x, y in chunks:",
        "    X1 = np.column_stack([x, np.ones(len(x))])",
        "    A, c = A + X1.T @ X1, c + X1.T @ y",
        "theta = np.linalg.lstsq(A, c, rcond=None)[0]",
        "return theta[:-1], theta[-1]")},
    "streaming_created_at_the_first_chunk": {"least_squares_streaming": _f(
        _STREAM, "A = c = None",
        "for chunk in chunks:",
        "    x, y = chunk",
        "    X1 = np.hstack([x, np.ones((x.shape[0], 1))])",
        "    if A is None:",
        "        A = np.zeros((X1.shape[1], X1.shape[1]))",
        "        c = np.zeros(X1.shape[1])",
        "    A += X1.T @ X1",
        "    c += X1.T @ y",
        "theta = np.linalg.solve(A, c)",
        "return theta[:-1], float(theta[-1])")},
    "streaming_row_by_row": {"least_squares_streaming": _f(
        _STREAM, "A, c = 0.0, 0.0",
        "for x, y in chunks:",
        "    for x_i, y_i in zip(x, y):",
        "        x1 = np.append(x_i, 1.0)",
        "        A = A + np.outer(x1, x1)",
        "        c = c + x1 * y_i",
        "theta = np.linalg.solve(A, c)",
        "return theta[:-1], theta[-1]")},
    "streaming_centred_from_sums": {"least_squares_streaming": _f(
        _STREAM, "n, sx, sy, sxx, sxy = 0, 0.0, 0.0, 0.0, 0.0",
        "for x, y in chunks:",
        "    n += len(x)",
        "    sx, sy = sx + x.sum(axis=0), sy + y.sum()",
        "    sxx, sxy = sxx + x.T @ x, sxy + x.T @ y",
        "x_mean, y_mean = sx / n, sy / n",
        "w = np.linalg.solve(sxx - n * np.outer(x_mean, x_mean), sxy - n * x_mean * y_mean)",
        "return w, y_mean - x_mean @ w")},
    "streaming_ones_first_einsum_list": {"least_squares_streaming": _f(
        _STREAM, "A, c = 0, 0",
        "for x, y in chunks:",
        "    X1 = np.column_stack([np.ones(len(x)), x])",
        "    A = A + np.einsum('bi,bj->ij', X1, X1)",
        "    c = c + np.einsum('bi,b->i', X1, y)",
        "theta = np.linalg.solve(A, c)",
        "return [theta[1:], theta[0]]")},
    # running means instead of sums (dividing both sides by N changes nothing), kept in the data's dtype
    "streaming_running_means_in_dtype": {"least_squares_streaming": _f(
        _STREAM, "n, M, m = 0, 0, 0",
        "for x, y in chunks:",
        "    X1 = np.column_stack([x, np.ones(len(x), dtype=x.dtype)])",
        "    n += len(x)",
        "    M = M + (X1.T @ X1 - len(x) * M) / n",
        "    m = m + (X1.T @ y - len(x) * m) / n",
        "theta = np.linalg.solve(M, m)",
        "return theta[:-1], theta[-1]")},
    "streaming_cholesky": {"least_squares_streaming": _f(
        _STREAM, "A, c = 0.0, 0.0",
        "for x, y in chunks:",
        "    X1 = np.column_stack([x, np.ones(len(x))])",
        "    A += X1.T @ X1",
        "    c += X1.T @ y",
        "L = np.linalg.cholesky(A)",
        "theta = np.linalg.solve(L.T, np.linalg.solve(L, c))",
        "return theta[:-1], theta[-1]")},
}


def _stream(*loop, solve="theta = np.linalg.solve(A, c)", start="A, c = 0.0, 0.0"):
    """A streaming answer: ``start``, a loop over the chunks with body ``loop``, ``solve``, split theta."""
    return _f(_STREAM, start, "for x, y in chunks:", *(f"    {line}" for line in loop), solve,
              "return theta[:-1], float(theta[-1])")


_CHUNK_DESIGN = "X1 = np.column_stack([x, np.ones(len(x))])"

WRONG_ANSWERS = [
    # ----------------------------------------------------------------- predict
    WrongAnswer("bias_left_out", "predict", _f(_PREDICT, "return x @ w"),
                "test_predict", "bias b was left out"),
    WrongAnswer("bias_subtracted", "predict", _f(_PREDICT, "return x @ w - b"),
                "test_predict", "subtracted instead of added"),
    WrongAnswer("bias_added_to_inputs", "predict", _f(_PREDICT, "return (x + b) @ w"),
                "test_predict", "added to the inputs before weighting"),
    WrongAnswer("product_not_summed", "predict", _f(_PREDICT, "return x * w + b"),
                "test_predict", "x * w (no sum) has shape (B, D)"),
    WrongAnswer("column_output", "predict", _f(_PREDICT, "return x @ w.reshape(-1, 1) + b"),
                "test_predict", "one prediction per example, shape (B,)"),
    WrongAnswer("weights_in_place", "predict", _f(_PREDICT, "x *= w", "return x.sum(axis=1) + b"),
                "test_predict", "`predict` modified its input `x` in place"),
    WrongAnswer("library_layer", "predict",
                _f(_PREDICT, "layer = mlpkit.nn.Linear(x.shape[1], 1, dtype=np.float64)",
                   "layer.weight.data[...] = w", "layer.bias.data[...] = b", "return layer(x)[:, 0]"),
                "test_predict", "your code called mlpkit.nn.Linear"),
    # ----------------------------------------------------------------- mse
    WrongAnswer("not_squared", "mse", _f(_MSE, "return np.mean(y_hat - y)"),
                "test_mse", "residuals were not squared"),
    WrongAnswer("absolute_errors", "mse", _f(_MSE, "return np.mean(np.abs(y_hat - y))"),
                "test_mse", "absolute residuals"),
    WrongAnswer("sum_not_mean", "mse", _f(_MSE, "return np.sum((y_hat - y) ** 2)"),
                "test_mse", "sum of the squared residuals instead of their mean"),
    WrongAnswer("extra_half", "mse", _f(_MSE, "return 0.5 * np.mean((y_hat - y) ** 2)"),
                "test_mse", "extra factor 1/2"),
    WrongAnswer("root_mean_square", "mse", _f(_MSE, "return np.sqrt(np.mean((y_hat - y) ** 2))"),
                "test_mse", "RMSE"),
    WrongAnswer("divided_by_b_minus_1", "mse",
                _f(_MSE, "return np.sum((y_hat - y) ** 2) / (len(y) - 1)"),
                "test_mse", "B - 1"),
    WrongAnswer("divided_by_rows", "mse", _f(_MSE, "return np.sum((y_hat - y) ** 2) / len(y)"),
                "test_mse", "number of entries"),
    WrongAnswer("mean_over_axis_0", "mse", _f(_MSE, "return np.mean((y_hat - y) ** 2, axis=0)"),
                "test_mse", "the shape should be ()"),
    WrongAnswer("residuals_in_place", "mse",
                _f(_MSE, "y_hat -= y", "return float(np.mean(y_hat ** 2))"),
                "test_mse", "`mse` modified its input `y_hat` in place"),
    WrongAnswer("library_mse_loss", "mse", _f(_MSE, "return mlpkit.functional.mse_loss(y_hat, y)[0]"),
                "test_mse", "your code called mlpkit.functional.mse_loss"),
    WrongAnswer("library_mse_class", "mse", _f(_MSE, "return mlpkit.losses.MSELoss()(y_hat, y)"),
                "test_mse", "your code called mlpkit.losses.MSELoss"),
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
                _f(_LSQ, _DESIGN, "theta = np.linalg.lstsq(X1, y, rcond=None)[0]",
                   "return theta[:-1], theta[-1:]"),
                "test_least_squares_line", "not a slice"),
    WrongAnswer("lstsq_tuple_returned", "least_squares",
                _f(_LSQ, _DESIGN, "return np.linalg.lstsq(X1, y, rcond=None)"),
                "test_least_squares_line", "must return a pair (w, b)"),
    # full marks on one feature, none on several
    WrongAnswer("one_feature_formula", "least_squares",
                _f(_LSQ, "x1 = x[:, 0]",
                   "w = np.sum((x1 - x1.mean()) * (y - y.mean())) / np.sum((x1 - x1.mean()) ** 2)",
                   "return np.array([w]), float(y.mean() - w * x1.mean())"),
                "test_least_squares_features", "one weight per feature"),
    WrongAnswer("inverse_of_normal_matrix", "least_squares",
                _f(_LSQ, "from numpy.linalg import inv", _DESIGN,
                   "theta = inv(X1.T @ X1) @ X1.T @ y", "return theta[:-1], theta[-1]"),
                "test_least_squares_line", "your code called numpy.linalg.inv: solve the normal equations"),
    WrongAnswer("pseudo_inverse", "least_squares",
                _f(_LSQ, "X1 = np.c_[x, np.ones(len(x))]", "theta = np.linalg.pinv(X1) @ y",
                   "return theta[:-1], float(theta[-1])"),
                "test_least_squares_features", "your code called numpy.linalg.pinv"),
    WrongAnswer("centred_in_place", "least_squares",
                _f(_LSQ, "x_mean, y_mean = x.mean(axis=0), y.mean()", "x -= x_mean", "y -= y_mean",
                   "w = np.linalg.lstsq(x, y, rcond=None)[0]", "return w, y_mean - x_mean @ w"),
                "test_least_squares_line", "`least_squares` modified its input `x` in place"),
    WrongAnswer("solve_on_design_matrix", "least_squares",
                _f(_LSQ, _DESIGN, "theta = np.linalg.solve(X1, y)", "return theta[:-1], theta[-1]"),
                "test_least_squares_line", "np.linalg.solve needs a square system"),
    # ----------------------------------------------------------------- optimality_gap
    WrongAnswer("best_not_subtracted", "optimality_gap",
                _f(_GAP, "return np.mean((x @ w + b - y) ** 2)"),
                "test_optimality_gap_example", "best MSE was not subtracted"),
    WrongAnswer("wrong_sign", "optimality_gap",
                _f(_GAP, _DESIGN, "theta = np.linalg.lstsq(X1, y, rcond=None)[0]",
                   "return np.mean((X1 @ theta - y) ** 2) - np.mean((x @ w + b - y) ** 2)"),
                "test_optimality_gap_example", "wrong sign"),
    WrongAnswer("root_mean_squares", "optimality_gap",
                _f(_GAP, _DESIGN, "theta = np.linalg.lstsq(X1, y, rcond=None)[0]",
                   "rmse_model = np.sqrt(np.mean((x @ w + b - y) ** 2))",
                   "return rmse_model - np.sqrt(np.mean((X1 @ theta - y) ** 2))"),
                "test_optimality_gap_example", "square roots"),
    WrongAnswer("reference_without_bias", "optimality_gap",
                _f(_GAP, "w_best = np.linalg.lstsq(x, y, rcond=None)[0]",
                   "return np.mean((x @ w + b - y) ** 2) - np.mean((x @ w_best - y) ** 2)"),
                "test_optimality_gap_example", "without a column of ones"),
    WrongAnswer("sums_not_means", "optimality_gap",
                _f(_GAP, _DESIGN, "theta = np.linalg.lstsq(X1, y, rcond=None)[0]",
                   "return np.sum((x @ w + b - y) ** 2) - np.sum((X1 @ theta - y) ** 2)"),
                "test_optimality_gap_example", "sums of squared residuals, not their means"),
    # ----------------------------------------------------------------- least_squares_streaming
    WrongAnswer("chunk_solutions_averaged", "least_squares_streaming",
                _f(_STREAM, "solutions = []",
                   "for x, y in chunks:",
                   "    X1 = np.column_stack([x, np.ones(len(x))])",
                   "    solutions.append(np.linalg.lstsq(X1, y, rcond=None)[0])",
                   "theta = np.mean(solutions, axis=0)",
                   "return theta[:-1], theta[-1]"),
                "test_least_squares_streaming", "you averaged the least-squares solutions of the chunks"),
    WrongAnswer("chunk_solutions_weighted", "least_squares_streaming",
                _f(_STREAM, "total, n = 0.0, 0",
                   "for x, y in chunks:",
                   "    X1 = np.column_stack([x, np.ones(len(x))])",
                   "    total = total + len(x) * np.linalg.lstsq(X1, y, rcond=None)[0]",
                   "    n += len(x)",
                   "theta = total / n",
                   "return theta[:-1], theta[-1]"),
                "test_least_squares_streaming", "weighted by their sizes"),
    WrongAnswer("chunk_solutions_solved", "least_squares_streaming",
                _f(_STREAM, "solutions = []",
                   "for x, y in chunks:",
                   "    X1 = np.column_stack([x, np.ones(len(x))])",
                   "    solutions.append(np.linalg.solve(X1.T @ X1, X1.T @ y))",
                   "theta = np.mean(solutions, axis=0)",
                   "return theta[:-1], theta[-1]"),
                "test_least_squares_streaming", "No chunk alone determines the fit"),
    WrongAnswer("sums_replaced", "least_squares_streaming",
                _stream(_CHUNK_DESIGN, "A = X1.T @ X1", "c = X1.T @ y"),
                "test_least_squares_streaming", "only the last chunk counted"),
    WrongAnswer("gram_replaced", "least_squares_streaming",
                _stream(_CHUNK_DESIGN, "A = X1.T @ X1", "c = c + X1.T @ y"),
                "test_least_squares_streaming", "X1^T X1 comes from the last chunk only"),
    WrongAnswer("stream_without_ones", "least_squares_streaming",
                _f(_STREAM, "A, c = 0.0, 0.0",
                   "for x, y in chunks:",
                   "    A = A + x.T @ x",
                   "    c = c + x.T @ y",
                   "return np.linalg.solve(A, c), 0.0"),
                "test_least_squares_streaming", "column of ones is missing"),
    WrongAnswer("chunk_means", "least_squares_streaming",
                _stream(_CHUNK_DESIGN, "A = A + X1.T @ X1 / len(x)", "c = c + X1.T @ y / len(x)"),
                "test_least_squares_streaming", "divided by its size B_k"),
    WrongAnswer("first_chunk_peeked", "least_squares_streaming",
                _f(_STREAM, "x0, _ = next(iter(chunks))",
                   "D = x0.shape[1]",
                   "A, c = np.zeros((D + 1, D + 1)), np.zeros(D + 1)",
                   "for x, y in chunks:",
                   "    X1 = np.column_stack([x, np.ones(len(x))])",
                   "    A += X1.T @ X1",
                   "    c += X1.T @ y",
                   "theta = np.linalg.solve(A, c)",
                   "return theta[:-1], theta[-1]"),
                "test_least_squares_streaming", "the first chunk was left out"),
    WrongAnswer("two_passes", "least_squares_streaming",
                _f(_STREAM, "n, sx, sy = 0, 0.0, 0.0",
                   "for x, y in chunks:",
                   "    n += len(x)",
                   "    sx, sy = sx + x.sum(axis=0), sy + y.sum()",
                   "x_mean, y_mean = sx / n, sy / n",
                   "Sxx, Sxy = np.zeros((len(x_mean), len(x_mean))), np.zeros(len(x_mean))",
                   "for x, y in chunks:",
                   "    xc = x - x_mean",
                   "    Sxx += xc.T @ xc",
                   "    Sxy += xc.T @ (y - y_mean)",
                   "w = np.linalg.solve(Sxx, Sxy)",
                   "return w, float(y_mean - x_mean @ w)"),
                "test_least_squares_streaming", "a generator is read only once"),
    WrongAnswer("stream_inverse", "least_squares_streaming",
                _stream(_CHUNK_DESIGN, "A = A + X1.T @ X1", "c = c + X1.T @ y",
                        solve="theta = np.linalg.inv(A) @ c"),
                "test_least_squares_streaming", "your code called numpy.linalg.inv"),
    # right for the visible line (D = 1), a broadcasting error on the plane (D = 2)
    WrongAnswer("sums_sized_for_one_feature", "least_squares_streaming",
                _stream(_CHUNK_DESIGN, "A += X1.T @ X1", "c += X1.T @ y",
                        start="A, c = np.zeros((2, 2)), np.zeros(2)"),
                "test_least_squares_streaming", "you learn D from the first chunk"),
    # the right answer, but every chunk is kept: only the memory cell fails
    WrongAnswer("chunks_kept", "least_squares_streaming",
                _f(_STREAM, "chunks = list(chunks)",
                   "x = np.concatenate([x_k for x_k, _ in chunks])",
                   "y = np.concatenate([y_k for _, y_k in chunks])",
                   _DESIGN,
                   "theta = np.linalg.lstsq(X1, y, rcond=None)[0]",
                   "return theta[:-1], theta[-1]"),
                "test_least_squares_streaming_memory", "least_squares_streaming kept the chunks"),
    WrongAnswer("growing_array", "least_squares_streaming",
                _f(_STREAM, "data = None",
                   "for x, y in chunks:",
                   "    rows = np.column_stack([x, np.ones(len(x)), y])",
                   "    data = rows if data is None else np.vstack([data, rows])",
                   "theta = np.linalg.lstsq(data[:, :-1], data[:, -1], rcond=None)[0]",
                   "return theta[:-1], theta[-1]"),
                "test_least_squares_streaming_memory", "it kept (a copy of) the data"),
]
