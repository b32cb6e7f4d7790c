"""How grading one submission ended: its ``Status``, reason and notes.

``GradingExecute`` records what happened while a notebook ran as events in
the autograded notebook (``mlpcourse.grading.execute``); ``judge`` turns them
into the status (the most serious first: crashed, out of memory, timed out)
and notes for everything else (a truncated output, the process cap reached).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..status import Status


@dataclass
class Outcome:
    """How grading one submission ended: a ``Status`` and the fields of its reason."""

    student: str
    status: Status = Status.GRADED
    notes: list[str] = field(default_factory=list)  # graded, but the teacher should know these
    details: dict[str, str] = field(default_factory=dict)  # the fields of the status's reason
    seconds: float = 0.0
    score: float | None = None

    def end(self, status: Status, **details: str) -> None:
        """Grading ended in ``status``; ``details`` fill the fields of its reason template."""
        self.status, self.details = status, details

    def reason(self) -> str:
        """The status's one-line reason (``Status.reason``) for this student."""
        notes = "; ".join(self.notes)
        return self.status.reason(notes, student=self.student, **self.details)


# How each kind of execution event (mlpcourse.grading.execute) reads in a reason.
EVENT_WORDS = {
    "timeout": "stopped at the time limit",
    "budget": "stopped when the notebook's time ran out",
    "memory": "ran out of memory",
    "crash": "the kernel died",
    "lost": "output lost on the way (counted as failed)",
    "output": "output truncated",
    "processes": "reached the process limit",
}
# The scored problem statuses, most serious first, with the event kinds that make them.
PROBLEMS = ((Status.CRASHED, ("crash",)), (Status.OUT_OF_MEMORY, ("memory",)),
            (Status.TIMED_OUT, ("timeout", "budget")))


def judge(outcome: Outcome, events: list[dict], cell_timeout: int, limits) -> None:
    """Set ``outcome``'s status and notes from the execution events of its notebooks.

    ``limits`` is the ``mlpcourse.sandbox.Sandbox`` settings (for the limits named
    in the reason). The most serious kind present decides the status; every
    other event becomes a note.
    """
    def cells(kinds) -> list[str]:
        return list(dict.fromkeys(e["cell"] for e in events if e["kind"] in kinds))

    not_run = [e for e in events if e["kind"] == "not_run"]
    used: tuple[str, ...] = ("not_run",)
    times = {"timeout": f"{cell_timeout} s per cell",
             "budget": f"{limits.notebook_timeout} s per notebook"}
    for status, kinds in PROBLEMS:
        if cells(kinds):
            limit = {
                Status.TIMED_OUT: " and ".join(t for k, t in times.items() if cells((k,))),
                Status.OUT_OF_MEMORY: f"{limits.memory_mb} MB",
            }.get(status, "")
            rest = ("the other cells were graded" if not not_run else
                    f"{len(not_run)} cell(s) after it were not run ({not_run[0]['detail']})")
            outcome.end(status, cells=", ".join(cells(kinds)), limit=limit, rest=rest)
            used += kinds
            break
    for kind, words in EVENT_WORDS.items():
        if kind not in used and cells((kind,)):
            outcome.notes.append(f"{', '.join(cells((kind,)))}: {words}")


def events_in(folder: Path) -> list[dict]:
    """The execution events recorded in the autograded notebooks of ``folder``."""
    import nbformat

    from .execute import events_of

    found = []
    for path in sorted(folder.glob("*.ipynb")):
        try:
            found += events_of(nbformat.read(path, as_version=4))
        except Exception:  # noqa: BLE001, S112 - unreadable: no events, the score says enough
            continue
    return found
