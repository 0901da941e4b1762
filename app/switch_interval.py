"""The interpreter's switch interval for a serving process (`playground serve`).

Session threads train in CPU-bound chunks; the socket threads that carry frames and
`ready`s wait for the GIL behind them, each time up to one switch interval. A shorter
interval lets them in sooner, at a small cost in training throughput. Both the command
line (before gunicorn forks) and each gunicorn worker (after the fork) set it, so it
lives here, apart from both.
"""

from __future__ import annotations

import sys

SWITCH_INTERVAL = 0.001  # seconds; CPython's default is 0.005


def use_serving_switch_interval() -> None:
    """Set this process's switch interval to SWITCH_INTERVAL."""
    sys.setswitchinterval(SWITCH_INTERVAL)
