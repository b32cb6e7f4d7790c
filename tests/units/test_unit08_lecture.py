"""Unit 08 (optimisers): the lecture's skeleton, topics, widgets, figures and worked numbers.

The exercise's own tests are in ``test_unit08_exercises.py`` (the generic ones in
``test_exercises.py``). Here, on the stored lecture ``lectures/08_optimisers.ipynb``:

* the skeleton every unit follows (title, what you will learn, sections, summary,
  the exercise link) and, since the course ends here, "where to go from here"
  instead of a next lecture;
* the topics of the syllabus and of issue 16, the laboratory widgets with their
  static fallbacks, alt text and hidden code on every figure;
* quick mode: the MNIST cells shrink under ``MLPCOURSE_QUICK`` and never carry
  ``nbval-check-output``;
* every worked number the checked cells print, recomputed here from its formula
  (closed forms, numpy's polynomial roots, plain loops), never by calling the
  lecture's code or mlpkit's theory module.
"""
from __future__ import annotations

import math
import re
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import read_lecture  # noqa: E402

UNIT = "08_optimisers"


def _lecture():
    return read_lecture(UNIT)


def _rate(h, mu):
    """Largest |root| of z^2 - (1 + mu - h) z + mu (heavy ball, h = eta lambda), by numpy."""
    return max(abs(np.roots([1.0, -(1.0 + mu - h), mu])))


def _nesterov_rate(h, mu):
    return max(abs(np.roots([1.0, -(1.0 + mu) * (1.0 - h), mu * (1.0 - h)])))


# --------------------------------------------------------------------------- skeleton and topics

def test_lecture_skeleton_ends_the_course():
    nb, markdown, _, _ = _lecture()
    assert markdown[0].startswith("# Unit 08 · Optimisers")
    headings = [m.splitlines()[0] for m in markdown if m.startswith("#")]
    assert headings[1] == "## What you will learn"
    assert "## Notation in this unit" in headings
    numbered = [h for h in headings if re.match(r"## \d+ · ", h)]
    assert [int(h.split()[1]) for h in numbered] == list(range(1, len(numbered) + 1))
    assert len(numbered) >= 10
    assert headings[-2:] == ["## Summary", "## Exercises and where to go from here"]
    assert "**Where to go from here.**" in markdown[-2] + markdown[-1]   # the course ends with it
    text = "\n".join(markdown)
    assert "(../08_optimisers/08_optimisers.ipynb)" in text
    assert "09_" not in text                      # the last unit links no next lecture


def test_lecture_topics():
    _, markdown, code, _ = _lecture()
    text = "\n".join(markdown).lower()
    for topic in ["stochastic gradient descent", "momentum", "pytorch", "v_t = -\\eta\\,\\mathbf u_t",
                  "nesterov", "look-ahead", "adagrad", "decays toward zero", "rmsprop",
                  "hinton", "adam", "bias correction", "(1 - \\beta_1^{\\,t})\\,e[\\mathbf g]",
                  "eigenvector", "each direction evolves on its own", "condition number",
                  "plateau", "spiral", "oscillation", "\\frac{\\sqrt\\kappa - 1}{\\sqrt\\kappa + 1}",
                  "\\frac{\\kappa - 1}{\\kappa + 1}", "rosenbrock", "mnist", "schedule",
                  "step_decay", "cosine", "warm-up", "noise floor", "batch size",
                  "linear scaling rule", "laboratory", "saddle", "convolutional",
                  "automatic differentiation"]:
        assert topic in text, topic
    source = "\n".join(c.source for c in code)
    for call in ["theory.convergence_rate(", "optim.sgd_update(", "nesterov=True",
                 "optim.adagrad_update(", "optim.rmsprop_update(", "optim.adam_update(",
                 "schedules.step_decay(", "schedules.cosine(", "warmup=1", "schedule=schedule",
                 "data.load_mnist("]:
        assert call in source, call


def test_laboratory_widgets_live_and_static():
    nb, _, code, _ = _lecture()
    sources = [c.source for c in code]
    for builder in ["optimizer_lab(", "network_lab("]:
        live = [s for s in sources if f"widgets.{builder}" in s and "static=True" not in s]
        still = [c for c in code if f"widgets.{builder}" in c.source and "static=True" in c.source]
        assert live, builder
        assert still and all(any("image/png" in o.get("data", {}) for o in c.outputs)
                             for c in still), builder


def test_figures_have_alt_text_and_hidden_code():
    nb = _lecture().nb
    figures = 0
    for cell in nb.cells:
        if any(o.get("data", {}).get("image/png") for o in cell.get("outputs", [])):
            figures += 1
            assert len(cell.metadata.get("alt", "").split()) >= 6, cell.source[:60]
            assert "hide-input" in cell.metadata.get("tags", []), cell.source[:60]
            assert cell.metadata.get("jupyter", {}).get("source_hidden") is True
    assert figures >= 10


def test_quick_mode_shrinks_the_mnist_runs_and_is_never_checked():
    _, _, code, _ = _lecture()
    setup = code[0].source
    assert 'os.environ.get("MLPCOURSE_QUICK") == "1"' in setup
    assert any("if QUICK:" in c.source and "quick mode:" in c.source for c in code)
    for c in code:
        if "nbval-check-output" in c.metadata.get("tags", []):
            for name in ["QUICK", "mnist_run", "n_train", "epochs", "time.perf_counter"]:
                assert name not in c.source, (name, c.source[:60])


# --------------------------------------------------------------------------- worked numbers

def test_momentum_conventions_agree_at_a_constant_rate_and_differ_after_a_drop():
    printed = _lecture().printed
    assert "same iterates up to rounding (below 1e-12): True ; " \
           "optim.sgd_update is the velocity form: True" in printed
    # constant gradient 1, mu = 0.9, eta 0.1 for 30 steps then 0.01, as plain loops
    v, u = 0.0, 0.0
    steps_v, steps_u = [], []
    for t in range(1, 81):
        eta = 0.1 if t <= 30 else 0.01
        v = 0.9 * v - eta
        u = 0.9 * u + 1.0
        steps_v.append(abs(v))
        steps_u.append(eta * u)
    for t in [30, 31, 32, 40, 60, 80]:
        assert (f"step {t:2d}: |step| velocity form {steps_v[t - 1]:.4f}, "
                f"buffer form {steps_u[t - 1]:.4f}") in printed
    assert abs(steps_v[29] - (1 - 0.9 ** 30)) < 1e-12       # v_30 = -(1 - mu^30) eta / (1 - mu)
    extra = sum(steps_v[30:]) - sum(steps_u[30:])
    assert f"after the drop the velocity form travels {extra:.3f} further" in printed


def test_nesterov_rates_and_look_ahead():
    printed = _lecture().printed
    assert "mlpkit's w equals the textbook look-ahead point w + mu v (below 1e-12): True" in printed
    heavy = [_rate(0.03 * k, 0.9) for k in (1.0, 30.0)]
    ahead = [_nesterov_rate(0.03 * k, 0.9) for k in (1.0, 30.0)]
    assert f"heavy ball: rate along w1 {heavy[0]:.3f}, along w2 {heavy[1]:.3f}" in printed
    assert f"Nesterov  : rate along w1 {ahead[0]:.3f}, along w2 {ahead[1]:.3f}" in printed
    assert f"{ahead[1]:.3f}" == "0.300"                    # |z|^2 = mu (1 - h) = 0.09


def test_adaptive_step_lengths():
    printed = _lecture().printed
    etas = ", ".join(f"{0.1 / math.sqrt(t):.4f}" for t in [1, 4, 25, 100])
    assert f"g =   0.01: step at t = 1, 4, 25, 100: {etas}" in printed
    assert f"g =  100.0: step at t = 1, 4, 25, 100: {etas}" in printed
    for rho in [0.9, 0.99]:
        s = [1 / math.sqrt(1 - rho ** t) for t in (1, 10, 200)]   # s_t = (1 - rho^t) g^2
        assert (f"rho = {rho}: averages over ~{1 / (1 - rho):.0f} steps; step / eta at "
                f"t = 1, 10, 200: {s[0]:.2f}, {s[1]:.2f}, {s[2]:.2f}") in printed


def test_adam_bias_correction_numbers():
    printed = _lecture().printed
    for t in [1, 2, 5, 10, 50]:
        assert re.search(rf"^\s*{t}\s+\S+\s+{1 - 0.9 ** t:.4f}$", printed, re.M), t
    # the simulated means are close to (1 - beta1^t) E[g] (20000 runs, std of the mean < 0.004)
    for line in re.findall(r"^\s*\d+\s+\d\.\d{4}\s+\d\.\d{4}$", printed, re.M):
        t, measured, expected = line.split()
        assert abs(float(measured) - float(expected)) < 0.004, line
    for t in [1, 10, 100, 1000, 10000]:
        factor = (1 - 0.9 ** t) / math.sqrt(1 - 0.999 ** t)
        assert f"t = {t:5d}: uncorrected step / corrected step = {factor:.2f}" in printed
    # Adam's first step: m_hat = g, v_hat = g^2, so w1 = w0 - eta g / (|g| + eps)
    for dw in [12.0, 0.001]:
        w1 = 2.0 - 0.1 * dw / (abs(dw) + 1e-8)
        assert f"w after one Adam step = {w1:.6f}" in printed
        assert f"m_hat = {dw:.4g}, v_hat = {dw * dw:.4g}" in printed


def test_each_direction_and_the_regimes():
    printed = _lecture().printed
    for lam in ["  1.0", "100.0"]:
        assert (f"direction lambda = {lam}: 2-D run projected equals a 1-D run "
                "on (lambda/2) c^2: True") in printed
    assert "mu = 0.5: spiral band 0.086 < h < 2.914, divergence at h > 3.0" in printed
    for h, name in [(0.02, "plateau (real roots > 0)"), (1.0, "spiral (complex roots)"),
                    (2.95, "oscillation (root < 0)")]:
        assert f"h = {h:4}: {name:26s} rate r = {_rate(h, 0.5):.4f}" in printed


def test_optimal_step_and_momentum_for_kappa_100():
    printed = _lecture().printed
    kappa, lam_min, lam_max = 100.0, 1.0, 100.0
    # closed forms: sqrt(kappa) = 10, so r* = 9/11 and mu* = 81/121; eta* = 4 / 11^2
    assert f"plain descent: eta* = {2 / 101:.6f}, rate (kappa-1)/(kappa+1) = {99 / 101:.6f}" in printed
    assert (f"momentum:      eta* = {4 / 121:.6f}, mu* = {81 / 121:.6f}, "
            f"rate (sqrt(kappa)-1)/(sqrt(kappa)+1) = {9 / 11:.6f}") in printed
    ends = [_rate(4 / 121 * lam, 81 / 121) for lam in (lam_min, lam_max)]
    assert all(abs(e - 9 / 11) < 1e-6 for e in ends)        # double roots at both band edges
    assert f"convergence_rate at lambda_min and lambda_max: {9 / 11:.6f}, {9 / 11:.6f}" in printed
    assert f"plain descent {math.log(1e-6) / math.log(99 / 101):.0f}" in printed
    assert f"momentum {math.log(1e-6) / math.log(9 / 11):.0f}" in printed
    assert kappa == lam_max / lam_min
    # the measured rates: the optimum is the fastest, its neighbours slower or diverging
    rows = {label.strip(): value for label, value in
            re.findall(r"^(.{24}) eta = .*measured (\S+)", printed, re.M)}
    assert len(rows) == 6
    best = float(rows.pop("momentum at (eta*, mu*)"))
    assert abs(best - 9 / 11) < 0.01
    assert abs(float(rows["plain descent at eta*"]) - 99 / 101) < 1e-4
    for label, value in rows.items():
        assert value == "inf" or float(value) > best, label


def test_noise_floor_formula():
    printed = _lecture().printed
    for eta, B in [(0.1, 1), (0.05, 1), (0.1, 4), (0.4, 4)]:
        floor = eta / (2 * B * (2 - eta))                       # sigma = lambda = 1
        match = re.search(rf"^\s*{eta}\s+{B}\s+(\d\.\d{{4}})\s+{floor:.4f}$", printed, re.M)
        assert match, (eta, B)
        assert abs(float(match.group(1)) - floor) < 0.05 * floor + 2e-4


def test_comparison_tables_are_checked_and_plausible():
    printed = _lecture().printed
    names = {"SGD", "momentum", "Nesterov", "AdaGrad", "RMSProp", "Adam"}
    # the quadratic's table: name, eta and final loss on the axes, eta and loss turned
    rows = {m[0]: m for m in re.findall(r"^(\w+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)$",
                                        printed, re.M) if m[0] in names}
    assert set(rows) == names
    # on the turned quadratic momentum beats plain SGD by orders of magnitude
    assert float(rows["momentum"][4]) < 1e-4 * float(rows["SGD"][4])
    assert float(rows["AdaGrad"][2]) < float(rows["AdaGrad"][4])   # axes help the adaptive step
    assert re.search(r"^momentum\s+eta = .*loss after 1000 steps \S+, distance to \(1, 1\) 0\.000",
                     printed, re.M)
