"""One grading run over a class: who is graded, who is kept, and the rows it writes.

``Batch`` lives in the parent process of ``mlpcourse grade``. ``plan`` hashes
every submission, keeps the students whose unchanged submission was already
graded (``gradesfile.RunState``; ``--force`` keeps none) and writes the grades
file at once with a row for everyone (``not graded yet`` for the rest).
``start`` and ``done`` are called as each student starts and ends; ``done``
reads the score from the gradebook, records the student, and rewrites the
grades file and the run state, so they are true whenever the run stops.

No older score looks current: when a student's submission changed, their
earlier grades are taken out of the gradebook before the new grading starts,
and a regrade that ends without a score (invalid, failed) takes out whatever
the gradebook still holds; the reason says which score was withdrawn.
"""

from __future__ import annotations

from pathlib import Path

from ..status import Status
from . import gradebook
from .gradesfile import GradesFile, RunState, grading_key, state_path
from .outcome import Outcome
from .submission import arrival_time, content_hash

MANUAL = "needs manual grading (nbgrader formgrader)"


class Batch:
    def __init__(self, prep: dict, names: dict, max_score: float, out_path: Path,
                 settings: dict, unisolated: str):
        self.root, self.unit, self.folders = prep["root"], prep["unit"], prep["folders"]
        self.db_url = prep["cfg"].CourseDirectory.db_url
        self.names, self.max_score, self.unisolated = names, max_score, unisolated
        source = self.root / self.folders["source"] / self.unit
        key = grading_key(source, self.root / "nbgrader_config.py", settings)
        self.grades = GradesFile(out_path)
        self.state = RunState(state_path(out_path), key)
        self.outcomes: dict[str, Outcome] = {}
        self.scores: dict[str, tuple] = {}  # student -> (score, needs manual grade)
        self.digests: dict[str, str] = {}
        self.pending: set[str] = set()
        self.kept: list[str] = []
        self.withdrawn: dict[str, tuple] = {}  # student -> (earlier score, when it was graded)
        self.finished = 0

    def _folder(self, student: str) -> Path:
        return self.root / self.folders["submitted"] / student / self.unit

    def plan(self, students: list[str], force: bool) -> list[tuple[str, float]]:
        """The students to grade, with their submission times; writes the first grades file."""
        todo = []
        for student in students:
            folder = self._folder(student)
            self.digests[student] = digest = content_hash(folder)
            entry = None if force else self.state.unchanged(student, digest)
            if entry is not None and Status(entry["status"]).scored:
                recorded = gradebook.recorded(self.db_url, self.unit, student)
                entry = entry if recorded is not None else None
                if recorded is not None:
                    self.scores[student] = recorded[:2]
            if entry is not None:
                outcome = Outcome(student, Status(entry["status"]), list(entry["notes"]),
                                  dict(entry["details"]), entry.get("seconds", 0.0))
                self.outcomes[student] = outcome
                self.kept.append(student)
            else:
                self.pending.add(student)
                todo.append((student, arrival_time(folder)))
        self.total = len(todo)
        self._save()
        return todo

    def start(self, student: str) -> None:
        """A changed submission: the grades of the earlier one leave the gradebook first."""
        entry = self.state.students.get(student)
        if entry is None or entry.get("hash") != self.digests[student]:
            old = gradebook.withdraw(self.db_url, self.root, self.folders, self.unit, student)
            if old is not None:
                self.withdrawn[student] = (old, (entry or {}).get("graded_at"))

    def done(self, student: str, outcome: Outcome) -> None:
        if self.unisolated and outcome.status not in (Status.INVALID, Status.QUARANTINED,
                                                      Status.INTERRUPTED):
            outcome.notes.append(self.unisolated)
        if outcome.status.scored:
            recorded = gradebook.recorded(self.db_url, self.unit, student)
            if recorded is None:
                outcome.end(Status.FAILED, problem="no grades recorded")
            else:
                self.scores[student] = recorded[:2]
        if not outcome.status.scored and outcome.status is not Status.INTERRUPTED:
            self.scores.pop(student, None)
            old = gradebook.withdraw(self.db_url, self.root, self.folders, self.unit, student)
            graded_at = (self.state.students.get(student) or {}).get("graded_at")
            old, graded_at = (old, graded_at) if old is not None else \
                self.withdrawn.get(student, (None, None))
            if old is not None:
                outcome.notes.append(f"the earlier score {old:g} (graded "
                                     f"{gradebook.when(graded_at)}) was withdrawn, not kept as "
                                     "current")
        self.outcomes[student] = outcome
        self.pending.discard(student)
        if outcome.status is Status.INTERRUPTED:
            self.state.forget(student)
        else:
            self.state.record(student, self.digests[student], outcome,
                              arrival_time(self._folder(student)))
        self._save()
        self.finished += 1
        print(f"  [{self.finished}/{self.total}] {student}: {outcome.status} "
              f"({outcome.seconds:.1f} s)", flush=True)

    def _save(self) -> None:
        self.state.save()
        self.grades.write(self.rows())

    def rows(self) -> list[dict]:
        """The grades table: one row per student of the gradebook or of submitted/."""
        rows = []
        for sid in sorted(set(self.names) | set(self.digests)):
            outcome = self.outcomes.get(sid)
            if outcome is None:
                outcome = Outcome(sid)
                outcome.end(Status.NOT_GRADED if sid in self.pending else Status.MISSING,
                            submitted=self.folders["submitted"], unit=self.unit)
            score, manual = self.scores.get(sid, (None, False))
            notes = list(outcome.notes) + ([MANUAL] if manual and outcome.status.scored else [])
            rows.append({
                **self.names.get(sid, dict.fromkeys(("first_name", "last_name", "email"), "")),
                "student_id": sid,
                "score": f"{score:g}" if outcome.status.scored and score is not None else "",
                "max_score": f"{self.max_score:g}",
                "status": outcome.status.value,
                "reason": outcome.status.reason("; ".join(notes), **{
                    "student": sid, "unit": self.unit, "submitted": self.folders["submitted"],
                    **outcome.details}),
            })
        return rows
