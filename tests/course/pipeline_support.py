"""Helpers for the instructor-pipeline tests (release, grading, slides, notebooks).

The pipeline tests run the real ``mlpcourse`` command in a subprocess, the way a
teacher does, on a temporary course folder: a copy of the repository's
``nbgrader_config.py`` plus the units under test (the small fixture unit in
``tests/course/fixtures/course/``, and the real units present in ``solutions/``).
They never write into the repository.

(A module of its own, not conftest.py: tests/browser/ has a conftest.py too,
and ``from conftest import ...`` would find whichever was imported last.)
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import nbformat

from mlpcourse import paths

REPO = Path(__file__).resolve().parents[2]
FIXTURE_COURSE = REPO / "tests" / "course" / "fixtures" / "course"
FIXTURE_UNIT = "00_fixture"


def real_units() -> list[str]:
    """The units in the repository's solutions/ (``mlpcourse.paths.units``)."""
    return paths.units(REPO)


def subprocess_env() -> dict:
    """The environment for subprocesses: kernels inline, from this Python, no grading flag."""
    from mlpcourse.kernels import kernel_env

    env = kernel_env()
    env.pop("NBGRADER_EXECUTION", None)
    env.pop("NBGRADER_VALIDATING", None)
    env["PYTHONIOENCODING"] = "utf-8"
    return env


def run_python(*args, cwd: Path | None = None, timeout: float = 600) -> subprocess.CompletedProcess:
    """``python ARGS`` (this Python) in a subprocess with ``subprocess_env()``; output as text."""
    return subprocess.run(
        [sys.executable, *map(str, args)],
        check=False,
        cwd=cwd or REPO,
        env=subprocess_env(),
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=timeout,
    )


def run_mlpcourse(*args, cwd: Path | None = None, timeout: float = 600) -> subprocess.CompletedProcess:
    """``mlpcourse ARGS`` in a subprocess (as a teacher runs it); output captured as text."""
    return run_python("-m", "mlpcourse.cli", *args, cwd=cwd, timeout=timeout)


@dataclass
class CliResult:
    returncode: int
    stdout: str
    stderr: str


def run_cli(*args) -> CliResult:
    """``mlpcourse ARGS`` in this process (no interpreter start-up: for commands that start
    no kernel, e.g. release); stdout and stderr captured."""
    from mlpcourse.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main([str(a) for a in args])
        except SystemExit as exc:  # argparse
            code = exc.code if isinstance(exc.code, int) else 2
    return CliResult(code, out.getvalue(), err.getvalue())


def make_course(
    root: Path, units: list[str], *, source: Path = REPO, lectures: bool = False
) -> Path:
    """A course folder at ``root``: the repo's nbgrader_config.py + ``units`` from ``source``."""
    (root / "solutions").mkdir(parents=True, exist_ok=True)
    (root / "lectures").mkdir(exist_ok=True)
    shutil.copy2(REPO / "nbgrader_config.py", root / "nbgrader_config.py")
    for unit in units:
        shutil.copytree(
            source / "solutions" / unit,
            root / "solutions" / unit,
            ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"),
        )
    if lectures:
        shutil.copytree(
            source / "lectures",
            root / "lectures",
            dirs_exist_ok=True,
            ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"),
        )
    return root


def released_fixture_course(root: Path) -> Path:
    """A course folder at ``root`` holding the fixture unit, released as a teacher does
    (``make_course`` from FIXTURE_COURSE, then ``mlpcourse release``)."""
    course = make_course(root, [FIXTURE_UNIT], source=FIXTURE_COURSE)
    released = run_cli("release", FIXTURE_UNIT, "--course", course)
    assert released.returncode == 0, released.stdout + released.stderr
    return course


def read_grades(course: Path, unit: str) -> dict[str, dict]:
    """``grades_<unit>.csv`` of ``course`` as ``{student_id: row}``."""
    with open(course / f"grades_{unit}.csv", newline="", encoding="utf-8") as fh:
        return {row["student_id"]: row for row in csv.DictReader(fh)}


def tree_hash(folder: Path) -> dict[str, str]:
    """{relative path: sha256} of every file under ``folder`` (plus its mode)."""
    out = {}
    for path in sorted(Path(folder).rglob("*")):
        if path.is_file():
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            out[path.relative_to(folder).as_posix()] = f"{digest} {oct(path.stat().st_mode)}"
    return out


# ---------------------------------------------------------------- submissions


def _strip_markers(source: str) -> str:
    return "\n".join(
        line
        for line in source.split("\n")
        if "BEGIN SOLUTION" not in line and "END SOLUTION" not in line
    )


def solution_sources(instructor_nb) -> dict[str, str]:
    """{grade_id: what a student who got it right would have written} per solution cell."""
    return {
        cell.metadata["nbgrader"]["grade_id"]: _strip_markers(cell.source)
        for cell in instructor_nb.cells
        if cell.get("metadata", {}).get("nbgrader", {}).get("solution")
    }


def write_submission(course: Path, unit: str, student: str, nb) -> Path:
    folder = course / "submitted" / student / unit
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{unit}.ipynb"
    nbformat.write(nb, path)
    return path


def make_submission(course: Path, unit: str, student: str, answers: dict[str, str | None]) -> Path:
    """A student's notebook: the released one with solution cells filled in.

    ``answers`` maps a solution cell's grade_id to its new source; a grade_id
    mapped to ``None`` (or absent when ``answers`` has the key ``"*"`` set to
    None) keeps the released stub. Other solution cells get the instructor's
    solution.
    """
    student_nb = nbformat.read(course / "exercises" / unit / f"{unit}.ipynb", as_version=4)
    solutions = solution_sources(
        nbformat.read(course / "solutions" / unit / f"{unit}.ipynb", as_version=4)
    )
    for cell in student_nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if not meta.get("solution"):
            continue
        gid = meta["grade_id"]
        answer = answers.get(gid, answers.get("*", solutions[gid]))
        if answer is not None:
            cell.source = answer
    return write_submission(course, unit, student, student_nb)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> tuple[int, bytes]:
    """(HTTP status, body); status 0 while nothing listens yet."""
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, b""
    except OSError:
        return 0, b""


@contextlib.contextmanager
def running_lab(*options: str, cwd: Path, home: Path, timeout: float = 60):
    """``mlpcourse lab --no-browser OPTIONS`` running, with Jupyter's user folders in ``home``:
    yields ``(get, said)``: ``get(path) -> (status, body)`` on the server with its token,
    and what the command printed before the URL. Stops the server (and its kernels) after."""
    port = _free_port()
    env = dict(os.environ, JUPYTER_RUNTIME_DIR=str(home / "runtime"),
               JUPYTER_CONFIG_DIR=str(home / "config"), JUPYTER_DATA_DIR=str(home / "data"))
    proc = subprocess.Popen(
        [sys.executable, "-m", "mlpcourse.cli", "lab", "--no-browser", "--port", str(port),
         *options], cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True, start_new_session=True)
    try:
        deadline, seen, token = time.monotonic() + timeout, [], None
        while time.monotonic() < deadline and token is None:
            line = proc.stdout.readline()
            if not line:
                break
            seen.append(line)
            match = re.search(rf"http://127\.0\.0\.1:{port}/lab\S*token=(\w+)", line)
            token = match.group(1) if match else None
        assert token, "no JupyterLab URL printed:\n" + "".join(seen[-30:])

        def get(path: str) -> tuple[int, bytes]:
            return _get(f"http://127.0.0.1:{port}{path}{'&' if '?' in path else '?'}token={token}")

        while time.monotonic() < deadline and get("/api/status")[0] != 200:
            time.sleep(0.2)  # the URL is printed as the server starts listening
        yield get, "".join(seen)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
