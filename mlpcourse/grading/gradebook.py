"""The gradebook side of a grading run: waiting for a lock, times, stale scores.

- ``db_url_waiting``: the gradebook URL with SQLite's busy wait set, so the
  grading processes writing side by side (and formgrader) queue for the lock
  instead of failing at once;
- ``wait_until_free``: before grading, waits for another process's write lock
  to go and otherwise says which process holds it (``holders``);
- ``autograde_at``: nbgrader's Autograde recording the submission time the
  grader measured (``submission.arrival_time``), never a ``timestamp.txt``
  the student wrote;
- ``withdraw``: takes an earlier submission's grades out of the gradebook (and
  its autograded notebook and feedback) when they no longer belong to what the
  student handed in, so no older score stays looking current.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
import sqlite3
import time
from pathlib import Path

GRADEBOOK_WAIT = 120  # seconds a grading process waits for the gradebook's lock


def sqlite_file(db_url: str) -> Path | None:
    """The file of a ``sqlite:///`` gradebook URL (None for another database)."""
    prefix = "sqlite:///"
    if not db_url.startswith(prefix):
        return None
    return Path(db_url[len(prefix):].split("?", 1)[0])


def db_url_waiting(db_url: str, seconds: int = GRADEBOOK_WAIT) -> str:
    """``db_url`` with SQLite's busy timeout (``?timeout=``) unless it sets one."""
    if sqlite_file(db_url) is None or "timeout=" in db_url:
        return db_url
    return f"{db_url}{'&' if '?' in db_url else '?'}timeout={seconds}"


def holders(path: Path) -> list[str]:
    """The processes (``pid command``) that have the gradebook ``path`` open, as far as
    /proc shows (Linux; processes of other users are not visible)."""
    names = {str(Path(path).resolve()) + suffix for suffix in ("", "-journal", "-wal")}
    found = []
    for entry in Path("/proc").glob("[0-9]*"):
        if int(entry.name) == os.getpid():
            continue
        try:
            fds = list((entry / "fd").iterdir())
            if not any(os.readlink(fd) in names for fd in fds):
                continue
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        found.append(f"pid {entry.name} ({command.strip()[:120]})")
    return found


class GradebookLocked(RuntimeError):
    pass


def wait_until_free(db_url: str, seconds: float = GRADEBOOK_WAIT) -> None:
    """Return once the gradebook can be written; raise ``GradebookLocked`` (saying who
    holds it) after waiting ``seconds``."""
    path = sqlite_file(db_url)
    if path is None or not path.exists():
        return
    try:
        with sqlite3.connect(path, timeout=seconds) as con:
            con.execute("BEGIN IMMEDIATE")
            con.rollback()
    except sqlite3.OperationalError as exc:
        if "locked" not in str(exc) and "busy" not in str(exc):
            raise
        who = holders(path)
        raise GradebookLocked(
            f"the gradebook {path} stayed locked for {seconds:g} s"
            + (f"; it is open in: {'; '.join(who)}" if who else
               " (no process of yours has it open: another user's, or a network drive)")
            + ". Close formgrader or the other nbgrader command, then run again.") from exc


def autograde_at(submitted_at: float):
    """nbgrader's ``Autograde`` recording ``submitted_at`` (POSIX seconds, UTC) as the
    submission time, whatever ``timestamp.txt`` the submission holds."""
    from nbgrader.converters import Autograde

    when = dt.datetime.fromtimestamp(submitted_at, dt.timezone.utc).replace(tzinfo=None)

    class CollectedAutograde(Autograde):
        def init_assignment(self, assignment_id: str, student_id: str) -> None:
            self.coursedir.get_existing_timestamp = lambda path: when
            super().init_assignment(assignment_id, student_id)

    return CollectedAutograde


def recorded(db_url: str, unit: str, student: str):
    """(score, needs manual grade, submission time) in the gradebook, or None."""
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(db_url) as gb:
        try:
            sub = gb.find_submission(unit, student)
        except MissingEntry:
            return None
        return sub.score, sub.needs_manual_grade, sub.timestamp


def withdraw(db_url: str, root: Path, folders: dict, unit: str, student: str) -> float | None:
    """Remove ``student``'s grades for ``unit`` from the gradebook and their autograded
    notebook and feedback; returns the score that was withdrawn (None if there was none)."""
    from nbgrader.api import Gradebook, MissingEntry

    score = None
    with Gradebook(db_url) as gb:
        try:
            score = gb.find_submission(unit, student).score
            gb.remove_submission(unit, student)
        except MissingEntry:
            pass
    for step in ("autograded", "feedback"):
        shutil.rmtree(root / folders[step] / student / unit, ignore_errors=True)
        with contextlib.suppress(OSError):  # the student's folder, when it is left empty
            (root / folders[step] / student).rmdir()
    return score


def when(seconds: float | None) -> str:
    """A POSIX time as the reason shows it (UTC, to the minute)."""
    if seconds is None:
        return "an earlier run"
    return time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(seconds))
