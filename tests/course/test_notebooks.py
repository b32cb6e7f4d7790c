"""Every lecture and every solution notebook runs top to bottom in a fresh kernel.

The notebooks are run by nbval in one pytest subprocess (one fresh kernel per
notebook; one interpreter start-up for all), and each notebook is reported as
its own test here:

    python -m pytest --nbval-lax --nbval-current-env --nbval-cell-timeout=600 NOTEBOOKS...

- ``--nbval-lax``: every cell must run without error; a cell's output is
  compared with the stored one only when the cell has the tag
  ``nbval-check-output`` (put it on cells whose output is deterministic:
  printed numbers, shapes, messages; not on plots, timings or progress bars);
- ``--nbval-current-env``: the kernel is this environment's Python (not a
  ``python3`` kernel spec found elsewhere on the machine);
- the kernel starts in the notebook's folder, with matplotlib inline
  (``MPLBACKEND``) and without ``NBGRADER_EXECUTION``: lectures run as students
  see them.

exercises/ is never executed (its notebooks raise NotImplementedError by
design); the released student notebooks are checked in test_grading.py
(they score 0) and test_release.py (nbgrader validate --invert).
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import pytest

from mlpcourse import paths
from pipeline_support import FIXTURE_COURSE, REPO, run_python

CELL_TIMEOUT = 600  # seconds per cell; MNIST training cells are the slowest


def _notebooks() -> list[Path]:
    """Every lecture, then every notebook of every unit in solutions/."""
    solutions = REPO / paths.SOLUTIONS
    units = [nb for unit in paths.units(REPO) for nb in paths.unit_notebooks(solutions / unit)]
    return paths.lectures(REPO) + units


NOTEBOOKS = _notebooks()
ANSI = re.compile(r"\x1b\[[0-9;]*m")


@dataclass
class NbvalRun:
    cells: dict[str, list[tuple[str, str]]]  # notebook (relative path) -> [(cell, failure or "")]
    output: str


def run_nbval(notebooks: list[Path], rootdir: Path) -> NbvalRun:
    """One nbval session over ``notebooks`` (one fresh kernel per notebook)."""
    junit = Path(tempfile.mkdtemp(prefix="nbval-")) / "junit.xml"
    result = run_python(
        "-m",
        "pytest",
        "--nbval-lax",
        "--nbval-current-env",
        f"--nbval-cell-timeout={CELL_TIMEOUT}",
        "-p",
        "no:cacheprovider",
        "-o",
        "addopts=",
        "--rootdir",
        str(rootdir),
        "--continue-on-collection-errors",
        "-q",
        "--tb=short",
        f"--junitxml={junit}",
        *notebooks,
        cwd=rootdir,
        timeout=CELL_TIMEOUT * 10 * max(1, len(notebooks)),
    )
    cells: dict[str, list[tuple[str, str]]] = {}
    if junit.is_file():
        for case in ET.parse(junit).iter("testcase"):
            problems = [
                ANSI.sub("", (c.get("message") or "") + "\n" + (c.text or ""))
                for c in case
                if c.tag in ("failure", "error")
            ]
            cells.setdefault(case.get("classname", ""), []).append(
                (case.get("name", ""), "\n".join(problems))
            )
        shutil.rmtree(junit.parent, ignore_errors=True)
    return NbvalRun(cells, ANSI.sub("", result.stdout + result.stderr))


def _key(notebook: Path, rootdir: Path) -> str:
    return notebook.relative_to(rootdir).as_posix().replace("/", ".")


def _failures(run: NbvalRun, notebook: Path, rootdir: Path) -> str:
    cases = run.cells.get(_key(notebook, rootdir), [])
    if not cases:
        return f"no cell of {notebook.name} ran (not a valid notebook?):\n{run.output[-4000:]}"
    return "\n".join(f"{name}: {problem.strip()[:3000]}" for name, problem in cases if problem)


@pytest.fixture(scope="module")
def nbval_repo():
    return run_nbval(NOTEBOOKS, REPO)


@pytest.mark.slow
@pytest.mark.parametrize(
    "notebook",
    NOTEBOOKS
    or [pytest.param(None, marks=pytest.mark.skip(reason="no lecture or solution notebook yet"))],
    ids=[p.relative_to(REPO).as_posix() for p in NOTEBOOKS] or None,
)
def test_notebook_runs_top_to_bottom(nbval_repo, notebook):
    failures = _failures(nbval_repo, notebook, REPO)
    assert not failures, (
        f"{notebook.relative_to(REPO)} does not run cleanly in a fresh kernel (a cell raised, or a "
        f"cell tagged nbval-check-output no longer reproduces its stored output):\n{failures}"
    )


# ---------------------------------------------------------------- the mechanism itself


def _fixture_lecture(folder: Path, edit=None) -> Path:
    target = folder / "lectures" / "00_fixture.ipynb"
    target.parent.mkdir(parents=True)
    nb = json.loads((FIXTURE_COURSE / "lectures" / "00_fixture.ipynb").read_text(encoding="utf-8"))
    if edit:
        edit({cell["id"]: cell for cell in nb["cells"]})
    target.write_text(json.dumps(nb, indent=1), encoding="utf-8")
    return target


def test_nbval_checks_tagged_cells_only(tmp_path):
    """An untagged cell may differ from its stored output (lax); a tagged one may not."""

    def untagged_differs(cells):
        cells["plot"]["outputs"][0]["data"]["text/plain"] = ["<Figure size 1 with 1 Axes>"]

    def tagged_differs(cells):
        assert "nbval-check-output" in cells["worked"]["metadata"]["tags"]
        cells["worked"]["outputs"][0]["text"] = ["w.x + b = 5.0\n"]

    lax = _fixture_lecture(tmp_path / "lax", untagged_differs)
    strict = _fixture_lecture(tmp_path / "strict", tagged_differs)
    broken = tmp_path / "broken" / "lectures" / "broken.ipynb"
    broken.parent.mkdir(parents=True)
    broken.write_text('{"cells": [', encoding="utf-8")
    run = run_nbval([lax, strict, broken], tmp_path)
    assert _failures(run, lax, tmp_path) == ""
    failure = _failures(run, strict, tmp_path)
    assert "5.0" in failure and "5.5" in failure, failure
    assert "no cell of broken.ipynb ran" in _failures(run, broken, tmp_path)


def test_exercises_are_never_collected():
    assert not any("exercises" in p.relative_to(REPO).parts for p in NOTEBOOKS)
