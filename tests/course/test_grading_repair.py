"""Repair or quarantine, never zero by accident (``mlpcourse.grading.repair``).

A submission is graded as the release with the student's answers in it: test,
locked and markdown cells from the release, answers found by cell id, then
grade_id, then content, then position. First the repair function on in-memory
notebooks of the fixture unit (fast), then one `mlpcourse grade` run over a
class whose notebooks were broken in every way a student's editor or a
student can break them: each is graded exactly as an honest notebook with the
same answers, with the repairs named, or quarantined with a reason.
"""

from __future__ import annotations

import copy
import json

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook
from pipeline_support import (
    FIXTURE_COURSE,
    FIXTURE_UNIT,
    make_course,
    make_submission,
    read_grades,
    released_fixture_course,
    run_mlpcourse,
    solution_sources,
    tree_hash,
    write_submission,
)
from traitlets.config import Config

from mlpcourse.grading.repair import NOTE_KEY, defined_names, release_notebook, repair
from mlpcourse.status import Status

UNIT = FIXTURE_UNIT
NAME = f"{UNIT}.ipynb"
WRONG_SQUARE = "def square(x):\n    return 2 * np.asarray(x, dtype=float)"
FORGED_TEST = 'check.true(True, "all good")\ncheck.done("square")'


def _config(root) -> Config:
    cfg = Config()
    cfg.CourseDirectory.root = str(root)
    cfg.CourseDirectory.source_directory = "solutions"
    cfg.CourseDirectory.release_directory = "exercises"
    return cfg


@pytest.fixture(scope="module")
def release():
    """The fixture unit as released (made in memory from solutions/: no exercises/ there)."""
    return release_notebook(_config(FIXTURE_COURSE), UNIT, NAME)


@pytest.fixture(scope="module")
def answers():
    return solution_sources(nbformat.read(FIXTURE_COURSE / "solutions" / UNIT / NAME, 4))


def _gid(cell):
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def _find(nb, grade_id):
    return next(c for c in nb.cells if _gid(c) == grade_id)


def _solved(release, answers):
    """The released notebook with the right answers, as an honest student hands it in."""
    nb = copy.deepcopy(release)
    for cell in nb.cells:
        if cell.get("metadata", {}).get("nbgrader", {}).get("solution"):
            cell.source = answers[_gid(cell)]
    return nb


def _ambiguous(nb):
    """The answer cell square twice (the same grade_id), the second with a wrong answer."""
    square = _find(nb, "square")
    first, second = copy.deepcopy(square), copy.deepcopy(square)
    first.id, second.id = "mine-1", "mine-2"
    second.source = WRONG_SQUARE
    at = nb.cells.index(square)
    nb.cells[at:at + 1] = [first, second]


def _assert_graded_as_release(result, release, answers):
    """The repaired notebook is the release's cells, in order, with the answers in them."""
    nb = result.notebook
    assert [c.id for c in nb.cells] == [c.id for c in release.cells]
    for mine, theirs in zip(nb.cells, release.cells):
        assert mine.metadata == theirs.metadata
        if theirs.metadata.get("nbgrader", {}).get("solution"):
            assert mine.source == answers[_gid(theirs)]
        else:
            assert mine.source == theirs.source


# ---------------------------------------------------------------- the repair, in memory


def test_the_release_is_made_from_the_solutions_without_answers(release, answers):
    square = _find(release, "square")
    assert "raise NotImplementedError" in square.source
    assert "return np.asarray(x, dtype=float) ** 2" not in square.source
    assert "HIDDEN" not in _find(release, "test_square").source
    assert defined_names(square.source) == {"square"} == defined_names(answers["square"])


def test_an_untouched_honest_notebook_needs_no_repair(release, answers):
    honest = _solved(release, answers)
    honest.cells.insert(4, new_code_cell("print(square(4.0))  # trying it out"))
    result = repair(release, honest, NAME)
    assert result.problem is None and result.repairs == []
    nb = result.notebook
    assert [c.source for c in nb.cells if c.get("metadata", {}).get("nbgrader") is None
            and c.cell_type == "code"] == ["print(square(4.0))  # trying it out"]
    assert nb.cells.index(next(c for c in nb.cells if "trying" in c.source)) == 4, \
        "an added cell stays after the cell it followed"


def test_stripped_metadata_is_restored(release, answers):
    nb = _solved(release, answers)
    for cell in nb.cells:
        cell.metadata = {}
    result = repair(release, nb, NAME)
    assert result.repairs == [("restored the grading metadata of 5 cells (setup, square, "
                              "test_square, mean_of, test_mean_of)")]
    _assert_graded_as_release(result, release, answers)


def test_stripped_metadata_and_ids_are_matched_by_content(release, answers):
    nb = _solved(release, answers)
    for number, cell in enumerate(nb.cells):
        cell.metadata, cell.id = {}, f"other-{number}"
    result = repair(release, nb, NAME)
    assert result.problem is None
    assert ("found the answer cell square by the function it defines (square): its cell id "
            "and grade_id were gone") in result.repairs
    _assert_graded_as_release(result, release, answers)


@pytest.mark.parametrize(("deleted", "said"), [
    ("test_square", "restored the deleted test cell test_square"),
    ("mean_of", "put back the empty answer cell mean_of (it had been deleted)"),
], ids=["test cell", "answer cell"])
def test_a_deleted_cell_is_put_back_as_released(release, answers, deleted, said):
    """A deleted test cell comes back as released; a deleted answer cell as the released
    stub (the student's answer is gone); every other cell is graded as usual."""
    nb = _solved(release, answers)
    nb.cells.remove(_find(nb, deleted))
    result = repair(release, nb, NAME)
    assert result.repairs == [said]
    assert _find(result.notebook, deleted).source == _find(release, deleted).source
    expected = {gid: _find(release, gid).source if gid == deleted else answer
                for gid, answer in answers.items()}
    _assert_graded_as_release(result, release, expected)


def test_renamed_grade_id_and_changed_points_are_restored(release, answers):
    nb = _solved(release, answers)
    meta = _find(nb, "test_square").metadata.nbgrader
    meta["grade_id"], meta["points"] = "my_test", 100
    result = repair(release, nb, NAME)
    assert result.repairs == [("restored the grade_id of test_square (the submission said "
                              "'my_test')"),
                              "restored the points of test_square: 2 (the submission said 100)"]
    _assert_graded_as_release(result, release, answers)


def test_an_edited_test_cell_is_replaced_by_the_released_one(release, answers):
    nb = _solved(release, answers)
    _find(nb, "test_square").source = FORGED_TEST
    result = repair(release, nb, NAME)
    assert result.repairs == ["restored the edited test cell test_square"]
    _assert_graded_as_release(result, release, answers)


def test_copies_of_answers_and_tests_are_removed(release, answers):
    nb = _solved(release, answers)
    square, test = _find(nb, "square"), _find(nb, "test_square")
    twin, test_twin = copy.deepcopy(square), copy.deepcopy(test)
    twin.id, test_twin.id = "twin", "test-twin"
    nb.cells.insert(nb.cells.index(square) + 1, twin)
    nb.cells.append(test_twin)
    result = repair(release, nb, NAME)
    assert result.repairs == ["removed a duplicate of the answer cell square",
                              "removed a copy of the test cell test_square"]
    _assert_graded_as_release(result, release, answers)


def test_a_different_copy_of_an_answer_is_kept_as_the_students_cell(release, answers):
    """JupyterLab's copy of an answer cell keeps its grade_id but gets a new id: the cell with
    the released id is the answer; the copy runs after it, as in the student's notebook."""
    nb = _solved(release, answers)
    square = _find(nb, "square")
    twin = copy.deepcopy(square)
    twin.id, twin.source = "twin", answers["square"] + "\n\nprint('my version')"
    nb.cells.insert(nb.cells.index(square) + 1, twin)
    result = repair(release, nb, NAME)
    assert result.problem is None
    assert result.repairs == [(f"kept cell {nb.cells.index(twin) + 1}, a second cell marked as "
                              "the answer square, as a cell of your own (after the cell it "
                              "followed)")]
    cells = result.notebook.cells
    at = [c.id for c in cells].index("square")
    assert cells[at + 1].source == twin.source and "nbgrader" not in cells[at + 1].metadata


def test_reordered_cells_are_put_back(release, answers):
    nb = _solved(release, answers)
    nb.cells = nb.cells[::-1]
    result = repair(release, nb, NAME)
    assert result.repairs == ["put the cells back in the released order"]
    _assert_graded_as_release(result, release, answers)


def test_an_answer_defined_elsewhere_is_not_undone_by_the_stub(release, answers):
    """Both functions in one cell: the other answer cell is left empty, never the stub that
    would replace the student's function by one that raises."""
    nb = _solved(release, answers)
    square = _find(nb, "square")
    square.source = answers["square"] + "\n\n" + answers["mean_of"]
    nb.cells.remove(_find(nb, "mean_of"))
    result = repair(release, nb, NAME)
    assert result.problem is None
    assert _find(result.notebook, "mean_of").source == ""
    assert result.repairs == [("the answer cell mean_of was missing: mean_of is taken from "
                              "your other cell that defines it")]


def test_added_cells_marked_as_tests_are_dropped(release, answers):
    nb = _solved(release, answers)
    fake = new_code_cell("check.done('bonus')")
    fake.metadata["nbgrader"] = {"grade": True, "solution": False, "locked": True,
                                 "grade_id": "bonus", "points": 50, "schema_version": 3}
    nb.cells.append(fake)
    result = repair(release, nb, NAME)
    assert result.repairs == [("removed 1 cell you added with the marks of a test or locked "
                              "cell (only the released tests count)")]
    assert "bonus" not in json.dumps(result.notebook)


def test_two_different_claims_on_one_answer_are_quarantined(release, answers):
    nb = _solved(release, answers)
    _ambiguous(nb)
    result = repair(release, nb, NAME)
    assert result.notebook is None
    assert result.problem == (f"{NAME}: 2 different cells (cell 4, cell 5) all claim to be "
                              "the answer cell square (the same grade_id); the grader cannot "
                              "tell which one is the answer")


def test_two_different_definitions_without_identity_are_quarantined(release, answers):
    nb = _solved(release, answers)
    square = _find(nb, "square")
    square.metadata, square.id = {}, "lost"
    other = new_code_cell(WRONG_SQUARE)
    nb.cells.insert(nb.cells.index(square) + 1, other)
    result = repair(release, nb, NAME)
    assert result.problem is not None and "define square" in result.problem


def test_a_notebook_of_another_unit_is_quarantined(release):
    other = new_notebook(cells=[new_markdown_cell("# Unit 99"),
                                new_code_cell("def relu(z):\n    return z")])
    result = repair(release, other, NAME)
    assert result.notebook is None and "nothing in it can be matched" in result.problem
    assert repair(release, new_notebook(), NAME).problem == result.problem


def test_release_notebook_prefers_exercises_when_it_matches_the_source(tmp_path, release):
    course = make_course(tmp_path / "course", [UNIT], source=FIXTURE_COURSE)
    given = copy.deepcopy(release)
    _find(given, "square").source += "\n# as handed out"
    (course / "exercises" / UNIT).mkdir(parents=True)
    nbformat.write(given, course / "exercises" / UNIT / NAME)
    assert "# as handed out" in _find(release_notebook(_config(course), UNIT, NAME),
                                      "square").source
    stale = copy.deepcopy(given)
    _find(stale, "test_mean_of").metadata.nbgrader["points"] = 5  # not what solutions/ says
    nbformat.write(stale, course / "exercises" / UNIT / NAME)
    made = release_notebook(_config(course), UNIT, NAME)
    assert "# as handed out" not in _find(made, "square").source
    assert _find(made, "test_mean_of").metadata.nbgrader["points"] == 1


def test_grading_puts_the_repair_first_and_the_preprocessor_refuses_to_guess(release):
    from nbgrader.converters import Autograde

    from mlpcourse.nbgrader_setup import REPAIR, ensure_repair
    from mlpcourse.preprocessors import RepairSubmission, SubmissionQuarantined

    cfg = Config()
    ensure_repair(cfg)
    ensure_repair(cfg)  # once only
    steps = cfg.Autograde.sanitize_preprocessors
    assert steps[0] == REPAIR and steps.count(REPAIR) == 1
    assert len(steps) == len(Autograde().sanitize_preprocessors) + 1

    pre = RepairSubmission(config=_config(FIXTURE_COURSE))
    resources = {"nbgrader": {"notebook": UNIT, "assignment": UNIT}}
    with pytest.raises(SubmissionQuarantined, match="nothing in it can be matched"):
        pre.preprocess(new_notebook(cells=[new_code_cell("x = 1")]), resources)
    broken = copy.deepcopy(release)
    broken.cells.remove(_find(broken, "test_square"))
    nb, _ = pre.preprocess(broken, resources)
    assert nb.cells[0].metadata["mlpcourse"][NOTE_KEY] == [
        "restored the deleted test cell test_square"]
    assert "Graded with repairs" in nb.cells[0].source
    assert [c.id for c in nb.cells[1:]] == [c.id for c in release.cells]


def test_statuses_have_a_sentence_for_the_student():
    assert Status("graded with repairs") is Status.GRADED_WITH_REPAIRS
    assert Status.GRADED_WITH_REPAIRS.scored and not Status.QUARANTINED.scored
    assert Status.GRADED_WITH_REPAIRS.reason("a note", repairs="x; y") == (
        "repaired before grading: x; y; a note")
    assert Status.QUARANTINED.reason(problem="why") == (
        "not graded, for the instructor to look at: why")
    fields = {"cells": "test_square", "limit": "8 s per cell", "rest": "the other cells were "
              "graded", "problem": "why", "repairs": "restored x"}
    for status in Status:
        sentence = status.for_student(**fields)
        assert sentence and sentence[0].isupper() and sentence.endswith("."), status
    assert Status.GRADED_WITH_REPAIRS.for_student(repairs="restored x") == (
        "Your notebook was graded after the grader put back what had changed in it: "
        "restored x.")


# ---------------------------------------------------------------- `mlpcourse grade`

def _solved_submission(course, student, edit=None, answers=None):
    """The right answers (or ``answers``), then ``edit(nb)`` on the notebook as handed in."""
    path = make_submission(course, UNIT, student, answers or {})
    if edit is not None:
        nb = nbformat.read(path, as_version=4)
        edit(nb)
        write_submission(course, UNIT, student, nb)
    return path


def _strip(nb):
    for cell in nb.cells:
        cell.metadata = {}


def _delete_test(nb):
    nb.cells.remove(_find(nb, "test_square"))


def _rename(nb):
    _find(nb, "test_mean_of").metadata.nbgrader["grade_id"] = "my_mean_test"


def _forge(nb):
    _find(nb, "test_square").source = FORGED_TEST


def _duplicate(nb):
    square = _find(nb, "square")
    twin = copy.deepcopy(square)
    twin.id = "twin"
    nb.cells.insert(nb.cells.index(square) + 1, twin)


def _points(nb):
    _find(nb, "test_square").metadata.nbgrader["points"] = 50
    _find(nb, "test_mean_of").metadata.nbgrader["points"] = 100


def _reorder(nb):
    order = ["mean-intro", "test-mean-of", "mean-of", "intro", "setup", "test-square",
             "square", "square-intro", "summary"]
    nb.cells = sorted(nb.cells, key=lambda c: order.index(c.id))
    nb.cells.insert(0, nb.cells.pop(order.index("setup")))  # imports first, as it ran


def _no_ids_v44(path):
    """The notebook rewritten as nbformat 4.4 (no cell ids) with every metadata stripped."""
    raw = json.loads(path.read_text(encoding="utf-8"))
    raw["nbformat_minor"] = 4
    for cell in raw["cells"]:
        cell.pop("id", None)
        cell["metadata"] = {}
    path.write_text(json.dumps(raw), encoding="utf-8")


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    course = released_fixture_course(tmp_path_factory.mktemp("repair") / "course")
    make_submission(course, UNIT, "honest", {})
    _solved_submission(course, "stripped", _strip)
    _no_ids_v44(_solved_submission(course, "legacy"))
    _solved_submission(course, "deleted", _delete_test)
    _solved_submission(course, "renamed", _rename)
    _solved_submission(course, "forger", _forge, answers={"square": WRONG_SQUARE})
    _solved_submission(course, "duplicated", _duplicate)
    _solved_submission(course, "points", _points)
    _solved_submission(course, "reordered", _reorder)
    _solved_submission(course, "ambiguous", _ambiguous)
    write_submission(course, UNIT, "stranger", new_notebook(cells=[
        new_markdown_cell("# Unit 99"), new_code_cell("def relu(z):\n    return z")]))
    before = tree_hash(course / "submitted")
    result = run_mlpcourse("grade", UNIT, "--course", course, "--timeout", "20", timeout=900)
    assert result.returncode == 0, result.stdout + result.stderr
    return course, read_grades(course, UNIT), before


@pytest.mark.parametrize("student, reason", [
    ("stripped", ("restored the grading metadata of 5 cells (setup, square, test_square, "
                 "mean_of, test_mean_of)")),
    ("legacy", "found the answer cell square by the function it defines (square)"),
    ("deleted", "restored the deleted test cell test_square"),
    ("renamed", "restored the grade_id of test_mean_of (the submission said 'my_mean_test')"),
    ("duplicated", "removed a duplicate of the answer cell square"),
    ("points", ("restored the points of test_square: 2 (the submission said 50); restored the "
               "points of test_mean_of: 1 (the submission said 100)")),
    ("reordered", "put the cells back in the released order"),
])
def test_repaired_submissions_get_full_marks_and_say_why(graded, student, reason):
    _, grades, _ = graded
    row = grades[student]
    assert (row["score"], row["max_score"]) == ("3", "3"), row
    assert row["status"] == Status.GRADED_WITH_REPAIRS, row
    assert row["reason"].startswith("repaired before grading: "), row
    assert reason in row["reason"], row
    assert "manual" not in row["reason"], row


def test_an_honest_submission_is_graded_without_repairs(graded):
    _, grades, _ = graded
    assert (grades["honest"]["score"], grades["honest"]["status"],
            grades["honest"]["reason"]) == ("3", Status.GRADED, "")


def test_an_edited_test_cell_grants_nothing(graded):
    """square is wrong and its test was replaced by `check.true(True)`: the released test runs,
    so only mean_of's point is earned."""
    course, grades, _ = graded
    row = grades["forger"]
    assert (row["score"], row["status"]) == ("1", Status.GRADED_WITH_REPAIRS), row
    assert row["reason"] == "repaired before grading: restored the edited test cell test_square"
    nb = nbformat.read(course / "autograded" / "forger" / UNIT / NAME, as_version=4)
    assert "all good" not in _find(nb, "test_square").source
    assert "square(-0.5)" in _find(nb, "test_square").source  # the hidden test ran too


def test_unattributable_submissions_are_quarantined_not_scored(graded):
    course, grades, _ = graded
    for student, words in (("ambiguous", "all claim to be the answer cell square"),
                           ("stranger", "nothing in it can be matched")):
        row = grades[student]
        assert row["status"] == Status.QUARANTINED, row
        assert row["score"] == "", row
        assert row["reason"].startswith("not graded, for the instructor to look at: "), row
        assert words in row["reason"], row
        assert not (course / "feedback" / student).exists()


def test_the_feedback_lists_the_repairs(graded):
    course, _, _ = graded
    html = (course / "feedback" / "deleted" / UNIT / f"{UNIT}.html").read_text(encoding="utf-8")
    assert "Graded with repairs" in html
    assert "restored the deleted test cell test_square" in html
    honest = (course / "feedback" / "honest" / UNIT / f"{UNIT}.html").read_text(encoding="utf-8")
    assert "Graded with repairs" not in honest


def test_submitted_is_never_modified(graded):
    course, _, before = graded
    assert tree_hash(course / "submitted") == before
