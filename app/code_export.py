"""The page's "Code" button: the run as one standalone script, over the wire.

The script is the engine's (``engine.export.script_for``: numpy, torch or keras; it
trains the same network from epoch 0 to the same losses). The session hands over its
run file, taken under its lock; the script is made from that file outside the lock,
so training goes on meanwhile. A script goes out as text in one ``code`` event, so
it is held to :data:`MAX_SCRIPT_BYTES` (a run on 5000 points of one's own embeds them
all); a larger one is refused with the command that writes it to a file instead.
"""

from __future__ import annotations

from typing import Any

from .validation import ValidationError, as_object

TARGETS = ("numpy", "torch", "keras")
MAX_SCRIPT_BYTES = 2**20  # well under the 2 MiB a client may have waiting (app/wire.py)


def parse_code(payload: Any) -> str:
    """The target of a ``code`` payload ``{"target": "numpy" | "torch" | "keras"}``."""
    data = as_object(payload, ("target",))
    target = data.get("target")
    if target not in TARGETS:
        raise ValidationError(
            "target", f"target must be one of {', '.join(TARGETS)}, got {str(target)[:40]!r}"
        )
    return target


def code_for(run_file: bytes, target: str) -> dict:
    """The ``code`` answer for the run in ``run_file``: ``{"target", "name", "script"}``."""
    from engine.checkpoint import from_bytes
    from engine.export import script_for, script_name

    trainer = from_bytes(run_file)
    try:
        script = script_for(trainer, target)
    except ValueError as err:
        raise ValidationError("target", f"no {target} script for this run: {err}") from None
    size = len(script.encode("utf-8"))
    if size > MAX_SCRIPT_BYTES:
        raise ValidationError(
            "target",
            f"the script has {size:,} bytes, more than the page "
            f"takes ({MAX_SCRIPT_BYTES:,}): save the run and "
            f"write it with `playground export RUN --to {target}`",
        )
    return {"target": target, "name": script_name(trainer, target), "script": script}
