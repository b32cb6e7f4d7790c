"""Answer fixtures for unit 01's exercises (the artificial neuron).

What each name means, and how the fixtures are used: ``tests/units/answers/__init__.py``.

The wrong answers, by exercise:

neuron_output(x, w, b, phi)
    bias_left_out          phi(x @ w)
    bias_subtracted        phi(x @ w - b)
    bias_added_to_inputs   phi((x + b) @ w)
    w_at_x                 phi(w @ x + b)
    product_not_summed     phi(x * w + b) (shape (B, D) instead of (B,))
    column_output          phi(x @ w.reshape(-1, 1) + b) (shape (B, 1))
    phi_before_bias        phi(x @ w) + b
    phi_not_applied        x @ w + b
    first_example_only     the first example only, shape (1,)
    mutates_x              x *= w, then a sum: right values, the caller's x changed
sigmoid(z)
    naive_sigmoid_overflows    1 / (1 + exp(-z)): overflows for large negative z
    np_where_still_overflows   np.where(z >= 0, A, B) computes both branches
    math_exp_loop_overflows    math.exp in a loop: OverflowError
    sigmoid_sign_flipped       1 / (1 + exp(z))
    sigmoid_no_reciprocal      1 + exp(-z)
    sigmoid_is_tanh            tanh(z)
sigmoid_grad(z)
    grad_is_sigmoid                sigmoid(z)
    grad_one_minus_sigmoid         1 - sigmoid(z)
    grad_z_not_sigmoid             z * (1 - z)
    grad_sign_flipped              s * (s - 1)
    grad_tanh_rule                 1 - sigmoid(z) ** 2
    grad_exp_formula_nan_in_tails  e / (1 + e) ** 2 with e = exp(-z): inf / inf = nan
relu(z)
    relu_abs                   |z|
    relu_min                   min(z, 0)
    relu_in_place              z[z < 0] = 0 (changes the caller's array)
    relu_returns_slope         (z > 0) as floats: the slope, not the function
relu_grad(z)
    relu_grad_sign             sign(z)
    relu_grad_negative_side_z  1 for z > 0, else z
    relu_grad_is_relu          max(z, 0)
    relu_grad_swapped          (z < 0) as floats
    relu_grad_half_at_zero     0.5 at z = 0, not the course's convention
leaky_relu(z, alpha=0.01)
    leaky_alpha_on_positive_side  alpha * z for z > 0, z otherwise
    leaky_no_leak                 max(z, 0)
    leaky_alpha_ignored           0.01 hard-coded
leaky_relu_grad(z, alpha=0.01)
    leaky_grad_alpha_times_z   alpha * z for z <= 0: the function, not its slope
    leaky_grad_zero_slope      0 for z <= 0
    leaky_grad_swapped         alpha for z > 0, 1 otherwise
classify(x, w, b)
    classify_bias_left_out        x @ w > 0
    classify_threshold_half_on_z  z > 0.5
    classify_sides_swapped        z < 0
    classify_sigmoid_above_zero   sigmoid(z) > 0: always true
    classify_sign                 sign(z): -1 and 1
    classify_returns_z            z itself
    classify_only_two_features    uses x[:, 0] and x[:, 1] only: right for D = 2
    classify_column               x @ w.reshape(-1, 1) + b > 0 (shape (B, 1))
"""
from __future__ import annotations

from harness import WrongAnswer
from harness import function_source as _f

UNIT = "01_neuron"

# The graded cells that call each answer (directly or through another answer):
# a wrong answer may fail these cells and no others.
CELLS_USING = {
    "neuron_output": {"test_neuron_output_example", "test_neuron_output_batch"},
    "sigmoid": {"test_sigmoid_values", "test_sigmoid_stable", "test_sigmoid_grad"},
    "sigmoid_grad": {"test_sigmoid_grad"},
    "relu": {"test_relu"},
    "relu_grad": {"test_relu_grad"},
    "leaky_relu": {"test_leaky_relu"},
    "leaky_relu_grad": {"test_leaky_relu"},
    "classify": {"test_classify_example", "test_classify_batch"},
}
# The points of each graded test cell (the notebook's nbgrader metadata must agree).
POINTS = {"test_neuron_output_example": 1, "test_neuron_output_batch": 1,
          "test_sigmoid_values": 1, "test_sigmoid_stable": 1, "test_sigmoid_grad": 1,
          "test_relu": 1, "test_relu_grad": 1, "test_leaky_relu": 1,
          "test_classify_example": 1, "test_classify_batch": 1}

# Correct answers written differently from the solution: each must earn full marks.
ALTERNATIVES = {
    "neuron_output_loops": {"neuron_output": _f(
        "neuron_output(x, w, b, phi)",
        "B, D = x.shape",
        "z = np.zeros(B)",
        "for i in range(B):",
        "    total = b",
        "    for j in range(D):",
        "        total += w[j] * x[i, j]",
        "    z[i] = total",
        "return phi(z)")},
    "neuron_output_einsum": {"neuron_output": _f(
        "neuron_output(x, w, b, phi)", "return phi(np.einsum('bd,d->b', x, w) + b)")},
    "neuron_output_sum_of_products": {"neuron_output": _f(
        "neuron_output(x, w, b, phi)", "return phi((x * w).sum(axis=1) + b)")},
    "sigmoid_via_tanh": {"sigmoid": _f(
        "sigmoid(z)", "return 0.5 * (1.0 + np.tanh(0.5 * z))")},
    "sigmoid_clipped": {"sigmoid": _f(
        "sigmoid(z)", "return 1.0 / (1.0 + np.exp(-np.clip(z, -500, 500)))")},
    "sigmoid_masks": {"sigmoid": _f(
        "sigmoid(z)",
        "z = np.asarray(z, dtype=float)",
        "out = np.empty_like(z)",
        "pos = z >= 0",
        "out[pos] = 1.0 / (1.0 + np.exp(-z[pos]))",
        "e = np.exp(z[~pos])",
        "out[~pos] = e / (1.0 + e)",
        "return out")},
    "sigmoid_math_loop": {"sigmoid": "import math\n\n" + _f(
        "sigmoid(z)",
        "z = np.asarray(z, dtype=float)",
        "out = np.empty_like(z)",
        "for index, value in np.ndenumerate(z):",
        "    if value >= 0:",
        "        out[index] = 1.0 / (1.0 + math.exp(-value))",
        "    else:",
        "        e = math.exp(value)",
        "        out[index] = e / (1.0 + e)",
        "return out")},
    "sigmoid_grad_symmetric_formula": {"sigmoid_grad": _f(
        "sigmoid_grad(z)", "e = np.exp(-np.abs(z))", "return e / (1.0 + e) ** 2")},
    "sigmoid_grad_product": {"sigmoid_grad": _f(
        "sigmoid_grad(z)", "return sigmoid(z) * sigmoid(-z)")},
    "relu_multiply_by_mask": {"relu": _f("relu(z)", "return z * (z > 0)")},
    "relu_clip": {"relu": _f("relu(z)", "return np.clip(z, 0, None)")},
    "relu_loop": {"relu": _f(
        "relu(z)",
        "out = np.array(z, dtype=float)",
        "for index, value in np.ndenumerate(out):",
        "    if value < 0:",
        "        out[index] = 0.0",
        "return out")},
    "relu_grad_one_at_zero": {"relu_grad": _f(
        "relu_grad(z)", "return (z >= 0).astype(float)")},
    "relu_grad_boolean": {"relu_grad": _f("relu_grad(z)", "return z > 0")},
    "relu_grad_heaviside": {"relu_grad": _f("relu_grad(z)", "return np.heaviside(z, 0.0)")},
    "leaky_maximum": {"leaky_relu": _f(
        "leaky_relu(z, alpha=0.01)", "return np.maximum(z, alpha * z)")},
    "leaky_slope_times_z": {"leaky_relu": _f(
        "leaky_relu(z, alpha=0.01)", "return np.where(z > 0, 1.0, alpha) * z")},
    "leaky_grad_one_at_zero": {"leaky_relu_grad": _f(
        "leaky_relu_grad(z, alpha=0.01)", "return np.where(z >= 0, 1.0, alpha)")},
    "leaky_grad_masks": {"leaky_relu_grad": _f(
        "leaky_relu_grad(z, alpha=0.01)", "return (z > 0) + alpha * (z <= 0)")},
    "classify_via_sigmoid": {"classify": _f(
        "classify(x, w, b)", "return (sigmoid(x @ w + b) > 0.5).astype(int)")},
    "classify_boolean": {"classify": _f("classify(x, w, b)", "return x @ w > -b")},
    "classify_loop": {"classify": _f(
        "classify(x, w, b)",
        "labels = []",
        "for row in x:",
        "    z = sum(w_j * x_j for w_j, x_j in zip(w, row)) + b",
        "    labels.append(1 if z > 0 else 0)",
        "return np.array(labels)")},
}


WRONG_ANSWERS = [
    # ----------------------------------------------------------------- neuron_output
    WrongAnswer("bias_left_out", "neuron_output",
                _f("neuron_output(x, w, b, phi)", "return phi(x @ w)"),
                "test_neuron_output_example", "bias b was left out"),
    WrongAnswer("bias_subtracted", "neuron_output",
                _f("neuron_output(x, w, b, phi)", "return phi(x @ w - b)"),
                "test_neuron_output_example", "subtracted instead of added"),
    WrongAnswer("bias_added_to_inputs", "neuron_output",
                _f("neuron_output(x, w, b, phi)", "return phi((x + b) @ w)"),
                "test_neuron_output_example", "added to the inputs before weighting"),
    WrongAnswer("w_at_x", "neuron_output",
                _f("neuron_output(x, w, b, phi)", "return phi(w @ x + b)"),
                "test_neuron_output_example", "x @ w gives one number per example"),
    WrongAnswer("product_not_summed", "neuron_output",
                _f("neuron_output(x, w, b, phi)", "return phi(x * w + b)"),
                "test_neuron_output_example", "the shape should be (1,)"),
    WrongAnswer("column_output", "neuron_output",
                _f("neuron_output(x, w, b, phi)", "return phi(x @ w.reshape(-1, 1) + b)"),
                "test_neuron_output_example", "the shape should be (1,)"),
    WrongAnswer("phi_before_bias", "neuron_output",
                _f("neuron_output(x, w, b, phi)", "return phi(x @ w) + b"),
                "test_neuron_output_batch", "phi was applied before the bias was added"),
    WrongAnswer("phi_not_applied", "neuron_output",
                _f("neuron_output(x, w, b, phi)", "return x @ w + b"),
                "test_neuron_output_batch", "phi was not applied"),
    WrongAnswer("first_example_only", "neuron_output",
                _f("neuron_output(x, w, b, phi)",
                   "return phi(np.array([np.sum(x[0] * w) + b]))"),
                "test_neuron_output_batch", "one number per example, shape (B,)"),
    # right values, so only a hidden test sees it
    WrongAnswer("mutates_x", "neuron_output",
                _f("neuron_output(x, w, b, phi)", "x *= w", "return phi(x.sum(axis=1) + b)"),
                "test_neuron_output_batch", "changed its input x or w in place"),
    # ----------------------------------------------------------------- sigmoid
    WrongAnswer("naive_sigmoid_overflows", "sigmoid",
                _f("sigmoid(z)", "return 1 / (1 + np.exp(-z))"),
                "test_sigmoid_stable", "Use e = exp(-|z|)"),
    WrongAnswer("np_where_still_overflows", "sigmoid",
                _f("sigmoid(z)",
                   "return np.where(z >= 0, 1 / (1 + np.exp(-z)), np.exp(z) / (1 + np.exp(z)))"),
                "test_sigmoid_stable", "np.where(condition, A, B) computes both A and B"),
    WrongAnswer("math_exp_loop_overflows", "sigmoid",
                "import math\n\n"
                + _f("sigmoid(z)",
                     "z = np.asarray(z, dtype=float)",
                     "out = [1 / (1 + math.exp(-v)) for v in z.ravel()]",
                     "return np.array(out).reshape(z.shape)"),
                "test_sigmoid_stable", "overflows for large |z|"),
    WrongAnswer("sigmoid_sign_flipped", "sigmoid",
                _f("sigmoid(z)", "return 1 / (1 + np.exp(z))"),
                "test_sigmoid_values", "sign inside exp"),
    WrongAnswer("sigmoid_no_reciprocal", "sigmoid",
                _f("sigmoid(z)", "return 1 + np.exp(-z)"),
                "test_sigmoid_values", "reciprocal is missing"),
    WrongAnswer("sigmoid_is_tanh", "sigmoid",
                _f("sigmoid(z)", "return np.tanh(z)"),
                "test_sigmoid_values", "you returned tanh(z)"),
    # ----------------------------------------------------------------- sigmoid_grad
    WrongAnswer("grad_is_sigmoid", "sigmoid_grad",
                _f("sigmoid_grad(z)", "return sigmoid(z)"),
                "test_sigmoid_grad", "you returned sigmoid(z) itself"),
    WrongAnswer("grad_one_minus_sigmoid", "sigmoid_grad",
                _f("sigmoid_grad(z)", "return 1 - sigmoid(z)"),
                "test_sigmoid_grad", "multiply it by sigmoid(z)"),
    WrongAnswer("grad_z_not_sigmoid", "sigmoid_grad",
                _f("sigmoid_grad(z)", "return z * (1 - z)"),
                "test_sigmoid_grad", "not z * (1 - z)"),
    WrongAnswer("grad_sign_flipped", "sigmoid_grad",
                _f("sigmoid_grad(z)", "s = sigmoid(z)", "return s * (s - 1)"),
                "test_sigmoid_grad", "never negative"),
    WrongAnswer("grad_tanh_rule", "sigmoid_grad",
                _f("sigmoid_grad(z)", "return 1 - sigmoid(z) ** 2"),
                "test_sigmoid_grad", "tanh's rule"),
    # right near z = 0, so only a hidden test sees it
    WrongAnswer("grad_exp_formula_nan_in_tails", "sigmoid_grad",
                _f("sigmoid_grad(z)", "e = np.exp(-z)", "return e / (1 + e) ** 2"),
                "test_sigmoid_grad", "inf / inf = nan"),
    # ----------------------------------------------------------------- relu
    WrongAnswer("relu_abs", "relu",
                _f("relu(z)", "return np.abs(z)"),
                "test_relu", "absolute value"),
    WrongAnswer("relu_min", "relu",
                _f("relu(z)", "return np.minimum(z, 0)"),
                "test_relu", "min(0, z) instead of max(0, z)"),
    WrongAnswer("relu_in_place", "relu",
                _f("relu(z)", "z[z < 0] = 0", "return z"),
                "test_relu", "changed its input z in place"),
    WrongAnswer("relu_returns_slope", "relu",
                _f("relu(z)", "return (z > 0).astype(float)"),
                "test_relu", "the slope (1 where z > 0) instead of the function"),
    # ----------------------------------------------------------------- relu_grad
    WrongAnswer("relu_grad_sign", "relu_grad",
                _f("relu_grad(z)", "return np.sign(z)"),
                "test_relu_grad", "the sign of z"),
    WrongAnswer("relu_grad_negative_side_z", "relu_grad",
                _f("relu_grad(z)", "return np.where(z > 0, 1.0, z)"),
                "test_relu_grad", "ReLU is flat there, so its slope is 0"),
    WrongAnswer("relu_grad_is_relu", "relu_grad",
                _f("relu_grad(z)", "return np.maximum(z, 0)"),
                "test_relu_grad", "relu(z), the function"),
    WrongAnswer("relu_grad_swapped", "relu_grad",
                _f("relu_grad(z)", "return (z < 0).astype(float)"),
                "test_relu_grad", "the two sides are swapped"),
    WrongAnswer("relu_grad_half_at_zero", "relu_grad",
                _f("relu_grad(z)", "return np.where(z > 0, 1.0, np.where(z < 0, 0.0, 0.5))"),
                "test_relu_grad", "the course's convention"),
    # ----------------------------------------------------------------- leaky_relu / leaky_relu_grad
    WrongAnswer("leaky_alpha_on_positive_side", "leaky_relu",
                _f("leaky_relu(z, alpha=0.01)", "return np.where(z > 0, alpha * z, z)"),
                "test_leaky_relu", "alpha multiplies the positive side"),
    WrongAnswer("leaky_no_leak", "leaky_relu",
                _f("leaky_relu(z, alpha=0.01)", "return np.maximum(z, 0)"),
                "test_leaky_relu", "the leak is missing"),
    WrongAnswer("leaky_alpha_ignored", "leaky_relu",
                _f("leaky_relu(z, alpha=0.01)", "return np.where(z > 0, z, 0.01 * z)"),
                "test_leaky_relu", "the alpha passed in was ignored"),
    WrongAnswer("leaky_grad_alpha_times_z", "leaky_relu_grad",
                _f("leaky_relu_grad(z, alpha=0.01)", "return np.where(z > 0, 1.0, alpha * z)"),
                "test_leaky_relu", "which is the function"),
    WrongAnswer("leaky_grad_zero_slope", "leaky_relu_grad",
                _f("leaky_relu_grad(z, alpha=0.01)", "return np.where(z > 0, 1.0, 0.0)"),
                "test_leaky_relu", "keeps slope alpha there"),
    WrongAnswer("leaky_grad_swapped", "leaky_relu_grad",
                _f("leaky_relu_grad(z, alpha=0.01)", "return np.where(z > 0, alpha, 1.0)"),
                "test_leaky_relu", "1 and alpha are swapped"),
    # ----------------------------------------------------------------- classify
    WrongAnswer("classify_bias_left_out", "classify",
                _f("classify(x, w, b)", "return (x @ w > 0).astype(int)"),
                "test_classify_example", "the bias b was left out"),
    WrongAnswer("classify_threshold_half_on_z", "classify",
                _f("classify(x, w, b)", "return (x @ w + b > 0.5).astype(int)"),
                "test_classify_example", "compared z with 0.5"),
    WrongAnswer("classify_sides_swapped", "classify",
                _f("classify(x, w, b)", "return (x @ w + b < 0).astype(int)"),
                "test_classify_example", "the two sides are swapped"),
    WrongAnswer("classify_sigmoid_above_zero", "classify",
                _f("classify(x, w, b)", "return (1 / (1 + np.exp(-(x @ w + b))) > 0).astype(int)"),
                "test_classify_example", "sigmoid(z) > 0 is always true"),
    WrongAnswer("classify_sign", "classify",
                _f("classify(x, w, b)", "return np.sign(x @ w + b)"),
                "test_classify_example", "np.sign(z) gives -1 and 1"),
    WrongAnswer("classify_returns_z", "classify",
                _f("classify(x, w, b)", "return x @ w + b"),
                "test_classify_example", "z itself is not a label"),
    WrongAnswer("classify_only_two_features", "classify",     # passes the 2-D example, not D = 3
                _f("classify(x, w, b)",
                   "return (x[:, 0] * w[0] + x[:, 1] * w[1] + b > 0).astype(int)"),
                "test_classify_batch", "use every one of the D features"),
    WrongAnswer("classify_column", "classify",
                _f("classify(x, w, b)", "return (x @ w.reshape(-1, 1) + b > 0).astype(int)"),
                "test_classify_example", "one label per example"),
]
