"""A student's own working folder: copies of the course that git never sees.

``mlpcourse lab`` (student mode) works in ``<course>/work/`` (git ignores it),
never in the tracked ``exercises/`` and ``lectures/``, so that neither
``git pull`` nor ``mlpcourse release`` can touch a student's answers::

    exercises/01_neuron/01_neuron.ipynb -> work/01_neuron/01_neuron.ipynb  (nbgrader's layout)
    lectures/01_neuron.ipynb            -> work/lectures/01_neuron.ipynb   (to run and annotate)
    STUDENTS.md                         -> work/README.md                  (the page JupyterLab opens on)
    mlpcourse/static/mathjax/           -> work/_static/mathjax/           (returned feedback's math, offline)
                                           work/.mlpcourse-manifest.json   what was copied (SHA-256)

``sync`` runs before every start and never loses or silently changes a student's file:

- a file that is missing is copied (delete a notebook to get a fresh copy);
- a file the course changed (a newer release, a ``git pull``) is updated when the
  student has not changed it: its content is still the copy recorded in the manifest;
- when the student has changed it, their file stays as it is and the new version
  is put beside it as ``<name>.new-<date><suffix>`` (``01_neuron.new-2026-12-07.ipynb``).
"""
from __future__ import annotations

import datetime
import hashlib
import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from .paths import LECTURES, SOLUTIONS, units

EXERCISES = "exercises"  # nbgrader's release_directory (nbgrader_config.py)
WORK = "work"
STUDENT_README = "STUDENTS.md"   # the course's page for students, work/README.md in their folder
MANIFEST = ".mlpcourse-manifest.json"
_SKIP = {".ipynb_checkpoints", "__pycache__", ".DS_Store"}


@dataclass(frozen=True)
class Change:
    """What ``sync`` did to one file (``path`` relative to the work folder).

    ``kind`` is ``"copied"`` (it was missing), ``"updated"`` (the student had not
    changed it) or ``"kept"`` (the student had: the new version went to ``beside``).
    """

    kind: str
    path: str
    beside: str | None = None


def default_folder(root: str | os.PathLike) -> Path:
    """The work folder of the course at ``root``: ``<root>/work``."""
    return Path(root) / WORK


def git_would_track(work: str | os.PathLike) -> bool:
    """Whether ``work`` lies in a git working tree that does not ignore it (the student's
    notebooks would show up in ``git status`` and be pulled over)."""
    work = Path(work).resolve()
    here = next(p for p in (work, *work.parents) if p.is_dir())
    try:
        top = subprocess.run(["git", "-C", str(here), "rev-parse", "--show-toplevel"],
                             capture_output=True, text=True)
    except FileNotFoundError:  # no git on this machine
        return False
    if top.returncode != 0:
        return False
    ignored = subprocess.run(["git", "-C", top.stdout.strip(), "check-ignore", "-q",
                              str(work / MANIFEST)], capture_output=True)
    return ignored.returncode == 1


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _files_under(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.rglob("*") if p.is_file()
                  and not any(part in _SKIP or part.startswith(".")
                              for part in p.relative_to(folder).parts))


def support_files() -> dict[str, Path]:
    """Files every work folder gets from the tools themselves: the vendored MathJax, which
    feedback returned through nbgrader's exchange loads (``mlpcourse.grading.feedback``)."""
    folder = Path(__file__).resolve().parent / "static" / "mathjax"
    return {f"_static/mathjax/{p.name}": p for p in _files_under(folder)}


def sources(root: str | os.PathLike) -> dict[str, Path]:
    """What a student gets: work-folder path -> course file.

    Each released unit's folder (``exercises/<unit>/``, every file in it) goes to
    ``<unit>/``; ``lectures/`` (notebooks, figures, ``rise.css``) to ``lectures/``;
    the course's page for students, ``STUDENTS.md``, to ``README.md``.
    """
    root = Path(root)
    found: dict[str, Path] = {}
    if (root / STUDENT_README).is_file():
        found["README.md"] = root / STUDENT_README
    found.update(support_files())
    for unit in units(root, EXERCISES):
        folder = root / EXERCISES / unit
        found.update({f"{unit}/{p.relative_to(folder).as_posix()}": p
                      for p in _files_under(folder)})
    folder = root / LECTURES
    found.update({f"{LECTURES}/{p.relative_to(folder).as_posix()}": p
                  for p in _files_under(folder)})
    return found


def read_manifest(work: Path) -> dict[str, str]:
    """Work-folder path -> SHA-256 of the course's version last copied there."""
    path = Path(work) / MANIFEST
    if not path.is_file():
        return {}
    return dict(json.loads(path.read_text(encoding="utf-8")).get("files", {}))


def _write_manifest(work: Path, files: dict[str, str]) -> None:
    text = json.dumps({
        "about": "written by `mlpcourse lab`: the SHA-256 of each course file as last "
                 "copied here, to tell a student's changes from course updates",
        "files": dict(sorted(files.items())),
    }, indent=1) + "\n"
    tmp = work / (MANIFEST + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, work / MANIFEST)


def _copy(src: Path, dest: Path) -> None:
    """Copy ``src`` to ``dest`` through a temporary file: ``dest`` is never half-written."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(dest.name + ".mlpcourse-tmp")
    shutil.copyfile(src, tmp)
    os.replace(tmp, dest)


def _beside(dest: Path, src: Path, today: datetime.date) -> Path:
    """A free name beside ``dest`` for the new version ``src`` (the same name when that
    file already holds exactly ``src``, so a restart adds no second copy)."""
    stem = f"{dest.stem}.new-{today.isoformat()}"
    digest = sha256(src)
    for n in range(1, 1000):
        candidate = dest.with_name(f"{stem}{'' if n == 1 else f'-{n}'}{dest.suffix}")
        if not candidate.exists() or sha256(candidate) == digest:
            return candidate
    raise FileExistsError(f"no free name beside {dest} for the course's new version")


def sync(root: str | os.PathLike, work: str | os.PathLike,
         today: datetime.date | None = None) -> list[Change]:
    """Bring the work folder up to date with the course at ``root`` (rules: module docstring).

    Returns what changed, in path order. Files the course no longer has, and every
    file of the student's own, are left alone.
    """
    work, root = Path(work).resolve(), Path(root).resolve()
    tracked = [root / name for name in (EXERCISES, LECTURES, SOLUTIONS)]
    if work == root or any(folder == work or folder in work.parents for folder in tracked):
        raise ValueError("the work folder must be a folder of its own, not the course folder "
                         f"or inside its {EXERCISES}/, {LECTURES}/ or {SOLUTIONS}/, got {work}")
    today = today or datetime.date.today()
    work.mkdir(parents=True, exist_ok=True)
    copied = read_manifest(work)
    changes = []
    for rel, src in sorted(sources(root).items()):
        dest = work / rel
        new = sha256(src)
        if not dest.is_file():
            _copy(src, dest)
            changes.append(Change("copied", rel))
        elif copied.get(rel) != new:  # the course changed it (or it was never recorded)
            mine = sha256(dest)
            if mine == new:
                pass  # already the course's version
            elif mine == copied.get(rel):
                _copy(src, dest)
                changes.append(Change("updated", rel))
            else:
                beside = _beside(dest, src, today)
                if not beside.exists():
                    _copy(src, beside)
                changes.append(Change("kept", rel, beside.relative_to(work).as_posix()))
        copied[rel] = new
    _write_manifest(work, copied)
    return changes


def describe(changes: list[Change]) -> list[str]:
    """The lines that tell a student what ``sync`` did (nothing when nothing changed)."""
    lines = []
    titles = {"copied": "new in your work folder",
              "updated": "updated to the course's new version (you had not changed them)"}
    for kind, title in titles.items():
        paths = [c.path for c in changes if c.kind == kind]
        if paths:
            lines.append(f"  {title}: {', '.join(paths)}")
    for change in changes:
        if change.kind == "kept":
            lines.append(f"  {change.path}: the course has a new version and you changed "
                         f"yours; yours is untouched, the new one is {change.beside}")
    return lines


def main(argv: list[str] | None = None) -> int:
    """``python -m mlpcourse.workspace COURSE WORK``: sync and say what changed.

    What a JupyterHub single-user server runs before it starts (deploy/): the
    student's home is the work folder, so the exercises sit where nbgrader's
    Assignments panel submits them from.
    """
    import sys

    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        print("usage: python -m mlpcourse.workspace COURSE_FOLDER WORK_FOLDER", file=sys.stderr)
        return 2
    try:
        lines = describe(sync(args[0], args[1]))
    except (OSError, ValueError) as exc:
        print(f"mlpcourse workspace: {exc}", file=sys.stderr)
        return 1
    print("\n".join(["mlpcourse: your course folder " + args[1]] + lines) if lines else
          f"mlpcourse: {args[1]} is up to date")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
