"""Fixtures for the browser tests: one headless Chromium and one private JupyterLab per run.

Skips (with the reason, shown by ``pytest -ra``) instead of failing when the
machine cannot run them: no ``playwright`` Python package, no Chromium
(``apt-get install chromium``; or point ``MLPKIT_CHROMIUM`` at a Chrome),
no JupyterLab. Every test gets a fresh browser context; its screenshots go to
``test-artifacts/browser/`` (git-ignored), plus ``<test>-FAILED-<n>.png`` of
every open page when it fails.
"""
from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from browser_support import (ARTIFACTS, CHROMIUM_ARGS, CHROMIUM_ENV, LabServer, copy_course,
                             ensure_exercise, find_chromium, missing_python_packages,
                             write_notebook)

# Bounds, generous for a loaded 2-core machine; every wait in the tests is on a condition.
ACTION_TIMEOUT_MS = 60_000          # one click, one locator, one page condition
NAVIGATION_TIMEOUT_MS = 120_000     # loading JupyterLab / RISE
TEST_TIMEOUT_S = {"default": 300, "widgets": 600}   # whole test, via pytest-timeout

VIEWPORT = {"width": 1280, "height": 900}


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).resolve().parent
    has_timeout = config.pluginmanager.hasplugin("timeout")
    for item in items:
        if here not in Path(str(item.path)).resolve().parents:
            continue
        if has_timeout and item.get_closest_marker("timeout") is None:
            kind = "widgets" if "widget" in item.name else "default"
            item.add_marker(pytest.mark.timeout(TEST_TIMEOUT_S[kind]))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.failed and report.when in ("setup", "call"):
        _failure_artifacts(item)     # now, before any fixture is torn down (kernels, pages)


def _failure_artifacts(item):
    ctx = getattr(item, "funcargs", {}).get("context")
    if ctx is None or getattr(ctx, "recorder", None) is None:
        return
    name, recorder = _safe(item.name), ctx.recorder
    log = [f"requests outside the allowed origins: {recorder.external}",
           "page errors:", *recorder.page_errors, "console errors:", *recorder.console_errors]
    (ARTIFACTS / f"{name}-FAILED-console.txt").write_text("\n".join(log), encoding="utf-8")
    for n, page in enumerate(ctx.pages):
        try:
            page.screenshot(path=str(ARTIFACTS / f"{name}-FAILED-{n}.png"), timeout=15_000)
        except Exception:   # noqa: BLE001 - a hung page must not hide the real failure
            pass


# The browser and the server are session fixtures (started once), but they are stopped as
# soon as the last browser test is done, not at the end of the whole `make test` run.
_shared: dict = {"last": None, "cleanups": []}


def pytest_collection_finish(session):
    here = Path(__file__).resolve().parent
    mine = [item for item in session.items if here in Path(str(item.path)).resolve().parents]
    _shared["last"] = mine[-1].nodeid if mine else None


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    yield                       # the test's own fixtures (its browser context) are closed first
    if item.nodeid == _shared["last"]:
        _release_shared()


def _release_shared():
    while _shared["cleanups"]:
        cleanup = _shared["cleanups"].pop()
        try:
            cleanup()
        except Exception:   # noqa: BLE001 - cleaning up; the tests have their results
            pass


# ---------------------------------------------------------------- browser

@pytest.fixture(scope="session")
def artifacts(request):
    """test-artifacts/browser/; the failure pictures of the tests about to run are removed
    (the other pictures are overwritten by name)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for item in request.session.items:
        for old in ARTIFACTS.glob(f"{_safe(item.name)}-FAILED-*"):
            old.unlink()
    return ARTIFACTS


def _safe(name: str) -> str:
    return re.sub(r"[^\w.-]+", "_", name)


@pytest.fixture(scope="session")
def browser(artifacts):
    missing = missing_python_packages("playwright")
    if missing:
        pytest.skip("browser tests skipped: the Python package `playwright` is not installed "
                    "(`make test` installs it; or pip install -e '.[test]')")
    path, why = find_chromium()
    if path is None:
        if os.environ.get(CHROMIUM_ENV):      # asked for explicitly: a configuration error
            pytest.fail(f"browser tests: {why}")
        pytest.skip(f"browser tests skipped: {why}")
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    _shared["cleanups"].append(playwright.stop)
    browser = playwright.chromium.launch(executable_path=path, headless=True,
                                         args=CHROMIUM_ARGS, timeout=NAVIGATION_TIMEOUT_MS)
    _shared["cleanups"].append(browser.close)
    yield browser
    _release_shared()


class Recorder:
    """What a browser context asked for outside its allowed origins, and what went wrong."""

    def __init__(self, allowed_prefixes):
        self.allowed = tuple(allowed_prefixes)
        self.external: list[str] = []
        self.console_errors: list[str] = []
        self.page_errors: list[str] = []

    def request(self, request):
        url = request.url
        if not url.startswith(self.allowed):
            self.external.append(url)

    def attach(self, page):
        page.on("console",
                lambda m: self.console_errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.page_errors.append(str(e)))


@pytest.fixture
def context(browser):
    """A fresh browser context (own cookies and storage); ``context.recorder`` lists what
    its pages requested outside 127.0.0.1 / file: / data: / blob:."""
    ctx = browser.new_context(viewport=VIEWPORT, device_scale_factor=1)
    ctx.set_default_timeout(ACTION_TIMEOUT_MS)
    ctx.set_default_navigation_timeout(NAVIGATION_TIMEOUT_MS)
    recorder = Recorder(("http://127.0.0.1:", "ws://127.0.0.1:", "file:", "data:", "blob:",
                         "about:"))
    ctx.on("request", recorder.request)
    ctx.on("page", recorder.attach)
    ctx.recorder = recorder
    yield ctx
    try:
        ctx.close()
    except Exception:   # noqa: BLE001 - the browser may already be gone after a timeout
        pass


@pytest.fixture
def page(context):
    return context.new_page()


# ---------------------------------------------------------------- JupyterLab

@pytest.fixture(scope="session")
def kernel_environment():
    from mlpcourse.kernels import kernel_env

    env = kernel_env()
    env["PYTHONIOENCODING"] = "utf-8"
    return env


@pytest.fixture(scope="session")
def served_course(tmp_path_factory):
    """A copy of the course (lectures/, exercises/): what the server shows and may change."""
    return copy_course(tmp_path_factory.mktemp("course"))


@pytest.fixture(scope="session")
def lab_server(browser, served_course, kernel_environment, tmp_path_factory):
    missing = missing_python_packages("jupyterlab", "ipywidgets")
    if missing:
        pytest.skip(f"JupyterLab browser tests skipped: {', '.join(missing)} not installed "
                    "(`make test` installs them; or pip install -e '.[test]')")
    server = LabServer(served_course, tmp_path_factory.mktemp("jupyter-home"), kernel_environment)
    _shared["cleanups"].append(server.stop)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def lab(lab_server):
    """The session's JupyterLab, with no kernel left running after the test."""
    yield lab_server
    lab_server.shutdown_kernels()


@pytest.fixture
def scratch_notebook(served_course):
    """``scratch_notebook(name, cells)`` writes a small notebook into the served course (not a
    lecture: the test does not depend on how a lecture shows a widget) and returns its path
    for the server; ``cells`` as for ``write_notebook``. Removed after the test."""
    written: list[Path] = []

    def write(name: str, cells) -> str:
        written.append(write_notebook(served_course / name, cells))
        return name

    yield write
    for path in written:
        path.unlink(missing_ok=True)


@pytest.fixture
def rise_available():
    if missing_python_packages("jupyterlab_rise"):
        pytest.skip("RISE browser tests skipped: jupyterlab-rise is not installed "
                    "(`make test` installs it; or pip install -e '.[test]')")


@pytest.fixture(scope="session")
def exercise_01(served_course, kernel_environment, tmp_path_factory):
    """Unit 01's student notebook, path relative to the served course (generated with
    `mlpcourse release` in a scratch copy when exercises/ is not committed yet)."""
    ensure_exercise(served_course, "01_neuron", kernel_environment,
                    tmp_path_factory.mktemp("release"))
    return "exercises/01_neuron/01_neuron.ipynb"
