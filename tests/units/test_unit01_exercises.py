"""Unit 01 (the artificial neuron): what only this unit's exercise and lecture check.

The generic tests (full marks, other correct answers, wrong answers, the
student's version, the skeletons) run on every unit in ``tests/units/test_exercises.py``,
with this unit's fixtures in ``tests/units/answers/unit01.py``.
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from answers.unit01 import UNIT  # noqa: E402
from harness import read_lecture  # noqa: E402


def test_lecture_worked_example_and_next_unit():
    _, markdown, code, printed = read_lecture(UNIT)
    assert "02_linear_regression.ipynb" in markdown[-1]
    assert all(c.outputs or c.metadata["slideshow"]["slide_type"] == "skip" for c in code), \
        "every shown code cell of the lecture has its output stored"
    assert "z = 5.5" in printed
