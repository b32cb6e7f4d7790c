"""`mlpcourse lab`: the student's own work folder, and the student and instructor views."""
from __future__ import annotations

import argparse
import datetime
import hashlib
import html
import json
import os
import re
import subprocess
from pathlib import Path

import pytest
from pipeline_support import (
    FIXTURE_COURSE,
    FIXTURE_UNIT,
    make_course,
    run_cli,
    running_lab,
    tree_hash,
)

from mlpcourse import lab, workspace

DAY = datetime.date(2026, 12, 7)
EXERCISE = "01_a/01_a.ipynb"


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def course(tmp_path):
    """A course as `mlpcourse release` leaves it (the notebooks' content does not matter here)."""
    root = tmp_path / "course"
    _write(root / "solutions/01_a/01_a.ipynb", '{"instructor": 1}')
    _write(root / "exercises/01_a/01_a.ipynb", '{"release": 1}')
    _write(root / "exercises/01_a/data.csv", "x,y\n")
    _write(root / "exercises/01_a/.ipynb_checkpoints/01_a-checkpoint.ipynb", "{}")
    _write(root / "exercises/notes.txt", "not a unit")  # not in a unit folder: not copied
    _write(root / "lectures/01_a.ipynb", '{"lecture": 1}')
    _write(root / "lectures/rise.css", "h1 {}")
    _write(root / "lectures/figures/plot.png", "png")
    _write(root / "STUDENTS.md", "# Welcome\n")          # the students' page: work/README.md
    _write(root / "README.md", "# For maintainers\n")   # the repository's README: not copied
    return root


def _kinds(changes) -> dict[str, str]:
    return {c.path: c.kind for c in changes}


# ---------------------------------------------------------------- the work folder


def test_first_start_copies_exercises_and_lectures_and_records_them(course, tmp_path):
    work = tmp_path / "work"
    changes = workspace.sync(course, work, today=DAY)
    wanted = {EXERCISE: course / "exercises/01_a/01_a.ipynb",
              "01_a/data.csv": course / "exercises/01_a/data.csv",
              "lectures/01_a.ipynb": course / "lectures/01_a.ipynb",
              "lectures/rise.css": course / "lectures/rise.css",
              "lectures/figures/plot.png": course / "lectures/figures/plot.png",
              "README.md": course / "STUDENTS.md", **workspace.support_files()}
    assert set(workspace.support_files()) == {"_static/mathjax/tex-svg-full.js",
                                              "_static/mathjax/LICENSE"}
    assert _kinds(changes) == {rel: "copied" for rel in wanted}
    students_files = {p.relative_to(work).as_posix() for p in work.rglob("*")
                      if p.is_file() and p.name != workspace.MANIFEST}
    assert students_files == set(wanted)  # no checkpoint, nothing outside a unit
    for rel, src in wanted.items():
        assert (work / rel).read_bytes() == src.read_bytes()
    manifest = json.loads((work / workspace.MANIFEST).read_text())["files"]
    assert manifest == {rel: _sha(src) for rel, src in wanted.items()}
    assert workspace.sync(course, work, today=DAY) == []  # a second start changes nothing
    lines = "\n".join(workspace.describe(changes))
    assert "new in your work folder" in lines and EXERCISE in lines


def test_returned_feedback_finds_mathjax_in_the_work_folder(course, tmp_path):
    # nbgrader's fetch_feedback puts a page at <work>/<unit>/feedback/<timestamp>/<name>.html;
    # its MathJax script falls back to a path that must reach the work folder's copy
    from mlpcourse.grading import feedback

    work = tmp_path / "work"
    workspace.sync(course, work, today=DAY)
    page_folder = work / "01_a" / "feedback" / "2026-12-07-10-00-00"
    assert (page_folder / feedback.MATHJAX_FALLBACK_URL).resolve().is_file()
    assert not (page_folder / feedback.MATHJAX_URL).resolve().is_file()   # why the fallback exists


def test_course_update_replaces_a_copy_the_student_did_not_change(course, tmp_path):
    work = tmp_path / "work"
    workspace.sync(course, work, today=DAY)
    new = _write(course / "exercises/01_a/01_a.ipynb", '{"release": 2}')
    changes = workspace.sync(course, work, today=DAY)
    assert _kinds(changes) == {EXERCISE: "updated"}
    assert (work / EXERCISE).read_text() == '{"release": 2}'
    assert not list(work.glob("01_a/*.new-*"))
    assert workspace.read_manifest(work)[EXERCISE] == _sha(new)
    assert "updated to the course's new version" in "\n".join(workspace.describe(changes))


def test_course_update_never_overwrites_a_students_changed_notebook(course, tmp_path):
    work = tmp_path / "work"
    workspace.sync(course, work, today=DAY)
    _write(work / EXERCISE, '{"release": 1, "my answer": 42}')
    assert workspace.sync(course, work, today=DAY) == []  # no course change: nothing to say

    _write(course / "exercises/01_a/01_a.ipynb", '{"release": 2}')
    changes = workspace.sync(course, work, today=DAY)
    beside = "01_a/01_a.new-2026-12-07.ipynb"
    assert changes == [workspace.Change("kept", EXERCISE, beside)]
    assert (work / EXERCISE).read_text() == '{"release": 1, "my answer": 42}'
    assert (work / beside).read_text() == '{"release": 2}'
    said = "\n".join(workspace.describe(changes))
    assert EXERCISE in said and beside in said and "untouched" in said
    assert workspace.sync(course, work, today=DAY) == []  # said once, not at every start

    _write(course / "exercises/01_a/01_a.ipynb", '{"release": 3}')  # another one the same day
    changes = workspace.sync(course, work, today=DAY)
    assert changes == [workspace.Change("kept", EXERCISE, "01_a/01_a.new-2026-12-07-2.ipynb")]
    assert (work / beside).read_text() == '{"release": 2}'
    assert (work / "01_a/01_a.new-2026-12-07-2.ipynb").read_text() == '{"release": 3}'
    assert (work / EXERCISE).read_text() == '{"release": 1, "my answer": 42}'


def test_deleted_copies_come_back_and_the_students_own_files_stay(course, tmp_path):
    work = tmp_path / "work"
    workspace.sync(course, work, today=DAY)
    (work / EXERCISE).unlink()  # how a student starts an exercise afresh
    _write(work / "01_a/my_notes.ipynb", "{}")
    (course / "lectures/rise.css").unlink()  # the course dropped a file
    changes = workspace.sync(course, work, today=DAY)
    assert _kinds(changes) == {EXERCISE: "copied"}
    assert (work / EXERCISE).read_text() == '{"release": 1}'
    assert (work / "01_a/my_notes.ipynb").read_text() == "{}"
    assert (work / "lectures/rise.css").read_text() == "h1 {}"


def test_a_file_with_no_record_is_treated_as_the_students(course, tmp_path):
    """A lost manifest (or a folder made by hand): a file that differs from the course is
    kept, the course's version goes beside it; an equal one is just recorded."""
    work = tmp_path / "work"
    _write(work / EXERCISE, "mine")
    _write(work / "lectures/01_a.ipynb", '{"lecture": 1}')
    changes = workspace.sync(course, work, today=DAY)
    assert _kinds(changes)[EXERCISE] == "kept"
    assert "lectures/01_a.ipynb" not in _kinds(changes)
    assert (work / EXERCISE).read_text() == "mine"
    assert (work / "01_a/01_a.new-2026-12-07.ipynb").read_text() == '{"release": 1}'


@pytest.mark.parametrize("inside", [".", "exercises", "exercises/01_a", "lectures", "solutions"])
def test_the_work_folder_is_never_a_tracked_course_folder(course, inside):
    before = tree_hash(course)
    with pytest.raises(ValueError, match="must be a folder of its own"):
        workspace.sync(course, course / inside, today=DAY)
    assert tree_hash(course) == before


def test_lab_refuses_a_work_folder_git_would_track(course, tmp_path):
    subprocess.run(["git", "init", "-q", str(course)], check=True)
    (course / ".gitignore").write_text("/work/\n")
    assert not workspace.git_would_track(course / "work")  # the default, ignored
    assert not workspace.git_would_track(tmp_path / "elsewhere" / "mine")  # outside the checkout
    assert workspace.git_would_track(course / "notes")
    before = tree_hash(course)
    result = run_cli("lab", "--course", course, "--work", course / "notes")
    assert result.returncode == 2 and "git does not ignore" in result.stderr
    assert tree_hash(course) == before


def test_release_writes_exercises_only_and_the_next_start_keeps_the_students_answer(tmp_path):
    course = make_course(tmp_path / "course", [FIXTURE_UNIT], source=FIXTURE_COURSE,
                         lectures=True)
    assert run_cli("release", FIXTURE_UNIT, "--course", course).returncode == 0
    work = tmp_path / "course" / "work"
    workspace.sync(course, work, today=DAY)
    mine = work / FIXTURE_UNIT / f"{FIXTURE_UNIT}.ipynb"
    nb = json.loads(mine.read_text())
    nb["cells"][0]["source"] = "my own notes"
    mine.write_text(json.dumps(nb))
    before = tree_hash(work)

    solution = course / "solutions" / FIXTURE_UNIT / f"{FIXTURE_UNIT}.ipynb"
    nb = json.loads(solution.read_text())
    nb["cells"][0]["source"] = "A corrected introduction."
    solution.write_text(json.dumps(nb))
    released = course / "exercises" / FIXTURE_UNIT / f"{FIXTURE_UNIT}.ipynb"
    old_release = released.read_bytes()
    assert run_cli("release", FIXTURE_UNIT, "--course", course).returncode == 0
    assert released.read_bytes() != old_release
    assert tree_hash(work) == before, "`mlpcourse release` must never write the work folder"

    changes = workspace.sync(course, work, today=DAY)
    assert _kinds(changes) == {f"{FIXTURE_UNIT}/{FIXTURE_UNIT}.ipynb": "kept"}
    assert json.loads(mine.read_text())["cells"][0]["source"] == "my own notes"
    beside = work / FIXTURE_UNIT / f"{FIXTURE_UNIT}.new-2026-12-07.ipynb"
    assert beside.read_bytes() == released.read_bytes()


# ---------------------------------------------------------------- the two views


def _args(*argv) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    lab.add_arguments(parser)
    return parser.parse_args(list(argv))


def _option(cmd: list[str], name: str) -> str:
    values = [a.split("=", 1)[1] for a in cmd if a.startswith(f"--{name}=")]
    assert len(values) == 1, f"--{name} given {len(values)} times in {cmd}"
    return values[0]


def _read(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


INSTRUCTOR_PLUGINS = ("@jupyter/nbgrader:formgrader", "@jupyter/nbgrader:course-list",
                      "@jupyter/nbgrader:create-assignment")
STUDENT_PLUGINS = ("@jupyter/nbgrader:menu", "@jupyter/nbgrader:assignment-list",
                   "@jupyter/nbgrader:validate-assignment")
INSTRUCTOR_SERVER = ("nbgrader.server_extensions.formgrader",
                     "nbgrader.server_extensions.course_list")
STUDENT_SERVER = ("nbgrader.server_extensions.assignment_list",
                  "nbgrader.server_extensions.validate_assignment")


def test_student_view_serves_the_work_folder_without_the_instructors_tools(tmp_path):
    root = tmp_path / "course"
    cmd = lab.build_command(_args("--port", "9999"), root)
    assert cmd[1:3] == ["-m", "jupyterlab"]
    assert _option(cmd, "ServerApp.root_dir") == str(root / "work")
    assert _option(cmd, "ServerApp.port") == "9999"
    assert _option(cmd, "LabApp.app_settings_dir") == str(lab.LAB_SETTINGS)
    assert _option(cmd, "LabApp.default_url") == "/lab"       # nothing synced yet: no page to open
    (root / "work").mkdir(parents=True)
    (root / "work" / "README.md").write_text("# Welcome\n")
    assert _option(lab.build_command(_args(), root), "LabApp.default_url") == "/lab/tree/README.md"
    elsewhere = lab.build_command(_args("--work", str(tmp_path / "mine")), root)
    assert _option(elsewhere, "ServerApp.root_dir") == str(tmp_path / "mine")

    env = lab.build_env(_args(), {"JUPYTER_CONFIG_PATH": "/site/etc"})
    assert env["JUPYTER_CONFIG_PATH"].split(os.pathsep) == [str(lab.STUDENT_CONFIG), "/site/etc"]
    page = _read(lab.STUDENT_CONFIG / "labconfig" / "page_config.json")
    disabled = {name for name, off in page["disabledExtensions"].items() if off}
    assert disabled == set(INSTRUCTOR_PLUGINS)
    servers = {}
    for path in (lab.STUDENT_CONFIG / "jupyter_server_config.d").glob("*.json"):
        servers.update(_read(path)["ServerApp"]["jpserver_extensions"])
    assert servers == {name: False for name in INSTRUCTOR_SERVER}  # the student's stay on


def test_instructor_view_serves_the_course_with_every_tool(tmp_path):
    root = tmp_path / "course"
    args = _args("--instructor", "--no-browser", "--", "--ServerApp.open_browser=False")
    cmd = lab.build_command(args, root)
    assert _option(cmd, "ServerApp.root_dir") == str(root)
    assert _option(cmd, "LabApp.default_url") == "/lab/tree/README.md"
    assert _option(cmd, "LabApp.app_settings_dir") == str(lab.LAB_SETTINGS)
    assert "--no-browser" in cmd and cmd[-1] == "--ServerApp.open_browser=False"
    env = lab.build_env(args, {"JUPYTER_CONFIG_PATH": "/site/etc"})
    assert env["JUPYTER_CONFIG_PATH"] == "/site/etc"


def test_both_views_turn_off_news_and_timing_metadata():
    overrides = _read(lab.LAB_SETTINGS / "overrides.json")
    assert overrides["@jupyterlab/apputils-extension:notification"] == {
        "fetchNews": "false", "checkForUpdates": False}
    assert overrides["@jupyterlab/notebook-extension:tracker"] == {"recordTiming": False}
    # the README each view opens on is shown rendered, not as Markdown source
    assert overrides["@jupyterlab/docmanager-extension:plugin"] == {
        "defaultViewers": {"markdown": "Markdown Preview"}}
    assert not (lab.LAB_SETTINGS / "page_config.json").exists()  # the views differ only there


def test_the_plugins_and_extensions_named_exist_in_the_installed_nbgrader():
    """A renamed nbgrader plugin would silently come back into the student view."""
    import importlib.util

    from jupyter_core.paths import jupyter_path

    bundles = [p for base in jupyter_path("labextensions")
               for p in Path(base, "@jupyter", "nbgrader", "static").glob("*.js")]
    assert bundles, "nbgrader's JupyterLab extension is not installed"
    code = "".join(p.read_text(encoding="utf-8", errors="replace") for p in bundles)
    for plugin in INSTRUCTOR_PLUGINS + STUDENT_PLUGINS:
        assert f'"{plugin}"' in code, f"nbgrader has no JupyterLab plugin {plugin}"
    for module in INSTRUCTOR_SERVER + STUDENT_SERVER:
        assert importlib.util.find_spec(module), f"nbgrader has no server extension {module}"


# ---------------------------------------------------------------- a real start


PAGE_CONFIG = re.compile(
    rb'<script id="jupyter-config-data" type="application/json">(.*?)</script>', re.DOTALL)


@pytest.mark.slow
def test_student_lab_starts_in_the_work_folder_without_instructor_tools_or_news(tmp_path):
    course = make_course(tmp_path / "course", [], source=FIXTURE_COURSE, lectures=True)
    _write(course / "exercises/01_a/01_a.ipynb", '{"release": 1}')
    with running_lab("--course", str(course), cwd=tmp_path, home=tmp_path) as (get, said):
        assert f"your work folder is {course / 'work'}" in said and "01_a/01_a.ipynb" in said
        status, listing = get("/api/contents/")
        assert status == 200
        assert {item["name"] for item in json.loads(listing)["content"]} == {"01_a", "lectures", "_static"}
        assert (course / "work" / "lectures" / "00_fixture.ipynb").is_file()

        status, page = get("/lab")
        config = PAGE_CONFIG.search(page)
        assert status == 200 and config, "JupyterLab's page config not found"
        disabled = set(json.loads(html.unescape(config.group(1).decode()))["disabledExtensions"])
        assert set(INSTRUCTOR_PLUGINS) <= disabled and not set(STUDENT_PLUGINS) & disabled

        _, notes = get("/lab/api/settings/@jupyterlab/apputils-extension:notification")
        assert json.loads(notes)["schema"]["properties"]["fetchNews"]["default"] == "false"
        _, tracker = get("/lab/api/settings/@jupyterlab/notebook-extension:tracker")
        assert json.loads(tracker)["schema"]["properties"]["recordTiming"]["default"] is False

        assert get("/formgrader")[0] == 404  # the instructor's server side is off too
        assert get("/assignments")[0] != 404  # the student's assignment list is on
