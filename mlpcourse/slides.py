"""``mlpcourse slides``: every lecture as reveal.js slides that open from disk, offline.

Writes ``_build/slides/<lecture>.html`` for each ``lectures/<lecture>.ipynb``,
an ``index.html`` listing them, and ``_build/slides/_static/`` with the
vendored reveal.js and MathJax (listed in ``mlpcourse/static/ASSETS.json``):
no CDN, no web font, no npm, no network. Slide types from the notebook
(slide, sub-slide, fragment, skip, notes: View > Cell toolbar > Slideshow in
Jupyter, or RISE's property inspector) are honoured; plots are inlined as
base64 PNG; the stored outputs are shown (``--execute`` reruns the lecture
first, in a fresh kernel, without saving it). Press ``s`` for the speaker view
with the notes. Widgets need a kernel: the slides say so where one would be
(use RISE in ``mlpcourse lab`` for live slides).
"""

from __future__ import annotations

import html
import json
import re
import shutil
import sys
from pathlib import Path

from .paths import LECTURES, add_course_option, command_course, select_lectures

HELP = "build offline reveal.js slides of every lecture into _build/slides/"

HERE = Path(__file__).resolve().parent
STATIC = HERE / "static"
TEMPLATES = HERE / "templates"
TEMPLATE = "reveal_offline"
THEME = "white"  # reveal's "white" with its web-font @import removed (static/README.md)
STATIC_DIR = "_static"
MATHJAX = f"{STATIC_DIR}/mathjax/tex-svg-full.js"
REVEAL = f"{STATIC_DIR}/reveal.js"

# what the build warns about: an HTML attribute or CSS that loads from the network
_REMOTE_LOAD = re.compile(
    r"""(?:<(?:script|img|iframe|link|source|video|audio|embed|object)\b[^>]*?\b(?:src|href|data)\s*=\s*["']?\s*(?:https?:)?//)"""
    r"""|(?:url\(\s*["']?\s*(?:https?:)?//)|(?:@import\s+["']\s*(?:https?:)?//)""",
    re.IGNORECASE,
)


def add_arguments(parser):
    parser.add_argument(
        "lectures",
        nargs="*",
        metavar="LECTURE",
        help="only these lectures (names or paths, e.g. 01_neuron); default: all",
    )
    parser.add_argument(
        "--output",
        default=None,
        metavar="DIR",
        help="where to write (default: _build/slides in the course folder)",
    )
    parser.add_argument(
        "--execute",
        action="store_true",
        help="run each lecture in a fresh kernel first (the .ipynb files are not changed)",
    )
    parser.add_argument(
        "--timeout",
        type=int,
        default=600,
        metavar="SECONDS",
        help="with --execute: limit for each cell (default 600)",
    )
    add_course_option(parser)


def lecture_title(nb, fallback: str) -> str:
    """The notebook's ``title`` metadata, else its first Markdown heading, else ``fallback``."""
    if nb.metadata.get("title"):
        return str(nb.metadata["title"])
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                match = re.match(r"\s*#{1,6}\s+(.+?)\s*#*\s*$", line)
                if match:
                    return re.sub(r"[*_`]", "", match.group(1))
    return fallback


ASSETS = STATIC / "ASSETS.json"  # the vendored files: versions, licences, checksums
NOTES = ("README.md", "ASSETS.json")  # copied beside them: what they are and their licences


def static_files() -> dict[str, str]:
    """Every file to copy: its path under ``static/`` -> its path under ``_static/``.

    The vendored files are those ``static/ASSETS.json`` lists (reveal's go where
    nbconvert's reveal template expects them, under ``reveal.js/dist/``), plus the
    README and the list itself.
    """
    manifest = json.loads(ASSETS.read_text(encoding="utf-8"))
    files = {f["path"]: f["slides"] for asset in manifest["assets"] for f in asset["files"]}
    return {**files, **{name: name for name in NOTES}}


def copy_static(out: Path) -> None:
    """Put the vendored reveal.js and MathJax (with their licences) in ``out/_static``."""
    dest = out / STATIC_DIR
    if dest.exists():
        shutil.rmtree(dest)
    for source, target in static_files().items():
        (dest / target).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(STATIC / source, dest / target)


def make_exporter():
    from nbconvert import SlidesExporter
    from traitlets.config import Config

    c = Config()
    c.SlidesExporter.extra_template_basedirs = [str(TEMPLATES)]
    c.SlidesExporter.template_name = TEMPLATE
    c.SlidesExporter.reveal_url_prefix = REVEAL
    c.SlidesExporter.reveal_theme = THEME
    c.SlidesExporter.reveal_scroll = True
    c.SlidesExporter.reveal_number = "c/t"
    c.SlidesExporter.mathjax_url = MATHJAX
    for unused in (
        "require_js_url",
        "jquery_url",
        "mermaid_js_url",
        "mermaid_layout_elk_js_url",
        "jupyter_widgets_base_url",
        "widget_renderer_url",
        "font_awesome_url",
    ):
        setattr(c.SlidesExporter, unused, "")  # never loaded by our template; empty to be sure
    c.SlidesExporter.embed_images = True  # Markdown images become data: URIs
    # Plot and setup code is hidden on slides (CONTRIBUTING, "Authoring a unit"):
    # the offline deck drops the input of cells tagged hide-input, keeps their output.
    c.TagRemovePreprocessor.enabled = True
    c.TagRemovePreprocessor.remove_input_tags = {"hide-input"}
    return SlidesExporter(config=c)


def execute(nb, folder: Path, timeout: int):
    from nbclient import NotebookClient

    from .kernels import kernel_environment

    with kernel_environment():
        NotebookClient(
            nb,
            timeout=timeout,
            kernel_name="python3",
            resources={"metadata": {"path": str(folder)}},
        ).execute()
    return nb


def remote_loads(text: str) -> list[str]:
    """Snippets of ``text`` (HTML or CSS) that would load something from the network."""
    return sorted(
        {text[m.start() : m.end() + 40].split("\n")[0] for m in _REMOTE_LOAD.finditer(text)}
    )


INDEX = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
body {{ font-family: Helvetica, Arial, sans-serif; max-width: 42em; margin: 3em auto;
        padding: 0 1em; color: #222; }}
h1 {{ font-weight: 600; }}
li {{ margin: 0.5em 0; font-size: 1.2em; }}
a {{ color: #2a76dd; text-decoration: none; }}
a:hover {{ text-decoration: underline; }}
.name {{ color: #888; font-size: 0.8em; margin-left: 0.5em; }}
footer {{ margin-top: 3em; color: #888; font-size: 0.85em; }}
</style>
</head>
<body>
<h1>{title}</h1>
<ol>
{items}
</ol>
<footer>Keys: arrows to move, <kbd>Esc</kbd> for the overview, <kbd>s</kbd> for the speaker notes,
<kbd>f</kbd> for full screen. Built by <code>mlpcourse slides</code>; works offline.
Licences of the bundled reveal.js and MathJax: <code>_static/</code>.</footer>
</body>
</html>
"""


def run(args) -> int:
    import nbformat

    root = command_course(args.course, fallback=True)
    lectures_dir = root / LECTURES
    out = Path(args.output).resolve() if args.output else root / "_build" / "slides"
    lectures = select_lectures(root, args.lectures)
    if args.timeout <= 0:
        raise ValueError(f"--timeout must be a positive number of seconds, got {args.timeout}")
    if not lectures:
        print(
            f"mlpcourse slides: no lecture in {lectures_dir} (lectures/*.ipynb); nothing to build.",
            file=sys.stderr,
        )
        return 1

    out.mkdir(parents=True, exist_ok=True)
    copy_static(out)
    exporter = make_exporter()
    print(f"mlpcourse slides: {len(lectures)} lecture(s) -> {out}", flush=True)
    entries, failures, warnings = [], [], []
    for path in lectures:
        try:
            nb = nbformat.read(path, as_version=4)
            title = lecture_title(nb, path.stem)
            if args.execute:
                print(f"  running {path.name} ...", flush=True)
                execute(nb, lectures_dir, args.timeout)
            else:
                never_run = sum(
                    1
                    for c in nb.cells
                    if c.cell_type == "code"
                    and c.source.strip()
                    and c.get("execution_count") is None
                )
                if never_run:
                    warnings.append(
                        f"{path.name}: {never_run} code cell(s) were never run, so show "
                        "no output (run and save the lecture, or use --execute)"
                    )
            body, _ = exporter.from_notebook_node(
                nb, resources={"metadata": {"name": title, "path": str(lectures_dir)}}
            )
        except Exception as exc:  # noqa: BLE001 - one broken lecture does not stop the others
            first_line = (str(exc).strip().splitlines() or [""])[0]
            failures.append(f"{path.name}: {type(exc).__name__}: {first_line}")
            print(f"  {path.name}: FAILED ({failures[-1]})", flush=True)
            continue
        target = out / f"{path.stem}.html"
        target.write_text(body, encoding="utf-8")
        for snippet in remote_loads(body):
            warnings.append(
                f"{target.name} loads from the network and will break offline: {snippet}"
            )
        entries.append((path.stem, title))
        shown = target.relative_to(root) if root in target.parents else target
        print(f"  {shown}  ({title})", flush=True)

    # the index lists every lecture whose slides exist (also those built by an earlier run)
    built = dict(entries)
    for path in select_lectures(root):
        if path.stem not in built and (out / f"{path.stem}.html").is_file():
            try:
                built[path.stem] = lecture_title(nbformat.read(path, as_version=4), path.stem)
            except Exception:  # noqa: BLE001
                built[path.stem] = path.stem
    entries = sorted(built.items())
    items = "\n".join(
        f'<li><a href="{html.escape(stem)}.html">{html.escape(title)}</a>'
        f'<span class="name">{html.escape(stem)}</span></li>'
        for stem, title in entries
    )
    (out / "index.html").write_text(
        INDEX.format(title="mlp-course: lecture slides", items=items), encoding="utf-8"
    )
    for line in warnings:
        print(f"  warning: {line}", file=sys.stderr)
    print(
        f"mlpcourse slides: open {out / 'index.html'} ({len(entries)} lecture(s) listed"
        + (f", {len(failures)} failed" if failures else "")
        + ")"
    )
    return 1 if failures else 0
