"""``mlpcourse lab``: open the course in JupyterLab."""
from __future__ import annotations

import os
import subprocess
import sys

from .paths import course_root

HELP = "open the course in JupyterLab (with RISE for live slides)"


def add_arguments(parser):
    parser.add_argument("--port", type=int, default=8888,
                        help="port to listen on (the next free one is used if taken; default 8888)")
    parser.add_argument("--no-browser", action="store_true",
                        help="do not open a web browser; just print the URL")
    parser.add_argument("--course", default=None, help="course folder (default: found from here)")
    parser.add_argument("jupyter_args", nargs="*",
                        help="extra options passed to `jupyter lab` (after --)")


def build_command(args, root) -> list[str]:
    """The exact `jupyter lab` command line that ``run`` executes."""
    cmd = [sys.executable, "-m", "jupyterlab",
           f"--ServerApp.root_dir={root}",
           "--ServerApp.ip=127.0.0.1",
           f"--ServerApp.port={args.port}",
           "--LabApp.default_url=/lab/tree/README.md"]
    if args.no_browser or not os.environ.get("DISPLAY") and sys.platform.startswith("linux"):
        cmd.append("--no-browser")
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")  # containers and lecture-hall machines often run as root
    return cmd + list(args.jupyter_args)


def run(args) -> int:
    try:
        import jupyterlab  # noqa: F401
    except ImportError:
        print("mlpcourse lab: JupyterLab is not installed in this environment.\n"
              "Fix: run `make lab` from the course folder (it installs everything), or\n"
              "     pip install -e '.[course]'", file=sys.stderr)
        return 2
    root = course_root(args.course)
    cmd = build_command(args, root)
    print(f"mlpcourse lab: starting JupyterLab in {root}\n"
          "  The URL to open (with its token) is printed below; press Ctrl-C twice to stop.",
          flush=True)
    try:
        return subprocess.call(cmd, cwd=root)
    except KeyboardInterrupt:
        return 0
