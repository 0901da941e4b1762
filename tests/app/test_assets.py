"""The page's built files (app/assets.py): when a bundle is stale, which paths are
hashed, what the page names, and a clear error when the bundle is missing."""

from __future__ import annotations

import json
import os
import re

import pytest

from app import assets


def _static(tmp_path, *, built_at: float | None, source_at: float):
    static = tmp_path / "static"
    (static / "js").mkdir(parents=True)
    (static / "css").mkdir()
    src = static / "js" / "main.js"
    src.write_text("export {};\n")
    os.utime(src, (source_at, source_at))
    if built_at is not None:
        (static / "dist").mkdir()
        manifest = static / "dist" / "manifest.json"
        manifest.write_text(json.dumps({"js/main.js": "dist/main-ABCDEFGH.js"}))
        os.utime(manifest, (built_at, built_at))
    return static


def test_a_bundle_is_stale_without_a_manifest_or_older_than_a_source(tmp_path):
    assert assets.stale(_static(tmp_path / "a", built_at=None, source_at=1000))
    assert assets.stale(_static(tmp_path / "b", built_at=1000, source_at=2000))
    assert not assets.stale(_static(tmp_path / "c", built_at=2000, source_at=1000))


def test_a_missing_bundle_outside_the_checkout_says_how_to_build_it(tmp_path):
    static = _static(tmp_path, built_at=None, source_at=1000)
    with pytest.raises(assets.AssetsMissing, match=r"npm ci && npm run build"):
        assets.manifest(static)
    # an installed copy never builds: an old manifest is what it has
    static = _static(tmp_path / "old", built_at=1000, source_at=2000)
    assert assets.manifest(static) == {"js/main.js": "dist/main-ABCDEFGH.js"}


def test_only_built_files_are_hashed_paths():
    assert assets.hashed("/static/dist/main-ABCDEFGH.js")
    assert assets.hashed("/static/dist/main-ABCDEFGH.js.map")
    assert not assets.hashed("/static/dist/manifest.json")
    assert not assets.hashed("/static/js/main.js")


def test_the_page_names_built_files_that_exist_and_inlines_the_first_frame(app):
    http = app.test_client()
    page = http.get("/").get_data(as_text=True)
    names = re.findall(r'(?:src|href)="(/static/dist/[^"]+)"', page)
    assert len(names) == 5  # the bundle and four stylesheets (class.css: class mode)
    for name in names:
        assert http.get(name).status_code == 200
    inlined = re.search(r'<script type="application/json" id="first-frame">(.*?)</script>', page)
    frame = json.loads(inlined.group(1))
    assert frame["epoch"] == 0 and frame["sizes"] == [2, 2, 1]
    assert len(frame["surface"]["base64"]) == 4 * -(-(frame["grid"] ** 2) // 3)
