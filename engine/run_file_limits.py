"""What reading a run file may cost, checked before a byte is inflated or parsed.

A run file (:mod:`engine.run_file`) is a zip of ``.npy`` arrays with a JSON header,
and a small file can ask for a lot: issue 24 measured a 33 KB upload whose header
unpacked to 33 MB of ``[],``; ``json.loads`` then held the GIL for 5-6 s and took the
server's worker to 0.93 GB. An ``.npy`` header can declare a shape of 8 TiB over a few
bytes of data, a zip member can name a compression method zipfile does not have, and
a header can nest past Python's recursion limit. Each of these is refused here with a
:class:`RunFileError` naming what is wrong, from the zip's table and each ``.npy``'s
own header, before anything is allocated for it:

* at most :data:`MAX_MEMBERS` members, each stored or deflated (what ``np.savez``
  and ``np.savez_compressed`` write), none encrypted;
* each ``.npy`` an array of numbers (no objects, so no pickles) whose shape times its
  item size is exactly the bytes the member holds (the zip's declared size, which
  zipfile never inflates past), at most :data:`MAX_ARRAY_ELEMENTS` elements;
* the header at most :data:`MAX_HEADER_BYTES` and :data:`MAX_HEADER_DEPTH` levels of
  brackets deep (a scan of the bytes, outside strings, before ``json.loads``), and
  every integer in it of magnitude below :data:`MAX_HEADER_INTEGER` (2^53: the
  integers a JavaScript page holds exactly; an epoch of 2^63 used to open and then
  fail on play with "train failed").

Why not ``np.load``: it allocates whatever shape an ``.npy`` header declares before
reading its data, and raises MemoryError, NotImplementedError or RecursionError (each
a traceback in the server's log) where this names what is wrong. It reads the same
bytes the same way otherwise (``numpy.lib.format``'s own header readers).

The largest run file the engine writes has ~16 members, a header of ~2.5 KB nested 5
deep, and arrays of at most a few million elements (a history of ~10^6 rows x 4); the
limits are far above that.
"""

from __future__ import annotations

import math
import os
import zipfile
import zlib
from typing import IO, Any

import numpy as np
from numpy.lib import format as npy

from .errors import RunFileError

MAX_MEMBERS = 256
MAX_ARRAY_ELEMENTS = 2**27  # 1 GiB of float64 in one array
MAX_HEADER_BYTES = 64 * 2**10
MAX_HEADER_DEPTH = 32
MAX_HEADER_INTEGER = 2**53
COMPRESSIONS = {zipfile.ZIP_STORED: "stored", zipfile.ZIP_DEFLATED: "deflated"}
NUMBER_KINDS = "biuf"  # bool, signed and unsigned integers, floats
READ_CHUNK = 2**20


def read_members(source: str | os.PathLike[str] | IO[bytes]) -> dict[str, np.ndarray]:
    """Every ``.npy`` member of the zip ``source`` by name (without ``.npy``), each
    checked against the limits above before it is read, and CRC-checked as read.
    Other members are skipped unread. A file that is not a readable zip, or breaks a
    limit, raises RunFileError; a missing path FileNotFoundError."""
    try:
        with zipfile.ZipFile(source) as zf:
            infos = zf.infolist()
            if len(infos) > MAX_MEMBERS:
                raise RunFileError(
                    f"run file: the zip has {len(infos):,} members; a run file has at most "
                    f"{MAX_MEMBERS}"
                )
            for info in infos:
                _check_member(info)
            return {
                info.filename[: -len(".npy")]: _read_npy(zf, info)
                for info in infos
                if info.filename.endswith(".npy")
            }
    except (RunFileError, FileNotFoundError):
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, KeyError) as err:
        raise RunFileError(
            f"run file: not a readable run file (truncated or corrupted?): {err}"
        ) from None


def _check_member(info: zipfile.ZipInfo) -> None:
    name = _shown(info.filename)
    if info.compress_type not in COMPRESSIONS:
        raise RunFileError(
            f"run file: member {name} uses compression method {info.compress_type}; "
            f"a run file's members are stored or deflated"
        )
    if info.flag_bits & 0x1:
        raise RunFileError(f"run file: member {name} is encrypted")


def _read_npy(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> np.ndarray:
    """One ``.npy`` member: its header read and checked, then exactly its data."""
    name = _shown(info.filename)
    with zf.open(info) as fp:
        version = npy.read_magic(fp)
        if version == (1, 0):
            shape, fortran, dtype = npy.read_array_header_1_0(fp)
        elif version == (2, 0):
            shape, fortran, dtype = npy.read_array_header_2_0(fp)
        else:
            raise RunFileError(f"run file: member {name} is .npy version {version}; 1.0 or 2.0")
        if dtype.hasobject or dtype.kind not in NUMBER_KINDS:
            raise RunFileError(f"run file: member {name} holds {dtype}, not numbers")
        if any(n < 0 for n in shape):
            raise RunFileError(f"run file: member {name} has a negative shape {shape}")
        count = math.prod(shape)
        if info.filename == "header.npy" and count * dtype.itemsize > MAX_HEADER_BYTES:
            raise RunFileError(
                f"run file: the header has {count * dtype.itemsize:,} bytes; "
                f"at most {MAX_HEADER_BYTES:,}"
            )
        if count > MAX_ARRAY_ELEMENTS:
            raise RunFileError(
                f"run file: member {name} has {count:,} elements (shape {shape}); "
                f"at most {MAX_ARRAY_ELEMENTS:,}"
            )
        held = info.file_size - fp.tell()
        if count * dtype.itemsize != held:
            raise RunFileError(
                f"run file: member {name} declares shape {shape} of {dtype} "
                f"({count * dtype.itemsize:,} bytes) but holds {held:,} bytes"
            )
        array = np.empty(count, dtype)
        _read_into(fp, array.view(np.uint8), name)
    return array.reshape(shape, order="F" if fortran else "C")


def _read_into(fp: IO[bytes], out: np.ndarray, name: str) -> None:
    """Fill ``out`` (bytes) from ``fp`` in pieces of READ_CHUNK: the array and one
    piece in memory, never the member's bytes twice over. The member must end there
    (the read past its end is what makes zipfile check its CRC)."""
    done = 0
    while done < len(out):
        piece = fp.read(min(READ_CHUNK, len(out) - done))
        if not piece:
            raise RunFileError(f"run file: member {name} is truncated")
        out[done : done + len(piece)] = np.frombuffer(piece, np.uint8)
        done += len(piece)
    if fp.read(1):
        raise RunFileError(f"run file: member {name} holds more than its shape")


def _shown(name: str) -> str:
    return repr(name[:60])


# ---- the JSON header ------------------------------------------------------------------------


def json_depth(text: bytes) -> int:
    """The deepest nesting of ``[``/``{`` in JSON ``text``, ignoring brackets inside
    strings (a string ends at a ``"`` not escaped by a backslash)."""
    depth = deepest = 0
    in_string = escaped = False
    for byte in text:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):  # [ {
            depth += 1
            deepest = max(deepest, depth)
        elif byte in (0x5D, 0x7D):  # ] }
            depth -= 1
    return deepest


def check_header_text(text: bytes) -> None:
    """Refuse a header too large or too deep to parse (RunFileError)."""
    if len(text) > MAX_HEADER_BYTES:
        raise RunFileError(
            f"run file: the header has {len(text):,} bytes; at most {MAX_HEADER_BYTES:,}"
        )
    depth = json_depth(text)
    if depth > MAX_HEADER_DEPTH:
        raise RunFileError(
            f"run file: the header nests {depth} levels deep; at most {MAX_HEADER_DEPTH}"
        )


def check_header_integers(value: Any, path: str = "header") -> None:
    """Refuse any integer in the parsed header of magnitude 2^53 or more, naming
    where it is (``epoch``, ``optimizer.t``, ...)."""
    if isinstance(value, dict):
        for key, item in value.items():
            check_header_integers(item, str(key) if path == "header" else f"{path}.{key}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            check_header_integers(item, f"{path}[{i}]")
    elif (
        isinstance(value, int) and not isinstance(value, bool) and abs(value) >= MAX_HEADER_INTEGER
    ):
        digits = str(value)
        shown = digits if len(digits) <= 24 else f"an integer of {len(digits)} digits"
        raise RunFileError(
            f"run file: {path[:80]} is {shown}; integers in a run file are below 2^53"
        )


__all__ = [
    "MAX_ARRAY_ELEMENTS",
    "MAX_HEADER_BYTES",
    "MAX_HEADER_DEPTH",
    "MAX_HEADER_INTEGER",
    "MAX_MEMBERS",
    "check_header_integers",
    "check_header_text",
    "json_depth",
    "read_members",
]
