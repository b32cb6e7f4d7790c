"""The initialisation explorer in JupyterLab (mlpkit.widgets.init_explorer, unit 07): its
controls respond as a student uses them, and a vanishing or exploding signal is named.

The widget runs in a small notebook written into the served copy of the course
(not a lecture, so this test does not depend on how lecture 07 shows it); it is
run with Run > Run All Cells in a real kernel, then driven by mouse and keyboard.
"""
from __future__ import annotations

import pytest

from browser_support import (labelled, press_on, redraws, run_lecture_fresh, screenshot,
                             widget_parts)

pytestmark = pytest.mark.browser

NOTEBOOK = "init_explorer_widget.ipynb"
CELLS = ("from mlpkit import widgets", "widgets.init_explorer()")


def test_init_explorer_responds_and_names_vanishing_and_exploding(page, lab, scratch_notebook):
    path = scratch_notebook(NOTEBOOK, CELLS)
    nb = run_lecture_fresh(page, lab, path, "init-widget")
    box, img, status = widget_parts(page, nb, "widgets.init_explorer()")
    assert "keep their scale" in status.inner_text(), status.inner_text()

    # (a) the initialisation menu: tiny weights, and the signal vanishes
    init = labelled(box, page, "initialisation", ".widget-dropdown").locator("select")
    options = init.locator("option").all_inner_texts()
    assert {"normal(0.01)", "xavier_normal", "he_normal"} <= set(options), options
    redraws(page, path, img, lambda: init.select_option("normal(0.01)"), "choosing normal(0.01)")
    text = status.inner_text()
    assert "activations vanish: layer 10" in text and "gradients vanish" in text, text
    screenshot(box, "init-widget-1-vanish")

    # (b) the activation menu and large weights: ReLU with normal(1) explodes
    activation = labelled(box, page, "activation", ".widget-dropdown").locator("select")
    redraws(page, path, img, lambda: activation.select_option("relu"), "choosing relu")
    redraws(page, path, img, lambda: init.select_option("normal(1)"), "choosing normal(1)")
    assert "activations explode: layer 10" in status.inner_text(), status.inner_text()
    screenshot(box, "init-widget-2-explode")

    # (c) He's initialisation is made for ReLU: the scale is kept
    redraws(page, path, img, lambda: init.select_option("he_normal"), "choosing he_normal")
    assert "keep their scale over 10 layers" in status.inner_text(), status.inner_text()

    # (d) the depth slider by keyboard: End = the deepest network, still healthy with He
    redraws(page, path, img, press_on(page, labelled(box, page, "depth"), "End"),
            "moving the depth to its largest value")
    assert "over 30 layers" in status.inner_text(), status.inner_text()
    assert not page.context.recorder.external, page.context.recorder.external
