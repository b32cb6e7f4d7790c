"""How grading one student's submission ended: the statuses of ``mlpcourse grade``, spelt once.

Each status is one row below: the word written in the ``status`` column of
``grades_<unit>.csv`` (and printed in the summary), whether the submission has
a score, and the template of the one-line ``reason`` that goes with it::

    GRADED         graded               scored    {notes}  (empty, or what the teacher should know)
    GRADED_WITH_REPAIRS
                   graded with repairs  scored    repaired before grading: {repairs}
    TIMED_OUT      timed out            scored    {cells} stopped at the time limit ({limit}); {rest}
    OUT_OF_MEMORY  out of memory        scored    {cells} ran out of memory ({limit}); {rest}
    CRASHED        crashed              scored    the Python kernel died in {cells}; {rest}
    INVALID        invalid              no score  {problem}  (cannot be graded as handed in)
    QUARANTINED    quarantined          no score  not graded, for the instructor to look at: {problem}
    FAILED         failed               no score  {problem}  (the grader failed, not the student)
    MISSING        missing              no score  no {submitted}/{student}/{unit}/
    NOT_GRADED     not graded yet       no score  the run has not reached this submission ...
    INTERRUPTED    interrupted          no score  grading was stopped while this submission ran; ...

The last two are what the grades file says while a run is under way and after
one was stopped (Ctrl-C, a kill): the file always has a row for everyone, and
a row is never a score it has not finished (``mlpcourse grade`` resumes).

``graded with repairs``: the notebook differed from the released one (cells
deleted, copied, moved, edited, metadata stripped or changed) and was rebuilt
from the release with the student's answers (``mlpcourse.grading.repair``);
``{repairs}`` lists what was put back. ``quarantined``: the answers could not
be attributed safely (two different cells claim one answer, nothing of the
release is in the notebook); nothing is scored, not even 0, until the
instructor looks.

The three scored problems say which cells were hit and what happened to the
rest (``{rest}``: the other cells were graded, or were not run). Anything
else the teacher should know (a truncated output, notes from grading
unisolated, repairs of a notebook that also timed out) follows the reason
after "; ".

Each status also has a sentence in the student's terms
(``Status.for_student``), for the feedback and for messages to students.

A new status is a new row: its word, whether it is scored, its reason
template and its sentence for the student. The grading command, its summary
line and the tests iterate over ``Status``; nothing else spells a status.
"""
from __future__ import annotations

import enum


class Status(str, enum.Enum):
    """How grading one submission ended; the value is what the grades CSV says.

    A ``str``, so ``Status.GRADED == "graded"`` (a row read back from the CSV
    compares equal to the member).
    """

    #        CSV word, scored, reason template (instructor), sentence for the student
    GRADED = ("graded", True, "{notes}", "Your notebook was graded.")
    GRADED_WITH_REPAIRS = (
        "graded with repairs", True, "repaired before grading: {repairs}",
        ("Your notebook was graded after the grader put back what had changed in it: "
         "{repairs}."))
    TIMED_OUT = ("timed out", True, "{cells} stopped at the time limit ({limit}); {rest}",
                 "Grading stopped {cells} at the time limit ({limit}); {rest}.")
    OUT_OF_MEMORY = ("out of memory", True, "{cells} ran out of memory ({limit}); {rest}",
                     "Grading stopped {cells}: it used more memory than allowed ({limit}); {rest}.")
    CRASHED = ("crashed", True, "the Python kernel died in {cells}; {rest}",
               "Python stopped while running {cells}; {rest}.")
    INVALID = ("invalid", False, "{problem}",
               "Your notebook could not be graded as handed in: {problem}.")
    QUARANTINED = ("quarantined", False,
                   "not graded, for the instructor to look at: {problem}",
                   ("Your notebook was set aside for your instructor to look at, because "
                    "the grader could not tell which cells hold your answers: {problem}."))
    FAILED = ("failed", False, "{problem}",
              ("The grader failed on your notebook (not a fault of yours); it will be "
               "graded again."))
    MISSING = ("missing", False, "no {submitted}/{student}/{unit}/",
               "No notebook of yours was handed in.")
    NOT_GRADED = ("not graded yet", False, ("the run has not reached this submission (if it "
                                            "was stopped: run `mlpcourse grade {unit}` again)"),
                  "Your notebook has not been graded yet.")
    INTERRUPTED = ("interrupted", False, ("grading was stopped while this submission ran; run "
                                          "`mlpcourse grade {unit}` again to grade it"),
                   "Grading stopped before your notebook was done; it will be graded again.")

    def __new__(cls, word: str, scored: bool, template: str, student: str):
        member = str.__new__(cls, word)
        member._value_ = word
        member.scored = scored
        member.template = template
        member.student = student
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

    def for_student(self, **details: str) -> str:
        """The status in the student's terms, one sentence, e.g.
        ``Status.MISSING.for_student()`` is ``"No notebook of yours was handed in."``;
        a field not given reads as empty."""
        return self.student.format_map(_Blank(details))


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return ""
