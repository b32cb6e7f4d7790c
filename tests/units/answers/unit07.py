"""Answer fixtures for unit 07's exercises (regularisation and initialisation).

What each name means, and how the fixtures are used: ``tests/units/answers/__init__.py``.

Design decisions: the L2 penalty is (lam / 2) ||W||^2 (the convention of ``mlpkit.optim``'s
``weight_decay``), so its gradient is lam W and 2 lam W is the wrong answer with the factor 2;
the dropout masks of correct answers differ (``rng.random`` against ``p`` or ``1 - p``,
``rng.binomial``), so the hidden checks test what the specification fixes: the kept values,
the fraction dropped and the mean on large arrays, evaluation mode, reproducibility from
``rng``, and backward against its own forward (the same zeros; central differences through
forward with a fixed seed).

The wrong answers, by exercise:

dropout_forward(x, p, rng, training=True)
    do_no_scaling            out = x * keep: no inverted scaling, E[out] = (1 - p) x
    do_scale_by_p            the kept entries divided by p instead of 1 - p
    do_times_keep_prob       the kept entries multiplied by 1 - p
    do_keep_prob_p           keeps an entry with probability p (drops with 1 - p)
    do_scaled_at_eval        evaluation mode returns x / (1 - p)
    do_eval_times_keep_prob  evaluation mode returns x (1 - p), the rule of non-inverted dropout
    do_drops_at_eval         `training` ignored: evaluation mode drops too
    do_one_mask_per_batch    one mask of shape (M,) shared by every example of the batch
    do_global_random         the mask drawn from np.random, not from rng
    do_fixed_seed            a new np.random.default_rng(0) inside: the same mask at every call
    do_in_place              x *= mask: changes the caller's activations
    do_no_validation         p = 1 divides by zero instead of raising ValueError
    do_uses_nn_dropout       the pass run by mlpkit.nn.Dropout (caught by the stubs)
dropout_backward(grad_out, cache)
    bw_identity              returns grad_out: the dropped entries get a gradient
    bw_unscaled              grad_out * (mask != 0): the 1 / (1 - p) left out
    bw_new_mask              backward draws a new mask from the rng kept in the cache
    bw_stale_global          forward keeps its mask in a global; backward reads the last call's
    bw_in_place              grad_out *= mask: changes the upstream gradient
    bw_scaled_at_eval        a cache of (keep, p) whose all-ones mask is scaled in evaluation mode
    bw_uses_nn_dropout       forward and backward by mlpkit.nn.Dropout (caught by the stubs)
penalty_gradient(params, grads, lam, kind="l2")
    pg_factor_two            L2 gradient 2 lam W: the 1/2 of R forgotten
    pg_no_lambda             L2 gradient W: lam left out
    pg_sign_flipped          grads - lam W
    pg_bias_penalised        the biases penalised too
    pg_l1_as_l2              L1 gradient lam W
    pg_l1_abs                L1 gradient lam |W|: the penalty, not its gradient
    pg_l1_nan_at_zero        L1 gradient lam W / |W|: nan where W = 0
    pg_in_place              grads[name] += ...: changes the caller's gradients
    pg_no_validation         an unknown kind is treated as L1 instead of raising ValueError
adam_decay_step(w, dw, state, *, lr, lam, decoupled)
    ad_decoupled_no_lr       decoupled shrink w - lam w, without the learning rate
    ad_shrink_after_step     the decoupled shrink applied to the weights after Adam's step
    ad_decay_in_gradient_too decoupled: shrinks w and also adds lam w to the gradient
    ad_swapped               decoupled=True does L2 and decoupled=False the decoupled decay
    ad_l2_factor_two         L2 with dw + 2 lam w
    ad_state_restarted       state=None at every step: Adam restarts, bias correction and all
    ad_in_place              w -= lr lam w: changes the caller's weights
    ad_uses_weight_decay     both ways by mlpkit's own decay (caught by the stubs)
    ad_uses_adamw            L2 by hand, decoupled by mlpkit.optim.adamw_update (caught by the stubs)
same_as_l2()
    sl_with_momentum         {1, 2, 3}: momentum carries the L2 term into later steps
    sl_large_gradients       {1, 3, 4}: Adam divides the L2 term by the size of the gradient
    sl_zero_gradients        {1, 3, 5}: with dw = 0 Adam normalises the L2 term to steps of lr
    sl_missing_sgd           {3}: plain SGD's L2 step is the decoupled step
    sl_missing_lam_zero      {1}: with lam = 0 both are plain Adam
stable_std(fan_in, activation)
    ss_variance              returns the variance 1/n or 2/n instead of its square root
    ss_identity_for_relu     1/sqrt(n) for every activation
    ss_he_for_tanh           sqrt(2/n) for tanh as for ReLU
    ss_no_validation         an unknown activation treated as ReLU instead of raising ValueError
estimate_weight_std(stds, fan_in, activation)
    ew_no_relu_factor        gain / sqrt(n) for ReLU too: the 1/2 of E[a^2] forgotten
    ew_returns_gain          returns the factor per layer, not sigma
    ew_exponent_L            (stds[-1] / stds[0]) ** (1 / L): L layers have L - 1 steps
    ew_variances             the standard deviations treated as variances (square root of the gain)
    ew_first_layer           stds[0] / sqrt(n): the first layer alone, which depends on the input
    ew_mean_of_ratios        the arithmetic mean of the ratios of neighbouring layers
    ew_no_validation         an unknown activation treated as the identity instead of raising
"""
from __future__ import annotations

from harness import WrongAnswer, varied
from harness import function_source as _f

UNIT = "07_regularisation"

# The graded cells that call each answer (directly or, in the solution, through
# another answer): a wrong answer may fail these cells and no others.
CELLS_USING = {
    "dropout_forward": {"test_dropout_forward", "test_dropout_backward"},
    "dropout_backward": {"test_dropout_backward"},
    "penalty_gradient": {"test_penalty_gradient"},
    "adam_decay_step": {"test_adam_decay_step"},
    "same_as_l2": {"test_same_as_l2"},
    "stable_std": {"test_stable_std"},
    "estimate_weight_std": {"test_estimate_weight_std"},
}
# The points of each graded test cell (the notebook's nbgrader metadata must agree).
POINTS = {"test_dropout_forward": 2, "test_dropout_backward": 1, "test_penalty_gradient": 2,
          "test_adam_decay_step": 1, "test_same_as_l2": 1, "test_stable_std": 1,
          "test_estimate_weight_std": 2}

_FWD = "dropout_forward(x, p, rng, training=True)"
_BWD = "dropout_backward(grad_out, cache)"
_PG = 'penalty_gradient(params, grads, lam, kind="l2")'
_AD = "adam_decay_step(w, dw, state, *, lr, lam, decoupled)"
_SL = "same_as_l2()"
_SS = "stable_std(fan_in, activation)"
_EW = "estimate_weight_std(stds, fan_in, activation)"

# a correct forward pass (the scaled mask as cache), varied below one mistake at a time
_FWD_BODY = ["if not 0 <= p < 1:",
             "    raise ValueError(f'`p` must be in [0, 1), got {p}')",
             "if not training:",
             "    return x, None",
             "keep = rng.random(x.shape) >= p",
             "mask = keep / (1 - p)",
             "return x * mask, mask"]
_fwd = varied(_FWD, _FWD_BODY)

# a correct backward pass for that cache, varied below
_BWD_BODY = ["if cache is None:",
             "    return grad_out",
             "return grad_out * cache"]
_bwd = varied(_BWD, _BWD_BODY)

_PG_BODY = ["if kind not in ('l2', 'l1'):",
            "    raise ValueError(f'`kind` must be l2 or l1, got {kind!r}')",
            "if lam < 0:",
            "    raise ValueError(f'`lam` must be >= 0, got {lam}')",
            "total = {}",
            "for name, g in grads.items():",
            "    W = params[name]",
            "    if not name.startswith('W'):",
            "        total[name] = g.copy()",
            "    elif kind == 'l2':",
            "        total[name] = g + lam * W",
            "    else:",
            "        total[name] = g + lam * np.sign(W)",
            "return total"]
_pg = varied(_PG, _PG_BODY)

_AD_BODY = ["if decoupled:",
            "    return mlpkit.optim.adam_update(w - lr * lam * w, dw, state, lr=lr)",
            "return mlpkit.optim.adam_update(w, dw + lam * w, state, lr=lr)"]
_ad = varied(_AD, _AD_BODY)

_SS_BODY = ["if activation == 'relu':",
            "    return np.sqrt(2 / fan_in)",
            "if activation in ('identity', 'tanh'):",
            "    return 1 / np.sqrt(fan_in)",
            "raise ValueError(f'`activation` must be identity, tanh or relu, got {activation!r}')"]
_ss = varied(_SS, _SS_BODY)

_EW_BODY = ["if activation not in ('identity', 'relu'):",
            "    raise ValueError(f'`activation` must be identity or relu, got {activation!r}')",
            "if len(stds) < 2:",
            "    raise ValueError('`stds` must hold at least 2 layers')",
            "k = 2.0 if activation == 'relu' else 1.0",
            "gain = (stds[-1] / stds[0]) ** (1 / (len(stds) - 1))",
            "return gain * np.sqrt(k / fan_in)"]
_ew = varied(_EW, _EW_BODY)


# Correct answers written differently from the solution: each must earn full marks.
ALTERNATIVES = {
    # a 0/1 mask from rng.binomial, the scale applied in backward, a dict cache, a copy in evaluation mode
    "binomial_mask_and_dict_cache": {
        "dropout_forward": _f(_FWD,
                              "if p < 0 or p >= 1:",
                              "    raise ValueError(f'p must be in [0, 1), got {p}')",
                              "if not training:",
                              "    return np.array(x, copy=True), {'train': False}",
                              "keep = rng.binomial(1, 1 - p, size=np.shape(x))",
                              "return x * keep / (1 - p), {'train': True, 'keep': keep, 'p': p}"),
        "dropout_backward": _f(_BWD,
                               "if not cache['train']:",
                               "    return grad_out.copy()",
                               "return grad_out * cache['keep'] / (1 - cache['p'])")},
    # keep where a uniform number is below 1 - p; the cache (keep, scale) also in evaluation mode
    "uniform_below_keep_probability": {
        "dropout_forward": _f(_FWD,
                              "if not (0 <= p < 1):",
                              "    raise ValueError('p must be in [0, 1)')",
                              "if not training:",
                              "    return x, (np.ones(np.shape(x), dtype=bool), 1.0)",
                              "keep = rng.uniform(size=np.shape(x)) < 1 - p",
                              "scale = 1 / (1 - p)",
                              "return np.where(keep, x * scale, 0.0), (keep, scale)"),
        "dropout_backward": _f(_BWD,
                               "keep, scale = cache",
                               "return np.where(keep, grad_out * scale, 0.0)")},
    "penalty_with_np_where_and_a_comprehension": {
        "penalty_gradient": _f(_PG,
                               "if kind not in {'l1', 'l2'} or lam < 0:",
                               "    raise ValueError(f'bad kind {kind!r} or lam {lam}')",
                               "def dR(W):",
                               "    if kind == 'l2':",
                               "        return W",
                               "    return np.where(W > 0, 1.0, np.where(W < 0, -1.0, 0.0))",
                               "return {k: (g + lam * dR(params[k]) if k[0] == 'W' else np.array(g))",
                               "        for k, g in grads.items()}")},
    "adam_decay_with_explicit_defaults": {
        "adam_decay_step": _f(_AD,
                              "start = w * (1 - lr * lam) if decoupled else w",
                              "g = dw if decoupled else dw + lam * w",
                              "return mlpkit.optim.adam_update(start, g, state, lr=lr, beta1=0.9, beta2=0.999,",
                              "                                eps=1e-8, weight_decay=0.0)")},
    "same_as_l2_by_reasoning": {"same_as_l2": _f(_SL, "return {1, 3}")},
    "same_as_l2_as_a_list": {"same_as_l2": _f(_SL, "return [3, 1]")},
    "stable_std_from_a_table_of_variances": {
        "stable_std": _f(_SS,
                         "variance = {'identity': 1.0, 'tanh': 1.0, 'relu': 2.0}",
                         "if activation not in variance:",
                         "    raise ValueError(activation)",
                         "return (variance[activation] / fan_in) ** 0.5")},
    # the mean of the log-ratios of neighbouring layers telescopes to the first-to-last ratio
    "estimate_from_log_differences": {
        "estimate_weight_std": _f(_EW,
                                  "if activation not in ('identity', 'relu') or len(stds) < 2:",
                                  "    raise ValueError('activation identity or relu, and 2 layers or more')",
                                  "gain = np.exp(np.mean(np.diff(np.log(np.asarray(stds, dtype=float)))))",
                                  "E_a2 = 0.5 if activation == 'relu' else 1.0",
                                  "return gain / np.sqrt(fan_in * E_a2)")},
}


WRONG_ANSWERS = [
    # ----------------------------------------------------------------- dropout_forward
    WrongAnswer("do_no_scaling", "dropout_forward",
                _fwd(("mask = keep / (1 - p)", "mask = keep * 1.0")),
                "test_dropout_forward", "the kept entries are not scaled"),
    WrongAnswer("do_scale_by_p", "dropout_forward",
                _fwd(("mask = keep / (1 - p)", "mask = keep / p")),
                "test_dropout_forward", "divided by p"),
    WrongAnswer("do_times_keep_prob", "dropout_forward",
                _fwd(("mask = keep / (1 - p)", "mask = keep * (1 - p)")),
                "test_dropout_forward", "multiplied by 1 - p"),
    WrongAnswer("do_keep_prob_p", "dropout_forward",
                _fwd(("keep = rng.random(x.shape) >= p", "keep = rng.random(x.shape) < p")),
                "test_dropout_forward", "dropped with probability 1 - p"),
    WrongAnswer("do_scaled_at_eval", "dropout_forward",
                _fwd(("    return x, None", "    return x / (1 - p), None")),
                "test_dropout_forward", "you scaled in evaluation mode"),
    WrongAnswer("do_eval_times_keep_prob", "dropout_forward",
                _fwd(("    return x, None", "    return x * (1 - p), None")),
                "test_dropout_forward", "without inverted scaling"),
    WrongAnswer("do_drops_at_eval", "dropout_forward",
                _fwd(("if not training:", None), ("    return x, None", None)),
                "test_dropout_forward", "in evaluation mode nothing is dropped"),
    WrongAnswer("do_one_mask_per_batch", "dropout_forward",
                _fwd(("keep = rng.random(x.shape) >= p", "keep = rng.random(x.shape[-1]) >= p")),
                "test_dropout_forward", "every example of the batch got the same mask"),
    WrongAnswer("do_global_random", "dropout_forward",
                _fwd(("keep = rng.random(x.shape) >= p", "keep = np.random.random(x.shape) >= p")),
                "test_dropout_forward", "not from np.random"),
    WrongAnswer("do_fixed_seed", "dropout_forward",
                _fwd(("keep = rng.random(x.shape) >= p", "keep = np.random.default_rng(0).random(x.shape) >= p")),
                "test_dropout_forward", "do not make a new generator with a fixed seed"),
    WrongAnswer("do_in_place", "dropout_forward",
                _fwd(("return x * mask, mask", ["x *= mask", "return x, mask"])),
                "test_dropout_forward", "in place"),
    WrongAnswer("do_no_validation", "dropout_forward",
                _fwd(("if not 0 <= p < 1:", None),
                     ("    raise ValueError(f'`p` must be in [0, 1), got {p}')", None),
                     ("mask = keep / (1 - p)", "mask = keep / (1 - p) if p < 1 else keep * 0.0")),
                "test_dropout_forward", "raise ValueError when p is not in [0, 1)"),
    WrongAnswer("do_uses_nn_dropout", "dropout_forward",
                _f(_FWD,
                   "layer = mlpkit.nn.Dropout(p, rng=rng)",
                   "if not training:",
                   "    layer.eval()",
                   "out = layer(x)",
                   "return out, layer._mask"),
                "test_dropout_forward", "write dropout with NumPy"),
    # ----------------------------------------------------------------- dropout_backward
    WrongAnswer("bw_identity", "dropout_backward",
                _f(_BWD, "return grad_out"),
                "test_dropout_backward", "the entries the forward pass dropped"),
    WrongAnswer("bw_unscaled", "dropout_backward",
                _bwd(("return grad_out * cache", "return grad_out * (cache != 0)")),
                "test_dropout_backward", "the gradient is not scaled"),
    # forward is redefined in the backward cell to keep rng and p, and backward draws a new mask
    WrongAnswer("bw_new_mask", "dropout_backward",
                _fwd(("return x * mask, mask", "return x * mask, (rng, p)")) + "\n\n"
                + _f(_BWD,
                     "if cache is None:",
                     "    return grad_out",
                     "rng, p = cache",
                     "return grad_out * (rng.random(grad_out.shape) >= p) / (1 - p)"),
                "test_dropout_backward", "do not draw a new one"),
    # forward is redefined in the backward cell to remember its last mask in a global
    WrongAnswer("bw_stale_global", "dropout_backward",
                "LAST = {}\n\n"
                + _fwd(("return x * mask, mask", ["LAST['mask'] = mask", "return x * mask, mask"]),
                       ("    return x, None", ["    LAST['mask'] = None", "    return x, None"]))
                + "\n\n"
                + _f(_BWD,
                     "if LAST['mask'] is None:",
                     "    return grad_out",
                     "return grad_out * LAST['mask']"),
                "test_dropout_backward", "the last forward call's"),
    WrongAnswer("bw_in_place", "dropout_backward",
                _bwd(("return grad_out * cache", ["grad_out *= cache", "return grad_out"])),
                "test_dropout_backward", "in place"),
    WrongAnswer("bw_scaled_at_eval", "dropout_backward",
                _f(_FWD,
                   "if not 0 <= p < 1:",
                   "    raise ValueError(f'`p` must be in [0, 1), got {p}')",
                   "if not training:",
                   "    return x, (np.ones(np.shape(x), dtype=bool), p)",
                   "keep = rng.random(x.shape) >= p",
                   "return x * keep / (1 - p), (keep, p)") + "\n\n"
                + _f(_BWD, "keep, p = cache", "return grad_out * keep / (1 - p)"),
                "test_dropout_backward", "you scaled in evaluation mode"),
    WrongAnswer("bw_uses_nn_dropout", "dropout_backward",
                _f(_FWD,
                   "layer = mlpkit.nn.Dropout(p, rng=rng)",
                   "if not training:",
                   "    layer.eval()",
                   "return layer(x), layer") + "\n\n"
                + _f(_BWD, "return cache.backward(grad_out)"),
                "test_dropout_backward", "write dropout with NumPy"),
    # ----------------------------------------------------------------- penalty_gradient
    WrongAnswer("pg_factor_two", "penalty_gradient",
                _pg(("        total[name] = g + lam * W", "        total[name] = g + 2 * lam * W")),
                "test_penalty_gradient", "factor 2 too many"),
    WrongAnswer("pg_no_lambda", "penalty_gradient",
                _pg(("        total[name] = g + lam * W", "        total[name] = g + W")),
                "test_penalty_gradient", "lambda is missing"),
    WrongAnswer("pg_sign_flipped", "penalty_gradient",
                _pg(("        total[name] = g + lam * W", "        total[name] = g - lam * W")),
                "test_penalty_gradient", "the sign is flipped"),
    WrongAnswer("pg_bias_penalised", "penalty_gradient",
                _pg(("    if not name.startswith('W'):", "    if False:")),
                "test_penalty_gradient", "you penalised the bias"),
    WrongAnswer("pg_l1_as_l2", "penalty_gradient",
                _pg(("        total[name] = g + lam * np.sign(W)", "        total[name] = g + lam * W")),
                "test_penalty_gradient", "that is the gradient of L2"),
    WrongAnswer("pg_l1_abs", "penalty_gradient",
                _pg(("        total[name] = g + lam * np.sign(W)", "        total[name] = g + lam * np.abs(W)")),
                "test_penalty_gradient", "is the penalty, not its gradient"),
    WrongAnswer("pg_l1_nan_at_zero", "penalty_gradient",
                _pg(("        total[name] = g + lam * np.sign(W)",
                     ["        with np.errstate(invalid='ignore'):",
                      "            total[name] = g + lam * W / np.abs(W)"])),
                "test_penalty_gradient", "use the subgradient 0 there"),
    WrongAnswer("pg_in_place", "penalty_gradient",
                _pg(("        total[name] = g + lam * W", ["        g += lam * W", "        total[name] = g"])),
                "test_penalty_gradient", "in place"),
    WrongAnswer("pg_no_validation", "penalty_gradient",
                _pg(("if kind not in ('l2', 'l1'):", None),
                    ("    raise ValueError(f'`kind` must be l2 or l1, got {kind!r}')", None)),
                "test_penalty_gradient", "raise ValueError for a kind other than"),
    # ----------------------------------------------------------------- adam_decay_step
    WrongAnswer("ad_decoupled_no_lr", "adam_decay_step",
                _ad(("    return mlpkit.optim.adam_update(w - lr * lam * w, dw, state, lr=lr)",
                     "    return mlpkit.optim.adam_update(w - lam * w, dw, state, lr=lr)")),
                "test_adam_decay_step", "not multiplied by the learning rate"),
    WrongAnswer("ad_shrink_after_step", "adam_decay_step",
                _ad(("    return mlpkit.optim.adam_update(w - lr * lam * w, dw, state, lr=lr)",
                     ["    new_w, new_state = mlpkit.optim.adam_update(w, dw, state, lr=lr)",
                      "    return new_w - lr * lam * new_w, new_state"])),
                "test_adam_decay_step", "after Adam's step"),
    WrongAnswer("ad_decay_in_gradient_too", "adam_decay_step",
                _ad(("    return mlpkit.optim.adam_update(w - lr * lam * w, dw, state, lr=lr)",
                     "    return mlpkit.optim.adam_update(w - lr * lam * w, dw + lam * w, state, lr=lr)")),
                "test_adam_decay_step", "the decay is in the gradient too"),
    WrongAnswer("ad_swapped", "adam_decay_step",
                _ad(("if decoupled:", "if not decoupled:")),
                "test_adam_decay_step", "you applied the decoupled decay for decoupled=False"),
    WrongAnswer("ad_l2_factor_two", "adam_decay_step",
                _ad(("return mlpkit.optim.adam_update(w, dw + lam * w, state, lr=lr)",
                     "return mlpkit.optim.adam_update(w, dw + 2 * lam * w, state, lr=lr)")),
                "test_adam_decay_step", "factor 2 too many"),
    WrongAnswer("ad_state_restarted", "adam_decay_step",
                _ad(("    return mlpkit.optim.adam_update(w - lr * lam * w, dw, state, lr=lr)",
                     "    return mlpkit.optim.adam_update(w - lr * lam * w, dw, None, lr=lr)"),
                    ("return mlpkit.optim.adam_update(w, dw + lam * w, state, lr=lr)",
                     "return mlpkit.optim.adam_update(w, dw + lam * w, None, lr=lr)")),
                "test_adam_decay_step", "pass on the state"),
    WrongAnswer("ad_in_place", "adam_decay_step",
                _ad(("    return mlpkit.optim.adam_update(w - lr * lam * w, dw, state, lr=lr)",
                     ["    w -= lr * lam * w", "    return mlpkit.optim.adam_update(w, dw, state, lr=lr)"])),
                "test_adam_decay_step", "in place"),
    WrongAnswer("ad_uses_weight_decay", "adam_decay_step",
                _f(_AD,
                   "if decoupled:",
                   "    return mlpkit.optim.adamw_update(w, dw, state, lr=lr, weight_decay=lam)",
                   "return mlpkit.optim.adam_update(w, dw, state, lr=lr, weight_decay=lam)"),
                "test_adam_decay_step", "write the decay yourself"),
    WrongAnswer("ad_uses_adamw", "adam_decay_step",
                _ad(("    return mlpkit.optim.adam_update(w - lr * lam * w, dw, state, lr=lr)",
                     "    return mlpkit.optim.adamw_update(w, dw, state, lr=lr, weight_decay=lam)")),
                "test_adam_decay_step", "called mlpkit's AdamW"),
    # ----------------------------------------------------------------- same_as_l2
    WrongAnswer("sl_with_momentum", "same_as_l2", _f(_SL, "return {1, 2, 3}"),
                "test_same_as_l2", "with momentum the two differ"),
    WrongAnswer("sl_large_gradients", "same_as_l2", _f(_SL, "return {1, 3, 4}"),
                "test_same_as_l2", "under Adam with large gradients the two differ"),
    WrongAnswer("sl_zero_gradients", "same_as_l2", _f(_SL, "return {1, 3, 5}"),
                "test_same_as_l2", "with zero data gradients the two differ"),
    WrongAnswer("sl_missing_sgd", "same_as_l2", _f(_SL, "return {3}"),
                "test_same_as_l2", "for plain SGD the two are the same step"),
    WrongAnswer("sl_missing_lam_zero", "same_as_l2", _f(_SL, "return {1}"),
                "test_same_as_l2", "with lam = 0 neither way decays"),
    # ----------------------------------------------------------------- stable_std
    WrongAnswer("ss_variance", "stable_std",
                _ss(("    return np.sqrt(2 / fan_in)", "    return 2 / fan_in"),
                    ("    return 1 / np.sqrt(fan_in)", "    return 1 / fan_in")),
                "test_stable_std", "you returned the variance"),
    WrongAnswer("ss_identity_for_relu", "stable_std",
                _ss(("    return np.sqrt(2 / fan_in)", "    return 1 / np.sqrt(fan_in)")),
                "test_stable_std", "that is the scale for the identity"),
    WrongAnswer("ss_he_for_tanh", "stable_std",
                _ss(("if activation == 'relu':", "if activation in ('relu', 'tanh'):")),
                "test_stable_std", "that is the ReLU scale"),
    WrongAnswer("ss_no_validation", "stable_std",
                _ss(("if activation == 'relu':", "if activation not in ('identity', 'tanh'):")),
                "test_stable_std", "raise ValueError for an activation other than"),
    # ----------------------------------------------------------------- estimate_weight_std
    WrongAnswer("ew_no_relu_factor", "estimate_weight_std",
                _ew(("k = 2.0 if activation == 'relu' else 1.0", "k = 1.0")),
                "test_estimate_weight_std", "the ReLU factor is missing"),
    WrongAnswer("ew_returns_gain", "estimate_weight_std",
                _ew(("return gain * np.sqrt(k / fan_in)", "return gain")),
                "test_estimate_weight_std", "you returned the factor per layer"),
    WrongAnswer("ew_exponent_L", "estimate_weight_std",
                _ew(("gain = (stds[-1] / stds[0]) ** (1 / (len(stds) - 1))",
                     "gain = (stds[-1] / stds[0]) ** (1 / len(stds))")),
                "test_estimate_weight_std", "the exponent should be 1 / (L - 1)"),
    WrongAnswer("ew_variances", "estimate_weight_std",
                _ew(("gain = (stds[-1] / stds[0]) ** (1 / (len(stds) - 1))",
                     "gain = (stds[-1] / stds[0]) ** (1 / (2 * (len(stds) - 1)))")),
                "test_estimate_weight_std", "treated the standard deviations as variances"),
    WrongAnswer("ew_first_layer", "estimate_weight_std",
                _ew(("return gain * np.sqrt(k / fan_in)", "return stds[0] / np.sqrt(fan_in)")),
                "test_estimate_weight_std", "you used the first layer alone"),
    WrongAnswer("ew_mean_of_ratios", "estimate_weight_std",
                _ew(("gain = (stds[-1] / stds[0]) ** (1 / (len(stds) - 1))",
                     "gain = np.mean(np.asarray(stds[1:]) / np.asarray(stds[:-1]))")),
                "test_estimate_weight_std", "grow into stds[-1]"),
    WrongAnswer("ew_no_validation", "estimate_weight_std",
                _ew(("if activation not in ('identity', 'relu'):", None),
                    ("    raise ValueError(f'`activation` must be identity or relu, got {activation!r}')", None)),
                "test_estimate_weight_std", 'raise ValueError for an activation other than "identity" and "relu"'),
]
