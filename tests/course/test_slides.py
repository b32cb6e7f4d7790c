"""`mlpcourse slides`: one offline reveal.js HTML per lecture, loading nothing from the network.

The scan below is independent of the command's own warning: it parses every
HTML page, follows every local file it references (scripts, style sheets, and
what those import), and fails on any remote load: an http(s):// or
protocol-relative URL in src/href/data/srcset/poster attributes, CSS url() or
@import, or a string in a script. Allowed, and why:

- ``<a href="https://...">``: a link the audience may click, not a load;
- ``http://www.w3.org/...``: XML namespaces, never fetched;
- the few URLs inside the vendored reveal.js and MathJax files listed in
  ``VENDORED_URLS`` (licence and "about" links, and defaults of MathJax's
  speech/IE code that this build never reaches; mlpcourse/static/README.md);
- CSS and HTML comments (JupyterLab's style sheet cites its sources there).

When Chromium is installed (Debian's ``chromium``, or Playwright's own), a
browser test also opens the slides with every non-file request blocked and
recorded, and checks that nothing was requested and that reveal.js and
MathJax did their work.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from mlpcourse import paths
from pipeline_support import FIXTURE_COURSE, REPO, run_cli, run_mlpcourse

LECTURE = "00_fixture"
REAL_LECTURES = [p.stem for p in paths.lectures(REPO)]

NAMESPACES = ("http://www.w3.org/",)
VENDORED_URLS = {
    "reveal.js": ("https://revealjs.com", "https://hakim.se"),
    "reveal.css": ("https://revealjs.com", "https://hakim.se"),
    "white.css": ("http://hakim.se",),
    "notes.js": (
        "http://",  # marked's autolinker prefixes "www." with it
        "https://marked.js.org/#/USING_ADVANCED.md#options",  # a deprecation message
        "https://github.com/markedjs/marked.",
    ),  # an error message
    "tex-svg-full.js": (
        "http://www.apache.org/licenses/LICENSE-2.0",
        "https://www.mathjax.org",
        "https://github.com/mhchem/mhchemParser",
        # speech-rule-engine defaults: speech is off, its maps are looked up
        # under [mathjax]/sre/mathmaps (MathJax's loader config); the XPath
        # polyfill is for Internet Explorer only
        "https://cdn.jsdelivr.net/npm/speech-rule-engine@",
        "https://cdn.jsdelivr.net/npm/sre-mathmaps-ie@",
        "https://cdn.jsdelivr.net/npm/wicked-good-xpath@1.3.0/dist/wgxpath.install.js",
    ),
}
URL_ATTRS = {
    "src",
    "href",
    "data",
    "poster",
    "srcset",
    "action",
    "formaction",
    "xlink:href",
    "background",
    "manifest",
    "ping",
}
JS_TYPES = {"", "text/javascript", "application/javascript", "module"}
JS_URL = re.compile(r"""https?://[^\s"'<>()\\`]*""", re.IGNORECASE)
REMOTE = re.compile(r"""^\s*(?:https?:)?//""", re.IGNORECASE)
CSS_URL = re.compile(
    r"""url\(\s*(['"]?)(.*?)\1\s*\)|@import\s+(['"])(.*?)\3""", re.IGNORECASE | re.DOTALL
)


class _Page(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.refs: list[tuple[str, str, str]] = []  # (tag, attribute, value)
        self.styles: list[str] = []
        self.scripts: list[str] = []
        self._in = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for name, value in attrs.items():
            if value is None:
                continue
            if name in URL_ATTRS:
                values = (
                    [v.strip().split()[0] for v in value.split(",") if v.strip()]
                    if name == "srcset"
                    else [value]
                )
                self.refs.extend((tag, name, v) for v in values)
            if name == "style":
                self.styles.append(value)
        if tag == "style":
            self._in = "style"
        elif tag == "script" and attrs.get("type", "").lower() in JS_TYPES:
            self._in = "script"

    def handle_endtag(self, tag):
        self._in = None

    def handle_data(self, data):
        if self._in == "style":
            self.styles.append(data)
        elif self._in == "script":
            self.scripts.append(data)


def _strip_css_comments(css: str) -> str:
    return re.sub(r"/\*.*?\*/", "", css, flags=re.DOTALL)


def _local_target(base: Path, ref: str) -> Path | None:
    """The file a relative reference points to, or None for data:, anchors, etc."""
    ref = ref.strip()
    if not ref or ref.startswith(("#", "data:", "javascript:", "mailto:", "about:", "blob:")):
        return None
    path = unquote(urlsplit(ref).path)
    return (base.parent / path).resolve() if path else None


def _script_problems(name: str, text: str) -> list[str]:
    allowed = NAMESPACES + VENDORED_URLS.get(name, ())
    return [
        f"{name}: script string {url!r}"
        for url in JS_URL.findall(text)
        if not url.startswith(allowed)
    ]


def scan_offline(html_file: Path) -> tuple[list[str], set[Path]]:
    """(problems, local files) for ``html_file`` and everything it loads, recursively."""
    root = html_file.parent.resolve()
    problems: list[str] = []
    seen: set[Path] = set()
    queue = [html_file.resolve()]

    def reference(owner: Path, what: str, ref: str, *, navigation=False):
        if REMOTE.match(ref) or ref.lower().startswith(("file:", "ftp:")):
            if not (navigation or ref.startswith(NAMESPACES)):
                problems.append(f"{owner.name}: {what} loads {ref!r}")
            return
        target = _local_target(owner, ref)
        if target is None or navigation:  # a link may go anywhere (e.g. ../exercises/...)
            return
        if root not in target.parents and target != root:
            problems.append(f"{owner.name}: {what} points outside the slides folder: {ref!r}")
        elif not target.is_file():
            problems.append(f"{owner.name}: {what} points to a missing file: {ref!r}")
        elif target.suffix in (".html", ".css", ".js") and target not in seen:
            queue.append(target)
        if target.is_file():
            seen.add(target)

    def css(owner: Path, text: str):
        for match in CSS_URL.finditer(_strip_css_comments(text)):
            ref = match.group(2) if match.group(2) is not None else match.group(4)
            reference(owner, "CSS url()/@import", ref)

    while queue:
        current = queue.pop()
        seen.add(current)
        text = current.read_text(encoding="utf-8", errors="replace")
        if current.suffix == ".html":
            page = _Page()
            page.feed(re.sub(r"<!--.*?-->", "", text, flags=re.DOTALL))
            for tag, attr, value in page.refs:
                reference(
                    current, f"<{tag} {attr}>", value, navigation=(tag == "a" and attr == "href")
                )
            for style in page.styles:
                css(current, style)
            for script in page.scripts:
                problems.extend(_script_problems(current.name + " (inline script)", script))
        elif current.suffix == ".css":
            css(current, text)
        elif current.suffix == ".js":
            problems.extend(_script_problems(current.name, text))
    return problems, seen


# ---------------------------------------------------------------- the fixture lecture


@pytest.fixture(scope="module")
def slides(tmp_path_factory):
    course = tmp_path_factory.mktemp("slides") / "course"
    (course / "solutions").mkdir(parents=True)
    shutil.copytree(FIXTURE_COURSE / "lectures", course / "lectures")
    result = run_mlpcourse("slides", "--course", course, timeout=600)  # as a teacher: a subprocess
    assert result.returncode == 0, result.stdout + result.stderr
    return course / "_build" / "slides"


def test_one_html_per_lecture_and_an_index(slides):
    assert sorted(p.name for p in slides.glob("*.html")) == [f"{LECTURE}.html", "index.html"]
    index = (slides / "index.html").read_text(encoding="utf-8")
    assert f'href="{LECTURE}.html"' in index
    assert "Fixture lecture: one neuron" in index  # the lecture's title, from its first heading
    for licence in ("_static/reveal.js/LICENSE", "_static/mathjax/LICENSE", "_static/README.md"):
        assert (slides / licence).is_file()


@pytest.mark.parametrize("page", [f"{LECTURE}.html", "index.html"])
def test_no_remote_url_in_the_slides_or_what_they_load(slides, page):
    problems, files = scan_offline(slides / page)
    assert problems == []
    if page != "index.html":
        names = {p.name for p in files}
        assert {"reveal.js", "notes.js", "reveal.css", "white.css", "tex-svg-full.js"} <= names


def test_vendored_assets_are_complete_and_not_git_ignored():
    """Every file `mlpcourse slides` copies exists, and git would commit it (no `dist/` etc.)."""
    from mlpcourse import slides as command

    files = [command.STATIC / name for name in command.static_files()]
    assert all(f.is_file() for f in files), [str(f) for f in files if not f.is_file()]
    git = shutil.which("git")
    if not git or not (REPO / ".git").exists():
        pytest.skip("not a git checkout")
    ignored = subprocess.run(
        [git, "check-ignore", *map(str, files)],
        cwd=REPO,
        check=False,
        capture_output=True,
        text=True,
    ).stdout.split()
    assert ignored == [], f"git ignores vendored files: {ignored}"


def test_the_scanner_catches_remote_loads(tmp_path):
    """The scan above would fail on each thing nbconvert's own template does."""
    page = tmp_path / "page.html"
    (tmp_path / "local.png").write_bytes(b"\x89PNG")
    page.write_text(
        '<html><head><script src="https://unpkg.com/reveal.js@4.0.2/dist/reveal.js"></script>'
        '<link rel="stylesheet" href="//cdn.example.org/x.css">'
        "<style>/* https://ok.example/comment */ @import url(https://fonts.googleapis.com/css?f=Lato);"
        '</style><script>var s = "https://cdnjs.cloudflare.com/ajax/libs/mathjax/2.7.7/latest.js";</script>'
        '</head><body><a href="https://en.wikipedia.org/wiki/Perceptron">a link is fine</a>'
        '<img srcset="local.png 1x, https://example.org/big.png 2x"></body></html>',
        encoding="utf-8",
    )
    problems, _ = scan_offline(page)
    assert len(problems) == 5, problems
    assert not any("wikipedia" in p or "ok.example" in p for p in problems)


def test_slide_types_are_honoured(slides):
    html = (slides / f"{LECTURE}.html").read_text(encoding="utf-8")
    assert "SKIPPED-MARKER" not in html  # skip
    notes = re.search(r'<aside class="notes">(.*?)</aside>', html, re.DOTALL)
    assert notes and "NOTES-MARKER" in notes.group(1)  # notes
    assert re.search(r'class="fragment"[^>]*>(?:(?!</section>).)*FRAGMENT-MARKER', html, re.DOTALL)
    # slide + sub-slide: the title and the sigmoid are two vertical slides of one stack
    stack = html.split('<div class="slides">', 1)[1].split("</section></section>", 1)[0]
    assert stack.count("<section") == 3 and "The sigmoid" in stack
    assert 'src="data:image/png;base64,' in html  # plot inlined
    assert "figures/dot.png" not in html  # figure file embedded
    assert "mlp-widget-placeholder" in html  # widget explained
    assert "$$\\sigma(z)" in html or "$$\\sigma(z)" in html.replace(
        "&amp;", "&"
    )  # math for MathJax


def test_execute_option_reruns_the_lecture(tmp_path):
    course = tmp_path / "course"
    (course / "solutions").mkdir(parents=True)
    shutil.copytree(FIXTURE_COURSE / "lectures", course / "lectures")
    result = run_mlpcourse(
        "slides", "--execute", "--course", course, "--output", tmp_path / "out", timeout=600
    )
    assert result.returncode == 0, result.stdout + result.stderr
    html = (tmp_path / "out" / f"{LECTURE}.html").read_text(encoding="utf-8")
    assert "w.x + b = 5.5" in html and 'src="data:image/png;base64,' in html
    assert not (course / "_build").exists()  # --output respected


# ---------------------------------------------------------------- the real lectures


@pytest.fixture(scope="module")
def real_slides(tmp_path_factory):
    out = tmp_path_factory.mktemp("real-slides")
    result = run_cli("slides", "--output", out)
    assert result.returncode == 0, result.stdout + result.stderr
    return out, result


@pytest.mark.parametrize(
    "lecture",
    REAL_LECTURES or [pytest.param(None, marks=pytest.mark.skip(reason="no lecture yet"))],
)
def test_real_lecture_slides_work_offline(real_slides, lecture):
    out, result = real_slides
    page = out / f"{lecture}.html"
    assert page.is_file()
    problems, _ = scan_offline(page)
    assert problems == [], problems
    assert f"{lecture}.ipynb" not in result.stderr, result.stderr  # no build warning for it
    assert f'href="{lecture}.html"' in (out / "index.html").read_text(encoding="utf-8")


# ---------------------------------------------------------------- in a real browser


def _browser():
    playwright = pytest.importorskip("playwright.sync_api")
    manager = playwright.sync_playwright().start()
    found = [
        shutil.which(n)
        for n in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
    ]
    for path in [None, *filter(None, found)]:  # None: Playwright's own build, if installed
        try:
            return manager, manager.chromium.launch(executable_path=path, args=["--no-sandbox"])
        except Exception:  # noqa: BLE001, S112 - not this one: try the next
            continue
    manager.stop()
    pytest.skip(
        "no Chromium to drive (install Debian's chromium, or `playwright install chromium`)"
    )


@pytest.mark.browser
def test_slides_render_in_a_browser_with_the_network_blocked(slides):
    manager, browser = _browser()
    try:
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        requested, errors = [], []

        def route(r):
            requested.append(r.request.url)
            r.continue_() if r.request.url.startswith("file:") else r.abort()

        page.route("**/*", route)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.goto((slides / f"{LECTURE}.html").as_uri())
        page.wait_for_function("window.Reveal && Reveal.isReady()", timeout=30000)
        page.wait_for_function(
            "window.MathJax && MathJax.startup && MathJax.startup.promise", timeout=30000
        )
        page.evaluate("MathJax.startup.promise")
        maths = page.evaluate("Array.from(MathJax.startup.document.math).map(m => m.math)")
        assert any("\\frac{1}{1 + e^{-z}}" in m for m in maths)
        assert page.evaluate("document.querySelectorAll('mjx-container svg').length") >= 3
        assert page.evaluate("document.querySelectorAll('mjx-merror').length") == 0
        assert page.evaluate("Reveal.getTotalSlides()") == 5  # title, sigmoid, plot, widget, worked
        page.evaluate("Reveal.slide(1, 0)")
        assert "NOTES-MARKER" in page.evaluate("Reveal.getSlideNotes()")
        remote = [u for u in requested if not u.startswith("file:")]
        assert remote == [], remote
        assert errors == [], errors
    finally:
        browser.close()
        manager.stop()


def test_hide_input_cells_show_their_output_but_not_their_code():
    """Plot and setup code is hidden on slides (CONTRIBUTING, "Authoring a unit")."""
    import nbformat

    from mlpcourse.slides import make_exporter

    nb = nbformat.v4.new_notebook()
    hidden = nbformat.v4.new_code_cell(
        "secret_plot_code = 6 * 7\nprint('visible result', secret_plot_code)",
        metadata={"tags": ["hide-input"], "jupyter": {"source_hidden": True},
                  "slideshow": {"slide_type": "slide"}})
    hidden.outputs = [nbformat.v4.new_output("stream", name="stdout", text="visible result 42\n")]
    shown = nbformat.v4.new_code_cell("taught_code = 1", metadata={"slideshow": {"slide_type": "-"}})
    nb.cells = [hidden, shown]
    html, _ = make_exporter().from_notebook_node(nb)
    assert "visible result 42" in html
    assert "secret_plot_code" not in html
    assert "taught_code" in html


def test_a_finished_progress_bar_leaves_no_placeholder():
    """A training cell's tqdm bar needs no kernel to be understood once training is over:
    the offline deck drops it; an explorer widget still gets its placeholder."""
    import nbformat

    from mlpcourse.slides import make_exporter

    def widget(text):
        return nbformat.v4.new_output("display_data", data={
            "application/vnd.jupyter.widget-view+json": {"model_id": "m", "version_major": 2,
                                                         "version_minor": 0},
            "text/plain": text})

    nb = nbformat.v4.new_notebook()
    bar = nbformat.v4.new_code_cell("fit(...)", metadata={"slideshow": {"slide_type": "slide"}})
    bar.outputs = [widget("  0%|          | 0/1975 [00:00<?, ?batch/s]")]
    explorer = nbformat.v4.new_code_cell("widgets.valley_2d()",
                                         metadata={"slideshow": {"slide_type": "slide"}})
    explorer.outputs = [widget("Valley2DExplorer(children=(...))")]
    nb.cells = [bar, explorer]
    html, _ = make_exporter().from_notebook_node(nb)
    assert html.count("mlp-widget-placeholder") == 1
