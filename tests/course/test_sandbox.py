"""The grading sandbox and executor (``mlpcourse.sandbox``, ``mlpcourse.grading.execute``).

Each test runs a few cells through ``GradingExecute`` exactly as ``mlpcourse
grade`` does (the same kernel manager, limits and events), without the
gradebook around it: one kernel start (~1 s) per test. The whole
``mlpcourse grade`` path over hostile submissions is tests/course/test_grading_attacks.py.

bubblewrap is required on Linux (``.ci/run`` installs it): a machine without it
fails here with the reason, rather than skipping the isolation tests.
"""

from __future__ import annotations

import json
import os
import socket
import sys
import time
from pathlib import Path

import nbformat
import pytest
from traitlets.config import Config

from mlpcourse import sandbox
from mlpcourse.grading.cgroups import Cgroup
from mlpcourse.grading.execute import GradingExecute, events_of
from pipeline_support import REPO

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="bubblewrap is Linux-only")


@pytest.fixture(scope="module", autouse=True)
def _bubblewrap_works():
    found = sandbox.probe()
    assert found.sandboxed, f"the grading sandbox does not work here: {found.reason}"


def run_cells(folder: Path, cells: list[str], *, isolate: bool = True,
              files: dict[str, str] | None = None, timeout: int = 20, iopub: int = 10,
              **limits) -> nbformat.NotebookNode:
    """Run ``cells`` (code) as a grading kernel would, in ``folder``; the executed notebook.

    ``files`` are written into ``folder`` and declared (copied into the sandbox);
    ``limits`` set ``c.Sandbox.<name>``.
    """
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in (files or {}).items():
        (folder / name).write_text(text, encoding="utf-8")
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(source) for source in cells]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    cfg = Config()
    cfg.Execute.timeout = timeout
    cfg.Execute.iopub_timeout = iopub
    for key, value in limits.items():
        setattr(cfg.Sandbox, key, value)
    cfg.SandboxedKernelManager.isolate = isolate
    cfg.SandboxedKernelManager.declared_files = sorted(files or {})
    cfg.SandboxedKernelManager.hidden_paths = [str(REPO), str(Path.home())]
    executed, _ = GradingExecute(config=cfg).preprocess(
        nb, {"metadata": {"path": str(folder)}})
    return executed


def text(cell) -> str:
    """Everything a cell showed: streams, results, errors (name: value)."""
    parts = []
    for out in cell.get("outputs", []):
        if out.output_type == "stream":
            parts.append(out.text)
        elif out.output_type == "error":
            parts.append(f"{out.ename}: {out.evalue}")
        else:
            parts.append(str(out.get("data", {}).get("text/plain", "")))
    return "".join(parts)


def errors(cell) -> list[str]:
    return [out.ename for out in cell.get("outputs", []) if out.output_type == "error"]


def kinds(nb) -> list[str]:
    return [e["kind"] for e in events_of(nb)]


# ---------------------------------------------------------------- what the kernel sees


SURVEY = r"""
import json, os, sys, resource
def can_read(path):
    try:
        with open(path, "rb") as fh:
            fh.read(1)
        return True
    except OSError:
        return False
def can_write(path):
    try:
        with open(path, "a") as fh:
            fh.write("x")
        return True
    except OSError:
        return False
print(json.dumps({
    "uid": os.getuid(),
    "cwd": os.getcwd(),
    "cwd_files": sorted(os.listdir(".")),
    "root": sorted(os.listdir("/")),
    "repo": sorted(os.listdir(REPO)) if os.path.isdir(REPO) else None,
    "home": sorted(os.listdir(HOME)) if os.path.isdir(HOME) else None,
    "solutions": os.path.exists(os.path.join(REPO, "solutions")),
    "config": can_read(os.path.join(REPO, "nbgrader_config.py")),
    "write_mlpkit": can_write(os.path.join(REPO, "mlpkit", "__init__.py")),
    "write_usr": can_write("/usr/lib/evil"),
    "write_root": can_write("/evil"),
    "env": dict(os.environ),
    "path": sys.path,
    "as": resource.getrlimit(resource.RLIMIT_AS)[0],
    "mnist": sorted(os.listdir(os.path.join(os.path.dirname(__import__("mlpkit").__file__),
                                            "datasets", "mnist"))),
}))
"""


def test_the_kernel_sees_python_mlpkit_and_its_own_files_only(tmp_path, monkeypatch):
    monkeypatch.setenv("JUPYTERHUB_API_TOKEN", "secret-token-417")
    monkeypatch.setenv("JUPYTER_CONFIG_DIR", "/secret/jupyter")
    nb = run_cells(tmp_path / "unit", [
        f"REPO = {str(REPO)!r}\nHOME = {str(Path.home())!r}",
        SURVEY,
        "import numpy, matplotlib.pyplot, ipywidgets, mlpkit.check\nprint('imports ok')",
    ], files={"data.csv": "1,2\n"}, memory_mb=1024)
    seen = json.loads(text(nb.cells[1]))
    assert "imports ok" in text(nb.cells[2]), text(nb.cells[2])
    assert seen["uid"] == sandbox.SANDBOX_UID
    assert seen["cwd"] == f"{sandbox.HOME}/unit" and seen["cwd_files"] == ["data.csv"]
    # the course folder holds only what Python needs (its environment, mlpkit)
    assert seen["solutions"] is False and seen["config"] is False
    assert set(seen["repo"]) <= {".venv", "mlpkit"}, seen["repo"]
    assert not seen["home"] or all(name == ".pyenv" for name in seen["home"]), seen["home"]
    assert not (seen["write_mlpkit"] or seen["write_usr"] or seen["write_root"])
    assert "train-images-idx3-ubyte.gz" in " ".join(seen["mnist"]) or seen["mnist"]
    # the environment is built from nothing: no token, no JUPYTER*, nothing of ours
    assert "secret" not in json.dumps(seen["env"])
    assert not [k for k in seen["env"] if k.startswith(("JUPYTER", "JPY_"))]
    assert seen["env"]["HOME"] == sandbox.HOME
    # python -I: neither the kernel's folder nor '' is on the path
    assert "" not in seen["path"] and seen["cwd"] not in seen["path"]
    assert seen["as"] == 1024 << 20
    assert events_of(nb) == [] and nb.metadata["mlpcourse"]["isolation"] == "bubblewrap"


def test_no_network_not_even_the_hosts_loopback(tmp_path):
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    server.settimeout(0.5)
    port = server.getsockname()[1]
    nb = run_cells(tmp_path / "unit", [
        "import socket\n"
        f"try:\n    socket.create_connection(('127.0.0.1', {port}), timeout=3)\n"
        "    print('CONNECTED')\nexcept OSError as exc:\n    print('refused', type(exc).__name__)",
        "try:\n    socket.getaddrinfo('example.org', 80)\n    print('RESOLVED')\n"
        "except OSError as exc:\n    print('no dns', type(exc).__name__)",
    ])
    with pytest.raises(TimeoutError):
        server.accept()
    server.close()
    assert text(nb.cells[0]).startswith("refused"), text(nb.cells[0])
    assert text(nb.cells[1]).startswith("no dns"), text(nb.cells[1])


@pytest.mark.parametrize("isolate", [True, False], ids=["sandboxed", "unisolated"])
def test_files_beside_the_notebook_never_shadow_a_module(tmp_path, isolate):
    """A numpy.py and an ipykernel_launcher.py (even declared, so copied beside the
    notebook) are not imported: the kernel starts and numpy is the real one."""
    evil = "print('SHADOWED')\nimport os\nos._exit(3)\n"
    nb = run_cells(tmp_path / "unit", [
        "import numpy, sys, os\nprint(numpy.__file__)\nprint(sorted(os.listdir('.')))",
    ], files={"numpy.py": evil, "ipykernel_launcher.py": evil, "IPython.py": evil},
        isolate=isolate)
    out = text(nb.cells[0])
    assert "SHADOWED" not in out and "site-packages" in out, out
    assert "numpy.py" in out  # it was there, beside the notebook
    assert events_of(nb) == []


def test_unisolated_kernels_still_get_the_scrubbed_environment_and_limits(tmp_path,
                                                                         monkeypatch):
    monkeypatch.setenv("JUPYTERHUB_API_TOKEN", "secret-token-417")
    nb = run_cells(tmp_path / "unit", [
        "import os, resource, sys\nprint(sorted(os.environ))\n"
        "print(resource.getrlimit(resource.RLIMIT_AS)[0], '' in sys.path)",
        "exit()\nprint('not reached')",
        "print('next cell ran')",
    ], isolate=False, memory_mb=1024)
    out = text(nb.cells[0])
    assert "JUPYTERHUB_API_TOKEN" not in out and "secret" not in out
    assert f"{1024 << 20} False" in out
    assert errors(nb.cells[1]) == ["ExitIgnoredByGrader"]
    assert text(nb.cells[2]) == "next cell ran\n"
    assert nb.metadata["mlpcourse"]["isolation"] == "unisolated"


# ---------------------------------------------------------------- what the kernel may do


def test_exit_and_quit_do_not_end_grading(tmp_path):
    nb = run_cells(tmp_path / "unit", [
        "x = 1\nexit()\nx = 2",
        "quit()",
        "import sys\ntry:\n    sys.exit(3)\nexcept SystemExit:\n    print('caught')",
        "print('x is', x)",
    ])
    assert errors(nb.cells[0]) == ["ExitIgnoredByGrader"]
    assert "do not stop a notebook under the autograder" in text(nb.cells[0])
    assert errors(nb.cells[1]) == ["ExitIgnoredByGrader"]
    assert text(nb.cells[2]) == "caught\n"
    assert text(nb.cells[3]) == "x is 1\n"  # the rest of the exit() cell was skipped
    assert events_of(nb) == []


@pytest.mark.parametrize(("stopped", "limits", "error", "said", "kind"), [
    pytest.param("import numpy as np\nhog = np.ones(10**10)", {"memory_mb": 512},
                 "MemoryError", "Unable to allocate", "memory", id="a big allocation"),
    pytest.param("import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\n"
                 "while True:\n    pass", {"timeout": 2},
                 "CellTimeoutError", "limit per cell", "timeout",
                 id="a loop that ignores the interrupt"),
])
def test_a_cell_stopped_at_a_limit_fails_alone_and_the_kernel_lives_on(
        tmp_path, stopped, limits, error, said, kind):
    """The cell fails with its reason; the next cell runs, with what the cells above made."""
    nb = run_cells(tmp_path / "unit", ["kept = 7", stopped, "print('kept', kept)"], **limits)
    assert errors(nb.cells[1]) == [error]
    assert said in text(nb.cells[1])
    assert text(nb.cells[2]) == "kept 7\n"
    assert kinds(nb) == [kind]


def test_a_kernel_killed_at_the_memory_cap_is_restarted_and_the_rest_graded(tmp_path):
    """Two processes together pass the cgroup cap (each stays under its RLIMIT_AS):
    the kernel is killed, restarted, the cells above run again, the next cells graded."""
    if Cgroup.kind() == "":
        pytest.skip("no writable cgroups here: the memory cap is per process only")
    hog = ("import subprocess, sys, time, numpy as np\n"
           "child = subprocess.Popen([sys.executable, '-c', "
           "'import time; b = bytearray(400 << 20); time.sleep(60)'])\n"
           "time.sleep(2)\n"
           "a = np.ones((600 << 20) // 8)\n"
           "print('survived')")
    nb = run_cells(tmp_path / "unit", ["x = 41", hog, "print(x + 1)"], memory_mb=1024)
    assert errors(nb.cells[1]) == ["KernelDied"], text(nb.cells[1])
    assert "out of memory" in text(nb.cells[1]) and "survived" not in text(nb.cells[1])
    assert text(nb.cells[2]) == "42\n"  # x came back: the cells above were run again
    assert kinds(nb) == ["memory"]


def test_a_crashed_kernel_is_restarted_and_the_rest_graded(tmp_path):
    nb = run_cells(tmp_path / "unit", [
        "x = 41", "import os\nos._exit(1)",
        "import os\nprint(x + 1, os.getcwd(), open('data.csv').read())",
    ], files={"data.csv": "1,2"})
    assert errors(nb.cells[1]) == ["KernelDied"]
    # the new sandbox is like the first: the same folder and files, the cells above rerun
    assert text(nb.cells[2]) == f"42 {sandbox.HOME}/unit 1,2\n"
    assert kinds(nb) == ["crash"]


# ---------------------------------------------------------------- time


def test_the_notebook_budget_bounds_every_cell_and_skips_the_rest(tmp_path):
    start = time.monotonic()
    nb = run_cells(tmp_path / "unit", [
        "import time\ntime.sleep(2)",
        "time.sleep(30)",
        "print('never')",
    ], timeout=20, notebook_timeout=5)
    took = time.monotonic() - start
    assert errors(nb.cells[1])[-1] == "CellTimeoutError"  # after the interrupt's traceback
    assert "time budget (5 s)" in text(nb.cells[1])
    assert errors(nb.cells[2]) == ["NotebookTimeout"] and "never" not in text(nb.cells[2])
    assert kinds(nb) == ["budget", "not_run"]
    assert took < 5 + 8, f"a 5 s budget took {took:.1f} s"


# ---------------------------------------------------------------- output


def test_output_is_truncated_with_a_marker_and_errors_are_always_kept(tmp_path):
    nb = run_cells(tmp_path / "unit", [
        "print('x' * 100_000)",
        "for i in range(3000):\n    print(i)",
        "from IPython.display import display\nfor i in range(200):\n    display('y' * 100)",
        "raise ValueError('z' * 100_000)",
    ], cell_output_kb=4, notebook_output_kb=12)
    first = text(nb.cells[0])
    assert first.startswith("x" * 1000) and "output truncated" in first
    assert len(first) < 6000
    assert "output truncated" in text(nb.cells[1]) and len(text(nb.cells[1])) < 6000
    assert "output truncated" in text(nb.cells[2])
    assert errors(nb.cells[3]) == ["ValueError"]  # past the notebook's cap, still there
    assert len(text(nb.cells[3])) < 3000
    assert kinds(nb).count("output") == 3
    total = sum(len(text(c)) for c in nb.cells)
    assert total < 4 * 4096 + 3000, total


def test_a_message_too_large_to_receive_fails_its_cell(tmp_path):
    """Output sent past the kernel's own limit (a raw display of 20 MB) is refused by the
    grader's socket: the cell is failed with a reason, the next cells still run."""
    nb = run_cells(tmp_path / "unit", [
        "from IPython.display import display\ndisplay({'text/plain': 'w' * 20_000_000}, "
        "raw=True)",
        "print('after')",
    ], cell_output_kb=64, iopub=3)
    assert errors(nb.cells[0]) == ["OutputLost"], text(nb.cells[0])[:300]
    assert "www" not in text(nb.cells[0])
    assert text(nb.cells[1]) == "after\n"
    assert "lost" in kinds(nb)


# ---------------------------------------------------------------- processes and disk


def _processes_with(marker: str) -> list[str]:
    found = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            if marker in cmdline:
                found.append(f"{proc.name}: {cmdline}")
    return found


def test_no_process_outlives_its_notebook(tmp_path):
    marker = f"mlpcourse-daemon-{os.getpid()}-{time.time_ns()}"
    daemon = (
        "import os, subprocess, sys, time\n"
        f"subprocess.Popen(['sleep', '1000'], start_new_session=True)\n"
        "if os.fork() == 0:\n"
        "    os.setsid()\n"
        "    if os.fork() == 0:\n"
        f"        os.execv(sys.executable, [sys.executable, '-c', 'import time; "
        f"time.sleep(1000)', '{marker}'])\n"
        "    os._exit(0)\n"
        "time.sleep(0.5)\n"
        f"print(subprocess.run(['pgrep', '-f', '{marker}'], capture_output=True, "
        "text=True).stdout.strip() != '')"
    )
    before = set(_processes_with("sleep 1000"))
    nb = run_cells(tmp_path / "unit", [daemon])
    assert text(nb.cells[0]).strip() in ("True", "False"), text(nb.cells[0])
    deadline = time.monotonic() + 5
    while _processes_with(marker) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _processes_with(marker) == []
    assert set(_processes_with("sleep 1000")) <= before
    ours = [p for c in Cgroup.V1 for p in
            (Cgroup.ROOT / c / Cgroup.PARENT).glob(f"{os.getpid()}-*")]
    assert ours == [], ours


def test_a_fork_bomb_stops_at_the_process_cap(tmp_path):
    if Cgroup.kind() == "":
        pytest.skip("no writable cgroups here: no process cap")
    bomb = ("import os, time\nmade = 0\nfor i in range(200):\n    try:\n"
            "        pid = os.fork()\n    except OSError:\n        break\n"
            "    if pid == 0:\n        time.sleep(30)\n        os._exit(0)\n"
            "    made += 1\nprint('made', made)")
    nb = run_cells(tmp_path / "unit", [bomb, "print('after')"], processes=16)
    made = int(text(nb.cells[0]).split()[-1])
    assert 0 < made < 16
    assert text(nb.cells[1]) == "after\n"
    assert "processes" in kinds(nb)


def test_the_work_folder_is_a_small_disk(tmp_path):
    nb = run_cells(tmp_path / "unit", [
        "import os\ntry:\n    with open('big', 'wb') as fh:\n"
        "        for _ in range(64):\n            fh.write(b'0' * (1 << 20))\n"
        "    print('WROTE', os.path.getsize('big'))\nexcept OSError as exc:\n"
        "    print('refused', exc.errno)",
    ], disk_mb=8)
    assert text(nb.cells[0]).startswith("refused"), text(nb.cells[0])


# ---------------------------------------------------------------- the parts


def test_declared_files_refuse_links_and_paths_outside(tmp_path):
    (tmp_path / "data.csv").write_text("1\n")
    (tmp_path / "link.csv").symlink_to(REPO / "nbgrader_config.py")
    assert sandbox.declared_files(tmp_path, ["data.csv", "absent.csv"]) == {
        "data.csv": tmp_path / "data.csv"}
    with pytest.raises(sandbox.SandboxError, match="symbolic link"):
        sandbox.declared_files(tmp_path, ["link.csv"])
    with pytest.raises(sandbox.SandboxError, match="inside the unit"):
        sandbox.declared_files(tmp_path, ["../x.csv"])


def test_modes(monkeypatch):
    from mlpcourse import grade

    assert grade.MODES == sandbox.MODES
    with pytest.raises(ValueError, match="must be one of"):
        sandbox.resolve_mode("maybe")
    assert sandbox.resolve_mode("off").sandboxed is False
    monkeypatch.setattr(sandbox, "probe", lambda: sandbox.Isolation(False, "no bwrap", ""))
    assert "UNISOLATED (no bwrap" in sandbox.resolve_mode("auto").describe()
    with pytest.raises(sandbox.SandboxError, match="--sandbox require: no sandbox"):
        sandbox.resolve_mode("require")


def test_probe_says_why_without_bubblewrap(monkeypatch):
    sandbox.probe.cache_clear()
    monkeypatch.setattr(sandbox.shutil, "which", lambda name: None)
    try:
        found = sandbox.probe()
    finally:
        sandbox.probe.cache_clear()
    assert not found.sandboxed and "bwrap is not installed" in found.reason


def test_the_course_config_sets_only_real_sandbox_settings():
    """Every ``c.Sandbox.<name>`` in nbgrader_config.py is a setting (a typo would be
    ignored by traitlets, silently leaving the default), and the defaults it states are
    the settings' own."""
    from traitlets.config.loader import PyFileConfigLoader

    cfg = PyFileConfigLoader("nbgrader_config.py", path=str(REPO)).load_config()
    names = set(sandbox.Sandbox.class_trait_names(config=True))
    assert set(cfg.Sandbox) <= names, set(cfg.Sandbox) - names
    defaults = sandbox.Sandbox()
    assert {k: getattr(defaults, k) for k in cfg.Sandbox} == dict(cfg.Sandbox)


def test_folders_bound_from_the_hosts_tmp_stay_visible(tmp_path, monkeypatch):
    """A checkout under /tmp (as CI clones it) keeps its .venv visible inside: the
    sandbox's private /tmp is mounted before the read-only binds, not over them."""
    venv = Path("/tmp/some-course/.venv")
    monkeypatch.setattr(sandbox.Layout, "_read_only", lambda self: [Path("/usr"), venv])
    args = sandbox.Layout(tmp_path, {}, 16).bwrap("bwrap", {})
    tmpfs_tmp = next(i for i in range(len(args) - 1) if args[i:i + 2] == ["--tmpfs", "/tmp"])
    bind = next(i for i in range(len(args) - 2) if args[i] == "--ro-bind" and args[i + 2] == str(venv))
    assert tmpfs_tmp < bind, "the private /tmp would hide a folder bound from the host's /tmp"
