"""Live slides with working widgets: jupyterlab-slideshow's deck mode in JupyterLab.

RISE (jupyterlab-rise) shows ipywidgets 8 as text (test_browser_rise.py). The deck
of jupyterlab-slideshow presents the notebook inside JupyterLab's own page, so a
widget keeps the page's widget manager. The teacher runs the setup cell, presses
the toolbar's deck button, steps with Space / Shift+Space, and runs a widget cell
with Shift+Enter (which also moves on to the next slide).

Each slide is checked as it is on screen: only its own cells are visible, and a
widget on it has visible controls that redraw its figure when moved.
"""
from __future__ import annotations

import nbformat
import pytest

from browser_support import (REPO, cell_index, deck_key, deck_onscreen, labelled,
                             missing_python_packages, notebook, open_notebook, press_on, redraws,
                             screenshot, shift_enter_in, start_deck, wait_executed)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(bool(missing_python_packages("jupyterlab_slideshow")),
                       reason="jupyterlab-slideshow is not installed "
                              "(`make test` installs it; or pip install -e '.[test]')"),
]

md, code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell
DECK_SETTINGS = "lab/api/settings/jupyterlab-slideshow:plugin"


@pytest.fixture
def lab(lab):
    """The session's JupyterLab with deck mode off before and after the test (jupyterlab-slideshow
    keeps "deck active" as a user setting, so a new page would open presenting)."""
    lab.api("PUT", DECK_SETTINGS, {"raw": "{}"})
    yield lab
    lab.api("PUT", DECK_SETTINGS, {"raw": "{}"})


def _slide(cell, kind):
    cell.metadata["slideshow"] = {"slide_type": kind}
    return cell


# title slide | setup (skip) | the widget's slide: a heading and the widget cell | next slide
NOTEBOOK = "deck_widget.ipynb"
CELLS = [
    _slide(md("# Live widgets in a deck\n\nThe title slide."), "slide"),
    _slide(code("from mlpkit import widgets"), "skip"),
    _slide(md("## The learning rate, live\n\nMove the slider."), "slide"),
    code("widgets.quadratic_1d()"),                      # no slide type: stays on that slide
    _slide(md("## After the widget"), "slide"),
]
TITLE, SETUP, HEADING, WIDGET, NEXT = range(5)
SCREEN = {"width": 1280, "height": 720}                 # a lecture hall's projector


def _visible_cells(nb) -> list[int]:
    cells = nb.locator(".jp-Cell")
    return [i for i in range(cells.count()) if cells.nth(i).is_visible()]


def _in_viewport(page, locator, what):
    box = locator.bounding_box()
    size = page.viewport_size
    assert box and box["width"] > 0 and box["height"] > 0, f"{what} has no size on the slide"
    assert (box["x"] >= 0 and box["y"] >= 0 and box["x"] + box["width"] <= size["width"]
            and box["y"] + box["height"] <= size["height"]), (
        f"{what} is not inside the {size['width']}x{size['height']} screen: {box}")


def test_deck_shows_one_slide_at_a_time_with_a_live_widget(page, lab, scratch_notebook):
    path = scratch_notebook(NOTEBOOK, CELLS)
    page.set_viewport_size(SCREEN)
    nb = open_notebook(page, lab, path, workspace="deck")
    cells = nb.locator(".jp-Cell")

    # the setup cell is marked skip (never shown in the deck): run it before presenting
    shift_enter_in(page, cells.nth(SETUP))
    wait_executed(page, path, SETUP, None)

    # the deck button of the notebook toolbar: the title slide alone
    assert start_deck(page, path, at=TITLE) == [TITLE]
    assert _visible_cells(nb) == [TITLE], "the deck must show only the title slide"
    screenshot(page, "deck-1-title-slide", animations="disabled")

    # Space: the widget's slide, its heading and its (not yet run) code cell, nothing else
    assert deck_key(page, path, "Space") == [HEADING, WIDGET]
    assert _visible_cells(nb) == [HEADING, WIDGET]

    # Shift+Enter in the widget cell runs it and moves on to the next slide
    widget_cell = cells.nth(WIDGET)
    widget_cell.locator(".cm-content").click()
    page.keyboard.press("Shift+Enter")
    wait_executed(page, path, WIDGET, None)
    page.wait_for_function("([p, i]) => window.__mlp.panel(p).content.activeCellIndex === i",
                           arg=[path, NEXT])
    assert deck_onscreen(page, path) == [NEXT]
    assert _visible_cells(nb) == [NEXT], "after Shift+Enter the deck shows the next slide alone"

    # Shift+Space: back on the widget's slide, where the widget is live, not a text placeholder
    assert deck_key(page, path, "Shift+Space") == [HEADING, WIDGET]
    assert _visible_cells(nb) == [HEADING, WIDGET]
    out = widget_cell.locator(".jp-OutputArea")
    assert "Error displaying widget" not in out.inner_text()
    box = out.locator(".jupyter-widgets.widget-vbox").first
    box.wait_for(state="visible")
    img = box.locator("img.widget-image")
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=img.element_handle())
    lr = labelled(box, page, "learning rate")
    for label in ("learning rate", "momentum"):
        slider = labelled(box, page, label)
        assert slider.is_visible(), f"the {label} slider is not visible on the slide"
        _in_viewport(page, slider.locator(".noUi-handle"), f"the {label} slider's handle")
    _in_viewport(page, img, "the widget's figure")
    screenshot(page, "deck-2-widget-slide", animations="disabled")

    # the mouse on the learning-rate slider: a click near its right end; the figure is redrawn
    status = box.locator(":scope > .widget-html .widget-html-content").first
    said, before = status.inner_text(), lr.locator(".widget-readout").inner_text()
    track = lr.locator(".noUi-base").first
    size = track.bounding_box()
    where = {"x": size["width"] * 0.95, "y": size["height"] / 2}
    redraws(page, path, img, lambda: track.click(position=where),
            "clicking the learning-rate slider near its right end")
    assert lr.locator(".widget-readout").inner_text() != before
    assert status.inner_text() != said, f"the status did not follow the slider: {said}"
    assert deck_onscreen(page, path) == [HEADING, WIDGET], "using the widget changed the slide"
    screenshot(page, "deck-3-widget-moved", animations="disabled")

    # the keyboard on the slider: ArrowLeft moves the slider, not the deck (it also pages slides)
    before = lr.locator(".widget-readout").inner_text()
    redraws(page, path, img, press_on(page, lr, "ArrowLeft"), "ArrowLeft on the slider")
    assert lr.locator(".widget-readout").inner_text() != before
    assert deck_onscreen(page, path) == [HEADING, WIDGET], "ArrowLeft on a slider changed the slide"

    # Escape ends the presentation: the whole notebook is back, the widget still live
    cells.nth(HEADING).click()
    page.keyboard.press("Escape")
    page.wait_for_function(
        "path => !window.__mlp.panel(path).node.querySelector('.jp-deck-mod-onscreen')",
        arg=path, timeout=15_000)
    assert _visible_cells(nb) == list(range(len(CELLS))), "Escape did not end the deck"
    assert lr.is_visible()
    assert not page.context.recorder.external, page.context.recorder.external


LECTURE = "lectures/03_gradient_descent.ipynb"
WIDGET_CALL = "widgets.quadratic_1d()"


@pytest.mark.skipif(not (REPO / LECTURE).is_file(), reason=f"{LECTURE} is not in the repository")
def test_deck_shows_the_widget_of_lecture_03(page, lab):
    page.set_viewport_size(SCREEN)
    nb = open_notebook(page, lab, LECTURE, workspace="deck-lecture")
    cells = notebook(page).locator(".jp-Cell")
    # the setup cell (input hidden, slide type skip): select it and run it
    setup = cell_index(page, LECTURE, contains="import numpy as np")
    page.evaluate("""([p, i]) => { window.__mlp.panel(p).content.activeCellIndex = i;
                     window.jupyterapp.commands.execute('notebook:run-cell'); }""",
                  [LECTURE, setup])
    wait_executed(page, LECTURE, setup, None)

    # present from the slide that holds the widget (the last slide or subslide before it)
    source = nbformat.read(REPO / LECTURE, as_version=4)
    widget = next(i for i, c in enumerate(source.cells) if c.source.strip().endswith(WIDGET_CALL))
    head = max(i for i, c in enumerate(source.cells[:widget])
               if c.metadata.get("slideshow", {}).get("slide_type") in ("slide", "subslide"))
    onscreen = start_deck(page, LECTURE, at=head)
    assert widget in onscreen, (
        f"the deck does not show the widget's cell {widget} with its slide: on screen {onscreen}")

    cells.nth(widget).locator(".cm-content").click()
    page.keyboard.press("Shift+Enter")
    wait_executed(page, LECTURE, widget, None)
    if widget not in deck_onscreen(page, LECTURE):
        deck_key(page, LECTURE, "Shift+Space")
    box = cells.nth(widget).locator(".jp-OutputArea .jupyter-widgets.widget-vbox").first
    box.wait_for(state="visible")
    assert labelled(box, page, "learning rate").is_visible()
    screenshot(page, "deck-lecture-03-widget", animations="disabled")
    assert nb.locator(".jp-Cell").nth(setup).is_hidden(), "the setup cell is shown"
