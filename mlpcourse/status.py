"""How grading one student's submission ended: the statuses of ``mlpcourse grade``, spelt once.

Each status is one row below: the word written in the ``status`` column of
``grades_<unit>.csv`` (and printed in the summary), whether the submission has
a score, and the template of the one-line ``reason`` that goes with it::

    GRADED         graded         scored    {notes}  (empty, or what the teacher should know)
    TIMED_OUT      timed out      scored    {cells} stopped at the time limit ({limit}); {rest}
    OUT_OF_MEMORY  out of memory  scored    {cells} ran out of memory ({limit}); {rest}
    CRASHED        crashed        scored    the Python kernel died in {cells}; {rest}
    INVALID        invalid        no score  {problem}  (cannot be graded as handed in)
    FAILED         failed         no score  {problem}  (the grader failed, not the student)
    MISSING        missing        no score  no {submitted}/{student}/{unit}/
    NOT_GRADED     not graded yet no score  the run has not reached this submission ...
    INTERRUPTED    interrupted    no score  grading was stopped while this submission ran; ...

The last two are what the grades file says while a run is under way and after
one was stopped (Ctrl-C, a kill): the file always has a row for everyone, and
a row is never a score it has not finished (``mlpcourse grade`` resumes).

The three scored problems say which cells were hit and what happened to the
rest (``{rest}``: the other cells were graded, or were not run). Anything
else the teacher should know (a truncated output, notes from grading
unisolated) follows the reason after "; ".

A new status is a new row: its word, whether it is scored, its reason
template. The grading command, its summary line and the tests iterate over
``Status``; nothing else spells a status.
"""
from __future__ import annotations

import enum


class Status(str, enum.Enum):
    """How grading one submission ended; the value is what the grades CSV says.

    A ``str``, so ``Status.GRADED == "graded"`` (a row read back from the CSV
    compares equal to the member).
    """

    #                CSV word         scored  reason template
    GRADED = ("graded", True, "{notes}")
    TIMED_OUT = ("timed out", True, "{cells} stopped at the time limit ({limit}); {rest}")
    OUT_OF_MEMORY = ("out of memory", True, "{cells} ran out of memory ({limit}); {rest}")
    CRASHED = ("crashed", True, "the Python kernel died in {cells}; {rest}")
    INVALID = ("invalid", False, "{problem}")
    FAILED = ("failed", False, "{problem}")
    MISSING = ("missing", False, "no {submitted}/{student}/{unit}/")
    NOT_GRADED = ("not graded yet", False, ("the run has not reached this submission (if it "
                                            "was stopped: run `mlpcourse grade {unit}` again)"))
    INTERRUPTED = ("interrupted", False, ("grading was stopped while this submission ran; run "
                                          "`mlpcourse grade {unit}` again to grade it"))

    def __new__(cls, word: str, scored: bool, template: str):
        member = str.__new__(cls, word)
        member._value_ = word
        member.scored = scored
        member.template = template
        return member

    def __str__(self) -> str:
        return self.value

    def reason(self, notes: str = "", **details: str) -> str:
        """The one-line reason for this status, then ``notes`` (after "; ") when the
        template does not place them itself, e.g.
        ``Status.MISSING.reason(submitted="submitted", student="zoe", unit="01_neuron")``
        is ``"no submitted/zoe/01_neuron/"``.
        """
        text = self.template.format(notes=notes, **details)
        if notes and "{notes}" not in self.template:
            text = f"{text}; {notes}"
        return text
