"""The feedback page a student gets from `mlpcourse grade`: a summary they can learn from,
nothing of the hidden tests, MathJax from a local copy (mlpcourse/grading/feedback.py).

One grading run of the fixture unit, in the sandbox, whose hidden block of test_square
carries a marker line and a distinctive expected value: a correct student, one whose
answer passes the visible checks and fails a hidden one, and one whose answer fails
inside numpy (a traceback through library files).
"""

from __future__ import annotations

import hashlib
import html
import re
import sys
from pathlib import Path

import nbformat
import pytest
from pipeline_support import (
    FIXTURE_COURSE,
    FIXTURE_UNIT,
    REPO,
    make_course,
    make_submission,
    run_cli,
    run_mlpcourse,
)

from mlpcourse.grading import feedback

UNIT = FIXTURE_UNIT
MARKER = "HIDDEN_SOURCE_MARKER_5e1d"
EXPECTED = "3.0625"  # square(-1.75): the hidden check's expected value
HIDDEN_CHECK = 'check.close(square(-1.75), 3.0625, name="square(-1.75)")'
# right on whole numbers (the visible checks), wrong elsewhere (the hidden check)
HALF_RIGHT = ("def square(x):\n    x = np.asarray(x, dtype=float)\n"
              "    whole = x == np.round(x)\n"
              "    return whole * x ** 2 + ~whole * np.abs(x)")
IN_NUMPY = "def square(x):\n    return np.reshape(np.asarray(x), (7, 5)) ** 2"
CDN = re.compile(r"cdnjs|jsdelivr|unpkg|googleapis|cloudflare", re.IGNORECASE)


def _with_marked_hidden_test(course: Path) -> None:
    path = course / "solutions" / UNIT / f"{UNIT}.ipynb"
    nb = nbformat.read(path, as_version=4)
    cell = next(c for c in nb.cells
                if c.metadata.get("nbgrader", {}).get("grade_id") == "test_square")
    old = 'check.close(square(-0.5), 0.25, name="square(-0.5)")'
    assert old in cell.source
    cell.source = cell.source.replace(old, f'_marker = "{MARKER}"\n{HIDDEN_CHECK}')
    nbformat.write(nb, path)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    course = make_course(tmp_path_factory.mktemp("feedback") / "course", [UNIT],
                         source=FIXTURE_COURSE)
    _with_marked_hidden_test(course)
    assert run_cli("release", UNIT, "--course", course).returncode == 0
    make_submission(course, UNIT, "ada", {})
    make_submission(course, UNIT, "hal", {"square": HALF_RIGHT})
    make_submission(course, UNIT, "ray", {"square": IN_NUMPY})
    result = run_mlpcourse("grade", UNIT, "--course", course, "--timeout", 30, timeout=900)
    assert result.returncode == 0, result.stdout + result.stderr
    return course


def _page(course: Path, student: str) -> Path:
    return course / "feedback" / student / UNIT / f"{UNIT}.html"


def _row(text: str, grade_id: str) -> str:
    """The summary row of one test cell, as plain text (tags out, entities decoded)."""
    match = re.search(rf'<tr class="mlp-test" id="summary-{grade_id}">(.*?)</tr>', text, re.DOTALL)
    assert match, f"no summary row for {grade_id}"
    words = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", match.group(1))).split())
    return words.replace(" :", ":")  # "<em>(hidden)</em>: failed"


def test_the_hidden_test_was_really_changed_and_graded(graded):
    """The fixture's own sanity: the marker is in what the grader ran, and hal lost it."""
    autograded = (graded / "autograded" / "hal" / UNIT / f"{UNIT}.ipynb").read_text("utf-8")
    assert MARKER in autograded and EXPECTED in autograded
    grades = (graded / f"grades_{UNIT}.csv").read_text(encoding="utf-8")
    assert re.search(r"\bhal\b.*,1,3,graded", grades), grades


def test_a_failed_hidden_check_is_named_with_its_points_and_teaching_message(graded):
    text = _page(graded, "hal").read_text(encoding="utf-8")
    row = _row(text, "test_square")
    assert "Checks square() on a number and an array" in row  # the cell's first comment
    assert "failed" in row and "0.0 / 2.0" in row
    # every check by its name, the hidden one marked, in order: passed, failed, not run
    assert "square(3.0): passed" in row and "square([1, -2]): passed" in row
    assert "square(-1.75) (hidden): failed" in row
    assert "NBGRADER_EXECUTION is set in the kernel while grading (hidden): not run" in row
    # the teaching message: the ✗ line, the student's own value, and what to do
    assert "✗ square(-1.75) is not right yet." in row
    assert "got: 1.75" in row
    assert "expected value stays hidden" in row
    # the cell that passed shows its full points
    other = _row(text, "test_mean_of")
    assert "passed" in other and "1.0 / 1.0" in other and "failed" not in other
    assert "mean_of([5]) (hidden): passed" in other
    assert "Score: 1.0 / 3.0" in text


def test_a_correct_submission_shows_every_check_passed(graded):
    text = _page(graded, "ada").read_text(encoding="utf-8")
    for grade_id, points in (("test_square", "2.0 / 2.0"), ("test_mean_of", "1.0 / 1.0")):
        row = _row(text, grade_id)
        assert points in row and "failed" not in row and "not run" not in row
    assert "square(-1.75) (hidden): passed" in _row(text, "test_square")
    assert "Score: 3.0 / 3.0" in text
    assert '<p class="mlp-status">Status: graded. Your notebook was graded.</p>' in text


@pytest.mark.parametrize("student", ["ada", "hal", "ray"])
def test_no_hidden_source_no_expected_value_no_instructor_path(graded, student):
    text = _page(graded, student).read_text(encoding="utf-8")
    assert MARKER not in text
    assert EXPECTED not in text
    assert "BEGIN HIDDEN TESTS" not in text and "END HIDDEN TESTS" not in text
    assert "square</span><span class=\"p\">(</span><span class=\"o\">-</span>" \
           "<span class=\"mf\">1.75</span>" not in text  # the hidden call, highlighted
    # the visible part of the test cell is still there, as the student received it
    assert "check.done" in html.unescape(re.sub(r"<[^>]+>", "", text))
    for folder in {str(REPO), sys.prefix, str(graded)}:
        assert folder not in text, f"{folder} shown in {student}'s feedback"


def test_an_error_inside_a_library_is_shown_without_instructor_paths(graded):
    """(Run in the kernel, the traceback goes through numpy's files; judged on the host,
    only the error comes back. Either way the student sees it, and no path of ours.)"""
    text = html.unescape(re.sub(r"<[^>]+>", "", _page(graded, "ray").read_text("utf-8")))
    assert "cannot reshape array" in text
    assert "0.0 / 2.0" in text
    assert "/.venv/" not in text and "/site-packages/" not in text


@pytest.mark.parametrize("student", ["ada", "hal", "ray"])
def test_mathjax_is_loaded_from_a_local_copy(graded, student):
    page = _page(graded, student)
    text = page.read_text(encoding="utf-8")
    scripts = re.findall(r'<script[^>]*\bsrc="([^"]*)"', text)
    mathjax = [src for src in scripts if "mathjax" in src.lower()]
    assert len(mathjax) == 1, scripts
    assert not CDN.search(text), CDN.search(text)
    assert not re.search(r"(?:src|href)=\"(?:https?:)?//", text)  # nothing from the network
    local = (page.parent / mathjax[0]).resolve()
    assert local.is_file(), local
    vendored = feedback.MATHJAX_SOURCE / "tex-svg-full.js"
    assert hashlib.sha256(local.read_bytes()).digest() == \
        hashlib.sha256(vendored.read_bytes()).digest()
    assert (local.parent / "LICENSE").is_file()
    assert "MathJax.Hub" not in text and "window.MathJax" in text  # MathJax 3's configuration


# ---------------------------------------------------------------- the pieces, without grading


def test_split_hidden_cuts_what_nbgrader_cuts():
    source = "# what\ncheck.close(f(1), 2)\n### BEGIN HIDDEN TESTS\nsecret = 1\n" \
             "### END HIDDEN TESTS\ncheck.done('f')"
    visible, hidden = feedback.split_hidden(source)
    assert visible == "# what\ncheck.close(f(1), 2)\ncheck.done('f')"
    assert hidden == {3, 4, 5}


def test_checks_are_named_and_placed():
    source = ('# Checks f.\ncheck.close(f(1), 2, name="f(1)")\n### BEGIN HIDDEN TESTS\n'
              'check.close(f(2),\n            4)\ncheck.true(f(0) == 0, "f(0) is 0")\n'
              '### END HIDDEN TESTS\ncheck.done("f")')
    cell = feedback.parse_test_cell(source, "test_f")
    assert cell.description == "Checks f."
    assert [(c.name, c.first, c.last, c.hidden) for c in cell.checks] == [
        ("f(1)", 2, 2, False), ("a hidden check (close)", 4, 5, True),
        ("f(0) is 0", 6, 6, True)]


def test_the_expected_lines_of_a_message_are_dropped_and_the_rest_kept():
    message = ("✗ f(2) is not right yet.\n  expected:   4.0\n  got:        5.0\n"
               "  difference: got - expected = 1\n              the tolerance is 4e-07\n"
               "  hint:       square, do not add\n\x1b[2m  where:      Cell In[3], line 4: "
               "check.close(f(2), 4.0)\x1b[0m")
    assert feedback.without_expected(message) == (
        "✗ f(2) is not right yet.\n  got:        5.0\n  hint:       square, do not add")


def test_paths_outside_the_work_folder_are_shortened():
    text = ("File /opt/venv/lib/python3.11/site-packages/numpy/core/fromnumeric.py:285, in "
            "reshape\nFile /srv/course/solutions/x.py:3\n/home/student/00_fixture/data.csv")
    assert feedback.short_paths(text) == (
        "File site-packages/numpy/core/fromnumeric.py:285, in reshape\n"
        "File .../x.py:3\n/home/student/00_fixture/data.csv")


def test_lines_quoting_hidden_source_are_redacted():
    cell = feedback.parse_test_cell(
        '# c\n### BEGIN HIDDEN TESTS\ncheck.close(f(9), 81.0, name="f(9)")\n'
        "### END HIDDEN TESTS", "t")
    text = ('      2 ### BEGIN HIDDEN TESTS\n----> 3 check.close(f(9), 81.0, name="f(9)")\n'
            "ValueError: no")
    assert feedback.redact(text, cell) == \
        f"{feedback.HIDDEN_LINE}\n{feedback.HIDDEN_LINE}\nValueError: no"


HOST_CELL = ('# Checks f on two inputs.\ncheck.close(f(1), 2.0, name="f(1)")\n'
             '### BEGIN HIDDEN TESTS\ncheck.close(f(-3), -6.0, name=f"f({-3})")\n'
             'check.true(f(0) == 0, "f(0) is 0")\n### END HIDDEN TESTS\ncheck.done("f")')


def _host_judged_cell(message: str):
    """A test cell as the host-side referee leaves it: the error, no traceback into the cell."""
    cell = nbformat.v4.new_code_cell(HOST_CELL, metadata={"nbgrader": {
        "grade": True, "solution": False, "grade_id": "test_f", "points": 2, "score": 0}})
    cell.outputs = [nbformat.v4.new_output("error", ename="CheckFailed", evalue=message,
                                           traceback=[message])]
    return cell


def test_a_verdict_without_a_traceback_is_placed_by_its_message():
    cell = _host_judged_cell("✗ f(-3) is not right yet.\n  expected:   -6.0\n"
                             "  got:        6.0\n  difference: got - expected = 12")
    row = feedback.summarise(cell, feedback.parse_test_cell(HOST_CELL, "test_f"))
    assert [(c["name"], c["state"]) for c in row["checks"]] == [
        ("f(1)", "passed"), ("f(…)", "failed"), ("f(0) is 0", "not run")]
    assert (row["state"], row["score"], row["points"]) == ("failed", 0.0, 2.0)
    assert row["message"].startswith("✗ f(-3) is not right yet.\n  got:        6.0")
    assert "-6.0" not in row["message"] and "-6.0" not in str(cell.outputs)
    assert "f(-3)" not in cell.source and "check.done" in cell.source


def test_a_visible_failure_keeps_its_expected_value():
    cell = _host_judged_cell("✗ f(1) is not right yet.\n  expected:   2.0\n  got:        3.0")
    row = feedback.summarise(cell, feedback.parse_test_cell(HOST_CELL, "test_f"))
    assert [c["state"] for c in row["checks"]] == ["failed", "not run", "not run"]
    assert "expected:   2.0" in row["message"] and "expected:   2.0" in str(cell.outputs)
