"""Clean notebooks in git: nbstripout as a git filter.

Running a notebook, presenting it (RISE) or validating it (nbgrader) writes
run-time data into it: execution timestamps, scroll and collapse state,
outputs. ``.gitattributes`` (committed) sends every notebook through a filter
when git reads it from the working tree, so git stores only what the course
means to keep::

    *.ipynb              filter=nbstripout              solutions/, exercises/: no outputs
    **/lectures/*.ipynb  filter=nbstripout-keep-output  lectures keep them (they are the slides)

Both drop the run-time metadata and keep the cell ids (``release`` makes them
reproducible); lectures also keep their widget state, which JupyterLab needs to
draw a saved widget output. The working copy is not changed (the outputs on
screen stay). After running or validating a solution, ``git diff`` shows nothing;
``git status`` still lists a notebook whose size changed until ``git add`` (which
stages nothing), because git compares sizes before it runs the filter. A lecture
whose cells were re-run has new outputs, which are real changes: present from the
work folder (``mlpcourse lab``) or do not save.

git never commits a filter's command, so each checkout sets it up in its own
``.git/config``: ``mlpcourse lab --instructor`` does it, or
``python -m mlpcourse.gitfilter``. Without it git stores notebooks as saved
(``tests/course/test_clean_notebooks.py`` then catches a dirty one).
"""
from __future__ import annotations

import importlib.util
import os
import shlex
import subprocess
import sys
from pathlib import Path

# filter name (as in .gitattributes) -> nbstripout's options
FILTERS = {
    "nbstripout": ("--keep-id",),
    # JupyterLab draws a saved widget output from the notebook's widget state (metadata.widgets)
    "nbstripout-keep-output": ("--keep-id", "--keep-output", "--keep-count",
                               "--keep-metadata-keys", "metadata.widgets"),
}


def command(name: str, python: str | None = None) -> list[str]:
    """The filter ``name`` as an argument list: reads a notebook on stdin, writes it clean."""
    return [python or sys.executable, "-m", "nbstripout", *FILTERS[name]]


def git_settings(python: str | None = None) -> dict[str, str]:
    """The ``git config`` entries that define the filters (a shell command line each)."""
    return {f"filter.{name}.clean": shlex.join(command(name, python)) for name in FILTERS}


def _git(root: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True,
                          check=check)


def is_checkout(root: str | os.PathLike) -> bool:
    """Whether ``root`` is the top of a git working tree."""
    try:
        top = _git(Path(root), "rev-parse", "--show-toplevel", check=False)
    except FileNotFoundError:  # no git on this machine
        return False
    return top.returncode == 0 and Path(top.stdout.strip()).resolve() == Path(root).resolve()


def install(root: str | os.PathLike, python: str | None = None) -> bool:
    """Define the filters in ``root``'s ``.git/config``; True when something changed.

    Does nothing (False) outside a git checkout or when they are already set.
    Raises ``FileNotFoundError`` when nbstripout is not installed.
    """
    root = Path(root)
    if not is_checkout(root):
        return False
    if importlib.util.find_spec("nbstripout") is None:
        raise FileNotFoundError("nbstripout is not installed (pip install -e '.[course]')")
    changed = False
    for key, value in git_settings(python).items():
        if _git(root, "config", "--local", "--get", key, check=False).stdout.strip() != value:
            _git(root, "config", "--local", key, value)
            changed = True
    return changed


def main(argv=None) -> int:
    from .paths import course_root

    root = course_root((argv or sys.argv[1:] or [None])[0])
    if not is_checkout(root):
        print(f"{root} is not a git checkout: nothing to set up", file=sys.stderr)
        return 1
    changed = install(root)
    print(f"notebook git filter {'set up' if changed else 'already set up'} in {root}/.git/config")
    return 0


if __name__ == "__main__":
    sys.exit(main())
