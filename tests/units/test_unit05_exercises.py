"""Unit 05 (the multilayer perceptron): what only this unit's exercise and lecture check.

The generic tests (full marks, other correct answers, wrong answers, the
student's version, the skeletons) run on every unit in ``tests/units/test_exercises.py``,
with this unit's fixtures in ``tests/units/answers/unit05.toml``. Here:

* partial credit: a wrong answer costs the exercises that use it and no more
  (Exercise 4 reads the gradients through the student's ``gradient_check``;
  Exercise 5 trains with the student's ``forward`` and ``backward``);
* the hidden checks that switch mlpkit's layers off put them back, even when the
  student's code fails inside;
* the lecture covers its topics, builds its widget and shows the worked numbers,
  each recomputed here independently (parameter count, interpolation error,
  XOR probabilities, the agreement of the delta rule with mlpkit).
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from answers.unit05 import ALTERNATIVES, UNIT, WRONG_ANSWERS
from harness import failed_cells, read_lecture, run_quietly, score, solution_path, wrong_overrides

import mlpkit


def _wrong(*answer_ids):
    return wrong_overrides(WRONG_ANSWERS, *answer_ids)


def test_a_forward_without_activation_costs_the_passes_and_training_only():
    results, _ = run_quietly(solution_path(UNIT), _wrong("fwd_no_activation"))
    assert failed_cells(results) == {"test_forward", "test_backward_example", "test_backward_batch",
                                "test_train"}
    assert score(results) == 3          # gradient_check (2) and wrong_gradients (1) still count


def test_a_wrong_gradient_check_costs_its_own_points_when_exercise_4_is_answered_directly():
    overrides = {**_wrong("gc_one_sided"), **ALTERNATIVES["wrong_gradients_as_a_list"]}
    results, _ = run_quietly(solution_path(UNIT), overrides)
    assert failed_cells(results) == {"test_gradient_check"}
    assert score(results) == 8


def test_a_wrong_backward_costs_at_most_its_cells_and_training():
    results, _ = run_quietly(solution_path(UNIT), _wrong("bwd_missing_activation_derivative"))
    assert {"test_backward_example", "test_backward_batch"} <= failed_cells(results) <= \
        {"test_backward_example", "test_backward_batch", "test_train"}
    assert results["test_forward"].passed and results["test_gradient_check"].passed


def test_the_layer_stubs_are_restored_after_a_failing_check():
    forward, backward = mlpkit.nn.Linear.forward, mlpkit.nn.Linear.backward
    step = mlpkit.train.train_step
    results, _ = run_quietly(solution_path(UNIT), _wrong("bwd_uses_mlpkit_layers"))
    assert not results["test_backward_example"].passed
    assert mlpkit.nn.Linear.forward is forward and mlpkit.nn.Linear.backward is backward
    assert mlpkit.train.train_step is step
    layer = mlpkit.nn.Linear(2, 1, rng=0)
    assert layer(np.ones((1, 2), dtype=np.float32)).shape == (1, 1)


# --------------------------------------------------------------------------- the lecture

def test_lecture_topics_and_widget():
    nb, markdown, code, _ = read_lecture(UNIT)
    assert "06_mnist.ipynb" in markdown[-1]
    text = "\n".join(markdown).lower()
    for topic in ["hidden layer", "input layer", "output layer", "fully connected",
                  "f_3(f_2(f_1", "affine", "non-linear", "forward pass", "delta rule",
                  "jacobian", "column form", "train_step", "xor", "kink", "relu",
                  "central difference", "relative error", "symmetry", "epoch", "mini-batch"]:
        assert topic in text, topic
    assert any("widgets.mlp_playground(" in c.source for c in code)
    assert any("inspect.getsource(train.train_step)" in c.source for c in code)
    for cell in nb.cells:   # figures carry alt text; their plotting code is hidden on slides
        if any(o.get("data", {}).get("image/png") for o in cell.get("outputs", [])):
            assert cell.metadata.get("alt"), cell.source[:60]
            assert "hide-input" in cell.metadata.get("tags", []), cell.source[:60]
            assert cell.metadata.get("jupyter", {}).get("source_hidden") is True


def test_lecture_worked_numbers_against_independent_oracles():
    printed = read_lecture(UNIT).printed
    # 2-4-4-3: (2*4 + 4) + (4*4 + 4) + (4*3 + 3) parameters
    assert f"parameters in all: {(2 * 4 + 4) + (4 * 4 + 4) + (4 * 3 + 3)}" in printed
    assert "the same map up to rounding (max difference below 1e-12): True" in printed
    assert "with identity: training accuracy 87.0%" in printed
    assert "with tanh    : training accuracy 96.0%" in printed
    for name, shape in [("X", (4, 3)), ("Z1", (4, 5)), ("A1", (4, 5)), ("Z2", (4, 2)),
                        ("Y_hat", (4, 2))]:
        assert f"{name:5s} shape {shape}" in printed
    assert "mlpkit: L = 1.2482; logits equal: True" in printed
    assert "numerical Jacobian equals W: True" in printed
    for name, shape in [("W1", (5, 3)), ("b1", (5,)), ("W2", (2, 5)), ("b2", (2,))]:
        assert f"dL/d{name} {shape}: equal to mlpkit's: True" in printed
    assert "p(y = 1): [0.001 0.999 0.999 0.002]  targets: [0 1 1 0]" in printed
    assert "2-4-1 network: 10 of 10 random starts solve XOR" in printed
    # K ReLUs interpolate sin at K + 1 equally spaced knots: the error of np.interp
    x = np.linspace(-np.pi, np.pi, 2001)
    for K in [4, 8, 16, 32]:
        knots = np.linspace(-np.pi, np.pi, K + 1)
        error = np.max(np.abs(np.interp(x, knots, np.sin(knots)) - np.sin(x)))
        assert f"K = {K:2d} ReLUs: max |y_hat - sin| = {error:.4f}" in printed
    assert "correct backward below 1e-7: True; the bug above 1e-2: True" in printed


def test_lecture_loss_of_the_worked_batch_by_hand():
    # the forward pass of section 3, recomputed from its seed without mlpkit
    rng = np.random.default_rng(1)
    X = rng.normal(size=(4, 3))
    y = np.array([0, 1, 1, 0])
    W1, b1 = rng.normal(size=(5, 3)), rng.normal(size=5)
    W2, b2 = rng.normal(size=(2, 5)), rng.normal(size=2)
    z = np.tanh(X @ W1.T + b1) @ W2.T + b2
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    loss = -np.mean(np.log(p[np.arange(4), y]))
    printed = read_lecture(UNIT).printed
    assert f"L = {loss:.4f}" in printed
