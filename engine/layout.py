"""Where each parameter lives in a network's flat vector: the one description of it.

An :class:`~engine.network.MLP` keeps every parameter of replica k in one row
``flat[k]`` of length P, layer after layer, each layer as its block ``[W; b]``
stored row-major::

    flat[k] = [ W1 (fan_in·fan_out, row-major) | b1 (fan_out) | W2 ... | b2 ... ]

so ``W1[i, j]`` sits at ``W1.start + i·fan_out + j`` and ``b1[j]`` at ``b1.start + j``.
The network computes with exactly these blocks (``Z = [W; b]ᵀ [A; 1]``, see
``engine/network.py``). Everything else that needs a position — the landscape's
filter-normalised directions, the gradient check, diagnostics, frames, weight
edits, checkpoints — asks a :class:`Layout` instead of computing offsets, as
scikit-learn's MLP keeps ``_coef_indptr`` / ``_pack`` / ``_unpack`` in one place.

Nothing here assumes one output unit: the last entry of ``sizes`` may be any width.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

KINDS = ("weight", "bias")


@dataclass(frozen=True)
class ParamArray:
    """One parameter array of one replica.

    ``index``: its place in ``MLP.params`` (``[W1, b1, W2, b2, ...]``); ``layer``:
    the weight layer, from 0 (inputs -> first hidden layer); ``kind``: "weight" or
    "bias"; ``shape``: (fan_in, fan_out) or (fan_out,); ``slice``: its columns of
    the flat (K, P) array.
    """

    index: int
    layer: int
    kind: str
    shape: tuple[int, ...]
    slice: slice[int, int, None]

    @property
    def size(self) -> int:
        return self.slice.stop - self.slice.start

    @property
    def name(self) -> str:
        """``W1``, ``b1``, ``W2``, ... (layers counted from 1, as in the equations)."""
        return f"{'W' if self.kind == 'weight' else 'b'}{self.layer + 1}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "layer": self.layer,
            "kind": self.kind,
            "shape": list(self.shape),
            "start": self.slice.start,
            "stop": self.slice.stop,
        }


class Layout:
    """The flat parameter vector of a fully connected net ``sizes = [n_in, ..., n_out]``.

    Iterating gives the :class:`ParamArray` entries in ``MLP.params`` order.
    """

    def __init__(self, sizes: Sequence[int]):
        self.sizes = tuple(int(s) for s in sizes)
        arrays: list[ParamArray] = []
        blocks: list[slice] = []
        offset = 0
        for layer, (fan_in, fan_out) in enumerate(
            zip(self.sizes[:-1], self.sizes[1:], strict=True)
        ):
            w_stop = offset + fan_in * fan_out
            b_stop = w_stop + fan_out
            arrays.append(
                ParamArray(2 * layer, layer, "weight", (fan_in, fan_out), slice(offset, w_stop))
            )
            arrays.append(
                ParamArray(2 * layer + 1, layer, "bias", (fan_out,), slice(w_stop, b_stop))
            )
            blocks.append(slice(offset, b_stop))
            offset = b_stop
        self.arrays: tuple[ParamArray, ...] = tuple(arrays)
        self.blocks: tuple[slice, ...] = tuple(blocks)
        self.n_params = offset
        self.n_layers = len(blocks)

    def __iter__(self) -> Iterator[ParamArray]:
        return iter(self.arrays)

    def __len__(self) -> int:
        return len(self.arrays)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Layout) and other.sizes == self.sizes

    def __hash__(self) -> int:
        return hash(self.sizes)

    def __repr__(self) -> str:
        return f"Layout({list(self.sizes)})"

    # -- lookups

    def array(self, layer: int, kind: str) -> ParamArray:
        """The weight or bias array of ``layer`` (from 0)."""
        if kind not in KINDS:
            raise ValueError(f"kind must be 'weight' or 'bias', got {kind!r}")
        if not 0 <= layer < self.n_layers:
            raise ValueError(f"layer must be in [0, {self.n_layers - 1}], got {layer}")
        return self.arrays[2 * layer + (kind == "bias")]

    @property
    def weights(self) -> tuple[ParamArray, ...]:
        return self.arrays[0::2]

    @property
    def biases(self) -> tuple[ParamArray, ...]:
        return self.arrays[1::2]

    def position(self, layer: int, kind: str, i: int, j: int | None = None) -> int:
        """The flat column of ``W[layer][i, j]`` (kind "weight") or ``b[layer][i]``."""
        entry = self.array(layer, kind)
        if kind == "weight":
            if j is None:
                raise TypeError("a weight's position needs its column j")
            return entry.slice.start + i * entry.shape[1] + j
        return entry.slice.start + i

    def weight_mask(self, dtype: str | np.dtype = "float64") -> np.ndarray:
        """(P,) 1 where the flat vector holds a weight, 0 where a bias."""
        mask = np.zeros(self.n_params, dtype)
        for entry in self.weights:
            mask[entry.slice] = 1
        return mask

    # -- views

    def unpack(self, flat: np.ndarray) -> list[np.ndarray]:
        """Views ``[W1, b1, W2, ...]`` of ``flat`` (P,) or (K, P); with a leading K
        axis each view keeps it: (K, fan_in, fan_out), (K, fan_out)."""
        flat = np.asarray(flat)
        if flat.shape[-1] != self.n_params:
            raise ValueError(f"expected {self.n_params} parameters, got {flat.shape[-1]}")
        lead = flat.shape[:-1]
        views = [flat[..., e.slice].reshape(*lead, *e.shape) for e in self.arrays]
        if not all(np.may_share_memory(v, flat) for v in views):
            raise ValueError("flat must be contiguous along its last axis (views, not copies)")
        return views

    def pack(self, arrays: Sequence[np.ndarray], dtype: str | np.dtype = "float64") -> np.ndarray:
        """The flat (P,) vector of ``[W1, b1, W2, ...]`` (each shaped as in the layout)."""
        if len(arrays) != len(self.arrays):
            raise ValueError(
                f"expected {len(self.arrays)} arrays ([W1, b1, ...]), got {len(arrays)}"
            )
        flat = np.empty(self.n_params, dtype)
        for entry, a in zip(self.arrays, arrays, strict=True):
            a = np.asarray(a)
            if a.shape != entry.shape:
                raise ValueError(f"{entry.name}: expected shape {entry.shape}, got {a.shape}")
            flat[entry.slice] = a.ravel()
        return flat

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe: the sizes and every array's name, layer, kind, shape, start, stop."""
        return {
            "sizes": list(self.sizes),
            "n_params": self.n_params,
            "arrays": [e.to_dict() for e in self.arrays],
        }
