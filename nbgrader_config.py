# nbgrader configuration for mlp-course (nbgrader 0.9).
#
# Layout: the instructor notebooks in solutions/ are the truth; the student
# notebooks in exercises/ are generated from them. One assignment per unit,
# named after its folder, one notebook each:
#
#     solutions/01_neuron/01_neuron.ipynb  ->  exercises/01_neuron/01_neuron.ipynb
#
# Use the `mlpcourse` commands rather than calling nbgrader directly:
#
#     mlpcourse release [UNIT]          regenerate exercises/ (checks for leaked solutions)
#     mlpcourse grade UNIT [--roster roster.csv]
#                                    autograde submitted/<student>/UNIT/, write
#                                    feedback/ and grades_UNIT.csv
#
# The instructor working folders (submitted/, autograded/, feedback/,
# gradebook.db, grades*.csv) live here too and are git-ignored.
# In nbgrader 0.9 the roster is not read from this file (db_students is
# ignored): `mlpcourse grade UNIT --roster roster.csv` imports it (columns
# id,first_name,last_name,email), and students found under submitted/ are
# added automatically.
import os

c = get_config()  # noqa: F821 (provided by traitlets when this file is loaded)

c.CourseDirectory.root = os.path.dirname(os.path.abspath(__file__))
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "exercises"
c.CourseDirectory.submitted_directory = "submitted"
c.CourseDirectory.autograded_directory = "autograded"
c.CourseDirectory.feedback_directory = "feedback"

# Every cell of a student's notebook gets at most this many seconds under the
# autograder (an infinite loop costs one cell, not the whole class);
# `mlpcourse grade --timeout N` overrides it.
c.Execute.timeout = 120
# After a cell finishes, nbgrader waits this long for the rest of its output and
# fails the whole submission if it does not come (it must: a lost error message
# would be full marks). nbclient's 4 s is short for a plot on a busy machine.
c.Execute.iopub_timeout = 30

# nbgrader gives a test cell zero points when it writes anything to stderr
# (nbgrader.utils.determine_grade), so a correct answer that triggers a
# warning (warnings.warn, a numpy RuntimeWarning, print(..., file=sys.stderr))
# would score nothing. mlpcourse.preprocessors.SaveAutoGradesIgnoringStderr
# replaces SaveAutoGrades and scores a cell on its errors only; the warning
# stays in the feedback, where the student sees it. (nbgrader's default list,
# with that one entry swapped.)
c.Autograde.autograde_preprocessors = [
    "nbgrader.preprocessors.Execute",
    "nbgrader.preprocessors.IgnorePattern",
    "nbconvert.preprocessors.ClearMetadataPreprocessor",
    "nbgrader.preprocessors.LimitOutput",
    "mlpcourse.preprocessors.SaveAutoGradesIgnoringStderr",
    "nbgrader.preprocessors.AssignLatePenalties",
    "nbgrader.preprocessors.CheckCellMetadata",
]
