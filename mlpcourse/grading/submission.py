"""Is a submission gradable as handed in? Checked before nbgrader touches it.

nbgrader copies a submission by following links, so a link to the solutions
would be graded (and shown in the feedback) as the student's work, and a FIFO
would block the copy forever: both are refused, as are a missing or misnamed
notebook and one that is not valid JSON (``precheck``: ``invalid``).

Then each notebook is checked against the release (``review``): what was
deleted, copied, moved, edited or stripped is repaired (``graded with
repairs``, the repairs listed), and a submission whose answers cannot be
attributed safely is quarantined, never scored (``mlpcourse.grading.repair``;
nbgrader grades the same rebuilt notebook: ``preprocessors.RepairSubmission``).

Also what a rerun needs to know about a submission: its ``content_hash``
(unchanged submissions are not graded again) and its ``arrival_time`` (the
submission time, never read from a file the student wrote).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path


def unsafe_entry(folder: Path) -> str | None:
    """A symbolic link or special file in the submission ``folder`` (or the student's
    folder above it), described; None when there is none."""
    for link in (folder.parent, folder):
        if link.is_symlink():
            return f"{link.name}/ is a symbolic link"
    for top, dirs, files in os.walk(folder):
        for name in sorted(dirs + files):
            path = Path(top) / name
            rel = path.relative_to(folder).as_posix()
            if path.is_symlink():
                return f"{rel} is a symbolic link"
            if not (path.is_dir() or path.is_file()):
                return f"{rel} is not a regular file"
    return None


def precheck(folder: Path, expected: list[str]) -> str | None:
    """Why the submission in ``folder`` cannot be graded at all (one line), or None.

    ``expected`` are the notebook names the unit has (``01_neuron.ipynb``).
    """
    import nbformat

    unsafe = unsafe_entry(folder)
    if unsafe:
        return (f"refused: {unsafe} (links and special files are not accepted: hand in "
                "the files themselves)")
    present = sorted(p.name for p in folder.glob("*.ipynb"))
    for name in expected:
        path = folder / name
        if not path.is_file():
            found = f" (found: {', '.join(present)})" if present else " (no notebook at all)"
            return f"missing notebook {name}{found}"
        try:
            nbformat.read(path, as_version=4)
        except Exception as exc:  # noqa: BLE001 - anything unreadable fails this student only
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
            return f"{name} is not a valid notebook ({type(exc).__name__}: {first[:160]})"
    return None


@dataclass
class Review:
    """A gradable submission checked against the release."""

    repairs: list[str] = field(default_factory=list)  # what grading will put back
    quarantine: str | None = None  # why its answers cannot be attributed (then not graded)


def review(folder: Path, expected: list[str], release_of) -> Review:
    """Check each notebook of the submission in ``folder`` (already through
    ``precheck``) against ``release_of(name)``, its released notebook.

    Reads the notebooks as nbgrader does (``nbformat.read``), so the repairs
    listed are the ones ``RepairSubmission`` makes when nbgrader grades it.
    """
    import nbformat

    from .repair import repair

    found = Review()
    for name in expected:
        result = repair(release_of(name), nbformat.read(Path(folder) / name, as_version=4), name)
        if result.problem:
            return Review(quarantine=result.problem)
        prefix = f"{name}: " if len(expected) > 1 else ""
        found.repairs += [prefix + line for line in result.repairs]
    return found


def content_hash(folder: Path) -> str:
    """sha256 of everything in the submission ``folder``: each entry's path and bytes (a
    link's target text), so an unchanged submission is recognised on a rerun."""
    import hashlib

    digest = hashlib.sha256()
    for path in sorted(Path(folder).rglob("*")):
        rel = path.relative_to(folder).as_posix()
        if path.is_symlink():
            digest.update(f"link {rel} -> {os.readlink(path)}\n".encode())
        elif path.is_file():
            digest.update(f"file {rel} {path.stat().st_size}\n".encode())
            with open(path, "rb") as fh:
                for block in iter(lambda: fh.read(1 << 20), b""):
                    digest.update(block)
        else:
            digest.update(f"other {rel}\n".encode())
    return digest.hexdigest()


def arrival_time(folder: Path) -> float:
    """When the submission in ``folder`` arrived in submitted/ (POSIX seconds): the latest
    inode change time of its files, which no file content, archive or ``touch`` can set.

    A ``timestamp.txt`` in the folder is not used: nbgrader's ``submit`` writes it on the
    student's side, and a student can write one by hand.
    """
    folder = Path(folder)
    times = [os.lstat(p).st_ctime for p in [folder, *folder.rglob("*")]]
    return max(times)
