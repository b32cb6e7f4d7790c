"""Lectures as live slides with RISE (jupyterlab-rise), the way a teacher presents them.

The teacher opens the lecture in JupyterLab and runs its setup cell, presses the
toolbar's slideshow button, then presents from /rise/<lecture>: Space steps
through the slides, and Shift+Enter runs a (possibly edited) code cell live,
in the same kernel as the notebook.
"""
from __future__ import annotations

import time

import nbformat
import pytest

from browser_support import (REPO, RISE_PRESENT_JS, STDOUT_MIME, cell_index,
                             expected_top_level_slides, notebook, open_notebook, open_rise,
                             screenshot, shift_enter_in, slide_headings, wait_executed)
from mlpcourse import paths

pytestmark = pytest.mark.browser

LECTURE = "lectures/01_neuron.ipynb"
LIVE_CELL = "z = w @ x + b"            # the worked example's code cell (lecture 01, section 1)
LECTURES = [p.relative_to(REPO).as_posix() for p in paths.lectures(REPO)]


def _wait_kernel_connection(page, frames, timeout_s=60):
    """RISE has no kernel indicator: wait for traffic on the page's kernel websocket."""
    deadline = time.monotonic() + timeout_s
    while not frames and time.monotonic() < deadline:
        page.wait_for_timeout(250)
    assert frames, f"the slideshow did not connect to a kernel within {timeout_s} s"


def _step(page, previous):
    """Press Space; wait until the visible slide (or its revealed fragments) changed."""
    page.keyboard.press("Space")
    page.wait_for_function(
        f"prev => {{ const now = ({RISE_PRESENT_JS})(); return now && "
        "(now.id !== prev.id || now.fragments !== prev.fragments); }", arg=previous, timeout=15_000)
    return page.evaluate(RISE_PRESENT_JS)


def test_rise_steps_through_slides_and_runs_a_cell_live(context, lab, rise_available):
    nb = nbformat.read(REPO / LECTURE, as_version=4)

    # in JupyterLab: the lecture's setup cell, then the RISE button of the notebook toolbar
    lab_page = context.new_page()
    open_notebook(lab_page, lab, LECTURE, workspace="rise")
    setup = cell_index(lab_page, LECTURE, contains="import numpy as np")
    shift_enter_in(lab_page, notebook(lab_page).locator(".jp-Cell").nth(setup))
    wait_executed(lab_page, LECTURE, setup, None)
    lab_page.locator('.jp-NotebookPanel-toolbar [data-jp-item-name="RISE-button"]').first.click()
    preview = lab_page.frame_locator(".jp-IFrame iframe, iframe").first
    preview.locator(".reveal.ready .slides > section").first.wait_for(state="attached")
    screenshot(lab_page, "rise-0-preview-panel-in-lab", animations="disabled")

    # the slideshow itself
    page = context.new_page()
    frames = open_rise(page, lab, LECTURE)
    page.bring_to_front()
    top = page.locator(".reveal .slides > section").count()
    assert top == expected_top_level_slides(nb), (
        f"RISE shows {top} top-level slides, the lecture has {expected_top_level_slides(nb)}")
    headings = slide_headings(nb)
    state = page.evaluate(RISE_PRESENT_JS)
    assert state and state["id"].startswith("slide-0-"), state
    if headings[0]:
        assert headings[0] in state["text"], f"first slide shows {state['text'][:80]!r}"

    # Space through the slides until the worked example's code cell is on screen
    visited = [state]
    for _ in range(25):
        if LIVE_CELL in visited[-1]["text"]:
            break
        visited.append(_step(page, visited[-1]))
        if len(visited) == 3:
            screenshot(page, "rise-1-third-slide", animations="disabled")
    ids = [s["id"] for s in visited]
    assert LIVE_CELL in visited[-1]["text"], f"never reached the slide with `{LIVE_CELL}`: {ids}"
    assert len(set(ids)) >= 4, f"Space should have moved through several slides: {ids}"
    tops = list(dict.fromkeys(int(i.split("-")[1]) for i in ids))
    assert tops == sorted(tops) and tops[0] == 0, f"slides out of order: {ids}"
    for h in tops:
        if headings[h]:
            text = next(s["text"] for s in visited if s["id"].startswith(f"slide-{h}-"))
            assert headings[h] in text, f"slide {h} should show {headings[h]!r}: {text[:80]!r}"

    # edit the example live (b = 0.5 -> 1.5) and run it with Shift+Enter: z = 5.5 + 1 = 6.5
    _wait_kernel_connection(page, frames)
    cell = page.locator(".reveal .slides section.present .jp-CodeCell", has_text=LIVE_CELL).first
    source = next(c.source for c in nb.cells if c.cell_type == "code" and LIVE_CELL in c.source)
    assert "b = 0.5" in source, source
    cell.locator(".cm-content").click()
    page.keyboard.press("Control+a")
    page.keyboard.insert_text(source.replace("b = 0.5", "b = 1.5"))
    page.keyboard.press("Shift+Enter")
    printed = cell.locator(f'.jp-OutputArea-output[data-mime-type="{STDOUT_MIME}"]').first
    try:
        page.wait_for_function("e => e.innerText.includes('z = 6.5')", arg=printed.element_handle(),
                               timeout=60_000)
    except Exception as exc:
        raise AssertionError("Shift+Enter in the slideshow did not print z = 6.5; the cell shows:\n"
                             + cell.inner_text()) from exc
    assert "NameError" not in cell.inner_text(), "the slideshow must share the notebook's kernel"
    screenshot(page, "rise-2-cell-run-live", animations="disabled")


@pytest.mark.parametrize("lecture", LECTURES, ids=lambda p: p.split("/")[-1].removesuffix(".ipynb"))
def test_lecture_opens_in_rise_without_the_internet(context, lab, rise_available, lecture):
    nb = nbformat.read(REPO / lecture, as_version=4)
    page = context.new_page()
    open_rise(page, lab, lecture)
    top = page.locator(".reveal .slides > section").count()
    assert top == expected_top_level_slides(nb), (
        f"RISE shows {top} top-level slides, {lecture} has {expected_top_level_slides(nb)}")
    state = page.evaluate(RISE_PRESENT_JS)
    first = slide_headings(nb)[0]
    assert state and (not first or first in state["text"]), f"first slide: {state}"
    if any("$" in c.source for c in nb.cells if c.cell_type == "markdown"):
        page.wait_for_selector("mjx-container", state="attached")
        assert page.locator("mjx-merror").count() == 0, "MathJax reports a TeX error"
    page.wait_for_load_state("networkidle", timeout=30_000)
    name = lecture.split("/")[-1].removesuffix(".ipynb")
    screenshot(page, f"rise-lecture-{name}", animations="disabled")
    external = context.recorder.external
    assert not external, (
        f"RISE loads from the internet (breaks offline lecture halls): {external}. "
        "RISE's default reveal theme 'simple' @imports Google Fonts. Fix: a theme with no web "
        "font in the lecture's metadata, e.g. \"rise\": {\"scroll\": true, \"theme\": \"serif\"} "
        "(checked: nothing external, headings keep their case; \"white\" is offline too but "
        "upper-cases headings unless lectures/rise.css sets --r-heading-text-transform: none).")


@pytest.mark.xfail(strict=True, raises=AssertionError, reason=(
    "jupyterlab-rise 0.43.1 cannot load the ipywidgets 8 manager (browser console: \"Shared "
    "module @jupyterlab/console doesn't exist in shared scope default\"), so widgets show as "
    "text in RISE; "
    "upstream https://github.com/jupyterlab-contrib/rise/issues/119 and /126. This test starts "
    "passing (XPASS, reported as a failure) once an upgrade fixes it."))
@pytest.mark.skipif(not (REPO / "lectures/03_gradient_descent.ipynb").is_file(),
                    reason="lectures/03_gradient_descent.ipynb is not in the repository yet")
def test_rise_shows_the_widgets_of_lecture_03(context, lab, rise_available):
    lecture = "lectures/03_gradient_descent.ipynb"
    nb = nbformat.read(REPO / lecture, as_version=4)
    index = next(i for i, c in enumerate(nb.cells) if "quadratic_1d(" in c.source)
    page = context.new_page()
    frames = open_rise(page, lab, lecture, activeCellIndex=index)     # starts at the widget's slide
    cell = page.locator(".jp-CodeCell", has_text="quadratic_1d(").first
    cell.wait_for(state="visible")
    prompt = cell.locator(".jp-InputPrompt")
    before = prompt.inner_text()
    _wait_kernel_connection(page, frames)
    cell.locator(".cm-content").click()
    page.keyboard.press("Shift+Enter")
    page.wait_for_function("([e, before]) => e.innerText !== before && !e.innerText.includes('*')",
                           arg=[prompt.element_handle(), before], timeout=60_000)
    out = cell.locator(".jp-OutputArea")
    page.wait_for_function(
        "e => e.querySelector('.jupyter-widgets .widget-slider')"
        " || /Explorer\\(/.test(e.innerText)",
        arg=out.element_handle(), timeout=60_000)
    on_screen = page.locator(".reveal .slides section.present:not(.stack) .jp-CodeCell",
                             has_text="quadratic_1d(")
    if on_screen.count() == 0:            # Shift+Enter moved on to the next slide: come back
        page.keyboard.press("Shift+Space")
        on_screen.first.wait_for(state="attached")
    screenshot(page, "rise-3-widget-slide-lecture-03", animations="disabled")
    assert out.locator(".widget-slider").count() > 0, (
        "RISE shows the widget as text: " + out.inner_text()[:200])
