"""Unit 03 (gradient descent and backpropagation): what only this unit's exercise and lecture check.

The generic tests (full marks, other correct answers, wrong answers, the
student's version, the skeletons) run on every unit in ``tests/units/test_exercises.py``,
with this unit's fixtures in ``tests/units/answers/unit03.py``. Here:

* Exercises 3 and 4 may call the answers of Exercises 1 and 2, but written with
  the loops inline they do not inherit a wrong Exercise 1;
* the lecture covers its topics, builds its widgets and shows the worked numbers
  (x = 2, y = 2, w = 2, b = 1: L = 9, dL/dw = 12, dL/db = 6, then w = 0.8,
  b = 0.4) in checked output.
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from answers.unit03 import ALTERNATIVES, UNIT, WRONG_ANSWERS  # noqa: E402
from harness import read_lecture, run_quietly, solution_path  # noqa: E402


def test_gradient_mistake_in_exercise_1_costs_only_its_own_points_when_the_loops_are_inline():
    # Exercises 3 and 4 written without the helpers do not inherit a wrong Exercise 1
    wrong = next(w for w in WRONG_ANSWERS if w.id == "sum_not_mean")
    inline = {**ALTERNATIVES["gd_while_loop_inline"],
              **ALTERNATIVES["sgd_choice_and_shuffled_copies"],
              wrong.function: wrong.source}
    results, _ = run_quietly(solution_path(UNIT), inline)
    failed = {k for k, r in results.items() if not r.passed}
    assert failed == {"test_mse_gradients_batch"}, failed


def test_lecture_topics_widgets_and_worked_numbers():
    _, markdown, code, printed = read_lecture(UNIT)
    assert "04_classification.ipynb" in markdown[-1]
    text = "\n".join(markdown).lower()
    for topic in ["taylor", "learning rate", "local minim", "computation graph", "chain rule",
                  "mini-batch", "epoch", "mean of the gradients", "momentum",
                  "effective learning rate"]:
        assert topic in text, topic
    for name in ["quadratic_1d", "valley_2d", "regression_training"]:
        assert any(f"widgets.{name}(" in c.source for c in code), name
    assert "y_hat = 5, L = 9" in printed
    assert "dL/dw = 12, dL/db = 6" in printed
    assert "after one step: w = 0.8, b = 0.4" in printed
    assert "limit eta / (1 - mu) * |g| = 1.0000" in printed
