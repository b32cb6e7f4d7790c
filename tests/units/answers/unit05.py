"""Answer fixtures for unit 05's exercises (the multilayer perceptron).

What each name means, and how the fixtures are used: ``tests/units/answers/__init__.py``.

The wrong answers, by exercise:

forward(X, params)
    fwd_no_activation            Z2 = Z1 W2^T + b2: the tanh between the layers left out
    fwd_weights_not_transposed   X W1 + b1: W stored (out, in) used as if (in, out)
    fwd_returns_probabilities    the softmax applied: probabilities instead of logits
    fwd_uses_mlpkit_layers       the pass run by mlpkit.nn.Linear / Tanh (caught by the stubs)
backward(y, cache, params)
    bwd_missing_activation_derivative   Delta1 = Delta2 W2, without tanh'(Z1)
    bwd_tanh_grad_from_z         tanh'(Z1) written 1 - Z1^2 instead of 1 - A1^2
    bwd_w2_transposed_in_backprop       dL/dA1 = Delta2 W2^T (only runs when C = M)
    bwd_dw1_transposed           dL/dW1 = X^T Delta1, shape (D, M)
    bwd_dw2_transposed           dL/dW2 = A1^T Delta2, shape (M, C)
    bwd_bias_wrong_axis          dL/db summed over the units (axis 1): shape (B,)
    bwd_sum_not_mean             Delta2 = Y_hat - Y: the 1/B of the mean forgotten
    bwd_sign_flipped             Delta2 = (Y - Y_hat) / B
    bwd_stale_cache              forward keeps its cache in a global; backward reads the
                                 last forward call's, not the cache it is given
    bwd_modifies_cache           the stable-softmax shift done in place on the cached logits
    bwd_uses_mlpkit_layers       the gradients taken from mlpkit.nn layers (caught by the stubs)
gradient_check(f, params, grads, eps=1e-6)
    gc_one_sided                 (f(theta + eps) - f(theta)) / eps
    gc_not_restored              the perturbed entry left at theta - eps
    gc_absolute_error            ||a - n|| without the denominator
    gc_divides_by_numeric        ||a - n|| / ||n||
    gc_nan_for_zero              0 / 0 = nan when both gradients are zero
wrong_gradients()
    wg_only_w1                   {"W1"}: b1 comes from the same wrong Delta1
    wg_output_layer              {"W2", "b2"}: the output layer's gradients are right
    wg_everything                all four
train(X, y, hidden, lr, epochs, rng)
    tr_zero_init                 every weight starts at 0: the hidden units stay identical
    tr_global_random             np.random.normal instead of rng: runs cannot be repeated
    tr_output_layer_only         only W2 and b2 are updated
"""
from __future__ import annotations

from harness import WrongAnswer, varied
from harness import function_source as _f

UNIT = "05_mlp"

# The graded cells that call each answer (directly or, in the solution, through
# another answer): a wrong answer may fail these cells and no others.
CELLS_USING = {
    "forward": {"test_forward", "test_backward_example", "test_backward_batch", "test_train"},
    "backward": {"test_backward_example", "test_backward_batch", "test_train"},
    "gradient_check": {"test_gradient_check", "test_wrong_gradients"},
    "wrong_gradients": {"test_wrong_gradients"},
    "train": {"test_train"},
}
# The points of each graded test cell (the notebook's nbgrader metadata must agree).
POINTS = {"test_forward": 2, "test_backward_example": 1, "test_backward_batch": 2,
          "test_gradient_check": 2, "test_wrong_gradients": 1, "test_train": 2}

_FWD = "forward(X, params)"
_BWD = "backward(y, cache, params)"
_GC = "gradient_check(f, params, grads, eps=1e-6)"
_WG = "wrong_gradients()"
_TR = "train(X, y, hidden, lr, epochs, rng)"


# a correct forward pass, varied below one mistake at a time
_FWD_BODY = ["Z1 = X @ params['W1'].T + params['b1']",
             "A1 = np.tanh(Z1)",
             "Z2 = A1 @ params['W2'].T + params['b2']",
             "return Z2, {'X': X, 'A1': A1, 'Z2': Z2}"]

_fwd = varied(_FWD, _FWD_BODY)


# a correct backward pass for the solution's cache {'X', 'A1', 'Z2'}, varied below
_BWD_BODY = ["X, A1, Z2 = cache['X'], cache['A1'], cache['Z2']",
             "B = len(y)",
             "P = np.exp(Z2 - Z2.max(axis=1, keepdims=True))",
             "P = P / P.sum(axis=1, keepdims=True)",
             "Y = np.eye(Z2.shape[1])[y]",
             "delta2 = (P - Y) / B",
             "delta1 = (delta2 @ params['W2']) * (1 - A1 ** 2)",
             "return {'W1': delta1.T @ X, 'b1': delta1.sum(axis=0),",
             "        'W2': delta2.T @ A1, 'b2': delta2.sum(axis=0)}"]

_bwd = varied(_BWD, _BWD_BODY)


# a correct gradient check, varied below
_GC_BODY = ["errors = {}",
            "for name, theta in params.items():",
            "    n = np.zeros(theta.shape)",
            "    for idx in np.ndindex(theta.shape):",
            "        old = theta[idx]",
            "        theta[idx] = old + eps",
            "        f_plus = f(params)",
            "        theta[idx] = old - eps",
            "        f_minus = f(params)",
            "        theta[idx] = old",
            "        n[idx] = (f_plus - f_minus) / (2 * eps)",
            "    a = np.asarray(grads[name], dtype=float)",
            "    denominator = np.linalg.norm(a) + np.linalg.norm(n)",
            "    errors[name] = 0.0 if denominator == 0 else np.linalg.norm(a - n) / denominator",
            "return errors"]

_gc = varied(_GC, _GC_BODY)


# a correct training loop, varied below
_TR_BODY = ["D, C = X.shape[1], y.max() + 1",
            "params = {'W1': rng.normal(scale=D ** -0.5, size=(hidden, D)), 'b1': np.zeros(hidden),",
            "          'W2': rng.normal(scale=hidden ** -0.5, size=(C, hidden)), 'b2': np.zeros(C)}",
            "history = []",
            "for _ in range(epochs):",
            "    logits, cache = forward(X, params)",
            "    history.append(mlpkit.functional.cross_entropy_loss(logits, y)[0])",
            "    grads = backward(y, cache, params)",
            "    params = {k: params[k] - lr * grads[k] for k in params}",
            "return params, history"]

_tr = varied(_TR, _TR_BODY)


# Correct answers written differently from the solution: each must earn full marks.
ALTERNATIVES = {
    "einsum_both_passes": {
        "forward": _f(_FWD,
                      "A1 = np.tanh(np.einsum('bd,md->bm', X, params['W1']) + params['b1'])",
                      "Z2 = np.einsum('bm,cm->bc', A1, params['W2']) + params['b2']",
                      "return Z2, dict(X=X, A1=A1, Z2=Z2)"),
        "backward": _f(_BWD,
                       "X, A1, Z2 = cache['X'], cache['A1'], cache['Z2']",
                       "P = mlpkit.functional.softmax(Z2)",
                       "P[np.arange(len(y)), y] -= 1          # P is a new array: the cache is untouched",
                       "delta2 = P / len(y)",
                       "delta1 = np.einsum('bc,cm->bm', delta2, params['W2']) * (1 - A1 ** 2)",
                       "return {'W1': np.einsum('bm,bd->md', delta1, X), 'b1': np.einsum('bm->m', delta1),",
                       "        'W2': np.einsum('bc,bm->cm', delta2, A1), 'b2': np.einsum('bc->c', delta2)}")},
    # the syllabus's column form, one example at a time: delta_1 = phi'(z_1) * (W2^T delta_2),
    # dL/dW = delta a^T, then the mean over the batch
    "loops_over_examples_averaged": {
        "forward": _f(_FWD,
                      "rows, zs, hs = [], [], []",
                      "for x in X:",
                      "    z1 = params['W1'] @ x + params['b1']",
                      "    a1 = np.tanh(z1)",
                      "    rows.append(params['W2'] @ a1 + params['b2'])",
                      "    zs.append(z1)",
                      "return np.array(rows), (X.copy(), np.array(zs))"),
        "backward": _f(_BWD,
                       "X, Z1 = cache",
                       "B = len(y)",
                       "grads = {k: np.zeros_like(v, dtype=float) for k, v in params.items()}",
                       "for x, z1, label in zip(X, Z1, y):",
                       "    a1 = np.tanh(z1)",
                       "    z2 = params['W2'] @ a1 + params['b2']",
                       "    p = np.exp(z2 - z2.max())",
                       "    p /= p.sum()",
                       "    delta2 = p.copy()",
                       "    delta2[label] -= 1",
                       "    delta1 = (1 - np.tanh(z1) ** 2) * (params['W2'].T @ delta2)",
                       "    grads['W2'] += np.outer(delta2, a1) / B",
                       "    grads['b2'] += delta2 / B",
                       "    grads['W1'] += np.outer(delta1, x) / B",
                       "    grads['b1'] += delta1 / B",
                       "return grads")},
    "cache_of_pre_activations_and_mlpkit_functional": {
        "forward": _f(_FWD,
                      "Z1 = X @ params['W1'].T + params['b1']",
                      "Z2 = mlpkit.functional.tanh(Z1) @ params['W2'].T + params['b2']",
                      "return Z2, [X, Z1, Z2]"),
        "backward": _f(_BWD,
                       "X, Z1, Z2 = cache",
                       "_, delta2 = mlpkit.functional.cross_entropy_loss(Z2, y)   # (Y_hat - Y) / B",
                       "delta1 = mlpkit.functional.tanh_grad(Z1) * (delta2 @ params['W2'])",
                       "A1 = mlpkit.functional.tanh(Z1)",
                       "return dict(W1=delta1.T @ X, b1=delta1.sum(0), W2=delta2.T @ A1, b2=delta2.sum(0))")},
    # float32 arithmetic inside (as mlpkit's layers use by default): the checks' tolerances
    # follow the returned dtype
    "both_passes_in_float32": {
        "forward": _f(_FWD,
                      "p = {k: np.asarray(v, dtype=np.float32) for k, v in params.items()}",
                      "X32 = np.asarray(X, dtype=np.float32)",
                      "A1 = np.tanh(X32 @ p['W1'].T + p['b1'])",
                      "Z2 = A1 @ p['W2'].T + p['b2']",
                      "return Z2, {'X': X32, 'A1': A1, 'Z2': Z2}"),
        "backward": _f(_BWD,
                       "X, A1, Z2 = cache['X'], cache['A1'], cache['Z2']",
                       "W2 = np.asarray(params['W2'], dtype=np.float32)",
                       "delta2 = mlpkit.functional.cross_entropy_loss(Z2, y)[1]",
                       "delta1 = (delta2 @ W2) * (1 - A1 ** 2)",
                       "return {'W1': delta1.T @ X, 'b1': delta1.sum(axis=0),",
                       "        'W2': delta2.T @ A1, 'b2': delta2.sum(axis=0)}")},
    "gradient_check_with_mlpkit_and_copies": {
        "gradient_check": _f(_GC,
                             "errors = {}",
                             "for name in params:",
                             "    def f_of(theta):",
                             "        trial = dict(params)",
                             "        trial[name] = theta",
                             "        return f(trial)",
                             "    n = mlpkit.gradcheck.numerical_gradient(f_of, params[name].copy(), eps)",
                             "    a = grads[name]",
                             "    norm = np.linalg.norm(a) + np.linalg.norm(n)",
                             "    errors[name] = float(np.linalg.norm(a - n) / norm) if norm > 0 else 0.0",
                             "return errors")},
    "wrong_gradients_as_a_list": {"wrong_gradients": _f(_WG, "return ['b1', 'W1']")},
    "train_in_place_updates_and_standard_normal": {
        "train": _f(_TR,
                    "D = X.shape[1]",
                    "C = len(np.unique(y))",
                    "params = {'W1': rng.standard_normal((hidden, D)) / np.sqrt(D), 'b1': np.zeros(hidden),",
                    "          'W2': rng.standard_normal((C, hidden)) / np.sqrt(hidden), 'b2': np.zeros(C)}",
                    "history = []",
                    "for epoch in range(epochs):",
                    "    logits, cache = forward(X, params)",
                    "    p = mlpkit.functional.softmax(logits)",
                    "    history.append(-np.mean(np.log(p[np.arange(len(y)), y])))",
                    "    for name, g in backward(y, cache, params).items():",
                    "        params[name] -= lr * g",
                    "return params, history")},
}


WRONG_ANSWERS = [
    # ----------------------------------------------------------------- forward
    WrongAnswer("fwd_no_activation", "forward",
                _fwd(("A1 = np.tanh(Z1)", "A1 = Z1")),
                "test_forward", "the activation is missing"),
    WrongAnswer("fwd_weights_not_transposed", "forward",
                _fwd(("Z1 = X @ params['W1'].T + params['b1']", "Z1 = X @ params['W1'] + params['b1']"),
                     ("Z2 = A1 @ params['W2'].T + params['b2']", "Z2 = A1 @ params['W2'] + params['b2']")),
                "test_forward", "the weights are not transposed"),
    WrongAnswer("fwd_returns_probabilities", "forward",
                _fwd(("return Z2, {'X': X, 'A1': A1, 'Z2': Z2}",
                      "return mlpkit.functional.softmax(Z2), {'X': X, 'A1': A1, 'Z2': Z2}")),
                "test_forward", "forward returns the logits"),
    WrongAnswer("fwd_uses_mlpkit_layers", "forward",
                _f(_FWD,
                   "first = mlpkit.nn.Linear(X.shape[1], len(params['b1']), dtype=np.float64)",
                   "second = mlpkit.nn.Linear(len(params['b1']), len(params['b2']), dtype=np.float64)",
                   "first.weight.data[...], first.bias.data[...] = params['W1'], params['b1']",
                   "second.weight.data[...], second.bias.data[...] = params['W2'], params['b2']",
                   "A1 = mlpkit.nn.Tanh()(first(X))",
                   "Z2 = second(A1)",
                   "return Z2, {'X': X, 'A1': A1, 'Z2': Z2}"),
                "test_forward", "write the pass with NumPy"),
    # ----------------------------------------------------------------- backward
    WrongAnswer("bwd_missing_activation_derivative", "backward",
                _bwd(("delta1 = (delta2 @ params['W2']) * (1 - A1 ** 2)", "delta1 = delta2 @ params['W2']")),
                "test_backward_example", "the derivative of the activation is missing"),
    WrongAnswer("bwd_tanh_grad_from_z", "backward",
                _bwd(("delta1 = (delta2 @ params['W2']) * (1 - A1 ** 2)",
                      ["Z1 = X @ params['W1'].T + params['b1']",
                       "delta1 = (delta2 @ params['W2']) * (1 - Z1 ** 2)"])),
                "test_backward_example", "tanh' was computed from Z1"),
    WrongAnswer("bwd_w2_transposed_in_backprop", "backward",
                _bwd(("delta1 = (delta2 @ params['W2']) * (1 - A1 ** 2)",
                      "delta1 = (delta2 @ params['W2'].T) * (1 - A1 ** 2)")),
                "test_backward_example", "W2 is transposed in the backward step"),
    WrongAnswer("bwd_dw1_transposed", "backward",
                _bwd(("return {'W1': delta1.T @ X, 'b1': delta1.sum(axis=0),",
                      "return {'W1': X.T @ delta1, 'b1': delta1.sum(axis=0),")),
                "test_backward_example", "dL/dW1 is transposed"),
    WrongAnswer("bwd_dw2_transposed", "backward",
                _bwd(("        'W2': delta2.T @ A1, 'b2': delta2.sum(axis=0)}",
                      "        'W2': A1.T @ delta2, 'b2': delta2.sum(axis=0)}")),
                "test_backward_example", "dL/dW2 is transposed"),
    WrongAnswer("bwd_bias_wrong_axis", "backward",
                _bwd(("return {'W1': delta1.T @ X, 'b1': delta1.sum(axis=0),",
                      "return {'W1': delta1.T @ X, 'b1': delta1.sum(axis=1),"),
                     ("        'W2': delta2.T @ A1, 'b2': delta2.sum(axis=0)}",
                      "        'W2': delta2.T @ A1, 'b2': delta2.sum(axis=1)}")),
                "test_backward_example", "sums delta over the batch, axis 0"),
    WrongAnswer("bwd_sum_not_mean", "backward",
                _bwd(("delta2 = (P - Y) / B", "delta2 = P - Y")),
                "test_backward_example", "summed over the batch instead of taking the mean"),
    WrongAnswer("bwd_sign_flipped", "backward",
                _bwd(("delta2 = (P - Y) / B", "delta2 = (Y - P) / B")),
                "test_backward_example", "the sign is flipped"),
    # forward is redefined in the backward cell to remember its last cache in a global
    WrongAnswer("bwd_stale_cache", "backward",
                "LAST = {}\n\n"
                + _f(_FWD, "Z1 = X @ params['W1'].T + params['b1']", "A1 = np.tanh(Z1)",
                     "Z2 = A1 @ params['W2'].T + params['b2']",
                     "LAST['cache'] = {'X': X, 'A1': A1, 'Z2': Z2}",
                     "return Z2, LAST['cache']")
                + "\n\n"
                + _bwd(("X, A1, Z2 = cache['X'], cache['A1'], cache['Z2']",
                        "X, A1, Z2 = LAST['cache']['X'], LAST['cache']['A1'], LAST['cache']['Z2']")),
                "test_backward_batch", "not the cache of the last forward call"),
    WrongAnswer("bwd_modifies_cache", "backward",
                _bwd(("P = np.exp(Z2 - Z2.max(axis=1, keepdims=True))",
                      ["Z2 -= Z2.max(axis=1, keepdims=True)     # in place: changes the cache",
                       "P = np.exp(Z2)"])),
                "test_backward_batch", "in place"),
    WrongAnswer("bwd_uses_mlpkit_layers", "backward",
                _f(_BWD,
                   "X = cache['X']",
                   "first = mlpkit.nn.Linear(X.shape[1], len(params['b1']), dtype=np.float64)",
                   "second = mlpkit.nn.Linear(len(params['b1']), len(params['b2']), dtype=np.float64)",
                   "first.weight.data[...], first.bias.data[...] = params['W1'], params['b1']",
                   "second.weight.data[...], second.bias.data[...] = params['W2'], params['b2']",
                   "model = mlpkit.nn.Sequential(first, mlpkit.nn.Tanh(), second)",
                   "loss_fn = mlpkit.losses.CrossEntropyLoss()",
                   "loss_fn(model(X), y)",
                   "model.backward(loss_fn.backward())",
                   "return {'W1': first.weight.grad, 'b1': first.bias.grad,",
                   "        'W2': second.weight.grad, 'b2': second.bias.grad}"),
                "test_backward_example", "write the pass with NumPy"),
    # ----------------------------------------------------------------- gradient_check
    WrongAnswer("gc_one_sided", "gradient_check",
                _gc(("        theta[idx] = old - eps", "        theta[idx] = old"),
                    ("        n[idx] = (f_plus - f_minus) / (2 * eps)",
                     "        n[idx] = (f_plus - f_minus) / eps")),
                "test_gradient_check", "use central differences"),
    WrongAnswer("gc_not_restored", "gradient_check",
                _gc(("        theta[idx] = old", None)),
                "test_gradient_check", "put every entry back"),
    WrongAnswer("gc_absolute_error", "gradient_check",
                _gc(("    errors[name] = 0.0 if denominator == 0 else np.linalg.norm(a - n) / denominator",
                     "    errors[name] = np.linalg.norm(a - n)")),
                "test_gradient_check", "absolute error"),
    WrongAnswer("gc_divides_by_numeric", "gradient_check",
                _gc(("    errors[name] = 0.0 if denominator == 0 else np.linalg.norm(a - n) / denominator",
                     "    errors[name] = np.linalg.norm(a - n) / np.linalg.norm(n)")),
                "test_gradient_check", "divided by ||n|| only"),
    WrongAnswer("gc_nan_for_zero", "gradient_check",
                _gc(("    errors[name] = 0.0 if denominator == 0 else np.linalg.norm(a - n) / denominator",
                     "    errors[name] = np.float64(np.linalg.norm(a - n)) / denominator")),
                "test_gradient_check", "0, not nan"),
    # ----------------------------------------------------------------- wrong_gradients
    WrongAnswer("wg_only_w1", "wrong_gradients", _f(_WG, "return {'W1'}"),
                "test_wrong_gradients", "dL/db1 is wrong too"),
    WrongAnswer("wg_output_layer", "wrong_gradients", _f(_WG, "return {'W2', 'b2'}"),
                "test_wrong_gradients", "the output layer's gradients are right"),
    WrongAnswer("wg_everything", "wrong_gradients", _f(_WG, "return {'W1', 'b1', 'W2', 'b2'}"),
                "test_wrong_gradients", "computed before the buggy line"),
    # ----------------------------------------------------------------- train
    WrongAnswer("tr_zero_init", "train",
                _tr(("params = {'W1': rng.normal(scale=D ** -0.5, size=(hidden, D)), 'b1': np.zeros(hidden),",
                     "params = {'W1': np.zeros((hidden, D)), 'b1': np.zeros(hidden),"),
                    ("          'W2': rng.normal(scale=hidden ** -0.5, size=(C, hidden)), 'b2': np.zeros(C)}",
                     "          'W2': np.zeros((C, hidden)), 'b2': np.zeros(C)}")),
                "test_train", "symmetry problem"),
    WrongAnswer("tr_global_random", "train",
                _tr(("params = {'W1': rng.normal(scale=D ** -0.5, size=(hidden, D)), 'b1': np.zeros(hidden),",
                     "params = {'W1': np.random.normal(scale=D ** -0.5, size=(hidden, D)), 'b1': np.zeros(hidden),"),
                    ("          'W2': rng.normal(scale=hidden ** -0.5, size=(C, hidden)), 'b2': np.zeros(C)}",
                     "          'W2': np.random.normal(scale=hidden ** -0.5, size=(C, hidden)), 'b2': np.zeros(C)}")),
                "test_train", "not from np.random"),
    WrongAnswer("tr_output_layer_only", "train",
                _tr(("    params = {k: params[k] - lr * grads[k] for k in params}",
                     "    params = {k: params[k] - lr * grads[k] if k in ('W2', 'b2') else params[k] "
                     "for k in params}")),
                "test_train", "update all four parameters"),
]
