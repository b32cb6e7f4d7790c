"""Unit 03's lecture in JupyterLab: every figure renders and the learning-rate / momentum
widgets (mlpkit.widgets) respond to the keyboard and the text box as a student uses them.

The lecture is cleared and rerun in a real kernel (Run > Run All Cells), so
what is checked is what the code draws now, not the outputs saved in the file.
"""
from __future__ import annotations

import re

import nbformat
import pytest

from browser_support import (REPO, image_digest, labelled, run_lecture_fresh, screenshot,
                             wait_redrawn)

pytestmark = pytest.mark.browser

LECTURE = "lectures/03_gradient_descent.ipynb"
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
BUILDERS = ("quadratic_1d(", "valley_2d(", "regression_training(")
RUN_ALL_TIMEOUT_MS = 300_000


def _stored(nb_path):
    """From the lecture file: how many figures its code draws, and which cells hold a widget."""
    nb = nbformat.read(nb_path, as_version=4)
    figures, widget_cells = 0, []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if WIDGET_MIME in data:
                widget_cells.append(index)
            elif "image/png" in data:
                figures += 1
    return figures, widget_cells


def _number(text):
    match = re.search(r"-?\d+(?:\.\d+)?(?:e[-+]?\d+)?", text)
    assert match, f"no number in {text!r}"
    return float(match.group())


def _threshold(label_text):
    # "diverges above η = 2(1+μ)/k = 1.0"
    return _number(label_text.rsplit("=", 1)[1])


def _settle(page, img, before_src, what):
    wait_redrawn(page, img, before_src, LECTURE, what)


@pytest.mark.skipif(not (REPO / LECTURE).is_file(),
                    reason=f"{LECTURE} is not in the repository yet")
def test_lecture_03_figures_and_widgets_respond(page, lab):
    figures, widget_cells = _stored(REPO / LECTURE)
    # a fresh run: no saved output may pass for a new one
    nb = run_lecture_fresh(page, lab, LECTURE, "widgets", RUN_ALL_TIMEOUT_MS)
    cells = nb.locator(".jp-Cell")

    # every figure is an <img> that decoded (matplotlib PNG, widget PNG)
    page.wait_for_function(
        "n => { const imgs = document.querySelectorAll("
        "'.jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea-output img');"
        " return imgs.length >= n"
        " && Array.from(imgs).every(i => i.complete && i.naturalWidth > 0); }",
        arg=figures + len(widget_cells), timeout=60_000)
    static = nb.locator(".jp-OutputArea-output img:not(.widget-image)").count()
    assert static >= figures, f"{static} figures rendered, the lecture draws {figures}"

    # each explorer cell shows a live widget with a learning-rate and a momentum slider
    assert widget_cells, "the lecture shows no widget"
    for index in widget_cells:
        out = cells.nth(index).locator(".jp-OutputArea")
        figure = out.locator(".jupyter-widgets img.widget-image")
        assert figure.count() == 1, f"cell {index}: no figure"
        for label in ("learning rate", "momentum"):
            assert labelled(out, page, label).count() == 1, f"cell {index}: no {label} slider"

    # the 1-D explorer
    # (found by the cell's source in the file: on the page a hidden input shows no text)
    sources = [c.source for c in nbformat.read(REPO / LECTURE, as_version=4).cells]
    quad = next(i for i in widget_cells if "quadratic_1d(" in sources[i])
    box = cells.nth(quad).locator(".jp-OutputArea .widget-vbox").first
    box.scroll_into_view_if_needed()
    # text_content, not inner_text: JupyterLab renders cells outside the viewport lazily
    # (content-visibility), and inner_text reads only what is rendered
    lr, mom = labelled(box, page, "learning rate"), labelled(box, page, "momentum")
    label = box.locator(".widget-hbox .widget-html-content").first      # beside the lr slider
    status = box.locator(":scope > .widget-html .widget-html-content").first
    img = box.locator("img.widget-image")
    assert "converges" in status.text_content(), status.text_content()
    threshold = _threshold(label.text_content())

    # (a) keyboard on the learning-rate handle: End = largest eta, past the threshold
    src = img.get_attribute("src")
    lr.locator(".noUi-handle").focus()
    page.keyboard.press("End")
    _settle(page, img, src, "moving the learning rate with the keyboard")
    eta = _number(lr.locator(".widget-readout").text_content())
    assert eta > threshold, f"End should move eta past the threshold {threshold}, got {eta}"
    assert "diverg" in status.text_content(), (
        f"eta = {eta} > {threshold} but the text says: {status.text_content()}")
    screenshot(box, "widgets-1-learning-rate-diverges")

    # (b) the text box: type a small eta, the run converges again
    src = img.get_attribute("src")
    readout = lr.locator(".widget-readout")
    readout.click()
    page.keyboard.press("Control+a")
    page.keyboard.type("0.1")
    page.keyboard.press("Enter")
    _settle(page, img, src, "typing a learning rate")
    assert abs(_number(readout.text_content()) - 0.1) < 0.01
    assert "converges" in status.text_content(), status.text_content()

    # (c) momentum by keyboard: the path changes and the threshold moves to 2(1+mu)/k
    src, before, said = img.get_attribute("src"), image_digest(page, img), status.text_content()
    mom.locator(".noUi-handle").focus()
    for _ in range(12):
        page.keyboard.press("PageUp")
    _settle(page, img, src, "moving the momentum with the keyboard")
    mu = _number(mom.locator(".widget-readout").text_content())
    assert 0.3 <= mu <= 0.99, f"PageUp should raise mu, it reads {mu}"
    assert image_digest(page, img) != before, "the figure's pixels did not change with momentum"
    moved = _threshold(label.text_content())
    assert abs(moved - threshold * (1 + mu)) < 0.02, (
        f"with mu = {mu} the threshold should be {threshold} * (1 + mu), the label says {moved}")
    assert status.text_content() != said, "the text did not change with momentum"
    screenshot(box, "widgets-2-momentum-changes-path")
    screenshot(page, "widgets-3-lecture-page")

    assert not page.context.recorder.external, (
        f"JupyterLab requested something from the network: {page.context.recorder.external}")
