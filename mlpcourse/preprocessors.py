"""nbgrader preprocessors of the course, named in ``nbgrader_config.py``.

``nbgrader_config.py`` lists them by their import path in
``c.Autograde.autograde_preprocessors``; they are public names, kept stable.

- ``SaveAutoGradesIgnoringStderr``: nbgrader's ``SaveAutoGrades``, except that a
  test cell is scored on its errors only, never on what it wrote to stderr.
- ``RepairSubmission``: the first of ``c.Autograde.sanitize_preprocessors``
  (``mlpcourse grade`` puts it there: ``nbgrader_setup.ensure_repair``); the
  notebook nbgrader read from submitted/ is replaced by the one rebuilt from
  the release with the student's answers (``mlpcourse.grading.repair``).
"""
from __future__ import annotations

import copy

from nbgrader.preprocessors import NbGraderPreprocessor, SaveAutoGrades

__all__ = ["RepairSubmission", "SaveAutoGradesIgnoringStderr"]


def _is_stderr(output) -> bool:
    return output.get("output_type") == "stream" and output.get("name") == "stderr"


class SaveAutoGradesIgnoringStderr(SaveAutoGrades):
    """``SaveAutoGrades`` that scores a test cell on its errors, not on its stderr.

    nbgrader 0.9 gives zero points to a test cell with any stderr output
    (``nbgrader.utils.determine_grade``), so a correct answer that triggers a
    warning (``warnings.warn``, a NumPy ``RuntimeWarning``,
    ``print(..., file=sys.stderr)``) would score nothing. Here the score is
    computed on a copy of the cell without its stderr streams; the autograded
    notebook (and so the student's feedback) keeps them, so the warning is
    still shown.

    Use it in place of ``nbgrader.preprocessors.SaveAutoGrades`` in
    ``c.Autograde.autograde_preprocessors``.
    """

    def _add_score(self, cell, resources):
        if cell.cell_type == "code" and any(_is_stderr(out) for out in cell.get("outputs", [])):
            cell = copy.deepcopy(cell)
            cell.outputs = [out for out in cell.outputs if not _is_stderr(out)]
        return super()._add_score(cell, resources)


class SubmissionQuarantined(Exception):
    """A submission whose answers cannot be attributed safely: it must not be graded."""


class RepairSubmission(NbGraderPreprocessor):
    """Grade the submission rebuilt from the release (``mlpcourse.grading.repair``).

    Runs first when nbgrader's ``autograde`` sanitizes a submission, on the
    notebook it read from submitted/ (the file is never written): the release's
    cells, order and metadata with the student's answers; test, locked and
    markdown cells from the release. When something was repaired, a markdown
    cell at the top lists it (and so does the feedback). A submission that
    cannot be attributed raises ``SubmissionQuarantined``: nbgrader then fails
    on it rather than scoring it (``mlpcourse grade`` checks first and
    quarantines it without running nbgrader).
    """

    def preprocess(self, nb, resources):
        from .grading import repair

        info = resources["nbgrader"]
        name = f"{info['notebook']}.ipynb"
        release = repair.release_notebook(self.config, info["assignment"], name)
        result = repair.repair(release, nb, name)
        if result.problem:
            raise SubmissionQuarantined(result.problem)
        repaired = result.notebook
        if result.repairs:
            repaired.cells.insert(0, repair.note_cell(result.repairs))
            for line in result.repairs:
                self.log.warning("repaired before grading: %s", line)
        return repaired, resources
