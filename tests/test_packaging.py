"""The wheel carries the page: templates, static files and the npm Socket.IO and Plotly clients.

Builds a real wheel from this checkout (what `pip install .` does) and serves the page
from an installed copy of it in a directory that is not the checkout.
"""

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(out), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (built,) = out.glob("numpy_playground-*.whl")
    return built


def test_wheel_carries_templates_static_files_and_the_npm_clients(wheel):
    archive = zipfile.ZipFile(wheel)
    names = set(archive.namelist())
    for needed in (
        "app/templates/index.html",
        "app/static/js/main.js",
        "app/static/vendor/socket.io.min.js",
        "app/static/vendor/plotly.min.js",
        "app/static/dist/manifest.json",
        "engine/config.py",
    ):
        assert needed in names, f"{needed} missing from {wheel.name}"
    # the page's bundle (app/assets.py): every built file the manifest names, and the
    # script's source map
    manifest = json.loads(archive.read("app/static/dist/manifest.json"))
    assert set(manifest) >= {"js/main.js", "css/playground.css"}
    for built in manifest.values():
        assert f"app/static/{built}" in names, built
    assert f"app/static/{manifest['js/main.js']}.map" in names
    assert not any(name.startswith(("tests/", "node_modules/")) for name in names)
    # The Plotly it serves is the npm partial bundle, with every trace type the page uses
    plotly = archive.read("app/static/vendor/plotly.min.js")
    assert (
        plotly
        == (ROOT / "node_modules/plotly.js-cartesian-dist-min/plotly-cartesian.min.js").read_bytes()
    )
    for trace in (b"heatmap", b"contour", b"scatter", b"histogram"):
        assert b'moduleType:"trace",name:"' + trace + b'"' in plotly, trace


def test_installed_wheel_serves_the_page_outside_the_checkout(wheel, tmp_path):
    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--target",
            str(target),
            str(wheel),
        ],
        check=True,
        capture_output=True,
    )
    # Run from a directory with nothing but the installed packages on the path, so
    # the checkout's own templates/ and node_modules/ cannot stand in for the wheel's.
    probe = (
        "from app.server import create_app\n"
        "flask_app = create_app({'TESTING': True})\n"
        "client = flask_app.test_client()\n"
        "import re\n"
        "page = client.get('/').get_data(as_text=True)\n"
        'bundle = re.search(r\'src="(/static/dist/main-[^"]+[.]js)"\', page).group(1)\n'
        "for url in ('/', '/vendor/socket.io.min.js', '/vendor/plotly.min.js',"
        " bundle, bundle + '.map'):\n"
        "    response = client.get(url)\n"
        "    assert response.status_code == 200, (url, response.status_code)\n"
        "    response.close()\n"
        "import app\n"
        "print(app.__file__)\n"
    )
    result = subprocess.run(
        [sys.executable, "-I", "-c", f"import sys; sys.path.insert(0, {str(target)!r})\n" + probe],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().startswith(str(target))
