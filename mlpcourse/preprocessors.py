"""nbgrader preprocessors of the course, named in ``nbgrader_config.py``.

``nbgrader_config.py`` lists them by their import path in
``c.Autograde.autograde_preprocessors``; they are public names, kept stable.

- ``SaveAutoGradesIgnoringStderr``: nbgrader's ``SaveAutoGrades``, except that a
  test cell is scored on its errors only, never on what it wrote to stderr.
"""
from __future__ import annotations

import copy

from nbgrader.preprocessors import SaveAutoGrades

__all__ = ["SaveAutoGradesIgnoringStderr"]


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
