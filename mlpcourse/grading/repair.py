"""Rebuild a submission's notebook from the release, with the student's answers in it.

A submission is graded on the notebook the student was given, not on whatever
their notebook became: cells deleted, copied, moved, edited, their metadata
stripped by another editor. ``repair(release, submitted)`` returns the
notebook to grade:

- its cells, their order, their metadata and the notebook's metadata are the
  release's (``exercises/<unit>/<notebook>.ipynb``, what the student received);
- every test cell, locked cell and markdown cell of the release is taken from
  the release, whatever the submission did to it (edited, deleted, renamed,
  copied, its points changed);
- every answer cell of the release (nbgrader ``solution: true``, or a code
  cell that is neither graded nor locked) gets the source of the student cell
  that answers it, found by the cell's id, else by its nbgrader ``grade_id``,
  else by its content (the cell defining the same functions or classes as the
  released stub), else by its position between the cells found around it;
- a cell the student added is kept, after the cell it followed in the
  submission, without nbgrader metadata; one marked as a test or as locked,
  or a copy of a released code cell, is dropped (only the release's tests
  count).

Each change that matters for grading is listed in plain words (``repairs``):
the status is then ``graded with repairs``. What cannot be attributed safely
(two different cells both claiming one answer by the same evidence, a notebook
in which nothing of the release can be found) is not graded: ``problem`` says
why, and ``mlpcourse grade`` quarantines the submission.

Nothing here writes a file: ``mlpcourse.preprocessors.RepairSubmission`` applies
it where nbgrader reads the submission, so submitted/ is never modified.
Needs nbformat only (and nbgrader for ``release_notebook``'s fallback).
"""

from __future__ import annotations

import ast
import copy
import re
from dataclasses import dataclass, field

#: Cell metadata key (under ``mlpcourse``) of the note put at the top of a repaired notebook.
NOTE_KEY = "repairs"
MAX_LISTED = 5  # cells named in one repair line before "and N more"
_NAME_RE = re.compile(r"^(?:async\s+def|def|class)\s+([A-Za-z_]\w*)", re.MULTILINE)
_ID_RE = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
BY_ID, BY_GRADE_ID, BY_CONTENT, BY_POSITION = range(4)


@dataclass
class Repaired:
    """What ``repair`` decided: the notebook to grade and the repairs, or why not."""

    notebook: object | None  # a NotebookNode; None when ``problem`` is set
    repairs: list[str] = field(default_factory=list)
    problem: str | None = None


# ---------------------------------------------------------------- reading cells


def _text(source) -> str | None:
    """A cell's source as one string (nbformat stores a list of lines or a string)."""
    if isinstance(source, str):
        return source
    if isinstance(source, list) and all(isinstance(s, str) for s in source):
        return "".join(source)
    return None


def _nbgrader(cell) -> dict:
    meta = cell.get("metadata")
    meta = meta.get("nbgrader") if isinstance(meta, dict) else None
    return meta if isinstance(meta, dict) else {}


def _grade_id(cell) -> str | None:
    gid = _nbgrader(cell).get("grade_id")
    return gid if isinstance(gid, str) and gid else None


def _points(meta: dict):
    try:
        return float(meta.get("points", 0) or 0)
    except (TypeError, ValueError):
        return meta.get("points")


def _grading_meta(cell) -> tuple:
    """What of a cell's nbgrader metadata matters for grading, normalised."""
    meta = _nbgrader(cell)
    grade = bool(meta.get("grade"))
    return (bool(meta.get("solution")), grade, bool(meta.get("locked")), bool(meta.get("task")),
            _grade_id(cell), _points(meta) if grade else None)


def defined_names(source: str) -> set[str]:
    """The functions and classes a code cell defines at its top level."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return set(_NAME_RE.findall(source))
    return {node.name for node in tree.body
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}


def _same(a: str, b: str) -> bool:
    """Equal sources, up to whitespace at the ends of lines and of the cell."""
    def norm(text):
        return "\n".join(line.rstrip() for line in text.strip().splitlines())
    return norm(a) == norm(b)


@dataclass
class _Released:
    index: int
    cell: object
    answer: bool  # the student's source goes here
    label: str
    names: set[str]

    @property
    def graded_code(self) -> bool:  # a test or locked code cell: what grading depends on
        return not self.answer and self.cell.get("cell_type") == "code"

    @property
    def kind(self) -> str:
        meta = _nbgrader(self.cell)
        if self.answer:
            return "answer cell"
        return "test cell" if meta.get("grade") else "locked cell"


@dataclass
class _Handed:
    index: int
    cell: object
    id: str | None
    grade_id: str | None
    source: str
    marked: bool  # marked as a test or locked cell

    @property
    def code(self) -> bool:
        return self.cell.get("cell_type") == "code"


def _released_cells(release) -> list[_Released]:
    out = []
    for i, cell in enumerate(release.cells):
        meta = _nbgrader(cell)
        answer = bool(meta.get("solution")) or (
            cell.get("cell_type") == "code" and not meta.get("grade") and not meta.get("locked"))
        source = _text(cell.get("source")) or ""
        names = defined_names(source) if answer and cell.get("cell_type") == "code" else set()
        out.append(_Released(i, cell, answer, _grade_id(cell) or f"cell {i + 1}", names))
    return out


def _handed_cells(submitted) -> tuple[list[_Handed], int]:
    out, unreadable = [], 0
    cells = submitted.get("cells") if isinstance(submitted, dict) else None
    for i, cell in enumerate(cells if isinstance(cells, list) else []):
        if not isinstance(cell, dict) or not isinstance(cell.get("cell_type"), str):
            unreadable += 1
            continue
        source = _text(cell.get("source"))
        if source is None:
            unreadable += 1
            source = ""
        meta = _nbgrader(cell)
        cid = cell.get("id") if isinstance(cell.get("id"), str) else None
        marked = (bool(meta.get("grade")) and not meta.get("solution")) or bool(meta.get("locked"))
        out.append(_Handed(i, cell, cid, _grade_id(cell), source, marked))
    return out, unreadable


def _listed(labels: list[str]) -> str:
    shown = ", ".join(labels[:MAX_LISTED])
    return shown + (f" and {len(labels) - MAX_LISTED} more" if len(labels) > MAX_LISTED else "")


def _cells(count: int) -> str:
    return f"{count} cell{'s' if count != 1 else ''}"


# ---------------------------------------------------------------- matching


def _claims(released: list[_Released], handed: list[_Handed]) -> dict[int, list[tuple]]:
    """``{release index: [(strength, handed), ...]}`` from cell ids, then grade_ids."""
    by_id = {r.cell.get("id"): r for r in released if r.cell.get("id")}
    by_gid = {_grade_id(r.cell): r for r in released if _grade_id(r.cell)}
    claims: dict[int, list[tuple]] = {}
    for h in handed:
        if h.id is not None and h.id in by_id:
            claims.setdefault(by_id[h.id].index, []).append((BY_ID, h))
        elif h.grade_id is not None and h.grade_id in by_gid:
            claims.setdefault(by_gid[h.grade_id].index, []).append((BY_GRADE_ID, h))
    return claims


def repair(release, submitted, name: str = "the notebook") -> Repaired:
    """The notebook to grade: ``release`` (a NotebookNode) with the answers of
    ``submitted`` (the student's NotebookNode, as nbformat read it); see the module."""
    import nbformat

    released = _released_cells(release)
    handed, unreadable = _handed_cells(submitted)
    repairs: list[str] = []
    if unreadable:
        repairs.append(f"ignored {_cells(unreadable)} that the notebook format cannot read")

    chosen: dict[int, tuple[int, _Handed]] = {}  # release index -> (strength, handed cell)
    used: set[int] = set()  # handed indices placed in a release cell
    dropped: dict[int, str] = {}  # handed index -> why (a copy of a released cell)
    kept_aside: set[int] = set()  # weaker claims on an answer: kept as the student's own cells
    for index, found in sorted(_claims(released, handed).items()):
        r = released[index]
        best = min(s for s, _ in found)
        strongest = [h for s, h in found if s == best]
        distinct = []
        for h in strongest:
            if not any(_same(h.source, d.source) and h.cell.get("cell_type") ==
                       d.cell.get("cell_type") for d in distinct):
                distinct.append(h)
        if r.answer and len(distinct) > 1:
            evidence = "cell id" if best == BY_ID else "grade_id"
            where = ", ".join(f"cell {h.index + 1}" for h in distinct)
            return Repaired(None, problem=(
                f"{name}: {len(distinct)} different cells ({where}) all claim to be the answer "
                f"cell {r.label} (the same {evidence}); the grader cannot tell which one is "
                "the answer"))
        chosen[index] = (best, strongest[0])
        used.add(strongest[0].index)
        for s, h in found:
            if h is strongest[0]:
                continue
            if r.answer and not _same(h.source, strongest[0].source):
                kept_aside.add(h.index)
            else:
                dropped[h.index] = (f"removed a copy of the {r.kind} {r.label}" if not r.answer
                                    else f"removed a duplicate of the answer cell {r.label}")

    def free(h: _Handed) -> bool:
        return h.index not in used and h.index not in dropped and h.index not in kept_aside

    # content: answers by the functions they define, other cells by their source
    for r in released:
        if r.index in chosen:
            continue
        if r.answer and r.names:
            candidates = [h for h in handed if free(h) and h.code and not h.marked
                          and r.names <= defined_names(h.source)]
        elif not r.answer:
            source = _text(r.cell.get("source")) or ""
            candidates = [h for h in handed if free(h) and source.strip() and
                          h.cell.get("cell_type") == r.cell.get("cell_type") and
                          _same(h.source, source)]
        else:
            continue
        if not candidates:
            continue
        distinct = [h for i, h in enumerate(candidates)
                    if not any(_same(h.source, d.source) for d in candidates[:i])]
        if r.answer and len(distinct) > 1:
            where = ", ".join(f"cell {h.index + 1}" for h in distinct)
            return Repaired(None, problem=(
                f"{name}: the answer cell {r.label} lost its identity and {len(distinct)} "
                f"different cells ({where}) define {_listed(sorted(r.names))}; the grader "
                "cannot tell which one is the answer"))
        chosen[r.index] = (BY_CONTENT, candidates[0])
        used.add(candidates[0].index)
        for h in candidates[1:]:
            dropped[h.index] = (f"removed a duplicate of the answer cell {r.label}" if r.answer
                                else f"removed a copy of the {r.kind} {r.label}")

    # position: an answer without names, between the cells found around it
    position = {r_index: h.index for r_index, (_, h) in chosen.items()}
    for r in released:
        if r.index in chosen or not r.answer or r.names:
            continue
        before = max((position[i] for i in position if i < r.index), default=-1)
        after = min((position[i] for i in position if i > r.index), default=len(
            submitted.get("cells", [])))
        candidates = [h for h in handed if free(h) and before < h.index < after
                      and h.cell.get("cell_type") == r.cell.get("cell_type") and not h.marked]
        if candidates:
            chosen[r.index] = (BY_POSITION, candidates[0])
            used.add(candidates[0].index)
            position[r.index] = candidates[0].index

    if not any(r.index in chosen for r in released if r.answer or _nbgrader(r.cell).get("grade")):
        return Repaired(None, problem=(
            f"{name}: nothing in it can be matched to the released notebook (no cell id, "
            "grade_id or exercise function of it): an empty notebook, or one of another "
            "unit?"))

    # copies of released code cells the student added (a test pasted twice): dropped
    fixed_sources = [(r, _text(r.cell.get("source")) or "") for r in released
                     if r.graded_code]
    for h in handed:
        if not free(h):
            continue
        if h.marked:
            dropped[h.index] = "marked"
            continue
        for r, source in fixed_sources:
            if h.code and source.strip() and _same(h.source, source):
                dropped[h.index] = f"removed a copy of the {r.kind} {r.label}"
                break

    # ---------------------------------------------------------------- what changed
    metadata, notes = [], []
    for r in released:
        match = chosen.get(r.index)
        kind = r.cell.get("cell_type")
        if match is None:
            if r.graded_code:
                notes.append(f"restored the deleted {r.kind} {r.label}")
            elif r.answer:
                elsewhere = [h for h in handed if h.index not in dropped and r.names
                             and r.names <= defined_names(h.source)]
                notes.append(
                    f"the answer cell {r.label} was missing: {_listed(sorted(r.names))} is "
                    "taken from your other cell that defines it" if elsewhere else
                    f"put back the empty answer cell {r.label} (it had been deleted)")
            continue
        strength, h = match
        if kind == "markdown" and not r.answer:
            continue  # instructions: restored without a word, they do not change a grade
        if r.graded_code and (not _same(h.source, _text(r.cell.get("source")) or "")
                              or h.cell.get("cell_type") != kind):
            notes.append(f"restored the edited {r.kind} {r.label}")
        if r.answer and h.cell.get("cell_type") != kind:
            notes.append(f"the answer cell {r.label} had been turned into a "
                         f"{h.cell.get('cell_type')} cell: graded as {kind}")
        if r.answer and strength == BY_CONTENT:
            notes.append(f"found the answer cell {r.label} by the function it defines "
                         f"({_listed(sorted(r.names))}): its cell id and grade_id were gone")
        if r.answer and strength == BY_POSITION:
            notes.append(f"found the answer cell {r.label} by its position: its cell id and "
                         "grade_id were gone")
        mine, theirs = _grading_meta(r.cell), _grading_meta(h.cell)
        if strength >= BY_CONTENT and r.answer and not _nbgrader(h.cell):
            pass  # said above: found by its content
        elif mine != theirs:
            gid_changed = bool(_nbgrader(h.cell)) and theirs[4] and theirs[4] != mine[4]
            points_changed = mine[1] and theirs[1] and mine[5] != theirs[5]
            if gid_changed:
                notes.append(f"restored the grade_id of {r.label} (the submission said "
                             f"{theirs[4]!r})")
            if points_changed:
                notes.append(f"restored the points of {r.label}: {mine[5]:g} (the submission "
                             f"said {theirs[5]:g})" if isinstance(theirs[5], float) else
                             f"said {theirs[5]!r})")
            if (mine[:4] != theirs[:4] or (mine[4] != theirs[4] and not gid_changed)
                    or (mine[5] != theirs[5] and not points_changed)):
                metadata.append(r.label)
    if metadata:
        notes.append(f"restored the grading metadata of {_cells(len(metadata))} "
                     f"({_listed(metadata)})")
    order = [chosen[r.index][1].index for r in released
             if r.index in chosen and (r.answer or r.graded_code)]
    if order != sorted(order):
        notes.append("put the cells back in the released order")
    for h in handed:
        if h.index in kept_aside:
            notes.append(f"kept cell {h.index + 1}, a second cell marked as the answer "
                         f"{h.grade_id}, as a cell of your own (after the cell it followed)")
    copies = [why for why in dropped.values() if why != "marked"]
    notes += list(dict.fromkeys(copies))
    marked = sum(why == "marked" for why in dropped.values())
    if marked:
        notes.append(f"removed {_cells(marked)} you added with the marks of a test or locked "
                     "cell (only the released tests count)")
    repairs += notes

    # ---------------------------------------------------------------- the notebook to grade
    anchor: dict[int, int] = {}  # handed index of an extra cell -> release index it follows
    placed = {h.index: r_index for r_index, (_, h) in chosen.items()}
    last = -1
    for h in handed:
        if h.index in placed:
            last = placed[h.index]
        elif h.index not in dropped:
            anchor[h.index] = last
    extras: dict[int, list[_Handed]] = {}
    for h in handed:
        if h.index in anchor:
            extras.setdefault(anchor[h.index], []).append(h)

    ids = {r.cell.get("id") for r in released if r.cell.get("id")}
    cells = [_extra(h, ids) for h in extras.get(-1, [])]
    for r in released:
        cell = copy.deepcopy(r.cell)
        match = chosen.get(r.index)
        if r.answer and match is not None:
            cell["source"] = match[1].source
        elif r.answer and any(h.index not in dropped and r.names and
                              r.names <= defined_names(h.source) for h in handed):
            cell["source"] = ""  # the student's definition elsewhere must not be undone
        if cell.get("cell_type") == "code":
            cell["outputs"], cell["execution_count"] = [], None
        cells.append(cell)
        cells += [_extra(h, ids) for h in extras.get(r.index, [])]
    nb = copy.deepcopy(release)
    nb.cells = [nbformat.from_dict(c) for c in cells]
    return Repaired(nb, repairs)


def _extra(h: _Handed, ids: set) -> dict:
    """A cell the student added, as graded: its type and source, no nbgrader metadata."""
    kind = h.cell.get("cell_type") if h.cell.get("cell_type") in ("code", "markdown") else "raw"
    cell = {"cell_type": kind, "metadata": {}, "source": h.source}
    if kind == "code":
        cell["outputs"], cell["execution_count"] = [], None
    elif isinstance(h.cell.get("attachments"), dict):
        cell["attachments"] = copy.deepcopy(h.cell["attachments"])
    cid = h.id if h.id and _ID_RE.match(h.id) and h.id not in ids else None
    number = 1
    while cid is None or cid in ids:
        cid, number = f"added-{h.index + 1}-{number}", number + 1
    ids.add(cid)
    cell["id"] = cid
    return cell


# ---------------------------------------------------------------- the note and the release


def note_cell(repairs: list[str]):
    """A markdown cell telling the student what was repaired (the top of the feedback)."""
    from nbformat.v4 import new_markdown_cell

    lines = "\n".join(f"- {r}" for r in repairs)
    cell = new_markdown_cell(
        "**Graded with repairs.** Your notebook was not as it was handed out, so before "
        "grading it was rebuilt from the released notebook with your answers in it:\n\n"
        f"{lines}\n\nYour answers were graded as you wrote them; the tests are the released "
        "ones. Next time keep the notebook's cells as they are and write only in the answer "
        "cells.")
    cell.id = "mlpcourse-repairs"
    cell.metadata["mlpcourse"] = {NOTE_KEY: list(repairs)}
    return cell


def release_notebook(config, unit: str, name: str):
    """The notebook ``name`` (``01_neuron.ipynb``) of ``unit`` as released to students.

    ``exercises/<unit>/<name>`` (the course's release folder) when it is there and
    has the cells of the current source notebook; else the release is made in
    memory from ``solutions/`` with nbgrader's ClearSolutions and ClearHiddenTests
    (what ``generate_assignment`` does to the cells). ``config`` is the course's
    nbgrader configuration.
    """
    import nbformat
    from nbgrader.preprocessors import ClearHiddenTests, ClearSolutions

    from . import source

    made = source.read(source.source_path(config, unit, name))
    resources: dict = {}
    made, resources = ClearSolutions(config=config).preprocess(made, resources)
    made, resources = ClearHiddenTests(config=config).preprocess(made, resources)
    release_path = source.release_path(config, unit, name)
    if release_path.is_file():
        try:
            given = nbformat.read(release_path, as_version=4)
        except Exception:  # noqa: BLE001 - an unreadable release: the one made here
            return made
        if _shape(given) == _shape(made):
            return given
    return made


def _shape(nb) -> list[tuple]:
    """The graded structure of a notebook: each nbgrader cell's id, type and grading role."""
    return [(_grade_id(c), c.get("cell_type"), _grading_meta(c)) for c in nb.cells
            if _grade_id(c)]
