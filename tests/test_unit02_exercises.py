"""Unit 02 (linear regression): the exercise's tests grade behaviour, not code.

Proves, with ``tests/harness.py`` (in-process, no kernel), that

* the solution notebook passes every graded cell and scores full marks, with a
  ✓ line per cell and no warnings;
* other correct answers (loops, ``np.linalg.solve`` or ``pinv`` instead of
  ``lstsq``, the column of ones first, centred data, the excess risk as a
  quadratic form) pass too;
* every typical wrong answer in ``tests/wrong_answers/unit02.py`` fails the
  right cell with a message containing its teaching hint, and costs only the
  points of its own exercise;
* the notebook a student starts from (answers replaced by
  ``raise NotImplementedError()``) runs and scores 0;
* both notebooks keep the course skeleton (nbgrader metadata, slide metadata),
  and the lecture is stored executed with its worked numbers in checked output.
"""
from __future__ import annotations

import re
import sys
import warnings
from pathlib import Path

import nbformat
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import run_exercise  # noqa: E402
from wrong_answers.unit02 import WRONG_ANSWERS  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
SOLUTION = REPO / "solutions" / "02_linear_regression" / "02_linear_regression.ipynb"
LECTURE = REPO / "lectures" / "02_linear_regression.ipynb"
TOTAL_POINTS = 10

# The graded cells that call each answer: a wrong answer may fail these cells and no others.
CELLS_USING = {
    "predict": {"test_predict_example", "test_predict_line"},
    "mse": {"test_mse_values", "test_mse_batch"},
    "least_squares": {"test_least_squares_line", "test_least_squares_features"},
    "excess_risk": {"test_excess_risk_example", "test_excess_risk_properties"},
}
ALL_TEST_CELLS = set().union(*CELLS_USING.values())
POINTS = {"test_predict_example": 1, "test_predict_line": 1,
          "test_mse_values": 1, "test_mse_batch": 1,
          "test_least_squares_line": 2, "test_least_squares_features": 2,
          "test_excess_risk_example": 1, "test_excess_risk_properties": 1}


def _f(signature: str, *body: str) -> str:
    return f"def {signature}:\n" + "".join(f"    {line}\n" for line in body)


_LSQ = "least_squares(x, y)"
_EXCESS = "excess_risk(x, y, w, b)"

# Correct answers written differently from the solution: each must earn full marks.
ALTERNATIVES = {
    "predict_loops": {"predict": _f(
        "predict(x, w, b)",
        "B, D = x.shape",
        "y_hat = np.zeros(B)",
        "for i in range(B):",
        "    total = b",
        "    for j in range(D):",
        "        total += w[j] * x[i, j]",
        "    y_hat[i] = total",
        "return y_hat")},
    "predict_einsum": {"predict": _f("predict(x, w, b)", "return np.einsum('bd,d->b', x, w) + b")},
    "predict_sum_of_products": {"predict": _f(
        "predict(x, w, b)", "return (x * w).sum(axis=1) + b")},
    "predict_design_matrix": {"predict": _f(
        "predict(x, w, b)", "X1 = np.column_stack([x, np.ones(len(x))])",
        "return X1 @ np.append(w, b)")},
    "mse_loop": {"mse": _f(
        "mse(y_hat, y)",
        "total, count = 0.0, 0",
        "for a, t in zip(np.ravel(y_hat), np.ravel(y)):",
        "    total += (a - t) ** 2",
        "    count += 1",
        "return total / count")},
    "mse_dot_product": {"mse": _f(
        "mse(y_hat, y)", "d = np.ravel(y_hat - y)", "return d @ d / d.size")},
    "mse_numpy_scalar": {"mse": _f("mse(y_hat, y)", "return np.square(y_hat - y).mean()")},
    "least_squares_normal_equations": {"least_squares": _f(
        _LSQ, "X1 = np.hstack([x, np.ones((x.shape[0], 1))])",
        "theta = np.linalg.solve(X1.T @ X1, X1.T @ y)",
        "return theta[:-1], theta[-1]")},
    "least_squares_pinv": {"least_squares": _f(
        _LSQ, "X1 = np.c_[x, np.ones(len(x))]", "theta = np.linalg.pinv(X1) @ y",
        "return theta[:-1], float(theta[-1])")},
    "least_squares_ones_first": {"least_squares": _f(
        _LSQ, "X1 = np.column_stack([np.ones(len(x)), x])",
        "theta, *_ = np.linalg.lstsq(X1, y, rcond=None)",
        "return theta[1:], theta[0]")},
    "least_squares_centred": {"least_squares": _f(
        _LSQ, "x_mean, y_mean = x.mean(axis=0), y.mean()",
        "w = np.linalg.lstsq(x - x_mean, y - y_mean, rcond=None)[0]",
        "return w, y_mean - x_mean @ w")},
    "excess_risk_from_own_functions": {"excess_risk": _f(
        _EXCESS, "w_best, b_best = least_squares(x, y)",
        "return mse(predict(x, w, b), y) - mse(predict(x, w_best, b_best), y)")},
    "excess_risk_quadratic_form": {"excess_risk": _f(
        _EXCESS, "X1 = np.column_stack([x, np.ones(len(x))])",
        "d = np.append(w, b) - np.linalg.lstsq(X1, y, rcond=None)[0]",
        "return d @ (X1.T @ X1) @ d / len(y)")},
}


def _cells(path: Path):
    return nbformat.read(path, as_version=4).cells


def _nbgrader(cell) -> dict:
    return cell.metadata.get("nbgrader", {})


def _solution_functions() -> list[str]:
    names = []
    for cell in _cells(SOLUTION):
        if _nbgrader(cell).get("solution"):
            names += re.findall(r"^def (\w+)\(", cell.source, flags=re.M)
    return names


def _run(overrides=None):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        results = run_exercise(SOLUTION, overrides)
    return results, caught


def _score(results) -> float:
    return sum(r.points for r in results.values() if r.passed)


# --------------------------------------------------------------------------- the solution

def test_solution_scores_full_marks_quietly(capfd):
    results, caught = _run()
    failed = {k: r.message for k, r in results.items() if not r.passed}
    assert not failed, failed
    assert _score(results) == TOTAL_POINTS
    assert {k: r.points for k, r in results.items()} == POINTS
    for grade_id, result in results.items():
        message = result.message
        assert message.startswith("✓ ") and "visible tests passed" in message, grade_id
    assert not caught, [str(w.message) for w in caught]
    assert capfd.readouterr().err == ""


@pytest.mark.parametrize("name", sorted(ALTERNATIVES))
def test_other_correct_answers_pass(name):
    results, _ = _run(ALTERNATIVES[name])
    failed = {k: r.message for k, r in results.items() if not r.passed}
    assert not failed, failed


def test_student_version_runs_and_scores_zero():
    stubs = {}
    for cell in _cells(SOLUTION):
        if _nbgrader(cell).get("solution"):
            # what nbgrader's release leaves in an answer cell
            stub = re.sub(r"( *)### BEGIN SOLUTION\n.*?### END SOLUTION\n?",
                          r"\1raise NotImplementedError()\n", cell.source, flags=re.S)
            stubs[_nbgrader(cell)["grade_id"]] = stub
    results, _ = _run(stubs)
    assert set(results) == ALL_TEST_CELLS
    for grade_id, result in results.items():
        assert not result.passed, grade_id
        assert result.message.startswith("NotImplementedError"), (grade_id, result.message)


# --------------------------------------------------------------------------- wrong answers

@pytest.mark.parametrize("wrong", WRONG_ANSWERS, ids=[w.id for w in WRONG_ANSWERS])
def test_wrong_answer_fails_with_a_teaching_message(wrong):
    results, _ = _run({wrong.function: wrong.source})
    target = results[wrong.cell]
    assert not target.passed, f"{wrong.id} passed {wrong.cell}"
    assert target.message.startswith("CheckFailed: ✗"), target.message
    assert wrong.keyword in target.message, target.message
    # only the exercise that uses the wrong function loses points
    failed = {k for k, r in results.items() if not r.passed}
    assert failed <= CELLS_USING[wrong.function], failed
    assert _score(results) < TOTAL_POINTS


def test_a_formula_for_one_feature_earns_partial_credit():
    # cov(x, y) / var(x) is right for D = 1: the one-feature cell passes,
    # the several-features cell fails
    wrong = next(w for w in WRONG_ANSWERS if w.id == "one_feature_formula")
    results, _ = _run({wrong.function: wrong.source})
    assert results["test_least_squares_line"].passed
    assert not results["test_least_squares_features"].passed
    assert _score(results) == TOTAL_POINTS - POINTS["test_least_squares_features"]


def test_every_answer_has_wrong_answers_and_every_test_cell_catches_one():
    functions = _solution_functions()
    assert sorted(functions) == sorted(CELLS_USING), functions
    assert {w.function for w in WRONG_ANSWERS} == set(functions)
    assert len({w.id for w in WRONG_ANSWERS}) == len(WRONG_ANSWERS)
    uncaught = ALL_TEST_CELLS - {w.cell for w in WRONG_ANSWERS}
    # the property cells guard hidden behaviour (shapes, invariants);
    # their visible checks are exercised by the next test
    assert uncaught <= {"test_predict_line", "test_excess_risk_properties"}, uncaught


@pytest.mark.parametrize("cell, source", [
    ("test_predict_line", _f("predict(x, w, b)", "return x * w + b")),
    ("test_excess_risk_properties", _f(_EXCESS, "return 0.0")),
], ids=["predict_broadcasts_columns", "excess_risk_always_zero"])
def test_property_cells_catch_their_mistake(cell, source):
    function = re.match(r"def (\w+)\(", source).group(1)
    results, _ = _run({function: source})
    assert not results[cell].passed, cell
    assert results[cell].message.startswith("CheckFailed: ✗"), results[cell].message


# --------------------------------------------------------------------------- skeletons

def test_solution_notebook_is_nbgrader_source():
    nb = nbformat.read(SOLUTION, as_version=4)
    nbformat.validate(nb)
    assert (nb.nbformat, nb.nbformat_minor) >= (4, 5)
    cells = nb.cells
    assert cells[0].cell_type == "markdown" and _nbgrader(cells[0]).get("locked")
    assert "hidden tests" in cells[0].source.lower()
    setup = cells[1]
    assert setup.cell_type == "code" and _nbgrader(setup).get("locked")
    assert "from mlpkit import check" in setup.source

    grade_ids, points = [], 0
    for cell in cells:
        assert cell.get("id"), "every cell needs an id"
        meta = _nbgrader(cell)
        assert meta, f"cell without nbgrader metadata: {cell.source[:60]!r}"
        assert meta["schema_version"] == 3 and meta["task"] is False
        grade_ids.append(meta["grade_id"])
        if meta["solution"]:
            assert cell.cell_type == "code" and not meta["grade"] and not meta["locked"]
            assert "### BEGIN SOLUTION" in cell.source and "### END SOLUTION" in cell.source
            assert '"""' in cell.source.split("### BEGIN SOLUTION")[0], "keep the docstring"
        elif meta["grade"]:
            assert cell.cell_type == "code" and meta["locked"] and meta["points"] > 0
            points += meta["points"]
            visible, _, hidden = cell.source.partition("### BEGIN HIDDEN TESTS")
            assert cell.source.startswith("# "), "a test cell opens with what it checks"
            assert "check.done(" in visible and hidden.rstrip().endswith("### END HIDDEN TESTS")
            assert "widgets" not in cell.source
        else:
            assert meta["locked"], f"read-only cell {meta['grade_id']} must be locked"
    assert len(grade_ids) == len(set(grade_ids)), "grade_ids must be unique"
    assert points == TOTAL_POINTS


def test_lecture_follows_the_unit_skeleton():
    nb = nbformat.read(LECTURE, as_version=4)
    nbformat.validate(nb)
    assert (nb.nbformat, nb.nbformat_minor) >= (4, 5)
    for cell in nb.cells:
        assert cell.get("id")
        assert cell.metadata.get("slideshow", {}).get("slide_type") in \
            {"slide", "subslide", "fragment", "-", "skip", "notes"}, cell.source[:60]
    markdown = [c.source for c in nb.cells if c.cell_type == "markdown"]
    assert markdown[0].startswith("# Unit 02")
    headings = [line for text in markdown for line in text.splitlines() if line.startswith("## ")]
    assert headings[:2] == ["## What you will learn", "## Notation in this unit"]
    assert headings[-2:] == ["## Summary", "## Exercises and next steps"]
    assert "../exercises/02_linear_regression/02_linear_regression.ipynb" in markdown[-1]
    assert "03_gradient_descent.ipynb" in markdown[-1]
    text = "\n".join(markdown)
    for topic in ["empirical risk", "normal equations", "residual", "least squares",
                  "gradient descent"]:
        assert topic in text.lower(), topic

    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.execution_count for c in code), "the lecture is stored executed"
    assert not any(o.output_type == "error" for c in code for o in c.outputs)
    figures = sum(any(o.get("data", {}).get("image/png") for o in c.outputs) for c in code)
    assert figures >= 5, figures
    checked = [c for c in code if "nbval-check-output" in c.metadata.get("tags", [])]
    printed = "".join(o.get("text", "") for c in checked for o in c.outputs)
    assert "[5.5 0.5]" in printed                         # unit 01's worked example, as a batch
    assert "np.linalg.lstsq:" in printed and "gradient descent:" in printed
    for c in checked:   # figures, timings and widgets are never compared
        assert all(o.output_type == "stream" for o in c.outputs), c.source[:60]
