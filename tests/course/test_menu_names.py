"""Instructions name JupyterLab 4's real menu entries.

A student told to use *Kernel → Restart & Run All* (the classic Notebook's
wording) looks for an entry JupyterLab 4 does not have. Every menu path the
course writes as ``*Menu → Entry*`` (in a notebook's Markdown, the README or
the maintainers' pages) must be a menu JupyterLab has and an entry label that
the installed JupyterLab ships, character for character (its ellipsis "…"
included).
"""
from __future__ import annotations

import functools
import re
import sys
from pathlib import Path

import nbformat
import pytest
from pipeline_support import REPO

MENUS = {"File", "Edit", "View", "Run", "Kernel", "Tabs", "Settings", "Help"}
# *Kernel → Restart Kernel and Run All Cells…*  (one or more arrows: *View → Appearance → ...*)
MENU_PATH = re.compile(r"\*([A-Z][A-Za-z]+) → ([^*\n]+)\*")
CLASSIC_WORDING = ("Restart & Run All", "Restart and Run All", "Cell → Run All")


def _documents() -> list[Path]:
    notebooks = sorted(p for folder in ("lectures", "solutions", "exercises")
                       for p in (REPO / folder).rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
    return [REPO / "README.md", REPO / "CONTRIBUTING.md", *sorted((REPO / "deploy").rglob("*.md")), *notebooks]


def _text(path: Path) -> str:
    if path.suffix != ".ipynb":
        return path.read_text(encoding="utf-8")
    nb = nbformat.read(path, as_version=4)
    return "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")


@functools.cache
def _jupyterlab_labels() -> str:
    """The text of the installed JupyterLab's front end, where every menu label is defined."""
    static = Path(sys.prefix) / "share" / "jupyter" / "lab" / "static"
    bundles = sorted(static.glob("*.js"))
    if not bundles:
        pytest.fail(f"no JupyterLab front end in {static}: install the course (make test) first")
    return "\n".join(p.read_text(encoding="utf-8", errors="replace") for p in bundles)


def _menu_paths() -> list[tuple[str, str, str]]:
    found = []
    for path in _documents():
        for menu, entries in MENU_PATH.findall(_text(path)):
            found.append((str(path.relative_to(REPO)), menu, entries.strip()))
    return found


def test_the_course_names_menu_entries():
    # the rule is exercised: the exercises tell students how to rerun their notebook
    assert any(menu == "Kernel" for _, menu, _ in _menu_paths())


@pytest.mark.parametrize("where, menu, entries", _menu_paths(),
                         ids=lambda v: v if isinstance(v, str) and len(v) < 40 else None)
def test_every_menu_path_exists_in_jupyterlab_4(where, menu, entries):
    assert menu in MENUS, f"{where}: *{menu} → ...*: JupyterLab 4 has no menu {menu!r} ({sorted(MENUS)})"
    shipped = _jupyterlab_labels()
    for label in (e.strip() for e in entries.split("→")):
        assert label in shipped, (f"{where}: *{menu} → {entries}*: {label!r} is not an entry of the installed "
                                  "JupyterLab (write the label as its menu shows it, e.g. 'Restart Kernel and "
                                  "Run All Cells…' with the ellipsis)")


@pytest.mark.parametrize("path", _documents(), ids=lambda p: str(p.relative_to(REPO)))
def test_no_classic_notebook_wording(path):
    text = _text(path)
    for wording in CLASSIC_WORDING:
        assert wording not in text, (f"{path.relative_to(REPO)} says {wording!r}, the classic Notebook's menu; "
                                     "JupyterLab 4 calls it 'Kernel → Restart Kernel and Run All Cells…'")
