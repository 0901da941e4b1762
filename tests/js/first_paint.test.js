// node --test: the first paint's pure parts (static/js/first_paint.js). Expected colours
// are the hex stops' own bytes (#f59322, #e8eaeb, #0877bd) and their midpoints worked by
// hand; the base64 text is Python's base64.b64encode(bytes([0, 1, 254, 255])).
import assert from "node:assert/strict";
import { test } from "node:test";

import { COLORSCALE } from "../../static/js/colors.js";
import { bytesOfBase64, colorAt, decodeAttachments, surfacePixels } from "../../static/js/first_paint.js";
import { decodeFrame } from "../../static/js/frame.js";

test("base64 attachments become their bytes, other fields stay", () => {
  assert.deepEqual(Array.from(bytesOfBase64("AAH+/w==")), [0, 1, 254, 255]);
  const raw = decodeAttachments({ grid: 2, surface: { base64: "AAH+/w==" }, train_points: null });
  assert.ok(raw.surface instanceof Uint8Array);
  assert.deepEqual(Array.from(/** @type {Uint8Array} */ (raw.surface)), [0, 1, 254, 255]);
  assert.equal(raw.grid, 2);
  assert.equal(raw.train_points, null);
});

test("a decoded inlined frame is what frame.js makes of the same bytes off the socket", () => {
  // weights: float32 little-endian 1.0 (0x3f800000) and -2.0 (0xc0000000) for a 1-1 net
  const json = {
    seq: 1, epoch: 0, status: "paused", sizes: [1, 1], features: ["x1"], train_loss: 0.5,
    test_loss: 0.5, train_acc: 1, test_acc: 1, history: null, domain: [0, 1, 0, 1], grid: 2,
    classes: null, surface: { base64: "AAH+/w==" }, surface_range: [0, 255], thumb: 10,
    neurons: null, neuron_ranges: null, weights: { base64: "AACAPwAAAMA=" },
    train_points: null, test_points: null,
  };
  const fromJson = decodeFrame(decodeAttachments(json));
  const fromSocket = decodeFrame({
    ...json, surface: new Uint8Array([0, 1, 254, 255]).buffer,
    weights: new Float32Array([1, -2]).buffer,
  });
  assert.deepEqual(Array.from(fromJson.surface), [0, 1, 254, 255]);
  assert.deepEqual(Array.from(fromJson.weights?.W[0] ?? []), [1]);
  assert.deepEqual(Array.from(fromJson.weights?.b[0] ?? []), [-2]);
  assert.equal(fromJson.digest, fromSocket.digest);
});

test("the colorscale's stops, its midpoints, and clamping", () => {
  assert.deepEqual(colorAt(COLORSCALE, 0), [245, 147, 34]);
  assert.deepEqual(colorAt(COLORSCALE, 0.5), [232, 234, 235]);
  assert.deepEqual(colorAt(COLORSCALE, 1), [8, 119, 189]);
  // halfway orange -> neutral: (245+232)/2 = 238.5, (147+234)/2 = 190.5, (34+235)/2 = 134.5
  assert.deepEqual(colorAt(COLORSCALE, 0.25), [239, 191, 135]);
  // halfway neutral -> blue: 120, 176.5, 212
  assert.deepEqual(colorAt(COLORSCALE, 0.75), [120, 177, 212]);
  assert.deepEqual(colorAt(COLORSCALE, -3), [245, 147, 34]);
  assert.deepEqual(colorAt(COLORSCALE, 7), [8, 119, 189]);
  assert.deepEqual(colorAt(COLORSCALE, Number.NaN), [245, 147, 34]);
});

test("pixels: top row is the frame's last (y ascending), colours over [lo, hi], opacity", () => {
  // a 2 x 2 grid: bottom row (y low) [-1, 1], top row [0, 0.5]; domain [-1, 1]
  const values = new Float32Array([-1, 1, 0, 0.5]);
  const px = surfacePixels(values, 2, [-1, 1], COLORSCALE, 0.85);
  const at = (/** @type {number} */ i) => Array.from(px.slice(4 * i, 4 * i + 4));
  assert.equal(px.length, 16);
  assert.deepEqual(at(0), [232, 234, 235, 217]); // top left: 0 -> neutral; 0.85 * 255 = 216.75
  assert.deepEqual(at(1), [120, 177, 212, 217]); // top right: 0.5 -> t 0.75
  assert.deepEqual(at(2), [245, 147, 34, 217]); // bottom left: -1 -> orange
  assert.deepEqual(at(3), [8, 119, 189, 217]); // bottom right: 1 -> blue
  // a constant surface (lo == hi) is the middle colour, not NaN
  assert.deepEqual(Array.from(surfacePixels(new Float32Array([3]), 1, [3, 3], COLORSCALE, 1)), [232, 234, 235, 255]);
});
