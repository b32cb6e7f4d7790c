"""Every lecture is a deck a teacher can present as is (CONTRIBUTING, "Authoring a unit", Slides).

Checked on the stored notebook of every lecture in ``lectures/``, without running it:

- every cell has a slide type all presenters show (slide, subslide, fragment, skip, notes, or
  none to continue the slide; never "-", which jupyterlab-slideshow drops);
- no slide carries more than ``MAX_WORDS`` words of visible text (the rule says
  "at most about 80"; the limit leaves room for "about");
- every figure has alt text (``"alt"`` in the cell metadata, a sentence of at
  least ``MIN_ALT_WORDS`` words);
- the code that draws a figure is hidden on slides: a code cell with an image
  output is tagged ``hide-input`` and has ``"jupyter": {"source_hidden": true}``,
  unless it is tagged ``show-input`` (a figure whose code is what the slide
  teaches); the tag and the flag always go together;
- a figure is at most about 10 x 4.2 inches at 100 dpi: scaled down to the
  width of a 10-inch figure (a wider image is shrunk to the slide's width), it
  is at most ``MAX_FIGURE_PX`` tall.

How words are counted. A slide is a ``slide`` or ``subslide`` cell and the
``fragment`` cells and the cells without a slide type after it, up to the next ``slide`` or
``subslide`` (``skip`` and ``notes`` cells are not on the slide: notes are the
speaker's). Its words are those of its Markdown cells as the audience reads
them: a word is a whitespace-separated token holding a letter or a digit
(list markers, ``#``, ``**`` and lone symbols are not words); each formula
(``$...$`` or ``$$...$$``) and each inline code span counts as one word; a link
counts as its text, an image and an HTML comment as nothing; the rows of a
Markdown table are not counted (a notation table is read by lookup, not read
out). Code cells are not counted: shown code is what the slide teaches. Whether
a slide's table, code and figure fit the screen is for the browser test
``tests/browser/test_browser_slide_overflow.py``.
"""
from __future__ import annotations

import base64
import re
import struct

import nbformat
import pytest
from pipeline_support import REPO

from mlpcourse import paths

MAX_WORDS = 90
MIN_ALT_WORDS = 6
MAX_FIGURE_PX = (1150, 520)     # width, height: 10 x 4.2 in at 100 dpi, plus labels and margins
SLIDE_TYPES = {"slide", "subslide", None, "fragment", "skip", "notes"}   # None: continues the slide
STARTS = {"slide", "subslide"}
SHOWN = {None, "fragment"}

LECTURES = paths.lectures(REPO)

_MATH = re.compile(r"\$\$.*?\$\$|\$[^$]+?\$", re.DOTALL)


def visible_words(markdown: str) -> int:
    """The number of words the audience reads in one Markdown cell (the rule in the docstring)."""
    text = re.sub(r"<!--.*?-->", " ", markdown, flags=re.DOTALL)
    text = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("|"))
    text = _MATH.sub(" formula ", text)
    text = re.sub(r"!\[[^\]]*\]\([^)]*\)", " ", text)          # images
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)        # links: their text
    text = re.sub(r"`[^`]*`", " code ", text)
    text = re.sub(r"<[^>]+>", " ", text)                        # HTML tags
    return sum(1 for token in text.split() if re.search(r"[A-Za-z0-9]", token))


def slide_type(cell) -> str | None:
    return cell.get("metadata", {}).get("slideshow", {}).get("slide_type")


def slides(nb) -> list[tuple[int, int, str]]:
    """``(cell index, words, first words)`` of every slide, in order."""
    found = []
    for index, cell in enumerate(nb.cells):
        kind = slide_type(cell)
        if kind in STARTS:
            found.append([index, 0, ""])
        if not found or kind not in STARTS | SHOWN or cell.cell_type != "markdown":
            continue
        found[-1][1] += visible_words(cell.source)
        if not found[-1][2]:
            found[-1][2] = " ".join(cell.source.split()[:8])
    return [tuple(s) for s in found]


def _figures(nb):
    """``(index, cell, [png bytes])`` for every code cell with an image output."""
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        pngs = [base64.b64decode(o["data"]["image/png"]) for o in cell.get("outputs", [])
                if "image/png" in o.get("data", {})]
        if pngs:
            yield index, cell, pngs


def _where(path, index, cell) -> str:
    return f"{path.name}, cell {index} ({cell.source.strip()[:60]!r})"


def _png_size(png: bytes) -> tuple[int, int]:
    assert png[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return struct.unpack(">II", png[16:24])


# --------------------------------------------------------------------------- the rules

@pytest.mark.parametrize("path", LECTURES, ids=lambda p: p.stem)
def test_every_cell_has_a_slide_type_every_presenter_shows(path):
    # A cell that continues the slide above carries no slide_type: "-" means the same to
    # nbconvert and RISE, but jupyterlab-slideshow (the live deck with widgets) never shows
    # a cell marked "-" (its presenter knows no such type), so "-" is not allowed.
    nb = nbformat.read(path, as_version=4)
    wrong = [_where(path, i, c) + f": {slide_type(c)!r}"
             for i, c in enumerate(nb.cells) if slide_type(c) not in SLIDE_TYPES]
    assert not wrong, ("cells whose slide_type is not slide, subslide, fragment, skip, notes or "
                       "absent (to continue the slide, remove the slide_type; in JupyterLab's "
                       "property inspector choose the empty entry, not '-'):\n" + "\n".join(wrong))
    assert slide_type(nb.cells[0]) == "slide", f"{path.name}: the first cell opens the deck"


@pytest.mark.parametrize("path", LECTURES, ids=lambda p: p.stem)
def test_no_slide_has_more_than_about_80_words(path):
    nb = nbformat.read(path, as_version=4)
    long = [f"cell {index}: {words} words ({first!r})"
            for index, words, first in slides(nb) if words > MAX_WORDS]
    assert not long, (
        f"{path.name}: slides over {MAX_WORDS} words of visible text; split them, or move the "
        "reader's explanation into a `notes` cell:\n" + "\n".join(long))


@pytest.mark.parametrize("path", LECTURES, ids=lambda p: p.stem)
def test_every_figure_has_alt_text(path):
    nb = nbformat.read(path, as_version=4)
    bad = [_where(path, i, c) + f": alt={c.metadata.get('alt')!r}" for i, c, _ in _figures(nb)
           if len(str(c.metadata.get("alt", "")).split()) < MIN_ALT_WORDS]
    assert not bad, (f"figures without a one-sentence `\"alt\"` in the cell metadata "
                     f"(at least {MIN_ALT_WORDS} words):\n" + "\n".join(bad))


@pytest.mark.parametrize("path", LECTURES, ids=lambda p: p.stem)
def test_plotting_code_is_hidden_on_slides(path):
    nb = nbformat.read(path, as_version=4)
    shown = [_where(path, i, c) for i, c, _ in _figures(nb)
             if "show-input" not in c.metadata.get("tags", [])
             and not ("hide-input" in c.metadata.get("tags", [])
                      and c.metadata.get("jupyter", {}).get("source_hidden") is True)]
    assert not shown, (
        "figure cells whose plotting code is shown: tag them `hide-input` and set "
        "\"jupyter\": {\"source_hidden\": true} (or tag `show-input` when the code is the "
        "lesson):\n" + "\n".join(shown))
    half = [_where(path, i, c) for i, c in enumerate(nb.cells)
            if ("hide-input" in c.metadata.get("tags", []))
            != (c.metadata.get("jupyter", {}).get("source_hidden") is True)]
    assert not half, ("`hide-input` (offline deck) and jupyter.source_hidden (JupyterLab, "
                      "live slides) must go together:\n" + "\n".join(half))


@pytest.mark.parametrize("path", LECTURES, ids=lambda p: p.stem)
def test_figures_fit_a_slide(path):
    nb = nbformat.read(path, as_version=4)
    width, height = MAX_FIGURE_PX
    big = [_where(path, i, c) + f": {w} x {h} px, {h * min(1, width / w):.0f} px tall at {width} wide"
           for i, c, pngs in _figures(nb) for w, h in map(_png_size, pngs)
           if h * min(1.0, width / w) > height]
    assert not big, (f"figures taller than about 10 x 4.2 in at 100 dpi allows "
                     f"({height} px at {width} px wide); make them wider or flatter:\n" + "\n".join(big))


# --------------------------------------------------------------------------- the counter itself

def test_word_count_follows_the_documented_rule():
    assert visible_words("## Summary\n\n- one two, three.") == 4
    assert visible_words("The loss $L = \\frac{1}{B}\\sum_i e_i^2$ is `mse(y_hat, y)`.") == 5
    assert visible_words("$$\\nabla L = 0$$\n\n**Next: [unit 02, Linear](02_x.ipynb).**") == 5
    assert visible_words("| symbol | meaning |\n|---|---|\n| $x$ | one input |\n\nShape (B, D).") == 3
    assert visible_words("<!-- a comment -->x ![a plot](fig.png) \u00b7 = \u2192") == 1


def test_slides_group_cells_and_leave_out_notes_and_skipped_cells():
    md = nbformat.v4.new_markdown_cell
    nb = nbformat.v4.new_notebook(cells=[
        md("# Title words", metadata={"slideshow": {"slide_type": "slide"}}),
        md("one two three", metadata={"slideshow": {"slide_type": "fragment"}}),
        md("not shown at all", metadata={"slideshow": {"slide_type": "notes"}}),
        md("skipped too", metadata={"slideshow": {"slide_type": "skip"}}),
        nbformat.v4.new_code_cell("x = 1", metadata={"slideshow": {"slide_type": "subslide"}}),
        md("four five"),
    ])
    assert [(i, n) for i, n, _ in slides(nb)] == [(0, 5), (4, 2)]
