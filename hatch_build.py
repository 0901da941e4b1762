"""Wheel build hook: ship the npm-installed Socket.IO client and Plotly.js inside the wheel.

Both come from npm (package.json + package-lock.json), never from a CDN. A fresh
clone has no node_modules, so the hook runs `npm ci` once when a file is missing,
which lets a plain `pip install .` work on a machine with Node.
"""

import shutil
import subprocess
from pathlib import Path

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

# what the wheel carries from node_modules, and where (app/resources.py looks there)
VENDOR = {
    Path(
        "node_modules/socket.io-client/dist/socket.io.min.js"
    ): "app/static/vendor/socket.io.min.js",
    Path(
        "node_modules/plotly.js-cartesian-dist-min/plotly-cartesian.min.js"
    ): "app/static/vendor/plotly.min.js",
}


class SocketIOClientHook(BuildHookInterface):
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict) -> None:
        root = Path(self.root)
        if not all((root / source).is_file() for source in VENDOR):
            npm = shutil.which("npm")
            if npm is None:
                raise RuntimeError("npm is needed to fetch the page's clients (run `npm ci`)")
            subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=root, check=True)
        for source, target in VENDOR.items():
            build_data["force_include"][str(root / source)] = target
