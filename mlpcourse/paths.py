"""Where the course lives on disk, and what it holds: the one place that finds units and lectures.

A course folder holds ``lectures/`` and ``solutions/``::

    lectures/<lecture>.ipynb              one lecture each, e.g. lectures/01_neuron.ipynb
    solutions/<unit>/<unit>.ipynb         one unit each (the instructor notebook, with
                                          nbgrader markup), e.g. solutions/01_neuron/01_neuron.ipynb
    exercises/<unit>/<unit>.ipynb         generated from solutions/ by `mlpcourse release`

Every command and every test asks this module which units and lectures exist
(``units``, ``lectures``) instead of globbing on its own.
"""
from __future__ import annotations

import os
from pathlib import Path

LECTURES = "lectures"
SOLUTIONS = "solutions"


def _looks_like_course(path: Path) -> bool:
    return (path / LECTURES).is_dir() and (path / SOLUTIONS).is_dir()


def course_root(start: str | os.PathLike | None = None) -> Path:
    """Return the course folder (the one holding ``lectures/`` and ``solutions/``).

    Looks at ``start`` (default: the current folder) and its parents first, then
    at the folder this package was installed from (an editable install). Raises
    ``FileNotFoundError`` with the fix when neither is a course folder.
    """
    here = Path(start or os.getcwd()).resolve()
    for candidate in (here, *here.parents):
        if _looks_like_course(candidate):
            return candidate
    source = Path(__file__).resolve().parents[1]
    if _looks_like_course(source):
        return source
    raise FileNotFoundError(
        f"no course folder found at or above {here}: run this command inside the "
        "mlp-course checkout (the folder with lectures/ and solutions/), or pass --course DIR")


def add_course_option(parser) -> None:
    """The ``--course`` option every ``mlpcourse`` command takes (read by :func:`command_course`)."""
    parser.add_argument("--course", default=None, help="course folder (default: found from here)")


def command_course(course: str | os.PathLike | None, *, fallback: bool) -> Path:
    """The course a command works on, never another one by accident.

    ``course`` (the ``--course DIR`` option) must itself be a course folder:
    no search above it, no fallback. Without it, the course at or above the
    current folder; only when ``fallback`` (commands that change nothing of
    the instructor's: ``lab``, ``slides``) the checkout this package was
    installed from. ``grade`` and ``release`` pass ``fallback=False``: run from
    the wrong folder, they refuse instead of grading the checkout's course.
    """
    if course is not None:
        path = Path(course).expanduser().resolve()
        if not path.is_dir():
            raise FileNotFoundError(f"--course {course}: there is no folder {path}")
        if not _looks_like_course(path):
            raise FileNotFoundError(
                f"--course {course}: {path} is not a course folder (it needs {LECTURES}/ and "
                f"{SOLUTIONS}/). To fix: pass the folder that holds them")
        return path
    if fallback:
        return course_root()
    here = Path.cwd().resolve()
    for candidate in (here, *here.parents):
        if _looks_like_course(candidate):
            return candidate
    raise FileNotFoundError(
        f"no course folder at or above {here} (a course folder holds {LECTURES}/ and "
        f"{SOLUTIONS}/). To fix: cd into the course, or pass --course DIR")


def unit_notebooks(unit_dir: str | os.PathLike) -> list[Path]:
    """The notebooks of one unit folder (``<unit>.ipynb``, and any other), sorted by name."""
    return sorted(p for p in Path(unit_dir).glob("*.ipynb") if p.is_file())


def units(root: str | os.PathLike, source: str = SOLUTIONS) -> list[str]:
    """The course's units in order: each folder ``<source>/<unit>/`` holding ``<unit>.ipynb``.

    ``source`` is the instructor folder relative to ``root`` (nbgrader's
    ``CourseDirectory.source_directory``; ``solutions`` in this course). Folders
    starting with ``.`` or ``_`` (``.ipynb_checkpoints``, ``__pycache__``) are not
    units. The names start with their number (``01_neuron``), so sorting them
    gives the teaching order.
    """
    folder = Path(root) / source
    if not folder.is_dir():
        return []
    return sorted(
        p.name
        for p in folder.iterdir()
        if p.is_dir() and not p.name.startswith((".", "_")) and (p / f"{p.name}.ipynb").is_file()
    )


def lectures(root: str | os.PathLike) -> list[Path]:
    """The course's lecture notebooks in order: ``lectures/*.ipynb``, sorted by name."""
    return sorted(p for p in (Path(root) / LECTURES).glob("*.ipynb") if p.is_file())


def select_units(root: str | os.PathLike, unit: str | None = None,
                 source: str = SOLUTIONS) -> list[str]:
    """``[unit]`` checked against ``units(root, source)``; every unit when ``unit`` is None.

    ``unit`` may be a name (``01_neuron``) or its folder (``solutions/01_neuron/``).
    Raises ``ValueError`` naming the valid units for an unknown one, and
    ``FileNotFoundError`` when the course has no unit at all.
    """
    found = units(root, source)
    if unit is None:
        if not found:
            raise FileNotFoundError(
                f"no unit found: {Path(root) / source} has no <unit>/<unit>.ipynb")
        return found
    name = Path(unit.strip().rstrip("/\\")).name
    if name not in found:
        raise ValueError(
            f"unit must be one of {', '.join(found) or '(none found)'}, got {name!r} "
            f"(a unit is a folder of {source}/ holding <unit>.ipynb)")
    return [name]


def select_lectures(root: str | os.PathLike, names=()) -> list[Path]:
    """The lectures called ``names`` (``01_neuron``, ``01_neuron.ipynb`` or a path), in that
    order; every lecture when ``names`` is empty. Raises ``ValueError`` naming the valid
    lectures for an unknown one."""
    found = lectures(root)
    if not names:
        return found
    by_stem = {p.stem: p for p in found}
    chosen = []
    for name in names:
        stem = Path(name).stem
        if stem not in by_stem:
            raise ValueError(
                f"lecture must be one of {', '.join(by_stem) or '(none)'}, got {name!r}")
        chosen.append(by_stem[stem])
    return chosen
