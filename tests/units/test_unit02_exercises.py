"""Unit 02 (linear regression): what only this unit's exercise and lecture check.

The generic tests (full marks, other correct answers, wrong answers, the
student's version, the skeletons) run on every unit in ``tests/units/test_exercises.py``,
with this unit's fixtures in ``tests/units/answers/unit02.toml``. Here:

* each exercise earns its own points: a formula right for one feature only, a
  stream that keeps its chunks, an inverse, a library call each cost what they should;
* the library functions the tests switch off are back afterwards;
* the property cells (``PROPERTY_CELLS``, which no wrong answer's hint targets)
  each catch their mistake;
* the lecture covers its topics and shows its worked numbers in checked output.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat
import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from answers.unit02 import _GAP, POINTS, PROPERTY_CELLS, UNIT, WRONG_ANSWERS
from harness import function_source as _f
from harness import read_lecture, run_quietly, score, solution_path, student_stubs

import mlpkit

TOTAL_POINTS = sum(POINTS.values())


def _wrong(*ids):
    chosen = [w for w in WRONG_ANSWERS if w.id in ids]
    assert len(chosen) == len(ids), ids
    return {w.function: w.source for w in chosen}


def _failed(results):
    return {k for k, r in results.items() if not r.passed}


# --------------------------------------------------------------------------- points

def _cell(cell_id):
    nb = nbformat.read(solution_path(UNIT), as_version=4)
    return next(c for c in nb.cells if c.get("id") == cell_id)


def test_the_points_are_where_the_exercise_table_says():
    # the reasoning part (the stream) carries 2 points; the one-liners 1 each
    assert POINTS["test_predict"] == POINTS["test_mse"] == 1
    assert POINTS["test_least_squares_streaming"] + POINTS["test_least_squares_streaming_memory"] == 2
    rows = re.findall(r"^\| \d\. [^|]+\| `(\w+)` \| (\d+) \|$", _cell("intro").source, flags=re.MULTILINE)
    assert {name: int(points) for name, points in rows} == {
        "predict": 1, "mse": 1, "least_squares": 4, "optimality_gap": 2, "least_squares_streaming": 2}


@pytest.mark.parametrize("task, points", [("task_predict", 1), ("task_mse", 1), ("task_least_squares", 4),
                                          ("task_optimality_gap", 2), ("task_least_squares_streaming", 2)])
def test_each_task_heading_states_its_points(task, points):
    heading = _cell(task).source.splitlines()[0]
    assert heading.endswith(f"({points} point{'s' if points > 1 else ''})"), heading


def test_a_formula_for_one_feature_earns_partial_credit():
    # cov(x, y) / var(x) is right for D = 1: the one-feature cell passes,
    # the several-features cell fails
    results, _ = run_quietly(solution_path(UNIT), _wrong("one_feature_formula"))
    assert _failed(results) == {"test_least_squares_features"}
    assert score(results) == TOTAL_POINTS - POINTS["test_least_squares_features"]


@pytest.mark.parametrize("wrong", ["chunks_kept", "growing_array"])
def test_a_stream_that_keeps_its_data_loses_the_memory_point_only(wrong):
    results, _ = run_quietly(solution_path(UNIT), _wrong(wrong))
    assert _failed(results) == {"test_least_squares_streaming_memory"}
    assert score(results) == TOTAL_POINTS - 1


def test_a_wrong_stream_costs_the_two_streaming_points():
    results, _ = run_quietly(solution_path(UNIT), _wrong("chunk_solutions_averaged"))
    assert _failed(results) == {"test_least_squares_streaming", "test_least_squares_streaming_memory"}
    assert score(results) == TOTAL_POINTS - 2


def test_an_inverse_costs_least_squares_only_and_numpy_gets_it_back():
    inv, pinv = np.linalg.inv, np.linalg.pinv
    results, _ = run_quietly(solution_path(UNIT), _wrong("inverse_of_normal_matrix"))
    assert _failed(results) == {"test_least_squares_line", "test_least_squares_features"}
    for cell in _failed(results):   # the message says why, and what to use instead
        message = results[cell].message
        assert "three times the work of a solve" in message and "np.linalg.lstsq" in message, message
    assert (np.linalg.inv, np.linalg.pinv) == (inv, pinv)
    assert np.allclose(np.linalg.inv(np.diag([2.0, 4.0])), np.diag([0.5, 0.25]))


def test_the_library_versions_work_again_after_the_tests():
    linear, mse_loss, mse_class = mlpkit.nn.Linear, mlpkit.functional.mse_loss, mlpkit.losses.MSELoss
    results, _ = run_quietly(solution_path(UNIT), _wrong("library_layer", "library_mse_loss"))
    assert _failed(results) == {"test_predict", "test_mse"}
    assert (mlpkit.nn.Linear, mlpkit.functional.mse_loss, mlpkit.losses.MSELoss) == \
        (linear, mse_loss, mse_class)
    assert mlpkit.functional.mse_loss(np.array([3.0]), np.array([1.0]))[0] == 4.0


def test_the_reasoning_part_alone_is_worth_two_points():
    # every other answer left as released: only the stream earns its points
    stubs = student_stubs(solution_path(UNIT))
    left = {k: v for k, v in stubs.items() if k != "least_squares_streaming"}
    results, _ = run_quietly(solution_path(UNIT), left)
    assert {k for k, r in results.items() if r.passed} == {"test_least_squares_streaming",
                                                           "test_least_squares_streaming_memory"}
    assert score(results) == 2


# --------------------------------------------------------------------------- property cells

PROPERTY_MISTAKES = {
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


# --------------------------------------------------------------------------- the lecture

def test_lecture_topics_and_worked_numbers():
    _, markdown, _, printed = read_lecture(UNIT)
    assert "03_gradient_descent.ipynb" in markdown[-1]
    text = "\n".join(markdown)
    for topic in ["empirical risk", "normal equations", "residual", "least squares",
                  "gradient descent", "sufficient statistics"]:
        assert topic in text.lower(), topic
    assert "[5.5 0.5]" in printed                         # unit 01's worked example, as a batch
    assert "np.linalg.lstsq:" in printed and "gradient descent:" in printed


def test_the_lecture_lists_every_exercise_function():
    _, markdown, _, _ = read_lecture(UNIT)
    closing = next(t for t in markdown if t.startswith("## Exercises and next steps"))
    for name in ["predict", "mse", "least_squares", "optimality_gap", "least_squares_streaming"]:
        assert f"`{name}(" in closing, name
