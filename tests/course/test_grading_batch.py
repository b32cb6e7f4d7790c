"""`mlpcourse grade` over a class, run after run: the grades file is always there and true.

A small mixed class of the fixture unit (correct, untouched with a forged
``timestamp.txt``, partial, invalid JSON, an infinite loop) graded with
``--jobs 1``, again with ``--jobs 2 --force`` (the same file), again without
``--force`` (everything kept), then after two submissions change (one fixed,
one broken: its earlier score must not stay current). A second class is
stopped with SIGINT and SIGTERM in the middle of a student and resumed.
"""

from __future__ import annotations

import datetime as dt
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from pipeline_support import (
    FIXTURE_UNIT,
    make_submission,
    read_grades,
    released_fixture_course,
    run_mlpcourse,
    subprocess_env,
)

from mlpcourse.status import Status

UNIT = FIXTURE_UNIT
FOREVER = "def mean_of(x):\n    while True:\n        pass"
TIMEOUT = "4"  # seconds per cell: the fixture's cells take well under 1 s
FORGED = "2000-01-01 00:00:00 UTC"  # a submission time the student wrote themselves
EXPECTED = {  # student: (score, status, reason)
    "alice": ("3", Status.GRADED, ""),
    "bob": ("0", Status.GRADED, ""),
    "carol": ("2", Status.GRADED, ""),
    "dave": ("", Status.INVALID, ("00_fixture.ipynb is not a valid notebook (NotJSONError: "
                                  "Notebook does not appear to be JSON: '{\"cells\": [ "
                                  "{\"cell_type\": ')")),
    "erin": ("2", Status.TIMED_OUT, (f"test_mean_of stopped at the time limit ({TIMEOUT} s per "
             "cell); the other cells were graded")),
}


def _course(tmp_path_factory, name: str):
    return released_fixture_course(tmp_path_factory.mktemp(name) / "course")


def _grade(course, *options):
    result = run_mlpcourse("grade", UNIT, "--course", course, "--timeout", TIMEOUT, *options,
                           timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def _graded_now(result) -> list[str]:
    """The students this run graded (its progress lines ``[i/n] student: status``)."""
    return sorted(line.split("] ", 1)[1].split(":", 1)[0]
                  for line in result.stdout.splitlines() if line.startswith("  ["))


def _csv(course) -> bytes:
    return (course / f"grades_{UNIT}.csv").read_bytes()


@pytest.fixture(scope="module")
def mixed(tmp_path_factory):
    course = _course(tmp_path_factory, "batch")
    make_submission(course, UNIT, "alice", {})
    make_submission(course, UNIT, "bob", {"*": None})
    (course / "submitted" / "bob" / UNIT / "timestamp.txt").write_text(FORGED, encoding="utf-8")
    make_submission(course, UNIT, "carol", {"mean_of": None})
    broken = course / "submitted" / "dave" / UNIT
    broken.mkdir(parents=True)
    (broken / f"{UNIT}.ipynb").write_text('{"cells": [ {"cell_type": ', encoding="utf-8")
    make_submission(course, UNIT, "erin", {"mean_of": FOREVER})
    arrived = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    first = _grade(course, "--jobs", "1")
    return course, first, _csv(course), arrived


def test_every_row_is_what_the_submission_deserves(mixed):
    course, first, _, _ = mixed
    assert _graded_now(first) == sorted(EXPECTED)
    grades = read_grades(course, UNIT)
    assert sorted(grades) == sorted(EXPECTED)
    for student, (score, status, reason) in EXPECTED.items():
        row = grades[student]
        assert (row["score"], row["status"], row["reason"]) == (score, status, reason), row


def test_the_submission_time_is_its_arrival_not_a_file_the_student_wrote(mixed):
    from nbgrader.api import Gradebook

    course, _, _, arrived = mixed
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        stamp = gb.find_submission(UNIT, "bob").timestamp
    assert stamp.year != 2000
    assert abs((stamp - arrived).total_seconds()) < 120, (stamp, arrived)


def test_jobs_2_gives_the_same_grades_file_and_force_grades_everyone_again(mixed):
    course, _, first_csv, _ = mixed
    again = _grade(course, "--jobs", "2", "--force")
    assert _graded_now(again) == sorted(EXPECTED)
    assert "2 at a time" in again.stdout
    assert _csv(course) == first_csv


def test_a_rerun_keeps_unchanged_submissions_and_grades_changed_ones(mixed):
    course, _, first_csv, _ = mixed
    autograded = course / "autograded" / "alice" / UNIT / f"{UNIT}.ipynb"
    before = autograded.stat().st_mtime_ns
    kept = _grade(course, "--jobs", "2")
    assert _graded_now(kept) == []
    assert "kept: 5 (alice, bob, carol, dave, erin" in kept.stdout
    assert _csv(course) == first_csv
    assert autograded.stat().st_mtime_ns == before

    make_submission(course, UNIT, "carol", {})  # carol finishes her work
    (course / "submitted" / "alice" / UNIT / f"{UNIT}.ipynb").write_text(
        "{", encoding="utf-8")  # alice hands in a broken notebook over her graded one
    changed = _grade(course, "--jobs", "2")
    assert _graded_now(changed) == ["alice", "carol"]
    grades = read_grades(course, UNIT)
    assert (grades["carol"]["score"], grades["carol"]["status"]) == ("3", Status.GRADED)
    alice = grades["alice"]
    assert (alice["score"], alice["status"]) == ("", Status.INVALID), alice
    assert "the earlier score 3 (graded " in alice["reason"], alice
    assert "was withdrawn, not kept as current" in alice["reason"], alice
    # nor does the gradebook (formgrader, nbgrader export) or the feedback show it
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        with pytest.raises(MissingEntry):
            gb.find_submission(UNIT, "alice")
        assert gb.find_submission(UNIT, "carol").score == 3
    assert not (course / "feedback" / "alice" / UNIT).exists()
    for student in ("bob", "dave", "erin"):
        assert grades[student]["score"] == EXPECTED[student][0]
    kept_copy = [p for p in course.glob(f"grades_{UNIT}.*.csv") if p.name != f"grades_{UNIT}.csv"]
    assert any(p.read_bytes() == first_csv for p in kept_copy), "the earlier export is kept"


# ---------------------------------------------------------------- stopped in the middle


STOPPED_TIMEOUT = "12"  # seconds per cell: the loop is still running when the signal comes


def _descendants(pid: int) -> set[int]:
    """The processes below ``pid`` (Linux /proc)."""
    found, todo = set(), [pid]
    while todo:
        for task in Path(f"/proc/{todo.pop()}/task").glob("*"):
            try:
                children = {int(c) for c in (task / "children").read_text().split()}
            except OSError:
                continue
            todo += children - found
            found |= children
    return found


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] != "Z"
    except (OSError, IndexError):
        return False


def _stop_while_grading(course, signum, after: str, *options) -> tuple[int, str, float]:
    """Start grading, wait until ``after`` is printed and the next student's infinite loop
    runs, send ``signum``: the exit code, the output and the seconds it took to stop. Every
    process the run started (workers, sandboxes, kernels) is gone afterwards."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "mlpcourse.cli", "grade", UNIT, "--course", str(course),
         "--timeout", STOPPED_TIMEOUT, "--jobs", "1", *map(str, options)],
        env=subprocess_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    seen = []
    try:
        for line in proc.stdout:
            seen.append(line)
            if after in line:
                break
        time.sleep(4)  # the next student's kernel is in its infinite loop
        started = _descendants(proc.pid)
        assert started, "the run has no worker"
        start = time.monotonic()
        proc.send_signal(signum)
        out, _ = proc.communicate(timeout=120)
        seconds = time.monotonic() - start
    finally:
        if proc.poll() is None:
            proc.kill()
    deadline = time.monotonic() + 30         # a worker unwinding its kernel may take a moment
    while [p for p in started if _alive(p)] and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not [p for p in started if _alive(p)], "a process of the stopped run is still alive"
    return proc.returncode, "".join(seen) + out, seconds


def test_a_stopped_run_leaves_a_row_for_everyone_and_a_rerun_resumes(tmp_path_factory):
    """Ctrl-C (SIGINT) in the middle, then a kill (SIGTERM) in the middle of the rerun, then
    a rerun to the end: after each, a true row for everyone on the roster."""
    course = _course(tmp_path_factory, "stopped")
    make_submission(course, UNIT, "alice", {})
    make_submission(course, UNIT, "erin", {"mean_of": FOREVER})
    make_submission(course, UNIT, "frank", {})
    (course / "roster.csv").write_text("id,first_name,last_name,email\nzoe,Zoe,Zuse,\n",
                                       encoding="utf-8")
    unfinished = {
        "erin": ("", Status.INTERRUPTED, ("grading was stopped while this submission ran; run "
                 f"`mlpcourse grade {UNIT}` again to grade it")),
        "frank": ("", Status.NOT_GRADED, ("the run has not reached this submission (if it was "
                  f"stopped: run `mlpcourse grade {UNIT}` again)")),
    }
    for signum, after in ((signal.SIGINT, "[1/3] alice"), (signal.SIGTERM, "kept: 1 (alice")):
        code, said, seconds = _stop_while_grading(course, signum, after,
                                                  "--roster", course / "roster.csv")
        assert code == 130, said
        assert "interrupted" in said and "run the command again to resume" in said, said
        assert seconds < 60, f"{seconds:.0f} s to stop"
        grades = read_grades(course, UNIT)
        assert sorted(grades) == ["alice", "erin", "frank", "zoe"]
        assert (grades["alice"]["score"], grades["alice"]["status"]) == ("3", Status.GRADED)
        for student, row in unfinished.items():
            assert (grades[student]["score"], grades[student]["status"],
                    grades[student]["reason"]) == row, (signum, grades[student])
        assert grades["zoe"]["status"] == Status.MISSING

    resumed = run_mlpcourse("grade", UNIT, "--course", course, "--timeout", STOPPED_TIMEOUT,
                            "--jobs", "1", timeout=600)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert _graded_now(resumed) == ["erin", "frank"]
    grades = read_grades(course, UNIT)
    assert [(grades[s]["score"], grades[s]["status"]) for s in ("alice", "erin", "frank")] == [
        ("3", Status.GRADED), ("2", Status.TIMED_OUT), ("3", Status.GRADED)]


def test_a_grader_killed_outright_leaves_nothing_running(tmp_path_factory):
    """SIGKILL to the grader (no chance to stop its workers): the workers, their sandboxes and
    kernels go too, and the grades file still has a row for everyone."""
    course = _course(tmp_path_factory, "killed")
    make_submission(course, UNIT, "alice", {})
    make_submission(course, UNIT, "erin", {"mean_of": FOREVER})
    code, said, seconds = _stop_while_grading(course, signal.SIGKILL, "[1/2] alice")
    assert code == -signal.SIGKILL, said
    grades = read_grades(course, UNIT)
    assert sorted(grades) == ["alice", "erin"]
    assert (grades["alice"]["score"], grades["alice"]["status"]) == ("3", Status.GRADED)
    assert grades["erin"]["status"] == Status.NOT_GRADED


def test_the_arrival_time_ignores_what_the_files_say(tmp_path):
    """``arrival_time`` is the inode change time: setting a file's times does not move it."""
    import os

    from mlpcourse.grading.submission import arrival_time, content_hash

    folder = tmp_path / "submitted" / "ana" / UNIT
    folder.mkdir(parents=True)
    nbformat.write(nbformat.v4.new_notebook(), folder / f"{UNIT}.ipynb")
    (folder / "timestamp.txt").write_text(FORGED, encoding="utf-8")
    digest = content_hash(folder)
    now = time.time()
    os.utime(folder / f"{UNIT}.ipynb", (0, 0))  # a 1970 modification time, as tar can set
    assert abs(arrival_time(folder) - now) < 60
    assert content_hash(folder) == digest  # times are not content
    (folder / "timestamp.txt").write_text("2001-01-01 00:00:00 UTC", encoding="utf-8")
    assert content_hash(folder) != digest


def test_a_locked_gradebook_is_waited_for_then_named(tmp_path):
    import sqlite3

    from mlpcourse.grading.gradebook import GradebookLocked, db_url_waiting, wait_until_free

    db = tmp_path / "gradebook.db"
    url = f"sqlite:///{db}"
    assert db_url_waiting(url, 7) == f"{url}?timeout=7"
    sqlite3.connect(db).execute("create table t (x)").connection.commit()
    holder = subprocess.Popen(
        [sys.executable, "-c", ("import sqlite3, sys, time\n"
         f"c = sqlite3.connect({str(db)!r}, isolation_level=None)\n"
         "c.execute('BEGIN EXCLUSIVE'); print('locked', flush=True); time.sleep(60)")],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        start = time.monotonic()
        with pytest.raises(GradebookLocked, match=f"stayed locked for 2 s; it is open in: "
                                                  f"pid {holder.pid} "):
            wait_until_free(url, 2)
        assert time.monotonic() - start >= 1.9
    finally:
        holder.kill()
        holder.wait()
    wait_until_free(url, 2)  # free again
