"""``mlpcourse release``: regenerate the student notebooks (exercises/) from solutions/.

For each unit, nbgrader's ``generate_assignment`` turns the instructor notebook
``solutions/<unit>/<unit>.ipynb`` into the student notebook
``exercises/<unit>/<unit>.ipynb``. The work happens in a temporary folder:

1. the instructor notebooks are linted (a solution or hidden-test marker
   nbgrader would miss or refuse);
2. nbgrader generates the student version (no gradebook is written);
3. each student notebook is made reproducible (no outputs, no execution counts,
   no run-time metadata, cell ids from the instructor notebook), so two
   releases are byte-for-byte identical;
4. each student notebook is checked for leaks: any solution or hidden-test
   marker (in any spelling), the code of any solution region, the code of any
   hidden test. One leak and nothing is written: the command names the file
   and the cell, and exits 1.

Only then are the files copied into exercises/. ``--check`` stops before
copying and compares instead (exit 1, with a summary, when out of sync).
"""

from __future__ import annotations

import difflib
import filecmp
import json
import re
import shutil
import sys
import tempfile
from pathlib import Path

from . import leaks
from .paths import add_course_option, command_course, unit_notebooks

HELP = "regenerate exercises/ (the student notebooks) from solutions/ with nbgrader"

_SKIP = {".ipynb_checkpoints", "__pycache__", ".DS_Store"}


def add_arguments(parser):
    parser.add_argument(
        "unit",
        nargs="?",
        default=None,
        help="the unit to release, e.g. 01_neuron (default: every unit in solutions/)",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="regenerate into a temporary folder and compare with exercises/ "
        "without writing; exit 1 (with a summary) when out of sync",
    )
    parser.add_argument(
        "--force",
        action="store_true",
        help="also delete files in exercises/UNIT/ that the release does not produce "
        "(without it the command refuses and lists them)",
    )
    add_course_option(parser)


# ---------------------------------------------------------------- building


def _files(folder: Path) -> dict[str, Path]:
    if not folder.is_dir():
        return {}
    out = {}
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        if path.is_file() and not _SKIP.intersection(rel.parts):
            out[rel.as_posix()] = path
    return out


def _summary(nb_path: Path) -> str:
    nb = json.loads(nb_path.read_text(encoding="utf-8"))
    grades = [
        c["metadata"]["nbgrader"]
        for c in nb.get("cells", [])
        if c.get("metadata", {}).get("nbgrader", {}).get("grade")
    ]
    points = sum(float(g.get("points", 0)) for g in grades)
    return f"{len(grades)} graded cell(s), {points:g} point(s)"


def build(root: Path, cfg, units: list[str], workdir: Path) -> tuple[Path, list[str]]:
    """Generate the student version of ``units`` under ``workdir``.

    Returns ``(release_folder, problems)``; ``release_folder/<unit>/`` holds
    the finished files. ``problems`` (leaks, nbgrader errors) is empty when the
    release may be written.
    """
    import nbformat
    from nbgrader.converters import GenerateAssignment

    from . import nbgrader_setup as nbg

    names = nbg.folders(cfg)
    tmp_root = workdir / "course"
    problems: list[str] = []
    for unit in units:
        shutil.copytree(
            root / names["source"] / unit,
            tmp_root / names["source"] / unit,
            ignore=shutil.ignore_patterns(*_SKIP),
        )
        for nb_path in unit_notebooks(tmp_root / names["source"] / unit):
            rel = f"{names['source']}/{unit}/{nb_path.name}"
            try:
                nb = nbformat.read(nb_path, as_version=4)
            except Exception as exc:  # noqa: BLE001 - any unreadable notebook is reported
                problems.append(f"{rel}: not a readable notebook ({exc.__class__.__name__}: {exc})")
                continue
            for issue in leaks.lint_instructor_notebook(nb, cfg):
                problems.append(f"{rel}, {issue}")
    if problems:
        return tmp_root / names["release"], problems

    tcfg = nbg.copy_config(cfg)
    tcfg.CourseDirectory.root = str(tmp_root)
    tcfg.GenerateAssignment.no_database = True  # nbgrader's --no-db: no gradebook, ...
    tcfg.SaveCells.enabled = False  # ... and no cells saved into one
    for unit in units:
        result = nbg.run_converter(GenerateAssignment, tcfg, assignment_id=unit)
        if not result.success:
            log_tail = "\n".join("      " + ln for ln in result.log.strip().splitlines()[-8:])
            problems.append(
                f"nbgrader generate_assignment {unit} failed: {result.reason()}"
                + (f"\n    nbgrader's log (last lines):\n{log_tail}" if log_tail else "")
            )
            continue
        for src in unit_notebooks(tmp_root / names["source"] / unit):
            out = tmp_root / names["release"] / unit / src.name
            rel = f"{names['release']}/{unit}/{src.name}"
            if not out.is_file():
                problems.append(f"{rel}: nbgrader did not produce it")
                continue
            normalise_student_notebook(out, src)
            found = leaks.find_leaks(
                nbformat.read(out, as_version=4), nbformat.read(src, as_version=4), cfg
            )
            problems.extend(f"{rel}, {leak}" for leak in found)
    return tmp_root / names["release"], problems


# ---------------------------------------------------------------- reproducible notebooks

# Cell metadata that records when a cell ran, not what it is: dropped from
# student notebooks so that a release is byte-for-byte reproducible.
VOLATILE_CELL_METADATA = ("execution", "ExecuteTime")
VOLATILE_NOTEBOOK_METADATA = ("widgets",)


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
    import nbformat

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


# ---------------------------------------------------------------- comparing


def _cell_diff(new: Path, old: Path) -> list[str]:
    """Which cells differ between two notebooks, one line each."""
    try:
        a = json.loads(old.read_text(encoding="utf-8")).get("cells", [])
        b = json.loads(new.read_text(encoding="utf-8")).get("cells", [])
    except (ValueError, UnicodeDecodeError):
        return ["      (the committed file is not valid notebook JSON)"]
    lines = []
    if len(a) != len(b):
        lines.append(f"      {len(a)} cells committed, {len(b)} generated")
    for i, (ca, cb) in enumerate(zip(a, b)):
        if ca != cb:
            gid = cb.get("metadata", {}).get("nbgrader", {}).get("grade_id")
            name = f"cell {i}" + (f" (grade_id {gid!r})" if gid else f" (id {cb.get('id')!r})")
            what = [k for k in sorted(set(ca) | set(cb)) if ca.get(k) != cb.get(k)]
            lines.append(f"      {name}: {', '.join(what)} changed")
    if not lines:  # same cells: the notebook metadata or the formatting differs
        diff = list(
            difflib.unified_diff(
                old.read_text(encoding="utf-8").splitlines(),
                new.read_text(encoding="utf-8").splitlines(),
                "committed",
                "generated",
                lineterm="",
                n=1,
            )
        )
        lines.extend("      " + ln for ln in diff[:12])
    return lines


def compare(built: Path, exercises: Path, units: list[str]) -> list[str]:
    out = []
    for unit in units:
        new, old = _files(built / unit), _files(exercises / unit)
        for rel in sorted(set(new) | set(old)):
            shown = f"{exercises.name}/{unit}/{rel}"
            if rel not in old:
                out.append(f"  {shown}: missing (not committed yet)")
            elif rel not in new:
                out.append(f"  {shown}: not produced by the release (stale?)")
            elif not filecmp.cmp(new[rel], old[rel], shallow=False):
                out.append(f"  {shown}: differs")
                if rel.endswith(".ipynb"):
                    out.extend(_cell_diff(new[rel], old[rel]))
    return out


# ---------------------------------------------------------------- the command


def run(args) -> int:
    from . import nbgrader_setup as nbg

    root = command_course(args.course, fallback=False)
    cfg = nbg.load_config(root)
    units = nbg.select_units(root, cfg, args.unit)
    names = nbg.folders(cfg)
    exercises = root / names["release"]
    print(
        f"mlpcourse release: {'checking' if args.check else 'releasing'} "
        f"{', '.join(units)} ({names['source']}/ -> {names['release']}/)",
        flush=True,
    )

    with tempfile.TemporaryDirectory(prefix="mlpcourse-release-") as tmp:
        built, problems = build(root, cfg, units, Path(tmp))
        if problems:
            print("mlpcourse release: REFUSED, nothing was written:", file=sys.stderr)
            for line in problems:
                print(f"  {line}", file=sys.stderr)
            print(
                "Fix the instructor notebook in solutions/ and run `mlpcourse release` again.",
                file=sys.stderr,
            )
            return 1

        stale = []
        if args.unit is None and exercises.is_dir():
            stale = sorted(
                p.name
                for p in exercises.iterdir()
                if p.is_dir() and p.name not in units and p.name not in _SKIP
            )

        if args.check:
            diffs = compare(built, exercises, units)
            diffs += [
                f"  {names['release']}/{s}/: no {names['source']}/{s}/ to generate it from "
                f"(remove it with `git rm -r {names['release']}/{s}`)"
                for s in stale
            ]
            if diffs:
                print(
                    f"mlpcourse release --check: {names['release']}/ is OUT OF SYNC with "
                    f"{names['source']}/:",
                    file=sys.stderr,
                )
                for line in diffs:
                    print(line, file=sys.stderr)
                print(
                    "Run `mlpcourse release` (or `make release`) and commit the result.",
                    file=sys.stderr,
                )
                return 1
            print(
                f"mlpcourse release --check: {names['release']}/ is in sync with {names['source']}/ "
                f"({len(units)} unit(s), no solution leaked)."
            )
            return 0

        # refuse before writing anything if a unit folder holds files we would delete
        extras = {
            unit: sorted(set(_files(exercises / unit)) - set(_files(built / unit)))
            for unit in units
        }
        if any(extras.values()) and not args.force:
            print(
                "mlpcourse release: REFUSED, nothing was written. These files are in "
                f"{names['release']}/ but not produced from {names['source']}/:",
                file=sys.stderr,
            )
            for unit, rels in extras.items():
                for rel in rels:
                    print(f"  {names['release']}/{unit}/{rel}", file=sys.stderr)
            print(
                f"Move them to {names['source']}/<unit>/ (so they are released), or rerun with "
                "--force to delete them.",
                file=sys.stderr,
            )
            return 1

        for unit in units:
            dest = exercises / unit
            for rel, path in _files(built / unit).items():
                target = dest / rel
                if target.is_file() and filecmp.cmp(path, target, shallow=False):
                    state = "unchanged"
                else:
                    state = "updated" if target.exists() else "new"
                    target.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(path, target)
                detail = f"  ({_summary(target)})" if rel.endswith(".ipynb") else ""
                print(f"  {names['release']}/{unit}/{rel}: {state}{detail}")
            for rel in extras[unit]:
                (dest / rel).unlink()
                print(f"  {names['release']}/{unit}/{rel}: deleted (--force)")
        for s in stale:
            print(
                f"  warning: {names['release']}/{s}/ has no {names['source']}/{s}/; left as is "
                f"(remove it with `git rm -r {names['release']}/{s}`)",
                file=sys.stderr,
            )
    print(f"mlpcourse release: {len(units)} unit(s) released; no solution or hidden test leaked.")
    return 0
