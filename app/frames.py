"""Build a ``frame`` payload (docs/PROTOCOL.md) from a Trainer.

Arrays become binary attachments (``bytes``): the surface and the neuron thumbnails
quantised to uint8 with their value ranges, parameters and history as float32. JSON
holds only scalars and short lists, and never NaN or Infinity (they become null).
"""

from __future__ import annotations

import functools
import math
from typing import TYPE_CHECKING, Any

import numpy as np

from engine.schedules import lr_function

if TYPE_CHECKING:
    from engine.trainer import DataSplit, Trainer

THUMB = 10  # neuron thumbnails are THUMB x THUMB, as in the TensorFlow Playground (DENSITY / 10)
MAX_HISTORY = 64  # history points per frame, at most: keeps a frame within its byte budget
HISTORY_KEYS = ("train_loss", "test_loss", "train_acc", "test_acc")


def finite_or_none(value: Any, digits: int | None = None) -> float | None:
    """A float for JSON, or None when it is missing or not finite; rounded to
    ``digits`` significant digits if given (losses go out exact: a client may compare
    them with a restart-lab run)."""
    if value is None:
        return None
    value = float(value)
    if not math.isfinite(value):
        return None
    return float(f"{value:.{digits}g}") if digits else value


def quantise(values: np.ndarray) -> tuple[bytes, float, float]:
    """uint8 bytes of ``values`` scaled over their finite range, with that range.

    Non-finite entries become 0. A constant array is all 0 with lo == hi.
    """
    finite = np.isfinite(values)
    if not finite.any():
        return np.zeros(values.size, np.uint8).tobytes(), 0.0, 0.0
    lo = float(values[finite].min())
    hi = float(values[finite].max())
    q = np.zeros(values.shape, np.uint8)
    if hi > lo:
        # divide first: 255 / (hi - lo) overflows for a subnormal span
        scaled = (np.where(finite, values, lo) - lo) / (hi - lo) * 255.0
        np.rint(scaled, out=scaled)
        q = scaled.astype(np.uint8)
    return q.tobytes(), lo, hi


def quantise_rows(values: np.ndarray) -> tuple[bytes, np.ndarray]:
    """uint8 bytes of a (units, ...) stack, each unit over its own finite range.

    Returns the bytes and a (units, 2) float32 array of ``[lo, hi]`` per unit.
    """
    flat = values.reshape(len(values), -1).astype(np.float64, copy=False)
    finite = np.isfinite(flat)
    lo = np.where(finite, flat, np.inf).min(axis=1)
    hi = np.where(finite, flat, -np.inf).max(axis=1)
    none = ~np.isfinite(lo)
    lo[none] = 0.0
    hi[none] = 0.0
    span = hi - lo
    offset = np.where(finite, flat, lo[:, None]) - lo[:, None]
    scaled = (
        np.divide(offset, span[:, None], out=np.zeros_like(offset), where=span[:, None] > 0) * 255.0
    )
    q = np.rint(scaled).astype(np.uint8)
    ranges = np.stack([lo, hi], axis=1).astype(np.float32)
    return q.tobytes(), ranges


@functools.lru_cache(maxsize=64)
def _sample_index(n: int, size: int) -> np.ndarray:
    return np.rint(np.linspace(0, n - 1, size)).astype(np.intp)


def encode_classes(probs: np.ndarray) -> bytes:
    """One byte per pixel of a softmax output's (C, n, n) class probabilities: the most
    probable class c and its probability p, as ``c·L + round((p - 1/C) / (1 - 1/C)·(L-1))``
    with L = 256 // C levels per class (42 to 128). p is at least 1/C for the argmax, so
    the levels span [1/C, 1]. A client decodes c = b // L and
    p = 1/C + (b mod L) / (L - 1) · (1 - 1/C)."""
    c = len(probs)
    levels = 256 // c
    flat = probs.reshape(c, -1).astype(np.float64, copy=False)
    finite = np.isfinite(flat).all(axis=0)
    flat = np.where(finite, flat, 0.0)
    best = flat.argmax(axis=0)
    p = flat.max(axis=0)
    q = np.clip(np.rint((p - 1.0 / c) / (1.0 - 1.0 / c) * (levels - 1)), 0, levels - 1)
    q[~finite] = 0
    return (best * levels + q).astype(np.uint8).tobytes()


def subsample(stack: np.ndarray, size: int) -> np.ndarray:
    """Nearest-neighbour ``size`` x ``size`` samples of a (units, n, n) stack."""
    n = stack.shape[-1]
    if size >= n:
        return stack
    idx = _sample_index(n, size)
    return stack[:, idx[:, None], idx]


def thin(n: int, limit: int = MAX_HISTORY) -> np.ndarray | slice:
    """Indices of at most ``limit`` of ``n`` points, evenly spread, first and last kept."""
    if n <= limit:
        return slice(None)
    return np.unique(np.rint(np.linspace(0, n - 1, limit)).astype(np.intp))


def f32(values: Any) -> bytes:
    """Little-endian float32 bytes (beyond float32's range: +-inf)."""
    with np.errstate(over="ignore"):
        return np.ascontiguousarray(values, dtype="<f4").tobytes()


# ---- from a Trainer -----------------------------------------------------------------------


def layer_sizes(trainer: Trainer) -> list[int]:
    """``[n_features, hidden..., 1]`` of the trainer's live network."""
    return [int(n) for n in trainer.net.sizes]


def all_diverged(trainer: Trainer) -> bool:
    """True when every replica's loss has stopped being finite."""
    return bool(np.all(trainer.diverged))


def _history(trainer: Trainer, since: int) -> dict[str, bytes]:
    """The history payload: rows after epoch ``since``, thinned, replica 0."""
    hist = trainer.history_since(since)
    epochs = np.asarray(hist["epoch"])
    keep = thin(len(epochs))
    payload = {"epoch": np.ascontiguousarray(epochs[keep], dtype="<u4").tobytes()}
    for key in HISTORY_KEYS:
        series = np.asarray(hist[key])
        if series.ndim == 2:
            series = series[:, 0]  # replica 0: the one the page shows
        payload[key] = f32(series[keep])
    rate = lr_function(trainer.config)
    if rate is not None:  # the rate the epoch after each row trains with
        start = trainer.lr_start
        payload["lr"] = f32(np.array([rate(max(0, int(e) - start)) for e in epochs[keep]]))
    return payload


def _latest(trainer: Trainer) -> dict[str, float | None]:
    """The current loss and accuracy of replica 0 (the engine keeps them in ``last``)."""
    last = getattr(trainer, "last", None) or {}
    values = {}
    for key in HISTORY_KEYS:
        value = last.get(key)
        if value is not None and np.ndim(value):
            value = np.asarray(value).ravel()[0]
        values[key] = finite_or_none(value)
    return values


def _points(split: DataSplit) -> bytes:
    pts = np.asarray(split.points, dtype=np.float64)
    labels = np.asarray(split.y, dtype=np.float64).reshape(-1, 1)
    return f32(np.hstack([pts, labels]))


class FiniteSurface:
    """The last surface that was finite everywhere, to show in place of one that is
    not: a diverging net overflows float32 long before its loss stops being finite,
    and a surface of NaN would paint blank grey."""

    def __init__(self) -> None:
        self.saved: tuple[bytes, float, float, int | None, int, int] | None = None

    def shown(
        self,
        surface: bytes,
        lo: float,
        hi: float,
        classes: int | None,
        grid: int,
        epoch: int,
        finite: bool,
    ) -> tuple[bytes, float, float, int | None]:
        """What the frame carries: this epoch's surface when ``finite`` (it is kept),
        else the kept one when it is of the same grid and classes and not from a later
        epoch (a run started afresh); the last item is the kept surface's epoch, or
        None when the surface is this epoch's."""
        saved = self.saved
        if saved is not None and saved[5] > epoch:
            saved = self.saved = None  # a new run: its epochs start again
        if finite:
            self.saved = (surface, lo, hi, classes, grid, epoch)
            return surface, lo, hi, None
        if saved is not None and saved[3] == classes and saved[4] == grid:
            return saved[0], saved[1], saved[2], saved[5]
        return surface, lo, hi, None


def build_frame(
    trainer: Trainer,
    *,
    seq: int,
    status: str,
    history_since: int,
    include_points: bool,
    thumb: int = THUMB,
    finite_surface: FiniteSurface | None = None,
) -> dict:
    """The ``frame`` payload of docs/PROTOCOL.md for replica 0 of ``trainer``.

    ``history_since`` is the last epoch already sent (-1 for none). With
    ``finite_surface``, a surface that is not finite everywhere is replaced by the last
    one that was (``surface_epoch`` says from which epoch; None when it is this one's).
    """
    cfg = trainer.config
    grid = int(cfg.grid)
    with np.errstate(all="ignore"):  # a diverged net's huge weights overflow float32
        frame = trainer.frame(grid)
        classes = None
        if np.ndim(frame.surface) == 3:  # softmax: (C, n, n) class probabilities
            classes = int(len(frame.surface))
            surface, lo, hi = encode_classes(np.asarray(frame.surface)), 0.0, 1.0
        else:
            surface, lo, hi = quantise(np.asarray(frame.surface, dtype=np.float64))
        surface_epoch = None
        if finite_surface is not None:
            finite = bool(np.isfinite(frame.surface).all())
            surface, lo, hi, surface_epoch = finite_surface.shown(
                surface, lo, hi, classes, grid, int(trainer.epoch), finite
            )
    stacks = [subsample(np.asarray(layer), thumb) for layer in frame.neurons]
    t = stacks[0].shape[-1]
    neurons, ranges = quantise_rows(np.concatenate([s.reshape(len(s), t, t) for s in stacks]))
    params = []
    for W, b in zip(frame.weights, frame.biases, strict=True):
        params.append(np.asarray(W, dtype=np.float64).ravel())
        params.append(np.asarray(b, dtype=np.float64).ravel())
    history = _history(trainer, history_since)
    values = _latest(trainer)
    return {
        "seq": seq,
        "epoch": int(trainer.epoch),
        "status": status,
        "sizes": layer_sizes(trainer),
        "features": list(cfg.features),
        **{k: values.get(k) for k in HISTORY_KEYS},
        "history": history,
        "domain": [float(v) for v in trainer.domain],
        "grid": grid,
        "classes": classes,
        "surface": surface,
        # the quantised surface has 8 bits: 8 digits of its range are plenty
        "surface_range": [finite_or_none(lo, 8), finite_or_none(hi, 8)],
        # the epoch of the last finite surface, shown instead of this one's (or None)
        "surface_epoch": surface_epoch,
        "thumb": t,
        "neurons": neurons,
        "neuron_ranges": ranges.astype("<f4").tobytes(),
        "weights": f32(np.concatenate(params)) if params else b"",
        "train_points": _points(trainer.train) if include_points else None,
        "test_points": _points(trainer.test) if include_points else None,
    }
