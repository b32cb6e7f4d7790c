"""Unit 08 (optimisers): what only this unit's exercise checks.

The generic tests (full marks, other correct answers, wrong answers, the
student's version, the skeletons) run on every unit in ``tests/units/test_exercises.py``,
with this unit's fixtures in ``tests/units/answers/unit08.toml``; the lecture's topics
and worked numbers are in ``tests/units/test_unit08_lecture.py``. Here:

* partial credit: each exercise is independent, so a wrong answer costs its own
  points and no more;
* the hidden checks catch what the visible ones cannot (a call to mlpkit.optim,
  float32 turned into float64, a step counter of its own, ignored
  hyperparameters): these wrong answers pass the released notebook's visible
  tests and fail the graded ones;
* the stubs that switch mlpkit.optim off are put back, even after a failure;
* the theory of Exercise 3 against independent oracles: the closed-form pair the
  hidden checks expect minimises the worst rate found by brute force over a grid
  (roots by ``numpy.roots``, not mlpkit), and a plain-NumPy heavy-ball run shows what the
  exercise text says (more steps than predicted; a short run can be won by a
  nearby pair);
* the worked numbers in the exercise text, recomputed by hand;
* grading stays cheap (the graded cells' CPU time).
"""
from __future__ import annotations

import math
import sys
import time
from pathlib import Path

import nbformat
import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from answers.unit08 import ALTERNATIVES, UNIT, WRONG_ANSWERS
from harness import (
    REPO,
    failed_cells,
    run_exercise,
    run_quietly,
    score,
    solution_path,
    wrong_overrides,
)

import mlpkit

RELEASED = REPO / "exercises" / UNIT / f"{UNIT}.ipynb"


def _wrong(*answer_ids):
    return wrong_overrides(WRONG_ANSWERS, *answer_ids)


def _markdown():
    nb = nbformat.read(solution_path(UNIT), as_version=4)
    return "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")


# --------------------------------------------------------------------------- partial credit

@pytest.mark.parametrize("answer_id, cells, points", [
    ("mom_sign_flipped", {"test_momentum_example", "test_momentum_steps"}, 7),
    ("adam_no_bias_correction", {"test_adam_example", "test_adam_steps"}, 6),
    ("bm_gradient_descent", {"test_best_momentum_values", "test_best_momentum_run"}, 7),
])
def test_a_wrong_answer_costs_its_own_exercise_only(answer_id, cells, points):
    results, _ = run_quietly(solution_path(UNIT), _wrong(answer_id))
    assert failed_cells(results) == cells
    assert score(results) == points


def test_a_wrong_step_count_costs_the_values_but_not_the_run():
    results, _ = run_quietly(solution_path(UNIT), _wrong("bm_steps_rate_not_squared"))
    assert failed_cells(results) == {"test_best_momentum_values"}
    assert score(results) == 8


# --------------------------------------------------------------------------- hidden versus visible

@pytest.mark.parametrize("answer_id, cell, phrase", [
    ("mom_calls_mlpkit", "test_momentum_example", "called mlpkit.optim"),
    ("mom_float64_scalars", "test_momentum_steps", "keep the dtype of w"),
    ("adam_calls_mlpkit", "test_adam_example", "called mlpkit.optim"),
    ("adam_own_counter", "test_adam_example", "use the t, betas and eps you are given"),
    ("adam_float64_scalars", "test_adam_steps", "keep the dtype of w"),
    ("adam_fixed_hyperparameters", "test_adam_steps", "the hyperparameters passed in"),
])
def test_hidden_checks_catch_what_the_visible_ones_cannot(answer_id, cell, phrase):
    assert RELEASED.is_file(), "run `mlpcourse release 08_optimisers` first"
    visible = run_exercise(RELEASED, _wrong(answer_id))      # the student's notebook: no hidden tests
    assert visible[cell].passed, visible[cell].message
    graded = run_exercise(solution_path(UNIT), _wrong(answer_id))
    assert not graded[cell].passed
    assert phrase in graded[cell].message


def test_the_eps_placement_is_graded_on_small_gradients_as_documented():
    # eps inside the root is rejected (the spec follows mlpkit), by the visible example and the hidden runs
    results, _ = run_quietly(solution_path(UNIT), _wrong("adam_eps_inside_sqrt"))
    assert {"test_adam_example", "test_adam_steps"} <= failed_cells(results)
    assert "eps" in results["test_adam_steps"].message
    doc = mlpkit.optim.Adam.__doc__
    assert "eps sits outside the root" in doc
    assert "outside the square root" in _markdown()


def test_the_optimiser_stubs_are_restored_after_a_failing_check():
    originals = {name: vars(cls)["update"] for name, cls in mlpkit.optim.OPTIMIZERS.items()
                 if "update" in vars(cls)}
    results, _ = run_quietly(solution_path(UNIT), _wrong("adam_calls_mlpkit"))
    assert not results["test_adam_example"].passed
    assert {name: vars(cls)["update"] for name, cls in mlpkit.optim.OPTIMIZERS.items()
            if "update" in vars(cls)} == originals
    w, state = mlpkit.optim.adam_update(np.array([1.0]), np.array([2.0]), None, lr=0.1)
    assert w[0] == pytest.approx(0.9) and state["t"] == 1


def test_a_pytorch_buffer_passes_only_while_lr_is_converted_at_the_same_step():
    # the alternative converts u = -v / lr with the lr of the call: correct; returning u itself is not
    results, _ = run_quietly(solution_path(UNIT), ALTERNATIVES["momentum_via_pytorch_buffer"])
    assert not failed_cells(results)
    results, _ = run_quietly(solution_path(UNIT), _wrong("mom_pytorch_buffer"))
    assert {"test_momentum_example", "test_momentum_steps"} == failed_cells(results)


# --------------------------------------------------------------------------- the theory of Exercise 3

def _worst_rate(lr, mu, lam_min, lam_max, n=201):
    """max over curvatures in [lam_min, lam_max] of the largest |root| of r^2 - (1 + mu - lr lam) r + mu."""
    worst = 0.0
    for lam in np.geomspace(lam_min, lam_max, n):
        worst = max(worst, max(abs(np.roots([1.0, -(1.0 + mu - lr * lam), mu]))))
    return worst


def _closed_form(lam_min, lam_max):
    """The pair the hidden checks expect (lecture 08): lr = 4 / (sqrt(L) + sqrt(l))^2, mu = r^2."""
    root = math.sqrt(lam_max / lam_min)
    return 4 / (math.sqrt(lam_max) + math.sqrt(lam_min)) ** 2, ((root - 1) / (root + 1)) ** 2


@pytest.mark.parametrize("lam_min, lam_max", [(1.0, 100.0), (0.5, 8.0)])
def test_the_closed_form_pair_minimises_the_worst_rate_on_a_grid(lam_min, lam_max):
    lr, mu = _closed_form(lam_min, lam_max)
    root = math.sqrt(lam_max / lam_min)
    rho = (root - 1) / (root + 1)
    assert _worst_rate(lr, mu, lam_min, lam_max) == pytest.approx(rho, rel=1e-6)
    grid = [(lr * f, mu + d) for f in np.linspace(0.8, 1.1, 13) for d in np.linspace(-0.1, 0.1, 11)
            if not (f == 1.0 and d == 0.0) and 0 <= mu + d < 1]
    assert min(_worst_rate(a, m, lam_min, lam_max, n=41) for a, m in grid) > rho


def _heavy_ball_steps(lam, lr, mu, target, limit=5000):
    """Steps of plain-NumPy heavy ball from w = 1 until 0.5 sum(lam w^2) <= target (None if never)."""
    lam = np.asarray(lam, dtype=float)
    w, v = np.ones_like(lam), np.zeros_like(lam)
    for t in range(limit):
        if 0.5 * np.sum(lam * w * w) <= target:
            return t
        v = mu * v - lr * lam * w
        w = w + v
    return None


def test_what_the_exercise_says_about_real_runs_is_true():
    # lambda in [1, 100] from loss 50.5 to 1e-6: the prediction is 45 steps
    lr, mu = _closed_form(1.0, 100.0)
    predicted = min(t for t in range(200) if 50.5 * mu ** t <= 1e-6)     # loss0 r^(2t) <= target
    assert predicted == 45
    actual = _heavy_ball_steps([1.0, 100.0], lr, mu, 1e-6)
    assert actual > predicted                          # the double roots' t rho^t
    nearby = _heavy_ball_steps([1.0, 100.0], 0.9 * lr, mu + 0.03, 1e-6)
    assert nearby < actual                             # a short run can be won by a nearby pair
    gd = _heavy_ball_steps([1.0, 100.0], 2 / 101, 0.0, 1e-6)
    assert gd > 5 * actual                             # ... but plain gradient descent is far behind
    text = _markdown()
    assert "takes *more* steps than the prediction" in text and "get there first" in text


# --------------------------------------------------------------------------- worked numbers in the text

def test_the_worked_numbers_of_the_exercise_text():
    text = _markdown()
    # momentum: w = (1, -2), dw = (0.5, -1), v = (0.1, 0.2), lr = 0.2, mu = 0.9
    v = 0.9 * np.array([0.1, 0.2]) - 0.2 * np.array([0.5, -1.0])
    w = np.array([1.0, -2.0]) + v
    assert np.allclose(v, [-0.01, 0.38]) and np.allclose(w, [0.99, -1.62])
    assert r"$\mathbf v = (-0.01, 0.38)$ and $\mathbf w = (0.99, -1.62)$" in text
    # Adam's first step: a step of lr against each gradient's sign (eps outside the root)
    w0, g = np.array([1.0, -2.0, 0.5]), np.array([0.5, -4.0, 1e-4])
    m_hat, s_hat = 0.1 * g / (1 - 0.9), 0.001 * g ** 2 / (1 - 0.999)
    w1 = w0 - 0.1 * m_hat / (np.sqrt(s_hat) + 1e-8)
    assert np.allclose(w1, [0.9, -1.9, 0.40001], atol=1e-6)
    assert r"$\mathbf w \approx (0.9, -1.9, 0.40001)$" in text
    # Exercise 3: kappa = 100, rho = 9/11, lr = 4/121, mu = (9/11)^2, 45 steps from 50.5 to 1e-6
    rho = 9 / 11
    assert 4 / (10 + 1) ** 2 == pytest.approx(0.0331, abs=5e-5) and rho ** 2 == pytest.approx(0.669, abs=5e-4)
    assert min(t for t in range(200) if 50.5 * rho ** (2 * t) <= 1e-6) == 45
    assert r"$\eta = 4/121 \approx 0.0331$, $\mu \approx 0.669$, and 45 steps" in text


# --------------------------------------------------------------------------- grading cost

def test_the_graded_cells_are_cheap():
    start = time.process_time()
    results, _ = run_quietly(solution_path(UNIT))
    assert score(results) == 10
    # mlpcourse grade adds a kernel start and the imports; 20 s per student is the budget
    assert time.process_time() - start < 5.0
