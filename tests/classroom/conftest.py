"""Fixtures for the classroom test: the classroom (users, exchange, hub) and a headless Chromium.

Nothing is skipped silently. The classroom needs root (it creates system users), npm
(configurable-http-proxy), `jupyterhub`, Chromium and a Python every user can run; when
one is missing the test FAILS with the reason, unless ``MLPCOURSE_CLASSROOM=skip`` is set,
which skips it with the same reason (pytest -ra shows it).
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

# the helpers of the browser tests (browser_support) and of the pipeline tests
# (pipeline_support), importable from here and from classroom_support
for _helpers in ("browser", "course"):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / _helpers))
from browser_support import CHROMIUM_ARGS, find_chromium, missing_python_packages
from classroom_support import OPT_OUT_ENV, Classroom, missing_requirements

TEST_TIMEOUT_S = 900        # the whole round, on a loaded 2-core machine (pytest-timeout)
ACTION_TIMEOUT_MS = 60_000
NAVIGATION_TIMEOUT_MS = 120_000


def pytest_collection_modifyitems(config, items):
    here = os.path.dirname(os.path.abspath(__file__))
    for item in items:
        if str(item.path).startswith(here + os.sep) and item.get_closest_marker("timeout") is None:
            item.add_marker(pytest.mark.timeout(TEST_TIMEOUT_S))


def _chromium() -> tuple[str | None, list[str]]:
    if missing_python_packages("playwright"):
        return None, ["the Python package `playwright` is not installed"]
    path, why = find_chromium()
    return path, ([why] if path is None else [])


@pytest.fixture(scope="module")
def chromium_path():
    """Chromium's path, once the classroom may run at all: FAILS with every missing
    requirement, or skips with them when MLPCOURSE_CLASSROOM=skip."""
    path, reasons = _chromium()
    reasons += missing_requirements()
    if os.environ.get(OPT_OUT_ENV) == "skip":
        pytest.skip(f"classroom test skipped ({OPT_OUT_ENV}=skip)"
                    + (": it could not run anyway: " + "; ".join(reasons) if reasons else ""))
    if reasons:
        pytest.fail("classroom test cannot run: " + "; ".join(reasons)
                    + f". Set {OPT_OUT_ENV}=skip to skip it explicitly.", pytrace=False)
    return path


@pytest.fixture(scope="module")
def classroom(chromium_path):
    room = Classroom()
    try:
        room.open()
        yield room
    finally:
        room.close()


@pytest.fixture(scope="module")
def browser(chromium_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=chromium_path, headless=True,
                                              args=CHROMIUM_ARGS, timeout=NAVIGATION_TIMEOUT_MS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="module")
def student_page(browser):
    """A page of its own browser context (cookies), for one student."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(ACTION_TIMEOUT_MS)
    context.set_default_navigation_timeout(NAVIGATION_TIMEOUT_MS)
    try:
        yield context.new_page()
    finally:
        context.close()
