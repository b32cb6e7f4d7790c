"""The optimiser laboratory in JupyterLab (mlpkit.widgets.optimizer_lab and network_lab):
its controls respond as a student uses them, and divergence is named, not raised.

The widgets run in a small notebook written into the served copy of the course
(not a lecture, so this test does not depend on how lecture 08 shows them);
it is run with Run > Run All Cells in a real kernel, then driven by mouse and
keyboard.
"""
from __future__ import annotations

import pytest

from browser_support import (labelled, press_on, redraws, run_lecture_fresh, screenshot,
                             widget_parts)

pytestmark = pytest.mark.browser

NOTEBOOK = "optimizer_lab_widgets.ipynb"
CELLS = ("from mlpkit import widgets", "widgets.optimizer_lab()", "widgets.network_lab(steps=200)")


def test_optimizer_lab_and_network_lab_respond(page, lab, scratch_notebook):
    path = scratch_notebook(NOTEBOOK, CELLS)
    nb = run_lecture_fresh(page, lab, path, "optimizer-lab")

    # --- the toy surfaces: three optimisers on the quadratic
    box, img, status = widget_parts(page, nb, "widgets.optimizer_lab()")
    assert "reaches L <" in status.inner_text() and "diverged" not in status.inner_text()

    # (a) an optimiser menu: the third path becomes Nesterov's
    menu = labelled(box, page, "optimiser 3", ".widget-dropdown").locator("select")
    options = menu.locator("option").all_inner_texts()
    assert {"SGD", "Momentum", "Nesterov", "Adam"} <= set(options), options
    redraws(page, path, img, lambda: menu.select_option(label="Nesterov"), "choosing Nesterov")
    assert "Nesterov" in status.inner_text(), status.inner_text()
    screenshot(box, "optimizer-lab-1-nesterov")

    # (b) the learning-rate slider by keyboard: a small step changes the paths
    lr = labelled(box, page, "learning rate")
    redraws(page, path, img, press_on(page, lr, "ArrowRight"), "nudging the learning rate")

    # (c) the condition number: a narrower bowl redraws the contours
    kappa = labelled(box, page, "condition")
    redraws(page, path, img, press_on(page, kappa, "PageUp"), "raising the condition number")

    # (d) End = the largest eta: gradient descent blows up, and the text says where and why
    redraws(page, path, img, press_on(page, lr, "End"),
            "moving the learning rate to its largest value")
    text = status.inner_text()
    assert "SGD diverged at step" in text and "try eta below 2/lambda_max" in text, text
    screenshot(box, "optimizer-lab-2-diverged")

    # --- the real network
    box, img, status = widget_parts(page, nb, "widgets.network_lab(")
    assert "validation set" in status.inner_text(), status.inner_text()

    # (e) another optimiser retrains the network
    menu = labelled(box, page, "optimiser", ".widget-dropdown").locator("select")
    redraws(page, path, img, lambda: menu.select_option(label="Adam"), "choosing Adam")
    assert status.inner_text().startswith("Adam"), status.inner_text()

    # (f) the largest learning rate: training diverges and stops, named in the text
    redraws(page, path, img, press_on(page, labelled(box, page, "learning rate"), "End"),
            "moving the network's learning rate to its largest value")
    assert "diverged at step" in status.inner_text(), status.inner_text()
    screenshot(box, "network-lab-diverged")
    assert not page.context.recorder.external, page.context.recorder.external
