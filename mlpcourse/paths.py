"""Where the course lives on disk."""
from __future__ import annotations

import os
from pathlib import Path

UNITS = (
    "01_neuron",
    "02_linear_regression",
    "03_gradient_descent",
    "04_classification",
    "05_mlp",
    "06_mnist",
    "07_regularisation",
    "08_optimisers",
)


def _looks_like_course(path: Path) -> bool:
    return (path / "lectures").is_dir() and (path / "solutions").is_dir()


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
