"""Unit 05's lecture in JupyterLab: the MLP playground (mlpkit.widgets.mlp_playground)
responds to its controls as a student uses them."""
from __future__ import annotations

import re

import pytest

from browser_support import (image_digest, labelled, press_on, run_lecture_fresh, screenshot,
                             wait_redrawn, widget_parts)

pytestmark = pytest.mark.browser

LECTURE = "lectures/05_mlp.ipynb"
RUN_ALL_TIMEOUT_MS = 300_000


def _settle(page, img, before_src, what):
    wait_redrawn(page, img, before_src, LECTURE, what)


def test_lecture_05_mlp_playground_responds(page, lab):
    nb = run_lecture_fresh(page, lab, LECTURE, "mlp-widget", RUN_ALL_TIMEOUT_MS)
    box, img, status = widget_parts(page, nb, "widgets.mlp_playground()")
    assert "accuracy" in status.inner_text(), status.inner_text()

    # (a) the activation menu: identity makes the network affine, and the status says so
    src, before = img.get_attribute("src"), image_digest(page, img)
    menu = labelled(box, page, "activation", ".widget-dropdown").locator("select")
    options = menu.locator("option").all_inner_texts()
    assert {"identity", "tanh", "relu", "sigmoid"} <= set(options), options
    menu.select_option("identity")
    _settle(page, img, src, "choosing the identity activation")
    assert "affine" in status.inner_text(), status.inner_text()
    assert image_digest(page, img) != before, "the figure's pixels did not change"
    screenshot(box, "mlp-widget-1-identity")

    # (b) the learning-rate slider by keyboard: End = the largest eta, training blows up
    src = img.get_attribute("src")
    menu.select_option("relu")
    _settle(page, img, src, "choosing relu")
    src = img.get_attribute("src")
    press_on(page, labelled(box, page, "learning rate"), "End")()
    _settle(page, img, src, "moving the learning rate to its largest value")
    text = status.inner_text()       # too large a step: it blows up, or its units die
    assert "diverges" in text or float(re.search(r"accuracy ([\d.]+)%", text).group(1)) < 90, text
    screenshot(box, "mlp-widget-2-large-learning-rate")

    # (c) the replay slider shows another snapshot without retraining
    src, said = img.get_attribute("src"), status.inner_text()
    press_on(page, labelled(box, page, "snapshot shown"), "Home")()
    _settle(page, img, src, "replaying the first snapshot")
    assert status.inner_text() == said
    assert not page.context.recorder.external, page.context.recorder.external
