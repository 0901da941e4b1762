"""Hostile run files (issue 24): small uploads that ask the reader for a lot.

Each is made from a good run file (a 4-2-1 net after 20 epochs) with one thing
changed, as an attacker would make it; bench/abuse.py sends them to a real server and
tests/ check that each is refused naming what is wrong (engine/run_file_limits.py):

* :func:`header_bomb`: the JSON header is 33 MB of ``[],`` (compressed to ~33 KB in
  the zip): ``json.loads`` of it held a worker's GIL for 5-6 s at 0.93 GB;
* :func:`nested_header`: a header of 30,000 ``[`` then 30,000 ``]`` (60 KB), past
  Python's recursion limit;
* :func:`huge_shape`: ``weights.npy`` declaring a shape of 2^40 float64 (8 TiB) over
  a few bytes;
* :func:`unknown_compression`: a member whose zip entry names compression method 99;
* :func:`huge_epoch`: a header whose epoch is 2^63.
"""

from __future__ import annotations

import io
import json
import struct
import zipfile
from collections.abc import Callable

import numpy as np
from numpy.lib import format as npy

BOMB_REPEATS = 11_000_000  # "[]," x 11 M = 33,000,000 bytes of header


def good_file() -> bytes:
    """A good run file: the default 4-2-1 net after 20 epochs."""
    from engine import Config, Trainer
    from engine.checkpoint import to_bytes

    trainer = Trainer(Config.from_dict({"hidden": [2], "seed": 5}))
    trainer.step(20)
    return to_bytes(trainer)


def members_of(data: bytes) -> dict[str, bytes]:
    """The zip's members by name, as stored (each an ``.npy`` file's bytes)."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {info.filename: zf.read(info) for info in zf.infolist()}


def zipped(members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def npy_bytes(array: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.save(buf, array)
    return buf.getvalue()


def header_of(data: bytes) -> dict:
    header = np.load(io.BytesIO(members_of(data)["header.npy"]))
    return json.loads(header.tobytes())


def with_header_text(text: bytes, data: bytes | None = None) -> bytes:
    """The good file (or ``data``) with its header member replaced by ``text``."""
    members = members_of(data or good_file())
    members["header.npy"] = npy_bytes(np.frombuffer(text, np.uint8))
    return zipped(members)


def with_header(change: Callable[[dict], None], data: bytes | None = None) -> bytes:
    """The good file (or ``data``) with its parsed header changed by ``change``."""
    data = data or good_file()
    header = header_of(data)
    change(header)
    return with_header_text(json.dumps(header).encode(), data)


def header_bomb(repeats: int = BOMB_REPEATS) -> bytes:
    """A header of ``repeats`` x ``[],`` in a list, a valid run file's keys around it."""
    keys = json.dumps({"format": 1, "kind": "numpy-playground run"})[:-1].encode()
    text = keys + b', "bomb": [' + b"[]," * repeats + b"[]]}"
    return with_header_text(text)


def nested_header(depth: int = 30_000) -> bytes:
    return with_header_text(b"[" * depth + b"]" * depth)


def huge_shape(elements: int = 2**40) -> bytes:
    """``weights.npy`` declaring ``elements`` float64 (2^40: 8 TiB), then 16 bytes."""
    members = members_of(good_file())
    head = io.BytesIO()
    npy.write_array_header_1_0(head, {"descr": "<f8", "fortran_order": False, "shape": (elements,)})
    members["weights.npy"] = head.getvalue() + bytes(16)
    return zipped(members)


def unknown_compression(method: int = 99) -> bytes:
    """The good file stored (not deflated), then its first member's compression
    method set to ``method`` in the zip's local header and central directory."""
    data = bytearray(zipped(members_of(good_file()), zipfile.ZIP_STORED))
    local = data.index(b"PK\x03\x04")
    struct.pack_into("<H", data, local + 8, method)
    central = data.index(b"PK\x01\x02")
    struct.pack_into("<H", data, central + 10, method)
    return bytes(data)


def huge_epoch(epoch: int = 2**63) -> bytes:
    return with_header(lambda h: h.update(epoch=epoch))


ATTACKS: dict[str, Callable[[], bytes]] = {
    "header_bomb": header_bomb,
    "nested_header": nested_header,
    "huge_shape": huge_shape,
    "unknown_compression": unknown_compression,
    "huge_epoch": huge_epoch,
}
