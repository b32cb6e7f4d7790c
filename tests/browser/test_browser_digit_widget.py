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

import pytest

from browser_support import (labelled, press_on, redraws, run_lecture_fresh, screenshot,
                             widget_parts)

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


def test_digit_explorer_responds_to_image_shift_eraser_and_noise(page, lab, scratch_notebook):
    path = scratch_notebook(NOTEBOOK, CELLS)
    nb = run_lecture_fresh(page, lab, path, "digit-widget")
    box, img, status = widget_parts(page, nb, "widgets.digit_explorer(")
    # test image 0 is a 7
    said = status.inner_text()
    assert re.search(r"predicted \d with probability [\d.]+%; the true label is 7", said), said
    screenshot(box, "digit-widget-1-first-image")

    # (a) the image slider by keyboard: the next test image is a 2
    redraws(page, path, img, press_on(page, labelled(box, page, "image number"), "ArrowRight"),
            "picking the next image")
    assert "the true label is 2" in status.inner_text(), status.inner_text()

    # (b) the shift slider by keyboard: End moves the digit 8 pixels right; the probabilities move
    said = status.inner_text()
    redraws(page, path, img, press_on(page, labelled(box, page, "shift right"), "End"),
            "shifting the digit 8 pixels right")
    assert status.inner_text() != said, said
    screenshot(box, "digit-widget-2-shifted")

    # (c) the eraser menu and (d) the noise slider
    erase = labelled(box, page, "erase", ".widget-dropdown").locator("select")
    options = [text.replace("\xa0", " ") for text in erase.locator("option").all_inner_texts()]
    assert options[:2] == ["nothing", "top half"], options      # ipywidgets shows spaces as nbsp
    redraws(page, path, img, lambda: erase.select_option(index=1), "erasing the top half")
    redraws(page, path, img, press_on(page, labelled(box, page, "noise"), "End"),
            "adding the most noise")
    assert "predicted" in status.inner_text()
    screenshot(box, "digit-widget-3-erased-and-noisy")
    assert not page.context.recorder.external, page.context.recorder.external
