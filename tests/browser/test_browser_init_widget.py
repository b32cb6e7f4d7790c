"""The initialisation explorer in JupyterLab (mlpkit.widgets.init_explorer, unit 07): its
controls respond as a student uses them, and a vanishing or exploding signal is named.

The widget runs in a small notebook written into the served copy of the course
(not a lecture, so this test does not depend on how lecture 07 shows it); it is
run with Run > Run All Cells in a real kernel, then driven by mouse and keyboard.
"""
from __future__ import annotations

import nbformat
import pytest

from browser_support import (image_digest, labelled, run_lecture_fresh, screenshot,
                             wait_redrawn, widget_box)

pytestmark = pytest.mark.browser

NOTEBOOK = "init_explorer_widget.ipynb"
CELLS = ("from mlpkit import widgets", "widgets.init_explorer()")
RUN_ALL_TIMEOUT_MS = 300_000


@pytest.fixture
def init_notebook(served_course):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(src) for src in CELLS])
    nb.metadata["kernelspec"] = {"display_name": "Python 3 (ipykernel)", "language": "python",
                                 "name": "python3"}
    nbformat.write(nb, served_course / NOTEBOOK)
    yield NOTEBOOK
    (served_course / NOTEBOOK).unlink(missing_ok=True)


def _changed(page, img, action, what):
    """Do ``action()``, wait for the redraw; assert the pixels changed."""
    src, before = img.get_attribute("src"), image_digest(page, img)
    action()
    wait_redrawn(page, img, src, NOTEBOOK, what)
    assert image_digest(page, img) != before, f"the figure's pixels did not change: {what}"


def test_init_explorer_responds_and_names_vanishing_and_exploding(page, lab, init_notebook):
    nb = run_lecture_fresh(page, lab, init_notebook, "init-widget", RUN_ALL_TIMEOUT_MS)
    box = widget_box(page, nb, "widgets.init_explorer()")
    img = box.locator("img.widget-image")
    status = box.locator(":scope > .widget-html .widget-html-content").first
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=img.element_handle())
    assert "keep their scale" in status.inner_text(), status.inner_text()

    # (a) the initialisation menu: tiny weights, and the signal vanishes
    init = labelled(box, page, "initialisation", ".widget-dropdown").locator("select")
    options = init.locator("option").all_inner_texts()
    assert {"normal(0.01)", "xavier_normal", "he_normal"} <= set(options), options
    _changed(page, img, lambda: init.select_option("normal(0.01)"), "choosing normal(0.01)")
    text = status.inner_text()
    assert "activations vanish: layer 10" in text and "gradients vanish" in text, text
    screenshot(box, "init-widget-1-vanish")

    # (b) the activation menu and large weights: ReLU with normal(1) explodes
    activation = labelled(box, page, "activation", ".widget-dropdown").locator("select")
    _changed(page, img, lambda: activation.select_option("relu"), "choosing relu")
    _changed(page, img, lambda: init.select_option("normal(1)"), "choosing normal(1)")
    assert "activations explode: layer 10" in status.inner_text(), status.inner_text()
    screenshot(box, "init-widget-2-explode")

    # (c) He's initialisation is made for ReLU: the scale is kept
    _changed(page, img, lambda: init.select_option("he_normal"), "choosing he_normal")
    assert "keep their scale over 10 layers" in status.inner_text(), status.inner_text()

    # (d) the depth slider by keyboard: End = the deepest network, still healthy with He
    depth = labelled(box, page, "depth")
    _changed(page, img, lambda: (depth.locator(".noUi-handle").focus(),
                                 page.keyboard.press("End")), "moving the depth to its largest value")
    assert "over 30 layers" in status.inner_text(), status.inner_text()
    assert not page.context.recorder.external, page.context.recorder.external
