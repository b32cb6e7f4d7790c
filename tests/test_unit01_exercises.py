"""Unit 01 (the artificial neuron): the exercise's tests grade behaviour, not code.

Proves, with ``tests/harness.py`` (in-process, no kernel), that

* the solution notebook passes every graded cell and scores full marks, with a
  ✓ line per cell and no warnings;
* other correct answers (loops, other but equivalent formulas) pass too;
* every typical wrong answer in ``tests/wrong_answers/unit01.py`` fails the
  right cell with a message containing its teaching hint, and costs only the
  points of its own exercise;
* the notebook a student starts from (answers replaced by
  ``raise NotImplementedError()``) runs and scores 0;
* both notebooks keep the course skeleton (nbgrader metadata, slide metadata).
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
from wrong_answers.unit01 import WRONG_ANSWERS  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
SOLUTION = REPO / "solutions" / "01_neuron" / "01_neuron.ipynb"
LECTURE = REPO / "lectures" / "01_neuron.ipynb"
TOTAL_POINTS = 10

# The graded cells that call each answer (directly or through another answer):
# a wrong answer may fail these cells and no others.
CELLS_USING = {
    "neuron_output": {"test_neuron_output_example", "test_neuron_output_batch"},
    "sigmoid": {"test_sigmoid_values", "test_sigmoid_stable", "test_sigmoid_grad"},
    "sigmoid_grad": {"test_sigmoid_grad"},
    "relu": {"test_relu"},
    "relu_grad": {"test_relu_grad"},
    "leaky_relu": {"test_leaky_relu"},
    "leaky_relu_grad": {"test_leaky_relu"},
    "classify": {"test_classify_example", "test_classify_batch"},
}
ALL_TEST_CELLS = set().union(*CELLS_USING.values())


def _f(signature: str, *body: str) -> str:
    return f"def {signature}:\n" + "".join(f"    {line}\n" for line in body)


# Correct answers written differently from the solution: each must earn full marks.
ALTERNATIVES = {
    "neuron_output_loops": {"neuron_output": _f(
        "neuron_output(x, w, b, phi)",
        "B, D = x.shape",
        "z = np.zeros(B)",
        "for i in range(B):",
        "    total = b",
        "    for j in range(D):",
        "        total += w[j] * x[i, j]",
        "    z[i] = total",
        "return phi(z)")},
    "neuron_output_einsum": {"neuron_output": _f(
        "neuron_output(x, w, b, phi)", "return phi(np.einsum('bd,d->b', x, w) + b)")},
    "neuron_output_sum_of_products": {"neuron_output": _f(
        "neuron_output(x, w, b, phi)", "return phi((x * w).sum(axis=1) + b)")},
    "sigmoid_via_tanh": {"sigmoid": _f(
        "sigmoid(z)", "return 0.5 * (1.0 + np.tanh(0.5 * z))")},
    "sigmoid_clipped": {"sigmoid": _f(
        "sigmoid(z)", "return 1.0 / (1.0 + np.exp(-np.clip(z, -500, 500)))")},
    "sigmoid_masks": {"sigmoid": _f(
        "sigmoid(z)",
        "z = np.asarray(z, dtype=float)",
        "out = np.empty_like(z)",
        "pos = z >= 0",
        "out[pos] = 1.0 / (1.0 + np.exp(-z[pos]))",
        "e = np.exp(z[~pos])",
        "out[~pos] = e / (1.0 + e)",
        "return out")},
    "sigmoid_math_loop": {"sigmoid": "import math\n\n" + _f(
        "sigmoid(z)",
        "z = np.asarray(z, dtype=float)",
        "out = np.empty_like(z)",
        "for index, value in np.ndenumerate(z):",
        "    if value >= 0:",
        "        out[index] = 1.0 / (1.0 + math.exp(-value))",
        "    else:",
        "        e = math.exp(value)",
        "        out[index] = e / (1.0 + e)",
        "return out")},
    "sigmoid_grad_symmetric_formula": {"sigmoid_grad": _f(
        "sigmoid_grad(z)", "e = np.exp(-np.abs(z))", "return e / (1.0 + e) ** 2")},
    "sigmoid_grad_product": {"sigmoid_grad": _f(
        "sigmoid_grad(z)", "return sigmoid(z) * sigmoid(-z)")},
    "relu_multiply_by_mask": {"relu": _f("relu(z)", "return z * (z > 0)")},
    "relu_clip": {"relu": _f("relu(z)", "return np.clip(z, 0, None)")},
    "relu_loop": {"relu": _f(
        "relu(z)",
        "out = np.array(z, dtype=float)",
        "for index, value in np.ndenumerate(out):",
        "    if value < 0:",
        "        out[index] = 0.0",
        "return out")},
    "relu_grad_one_at_zero": {"relu_grad": _f(
        "relu_grad(z)", "return (z >= 0).astype(float)")},
    "relu_grad_boolean": {"relu_grad": _f("relu_grad(z)", "return z > 0")},
    "relu_grad_heaviside": {"relu_grad": _f("relu_grad(z)", "return np.heaviside(z, 0.0)")},
    "leaky_maximum": {"leaky_relu": _f(
        "leaky_relu(z, alpha=0.01)", "return np.maximum(z, alpha * z)")},
    "leaky_slope_times_z": {"leaky_relu": _f(
        "leaky_relu(z, alpha=0.01)", "return np.where(z > 0, 1.0, alpha) * z")},
    "leaky_grad_one_at_zero": {"leaky_relu_grad": _f(
        "leaky_relu_grad(z, alpha=0.01)", "return np.where(z >= 0, 1.0, alpha)")},
    "leaky_grad_masks": {"leaky_relu_grad": _f(
        "leaky_relu_grad(z, alpha=0.01)", "return (z > 0) + alpha * (z <= 0)")},
    "classify_via_sigmoid": {"classify": _f(
        "classify(x, w, b)", "return (sigmoid(x @ w + b) > 0.5).astype(int)")},
    "classify_boolean": {"classify": _f("classify(x, w, b)", "return x @ w > -b")},
    "classify_loop": {"classify": _f(
        "classify(x, w, b)",
        "labels = []",
        "for row in x:",
        "    z = sum(w_j * x_j for w_j, x_j in zip(w, row)) + b",
        "    labels.append(1 if z > 0 else 0)",
        "return np.array(labels)")},
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
    for grade_id, result in results.items():
        assert result.message.startswith("✓ "), grade_id
        assert "visible tests passed" in result.message, grade_id
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


def test_every_answer_has_wrong_answers_and_every_test_cell_catches_one():
    functions = _solution_functions()
    assert sorted(functions) == sorted(CELLS_USING), functions
    assert {w.function for w in WRONG_ANSWERS} == set(functions)
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
    assert markdown[0].startswith("# Unit 01")
    headings = [line for text in markdown for line in text.splitlines() if line.startswith("## ")]
    assert headings[:2] == ["## What you will learn", "## Notation in this unit"]
    assert headings[-2:] == ["## Summary", "## Exercises and next steps"]
    assert "../exercises/01_neuron/01_neuron.ipynb" in markdown[-1]
    assert "02_linear_regression.ipynb" in markdown[-1]
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.outputs or c.metadata["slideshow"]["slide_type"] == "skip" for c in code), \
        "the lecture is stored executed"
    assert not any(o.output_type == "error" for c in code for o in c.outputs)
    checked = [c for c in code if "nbval-check-output" in c.metadata.get("tags", [])]
    assert any("z = 5.5" in o.get("text", "") for c in checked for o in c.outputs)
    for c in checked:   # figures are never compared
        assert all(o.output_type == "stream" for o in c.outputs), c.source[:60]
