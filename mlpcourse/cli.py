"""The ``mlpcourse`` console command: the instructor's tools.

    mlpcourse lab              open the course in JupyterLab
    mlpcourse release [UNIT]   regenerate exercises/ from solutions/
    mlpcourse grade UNIT       autograde submissions, write feedback and a grades CSV
    mlpcourse slides           build offline reveal.js slides of every lecture

Run ``mlpcourse COMMAND --help`` for the options of each. The speed benchmarks
are plain scripts in ``benchmarks/``.
"""
from __future__ import annotations

import argparse
import importlib
import sys

from . import __version__

# Each name is a module mlpcourse.<name> with HELP, add_arguments(parser) and run(args).
COMMANDS = ("lab", "release", "grade", "slides")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mlpcourse", description="mlp-course: the instructor's tools.",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"mlpcourse {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        module = importlib.import_module(f"{__package__}.{name}")
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
        print(f"mlpcourse {args.command}: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
