"""The grades file and what a rerun remembers: always there, always true.

``grades_<unit>.csv`` is rewritten whole after every student (a temporary file
beside it, then ``os.replace``), so whenever the run stops (an error, a kill,
Ctrl-C) it has a row for every student: graded, not graded yet, or
interrupted. A previous export that differs from the new one is kept as
``grades_<unit>.<its time>.csv`` (once per run: ``GradesFile``).

``grades_<unit>.state.json`` beside it (``RunState``) records, per student,
the content hash of the submission that was graded and how grading ended, with
a key for what the grading depended on (the unit's solution folder, the
course's ``nbgrader_config.py``, the limits): a rerun skips a student whose
submission and key are unchanged, unless ``--force``.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import signal
import time
from contextlib import contextmanager
from pathlib import Path

from ..status import Status

GRADE_COLUMNS = ["student_id", "first_name", "last_name", "email",
                 "score", "max_score", "status", "reason"]
# statuses a rerun keeps for an unchanged submission (the others are graded again)
FINAL = {s for s in Status if s.scored} | {Status.INVALID}


@contextmanager
def signals_held():
    """Ctrl-C and SIGTERM wait until the block is done (a file write is never cut short)."""
    held = {signal.SIGINT, signal.SIGTERM}
    try:
        previous = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    except (AttributeError, ValueError, OSError):  # no signal masks here
        yield
        return
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def replace_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file beside it and ``os.replace``."""
    tmp = path.with_name(f".{path.name}.tmp")
    with signals_held():
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)


def csv_bytes(rows: list[dict]) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=GRADE_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def keep_copy(path: Path) -> Path:
    """Copy ``path`` to ``<stem>.<its modification time>[-n]<suffix>`` beside it."""
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(path.stat().st_mtime))
    kept = path.with_name(f"{path.stem}.{stamp}{path.suffix}")
    n = 1
    while kept.exists():
        kept = path.with_name(f"{path.stem}.{stamp}-{n}{path.suffix}")
        n += 1
    replace_atomically(kept, path.read_bytes())
    return kept


class GradesFile:
    """``grades_<unit>.csv``, rewritten atomically on every ``write``.

    The export found when the run starts is kept as a dated copy before the
    first write changes it; ``finish`` removes that copy again when the run
    ended with the same content (nothing was lost, nothing needs keeping).
    """

    def __init__(self, path):
        self.path = Path(path)
        self.before = self.path.read_bytes() if self.path.is_file() else None
        self.kept: Path | None = None

    def write(self, rows: list[dict]) -> None:
        data = csv_bytes(rows)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if self.kept is None and self.before is not None and data != self.before:
            self.kept = keep_copy(self.path)
        replace_atomically(self.path, data)

    def finish(self) -> Path | None:
        """The kept copy of the earlier export, or None when it equals the final file."""
        if self.kept is not None and self.path.read_bytes() == self.before:
            self.kept.unlink()
            self.kept = None
        return self.kept


def write_grades_csv(path, rows) -> Path | None:
    """Write the grades table to ``path`` without ever losing an earlier export.

    The file is written to a temporary file beside it and moved into place, so
    an interrupted write leaves the old file intact. If a previous export exists
    and its content differs (a regrade changed a score, or someone edited the
    file by hand), it is first kept as ``<name>.<its modification time>.csv``;
    that path is returned (None when nothing had to be kept).
    """
    grades = GradesFile(path)
    grades.write(rows)
    return grades.finish()


# ---------------------------------------------------------------- what a rerun remembers


def state_path(grades_csv: Path) -> Path:
    grades_csv = Path(grades_csv)
    return grades_csv.with_name(f"{grades_csv.stem}.state.json")


def grading_key(source: Path, config_file: Path, settings: dict) -> str:
    """A hash of what grades depend on besides the submission: the unit's solution folder
    (notebooks, hidden tests, data), the course configuration and ``settings`` (limits)."""
    digest = hashlib.sha256(json.dumps(settings, sort_keys=True).encode())
    for path in [config_file, *sorted(Path(source).rglob("*"))]:
        if path.is_file() and "__pycache__" not in path.parts \
                and ".ipynb_checkpoints" not in path.parts:
            digest.update(f"{path.relative_to(path.parent if path == config_file else source)}\n"
                          .encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


class RunState:
    """Per student: the hash of the graded submission and how grading ended (JSON)."""

    def __init__(self, path: Path, key: str):
        self.path, self.key = Path(path), key
        self.students: dict[str, dict] = {}
        try:
            saved = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            saved = {}
        if isinstance(saved, dict) and saved.get("key") == key:
            self.students = dict(saved.get("students") or {})

    def unchanged(self, student: str, digest: str) -> dict | None:
        """The record of ``student`` when their submission ``digest`` was graded to a final
        status with the current key (a rerun keeps it), else None."""
        entry = self.students.get(student)
        if entry and entry.get("hash") == digest and entry.get("status") in FINAL:
            return entry
        return None

    def record(self, student: str, digest: str, outcome, submitted_at: float | None) -> None:
        self.students[student] = {
            "hash": digest, "status": outcome.status.value, "details": outcome.details,
            "notes": list(outcome.notes), "seconds": round(outcome.seconds, 2),
            "graded_at": time.time(), "submitted_at": submitted_at}

    def forget(self, student: str) -> None:
        self.students.pop(student, None)

    def save(self) -> None:
        data = {"key": self.key, "students": self.students}
        replace_atomically(self.path, json.dumps(data, indent=1, sort_keys=True).encode())
