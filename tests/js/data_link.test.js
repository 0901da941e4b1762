// node --test: your own points in the URL (static/js/data_link.js): the link holds their
// content hash, a link read back drops what needs the points, and the note says where
// the points live. Expected values written by hand from docs/PROTOCOL.md.
import assert from "node:assert/strict";
import { test } from "node:test";

import { linkNote, takeDigest, withDigest } from "../../static/js/data_link.js";

test("the hash joins the query only while the session trains on its own points", () => {
  const data = { digest: "0123456789ab", active: true };
  assert.equal(withDigest("dataset=custom&classes=3", data), "dataset=custom&classes=3&data=0123456789ab");
  assert.equal(withDigest("", data), "data=0123456789ab");
  assert.equal(withDigest("dataset=circle", { ...data, active: false }), "dataset=circle");
  assert.equal(withDigest("lr=0.1", null), "lr=0.1");
});

test("a link with own points keeps its other settings and names the hash", () => {
  const r = takeDigest("dataset=custom&classes=3&output=softmax&loss=ce&lr=0.1&data=0123456789ab");
  assert.equal(r.configQuery, "output=softmax&loss=ce&lr=0.1");
  assert.equal(r.digest, "0123456789ab");
  assert.equal(r.needsPoints, true);
  assert.deepEqual(r.rejected, []);
});

test("a regression link without a hash still needs its points; a plain link does not", () => {
  const r = takeDigest("dataset=custom_regression&output=linear");
  assert.deepEqual([r.configQuery, r.digest, r.needsPoints], ["output=linear", null, true]);
  const plain = takeDigest("dataset=circle&hidden=4,2");
  assert.deepEqual([plain.configQuery, plain.needsPoints], ["dataset=circle&hidden=4%2C2", false]);
});

test("a malformed hash is rejected with the reason", () => {
  const r = takeDigest("data=zz");
  assert.equal(r.digest, null);
  assert.deepEqual(r.rejected, [{ name: "data", text: "zz", reason: "not a 12-digit content hash" }]);
});

test("the note says where the points live, then whether the loaded ones match", () => {
  const note = linkNote("0123456789ab");
  assert.match(note, /0123456789ab/);
  assert.match(note, /CSV/);
  assert.match(note, /run file/);
  assert.match(linkNote("0123456789ab", "0123456789ab"), /the link's points/);
  assert.match(linkNote("0123456789ab", "ffffffffffff"), /other points.*ffffffffffff/);
});
