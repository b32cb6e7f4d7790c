"""The boundary between the two packages: mlpkit (what students import) stays small.

mlpkit's runtime dependencies are numpy, matplotlib, ipywidgets and tqdm; it
never imports mlpcourse (the instructor's tools) or the Jupyter server stack,
nbgrader, nbconvert or a download library. Checked three ways:

- at run time: a fresh interpreter imports mlpkit and every one of its
  modules, then looks at ``sys.modules``;
- in the source: every ``import`` statement under mlpkit/ (also those inside
  functions, which the run-time check does not execute), with a short list of
  exceptions, each with its reason;
- in the packaging: pyproject.toml's ``[project].dependencies``.

ipywidgets itself imports IPython, comm, traitlets and pygments (the kernel
side of a widget): those are allowed. The Jupyter *server* side (jupyter_server,
jupyterlab, notebook, jupyter_client, ipykernel, tornado) is not.
"""
from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
MLPKIT = REPO / "mlpkit"

FORBIDDEN = (
    "mlpcourse",
    "nbgrader", "nbconvert", "nbclient", "nbformat",
    "jupyter_server", "jupyterlab", "notebook", "jupyter_client", "ipykernel", "tornado",
    "pooch", "requests",
)
# (file under the repository, module) -> why it may import it. Only inside a function.
ALLOWED_LAZY_IMPORTS = {
    ("mlpkit/data/mnist.py", "pooch"): "load_mnist's optional download fallback: pooch is "
    "imported only when no local copy of MNIST exists and a download is needed",
}
RUNTIME_DEPENDENCIES = ["numpy", "matplotlib", "ipywidgets", "tqdm"]

_IMPORT_EVERYTHING = """
import importlib, json, pkgutil, sys
import mlpkit
names = [m.name for m in pkgutil.walk_packages(mlpkit.__path__, "mlpkit.")]
for name in names:
    importlib.import_module(name)
print(json.dumps({"imported": names, "modules": sorted(sys.modules)}))
"""


def _top(module: str) -> str:
    return module.split(".")[0]


def test_importing_every_mlpkit_module_imports_nothing_forbidden():
    env = dict(os.environ, MPLBACKEND="Agg")  # a fresh interpreter, no GUI backend
    done = subprocess.run([sys.executable, "-c", _IMPORT_EVERYTHING], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, f"importing mlpkit's modules failed:\n{done.stderr}"
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert len(found["imported"]) >= 10, found["imported"]  # the walk did reach the modules
    loaded = {_top(m) for m in found["modules"]}
    assert sorted(loaded & set(FORBIDDEN)) == [], (
        "importing mlpkit pulled in instructor or Jupyter-server packages")


def _imports(tree: ast.AST):
    """(module, line, inside a function) for every absolute import in ``tree``."""
    def visit(node, in_function):
        for child in ast.iter_child_nodes(node):
            nested = in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef))
            if isinstance(child, ast.Import):
                for alias in child.names:
                    yield alias.name, child.lineno, in_function
            elif isinstance(child, ast.ImportFrom) and child.level == 0 and child.module:
                yield child.module, child.lineno, in_function
            elif (isinstance(child, ast.Call) and child.args
                  and isinstance(child.args[0], ast.Constant)
                  and isinstance(child.args[0].value, str)
                  and getattr(child.func, "attr", getattr(child.func, "id", None))
                  in ("import_module", "__import__")):
                yield child.args[0].value, child.lineno, in_function
            yield from visit(child, nested)

    yield from visit(tree, False)


def test_no_mlpkit_source_imports_a_forbidden_package():
    problems, used = [], set()
    for path in sorted(MLPKIT.rglob("*.py")):
        rel = path.relative_to(REPO).as_posix()
        for module, line, in_function in _imports(ast.parse(path.read_text(encoding="utf-8"))):
            top = _top(module)
            if top not in FORBIDDEN:
                continue
            if (rel, top) in ALLOWED_LAZY_IMPORTS and in_function:
                used.add((rel, top))
                continue
            where = "inside a function" if in_function else "at module level"
            problems.append(f"{rel}:{line} imports {module} ({where})")
    assert problems == [], "mlpkit must not import these (see this file's docstring)"
    assert sorted(set(ALLOWED_LAZY_IMPORTS) - used) == [], "stale entries in ALLOWED_LAZY_IMPORTS"


def test_the_scan_sees_imports_of_every_form():
    source = (
        "import nbformat.v4\n"
        "from mlpcourse.paths import units\n"
        "def later():\n"
        "    import pooch\n"
        "    importlib.import_module('tornado.web')\n"
        "from . import sibling\n"
    )
    found = [(m, f) for m, _, f in _imports(ast.parse(source))]
    assert found == [("nbformat.v4", False), ("mlpcourse.paths", False), ("pooch", True),
                     ("tornado.web", True)]


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~ \[;]", requirement.strip(), maxsplit=1)[0].lower()


def test_runtime_dependencies_are_exactly_the_students_four():
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert sorted(_name(r) for r in project["dependencies"]) == sorted(RUNTIME_DEPENDENCIES)
