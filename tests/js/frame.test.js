// node --test: decoding a `frame` event (static/js/frame.js) as docs/PROTOCOL.md lays
// it out. The raw frame is built here by hand the way the server sends it (little-endian
// binary attachments), so each decoded value is known in advance.
import assert from "node:assert/strict";
import { test } from "node:test";

import { decodeFrame, rows } from "../../static/js/frame.js";

const f32 = (xs) => new Float32Array(xs).buffer;
const u32 = (xs) => new Uint32Array(xs).buffer;

function rawFrame(extra = {}) {
  // a 2-2-1 net: W0 (2x2), b0 (2), W1 (2x1), b1 (1) = 9 parameters
  return {
    seq: 3, epoch: 40, status: "playing", sizes: [2, 2, 1], features: ["x1", "x2"],
    train_loss: 0.5, test_loss: 0.6, train_acc: 0.75, test_acc: null,
    domain: [-1, 1, -2, 2], grid: 2,
    surface: new Uint8Array([0, 255, 51, 102]).buffer, surface_range: [-1, 1],
    thumb: 2, neurons: new Uint8Array(5 * 4).buffer, neuron_ranges: f32(new Array(10).fill(0)),
    weights: f32([1, 2, 3, 4, 0.5, -0.5, 7, 8, 9]),
    history: { epoch: u32([38, 39, 40]), train_loss: f32([0.7, 0.6, 0.5]), test_loss: f32([1, 1, 1]),
      train_acc: f32([0.5, 0.5, 0.75]), test_acc: f32([NaN, NaN, NaN]) },
    train_points: null, test_points: null,
    ...extra,
  };
}

test("the surface is dequantised from its range: lo + q/255·(hi − lo)", () => {
  const f = decodeFrame(rawFrame());
  assert.deepEqual(Array.from(f.surface, (v) => Math.round(v * 1000) / 1000), [-1, 1, -0.6, -0.2]);
  assert.deepEqual(f.surfaceRange, [-1, 1]);
  // row r is the r-th y value, ascending: rows() gives Plotly's z[y][x]
  assert.deepEqual(rows(f.surface, 2).map((r) => r.length), [2, 2]);
  assert.equal(rows(f.surface, 2)[1][0], f.surface[2]);
});

test("weights are split per layer: W_l row-major sizes[l] x sizes[l+1], then b_l", () => {
  const { W, b } = decodeFrame(rawFrame()).weights;
  assert.deepEqual(Array.from(W[0]), [1, 2, 3, 4]);
  assert.deepEqual(Array.from(b[0]), [0.5, -0.5]);
  assert.deepEqual(Array.from(W[1]), [7, 8]);
  assert.deepEqual(Array.from(b[1]), [9]);
});

test("history arrives as typed arrays, NaN where not applicable", () => {
  const h = decodeFrame(rawFrame()).history;
  assert.deepEqual(Array.from(h.epoch), [38, 39, 40]);
  assert.deepEqual(Array.from(h.trainLoss, (v) => Math.round(v * 10) / 10), [0.7, 0.6, 0.5]);
  assert.ok(Number.isNaN(h.testAcc[0]));
});

test("points come only with a rebuild, as (x, y, label) triples", () => {
  assert.equal(decodeFrame(rawFrame()).trainPoints, null);
  const f = decodeFrame(rawFrame({ train_points: f32([0, 1, 1, 1, 0, 1]), test_points: f32([]) }));
  assert.deepEqual(Array.from(f.trainPoints), [0, 1, 1, 1, 0, 1]);
  assert.equal(f.testPoints.length, 0);
});

test("a misaligned attachment (an offset view) is copied, not misread", () => {
  const bytes = new Uint8Array(1 + 9 * 4);
  const aligned = new Uint8Array(f32([1, 2, 3, 4, 0.5, -0.5, 7, 8, 9]));
  bytes.set(aligned, 1);
  const view = new Uint8Array(bytes.buffer, 1, 36);
  const { W } = decodeFrame(rawFrame({ weights: view })).weights;
  assert.deepEqual(Array.from(W[0]), [1, 2, 3, 4]);
});

test("the digest tells two different frames apart and two equal ones together", () => {
  const a = decodeFrame(rawFrame()).digest;
  assert.equal(decodeFrame(rawFrame()).digest, a);
  assert.notEqual(decodeFrame(rawFrame({ weights: f32([1, 2, 3, 4, 0.5, -0.5, 7, 8, 9.5]) })).digest, a);
  assert.match(a, /^[0-9a-f]{8}$/);
});

test("a surface sent in place of a non-finite one says from which epoch it is", () => {
  assert.equal(decodeFrame(rawFrame()).surfaceEpoch, null); // an older server: current
  assert.equal(decodeFrame(rawFrame({ surface_epoch: null })).surfaceEpoch, null);
  assert.equal(decodeFrame(rawFrame({ surface_epoch: 17 })).surfaceEpoch, 17);
});
