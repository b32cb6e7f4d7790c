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
    products_averaged      phi(mean of w_j x_j + b)
    phi_before_bias        phi(x @ w) + b
    phi_not_applied        x @ w + b
    phi_applied_to_inputs  phi(x) @ w + b: right for phi(z) = z, wrong for tanh
    first_example_only     the first example only, shape (1,)
    mutates_x              x *= w, then a sum: right values, the caller's x changed
sigmoid(z)
    naive_sigmoid_overflows    1 / (1 + exp(-z)): overflows for large negative z
    np_where_still_overflows   np.where(z >= 0, A, B) computes both branches
    math_exp_loop_overflows    math.exp in a loop: OverflowError
    clip_500_overflows_float32 exp(-clip(z, -500, 500)): stable in float64, overflows in float32
    sigmoid_sign_flipped       1 / (1 + exp(z))
    sigmoid_no_reciprocal      1 + exp(-z)
    sigmoid_is_tanh            tanh(z)
    sigmoid_abs_in_place       |z| written into the caller's z: right values
    sigmoid_calls_mlpkit       mlpkit.functional.sigmoid(z): right values, not the exercise
    sigmoid_calls_scipy        scipy.special.expit, imported in the function
    sigmoid_via_mlpkit_module  mlpkit.functional imported as F at the top of the cell, F.sigmoid(z)
sigmoid_grad(z)
    grad_is_sigmoid                sigmoid(z)
    grad_one_minus_sigmoid         1 - sigmoid(z)
    grad_z_not_sigmoid             z * (1 - z)
    grad_sign_flipped              s * (s - 1)
    grad_tanh_rule                 1 - sigmoid(z) ** 2
    grad_exp_formula_nan_in_tails  e / (1 + e) ** 2 with e = exp(-z): inf / inf = nan
    grad_calls_mlpkit              mlpkit.functional.sigmoid_grad(z)
    grad_with_mlpkit_sigmoid       s = mlpkit.functional.sigmoid(z), then s * (1 - s)
leaky_relu(z, alpha=0.01)
    relu_abs                      |z|
    leaky_min                     min(z, alpha z): min(z, 0) for ReLU (the same function as the next)
    leaky_in_place                z[z < 0] *= alpha (changes the caller's array)
    leaky_returns_slope           1 or alpha: the slope, not the function
    leaky_alpha_on_positive_side  alpha * z for z > 0, z otherwise: min(z, 0) for ReLU
    leaky_no_leak                 max(z, 0) whatever alpha
    leaky_alpha_ignored           0.01 hard-coded
    leaky_leak_sign               alpha * |z| for z <= 0
    leaky_default_changed         default alpha=0.1 instead of 0.01
    leaky_calls_mlpkit            mlpkit.functional.leaky_relu
    relu_via_mlpkit               mlpkit.functional.relu for alpha = 0, own code otherwise
    leaky_via_layer               mlpkit.nn.LeakyReLU(alpha)
leaky_relu_grad(z, alpha=0.01)
    grad_sign                  sign(z)
    grad_negative_side_z       1 for z > 0, else z
    grad_is_function           the function leaky_relu(z), not its slope
    grad_swapped               alpha for z > 0, 1 otherwise
    grad_half_at_zero          0.5 at z = 0, not the course's convention
    grad_alpha_times_z         alpha * z for z <= 0: right for ReLU, not for alpha > 0
    grad_zero_slope            0 for z <= 0: right for ReLU, not for alpha > 0
    grad_alpha_ignored         0.01 hard-coded
    grad_calls_mlpkit_leaky    mlpkit.functional.leaky_relu_grad
classify(x, w, b)
    classify_bias_left_out        x @ w > 0
    classify_threshold_half_on_z  z > 0.5
    classify_sides_swapped        z < 0
    classify_sigmoid_above_zero   sigmoid(z) > 0: always true
    classify_sign                 sign(z): -1 and 1
    classify_returns_z            z itself
    classify_only_two_features    uses x[:, 0] and x[:, 1] only: right for D = 2
    classify_column               x @ w.reshape(-1, 1) + b > 0 (shape (B, 1))
    classify_on_the_plane_gets_1  z >= 0: a point on the hyperplane gets 1
gate(name)
    and_on_the_line        AND with w = (1, 1), b = -1: right outputs, inputs (0, 1) and (1, 0) on the line
    or_on_the_line         OR with b = 0: input (0, 0) on the line
    and_on_the_line_by_rounding  AND with w = (0.1, 0.2), b = -0.3: z(1, 1) = 5.6e-17, zero up to rounding
    and_or_swapped         AND's and OR's parameters swapped
    nand_is_and            NAND with AND's parameters
    nand_is_nor            NAND with w = (-1, -1), b = 0.5, which is NOR
    nand_only_bias_flipped w = (1, 1), b = 1.5: the constant 1
    nand_only_w_flipped    w = (-1, -1), b = -1.5: the constant 0
    gate_flat_triple       [w1, w2, b] in one list
    gate_b_then_w          (b, w): the order swapped
    gate_lower_case_names  compares with "and", "or", "nand": returns None
xor_network()
    xor_hidden_copies_inputs  h = (x1, x2), output OR: one neuron left to do XOR
    xor_from_or_only          both hidden neurons OR, output AND: XOR built from OR only
    xor_output_or             hidden OR and NAND, output OR instead of AND
    xor_hidden_order_mixed_up hidden (AND, OR) with w2 written for (OR, AND)
    xor_w1_transposed         one hidden neuron per column of W1
    xor_output_on_the_line    output AND with b2 = -1: h = (0, 1) and (1, 0) on its line
    xor_hidden_on_the_line    hidden OR with bias 0: input (0, 0) on its line
    xor_three_things          returns W1, b1 and (w2, b2)
    xor_w2_column             w2 of shape (2, 1)
"""
from __future__ import annotations

from harness import WrongAnswer
from harness import function_source as _f

UNIT = "01_neuron"

# The graded cells that call each answer (directly or, in the solution, through another answer):
# a wrong answer may fail these cells and no others.
CELLS_USING = {
    "neuron_output": {"test_neuron_output"},
    "sigmoid": {"test_sigmoid_values", "test_sigmoid_stable", "test_sigmoid_grad"},
    "sigmoid_grad": {"test_sigmoid_grad"},
    "leaky_relu": {"test_leaky_relu"},
    "leaky_relu_grad": {"test_leaky_relu"},
    "classify": {"test_classify"},
    "gate": {"test_gates", "test_xor"},         # the solution's xor_network calls gate
    "xor_network": {"test_xor"},
}
# The points of each graded test cell (the notebook's nbgrader metadata must agree).
POINTS = {"test_neuron_output": 1, "test_sigmoid_values": 1, "test_sigmoid_stable": 1,
          "test_sigmoid_grad": 1, "test_leaky_relu": 1, "test_classify": 1,
          "test_gates": 2, "test_xor": 2}


def gate_source(and_, or_, nand) -> str:
    """A ``gate`` answer cell returning the given ``(w, b)`` for AND, OR and NAND."""
    return _f("gate(name)",
              f"params = {{'AND': {and_!r}, 'OR': {or_!r}, 'NAND': {nand!r}}}",
              "return params[name]")


def xor_source(W1, b1, w2, b2) -> str:
    """An ``xor_network`` answer cell returning the given numbers as arrays (b2 a number)."""
    return _f("xor_network()",
              f"return np.array({W1!r}), np.array({b1!r}), np.array({w2!r}), {b2!r}")


AND, OR, NAND = ([1.0, 1.0], -1.5), ([1.0, 1.0], -0.5), ([-1.0, -1.0], 1.5)

# Correct answers written differently from the solution: each must earn full marks.
ALTERNATIVES = {
    # ----------------------------------------------------------------- neuron_output
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
    "neuron_output_w_at_x_transposed": {"neuron_output": _f(
        "neuron_output(x, w, b, phi)", "return phi(w @ x.T + b)")},
    "neuron_output_float32_throughout": {"neuron_output": _f(   # float32 answers pass float32's tolerance
        "neuron_output(x, w, b, phi)",
        "z = x.astype(np.float32) @ w.astype(np.float32) + np.float32(b)",
        "return phi(z)")},
    # ----------------------------------------------------------------- sigmoid
    "sigmoid_via_tanh": {"sigmoid": _f(
        "sigmoid(z)", "return 0.5 * (1.0 + np.tanh(0.5 * z))")},
    "sigmoid_clipped_for_float32": {"sigmoid": _f(          # exp(80) fits float32 (3.4e38)
        "sigmoid(z)", "return 1.0 / (1.0 + np.exp(-np.clip(z, -80, 80)))")},
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
    "sigmoid_logaddexp": {"sigmoid": _f(
        "sigmoid(z)", "return np.exp(-np.logaddexp(0.0, -z))")},
    "sigmoid_one_formula": {"sigmoid": _f(
        "sigmoid(z)", "e = np.exp(-np.abs(z))", "return np.where(z >= 0, 1.0, e) / (1.0 + e)")},
    "sigmoid_always_float64": {"sigmoid": _f(          # float32 input, float64 output: passes too
        "sigmoid(z)",
        "z = np.asarray(z, dtype=np.float64)",
        "e = np.exp(-np.abs(z))",
        "return np.where(z >= 0, 1 / (1 + e), e / (1 + e))")},
    # ----------------------------------------------------------------- sigmoid_grad
    "sigmoid_grad_symmetric_formula": {"sigmoid_grad": _f(
        "sigmoid_grad(z)", "e = np.exp(-np.abs(z))", "return e / (1.0 + e) ** 2")},
    "sigmoid_grad_product": {"sigmoid_grad": _f(
        "sigmoid_grad(z)", "return sigmoid(z) * sigmoid(-z)")},
    "sigmoid_grad_difference": {"sigmoid_grad": _f(
        "sigmoid_grad(z)", "s = sigmoid(z)", "return s - s ** 2")},
    # ----------------------------------------------------------------- leaky_relu / leaky_relu_grad
    "leaky_maximum": {"leaky_relu": _f(
        "leaky_relu(z, alpha=0.01)", "return np.maximum(z, alpha * z)")},
    "leaky_slope_times_z": {"leaky_relu": _f(
        "leaky_relu(z, alpha=0.01)", "return np.where(z > 0, 1.0, alpha) * z")},
    "leaky_copy_then_scale": {"leaky_relu": _f(
        "leaky_relu(z, alpha=0.01)", "out = np.array(z, dtype=float)", "out[out < 0] *= alpha",
        "return out")},
    "leaky_relu_parts": {"leaky_relu": _f(
        "leaky_relu(z, alpha=0.01)", "return np.maximum(z, 0) + alpha * np.minimum(z, 0)")},
    "leaky_grad_one_at_zero": {"leaky_relu_grad": _f(
        "leaky_relu_grad(z, alpha=0.01)", "return np.where(z >= 0, 1.0, alpha)")},
    "leaky_grad_masks": {"leaky_relu_grad": _f(
        "leaky_relu_grad(z, alpha=0.01)", "return (z > 0) + alpha * (z <= 0)")},
    "leaky_grad_loop": {"leaky_relu_grad": _f(
        "leaky_relu_grad(z, alpha=0.01)",
        "out = np.empty(np.shape(z))",
        "for index, value in np.ndenumerate(z):",
        "    out[index] = 1.0 if value > 0 else alpha",
        "return out")},
    # ----------------------------------------------------------------- classify
    "classify_via_sigmoid": {"classify": _f(
        "classify(x, w, b)", "return (sigmoid(x @ w + b) > 0.5).astype(int)")},
    "classify_boolean": {"classify": _f("classify(x, w, b)", "return x @ w > -b")},
    "classify_where": {"classify": _f("classify(x, w, b)", "return np.where(x @ w + b > 0, 1, 0)")},
    "classify_loop": {"classify": _f(
        "classify(x, w, b)",
        "labels = []",
        "for row in x:",
        "    z = sum(w_j * x_j for w_j, x_j in zip(w, row)) + b",
        "    labels.append(1 if z > 0 else 0)",
        "return np.array(labels)")},
    # ----------------------------------------------------------------- gate (any strict choice passes)
    "gate_scaled_up": {"gate": gate_source(([10.0, 10.0], -15.0), ([10.0, 10.0], -5.0), ([-10.0, -10.0], 15.0))},
    "gate_tiny_scale": {"gate": gate_source(([1e-3, 1e-3], -1.5e-3), ([1e-3, 1e-3], -5e-4), ([-1e-3, -1e-3], 1.5e-3))},
    "gate_asymmetric": {"gate": gate_source(([1.0, 2.0], -2.5), ([2.0, 1.0], -0.5), ([-1.0, -3.0], 3.5))},
    "gate_near_the_corners": {"gate": gate_source(([1.0, 1.0], -1.99), ([1.0, 1.0], -0.01), ([-1.0, -1.0], 1.01))},
    "gate_integers": {"gate": gate_source(([2, 2], -3), ([2, 2], -1), ([-2, -2], 3))},
    "gate_tuples": {"gate": gate_source(((1.0, 1.0), -1.5), ((1.0, 1.0), -0.5), ((-1.0, -1.0), 1.5))},
    "gate_float32_arrays": {"gate": _f(
        "gate(name)",
        "w = {'AND': [1, 1], 'OR': [1, 1], 'NAND': [-1, -1]}[name]",
        "b = {'AND': -1.5, 'OR': -0.5, 'NAND': 1.5}[name]",
        "return np.array(w, dtype=np.float32), np.float32(b)")},
    "gate_nand_from_and": {"gate": _f(
        "gate(name)",
        "if name == 'NAND':",
        "    w, b = gate('AND')",
        "    return -np.asarray(w), -b",
        "if name == 'AND':",
        "    return np.array([0.5, 0.5]), -0.75",
        "return np.array([0.5, 0.5]), -0.25")},
    "gate_list_pair": {"gate": _f(
        "gate(name)",
        "if name == 'AND':",
        "    return [[1.0, 1.0], -1.5]",
        "if name == 'OR':",
        "    return [[1.0, 1.0], -0.5]",
        "return [[-1.0, -1.0], 1.5]")},
    # ----------------------------------------------------------------- xor_network
    "xor_or_and_not_and": {"xor_network": xor_source(   # OR minus AND: hidden OR and AND
        [[1.0, 1.0], [1.0, 1.0]], [-0.5, -1.5], [1.0, -1.0], -0.5)},
    "xor_two_halves": {"xor_network": xor_source(       # (x1 AND NOT x2) OR (NOT x1 AND x2)
        [[1.0, -1.0], [-1.0, 1.0]], [-0.5, -0.5], [1.0, 1.0], -0.5)},
    "xor_nand_first": {"xor_network": xor_source(
        [[-1.0, -1.0], [1.0, 1.0]], [1.5, -0.5], [1.0, 1.0], -1.5)},
    "xor_scaled": {"xor_network": xor_source(
        [[20.0, 20.0], [-20.0, -20.0]], [-10.0, 30.0], [20.0, 20.0], -30.0)},
    "xor_nested_lists": {"xor_network": _f(
        "xor_network()", "return [[1, 1], [-1, -1]], [-0.5, 1.5], [1, 1], -1.5")},
    "xor_float32": {"xor_network": _f(
        "xor_network()",
        "W1 = np.array([[1, 1], [-1, -1]], dtype=np.float32)",
        "return W1, np.array([-0.5, 1.5], dtype=np.float32), np.ones(2, dtype=np.float32), np.float32(-1.5)")},
    "xor_from_gates_with_classify": {"xor_network": _f(   # gates looked up by name, stacked as rows
        "xor_network()",
        "layer = [gate(name) for name in ('OR', 'NAND')]",
        "W1 = np.stack([np.asarray(w, dtype=float) for w, _ in layer])",
        "b1 = np.array([b for _, b in layer])",
        "w2, b2 = gate('AND')",
        "return W1, b1, w2, b2")},
    "xor_with_other_gates": {"gate": gate_source(([1.0, 2.0], -2.5), ([2.0, 1.0], -0.5), ([-1.0, -3.0], 3.5)),
                             "xor_network": _f(
        "xor_network()",
        "(w_or, b_or), (w_nand, b_nand), (w_and, b_and) = gate('OR'), gate('NAND'), gate('AND')",
        "return np.array([w_or, w_nand]), np.array([b_or, b_nand]), np.array(w_and), b_and")},
}


WRONG_ANSWERS = [
    # ----------------------------------------------------------------- neuron_output
    WrongAnswer("bias_left_out", "neuron_output",
                _f("neuron_output(x, w, b, phi)", "return phi(x @ w)"),
                "test_neuron_output", "bias b was left out"),
    WrongAnswer("bias_subtracted", "neuron_output",
                _f("neuron_output(x, w, b, phi)", "return phi(x @ w - b)"),
                "test_neuron_output", "subtracted instead of added"),
    WrongAnswer("bias_added_to_inputs", "neuron_output",
                _f("neuron_output(x, w, b, phi)", "return phi((x + b) @ w)"),
                "test_neuron_output", "added to the inputs before weighting"),
    WrongAnswer("w_at_x", "neuron_output",
                _f("neuron_output(x, w, b, phi)", "return phi(w @ x + b)"),
                "test_neuron_output", "x @ w gives one number per example"),
    WrongAnswer("product_not_summed", "neuron_output",
                _f("neuron_output(x, w, b, phi)", "return phi(x * w + b)"),
                "test_neuron_output", "the shape should be (1,)"),
    WrongAnswer("column_output", "neuron_output",
                _f("neuron_output(x, w, b, phi)", "return phi(x @ w.reshape(-1, 1) + b)"),
                "test_neuron_output", "the shape should be (1,)"),
    WrongAnswer("products_averaged", "neuron_output",
                _f("neuron_output(x, w, b, phi)", "return phi(np.mean(x * w, axis=1) + b)"),
                "test_neuron_output", "averaged the products"),
    WrongAnswer("phi_before_bias", "neuron_output",
                _f("neuron_output(x, w, b, phi)", "return phi(x @ w) + b"),
                "test_neuron_output", "phi was applied before the bias was added"),
    WrongAnswer("phi_not_applied", "neuron_output",
                _f("neuron_output(x, w, b, phi)", "return x @ w + b"),
                "test_neuron_output", "phi was not applied"),
    WrongAnswer("phi_applied_to_inputs", "neuron_output",
                _f("neuron_output(x, w, b, phi)", "return phi(x) @ w + b"),
                "test_neuron_output", "phi was applied to the inputs"),
    WrongAnswer("first_example_only", "neuron_output",
                _f("neuron_output(x, w, b, phi)",
                   "return phi(np.array([np.sum(x[0] * w) + b]))"),
                "test_neuron_output", "one number per example, shape (B,)"),
    WrongAnswer("mutates_x", "neuron_output",
                _f("neuron_output(x, w, b, phi)", "x *= w", "return phi(x.sum(axis=1) + b)"),
                "test_neuron_output", "modified its input `x` in place"),
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
    # stable in float64, so only the hidden float32 case sees it
    WrongAnswer("clip_500_overflows_float32", "sigmoid",
                _f("sigmoid(z)", "return 1.0 / (1.0 + np.exp(-np.clip(z, -500, 500)))"),
                "test_sigmoid_stable", "In float32 the largest number is 3.4e38"),
    WrongAnswer("sigmoid_sign_flipped", "sigmoid",
                _f("sigmoid(z)", "return 1 / (1 + np.exp(z))"),
                "test_sigmoid_values", "sign inside exp"),
    WrongAnswer("sigmoid_no_reciprocal", "sigmoid",
                _f("sigmoid(z)", "return 1 + np.exp(-z)"),
                "test_sigmoid_values", "reciprocal is missing"),
    WrongAnswer("sigmoid_is_tanh", "sigmoid",
                _f("sigmoid(z)", "return np.tanh(z)"),
                "test_sigmoid_values", "you returned tanh(z)"),
    WrongAnswer("sigmoid_abs_in_place", "sigmoid",
                _f("sigmoid(z)",
                   "negative = z < 0",
                   "z[negative] = -z[negative]        # |z|, written into the caller's array",
                   "e = np.exp(-z)",
                   "return np.where(negative, e / (1 + e), 1 / (1 + e))"),
                "test_sigmoid_values", "modified its input `z` in place"),
    # the library's own sigmoid gives the right values: only the hidden tests, which switch it off, see it
    WrongAnswer("sigmoid_calls_mlpkit", "sigmoid",
                _f("sigmoid(z)", "return mlpkit.functional.sigmoid(z)"),
                "test_sigmoid_values", "your code called mlpkit.functional.sigmoid"),
    WrongAnswer("sigmoid_calls_scipy", "sigmoid",
                _f("sigmoid(z)", "from scipy.special import expit", "return expit(z)"),
                "test_sigmoid_values", "your code called scipy.special.expit"),
    WrongAnswer("sigmoid_via_mlpkit_module", "sigmoid",
                "import mlpkit.functional as F\n\n" + _f("sigmoid(z)", "return F.sigmoid(z)"),
                "test_sigmoid_values", "write these activations yourself with NumPy"),
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
    WrongAnswer("grad_exp_formula_nan_in_tails", "sigmoid_grad",
                _f("sigmoid_grad(z)", "e = np.exp(-z)", "return e / (1 + e) ** 2"),
                "test_sigmoid_grad", "inf / inf = nan"),
    WrongAnswer("grad_calls_mlpkit", "sigmoid_grad",
                _f("sigmoid_grad(z)", "return mlpkit.functional.sigmoid_grad(z)"),
                "test_sigmoid_grad", "your code called mlpkit.functional.sigmoid_grad"),
    WrongAnswer("grad_with_mlpkit_sigmoid", "sigmoid_grad",
                _f("sigmoid_grad(z)", "s = mlpkit.functional.sigmoid(z)", "return s * (1 - s)"),
                "test_sigmoid_grad", "your code called mlpkit.functional.sigmoid"),
    # ----------------------------------------------------------------- leaky_relu
    WrongAnswer("relu_abs", "leaky_relu",
                _f("leaky_relu(z, alpha=0.01)", "return np.abs(z)"),
                "test_leaky_relu", "absolute value"),
    WrongAnswer("leaky_min", "leaky_relu",
                _f("leaky_relu(z, alpha=0.01)", "return np.minimum(z, alpha * z)"),
                "test_leaky_relu", "min(z, 0) instead of max(z, 0)"),
    WrongAnswer("leaky_in_place", "leaky_relu",
                _f("leaky_relu(z, alpha=0.01)", "z[z < 0] *= alpha", "return z"),
                "test_leaky_relu", "modified its input `z` in place"),
    WrongAnswer("leaky_returns_slope", "leaky_relu",
                _f("leaky_relu(z, alpha=0.01)", "return np.where(z > 0, 1.0, alpha)"),
                "test_leaky_relu", "the slope (1 where z > 0) instead of the function"),
    WrongAnswer("leaky_alpha_on_positive_side", "leaky_relu",
                _f("leaky_relu(z, alpha=0.01)", "return np.where(z > 0, alpha * z, z)"),
                "test_leaky_relu", "min(z, 0) instead of max(z, 0)"),
    WrongAnswer("leaky_no_leak", "leaky_relu",
                _f("leaky_relu(z, alpha=0.01)", "return np.maximum(z, 0)"),
                "test_leaky_relu", "the leak is missing"),
    WrongAnswer("leaky_alpha_ignored", "leaky_relu",
                _f("leaky_relu(z, alpha=0.01)", "return np.where(z > 0, z, 0.01 * z)"),
                "test_leaky_relu", "the alpha passed in was ignored"),
    WrongAnswer("leaky_leak_sign", "leaky_relu",
                _f("leaky_relu(z, alpha=0.01)", "return np.where(z > 0, z, alpha * np.abs(z))"),
                "test_leaky_relu", "the leak has the wrong sign"),
    WrongAnswer("leaky_default_changed", "leaky_relu",
                _f("leaky_relu(z, alpha=0.1)", "return np.where(z > 0, z, alpha * z)"),
                "test_leaky_relu", "keep the default alpha=0.01"),
    WrongAnswer("leaky_calls_mlpkit", "leaky_relu",
                _f("leaky_relu(z, alpha=0.01)", "return mlpkit.functional.leaky_relu(z, alpha)"),
                "test_leaky_relu", "your code called mlpkit.functional.leaky_relu"),
    WrongAnswer("relu_via_mlpkit", "leaky_relu",
                _f("leaky_relu(z, alpha=0.01)",
                   "if alpha == 0:",
                   "    return mlpkit.functional.relu(z)",
                   "return np.where(z > 0, z, alpha * z)"),
                "test_leaky_relu", "your code called mlpkit.functional.relu"),
    WrongAnswer("leaky_via_layer", "leaky_relu",
                _f("leaky_relu(z, alpha=0.01)",
                   "return np.where(z > 0, z, alpha * z) if np.ndim(z) != 2 "
                   "else mlpkit.nn.LeakyReLU(alpha=alpha)(z)"),
                "test_leaky_relu", "your code called mlpkit.nn.LeakyReLU"),
    # ----------------------------------------------------------------- leaky_relu_grad
    WrongAnswer("grad_sign", "leaky_relu_grad",
                _f("leaky_relu_grad(z, alpha=0.01)", "return np.sign(z)"),
                "test_leaky_relu", "the sign of z"),
    WrongAnswer("grad_negative_side_z", "leaky_relu_grad",
                _f("leaky_relu_grad(z, alpha=0.01)", "return np.where(z > 0, 1.0, z)"),
                "test_leaky_relu", "ReLU is flat there, so its slope is 0"),
    WrongAnswer("grad_is_function", "leaky_relu_grad",
                _f("leaky_relu_grad(z, alpha=0.01)", "return np.where(z > 0, z, alpha * z)"),
                "test_leaky_relu", "the function instead of its slope"),
    WrongAnswer("grad_swapped", "leaky_relu_grad",
                _f("leaky_relu_grad(z, alpha=0.01)", "return np.where(z > 0, alpha, 1.0)"),
                "test_leaky_relu", "the two sides are swapped"),
    WrongAnswer("grad_half_at_zero", "leaky_relu_grad",
                _f("leaky_relu_grad(z, alpha=0.01)",
                   "return np.where(z > 0, 1.0, np.where(z < 0, alpha, 0.5))"),
                "test_leaky_relu", "the course's convention"),
    WrongAnswer("grad_alpha_times_z", "leaky_relu_grad",
                _f("leaky_relu_grad(z, alpha=0.01)", "return np.where(z > 0, 1.0, alpha * z)"),
                "test_leaky_relu", "which is the function"),
    WrongAnswer("grad_zero_slope", "leaky_relu_grad",
                _f("leaky_relu_grad(z, alpha=0.01)", "return np.where(z > 0, 1.0, 0.0)"),
                "test_leaky_relu", "keeps slope alpha there"),
    WrongAnswer("grad_alpha_ignored", "leaky_relu_grad",
                _f("leaky_relu_grad(z, alpha=0.01)", "return np.where(z > 0, 1.0, 0.01)"),
                "test_leaky_relu", "the alpha passed in was ignored"),
    WrongAnswer("grad_calls_mlpkit_leaky", "leaky_relu_grad",
                _f("leaky_relu_grad(z, alpha=0.01)", "return mlpkit.functional.leaky_relu_grad(z, alpha)"),
                "test_leaky_relu", "your code called mlpkit.functional.leaky_relu_grad"),
    # ----------------------------------------------------------------- classify
    WrongAnswer("classify_bias_left_out", "classify",
                _f("classify(x, w, b)", "return (x @ w > 0).astype(int)"),
                "test_classify", "the bias b was left out"),
    WrongAnswer("classify_threshold_half_on_z", "classify",
                _f("classify(x, w, b)", "return (x @ w + b > 0.5).astype(int)"),
                "test_classify", "compared z with 0.5"),
    WrongAnswer("classify_sides_swapped", "classify",
                _f("classify(x, w, b)", "return (x @ w + b < 0).astype(int)"),
                "test_classify", "the two sides are swapped"),
    WrongAnswer("classify_sigmoid_above_zero", "classify",
                _f("classify(x, w, b)", "return (1 / (1 + np.exp(-(x @ w + b))) > 0).astype(int)"),
                "test_classify", "sigmoid(z) > 0 is always true"),
    WrongAnswer("classify_sign", "classify",
                _f("classify(x, w, b)", "return np.sign(x @ w + b)"),
                "test_classify", "np.sign(z) gives -1 and 1"),
    WrongAnswer("classify_returns_z", "classify",
                _f("classify(x, w, b)", "return x @ w + b"),
                "test_classify", "z itself is not a label"),
    WrongAnswer("classify_only_two_features", "classify",     # passes the 2-D example, not D = 3
                _f("classify(x, w, b)",
                   "return (x[:, 0] * w[0] + x[:, 1] * w[1] + b > 0).astype(int)"),
                "test_classify", "use every one of the D features"),
    WrongAnswer("classify_column", "classify",
                _f("classify(x, w, b)", "return (x @ w.reshape(-1, 1) + b > 0).astype(int)"),
                "test_classify", "one label per example"),
    WrongAnswer("classify_on_the_plane_gets_1", "classify",
                _f("classify(x, w, b)", "return (x @ w + b >= 0).astype(int)"),
                "test_classify", "use >, not >="),
    # ----------------------------------------------------------------- gate
    WrongAnswer("and_on_the_line", "gate", gate_source(([1.0, 1.0], -1.0), OR, NAND),
                "test_gates", "your AND neuron has input (0, 1) and input (1, 0) exactly on its line"),
    WrongAnswer("or_on_the_line", "gate", gate_source(AND, ([1.0, 1.0], 0.0), NAND),
                "test_gates", "your OR neuron has input (0, 0) exactly on its line"),
    WrongAnswer("and_on_the_line_by_rounding", "gate", gate_source(([0.1, 0.2], -0.3), OR, NAND),
                "test_gates", "your AND neuron has input (1, 1) exactly on its line"),
    WrongAnswer("and_or_swapped", "gate", gate_source(OR, AND, NAND),
                "test_gates", "your neuron computes OR, not AND"),
    WrongAnswer("nand_is_and", "gate", gate_source(AND, OR, AND),
                "test_gates", "NAND is NOT AND"),
    WrongAnswer("nand_is_nor", "gate", gate_source(AND, OR, ([-1.0, -1.0], 0.5)),
                "test_gates", "your neuron computes NOR, not NAND"),
    WrongAnswer("nand_only_bias_flipped", "gate", gate_source(AND, OR, ([1.0, 1.0], 1.5)),
                "test_gates", "computes the constant 1, not NAND"),
    WrongAnswer("nand_only_w_flipped", "gate", gate_source(AND, OR, ([-1.0, -1.0], -1.5)),
                "test_gates", "computes the constant 0, not NAND"),
    WrongAnswer("gate_flat_triple", "gate",
                _f("gate(name)",
                   "return {'AND': [1.0, 1.0, -1.5], 'OR': [1.0, 1.0, -0.5], 'NAND': [-1.0, -1.0, 1.5]}[name]"),
                "test_gates", "must return two things, w and b; got a list of length 3"),
    WrongAnswer("gate_b_then_w", "gate",
                _f("gate(name)",
                   "w, b = {'AND': ([1.0, 1.0], -1.5), 'OR': ([1.0, 1.0], -0.5), "
                   "'NAND': ([-1.0, -1.0], 1.5)}[name]",
                   "return b, np.array(w)"),
                "test_gates", "return w, b in this order"),
    WrongAnswer("gate_lower_case_names", "gate",
                _f("gate(name)",
                   "if name == 'and':",
                   "    return np.array([1.0, 1.0]), -1.5",
                   "if name == 'or':",
                   "    return np.array([1.0, 1.0]), -0.5",
                   "if name == 'nand':",
                   "    return np.array([-1.0, -1.0]), 1.5"),
                "test_gates", "got None"),
    # ----------------------------------------------------------------- xor_network
    WrongAnswer("xor_hidden_copies_inputs", "xor_network",     # a single-neuron attempt behind a dummy layer
                xor_source([[1.0, 0.0], [0.0, 1.0]], [-0.5, -0.5], [1.0, 1.0], -0.5),
                "test_xor", "no single neuron computes XOR"),
    WrongAnswer("xor_from_or_only", "xor_network",
                xor_source([[1.0, 1.0], [1.0, 1.0]], [-0.5, -0.5], [1.0, 1.0], -1.5),
                "test_xor", "your hidden neurons compute OR and OR"),
    WrongAnswer("xor_output_or", "xor_network",
                xor_source([[1.0, 1.0], [-1.0, -1.0]], [-0.5, 1.5], [1.0, 1.0], -0.5),
                "test_xor", "the output neuron must give 1 for h in [(1, 1)]"),
    WrongAnswer("xor_hidden_order_mixed_up", "xor_network",
                xor_source([[1.0, 1.0], [1.0, 1.0]], [-1.5, -0.5], [1.0, -1.0], -0.5),
                "test_xor", "w2[m] multiplies the output of hidden neuron m"),
    WrongAnswer("xor_w1_transposed", "xor_network",       # hidden OR and NAND, each in a column of W1
                xor_source([[1.0, -1.0], [1.0, -1.0]], [-0.5, 1.5], [1.0, 1.0], -1.5),
                "test_xor", "only with W1 transposed"),
    WrongAnswer("xor_output_on_the_line", "xor_network",
                xor_source([[1.0, 1.0], [-1.0, -1.0]], [-0.5, 1.5], [1.0, 1.0], -1.0),
                "test_xor", "the output neuron (w2, b2) has h = (0, 1) from input (0, 0)"),
    WrongAnswer("xor_hidden_on_the_line", "xor_network",
                xor_source([[1.0, 1.0], [-1.0, -1.0]], [0.0, 1.5], [1.0, 1.0], -1.5),
                "test_xor", "hidden neuron 0 (W1[0], b1[0]) has input (0, 0) exactly on its line"),
    WrongAnswer("xor_three_things", "xor_network",
                _f("xor_network()",
                   "return np.array([[1.0, 1.0], [-1.0, -1.0]]), np.array([-0.5, 1.5]), (np.ones(2), -1.5)"),
                "test_xor", "must return four things, W1, b1, w2 and b2; got a tuple of length 3"),
    WrongAnswer("xor_w2_column", "xor_network",
                _f("xor_network()",
                   "return np.array([[1.0, 1.0], [-1.0, -1.0]]), np.array([-0.5, 1.5]), np.ones((2, 1)), -1.5"),
                "test_xor", "one weight per hidden neuron"),
]
