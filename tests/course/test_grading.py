"""`mlpcourse grade`: a whole grading round trip in a temporary course folder.

Release, then submissions as students hand them in (correct, untouched,
partial, correct-but-warning, invalid JSON, wrong file name, kernel crash,
infinite loop), then one `mlpcourse grade` run, as a teacher runs it (in the
sandbox: tests/course/test_sandbox.py; hostile submissions:
tests/course/test_grading_attacks.py).
"""

from __future__ import annotations

import nbformat
import pytest

from mlpcourse.status import Status
from pipeline_support import (
    FIXTURE_COURSE,
    FIXTURE_UNIT,
    REPO,
    make_course,
    make_submission,
    read_grades,
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
    return read_grades(course, unit)


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
    summary = (f"4 {Status.GRADED}, 1 {Status.TIMED_OUT}, 1 {Status.CRASHED}, "
               f"2 {Status.INVALID}, 1 {Status.MISSING}")
    assert f"mlpcourse grade {UNIT}: {summary}" in result.stdout, result.stdout
    assert "kernels: bubblewrap sandbox" in result.stdout
    # the summary table names everyone
    for student in ("alice", "bob", "carol", "dave", "erin", "frank", "gina", "hank", "zoe"):
        assert f"\n  {student} " in result.stdout


def test_scores(graded):
    course, _, _ = graded
    grades = _grades(course)
    expected = {"alice": "3", "bob": "0", "carol": "2", "dave": "3", "gina": "2", "hank": "2"}
    for student, score in expected.items():
        assert grades[student]["score"] == score, (student, grades[student])
        assert grades[student]["max_score"] == "3"
    for student in ("alice", "bob", "carol", "dave"):
        assert grades[student]["status"] == Status.GRADED, grades[student]
    assert grades["alice"]["reason"] == ""
    # the infinite loop costs its own test only: the other cells are graded
    assert grades["hank"]["status"] == Status.TIMED_OUT
    assert grades["hank"]["reason"] == (f"test_mean_of stopped at the time limit ({TIMEOUT} s "
                                        "per cell); the other cells were graded")
    # a kernel that dies costs the cell it died in: a new kernel grades the rest
    assert grades["gina"]["status"] == Status.CRASHED
    assert grades["gina"]["reason"] == ("the Python kernel died in test_mean_of; the other "
                                        "cells were graded")


def test_broken_submissions_fail_with_a_reason_and_do_not_stop_the_others(graded):
    course, _, _ = graded
    grades = _grades(course)
    assert grades["erin"]["status"] == Status.INVALID
    assert "not a valid notebook" in grades["erin"]["reason"]
    assert grades["frank"]["status"] == Status.INVALID
    assert f"missing notebook {UNIT}.ipynb" in grades["frank"]["reason"]
    assert f"{UNIT}-Copy1.ipynb" in grades["frank"]["reason"]
    for student in ("erin", "frank"):
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
    for student in ("alice", "bob", "carol", "dave", "gina", "hank"):
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
    # what stopped a cell is said where the student sees it
    hank = (course / "feedback" / "hank" / UNIT / f"{UNIT}.html").read_text(encoding="utf-8")
    assert f"this cell ran longer than {TIMEOUT} s (the limit per cell)" in hank
    gina = (course / "feedback" / "gina" / UNIT / f"{UNIT}.html").read_text(encoding="utf-8")
    assert "the Python kernel died while running this cell" in gina


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
    assert [str(s) for s in Status] == ["graded", "graded with repairs", "timed out",
                                        "out of memory", "crashed", "invalid", "quarantined",
                                        "failed", "missing", "not graded yet", "interrupted"]
    assert [s.scored for s in Status] == [True, True, True, True, True, False, False, False,
                                          False, False, False]
    assert Status("failed") is Status.FAILED and Status.FAILED == "failed"
    fields = {"student": "zoe", "unit": "01_neuron", "submitted": "submitted"}
    assert Status.MISSING.reason(**fields) == "no submitted/zoe/01_neuron/"
    assert Status.FAILED.reason(problem="no grades recorded", **fields) == "no grades recorded"
    assert Status.GRADED.reason("output truncated", **fields) == "output truncated"
    hit = {"cells": "test_a, test_b", "rest": "the other cells were graded"}
    assert Status.TIMED_OUT.reason("", limit="8 s per cell", **hit) == (
        "test_a, test_b stopped at the time limit (8 s per cell); the other cells were graded")
    assert Status.OUT_OF_MEMORY.reason("a note", limit="2048 MB", **hit) == (
        "test_a, test_b ran out of memory (2048 MB); the other cells were graded; a note")
    assert Status.CRASHED.reason(**hit) == (
        "the Python kernel died in test_a, test_b; the other cells were graded")


def test_events_decide_the_status_most_serious_first():
    """``judge``: crash over memory over time; every other event becomes a note."""
    from traitlets.config import Config

    from mlpcourse.grading.outcome import Outcome, judge
    from mlpcourse.sandbox import Sandbox

    limits = Sandbox(config=Config({"Sandbox": {"notebook_timeout": 60, "memory_mb": 512}}))

    def judged(*events):
        outcome = Outcome("ana")
        judge(outcome, [dict(zip(("kind", "cell", "detail"), e)) for e in events], 8, limits)
        return outcome.status, outcome.reason()

    assert judged() == (Status.GRADED, "")
    assert judged(("output", "cell 3", "output truncated at 1024 kB per cell")) == (
        Status.GRADED, "cell 3: output truncated")
    assert judged(("timeout", "test_a", ""), ("budget", "test_b", ""),
                  ("not_run", "test_c", "the notebook's time budget of 60 s was used up")) == (
        Status.TIMED_OUT, "test_a, test_b stopped at the time limit (8 s per cell and 60 s "
        "per notebook); 1 cell(s) after it were not run (the notebook's time budget of 60 s "
        "was used up)")
    assert judged(("timeout", "test_a", ""), ("memory", "test_b", ""),
                  ("processes", "the notebook", "")) == (
        Status.OUT_OF_MEMORY, "test_b ran out of memory (512 MB); the other cells were graded; "
        "test_a: stopped at the time limit; the notebook: reached the process limit")
    assert judged(("memory", "test_b", ""), ("crash", "test_c", "")) == (
        Status.CRASHED, "the Python kernel died in test_c; the other cells were graded; "
        "test_b: ran out of memory")


def test_config_swaps_only_nbgrader_executor_and_score_keeper():
    """nbgrader_config.py lists nbgrader's own autograde steps with two replaced: Execute by
    the sandboxed, limited GradingExecute, SaveAutoGrades by the course's public preprocessor
    (an nbgrader upgrade that changes its list shows here)."""
    from nbgrader.converters import Autograde
    from nbgrader.preprocessors import Execute, SaveAutoGrades
    from traitlets.config import Config
    from traitlets.config.loader import PyFileConfigLoader
    from traitlets.utils.importstring import import_item

    from mlpcourse.grading.execute import GradingExecute
    from mlpcourse.preprocessors import SaveAutoGradesIgnoringStderr

    cfg = Config(PyFileConfigLoader("nbgrader_config.py", path=str(REPO)).load_config())
    ours = Autograde(config=cfg).autograde_preprocessors
    default = Autograde().autograde_preprocessors
    resolved = [import_item(name) if isinstance(name, str) else name for name in ours]
    ours_for = {Execute: GradingExecute, SaveAutoGrades: SaveAutoGradesIgnoringStderr}
    assert resolved == [ours_for.get(pp, pp) for pp in default]


def test_grading_replaces_nbgrader_executor_named_in_an_older_config():
    """A course whose nbgrader_config.py still names nbgrader's Execute is graded through
    GradingExecute all the same (never silently without the sandbox and limits)."""
    from nbgrader.converters import Autograde
    from traitlets.config import Config

    from mlpcourse.grade import GRADING_EXECUTE, _ensure_grading_execute

    cfg = Config()
    _ensure_grading_execute(cfg)
    steps = cfg.Autograde.autograde_preprocessors
    assert steps[0] == GRADING_EXECUTE
    assert len(steps) == len(Autograde().autograde_preprocessors)
    cfg.Autograde.autograde_preprocessors = ["nbgrader.preprocessors.SaveAutoGrades"]
    with pytest.raises(ValueError, match="must run the notebook with"):
        _ensure_grading_execute(cfg)


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
