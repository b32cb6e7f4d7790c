"""Is a submission gradable as handed in? Checked before nbgrader touches it.

nbgrader copies a submission by following links, so a link to the solutions
would be graded (and shown in the feedback) as the student's work, and a FIFO
would block the copy forever: both are refused, as are a missing or misnamed
notebook and one that is not valid JSON. (Repairing what can be repaired is a
later step; see issue 11.)
"""

from __future__ import annotations

import os
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
