"""`mlpcourse grade`: a whole grading round trip in a temporary course folder.

Release, then submissions as students hand them in (correct, untouched,
partial, correct-but-warning, invalid JSON, wrong file name, kernel crash,
infinite loop), then one `mlpcourse grade` run, as a teacher runs it.
"""

from __future__ import annotations

import csv

import nbformat
import pytest

from mlpcourse.status import Status
from pipeline_support import (
    FIXTURE_COURSE,
    FIXTURE_UNIT,
    REPO,
    make_course,
    make_submission,
    real_units,
    run_cli,
    run_mlpcourse,
    solution_sources,
    tree_hash,
)

UNIT = FIXTURE_UNIT
WARNING_SQUARE = '''import sys
import warnings

def square(x):
    """Correct, but chatty on stderr."""
    warnings.warn("square: float64 is used here", UserWarning)
    print("debug: computing a square", file=sys.stderr)
    return np.asarray(x, dtype=float) ** 2'''
CRASH = "import os\n\ndef mean_of(x):\n    os._exit(1)  # the kernel dies"
FOREVER = "def mean_of(x):\n    while True:\n        pass"
TIMEOUT = 8  # seconds per cell for this run: the fixture's cells take well under 1 s


def _grades(course, unit=UNIT):
    with open(course / f"grades_{unit}.csv", newline="", encoding="utf-8") as fh:
        return {row["student_id"]: row for row in csv.DictReader(fh)}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    course = make_course(
        tmp_path_factory.mktemp("grading") / "course", [UNIT], source=FIXTURE_COURSE
    )
    assert run_cli("release", UNIT, "--course", course).returncode == 0
    make_submission(course, UNIT, "alice", {})  # correct
    make_submission(course, UNIT, "bob", {"*": None})  # untouched
    make_submission(course, UNIT, "carol", {"mean_of": None})  # half done
    make_submission(course, UNIT, "dave", {"square": WARNING_SQUARE})  # warns, correct
    broken = course / "submitted" / "erin" / UNIT
    broken.mkdir(parents=True)
    (broken / f"{UNIT}.ipynb").write_text('{"cells": [ {"cell_type": "code", ', encoding="utf-8")
    renamed = course / "submitted" / "frank" / UNIT
    renamed.mkdir(parents=True)
    nb = nbformat.read(course / "exercises" / UNIT / f"{UNIT}.ipynb", as_version=4)
    nbformat.write(nb, renamed / f"{UNIT}-Copy1.ipynb")  # wrong name
    make_submission(course, UNIT, "gina", {"mean_of": CRASH})  # kernel dies
    make_submission(course, UNIT, "hank", {"mean_of": FOREVER})  # infinite loop
    (course / "roster.csv").write_text(
        "id,first_name,last_name,email\n"
        "alice,Alice,Lovelace,alice@example.org\n"
        "zoe,Zoe,Zuse,zoe@example.org\n",
        encoding="utf-8",
    )
    before = tree_hash(course / "submitted")
    result = run_mlpcourse(
        "grade",
        UNIT,
        "--course",
        course,
        "--roster",
        course / "roster.csv",
        "--timeout",
        TIMEOUT,
        timeout=900,
    )
    return course, result, before


def test_grade_runs_to_the_end(graded):
    _, result, _ = graded
    assert result.returncode == 0, result.stdout + result.stderr
    summary = f"5 {Status.GRADED}, 3 {Status.FAILED}, 1 {Status.MISSING}"
    assert f"mlpcourse grade {UNIT}: {summary}" in result.stdout, result.stdout
    # the summary table names everyone
    for student in ("alice", "bob", "carol", "dave", "erin", "frank", "gina", "hank", "zoe"):
        assert f"\n  {student} " in result.stdout


def test_scores(graded):
    course, _, _ = graded
    grades = _grades(course)
    expected = {"alice": "3", "bob": "0", "carol": "2", "dave": "3", "hank": "2"}
    for student, score in expected.items():
        assert grades[student]["status"] == Status.GRADED, grades[student]
        assert grades[student]["score"] == score, (student, grades[student])
        assert grades[student]["max_score"] == "3"
    assert "test_mean_of timed out" in grades["hank"]["reason"]
    assert grades["alice"]["reason"] == ""


def test_broken_submissions_fail_with_a_reason_and_do_not_stop_the_others(graded):
    course, _, _ = graded
    grades = _grades(course)
    assert grades["erin"]["status"] == Status.FAILED
    assert "not a valid notebook" in grades["erin"]["reason"]
    assert grades["frank"]["status"] == Status.FAILED
    assert f"missing notebook {UNIT}.ipynb" in grades["frank"]["reason"]
    assert f"{UNIT}-Copy1.ipynb" in grades["frank"]["reason"]
    assert grades["gina"]["status"] == Status.FAILED and "kernel died" in grades["gina"]["reason"]
    for student in ("erin", "frank", "gina"):
        assert grades[student]["score"] == ""


def test_roster_is_imported_and_absent_students_listed(graded):
    course, _, _ = graded
    grades = _grades(course)
    assert (grades["alice"]["first_name"], grades["alice"]["last_name"]) == ("Alice", "Lovelace")
    assert grades["alice"]["email"] == "alice@example.org"
    assert grades["zoe"]["status"] == Status.MISSING and grades["zoe"]["score"] == ""
    assert grades["zoe"]["reason"] == f"no submitted/zoe/{UNIT}/"
    assert grades["bob"]["first_name"] == ""  # not in the roster: added from submitted/


def test_feedback_for_every_graded_student(graded):
    course, _, _ = graded
    for student in ("alice", "bob", "carol", "dave", "hank"):
        html = course / "feedback" / student / UNIT / f"{UNIT}.html"
        assert html.is_file(), student
    for student in ("erin", "frank"):
        assert not (course / "feedback" / student).exists()
    # the warning is shown to the student even though it cost no points
    assert "square: float64 is used here" in (
        course / "feedback" / "dave" / UNIT / f"{UNIT}.html"
    ).read_text(encoding="utf-8")
    # the hidden tests are run (and shown in feedback)
    assert "square(-0.5)" in (course / "feedback" / "alice" / UNIT / f"{UNIT}.html").read_text(
        encoding="utf-8"
    )


def test_nbgrader_execution_is_set_in_the_grading_kernel(graded):
    course, _, _ = graded
    nb = nbformat.read(course / "autograded" / "alice" / UNIT / f"{UNIT}.ipynb", as_version=4)
    cell = next(
        c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "test_square"
    )
    text = "".join(o.get("text", "") for o in cell.outputs)
    assert "NBGRADER_EXECUTION = autograde" in text


def test_submitted_is_never_modified(graded):
    course, _, before = graded
    assert tree_hash(course / "submitted") == before


def test_instructor_files_are_where_gitignore_expects(graded):
    course, _, _ = graded
    for name in ("autograded", "feedback", "gradebook.db", f"grades_{UNIT}.csv"):
        assert (course / name).exists(), name
    assert not (course / "release").exists()
    ignored = (REPO / ".gitignore").read_text().split()
    for pattern in ("submitted/", "autograded/", "feedback/", "gradebook.db", "grades*.csv"):
        assert pattern in ignored


def test_status_words_are_the_grades_csv_vocabulary():
    """The status column is read by teachers' spreadsheets: its words change only here."""
    assert [str(s) for s in Status] == ["graded", "failed", "missing"]
    assert [s.scored for s in Status] == [True, False, False]
    assert Status("failed") is Status.FAILED and Status.FAILED == "failed"
    fields = {"student": "zoe", "unit": "01_neuron", "submitted": "submitted", "notes": ""}
    assert Status.MISSING.reason(**fields) == "no submitted/zoe/01_neuron/"
    assert Status.FAILED.reason(problem="no grades recorded", **fields) == "no grades recorded"
    assert Status.GRADED.reason(**dict(fields, notes="test_x timed out")) == "test_x timed out"


def test_config_swaps_only_nbgrader_score_keeper():
    """nbgrader_config.py lists nbgrader's own autograde steps, SaveAutoGrades replaced by the
    course's public preprocessor (an nbgrader upgrade that changes its list shows here)."""
    from nbgrader.converters import Autograde
    from traitlets.config import Config
    from traitlets.config.loader import PyFileConfigLoader
    from traitlets.utils.importstring import import_item

    from mlpcourse.preprocessors import SaveAutoGradesIgnoringStderr

    cfg = Config(PyFileConfigLoader("nbgrader_config.py", path=str(REPO)).load_config())
    ours = Autograde(config=cfg).autograde_preprocessors
    default = Autograde().autograde_preprocessors
    resolved = [import_item(name) if isinstance(name, str) else name for name in ours]
    swapped = [SaveAutoGradesIgnoringStderr if pp.__name__ == "SaveAutoGrades" else pp
               for pp in default]
    assert resolved == swapped


def test_stderr_alone_does_not_cost_points(monkeypatch):
    """nbgrader's rule zeroes a test cell with stderr; the course's SaveAutoGrades ignores it."""
    from nbgrader.preprocessors import SaveAutoGrades
    from nbgrader.utils import determine_grade

    from mlpcourse.preprocessors import SaveAutoGradesIgnoringStderr

    cell = nbformat.v4.new_code_cell("check.done('square')")
    cell.metadata["nbgrader"] = {"grade": True, "solution": False, "grade_id": "t", "points": 2}
    cell.outputs = [
        nbformat.v4.new_output("stream", name="stdout", text="ok\n"),
        nbformat.v4.new_output("stream", name="stderr", text="UserWarning: careful\n"),
    ]
    assert determine_grade(cell) == (0, 2)  # why the replacement exists

    scored = []  # what the gradebook would record, without a gradebook
    monkeypatch.setattr(
        SaveAutoGrades, "_add_score", lambda self, c, r: scored.append(determine_grade(c))
    )
    saver = SaveAutoGradesIgnoringStderr()
    saver._add_score(cell, {})
    cell.outputs.append(
        nbformat.v4.new_output("error", ename="CheckFailed", evalue="no", traceback=[])
    )
    saver._add_score(cell, {})
    assert scored == [(2, 2), (0, 2)]
    assert len(cell.outputs) == 3  # the cell itself (and so the feedback) keeps its stderr


def test_roster_must_have_an_id_column(tmp_path):
    from mlpcourse.grade import read_roster

    bad = tmp_path / "roster.csv"
    bad.write_text("student,name\nalice,Alice\n", encoding="utf-8")
    with pytest.raises(ValueError, match="'id' column"):
        read_roster(bad)
    good = tmp_path / "ok.csv"
    good.write_text(
        "\ufeffid,first_name,last_name,email\nalice,Alice,Lovelace,\n\n", encoding="utf-8"
    )
    assert read_roster(good) == [
        {"id": "alice", "first_name": "Alice", "last_name": "Lovelace", "email": ""}
    ]


# ---------------------------------------------------------------- the real units


@pytest.mark.slow
@pytest.mark.parametrize(
    "unit",
    real_units()
    or [pytest.param(None, marks=pytest.mark.skip(reason="no unit in solutions/ yet"))],
)
def test_real_unit_round_trip(unit, tmp_path):
    """The solution scores full marks, the untouched notebook 0, a partial one in between."""
    course = make_course(tmp_path / "course", [unit])
    assert run_cli("release", unit, "--course", course).returncode == 0
    instructor = nbformat.read(course / "solutions" / unit / f"{unit}.ipynb", as_version=4)
    solution_ids = list(solution_sources(instructor))
    make_submission(course, unit, "solution", {})
    make_submission(course, unit, "untouched", {"*": None})
    if len(solution_ids) > 1:  # the last answer left undone: the earlier tests still pass
        make_submission(course, unit, "partial", {solution_ids[-1]: None})
    before = tree_hash(course / "submitted")
    result = run_cli(
        "grade", unit, "--course", course
    )  # in-process: no interpreter start-up per unit
    assert result.returncode == 0, result.stdout + result.stderr
    grades = _grades(course, unit)
    full = float(grades["solution"]["max_score"])
    assert grades["solution"]["status"] == Status.GRADED, grades["solution"]
    assert float(grades["solution"]["score"]) == full, (result.stdout, grades["solution"])
    assert grades["untouched"]["status"] == Status.GRADED, grades["untouched"]
    assert float(grades["untouched"]["score"]) == 0, grades["untouched"]
    if "partial" in grades:
        assert grades["partial"]["status"] == Status.GRADED
        assert 0 < float(grades["partial"]["score"]) < full, grades["partial"]
    for student in grades:
        assert (course / "feedback" / student / unit / f"{unit}.html").is_file()
    assert tree_hash(course / "submitted") == before


def test_grades_export_never_loses_an_earlier_one(tmp_path):
    """Regrading rewrites grades_UNIT.csv atomically and keeps a differing earlier export."""
    from mlpcourse.grade import GRADE_COLUMNS, write_grades_csv

    row = dict.fromkeys(GRADE_COLUMNS, "")
    first = [dict(row, student_id="ana", score="7", max_score="10", status=Status.GRADED.value)]
    path = tmp_path / "grades_01_neuron.csv"
    assert write_grades_csv(path, first) is None
    original = path.read_bytes()
    assert write_grades_csv(path, first) is None, "an identical export needs no backup"
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]

    path.write_bytes(original.replace(b",7,", b",8,"))       # the instructor edits a score by hand
    edited = path.read_bytes()
    kept = write_grades_csv(path, first)
    assert kept is not None and kept.read_bytes() == edited, "the edited export must be kept"
    assert path.read_bytes() == original
    second = write_grades_csv(path, [dict(first[0], score="10")])
    assert second is not None and second != kept and second.read_bytes() == original
    assert b",10," in path.read_bytes()
    assert not list(tmp_path.glob(".*.tmp")), "no temporary file may be left behind"
