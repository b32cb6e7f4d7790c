"""The instructor's source notebook of a graded notebook: where it is, read once per worker.

Grading one notebook consults its source notebook (``solutions/<unit>/``, nbgrader's
``source_directory``) four times: the repair rebuilds the release from it, the
host checks and the referee take their settings and tests from it, the feedback
its test cells' descriptions. Each asks here; the file is read once and kept
while it is unchanged (its size and modification time), and every caller gets
its own copy to change.
"""
from __future__ import annotations

import copy
from pathlib import Path

_CACHE: dict[Path, tuple[tuple[int, int], object]] = {}


def source_path(config, assignment: str, notebook: str) -> Path:
    """``solutions/<assignment>/<notebook>.ipynb``, as the course's nbgrader configuration places it."""
    return _notebook_path(config, "source_directory", assignment, notebook)


def release_path(config, assignment: str, notebook: str) -> Path:
    """``exercises/<assignment>/<notebook>.ipynb``, the notebook as released to students."""
    return _notebook_path(config, "release_directory", assignment, notebook)


def _notebook_path(config, folder: str, assignment: str, notebook: str) -> Path:
    from nbgrader.coursedir import CourseDirectory

    coursedir = CourseDirectory(config=config)
    name = notebook if notebook.endswith(".ipynb") else f"{notebook}.ipynb"
    return Path(coursedir.format_path(getattr(coursedir, folder), ".", assignment)) / name


def of_resources(config, resources: dict) -> Path | None:
    """The source notebook's path for the notebook an nbconvert pipeline is converting."""
    info = (resources or {}).get("nbgrader", {})
    if not info.get("assignment") or not info.get("notebook"):
        return None
    return source_path(config, info["assignment"], info["notebook"])


def read(path: Path):
    """The notebook at ``path`` (nbformat 4), a copy of the one read before if the file is
    unchanged. Raises what ``nbformat.read`` raises (OSError, invalid JSON)."""
    import nbformat

    path = Path(path).resolve()
    stat = path.stat()
    stamp = (stat.st_size, stat.st_mtime_ns)
    cached = _CACHE.get(path)
    if cached is None or cached[0] != stamp:
        cached = _CACHE[path] = (stamp, nbformat.read(path, as_version=4))
    return copy.deepcopy(cached[1])
