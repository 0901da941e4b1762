"""docs/ARCHITECTURE.md names every module of engine/ and app/, so the map a newcomer
reads first is never missing a room (and names none that is gone)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "ARCHITECTURE.md"


def _modules() -> set[str]:
    return {
        path.relative_to(ROOT).as_posix()
        for package in ("engine", "app")
        for path in (ROOT / package).rglob("*.py")
    }


def test_the_architecture_doc_names_every_module_and_no_missing_one():
    named = set(re.findall(r"`((?:engine|app)/[\w/]+\.py)`", DOC.read_text(encoding="utf-8")))
    assert sorted(_modules() - named) == [], "modules docs/ARCHITECTURE.md does not name"
    assert sorted(named - _modules()) == [], "docs/ARCHITECTURE.md names modules that are gone"
