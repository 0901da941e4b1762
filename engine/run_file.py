"""The run file format: a Trainer's state (:mod:`engine.run_state`) as one ``.npz``.

The engine's one file format, and its one piece of I/O. :func:`write` encodes a state
and :func:`read` decodes one and hands it to a builder; ``trainer.save(file)`` and
``Trainer.load(source)`` (or :mod:`engine.checkpoint`'s :func:`save` / :func:`load`,
:func:`to_bytes` / :func:`from_bytes` for a network or an upload) use them, with a
path or a binary file object. This module never imports the Trainer: it builds none
itself (the caller passes ``build``), so the Trainer can use it.

A run file is a NumPy ``.npz`` (a zip of ``.npy`` arrays, zlib-compressed), read
without pickles (:mod:`engine.run_file_limits` reads numbers only): nothing in it is
ever executed. Its member ``header`` is UTF-8 JSON::

    {"format": 1, "kind": "numpy-playground run",
     "config": {...every Config field...}, "replicas": K, "max_history_rows": R,
     "epoch": 1000, "layout": {...MLP.layout.to_dict()...},
     "data": {"source": "generator"}            (regenerated from the config)
           | {"source": "points", "task", "classes", "domain", "digest"},
     "optimizer": {"name": "adam", "t": 1000,
                   "arrays": [{"exp_avg": "array", "step_size": null,
                               "scaled_for": [0.9, 0.999], ...}]},
     "history": {"stride": 1},
     "initial_weights": "config",                (MLP init from config + seed)
     "edits": {"count": 0, "last_epoch": null},  (weights set by hand)
     "origin": {"epoch": 0, "reason": "start"},  (where the config in force began)
     "schedule": {"name": "step", "start": 0}}   (the epoch its lr schedule began)

and the arrays are ``weights`` (K, P) in the layout's order, ``rng`` (K, 6) uint64
(each replica's PCG64 generator: state and increment as high/low 64-bit words, then
``has_uint32`` and ``uinteger``), ``diverged`` (K,), ``history_epoch`` (n,),
``history`` (4, n, K) (train loss, test loss, train and test accuracy), ``last``
(4, K), ``optimizer/<i>/<entry>`` for each state entry marked "array", and, for your
own points (the Trainer's ``custom_data``, kept even while the config runs a
generator), ``data/points`` (N, 2) (or (N, d): any width) and ``data/values`` (N,)
float64 as given: the split, noise and features follow from the config as they did
when the run was saved.
``domain`` is the one given with the points, or null (their bounding box + 10 %);
``digest`` the points' content hash (``CustomData.digest``), checked on reading.

The origin (:class:`engine.live_changes.Origin`) is where the stretch of training that the
saved config describes began, what exported code (``engine/export/``) starts from. At
the start (``"reason": "start"``, epoch 0) it is regenerated from the config and seed,
like the initial weights. After a weight set by hand (``"edit"``) or a training
setting changed live (``"change"``) the header's ``"initial_weights"`` is
``"origin"`` and the origin's numbers are arrays: ``origin/weights`` (K, P),
``origin/rng`` (K, 6) and ``origin/optimizer/<i>/<entry>``, described by
``"origin": {"epoch", "reason", "optimizer": {"t", "arrays"}}`` as the optimizer's own.

Kept epochs (:mod:`engine.snapshots`: the weights, generators and optimizer state at the
epochs a run keeps for rewinding) are the header's optional ``"kept"`` and the arrays
``kept/*`` (:func:`_encode_kept` says how), thinned to 512 KiB; a file without them (from
before them) reads as before, keeping only the epoch it stands at.

The learning-rate schedule (:mod:`engine.schedules`) is the config's ``lr_schedule``
and its settings; its state is ``"schedule": {"start"}``, the epoch it began at (a
live change starts it again): epoch e trains with its rate after e - start steps. A
file without it (written before schedules) reads with start 0.

Reading checks everything before building anything: a file that is not a zip, is
truncated or corrupted (zip CRC), has a ``format`` newer than :data:`FORMAT`, or
whose arrays do not fit its config raises ValueError naming what is wrong. What a file
may make the reader spend is checked before anything is inflated or parsed
(:mod:`engine.run_file_limits`: the header's size, depth and integers, each array's
shape against its bytes, the zip's members).
Readers ignore header keys they do not know, so later versions may add optional
ones (the initial weights after a hand edit, say) within format 1; a change that
older readers must not ignore raises the format number.
"""

from __future__ import annotations

import io
import json
import os
from collections.abc import Callable, Mapping
from typing import IO, Any, TypeVar

import numpy as np

from .config import Config
from .datasets import CustomData, custom_data
from .errors import ConfigError, DataError, RunFileError
from .live_changes import Origin
from .run_file_limits import check_header_integers, check_header_text, read_members
from .snapshots import FILE_BUDGET, thinned

T = TypeVar("T")

FORMAT = 1
KIND = "numpy-playground run"
_MASK64 = (1 << 64) - 1


# ---------------------------------------------------------------------- writing


def write(
    state: dict[str, Any],
    layout: dict[str, Any],
    file: str | os.PathLike[str] | IO[bytes],
    kept_budget: int = FILE_BUDGET,
) -> None:
    """Write a Trainer's ``state`` (:func:`engine.run_state.state_of`) and its network's
    ``layout`` (``MLP.layout.to_dict()``) to ``file``, a path or a binary file object,
    with its kept epochs thinned to ``kept_budget`` bytes of arrays (0: none but what
    the run needs)."""
    header, arrays = _encode(state, layout, kept_budget)
    arrays["header"] = np.frombuffer(json.dumps(header).encode("utf-8"), np.uint8)
    if isinstance(file, (str, os.PathLike)):
        # Written beside it, then renamed over it: a failed save never leaves a
        # half-written file where a good one was. (A file object also keeps np.savez
        # from appending ".npz" to the name.)
        partial = f"{os.fspath(file)}.partial"
        with open(partial, "wb") as fh:
            np.savez_compressed(fh, **arrays)  # type: ignore[arg-type]  # numpy's stub: a key could be allow_pickle
        os.replace(partial, file)
    else:
        np.savez_compressed(file, **arrays)  # type: ignore[arg-type]  # as above


def _encode(
    state: dict[str, Any], layout: dict[str, Any], kept_budget: int = FILE_BUDGET
) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    arrays: dict[str, np.ndarray] = {
        "weights": state["flat"],
        "rng": np.array([_rng_words(s) for s in state["rngs"]], np.uint64),
        "diverged": state["diverged"],
        "history_epoch": state["history"]["epoch"],
        "history": state["history"]["data"],
        "last": state["last"],
    }
    origin = state["origin"]
    header = {
        "format": FORMAT,
        "kind": KIND,
        "config": state["config"].to_dict(),
        "replicas": state["replicas"],
        "max_history_rows": state["max_history_rows"],
        "epoch": state["epoch"],
        "layout": layout,
        "data": _encode_data(state["data"], arrays),
        "optimizer": {
            "name": state["config"].optimizer,
            **_encode_optimizer(state["optimizer"], "optimizer", arrays),
        },
        "history": {"stride": state["history"]["stride"]},
        "initial_weights": "config" if origin.reason == "start" else "origin",
        "edits": {"count": state["edits"], "last_epoch": state["last_edit_epoch"]},
        "origin": {"epoch": origin.epoch, "reason": origin.reason},
        "schedule": {"name": state["config"].lr_schedule, "start": state["lr_start"]},
    }
    if origin.reason != "start":  # else regenerated from the config, as at epoch 0
        arrays["origin/weights"] = origin.flat
        arrays["origin/rng"] = np.array([_rng_words(s) for s in origin.rngs], np.uint64)
        header["origin"]["optimizer"] = _encode_optimizer(
            origin.optimizer, "origin/optimizer", arrays
        )
    if state.get("kept") and kept_budget > 0:
        header["kept"] = _encode_kept(state, arrays, kept_budget)
    return header, arrays


def _encode_optimizer(saved: dict[str, Any], prefix: str, arrays: dict[str, Any]) -> dict[str, Any]:
    """An optimizer's state_dict as ``{"t", "arrays"}``; its arrays into ``arrays``."""
    entries = []
    for i, entry in enumerate(saved["state"]):
        described: dict[str, Any] = {}
        for key, value in entry.items():
            if isinstance(value, np.ndarray):
                arrays[f"{prefix}/{i}/{key}"] = value
                described[key] = "array"
            else:
                described[key] = list(value) if isinstance(value, tuple) else value
        entries.append(described)
    return {"t": saved["t"], "arrays": entries}


def _encode_data(data: CustomData | None, arrays: dict[str, Any]) -> dict[str, Any]:
    if data is None:
        return {"source": "generator"}
    arrays["data/points"] = np.asarray(data.points, np.float64)
    arrays["data/values"] = np.asarray(data.values, np.float64)
    return {
        "source": "points",
        "task": data.task,
        "classes": data.classes,
        "domain": None if data.domain is None else [float(v) for v in data.domain],
        "digest": data.digest,
    }


def _encode_kept(state: dict[str, Any], arrays: dict[str, Any], budget: int) -> dict[str, Any]:
    """The kept epochs (:mod:`engine.snapshots`) on the run's own points and network,
    thinned to ``budget`` bytes of arrays (by default :data:`engine.snapshots.FILE_BUDGET`,
    512 KiB: a page's run file stays under the 1 MiB it may open):
    ``kept/weights`` (n, K, P), ``kept/rng`` (n, K, 6), ``kept/diverged`` (n, K) and
    every optimizer array of every kept epoch end to end in ``kept/optimizer`` (each
    entry says where: ``{"at", "shape"}``); per kept epoch the header says its epoch,
    its config (an index into ``configs``), its hand edits, its optimizer's ``t`` and
    entries, and its origin (an index into ``origins``, each saved as the run's own
    origin is, or null for the start)."""
    config, data = state["config"], state["data"]
    own = [
        s
        for s in state["kept"]["snapshots"]
        if s["data"] is data and not s["config"].needs_rebuild(config)
    ]
    kept = thinned(own, budget)
    configs: list[Any] = []
    origins: list[Any] = []
    parts: list[np.ndarray] = []
    at = 0
    rows = []
    for snapshot in kept:
        if snapshot["config"] not in configs:
            configs.append(snapshot["config"])
        origin = snapshot["origin"]
        start = origin is None or origin.reason == "start"  # regenerated from the config
        if not start and all(origin is not o for o in origins):
            origins.append(origin)
        entries = []
        for entry in snapshot["optimizer"]["state"]:
            described: dict[str, Any] = {}
            for key, value in entry.items():
                if isinstance(value, np.ndarray):
                    parts.append(value.reshape(-1))
                    described[key] = {"at": at, "shape": list(value.shape)}
                    at += value.size
                else:
                    described[key] = list(value) if isinstance(value, tuple) else value
            entries.append(described)
        rows.append(
            {
                "epoch": snapshot["epoch"],
                "config": configs.index(snapshot["config"]),
                "edits": [snapshot["edits"], snapshot["last_edit_epoch"]],
                "optimizer": {"t": snapshot["optimizer"]["t"], "arrays": entries},
                "origin": None if start else next(i for i, o in enumerate(origins) if o is origin),
                "lr_start": snapshot["lr_start"],
            }
        )
    flat = state["flat"]
    arrays["kept/weights"] = np.array([s["flat"] for s in kept], flat.dtype).reshape(
        len(kept), *flat.shape
    )
    arrays["kept/rng"] = np.array(
        [[_rng_words(r) for r in s["rngs"]] for s in kept], np.uint64
    ).reshape(len(kept), len(flat), 6)
    arrays["kept/diverged"] = np.array([s["diverged"] for s in kept], bool).reshape(
        len(kept), len(flat)
    )
    arrays["kept/optimizer"] = np.concatenate(parts) if parts else np.empty(0, flat.dtype)
    described_origins = []
    for i, origin in enumerate(origins):
        arrays[f"kept/origin/{i}/weights"] = origin.flat
        arrays[f"kept/origin/{i}/rng"] = np.array([_rng_words(r) for r in origin.rngs], np.uint64)
        optimizer = _encode_optimizer(origin.optimizer, f"kept/origin/{i}/optimizer", arrays)
        described_origins.append(
            {"epoch": origin.epoch, "reason": origin.reason, "optimizer": optimizer}
        )
    return {
        "epochs": rows,
        "configs": [c.to_dict() for c in configs],
        "origins": described_origins,
        "changes": state["kept"]["changes"],
    }


def _rng_words(state: Mapping[str, Any]) -> list[int]:
    if state.get("bit_generator") != "PCG64":
        raise ValueError(f"only PCG64 generators are saved, not {state.get('bit_generator')}")
    s, inc = state["state"]["state"], state["state"]["inc"]
    return [s >> 64, s & _MASK64, inc >> 64, inc & _MASK64, state["has_uint32"], state["uinteger"]]


# ---------------------------------------------------------------------- reading


def read(
    source: str | os.PathLike[str] | IO[bytes] | bytes, build: Callable[[dict[str, Any]], T]
) -> T:
    """``build`` (a Trainer's ``_from_state``) applied to the state saved in ``source``
    (a path, a binary file object or bytes). Whatever is wrong, in the file or in how
    its numbers fit their config, raises RunFileError (a ValueError) saying what."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        source = io.BytesIO(bytes(source))
    arrays = read_members(source)  # bounded: engine/run_file_limits.py
    header = _header(arrays)
    try:
        return build(_decode(header, arrays))
    except ConfigError as err:
        raise RunFileError(f"run file: config: {err}") from None
    except (ValueError, TypeError, KeyError, IndexError, OverflowError) as err:
        raise RunFileError(f"run file: {_text(err)}") from None


def _text(err: Exception) -> str:
    return str(err) if not isinstance(err, KeyError) else f"missing {err.args[0]!r}"


def _header(arrays: dict[str, Any]) -> dict[str, Any]:
    raw = arrays.get("header")
    if raw is None or raw.dtype != np.uint8 or raw.ndim != 1:
        raise RunFileError("run file: no header (is this a numpy-playground run file?)")
    text = raw.tobytes()
    check_header_text(text)
    try:
        header = json.loads(text.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as err:
        raise RunFileError(f"run file: the header is not JSON: {err}") from None
    if not isinstance(header, dict) or header.get("kind") != KIND:
        raise RunFileError("run file: the header does not describe a numpy-playground run")
    check_header_integers(header)
    version = header.get("format")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise RunFileError(f"run file: format must be a positive integer, got {version!r}")
    if version > FORMAT:
        raise RunFileError(
            f"run file: format {version} is newer than this engine reads "
            f"(format {FORMAT}); update numpy-playground to open it"
        )
    return header


def _decode(header: dict[str, Any], arrays: dict[str, Any]) -> dict[str, Any]:
    """The Trainer state the header and arrays describe (shapes checked against its
    config by :func:`engine.run_state.restore`)."""
    config = Config.from_dict(_field(header, "config", dict))
    replicas = _field(header, "replicas", int)
    weights = arrays["weights"]
    if replicas < 1 or weights.ndim != 2 or len(weights) != replicas:
        raise ValueError(
            f"weights: expected {replicas} rows (the header's replicas), got shape {weights.shape}"
        )
    rng = arrays["rng"]
    if rng.shape != (replicas, 6) or rng.dtype != np.uint64:
        raise ValueError(f"rng: expected ({replicas}, 6) uint64 words, got {rng.shape}")
    optimizer = _field(header, "optimizer", dict)
    if optimizer.get("name") != config.optimizer:
        raise ValueError(
            f"optimizer: state of {optimizer.get('name')!r} for a {config.optimizer!r} run"
        )
    edits = header.get("edits") or {}
    return {
        "config": config,
        "replicas": replicas,
        "max_history_rows": _field(header, "max_history_rows", int),
        "data": _decode_data(_field(header, "data", dict), arrays),
        "epoch": _field(header, "epoch", int),
        "flat": weights,
        "rngs": [_rng_state(words) for words in rng],
        "optimizer": _decode_optimizer(optimizer, "optimizer", arrays),
        "diverged": arrays["diverged"],
        "history": {
            "stride": _field(_field(header, "history", dict), "stride", int),
            "epoch": arrays["history_epoch"],
            "data": arrays["history"],
        },
        "last": arrays["last"],
        "edits": int(edits.get("count", 0)),
        "last_edit_epoch": edits.get("last_epoch"),
        "origin": _decode_origin(header.get("origin"), replicas, arrays),
        "kept": _decode_kept(header.get("kept"), replicas, arrays),
        "lr_start": _schedule_start(header.get("schedule")),
    }


def _schedule_start(schedule: Any) -> Any:
    """The epoch the schedule began at (checked by run_state); 0 in a file from before
    schedules."""
    if schedule is None:
        return 0
    if not isinstance(schedule, dict):
        raise ValueError(f"schedule: expected an object, got {type(schedule).__name__}")
    return schedule.get("start", 0)


def _decode_optimizer(
    described: dict[str, Any], prefix: str, arrays: dict[str, Any]
) -> dict[str, Any]:
    return {
        "t": described.get("t"),
        "state": [
            _optimizer_entry(prefix, i, entry, arrays)
            for i, entry in enumerate(_field(described, "arrays", list))
        ],
    }


def _decode_origin(origin: Any, replicas: int, arrays: dict[str, Any]) -> Origin | None:
    """The saved origin, or None where it is the start (the Trainer regenerates it;
    a file from before origins were saved also reads so)."""
    if origin is None or (isinstance(origin, dict) and origin.get("reason") == "start"):
        return None
    if not isinstance(origin, dict):
        raise ValueError("origin: expected an object")
    rng = arrays["origin/rng"]
    if rng.shape != (replicas, 6) or rng.dtype != np.uint64:
        raise ValueError(f"origin/rng: expected ({replicas}, 6) uint64 words, got {rng.shape}")
    return Origin(
        _field(origin, "epoch", int),
        str(origin.get("reason")),
        arrays["origin/weights"],
        [_rng_state(words) for words in rng],
        _decode_optimizer(_field(origin, "optimizer", dict), "origin/optimizer", arrays),
    )


def _decode_kept(kept: Any, replicas: int, arrays: dict[str, Any]) -> dict[str, Any] | None:
    """The kept epochs :func:`_encode_kept` wrote (None in files from before them);
    shapes checked here, their fit to the run by :mod:`engine.snapshots`."""
    if kept is None:
        return None
    if not isinstance(kept, dict):
        raise ValueError("kept: expected an object")
    rows = _field(kept, "epochs", list)
    n = len(rows)
    weights, rng = arrays["kept/weights"], arrays["kept/rng"]
    diverged, vector = arrays["kept/diverged"], arrays["kept/optimizer"]
    if weights.ndim != 3 or weights.shape[:2] != (n, replicas):
        raise ValueError(f"kept/weights: expected ({n}, {replicas}, P), got {weights.shape}")
    if rng.shape != (n, replicas, 6) or rng.dtype != np.uint64:
        raise ValueError(f"kept/rng: expected ({n}, {replicas}, 6) uint64 words")
    if diverged.shape != (n, replicas) or diverged.dtype != bool:
        raise ValueError(f"kept/diverged: expected ({n}, {replicas}) flags")
    if vector.ndim != 1 or vector.dtype.kind != "f":
        raise ValueError("kept/optimizer: expected a float vector")
    configs = [Config.from_dict(c) for c in _field(kept, "configs", list)]
    origins = [
        Origin(
            _field(o, "epoch", int),
            str(o.get("reason")),
            arrays[f"kept/origin/{i}/weights"],
            [_rng_state(words) for words in arrays[f"kept/origin/{i}/rng"]],
            _decode_optimizer(_field(o, "optimizer", dict), f"kept/origin/{i}/optimizer", arrays),
        )
        for i, o in enumerate(_field(kept, "origins", list))
    ]
    snapshots = []
    for i, row in enumerate(rows):
        edits = _field(row, "edits", list)
        origin = row.get("origin")
        snapshots.append(
            {
                "config": configs[_field(row, "config", int)],
                "epoch": _field(row, "epoch", int),
                "flat": weights[i],
                "rngs": [_rng_state(words) for words in rng[i]],
                "optimizer": _kept_optimizer(_field(row, "optimizer", dict), vector),
                "diverged": diverged[i],
                "edits": int(edits[0]),
                "last_edit_epoch": edits[1],
                "origin": None if origin is None else origins[origin],
                "lr_start": _kept_schedule_start(row, _field(row, "epoch", int)),
            }
        )
    return {"snapshots": snapshots, "changes": _field(kept, "changes", list)}


def _kept_schedule_start(row: dict[str, Any], epoch: int) -> int:
    """A kept epoch's schedule start: an integer in [0, its epoch]; 0 in files from before
    schedules."""
    start = row.get("lr_start", 0)
    if isinstance(start, bool) or not isinstance(start, int) or not 0 <= start <= epoch:
        raise ValueError(f"kept: schedule start must be an integer in [0, {epoch}], got {start!r}")
    return start


def _kept_optimizer(described: dict[str, Any], vector: np.ndarray) -> dict[str, Any]:
    """One kept epoch's optimizer state, its arrays cut from ``kept/optimizer``."""
    state = []
    for entry in _field(described, "arrays", list):
        if not isinstance(entry, dict):
            raise ValueError("kept: an optimizer entry is not described")
        out: dict[str, Any] = {}
        for key, value in entry.items():
            if isinstance(value, dict):
                at, shape = _field(value, "at", int), tuple(_field(value, "shape", list))
                size = int(np.prod(shape))
                if at < 0 or at + size > len(vector):
                    raise ValueError("kept/optimizer: an entry reaches past the vector")
                out[key] = vector[at : at + size].reshape(shape)
            else:
                out[key] = value
        state.append(out)
    return {"t": described.get("t"), "state": state}


def _field(d: dict[str, Any], key: str, kind: type) -> Any:
    value = d[key]
    if not isinstance(value, kind) or isinstance(value, bool):
        raise ValueError(f"{key}: expected {kind.__name__}, got {type(value).__name__}")
    return value


def _optimizer_entry(prefix: str, i: int, entry: Any, arrays: dict[str, Any]) -> dict[str, Any]:
    if not isinstance(entry, dict):
        raise ValueError(f"{prefix}: array {i} is not described")
    return {
        key: arrays[f"{prefix}/{i}/{key}"] if value == "array" else value
        for key, value in entry.items()
    }


def _rng_state(words: np.ndarray) -> dict[str, Any]:
    hi, lo, inc_hi, inc_lo, has_uint32, uinteger = (int(w) for w in words)
    return {
        "bit_generator": "PCG64",
        "state": {"state": (hi << 64) | lo, "inc": (inc_hi << 64) | inc_lo},
        "has_uint32": has_uint32,
        "uinteger": uinteger,
    }


def _decode_data(data: dict[str, Any], arrays: dict[str, Any]) -> CustomData | None:
    """The points in the file, checked as any points are (custom_data), and against
    the header's digest and classes; the Trainer checks them against its config."""
    source = data.get("source")
    if source == "generator":
        return None
    if source != "points":
        raise ValueError(f"data: unknown source {source!r}")
    points, values = arrays["data/points"], arrays["data/values"]
    if points.dtype.kind != "f" or values.dtype.kind != "f":
        raise ValueError("data: points and values must be float arrays")
    try:
        task, domain = str(data.get("task")), data.get("domain")
        custom = custom_data(points, values, task, domain, any_width=True)  # any d, as saved
    except DataError as err:
        raise ValueError(f"data: {err}") from None
    if data.get("digest") != custom.digest:
        raise ValueError(
            f"data: the points' digest is {custom.digest}, the header says "
            f"{data.get('digest')!r} (changed after saving?)"
        )
    if data.get("classes") != custom.classes:
        raise ValueError(
            f"data: the header says {data.get('classes')} classes, the labels have {custom.classes}"
        )
    return custom


__all__ = ["FORMAT", "KIND", "read", "write"]
