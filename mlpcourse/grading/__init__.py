"""The pieces of ``mlpcourse grade`` beyond nbgrader: how a submission's notebook is run.

- ``mlpcourse.grading.execute``: ``GradingExecute``, nbgrader's Execute
  preprocessor with a time budget per notebook, output limits enforced while
  receiving, the kernel restarted after it dies, and a record of all that in
  the autograded notebook (``events``);
- ``mlpcourse.grading.kernel_boot``: the script that starts a grading kernel
  (limits, then ipykernel), run inside the sandbox;
- ``mlpcourse.grading.cgroups``: one control group per kernel (the memory and
  process caps, and a kill that leaves nothing running);
- ``mlpcourse.grading.submission``: whether a submission is gradable as handed
  in (checked before nbgrader reads it: no links, no special files);
- ``mlpcourse.grading.outcome``: how grading one student ended (``Outcome``)
  and ``judge``, which turns the executor's events into a status and notes;
- ``mlpcourse.grading.referee``: graded cells judged on the host: the cell's
  tests (hidden ones included) run in the grader, and the student's functions
  run in the kernel, called through ``mlpcourse.grading.wire`` (plain data
  only), so nothing the submission does inside its kernel decides a verdict;
- ``mlpcourse.grading.host_checks``: grade cells scored on the host from what
  the cell recorded (unit 06's test-set accuracy), never inside the sandbox;
- ``mlpcourse.grading.batch``: one run over a class: who is kept, the rows;
- ``mlpcourse.grading.gradesfile``: the atomic grades file and the run state
  (content hashes, for resuming);
- ``mlpcourse.grading.gradebook``: the lock wait, the submission time, stale
  grades withdrawn;
- ``mlpcourse.grading.parallel``: ``--jobs``: worker processes and stopping them;
- the sandbox itself: ``mlpcourse.sandbox``; the statuses: ``mlpcourse.status``;
  the command that ties it together: ``mlpcourse.grade``.
"""
