"""Waiting with a deadline, for every test directory: poll a condition, never sleep
blindly."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

DEADLINE = 5.0


def wait_until(predicate: Callable[[], Any], timeout: float = DEADLINE, what: str = "") -> Any:
    """Poll ``predicate`` until it returns something truthy; fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what or predicate}")
        time.sleep(0.002)
