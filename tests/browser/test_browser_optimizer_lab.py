"""The optimiser laboratory in JupyterLab (mlpkit.widgets.optimizer_lab and network_lab):
its controls respond as a student uses them, and divergence is named, not raised.

The widgets run in a small notebook written into the served copy of the course
(not a lecture, so this test does not depend on how lecture 08 shows them);
it is run with Run > Run All Cells in a real kernel, then driven by mouse and
keyboard.
"""
from __future__ import annotations

import nbformat
import pytest

from browser_support import (image_digest, labelled, run_lecture_fresh, screenshot,
                             wait_redrawn, widget_box)

pytestmark = pytest.mark.browser

NOTEBOOK = "optimizer_lab_widgets.ipynb"
CELLS = ("from mlpkit import widgets", "widgets.optimizer_lab()", "widgets.network_lab(steps=200)")
RUN_ALL_TIMEOUT_MS = 300_000


@pytest.fixture
def lab_notebook(served_course):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(src) for src in CELLS])
    nb.metadata["kernelspec"] = {"display_name": "Python 3 (ipykernel)", "language": "python",
                                 "name": "python3"}
    nbformat.write(nb, served_course / NOTEBOOK)
    yield NOTEBOOK
    (served_course / NOTEBOOK).unlink(missing_ok=True)


def _settle(page, img, before_src, what):
    wait_redrawn(page, img, before_src, NOTEBOOK, what)


def _changed(page, img, action, what):
    """Do ``action()``, wait for the redraw; assert the pixels changed."""
    src, before = img.get_attribute("src"), image_digest(page, img)
    action()
    _settle(page, img, src, what)
    assert image_digest(page, img) != before, f"the figure's pixels did not change: {what}"


def _end_key(page, slider):
    slider.locator(".noUi-handle").focus()
    page.keyboard.press("End")


def test_optimizer_lab_and_network_lab_respond(page, lab, lab_notebook):
    nb = run_lecture_fresh(page, lab, lab_notebook, "optimizer-lab", RUN_ALL_TIMEOUT_MS)

    # --- the toy surfaces: three optimisers on the quadratic
    box = widget_box(page, nb, "widgets.optimizer_lab()")
    img = box.locator("img.widget-image")
    status = box.locator(":scope > .widget-html .widget-html-content").first
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=img.element_handle())
    assert "reaches L <" in status.inner_text() and "diverged" not in status.inner_text()

    # (a) an optimiser menu: the third path becomes Nesterov's
    menu = labelled(box, page, "optimiser 3", ".widget-dropdown").locator("select")
    options = menu.locator("option").all_inner_texts()
    assert {"SGD", "Momentum", "Nesterov", "Adam"} <= set(options), options
    _changed(page, img, lambda: menu.select_option(label="Nesterov"), "choosing Nesterov")
    assert "Nesterov" in status.inner_text(), status.inner_text()
    screenshot(box, "optimizer-lab-1-nesterov")

    # (b) the learning-rate slider by keyboard: a small step changes the paths
    lr = labelled(box, page, "learning rate")
    _changed(page, img, lambda: (lr.locator(".noUi-handle").focus(),
                                 page.keyboard.press("ArrowRight")), "nudging the learning rate")

    # (c) the condition number: a narrower bowl redraws the contours
    kappa = labelled(box, page, "condition")
    _changed(page, img, lambda: (kappa.locator(".noUi-handle").focus(),
                                 page.keyboard.press("PageUp")), "raising the condition number")

    # (d) End = the largest eta: gradient descent blows up, and the text says where and why
    _changed(page, img, lambda: _end_key(page, lr), "moving the learning rate to its largest value")
    text = status.inner_text()
    assert "SGD diverged at step" in text and "try eta below 2/lambda_max" in text, text
    screenshot(box, "optimizer-lab-2-diverged")

    # --- the real network
    box = widget_box(page, nb, "widgets.network_lab(")
    img = box.locator("img.widget-image")
    status = box.locator(":scope > .widget-html .widget-html-content").first
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=img.element_handle())
    assert "validation set" in status.inner_text(), status.inner_text()

    # (e) another optimiser retrains the network
    menu = labelled(box, page, "optimiser", ".widget-dropdown").locator("select")
    _changed(page, img, lambda: menu.select_option(label="Adam"), "choosing Adam")
    assert status.inner_text().startswith("Adam"), status.inner_text()

    # (f) the largest learning rate: training diverges and stops, named in the text
    _changed(page, img, lambda: _end_key(page, labelled(box, page, "learning rate")),
             "moving the network's learning rate to its largest value")
    assert "diverged at step" in status.inner_text(), status.inner_text()
    screenshot(box, "network-lab-diverged")
    assert not page.context.recorder.external, page.context.recorder.external
