"""The offline slides (`mlpcourse slides`) opened from disk, with the network cut off.

Every deck is opened as a file:// page in which any request that is not
file: or data: is aborted and recorded. A deck passes when it asked for
nothing else, every local file it asked for exists, it has one top-level
slide per "slide" cell of its lecture, its math is typeset by the bundled
MathJax (no TeX left as text, no TeX errors), its figures decode, and the
arrow keys move through it.
"""
from __future__ import annotations

import subprocess
import sys

import nbformat
import pytest

from browser_support import REPO, copy_course, expected_top_level_slides, screenshot, slide_types
from mlpcourse import paths

pytestmark = pytest.mark.browser

LECTURES = [p.stem for p in paths.lectures(REPO)]


@pytest.fixture(scope="module")
def slides_dir(browser, tmp_path_factory, kernel_environment):
    """`mlpcourse slides` of a copy of the course, into a temporary folder."""
    work = tmp_path_factory.mktemp("offline-slides")
    course = copy_course(work / "course")
    (course / "solutions").mkdir(exist_ok=True)          # what makes a folder a course folder
    out = work / "slides"
    cmd = [sys.executable, "-m", "mlpcourse.cli", "slides", "--course", str(course),
           "--output", str(out)]
    done = subprocess.run(cmd, cwd=course, env=kernel_environment, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, (
        f"`mlpcourse slides` failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return out


class Offline:
    """Abort and record every request that is not file: or data:; record local failures."""

    def __init__(self, context):
        self.blocked, self.missing, self.errors = [], [], []
        context.route("**/*", self._route)

    def _route(self, route):
        url = route.request.url
        if url.startswith(("file:", "data:")):
            route.continue_()
        else:
            self.blocked.append(url)
            route.abort("internetdisconnected")

    def watch(self, page):
        page.on("requestfailed", lambda r: self.missing.append(f"{r.url[:120]} ({r.failure})")
                if r.url.startswith("file:") else None)
        page.on("pageerror", lambda e: self.errors.append(f"page error: {e}"))
        page.on("console",
                lambda m: self.errors.append(f"console: {m.text}") if m.type == "error" else None)
        return page


UNRENDERED_TEX_JS = r"""() => {
  const left = [];
  const cells = document.querySelectorAll(
    '.reveal .jp-RenderedMarkdown, .reveal .text_cell_render');
  for (const md of cells) {
    const copy = md.cloneNode(true);
    copy.querySelectorAll('code, pre, mjx-container, script').forEach(e => e.remove());
    const text = copy.textContent;
    const hit = text.match(/\$\$|\$[^$\s][^$]*\$|\\\(|\\\[|\\begin\{/);
    if (hit) left.push(text.slice(Math.max(0, hit.index - 30), hit.index + 50));
  }
  return left;
}"""


@pytest.mark.parametrize("lecture", LECTURES)
def test_deck_works_from_disk_without_network(context, slides_dir, lecture):
    nb = nbformat.read(REPO / "lectures" / f"{lecture}.ipynb", as_version=4)
    deck = slides_dir / f"{lecture}.html"
    assert deck.is_file(), (
        f"no deck for {lecture} in {sorted(p.name for p in slides_dir.iterdir())}")
    net = Offline(context)
    page = net.watch(context.new_page())
    page.goto(deck.as_uri(), wait_until="load")
    page.wait_for_function("() => window.Reveal && Reveal.isReady()")

    # one top-level <section> per "slide" cell
    top = page.locator(".reveal .slides > section").count()
    assert top == expected_top_level_slides(nb), (
        f"{deck.name}: {top} top-level slides, the lecture has "
        f"{expected_top_level_slides(nb)} slide cells")

    # math: typeset by the bundled MathJax, nothing left as TeX, no TeX error
    has_math = any("$" in c.source for c in nb.cells if c.cell_type == "markdown")
    if has_math:
        page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise")
        state = page.evaluate("""() => Promise.race([
            MathJax.startup.promise.then(() => 'done', e => 'failed: ' + e),
            new Promise(r => setTimeout(() => r('timeout'), 60000))])""")
        assert state == "done", f"MathJax did not finish typesetting: {state}"
        assert page.locator("mjx-container").count() > 0, "no typeset math in the deck"
        errors = page.locator("mjx-merror").all_inner_texts()
        assert not errors, f"TeX errors in {deck.name}: {errors[:5]}"
        raw = page.evaluate(UNRENDERED_TEX_JS)
        assert not raw, f"TeX left untypeset in {deck.name}: {raw[:5]}"

    # figures: inlined, and they decode
    pngs = sum(1 for kind, cell_type, cell in slide_types(nb) if cell_type == "code"
               for o in cell.get("outputs", []) if "image/png" in o.get("data", {}))
    page.wait_for_function("() => Array.from(document.images).every(i => i.complete)")
    broken = page.evaluate("() => Array.from(document.images).filter(i => !i.naturalWidth)"
                           ".map(i => i.src.slice(0, 80))")
    assert not broken, f"images that do not decode: {broken}"
    assert page.locator("img").count() >= pngs, (
        f"{deck.name} shows fewer figures than the lecture draws ({pngs})")

    # the keyboard moves through the deck; stop on the first later slide with math for the picture
    for step in range(1, min(top, 12)):
        page.keyboard.press("ArrowRight")
        page.wait_for_function("h => Reveal.getIndices().h === h", arg=step)
        if not has_math or page.locator(".reveal .slides > section.present mjx-container").count():
            break
    screenshot(page, f"offline-{lecture}", animations="disabled")

    assert not net.blocked, f"{deck.name} asked the network for: {net.blocked}"
    assert not net.missing, f"{deck.name} refers to local files that are missing: {net.missing}"
    assert not net.errors, f"{deck.name} logged errors: {net.errors[:5]}"


def test_index_links_every_deck_offline(context, slides_dir):
    net = Offline(context)
    page = net.watch(context.new_page())
    page.goto((slides_dir / "index.html").as_uri())
    links = page.locator("a[href$='.html']")
    hrefs = links.evaluate_all("els => els.map(a => a.getAttribute('href'))")
    targets = sorted(h.removesuffix(".html") for h in hrefs)
    assert targets == LECTURES, f"index.html links {targets}, the lectures are {LECTURES}"
    screenshot(page, "offline-index")
    links.first.click()
    page.wait_for_function("() => window.Reveal && Reveal.isReady()")
    assert page.url.startswith("file:") and page.url.split("#")[0].endswith(f"{LECTURES[0]}.html")
    assert not (net.blocked or net.missing or net.errors), (net.blocked, net.missing, net.errors)
