"""What must never reach a student: the leak check and the marker lint of ``mlpcourse release``.

- ``find_leaks(student_nb, instructor_nb)``: every place where a generated
  student notebook still carries a solution or hidden-test marker (in any
  spelling), the code of a solution region, or the code of a hidden test;
- ``lint_instructor_notebook(nb)``: markers nbgrader would mishandle in an
  instructor notebook (misspelt, or in a cell of the wrong kind).

The delimiters are nbgrader's (``markers``), as the course's
``nbgrader_config.py`` may rename them. Works on ``nbformat`` notebooks; does
not import nbgrader.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from traitlets.config import Config

# nbgrader's default delimiters (ClearSolutions, ClearHiddenTests, ClearMarkScheme);
# the course's nbgrader_config.py may rename them, see ``markers``.
DEFAULT_MARKERS = {
    ("ClearSolutions", "begin_solution_delimeter"): "BEGIN SOLUTION",
    ("ClearSolutions", "end_solution_delimeter"): "END SOLUTION",
    ("ClearHiddenTests", "begin_test_delimeter"): "BEGIN HIDDEN TESTS",
    ("ClearHiddenTests", "end_test_delimeter"): "END HIDDEN TESTS",
    ("ClearMarkScheme", "begin_mark_scheme_delimeter"): "BEGIN MARK SCHEME",
    ("ClearMarkScheme", "end_mark_scheme_delimeter"): "END MARK SCHEME",
}
# A one-line solution shorter than this ("pass", "return z") is not looked for
# elsewhere in the student notebook: it would match innocent code and reveals nothing.
TRIVIAL_BLOCK_CHARS = 12


def markers(cfg: Config | None = None) -> dict[str, str]:
    """The delimiters, by role: begin/end solution, hidden tests, mark scheme."""
    out = {}
    for (section, key), default in DEFAULT_MARKERS.items():
        value = default
        if cfg is not None and section in cfg and key in cfg[section]:
            value = cfg[section][key]
        out[key.replace("_delimeter", "")] = value
    return out


def _marker_regex(words: list[str]) -> re.Pattern:
    # case- and spacing-insensitive: "### Begin  solution" is still a marker nbgrader missed
    alternatives = [r"\s+".join(map(re.escape, w.split())) for w in words]
    return re.compile("|".join(alternatives), re.IGNORECASE)


def _regions(source: str, begin: str, end: str) -> list[str]:
    """The text between each ``begin`` line and the next ``end`` line (exclusive)."""
    regions, current = [], None
    for line in source.splitlines():
        if begin in line:
            current = []
        elif end in line:
            if current is not None:
                regions.append("\n".join(current))
            current = None
        elif current is not None:
            current.append(line)
    return regions


def _norm_lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _worth_checking(lines: list[str]) -> bool:
    return bool(lines) and (len(lines) > 1 or len(lines[0]) >= TRIVIAL_BLOCK_CHARS)


def _contains_block(haystack_lines: list[str], block_lines: list[str]) -> bool:
    n = len(block_lines)
    return any(haystack_lines[i : i + n] == block_lines for i in range(len(haystack_lines) - n + 1))


def cell_label(cell, index: int) -> str:
    meta = cell.get("metadata", {}).get("nbgrader", {})
    parts = [f"cell {index}"]
    details = []
    if meta.get("grade_id"):
        details.append(f"grade_id {meta['grade_id']!r}")
    if cell.get("id"):
        details.append(f"id {cell['id']!r}")
    if details:
        parts.append("(" + ", ".join(details) + ")")
    return " ".join(parts)


def _cell_texts(cell) -> list[tuple[str, str]]:
    """(where, text) pairs: the source and every textual output."""
    texts = [("source", cell.get("source", ""))]
    for out in cell.get("outputs", []) or []:
        if out.get("output_type") == "stream":
            texts.append(("output", out.get("text", "")))
        elif out.get("output_type") == "error":
            texts.append(("output", "\n".join(out.get("traceback", []))))
        else:
            for mime, data in (out.get("data") or {}).items():
                if mime.startswith("text/"):
                    texts.append(("output", data if isinstance(data, str) else "".join(data)))
    return texts


def protected_blocks(instructor_nb, cfg: Config | None = None) -> list[tuple[str, list[str]]]:
    """What must never reach a student: (description, normalised lines) per block.

    Each solution region (or the whole source of a solution cell without
    markers, which nbgrader replaces entirely) and each hidden-test region.
    """
    m = markers(cfg)
    blocks = []
    for index, cell in enumerate(instructor_nb.cells):
        meta = cell.get("metadata", {}).get("nbgrader", {})
        label = cell_label(cell, index)
        source = cell.get("source", "")
        if meta.get("solution"):
            regions = _regions(source, m["begin_solution"], m["end_solution"])
            if not regions and cell.get("cell_type") in ("code", "markdown"):
                regions = [source]
            for region in regions:
                lines = _norm_lines(region)
                if _worth_checking(lines):
                    blocks.append((f"the solution of {label}", lines))
        for region in _regions(source, m["begin_test"], m["end_test"]):
            lines = _norm_lines(region)
            if _worth_checking(lines):
                blocks.append((f"the hidden tests of {label}", lines))
    return blocks


@dataclass
class Leak:
    cell: str
    what: str

    def __str__(self):
        return f"{self.cell}: {self.what}"


def find_leaks(student_nb, instructor_nb, cfg: Config | None = None) -> list[Leak]:
    """Every place where ``student_nb`` still carries solutions or hidden tests."""
    marker_re = _marker_regex(list(markers(cfg).values()))
    blocks = protected_blocks(instructor_nb, cfg)
    leaks = []
    for index, cell in enumerate(student_nb.cells):
        label = cell_label(cell, index)
        for where, text in _cell_texts(cell):
            for match in sorted({mt.group(0) for mt in marker_re.finditer(text)}):
                leaks.append(Leak(label, f"its {where} contains the marker {match!r}"))
            lines = _norm_lines(text)
            for description, block in blocks:
                if _contains_block(lines, block):
                    first = block[0] if len(block[0]) <= 60 else block[0][:57] + "..."
                    leaks.append(
                        Leak(
                            label,
                            f"its {where} contains {description} "
                            f"({len(block)} line(s), starting {first!r})",
                        )
                    )
    return leaks


def lint_instructor_notebook(nb, cfg: Config | None = None) -> list[Leak]:
    """Markers nbgrader would mishandle in an instructor notebook.

    A solution marker in a cell that is not a solution cell, a hidden-test
    marker outside a test cell, or a marker spelt differently from nbgrader's
    exact delimiter (nbgrader matches case-sensitively and would leave it in).
    """
    m = markers(cfg)
    problems = []
    exact = {
        "solution": (m["begin_solution"], m["end_solution"]),
        "hidden tests": (m["begin_test"], m["end_test"]),
        "mark scheme": (m["begin_mark_scheme"], m["end_mark_scheme"]),
    }
    for index, cell in enumerate(nb.cells):
        meta = cell.get("metadata", {}).get("nbgrader", {})
        label = cell_label(cell, index)
        source = cell.get("source", "")
        for kind, words in exact.items():
            loose = _marker_regex(list(words))
            for match in loose.finditer(source):
                found = match.group(0)
                if found not in words:
                    problems.append(
                        Leak(
                            label,
                            f"{found!r} is not spelt as nbgrader's marker "
                            f"({' / '.join(words)}), so nbgrader would not remove it",
                        )
                    )
                elif kind == "solution" and not meta.get("solution"):
                    problems.append(
                        Leak(
                            label,
                            f"{found!r} in a cell that is not a solution cell "
                            "(mark the cell 'Autograded answer' in the nbgrader toolbar)",
                        )
                    )
                elif kind == "hidden tests" and not meta.get("grade"):
                    problems.append(
                        Leak(
                            label,
                            f"{found!r} in a cell that is not a test cell "
                            "(mark the cell 'Autograder tests' in the nbgrader toolbar)",
                        )
                    )
    return problems
