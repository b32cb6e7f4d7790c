"""Unit 06 (MNIST with a plain MLP): what only this unit's exercise checks.

The generic tests (full marks, other correct answers, wrong answers, the
student's version, the skeletons) run on every unit in ``tests/units/test_exercises.py``,
with this unit's fixtures in ``tests/units/answers/unit06.toml``. Here:

* partial credit: a wrong answer costs the exercises that use it and no more, and the
  library functions a hidden test switches off (``mlpkit.plot.confusion_matrix``) are
  back afterwards, even when the student's code failed inside;
* the accuracy levels of Exercise 4, which the grader decides outside the notebook (its
  host check on the recorded test predictions, ``mlpcourse.grading.host_checks``): the
  solution's network and the other correct one of the fixtures earn both levels, an
  untrained one none; the notebook's text, its setup constants and the cell's host-check
  settings state the same levels and budget.

The lecture's topics and worked numbers: ``tests/units/test_unit06_lecture.py``.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat
import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from answers.unit06 import ALTERNATIVES, POINTS, UNIT, WRONG_ANSWERS
from harness import failed_cells, nbgrader, run_quietly, score, solution_path, wrong_overrides

import mlpkit
from mlpcourse.grading import host_checks

LEVEL_CELL = "test_train_mnist"


def _wrong(*answer_ids):
    return wrong_overrides(WRONG_ANSWERS, *answer_ids)


@pytest.fixture
def recorded(monkeypatch):
    """The predictions the notebook hands to the grader: {record name: labels}."""
    records = {}

    def record_predictions(name, labels):
        records[name] = np.asarray(labels)
    monkeypatch.setattr(mlpkit.check, "record_predictions", record_predictions)
    return records


def _host_check():
    return host_checks.checks_of_source(solution_path(UNIT))[LEVEL_CELL]


def _verdict(labels):
    """What the grader's host check makes of recorded ``labels`` (within the time budget)."""
    record = {"output_type": "display_data",
              "data": {host_checks.RECORD_MIME: {"name": "mnist-test", "labels": labels.tolist()},
                       "text/plain": "predictions recorded"},
              "metadata": {}}
    truth = host_checks.true_labels("mnist-test")
    outputs, points = host_checks.judge(_host_check(), [record], 1.0, truth)
    text = "".join(o.get("text", "") + o.get("evalue", "") for o in outputs)
    return points, text, float(np.mean(labels == truth))


# --------------------------------------------------------------------------- partial credit

def test_a_forbidden_call_and_an_untrained_network_cost_their_own_cells_only(recorded):
    original = mlpkit.plot.confusion_matrix
    results, _ = run_quietly(solution_path(UNIT), _wrong("cm_uses_plot_helper", "tr_untrained"))
    assert failed_cells(results) == {"test_confusion_matrix", "test_train"}
    message = results["test_confusion_matrix"].message
    assert "your code called mlpkit.plot.confusion_matrix" in message, message
    # in-process the level cell only records; the grader scores it (next tests)
    assert score(results) == 10 - POINTS["test_confusion_matrix"] - POINTS["test_train"]
    assert mlpkit.plot.confusion_matrix is original          # switched back on after the failure
    # the untrained network's recorded test predictions earn no level
    points, text, accuracy = _verdict(recorded["mnist-test"])
    assert accuracy < 0.5 and points == 0.0
    assert "no accuracy level reached" in text, text


@pytest.mark.parametrize("answer", [None, "train_nesterov_own_loop_and_decay"])
def test_the_solution_and_the_other_correct_network_reach_both_levels(recorded, answer):
    results, _ = run_quietly(solution_path(UNIT), ALTERNATIVES[answer] if answer else None)
    assert not failed_cells(results)
    labels = recorded["mnist-test"]
    assert labels.shape == (10_000,)
    points, text, accuracy = _verdict(labels)
    assert accuracy >= 0.97, accuracy
    assert points == POINTS[LEVEL_CELL] == 3, text
    assert "level 97% (1 points): reached" in text, text


# --------------------------------------------------------------------------- one statement of the levels

def test_text_setup_and_host_check_state_the_same_levels_and_budget():
    nb = nbformat.read(solution_path(UNIT), as_version=4)
    check = _host_check()
    assert check.record == "mnist-test" and check.labels == "mnist-test"
    assert check.levels == ((0.95, 2.0), (0.97, 1.0)) and check.seconds == 30
    cells = {nbgrader(c)["grade_id"]: c for c in nb.cells}
    assert cells[LEVEL_CELL].metadata["nbgrader"]["points"] == check.points == 3
    setup = cells["setup"].source
    assert "LEVELS = (0.95, 0.97)" in setup and "BUDGET_SECONDS = 30" in setup
    task = cells["task_train"].source
    for phrase in ["**95%**", "**97%**", "**30 seconds on one CPU core**", "2 points", "1 more"]:
        assert phrase in task, phrase
    # the hidden block records the predictions of the model the visible part validated, on images
    # that come without labels; the notebook never loads the test labels
    hidden = cells[LEVEL_CELL].source.split("### BEGIN HIDDEN TESTS")[1]
    assert "load_mnist_test_images()" in hidden
    assert 'check.record_predictions("mnist-test"' in hidden
    sources = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert 'load_mnist(split="train")' in sources
    assert not re.search(r"load_mnist\((?![^)]*split=\"train\")", sources), "only the training set is loaded"
