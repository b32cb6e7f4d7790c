"""What ``mlpcourse release`` and ``mlpcourse grade`` share: nbgrader set-up, the leak check.

Imports nbgrader, so the command modules import this inside ``run`` only.
nbgrader's converters are run in-process (as its own ``NbGraderAPI`` does,
without the exchange), one call per assignment or per student, each with its
log captured, so one failure is reported and never stops the others.
"""

from __future__ import annotations

import contextlib
import copy
import io
import json
import logging
import os
import re
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import SaveAutoGrades
from traitlets.config import Config
from traitlets.config.loader import PyFileConfigLoader

from ._kernel_env import kernel_environment

CONFIG_FILE = "nbgrader_config.py"

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
# Cell metadata that records when a cell ran, not what it is: dropped from
# student notebooks so that a release is byte-for-byte reproducible.
VOLATILE_CELL_METADATA = ("execution", "ExecuteTime")
VOLATILE_NOTEBOOK_METADATA = ("widgets",)


# ---------------------------------------------------------------- course layout


def load_config(root: Path) -> Config:
    """The course's ``nbgrader_config.py``, with the root pinned to ``root``."""
    path = Path(root) / CONFIG_FILE
    if not path.is_file():
        raise FileNotFoundError(
            f"{path} is missing: the course's nbgrader configuration must sit in the "
            "course folder (it maps solutions/ to exercises/)"
        )
    cfg = Config()
    cfg.merge(PyFileConfigLoader(CONFIG_FILE, path=str(path.parent)).load_config())
    cfg.CourseDirectory.root = str(Path(root).resolve())
    return cfg


def copy_config(cfg: Config) -> Config:
    """An independent copy (``Config.copy`` shares the nested sections)."""
    return copy.deepcopy(cfg)


def folders(cfg: Config) -> dict[str, str]:
    """The course's nbgrader step folders (names relative to the root)."""
    cd = cfg.CourseDirectory
    return {
        "source": cd.get("source_directory", "solutions"),
        "release": cd.get("release_directory", "exercises"),
        "submitted": cd.get("submitted_directory", "submitted"),
        "autograded": cd.get("autograded_directory", "autograded"),
        "feedback": cd.get("feedback_directory", "feedback"),
    }


def unit_notebooks(unit_dir: Path) -> list[Path]:
    return sorted(p for p in Path(unit_dir).glob("*.ipynb") if p.is_file())


def course_units(root: Path, cfg: Config) -> list[str]:
    """Every assignment: a folder of the source directory holding a notebook."""
    source = Path(root) / folders(cfg)["source"]
    if not source.is_dir():
        return []
    return sorted(
        p.name
        for p in source.iterdir()
        if p.is_dir() and not p.name.startswith((".", "_")) and unit_notebooks(p)
    )


def resolve_units(root: Path, cfg: Config, unit: str | None) -> list[str]:
    units = course_units(root, cfg)
    source = folders(cfg)["source"]
    if unit is None:
        if not units:
            raise FileNotFoundError(
                f"no unit found: {Path(root) / source} has no <unit>/<unit>.ipynb"
            )
        return units
    unit = unit.strip().rstrip("/\\")
    unit = Path(unit).name  # accept solutions/01_neuron as well as 01_neuron
    if unit not in units:
        raise ValueError(
            f"unit must be one of {', '.join(units) or '(none found)'}, got {unit!r} "
            f"(a unit is a folder of {source}/ holding its notebook)"
        )
    return [unit]


# ---------------------------------------------------------------- running nbgrader


def grading_environment():
    """The environment for the kernels nbgrader starts (see ``_kernel_env``)."""
    return kernel_environment()


@dataclass
class AppResult:
    success: bool
    log: str
    error: str = ""

    def reason(self) -> str:
        """One line saying why it failed (the last line of the traceback, else of the log)."""
        for text in (self.error, self.log):
            lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
            for line in reversed(lines):
                if not line.startswith(("File ", "^", "~")):
                    return line[:300]
        return "unknown error"


@contextlib.contextmanager
def _stderr_captured():
    """Send file descriptor 2 to a temporary file (yields a function reading it).

    Kernels started by nbgrader inherit it, so their start-up chatter (e.g.
    ipykernel's "running over TCP without encryption") and SQLAlchemy's
    warnings land in the captured log instead of between the progress lines.
    """
    import tempfile

    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError, AttributeError):  # no real fd 2 (embedded, some IDEs)
        yield lambda: ""
        return
    with tempfile.TemporaryFile(mode="w+b") as tmp:
        os.dup2(tmp.fileno(), 2)
        try:
            yield lambda: (tmp.seek(0), tmp.read().decode("utf-8", "replace"))[1]
        finally:
            try:
                sys.stderr.flush()
            except (OSError, ValueError):
                pass
            os.dup2(saved, 2)
            os.close(saved)


def run_converter(converter_cls, cfg: Config, **coursedir_attrs) -> AppResult:
    """Run one nbgrader converter (GenerateAssignment, Autograde, GenerateFeedback).

    Errors are caught and returned with the captured log (and stderr), never raised.
    """
    with _stderr_captured() as read_stderr:
        result = _run_converter(converter_cls, cfg, **coursedir_attrs)
        captured = read_stderr()
    if captured.strip():
        result.log += "\n[stderr]\n" + captured
    return result


def _run_converter(converter_cls, cfg: Config, **coursedir_attrs) -> AppResult:
    buffer = io.StringIO()
    logger = logging.getLogger(f"mlpcourse.nbgrader.{converter_cls.__name__}.{id(buffer)}")
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(logging.Formatter("[%(levelname)s] %(message)s"))
    logger.addHandler(handler)
    try:
        coursedir = CourseDirectory(config=cfg, log=logger)
        for key, value in coursedir_attrs.items():
            setattr(coursedir, key, value)
        app = converter_cls(coursedir=coursedir, config=cfg, log=logger)
        app.force = True
        # nbgrader 0.9 triggers SQLAlchemy 2 "not in session" warnings (harmless):
        # they go to the log with the rest, not to the teacher's terminal
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                app.start()
            finally:
                for w in caught:
                    logger.debug("%s: %s", w.category.__name__, w.message)
    except BaseException as exc:  # nbgrader raises anything, SystemExit included
        if isinstance(exc, KeyboardInterrupt):
            raise
        import traceback

        return AppResult(False, buffer.getvalue(), traceback.format_exc())
    finally:
        logger.removeHandler(handler)
    return AppResult(True, buffer.getvalue())


# ---------------------------------------------------------------- grading rule


class SaveAutoGradesIgnoringStderr(SaveAutoGrades):
    """``SaveAutoGrades`` that scores a test cell on its errors, not on its stderr.

    nbgrader 0.9 gives zero points to a test cell with any stderr output, so a
    correct answer that triggers a warning scored nothing. Here the score is
    computed on a copy of the cell without its stderr streams; the autograded
    notebook (and so the feedback) keeps them.
    """

    def _add_score(self, cell, resources):
        if cell.cell_type == "code" and any(
            out.get("output_type") == "stream" and out.get("name") == "stderr"
            for out in cell.get("outputs", [])
        ):
            cell = copy.deepcopy(cell)
            cell.outputs = [
                out
                for out in cell.outputs
                if not (out.get("output_type") == "stream" and out.get("name") == "stderr")
            ]
        return super()._add_score(cell, resources)


# ---------------------------------------------------------------- leak check


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


# ---------------------------------------------------------------- reproducible notebooks


def _deterministic_ids(nb, instructor_raw: dict | None) -> None:
    source_cells = (instructor_raw or {}).get("cells", [])
    aligned = len(source_cells) == len(nb.cells) and all(
        s.get("cell_type") == c.cell_type for s, c in zip(source_cells, nb.cells)
    )
    source_ids = {s.get("id") for s in source_cells if s.get("id")}
    seen = set()
    for index, cell in enumerate(nb.cells):
        if aligned and source_cells[index].get("id"):
            new = source_cells[index]["id"]
        elif cell.get("id") in source_ids:
            new = cell["id"]
        else:
            grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
            new = re.sub(r"[^A-Za-z0-9_-]", "-", grade_id)[:64] if grade_id else f"cell-{index}"
        base, k = new, 2
        while new in seen:
            new = f"{base}-{k}"[:64]
            k += 1
        seen.add(new)
        cell["id"] = new


def normalise_student_notebook(path: Path, instructor_path: Path) -> None:
    """Rewrite a generated notebook so that a release is byte-for-byte reproducible.

    Outputs and execution counts are cleared, run-time metadata dropped, cell
    ids taken from the instructor notebook (or derived from the grade id /
    position when it has none: never random).
    """
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
        for key in VOLATILE_CELL_METADATA:
            cell.metadata.pop(key, None)
    for key in VOLATILE_NOTEBOOK_METADATA:
        nb.metadata.pop(key, None)
    if (nb.nbformat, nb.nbformat_minor) >= (4, 5):
        raw = json.loads(Path(instructor_path).read_text(encoding="utf-8"))
        _deterministic_ids(nb, raw)
    else:
        for cell in nb.cells:
            cell.pop("id", None)
    text = nbformat.writes(nb)
    if not text.endswith("\n"):
        text += "\n"
    Path(path).write_text(text, encoding="utf-8", newline="\n")
