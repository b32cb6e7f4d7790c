"""Unit 04 (classification): what only this unit's exercise and lecture check.

The generic tests (full marks, other correct answers, wrong answers, the
student's version, the skeletons) run on every unit in ``tests/units/test_exercises.py``,
with this unit's fixtures in ``tests/units/answers/unit04.toml``. Here:

* partial credit: each exercise earns its own points, and a softmax mistake costs
  Exercise 3 nothing when its softmax is written inline;
* the ban on the library's softmax and cross-entropy catches a call however the
  function was imported, and leaves the library working afterwards;
* the lecture covers its topics, builds its widget and prints the worked numbers,
  which are recomputed here by hand.
"""
from __future__ import annotations

import math
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from answers.unit04 import ALTERNATIVES, POINTS, UNIT, WRONG_ANSWERS  # noqa: E402
from harness import (function_source, passed_cells, read_lecture,  # noqa: E402
                     run_leaving_unanswered, run_quietly, score, solution_path)

import mlpkit.functional as F  # noqa: E402


def _wrong(name):
    return next(w for w in WRONG_ANSWERS if w.id == name)


def test_each_exercise_earns_its_own_points():
    # softmax and cross_entropy solved, the rest left as released: 2 + 3 points
    results = run_leaving_unanswered(UNIT, "cross_entropy_grad", "train_logistic")
    passed = passed_cells(results)
    assert passed == {"test_softmax", "test_softmax_stable", "test_cross_entropy",
                      "test_cross_entropy_stable"}
    assert score(results) == 5 == sum(POINTS[k] for k in passed)


def test_unstable_softmax_costs_only_its_own_point_when_the_gradient_is_inline():
    wrong = _wrong("softmax_no_max")
    answers = {**ALTERNATIVES["grad_inline_softmax"], wrong.function: wrong.source}
    results, _ = run_quietly(solution_path(UNIT), answers)
    failed = {k for k, r in results.items() if not r.passed}
    assert failed == {"test_softmax_stable"}, failed
    assert score(results) == 9


def test_library_call_is_caught_however_it_was_imported_and_the_library_is_restored():
    original = F.softmax
    cells = {
        "from mlpkit.functional import softmax as library_softmax":
            function_source("softmax(z)", "return library_softmax(z, axis=1)"),
        "import mlpkit.functional as MF":
            function_source("softmax(z)", "return MF.softmax(z, axis=1)"),
    }
    for imports, body in cells.items():
        results, _ = run_quietly(solution_path(UNIT), {"softmax": imports + "\n" + body})
        assert not results["test_softmax"].passed, imports
        assert "NumPy only" in results["test_softmax"].message, results["test_softmax"].message
        assert F.softmax is original                     # restored after the check
    loss = _wrong("ce_calls_mlpkit")
    results, _ = run_quietly(solution_path(UNIT), {loss.function: loss.source})
    assert "mlpkit.functional.log_softmax" in results["test_cross_entropy"].message
    assert F.log_softmax(F.softmax([[0.0, 0.0]]))[0, 0] < 0   # both still the library's


def _number_after(text, label):
    match = re.search(re.escape(label) + r"\s*=?\s*(-?[\d.]+(?:e[-+]?\d+)?)", text)
    assert match, f"{label!r} not printed"
    return float(match.group(1))


def test_lecture_topics_widget_and_figures():
    _, markdown, code, _ = read_lecture(UNIT)
    assert "05_mlp.ipynb" in markdown[-1]
    text = "\n".join(markdown).lower()
    for topic in ["probability distribution", "logistic regression", "bernoulli", "likelihood",
                  "binary cross-entropy", "softmax", "one-hot", "categorical cross-entropy",
                  "computation graph", "jacobian", "saturat", "squared loss", "log-sum-exp",
                  "overflow", "decision boundary", "xor", "not linearly separable"]:
        assert topic in text, topic
    assert any("widgets.logistic_regression(" in c.source for c in code)
    used = "\n".join(c.source for c in code)
    for name in ["F.sigmoid", "F.softmax", "F.log_softmax", "F.logsumexp", "F.bce_loss",
                 "F.bce_with_logits_loss", "F.cross_entropy_loss", "data.one_hot", "data.make_xor",
                 "plot.decision_boundary", "plot.confusion_matrix", "plot.learning_curves",
                 "gradcheck.numerical_gradient", "train.fit", "train.train_step"]:
        assert name in used, name
    for cell in code:                      # every figure cell says what it shows
        if any("image/png" in o.get("data", {}) for o in cell.outputs):
            assert len(cell.metadata.get("alt", "")) > 40, cell.source[:60]
            assert "hide-input" in cell.metadata.get("tags", [])


def test_lecture_worked_numbers_match_a_hand_computation():
    printed = read_lecture(UNIT).printed
    # Bernoulli likelihood of p = (0.9, 0.2, 0.6), y = (1, 0, 0): 0.9 * 0.8 * 0.4
    bce = -math.log(0.9 * 0.8 * 0.4) / 3
    for label in ["-log(likelihood) / B", "F.bce_loss(p, y)", "F.bce_with_logits_loss"]:
        assert _number_after(printed, label) == round(bce, 4), label
    # the saturated row of the table: y = 1, z = -10
    p = 1 / (1 + math.exp(10))
    assert f"{-10.0:6.1f} {p:15.3e} {2 * (p - 1) * p * (1 - p):15.3e} {p - 1:21.3e}" in printed
    # softmax of (2, 1, 0.1), and the gradient y_hat - y for class 0
    e = [math.exp(v) for v in (2.0, 1.0, 0.1)]
    y_hat = [v / sum(e) for v in e]
    assert f"[{y_hat[0]:.3f}  {y_hat[1]:.4f} {y_hat[2]:.4f}]" in printed
    assert f"y_hat - y                     : [{y_hat[0] - 1:.3f}   {y_hat[1]:.4f}  {y_hat[2]:.4f}]" \
        in printed
    # the categorical cross-entropy of the 3-example batch, three ways
    rows, labels = [(2.0, 1.0, 0.1), (0.5, 0.5, 3.0), (1.0, -1.0, 0.0)], [0, 2, 1]
    ce = sum(math.log(sum(math.exp(v) for v in r)) - r[k] for r, k in zip(rows, labels)) / 3
    assert printed.count(f"{ce:.4f}") >= 4
    # overflow: float64 exp overflows above ln(max float) ~ 709.78; the naive softmax is nan
    assert f"exp(z) overflows above z = {math.log(1.7976931348623157e308):.2f}" in printed
    assert "overflow encountered in exp" in printed
    assert "naive softmax([1000, 999, 998]) = [nan nan nan]" in printed
    assert "-log(softmax(z))[1]        = inf" in printed
    assert "F.cross_entropy_loss(z, y) = 2000.0" in printed
    # the squared loss escapes the wrong start much later than the cross-entropy
    steps = [int(s) for s in re.findall(r"first at step (\d+)", printed)]
    assert len(steps) == 2 and steps[0] > 5 * steps[1]
    # a straight line learns the blobs but not XOR
    assert _number_after(printed, "after 100 epochs: loss 0.1511, accuracy") > 90
    xor = _number_after(printed, "XOR after 500 epochs: accuracy")
    assert 40 <= xor <= 60
