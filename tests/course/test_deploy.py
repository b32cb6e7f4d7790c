"""The classroom setups in deploy/: what can be checked without a cluster.

- The Zero to JupyterHub values file, merged over the chart's defaults as Helm
  merges it, validates against the chart's own schema (../shared/z2jh, from
  the Z2JH repository; see its README).
- Every setup puts nbgrader's exchange at the same place, with the same
  permissions (mode 1777), as the single-user image's nbgrader configuration.
- The single-user image holds nothing a student must not see: no solutions
  (the hidden tests live there), no tests.
- Every command the setups run exists.
"""
from __future__ import annotations

import copy
import re

import jsonschema
import pytest
import yaml
from pipeline_support import REPO
from traitlets.config import Config
from traitlets.config.loader import PyFileConfigLoader

DEPLOY = REPO / "deploy"
Z2JH = REPO.parent / "shared" / "z2jh"
VALUES = DEPLOY / "z2jh" / "values.yaml"
DOCKERFILE = DEPLOY / "image" / "Dockerfile"
EXCHANGE = "/srv/nbgrader/exchange"


def merged(defaults, values):
    """Helm's merge: mappings key by key, anything else (lists too) replaces."""
    if isinstance(defaults, dict) and isinstance(values, dict):
        out = copy.deepcopy(defaults)
        for key, value in values.items():
            out[key] = merged(defaults[key], value) if key in defaults else value
        return out
    return copy.deepcopy(values)


@pytest.fixture(scope="module")
def schema():
    assert Z2JH.is_dir(), f"{Z2JH} is missing: the chart's schema sits in ../shared/z2jh"
    return yaml.safe_load((Z2JH / "values.schema.yaml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def values():
    return yaml.safe_load(VALUES.read_text(encoding="utf-8"))


def test_the_values_file_validates_against_the_charts_schema(schema, values):
    defaults = yaml.safe_load((Z2JH / "values.yaml").read_text(encoding="utf-8"))
    jsonschema.validate(merged(defaults, values), schema)


def test_a_misspelt_option_would_fail_the_schema(schema, values):
    # the test can fail: the schema forbids unknown keys where our values live
    defaults = yaml.safe_load((Z2JH / "values.yaml").read_text(encoding="utf-8"))
    wrong = copy.deepcopy(values)
    wrong["singleuser"]["memmory"] = wrong["singleuser"].pop("memory")
    with pytest.raises(jsonschema.ValidationError, match="memmory"):
        jsonschema.validate(merged(defaults, wrong), schema)


def _image_config() -> Config:
    path = DEPLOY / "image" / "nbgrader_config.py"
    return PyFileConfigLoader(path.name, path=str(path.parent)).load_config()


def test_every_setup_uses_one_exchange(values):
    assert _image_config().Exchange.root == EXCHANGE
    mounts = values["singleuser"]["storage"]["extraVolumeMounts"]
    assert [m["mountPath"] for m in mounts] == [EXCHANGE]
    claim = values["singleuser"]["storage"]["extraVolumes"][0]["persistentVolumeClaim"]
    volumes = list(yaml.safe_load_all((DEPLOY / "z2jh" / "exchange.yaml").read_text()))
    pvc = next(v for v in volumes if v["kind"] == "PersistentVolumeClaim")
    assert pvc["metadata"]["name"] == claim["claimName"]
    assert pvc["spec"]["accessModes"] == ["ReadWriteMany"]  # every user pod mounts it
    job = next(v for v in volumes if v["kind"] == "Job")
    assert "chmod 1777" in " ".join(job["spec"]["template"]["spec"]["containers"][0]["command"])
    assert f"install -d -m 1777 {EXCHANGE}" in DOCKERFILE.read_text()
    tljh = (DEPLOY / "tljh" / "README.md").read_text()
    assert f"install -d -m 1777 {EXCHANGE}" in tljh and "nbgrader_config.py" in tljh


def test_the_image_holds_no_solutions_and_no_tests():
    copies = re.findall(r"^COPY\s+(?:--\S+\s+)*(.+?)\s+\S+$", DOCKERFILE.read_text(), re.MULTILINE)
    sources = [src for line in copies for src in line.split()]
    assert sources, "no COPY line found"
    allowed = {"pyproject.toml", "README.md", "STUDENTS.md", "mlpkit/", "mlpcourse/", "lectures/",
               "exercises/", "deploy/image/nbgrader_config.py",
               "mlpcourse/jupyter/settings/overrides.json"}
    assert set(sources) <= allowed, set(sources) - allowed
    for src in sources:  # and nothing inside those holds a solution
        folder = REPO / src
        if folder.is_dir():
            inside = [p for p in folder.rglob("*") if "solution" in p.name.lower()
                      and p.suffix in (".ipynb", ".py") and "test" not in p.parts]
            assert not [p for p in inside if "BEGIN SOLUTION" in p.read_text(errors="replace")]


def test_the_commands_the_setups_run_exist(values, tmp_path):
    command = values["singleuser"]["lifecycleHooks"]["postStart"]["exec"]["command"]
    assert command[:3] == ["python", "-m", "mlpcourse.workspace"]
    from mlpcourse import workspace

    assert workspace.main([str(REPO), str(tmp_path / "home")]) == 0
    # the page a student's JupyterLab opens on is there, rendered (overrides.json's default viewer)
    start = values["singleuser"]["defaultUrl"]
    assert start.startswith("/lab/tree/")
    assert (tmp_path / "home" / start.removeprefix("/lab/tree/")).is_file()
    assert (tmp_path / "home" / "01_neuron" / "01_neuron.ipynb").is_file()
    assert (tmp_path / "home" / "lectures" / "01_neuron.ipynb").is_file()
    assert workspace.main([str(REPO)]) == 2
    student_config = REPO / "mlpcourse" / "jupyter" / "student"
    assert re.search(rf"JUPYTER_CONFIG_PATH=/opt/mlp-course/{student_config.relative_to(REPO)}",
                     DOCKERFILE.read_text())
    assert "ltiauthenticator" in values["hub"]["config"]["JupyterHub"]["authenticator_class"]
    assert "LTI13Authenticator" in (DEPLOY / "README.md").read_text()


def test_memory_limits_cover_the_measured_kernels(values):
    limit = values["singleuser"]["memory"]["limit"]
    assert limit.endswith("G") and float(limit[:-1]) >= 1.5
    capacity = (DEPLOY / "CAPACITY.md").read_text()
    assert "MB" in capacity and "--jobs" in capacity
