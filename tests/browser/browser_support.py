"""Helpers for the browser tests: find Chromium, run a private JupyterLab, drive its pages.

Nothing here touches the repository's notebooks: the server serves a copy of
the course in a temporary folder, with its own Jupyter config, data and
runtime folders (the venv's data folder stays on the search path, so the
installed lab extensions, ipywidgets and RISE, are found as in `make lab`).

Every process started here dies with the test run:

- the server runs in its own process group, with PR_SET_PDEATHSIG (Linux) so
  the kernel kills it if the test process dies, even by SIGKILL;
- ``LabServer.stop`` asks it to shut down (which shuts its kernels down), then
  signals the group, then kills any kernel still holding a connection file in
  the server's private runtime folder (found by exact path, pid by pid);
- ``stop`` is also registered with ``atexit``; ipykernel exits by itself
  when its parent (the server) disappears.
"""
from __future__ import annotations

import atexit
import ctypes
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts" / "browser"

# Headless Chromium without background traffic (it stalls on refused connections otherwise).
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage",
]
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
CHROMIUM_ENV = "MLPKIT_CHROMIUM"     # optional: path of the browser to use

STDOUT_MIME = "application/vnd.jupyter.stdout"
STDERR_MIME = "application/vnd.jupyter.stderr"


# ---------------------------------------------------------------- availability

def find_chromium() -> tuple[str | None, str]:
    """``(path, "")`` of a Chromium to drive, or ``(None, why not)``."""
    wanted = os.environ.get(CHROMIUM_ENV)
    if wanted:
        if Path(wanted).is_file() and os.access(wanted, os.X_OK):
            return wanted, ""
        return None, f"{CHROMIUM_ENV}={wanted} is not an executable file"
    for name in CHROMIUM_NAMES:
        path = shutil.which(name)
        if path:
            return path, ""
    return None, ("no Chromium found (looked for " + ", ".join(CHROMIUM_NAMES) + " on PATH); "
                  "install it with `apt-get install chromium` (Debian/Ubuntu) or set "
                  f"{CHROMIUM_ENV}=/path/to/chrome")


def missing_python_packages(*names: str) -> list[str]:
    import importlib.util

    missing = []
    for name in names:
        try:
            found = importlib.util.find_spec(name) is not None
        except (ImportError, ValueError):      # e.g. sys.modules[name] is None
            found = False
        if not found:
            missing.append(name)
    return missing


# ---------------------------------------------------------------- processes

_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:   # runs in the child between fork and exec
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except Exception:              # noqa: BLE001 - not Linux: atexit and the finalizers remain
        pass


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pids_mentioning(text: str) -> list[int]:
    """Pids of this user's processes whose command line contains ``text`` (an exact path)."""
    found = []
    for entry in Path("/proc").iterdir() if Path("/proc").is_dir() else []:
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if entry.stat().st_uid != os.getuid():
                continue
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if text in cmdline:
            found.append(int(entry.name))
    return found


class LabServer:
    """A JupyterLab server on 127.0.0.1, a free port and a random token, serving ``root``."""

    def __init__(self, root: Path, home: Path, env: dict, *, startup_timeout: float = 120):
        self.root, self.home = Path(root), Path(home)
        self.token = secrets.token_hex(24)
        self.runtime = self.home / "runtime"
        self.log_path = self.home / "jupyter.log"
        self.proc: subprocess.Popen | None = None
        self.port = 0
        self._env = env
        self._startup_timeout = startup_timeout
        atexit.register(self.stop)

    # -- life cycle
    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str, **query) -> str:
        params = "&".join([f"token={self.token}", *(f"{k}={v}" for k, v in query.items())])
        return f"{self.base}/{path.lstrip('/')}?{params}"

    def environment(self) -> dict:
        env = dict(self._env)
        for name in ("config", "data", "runtime", "ipython"):
            (self.home / name).mkdir(parents=True, exist_ok=True)
        env.update(JUPYTER_CONFIG_DIR=str(self.home / "config"),
                   JUPYTER_DATA_DIR=str(self.home / "data"),
                   JUPYTER_RUNTIME_DIR=str(self.runtime),
                   IPYTHONDIR=str(self.home / "ipython"),
                   JUPYTER_PLATFORM_DIRS="0")
        for name in ("NBGRADER_EXECUTION", "NBGRADER_VALIDATING", "JUPYTER_TOKEN"):
            env.pop(name, None)
        return env

    def command(self) -> list[str]:
        cmd = [sys.executable, "-m", "jupyterlab",
               f"--ServerApp.root_dir={self.root}",
               "--ServerApp.ip=127.0.0.1",
               f"--ServerApp.port={self.port}",
               "--ServerApp.port_retries=0",
               f"--IdentityProvider.token={self.token}",
               "--ServerApp.open_browser=False",
               "--ServerApp.terminals_enabled=False",
               "--LabApp.expose_app_in_browser=True",
               "--LabApp.news_url=",
               "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
               "--ServerApp.shutdown_no_activity_timeout=0"]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            cmd.append("--allow-root")
        return cmd

    def _write_user_settings(self) -> None:
        # A fresh profile would ask "receive official Jupyter news?" (a toast over the page).
        folder = (self.home / "config" / "lab" / "user-settings" / "@jupyterlab"
                  / "apputils-extension")
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "notification.jupyterlab-settings").write_text(
            json.dumps({"fetchNews": "false", "checkForUpdates": False}))

    def start(self) -> "LabServer":
        self._write_user_settings()
        errors = []
        for _attempt in range(3):           # a port taken between free_port() and bind: retry
            self.port = free_port()
            log = open(self.log_path, "ab")
            self.proc = subprocess.Popen(
                self.command(), cwd=self.root, env=self.environment(), stdin=subprocess.DEVNULL,
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None)
            log.close()
            try:
                self._wait_until_up()
                return self
            except RuntimeError as exc:
                errors.append(str(exc))
                self.stop()
                if "address already in use" not in self.log_tail().lower():
                    break
        raise RuntimeError("JupyterLab did not start:\n" + "\n".join(errors)
                           + "\n--- server log ---\n" + self.log_tail())

    def _wait_until_up(self) -> None:
        deadline = time.monotonic() + self._startup_timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the server exited with code {self.proc.returncode}")
            try:
                status = self.api("GET", "api/status", timeout=5)
                if isinstance(status, dict) and "started" in status:
                    return
            except (OSError, urllib.error.URLError, ValueError):
                pass
            time.sleep(0.3)
        raise RuntimeError(f"no answer from {self.base}/api/status "
                           f"within {self._startup_timeout:.0f} s")

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is not None and proc.poll() is None:
            try:                            # clean shutdown: the server stops its kernels
                self.api("POST", "api/shutdown", timeout=5)
                proc.wait(timeout=20)
            except Exception:               # noqa: BLE001
                pass
            for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 10)):
                if proc.poll() is not None:
                    break
                try:
                    os.killpg(proc.pid, sig)
                except ProcessLookupError:
                    break
                try:
                    proc.wait(timeout=wait)
                except subprocess.TimeoutExpired:
                    pass
        # kernels run in their own sessions: find them by their connection file, in our runtime dir
        for pid in pids_mentioning(str(self.runtime) + os.sep):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    # -- REST
    def api(self, method: str, path: str, body=None, timeout: float = 30):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            f"{self.base}/{path.lstrip('/')}", data=data, method=method,
            headers={"Authorization": f"token {self.token}", "Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=timeout) as response:
            raw = response.read()
        return json.loads(raw) if raw.strip() else None

    def shutdown_kernels(self) -> None:
        """Close every session (and its kernel): the next test starts from a quiet server."""
        try:
            for session in self.api("GET", "api/sessions") or []:
                self.api("DELETE", f"api/sessions/{session['id']}")
            for kernel in self.api("GET", "api/kernels") or []:
                self.api("DELETE", f"api/kernels/{kernel['id']}")
        except (OSError, urllib.error.URLError):
            pass

    def log_tail(self, lines: int = 60) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no server log)"


# ---------------------------------------------------------------- the course copy

def copy_course(dest: Path) -> Path:
    """The course as a student has it, in ``dest``: lectures/, exercises/, README.md."""
    dest.mkdir(parents=True, exist_ok=True)
    ignore = shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__")
    for name in ("lectures", "exercises"):
        if (REPO / name).is_dir():
            shutil.copytree(REPO / name, dest / name, ignore=ignore, dirs_exist_ok=True)
    for name in ("README.md",):
        if (REPO / name).is_file():
            shutil.copy2(REPO / name, dest / name)
    return dest


def ensure_exercise(course: Path, unit: str, env: dict, work: Path) -> Path:
    """``course/exercises/<unit>/<unit>.ipynb``, generated with `mlpcourse release` when the
    repository has not committed it yet (in a scratch course, never in the repository)."""
    target = course / "exercises" / unit / f"{unit}.ipynb"
    if target.is_file():
        return target
    scratch = work / "release-course"
    (scratch / "lectures").mkdir(parents=True, exist_ok=True)
    shutil.copytree(REPO / "solutions" / unit, scratch / "solutions" / unit, dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    shutil.copy2(REPO / "nbgrader_config.py", scratch / "nbgrader_config.py")
    done = subprocess.run(
        [sys.executable, "-m", "mlpcourse.cli", "release", unit, "--course", str(scratch)],
        cwd=scratch, env=env, capture_output=True, text=True, timeout=300)
    made = scratch / "exercises" / unit
    if done.returncode != 0 or not (made / f"{unit}.ipynb").is_file():
        raise RuntimeError(f"`mlpcourse release {unit}` failed ({done.returncode}):\n"
                           f"{done.stdout}\n{done.stderr}")
    shutil.copytree(made, course / "exercises" / unit, dirs_exist_ok=True)
    return target


KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}


def write_notebook(path: Path, cells) -> Path:
    """Write a small notebook to ``path``: ``cells`` are nbformat cells, or plain strings
    for code cells. It runs in the course's kernel (python3)."""
    import nbformat

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) if isinstance(c, str)
                                         else c for c in cells])
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    nbformat.write(nb, path)
    return path


# ---------------------------------------------------------------- JupyterLab pages

# Installed in every page (before the app loads); all of it reads window.jupyterapp,
# which --LabApp.expose_app_in_browser provides.
PAGE_HELPERS = r"""
window.__mlp = {
  panel(path) {
    const app = window.jupyterapp;
    if (!app || !app.shell) return null;
    for (const w of app.shell.widgets('main')) {
      if (w.context && w.context.path === path && w.content && w.content.widgets) return w;
    }
    return null;
  },
  kernelState(path) {
    const panel = this.panel(path);
    if (!panel) return {panel: false};
    const sc = panel.sessionContext;
    const kernel = sc && sc.session && sc.session.kernel;
    return {panel: true, ready: !!(sc && sc.isReady), contextReady: !!panel.context.isReady,
            revealed: !!panel.isRevealed, status: kernel ? kernel.status : null,
            connection: kernel ? kernel.connectionStatus : null,
            cells: panel.content.widgets.length};
  },
  kernelIdle(path) {
    const s = this.kernelState(path);
    return s.panel && s.ready && s.contextReady && s.status === 'idle'
           && s.connection === 'connected';
  },
  codeCells(path) {
    const panel = this.panel(path);
    return panel.content.widgets.map((cell, index) => ({index, cell}))
                .filter(({cell}) => cell.model.type === 'code');
  },
  executionCounts(path) {
    return this.codeCells(path).map(({index, cell}) => [index, cell.model.executionCount]);
  },
  runAll(path) {
    const app = window.jupyterapp;
    app.shell.activateById(this.panel(path).id);
    window.__mlpRunAll = {done: false};
    app.commands.execute('notebook:run-all-cells').then(
      ok => { window.__mlpRunAll = {done: true, ok: ok !== false}; },
      err => { window.__mlpRunAll = {done: true, ok: false, error: String(err)}; });
  },
  deckOnscreen(path) {     // jupyterlab-slideshow: the cells of the slide on screen
    return this.panel(path).content.widgets
      .map((cell, i) => cell.node.classList.contains('jp-deck-mod-onscreen') ? i : -1)
      .filter(i => i >= 0);
  },
  errors(path) {
    const out = [];
    for (const {index, cell} of this.codeCells(path)) {
      const outputs = cell.model.outputs;
      for (let i = 0; i < outputs.length; i++) {
        const o = outputs.get(i).toJSON();
        if (o.output_type === 'error') out.push({index, ename: o.ename, evalue: o.evalue});
      }
    }
    return out;
  },
};
"""


def open_notebook(page, server: LabServer, path: str, workspace: str, timeout_ms: int = 120_000):
    """Open ``path`` in JupyterLab (a fresh workspace) and wait until its kernel is idle and
    connected. Returns the notebook's DOM locator."""
    page.add_init_script(PAGE_HELPERS)
    page.goto(server.url(f"lab/workspaces/{workspace}/tree/{path}", reset=""),
              wait_until="domcontentloaded", timeout=timeout_ms)
    page.wait_for_function("() => window.jupyterapp !== undefined && window.__mlp !== undefined",
                           timeout=timeout_ms)
    restored = page.evaluate(
        """ms => Promise.race([window.jupyterapp.restored.then(() => 'ok'),
                               new Promise(r => setTimeout(() => r('timeout'), ms))])""",
        timeout_ms)
    assert restored == "ok", f"JupyterLab did not finish restoring within {timeout_ms / 1000:.0f} s"
    wait_kernel_idle(page, path, timeout_ms)
    return page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook")


def wait_kernel_idle(page, path: str, timeout_ms: int = 120_000) -> None:
    try:
        page.wait_for_function("path => window.__mlp.kernelIdle(path)", arg=path,
                               timeout=timeout_ms, polling=250)
    except Exception as exc:
        state = page.evaluate("path => window.__mlp && window.__mlp.kernelState(path)", path)
        raise AssertionError(f"the kernel of {path} was not idle and connected within "
                             f"{timeout_ms / 1000:.0f} s: {state}") from exc


def run_all_and_wait(page, path: str, timeout_ms: int) -> None:
    """Run every cell (JupyterLab's Run > Run All Cells) and wait for the last one to finish."""
    page.evaluate("path => window.__mlp.runAll(path)", path)
    page.wait_for_function("() => window.__mlpRunAll && window.__mlpRunAll.done",
                           timeout=timeout_ms, polling=500)
    result = page.evaluate("() => window.__mlpRunAll")
    errors = page.evaluate("path => window.__mlp.errors(path)", path)
    assert result.get("ok") and not errors, f"Run All failed in {path}: {result}, errors {errors}"
    wait_kernel_idle(page, path, timeout_ms)
    counts = page.evaluate("path => window.__mlp.executionCounts(path)", path)
    not_run = [i for i, count in counts if count is None]
    assert not not_run, f"Run All left code cells {not_run} of {path} unexecuted"


def screenshot(target, name: str, **kwargs) -> Path:
    """Save a PNG of a page or of one element (a Locator) in test-artifacts/browser/."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    target.screenshot(path=str(path), **kwargs)
    return path


def notebook(page):
    """The visible notebook of a JupyterLab page."""
    return page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook")


# ---------------------------------------------------------------- a lecture's widgets

def run_lecture_fresh(page, server: LabServer, path: str, workspace: str,
                      timeout_ms: int = 300_000):
    """Open ``path``, clear every output and run all cells (Run > Run All Cells): what is
    checked afterwards is what the code draws now, not what the file saved. Returns the
    notebook's locator."""
    nb = open_notebook(page, server, path, workspace)
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:clear-all-cell-outputs')")
    page.wait_for_function("() => !document.querySelector("
                           "'.jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea-output img')")
    run_all_and_wait(page, path, timeout_ms)
    assert "Error displaying widget" not in nb.inner_text()
    return nb


def widget_box(page, nb, call: str):
    """The widget (a VBox) shown by the code cell whose source contains ``call``."""
    cell = nb.locator(".jp-Cell", has=page.locator(".jp-InputArea", has_text=call)).first
    box = cell.locator(".jp-OutputArea .widget-vbox").first
    box.scroll_into_view_if_needed()
    return box


def widget_parts(page, nb, call: str):
    """``(box, img, status)`` of the widget shown by the cell whose source contains ``call``:
    its VBox, its figure (waited for until decoded) and its status line."""
    box = widget_box(page, nb, call)
    img = box.locator("img.widget-image")
    status = box.locator(":scope > .widget-html .widget-html-content").first
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=img.element_handle())
    return box, img, status


def labelled(box, page, label: str, kind: str = ".widget-slider"):
    """The control of ``kind`` (a slider, ``.widget-dropdown``, ...) labelled ``label``."""
    return box.locator(kind, has=page.locator("label.widget-label", has_text=label)).first


def wait_redrawn(page, img, before_src: str, path: str, what: str) -> str:
    """Wait until a widget's figure ``img`` was redrawn after ``what`` and the kernel of
    ``path`` is quiet again; return the new ``src``."""
    try:
        page.wait_for_function("([img, src]) => img.src && img.src !== src",
                               arg=[img.element_handle(), before_src], timeout=60_000)
    except Exception as exc:
        raise AssertionError(f"the figure was not redrawn after {what}") from exc
    wait_kernel_idle(page, path)
    return wait_stable(lambda: img.get_attribute("src"), page=page)


def redraws(page, path: str, img, action, what: str) -> str:
    """Do ``action()`` (a key press, a click, a menu choice), wait until the widget's figure
    ``img`` is redrawn and the kernel of notebook ``path`` is quiet; assert that its pixels
    changed. Returns the new ``src``."""
    src, before = img.get_attribute("src"), image_digest(page, img)
    action()
    src = wait_redrawn(page, img, src, path, what)
    assert image_digest(page, img) != before, f"the figure's pixels did not change: {what}"
    return src


def press_on(page, slider, key: str):
    """An action: focus ``slider``'s handle and press ``key`` (End: its maximum, Home: its
    minimum, arrows: one step)."""
    return lambda: (slider.locator(".noUi-handle").focus(), page.keyboard.press(key))


def cell_index(page, path: str, *, grade_id: str | None = None, contains: str | None = None) -> int:
    """Index of the first cell with this nbgrader ``grade_id``, or whose source contains
    ``contains``."""
    index = page.evaluate(
        """([path, gradeId, text]) => window.__mlp.panel(path).content.widgets.findIndex(cell => {
               if (gradeId !== null) {
                 const meta = cell.model.getMetadata('nbgrader');
                 return !!meta && meta.grade_id === gradeId;
               }
               return cell.model.sharedModel.getSource().includes(text);
           })""", [path, grade_id, contains])
    assert index >= 0, f"no cell with grade_id={grade_id!r} / containing {contains!r} in {path}"
    return index


def cell_source(page, path: str, index: int) -> str:
    return page.evaluate(
        "([p, i]) => window.__mlp.panel(p).content.widgets[i].model.sharedModel.getSource()",
        [path, index])


def execution_count(page, path: str, index: int):
    return page.evaluate(
        "([p, i]) => window.__mlp.panel(p).content.widgets[i].model.executionCount", [path, index])


def type_into_cell(page, cell, text: str) -> None:
    """Click into a cell's editor, select everything and type ``text`` over it (as a paste:
    no auto-indent or bracket closing, so the source is exactly ``text``)."""
    cell.scroll_into_view_if_needed()
    cell.locator(".cm-content").click()
    page.keyboard.press("Control+a")
    page.keyboard.insert_text(text)


def shift_enter_in(page, cell) -> None:
    """Run a cell the way people do: click into its editor and press Shift+Enter. A cell
    whose input is hidden (a lecture's setup and plot code) is selected by a click on its
    prompt, then run from command mode with Shift+Enter."""
    cell.scroll_into_view_if_needed()
    editor = cell.locator(".cm-content")
    if editor.count() and editor.first.is_visible():
        editor.first.click()
    else:
        cell.locator(".jp-InputArea, .jp-Cell-inputWrapper, .jp-InputPlaceholder").first.click()
        page.keyboard.press("Escape")
    page.keyboard.press("Shift+Enter")


def wait_executed(page, path: str, index: int, previous, timeout_ms: int = 120_000) -> int:
    """Wait until cell ``index`` has an execution count other than ``previous`` and the kernel
    is idle again; return the new count."""
    page.wait_for_function(
        "([p, i, before]) => {"
        " const n = window.__mlp.panel(p).content.widgets[i].model.executionCount;"
        " return n !== null && n !== before; }", arg=[path, index, previous], timeout=timeout_ms)
    wait_kernel_idle(page, path, timeout_ms)
    return execution_count(page, path, index)


def wait_output(cell, mime: str, text: str, timeout_ms: int = 60_000) -> str:
    """Wait until one of a cell's outputs of type ``mime`` contains ``text``; return all of
    that type's text. Fails with what the cell shows instead."""
    try:
        outputs = cell.locator(f'.jp-OutputArea-output[data-mime-type="{mime}"]', has_text=text)
        outputs.first.wait_for(state="attached", timeout=timeout_ms)
    except Exception as exc:
        raise AssertionError(f"expected {text!r} in the cell's {mime} output; the cell shows:\n"
                             f"{cell.inner_text()}") from exc
    return output_text(cell, mime)


def output_text(cell, mime: str) -> str:
    """Text of a cell's outputs of one MIME type (stdout, stderr/error), joined."""
    outputs = cell.locator(f'.jp-OutputArea-output[data-mime-type="{mime}"]')
    return "\n".join(outputs.all_inner_texts())


def image_digest(page, img) -> str:
    """SHA-256 of the bytes an <img> currently shows (fetched from its src, e.g. a blob: URL)."""
    return page.evaluate(
        """async img => {
             const bytes = await (await fetch(img.src)).arrayBuffer();
             const digest = await crypto.subtle.digest('SHA-256', bytes);
             return Array.from(new Uint8Array(digest))
                         .map(b => b.toString(16).padStart(2, '0')).join('');
           }""", img.element_handle())


def wait_stable(read, *, settle_ms: int = 600, timeout_ms: int = 30_000, page=None):
    """Poll ``read()`` until it returns the same value twice ``settle_ms`` apart; return it."""
    deadline = time.monotonic() + timeout_ms / 1000
    last = read()
    while time.monotonic() < deadline:
        if page is not None:
            page.wait_for_timeout(settle_ms)
        else:
            time.sleep(settle_ms / 1000)
        now = read()
        if now == last:
            return now
        last = now
    raise AssertionError(f"value still changing after {timeout_ms / 1000:.0f} s: {last!r}")


# ---------------------------------------------------------------- slides (RISE and offline)

def slide_types(nb) -> list[tuple[str, str, object]]:
    """``(slide_type, cell_type, cell)`` for each cell a slideshow shows (skip and notes
    cells dropped)."""
    out = []
    for cell in nb.cells:
        kind = cell.get("metadata", {}).get("slideshow", {}).get("slide_type") or "-"
        if kind in ("skip", "notes"):
            continue
        out.append((kind, cell.cell_type, cell))
    return out


def expected_top_level_slides(nb) -> int:
    """How many horizontal slides (reveal's top-level <section>s) a notebook makes: one per
    "slide" cell, plus one when the first shown cell does not start a slide itself (it opens
    the first slide anyway)."""
    shown = slide_types(nb)
    count = sum(1 for kind, _, _ in shown if kind == "slide")
    if shown and shown[0][0] != "slide":
        count += 1
    return count


def slide_headings(nb) -> list[str]:
    """The plain-text first heading of each "slide" cell (None when it has math or code)."""
    out = []
    for kind, cell_type, cell in slide_types(nb):
        if kind != "slide":
            continue
        heading = None
        if cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.lstrip().startswith("#"):
                    text = line.strip().lstrip("#").strip()
                    if not any(ch in text for ch in "$`\\[]*_<"):
                        heading = text
                    break
        out.append(heading)
    return out


RISE_PRESENT_JS = """() => {
  const all = document.querySelectorAll('.reveal .slides section.present');
  const inner = all.length ? all[all.length - 1] : null;
  return inner ? {id: inner.id, text: inner.innerText.slice(0, 400),
                  fragments: inner.querySelectorAll('.fragment.visible').length} : null;
}"""


def open_rise(page, server: LabServer, path: str, timeout_ms: int = 120_000, **query):
    """Open ``path`` in RISE's standalone slideshow (/rise/<path>) and wait until reveal.js is
    ready. ``query``: e.g. activeCellIndex=N starts at that cell's slide. Returns a list that
    collects the page's kernel websocket frames (not empty once the kernel connection is up)."""
    frames: list[int] = []

    def on_websocket(ws):
        if "/api/kernels/" in ws.url:
            ws.on("framereceived", lambda _payload: frames.append(1))

    page.on("websocket", on_websocket)
    page.goto(server.url(f"rise/{path}", **query), wait_until="domcontentloaded",
              timeout=timeout_ms)
    page.wait_for_selector(".reveal.ready .slides > section", state="attached", timeout=timeout_ms)
    return frames


# ---------------------------------------------------------------- slides in JupyterLab (deck mode)
# jupyterlab-slideshow presents a notebook inside JupyterLab's own page, so widgets keep the
# page's widget manager. It marks the cells of the slide on screen with jp-deck-mod-onscreen
# and hides every other cell.

def deck_onscreen(page, path: str) -> list[int]:
    """Indices of the cells of ``path`` that the deck shows now."""
    return page.evaluate("path => window.__mlp.deckOnscreen(path)", path)


def start_deck(page, path: str, at: int = 0) -> list[int]:
    """Make cell ``at`` the active one, press the notebook toolbar's deck button (command
    deck:toggle; the palette's "Start Deck" is deck:start) and wait for the first slide;
    return the cells on screen."""
    page.evaluate("([p, i]) => { window.__mlp.panel(p).content.activeCellIndex = i; }",
                  [path, at])
    button = page.locator('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-NotebookPanel-toolbar '
                          '[data-jp-item-name="deck"]').first
    button.click()
    page.wait_for_function(
        "path => window.__mlp.panel(path).node.querySelector('.jp-deck-mod-onscreen')",
        arg=path, timeout=30_000)
    return deck_onscreen(page, path)


def deck_key(page, path: str, key: str) -> list[int]:
    """Press ``key`` (Space, Shift+Space, arrows) in the deck; wait until the slide on screen
    changed and return its cells."""
    before = deck_onscreen(page, path)
    page.keyboard.press(key)
    try:
        page.wait_for_function(
            """([p, before]) => { const now = window.__mlp.deckOnscreen(p);
                 return now.length && JSON.stringify(now) !== JSON.stringify(before); }""",
            arg=[path, before], timeout=15_000)
    except Exception as exc:
        raise AssertionError(f"{key} did not move the deck on from cells {before}") from exc
    return deck_onscreen(page, path)
