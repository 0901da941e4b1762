"""The wheel carries the page: templates, static files and the npm Socket.IO and Plotly clients.

Builds a real wheel from this checkout (what `pip install .` does) and serves the page
from an installed copy of it in a directory that is not the checkout.
"""

import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import urllib.request
import zipfile
from pathlib import Path

import pytest
from real_server import free_port, healthz
from waiting import wait_until

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


def _path_without_node(venv: Path) -> str:
    """PATH with the venv's scripts and the system's directories that hold no node or
    npm (the wheel's users may have no Node at all)."""
    dirs = [str(venv / "bin")] + [
        d
        for d in ("/usr/local/bin", "/usr/bin", "/bin")
        if not any((Path(d) / tool).exists() for tool in ("node", "npm", "npx"))
    ]
    path = os.pathsep.join(dirs)
    assert shutil.which("node", path=path) is None and shutil.which("npm", path=path) is None
    return path


def test_the_wheel_installs_in_a_fresh_venv_and_serves_the_page_without_node(wheel, tmp_path):
    # The wheel path needs no Node (README, "Install"): a fresh venv whose PATH has no
    # node or npm installs it (its dependencies from PyPI, pinned as CI's) and
    # `playground serve` answers with the page and its bundle from the installed copy.
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True)
    env = {"PATH": _path_without_node(venv), "HOME": str(tmp_path), "LANG": "C.UTF-8"}
    python = str(venv / "bin" / "python")
    constraints = str(ROOT / ".ci" / "constraints.txt")
    installed = subprocess.run(
        [python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
        + ["-c", constraints, str(wheel)],
        env={**env, "PIP_CACHE_DIR": os.environ.get("PIP_CACHE_DIR", _pip_cache())},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert installed.returncode == 0, installed.stderr
    port = free_port()
    server = subprocess.Popen(
        [str(venv / "bin" / "playground"), "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: server.poll() is not None or healthz(url) is not None, 120, url)
        assert server.poll() is None, server.stderr.read().decode(errors="replace")
        page = urllib.request.urlopen(f"{url}/", timeout=10).read().decode()
        bundle = re.search(r'src="(/static/dist/main-[^"]+[.]js)"', page).group(1)
        for path in (bundle, "/vendor/socket.io.min.js", "/vendor/plotly.min.js"):
            with urllib.request.urlopen(url + path, timeout=10) as response:
                assert response.status == 200 and response.read(), path
        where = subprocess.run(
            [python, "-c", "import app; print(app.__file__)"],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            check=True,
        )
        assert where.stdout.strip().startswith(str(venv))  # not the checkout
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(5)


def _pip_cache() -> str:
    """The pip cache this machine's installs used (CI installs .venv on the same machine
    first), so the fresh venv's dependencies need not be downloaded again."""
    out = subprocess.run(
        [sys.executable, "-m", "pip", "cache", "dir"], capture_output=True, text=True
    )
    return out.stdout.strip() or str(Path.home() / ".cache" / "pip")
