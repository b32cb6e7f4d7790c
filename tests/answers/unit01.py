"""Typical wrong answers to unit 01's exercises, written the way a student might.

``tests/test_unit01_exercises.py`` runs the solution notebook with each of these
in place of the matching answer cell (see ``tests/harness.py``) and checks that
the named graded test cell fails with a message that teaches: the message must
contain ``keyword``, a piece of the hint written for exactly this mistake.

Each source is a complete cell, as it would stand in the student's notebook.
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
