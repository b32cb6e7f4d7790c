"""`mlpcourse grade` over a class of hostile submissions mixed with an honest one.

One grading run, as a teacher starts it (a subprocess, with a token in its
environment and a fake home holding a secret), over the fixture unit: an
honest student who must get exactly full marks, and one student per kind of
attack the sandbox defends against (mlpcourse/sandbox.py):

    reading the course and the instructor's files, appending to nbgrader_config.py,
    reading the environment, reaching the network, shadowing numpy or the kernel
    launcher, a symbolic link to the solution, a daemon outliving grading, a fork
    bomb, a memory hog, a loop that ignores interrupts, 150 MB of output (printed,
    and sent past the kernel's own limit), exit(), patching the checks, emptying
    later cells, recording the cells the kernel runs (to find hidden tests).

Each test below checks one of them on the run's grades file, autograded
notebooks, feedback and the machine afterwards. The executor's limits are
tested piece by piece in tests/course/test_sandbox.py.
"""

from __future__ import annotations

import hashlib
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from mlpcourse import sandbox
from mlpcourse.grading.cgroups import Cgroup
from mlpcourse.status import Status
from pipeline_support import (
    FIXTURE_UNIT,
    make_submission,
    read_grades,
    released_fixture_course,
    run_cli,
    subprocess_env,
    write_submission,
)

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="bubblewrap is Linux-only")

UNIT = FIXTURE_UNIT
TOKEN = "hub-token-6f1d2b"  # in the grader's environment: must reach no kernel and no file
COURSE_SECRET = "course-canary-93c1"  # a file of the course folder
HOME_SECRET = "home-canary-51ae"  # a file of the grader's home
MARKER = f"mlpcourse-attack-daemon-{os.getpid()}"
TIMEOUT = 5  # seconds per cell
MAX_GRADER_RSS_MB = 500  # the target, whatever students print

SQUARE = "def square(x):\n    return np.asarray(x, dtype=float) ** 2\n"
MEAN = ("def mean_of(x):\n    values = np.asarray(x, dtype=float)\n"
        "    return values.sum() / values.size\n")
EVIL_MODULE = "print('SHADOWED')\nimport os\nos._exit(3)\n"
WRONG_SQUARE = "def square(x):\n    return 3 * np.asarray(x, dtype=float)\n"
# cheats that pass every check run inside the kernel: only the grader's own verdict stops them
PATCHED_CHECKS = WRONG_SQUARE + (
    "import numpy\nfrom mlpkit import check\n"
    "for _name in ('close', 'shape', 'true', 'unchanged', 'raises', 'done'):\n"
    "    setattr(check, _name, lambda *args, **kwargs: None)\n"
    "numpy.allclose = lambda *args, **kwargs: True\n")
EMPTIED_CELLS = WRONG_SQUARE + (
    "get_ipython().input_transformers_post.append(lambda lines: ['pass\\n'])\n")
# records every cell the kernel runs, and prints them in a later answer cell (whose output
# reaches the feedback): the hidden tests must never be among them
SNOOP = SQUARE + ("_seen = []\n"
                  "get_ipython().events.register('pre_run_cell', "
                  "lambda info: _seen.append(info.raw_cell))\n")
SNOOP_PRINT = MEAN + "print('SEEN', _seen)\n"


def _probe_reads(paths: list[str]) -> str:
    return (
        "import os\n"
        f"for path in {paths!r}:\n"
        "    try:\n"
        "        with open(path, 'rb') as fh:\n"
        "            print('READ', path, fh.read(60))\n"
        "    except OSError as exc:\n"
        "        print('no', path, type(exc).__name__)\n"
        "    try:\n"
        "        with open(path, 'a') as fh:\n"
        "            fh.write('\\nc.Autograde.force = True  # appended by a student\\n')\n"
        "        print('APPENDED', path)\n"
        "    except OSError as exc:\n"
        "        pass\n"
    )


def _attacks(course: Path, home: Path, port: int) -> dict[str, dict]:
    """{student: answers for ``make_submission``} (plus extra files, set up below)."""
    paths = [
        f"../../solutions/{UNIT}/{UNIT}.ipynb", f"../../../solutions/{UNIT}/{UNIT}.ipynb",
        str(course / "solutions" / UNIT / f"{UNIT}.ipynb"), str(course / "gradebook.db"),
        str(course / "nbgrader_config.py"), "../../nbgrader_config.py",
        str(course / "instructor_notes.txt"),
        str(course / "submitted" / "alice" / UNIT / f"{UNIT}.ipynb"),
        str(course / "autograded"), str(home / "secrets.txt"), "/root/.bashrc",
        "/etc/shadow",
    ]
    return {
        "alice": {},  # honest
        "reader": {"square": SQUARE + _probe_reads(paths)},
        "env": {"square": SQUARE + "import os\nprint(dict(os.environ))"},
        "network": {"square": SQUARE + (
            "import socket\n"
            f"try:\n    socket.create_connection(('127.0.0.1', {port}), timeout=3)\n"
            "    print('CONNECTED')\nexcept OSError as exc:\n    print('no network', exc)\n"
            "try:\n    print('RESOLVED', socket.gethostbyname('example.org'))\n"
            "except OSError as exc:\n    print('no dns', exc)")},
        "shadow": {},  # honest answers, plus numpy.py and ipykernel_launcher.py beside them
        "daemon": {"square": SQUARE + (
            "import os, subprocess, sys\n"
            "subprocess.Popen(['sleep', '1000'], start_new_session=True)\n"
            "if os.fork() == 0:\n    os.setsid()\n    if os.fork() == 0:\n"
            "        os.execv(sys.executable, [sys.executable, '-c', 'import time; "
            f"time.sleep(1000)', '{MARKER}'])\n    os._exit(0)")},
        "forkbomb": {"mean_of": (
            "import os, time\nmade = 0\nfor i in range(500):\n    try:\n"
            "        pid = os.fork()\n    except OSError:\n        break\n"
            "    if pid == 0:\n        time.sleep(60)\n        os._exit(0)\n    made += 1\n"
            "print('forked', made)\n" + MEAN)},
        "memory": {"mean_of": "def mean_of(x):\n    return np.ones(10**10).sum()"},
        "stubborn": {"mean_of": (
            "import signal\n\ndef mean_of(x):\n"
            "    signal.signal(signal.SIGINT, signal.SIG_IGN)\n    while True:\n        pass")},
        "printer": {"square": SQUARE + (
            "print('x' * 150_000_000)\nfor i in range(200_000):\n    print('line', i)")},
        "publisher": {"square": SQUARE + (
            "from IPython.display import display\n"
            "display({'text/plain': 'y' * 100_000_000}, raw=True)")},
        "quitter": {"square": SQUARE + "exit()", "mean_of": MEAN + "quit()"},
        "patcher": {"square": PATCHED_CHECKS},
        "transformer": {"square": EMPTIED_CELLS},
        "snooper": {"square": SNOOP, "mean_of": SNOOP_PRINT},
    }


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def attacked(tmp_path_factory):
    assert sandbox.probe().sandboxed, f"no sandbox here: {sandbox.probe().reason}"
    base = tmp_path_factory.mktemp("attacks")
    course = released_fixture_course(base / "course")
    with open(course / "nbgrader_config.py", "a", encoding="utf-8") as fh:
        fh.write("\nc.Sandbox.processes = 32\nc.Sandbox.memory_mb = 1024\n"
                 "c.Execute.iopub_timeout = 10\n")
    (course / "instructor_notes.txt").write_text(COURSE_SECRET, encoding="utf-8")
    home = base / "home"
    home.mkdir()
    (home / "secrets.txt").write_text(HOME_SECRET, encoding="utf-8")
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(5)
    listener.setblocking(False)
    for student, answers in _attacks(course, home, listener.getsockname()[1]).items():
        make_submission(course, UNIT, student, answers)
    shadow = course / "submitted" / "shadow" / UNIT
    (shadow / "numpy.py").write_text(EVIL_MODULE, encoding="utf-8")
    (shadow / "ipykernel_launcher.py").write_text(EVIL_MODULE, encoding="utf-8")
    linked = course / "submitted" / "linker" / UNIT
    linked.mkdir(parents=True)
    (linked / f"{UNIT}.ipynb").symlink_to(course / "solutions" / UNIT / f"{UNIT}.ipynb")
    make_submission(course, UNIT, "linkfile", {})
    (course / "submitted" / "linkfile" / UNIT / "notes.txt").symlink_to(
        course / "instructor_notes.txt")
    config_before = _sha(course / "nbgrader_config.py")

    env = dict(subprocess_env(), JUPYTERHUB_API_TOKEN=TOKEN, HOME=str(home))
    measured = ("import resource, sys\nfrom mlpcourse.cli import main\ncode = main(sys.argv[1:])\n"
                "peak = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,\n"
                "           resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
                "print(f'PEAK_RSS_KB {peak}', file=sys.stderr)\nsys.exit(code)")
    start = time.monotonic()
    grader = subprocess.Popen(
        # one job: the class's timings are not shared with a second worker (a 5 s cell
        # limit), and the peak memory counts the grader and its worker processes
        [sys.executable, "-c", measured, "grade", UNIT, "--course", str(course),
         "--timeout", str(TIMEOUT), "--jobs", "1"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    stdout, stderr = grader.communicate(timeout=900)
    result = subprocess.CompletedProcess(grader.args, grader.returncode, stdout, stderr)
    seconds = time.monotonic() - start
    connections = 0
    while True:
        try:
            listener.accept()[0].close()
            connections += 1
        except BlockingIOError:
            break
    listener.close()
    return {"course": course, "result": result, "seconds": seconds, "home": home,
            "connections": connections, "config_before": config_before, "pid": grader.pid}


def _grades(course: Path) -> dict[str, dict]:
    return read_grades(course, UNIT)


def _autograded(course: Path, student: str) -> str:
    nb = nbformat.read(course / "autograded" / student / UNIT / f"{UNIT}.ipynb", as_version=4)
    return "\n".join(
        out.get("text", "") + out.get("evalue", "") + str(out.get("data", {}).get("text/plain", ""))
        for cell in nb.cells for out in cell.get("outputs", []))


def _every_file_under(*folders: Path) -> list[Path]:
    return [p for folder in folders if folder.exists() for p in folder.rglob("*") if p.is_file()]


def test_the_run_finishes_with_a_true_row_for_everyone(attacked):
    result = attacked["result"]
    assert result.returncode == 0, result.stdout + result.stderr
    grades = _grades(attacked["course"])
    students = set(_attacks(attacked["course"], attacked["home"], 0)) | {"linker", "linkfile"}
    assert set(grades) == students
    assert "kernels: bubblewrap sandbox" in result.stdout


def test_the_honest_student_gets_exactly_full_marks(attacked):
    grades = _grades(attacked["course"])
    assert grades["alice"]["status"] == Status.GRADED
    assert (grades["alice"]["score"], grades["alice"]["reason"]) == ("3", "")


def test_the_course_and_the_instructors_files_cannot_be_read_or_changed(attacked):
    course = attacked["course"]
    out = _autograded(course, "reader")
    assert "READ" not in out and "APPENDED" not in out, out
    assert out.count("\nno ") + out.startswith("no ") >= 10, out
    assert _sha(course / "nbgrader_config.py") == attacked["config_before"]
    assert _grades(course)["reader"]["score"] == "3"  # probing costs nothing, gains nothing
    for path in _every_file_under(course / "autograded", course / "feedback"):
        data = path.read_bytes()
        assert COURSE_SECRET.encode() not in data and HOME_SECRET.encode() not in data, path


def test_no_environment_value_of_the_grader_reaches_a_kernel_or_a_file(attacked):
    course = attacked["course"]
    out = _autograded(course, "env")
    assert "'HOME': '/home/student'" in out  # the cell did print the environment
    for path in _every_file_under(course / "autograded", course / "feedback"):
        assert TOKEN.encode() not in path.read_bytes(), path
        assert b"JUPYTERHUB" not in path.read_bytes(), path


def test_no_network(attacked):
    out = _autograded(attacked["course"], "network")
    assert "no network" in out and "no dns" in out, out
    assert "CONNECTED" not in out and "RESOLVED" not in out
    assert attacked["connections"] == 0


def test_files_beside_the_notebook_shadow_nothing(attacked):
    grades = _grades(attacked["course"])
    assert (grades["shadow"]["status"], grades["shadow"]["score"]) == (Status.GRADED, "3")
    assert "SHADOWED" not in _autograded(attacked["course"], "shadow")


def test_a_symbolic_link_is_refused_and_leaks_nothing(attacked):
    course = attacked["course"]
    grades = _grades(course)
    for student, link in (("linker", f"{UNIT}.ipynb"), ("linkfile", "notes.txt")):
        assert grades[student]["status"] == Status.INVALID
        assert grades[student]["score"] == ""
        assert f"refused: {link} is a symbolic link" in grades[student]["reason"]
        assert not (course / "feedback" / student).exists()
        assert not (course / "autograded" / student).exists()
    # (the linked file's content appears in no autograded or feedback file: the secret
    # check of test_the_course_and_the_instructors_files_cannot_be_read_or_changed)
    with pytest.raises(Exception, match="No such submission"):
        from nbgrader.api import Gradebook

        with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
            gb.find_submission(UNIT, "linker")


def test_no_process_outlives_grading(attacked):
    grades = _grades(attacked["course"])
    assert grades["daemon"]["status"] == Status.GRADED and grades["daemon"]["score"] == "3"
    found = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                if MARKER.encode() in (proc / "cmdline").read_bytes():
                    found.append(proc.name)
            except OSError:
                continue
    assert found == []
    # every kernel's control group was emptied and removed
    leftover = [p for c in Cgroup.V1
                for p in (Cgroup.ROOT / c / Cgroup.PARENT).glob(
                    f"{attacked['pid']}-*")]
    assert leftover == []


def test_a_fork_bomb_stops_at_the_process_cap(attacked):
    if Cgroup.kind() == "":
        pytest.skip("no writable cgroups here: no process cap")
    row = _grades(attacked["course"])["forkbomb"]
    assert row["score"] == "3", row  # the bomb fizzled, the answers below it were graded
    assert "reached the process limit" in row["reason"]
    forked = int(_autograded(attacked["course"], "forkbomb").split("forked ")[1].split()[0])
    assert 0 < forked < 32


def test_a_memory_hog_is_out_of_memory_and_the_rest_graded(attacked):
    row = _grades(attacked["course"])["memory"]
    assert (row["status"], row["score"]) == (Status.OUT_OF_MEMORY, "2")
    assert row["reason"] == ("test_mean_of ran out of memory (1024 MB); the other cells "
                             "were graded")


def test_a_loop_ignoring_interrupts_is_stopped_and_the_rest_graded(attacked):
    row = _grades(attacked["course"])["stubborn"]
    assert (row["status"], row["score"]) == (Status.TIMED_OUT, "2")
    assert row["reason"].startswith(f"test_mean_of stopped at the time limit ({TIMEOUT} s")


def test_huge_output_is_truncated_and_the_grader_stays_small(attacked):
    course, result = attacked["course"], attacked["result"]
    grades = _grades(course)
    assert (grades["printer"]["status"], grades["printer"]["score"]) == (Status.GRADED, "3")
    assert "square: output truncated" in grades["printer"]["reason"]
    assert "output truncated" in _autograded(course, "printer")
    notebook = course / "autograded" / "printer" / UNIT / f"{UNIT}.ipynb"
    assert notebook.stat().st_size < 3 << 20
    # past the kernel's own limit: refused on arrival, its cell failed (a solution cell:
    # square was defined before), the rest graded
    assert grades["publisher"]["score"] == "3", grades["publisher"]
    assert "square: output lost on the way" in grades["publisher"]["reason"]
    assert "OutputLost" in (course / "feedback" / "publisher" / UNIT / f"{UNIT}.html"
                            ).read_text(encoding="utf-8")
    peak_kb = int(result.stderr.split("PEAK_RSS_KB ")[1].split()[0])
    print(f"grader peak RSS: {peak_kb / 1024:.0f} MB for {len(grades)} students in "
          f"{attacked['seconds']:.0f} s")
    assert peak_kb < MAX_GRADER_RSS_MB * 1024


def test_exit_does_not_stop_grading(attacked):
    course = attacked["course"]
    row = _grades(course)["quitter"]
    assert (row["status"], row["score"]) == (Status.GRADED, "3")
    html = (course / "feedback" / "quitter" / UNIT / f"{UNIT}.html").read_text(encoding="utf-8")
    assert "do not stop a notebook under the autograder" in html


def test_cheating_inside_the_kernel_earns_nothing(attacked):
    # The checks patched to pass everything, or every later cell (tests included) replaced by
    # `pass`: inside the kernel all tests pass; the grader's verdicts, decided on the host
    # with the kernel only running the student's functions, do not.
    course = attacked["course"]
    grades = _grades(course)
    assert grades["patcher"]["score"] == "1", grades["patcher"]   # mean_of is right: 1 point
    assert grades["transformer"]["score"] == "0", grades["transformer"]  # mean_of never defined
    for student in ("alice", "patcher", "transformer"):
        nb = nbformat.read(course / "autograded" / student / UNIT / f"{UNIT}.ipynb", as_version=4)
        refereed = {e["cell"] for e in nb.metadata["mlpcourse"]["events"]
                    if e["kind"] == "refereed"}
        assert refereed == {"test_square", "test_mean_of"}, (student, refereed)
    out = _autograded(course, "patcher")
    assert "square([1, -2]) is not right yet" in out   # the message of the host's run


def test_hidden_tests_never_enter_the_kernel(attacked):
    # The kernel runs a refereed test cell as released (its hidden block taken out); the
    # hidden tests run on the host only. A submission recording every cell its kernel
    # runs sees the visible checks, never a hidden one.
    course = attacked["course"]
    row = _grades(course)["snooper"]
    assert (row["status"], row["score"]) == (Status.GRADED, "3"), row
    out = _autograded(course, "snooper")
    assert "SEEN" in out and 'name="square(3.0)"' in out, out     # the recording worked
    assert "HIDDEN TESTS" not in out and "square(-0.5)" not in out, out


def test_require_refuses_and_auto_says_loudly_where_there_is_no_sandbox(tmp_path, monkeypatch):
    """Without bubblewrap: ``--sandbox require`` grades nothing; ``auto`` grades, warns on
    stderr and notes it in every row."""
    course = released_fixture_course(tmp_path / "course")
    make_submission(course, UNIT, "alice", {})
    monkeypatch.setattr(sandbox, "probe",
                        lambda: sandbox.Isolation(False, "bwrap is not installed", ""))
    refused = run_cli("grade", UNIT, "--course", course, "--sandbox", "require")
    assert refused.returncode == 2
    assert "--sandbox require: no sandbox on this machine (bwrap is not installed" in \
        refused.stderr
    assert not (course / f"grades_{UNIT}.csv").exists()
    done = run_cli("grade", UNIT, "--course", course)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stderr.count("WARNING: grading UNISOLATED: bwrap is not installed") == 2
    row = _grades(course)["alice"]
    assert (row["status"], row["score"]) == (Status.GRADED, "3")
    assert row["reason"] == "graded UNISOLATED (bwrap is not installed)"


def test_off_grades_unisolated_on_purpose(tmp_path):
    course = released_fixture_course(tmp_path / "course")
    nb = nbformat.read(course / "exercises" / UNIT / f"{UNIT}.ipynb", as_version=4)
    write_submission(course, UNIT, "bob", nb)
    done = run_cli("grade", UNIT, "--course", course, "--sandbox", "off")
    assert done.returncode == 0 and "UNISOLATED (--sandbox off" in done.stdout
    row = _grades(course)["bob"]
    assert (row["status"], row["score"]) == (Status.GRADED, "0")
    assert "graded UNISOLATED (--sandbox off)" in row["reason"]


def test_links_anywhere_and_special_files_are_refused_before_nbgrader_reads_them(tmp_path):
    """A FIFO would block nbgrader's copy forever; a linked student folder would hand
    another folder in as the submission."""
    from mlpcourse.grading.submission import precheck, unsafe_entry

    folder = tmp_path / "submitted" / "eve" / UNIT
    (folder / "data").mkdir(parents=True)
    assert unsafe_entry(folder) is None
    os.mkfifo(folder / "data" / "pipe")
    assert unsafe_entry(folder) == "data/pipe is not a regular file"
    assert precheck(folder, [f"{UNIT}.ipynb"]).startswith("refused: data/pipe is not a regular")
    (tmp_path / "submitted" / "mallory").symlink_to(tmp_path / "submitted" / "eve")
    assert unsafe_entry(tmp_path / "submitted" / "mallory" / UNIT) == "mallory/ is a symbolic link"
