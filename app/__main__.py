"""``python -m app``: the same as the ``playground`` command (no arguments = serve)."""

import sys

from .cli import main

sys.exit(main(sys.argv[1:]))
