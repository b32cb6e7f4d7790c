"""The ``mlpkit`` console command: the course's command layer.

    mlpkit lab              open the course in JupyterLab
    mlpkit release [UNIT]   regenerate exercises/ from solutions/
    mlpkit grade UNIT       autograde submissions, write feedback and a grades CSV
    mlpkit slides           build offline reveal.js slides of every lecture
    mlpkit bench            time mlpkit against PyTorch and the matmul floor

Run ``mlpkit COMMAND --help`` for the options of each.
"""
from __future__ import annotations

import argparse
import importlib
import sys

from . import __version__

# name -> module under mlpkit.course (each has HELP, add_arguments, run)
COMMANDS = ("lab", "release", "grade", "slides", "bench")


def _load(name):
    try:
        return importlib.import_module(f"mlpkit.course.{name}")
    except ModuleNotFoundError as exc:
        if exc.name == f"mlpkit.course.{name}":
            return None  # not built yet in this version
        raise


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mlpkit", description="mlp-course: the course's command layer.",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"mlpkit {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        module = _load(name)
        if module is None:
            continue
        p = sub.add_parser(name, help=module.HELP, description=module.HELP)
        module.add_arguments(p)
        p.set_defaults(_run=module.run)
    return parser


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "_run", None):
        parser.print_help()
        return 1
    try:
        return int(args._run(args) or 0)
    except (FileNotFoundError, ValueError) as exc:
        print(f"mlpkit {args.command}: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
