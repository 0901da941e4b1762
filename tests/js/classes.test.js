// node --test: class bytes (docs/PROTOCOL.md) decode to the class and probability the
// server encoded (app/frames.py encode_classes: b = c·L + round((p − 1/C)/(1 − 1/C)·(L−1)),
// L = 256 // C), and their colours run from a light tint of the class to its colour.
import assert from "node:assert/strict";
import { test } from "node:test";

import {
  CLASS_COLORS, classColorscale, classRgb, decodeClassByte, levelsFor,
} from "../../static/js/classes.js";

function encode(cls, p, classes) {
  const levels = levelsFor(classes);
  return cls * levels + Math.round(((p - 1 / classes) / (1 - 1 / classes)) * (levels - 1));
}

test("a byte decodes to its class and probability, within half a level", () => {
  for (const classes of [2, 3, 5, 6]) {
    const levels = levelsFor(classes);
    for (const cls of [0, classes - 1]) {
      for (const p of [1 / classes, 0.5 + 0.5 / classes, 0.9, 1]) {
        const got = decodeClassByte(encode(cls, p, classes), classes);
        assert.equal(got.cls, cls);
        assert.ok(Math.abs(got.p - p) <= 0.5 / (levels - 1) + 1e-12, `${classes} ${p}`);
      }
    }
  }
  assert.equal(levelsFor(3), 85);
  assert.deepEqual(decodeClassByte(2 * 85 + 84, 3), { cls: 2, p: 1 }); // sure of class 2
});

test("a sure pixel is its class colour, a tie a faint tint of it", () => {
  assert.deepEqual(classRgb(1, 1, 3), [0, 0x72, 0xb2]);
  const faint = classRgb(1, 1 / 3, 3);
  assert.ok(faint.every((v) => v > 200), `${faint}`);
  assert.ok(faint[2] > faint[0]); // still blue
});

test("the colorscale has one stop per byte, each byte its class's colour", () => {
  const scale = classColorscale(5);
  assert.equal(scale.length, 256);
  assert.equal(scale[0][0], 0);
  assert.equal(scale[255][0], 1);
  const sure4 = 4 * levelsFor(5) + levelsFor(5) - 1;
  const hex = CLASS_COLORS[4];
  const want = [1, 3, 5].map((i) => Number.parseInt(hex.slice(i, i + 2), 16));
  assert.equal(scale[sure4][1], `rgb(${want.join(",")})`);
});
