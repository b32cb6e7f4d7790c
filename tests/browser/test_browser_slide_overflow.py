"""Every slide of every offline deck fits a 1280x720 screen (CONTRIBUTING, "Authoring a unit").

The decks are those ``mlpcourse slides`` builds from a copy of the course (the
fixture of the offline-slides test), opened from disk in one headless Chromium with a
1280x720 viewport. After MathJax has typeset the deck and every image has
decoded, each slide (``Reveal.getSlides()``: every slide and sub-slide, in
order) is made the current one with ``Reveal.slide(h, v)`` and measured: its
content (``scrollHeight``/``scrollWidth`` of its ``<section>``, in the deck's own
coordinates, where the screen is ``Reveal.getConfig()`` width x height,
960 x 700, scaled to the window) must not exceed the slide by more than
``TOLERANCE_PX``. Hidden fragments still take their place in the layout, so a
slide is measured with all its fragments. A slide that is too tall is one the
deck would have to scroll (the template's fallback), i.e. one a lecture hall
does not see in full. The failure names the deck, the slide number as the deck
shows it, and the slide's first words.
"""
from __future__ import annotations

import pytest
import test_browser_offline_slides as offline
from browser_support import REPO, screenshot

from mlpcourse import paths

pytestmark = pytest.mark.browser

LECTURES = [p.stem for p in paths.lectures(REPO)]
slides_dir = offline.slides_dir       # the decks, built as the offline-slides test builds them
VIEWPORT = {"width": 1280, "height": 720}
TOLERANCE_PX = 8            # rounding, borders, a descender below the last line

MEASURE_JS = r"""async (tolerance) => {
  const config = Reveal.getConfig();
  Reveal.configure({transition: 'none', backgroundTransition: 'none'});
  const frame = () => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
  const found = [];
  const slides = Reveal.getSlides();
  for (let n = 0; n < slides.length; n++) {
    const {h, v} = Reveal.getIndices(slides[n]);
    Reveal.slide(h, v, Infinity);            // every fragment shown: they keep their place anyway
    await frame();
    const section = Reveal.getCurrentSlide();
    const height = section.scrollHeight, width = section.scrollWidth;
    if (height > config.height + tolerance || width > config.width + tolerance) {
      const words = section.innerText.replace(/\s+/g, ' ').trim().split(' ').slice(0, 10).join(' ');
      found.push({number: n + 1, h, v, height, width, words});
    }
  }
  return {total: slides.length, height: config.height, width: config.width, found};
}"""


@pytest.fixture(scope="module")
def hall(browser):
    """One page at 1280x720, shared by every deck (a lecture-hall projector)."""
    ctx = browser.new_context(viewport=VIEWPORT, device_scale_factor=1)
    ctx.set_default_timeout(60_000)
    yield ctx.new_page()
    ctx.close()


@pytest.mark.parametrize("lecture", LECTURES)
def test_every_slide_fits_a_1280x720_screen(hall, slides_dir, lecture):
    decks = slides_dir
    deck = decks / f"{lecture}.html"
    assert deck.is_file(), f"no deck for {lecture} in {sorted(p.name for p in decks.iterdir())}"
    hall.goto(deck.as_uri(), wait_until="load")
    hall.wait_for_function("() => window.Reveal && Reveal.isReady()")
    if hall.evaluate("() => !!window.MathJax"):
        hall.wait_for_function("() => MathJax.startup && MathJax.startup.promise")
        state = hall.evaluate("""() => Promise.race([
            MathJax.startup.promise.then(() => 'done', e => 'failed: ' + e),
            new Promise(r => setTimeout(() => r('timeout'), 60000))])""")
        assert state == "done", f"{deck.name}: MathJax did not finish typesetting: {state}"
    hall.wait_for_function("() => Array.from(document.images).every(i => i.complete)")

    result = hall.evaluate(MEASURE_JS, TOLERANCE_PX)
    assert result["total"] > 1, f"{deck.name}: reveal.js found {result['total']} slides"
    for slide in result["found"][:3]:          # pictures of the first offenders, for the report
        hall.evaluate("([h, v]) => Reveal.slide(h, v, Infinity)", [slide["h"], slide["v"]])
        screenshot(hall, f"overflow-{lecture}-slide-{slide['number']}")
    lines = [f"slide {s['number']} of {result['total']} (#/{s['h']}/{s['v']}): "
             f"{s['height']} x {s['width']} px for a {result['height']} x {result['width']} "
             f"slide; starts {s['words']!r}" for s in result["found"]]
    assert not lines, (f"{deck.name}: slides that do not fit a 1280x720 screen; split them, "
                       "move text into notes, or shrink the figure:\n" + "\n".join(lines))
