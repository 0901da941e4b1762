"""Finding the page's files: the packaged copy first, else the source checkout."""

from __future__ import annotations

import pytest

from app import resources


def test_checkout_locations_exist():
    assert (resources.template_dir() / "index.html").is_file()
    assert resources.static_dir().is_dir()
    assert resources.socketio_client().name == "socket.io.min.js"
    # the partial npm bundle, not the Python package's full one (issue 11)
    assert resources.plotly_js().name == "plotly-cartesian.min.js"


def test_packaged_copy_wins(tmp_path, monkeypatch):
    (tmp_path / "templates").mkdir()
    (tmp_path / "static" / "vendor").mkdir(parents=True)
    (tmp_path / "static" / "vendor" / "socket.io.min.js").write_text("//")
    (tmp_path / "static" / "vendor" / "plotly.min.js").write_text("//")
    monkeypatch.setattr(resources, "PACKAGE_DIR", tmp_path)
    assert resources.template_dir() == tmp_path / "templates"
    assert resources.static_dir() == tmp_path / "static"
    assert resources.socketio_client() == tmp_path / "static" / "vendor" / "socket.io.min.js"
    assert resources.plotly_js() == tmp_path / "static" / "vendor" / "plotly.min.js"


def test_missing_files_say_where_they_looked(tmp_path, monkeypatch):
    monkeypatch.setattr(resources, "PACKAGE_DIR", tmp_path / "pkg")
    monkeypatch.setattr(resources, "REPO_DIR", tmp_path / "repo")
    with pytest.raises(FileNotFoundError, match="npm ci") as err:
        resources.socketio_client()
    assert str(tmp_path) in str(err.value)
