"""Every tracked notebook is stored clean, and stays clean when it is run or presented.

The rule (``.gitattributes``, ``mlpcourse/gitfilter.py``):
- no run-time metadata in any notebook: execution timestamps, scroll or collapse state;
- solutions/ and exercises/ (everything outside a lectures/ folder) without outputs,
  execution counts or widget state: they are stored unexecuted;
- lectures keep their outputs, counts and widget state (they are the slides);
- one nbformat version for all;
- each notebook is byte for byte what its git filter stores (else the filter, once
  set up, would show an untouched notebook as modified).
"""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from mlpcourse import gitfilter

REPO = Path(__file__).resolve().parents[2]
FIXTURE = REPO / "tests" / "course" / "fixtures" / "course"
SOLUTION = "solutions/00_fixture/00_fixture.ipynb"
LECTURE = "lectures/00_fixture.ipynb"
RUN_TIME_CELL_KEYS = ("execution", "ExecuteTime", "collapsed", "scrolled",
                      "heading_collapsed", "hidden")
LECTURE_FILTER, UNEXECUTED_FILTER = "nbstripout-keep-output", "nbstripout"


def _git(cwd: Path, *args: str, check: bool = True, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(["git", "-C", str(cwd), *args], capture_output=True, check=check, **kw)


def _is_lecture(rel: str) -> bool:
    return "lectures" in Path(rel).parts[:-1]


def filtered(paths: list[Path], name: str) -> list[bytes]:
    """What the git filter ``name`` stores for each file, from one nbstripout run
    (git runs it once per file; each start costs about a second)."""
    if not paths:
        return []
    out = subprocess.run([*gitfilter.command(name), "--textconv", *map(str, paths)],
                         capture_output=True, check=True).stdout.decode("utf-8")
    docs, start, decoder = [], 0, json.JSONDecoder()
    while start < len(out):
        end = decoder.raw_decode(out, start)[1]
        assert out[end] == "\n"
        docs.append(out[start:end + 1].encode("utf-8"))
        start = end + 1
    assert len(docs) == len(paths)
    return docs


def problems(rel: str, data: bytes, filter_name: str | None,
             stored: bytes | None = None) -> list[str]:
    """What makes the notebook ``rel`` (its bytes ``data``) unclean; [] when it is clean.

    ``stored`` is what its git filter makes of ``data`` (not compared when None).
    """
    found = []
    wanted = LECTURE_FILTER if _is_lecture(rel) else UNEXECUTED_FILTER
    if filter_name != wanted:
        found.append(f"{rel}: .gitattributes gives it filter {filter_name!r}, not {wanted!r}")
    nb = json.loads(data)
    for key in ("signature", *(() if _is_lecture(rel) else ("widgets",))):
        if key in nb.get("metadata", {}):
            found.append(f"{rel}: notebook metadata {key!r}")
    for index, cell in enumerate(nb["cells"]):
        where = f"{rel}, cell {index} ({cell.get('id', 'no id')})"
        for key in RUN_TIME_CELL_KEYS:
            if key in cell.get("metadata", {}):
                found.append(f"{where}: run-time metadata {key!r}")
        if cell["cell_type"] == "code" and not _is_lecture(rel):
            if cell.get("outputs"):
                found.append(f"{where}: has outputs (stored unexecuted)")
            if cell.get("execution_count") is not None:
                found.append(f"{where}: has an execution count (stored unexecuted)")
    if stored is not None and stored != data:
        options = " ".join(gitfilter.FILTERS.get(filter_name, ()))
        found.append(f"{rel}: differs from what its git filter stores; clean it with "
                     f"`python -m nbstripout {options} {rel}`")
    return found


def tracked_notebooks() -> dict[str, str | None]:
    """Every tracked notebook -> the git filter .gitattributes gives it."""
    names = [n for n in _git(REPO, "ls-files", "-z", "*.ipynb").stdout.decode().split("\0") if n]
    out = _git(REPO, "check-attr", "-z", "filter", "--", *names).stdout.decode().split("\0")
    attrs = dict(zip(out[0::3], out[2::3]))
    return {n: (None if attrs[n] in ("unspecified", "unset") else attrs[n]) for n in names}


@pytest.mark.slow
def test_every_tracked_notebook_is_clean():
    """Checks what `git add` would store: the working copy as it is, or through the
    filter when this checkout has it set up (after a lecture the working copy keeps
    its run-time data; git stores it clean)."""
    notebooks = tracked_notebooks()
    assert any(map(_is_lecture, notebooks)) and any(n.startswith("solutions/") for n in notebooks)
    found, versions = [], {}
    for name in gitfilter.FILTERS:
        rels = [rel for rel, f in notebooks.items() if f == name]
        set_up = _git(REPO, "config", f"filter.{name}.clean", check=False).returncode == 0
        for rel, clean in zip(rels, filtered([REPO / rel for rel in rels], name)):
            data = clean if set_up else (REPO / rel).read_bytes()
            found += problems(rel, data, name, clean)
            nb = json.loads(data)
            versions.setdefault((nb["nbformat"], nb["nbformat_minor"]), []).append(rel)
    for rel in (rel for rel, f in notebooks.items() if f not in gitfilter.FILTERS):
        found += problems(rel, (REPO / rel).read_bytes(), notebooks[rel])
    assert not found, "notebooks that are not clean:\n  " + "\n  ".join(found)
    assert len(versions) == 1, f"notebooks in different nbformat versions: {versions}"


def _dirty(path: Path, outputs: bool) -> None:
    """Rewrite ``path`` as after running it with timing on and scrolling its outputs."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    for count, cell in enumerate(c for c in nb["cells"] if c["cell_type"] == "code"):
        cell["metadata"]["execution"] = {"iopub.status.idle": "2026-12-07T17:38:50.970343Z"}
        cell["metadata"]["scrolled"] = True
        if outputs:
            cell["execution_count"] = count + 1
            cell["outputs"] = [{"name": "stdout", "output_type": "stream", "text": ["ran\n"]}]
    path.write_text(json.dumps(nb, indent=1), encoding="utf-8")


@pytest.mark.slow
def test_a_dirty_notebook_is_reported(tmp_path):
    for rel in (SOLUTION, LECTURE):
        (tmp_path / rel).parent.mkdir(parents=True)
        shutil.copyfile(FIXTURE / rel, tmp_path / rel)
    _dirty(tmp_path / SOLUTION, outputs=True)
    _dirty(tmp_path / LECTURE, outputs=False)
    solution = (tmp_path / SOLUTION).read_bytes()
    said = "\n".join(problems(SOLUTION, solution, UNEXECUTED_FILTER,
                              *filtered([tmp_path / SOLUTION], UNEXECUTED_FILTER)))
    for expected in ("run-time metadata 'execution'", "run-time metadata 'scrolled'",
                     "has outputs", "has an execution count", "differs from what its git filter"):
        assert expected in said, said
    lecture = (tmp_path / LECTURE).read_bytes()
    said = "\n".join(problems(LECTURE, lecture, LECTURE_FILTER,
                              *filtered([tmp_path / LECTURE], LECTURE_FILTER)))
    assert "run-time metadata 'execution'" in said and "has outputs" not in said, said
    clean_lecture = (FIXTURE / LECTURE).read_bytes()
    assert problems(LECTURE, clean_lecture, LECTURE_FILTER, clean_lecture) == []
    assert problems(LECTURE, clean_lecture, UNEXECUTED_FILTER) == [
        f"{LECTURE}: .gitattributes gives it filter 'nbstripout', not 'nbstripout-keep-output'"]


@pytest.fixture
def course_repo(tmp_path):
    """A git checkout of a small course with the project's .gitattributes and the filter set up."""
    repo = tmp_path / "repo"
    for rel in (SOLUTION, LECTURE):
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(FIXTURE / rel, repo / rel)
    shutil.copyfile(REPO / ".gitattributes", repo / ".gitattributes")
    _git(tmp_path, "init", "-q", str(repo))
    assert gitfilter.is_checkout(repo) and not gitfilter.is_checkout(repo / "lectures")
    assert gitfilter.install(repo) is True
    assert gitfilter.install(repo) is False  # already set up
    for key, value in gitfilter.git_settings().items():
        assert _git(repo, "config", "--local", key, text=True).stdout.strip() == value
    _git(repo, "add", ".")
    _git(repo, "-c", "user.name=t", "-c", "user.email=t@example.invalid",
         "commit", "-q", "-m", "course")
    return repo


@pytest.mark.slow
def test_running_and_presenting_changes_nothing_git_stores(course_repo):
    _dirty(course_repo / SOLUTION, outputs=True)
    _dirty(course_repo / LECTURE, outputs=False)
    _git(course_repo, "add", "-u")
    assert _git(course_repo, "diff", "--cached", text=True).stdout == ""  # nothing was staged
    assert _git(course_repo, "status", "--porcelain", text=True).stdout == ""
    assert "execution" in (course_repo / SOLUTION).read_text()  # the working copy is untouched

    nb = json.loads((course_repo / SOLUTION).read_text())  # a real edit still shows, alone
    nb["cells"][0]["source"] = "An edited introduction."
    (course_repo / SOLUTION).write_text(json.dumps(nb, indent=1))
    diff = _git(course_repo, "diff", text=True).stdout.splitlines()
    added = [line for line in diff if line.startswith("+") and not line.startswith("+++")]
    removed = [line for line in diff if line.startswith("-") and not line.startswith("---")]
    assert added == ['+    "An edited introduction."'], diff
    original = json.loads((FIXTURE / SOLUTION).read_text())["cells"][0]["source"]
    assert len(removed) == len(original if isinstance(original, list) else original.splitlines())


def test_install_does_nothing_outside_a_checkout(tmp_path):
    assert gitfilter.install(tmp_path) is False
