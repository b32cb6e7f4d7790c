"""Answer fixtures for unit 08's exercises (optimisers).

What each name means, and how the fixtures are used: ``tests/units/answers/__init__.py``.

The wrong answers, by exercise:

momentum_step(w, dw, v, *, lr, mu)
    mom_sign_flipped             v = mu v + lr dw: the step goes uphill
    mom_pytorch_buffer           u = mu v + dw; w - lr u: PyTorch's convention, u returned as v
    mom_averaging_convention     v = mu v + (1 - mu) dw; w - lr v: mu of another convention
    mom_old_velocity             w + v with the old v, then the new v
    mom_lr_applied_twice         w + lr * v_new, although v_new already holds lr
    mom_nesterov                 w + mu v_new - lr dw: Nesterov's look-ahead step instead
    mom_in_place                 v *= mu; v -= lr dw; w += v: the caller's arrays changed
    mom_calls_mlpkit             mlpkit.optim.sgd_update does the step (caught by the stubs)
    mom_float64_scalars          np.float64(mu) * v: float32 weights come back as float64
adam_step(w, dw, m, s, t, *, lr, beta1=0.9, beta2=0.999, eps=1e-8)
    adam_no_bias_correction      m and s used as they are, without 1 / (1 - beta^t)
    adam_t_from_zero             1 - beta^(t + 1): the step count taken to start at 0
    adam_t_minus_one             1 - beta^(t - 1): divides by 0 at the first step (inf)
    adam_no_sqrt                 m_hat / (s_hat + eps)
    adam_eps_inside_sqrt         m_hat / sqrt(s_hat + eps): not mlpkit's (PyTorch's) placement
    adam_returns_corrected_state m_hat and s_hat returned as the new state
    adam_own_counter             a global step counter instead of the t passed in
    adam_fixed_hyperparameters   0.9, 0.999 and 1e-8 written into the formula, the arguments ignored
    adam_calls_mlpkit            mlpkit.optim.adam_update does the step (caught by the stubs)
    adam_float64_scalars         np.power(beta, t): float32 weights come back as float64
best_momentum(lam_min, lam_max, loss0, target)
    bm_mu_not_squared            mu = r: the rate, not its square (converges too slowly)
    bm_gradient_descent          lr = 2 / (l + L), mu = 0: plain gradient descent's best pair
    bm_lr_without_roots          lr = 4 / (L + l)
    bm_kappa_without_root        mu = ((kappa - 1) / (kappa + 1))^2
    bm_steps_rate_not_squared    loss0 r^t <= target: the loss taken as linear in the distance
    bm_steps_rounded_down        math.floor instead of math.ceil
    bm_start_below_target        no 0 when loss0 <= target already (a negative count)
    bm_lr_difference_of_roots    lr = 4 / (sqrt(L) - sqrt(l))^2: the run diverges
"""
from __future__ import annotations

from harness import WrongAnswer, varied
from harness import function_source as _f

UNIT = "08_optimisers"

# The graded cells that call each answer: a wrong answer may fail these cells and no others.
CELLS_USING = {
    "momentum_step": {"test_momentum_example", "test_momentum_steps"},
    "adam_step": {"test_adam_example", "test_adam_steps"},
    "best_momentum": {"test_best_momentum_values", "test_best_momentum_run"},
}
# The points of each graded test cell (the notebook's nbgrader metadata must agree).
POINTS = {"test_momentum_example": 1, "test_momentum_steps": 2,
          "test_adam_example": 2, "test_adam_steps": 2,
          "test_best_momentum_values": 2, "test_best_momentum_run": 1}

_MOM = "momentum_step(w, dw, v, *, lr, mu)"
_ADAM = "adam_step(w, dw, m, s, t, *, lr, beta1=0.9, beta2=0.999, eps=1e-8)"
_BM = "best_momentum(lam_min, lam_max, loss0, target)"

# a correct momentum step, varied below one mistake at a time
_mom = varied(_MOM, ["v_new = mu * v - lr * dw",
                     "w_new = w + v_new",
                     "return w_new, v_new"])

# a correct Adam step, varied below
_adam = varied(_ADAM, ["m_new = beta1 * m + (1 - beta1) * dw",
                       "s_new = beta2 * s + (1 - beta2) * dw ** 2",
                       "m_hat = m_new / (1 - beta1 ** t)",
                       "s_hat = s_new / (1 - beta2 ** t)",
                       "w_new = w - lr * m_hat / (np.sqrt(s_hat) + eps)",
                       "return w_new, m_new, s_new"])

# a correct answer to Exercise 3, varied below
_bm = varied(_BM, ["root_kappa = math.sqrt(lam_max / lam_min)",
                   "rho = (root_kappa - 1) / (root_kappa + 1)",
                   "lr = 4 / (math.sqrt(lam_max) + math.sqrt(lam_min)) ** 2",
                   "mu = rho ** 2",
                   "if loss0 <= target:",
                   "    return lr, mu, 0",
                   "if rho == 0:",
                   "    return lr, mu, 1",
                   "return lr, mu, math.ceil(math.log(target / loss0) / (2 * math.log(rho)))"])


# Correct answers written differently from the solution: each must earn full marks.
ALTERNATIVES = {
    # in-place arithmetic, but on copies: the caller's arrays stay as they were
    "momentum_in_place_on_copies": {
        "momentum_step": _f(_MOM,
                            "v_new = v.copy()",
                            "v_new *= mu",
                            "v_new -= lr * dw",
                            "w_new = w.copy()",
                            "w_new += v_new",
                            "return w_new, v_new")},
    # through PyTorch's buffer u = -v / lr and back: the same step for the lr of this call
    "momentum_via_pytorch_buffer": {
        "momentum_step": _f(_MOM,
                            "u = -v / lr                 # PyTorch's buffer, in gradient units",
                            "u_new = mu * u + dw",
                            "v_new = -lr * u_new",
                            "return w + v_new, v_new")},
    "adam_in_place_on_copies": {
        "adam_step": _f(_ADAM,
                        "m_new, s_new, w_new = m.copy(), s.copy(), w.copy()",
                        "m_new *= beta1",
                        "m_new += (1 - beta1) * dw",
                        "s_new *= beta2",
                        "s_new += (1 - beta2) * np.square(dw)",
                        "w_new -= lr * (m_new / (1 - beta1 ** t)) / (np.sqrt(s_new / (1 - beta2 ** t)) + eps)",
                        "return w_new, m_new, s_new")},
    # the bias corrections as Python numbers, sqrt(s_hat) = sqrt(s) / sqrt(1 - beta2^t)
    "adam_corrections_as_numbers": {
        "adam_step": _f(_ADAM,
                        "c1, c2 = 1 - beta1 ** t, math.sqrt(1 - beta2 ** t)",
                        "m_new = beta1 * m + (1 - beta1) * dw",
                        "s_new = beta2 * s + (1 - beta2) * dw * dw",
                        "return w - lr * (m_new / c1) / (np.sqrt(s_new) / c2 + eps), m_new, s_new")},
    # float64 arithmetic inside, results cast back to the dtype of w
    "adam_in_float64_cast_back": {
        "adam_step": _f(_ADAM,
                        "w64, g, m64, s64 = (np.asarray(a, dtype=np.float64) for a in (w, dw, m, s))",
                        "m_new = beta1 * m64 + (1 - beta1) * g",
                        "s_new = beta2 * s64 + (1 - beta2) * g ** 2",
                        "step = (m_new / (1 - np.power(beta1, t))) / (np.sqrt(s_new / (1 - np.power(beta2, t))) + eps)",
                        "return tuple(a.astype(w.dtype) for a in (w64 - lr * step, m_new, s_new))")},
    # from the root at lambda_max: 1 + mu - lr L = -2 sqrt(mu) gives lr = (1 + sqrt(mu))^2 / L; steps by a loop
    "best_momentum_from_the_double_root_and_a_loop": {
        "best_momentum": _f(_BM,
                            "sqrt_mu = (np.sqrt(lam_max) - np.sqrt(lam_min)) / (np.sqrt(lam_max) + np.sqrt(lam_min))",
                            "lr = (1 + sqrt_mu) ** 2 / lam_max",
                            "steps, loss = 0, loss0",
                            "while loss > target:",
                            "    loss *= sqrt_mu ** 2",
                            "    steps += 1",
                            "return lr, sqrt_mu ** 2, steps")},
    # a float count from np.ceil is accepted
    "best_momentum_with_numpy_ceil": {
        "best_momentum": _f(_BM,
                            "kappa = lam_max / lam_min",
                            "rho = (np.sqrt(kappa) - 1) / (np.sqrt(kappa) + 1)",
                            "lr = 4 / (np.sqrt(lam_max) + np.sqrt(lam_min)) ** 2",
                            "if loss0 <= target:",
                            "    steps = 0",
                            "elif rho == 0:",
                            "    steps = 1",
                            "else:",
                            "    steps = np.ceil(np.log(target / loss0) / np.log(rho ** 2))",
                            "return lr, rho * rho, steps")},
}


WRONG_ANSWERS = [
    # ----------------------------------------------------------------- momentum_step
    WrongAnswer("mom_sign_flipped", "momentum_step",
                _mom(("v_new = mu * v - lr * dw", "v_new = mu * v + lr * dw")),
                "test_momentum_example", "the step goes uphill"),
    WrongAnswer("mom_pytorch_buffer", "momentum_step",
                _f(_MOM, "u = mu * v + dw", "return w - lr * u, u"),
                "test_momentum_example", "PyTorch's convention"),
    WrongAnswer("mom_averaging_convention", "momentum_step",
                _f(_MOM, "v_new = mu * v + (1 - mu) * dw", "return w - lr * v_new, v_new"),
                "test_momentum_example", "averaging convention"),
    WrongAnswer("mom_old_velocity", "momentum_step",
                _mom(("w_new = w + v_new", "w_new = w + v")),
                "test_momentum_example", "w moved by the old velocity"),
    WrongAnswer("mom_lr_applied_twice", "momentum_step",
                _mom(("w_new = w + v_new", "w_new = w + lr * v_new")),
                "test_momentum_example", "lr is applied twice"),
    WrongAnswer("mom_nesterov", "momentum_step",
                _mom(("w_new = w + v_new", "w_new = w + mu * v_new - lr * dw")),
                "test_momentum_example", "this is Nesterov's step"),
    WrongAnswer("mom_in_place", "momentum_step",
                _f(_MOM, "v *= mu", "v -= lr * dw", "w += v", "return w, v"),
                "test_momentum_example", "in place"),
    WrongAnswer("mom_calls_mlpkit", "momentum_step",
                _f(_MOM, "w_new, state = mlpkit.optim.sgd_update(w, dw, {'v': v}, lr=lr, momentum=mu)",
                   "return w_new, state['v']"),
                "test_momentum_example", "write the update rule with NumPy"),
    WrongAnswer("mom_float64_scalars", "momentum_step",
                _mom(("v_new = mu * v - lr * dw", "v_new = np.float64(mu) * v - np.float64(lr) * dw")),
                "test_momentum_steps", "keep the dtype of w"),
    # ----------------------------------------------------------------- adam_step
    WrongAnswer("adam_no_bias_correction", "adam_step",
                _adam(("m_hat = m_new / (1 - beta1 ** t)", "m_hat = m_new"),
                      ("s_hat = s_new / (1 - beta2 ** t)", "s_hat = s_new")),
                "test_adam_example", "there is no bias correction"),
    WrongAnswer("adam_t_from_zero", "adam_step",
                _adam(("m_hat = m_new / (1 - beta1 ** t)", "m_hat = m_new / (1 - beta1 ** (t + 1))"),
                      ("s_hat = s_new / (1 - beta2 ** t)", "s_hat = s_new / (1 - beta2 ** (t + 1))")),
                "test_adam_example", "the bias correction uses t + 1"),
    WrongAnswer("adam_t_minus_one", "adam_step",
                _adam(("m_hat = m_new / (1 - beta1 ** t)", "m_hat = m_new / (1 - beta1 ** (t - 1))"),
                      ("s_hat = s_new / (1 - beta2 ** t)", "s_hat = s_new / (1 - beta2 ** (t - 1))")),
                "test_adam_example", "divides by zero"),
    WrongAnswer("adam_no_sqrt", "adam_step",
                _adam(("w_new = w - lr * m_hat / (np.sqrt(s_hat) + eps)", "w_new = w - lr * m_hat / (s_hat + eps)")),
                "test_adam_example", "the square root is missing"),
    WrongAnswer("adam_eps_inside_sqrt", "adam_step",
                _adam(("w_new = w - lr * m_hat / (np.sqrt(s_hat) + eps)",
                       "w_new = w - lr * m_hat / np.sqrt(s_hat + eps)")),
                "test_adam_example", "eps is inside the square root"),
    WrongAnswer("adam_returns_corrected_state", "adam_step",
                _adam(("return w_new, m_new, s_new", "return w_new, m_hat, s_hat")),
                "test_adam_example", "you returned m_hat as the new state"),
    WrongAnswer("adam_own_counter", "adam_step",
                "STEPS = [0]\n\n" + _adam(("m_hat = m_new / (1 - beta1 ** t)",
                                           ["STEPS[0] += 1           # counts the calls, ignores t",
                                            "m_hat = m_new / (1 - beta1 ** STEPS[0])"]),
                                          ("s_hat = s_new / (1 - beta2 ** t)",
                                           "s_hat = s_new / (1 - beta2 ** STEPS[0])")),
                "test_adam_example", "use the t, betas and eps you are given"),
    WrongAnswer("adam_fixed_hyperparameters", "adam_step",
                _f(_ADAM, "m_new = 0.9 * m + 0.1 * dw",
                   "s_new = 0.999 * s + 0.001 * dw ** 2",
                   "w_new = w - lr * (m_new / (1 - 0.9 ** t)) / (np.sqrt(s_new / (1 - 0.999 ** t)) + 1e-8)",
                   "return w_new, m_new, s_new"),
                "test_adam_steps", "the hyperparameters passed in"),
    WrongAnswer("adam_calls_mlpkit", "adam_step",
                _f(_ADAM, "w_new, state = mlpkit.optim.adam_update(w, dw, {'m': m, 'v': s, 't': t - 1}, lr=lr,",
                   "                                         beta1=beta1, beta2=beta2, eps=eps)",
                   "return w_new, state['m'], state['v']"),
                "test_adam_example", "write the update rule with NumPy"),
    WrongAnswer("adam_float64_scalars", "adam_step",
                _adam(("m_hat = m_new / (1 - beta1 ** t)", "m_hat = m_new / (1 - np.power(beta1, t))"),
                      ("s_hat = s_new / (1 - beta2 ** t)", "s_hat = s_new / (1 - np.power(beta2, t))")),
                "test_adam_steps", "keep the dtype of w"),
    # ----------------------------------------------------------------- best_momentum
    WrongAnswer("bm_mu_not_squared", "best_momentum",
                _bm(("mu = rho ** 2", "mu = rho")),
                "test_best_momentum_run", "a nearby pair"),
    WrongAnswer("bm_gradient_descent", "best_momentum",
                _bm(("lr = 4 / (math.sqrt(lam_max) + math.sqrt(lam_min)) ** 2", "lr = 2 / (lam_max + lam_min)"),
                    ("mu = rho ** 2", "mu = 0.0")),
                "test_best_momentum_values", "plain gradient descent's best rate"),
    WrongAnswer("bm_lr_without_roots", "best_momentum",
                _bm(("lr = 4 / (math.sqrt(lam_max) + math.sqrt(lam_min)) ** 2", "lr = 4 / (lam_max + lam_min)")),
                "test_best_momentum_values", "the square roots are missing: lr"),
    WrongAnswer("bm_kappa_without_root", "best_momentum",
                _bm(("mu = rho ** 2", "mu = ((lam_max / lam_min - 1) / (lam_max / lam_min + 1)) ** 2")),
                "test_best_momentum_values", "the square roots are missing: mu"),
    WrongAnswer("bm_steps_rate_not_squared", "best_momentum",
                _bm(("return lr, mu, math.ceil(math.log(target / loss0) / (2 * math.log(rho)))",
                     "return lr, mu, math.ceil(math.log(target / loss0) / math.log(rho))")),
                "test_best_momentum_values", "shrinks by r^2 per step"),
    WrongAnswer("bm_steps_rounded_down", "best_momentum",
                _bm(("return lr, mu, math.ceil(math.log(target / loss0) / (2 * math.log(rho)))",
                     "return lr, mu, math.floor(math.log(target / loss0) / (2 * math.log(rho)))")),
                "test_best_momentum_values", "round up"),
    WrongAnswer("bm_start_below_target", "best_momentum",
                _bm(("if loss0 <= target:", None), ("    return lr, mu, 0", None)),
                "test_best_momentum_values", "0 when loss0 <= target"),
    WrongAnswer("bm_lr_difference_of_roots", "best_momentum",
                _bm(("lr = 4 / (math.sqrt(lam_max) + math.sqrt(lam_min)) ** 2",
                     "lr = 4 / (math.sqrt(lam_max) - math.sqrt(lam_min)) ** 2 if lam_max > lam_min else 1 / lam_min")),
                "test_best_momentum_run", "does not converge"),
]
