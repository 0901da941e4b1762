"""A run as an animation: the decision boundary evolving beside the loss curve.

``trainer.animate(path)`` (:meth:`engine.snapshots.Rewind.animate`) draws one picture per
kept epoch (:mod:`engine.snapshots`): on the left replica 0's surface on the config's
grid, coloured as :mod:`engine.figures` colours it (two classes: orange to white to
blue, the probability of class 1; more classes: the most probable class's colour,
fainter the less sure; regression: red to blue), with the training points; on the right
the training loss over log-epochs and log-loss, drawn whole in grey and up to the
picture's epoch in blue, a dot at that epoch and a tick at each live change.

The epochs: by default :data:`DEFAULT_FRAMES` targets spaced evenly in log(1 + epoch)
from 0 to the run's epoch, each moved to the nearest kept epoch (the page plays a run
at a pace that is even in log-epochs too), so a 500-epoch run gives 40 pictures, most of
them in the first hundred epochs where the boundary moves most.

Why NumPy and Pillow, not matplotlib: a picture here is an image (the surface, already
an n × n array), a polyline and a few words; Pillow draws them in about a millisecond
and is the one library a GIF needs anyway, where matplotlib would be a 30 MB dependency
for axes. MP4 and WebM go through imageio with imageio-ffmpeg, whose wheel carries the
ffmpeg binary: no system ffmpeg. All three are the ``[animate]`` extra, imported here
only, so the engine runs without them.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .figures import CLASS_COLORS, class_image

if TYPE_CHECKING:  # pragma: no cover
    from PIL import Image

    from .trainer import Trainer

DEFAULT_FRAMES = 40  # log-spaced targets ...
MIN_FRAMES = 30  # ... and at least this many distinct pictures when the run keeps as many
DEFAULT_SIZE = (640, 320)  # width, height: multiples of 16, as H.264's macroblocks want
MAX_FRAMES = 2000
GIF_COLOURS = 96
FORMATS = (".gif", ".mp4", ".webm")
_WHITE = np.array([255.0, 255.0, 255.0])
_RED, _BLUE = np.array([178.0, 24.0, 43.0]), np.array([33.0, 102.0, 172.0])  # RdBu's ends
_GREY, _INK, _FUTURE, _TICK = (120, 120, 120), (40, 40, 40), (200, 200, 200), (213, 94, 0)
_INKS = [(255, 255, 255), _GREY, _INK, _FUTURE, _TICK, (60, 60, 60)]


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    v = int(hex_colour[1:], 16)
    return (v >> 16) & 255, (v >> 8) & 255, v & 255


def play_epochs(kept: list[int], last: int, count: int = DEFAULT_FRAMES) -> list[int]:
    """``count`` targets evenly spaced in log(1 + epoch) over [0, last], each moved to
    the nearest kept epoch (in log(1 + epoch)); duplicates dropped, rising; more targets
    if that leaves fewer than :data:`MIN_FRAMES` (or fewer than all the kept epochs)."""
    kept = sorted(e for e in kept if e <= last) or [last]
    logs = np.log1p(np.array(kept, np.float64))
    want = min(MIN_FRAMES, len(kept), count)
    while True:  # more targets until enough distinct kept epochs (the early ones merge)
        targets = np.linspace(0.0, math.log1p(last), count)
        nearest = np.abs(logs[None, :] - targets[:, None]).argmin(axis=1)
        chosen = sorted({kept[i] for i in nearest} | {kept[-1]})
        if len(chosen) >= want:
            return chosen
        count *= 2


def surface_rgb(trainer: Trainer, surface: np.ndarray) -> np.ndarray:
    """A frame's surface (n, n) or (C, n, n) as an (n, n, 3) uint8 image, row 0 the
    lowest y (as the frame holds it)."""
    z = np.asarray(surface, np.float64)
    if trainer.net.classes:
        return class_image(z)
    if trainer.task == "classification":
        p = (z + 1.0) / 2.0 if trainer.config.output == "tanh" else z
        t = np.clip(p, 0.0, 1.0)[..., None] * 2.0 - 1.0  # -1 class 0 ... +1 class 1
        lo, hi = np.array(_rgb(CLASS_COLORS[0]), float), np.array(_rgb(CLASS_COLORS[1]), float)
    else:
        reach = float(np.abs(z).max()) or 1.0
        t = np.clip(z / reach, -1.0, 1.0)[..., None]
        lo, hi = _RED, _BLUE
    far = np.where(t < 0, lo, hi)
    image: np.ndarray = np.rint(_WHITE + (far - _WHITE) * np.abs(t)).astype(np.uint8)
    return image


class _Painter:
    """Draws one picture: the surface panel and the loss panel, for one run."""

    def __init__(self, trainer: Trainer, size: tuple[int, int]) -> None:
        from PIL import ImageFont

        self.trainer = trainer
        self.width, self.height = size
        pad = max(8, self.height // 20)
        side = self.height - 2 * pad
        self.square = (pad, pad, pad + side, pad + side)
        left = pad * 2 + side + pad * 3
        self.plot = (left, pad * 3, self.width - pad, self.height - pad * 3)
        self.font = ImageFont.load_default(size=max(10, self.height // 24))
        history = trainer.history
        epochs = history["epoch"].astype(np.float64)
        loss = history["train_loss"][:, 0]
        ok = np.isfinite(loss) & (loss > 0)
        self.epochs, self.loss = epochs[ok], loss[ok]
        self.x_top = math.log1p(max(float(trainer.epoch), 1.0))
        if len(self.loss):
            low, high = np.log10(self.loss.min()), np.log10(self.loss.max())
        else:
            low, high = -1.0, 0.0
        self.y_range = (low - 0.05 * (high - low + 1e-9), high + 0.05 * (high - low + 1e-9))
        self.changes = [c.epoch for c in trainer.live_changes()]

    def _xy(self, epoch: np.ndarray, loss: np.ndarray) -> np.ndarray:
        x0, y0, x1, y1 = self.plot
        u = np.log1p(epoch) / self.x_top
        lo, hi = self.y_range
        v = (np.log10(loss) - lo) / (hi - lo or 1.0)
        return np.stack([x0 + u * (x1 - x0), y1 - v * (y1 - y0)], axis=1)

    def picture(self, at: Trainer) -> Image.Image:
        """The picture of ``at`` (the run standing at one kept epoch)."""
        from PIL import Image, ImageDraw

        img = Image.new("RGB", (self.width, self.height), "white")
        x0, y0, x1, y1 = self.square
        frame = at.frame()
        rgb = surface_rgb(at, frame.surface)[::-1]  # image rows go down, y goes up
        img.paste(
            Image.fromarray(rgb).resize((x1 - x0, y1 - y0), Image.Resampling.BILINEAR), (x0, y0)
        )
        draw = ImageDraw.Draw(img)
        self._points(draw, at)
        draw.rectangle(self.square, outline=_GREY)
        self._loss(draw, at.epoch)
        return img

    def _points(self, draw: Any, at: Trainer) -> None:
        xmin, xmax, ymin, ymax = at.domain
        x0, y0, x1, y1 = self.square
        split = at.train
        px = x0 + (split.points[:, 0] - xmin) / (xmax - xmin) * (x1 - x0)
        py = y1 - (split.points[:, 1] - ymin) / (ymax - ymin) * (y1 - y0)
        r = max(2.0, (x1 - x0) / 60)
        classes = at.task == "classification"
        for x, y, label in zip(px, py, split.y[:, 0], strict=True):
            fill = _rgb(CLASS_COLORS[int(label) % len(CLASS_COLORS)]) if classes else (60, 60, 60)
            draw.ellipse((x - r, y - r, x + r, y + r), fill=fill, outline="white")

    def _loss(self, draw: Any, epoch: int) -> None:
        x0, y0, x1, y1 = self.plot
        grey, blue, ink = _FUTURE, _rgb(CLASS_COLORS[1]), _INK
        draw.line([(x0, y0), (x0, y1), (x1, y1)], fill=ink)
        for change in self.changes:
            ((cx, _),) = self._xy(np.array([float(change)]), np.array([1.0]))
            draw.line([(cx, y1 - 8), (cx, y1)], fill=_TICK, width=2)
        if len(self.loss) > 1:
            points = self._xy(self.epochs, self.loss)
            draw.line([tuple(p) for p in points], fill=grey, width=2)
            upto = self.epochs <= epoch
            if upto.sum() > 1:
                draw.line([tuple(p) for p in points[upto]], fill=blue, width=3)
            if upto.any():
                cx, cy = points[upto][-1]
                draw.ellipse((cx - 4, cy - 4, cx + 4, cy + 4), fill=blue)
        lo, hi = self.y_range
        draw.text((x0 + 4, y0 - 4), f"{10**hi:.3g}", fill=ink, font=self.font, anchor="ls")
        draw.text((x0 + 4, y1 - 4), f"{10**lo:.3g}", fill=ink, font=self.font, anchor="ls")
        draw.text(
            (x1, y1 + 4), f"epoch {self.trainer.epoch}", fill=ink, font=self.font, anchor="ra"
        )
        draw.text((x0, y1 + 4), "0", fill=ink, font=self.font, anchor="la")
        # the loss at the picture's epoch in the title: the axis labels are the range
        upto = self.epochs <= epoch
        now = f" · loss {self.loss[upto][-1]:.3g}" if upto.any() else ""
        title = f"epoch {epoch}{now}"
        draw.text(((x0 + x1) / 2, y0 - 4), title, fill=ink, font=self.font, anchor="ms")


def animate(
    trainer: Trainer,
    path: str | os.PathLike[str],
    fps: float = 10.0,
    epochs: list[int] | None = None,
    size: tuple[int, int] | None = None,
) -> int:
    """Write ``trainer``'s animation to ``path`` (.gif, .mp4 or .webm, by its suffix):
    one picture per epoch of ``epochs`` (kept epochs; default :func:`play_epochs`) at
    ``fps`` pictures a second, ``size`` (width, height) pixels. Returns the number of
    pictures. ValueError naming what is wrong for another suffix, an epoch not kept,
    fps outside (0, 60] or more than :data:`MAX_FRAMES` pictures."""
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise ValueError(f"path: the animation's suffix must be one of {', '.join(FORMATS)}")
    if not (isinstance(fps, (int, float)) and 0 < fps <= 60):
        raise ValueError(f"fps must be a number in (0, 60], got {fps!r}")
    width, height = size or DEFAULT_SIZE
    if not (64 <= width <= 4096 and 64 <= height <= 4096) or width % 16 or height % 16:
        raise ValueError("size: width and height must be multiples of 16 in [64, 4096]")
    chosen = play_epochs(trainer.snapshots(), trainer.epoch) if epochs is None else list(epochs)
    if not 1 <= len(chosen) <= MAX_FRAMES:
        raise ValueError(f"epochs: expected 1 to {MAX_FRAMES} epochs, got {len(chosen)}")
    painter = _Painter(trainer, (width, height))
    pictures = [painter.picture(trainer.at(e)) for e in chosen]  # at() refuses unkept ones
    if suffix == ".gif":
        _write_gif(pictures, path, fps)
    else:
        _write_video(pictures, path, fps, suffix)
    return len(pictures)


def _write_gif(pictures: list[Image.Image], path: str | os.PathLike[str], fps: float) -> None:
    """One shared palette of :data:`GIF_COLOURS` colours, drawn from a montage of eight
    pictures spread over the run (the early pale surfaces, the late saturated ones, the
    points and the curve): the GIF stays small (about 0.2 MB for 30 pictures of 640 × 320)
    and does not flicker between palettes."""
    from PIL import Image

    sample = pictures[:: max(1, len(pictures) // 8)] + pictures[-1:]
    width, height = pictures[0].size
    montage = Image.new("RGB", (width, height * len(sample)))
    for i, picture in enumerate(sample):
        montage.paste(picture, (0, height * i))
    # The drawing's own colours exactly (the points' classes, white, the ink), the rest
    # of the palette from the montage: a median cut alone turned small orange dots grey.
    fixed = [c for hex_colour in CLASS_COLORS for c in _rgb(hex_colour)] + [
        c for colour in _INKS for c in colour
    ]
    cut = montage.quantize(colors=GIF_COLOURS - len(fixed) // 3, method=Image.Quantize.MEDIANCUT)
    palette = Image.new("P", (1, 1))
    palette.putpalette(fixed + (cut.getpalette() or [])[: 3 * (GIF_COLOURS - len(fixed) // 3)])
    frames = [p.quantize(palette=palette, dither=Image.Dither.NONE) for p in pictures]
    duration = max(20, round(1000 / fps))
    frames[0].save(
        path, save_all=True, append_images=frames[1:], duration=duration, loop=0, optimize=True
    )


def _write_video(
    pictures: list[Image.Image], path: str | os.PathLike[str], fps: float, suffix: str
) -> None:
    import imageio.v2 as imageio

    codec = "libx264" if suffix == ".mp4" else "libvpx-vp9"
    out: Any = imageio.get_writer(os.fspath(path), fps=fps, codec=codec, macro_block_size=16)
    with out:  # imageio's stub types the writer as its base class, without append_data
        for picture in pictures:
            out.append_data(np.asarray(picture))
