"""The project itself: packaging, the two-command setup, CI, the course command."""
from __future__ import annotations

import hashlib
import gzip
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml
from pipeline_support import running_lab

REPO = Path(__file__).resolve().parents[2]


def _name(requirement: str) -> str:
    """'numpy>=1.24' -> 'numpy'; 'jupyterlab-rise>=0.40' -> 'jupyterlab-rise'."""
    return re.split(r"[<>=!~ \[;]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def _spec(requirement: str) -> str:
    """The requirement without its environment marker (a conda environment has one Python:
    ``tomli>=2.0; python_version < '3.11'`` is ``tomli>=2.0`` there)."""
    return requirement.split(";")[0].strip().lower().replace("_", "-").replace(" ", "")


def test_environment_yml_matches_pyproject():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"]
    wanted = [*project["dependencies"], *extras["course"],
              *[r for r in extras["test"] if not r.startswith("mlp-course")]]
    env = yaml.safe_load((REPO / "environment.yml").read_text())
    conda, pip = [], []
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            pip += [d for d in dep["pip"] if not d.startswith("-e")]
        elif _name(dep) not in ("python", "pip", "nodejs"):  # nodejs: npm, a system tool
            conda.append(dep)
    have = {_name(d): _spec(d) for d in conda + pip}
    want = {_name(d): _spec(d) for d in wanted}
    assert sorted(have) == sorted(want), (
        f"environment.yml and pyproject.toml list different packages: "
        f"only in environment.yml {sorted(set(have) - set(want))}, "
        f"only in pyproject.toml {sorted(set(want) - set(have))}")
    assert have == want, "version bounds differ between environment.yml and pyproject.toml"
    assert any(d.strip() == "-e ." for dep in env["dependencies"] if isinstance(dep, dict)
               for d in dep["pip"]), "environment.yml must install mlpkit itself (-e .)"


def test_ci_runs_the_readme_test_command():
    readme = (REPO / "README.md").read_text()
    assert "make test" in readme and "make lab" in readme
    ci = (REPO / ".ci" / "run").read_text()
    commands = [line.strip() for line in ci.splitlines()
                if line.strip() and not line.strip().startswith("#")]
    assert "make test" in commands, ".ci/run must run exactly the README's test command"
    makefile = (REPO / "Makefile").read_text()
    assert re.search(r"^test:.*\n\t\$\(BIN\)/python -m pytest\s*$", makefile, re.M)
    assert re.search(r"^lab:.*\n\t\$\(BIN\)/mlpcourse lab\s*$", makefile, re.M)


def test_console_command_lists_the_course_subcommands():
    out = subprocess.run([sys.executable, "-m", "mlpcourse.cli", "--help"],
                         capture_output=True, text=True, check=True).stdout
    for command in ("lab", "release", "grade", "slides"):
        assert re.search(rf"^\s+{command}\s", out, re.M), f"`mlpcourse {command}` is missing:\n{out}"


def _touch(root: Path, *files: str) -> Path:
    for rel in files:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text("{}")
    return root


def test_course_discovery_finds_units_and_lectures_in_order(tmp_path):
    from mlpcourse import paths

    course = _touch(
        tmp_path,
        "solutions/02_b/02_b.ipynb", "solutions/01_a/01_a.ipynb", "solutions/01_a/extra.ipynb",
        "solutions/.ipynb_checkpoints/x/x.ipynb", "solutions/_draft/_draft.ipynb",
        "solutions/03_other_name/notes.ipynb", "solutions/04_empty/data.csv",
        "lectures/02_b.ipynb", "lectures/01_a.ipynb", "lectures/figures/plot.png",
    )
    assert paths.units(course) == ["01_a", "02_b"]
    assert [p.name for p in paths.unit_notebooks(course / "solutions" / "01_a")] == [
        "01_a.ipynb", "extra.ipynb"]
    assert paths.lectures(course) == [course / "lectures" / "01_a.ipynb",
                                      course / "lectures" / "02_b.ipynb"]
    assert paths.select_units(course) == ["01_a", "02_b"]
    assert paths.select_units(course, "solutions/02_b/") == ["02_b"]
    with pytest.raises(ValueError, match=r"one of 01_a, 02_b, got '03_other_name'"):
        paths.select_units(course, "03_other_name")
    assert paths.select_lectures(course, ["02_b.ipynb"]) == [course / "lectures" / "02_b.ipynb"]
    with pytest.raises(ValueError, match="got 'nope'"):
        paths.select_lectures(course, ["nope"])
    with pytest.raises(FileNotFoundError, match="no unit found"):
        paths.select_units(_touch(tmp_path / "empty", "lectures/01_a.ipynb"))


def test_course_root_is_found_from_inside_and_falls_back_to_the_checkout(tmp_path):
    from mlpcourse.paths import course_root

    course = _touch(tmp_path / "course", "solutions/01_a/01_a.ipynb", "lectures/01_a.ipynb")
    assert course_root(course / "solutions" / "01_a") == course
    # outside any course (an editable install): the checkout this package lives in
    assert course_root(tmp_path) == REPO
    assert course_root(REPO / "mlpkit") == REPO


@pytest.mark.parametrize("command", ["grade", "release"])
def test_commands_that_write_never_fall_back_to_another_course(tmp_path, monkeypatch, command):
    from pipeline_support import run_cli

    monkeypatch.chdir(tmp_path)  # not a course, and not inside one
    result = run_cli(command, "01_neuron")
    assert result.returncode != 0 and "no course folder at or above" in result.stderr
    assert "--course DIR" in result.stderr
    (tmp_path / "lectures").mkdir()  # half a course is not a course
    result = run_cli(command, "01_neuron", "--course", tmp_path)
    assert result.returncode != 0 and "is not a course folder" in result.stderr
    result = run_cli(command, "01_neuron", "--course", tmp_path / "missing")
    assert result.returncode != 0 and "there is no folder" in result.stderr


def test_course_option_names_the_course_exactly(tmp_path, monkeypatch):
    from mlpcourse.paths import command_course

    course = _touch(tmp_path / "course", "solutions/01_a/01_a.ipynb", "lectures/01_a.ipynb")
    assert command_course(course, fallback=False) == course
    with pytest.raises(FileNotFoundError, match="is not a course folder"):
        command_course(course / "solutions", fallback=False)  # no search above an explicit DIR
    monkeypatch.chdir(course / "solutions" / "01_a")
    assert command_course(None, fallback=False) == course
    monkeypatch.chdir(tmp_path)
    assert command_course(None, fallback=True) == REPO  # lab and slides: the checkout


def test_import_mlpkit_exposes_every_module_with_docstrings():
    import mlpkit
    for name in ("functional", "nn", "losses", "optim", "schedules", "init", "gradcheck",
                 "data", "train", "plot", "check", "widgets"):
        module = getattr(mlpkit, name)
        assert module.__doc__ and len(module.__doc__) > 40, f"mlpkit.{name} needs a docstring"
        public = [getattr(module, n) for n in getattr(module, "__all__", [])]
        undocumented = [getattr(obj, "__name__", "?") for obj in public
                        if callable(obj) and not (obj.__doc__ or "").strip()]
        assert not undocumented, f"mlpkit.{name}: undocumented public names {undocumented}"


def test_mnist_ships_with_its_licence_and_digests():
    folder = REPO / "mlpkit" / "datasets" / "mnist"
    readme = " ".join((folder / "README.md").read_text().split())
    assert "Creative Commons Attribution-Share Alike 3.0" in readme
    assert "LeCun" in readme and "Cortes" in readme and "Burges" in readme
    sums = dict(line.split()[::-1] for line in (folder / "SHA256SUMS").read_text().splitlines())
    assert len(sums) == 4
    # The smallest file is cheap to verify here; test_data checks the rest through the loader.
    name = "t10k-labels-idx1-ubyte"
    raw = gzip.decompress((folder / f"{name}.gz").read_bytes())
    assert hashlib.sha256(raw).hexdigest() == sums[name]


@pytest.mark.slow
def test_lab_command_starts_jupyterlab_on_localhost_and_prints_its_url(tmp_path):
    with running_lab("--work", str(tmp_path / "work"), cwd=REPO, home=tmp_path,
                     timeout=90) as (get, _said):
        status, body = get("/api/contents/lectures")
        assert status == 200 and b"01_neuron.ipynb" in body, "the lab must serve the course's lectures"
