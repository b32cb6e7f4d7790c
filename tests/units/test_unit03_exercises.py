"""Unit 03 (gradient descent and backpropagation): what only this unit's exercise and lecture check.

The generic tests (full marks, other correct answers, wrong answers, the
student's version, the skeletons) run on every unit in ``tests/units/test_exercises.py``,
with this unit's fixtures in ``tests/units/answers/unit03.toml``. Here:

* partial credit: Exercises 3 and 4 may call the answers of Exercises 1 and 2, but
  written with the loops inline they do not inherit a wrong Exercise 1; a mistake
  of the specification costs cell (b) of Exercise 4 only, and the intro's table
  of points agrees with the graded cells;
* the hidden checks catch what the visible ones cannot (a call to mlpkit's own
  loss, step or batches; mini-batches drawn with replacement): these wrong answers
  pass the released notebook's visible tests and fail the graded ones, and every
  mlpkit function switched off is back afterwards;
* what Exercise 4's cell (b) relies on, against independent oracles: on identical
  examples every shuffle gives the same run, in closed form; with a tiny learning
  rate the first-order weights hold for every permutation (with a wide margin) and
  miss for sampling with replacement; a run of 3 epochs draws more from the rng
  than a run of 1 exactly when it reshuffles every epoch;
* grading stays cheap;
* the lecture covers its topics, builds its widgets and shows the worked numbers
  (x = 2, y = 2, w = 2, b = 1: L = 9, dL/dw = 12, dL/db = 6, then w = 0.8,
  b = 0.4) in checked output, and its closing cell sends momentum to unit 08.
"""
from __future__ import annotations

import re
import sys
import time
from pathlib import Path

import nbformat
import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from answers.unit03 import ALTERNATIVES, CELLS_USING, POINTS, UNIT, WRONG_ANSWERS  # noqa: E402
from harness import (  # noqa: E402
    REPO, nbgrader, read_lecture, run_exercise, run_quietly, score, solution_path,
)

import mlpkit  # noqa: E402

EXERCISE = REPO / "exercises" / UNIT / f"{UNIT}.ipynb"
_WRONG = {w.id: w for w in WRONG_ANSWERS}


def _failed(results):
    return {k for k, r in results.items() if not r.passed}


def _solution_sources() -> dict[str, str]:
    """``{grade_id: source}`` of every answer cell of the solution (its markers are comments)."""
    nb = nbformat.read(solution_path(UNIT), as_version=4)
    return {nbgrader(c)["grade_id"]: c.source for c in nb.cells if nbgrader(c).get("solution")}


def _solution_namespace(*extra_sources: str) -> dict:
    """The setup cell and every answer cell of the solution run in one namespace, then ``extra_sources``."""
    nb = nbformat.read(solution_path(UNIT), as_version=4)
    namespace: dict = {"__name__": "unit03_solution"}
    setup = next(c.source for c in nb.cells if nbgrader(c).get("grade_id") == "setup")
    for source in [setup, *_solution_sources().values(), *extra_sources]:
        exec(compile(source, "<unit03>", "exec"), namespace)
    return namespace


# --------------------------------------------------------------------------- partial credit

def test_gradient_mistake_in_exercise_1_costs_only_its_own_points_when_the_loops_are_inline():
    # Exercises 3 and 4 written without the helpers do not inherit a wrong Exercise 1
    wrong = _WRONG["sum_not_mean"]
    inline = {**ALTERNATIVES["gd_while_loop_inline"],
              **ALTERNATIVES["sgd_while_loops"],
              wrong.function: wrong.source}
    results, _ = run_quietly(solution_path(UNIT), inline)
    assert _failed(results) == {"test_mse_gradients_batch"}
    assert score(results) == 8


@pytest.mark.parametrize("wrong_id", ["drop_last_batch", "divide_by_batch_size", "history_unweighted",
                                      "history_after_update", "shuffle_once", "choice_per_batch"])
def test_a_mistake_of_the_specification_costs_cell_b_only(wrong_id):
    # the loop still trains: (a) keeps its 2 points, (b) loses its 2
    wrong = _WRONG[wrong_id]
    results, _ = run_quietly(solution_path(UNIT), {wrong.function: wrong.source})
    assert _failed(results) == {"test_minibatch_sgd_spec"}
    assert score(results) == 8


def test_the_intro_table_gives_each_exercise_the_points_of_its_cells():
    nb = nbformat.read(solution_path(UNIT), as_version=4)
    intro = nb.cells[0].source
    rows = re.findall(r"^\| \d\. [^|]+\| `(\w+)` \| ([\d +]+) \|$", intro, flags=re.MULTILINE)
    table = {function: sum(int(p) for p in points.split("+")) for function, points in rows}
    own = {"mse_gradients": {"test_mse_gradients_example", "test_mse_gradients_batch"},
           "descent_step": {"test_descent_step"}, "gradient_descent": {"test_gradient_descent"},
           "minibatch_sgd": {"test_minibatch_sgd_trains", "test_minibatch_sgd_spec"}}
    assert set(own) == set(CELLS_USING)
    assert table == {f: sum(POINTS[c] for c in cells) for f, cells in own.items()}
    assert sum(table.values()) == 10
    # momentum is unit 08's exercise: no cell here asks for it, the closing text says where it is
    assert not any("momentum" in c.source.lower() for c in nb.cells[:-1])
    assert "unit 08" in nb.cells[-1].source and "momentum" in nb.cells[-1].source.lower()


# --------------------------------------------------------------------------- what only the hidden checks catch

@pytest.mark.parametrize("wrong_id", ["mse_calls_mlpkit_loss", "step_calls_sgd_update", "gd_calls_sgd_update",
                                      "sgd_calls_mlpkit_batches", "choice_per_batch"])
def test_hidden_checks_catch_what_the_visible_ones_cannot(wrong_id):
    # the released notebook (visible tests only) with the solution's answers and one wrong answer
    assert EXERCISE.is_file(), "run `mlpcourse release 03_gradient_descent`"
    wrong = _WRONG[wrong_id]
    answers = {**_solution_sources(), wrong.function: wrong.source}
    visible = run_exercise(EXERCISE, answers)
    assert not _failed(visible), {k: visible[k].message for k in _failed(visible)}
    graded, _ = run_quietly(solution_path(UNIT), {wrong.function: wrong.source})
    assert wrong.cell in _failed(graded)


def test_every_switched_off_function_is_back_after_a_failure():
    before = {name: getattr(module, name) for module, name in [
        (mlpkit.functional, "mse_loss"), (mlpkit.losses, "MSELoss"), (mlpkit.optim, "sgd_update"),
        (mlpkit.optim, "SGD"), (mlpkit.data, "batches"), (mlpkit.train, "train_step"), (mlpkit.train, "fit")]}
    for wrong_id in ["mse_calls_mlpkit_loss", "sgd_calls_mlpkit_batches"]:
        wrong = _WRONG[wrong_id]
        results, _ = run_quietly(solution_path(UNIT), {wrong.function: wrong.source})
        assert "your code called mlpkit" in results[wrong.cell].message
    after = {name: getattr(module, name) for module, name in [
        (mlpkit.functional, "mse_loss"), (mlpkit.losses, "MSELoss"), (mlpkit.optim, "sgd_update"),
        (mlpkit.optim, "SGD"), (mlpkit.data, "batches"), (mlpkit.train, "train_step"), (mlpkit.train, "fit")]}
    assert after == before
    assert mlpkit.data.batching.batches is before["batches"]


# --------------------------------------------------------------------------- Exercise 4 (b): the oracles

def _minibatch_answers():
    """Every correct minibatch_sgd of the fixtures (the solution and the alternatives), as functions."""
    found = {"solution": _solution_namespace()["minibatch_sgd"]}
    for name, overrides in ALTERNATIVES.items():
        if "minibatch_sgd" in overrides:
            found[name] = _solution_namespace(overrides["minibatch_sgd"])["minibatch_sgd"]
    return found


def test_identical_examples_give_one_run_whatever_the_shuffle_in_closed_form():
    # each step multiplies the common residual by 1 - 2 lr (|x|^2 + 1) (a mean over the mini-batch, whatever
    # its size); history weighs the squared residual before each step by the mini-batch's size
    row, target, n, batch, lr, epochs = np.array([1.0, 2.0]), 1.0, 10, 4, 0.02, 2
    factor = 1 - 2 * lr * (row @ row + 1)
    sizes = [4, 4, 2]
    residuals = -target * factor ** np.arange(len(sizes) * epochs + 1)
    history = [np.dot(sizes, residuals[k * 3:k * 3 + 3] ** 2) / n for k in range(epochs)]
    w_exact = (residuals[-1] + target) / (row @ row + 1) * row   # w = c x_row, b = c, c (|x|^2 + 1) = e + t
    for name, minibatch_sgd in _minibatch_answers().items():
        for seed in range(4):
            w, b, h = minibatch_sgd(np.tile(row, (n, 1)), np.full(n, target), lr, epochs, batch,
                                    np.random.default_rng(seed))
            np.testing.assert_allclose(w, w_exact, rtol=1e-12, err_msg=name)
            np.testing.assert_allclose(b, w_exact[0], rtol=1e-12, err_msg=name)
            np.testing.assert_allclose(h, history, rtol=1e-12, err_msg=name)


def test_first_order_weights_hold_for_every_permutation_and_miss_for_sampling_with_replacement():
    rng = np.random.default_rng(34)
    x, y = rng.normal(size=(12, 2)), 3.0 * rng.normal(size=12)
    lr, batch = 1e-6, 3
    first = 3 * lr * 2 / batch * x.T @ y
    answers = _minibatch_answers()
    for seed in range(10):
        for name, minibatch_sgd in answers.items():
            w = minibatch_sgd(x, y, lr, 3, batch, np.random.default_rng(seed))[0]
            assert np.max(np.abs(w - first)) < 1e-4 * np.max(np.abs(first)), name   # the test allows 1e-3
    for wrong_id in ["with_replacement", "choice_per_batch"]:
        wrong = _solution_namespace(_WRONG[wrong_id].source)["minibatch_sgd"]
        for seed in range(20):
            w = wrong(x, y, lr, 3, batch, np.random.default_rng(seed))[0]
            assert np.max(np.abs(w - first)) > 2e-2 * np.max(np.abs(first)), (wrong_id, seed)


def test_history_0_is_the_mean_square_target_for_every_permutation():
    rng = np.random.default_rng(35)
    x, y = rng.normal(size=(13, 2)), 3.0 * rng.normal(size=13)
    for name, minibatch_sgd in _minibatch_answers().items():
        for seed in range(5):
            h = minibatch_sgd(x, y, 1e-6, 2, 5, np.random.default_rng(seed))[2]
            assert abs(h[0] - np.mean(y ** 2)) < 1e-5 * np.mean(y ** 2), name   # the test allows 1e-4
    unweighted = _solution_namespace(_WRONG["history_unweighted"].source)["minibatch_sgd"]
    for seed in range(20):
        h = unweighted(x, y, 1e-6, 2, 5, np.random.default_rng(seed))[2]
        assert abs(h[0] - np.mean(y ** 2)) > 1e-3 * np.mean(y ** 2), seed


def test_rng_draws_grow_with_the_epochs_only_when_every_epoch_reshuffles():
    x, y = mlpkit.data.make_line(20, rng=1, dtype=np.float64)
    y = y[:, 0]

    def draws_differ(minibatch_sgd):
        one, three = np.random.default_rng(5), np.random.default_rng(5)
        minibatch_sgd(x, y, 0.05, 1, 6, one)
        minibatch_sgd(x, y, 0.05, 3, 6, three)
        return one.bit_generator.state != three.bit_generator.state

    assert all(draws_differ(f) for f in _minibatch_answers().values())
    assert not draws_differ(_solution_namespace(_WRONG["shuffle_once"].source)["minibatch_sgd"])


# --------------------------------------------------------------------------- cost

def test_grading_stays_cheap():
    start = time.process_time()
    results, _ = run_quietly(solution_path(UNIT))
    assert not _failed(results)
    assert time.process_time() - start < 20, "the graded cells should take a few seconds"


# --------------------------------------------------------------------------- the lecture

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


def test_lecture_lists_the_exercise_as_it_is():
    _, markdown, _, _ = read_lecture(UNIT)
    closing = next(t for t in markdown if t.startswith("## Exercises and next steps"))
    for function in ["mse_gradients", "descent_step", "gradient_descent", "minibatch_sgd"]:
        assert f"`{function}(" in closing, function
    assert "momentum_step" not in closing and "unit 08" in closing
