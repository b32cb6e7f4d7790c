"""Unit 07 (regularisation and initialisation): what only this unit's lecture checks.

The lecture follows the unit skeleton, covers its topics with the library pieces
they are about (early stopping, AdamW, Dropout, BatchNorm1d, loss_contour, the
initialisers, the initialisation explorer), gives every figure alt text, and
prints worked numbers that are recomputed here independently: parameter counts,
the decay of Adam with L2 versus AdamW (both optimisers written out from their
formulas), batch norm's running statistics, the condition numbers and descent
steps of the two-weight linear model, the variances of the initialisers. Numbers
that come from training runs are checked for what the prose says about them
(which error is lower, which weights are sparse).

The exercise's tests are in ``test_unit07_exercises.py``.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import read_lecture  # noqa: E402

UNIT = "07_regularisation"


def _numbers(pattern, text):
    """The groups of the one match of ``pattern`` in ``text``, as floats."""
    matches = re.findall(pattern, text, flags=re.M)
    assert len(matches) == 1, (pattern, matches)
    groups = matches[0] if isinstance(matches[0], tuple) else (matches[0],)
    return [float(g) for g in groups]


# --------------------------------------------------------------------------- skeleton and topics

def test_lecture_links_and_checked_cells():
    # the generic skeleton (headings, slide metadata, stored executed) is checked for every
    # unit by tests/units/test_exercises.py::test_lecture_follows_the_unit_skeleton
    _, markdown, code, _ = read_lecture(UNIT)
    assert markdown[0].startswith("# Unit 07 · Regularisation and initialisation")
    assert "](../07_regularisation/07_regularisation.ipynb)" in markdown[-1]
    assert "](08_optimisers.ipynb)" in markdown[-1]
    for name in ["dropout_forward", "dropout_backward", "penalty_gradient", "adam_decay_step",
                 "estimate_weight_std"]:      # the exercise's functions, as announced
        assert f"`{name}`" in markdown[-1], name
    checked = [c for c in code if "nbval-check-output" in c.metadata.get("tags", [])]
    assert len(checked) >= 12, "every worked number is printed by a compared cell"


def test_lecture_topics_and_library_pieces():
    _, markdown, code, _ = read_lecture(UNIT)
    text = "\n".join(markdown).lower()
    for topic in ["under-fitting", "over-fitting", "validation", "early stopping", "patience",
                  "l2", "l1", "sparse", "soft threshold", "subgradient", "decoupled weight decay",
                  "adamw", "sqrt{\\hat v}", "inverted dropout", "co-adapt", "mathbb e[\\tilde a_i]",
                  "same mask", "condition number", "standardis", "batch normalisation",
                  "running statistics", "symmetry", "lecun", "xavier", "glorot", "he / kaiming",
                  "framework default", "n_\\text{in}\\,\\mathrm{var}(w)", "vanish", "explode"]:
        assert topic in text, topic
    source = "\n".join(c.source for c in code)
    for piece in ["early_stopping=", "optim.AdamW", "optim.Adam", "nn.Dropout(", "drop.eval()",
                  "nn.BatchNorm1d(", "bn.eval()", "plot.loss_contour(", "data.standardize(",
                  "init.constant", "init.get(", "widgets.run_init_stats(",
                  "widgets.init_explorer(static=True)", "gradcheck.check_layer("]:
        assert piece in source, piece
    widget_cells = [c for c in code if c.source.startswith("widgets.init_explorer(")]
    assert any("static=True" not in c.source for c in widget_cells), "the live explorer"


def test_figures_have_alt_text_and_hidden_code():
    nb, _, code, _ = read_lecture(UNIT)
    figures = 0
    for cell in code:
        if any(o.get("data", {}).get("image/png") for o in cell.get("outputs", [])):
            figures += 1
            assert len(cell.metadata.get("alt", "")) > 40, cell.source[:60]
            assert "hide-input" in cell.metadata.get("tags", []), cell.source[:60]
            assert cell.metadata.get("jupyter", {}).get("source_hidden") is True
    assert figures >= 10, figures


# --------------------------------------------------------------------------- worked numbers

def test_section_1_and_2_fit_and_early_stopping():
    printed = read_lecture(UNIT).printed
    assert f"noise variance, the best reachable MSE: {0.25 ** 2:.4f}" in printed
    # parameters of 1 -> widths -> 1 networks: weights and biases of every Linear
    counts = {"too small": (1 + 1) + (1 + 1), "about right": (3 + 3) + (3 + 1),
              "too large": (64 + 64) + (64 * 64 + 64) + (64 + 1)}
    errors = {}
    for name, n in counts.items():
        errors[name] = _numbers(rf"{name:11s} {n:5d} parameters: train MSE (\d\.\d{{4}}), "
                                r"validation MSE (\d\.\d{4})", printed)
    train = {k: v[0] for k, v in errors.items()}
    val = {k: v[1] for k, v in errors.items()}
    # "the training error alone would rank them the wrong way round"
    assert train["too large"] < train["about right"] < train["too small"]
    assert val["about right"] < val["too large"] and val["about right"] < val["too small"]
    best_val, best, last_val = _numbers(r"lowest validation MSE (\d\.\d{4}) at epoch (\d+); "
                                        r"after 2000 epochs (\d\.\d{4})", printed)
    assert last_val == val["too large"] and best_val < last_val and 100 < best < 1500
    stop, best_early = _numbers(r"stopped after epoch (\d+) \(early_stopping\), best epoch (\d+)",
                                printed)
    assert stop == best_early + 100                  # patience 100
    restored = _numbers(r"restored weights: (\d\.\d{4})", printed)[0]
    without = _numbers(r"after 2000 epochs, no stopping: (\d\.\d{4})", printed)[0]
    assert without == last_val and restored < without


def test_section_3_l1_gives_sparse_weights_and_l2_small_ones():
    printed = read_lecture(UNIT).printed
    rows = {}
    for name in ["none", "L2, lambda = 3e-3", "L1, lambda = 1e-3"]:
        # columns: mean |w|, largest |w|, percentage below 1e-3, validation MSE
        rows[name] = _numbers(rf"{re.escape(name)}\s+(\d\.\d{{4}})\s+(\d\.\d{{2}})\s+"
                              r"(\d+\.\d)%\s+\d\.\d{4}", printed)
    none, l2, l1 = rows.values()
    assert l2[0] < none[0] and l1[0] < l2[0]         # both shrink; L1 most
    assert none[2] < 5 and l2[2] < 10 and l1[2] > 90  # only L1 is sparse


def test_section_4_sgd_equality_and_adam_decay_from_the_formulas():
    printed = read_lecture(UNIT).printed
    assert "SGD: L2 and decoupled decay give the same weights: True" in printed
    assert f"= {(1 - 1e-3 * 0.1) ** 1000:.3f}" in printed

    # Adam written out from its equations (bias-corrected, eps outside the root),
    # with L2 in the gradient or decoupled decay, on the lecture's gradients
    def run(decoupled, lr=1e-3, lam=0.1, beta1=0.9, beta2=0.999, eps=1e-8):
        w = np.ones((2, 1000))
        m, v = np.zeros_like(w), np.zeros_like(w)
        rng = np.random.default_rng(0)
        scale = np.array([[10.0], [0.01]])
        for t in range(1, 1001):
            g = scale * rng.normal(size=w.shape)
            if decoupled:
                w = w - lr * lam * w
            else:
                g = g + lam * w
            m = beta1 * m + (1 - beta1) * g
            v = beta2 * v + (1 - beta2) * g * g
            w = w - lr * (m / (1 - beta1 ** t)) / (np.sqrt(v / (1 - beta2 ** t)) + eps)
        return w.mean(axis=1)

    for name, decoupled in [("Adam, L2 in the loss", False), ("AdamW, decoupled", True)]:
        large, small = run(decoupled)
        assert f"{name:21s} {large:19.3f} {small:16.3f}" in printed
    large, small = run(False)
    assert large > 0.95 and small < 0.5              # Adam's L2 depends on the gradient scale


def test_section_5_dropout():
    printed = read_lecture(UNIT).printed
    zeroed, survivor, mean = _numbers(r"training mode: (\d\.\d{3}) zeroed, survivors = (\d\.\d) "
                                      r"= 2 / \(1 - 0\.5\), mean (\d\.\d{3})", printed)
    # 100,000 independent draws with p = 0.5: the fraction within 3 standard deviations
    assert abs(zeroed - 0.5) < 3 * np.sqrt(0.25 / 100_000) + 5e-4
    assert survivor == 2 / (1 - 0.5)
    assert abs(mean - 2.0) < 0.02                    # E[out] = the input
    assert "backward reuses the mask: True" in printed
    assert "evaluation mode returns the input: True" in printed
    assert "training flag of every layer after fit: {False}" in printed
    plain = _numbers(r"no dropout : train MSE (\d\.\d{4}), validation MSE (\d\.\d{4})", printed)
    dropped = _numbers(r"dropout 0\.1: train MSE (\d\.\d{4}), validation MSE (\d\.\d{4})", printed)
    assert dropped[0] > plain[0] and dropped[1] < plain[1]


def test_section_6_condition_numbers_and_steps_by_hand():
    printed = read_lecture(UNIT).printed
    rng = np.random.default_rng(3)
    x_raw = rng.normal(size=(100, 2)) * [1.0, 5.0]
    y = x_raw @ np.array([1.5, -0.4]) + 0.1 * rng.normal(size=100)
    x_std = (x_raw - x_raw.mean(axis=0)) / x_raw.std(axis=0)
    for name, x in [("raw inputs", x_raw), ("standardised inputs", x_std)]:
        H = 2 / len(x) * x.T @ x
        eig = np.linalg.eigvalsh(H)
        w_best = np.linalg.solve(x.T @ x, x.T @ y)
        loss = lambda w: np.mean((x @ w - y) ** 2)  # noqa: E731
        w, steps = np.zeros(2), 0
        while loss(w) - loss(w_best) >= 1e-6:
            w = w - 1 / eig.max() * (2 / len(x) * x.T @ (x @ w - y))
            steps += 1
        assert (f"{name:19s}: condition number {eig.max() / eig.min():5.1f}, "
                f"{steps:3d} steps to within 1e-6") in printed


def test_section_7_batch_norm_by_hand():
    printed = read_lecture(UNIT).printed
    assert "by hand equals nn.BatchNorm1d: True" in printed
    assert "output mean per feature: [0. 0. 0.]" in printed
    assert "output std per feature:  [1. 1. 1.]" in printed
    assert "formula equals nn.BatchNorm1d.backward: True" in printed
    assert "gradient check, every error below 1e-7: True" in printed
    # running statistics: momentum 0.1, the unbiased batch variance stored
    rng = np.random.default_rng(5)
    mean, var = 0.0, 1.0
    for _ in range(200):
        batch = rng.normal(loc=3.0, scale=2.0, size=(32, 1))
        mean = 0.9 * mean + 0.1 * batch.mean()
        var = 0.9 * var + 0.1 * batch.var(ddof=1)
    assert f"running mean {mean:.2f}, running variance {var:.2f}" in printed
    assert f"one example x = 5 in evaluation mode: {(5 - mean) / np.sqrt(var + 1e-5):.2f}" in printed


def test_section_8_symmetry_and_initialiser_variances():
    printed = read_lecture(UNIT).printed
    weights = re.search(r"constant 0\.5\s+\[([^\]]+)\] (\d\.\d{4})", printed)
    units = [float(w) for w in weights.group(1).split()]
    assert len(units) == 4 and len(set(units)) == 1  # the four units stayed identical
    # "the validation error of the one-unit network of section 1"
    one_unit = _numbers(r"too small\s+4 parameters: train MSE \d\.\d{4}, validation MSE "
                        r"(\d\.\d{4})", printed)[0]
    assert float(weights.group(2)) == one_unit
    random_units = re.search(r"default \(random\) \[([^\]]+)\]", printed).group(1).split()
    assert len(set(random_units)) == 4

    fan_out, fan_in = 256, 512
    formulas = {"lecun_normal": 1 / fan_in, "xavier_normal": 2 / (fan_in + fan_out),
                "he_normal": 2 / fan_in, "default": (1 / np.sqrt(fan_in)) ** 2 / 3}
    for name, var in formulas.items():
        # columns: Var(W) measured, formula, Var(z) / Var(x) measured, n_in Var(W)
        measured, formula, ratio, gain = _numbers(
            rf"^{name:13s} (\S+)  (\S+) +(\S+) +(\S+)$", printed)
        assert formula == float(f"{var:.2e}") and gain == float(f"{fan_in * var:.3f}")
        assert abs(measured / var - 1) < 0.02         # 131,072 draws: within 2%
        assert abs(ratio / (fan_in * var) - 1) < 0.05  # Var(z) = n_in Var(W) Var(x)

    last = dict(re.findall(r"^  (\w+ \S+)\s+(\S+)$", printed, flags=re.M))
    assert float(last["tanh default"]) < 1e-3 and float(last["relu default"]) < 1e-3    # vanish
    assert float(last["relu normal(1)"]) > 1e3                                          # explode
    assert 0.1 < float(last["tanh xavier_normal"]) < 10 and 0.1 < float(last["relu he_normal"]) < 10
