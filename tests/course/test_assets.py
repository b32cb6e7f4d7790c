"""The vendored web assets (mlpcourse/static/) are exactly what ASSETS.json lists.

Every file there is listed with its SHA-256, nothing listed is missing, every
asset has its licence file (and the licence it names is that file's text), a
file changed from upstream is the upstream file with the recorded change (the
change undone gives the upstream checksum), and `mlpcourse slides` ships every
listed file.
"""
from __future__ import annotations

import hashlib
import json

import pytest

from mlpcourse import slides

STATIC = slides.STATIC
MANIFEST = json.loads(slides.ASSETS.read_text(encoding="utf-8"))
ASSETS = MANIFEST["assets"]
LISTED = {f["path"]: f for asset in ASSETS for f in asset["files"]}
# the manifest itself and its prose: the course's own files, not vendored ones
OWN_FILES = {"ASSETS.json", "README.md"}
# a phrase of each licence's text (an independent check of the licence the manifest names)
LICENCE_TEXT = {
    "MIT": "Permission is hereby granted, free of charge, to any person obtaining a copy",
    "Apache-2.0": "Apache License",
}


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_every_file_is_listed_and_every_listed_file_is_there():
    present = {
        p.relative_to(STATIC).as_posix() for p in STATIC.rglob("*") if p.is_file()
    } - OWN_FILES
    assert sorted(present - set(LISTED)) == [], "files in mlpcourse/static/ not in ASSETS.json"
    assert sorted(set(LISTED) - present) == [], "files in ASSETS.json missing from static/"


@pytest.mark.parametrize("path", sorted(LISTED))
def test_checksum(path):
    assert _sha256((STATIC / path).read_bytes()) == LISTED[path]["sha256"], (
        f"{path} is not the file ASSETS.json lists: update the checksum only after checking "
        "the file against its upstream package (static/README.md, Updating)")


@pytest.mark.parametrize("asset", ASSETS, ids=[a["name"] for a in ASSETS])
def test_each_asset_has_a_version_a_source_and_its_licence_file(asset):
    assert asset["version"] and asset["source"], asset["name"]
    licence = asset["licence_file"]
    assert licence in [f["path"] for f in asset["files"]], f"{licence} must be listed"
    assert LICENCE_TEXT[asset["licence"]] in (STATIC / licence).read_text(encoding="utf-8")
    folders = {f["path"].split("/")[0] for f in asset["files"]}
    assert folders == {asset["name"]}, "an asset's files live in the folder named after it"


def test_every_folder_of_static_is_an_asset_with_a_licence():
    folders = {p.name for p in STATIC.iterdir() if p.is_dir()}
    assert folders == {a["name"] for a in ASSETS}
    for asset in ASSETS:
        assert (STATIC / asset["licence_file"]).is_file()


CHANGED = [path for path, f in LISTED.items() if "change" in f]


@pytest.mark.parametrize("path", CHANGED)
def test_a_changed_file_is_upstream_plus_the_recorded_change(path):
    entry = LISTED[path]
    change = entry["change"]
    lines = (STATIC / path).read_bytes().split(b"\n")
    assert lines[change["line"] - 1].decode("utf-8") == change["now"]
    lines[change["line"] - 1] = change["upstream"].encode("utf-8")
    assert _sha256(b"\n".join(lines)) == entry["upstream_sha256"]


def test_only_changed_files_carry_an_upstream_checksum():
    """An unchanged file's sha256 is the upstream one; a changed file records both."""
    for path, entry in LISTED.items():
        assert ("upstream_sha256" in entry) == ("change" in entry), path


def test_slides_ship_every_listed_file_where_the_template_loads_it():
    shipped = slides.static_files()
    assert set(LISTED) | OWN_FILES == set(shipped)
    targets = set(shipped.values())
    assert slides.MATHJAX.removeprefix(f"{slides.STATIC_DIR}/") in targets
    for name in ("reveal.js", "reveal.css", f"theme/{slides.THEME}.css"):
        assert f"{slides.REVEAL.removeprefix(slides.STATIC_DIR + '/')}/dist/{name}" in targets
