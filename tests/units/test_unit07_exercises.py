"""Unit 07 (regularisation and initialisation): what only this unit's exercise checks.

The generic tests (full marks, other correct answers, wrong answers, the
student's version, the skeletons) run on every unit in ``tests/units/test_exercises.py``,
with this unit's fixtures in ``tests/units/answers/unit07.toml``. The lecture's topics
and worked numbers are checked in ``tests/units/test_unit07_lecture.py``. Here:

* partial credit: each exercise earns its own points, and a wrong dropout forward
  costs the two dropout exercises and nothing else;
* the hidden checks that switch off ``mlpkit.nn.Dropout`` and mlpkit's weight decay
  catch a call however it was imported, and put the library back even when the
  student's code fails inside;
* the statistical dropout checks accept any correct mask, whatever numbers it
  draws from ``rng``;
* the numbers the exercise gives are what it says they are, recomputed here
  without mlpkit: the measured networks of Exercise 7 (their sigma, which vanish
  and which explode) and the answer of Exercise 5 (with a hand-written Adam).
"""
from __future__ import annotations

import math
import sys
from pathlib import Path

import nbformat
import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from answers.unit07 import ALTERNATIVES, POINTS, UNIT, WRONG_ANSWERS
from harness import (
    failed_cells,
    function_source,
    passed_cells,
    run_leaving_unanswered,
    run_quietly,
    score,
    solution_path,
    wrong_overrides,
)

import mlpkit


def _wrong(*answer_ids):
    return wrong_overrides(WRONG_ANSWERS, *answer_ids)


def _cell_namespace(*cell_ids):
    """Run the solution notebook's cells with these ids (setup, settings, networks) in one namespace."""
    nb = nbformat.read(solution_path(UNIT), as_version=4)
    namespace = {"__name__": "__main__"}
    for cell in nb.cells:
        if cell.get("id") in cell_ids:
            exec(cell.source, namespace)  # noqa: S102 - the notebook's own cells, as a kernel runs them
    return namespace


# --------------------------------------------------------------------------- partial credit

def test_each_exercise_earns_its_own_points():
    # dropout and the initialisation solved; penalties, Adam and the question left as released
    results = run_leaving_unanswered(UNIT, "penalty_gradient", "adam_decay_step", "same_as_l2")
    passed = passed_cells(results)
    assert passed == {"test_dropout_forward", "test_dropout_backward", "test_stable_std",
                      "test_estimate_weight_std"}
    assert score(results) == 6 == sum(POINTS[k] for k in passed)


def test_a_wrong_dropout_forward_costs_the_two_dropout_exercises_only():
    results, _ = run_quietly(solution_path(UNIT), _wrong("do_no_scaling"))
    assert failed_cells(results) == {"test_dropout_forward", "test_dropout_backward"}
    assert score(results) == 7


def test_a_wrong_answer_to_the_question_costs_one_point():
    results, _ = run_quietly(solution_path(UNIT), _wrong("sl_zero_gradients"))
    assert failed_cells(results) == {"test_same_as_l2"}
    assert score(results) == 9


# --------------------------------------------------------------------------- forbidden calls

def _library_methods():
    return (vars(mlpkit.nn.Dropout)["forward"], vars(mlpkit.nn.Dropout)["backward"],
            vars(mlpkit.optim.Adam)["update"], vars(mlpkit.optim.AdamW)["update"])


@pytest.mark.parametrize("imports, body", [
    ("from mlpkit.nn import Dropout as LibraryDropout",
     ["layer = LibraryDropout(p, rng=rng)", "if not training:", "    layer.eval()",
      "return layer(x), layer._mask"]),
    ("import mlpkit.nn as layers",
     ["if not 0 <= p < 1:", "    raise ValueError('p')", "if not training:", "    return x, None",
      "layer = layers.Dropout(p, rng=rng)", "return layer.forward(x), layer"]),
])
def test_a_call_to_the_dropout_layer_is_caught_however_it_was_imported(imports, body):
    before = _library_methods()
    source = imports + "\n\n" + function_source("dropout_forward(x, p, rng, training=True)", *body)
    results, _ = run_quietly(solution_path(UNIT), {"dropout_forward": source})
    assert not results["test_dropout_forward"].passed
    assert "your code called mlpkit.nn.Dropout" in results["test_dropout_forward"].message
    assert _library_methods() == before                   # put back after the failing check
    layer = mlpkit.nn.Dropout(0.5, rng=0)
    assert np.count_nonzero(layer(np.ones((10, 10)))) < 100


# one way by hand, the other by mlpkit's own decay, imported by name
@pytest.mark.parametrize("imports, body, phrase", [
    ("from mlpkit.optim import adamw_update as library_adamw",
     ["if decoupled:", "    return library_adamw(w, dw, state, lr=lr, weight_decay=lam)",
      "return mlpkit.optim.adam_update(w, dw + lam * w, state, lr=lr)"], "called mlpkit's AdamW"),
    ("from mlpkit.optim import adam_update",
     ["if not decoupled:", "    return adam_update(w, dw, state, lr=lr, weight_decay=lam)",
      "return adam_update(w - lr * lam * w, dw, state, lr=lr)"], "passed weight_decay"),
])
def test_mlpkits_own_decay_is_caught_however_it_was_imported(imports, body, phrase):
    before = _library_methods()
    source = imports + "\n\n" + function_source("adam_decay_step(w, dw, state, *, lr, lam, decoupled)",
                                                 *body)
    results, _ = run_quietly(solution_path(UNIT), {"adam_decay_step": source})
    assert not results["test_adam_decay_step"].passed
    assert phrase in results["test_adam_decay_step"].message
    assert _library_methods() == before                   # put back after the failing check
    w, _ = mlpkit.optim.adamw_update(np.array([1.0]), np.array([0.0]), None, lr=0.1, weight_decay=0.5)
    assert w[0] == pytest.approx(0.95)                     # 1 - lr lam, then no step on a zero gradient
    w, _ = mlpkit.optim.adam_update(np.array([1.0]), np.array([0.0]), None, lr=0.1, weight_decay=0.5)
    assert w[0] == pytest.approx(0.9)                      # Adam's first step on g = lam w has length lr


# --------------------------------------------------------------------------- any correct mask passes

@pytest.mark.parametrize("salt", [1, 2, 3, 5, 8])
def test_the_dropout_checks_pass_whatever_numbers_a_correct_mask_draws(salt):
    # a correct forward that first discards `salt` numbers of rng: other masks for every seed of the checks
    source = function_source("dropout_forward(x, p, rng, training=True)",
                             "if not 0 <= p < 1:", "    raise ValueError('p must be in [0, 1)')",
                             "if not training:", "    return x, None",
                             f"rng.random({salt})",
                             "keep = rng.random(np.shape(x)) < 1 - p",
                             "return x * keep / (1 - p), keep / (1 - p)")
    results, _ = run_quietly(solution_path(UNIT), {"dropout_forward": source})
    assert results["test_dropout_forward"].passed, results["test_dropout_forward"].message
    assert results["test_dropout_backward"].passed, results["test_dropout_backward"].message


def test_the_alternative_masks_differ_from_the_solutions():
    # the alternatives really draw other masks than the solution (so their passing means something)
    ns = _cell_namespace("setup")
    solution = nbformat.read(solution_path(UNIT), as_version=4)
    exec(next(c.source for c in solution.cells if c.get("id") == "dropout-forward"), ns)  # noqa: S102
    reference = ns["dropout_forward"](np.ones((20, 30)), 0.3, np.random.default_rng(0))[0]
    for name in ["binomial_mask_and_dict_cache", "uniform_below_keep_probability"]:
        exec(ALTERNATIVES[name]["dropout_forward"], ns)  # noqa: S102 - a fixture's answer cell
        other = ns["dropout_forward"](np.ones((20, 30)), 0.3, np.random.default_rng(0))[0]
        assert not np.array_equal(np.asarray(other) != 0, reference != 0), name


# --------------------------------------------------------------------------- the numbers the exercise gives

# the sigma each network of Exercise 7 was measured with (not shown to the student)
_TRUE_SIGMA = {"A": ("relu", 0.05, 1, 1.0), "B": ("relu", math.sqrt(2 / 256), 2, 1.0),
               "C": ("relu", 0.125, 3, 1.0), "D": ("identity", 1 / 16, 4, 2.0),
               "E": ("identity", math.sqrt(2 / 256), 5, 1.0)}


def test_the_networks_of_exercise_7_are_a_real_measurement():
    ns = _cell_namespace("setup", "networks")
    networks, layer_stds = ns["NETWORKS"], ns["layer_stds"]
    assert set(networks) == set(_TRUE_SIGMA)
    for name, (activation, sigma, seed, input_std) in _TRUE_SIGMA.items():
        act, table = networks[name]
        assert act == activation
        measured = layer_stds(sigma, activation, rng=seed, input_std=input_std)
        assert [float(f"{v:.4g}") for v in measured] == table, name


def test_the_estimate_recovers_each_networks_sigma_and_the_diagnosis():
    ns = _cell_namespace("setup", "networks")
    verdicts = {}
    for name, (activation, table) in ns["NETWORKS"].items():
        # the spread's factor per layer, by hand: sqrt(n sigma^2 E[a^2] / Var(z)), E[a^2] / Var(z) = 1/2 for ReLU
        kept = 0.5 if activation == "relu" else 1.0
        estimate = (table[-1] / table[0]) ** (1 / 9) / math.sqrt(256 * kept)
        sigma = _TRUE_SIGMA[name][1]
        assert estimate == pytest.approx(sigma, rel=0.05), name
        stable = math.sqrt(1 / (256 * kept))
        verdicts[name] = ("vanishes" if estimate < 0.9 * stable else
                          "explodes" if estimate > 1.1 * stable else "stable")
    assert verdicts == {"A": "vanishes", "B": "stable", "C": "explodes", "D": "stable", "E": "explodes"}


def _adam_by_hand(w, dws, lr, lam, decoupled, beta1=0.9, beta2=0.999, eps=1e-8):
    """Adam with L2 in the loss or decoupled decay, written out from the formulas (no mlpkit)."""
    w, m, v = np.array(w, dtype=float), np.zeros(len(w)), np.zeros(len(w))
    for t, dw in enumerate(dws, start=1):
        if decoupled:
            w = w - lr * lam * w
            g = dw
        else:
            g = dw + lam * w
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        w = w - lr * (m / (1 - beta1 ** t)) / (np.sqrt(v / (1 - beta2 ** t)) + eps)
    return w


def _sgd_by_hand(w, dws, lr, mu, lam, decoupled):
    w, velocity = np.array(w, dtype=float), np.zeros(len(w))
    for dw in dws:
        if decoupled:
            w = w - lr * lam * w
            g = dw
        else:
            g = dw + lam * w
        velocity = mu * velocity - lr * g
        w = w + velocity
    return w


def test_the_answer_of_exercise_5_by_hand():
    ns = _cell_namespace("setup", "settings")
    same = set()
    for number, s in ns["SETTINGS"].items():
        if s["optimizer"] == "sgd":
            ends = [_sgd_by_hand(ns["W0"], s["dws"], s["lr"], s["momentum"], s["lam"], d) for d in (False, True)]
        else:
            ends = [_adam_by_hand(ns["W0"], s["dws"], s["lr"], s["lam"], d) for d in (False, True)]
        difference = np.max(np.abs(ends[0] - ends[1]))
        if difference < 1e-9:
            same.add(number)
        else:
            assert difference > 0.1, (number, difference)    # not a near miss: clearly different
    assert same == {1, 3}
    assert ALTERNATIVES["same_as_l2_by_reasoning"]["same_as_l2"].strip().endswith("return {1, 3}")
