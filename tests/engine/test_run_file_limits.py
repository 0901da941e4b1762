"""engine/run_file_limits.py: hostile run files are refused before they cost anything.

The hostile files are bench/bad_run_files.py's (issue 24's attacks). What a good
member reads as is checked against ``np.load`` itself; JSON depth against the depth of
what ``json.loads`` builds; the memory a refusal takes with tracemalloc (NumPy reports
its allocations to it).
"""

from __future__ import annotations

import io
import json
import re
import tracemalloc
import zipfile
from pathlib import Path

import numpy as np
import pytest

from bench import bad_run_files as bad
from engine import run_file_limits
from engine.checkpoint import from_bytes
from engine.errors import RunFileError
from engine.run_file_limits import (
    MAX_HEADER_DEPTH,
    MAX_HEADER_INTEGER,
    MAX_MEMBERS,
    json_depth,
    read_members,
)


@pytest.fixture(scope="module")
def good() -> bytes:
    return bad.good_file()


ATTACKS = [
    ("header_bomb", "the header has 33,000,059 bytes; at most 65,536"),
    ("nested_header", "the header nests 30000 levels deep; at most 32"),
    ("huge_shape", "member 'weights.npy' has 1,099,511,627,776 elements"),
    ("unknown_compression", "member 'weights.npy' uses compression method 99"),
    ("huge_epoch", "epoch is 9223372036854775808; integers in a run file are below 2^53"),
]


@pytest.mark.parametrize(("attack", "says"), ATTACKS, ids=[a for a, _ in ATTACKS])
def test_each_hostile_file_is_refused_naming_what_is_wrong_within_a_few_mb(attack, says):
    data = bad.ATTACKS[attack]()
    assert len(data) < 40_000  # small uploads, each
    tracemalloc.start()
    try:
        with pytest.raises(RunFileError) as err:
            from_bytes(data)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert err.value.field == "file"
    assert says in err.value.message
    assert peak < 4 * 2**20, f"{peak:,} bytes allocated to refuse {attack}"


def _depth(value) -> int:
    """Nesting depth of a parsed JSON value, counted on what json.loads built."""
    if isinstance(value, dict):
        return 1 + max((_depth(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((_depth(v) for v in value), default=0)
    return 0


@pytest.mark.parametrize(
    "text",
    [
        "1",
        '"[[[{{{"',
        "[]",
        '{"a": [1, {"b": "]]]"}], "c": {}}',
        r'["\"[[[", "\\", [["\\\"{"]]]',
        '{"k\\"[": [[[[]]]], "x": "}}}}"}',
        json.dumps({"deep": [[[[[["x"]]]]]], "s": "[" * 50}),
    ],
)
def test_json_depth_is_the_depth_of_what_json_builds(text):
    assert json_depth(text.encode()) == _depth(json.loads(text))


def test_a_header_at_the_depth_limit_reads_and_one_deeper_is_refused(good):
    def nested(levels: int):
        return lambda h: h.update(extra=json.loads("[" * levels + "]" * levels))

    # the header object itself is one level: "extra" adds the rest
    from_bytes(bad.with_header(nested(MAX_HEADER_DEPTH - 1), good))
    with pytest.raises(RunFileError, match=f"nests {MAX_HEADER_DEPTH + 1} levels"):
        from_bytes(bad.with_header(nested(MAX_HEADER_DEPTH), good))


def test_the_last_exact_integer_opens_and_trains_on(good):
    trainer = from_bytes(bad.huge_epoch(MAX_HEADER_INTEGER - 1))
    trainer.step(5)
    assert trainer.epoch == 9_007_199_254_740_991 + 5


@pytest.mark.parametrize(
    ("change", "says"),
    [
        (lambda h: h.update(epoch=2**53), "epoch is 9007199254740992"),
        (lambda h: h["optimizer"].update(t=-(2**60)), "optimizer.t is -1152921504606846976"),
        (lambda h: h["edits"].update(count=10**200), "edits.count is an integer of 201 digits"),
        (lambda h: h["config"].update(hidden=[2, 2**70]), "config.hidden[1] is"),
    ],
)
def test_an_integer_past_2_53_anywhere_in_the_header_is_named(good, change, says):
    with pytest.raises(RunFileError, match=r"integers in a run file are below 2\^53") as err:
        from_bytes(bad.with_header(change, good))
    assert says in err.value.message


def test_good_members_read_as_np_load_reads_them():
    arrays = {
        "c": np.arange(12.0).reshape(3, 4),
        "f": np.asfortranarray(np.arange(12, dtype=np.int64).reshape(3, 4)),
        "big_endian": np.arange(5, dtype=">u8"),
        "flags": np.array([True, False]),
        "scalar": np.float32(2.5),
        "empty": np.zeros((0, 3)),
    }
    for save in (np.savez, np.savez_compressed):
        buf = io.BytesIO()
        save(buf, **arrays)
        got = read_members(io.BytesIO(buf.getvalue()))
        with np.load(io.BytesIO(buf.getvalue())) as npz:
            assert sorted(got) == sorted(npz.files)
            for name in npz.files:
                expected = npz[name]
                assert got[name].dtype == expected.dtype and got[name].shape == expected.shape
                np.testing.assert_array_equal(got[name], expected)
                assert got[name].flags.writeable


def test_a_shape_that_does_not_fit_the_members_bytes_is_refused(good):
    with pytest.raises(RunFileError, match=r"declares shape \(10,\) of float64 \(80 bytes\)"):
        from_bytes(bad.huge_shape(10))
    with pytest.raises(RunFileError, match="negative shape"):
        from_bytes(bad.huge_shape(-3))


def test_an_object_array_is_refused_unread(good):
    members = bad.members_of(good)
    buf = io.BytesIO()
    np.save(buf, np.array([{"x": 1}], dtype=object), allow_pickle=True)
    members["weights.npy"] = buf.getvalue()
    with pytest.raises(RunFileError, match="member 'weights.npy' holds object, not numbers"):
        from_bytes(bad.zipped(members))


def test_compressions_other_than_stored_and_deflated_are_refused(good):
    data = bad.zipped(bad.members_of(good), zipfile.ZIP_LZMA)
    with pytest.raises(RunFileError, match="compression method 14"):
        from_bytes(data)
    assert from_bytes(bad.zipped(bad.members_of(good), zipfile.ZIP_STORED)).epoch == 20


def test_too_many_members_are_refused_before_any_is_read(good):
    members = bad.members_of(good)
    members.update({f"extra{i}.txt": b"" for i in range(MAX_MEMBERS)})
    with pytest.raises(RunFileError, match=f"members; a run file has at most {MAX_MEMBERS}"):
        from_bytes(bad.zipped(members))


def test_docs_engine_md_states_the_limits_this_module_enforces():
    """Each number in docs/ENGINE.md's run-file paragraph is its constant's value."""
    doc = (Path(__file__).resolve().parents[2] / "docs" / "ENGINE.md").read_text()
    for name in ("MAX_HEADER_BYTES", "MAX_HEADER_DEPTH", "MAX_ARRAY_ELEMENTS", "MAX_MEMBERS"):
        value = getattr(run_file_limits, name)
        assert re.search(rf"\b{value} [a-z ]*\(`{name}`", doc), name
    assert run_file_limits.MAX_HEADER_INTEGER == 2**53
    assert "2^53 or more (`MAX_HEADER_INTEGER`" in doc


def test_a_large_array_is_read_without_holding_its_bytes_twice():
    array = np.random.default_rng(0).random(2**21)  # 16 MiB of float64
    buf = io.BytesIO()
    np.savez(buf, big=array)
    source = io.BytesIO(buf.getvalue())
    tracemalloc.start()
    try:
        got = read_members(source)["big"]
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    np.testing.assert_array_equal(got, array)
    assert peak < array.nbytes * 1.25, f"{peak:,} bytes to read {array.nbytes:,}"
