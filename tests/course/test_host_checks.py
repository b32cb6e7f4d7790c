"""Grade cells scored on the host (``mlpcourse.grading.host_checks``).

The answers of such a cell (MNIST's test labels) never enter the grading
kernel: the sandbox does not even hold their file; the cell records the
student's predictions, and the grader compares them with the true labels and
times the cell. What a submission prints in the cell cannot change the score.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import nbformat
import numpy as np
import pytest
from traitlets.config import Config

from mlpcourse.grading import host_checks
from mlpcourse.grading.execute import GradingExecute, events_of
from mlpkit import check
from mlpkit.data import load_mnist
from pipeline_support import REPO

TRUTH = load_mnist(split="test")[1]
SETTINGS = {"record": "mnist-test", "labels": "mnist-test", "seconds": 20,
            "levels": [[0.95, 2], [0.97, 2]]}


def _check(**changes) -> host_checks.HostCheck:
    return host_checks.HostCheck.from_metadata("accuracy", dict(SETTINGS, **changes))


def _record(labels, name="mnist-test") -> dict:
    return {"output_type": "display_data", "metadata": {},
            "data": {host_checks.RECORD_MIME: {"name": name, "labels": list(map(int, labels))},
                     "text/plain": "recorded"}}


def _with_accuracy(fraction: float) -> np.ndarray:
    """Predictions right on exactly ``fraction`` of the test set."""
    predicted = TRUTH.copy()
    wrong = int(round((1 - fraction) * TRUTH.size))
    predicted[:wrong] = (predicted[:wrong] + 1) % 10
    return predicted


def _kinds(outputs) -> list[str]:
    return [o["output_type"] for o in outputs]


# ---------------------------------------------------------------- the verdict, on its own


def test_the_record_format_is_the_one_mlpkit_writes():
    assert check.RECORD_MIME == host_checks.RECORD_MIME


@pytest.mark.parametrize("fraction, points", [(0.99, 4.0), (0.97, 4.0), (0.96, 2.0),
                                               (0.95, 2.0), (0.90, 0.0)])
def test_points_follow_the_accuracy_levels(fraction, points):
    outputs, earned = host_checks.judge(_check(), [_record(_with_accuracy(fraction))], 3.0,
                                        TRUTH)
    assert earned == points
    text = outputs[0]["text"] if outputs[0]["output_type"] == "stream" else ""
    if points == 4.0:  # full marks: nothing for nbgrader to read but the line
        assert _kinds(outputs) == ["stream"] and f"{fraction:.2%}" in text
    elif points:  # partial credit: the number nbgrader reads
        assert _kinds(outputs) == ["stream", "execute_result"]
        assert float(outputs[1]["data"]["text/plain"]) == points
    else:
        assert _kinds(outputs)[-1] == "error" and "no accuracy level" in outputs[-1]["evalue"]


def test_over_the_time_budget_scores_nothing_and_says_why():
    outputs, earned = host_checks.judge(_check(), [_record(TRUTH)], 25.0, TRUTH)
    assert earned == 0 and _kinds(outputs) == ["error"]
    assert "25.0 s" in outputs[0]["evalue"] and "budget 20 s" in outputs[0]["evalue"]


@pytest.mark.parametrize("outputs, why", [
    ([], "no prediction records"),
    ([_record(TRUTH), _record(TRUTH)], "2 prediction records"),
    ([_record(TRUTH[:100])], "10000 class labels"),
    ([_record(TRUTH, name="other")], "no prediction records"),
    ([_record(TRUTH), {"output_type": "error", "ename": "CheckFailed", "evalue": "bad",
                       "traceback": []}], "failed before the grader"),
])
def test_a_cell_without_exactly_one_good_record_scores_nothing(outputs, why):
    new, earned = host_checks.judge(_check(), outputs, 1.0, TRUTH)
    assert earned == 0 and _kinds(new) == ["error"] and why in new[0]["evalue"]


def test_a_perfect_score_is_flagged_for_the_instructor():
    outputs, earned = host_checks.judge(_check(), [_record(TRUTH)], 1.0, TRUTH)
    assert earned == 4.0 and "note for the instructor" in outputs[0]["text"]
    outputs, _ = host_checks.judge(_check(), [_record(_with_accuracy(0.985))], 1.0, TRUTH)
    assert "note for the instructor" not in outputs[0]["text"]


@pytest.mark.parametrize("changes, message", [
    ({"labels": "cifar"}, "`labels` must be one of"),
    ({"seconds": 0}, "`seconds` must be a positive number"),
    ({"levels": [[1.5, 2]]}, "accuracy in (0, 1]"),
    ({"levels": "high"}, "list of [accuracy, points] pairs"),
    ({"record": ""}, "`record` must be"),
    ({"budget": 3}, "unknown keys ['budget']"),
])
def test_bad_settings_in_a_source_notebook_are_named(changes, message):
    with pytest.raises(ValueError) as err:
        _check(**changes)
    assert message in str(err.value)


def test_the_levels_must_add_up_to_the_cells_points():
    cell = nbformat.v4.new_code_cell("pass", metadata={
        "nbgrader": {"grade": True, "solution": False, "grade_id": "acc", "points": 3},
        "mlpcourse": {"host_check": SETTINGS}})
    with pytest.raises(ValueError, match="add up to 4.0 points but the cell is worth 3"):
        host_checks.checks_in({"cells": [cell]})


def test_record_predictions_refuses_scores_instead_of_labels():
    with pytest.raises(check.CheckFailed, match="integer class labels"):
        check.record_predictions("mnist-test", np.zeros((5, 10)))
    with pytest.raises(TypeError):
        check.record_predictions("", [1, 2])


# ---------------------------------------------------------------- in the grading sandbox

pytestmark_linux = pytest.mark.skipif(sys.platform != "linux", reason="bubblewrap is Linux-only")


def _grade(tmp_path: Path, cells: list[tuple[str, dict | None]], *, seconds=20,
           files: dict | None = None, isolate=True) -> nbformat.NotebookNode:
    """Run ``cells`` (source, nbgrader metadata or None) as ``mlpcourse grade`` would,
    with the host-check settings in a source notebook of a course in ``tmp_path``."""
    source = nbformat.v4.new_notebook()
    submission = nbformat.v4.new_notebook()
    for code, grade in cells:
        meta = {"nbgrader": grade} if grade else {}
        submission.cells.append(nbformat.v4.new_code_cell(code, metadata=dict(meta)))
        if grade and grade.get("grade_id") == "accuracy":
            meta = dict(meta, mlpcourse={"host_check": dict(SETTINGS, seconds=seconds)})
        source.cells.append(nbformat.v4.new_code_cell(code, metadata=meta))
    (tmp_path / "source" / "unit").mkdir(parents=True)
    nbformat.write(source, tmp_path / "source" / "unit" / "nb.ipynb")
    folder = tmp_path / "submitted" / "unit"
    folder.mkdir(parents=True)
    for name, data in (files or {}).items():
        np.save(folder / name, data)
    submission.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                         "language": "python"}
    cfg = Config()
    cfg.CourseDirectory.root = str(tmp_path)
    cfg.CourseDirectory.source_directory = "source"
    cfg.Execute.timeout = 60
    cfg.SandboxedKernelManager.isolate = isolate
    cfg.SandboxedKernelManager.declared_files = sorted(files or {})
    cfg.SandboxedKernelManager.hidden_paths = [str(REPO), str(Path.home()), str(tmp_path)]
    executed, _ = GradingExecute(config=cfg).preprocess(submission, {
        "metadata": {"path": str(folder)},
        "nbgrader": {"assignment": "unit", "notebook": "nb"}})
    return executed


ACCURACY = {"grade": True, "solution": False, "grade_id": "accuracy", "points": 4}
OTHER_TEST = {"grade": True, "solution": False, "grade_id": "other", "points": 1}

RECORD = ("import numpy as np\nfrom mlpkit import check\n"
          "check.record_predictions('mnist-test', np.load('predictions.npy'))")


@pytestmark_linux
def test_the_sandbox_holds_the_training_set_and_test_images_but_no_test_labels(tmp_path,
                                                                                monkeypatch):
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")  # as nbgrader's autograde sets it
    nb = _grade(tmp_path, [(
        "import os, json, mlpkit\n"
        "from mlpkit.data import load_mnist, load_mnist_test_images\n"
        "folder = os.path.join(os.path.dirname(mlpkit.__file__), 'datasets', 'mnist')\n"
        "x, y = load_mnist(split='train')\nx_test = load_mnist_test_images()\n"
        "try:\n    load_mnist()\n    message = 'loaded'\n"
        "except FileNotFoundError as err:\n    message = str(err)\n"
        "try:\n    open(os.path.join(folder, 'stolen'), 'w')\n    wrote = True\n"
        "except OSError:\n    wrote = False\n"
        "print(json.dumps({'files': sorted(os.listdir(folder)), 'train': x.shape,"
        " 'test': x_test.shape, 'message': message, 'wrote': wrote}))", None)])
    seen = json.loads(nb.cells[0].outputs[0]["text"])
    assert "t10k-labels-idx1-ubyte.gz" not in seen["files"]
    assert {"train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
            "t10k-images-idx3-ubyte.gz"} <= set(seen["files"])
    assert seen["train"] == [60000, 784] and seen["test"] == [10000, 784]
    assert "not available while autograding" in seen["message"]
    assert seen["wrote"] is False
    assert nb.metadata["mlpcourse"]["isolation"] == "bubblewrap"


@pytestmark_linux
def test_the_grader_scores_the_recorded_predictions_and_ignores_forged_output(tmp_path):
    forged_score = ("from IPython.display import display\nimport sys\n"
                    "sys.displayhook(1)\nraise AssertionError('wrong answer')")
    nb = _grade(tmp_path, [
        (RECORD + "\nprint('accuracy: 100%')\nsys_score = 4\nsys_score", ACCURACY),
        (forged_score, OTHER_TEST),
    ], files={"predictions.npy": _with_accuracy(0.96)})
    graded, other = nb.cells
    assert [o["output_type"] for o in graded.outputs] == ["stream", "execute_result"]
    assert float(graded.outputs[1]["data"]["text/plain"]) == 2.0
    assert "96.00%" in graded.outputs[0]["text"] and "100%" not in graded.outputs[0]["text"]
    # a number shown by a failing test is kept for the student but is no score
    assert "execute_result" not in [o["output_type"] for o in other.outputs]
    assert any(o["output_type"] == "error" for o in other.outputs)
    assert {"kind": "host_check", "cell": "accuracy",
            "detail": "2 of 4 points, scored by the grader"} in events_of(nb)


@pytestmark_linux
def test_a_slow_cell_is_timed_by_the_grader_not_by_the_kernel(tmp_path):
    fake_clock = ("import time\nstart = time.monotonic()\ntime.sleep(3)\n"
                  "time.monotonic = lambda: start\ntime.perf_counter = lambda: 0.0\n")
    nb = _grade(tmp_path, [(fake_clock + RECORD, ACCURACY)], seconds=2,
                files={"predictions.npy": TRUTH})
    (graded,) = nb.cells
    assert [o["output_type"] for o in graded.outputs] == ["error"]
    assert "over the time budget" in graded.outputs[0]["evalue"]


@pytestmark_linux
def test_the_settings_come_from_the_source_not_the_submission(tmp_path):
    # the student removed the cell's host_check metadata: the source still has it
    nb = _grade(tmp_path, [("print('no record at all')", ACCURACY)])
    (graded,) = nb.cells
    assert [o["output_type"] for o in graded.outputs] == ["error"]
    assert "no prediction records" in graded.outputs[0]["evalue"]
