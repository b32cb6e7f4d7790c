"""`mlpcourse release`: exercises/ is generated from solutions/, reproducibly, without leaks."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import nbformat
import pytest

from pipeline_support import (
    FIXTURE_COURSE,
    FIXTURE_UNIT,
    REPO,
    make_course,
    real_units,
    run_cli,
    run_mlpcourse,
    run_python,
    tree_hash,
)

STUDENT = f"exercises/{FIXTURE_UNIT}/{FIXTURE_UNIT}.ipynb"
INSTRUCTOR = f"solutions/{FIXTURE_UNIT}/{FIXTURE_UNIT}.ipynb"
MARKERS = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS")


@pytest.fixture(scope="module")
def _released_once(tmp_path_factory):
    course = make_course(
        tmp_path_factory.mktemp("release") / "course", [FIXTURE_UNIT], source=FIXTURE_COURSE
    )
    result = run_mlpcourse("release", FIXTURE_UNIT, "--course", course)  # as a teacher: a subprocess
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no solution or hidden test leaked" in result.stdout
    return course


@pytest.fixture
def released_course(_released_once, tmp_path):
    """A fresh copy of a course whose fixture unit has just been released."""
    return Path(shutil.copytree(_released_once, tmp_path / "course"))


@pytest.fixture
def fixture_course(tmp_path):
    return make_course(tmp_path / "course", [FIXTURE_UNIT], source=FIXTURE_COURSE)


# ---------------------------------------------------------------- the committed course


@pytest.mark.parametrize(
    "unit",
    real_units()
    or [pytest.param(None, marks=pytest.mark.skip(reason="no unit in solutions/ yet"))],
)
def test_committed_exercises_are_in_sync_with_solutions(unit):
    before = tree_hash(REPO / "exercises")
    result = run_cli("release", unit, "--check")
    assert result.returncode == 0, (
        f"exercises/{unit} is out of sync with solutions/{unit}: run `mlpcourse release {unit}` "
        f"and commit.\n{result.stdout}{result.stderr}"
    )
    assert "in sync" in result.stdout
    assert tree_hash(REPO / "exercises") == before, "--check must not write"


# ---------------------------------------------------------------- the release itself


def test_release_writes_the_student_notebook_where_nbgrader_config_says(released_course):
    path = released_course / STUDENT
    assert path.is_file()
    nb = nbformat.read(path, as_version=4)
    text = path.read_text(encoding="utf-8")
    for marker in MARKERS:
        assert marker not in text
    stubs = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution")]
    assert len(stubs) == 2 and all("raise NotImplementedError()" in c.source for c in stubs)
    assert "square(-0.5)" not in text, "hidden test shown to students"
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.outputs == [] and c.execution_count is None for c in code)
    # cell ids are the instructor's, not random ones
    instructor = nbformat.read(released_course / INSTRUCTOR, as_version=4)
    assert [c.id for c in nb.cells] == [c.id for c in instructor.cells]
    # metadata-only release: no gradebook, no nbgrader release/ folder in the course
    assert not (released_course / "gradebook.db").exists()
    assert not (released_course / "release").exists()


def test_release_is_byte_for_byte_reproducible(released_course):
    first = (released_course / STUDENT).read_bytes()
    again = run_cli("release", "--course", released_course)  # all units
    assert again.returncode == 0, again.stderr
    assert "unchanged" in again.stdout
    assert (released_course / STUDENT).read_bytes() == first


def test_release_equals_plain_nbgrader_output(released_course, tmp_path):
    """`nbgrader generate_assignment` run by hand in the course gives the same file."""
    ours = (released_course / STUDENT).read_bytes()
    (released_course / STUDENT).unlink()
    result = run_python(
        "-m", "nbgrader", "generate_assignment", FIXTURE_UNIT, "--force", "--no-db",
        cwd=released_course, timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert (released_course / STUDENT).read_bytes() == ours


def test_check_reports_an_out_of_sync_exercise_without_writing(released_course):
    path = released_course / STUDENT
    nb = json.loads(path.read_text(encoding="utf-8"))
    nb["cells"][3]["source"] = ["def square(x):\n", "    return 0  # edited by hand\n"]
    path.write_text(json.dumps(nb, indent=1), encoding="utf-8")
    edited = path.read_bytes()
    result = run_cli("release", "--check", "--course", released_course)
    assert result.returncode == 1
    assert "OUT OF SYNC" in result.stderr
    assert STUDENT in result.stderr and "grade_id 'square'" in result.stderr
    assert path.read_bytes() == edited
    # and a missing one
    path.unlink()
    result = run_cli("release", "--check", "--course", released_course)
    assert result.returncode == 1 and "missing" in result.stderr


def test_release_refuses_to_delete_unknown_files_without_force(released_course):
    extra = released_course / "exercises" / FIXTURE_UNIT / "notes.txt"
    extra.write_text("left here by hand")
    result = run_cli("release", FIXTURE_UNIT, "--course", released_course)
    assert result.returncode == 1 and "notes.txt" in result.stderr and "--force" in result.stderr
    assert extra.exists()
    result = run_cli("release", FIXTURE_UNIT, "--force", "--course", released_course)
    assert result.returncode == 0, result.stderr
    assert not extra.exists()


def test_unknown_unit_is_a_usage_error(fixture_course):
    result = run_cli("release", "99_nope", "--course", fixture_course)
    assert result.returncode == 2
    assert "00_fixture" in result.stderr and "99_nope" in result.stderr


# ---------------------------------------------------------------- leaks


def _plant(course, edit):
    path = course / INSTRUCTOR
    nb = nbformat.read(path, as_version=4)
    edit(nb)
    nbformat.write(nb, path)


def _refused(course, *expected):
    before = tree_hash(course / "exercises") if (course / "exercises").exists() else {}
    result = run_cli("release", FIXTURE_UNIT, "--course", course)
    assert result.returncode == 1, result.stdout
    assert "REFUSED" in result.stderr
    for text in expected:
        assert text in result.stderr, result.stderr
    after = tree_hash(course / "exercises") if (course / "exercises").exists() else {}
    assert after == before, "a refused release must not write anything"
    return result.stderr


def test_marker_in_a_markdown_cell_is_refused(released_course):
    def edit(nb):
        nb.cells[-1].source += "\n\n### BEGIN SOLUTION\nthe answer is 42\n### END SOLUTION"

    _plant(released_course, edit)
    _refused(released_course, INSTRUCTOR, "cell 8", "id 'summary'", "BEGIN SOLUTION")


def test_misspelt_marker_nbgrader_would_keep_is_refused(released_course):
    def edit(nb):  # nbgrader matches "BEGIN SOLUTION" case-sensitively: this one would ship
        nb.cells[3].source = nb.cells[3].source.replace("### BEGIN SOLUTION", "### Begin Solution")

    _plant(released_course, edit)
    _refused(released_course, "cell 3", "grade_id 'square'", "Begin Solution")


def test_solution_code_copied_into_an_ordinary_cell_is_refused(released_course):
    """nbgrader releases this happily; the leak check must not."""

    def edit(nb):
        helper = nbformat.v4.new_code_cell(
            "# a helper the instructor forgot to mark\n"
            "def mean_helper(x):\n"
            "    values = np.asarray(x, dtype=float)\n"
            "    return values.sum() / values.size"
        )
        helper.id = "helper"
        nb.cells.insert(7, helper)

    _plant(released_course, edit)
    _refused(
        released_course,
        STUDENT,
        "cell 7",
        "id 'helper'",
        "the solution of cell 6 (grade_id 'mean_of'",
    )


def test_find_leaks_reports_markers_and_hidden_tests_in_a_student_notebook(released_course):
    from mlpcourse.leaks import find_leaks

    instructor = nbformat.read(released_course / INSTRUCTOR, as_version=4)
    student = nbformat.read(released_course / STUDENT, as_version=4)
    assert find_leaks(student, instructor) == []
    hidden = instructor.cells[4].source.split("### BEGIN HIDDEN TESTS")[1].split("### END")[0]
    student.cells[4].source += "\n# the hidden tests, pasted back:" + hidden
    student.cells[0].source += "\n\n(end solution)"
    student.cells[2].source += "\n\n### BEGIN HIDDEN TESTS"
    leaks = [str(leak) for leak in find_leaks(student, instructor)]
    assert any("cell 4" in x and "the hidden tests of cell 4" in x for x in leaks), leaks
    assert any("cell 0" in x and "end solution" in x for x in leaks), leaks
    assert any("cell 2" in x and "BEGIN HIDDEN TESTS" in x for x in leaks), leaks


# ---------------------------------------------------------------- nbgrader validate


def _validate(course, notebooks, invert=False):
    options = ["--invert"] if invert else []
    result = run_python("-m", "nbgrader", "validate", *options, *notebooks, cwd=course,
                        timeout=1800)
    return result.stdout + result.stderr


def _validate_both_ways(course, units):
    solutions = [course / "solutions" / u / f"{u}.ipynb" for u in units]
    students = [course / "exercises" / u / f"{u}.ipynb" for u in units]
    out = _validate(course, solutions)
    assert out.count("Success! Your notebook passes all the tests.") == len(units), out
    out = _validate(course, students, invert=True)
    assert out.count("Success! The notebook does not pass any tests.") == len(units), out


def test_nbgrader_validate_fixture(released_course):
    _validate_both_ways(released_course, [FIXTURE_UNIT])


@pytest.mark.slow
@pytest.mark.skipif(not real_units(), reason="no unit in solutions/ yet")
def test_nbgrader_validate_real_units(tmp_path):
    """Every real solution passes its tests; every released student notebook fails them all."""
    units = real_units()
    course = make_course(tmp_path / "course", units)
    result = run_cli("release", "--course", course)
    assert result.returncode == 0, result.stdout + result.stderr
    _validate_both_ways(course, units)


def test_other_files_of_a_unit_are_released_too(released_course):
    (released_course / "solutions" / FIXTURE_UNIT / "data.csv").write_text("x,y\n1,2\n")
    checkpoints = released_course / "solutions" / FIXTURE_UNIT / ".ipynb_checkpoints"
    checkpoints.mkdir()
    (checkpoints / f"{FIXTURE_UNIT}-checkpoint.ipynb").write_text("{}")
    result = run_cli("release", FIXTURE_UNIT, "--course", released_course)
    assert result.returncode == 0, result.stderr
    released = released_course / "exercises" / FIXTURE_UNIT
    assert (released / "data.csv").read_text() == "x,y\n1,2\n"
    assert not (released / ".ipynb_checkpoints").exists()
    assert run_cli("release", "--check", "--course", released_course).returncode == 0
