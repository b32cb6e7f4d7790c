"""Unit 01 (the artificial neuron): what only this unit's exercise and lecture check.

The generic tests (full marks, other correct answers, wrong answers, the
student's version, the skeletons) run on every unit in ``tests/units/test_exercises.py``,
with this unit's fixtures in ``tests/units/answers/unit01.toml``. Here: the intro's
table of points, the lecture's worked example, and the logic exercise's property
that EVERY choice of weights meeting the specification passes and every other
fails (random choices against an oracle written here), and that the library's own
activations are refused inside the hidden tests and switched back on afterwards.
"""
from __future__ import annotations

import re
import sys
from fractions import Fraction
from itertools import product
from pathlib import Path

import nbformat
import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from answers.unit01 import (  # noqa: E402
    CELLS_USING, POINTS, UNIT, WRONG_ANSWERS, gate_source, xor_source,
)
from harness import read_lecture, run_quietly, solution_path  # noqa: E402

CORNERS = np.array(list(product([0, 1], repeat=2)))           # (0, 0), (0, 1), (1, 0), (1, 1)
TABLES = {"AND": [0, 0, 0, 1], "OR": [0, 1, 1, 1], "NAND": [1, 1, 1, 0]}
SOLUTION_GATES = {"AND": ([1.0, 1.0], -1.5), "OR": ([1.0, 1.0], -0.5), "NAND": ([-1.0, -1.0], 1.5)}


def _failed(results) -> set[str]:
    return {k for k, r in results.items() if not r.passed}


def _strict_table(w, b, inputs=CORNERS):
    """The step neuron's outputs on ``inputs``, or None when an input has z == 0 exactly (in exact arithmetic)."""
    exact = [Fraction(repr(float(v))) for v in (*w, b)]     # the decimals as written: 0.7 - 0.8 + 0.1 is 0
    z = [sum(wi * int(xi) for wi, xi in zip(exact[:2], x)) + exact[2] for x in inputs]
    return None if any(v == 0 for v in z) else [int(v > 0) for v in z]


# --------------------------------------------------------------------------- the lecture and the intro

def test_lecture_worked_example_and_next_unit():
    _, markdown, code, printed = read_lecture(UNIT)
    assert "02_linear_regression.ipynb" in markdown[-1]
    assert all(c.outputs or c.metadata.get("slideshow", {}).get("slide_type") == "skip" for c in code), \
        "every shown code cell of the lecture has its output stored"
    assert "z = 5.5" in printed
    exercises = next(t for t in markdown if t.startswith("## Exercises and next steps"))
    for name in ("neuron_output", "sigmoid", "leaky_relu", "classify", "gate", "xor_network"):
        assert f"`{name}" in exercises, name


def test_the_exercise_keeps_the_lectures_worked_example():
    nb = nbformat.read(solution_path(UNIT), as_version=4)
    task = next(c.source for c in nb.cells if c.metadata["nbgrader"]["grade_id"] == "task_neuron_output")
    assert "[1, 2, 3]" in task and "[1, 0.5, 1]" in task and "b = 0.5" in task and "5.5" in task
    test = next(c.source for c in nb.cells if c.metadata["nbgrader"]["grade_id"] == "test_neuron_output")
    assert "check.close(a, [5.5]" in test


def test_intro_table_gives_each_exercise_its_points():
    nb = nbformat.read(solution_path(UNIT), as_version=4)
    intro = nb.cells[0].source
    rows = re.findall(r"^\| (\d)\. [^|]+ \| ([^|]+) \| (\d+) \|$", intro, flags=re.MULTILINE)
    assert len(rows) == 5, rows
    for _, functions, points in rows:
        names = re.findall(r"`(\w+)`", functions)
        cells = set().union(*(CELLS_USING[name] for name in names))
        assert sum(POINTS[c] for c in cells) == int(points), (names, cells, points)
    assert "| **total** | | **10** |" in intro
    # every exercise asks for reasoning somewhere, and the text says which library calls are refused and why
    assert "reasoning" in intro and "Kernel → Restart Kernel and Run All Cells…" in intro
    for name in ("sigmoid", "sigmoid_grad", "relu", "relu_grad", "leaky_relu", "leaky_relu_grad", "expit"):
        assert f"`{name}`" in intro or f"`scipy.special.{name}`" in intro or f"`mlpkit.functional.{name}`" in intro, name


# --------------------------------------------------------------------------- the library is refused, then restored

def test_library_activations_are_refused_in_the_hidden_tests_and_restored_after():
    import mlpkit.functional
    import mlpkit.nn
    import scipy.special
    originals = (mlpkit.functional.sigmoid, mlpkit.functional.leaky_relu_grad, mlpkit.nn.LeakyReLU,
                 scipy.special.expit)
    overrides = {w.function: w.source for w in WRONG_ANSWERS
                 if w.id in ("sigmoid_calls_scipy", "grad_calls_mlpkit_leaky")}
    results, _ = run_quietly(solution_path(UNIT), overrides)
    assert _failed(results) == {"test_sigmoid_values", "test_sigmoid_stable", "test_sigmoid_grad",
                                "test_leaky_relu"}
    assert "your code called scipy.special.expit" in results["test_sigmoid_values"].message
    assert "your code called mlpkit.functional.leaky_relu_grad" in results["test_leaky_relu"].message
    assert (mlpkit.functional.sigmoid, mlpkit.functional.leaky_relu_grad, mlpkit.nn.LeakyReLU,
            scipy.special.expit) == originals
    # the tests themselves (neuron_output's hidden test passes mlpkit's activations as phi) still work
    assert results["test_neuron_output"].passed


# --------------------------------------------------------------------------- gate: every strict choice, and only those

def _random_gate_choices(seed, n):
    """``n`` random (w, b) in [-3, 3]^3 with one decimal, so that z = 0 happens (exactly) now and then."""
    rng = np.random.default_rng(seed)
    values = np.round(rng.uniform(-3, 3, size=(n, 3)), 1)
    return [([float(v[0]), float(v[1])], float(v[2])) for v in values]


@pytest.mark.parametrize("name", ["AND", "OR", "NAND"])
def test_gate_accepts_every_strict_choice_and_rejects_every_other(name):
    candidates = _random_gate_choices({"AND": 10, "OR": 11, "NAND": 12}[name], 400)
    # correct ones for this gate (rare among random choices): scaled and shifted copies of strict solutions
    rng = np.random.default_rng(13)
    correct = [c for c in candidates if _strict_table(*c) == TABLES[name]][:6]
    for scale in (1e-4, 0.37, 250.0):
        w, b = SOLUTION_GATES[name]
        jitter = rng.uniform(-0.2, 0.2, size=3)
        correct.append(([scale * (w[0] + jitter[0]), scale * (w[1] + jitter[1])], scale * (b + jitter[2])))
    wrong_on_line = [c for c in candidates if _strict_table(*c) is None][:4]
    wrong_other = [c for c in candidates if _strict_table(*c) not in (None, TABLES[name])][:6]
    assert len(correct) >= 5 and len(wrong_on_line) == 4 and len(wrong_other) == 6
    for choice in correct + wrong_on_line + wrong_other:
        assert (_strict_table(*choice) == TABLES[name]) == (choice in correct)
        gates = dict(SOLUTION_GATES, **{name: choice})
        results, _ = run_quietly(solution_path(UNIT), {"gate": gate_source(gates["AND"], gates["OR"], gates["NAND"])})
        verdict = results["test_gates"]
        if choice in correct:
            assert verdict.passed, (choice, verdict.message)
            assert results["test_xor"].passed, (choice, results["test_xor"].message)
        else:
            assert not verdict.passed, choice
            expected = "exactly on its line" if choice in wrong_on_line else "your neuron computes"
            assert expected in verdict.message, (choice, verdict.message)
        assert _failed(results) <= CELLS_USING["gate"]


# --------------------------------------------------------------------------- xor_network: the same property

def _network_verdict(W1, b1, w2, b2):
    """Oracle: XOR on the four corners with no neuron's z exactly 0 on an input it receives."""
    hidden = [_strict_table(W1[m], b1[m]) for m in (0, 1)]
    if None in hidden:
        return False
    h = list(zip(*hidden))
    out = _strict_table(w2, b2, inputs=h)
    return out == [0, 1, 1, 0]


def _correct_networks(seed, n):
    """Networks built from every pair of strict hidden gates that leaves XOR separable, at random scales."""
    rng = np.random.default_rng(seed)
    designs = [  # hidden neurons (w, b) and an output neuron
        ((([1, 1], -0.5), ([-1, -1], 1.5)), ([1, 1], -1.5)),     # OR, NAND -> AND
        ((([-1, -1], 1.5), ([1, 1], -0.5)), ([1, 1], -1.5)),     # NAND, OR -> AND
        ((([1, 1], -0.5), ([1, 1], -1.5)), ([1, -1], -0.5)),     # OR, AND -> OR AND NOT AND
        ((([1, -1], -0.5), ([-1, 1], -0.5)), ([1, 1], -0.5)),    # two halves -> OR
        ((([1, 1], -1.5), ([-1, -1], 0.5)), ([-1, -1], 0.5)),    # AND, NOR -> NOR: XOR
    ]
    networks = []
    for _ in range(n):
        (n0, n1), out = designs[int(rng.integers(len(designs)))]
        s = rng.uniform(0.05, 40, size=3)
        W1 = [[s[0] * v for v in n0[0]], [s[1] * v for v in n1[0]]]
        b1 = [s[0] * n0[1], s[1] * n1[1]]
        networks.append((W1, b1, [s[2] * v for v in out[0]], s[2] * out[1]))
    return networks


def test_xor_network_accepts_every_correct_network_and_rejects_the_others():
    correct = _correct_networks(20, 8)
    rng = np.random.default_rng(21)
    others = []
    while len(others) < 10:      # random networks with one decimal: mostly wrong, sometimes on a line
        W1, b1, w2 = (np.round(rng.uniform(-2, 2, size=s), 1).tolist() for s in ((2, 2), 2, 2))
        b2 = float(np.round(rng.uniform(-2, 2), 1))
        if not _network_verdict(W1, b1, w2, b2):
            others.append((W1, b1, w2, b2))
    for network in correct + others:
        verdict = _network_verdict(*network)
        assert verdict == (network in correct)
        results, _ = run_quietly(solution_path(UNIT), {"xor_network": xor_source(*network)})
        assert results["test_xor"].passed == verdict, (network, results["test_xor"].message)
        assert _failed(results) <= {"test_xor"}
        if not verdict:
            assert results["test_xor"].message.startswith("CheckFailed: ✗"), results["test_xor"].message


def test_no_single_neuron_computes_xor_whatever_the_weights():
    # the claim the exercise text proves: no (w1, w2, b) on a fine grid gives XOR strictly
    grid = np.linspace(-3, 3, 25)
    for w1, w2, b in product(grid, grid, grid):
        assert _strict_table([w1, w2], b) != [0, 1, 1, 0]
