"""``mlpcourse lab``: open the course in JupyterLab, as a student (default) or as the instructor.

Student mode (``mlpcourse lab``, ``make lab``): the exercises and lectures are
copied into the student's own folder, ``work/`` (``mlpcourse.workspace``; git
ignores it), and JupyterLab opens there, on the students' page ``README.md``
(the course's ``STUDENTS.md``). nbgrader shows the student's parts
only: the assignment list and the Validate button, not the formgrader, the
course list or the create-assignment tools.

Instructor mode (``mlpcourse lab --instructor``): JupyterLab opens at the
course root with every nbgrader tool, and the git filter that keeps the tracked
notebooks clean is set up in the checkout (``mlpcourse.gitfilter``).

Both views come from plain Jupyter configuration shipped in ``mlpcourse/jupyter/``
and used for this launch only (nothing is written to ``~/.jupyter``):

- ``settings/overrides.json`` (``--LabApp.app_settings_dir``): no news pop-up, no
  update check, no timing metadata recorded in notebooks, Markdown files open
  rendered (the README each view starts on is a page to read; *Open With →
  Editor* edits one);
- ``student/`` (put first on ``JUPYTER_CONFIG_PATH`` in student mode): a Jupyter
  config folder whose ``labconfig/page_config.json`` disables nbgrader's instructor
  plugins and whose ``jupyter_server_config.d/`` turns off their server extensions.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from . import workspace
from .kernels import kernel_env
from .paths import add_course_option, command_course

HELP = "open the course in JupyterLab: your own copy in work/ (--instructor: the whole course)"

JUPYTER = Path(__file__).resolve().parent / "jupyter"
LAB_SETTINGS = JUPYTER / "settings"  # overrides.json, both views
STUDENT_CONFIG = JUPYTER / "student"  # the student view's Jupyter config folder


def add_arguments(parser):
    parser.add_argument("--instructor", action="store_true",
                        help="open the course root with every nbgrader tool (formgrader, "
                             "create assignment, course list) instead of your work folder")
    parser.add_argument("--work", default=None, metavar="DIR",
                        help="the student's work folder (default: work/ in the course folder)")
    parser.add_argument("--port", type=int, default=8888,
                        help="port to listen on (the next free one is used if taken; default 8888)")
    parser.add_argument("--no-browser", action="store_true",
                        help="do not open a web browser; just print the URL")
    add_course_option(parser)
    parser.add_argument("jupyter_args", nargs="*",
                        help="extra options passed to `jupyter lab` (after --)")


def work_folder(args, root: Path) -> Path:
    return Path(args.work).expanduser().resolve() if args.work else workspace.default_folder(root)


def build_command(args, root) -> list[str]:
    """The exact `jupyter lab` command line that ``run`` executes."""
    if args.instructor:
        served, start = root, "/lab/tree/README.md"
    else:
        served = work_folder(args, root)
        start = "/lab/tree/README.md" if (served / "README.md").is_file() else "/lab"
    cmd = [sys.executable, "-m", "jupyterlab",
           f"--ServerApp.root_dir={served}",
           "--ServerApp.ip=127.0.0.1",
           f"--ServerApp.port={args.port}",
           f"--LabApp.default_url={start}",
           f"--LabApp.app_settings_dir={LAB_SETTINGS}"]
    if args.no_browser or not os.environ.get("DISPLAY") and sys.platform.startswith("linux"):
        cmd.append("--no-browser")
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")  # containers and lecture-hall machines often run as root
    return cmd + list(args.jupyter_args)


def build_env(args, base: dict | None = None) -> dict:
    """The server's environment: ``kernel_env`` (inline plots, this Python's kernel), and
    in student mode the student view's config folder first on ``JUPYTER_CONFIG_PATH``."""
    env = kernel_env(base)
    if not args.instructor:
        rest = [p for p in env.get("JUPYTER_CONFIG_PATH", "").split(os.pathsep)
                if p and p != str(STUDENT_CONFIG)]
        env["JUPYTER_CONFIG_PATH"] = os.pathsep.join([str(STUDENT_CONFIG), *rest])
    return env


def _prepare_student(args, root: Path) -> Path | None:
    """Sync the work folder and say what changed; None (after saying why) when it cannot."""
    work = work_folder(args, root)
    if workspace.git_would_track(work):
        print(f"mlpcourse lab: git does not ignore {work}: your notebooks there would be "
              "committed and pulled over.\n"
              "Fix: use the course's work/ (the default), or a folder outside the checkout, "
              "e.g. `mlpcourse lab --work ~/mlp-course-work`", file=sys.stderr)
        return None
    try:
        changes = workspace.sync(root, work)
    except PermissionError as exc:
        print(f"mlpcourse lab: cannot write your work folder {work} ({exc.strerror}).\n"
              "Fix: pass a folder of your own, e.g. `mlpcourse lab --work ~/mlp-course-work`",
              file=sys.stderr)
        return None
    print(f"mlpcourse lab: your work folder is {work}\n"
          "  (your own copies of the exercises and lectures: git and `mlpcourse release` "
          "never change it)", flush=True)
    for line in workspace.describe(changes):
        print(line, flush=True)
    if not workspace.sources(root):
        print("  the course has no released exercise or lecture yet "
              "(an instructor runs `mlpcourse release`)", flush=True)
    return work


def _prepare_instructor(root: Path) -> None:
    from . import gitfilter

    try:
        if gitfilter.install(root):
            print("mlpcourse lab: set up the git filter that stores notebooks clean "
                  "(see .gitattributes)", flush=True)
    except (OSError, subprocess.CalledProcessError) as exc:
        print(f"mlpcourse lab: warning: could not set up the notebook git filter ({exc}); "
              "notebooks are committed as saved", file=sys.stderr, flush=True)


def run(args) -> int:
    try:
        import jupyterlab  # noqa: F401
    except ImportError:
        print("mlpcourse lab: JupyterLab is not installed in this environment.\n"
              "Fix: run `make lab` from the course folder (it installs everything), or\n"
              "     pip install -e '.[course]'", file=sys.stderr)
        return 2
    root = command_course(args.course, fallback=True)
    if args.instructor:
        _prepare_instructor(root)
        served = root
    else:
        served = _prepare_student(args, root)
        if served is None:
            return 2
    cmd = build_command(args, root)
    print(f"mlpcourse lab: starting JupyterLab in {served} "
          f"({'instructor' if args.instructor else 'student'} view)\n"
          "  The URL to open (with its token) is printed below; press Ctrl-C twice to stop.",
          flush=True)
    try:
        return subprocess.call(cmd, cwd=served, env=build_env(args))
    except KeyboardInterrupt:
        return 0
