"""Unit 04's lecture in JupyterLab: the logistic-regression widget
(mlpkit.widgets.logistic_regression) responds to its controls as a student uses them.

The lecture is cleared and rerun in a real kernel; every status line the widget
shows is compared with the message ``run_logistic`` gives here, in the test's
own process, for the same settings (the widget's default data seed).
"""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from browser_support import (image_digest, labelled, press_on, run_lecture_fresh, screenshot,
                             wait_redrawn, widget_parts)
from mlpkit.widgets import run_logistic

pytestmark = pytest.mark.browser

LECTURE = "lectures/04_classification.ipynb"
RUN_ALL_TIMEOUT_MS = 300_000
RED, GREY = "rgb(198, 40, 40)", "rgb(85, 85, 85)"     # threshold_html: above / below the rate
WARN, OK = "rgb(178, 107, 0)", "rgb(26, 127, 55)"     # status_html: the loss rose / fell


def _redrawn(page, img, src):
    return wait_redrawn(page, img, src, LECTURE, "the change")


def test_lecture_04_logistic_regression_widget_responds(page, lab):
    nb = run_lecture_fresh(page, lab, LECTURE, "classification-widget", RUN_ALL_TIMEOUT_MS)
    box, img, status = widget_parts(page, nb, "widgets.logistic_regression()")
    rate = box.locator(".widget-hbox .widget-html-content span").first   # beside the eta slider
    lr = labelled(box, page, "learning rate")
    start = run_logistic(0.5)
    assert status.inner_text() == start.message
    assert f"8/λmax = {start.safe_lr:.3g}" in rate.inner_text()
    expect(rate).to_have_css("color", GREY)

    # (a) End on the learning-rate handle: eta = 10^1.5, above 8/lambda_max; the line turns red
    src, before = img.get_attribute("src"), image_digest(page, img)
    press_on(page, lr, "End")()
    src = _redrawn(page, img, src)
    assert lr.locator(".widget-readout").inner_text() == "31.6"
    expect(rate).to_have_css("color", RED)
    assert status.inner_text() == run_logistic(10 ** 1.5).message
    assert image_digest(page, img) != before, "the figure's pixels did not change with eta"
    screenshot(box, "classification-widget-1-large-learning-rate")

    # (b) the moons at that eta: the loss goes up in many steps, and the status says why
    labelled(box, page, "data set", ".widget-dropdown").locator("select").select_option("moons")
    src = _redrawn(page, img, src)
    said = status.inner_text()
    assert said == run_logistic(10 ** 1.5, dataset="moons").message
    assert "The loss went up in" in said and "above 8/lambda_max" in said, said
    expect(status.locator("div")).to_have_css("color", WARN)
    screenshot(box, "classification-widget-2-moons-loss-rises")

    # (c) Home: the smallest eta, below the safe rate again; every step lowers the loss
    press_on(page, lr, "Home")()
    src = _redrawn(page, img, src)
    expect(rate).to_have_css("color", GREY)
    said = status.inner_text()
    assert said == run_logistic(1e-3, dataset="moons").message
    assert "Every step lowered the loss" in said, said
    expect(status.locator("div")).to_have_css("color", OK)

    # (d) the step shown: Home replays step 0 (w = 0, no boundary) without retraining
    before = image_digest(page, img)
    press_on(page, labelled(box, page, "step shown"), "Home")()
    _redrawn(page, img, src)
    assert image_digest(page, img) != before, "replaying step 0 did not change the figure"
    assert status.inner_text() == said
    screenshot(box, "classification-widget-3-step-0")
    assert not page.context.recorder.external, page.context.recorder.external
