"""Every unit's exercise: the tests grade behaviour, not code.

For every unit with answer fixtures (``tests/units/answers/unitNN.toml``, see
``tests/units/answers/__init__.py``) this proves, with ``tests/units/harness.py``
(in-process, no kernel), that

* the solution notebook passes every graded cell and scores full marks (with
  the points the fixture names), with a ✓ line per cell and no warnings;
* the fixture's other correct answers (loops, other but equivalent formulas)
  pass too;
* every typical wrong answer fails the right cell with a message containing its
  teaching hint, and costs only the points of the exercises that use the wrong
  function;
* the notebook a student starts from (answers replaced by
  ``raise NotImplementedError()``) runs and scores 0;
* both notebooks keep the course skeleton (nbgrader metadata, slide metadata,
  the lecture stored executed).

A unit in ``solutions/`` without a fixture module fails
``test_every_unit_has_answer_fixtures``. What differs per unit (partial credit,
property cells, the lecture's worked numbers) is in ``test_unitNN_exercises.py``.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import (  # noqa: E402
    WrongAnswer, answer_modules, lecture_path, nbgrader, run_quietly, score,
    solution_functions, solution_path, solution_units, student_stubs,
)

TOTAL_POINTS = 10          # every exercise notebook is worth 10 points
FIXTURES = answer_modules()
UNITS = list(FIXTURES)


def _all_test_cells(fixture) -> set[str]:
    return set().union(*fixture.CELLS_USING.values())


def _property_cells(fixture) -> set[str]:
    return set(getattr(fixture, "PROPERTY_CELLS", set()))


# --------------------------------------------------------------------------- the fixtures

@pytest.mark.parametrize("unit", solution_units())
def test_every_unit_has_answer_fixtures(unit):
    assert unit in FIXTURES, (
        f"solutions/{unit}/ has no wrong-answer fixtures: add tests/units/answers/unit{unit[:2]}.toml "
        f"with unit = {unit!r}, [cells_using], [points], [alternatives.*] and [[wrong]] entries "
        "(see tests/units/answers/__init__.py and CONTRIBUTING.md, Notebooks)")


@pytest.mark.parametrize("unit", UNITS)
def test_answer_fixtures_are_complete(unit):
    fixture = FIXTURES[unit]
    assert fixture.__name__ == f"answers.unit{unit[:2]}", (fixture.__name__, unit)
    assert solution_path(unit).is_file(), f"UNIT = {unit!r}: no {solution_path(unit)}"
    cells = _all_test_cells(fixture)
    assert set(fixture.POINTS) == cells, set(fixture.POINTS) ^ cells
    assert sum(fixture.POINTS.values()) == TOTAL_POINTS
    assert _property_cells(fixture) <= cells
    for name, overrides in fixture.ALTERNATIVES.items():
        assert overrides and set(overrides) <= set(fixture.CELLS_USING), (name, overrides)
    for wrong in fixture.WRONG_ANSWERS:
        assert isinstance(wrong, WrongAnswer), wrong
        assert wrong.cell in fixture.CELLS_USING[wrong.function], wrong.id
        assert re.search(rf"\b{wrong.id}\b", fixture.__doc__), \
            f"the header comment of {fixture.__name__}'s TOML file must list {wrong.id}"


# --------------------------------------------------------------------------- the solution

@pytest.mark.parametrize("unit", UNITS)
def test_solution_scores_full_marks_quietly(unit, capfd):
    results, caught = run_quietly(solution_path(unit))
    failed = {k: r.message for k, r in results.items() if not r.passed}
    assert not failed, failed
    assert score(results) == TOTAL_POINTS
    assert {k: r.points for k, r in results.items()} == FIXTURES[unit].POINTS
    for grade_id, result in results.items():
        assert result.message.startswith("✓ "), grade_id
        assert "visible tests passed" in result.message, grade_id
    assert not caught, [str(w.message) for w in caught]
    assert capfd.readouterr().err == ""


@pytest.mark.parametrize("unit, name", [
    pytest.param(unit, name, id=f"{unit}-{name}")
    for unit, fixture in FIXTURES.items() for name in sorted(fixture.ALTERNATIVES)])
def test_other_correct_answers_pass(unit, name):
    results, _ = run_quietly(solution_path(unit), FIXTURES[unit].ALTERNATIVES[name])
    failed = {k: r.message for k, r in results.items() if not r.passed}
    assert not failed, failed


@pytest.mark.parametrize("unit", UNITS)
def test_student_version_runs_and_scores_zero(unit):
    path = solution_path(unit)
    results, _ = run_quietly(path, student_stubs(path))
    assert set(results) == _all_test_cells(FIXTURES[unit])
    for grade_id, result in results.items():
        assert not result.passed, grade_id
        assert result.message.startswith("NotImplementedError"), (grade_id, result.message)


# --------------------------------------------------------------------------- wrong answers

@pytest.mark.parametrize("unit, wrong", [
    pytest.param(unit, wrong, id=f"{unit}-{wrong.id}")
    for unit, fixture in FIXTURES.items() for wrong in fixture.WRONG_ANSWERS])
def test_wrong_answer_fails_with_a_teaching_message(unit, wrong):
    results, _ = run_quietly(solution_path(unit), {wrong.function: wrong.source})
    target = results[wrong.cell]
    assert not target.passed, f"{wrong.id} passed {wrong.cell}"
    assert target.message.startswith("CheckFailed: ✗"), target.message
    assert wrong.keyword in target.message, target.message
    # only the exercises that use the wrong function lose points
    failed = {k for k, r in results.items() if not r.passed}
    assert failed <= FIXTURES[unit].CELLS_USING[wrong.function], failed
    assert score(results) < TOTAL_POINTS


@pytest.mark.parametrize("unit", UNITS)
def test_every_answer_has_wrong_answers_and_every_test_cell_catches_one(unit):
    fixture = FIXTURES[unit]
    functions = solution_functions(solution_path(unit))
    assert sorted(functions) == sorted(fixture.CELLS_USING), functions
    assert {w.function for w in fixture.WRONG_ANSWERS} == set(functions)
    assert len({w.id for w in fixture.WRONG_ANSWERS}) == len(fixture.WRONG_ANSWERS)
    # property cells guard hidden behaviour; test_unitNN_exercises.py shows they catch a mistake
    caught = {w.cell for w in fixture.WRONG_ANSWERS}
    assert caught == _all_test_cells(fixture) - _property_cells(fixture), \
        caught ^ (_all_test_cells(fixture) - _property_cells(fixture))


# --------------------------------------------------------------------------- skeletons

@pytest.mark.parametrize("unit", UNITS)
def test_solution_notebook_is_nbgrader_source(unit):
    nb = nbformat.read(solution_path(unit), as_version=4)
    nbformat.validate(nb)
    assert (nb.nbformat, nb.nbformat_minor) >= (4, 5)
    cells = nb.cells
    assert cells[0].cell_type == "markdown" and nbgrader(cells[0]).get("locked")
    assert "hidden tests" in cells[0].source.lower()
    setup = cells[1]
    assert setup.cell_type == "code" and nbgrader(setup).get("locked")
    assert "from mlpkit import check" in setup.source

    grade_ids, points = [], 0
    for cell in cells:
        assert cell.get("id"), "every cell needs an id"
        meta = nbgrader(cell)
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


@pytest.mark.parametrize("unit", UNITS)
def test_lecture_follows_the_unit_skeleton(unit):
    # the unit's own topics and worked numbers: test_unitNN_exercises.py
    nb = nbformat.read(lecture_path(unit), as_version=4)
    nbformat.validate(nb)
    assert (nb.nbformat, nb.nbformat_minor) >= (4, 5)
    for cell in nb.cells:
        assert cell.get("id")
        # no slide type continues the slide ("-" is never shown by the live deck)
        assert cell.metadata.get("slideshow", {}).get("slide_type") in \
            {"slide", "subslide", "fragment", None, "skip", "notes"}, cell.source[:60]
    markdown = [c.source for c in nb.cells if c.cell_type == "markdown"]
    assert markdown[0].startswith(f"# Unit {unit[:2]}")
    headings = [line for text in markdown for line in text.splitlines() if line.startswith("## ")]
    assert headings[:2] == ["## What you will learn", "## Notation in this unit"]
    last = unit == solution_units()[-1]  # the course ends there: no next unit to point to
    closing = "## Exercises and where to go from here" if last else "## Exercises and next steps"
    assert headings[-2:] == ["## Summary", closing]
    # the exercise where `make lab` puts it, beside work/lectures/ (mlpcourse.workspace); the
    # last unit may say where to go next in the cells after it
    closing_cells = markdown[next(i for i, t in enumerate(markdown) if t.startswith(closing)):]
    assert any(f"](../{unit}/{unit}.ipynb)" in t for t in (closing_cells if last else markdown[-1:]))
    if not last:
        assert re.search(rf"\b{int(unit[:2]) + 1:02d}_\w+\.ipynb", markdown[-1]), \
            "the last cell points to the next unit"

    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.execution_count for c in code), "the lecture is stored executed"
    assert not any(o.output_type == "error" for c in code for o in c.outputs)
    figures = sum(any(o.get("data", {}).get("image/png") for o in c.outputs) for c in code)
    assert figures >= 5, figures
    checked = [c for c in code if "nbval-check-output" in c.metadata.get("tags", [])]
    assert checked, "deterministic printed output is tagged nbval-check-output"
    for c in checked:   # figures, timings and widgets are never compared
        assert all(o.output_type == "stream" for o in c.outputs), c.source[:60]
        assert "widgets" not in c.source
