"""How grading one student's submission ended: the statuses of ``mlpcourse grade``, spelt once.

Each status is one row below: the word written in the ``status`` column of
``grades_<unit>.csv`` (and printed in the summary), whether the submission has
a score, and the template of the one-line ``reason`` that goes with it::

    GRADED   graded    scored   {notes}    (empty, or what the teacher should know)
    FAILED   failed    no score {problem}  (why the notebook could not be graded)
    MISSING  missing   no score no {submitted}/{student}/{unit}/

A new status (timed out, out of memory, crashed, ...) is a new row: its word,
whether it is scored, its reason template. The grading command, its summary
line and the tests iterate over ``Status``; nothing else spells a status.
"""
from __future__ import annotations

import enum


class Status(str, enum.Enum):
    """How grading one submission ended; the value is what the grades CSV says.

    A ``str``, so ``Status.GRADED == "graded"`` (a row read back from the CSV
    compares equal to the member).
    """

    #          CSV word    scored  reason template
    GRADED = ("graded", True, "{notes}")
    FAILED = ("failed", False, "{problem}")
    MISSING = ("missing", False, "no {submitted}/{student}/{unit}/")

    def __new__(cls, word: str, scored: bool, template: str):
        member = str.__new__(cls, word)
        member._value_ = word
        member.scored = scored
        member.template = template
        return member

    def __str__(self) -> str:
        return self.value

    def reason(self, **details: str) -> str:
        """The one-line reason for this status, e.g.
        ``Status.MISSING.reason(submitted="submitted", student="zoe", unit="01_neuron")``
        is ``"no submitted/zoe/01_neuron/"``.
        """
        return self.template.format(**details)
