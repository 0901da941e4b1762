"""Run files over the wire: what ``open_run`` accepts, checked before anything changes.

A run file is the engine's checkpoint (``engine/checkpoint.py``: an ``.npz`` with a
JSON header, read without pickles). The engine checks that it is whole and that its
arrays fit its config; here come the limits of a session on a shared server, each
refused with an ``error`` naming ``file`` and what is wrong:

* at most ``max_bytes`` on the wire (``MAX_RUN_FILE_BYTES``, 1 MiB; the wire itself
  closes a connection that sends more, app/wire.py);
* at most :data:`MAX_UNPACKED_BYTES` once unpacked, judged from the zip's own table
  before a byte is inflated (zipfile never inflates a member past its declared size):
  a 1 MiB zip of zeros would inflate to ~1 GB;
* one network (the page shows one run; the lab trains the restarts), points in the
  plane (2 columns: the engine also saves runs on wider points), at most
  ``MAX_POINTS`` points of one's own (as the ``data`` event), and at most
  :data:`SESSION_HISTORY_ROWS` history rows kept from then on (thinned as the engine
  thins a full history: training is unaffected).

Within those, the engine's reader has its own limits, checked before it inflates or
parses anything (engine/run_file_limits.py): a header of at most 64 KiB nested at most
32 deep with integers below 2^53 (an epoch, say), each array's shape fitting the bytes
its member holds, stored or deflated members only. Each refusal is a RunFileError:
an ``error`` to the page, and one line in the server's log, rate-limited per address
(app/sockets.py, app/wire.py's ClientLog), never a traceback.
"""

from __future__ import annotations

import io
import zipfile
from typing import Any

from engine import Trainer
from engine.checkpoint import from_bytes
from engine.datasets import MAX_POINTS
from engine.errors import RunFileError

from .validation import ValidationError, as_object

MAX_UNPACKED_BYTES = 32 * 2**20
# Rows of loss history a session keeps: the page draws at most 1,000 points of a curve
# (static/js/loss_chart.js), and this keeps the run file the page saves ~25 KB at
# 20,000 epochs (100,000 rows would make it ~330 KB).
SESSION_HISTORY_ROWS = 4096


def parse_open_run(payload: Any, max_bytes: int) -> Trainer:
    """The Trainer in an ``open_run`` payload ``{"file": <bytes>}``, ready for a session.

    Raises a PlaygroundError naming what is wrong: a payload without the file's bytes
    a ValidationError; a file refused, by the page's limits here or by the engine's
    reading (engine/run_file_limits.py), a RunFileError (field ``file``, which the
    server also logs, app/sockets.py).
    """
    data = as_object(payload, ("file",))
    if "file" not in data:
        raise ValidationError("file", "file (the run file's bytes) is missing")
    raw = data["file"]
    if not isinstance(raw, bytes | bytearray):
        raise ValidationError("file", "file must be a binary attachment (the run file's bytes)")
    if not raw:
        raise ValidationError("file", "the file is empty")
    if len(raw) > max_bytes:
        raise RunFileError(
            f"run file: the file has {len(raw):,} bytes; a run file may have at most {max_bytes:,}"
        )
    _check_unpacked_size(raw)
    trainer = from_bytes(bytes(raw))  # a bad file: RunFileError, field "file"
    if trainer.replicas != 1:
        raise RunFileError(
            f"run file: the file holds {trainer.replicas} networks (replicas); "
            f"the page opens a run of one"
        )
    custom = trainer.custom_data
    if custom is not None and custom.width != 2:
        raise RunFileError(
            f"run file: the file's points have {custom.width} columns; the page draws "
            f"points in the plane (2 columns)"
        )
    if custom is not None and len(custom) > MAX_POINTS:
        raise RunFileError(
            f"run file: the file holds {len(custom):,} points of your own; "
            f"the page takes at most {MAX_POINTS:,}"
        )
    if trainer.max_history_rows > SESSION_HISTORY_ROWS:
        trainer.keep_history(SESSION_HISTORY_ROWS)
    return trainer


def _check_unpacked_size(raw: bytes | bytearray) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as zf:
            unpacked = sum(info.file_size for info in zf.infolist())
    except (zipfile.BadZipFile, ValueError, OSError) as err:
        raise RunFileError(
            f"run file: not a readable run file (truncated or corrupted?): {err}"
        ) from None
    if unpacked > MAX_UNPACKED_BYTES:
        raise RunFileError(
            f"run file: the file would unpack to {unpacked:,} bytes; a run "
            f"file may unpack to at most {MAX_UNPACKED_BYTES:,}"
        )


def run_file_name(trainer: Trainer) -> str:
    """A file name that says what the run is: ``xor-2-2-1-relu-adam-epoch-1200.npz``
    (one activation per hidden layer: ``relu+tanh``)."""
    cfg = trainer.config
    shape = "-".join(str(n) for n in cfg.sizes())
    act = cfg.activation_text.replace(",", "+")
    return f"{cfg.dataset}-{shape}-{act}-{cfg.optimizer}-epoch-{trainer.epoch}.npz"
