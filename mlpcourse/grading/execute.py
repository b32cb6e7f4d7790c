"""``GradingExecute``: nbgrader's Execute preprocessor, made to survive what a submission does.

Named in ``nbgrader_config.py`` in place of ``nbgrader.preprocessors.Execute``.
It runs the notebook's cells in a kernel started by
``mlpcourse.sandbox.SandboxedKernelManager`` (the sandbox, or unisolated
where there is none) and adds, on the grader's side:

- a time budget per notebook (``c.Sandbox.notebook_timeout``): each cell gets
  ``min(c.Execute.timeout, what is left)``; once the budget is spent the
  remaining cells are not run and each says so;
- output limits applied while messages arrive (``c.Sandbox.cell_output_kb``,
  ``notebook_output_kb``): past them outputs are dropped with one visible
  marker per cell. Error outputs are always kept (shortened): a failing test
  must never lose the error that makes it fail;
- a dead kernel (out of memory, ``os._exit``, a crash) or one that ignores the
  interrupt after a timeout is restarted in a fresh sandbox, the cells before
  are run again silently, the cell at fault gets an error saying what
  happened, and grading goes on with the next cell;
- the referee (``referee``): a graded test cell runs in the kernel as released
  (its hidden block taken out), then whole on the host, calling the student's
  functions in the kernel; the host's outputs are the cell's;
- host checks (``host_checks``): grade cells whose answers never enter the
  kernel are scored here, on the host, from what the cell recorded and how
  long it took; and an ``execute_result`` in any other test cell is shown but
  never read as a score (nbgrader would take a number there as partial
  credit, and a submission can print one);
- a record of all that: ``notebook.metadata["mlpcourse"]["events"]``, a list
  of ``{"kind", "cell", "detail"}`` written by the grader (whatever the
  submission's metadata held), which ``mlpcourse grade`` turns into a status.

Event kinds: ``timeout`` (a cell hit its limit), ``budget`` (the notebook's
budget ran out during a cell), ``not_run`` (a cell skipped: budget spent, or
no kernel could be restarted), ``memory`` (MemoryError, or the kernel killed
at the memory cap), ``crash`` (the kernel died otherwise, or could not be
restarted), ``lost`` (a cell's output never arrived whole), ``output``
(output truncated), ``processes`` (the process cap refused a new process).
"""

from __future__ import annotations

import asyncio
import json
from queue import Empty
from time import monotonic

import zmq
import zmq.asyncio
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbclient.util import ensure_async, run_sync
from nbformat.v4 import new_output
from nbgrader.preprocessors import Execute
from traitlets import default

from ..leaks import markers
from ..sandbox import Sandbox, SandboxedKernelManager
from . import host_checks, source, wire
from .feedback import split_hidden
from .referee import NotJudgeable, Referee

METADATA_KEY = "mlpcourse"
ERROR_TEXT = 2000  # characters kept of an error's value and of each traceback line
ERROR_LINES = 40  # traceback lines kept (the last ones: where it failed)
INTERRUPT_GRACE = 5  # seconds a kernel gets to come back from an interrupt
HOST_CHECK_GRACE = 30  # seconds a host-checked cell may run past its budget (to say by how much)


def label(cell, index: int) -> str:
    """How a cell is named to students and instructors: its grade_id, else its position."""
    gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
    return gid or f"cell {index + 1}"


def events_of(nb) -> list[dict]:
    """The events ``GradingExecute`` recorded in an executed notebook (``[]`` if none)."""
    record = nb.get("metadata", {}).get(METADATA_KEY, {})
    return list(record.get("events", [])) if isinstance(record, dict) else []


def _error(ename: str, evalue: str):
    return new_output("error", ename=ename, evalue=evalue,
                      traceback=[f"\x1b[0;31m{ename}\x1b[0m: {evalue}"])


def _shorten_error(content: dict) -> None:
    """Bound an error's size in place; its name (what scoring looks at) is kept."""
    content["evalue"] = str(content.get("evalue", ""))[:ERROR_TEXT]
    lines = [str(line)[:ERROR_TEXT] for line in content.get("traceback") or []]
    if len(lines) > ERROR_LINES:
        lines = [f"[{len(lines) - ERROR_LINES} traceback lines left out]",
                 *lines[-ERROR_LINES:]]
    content["traceback"] = lines


def _size(msg: dict) -> int:
    """Characters a message would add to the notebook (a cheap upper-bound estimate)."""
    content = msg.get("content", {})
    if msg["msg_type"] == "stream":
        return len(content.get("text", ""))
    data = content.get("data")
    if isinstance(data, dict) and msg["msg_type"] != "comm_msg":
        return sum(len(v) if isinstance(v, str) else len(json.dumps(v)) for v in data.values())
    return len(json.dumps(content, default=str)) + sum(len(b) for b in msg.get("buffers") or [])


class GradingExecute(Execute):
    """nbgrader's ``Execute`` with a notebook budget, output limits and kernel restarts."""

    def __init__(self, **kwargs):
        kwargs["kernel_manager_class"] = SandboxedKernelManager
        super().__init__(**kwargs)

    @default("shutdown_kernel")
    def _kill_at_the_end(self):
        return "immediate"  # nothing in a grading kernel is worth a polite shutdown

    # ---------------------------------------------------------------- the notebook

    def preprocess(self, nb, resources=None, km=None):
        from nbclient import NotebookClient

        NotebookClient.__init__(self, nb, km)
        self.reset_execution_trackers()
        self._check_assign_resources(resources)
        self.limits = Sandbox(parent=self)
        self.events: list[dict] = []
        self.deadline = monotonic() + self.limits.notebook_timeout
        self.notebook_chars = 0
        self.hits: set[str] = set()  # caps the kernels' cgroups reported
        self.iopub_wait = self.iopub_timeout
        self.checks = self._host_checks(resources or {})
        self.referee = None       # made at the first graded cell (see _referee_for)
        self.kernel_sources: dict[int, str] = {}  # what the kernel ran of each cell
        self.seconds: dict[int, float] = {}  # wall time of each cell, measured here
        with self.setup_kernel():
            isolation = "bubblewrap" if self.km.isolate else "unisolated"
            info = self.wait_for_reply(self.kc.kernel_info())
            if info is None:
                raise RuntimeError("the grading kernel started but never answered")
            self.nb.metadata["language_info"] = info["content"]["language_info"]
            self._run_cells()
            self._collect_hits()
        self._score_on_host()
        self.set_widgets_metadata()
        if "processes" in self.hits:
            self._event("processes", "the notebook", "a new process was refused at the "
                        f"limit of {self.limits.processes}")
        if "memory" in self.hits and not any(e["kind"] == "memory" for e in self.events):
            self._event("memory", "the notebook", "a process was killed at the memory "
                        f"limit of {self.limits.memory_mb} MB")
        self.nb.metadata[METADATA_KEY] = {"isolation": isolation, "events": self.events}
        return self.nb, self.resources

    def _host_checks(self, resources: dict) -> dict:
        """The host checks of this notebook, read from the instructor's source notebook."""
        path = source.of_resources(self.config, resources)
        if path is None or not path.is_file():
            return {}
        return host_checks.checks_in(source.read(path))

    # ---------------------------------------------------------------- the referee

    def _test_id(self, cell) -> str | None:
        """The grade_id of a graded test cell that is not a host check; None otherwise."""
        meta = cell.get("metadata", {}).get("nbgrader", {})
        grade_id = meta.get("grade_id")
        if (cell.cell_type != "code" or not meta.get("grade") or meta.get("solution")
                or grade_id in self.checks):
            return None
        return grade_id

    def _refereed_id(self, cell) -> str | None:
        """The grade_id of a graded test cell the referee judges; None for any other cell."""
        grade_id = self._test_id(cell)
        if grade_id is None:
            return None
        if self.referee is None:
            self.referee = self._make_referee()
        return grade_id if self.referee and self.referee.judges(grade_id) else None

    def _kernel_source(self, cell) -> str:
        """What the kernel runs of a cell: a refereed test cell without its hidden tests
        (the referee runs them here: their code and expected values never enter the
        sandbox, and run once, not twice); any other cell as it is."""
        if self._refereed_id(cell) is None:
            return cell.source
        marks = markers(self.config)
        return split_hidden(cell.source, marks["begin_test"], marks["end_test"])[0]

    def _referee_cell(self, cell, index: int) -> bool:
        """Replace a refereed cell's outputs by its run on the host; False when the referee
        cannot judge it (then the kernel must run it whole: ``_run_cells``)."""
        grade_id = self._refereed_id(cell)
        if grade_id is None:
            if self._test_id(cell) is not None:
                self._event("sandbox_verdict", label(cell, index), "left to the kernel by the "
                            "instructor's notebook")
            return True
        try:
            outputs = self.referee.judge(grade_id)
        except NotJudgeable as exc:
            self._event("sandbox_verdict", label(cell, index), str(exc))
            return False
        except Exception as exc:  # noqa: BLE001 - the grader's own failure: say so, keep going
            self.log.error("the referee failed on %s: %s", grade_id, exc)
            self._event("sandbox_verdict", label(cell, index), f"the referee failed: {exc}")
            return False
        cell.outputs = outputs
        self._event("refereed", label(cell, index), "judged by the grader, outside the sandbox")
        return True

    def _make_referee(self):
        path = source.of_resources(self.config, self.resources)
        if path is None or not path.is_file():
            return False
        try:
            notebook = source.read(path)
        except Exception as exc:  # noqa: BLE001
            self.log.error("cannot read the source notebook %s: %s", path, exc)
            return False
        return Referee(notebook, self._send, self._left, self._message)

    async def _async_send(self, code: str, wait: float, on_input=None) -> list[str]:
        """Run ``code`` in the kernel; the ``wire.MIME`` payloads it displayed. An ``input()``
        it asks for is answered with ``on_input(prompt)`` (nothing, without one)."""
        msg_id = self.kc.execute(code, silent=False, store_history=False, allow_stdin=True)
        deadline = monotonic() + wait
        answers: list[str] = []
        stdin, iopub = self.kc.stdin_channel, self.kc.iopub_channel
        poller = zmq.asyncio.Poller()   # one wait on both sockets: no polling interval
        poller.register(stdin.socket, zmq.POLLIN)
        poller.register(iopub.socket, zmq.POLLIN)
        while True:
            left = deadline - monotonic()
            if left <= 0:
                await ensure_async(self.km.interrupt_kernel())
                raise TimeoutError(f"the student's function did not return within {wait:.0f} s")
            ready = dict(await poller.poll(int(left * 1000) + 1))
            if stdin.socket in ready:
                request = await ensure_async(stdin.get_msg(timeout=0))
                if request["msg_type"] == "input_request":
                    prompt = str(request["content"].get("prompt", ""))
                    self.kc.input(on_input(prompt) if on_input else "")
            if iopub.socket not in ready:
                continue
            msg = await ensure_async(iopub.get_msg(timeout=0))
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            if msg["msg_type"] == "display_data":
                data = msg["content"].get("data", {})
                if isinstance(data.get(wire.MIME), str):
                    answers.append(data[wire.MIME])
            elif (msg["msg_type"] == "status"
                  and msg["content"].get("execution_state") == "idle"):
                break
        await self._async_reply(msg_id, 5)
        return answers

    _send = run_sync(_async_send)

    async def _async_message(self, name: str, payload: str, wait: float) -> list[str]:
        """One call as a ``wire.CALL_REQUEST`` message; its answer comes back on the shell
        channel (``wire.install``). Raises ``TimeoutError`` after ``wait`` seconds."""
        request = self.kc.session.msg(wire.CALL_REQUEST, {"name": name, "payload": payload})
        self.kc.shell_channel.send(request)
        msg_id = request["header"]["msg_id"]
        deadline = monotonic() + wait
        while True:
            left = deadline - monotonic()
            if left <= 0:
                await ensure_async(self.km.interrupt_kernel())
                raise TimeoutError(f"the student's function did not return within {wait:.0f} s")
            try:
                reply = await ensure_async(self.kc.shell_channel.get_msg(timeout=left))
            except Empty:
                continue
            if reply["parent_header"].get("msg_id") == msg_id:
                break
        # what the call printed, and the kernel's busy/idle, must not fill IOPub's queue
        while monotonic() < deadline + 5:
            try:
                msg = await ensure_async(self.kc.iopub_channel.get_msg(timeout=1))
            except Empty:
                break
            if (msg["parent_header"].get("msg_id") == msg_id and msg["msg_type"] == "status"
                    and msg["content"].get("execution_state") == "idle"):
                break
        text = reply["content"].get("answer") if reply["msg_type"] == wire.CALL_REPLY else None
        return [text] if isinstance(text, str) else []

    _message = run_sync(_async_message)

    def _score_on_host(self) -> None:
        truth = {}
        for index, cell in enumerate(self.nb.cells):
            meta = cell.get("metadata", {}).get("nbgrader", {})
            if cell.cell_type != "code" or not meta.get("grade") or meta.get("solution"):
                continue
            check = self.checks.get(meta.get("grade_id"))
            if check is None:  # a number printed by the submission is not a score
                for out in cell.outputs:
                    if out.get("output_type") == "execute_result":
                        out["output_type"] = "display_data"
                        out.pop("execution_count", None)
                continue
            if check.labels not in truth:
                truth[check.labels] = host_checks.true_labels(check.labels)
            cell.outputs, points = host_checks.judge(
                check, cell.outputs, self.seconds.get(index, 0.0), truth[check.labels])
            self._event("host_check", label(cell, index), f"{points:g} of {check.points:g} "
                        "points, scored by the grader")

    def _collect_hits(self) -> set[str]:
        if self.km is not None:
            self.hits |= self.km.limits_hit()
        return self.hits

    def _run_cells(self) -> None:
        done: list[int] = []  # cells run so far, replayed after a restart
        for index, cell in enumerate(self.nb.cells):
            if cell.cell_type != "code" or not cell.source.strip():
                continue
            if self._left() <= 0:
                self._event("not_run", label(cell, index), "the notebook's time budget of "
                            f"{self.limits.notebook_timeout} s was used up")
                cell.outputs = [_error(
                    "NotebookTimeout",
                    f"not run: the notebook's time budget ({self.limits.notebook_timeout} s) "
                    "was used up by the cells above")]
                continue
            started = monotonic()
            ran = self._run_in_kernel(cell, index, self._kernel_source(cell))
            if ran and not self.timed_out and not self._referee_cell(cell, index):
                # the referee could not judge it: the kernel runs it whole, hidden tests
                # included, and its verdict stands
                ran = self._run_in_kernel(cell, index, cell.source)
            self.seconds[index] = monotonic() - started
            if ran:
                if not self.timed_out:  # a replay must not run a stopped loop again
                    done.append(index)
                continue
            restarted = self._restart_and_replay(done)
            if self.died:
                cell.outputs.append(_error("KernelDied", self.died + (
                    "; a new kernel ran the cells above again and grading went on"
                    if restarted else "")))
            if not restarted:
                self._event("crash", label(cell, index), "the kernel could not be restarted")
                self._fail_rest(index)
                return

    def _run_in_kernel(self, cell, index: int, source: str) -> bool:
        """``_run_one`` with the kernel given ``source`` for the cell (kept for a replay)."""
        full = cell.source
        cell.source = self.kernel_sources[index] = source
        try:
            return self._run_one(cell, index)
        finally:
            cell.source = full

    def _run_one(self, cell, index: int) -> bool:
        """Run one cell; False when the kernel must be replaced (it died, or did not come
        back from the interrupt after a timeout: ``self.died`` says why, if it died)."""
        self.cell_chars, self.cell_truncated = 0, False
        self.timed_out, self.died = False, ""
        limit = self._get_timeout(cell)
        by_budget = limit < (self.timeout or limit + 1)
        why = (f"the notebook's time budget ({self.limits.notebook_timeout} s) ran out during "
               "this cell" if by_budget else
               f"this cell ran longer than {limit} s (the limit per cell) and was stopped")
        self.error_on_timeout = {"ename": "CellTimeoutError", "evalue": why,
                                 "traceback": [f"\x1b[0;31mCellTimeoutError\x1b[0m: {why}"]}
        self.iopub_timeout = max(1, min(self.iopub_wait, int(self._left()) + 1))
        stopped = ("budget" if by_budget else "timeout", label(cell, index),
                   f"stopped after {limit} s")
        try:
            self.preprocess_cell(cell, self.resources, index)
        except DeadKernelError:
            if "memory" in self.km.limits_hit():
                self._event("memory", label(cell, index), "the kernel was killed at the "
                            f"memory limit ({self.limits.memory_mb} MB)")
                self.died = (f"out of memory: this cell used more than the "
                             f"{self.limits.memory_mb} MB a notebook may use, and the Python "
                             "kernel was stopped")
            else:
                self._event("crash", label(cell, index), "the kernel died")
                self.died = "the Python kernel died while running this cell (os._exit, a crash)"
            return False
        except CellTimeoutError:
            if self.timed_out:  # interrupted, and it never went idle: a stuck kernel
                self._event(*stopped)
                cell.outputs.append(_error("CellTimeoutError", why))
                return False
            self._event("lost", label(cell, index), "its output never arrived whole")
            cell.outputs.append(_error(
                "OutputLost", "this cell's output did not reach the autograder whole (too "
                "large, or sent too fast); the cell counts as failed"))
            return self._reconnect()  # a refused message may have cut the connection
        if any(o.get("output_type") == "error" and o.get("ename") == "MemoryError"
               for o in cell.outputs):
            self._event("memory", label(cell, index), "MemoryError")
        if self.timed_out:
            self._event(*stopped)
            return self._responsive()
        return True

    def _fail_rest(self, after: int) -> None:
        for index, cell in enumerate(self.nb.cells[after + 1:], start=after + 1):
            if cell.cell_type == "code" and cell.source.strip():
                self._event("not_run", label(cell, index), "the Python kernel could not be "
                            "restarted")
                cell.outputs = [_error("NotGraded", "not run: the Python kernel could not be "
                                       "restarted after the failure above")]

    def _left(self) -> float:
        return self.deadline - monotonic()

    def _event(self, kind: str, cell: str, detail: str) -> None:
        self.events.append({"kind": kind, "cell": cell, "detail": detail})

    # ---------------------------------------------------------------- time

    def _get_timeout(self, cell):
        limit = super()._get_timeout(cell) or self.limits.notebook_timeout
        grade_id = (cell or {}).get("metadata", {}).get("nbgrader", {}).get("grade_id")
        check = getattr(self, "checks", {}).get(grade_id)
        if check is not None:  # past its budget a host-checked cell earns nothing anyway
            limit = min(limit, check.seconds + HOST_CHECK_GRACE)
        return max(1, int(min(limit, self._left() + 0.999)))

    async def _async_handle_timeout(self, timeout, cell=None):
        self.timed_out = True
        # an interrupted kernel goes idle at once; one that does not is replaced
        self.iopub_timeout = min(self.iopub_timeout, INTERRUPT_GRACE)
        return await super()._async_handle_timeout(timeout, cell)

    async def _async_responsive(self) -> bool:
        """Did the kernel come back after the interrupt? (kernel_info answered)"""
        wait = max(1.0, min(INTERRUPT_GRACE, self._left()))
        msg_id = self.kc.kernel_info()
        return await self._async_reply(msg_id, wait) is not None

    _responsive = run_sync(_async_responsive)

    async def _async_reply(self, msg_id: str, wait: float):
        deadline = monotonic() + wait
        while True:
            left = deadline - monotonic()
            if left <= 0:
                return None
            try:
                msg = await ensure_async(self.kc.shell_channel.get_msg(timeout=left))
            except Empty:
                return None
            if msg["parent_header"].get("msg_id") == msg_id:
                return msg

    # ---------------------------------------------------------------- restart

    async def _async_reconnect(self) -> bool:
        """New sockets to the same kernel; False if it does not answer on them."""
        try:
            await ensure_async(self.kc.stop_channels())
            self.kc = None
            await self.async_start_new_kernel_client()
        except Exception as exc:  # noqa: BLE001 - no answer: the kernel is replaced
            self.log.error("reconnecting to the kernel failed: %s", exc)
            return False
        return True

    _reconnect = run_sync(_async_reconnect)

    async def _async_restart_and_replay(self, done: list[int]) -> bool:
        """A fresh kernel (and sandbox), the cells in ``done`` run again silently."""
        self._collect_hits()
        try:
            if self.kc is not None:
                await ensure_async(self.kc.stop_channels())
                self.kc = None
            await ensure_async(self.km.restart_kernel(now=True))
            await self.async_start_new_kernel_client()
        except Exception as exc:  # noqa: BLE001 - any failure: the rest is not graded
            self.log.error("restarting the kernel failed: %s", exc)
            return False
        for index in done:
            cell = self.nb.cells[index]
            wait = min(self._get_timeout(cell), max(self._left(), 0))
            msg_id = self.kc.execute(self.kernel_sources[index], silent=True, store_history=False,
                                     allow_stdin=False)
            if wait <= 0 or await self._async_reply(msg_id, wait) is None:
                return False
        while True:  # the replay's outputs are not the notebook's: drop them
            try:
                await ensure_async(self.kc.iopub_channel.get_msg(timeout=0.2))
            except Empty:
                break
            except asyncio.CancelledError:
                raise
        return True

    _restart_and_replay = run_sync(_async_restart_and_replay)

    # ---------------------------------------------------------------- output

    def process_message(self, msg, cell, cell_index):
        kind = msg["msg_type"]
        if kind in ("status", "execute_input", "clear_output"):
            return super().process_message(msg, cell, cell_index)
        if kind == "error":
            _shorten_error(msg["content"])
            return super().process_message(msg, cell, cell_index)
        size = _size(msg)
        room = min(self.limits.cell_output_chars - self.cell_chars,
                   self.limits.notebook_output_chars - self.notebook_chars)
        if size <= room:
            self.cell_chars += size
            self.notebook_chars += size
            return super().process_message(msg, cell, cell_index)
        out = None
        if kind == "stream" and room > 0:  # keep what fits, then the marker
            msg["content"]["text"] = msg["content"]["text"][:room]
            self.cell_chars += room
            self.notebook_chars += room
            out = super().process_message(msg, cell, cell_index)
        self._truncated(cell, cell_index)
        return out

    def _truncated(self, cell, cell_index: int) -> None:
        if self.cell_truncated:
            return
        self.cell_truncated = True
        whole = self.notebook_chars >= self.limits.notebook_output_chars
        limit = (f"{self.limits.notebook_output_kb} kB per notebook" if whole
                 else f"{self.limits.cell_output_kb} kB per cell")
        self._event("output", label(cell, cell_index), f"output truncated at {limit}")
        cell.outputs.append(new_output(
            "stream", name="stdout",
            text=f"\n[output truncated: the autograder keeps at most {limit}; the rest "
                 "of this cell's output was dropped]\n"))

    def on_cell_executed(self, **kwargs):
        reply = kwargs.get("execute_reply")
        if reply and reply.get("content", {}).get("status") == "error":
            _shorten_error(reply["content"])
        return super().on_cell_executed(**kwargs)
