"""Unit 05's lecture in JupyterLab: the MLP playground (mlpkit.widgets.mlp_playground)
responds to its controls as a student uses them."""
from __future__ import annotations

import re

import pytest

from browser_support import (image_digest, notebook, open_notebook, run_all_and_wait,
                             screenshot, wait_kernel_idle, wait_stable)

pytestmark = pytest.mark.browser

LECTURE = "lectures/05_mlp.ipynb"
RUN_ALL_TIMEOUT_MS = 300_000


def _control(box, page, label, kind):
    labelled = page.locator("label.widget-label", has_text=label)
    return box.locator(kind, has=labelled).first


def _settle(page, img, before_src, what):
    try:
        page.wait_for_function("([img, src]) => img.src && img.src !== src",
                               arg=[img.element_handle(), before_src], timeout=60_000)
    except Exception as exc:
        raise AssertionError(f"the figure was not redrawn after {what}") from exc
    wait_kernel_idle(page, LECTURE)
    wait_stable(lambda: img.get_attribute("src"), page=page)


def test_lecture_05_mlp_playground_responds(page, lab):
    open_notebook(page, lab, LECTURE, workspace="mlp-widget")
    nb = notebook(page)
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:clear-all-cell-outputs')")
    run_all_and_wait(page, LECTURE, RUN_ALL_TIMEOUT_MS)
    assert "Error displaying widget" not in nb.inner_text()

    cell = nb.locator(".jp-Cell", has=page.locator(".jp-InputArea",
                                                   has_text="widgets.mlp_playground()")).first
    box = cell.locator(".jp-OutputArea .widget-vbox").first
    box.scroll_into_view_if_needed()
    img = box.locator("img.widget-image")
    status = box.locator(":scope > .widget-html .widget-html-content").first
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=img.element_handle())
    assert "accuracy" in status.inner_text(), status.inner_text()

    # (a) the activation menu: identity makes the network affine, and the status says so
    src, before = img.get_attribute("src"), image_digest(page, img)
    menu = _control(box, page, "activation", ".widget-dropdown").locator("select")
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
    lr = _control(box, page, "learning rate", ".widget-slider")
    lr.locator(".noUi-handle").focus()
    page.keyboard.press("End")
    _settle(page, img, src, "moving the learning rate to its largest value")
    text = status.inner_text()       # too large a step: it blows up, or its units die
    assert "diverges" in text or float(re.search(r"accuracy ([\d.]+)%", text).group(1)) < 90, text
    screenshot(box, "mlp-widget-2-large-learning-rate")

    # (c) the replay slider shows another snapshot without retraining
    src, said = img.get_attribute("src"), status.inner_text()
    shown = _control(box, page, "snapshot shown", ".widget-slider")
    shown.locator(".noUi-handle").focus()
    page.keyboard.press("Home")
    _settle(page, img, src, "replaying the first snapshot")
    assert status.inner_text() == said
    assert not page.context.recorder.external, page.context.recorder.external
