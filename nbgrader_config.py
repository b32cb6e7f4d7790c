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

# Every submission's kernel runs in a sandbox (mlpcourse/sandbox.py: bubblewrap,
# no network, nothing of the course folder or your home visible, a scrubbed
# environment, `python -I`), with these limits per notebook. Where bubblewrap
# is missing (macOS), "auto" grades anyway and says loudly that it is
# unisolated; "require" refuses; "off" never sandboxes (debugging).
# `mlpcourse grade --sandbox MODE` overrides the mode.
c.Sandbox.mode = "auto"
c.Sandbox.memory_mb = 2048  # the kernel and all it starts (a big allocation: MemoryError)
c.Sandbox.processes = 64  # processes and threads at once (a fork bomb stops here)
c.Sandbox.disk_mb = 256  # the work folder and /tmp (tmpfs)
c.Sandbox.cell_output_kb = 1024  # output kept per cell, then a visible marker
c.Sandbox.notebook_output_kb = 8192  # output kept per notebook
# The whole notebook gets at most this many seconds (one student's infinite
# loop costs at most this); `mlpcourse grade --notebook-timeout N` overrides it.
c.Sandbox.notebook_timeout = 120
# Every cell gets at most this many seconds (and never more than what is left
# of the notebook's); `mlpcourse grade --timeout N` overrides it.
c.Execute.timeout = 120
# After a cell finishes, the grader waits this long for the rest of its output;
# if it does not come, the cell counts as failed (it must: a lost error message
# would be full marks). nbclient's 4 s is short for a plot on a busy machine.
c.Execute.iopub_timeout = 30

# mlpcourse.grading.execute.GradingExecute replaces nbgrader's Execute: the same
# execution, in the sandbox above, with the notebook's time budget, the output
# limits, and a dead kernel restarted so that the following cells are graded.
#
# nbgrader gives a test cell zero points when it writes anything to stderr
# (nbgrader.utils.determine_grade), so a correct answer that triggers a
# warning (warnings.warn, a numpy RuntimeWarning, print(..., file=sys.stderr))
# would score nothing. mlpcourse.preprocessors.SaveAutoGradesIgnoringStderr
# replaces SaveAutoGrades and scores a cell on its errors only; the warning
# stays in the feedback, where the student sees it. (nbgrader's default list,
# with those two entries swapped.)
c.Autograde.autograde_preprocessors = [
    "mlpcourse.grading.execute.GradingExecute",
    "nbgrader.preprocessors.IgnorePattern",
    "nbconvert.preprocessors.ClearMetadataPreprocessor",
    "nbgrader.preprocessors.LimitOutput",
    "mlpcourse.preprocessors.SaveAutoGradesIgnoringStderr",
    "nbgrader.preprocessors.AssignLatePenalties",
    "nbgrader.preprocessors.CheckCellMetadata",
]
