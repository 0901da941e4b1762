"""A run's history: one row of metrics per recorded epoch, bounded for endless runs.

Row ``e`` holds the state *after* e epochs (row 0 is the start): the training loss,
the test loss and the two accuracies (:data:`KEYS`), each for K replicas. Rows live
in arrays grown by doubling. Once ``max_rows`` rows are stored, every second row is
dropped and from then on only every second epoch is recorded (the stride doubles
each time), so an endless run keeps a bounded, evenly thinned record that always
begins at epoch 0.
"""

from __future__ import annotations

from typing import Any

import numpy as np

KEYS = ("train_loss", "test_loss", "train_acc", "test_acc")


class History:
    """Rows (epoch, 4 metrics × K) in arrays grown by doubling, thinned at max_rows."""

    epoch: np.ndarray  # (capacity,) int64: the recorded epochs, n of them in use
    data: np.ndarray  # (4, capacity, K) float64: their metrics, in KEYS order

    def __init__(self, k: int, max_rows: int):
        self.k = k
        self.max_rows = max_rows
        self.stride = 1
        self.n = 0
        self._alloc(min(1024, max_rows))

    def _alloc(self, cap: int) -> None:
        epoch = np.empty(cap, np.int64)
        data = np.empty((4, cap, self.k))
        if self.n:
            epoch[: self.n] = self.epoch[: self.n]
            data[:, : self.n] = self.data[:, : self.n]
        self.epoch, self.data = epoch, data

    def wants(self, epoch: int) -> bool:
        """Whether ``epoch`` is on the stride (epoch % stride == 0): worth recording."""
        return epoch % self.stride == 0

    def record(self, epoch: int, values: np.ndarray) -> None:
        """Store a (4, K) row for ``epoch`` (overwrites if it is the latest row)."""
        if self.n and self.epoch[self.n - 1] == epoch:
            self.data[:, self.n - 1] = values
            return
        if self.n == len(self.epoch):
            if self.n < self.max_rows:
                self._alloc(min(2 * self.n, self.max_rows))
            else:
                self._thin()
                if not self.wants(epoch):
                    return
        self.epoch[self.n] = epoch
        self.data[:, self.n] = values
        self.n += 1

    def _thin(self) -> None:
        self.stride *= 2
        keep = np.flatnonzero(self.epoch[: self.n] % self.stride == 0)
        m = len(keep)
        self.epoch[:m] = self.epoch[keep]
        self.data[:, :m] = self.data[:, keep]
        self.n = m

    def limit(self, max_rows: int) -> None:
        """Keep at most ``max_rows`` rows from now on: thinned now as when full (every
        second row kept, then every fourth, ...), epoch 0 always."""
        if max_rows < 1:
            raise ValueError(f"max_rows must be >= 1, got {max_rows}")
        self.max_rows = max_rows
        while self.n > max_rows:
            self._thin()
        self._alloc(min(max_rows, max(self.n, 1024)))

    def saved(self) -> dict[str, Any]:
        """The rows and the stride, copied: what :meth:`restored` takes back."""
        return {
            "stride": self.stride,
            "epoch": self.epoch[: self.n].copy(),
            "data": self.data[:, : self.n].copy(),
        }

    @classmethod
    def restored(cls, k: int, max_rows: int, saved: dict[str, Any]) -> History:
        """A history holding ``saved``'s rows (checked: at most max_rows rows of K
        numbers, epochs rising on the stride)."""
        epoch = np.asarray(saved["epoch"])
        data = np.asarray(saved["data"])
        stride, n = saved["stride"], len(epoch)
        if isinstance(stride, bool) or not isinstance(stride, (int, np.integer)) or stride < 1:
            raise ValueError(f"history: stride must be an integer >= 1, got {stride!r}")
        if epoch.ndim != 1 or epoch.dtype.kind not in "iu" or not 1 <= n <= max_rows:
            raise ValueError(
                f"history: expected 1 to {max_rows} integer epochs, "
                f"got shape {epoch.shape} of {epoch.dtype}"
            )
        if data.shape != (4, n, k) or data.dtype.kind != "f":
            raise ValueError(f"history: expected float rows of shape {(4, n, k)}, got {data.shape}")
        if (np.diff(epoch) <= 0).any() or epoch[0] < 0:
            raise ValueError("history: epochs must rise from 0")
        history = cls(k, max_rows)
        history.stride = int(stride)
        history._alloc(max(n, min(1024, max_rows)))
        history.epoch[:n] = epoch
        history.data[:, :n] = data
        history.n = n
        return history

    def since(self, epoch: int) -> dict[str, np.ndarray]:
        """Rows recorded after ``epoch``: "epoch" (n,) and the four :data:`KEYS`, each
        (n, K), copied."""
        start = int(np.searchsorted(self.epoch[: self.n], epoch, side="right"))
        out: dict[str, np.ndarray] = {"epoch": self.epoch[start : self.n].copy()}
        for i, key in enumerate(KEYS):
            out[key] = self.data[i, start : self.n].copy()
        return out
