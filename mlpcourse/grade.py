"""``mlpcourse grade UNIT``: autograde every submission, write feedback and a grades CSV.

Submissions are read from ``submitted/<student>/<unit>/<unit>.ipynb`` (the
layout nbgrader's ``collect`` and ``zip_collect`` produce) and never modified.
Each student is graded on their own, so one broken or hostile submission ends
in its own status with its reason and the others are graded as usual (the
statuses: ``mlpcourse.status``):

1. the sandbox is chosen (``--sandbox auto|require|off``, ``mlpcourse.sandbox``):
   every notebook's kernel runs isolated, with limits, where bubblewrap works;
   unisolated grading is announced on stderr and noted in every row;
2. the gradebook learns the unit from solutions/ (generate_assignment into a
   temporary folder: exercises/ is not touched);
3. a roster, when given, is imported (``--roster roster.csv`` with columns
   id,first_name,last_name,email); students found under submitted/ are added;
4. a submission unchanged since it was graded (same content hash, same
   solutions and settings: ``grades_<unit>.state.json``) keeps its grade unless
   ``--force``; ``grades_<unit>.csv`` is written at once with a row for everyone
   and rewritten atomically after each student (``mlpcourse.grading.batch``);
5. per student, ``--jobs`` at a time, each in its own process
   (``mlpcourse.grading.parallel``): the submission is checked (the notebook is
   there and valid; no symbolic link or special file anywhere: ``invalid``
   otherwise) and compared with the release (``mlpcourse.grading.repair``:
   what can be repaired is, and the status says ``graded with repairs``; answers
   that cannot be attributed are ``quarantined``, never scored), then
   ``autograde`` (``mlpcourse.grading.execute.GradingExecute``:
   every cell limited to ``--timeout`` seconds and the notebook to
   ``--notebook-timeout``, ``NBGRADER_EXECUTION=autograde`` in the kernel; the
   submission time is when its files arrived, never a ``timestamp.txt``), then
   ``generate_feedback`` (``feedback/<student>/<unit>/<unit>.html``);
6. ``grades_<unit>.csv``: student_id, first_name, last_name, email, score,
   max_score, status (a ``Status``) and reason. Ctrl-C or a kill leaves it with
   a row for everyone (``not graded yet``, ``interrupted``); a rerun resumes.
"""

from __future__ import annotations

import csv
import sys
import tempfile
import time
from pathlib import Path

from .grading.batch import Batch
from .grading.gradesfile import GRADE_COLUMNS, write_grades_csv  # noqa: F401 - the API
from .grading.outcome import Outcome, events_in, judge
from .grading.parallel import default_jobs, grade_all
from .grading.submission import precheck, review
from .paths import add_course_option, command_course, unit_notebooks
from .status import Status

MODES = ("auto", "require", "off")  # mlpcourse.sandbox.MODES (not imported: it needs jupyter)

HELP = "autograde submitted/<student>/UNIT/, write feedback/ and grades_UNIT.csv"
DEFAULT_TIMEOUT = 120
ROSTER_COLUMNS = ("id", "first_name", "last_name", "email")


def add_arguments(parser):
    parser.add_argument("unit", help="the unit to grade, e.g. 01_neuron")
    parser.add_argument(
        "--roster",
        default=None,
        metavar="CSV",
        help="import students first from a CSV with columns id,first_name,last_name,email "
        "(as `nbgrader db student import`)",
    )
    parser.add_argument(
        "--timeout",
        type=int,
        default=None,
        metavar="SECONDS",
        help=f"limit for each cell of a submission (default: nbgrader_config.py's "
        f"Execute.timeout, else {DEFAULT_TIMEOUT})",
    )
    parser.add_argument(
        "--notebook-timeout",
        type=int,
        default=None,
        metavar="SECONDS",
        help="limit for a whole notebook; each cell gets min(--timeout, what is left) "
        "(default: nbgrader_config.py's Sandbox.notebook_timeout, else 120)",
    )
    parser.add_argument(
        "--sandbox",
        choices=MODES,
        default=None,
        help="auto: run each kernel in the bubblewrap sandbox where it works, else grade "
        "unisolated and say so; require: refuse to grade without it; off: never "
        "(debugging) (default: nbgrader_config.py's Sandbox.mode, else auto)",
    )
    parser.add_argument(
        "--output",
        default=None,
        metavar="CSV",
        help="where to write the grades (default: grades_UNIT.csv in the course folder)",
    )
    parser.add_argument(
        "--jobs",
        type=int,
        default=None,
        metavar="N",
        help="students graded at the same time, each in its own process and sandbox "
        "(default: the cores available)",
    )
    parser.add_argument(
        "--force",
        action="store_true",
        help="grade every submission again (default: a submission unchanged since it was "
        "graded, with the same solutions and settings, keeps its grade)",
    )
    add_course_option(parser)


# ---------------------------------------------------------------- roster


def read_roster(path: Path) -> list[dict]:
    """Rows of a roster CSV; ``id`` is required, the other columns optional."""
    with open(path, newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        header = [h.strip() for h in (reader.fieldnames or [])]
        if "id" not in header:
            raise ValueError(
                f"roster {path} must have a header with an 'id' column "
                f"(columns: {','.join(ROSTER_COLUMNS)}), got {header}"
            )
        unknown = sorted(set(header) - set(ROSTER_COLUMNS))
        if unknown:
            raise ValueError(
                f"roster {path} columns must be among {','.join(ROSTER_COLUMNS)}, "
                f"got unknown {unknown}"
            )
        rows = []
        for line, row in enumerate(reader, start=2):
            row = {k.strip(): (v or "").strip() for k, v in row.items() if k}
            if not row.get("id"):
                if any(row.values()):
                    raise ValueError(f"roster {path}, line {line}: the id is empty")
                continue
            rows.append(row)
        return rows


def import_roster(db_url: str, rows: list[dict]) -> None:
    from nbgrader.api import Gradebook

    with Gradebook(db_url) as gb:
        for row in rows:
            details = {k: row[k] or None for k in ("first_name", "last_name", "email") if k in row}
            gb.update_or_create_student(row["id"], **details)


# ---------------------------------------------------------------- one student


def grade_one(cfg, unit: str, student: str, folders: dict, root: Path, expected: list[str],
              submitted_at: float) -> Outcome:
    """Grade one student (in a worker process: ``mlpcourse.grading.parallel``);
    ``submitted_at`` is the submission time to record (``submission.arrival_time``)."""
    from nbgrader.converters import GenerateFeedback

    from . import nbgrader_setup as nbg
    from .grading.feedback import feedback_config
    from .grading.gradebook import autograde_at
    from .grading.repair import release_notebook
    from .sandbox import Sandbox

    outcome = Outcome(student)
    start = time.monotonic()
    folder = root / folders["submitted"] / student / unit
    problem = precheck(folder, expected)
    checked = None if problem else review(folder, expected,
                                          lambda name: release_notebook(cfg, unit, name))
    if problem:
        outcome.end(Status.INVALID, problem=problem)
    elif checked.quarantine:
        outcome.end(Status.QUARANTINED, problem=checked.quarantine)
    else:
        result = nbg.run_converter(autograde_at(submitted_at), cfg, assignment_id=unit,
                                   student_id=student)
        if not result.success:
            outcome.end(Status.FAILED, problem=f"autograde failed: {_explain(result)}")
        else:
            events = events_in(root / folders["autograded"] / student / unit)
            judge(outcome, events, cfg.Execute.timeout, Sandbox(config=cfg))
            if checked.repairs:  # graded as rebuilt by preprocessors.RepairSubmission
                repairs = "; ".join(checked.repairs)
                if outcome.status is Status.GRADED:
                    outcome.end(Status.GRADED_WITH_REPAIRS, repairs=repairs)
                else:
                    outcome.notes.append(f"repaired before grading: {repairs}")
            feedback = nbg.run_converter(  # the summary, hidden tests hidden, offline MathJax
                GenerateFeedback, feedback_config(
                    cfg, root / folders["feedback"],
                    f"Status: {outcome.status}. "
                    f"{outcome.status.for_student(student=student, **outcome.details)}"),
                assignment_id=unit, student_id=student
            )
            missing = [
                n
                for n in expected
                if not (root / folders["feedback"] / student / unit / n)
                .with_suffix(".html")
                .is_file()
            ]
            if not feedback.success or missing:
                outcome.notes.append(
                    f"no feedback: {feedback.reason() if not feedback.success else missing}"
                )
    outcome.seconds = time.monotonic() - start
    return outcome


def _explain(result) -> str:
    text = result.error + result.log
    if "SandboxError" in text:
        return "the sandbox could not start the kernel: " + result.reason().split(": ", 1)[-1]
    if "DeadKernelError" in text or "Kernel died" in text:
        return "the kernel died while running the notebook (os._exit, a crash, or out of memory)"
    if "database is locked" in text:
        return "the gradebook stayed locked (formgrader or another nbgrader command is writing it)"
    if "UnresponsiveKernelError" in text or ("TimeoutError" in text and "kernel" in text.lower()):
        return "the kernel stopped responding"
    return result.reason()


# ---------------------------------------------------------------- the command


def _configure_sandbox(cfg, root: Path, folders: dict, unit: str, mode: str | None):
    """Choose the isolation (``--sandbox``, else ``c.Sandbox.mode``) and put it in ``cfg``.

    Makes sure the notebook runs through ``GradingExecute`` (an older
    ``nbgrader_config.py`` naming nbgrader's own Execute gets it swapped, and
    says so), tells the kernel manager which files the assignment declares and
    which folders to hide. Returns the ``Isolation`` and the ``Sandbox``
    settings; raises ``SandboxError`` for ``require`` without a sandbox.
    """
    from nbgrader.coursedir import CourseDirectory
    from nbgrader.utils import find_all_files

    from .sandbox import Sandbox, resolve_mode

    _ensure_grading_execute(cfg)
    settings = Sandbox(config=cfg)
    isolation = resolve_mode(mode or settings.mode)
    source = root / folders["source"] / unit
    ignore = list(CourseDirectory(config=cfg).ignore) + ["*.ipynb"]
    declared = sorted(Path(f).relative_to(source).as_posix()
                      for f in find_all_files(str(source), ignore))
    km = cfg.SandboxedKernelManager
    km.isolate = isolation.sandboxed
    km.declared_files = declared
    km.hidden_paths = [str(root), str(Path.home())]
    return isolation, settings


GRADING_EXECUTE = "mlpcourse.grading.execute.GradingExecute"


def _ensure_grading_execute(cfg) -> None:
    """``Autograde.autograde_preprocessors`` with nbgrader's Execute replaced by ours."""
    from nbgrader.converters import Autograde
    from nbgrader.preprocessors import Execute
    from traitlets.utils.importstring import import_item

    from .grading.execute import GradingExecute

    steps = list(Autograde(config=cfg).autograde_preprocessors)
    resolved = [import_item(p) if isinstance(p, str) else p for p in steps]
    if GradingExecute in resolved:
        return
    if Execute not in resolved:
        raise ValueError(f"nbgrader_config.py's Autograde.autograde_preprocessors must run "
                         f"the notebook with {GRADING_EXECUTE}, got {steps}")
    steps[resolved.index(Execute)] = GRADING_EXECUTE
    cfg.Autograde.autograde_preprocessors = steps
    print(f"  note: nbgrader_config.py names nbgrader's Execute; grading uses {GRADING_EXECUTE} "
          "(the sandbox and limits) in its place", flush=True)


def _warn_unisolated(isolation) -> None:
    print(
        f"mlpcourse grade: WARNING: grading UNISOLATED: {isolation.reason}.\n"
        "  Every submission runs with YOUR permissions: it can read and change your files "
        "(solutions, gradebook, other students), use the network and outlive grading.\n"
        "  Only time, output and per-process memory limits apply. Install bubblewrap "
        "(Linux) for the sandbox; --sandbox require refuses to grade without it.",
        file=sys.stderr, flush=True)


def prepare(root, unit: str, timeout: int | None, notebook_timeout: int | None,
            sandbox: str | None) -> dict:
    """The grading configuration of ``unit`` (the parent's and every worker's): the
    course's config with the limits and the sandbox set, and the gradebook URL waiting
    for its lock. Raises ``ValueError`` for a bad limit, ``SandboxError`` for
    ``require`` without a sandbox."""
    from nbgrader.coursedir import CourseDirectory

    from . import nbgrader_setup as nbg
    from .grading.gradebook import db_url_waiting

    root = Path(root)
    cfg = nbg.load_config(root)
    folders = nbg.folders(cfg)
    if timeout is not None:
        if timeout <= 0:
            raise ValueError(f"--timeout must be a positive number of seconds, got {timeout}")
        cfg.Execute.timeout = timeout
    elif not isinstance(cfg.Execute.get("timeout"), int) or cfg.Execute.get("timeout") <= 0:
        cfg.Execute.timeout = DEFAULT_TIMEOUT  # never unlimited
    if notebook_timeout is not None:
        if notebook_timeout <= 0:
            raise ValueError("--notebook-timeout must be a positive number of seconds, got "
                             f"{notebook_timeout}")
        cfg.Sandbox.notebook_timeout = notebook_timeout
    isolation, limits = _configure_sandbox(cfg, root, folders, unit, sandbox)
    nbg.ensure_repair(cfg)  # nbgrader grades the submission rebuilt from the release
    cfg.CourseDirectory.db_url = db_url_waiting(CourseDirectory(config=cfg).db_url)
    expected = [p.name for p in unit_notebooks(root / folders["source"] / unit)]
    return {"cfg": cfg, "unit": unit, "folders": folders, "root": root, "expected": expected,
            "isolation": isolation, "limits": limits}


def _submitters(submitted: Path, unit: str) -> list[str]:
    if not submitted.is_dir():
        return []
    return sorted(p.name for p in submitted.iterdir()
                  if p.is_dir() and (p / unit).is_dir() and not p.name.startswith("."))


def run(args) -> int:
    from nbgrader.api import Gradebook

    from . import nbgrader_setup as nbg
    from .grading.gradebook import GradebookLocked, wait_until_free
    from .kernels import kernel_environment
    from .sandbox import SandboxError

    root = command_course(args.course, fallback=False)
    unit = nbg.select_units(root, nbg.load_config(root), args.unit)[0]
    jobs = default_jobs() if args.jobs is None else args.jobs
    if jobs < 1:
        raise ValueError(f"--jobs must be at least 1, got {jobs}")
    try:
        prep = prepare(root, unit, args.timeout, args.notebook_timeout, args.sandbox)
    except SandboxError as exc:
        print(f"mlpcourse grade: {exc}", file=sys.stderr)
        return 2
    cfg, folders, isolation = prep["cfg"], prep["folders"], prep["isolation"]
    roster = read_roster(Path(args.roster)) if args.roster else []
    db_url = cfg.CourseDirectory.db_url
    students = _submitters(root / folders["submitted"], unit)
    print(f"mlpcourse grade {unit}: {len(students)} submission(s) in "
          f"{folders['submitted']}/<student>/{unit}/, {cfg.Execute.timeout} s per cell, "
          f"{jobs} at a time", flush=True)
    print(f"  kernels: {isolation.describe()}; limits: "
          f"{prep['limits'].describe(cfg.Execute.timeout)}", flush=True)
    unisolated = "" if isolation.sandboxed else f"graded UNISOLATED ({isolation.reason})"
    if unisolated:
        _warn_unisolated(isolation)
    if not students:
        print(f"  nothing to grade: put each student's notebook in "
              f"{folders['submitted']}/<student id>/{unit}/"
              f"{(prep['expected'] or [unit + '.ipynb'])[0]} (nbgrader's collect/zip_collect "
              "layout)", flush=True)
    try:
        wait_until_free(db_url)
    except GradebookLocked as exc:
        print(f"mlpcourse grade: {exc}", file=sys.stderr)
        return 1
    with kernel_environment():
        problem = _record_unit(cfg, unit)
    if problem:
        print(f"mlpcourse grade: could not record {unit} in the gradebook: {problem}",
              file=sys.stderr)
        return 1
    if roster:
        import_roster(db_url, roster)
        print(f"  roster: {len(roster)} student(s) imported from {args.roster}")
        strangers = sorted(set(students) - {row["id"] for row in roster})
        if strangers:
            print(f"  note: not in the roster, added: {', '.join(strangers)}")
    with Gradebook(db_url) as gb:  # everyone who submitted is a student, even if not gradable
        known = {s.id for s in gb.students}
        for student in students:
            if student not in known:
                gb.update_or_create_student(student)
        people = {s.id: s for s in gb.students}
        names = {sid: {"first_name": s.first_name or "", "last_name": s.last_name or "",
                       "email": s.email or ""} for sid, s in people.items()}
        max_score = gb.find_assignment(unit).max_score

    out_path = Path(args.output) if args.output else root / f"grades_{unit}.csv"
    settings = {"root": str(root), "unit": unit, "timeout": cfg.Execute.timeout,
                "notebook_timeout": prep["limits"].notebook_timeout,
                "sandbox": "require" if isolation.sandboxed else "off"}
    batch = Batch(prep, names, max_score, out_path, settings, unisolated)
    todo = batch.plan(students, force=args.force)
    if batch.kept:
        print(f"  unchanged since they were graded, kept: {len(batch.kept)} "
              f"({', '.join(batch.kept[:8])}{' ...' if len(batch.kept) > 8 else ''}; "
              "--force grades them again)", flush=True)
    try:
        grade_all(todo, settings, jobs, batch.start, batch.done)
    except KeyboardInterrupt:
        left = sum(r["status"] in (Status.NOT_GRADED, Status.INTERRUPTED) for r in batch.rows())
        print(f"\nmlpcourse grade {unit}: interrupted; {_shown(out_path, root)} has a row for "
              f"everyone ({left} not finished: run the command again to resume)",
              file=sys.stderr, flush=True)
        return 130
    kept = batch.grades.finish()
    if kept is not None:
        print(f"  the previous {out_path.name} differed and is kept as {kept.name}")
    rows = batch.rows()
    if rows:
        table = [["student", "score", "status", "reason"]]
        for r in rows:
            score = f"{r['score']} / {r['max_score']}" if r["score"] != "" else "-"
            table.append([r["student_id"], score, r["status"], r["reason"]])
        print(_table(table))
    counts = ", ".join(f"{n} {s}" for s in Status
                       if (n := sum(r["status"] == s for r in rows)) or s is Status.GRADED)
    print(f"mlpcourse grade {unit}: {counts}. Grades: {_shown(out_path, root)}; feedback: "
          f"{folders['feedback']}/<student>/{unit}/")
    if unisolated:
        _warn_unisolated(isolation)
    return 0


def _record_unit(cfg, unit: str) -> str | None:
    """The gradebook learns ``unit`` from solutions/ (generate_assignment into a temporary
    folder: exercises/ is not touched); why it could not, or None."""
    from nbgrader.converters import GenerateAssignment

    from . import nbgrader_setup as nbg

    with tempfile.TemporaryDirectory(prefix="mlpcourse-grade-") as tmp:
        gcfg = nbg.copy_config(cfg)
        gcfg.CourseDirectory.release_directory = tmp
        result = nbg.run_converter(GenerateAssignment, gcfg, assignment_id=unit)
    return None if result.success else f"{result.reason()}\n{result.log}"


def _table(rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  " + "  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows)


def _shown(path: Path, root: Path) -> str:
    try:
        return str(path.resolve().relative_to(root))
    except ValueError:
        return str(path)
