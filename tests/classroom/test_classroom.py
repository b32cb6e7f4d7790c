"""A grading round in a real classroom: JupyterHub, real users, nbgrader's exchange.

One instructor and three students are real system users (useradd), each single-user
server runs as its user (LocalProcessSpawner), and the exchange is a world-writable
folder with the sticky bit, as nbgrader documents it (deploy/classroom/README.md):

1. the instructor releases unit 01 (`mlpcourse release`, then `nbgrader release_assignment`);
2. each student fetches it in their own server (the Assignments panel's request);
3. ada solves it IN THE BROWSER (types the solutions' answers, runs it, saves) and submits
   with the Assignments panel; ben submits a wrong answer (the bias left out); cy submits
   nothing;
4. the instructor collects (`nbgrader collect`), grades (`mlpcourse grade 01_neuron`, in
   the sandbox) and releases the feedback (`nbgrader release_feedback`);
5. the students fetch their feedback; ada opens hers in the browser and reads her score.

Then: the grades are 10, 8 and missing; every student reads their own files only, and
none can read the instructor's course (solutions, hidden tests, gradebook).

Runs as root (CI does): it FAILS with the reason otherwise, or wherever a requirement is
missing (npm, jupyterhub, Chromium, a Python every user can run); set
``MLPCOURSE_CLASSROOM=skip`` to skip it explicitly instead. Screenshots go to
``_build/classroom/`` (git-ignored): ``1-fetched.png`` (the fetched notebook),
``2-submitted-work.png`` (ada's answers, the visible tests green), ``3-submitted.png``
(the Assignments panel after Submit) and ``4-feedback.png`` (the returned feedback).
"""
from __future__ import annotations

import csv
import json
from pathlib import Path

import nbformat
import pytest
from browser_support import (
    PAGE_HELPERS,
    cell_index,
    cell_source,
    notebook,
    run_all_and_wait,
    type_into_cell,
    wait_kernel_idle,
)
from classroom_support import COURSE_ID, PASSWORD, REPO, SCREENSHOTS, Classroom, User, user_pids
from pipeline_support import make_course, solution_sources

pytestmark = [pytest.mark.slow, pytest.mark.browser]

UNIT = "01_neuron"
NOTEBOOK = f"{UNIT}/{UNIT}.ipynb"                  # where a fetch puts it, in the home
WRONG_ID = "neuron_output"
WRONG = ("def neuron_output(x, w, b, phi):\n"
         "    return phi(x @ w)              # forgot the bias\n")
WRONG_POINTS = 9.0          # the neuron_output test fails (1 point); the rest pass
FETCHED = SCREENSHOTS / "1-fetched.png"            # the fetched notebook, as released
SOLVED = SCREENSHOTS / "2-submitted-work.png"      # the answers typed in, the tests green
SUBMITTED = SCREENSHOTS / "3-submitted.png"        # the Assignments panel after Submit
FEEDBACK = SCREENSHOTS / "4-feedback.png"          # the returned feedback, with the score
PICTURES = (FETCHED, SOLVED, SUBMITTED, FEEDBACK)


# ---------------------------------------------------------------- the round

@pytest.fixture(scope="module")
def graded_round(classroom: Classroom, student_page):
    """Runs the whole round once; the tests below check what it left. When a step fails,
    ``_build/classroom/FAILED.png`` shows the student's page and the error ends with the
    hub's log."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for old in SCREENSHOTS.glob("*.png"):
        old.unlink()
    try:
        return _play_the_round(classroom, student_page)
    except Exception as exc:
        try:
            student_page.screenshot(path=str(SCREENSHOTS / "FAILED.png"), timeout=15_000)
        except Exception:   # noqa: BLE001 - a hung page must not hide the real failure
            pass
        raise AssertionError(f"the round stopped: {exc}\n--- hub log ---\n"
                             + classroom.log_tail()) from exc


def _play_the_round(classroom: Classroom, page) -> dict:
    teacher = classroom.instructor
    ada, ben, cy = classroom.students
    course = _instructor_course(classroom, teacher)

    # 1. release
    classroom.run_as(teacher, "mlpcourse", "release", UNIT, "--course", course, cwd=course)
    classroom.run_as(teacher, "nbgrader", "release_assignment", UNIT, cwd=course)

    # 2. every student fetches it in their own server
    classroom.start_servers(classroom.students)
    for student in classroom.students:
        classroom.assignment_action(student, "fetch", UNIT)

    # 3. ada in the browser, ben a wrong answer, cy nothing
    _log_in(page, classroom, ada)
    _solve_in_browser(page, classroom, ada, course)
    _submit_in_browser(page)
    _write_answer_as(classroom, ben, {WRONG_ID: WRONG})
    classroom.assignment_action(ben, "submit", UNIT)

    # 4. collect, grade, return the feedback
    classroom.run_as(teacher, "nbgrader", "collect", UNIT, cwd=course)
    graded = classroom.run_as(teacher, "mlpcourse", "grade", UNIT, "--roster", "roster.csv",
                              "--sandbox", "require", "--course", course, cwd=course,
                              timeout=600)
    classroom.run_as(teacher, "nbgrader", "release_feedback", UNIT, cwd=course)

    # 5. the students fetch their feedback (ada with the panel's button); ada reads hers
    _fetch_feedback_in_browser(page)
    for student in (ben, cy):
        classroom.assignment_action(student, "fetch_feedback", UNIT)
    feedback_text = _read_feedback_in_browser(page, classroom, ada)
    return {"course": course, "grading_output": graded.stdout, "feedback_text": feedback_text}


def _instructor_course(classroom: Classroom, teacher: User) -> Path:
    """The instructor's course folder in their home: unit 01's solutions, the repository's
    nbgrader_config.py, and a roster of the three students."""
    course = make_course(teacher.home / "course", [UNIT])
    with open(course / "roster.csv", "w", newline="", encoding="utf-8") as fh:
        rows = csv.writer(fh)
        rows.writerow(["id", "first_name", "last_name", "email"])
        for student in classroom.students:
            rows.writerow([student.name, student.name.split("-")[-1], "Test", ""])
    classroom.give(teacher, course)
    return course


def _log_in(page, classroom: Classroom, user: User) -> None:
    page.goto(f"{classroom.url}/hub/login", wait_until="domcontentloaded")
    page.fill("#username_input", user.name)
    page.fill("#password_input", PASSWORD)
    page.click("#login_submit")
    page.wait_for_url(f"**/user/{user.name}/**", timeout=120_000)


def _open_in_lab(page, classroom: Classroom, user: User, path: str) -> None:
    page.add_init_script(PAGE_HELPERS)
    page.goto(f"{classroom.url}/user/{user.name}/lab/workspaces/classroom/tree/{path}?reset",
              wait_until="domcontentloaded")
    page.wait_for_function("() => window.jupyterapp !== undefined && window.__mlp !== undefined")
    page.evaluate("() => window.jupyterapp.restored")
    wait_kernel_idle(page, path)


def _solve_in_browser(page, classroom: Classroom, user: User, course: Path) -> None:
    """Open the fetched notebook, type each solution cell's answer (the sources of
    solutions/01_neuron without the markers), run every cell (all visible tests pass) and
    save it."""
    _open_in_lab(page, classroom, user, NOTEBOOK)
    page.screenshot(path=str(FETCHED))
    answers = solution_sources(nbformat.read(REPO / "solutions" / UNIT / f"{UNIT}.ipynb", 4))
    cells = notebook(page).locator(".jp-Cell")
    for grade_id, answer in answers.items():
        index = cell_index(page, NOTEBOOK, grade_id=grade_id)
        type_into_cell(page, cells.nth(index), answer)
        assert cell_source(page, NOTEBOOK, index) == answer, f"typing {grade_id} went wrong"
    run_all_and_wait(page, NOTEBOOK, timeout_ms=300_000)
    page.evaluate("() => window.jupyterapp.commands.execute('docmanager:save')")
    page.wait_for_function("p => !window.__mlp.panel(p).context.model.dirty", arg=NOTEBOOK)
    test = cells.nth(cell_index(page, NOTEBOOK, grade_id="test_neuron_output"))
    passed = test.locator(".jp-OutputArea-output", has_text="✓").first
    passed.evaluate("e => e.scrollIntoView({block: 'end'})")     # the answer above, ✓ below
    passed.wait_for(state="visible")
    page.screenshot(path=str(SOLVED))


def _submit_in_browser(page) -> None:
    """nbgrader's Assignments panel: the Submit button of the fetched assignment."""
    page.evaluate("() => window.jupyterapp.commands.execute('nbgrader:open-assignment-list')")
    row = page.locator("#fetched_assignments_list .list_item", has_text=UNIT).first
    row.get_by_role("button", name="Submit").click()
    page.locator("#submitted_assignments_list .list_item", has_text=UNIT).first.wait_for()
    page.screenshot(path=str(SUBMITTED))


def _fetch_feedback_in_browser(page) -> None:
    """The Fetch Feedback button of the submitted assignment, in the same panel."""
    page.locator("#refresh_assignments_list").click()
    row = page.locator("#submitted_assignments_list .list_item", has_text=UNIT).first
    row.get_by_role("button", name="Fetch Feedback").click()
    row.locator("a", has_text="view feedback").first.wait_for()


def _write_answer_as(classroom: Classroom, student: User, answers: dict[str, str]) -> None:
    """The student edits their fetched notebook (a process running as them): the solution
    cells in ``answers`` get that source, every other one the right answer."""
    right = solution_sources(nbformat.read(REPO / "solutions" / UNIT / f"{UNIT}.ipynb", 4))
    classroom.python_as(student, (
        "import json, sys, nbformat\n"
        "answers = json.loads(sys.argv[2])\n"
        "nb = nbformat.read(sys.argv[1], as_version=4)\n"
        "for cell in nb.cells:\n"
        "    gid = cell.metadata.get('nbgrader', {}).get('grade_id')\n"
        "    if gid in answers:\n"
        "        cell.source = answers[gid]\n"
        "nbformat.write(nb, sys.argv[1])\n"),
        NOTEBOOK, json.dumps({**right, **answers}))


def _read_feedback_in_browser(page, classroom: Classroom, user: User) -> str:
    """Open the fetched feedback HTML (served by the student's own server) and return its
    text."""
    found = sorted((user.home / UNIT / "feedback").glob(f"*/{UNIT}.html"))
    assert found, f"no feedback fetched into {user.home / UNIT / 'feedback'}"
    relative = found[-1].relative_to(user.home).as_posix()
    page.goto(f"{classroom.url}/user/{user.name}/files/{relative}",
              wait_until="domcontentloaded")
    page.get_by_text("Score").first.wait_for()
    page.screenshot(path=str(FEEDBACK))
    return page.inner_text("body")


# ---------------------------------------------------------------- what it left

def _grades(course: Path) -> dict[str, dict]:
    with open(course / f"grades_{UNIT}.csv", newline="", encoding="utf-8") as fh:
        return {row["student_id"]: row for row in csv.DictReader(fh)}


def test_grades_of_the_round(classroom, graded_round):
    grades = _grades(graded_round["course"])
    ada, ben, cy = classroom.students
    assert (grades[ada.name]["status"], float(grades[ada.name]["score"])) == ("graded", 10.0), \
        graded_round["grading_output"]
    assert (grades[ben.name]["status"], float(grades[ben.name]["score"])) == \
        ("graded", WRONG_POINTS), graded_round["grading_output"]
    assert grades[cy.name]["status"] == "missing"
    assert float(grades[cy.name]["score"] or 0) == 0.0
    assert all(float(row["max_score"]) == 10.0 for row in grades.values())


def test_students_see_their_scores_in_the_returned_feedback(classroom, graded_round):
    assert "Score: 10.0 / 10.0" in graded_round["feedback_text"]
    _, ben, cy = classroom.students
    ben_feedback = sorted((ben.home / UNIT / "feedback").glob(f"*/{UNIT}.html"))
    assert ben_feedback, "ben fetched no feedback"
    assert f"Score: {WRONG_POINTS} / 10.0" in ben_feedback[-1].read_text(encoding="utf-8")
    assert not (cy.home / UNIT / "feedback").exists(), "cy submitted nothing: no feedback"
    for path in PICTURES:
        assert path.is_file() and path.stat().st_size > 10_000, f"no screenshot {path}"


def test_each_server_runs_as_its_student(classroom, graded_round):
    for student in classroom.students:
        commands = [Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
                    for pid in user_pids({student.uid})]
        assert any("jupyterhub-singleuser" in c for c in commands), \
            f"no single-user server runs as {student.name}: {commands}"


READ = ("import os, sys\n"
        "path = sys.argv[1]\n"
        "try:\n"
        "    os.listdir(path) if os.path.isdir(path) else open(path, 'rb').read()\n"
        "    print('READABLE')\n"
        "except PermissionError:\n"
        "    print('DENIED')\n")


def _can_read(classroom: Classroom, user: User, path: Path) -> bool:
    assert path.exists(), f"{path} should exist for this check"
    said = classroom.python_as(user, READ, path).stdout.strip()
    assert said in ("READABLE", "DENIED"), said
    return said == "READABLE"


def test_each_student_reads_only_their_own_files(classroom, graded_round):
    ada, ben, cy = classroom.students
    for student in (ada, ben):
        assert _can_read(classroom, student, student.home / NOTEBOOK)
    for reader, owner in ((ada, ben), (ben, ada), (cy, ada), (cy, ben)):
        assert not _can_read(classroom, reader, owner.home), f"{reader.name} lists {owner.name}'s home"
        assert not _can_read(classroom, reader, owner.home / NOTEBOOK), \
            f"{reader.name} reads {owner.name}'s notebook"
    # submissions: the inbound folder can be written but not listed, and each submission's
    # name ends in a random string, so nobody finds another student's submission
    inbound = classroom.exchange / COURSE_ID / "inbound"
    submissions = sorted(p.name for p in inbound.iterdir())
    assert len(submissions) == 2 and all(len(name.split("+")) == 4 for name in submissions)
    for student in classroom.students:
        assert not _can_read(classroom, student, inbound), f"{student.name} lists the inbound"
        assert not _can_read(classroom, student, classroom.exchange / COURSE_ID / "feedback")


def test_no_student_reads_the_instructor_course_or_hidden_tests(classroom, graded_round):
    course = graded_round["course"]
    secret = [course, course / "solutions" / UNIT / f"{UNIT}.ipynb", course / "gradebook.db",
              course / "submitted", course / "autograded", course / "nbgrader_config.py"]
    for student in classroom.students:
        for path in secret:
            assert not _can_read(classroom, student, path), f"{student.name} reads {path}"
    hidden = "BEGIN HIDDEN TESTS"
    assert hidden in (course / "solutions" / UNIT / f"{UNIT}.ipynb").read_text(encoding="utf-8")
    released = classroom.exchange / COURSE_ID / "outbound" / UNIT / f"{UNIT}.ipynb"
    for path in [released, *(s.home / NOTEBOOK for s in classroom.students)]:
        text = path.read_text(encoding="utf-8")
        assert hidden not in text and "### BEGIN SOLUTION" not in text, f"{path} leaks"
