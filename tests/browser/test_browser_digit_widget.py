"""The digit explorer in JupyterLab (mlpkit.widgets.digit_explorer, unit 06): its controls
respond as a student uses them, and the status names the prediction and the true label.

The widget runs in a small notebook written into the served copy of the course (not
the lecture, whose training takes long, so this test does not depend on how lecture 06
shows it): a 784-32-10 network trained for two epochs on 10,000 MNIST images, then the
explorer on the test images; run with Run > Run All Cells in a real kernel, then driven
by mouse and keyboard.
"""
from __future__ import annotations

import re

import nbformat
import pytest
from browser_support import (
    image_digest,
    labelled,
    run_lecture_fresh,
    screenshot,
    wait_redrawn,
    widget_box,
)

pytestmark = pytest.mark.browser

NOTEBOOK = "digit_explorer_widget.ipynb"
CELLS = (
    "from mlpkit import data, losses, nn, optim, train, widgets",
    ("(x, y), (x_test, y_test) = data.load_mnist()\n"
     "model = nn.Sequential(nn.Linear(784, 32, init='he_normal', rng=0), nn.ReLU(),\n"
     "                      nn.Linear(32, 10, rng=1))\n"
     "opt = optim.SGD(model.parameters(), lr=0.05, momentum=0.9)\n"
     "train.fit(model, losses.CrossEntropyLoss(), opt, x[:10_000], y[:10_000], epochs=2,\n"
     "          batch_size=128, rng=0, progress=False);"),
    "widgets.digit_explorer(model, x_test, y_test)",
)
RUN_ALL_TIMEOUT_MS = 300_000


@pytest.fixture
def digit_notebook(served_course):
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


def _key(page, slider, key):
    return lambda: (slider.locator(".noUi-handle").focus(), page.keyboard.press(key))


def test_digit_explorer_responds_to_image_shift_eraser_and_noise(page, lab, digit_notebook):
    nb = run_lecture_fresh(page, lab, digit_notebook, "digit-widget", RUN_ALL_TIMEOUT_MS)
    box = widget_box(page, nb, "widgets.digit_explorer(")
    img = box.locator("img.widget-image")
    status = box.locator(":scope > .widget-html .widget-html-content").first
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=img.element_handle())
    # test image 0 is a 7
    said = status.inner_text()
    assert re.search(r"predicted \d with probability [\d.]+%; the true label is 7", said), said
    screenshot(box, "digit-widget-1-first-image")

    # (a) the image slider by keyboard: the next test image is a 2
    _changed(page, img, _key(page, labelled(box, page, "image number"), "ArrowRight"),
             "picking the next image")
    assert "the true label is 2" in status.inner_text(), status.inner_text()

    # (b) the shift slider by keyboard: End moves the digit 8 pixels right; the probabilities move
    said = status.inner_text()
    _changed(page, img, _key(page, labelled(box, page, "shift right"), "End"),
             "shifting the digit 8 pixels right")
    assert status.inner_text() != said, said
    screenshot(box, "digit-widget-2-shifted")

    # (c) the eraser menu and (d) the noise slider
    erase = labelled(box, page, "erase", ".widget-dropdown").locator("select")
    options = [text.replace("\xa0", " ") for text in erase.locator("option").all_inner_texts()]
    assert options[:2] == ["nothing", "top half"], options      # ipywidgets shows spaces as nbsp
    _changed(page, img, lambda: erase.select_option(index=1), "erasing the top half")
    _changed(page, img, _key(page, labelled(box, page, "noise"), "End"), "adding the most noise")
    assert "predicted" in status.inner_text()
    screenshot(box, "digit-widget-3-erased-and-noisy")
    assert not page.context.recorder.external, page.context.recorder.external
