"""Unit 03 (gradient descent and backpropagation): the exercise's tests grade behaviour, not code.

Proves, with ``tests/harness.py`` (in-process, no kernel), that

* the solution notebook passes every graded cell and scores full marks, with a
  ✓ line per cell and no warnings;
* other correct answers (loops, the mean of per-example gradients, a while
  loop, inline gradients instead of the helpers, other ways to shuffle,
  PyTorch's momentum algebra rewritten in the course's units) pass too;
* every typical wrong answer in ``tests/wrong_answers/unit03.py`` fails the
  right cell with a message containing its teaching hint, and costs only the
  points of the exercises that use the wrong function (Exercises 3 and 4 may
  call the answers of Exercises 1 and 2);
* the notebook a student starts from (answers replaced by
  ``raise NotImplementedError()``) runs and scores 0;
* both notebooks keep the course skeleton (nbgrader metadata, slide metadata),
  and the lecture is stored executed with the worked numbers (x = 2, y = 2,
  w = 2, b = 1: L = 9, dL/dw = 12, dL/db = 6, then w = 0.8, b = 0.4) in checked output.
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
from wrong_answers.unit03 import WRONG_ANSWERS  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
SOLUTION = REPO / "solutions" / "03_gradient_descent" / "03_gradient_descent.ipynb"
LECTURE = REPO / "lectures" / "03_gradient_descent.ipynb"
TOTAL_POINTS = 10

# The graded cells that call each answer (directly or, in the solution, through
# another answer): a wrong answer may fail these cells and no others.
CELLS_USING = {
    "mse_gradients": {"test_mse_gradients_example", "test_mse_gradients_batch",
                      "test_gradient_descent", "test_minibatch_sgd"},
    "descent_step": {"test_descent_step", "test_gradient_descent", "test_minibatch_sgd"},
    "gradient_descent": {"test_gradient_descent"},
    "minibatch_sgd": {"test_minibatch_sgd"},
    "momentum_step": {"test_momentum_step"},
}
ALL_TEST_CELLS = set().union(*CELLS_USING.values())
POINTS = {"test_mse_gradients_example": 1, "test_mse_gradients_batch": 2, "test_descent_step": 1,
          "test_gradient_descent": 2, "test_minibatch_sgd": 2, "test_momentum_step": 2}


def _f(signature: str, *body: str) -> str:
    return f"def {signature}:\n" + "".join(f"    {line}\n" for line in body)


_GRAD = "mse_gradients(x, y, w, b)"
_STEP = "descent_step(w, b, grad_w, grad_b, lr)"
_GD = "gradient_descent(x, y, lr, epochs)"
_SGD = "minibatch_sgd(x, y, lr, epochs, batch_size, rng)"
_MOM = "momentum_step(w, v, grad, lr, mu)"

# Correct answers written differently from the solution: each must earn full marks.
ALTERNATIVES = {
    "gradients_loops": {"mse_gradients": _f(
        _GRAD,
        "B, D = x.shape",
        "grad_w, grad_b = np.zeros(D), 0.0",
        "for i in range(B):",
        "    e_i = sum(w[j] * x[i, j] for j in range(D)) + b - y[i]",
        "    for j in range(D):",
        "        grad_w[j] += 2 * e_i * x[i, j] / B",
        "    grad_b += 2 * e_i / B",
        "return grad_w, grad_b")},
    "gradients_mean_of_per_example": {"mse_gradients": _f(
        _GRAD, "e = x @ w + b - y",
        "return np.mean(2 * e[:, None] * x, axis=0), np.mean(2 * e)")},
    "gradients_einsum_numpy_scalar": {"mse_gradients": _f(
        _GRAD, "e = np.einsum('bd,d->b', x, w) + b - y",
        "return 2 * np.einsum('b,bd->d', e, x) / len(y), 2 * e.mean()")},
    "step_copy_then_in_place": {"descent_step": _f(
        _STEP, "w = w.copy()", "w -= lr * grad_w", "return w, b - lr * grad_b")},
    "step_via_axpy": {"descent_step": _f(
        _STEP, "return np.add(w, -lr * grad_w), float(b + (-lr) * grad_b)")},
    "gd_while_loop_inline": {"gradient_descent": _f(
        _GD, "w, b, history, t = np.zeros(x.shape[1]), 0.0, [], 0",
        "while t < epochs:",
        "    e = x @ w + b - y",
        "    history.append(float(e @ e) / len(y))",
        "    w, b = w - lr * 2 * (e @ x) / len(y), b - lr * 2 * e.sum() / len(y)",
        "    t += 1",
        "return w, b, history")},
    "gd_design_matrix": {"gradient_descent": _f(
        _GD, "X1 = np.column_stack([x, np.ones(len(x))])", "theta = np.zeros(X1.shape[1])",
        "history = []",
        "for _ in range(epochs):",
        "    e = X1 @ theta - y",
        "    history.append(np.mean(e ** 2))",
        "    theta = theta - lr * 2 / len(y) * X1.T @ e",
        "return theta[:-1], theta[-1], history")},
    "sgd_shuffle_in_place_indices": {"minibatch_sgd": _f(
        _SGD, "n = len(y)", "w, b, history = np.zeros(x.shape[1]), 0.0, []",
        "idx = np.arange(n)",
        "for _ in range(epochs):",
        "    rng.shuffle(idx)",
        "    losses = []",
        "    for batch in np.split(idx, range(batch_size, n, batch_size)):",
        "        losses.append(np.mean((x[batch] @ w + b - y[batch]) ** 2))",
        "        grad_w, grad_b = mse_gradients(x[batch], y[batch], w, b)",
        "        w, b = descent_step(w, b, grad_w, grad_b, lr)",
        "    history.append(np.mean(losses))      # unweighted mean: also fine",
        "return w, b, history")},
    "sgd_choice_and_shuffled_copies": {"minibatch_sgd": _f(
        _SGD, "n = len(y)", "w, b, history = np.zeros(x.shape[1]), 0.0, []",
        "for _ in range(epochs):",
        "    order = rng.choice(n, size=n, replace=False)",
        "    xs, ys = x[order], y[order]",
        "    total = 0.0",
        "    for start in range(0, n, batch_size):",
        "        xb, yb = xs[start:start + batch_size], ys[start:start + batch_size]",
        "        e = xb @ w + b - yb",
        "        total += e @ e",
        "        w = w - lr * 2 * xb.T @ e / len(yb)",
        "        b = b - lr * 2 * e.mean()",
        "    history.append(total / n)",
        "return w, b, history")},
    "momentum_pytorch_algebra": {"momentum_step": _f(
        _MOM, "u = -v / lr                      # PyTorch's buffer, in gradient units",
        "u = mu * u + grad",
        "w_new = w - lr * u",
        "return w_new, w_new - w")},
    "momentum_copy_then_in_place": {"momentum_step": _f(
        _MOM, "v = v * mu", "v -= lr * grad", "return w + v, v")},
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


def test_gradient_mistake_in_exercise_1_costs_only_its_own_points_when_the_loops_are_inline():
    # Exercises 3 and 4 written without the helpers do not inherit a wrong Exercise 1
    wrong = next(w for w in WRONG_ANSWERS if w.id == "sum_not_mean")
    inline = {**ALTERNATIVES["gd_while_loop_inline"],
              **ALTERNATIVES["sgd_choice_and_shuffled_copies"],
              wrong.function: wrong.source}
    results, _ = _run(inline)
    failed = {k for k, r in results.items() if not r.passed}
    assert failed == {"test_mse_gradients_batch"}, failed


def test_every_answer_has_wrong_answers_and_every_test_cell_catches_one():
    functions = _solution_functions()
    assert sorted(functions) == sorted(CELLS_USING), functions
    assert {w.function for w in WRONG_ANSWERS} == set(functions)
    assert len({w.id for w in WRONG_ANSWERS}) == len(WRONG_ANSWERS)
    assert {w.cell for w in WRONG_ANSWERS} == ALL_TEST_CELLS


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
    assert markdown[0].startswith("# Unit 03")
    headings = [line for text in markdown for line in text.splitlines() if line.startswith("## ")]
    assert headings[:2] == ["## What you will learn", "## Notation in this unit"]
    assert headings[-2:] == ["## Summary", "## Exercises and next steps"]
    assert "../exercises/03_gradient_descent/03_gradient_descent.ipynb" in markdown[-1]
    assert "04_classification.ipynb" in markdown[-1]
    text = "\n".join(markdown).lower()
    for topic in ["taylor", "learning rate", "local minim", "computation graph", "chain rule",
                  "mini-batch", "epoch", "mean of the gradients", "momentum",
                  "effective learning rate"]:
        assert topic in text, topic

    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.execution_count for c in code), "the lecture is stored executed"
    assert not any(o.output_type == "error" for c in code for o in c.outputs)
    figures = sum(any(o.get("data", {}).get("image/png") for o in c.outputs) for c in code)
    assert figures >= 5, figures
    for name in ["quadratic_1d", "valley_2d", "regression_training"]:
        assert any(f"widgets.{name}(" in c.source for c in code), name
    checked = [c for c in code if "nbval-check-output" in c.metadata.get("tags", [])]
    printed = "".join(o.get("text", "") for c in checked for o in c.outputs)
    assert "y_hat = 5, L = 9" in printed
    assert "dL/dw = 12, dL/db = 6" in printed
    assert "after one step: w = 0.8, b = 0.4" in printed
    assert "limit eta / (1 - mu) * |g| = 1.0000" in printed
    for c in checked:   # figures, timings and widgets are never compared
        assert all(o.output_type == "stream" for o in c.outputs), c.source[:60]
        assert "widgets" not in c.source
