"""One control group per grading kernel: a memory and a process cap, and a clean kill.

Used by ``mlpcourse.sandbox``: the kernel's first process joins the group
before it runs anything (the ``ATTACH`` shell line there), so everything it
starts is inside; at the end the whole group is killed and checked empty.
cgroup v1 (this machine's kind: ``/sys/fs/cgroup/{memory,pids,freezer}``) and
v2 (one unified tree, with ``cgroup.kill``) are supported, as root or with a
delegated tree; elsewhere ``Cgroup.create`` gives None and only the rlimits
apply.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from pathlib import Path


class Cgroup:
    """One control group per kernel: a memory and a process cap, and a clean kill.

    cgroup v1 (``/sys/fs/cgroup/{memory,pids,freezer}``) or v2 (one unified
    tree), under a parent group ``mlpcourse``; ``None`` from ``create`` where
    neither can be written (not root, no delegation).
    """

    ROOT = Path("/sys/fs/cgroup")
    PARENT = "mlpcourse"
    V1 = ("memory", "pids", "freezer")

    def __init__(self, kind: str, dirs: dict[str, Path]):
        self.kind_, self.dirs = kind, dirs

    @classmethod
    def kind(cls) -> str:
        """``"v1"``, ``"v2"`` or ``""``: which cgroups this process can create."""
        if all(os.access(cls.ROOT / c, os.W_OK) for c in ("memory", "pids")):
            return "v1"
        if (cls.ROOT / "cgroup.controllers").exists() and os.access(cls.ROOT, os.W_OK):
            return "v2"
        return ""

    @classmethod
    def create(cls, name: str, memory_bytes: int, processes: int) -> Cgroup | None:
        kind = cls.kind()
        group = cls(kind, {})
        try:
            if kind == "v1":
                for ctrl in cls.V1:
                    if (cls.ROOT / ctrl).is_dir():
                        parent = cls.ROOT / ctrl / cls.PARENT
                        parent.mkdir(exist_ok=True)
                        _sweep(parent)
                        (parent / name).mkdir()
                        group.dirs[ctrl] = parent / name
                memory = group.dirs["memory"]
                _write(memory / "memory.limit_in_bytes", memory_bytes)
                with contextlib.suppress(OSError):  # only with swap accounting
                    _write(memory / "memory.memsw.limit_in_bytes", memory_bytes)
                _write(group.dirs["pids"] / "pids.max", processes)
                return group
            if kind == "v2":
                parent = cls.ROOT / cls.PARENT
                parent.mkdir(exist_ok=True)
                _enable_controllers(cls.ROOT)
                _enable_controllers(parent)
                _sweep(parent)
                (parent / name).mkdir()
                group.dirs["unified"] = parent / name
                _write(parent / name / "memory.max", memory_bytes)
                with contextlib.suppress(OSError):
                    _write(parent / name / "memory.swap.max", 0)
                _write(parent / name / "pids.max", processes)
                return group
        except (OSError, KeyError):
            group.remove()  # half made: nothing is left behind
        return None

    def procs_files(self) -> list[Path]:
        return [d / "cgroup.procs" for d in self.dirs.values()]

    def pids(self) -> set[int]:
        found = set()
        for path in self.procs_files():
            with contextlib.suppress(OSError):
                found |= {int(p) for p in path.read_text().split()}
        return found

    def limits_hit(self) -> set[str]:
        """Which caps stopped something: ``"memory"`` (an out-of-memory kill) and
        ``"processes"`` (a refused fork)."""
        hit = set()
        memory = self.dirs.get("memory") or self.dirs.get("unified")
        pids = self.dirs.get("pids") or self.dirs.get("unified")
        events = _counters(memory / ("memory.oom_control" if self.kind_ == "v1"
                                     else "memory.events"))
        if events.get("oom_kill", 0) > 0:
            hit.add("memory")
        if _counters(pids / "pids.events").get("max", 0) > 0:
            hit.add("processes")
        return hit

    def kill(self, timeout: float = 5.0) -> bool:
        """Kill every process of the group; True once it is empty."""
        deadline = time.monotonic() + timeout
        while self.pids():
            if self.kind_ == "v2" and (self.dirs["unified"] / "cgroup.kill").exists():
                with contextlib.suppress(OSError):
                    _write(self.dirs["unified"] / "cgroup.kill", 1)
            else:
                self._freeze(True)
                for pid in self.pids():
                    with contextlib.suppress(OSError):
                        os.kill(pid, signal.SIGKILL)
                self._freeze(False)
            if time.monotonic() > deadline:
                return False
            time.sleep(0.02)
        return True

    def _freeze(self, frozen: bool) -> None:
        freezer = self.dirs.get("freezer")
        with contextlib.suppress(OSError):
            if freezer is not None:
                _write(freezer / "freezer.state", "FROZEN" if frozen else "THAWED")
            elif "unified" in self.dirs:
                _write(self.dirs["unified"] / "cgroup.freeze", int(frozen))

    def remove(self) -> None:
        for path in self.dirs.values():
            for _ in range(50):
                try:
                    path.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.02)


def _write(path: Path, value) -> None:
    with open(path, "w", encoding="ascii") as fh:
        fh.write(str(value))


def _counters(path: Path) -> dict[str, int]:
    try:
        lines = path.read_text().splitlines()
    except OSError:
        return {}
    out = {}
    for line in lines:
        parts = line.split()
        if len(parts) == 2 and parts[1].isdigit():
            out[parts[0]] = int(parts[1])
    return out


def _enable_controllers(group: Path) -> None:
    wanted = {"memory", "pids"} - set((group / "cgroup.subtree_control").read_text().split())
    if wanted:
        _write(group / "cgroup.subtree_control", " ".join(f"+{c}" for c in sorted(wanted)))


def _sweep(parent: Path) -> None:
    """Remove empty groups left by grading runs that were killed (named ``<pid>-...``)."""
    for child in parent.iterdir():
        owner = child.name.split("-", 1)[0]
        if child.is_dir() and owner.isdigit() and not Path(f"/proc/{owner}").exists():
            with contextlib.suppress(OSError):
                child.rmdir()
