"""The student's feedback page: what each test cell checked, the points, and what to fix.

``mlpcourse grade`` writes ``feedback/<student>/<unit>/<notebook>.html`` with
nbgrader's ``GenerateFeedback``, configured by ``feedback_config``:

- ``StudentFeedback`` (a preprocessor, after nbgrader's ``GetGrades``) reads
  every graded test cell of the autograded notebook and builds a summary, one
  row per cell: what it checks (the first comment of the cell, the course's
  convention), passed / partly / failed, the points earned of the points
  possible, every check of the cell by its name (visible and hidden) with
  passed / failed / not run, and the teaching message of the first failure
  (the ``CheckFailed`` message: the ✗ line, what came back, the hint);
- the page shows each test cell as the student received it: the hidden block
  is replaced by one comment line, and the outputs are cleaned of what would
  give the hidden test away. A failure raised by a hidden check keeps its ✗
  line, the student's own value (``got``) and the hint, never the expected
  value (``expected``, ``difference``) nor the ``where`` line (the hidden
  source); a line of any output that quotes a line of hidden source is
  replaced by a marker; file paths outside the student's work folder are
  shortened (``site-packages/numpy/...``) in every traceback. What the test
  cells and the grader's checks are comes from the instructor's source
  notebook (``solutions/``), never from the submission;
- the page loads MathJax 3 from ``feedback/_static/mathjax/`` with a relative
  path (``../../_static/...`` from ``feedback/<student>/<unit>/``), never from a
  CDN: ``install_mathjax`` copies the vendored file there once.

Which check failed is read from the error: the line of the test cell its
traceback names (a cell run in the kernel), else the check whose ✗ line starts
the message (a verdict decided on the host, ``mlpcourse.grading.referee``);
when neither says, the checks are "not known" and the expected values are
dropped as if the check were hidden.

Returned through nbgrader's exchange (``release_feedback`` / ``fetch_feedback``)
only the HTML file travels, to ``<unit>/feedback/<timestamp>/<notebook>.html``
on the student's side, where the same relative path points at
``<unit>/_static/mathjax/``; so the script tag falls back (``onerror``) to
``../../../_static/mathjax/``, the copy ``mlpcourse.workspace`` keeps in every
student's work folder. Without either the math shows as its TeX source (the
page still reads). The template is
``mlpcourse/templates/feedback_offline/student_feedback.html.j2``.
"""
from __future__ import annotations

import ast
import hashlib
import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from nbconvert.preprocessors import Preprocessor
from traitlets import Unicode, default

HERE = Path(__file__).resolve().parent.parent
TEMPLATES = HERE / "templates"
TEMPLATE = "feedback_offline"
TEMPLATE_FILE = "student_feedback.html.j2"  # extends nbgrader's feedback/index.html.j2
MATHJAX_SOURCE = HERE / "static" / "mathjax"
STATIC_DIR = "_static"
MATHJAX_FILE = "mathjax/tex-svg-full.js"
#: From feedback/<student>/<unit>/<notebook>.html to feedback/_static/.
MATHJAX_URL = f"../../{STATIC_DIR}/{MATHJAX_FILE}"
#: Where the page looks next (the script's onerror): the same file three folders up, as a
#: student's returned feedback sits in <work>/<unit>/feedback/<timestamp>/ and their work
#: folder holds _static/mathjax/ (mlpcourse.workspace copies it there).
MATHJAX_FALLBACK_URL = f"../../../{STATIC_DIR}/{MATHJAX_FILE}"

BEGIN_HIDDEN = "BEGIN HIDDEN TESTS"
END_HIDDEN = "END HIDDEN TESTS"
#: mlpkit.check functions that check something (done and ok only print).
CHECKS = ("close", "shape", "true", "raises", "unchanged", "forbidden", "record_predictions")
#: Lines of a CheckFailed message that give the expected value away.
REVEALING = ("expected:", "expected shape:", "difference:")
LABEL_WIDTH = 14  # "  " + mlpkit.check._LABEL: continuation lines start with this much space
HIDDEN_NOTE = ("  (a hidden check: its expected value stays hidden. The function's docstring "
               "and the visible checks say what it must return; try your function on inputs "
               "like this one by hand.)")
HIDDEN_LINE = "[a line of a hidden test: not shown]"
WORK_FOLDER = "/home/student/"  # the sandbox's work folder (mlpcourse.sandbox)

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_CELL_LINE = re.compile(r"Cell In\[(\d+)\], line (\d+)")
_SITE = re.compile(r"(?:/[^\s:'\"()<>\x1b]+)*/(?:site|dist)-packages/")
_ABS_PATH = re.compile(r"(?<![\w./~-])(/(?:[^\s:'\"()<>,\x1b/]+/)+)([^\s:'\"()<>,\x1b/]+)")


# ---------------------------------------------------------------- the test cell's source


@dataclass
class Check:
    """One check call of a test cell: where it is, its name, whether it is hidden."""

    name: str
    first: int  # line numbers in the cell, 1-based, inclusive
    last: int
    hidden: bool
    pattern: str | None = None  # how its ✗ line starts (a regex), when the code says
    state: str = "not known"  # passed, failed, not run, not known


@dataclass
class GradedCell:
    grade_id: str
    description: str
    visible: str  # the source as released: the hidden block taken out
    hidden_lines: set[int]  # 1-based line numbers of the hidden block (markers included)
    hidden_text: list[str]  # the hidden block's lines worth redacting from outputs
    checks: list[Check] = field(default_factory=list)


def split_hidden(source: str, begin: str = BEGIN_HIDDEN, end: str = END_HIDDEN):
    """(released source, hidden line numbers) of a test cell, as nbgrader's
    ``ClearHiddenTests`` cuts it: from the line with ``begin`` to the line with ``end``."""
    kept, hidden, inside = [], set(), False
    for number, line in enumerate(source.split("\n"), start=1):
        if not inside and begin in line:
            inside = True
        if inside:
            hidden.add(number)
            if end in line:
                inside = False
            continue
        kept.append(line)
    return "\n".join(kept), hidden


def describe(visible: str, grade_id: str) -> str:
    """What a test cell checks: its leading comment lines (the course's convention)."""
    words = []
    for line in visible.split("\n"):
        text = line.strip()
        if not text and not words:
            continue
        if not text.startswith("#"):
            break
        words.append(text.lstrip("#").strip())
    return " ".join(w for w in words if w) or f"the checks of {grade_id}"


def _literal(node) -> str | None:
    """A string argument as the student reads it: an f-string's fields become "…"."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else "…" for v in node.values)
    return None


def _regex(node) -> str | None:
    """A regex matching what a string argument prints (an f-string's fields: anything)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return re.escape(node.value)
    if isinstance(node, ast.JoinedStr):
        return "".join(re.escape(v.value) if isinstance(v, ast.Constant) else ".*?"
                       for v in node.values)
    return None


def _argument(call: ast.Call, keyword: str, position: int):
    for k in call.keywords:
        if k.arg == keyword:
            return k.value
    return call.args[position] if len(call.args) > position else None


def _headline(call: ast.Call, function: str) -> str | None:
    """A regex for the ✗ line this check raises (mlpkit.check's wording), or None."""
    end = r"(?:\[\d+\])*(?:\s|$)"  # close() on parts names them name[0], name[1], ...
    if function in ("close", "shape", "raises"):
        name = _regex(_argument(call, "name", 99))
        return rf"✗ {name}{end}" if name else None
    if function == "true":
        message = _regex(_argument(call, "message", 1))
        return rf"✗ {message}(?:\s|$)" if message else None
    if function == "unchanged":
        name = _regex(_argument(call, "name", 2)) or "x"
        return rf"✗ .* modified its input `{name}`"
    if function == "forbidden":
        return r"✗ your code called "
    return None


def _check_name(call: ast.Call, function: str) -> str | None:
    keywords = {k.arg: k.value for k in call.keywords}
    if function == "true":
        return _literal(keywords.get("message")) or (
            _literal(call.args[1]) if len(call.args) > 1 else None)
    if function == "record_predictions":
        name = _literal(keywords.get("name")) or (_literal(call.args[0]) if call.args else None)
        return f"predictions recorded for the grader ({name})" if name else None
    if function == "forbidden":
        why = _literal(keywords.get("why")) or (_literal(call.args[1]) if len(call.args) > 1
                                                 else None)
        return f"not allowed: {why}" if why else None
    if function == "unchanged":
        name = _literal(keywords.get("name")) or (_literal(call.args[2]) if len(call.args) > 2
                                                   else None)
        by = _literal(keywords.get("function"))
        return f"{by or 'your function'} leaves its input {name or 'x'} unchanged"
    return _literal(keywords.get("name"))


def checks_in(source: str, hidden_lines: set[int]) -> list[Check]:
    """The ``check.<function>(...)`` calls of a test cell, in the order they run."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name) and node.func.value.id == "check"
                and node.func.attr in CHECKS):
            continue
        hidden = node.lineno in hidden_lines
        name = _check_name(node, node.func.attr)
        if name is None:  # unnamed: a visible one is named by its code, a hidden one is not
            code = " ".join((ast.get_source_segment(source, node) or node.func.attr).split())
            name = (f"a hidden check ({node.func.attr})" if hidden else
                    code if len(code) <= 80 else code[:77] + "...")
        found.append(Check(name, node.lineno, node.end_lineno or node.lineno, hidden,
                           _headline(node, node.func.attr)))
    found.sort(key=lambda c: c.first)
    return found


def parse_test_cell(source: str, grade_id: str) -> GradedCell:
    visible, hidden = split_hidden(source)
    lines = source.split("\n")
    secret = [lines[n - 1].strip() for n in sorted(hidden)]
    secret = [s for s in secret if len(s) >= 8]  # the markers too: a traceback's context
    return GradedCell(grade_id, describe(visible, grade_id), visible, hidden, secret,
                    checks_in(source, hidden))


# ---------------------------------------------------------------- the outputs


def plain(text: str) -> str:
    return _ANSI.sub("", text)


def short_paths(text: str) -> str:
    """File paths outside the student's work folder, shortened (no instructor's paths)."""
    text = _SITE.sub("site-packages/", text)

    def shorten(match):
        folder, name = match.group(1), match.group(2)
        if folder.startswith(WORK_FOLDER):
            return match.group(0)
        return f".../{name}"

    return _ABS_PATH.sub(shorten, text)


def redact(text: str, cell: GradedCell) -> str:
    """``text`` with every line quoting hidden source replaced by a marker."""
    if not cell.hidden_text:
        return text
    out = []
    for line in text.split("\n"):
        flat = plain(line)
        out.append(HIDDEN_LINE if any(s in flat for s in cell.hidden_text) else line)
    return "\n".join(out)


def without_expected(message: str) -> str:
    """A CheckFailed message without the lines that show the expected value."""
    kept, skipping = [], False
    for line in message.split("\n"):
        body = plain(line).strip()
        if any(body.startswith(label) for label in REVEALING):
            skipping = True
            continue
        if skipping and plain(line).startswith(" " * LABEL_WIDTH) and body:
            continue  # the continuation of a dropped line
        skipping = False
        if body.startswith("where:"):
            continue
        kept.append(line)
    return "\n".join(kept)


def failure_line(error: dict, execution_count) -> int | None:
    """The line of the test cell at which ``error`` was raised, when the traceback says."""
    if execution_count is None:
        return None
    lines = [int(m.group(2)) for entry in error.get("traceback") or []
             for m in _CELL_LINE.finditer(plain(str(entry)))
             if int(m.group(1)) == execution_count]
    return lines[0] if lines else None  # the outermost frame in this cell: the test's line


def failed_check(checks: list[Check], message: str) -> Check | None:
    """The first check whose ✗ line is the first line of ``message`` (None if none is)."""
    headline = plain(message).strip().split("\n", 1)[0]
    for check in checks:
        if check.pattern and re.match(check.pattern, headline):
            return check
    return None


def message_of(error: dict) -> str:
    """The teaching message of an error output: the check's own lines, else name: value."""
    lines = [plain(str(x)) for x in error.get("traceback") or []]
    if lines and lines[0].lstrip().startswith("✗"):  # rendered by mlpkit.check
        return "\n".join(line for line in lines if not line.strip().startswith("where:"))
    if error.get("ename") == "CheckFailed":
        return str(error.get("evalue", ""))
    value = str(error.get("evalue", ""))
    return f"{error.get('ename', 'Error')}: {value}" if value else str(error.get("ename", "Error"))


# ---------------------------------------------------------------- one test cell


def summarise(cell, spec: GradedCell) -> dict:
    """Judge the checks of one autograded test cell, clean its outputs; its summary row."""
    meta = cell.metadata.get("nbgrader", {})
    points = float(meta.get("points") or 0)
    score = meta.get("score")
    errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
    first = errors[0] if errors else None
    line = failure_line(first, cell.get("execution_count")) if first else None
    hidden_failure = line in spec.hidden_lines if line is not None else bool(spec.hidden_lines)
    failing = None
    if first is not None and line is None:  # no traceback into the cell (a host verdict)
        failing = failed_check(spec.checks, message_of(first))
    for check in spec.checks:
        if first is None:
            check.state = "passed" if score is not None and float(score) >= points else "not known"
        elif failing is not None:
            check.state = ("failed" if check is failing else
                           "passed" if check.first < failing.first else "not run")
        elif line is None:
            check.state = "not known"
        elif check.last < line:
            check.state = "passed"
        elif check.first <= line <= check.last:
            check.state, failing = "failed", check
        else:
            check.state = "not run"
    if failing is not None:
        hidden_failure = failing.hidden
    message = ""
    if first is not None:
        message = message_of(first)
        if hidden_failure:
            message = without_expected(message)
            if failing is not None and first.get("ename") == "CheckFailed":
                message += "\n" + HIDDEN_NOTE
        message = short_paths(redact(message, spec))
    _clean_outputs(cell, spec, hidden_failure)
    if score is None:
        state = "needs manual grading"
    elif float(score) >= points:
        state = "passed"
    elif float(score) > 0:
        state = "partly passed"
    else:
        state = "failed"
    if spec.hidden_lines:
        cell.source = spec.visible.rstrip("\n") + (
            f"\n# [the hidden tests of this cell ({sum(c.hidden for c in spec.checks)} "
            "check(s)) ran at grading: see the summary at the top]")
    return {
        "grade_id": spec.grade_id, "description": spec.description, "state": state,
        "score": None if score is None else float(score), "points": points,
        "checks": [{"name": c.name, "hidden": c.hidden, "state": c.state} for c in spec.checks],
        "message": message, "hidden_failure": bool(first is not None and hidden_failure),
    }


def _clean_outputs(cell, spec: GradedCell, hidden_failure: bool) -> None:
    for out in cell.get("outputs", []):
        kind = out.get("output_type")
        if kind == "stream":
            out["text"] = short_paths(redact(str(out.get("text", "")), spec))
        elif kind == "error":
            lines = [str(x) for x in out.get("traceback") or []]
            if hidden_failure:
                lines = [x for x in without_expected("\n".join(lines)).split("\n")
                         if plain(x).strip()]
                out["evalue"] = without_expected(str(out.get("evalue", "")))
            out["traceback"] = [short_paths(redact(x, spec)) for x in lines]
            out["evalue"] = short_paths(redact(str(out.get("evalue", "")), spec))
        elif kind in ("display_data", "execute_result"):
            data = out.get("data", {})
            for mime in list(data):
                if mime.startswith("text/") and isinstance(data[mime], str):
                    data[mime] = short_paths(redact(data[mime], spec))


def _clean_traceback(out) -> None:
    """Any other cell's error: instructor paths shortened."""
    out["traceback"] = [short_paths(str(x)) for x in out.get("traceback") or []]
    out["evalue"] = short_paths(str(out.get("evalue", "")))


# ---------------------------------------------------------------- nbgrader's side


def _is_test(cell) -> bool:
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return cell.get("cell_type") == "code" and bool(meta.get("grade")) and not meta.get("solution")


class StudentFeedback(Preprocessor):
    """Summary of every graded test cell, hidden tests kept hidden (see the module)."""

    status = Unicode("", help="how grading ended, in the student's words (mlpcourse.status): "
                              "shown under the score").tag(config=True)

    @default("enabled")
    def _on(self):
        return True  # nbconvert's preprocessors are off unless told; nbgrader's are on

    def preprocess(self, nb, resources):
        sources = self._source_cells(resources)
        rows = []
        for cell in nb.cells:
            if _is_test(cell):
                grade_id = cell.metadata["nbgrader"].get("grade_id", "")
                source = sources.get(grade_id, cell.source)
                rows.append(summarise(cell, parse_test_cell(source, grade_id)))
            elif cell.get("cell_type") == "code":
                for out in cell.get("outputs", []):
                    if out.get("output_type") == "error":
                        _clean_traceback(out)
        info = resources.setdefault("mlpcourse", {})
        info["summary"] = rows
        info["status"] = self.status
        info["mathjax_url"] = MATHJAX_URL
        info["mathjax_fallback_url"] = MATHJAX_FALLBACK_URL
        return nb, resources

    def _source_cells(self, resources) -> dict[str, str]:
        """{grade_id: source} of the instructor's source notebook (the trusted test code)."""
        from . import source

        path = source.of_resources(self.config, resources)
        try:
            nb = source.read(path) if path is not None else None
        except Exception:  # noqa: BLE001 - no source: the autograded (restored) cells are used
            nb = None
        if nb is None:
            return {}
        return {c.metadata["nbgrader"]["grade_id"]: c.source for c in nb.cells
                if _is_test(c) and c.metadata["nbgrader"].get("grade_id")}


def _nbgrader_templates() -> str:
    import nbgrader

    return str(Path(nbgrader.__file__).parent / "server_extensions" / "formgrader" / "templates")


def feedback_config(cfg, feedback_dir: Path, status: str = ""):
    """A copy of ``cfg`` for ``GenerateFeedback``: the summary, the offline template,
    MathJax installed in ``feedback_dir/_static`` (once), and ``status`` (how grading
    ended, in the student's words) under the score."""
    from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
    from nbgrader.preprocessors import GetGrades

    from .. import nbgrader_setup as nbg

    install_mathjax(Path(feedback_dir))
    fcfg = nbg.copy_config(cfg)
    fcfg.GenerateFeedback.preprocessors = [GetGrades, CSSHTMLHeaderPreprocessor, StudentFeedback]
    fcfg.HTMLExporter.template_name = TEMPLATE
    fcfg.HTMLExporter.template_file = TEMPLATE_FILE
    fcfg.HTMLExporter.extra_template_basedirs = [str(TEMPLATES), _nbgrader_templates()]
    fcfg.HTMLExporter.mathjax_url = MATHJAX_URL
    fcfg.StudentFeedback.status = status
    return fcfg


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def install_mathjax(feedback_dir: Path) -> Path:
    """``feedback_dir/_static/mathjax/`` holding the vendored MathJax and its licence (copied
    when missing or different; atomic, so parallel workers never see half a file)."""
    target = Path(feedback_dir) / STATIC_DIR / "mathjax"
    target.mkdir(parents=True, exist_ok=True)
    for source in sorted(MATHJAX_SOURCE.iterdir()):
        if not source.is_file():
            continue
        dest = target / source.name
        if dest.is_file() and dest.stat().st_size == source.stat().st_size \
                and _digest(dest) == _digest(source):
            continue
        partial = dest.with_name(f".{dest.name}.{os.getpid()}.tmp")
        shutil.copyfile(source, partial)
        os.replace(partial, dest)
    return target / Path(MATHJAX_FILE).name
