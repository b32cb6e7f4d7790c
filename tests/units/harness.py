"""Run an exercise notebook's graded test cells against chosen answers, in-process.

Used to prove that the hidden tests accept every correct implementation and
reject the common wrong ones with a message that teaches::

    results = run_exercise("solutions/01_neuron/01_neuron.ipynb",
                           {"neuron_output": WRONG_SOURCE})
    assert not results["test_neuron_output"].passed
    assert "bias" in results["test_neuron_output"].message

Cells run in order in one namespace, as a kernel would run them; a solution
cell whose ``grade_id`` (or a function it defines) is named in ``overrides``
is replaced by the given source. Nothing here starts a kernel, so it is fast.

Also the helpers every unit's exercise tests share (``tests/units/test_exercises.py``
and ``tests/units/test_unitNN_exercises.py``): where a unit's notebooks live, the
answer fixtures in ``tests/units/answers/unitNN.toml`` (:func:`answer_modules`), the
:class:`WrongAnswer` record, :func:`function_source` (a cell's source, for answers a
test writes itself), :func:`read_lecture` (a lecture's text and checked output), and
:func:`run_quietly`, :func:`run_leaving_unanswered`, :func:`student_stubs`,
:func:`solution_functions`, :func:`score`.
"""
from __future__ import annotations

import ast
import contextlib
import importlib
import io
import os
import re
import sys
import traceback
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import nbformat

REPO = Path(__file__).resolve().parents[2]
SOLUTIONS = REPO / "solutions"
LECTURES = REPO / "lectures"
ANSWERS = Path(__file__).resolve().parent / "answers"   # one fixture file per unit


@dataclass
class CellResult:
    grade_id: str
    points: float
    passed: bool
    message: str  # the exception text (with type) when it failed, else stdout


def _defined_names(source: str) -> set[str]:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    return {node.name for node in tree.body
            if isinstance(node, (ast.FunctionDef, ast.ClassDef))}


def _strip_magics(source: str) -> str:
    return "\n".join(line for line in source.splitlines()
                     if not line.lstrip().startswith(("%", "!")))


def run_exercise(notebook, overrides: dict[str, str] | None = None) -> dict[str, CellResult]:
    """Execute ``notebook`` top to bottom; return each graded test cell's result.

    ``overrides`` maps a solution cell's ``grade_id`` or a function name defined
    in a solution cell to replacement source code. Cells that are not graded
    tests must run without error (an exception there is re-raised).
    """
    overrides = dict(overrides or {})
    nb = nbformat.read(Path(notebook), as_version=4)
    namespace: dict = {"__name__": "__main__"}
    results: dict[str, CellResult] = {}
    old_cwd = os.getcwd()
    os.chdir(Path(notebook).resolve().parent)
    old_env = os.environ.get("NBGRADER_EXECUTION")
    os.environ["NBGRADER_EXECUTION"] = "autograde"  # widgets stay quiet, as under nbgrader
    try:
        for cell in nb.cells:
            if cell.cell_type != "code":
                continue
            meta = cell.metadata.get("nbgrader", {})
            source = _strip_magics(cell.source)
            if meta.get("solution"):
                for key in [meta.get("grade_id"), *_defined_names(cell.source)]:
                    if key in overrides:
                        source = overrides[key]
                        break
            if meta.get("grade") and not meta.get("solution"):
                out = io.StringIO()
                try:
                    with contextlib.redirect_stdout(out):
                        exec(compile(source, f"<{meta['grade_id']}>", "exec"), namespace)
                    results[meta["grade_id"]] = CellResult(
                        meta["grade_id"], meta.get("points", 0), True, out.getvalue())
                except Exception as exc:  # a failing test cell: record why
                    text = f"{type(exc).__name__}: {exc}"
                    if not str(exc):
                        text += "\n" + traceback.format_exc(limit=-1)
                    results[meta["grade_id"]] = CellResult(
                        meta["grade_id"], meta.get("points", 0), False, text)
            else:
                with contextlib.redirect_stdout(io.StringIO()):
                    exec(compile(source, f"<cell {cell.get('id', '?')}>", "exec"), namespace)
    finally:
        os.chdir(old_cwd)
        if old_env is None:
            os.environ.pop("NBGRADER_EXECUTION", None)
        else:
            os.environ["NBGRADER_EXECUTION"] = old_env
    return results


# --------------------------------------------------------------------------- units, answer fixtures

@dataclass(frozen=True)
class WrongAnswer:
    """A typical wrong answer, and the teaching message the hidden tests must give for it."""

    id: str        # short name, used in the pytest id (``<unit>-<id>``)
    function: str  # the answer cell it replaces (the function it defines)
    source: str    # what the student wrote: a complete cell
    cell: str      # grade_id of the test cell that must fail
    keyword: str   # a phrase the failure message must contain (the teaching hint)


def function_source(signature: str, *body: str) -> str:
    """A cell's source defining ``def <signature>:`` with ``body``, one indented line each."""
    return f"def {signature}:\n" + "".join(f"    {line}\n" for line in body)


def solution_path(unit: str) -> Path:
    """``solutions/<unit>/<unit>.ipynb``, e.g. for unit ``"01_neuron"``."""
    return SOLUTIONS / unit / f"{unit}.ipynb"


def lecture_path(unit: str) -> Path:
    return LECTURES / f"{unit}.ipynb"


class Lecture(NamedTuple):
    """A lecture notebook read for its tests: see :func:`read_lecture`."""

    nb: nbformat.NotebookNode
    markdown: list[str]            # the source of every markdown cell, in order
    code: list                     # every code cell
    printed: str                   # the text output of the cells tagged nbval-check-output


def read_lecture(unit: str) -> Lecture:
    """``lectures/<unit>.ipynb``, with its markdown, code cells and checked printed output.

    ``printed`` joins the stored text outputs of the code cells tagged
    ``nbval-check-output``: what ``pytest --nbval-lax`` compares on every run, so a
    worked number found there is the number the lecture really prints.
    """
    nb = nbformat.read(lecture_path(unit), as_version=4)
    markdown = [c.source for c in nb.cells if c.cell_type == "markdown"]
    code = [c for c in nb.cells if c.cell_type == "code"]
    checked = [c for c in code if "nbval-check-output" in c.metadata.get("tags", [])]
    printed = "".join(o.get("text", "") for c in checked for o in c.outputs)
    return Lecture(nb, markdown, code, printed)


def solution_units() -> list[str]:
    """Every unit with an exercise, in teaching order (the course's one discovery rule)."""
    from mlpcourse import paths
    return paths.units(REPO)


def answer_modules() -> dict:
    """``{UNIT: module}`` for every fixture file ``tests/units/answers/unitNN.toml``, by unit.

    Each module ``answers.unitNN`` reads its file and defines ``UNIT`` (e.g.
    ``"01_neuron"``), ``CELLS_USING``, ``POINTS``, ``PROPERTY_CELLS``, ``ALTERNATIVES``
    and ``WRONG_ANSWERS`` (see ``tests/units/answers/__init__.py``).
    """
    if str(ANSWERS.parent) not in sys.path:
        sys.path.insert(0, str(ANSWERS.parent))   # the fixtures import harness, beside them
    modules = {}
    for path in sorted(ANSWERS.glob("unit[0-9][0-9].toml")):
        module = importlib.import_module(f"answers.{path.stem}")
        if module.UNIT in modules:
            raise ValueError(f"UNIT = {module.UNIT!r} in both {modules[module.UNIT].__name__}"
                             f" and {module.__name__}")
        modules[module.UNIT] = module
    return dict(sorted(modules.items()))


# --------------------------------------------------------------------------- running a solution

def nbgrader(cell) -> dict:
    """A cell's nbgrader metadata ({} when it has none)."""
    return cell.metadata.get("nbgrader", {})


def solution_functions(path) -> list[str]:
    """The functions the answer cells of ``path`` define, in notebook order."""
    names = []
    for cell in nbformat.read(Path(path), as_version=4).cells:
        if nbgrader(cell).get("solution"):
            names += re.findall(r"^def (\w+)\(", cell.source, flags=re.MULTILINE)
    return names


def student_stubs(path) -> dict[str, str]:
    """``{grade_id: source}``: what nbgrader's release leaves in each answer cell of ``path``."""
    stubs = {}
    for cell in nbformat.read(Path(path), as_version=4).cells:
        if nbgrader(cell).get("solution"):
            stubs[nbgrader(cell)["grade_id"]] = re.sub(
                r"( *)### BEGIN SOLUTION\n.*?### END SOLUTION\n?",
                r"\1raise NotImplementedError()\n", cell.source, flags=re.DOTALL)
    return stubs


def run_quietly(path, overrides: dict[str, str] | None = None):
    """:func:`run_exercise`, recording every warning: returns ``(results, caught_warnings)``."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        results = run_exercise(path, overrides)
    return results, caught


def run_leaving_unanswered(unit: str, *answer_cells: str) -> dict[str, CellResult]:
    """The solution of ``unit`` run with the answer cells ``answer_cells`` (grade_ids) left
    as released (:func:`student_stubs`) and every other one solved: for partial credit."""
    path = solution_path(unit)
    stubs = student_stubs(path)
    unknown = set(answer_cells) - set(stubs)
    assert not unknown, f"no answer cells {sorted(unknown)} in {path.name}: {sorted(stubs)}"
    results, _ = run_quietly(path, {grade_id: stubs[grade_id] for grade_id in answer_cells})
    return results


def passed_cells(results: dict[str, CellResult]) -> set[str]:
    """The graded cells that passed."""
    return {k for k, r in results.items() if r.passed}


def failed_cells(results: dict[str, CellResult]) -> set[str]:
    """The graded cells that did not pass."""
    return {k for k, r in results.items() if not r.passed}


def wrong_overrides(wrong_answers, *answer_ids: str) -> dict[str, str]:
    """``{function: source}`` of the named wrong answers, to pass to :func:`run_exercise`."""
    chosen = [w for w in wrong_answers if w.id in answer_ids]
    assert len(chosen) == len(answer_ids), f"unknown wrong answer among {answer_ids}"
    return {w.function: w.source for w in chosen}


def score(results: dict[str, CellResult]) -> float:
    """The points a notebook earns: the sum over the graded cells that passed."""
    return sum(r.points for r in results.values() if r.passed)
