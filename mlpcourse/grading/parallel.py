"""Students graded side by side (``--jobs N``), each in a process of its own.

nbgrader's converters are not thread-safe and keep state per process, so each
student's Autograde and GenerateFeedback run in a worker process (a
``ProcessPoolExecutor`` started with ``spawn``: no copy of the parent's
threads or sockets); each notebook's kernel is in its own sandbox. The parent
only hands out students and records what comes back: the grades file and the
run state are written by it alone, one student at a time.

Ctrl-C or SIGTERM to the parent: the students being graded are reported as
``interrupted``, the workers are stopped (their kernels go with them: the
sandbox dies with its parent), and ``KeyboardInterrupt`` is raised again. The
workers ignore Ctrl-C from the terminal: the parent decides. A parent killed
outright (SIGKILL, an out-of-memory kill) cannot stop them, so on Linux each
worker asks the kernel for a SIGTERM when its parent dies
(``PR_SET_PDEATHSIG``): nothing of the run is left running.
"""

from __future__ import annotations

import io
import multiprocessing
import os
import signal
import sys
from collections import deque
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool

from ..status import Status
from .outcome import Outcome

STOP_GRACE = 10  # seconds the workers get to stop their kernels before they are killed

_worker: dict = {}  # in a worker: what init_worker prepared


def default_jobs() -> int:
    """The cores this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # macOS
        return max(1, os.cpu_count() or 1)


class _Discard(io.TextIOBase):
    def write(self, text: str) -> int:
        return len(text)


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def _stop_worker(signum, frame):
    """SIGTERM in a worker: unwind the student's grading (its kernel is shut down on the
    way), then end; between students, end at once."""
    if _worker.get("busy"):
        raise KeyboardInterrupt
    os._exit(128 + signum)


def _die_with_parent() -> None:
    """Linux: have this process sent SIGTERM when its parent dies, however it dies."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, int(signal.SIGTERM))          # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    parent = multiprocessing.parent_process()
    if parent is not None and not parent.is_alive():   # it died before the request took effect
        os._exit(128 + signal.SIGTERM)


def init_worker(settings: dict) -> None:
    """In each worker: the course's grading configuration (``mlpcourse.grade.prepare``)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _stop_worker)
    _die_with_parent()
    sys.stdout = _Discard()  # the parent reports (notes are said once, there)
    from ..grade import prepare
    from ..kernels import kernel_env

    os.environ.update(kernel_env())
    _worker.update(prepare(**settings))


def grade_in_worker(student: str, submitted_at: float) -> Outcome:
    from ..grade import grade_one

    w = _worker
    w["busy"] = True
    try:
        return grade_one(w["cfg"], w["unit"], student, w["folders"], w["root"], w["expected"],
                         submitted_at)
    except KeyboardInterrupt:  # stopped by the parent: it no longer waits for a result
        os._exit(128 + signal.SIGTERM)
    finally:
        w["busy"] = False


def _stop(pool: ProcessPoolExecutor) -> None:
    """Stop every worker (SIGTERM, then SIGKILL after ``STOP_GRACE`` s) and the pool."""
    processes = list(getattr(pool, "_processes", {}).values())
    for p in processes:
        if p.is_alive():
            p.terminate()
    for p in processes:
        p.join(STOP_GRACE)
        if p.is_alive():
            p.kill()
            p.join(5)
    pool.shutdown(wait=False, cancel_futures=True)


def grade_all(students: list[tuple[str, float]], settings: dict, jobs: int, on_start, on_done):
    """Grade ``students`` ((id, submission time) pairs) with ``jobs`` workers.

    ``on_start(student)`` and ``on_done(student, outcome)`` run in this process as
    students start and finish (a worker that dies gives ``failed``). On Ctrl-C or
    SIGTERM, the students under way end ``interrupted``, then ``KeyboardInterrupt``.
    """
    pending = deque(students)
    context = multiprocessing.get_context("spawn")

    def new_pool():
        return ProcessPoolExecutor(max_workers=min(jobs, len(students)) or 1,
                                   mp_context=context, initializer=init_worker,
                                   initargs=(settings,))

    try:
        previous = signal.signal(signal.SIGTERM, _interrupt)
    except ValueError:  # not the main thread: SIGTERM stays as it is
        previous = None
    pool, running = new_pool(), {}
    try:
        while pending or running:
            while pending and len(running) < jobs:
                student, submitted_at = pending.popleft()
                on_start(student)
                running[pool.submit(grade_in_worker, student, submitted_at)] = student
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            broken = False
            for future in done:
                student = running.pop(future)
                try:
                    outcome = future.result()
                except BrokenProcessPool:
                    broken = True
                    outcome = Outcome(student)
                    outcome.end(Status.FAILED, problem="the grading process died (killed from "
                                "outside, or out of memory); run the command again")
                except Exception as exc:  # noqa: BLE001 - one student's failure only
                    outcome = Outcome(student)
                    outcome.end(Status.FAILED, problem=f"the grader failed: "
                                f"{type(exc).__name__}: {str(exc).strip()[:200]}")
                on_done(student, outcome)
            if broken:
                for future, student in running.items():
                    pending.appendleft((student, dict(students)[student]))
                running.clear()
                pool.shutdown(wait=False, cancel_futures=True)
                pool = new_pool()
    except KeyboardInterrupt:
        for student in running.values():
            outcome = Outcome(student)
            outcome.end(Status.INTERRUPTED, unit=settings["unit"])
            on_done(student, outcome)
        _stop(pool)
        raise
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    pool.shutdown(wait=True)
