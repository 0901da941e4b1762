"""Wheel build hook: ship the npm-installed Socket.IO client inside the wheel.

The client comes from npm (package.json + package-lock.json), never from a CDN. A
fresh clone has no node_modules, so the hook runs `npm ci` once when the file is
missing, which lets a plain `pip install .` work on a machine with Node.
"""

import shutil
import subprocess
from pathlib import Path

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

CLIENT = Path("node_modules/socket.io-client/dist/socket.io.min.js")


class SocketIOClientHook(BuildHookInterface):
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict) -> None:
        root = Path(self.root)
        client = root / CLIENT
        if not client.is_file():
            npm = shutil.which("npm")
            if npm is None:
                raise RuntimeError("npm is needed to fetch socket.io-client (run `npm ci`)")
            subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=root, check=True)
        build_data["force_include"][str(client)] = "app/static/vendor/socket.io.min.js"
