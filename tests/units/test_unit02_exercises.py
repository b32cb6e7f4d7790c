"""Unit 02 (linear regression): what only this unit's exercise and lecture check.

The generic tests (full marks, other correct answers, wrong answers, the
student's version, the skeletons) run on every unit in ``tests/units/test_exercises.py``,
with this unit's fixtures in ``tests/units/answers/unit02.py``. Here:

* a formula right for one feature only earns partial credit;
* the property cells (``PROPERTY_CELLS``, which no wrong answer's hint targets)
  each catch their mistake;
* the lecture covers its topics and shows its worked numbers in checked output.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from answers.unit02 import _GAP, POINTS, PROPERTY_CELLS, UNIT, WRONG_ANSWERS  # noqa: E402
from harness import function_source as _f  # noqa: E402
from harness import read_lecture, run_quietly, score, solution_path  # noqa: E402

TOTAL_POINTS = sum(POINTS.values())


def test_a_formula_for_one_feature_earns_partial_credit():
    # cov(x, y) / var(x) is right for D = 1: the one-feature cell passes,
    # the several-features cell fails
    wrong = next(w for w in WRONG_ANSWERS if w.id == "one_feature_formula")
    results, _ = run_quietly(solution_path(UNIT), {wrong.function: wrong.source})
    assert results["test_least_squares_line"].passed
    assert not results["test_least_squares_features"].passed
    assert score(results) == TOTAL_POINTS - POINTS["test_least_squares_features"]


PROPERTY_MISTAKES = {
    "predict_broadcasts_columns": ("test_predict_line", _f("predict(x, w, b)", "return x * w + b")),
    "optimality_gap_always_zero": ("test_optimality_gap_properties", _f(_GAP, "return 0.0")),
}


def test_every_property_cell_has_a_mistake_it_catches():
    assert {cell for cell, _ in PROPERTY_MISTAKES.values()} == PROPERTY_CELLS


@pytest.mark.parametrize("cell, source", list(PROPERTY_MISTAKES.values()),
                         ids=list(PROPERTY_MISTAKES))
def test_property_cells_catch_their_mistake(cell, source):
    function = re.match(r"def (\w+)\(", source).group(1)
    results, _ = run_quietly(solution_path(UNIT), {function: source})
    assert not results[cell].passed, cell
    assert results[cell].message.startswith("CheckFailed: ✗"), results[cell].message


def test_lecture_topics_and_worked_numbers():
    _, markdown, _, printed = read_lecture(UNIT)
    assert "03_gradient_descent.ipynb" in markdown[-1]
    text = "\n".join(markdown)
    for topic in ["empirical risk", "normal equations", "residual", "least squares",
                  "gradient descent"]:
        assert topic in text.lower(), topic
    assert "[5.5 0.5]" in printed                         # unit 01's worked example, as a batch
    assert "np.linalg.lstsq:" in printed and "gradient descent:" in printed
