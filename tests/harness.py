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
"""
from __future__ import annotations

import ast
import contextlib
import io
import os
import traceback
from dataclasses import dataclass
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parents[1]


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
