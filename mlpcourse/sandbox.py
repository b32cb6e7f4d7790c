"""The grading sandbox: each submission's Python kernel runs isolated, with limits.

Threat model
------------
A submission is untrusted code: a student (or anyone who can hand in a file)
may try to read what they should not (the instructor's solutions and hidden
tests, the gradebook, other students' work, the instructor's files, tokens in
the environment), to change what decides grades (``nbgrader_config.py``, the
gradebook), to reach the network, or to take the grading machine down (an
infinite loop, a memory hog, a fork bomb, gigabytes of output, a daemon that
outlives grading). ``mlpcourse grade`` runs every notebook's kernel through
``SandboxedKernelManager``; nbgrader's client, which sends the cells and
records the outputs, stays on the host (``mlpcourse.grading.execute``).

What the kernel sees (bubblewrap, ``bwrap``: Linux namespaces, no daemon)
-----------------------------------------------------------------------
- read-only: the system (``/usr`` and the ``/bin``, ``/lib*`` links), a few
  files of ``/etc`` (the loader cache, time zone, fonts), the Python
  installation and its environment (``bin``, ``lib`` and ``pyvenv.cfg`` of
  ``sys.prefix`` and ``sys.base_prefix``, at their own paths) and mlpkit's
  package folder (with its MNIST copy) -- nothing else of the course folder,
  and nothing else of the instructor's home; other packages installed in
  editable mode outside the environment are not importable;
- its own work folder ``/home/student/<unit>``, ``/tmp`` and ``/dev/shm``: empty tmpfs
  holding a copy of the files the assignment declares (the non-notebook files
  of ``solutions/<unit>/``, in nbgrader's master version). The notebook file is
  not there: the kernel receives the cells one by one, and the file on the
  grader's side already holds the hidden tests;
- a private ``/proc`` (only its own processes) and a minimal ``/dev``;
- no network (its own network namespace: not even the host's loopback);
- an environment holding only ``PATH``, ``HOME``, ``LANG``, the matplotlib and
  thread settings and ``NBGRADER_EXECUTION``: no token, no ``JUPYTER*``, nothing
  of the instructor's shell;
- Python starts as ``python -I``: the kernel's folder is never on
  ``sys.path``, so a ``numpy.py`` or ``ipykernel_launcher.py`` handed in beside
  the notebook is never imported.

The kernel runs as uid 65534 in its own user namespace, with no capabilities,
no way to create further namespaces, and setuid programs powerless (no new
privileges). Outside, bubblewrap maps that uid to the grader's own, so what
protects the host is the mount layout: nothing of the host is writable from
inside. The kernel talks to the grader over ZeroMQ IPC sockets in its own
``/run/kernel``, which the grader reaches through ``/proc/<pid>/root``: the
sandbox needs no shared folder (a writable host folder could be filled).

Limits per notebook (``c.Sandbox.*`` in ``nbgrader_config.py``; defaults)
-----------------------------------------------------------------------
=====================  =======  ===================================================
memory_mb              2048     cgroup memory limit of the whole sandbox (processes
                                and tmpfs files); each process also gets it as
                                RLIMIT_AS, so a big allocation raises MemoryError
                                in the cell and the kernel lives on
processes              64       cgroup pids.max: a fork bomb stops there
disk_mb                256      size of the work folder, of /tmp and of /dev/shm
                                (each a tmpfs, in RAM: counted in memory_mb), and
                                the largest file a process may write
notebook_timeout       120 s    wall time for the whole notebook; every cell gets
                                min(``c.Execute.timeout``, what is left)
cell_output_kb         1024     output one cell may keep; the rest is dropped with
                                a visible marker
notebook_output_kb     8192     output the whole notebook may keep
=====================  =======  ===================================================

The grader, too, is protected from what a kernel sends. Inside the kernel,
printing stops at ``cell_output_kb`` per cell with a marker
(``mlpcourse.grading.kernel_boot``, which also turns ``exit()`` into an error
instead of the end of the kernel). Student code can get around that, so the
grader's own sockets refuse any message part larger than
max(4 x ``cell_output_kb``, 8 MB) and queue at most 32 messages, and its
executor keeps only ``cell_output_kb`` / ``notebook_output_kb`` of what
arrives: its memory stays bounded whatever a kernel sends.

When the kernel ends (normally, killed, or the grader dies: ``--die-with-parent``)
every process it started ends with it: they live in its PID namespace, whose
first process is killed, and, with cgroups (``mlpcourse.grading.cgroups``),
the whole group is killed and checked empty.

Where no sandbox exists
-----------------------
``c.Sandbox.mode`` (``mlpcourse grade --sandbox``): ``auto`` (default) uses the
sandbox where bubblewrap works and otherwise grades *unisolated*, saying so on
stderr and in every row of the grades file; ``require`` refuses to grade
without it; ``off`` grades unisolated on purpose (debugging). Unisolated, the
kernel still gets the scrubbed environment, ``python -I``, RLIMIT_AS and
RLIMIT_FSIZE, the time and output limits, and (as root) the cgroup limits; it
can read and write whatever the instructor's account can.

Not defended yet
----------------
- Hidden tests run inside the student's kernel: code that patches what the
  tests call (``check.close``, numpy), or reads the hidden cells once they
  have run, can turn a failing check into a pass. Verdicts computed on the
  host are the next step.
- The Linux kernel itself: a kernel exploit escapes any namespace sandbox
  (there is no seccomp filter beyond bubblewrap's).
- CPU time is shared: a submission may keep a core busy for its whole budget.
- Without cgroups (no root, or no delegated cgroup v2), there is no process
  cap and memory is capped per process only.
- Deliberately crafted ZeroMQ traffic (bypassing ipykernel) can hold up to
  32 x 8 MB in the grader's receive queue for a moment; an exception whose
  message is over 8 MB loses its cell's reply (the cell ends as timed out).
- Files handed in beside the notebook are copied by nbgrader into autograded/
  and feedback/ on the host, whatever their size (they never reach a kernel).
"""

from __future__ import annotations

import contextlib
import functools
import importlib.util
import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from queue import Empty

import zmq
import zmq.asyncio
from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.kernelspec import KernelSpec
from jupyter_client.manager import AsyncKernelManager
from traitlets import Bool, CaselessStrEnum, Integer, List, Unicode, default
from traitlets.config import Configurable

from .grading.cgroups import Cgroup
from .kernels import grading_env

MODES = ("auto", "require", "off")
SANDBOX_UID = 65534
KERNEL_BOOT = Path(__file__).resolve().parent / "grading" / "kernel_boot.py"

# Paths inside the sandbox.
RUN = "/run/kernel"  # the kernel's sockets and connection file (a tmpfs of its own)
BOOT = "/run/mlpcourse/kernel_boot.py"
FILES = "/run/mlpcourse/files"  # the declared files, read-only, copied into the work folder
HOME = "/home/student"

# /etc entries Python, numpy and matplotlib use; nothing else of /etc is visible.
ETC = ("ld.so.cache", "ld.so.conf", "ld.so.conf.d", "localtime", "alternatives", "fonts",
       "mime.types")


class SandboxError(RuntimeError):
    """A kernel could not be put in its sandbox (the submission or the machine is at fault)."""


def _limit(default: int, smallest: int, help: str) -> Integer:
    """A limit of the sandbox: a whole-number setting, ``c.Sandbox.<name>``."""
    return Integer(default, min=smallest, help=help).tag(config=True)


class Sandbox(Configurable):
    """Settings of the grading sandbox: ``c.Sandbox.<name>`` in ``nbgrader_config.py``."""

    mode = CaselessStrEnum(
        MODES, "auto",
        help="auto: sandbox where bubblewrap works, else grade unisolated (said loudly); "
             "require: refuse to grade without the sandbox; off: never sandbox (debugging)",
    ).tag(config=True)
    # _limit(default, smallest allowed, help)
    memory_mb = _limit(2048, 64, "memory of one notebook's kernel and all it starts, in MB")
    processes = _limit(64, 4, "processes (and threads) one notebook may run at once")
    disk_mb = _limit(256, 1, "size of the work folder, /tmp and /dev/shm (each a tmpfs), in MB")
    notebook_timeout = _limit(120, 1, "wall time for a whole notebook, in seconds")
    cell_output_kb = _limit(1024, 1, "output one cell may keep, in kB; more is cut, with a marker")
    notebook_output_kb = _limit(8192, 1, "output a whole notebook may keep, in kB")

    @property
    def cell_output_chars(self) -> int:
        return self.cell_output_kb * 1024

    @property
    def notebook_output_chars(self) -> int:
        return self.notebook_output_kb * 1024

    @property
    def max_message_bytes(self) -> int:
        """Largest message part the grader accepts from a kernel: room for a cell's whole
        output (JSON may take 4 bytes per character) and for a long traceback."""
        return max(4 * self.cell_output_chars + 65536, 8 << 20)

    def describe(self, timeout: int) -> str:
        """One line stating the limits, for the grading log."""
        return (f"{self.memory_mb} MB, {self.processes} processes, {self.disk_mb} MB disk, "
                f"{timeout} s per cell, {self.notebook_timeout} s per notebook, output "
                f"{self.cell_output_kb} kB per cell / {self.notebook_output_kb} kB per notebook")


# ---------------------------------------------------------------- is there a sandbox?


@dataclass(frozen=True)
class Isolation:
    """What ``probe`` found: whether kernels can be sandboxed here, and the cgroup kind."""

    sandboxed: bool
    reason: str  # why not, when not sandboxed
    cgroups: str  # "v1", "v2" or "" (none usable)

    def describe(self) -> str:
        caps = {"v1": "cgroup v1", "v2": "cgroup v2"}.get(self.cgroups, "no cgroups: rlimits only")
        if self.sandboxed:
            return f"bubblewrap sandbox ({caps})"
        return f"UNISOLATED ({self.reason}; {caps})"


@functools.cache
def probe() -> Isolation:
    """Whether a kernel can run in the sandbox on this machine (tried once per process).

    Runs the sandbox's Python with the real namespaces and mounts and imports
    ipykernel in it; any failure is the reason kernels would run unisolated.
    """
    cgroups = Cgroup.kind()
    bwrap = shutil.which("bwrap")
    if sys.platform != "linux":
        return Isolation(False, f"no bubblewrap sandbox on {sys.platform}", cgroups)
    if bwrap is None:
        return Isolation(False, "bwrap is not installed (apt-get install bubblewrap)", cgroups)
    with tempfile.TemporaryDirectory(prefix="mlpcourse-probe-") as tmp:
        layout = Layout(Path(tmp), files={}, disk_mb=8)
        cmd = layout.bwrap(bwrap, grading_env(HOME, "/tmp")) + [
            sys.executable, "-I", "-B", "-c", "import ipykernel, numpy; print('ok')"]
        try:
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=60,
                                  env={"PATH": "/usr/bin:/bin"}, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            return Isolation(False, f"bwrap could not run: {exc}", cgroups)
    if done.returncode != 0 or done.stdout.strip() != "ok":
        lines = (done.stderr or done.stdout).strip().splitlines()
        why = lines[-1] if lines else f"exit status {done.returncode}"
        return Isolation(False, f"bwrap failed here: {why[:200]}", cgroups)
    return Isolation(True, "", cgroups)


def resolve_mode(mode: str) -> Isolation:
    """The isolation to grade with under ``mode`` (``auto``, ``require``, ``off``).

    Raises ``SandboxError`` when ``mode`` is ``require`` and there is no sandbox.
    """
    if mode not in MODES:
        raise ValueError(f"sandbox mode must be one of {', '.join(MODES)}, got {mode!r}")
    if mode == "off":
        return Isolation(False, "--sandbox off", Cgroup.kind())
    found = probe()
    if mode == "require" and not found.sandboxed:
        raise SandboxError(
            f"--sandbox require: no sandbox on this machine ({found.reason}); install "
            "bubblewrap on Linux, or grade with --sandbox auto to run unisolated")
    return found


# ---------------------------------------------------------------- the file system layout


PYTHON_PARTS = ("bin", "lib", "lib64", "pyvenv.cfg")  # of a prefix: what Python needs


def _python_paths() -> list[Path]:
    """The parts of this Python's installation and environment the kernel needs (not, say,
    a prefix's ``etc/jupyter`` or ``share``)."""
    exe = Path(sys.executable)
    roots = {Path(p) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)}
    roots |= {r.resolve() for r in roots} | {exe.parent.parent, exe.resolve().parent.parent}
    return sorted(root / part for root in roots for part in PYTHON_PARTS
                  if (root / part).exists() or (root / part).is_symlink())


def _mlpkit_folder() -> Path | None:
    spec = importlib.util.find_spec("mlpkit")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))).resolve()


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


class Layout:
    """The file system and environment of one sandboxed kernel.

    ``runtime`` is the kernel's private folder on the host (connection file,
    passwd); ``files`` maps a path relative to the work folder to the host
    file copied there; ``hide`` lists folders that must stay invisible even
    when a bound folder holds them (the course, the instructor's home);
    ``hide_files`` lists files that must not exist inside (true labels that a
    host check scores against: their folder is replaced by one holding only
    the other files).
    """

    def __init__(self, runtime: Path, files: dict[str, Path], disk_mb: int,
                 hide: tuple[Path, ...] = (), hide_files: tuple[Path, ...] = ()):
        self.runtime, self.files, self.disk_mb = runtime, files, disk_mb
        self.hide = tuple(Path(h).resolve() for h in hide if h)
        self.hide_files = tuple(Path(f).resolve() for f in hide_files if f)
        (runtime / "passwd").write_text(
            f"student:x:{SANDBOX_UID}:{SANDBOX_UID}:student:{HOME}:/usr/sbin/nologin\n",
            encoding="utf-8")
        (runtime / "group").write_text(f"student:x:{SANDBOX_UID}:\n", encoding="utf-8")

    def _read_only(self) -> list[Path]:
        roots = [Path("/usr"), *_python_paths()]
        mlpkit = _mlpkit_folder()
        if mlpkit is not None:
            roots.append(mlpkit)
        kept = []
        for root in sorted(set(roots)):
            if not any(_inside(root, other) for other in kept):
                kept.append(root)
        return kept

    @staticmethod
    def _bind(path: Path) -> list[str]:
        if path.is_symlink():  # e.g. a venv's lib64 -> lib: the same link inside
            return ["--symlink", os.readlink(path), str(path)]
        return ["--ro-bind", str(path), str(path)]

    def _without_hidden_files(self, bound: list[Path]) -> list[str]:
        """Each folder holding a hidden file, rebuilt in the sandbox without it."""
        args = []
        folders = sorted({f.parent for f in self.hide_files
                          if any(_inside(f, r) for r in bound)})
        for folder in folders:
            args += ["--tmpfs", str(folder)]
            for entry in sorted(folder.iterdir()):
                if entry.resolve() not in self.hide_files:
                    args += self._bind(entry)
            args += ["--remount-ro", str(folder)]
        return args

    def bwrap(self, bwrap: str, env: dict, info_fd: int | None = None) -> list[str]:
        """The ``bwrap`` command line up to the command it runs; ``env`` is the whole
        environment inside; bwrap writes its first process's pid to ``info_fd``."""
        args = [bwrap, "--unshare-all", "--unshare-user", "--uid", str(SANDBOX_UID),
                "--gid", str(SANDBOX_UID), "--disable-userns", "--hostname", "grading",
                "--die-with-parent", "--new-session", "--clearenv"]
        for name in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
            top = Path("/") / name
            if top.is_symlink():
                args += ["--symlink", os.readlink(top), str(top)]
            elif top.is_dir():
                args += ["--ro-bind", str(top), str(top)]
        for name in ETC:
            if (Path("/etc") / name).exists():
                args += ["--ro-bind", f"/etc/{name}", f"/etc/{name}"]
        args += ["--ro-bind", str(self.runtime / "passwd"), "/etc/passwd",
                 "--ro-bind", str(self.runtime / "group"), "/etc/group"]
        # The private /tmp and /dev/shm come first, so that a bound folder that lives
        # under /tmp on the host (a checkout in /tmp, its .venv) stays visible on top.
        args += ["--proc", "/proc", "--dev", "/dev",
                 "--size", str(self.disk_mb << 20), "--tmpfs", "/dev/shm",
                 "--size", str(self.disk_mb << 20), "--tmpfs", "/tmp"]
        read_only = self._read_only()
        first = [r for r in read_only if not any(_inside(r, h) for h in self.hide)]
        later = [r for r in read_only if r not in first]
        for root in first:
            args += self._bind(root)
        # a hidden folder (the course, the instructor's home) inside a bound one is masked
        for hidden in self.hide:
            if any(_inside(hidden, r) for r in first):
                args += ["--tmpfs", str(hidden)]
        for root in later:  # e.g. the Python installed in the instructor's home
            args += self._bind(root)
        args += self._without_hidden_files(read_only)
        args += ["--size", str(self.disk_mb << 20), "--tmpfs", HOME,
                 "--size", str(1 << 20), "--tmpfs", RUN,
                 "--ro-bind", str(KERNEL_BOOT), BOOT]
        for rel, source in sorted(self.files.items()):
            args += ["--ro-bind", str(source), f"{FILES}/{rel}"]
        if (self.runtime / "kernel.json").exists():
            args += ["--ro-bind", str(self.runtime / "kernel.json"), f"{RUN}/kernel.json"]
        args += ["--remount-ro", "/", "--chdir", HOME]
        if info_fd is not None:
            args += ["--info-fd", str(info_fd)]
        for key, value in sorted(env.items()):
            args += ["--setenv", key, value]
        return args + ["--"]


def declared_files(folder: Path, names: list[str]) -> dict[str, Path]:
    """``{relative path: host file}`` for the declared ``names`` present in ``folder``.

    Raises ``SandboxError`` for a name that leaves the folder or a symbolic link
    anywhere on the way (a link could point at the solutions).
    """
    files = {}
    folder = Path(folder)
    for name in names:
        rel = Path(name)
        if rel.is_absolute() or ".." in rel.parts:
            raise SandboxError(f"declared file {name!r} must be a relative path inside the unit")
        path = folder
        for part in rel.parts:
            path = path / part
            if path.is_symlink():
                raise SandboxError(f"{path.relative_to(folder)} is a symbolic link: refused")
        if path.is_file():
            files[rel.as_posix()] = path
    return files


# The first process joins the cgroups, then becomes bwrap (or the kernel):
# everything it starts is inside from its first instruction on.
ATTACH = ('n=$1; shift; while [ "$n" -gt 0 ]; do echo $$ > "$1" || exit 125; shift; '
          'n=$((n-1)); done; exec "$@"')


# ---------------------------------------------------------------- the kernel manager


class BoundedKernelClient(AsyncKernelClient):
    """A kernel client whose sockets refuse oversized messages and queue few of them."""

    max_message_bytes = Integer(8 << 20)
    queued_messages = Integer(32)

    def _context_default(self) -> zmq.asyncio.Context:
        self._created_context = True
        context = zmq.asyncio.Context()
        context.setsockopt(zmq.MAXMSGSIZE, self.max_message_bytes)
        context.setsockopt(zmq.RCVHWM, self.queued_messages)
        return context

    async def wait_for_ready(self, timeout: float | None = None) -> None:
        """Return once the kernel answers a ``kernel_info`` request and IOPub delivers.

        jupyter_client's own wait then listens until IOPub has been quiet for
        0.2 s, at every kernel start; the grader reads IOPub by message id, so
        the kernel is ready as soon as one IOPub message arrives.
        """
        timeout = 60.0 if timeout is None else timeout
        deadline = time.monotonic() + timeout
        while True:
            msg_id = self.kernel_info()
            while time.monotonic() < deadline:
                try:
                    reply = await self.shell_channel.get_msg(timeout=1)
                except Empty:
                    break
                if reply["parent_header"].get("msg_id") != msg_id:
                    continue
                try:
                    await self.iopub_channel.get_msg(timeout=0.5)
                except Empty:
                    break                   # IOPub not connected yet: ask again
                self._handle_kernel_info_reply(reply)
                return
            if not await self._async_is_alive():
                raise RuntimeError("the grading kernel died before it answered")
            if time.monotonic() > deadline:
                raise RuntimeError(f"the grading kernel did not answer within {timeout:g} s")


class SandboxedKernelManager(AsyncKernelManager):
    """Starts a grading kernel: ``python -I`` with limits, in bubblewrap when ``isolate``.

    Always the Python kernel of this environment, whatever the notebook's
    metadata names (a submission cannot choose another kernel). nbgrader's
    ``cwd`` (the autograded folder) is where the declared files are taken from.
    """

    isolate = Bool(True, help="run the kernel in the bubblewrap sandbox").tag(config=True)
    declared_files = List(Unicode(), help="files of the assignment (relative to the "
                                          "notebook's folder) the kernel may see").tag(config=True)
    hidden_paths = List(Unicode(), help="folders never visible in the sandbox (the course, "
                                        "the instructor's home; default: the current folder "
                                        "and the home)").tag(config=True)
    hidden_files = List(Unicode(), help="files never present in the sandbox, even inside a "
                                        "visible folder (default: the true labels host checks "
                                        "score against, mlpcourse.grading.host_checks)"
                        ).tag(config=True)

    @default("hidden_files")
    def _label_files(self):
        from .grading.host_checks import hidden_files

        return [str(path) for path in hidden_files()]

    def __init__(self, **kwargs):
        kwargs["kernel_name"] = "python3"
        super().__init__(**kwargs)
        self.client_factory = BoundedKernelClient
        self.settings = Sandbox(parent=self)
        self.cgroup: Cgroup | None = None
        self.runtime: Path | None = None
        self.sandbox_pid: int | None = None
        self._folder: Path | None = None  # nbgrader's cwd: where the declared files are
        self._info: tuple[int, int] | None = None
        self._spec = KernelSpec(
            argv=[], display_name="Python 3 (grading)", language="python",
            interrupt_mode="message", env={}, metadata={})

    @property
    def kernel_spec(self) -> KernelSpec:
        return self._spec

    def client(self, **kwargs):
        kwargs.setdefault("max_message_bytes", self.settings.max_message_bytes)
        return super().client(**kwargs)

    # ---- start

    async def _async_pre_start_kernel(self, **kw):
        self._teardown()
        self.runtime = Path(tempfile.mkdtemp(prefix="mlpcourse-kernel-"))
        self.connection_file = str(self.runtime / "kernel.json")
        self._connection_file_written = False
        if self._folder is None:  # a restart's kw hold the previous sandbox's folder
            self._folder = Path(kw.get("cwd") or os.getcwd())
        folder = self._folder
        files = declared_files(folder, list(self.declared_files))
        limits = self.settings
        name = f"{os.getpid()}-{uuid.uuid4().hex[:12]}"
        self.cgroup = Cgroup.create(name, limits.memory_mb << 20, limits.processes)
        boot = {"memory_bytes": limits.memory_mb << 20, "file_bytes": limits.disk_mb << 20,
                "output_chars": limits.cell_output_chars}
        if self.isolate:
            self.transport, self.ip = "ipc", f"{RUN}/kernel"
            boot.update(copy_from=FILES, workdir=f"{HOME}/{folder.name or 'work'}")
            hidden = self.hidden_paths or [os.getcwd(), str(Path.home())]
            self._layout = Layout(self.runtime, files, limits.disk_mb,
                                  hide=tuple(Path(p) for p in hidden),
                                  hide_files=tuple(Path(p) for p in self.hidden_files))
            self._inner_env = dict(grading_env(HOME, "/tmp"),
                                   MLPCOURSE_KERNEL=json.dumps(boot))
            kw["env"] = {"PATH": "/usr/bin:/bin"}  # bwrap's own; the kernel's is _inner_env
            kw["cwd"] = str(self.runtime)
        else:
            self.transport, self.ip = "tcp", "127.0.0.1"
            home = self.runtime / "home"
            (home / "tmp").mkdir(parents=True)
            kw["env"] = dict(grading_env(str(home), str(home / "tmp")),
                             MLPCOURSE_KERNEL=json.dumps(boot))
            kw["cwd"] = str(folder)
        return await super()._async_pre_start_kernel(**kw)

    def format_kernel_cmd(self, extra_arguments=None) -> list[str]:
        extra = list(extra_arguments or [])
        if self.isolate:
            self._info = os.pipe()
            bwrap = shutil.which("bwrap") or "bwrap"
            cmd = self._layout.bwrap(bwrap, self._inner_env, info_fd=self._info[1]) + [
                sys.executable, "-I", "-B", BOOT, "-f", f"{RUN}/kernel.json", *extra]
        else:
            cmd = [sys.executable, "-I", "-B", str(KERNEL_BOOT), "-f", self.connection_file,
                   *extra]
        if self.cgroup is not None:
            files = [str(p) for p in self.cgroup.procs_files()]
            cmd = ["/bin/sh", "-c", ATTACH, "sh", str(len(files)), *files, *cmd]
        return cmd

    async def _async_launch_kernel(self, kernel_cmd, **kw):
        # the kernel's own stdout and stderr (start-up chatter, bwrap's errors) go to a
        # pipe read only on failure: nothing of it reaches the grader's terminal or disk
        kw.update(stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        if self._info is not None:
            kw["pass_fds"] = (self._info[1],)
        try:
            await super()._async_launch_kernel(kernel_cmd, **kw)
        finally:
            if self._info is not None:
                os.close(self._info[1])
        if self._info is not None:
            try:
                self.sandbox_pid = _read_child_pid(self._info[0], timeout=30)
            except SandboxError as exc:
                raise SandboxError(f"{exc}: {self.kernel_output()}") from None
            finally:
                os.close(self._info[0])
                self._info = None
            # the host reaches the kernel's sockets through its mount namespace
            self.ip = f"/proc/{self.sandbox_pid}/root{RUN}/kernel"

    def kernel_output(self, limit: int = 4096) -> str:
        """What the kernel process wrote to its own stdout/stderr so far (the last part)."""
        process = getattr(self.provisioner, "process", None)
        pipe = getattr(process, "stdout", None)
        if pipe is None:
            return ""
        os.set_blocking(pipe.fileno(), False)
        data = b""
        with contextlib.suppress(OSError, TypeError):
            while chunk := pipe.read(65536):
                data = (data + chunk)[-limit:]
        return data.decode("utf-8", "replace").strip()

    # ---- end

    def cleanup_ipc_files(self) -> None:
        """Nothing to do: the sockets lived in the sandbox's own tmpfs."""

    def limits_hit(self) -> set[str]:
        """The caps (``"memory"``, ``"processes"``) that stopped something in this kernel."""
        return self.cgroup.limits_hit() if self.cgroup is not None else set()

    async def _async_kill_kernel(self, restart: bool = False) -> None:
        await super()._async_kill_kernel(restart=restart)
        if self.cgroup is not None:
            self.cgroup.kill()

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        await super()._async_cleanup_resources(restart=restart)
        self._teardown()

    def _teardown(self) -> None:
        if self.provisioner is not None and self.provisioner.has_process:
            with contextlib.suppress(Exception):
                self.provisioner.process.kill()
            with contextlib.suppress(Exception):
                self.provisioner.process.stdout.close()
        if self.cgroup is not None:
            self.cgroup.kill()
            self.cgroup.remove()
            self.cgroup = None
        if self.runtime is not None:
            shutil.rmtree(self.runtime, ignore_errors=True)
            self.runtime = None
        if self._info is not None:
            for fd in self._info:
                with contextlib.suppress(OSError):
                    os.close(fd)
            self._info = None
        self.sandbox_pid = None


def _read_child_pid(fd: int, timeout: float) -> int:
    """The sandbox's first process, from bwrap's ``--info-fd`` JSON."""
    data = b""
    deadline = time.monotonic() + timeout
    while b"}" not in data:
        left = deadline - time.monotonic()
        ready, _, _ = select.select([fd], [], [], max(left, 0))
        if not ready:
            raise SandboxError(f"the sandbox did not start within {timeout:g} s")
        chunk = os.read(fd, 4096)
        if not chunk:
            raise SandboxError("the sandbox failed to start (bwrap exited; see the log)")
        data += chunk
    return int(json.loads(data.decode())["child-pid"])
