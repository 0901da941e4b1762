// node --test: the TF Playground's colour scale (static/js/colors.js): orange for -1,
// the neutral grey for 0, blue for +1, linear between; the RGB values are the hex
// colours' own bytes (#f59322, #e8eaeb, #0877bd).
import assert from "node:assert/strict";
import { test } from "node:test";

import { COLORSCALE, cssColor, LUT, lutIndex, toUnit } from "../../static/js/colors.js";

test("the ends and the middle are the three colours", () => {
  assert.equal(cssColor(-1), "rgb(245,147,34)");
  assert.equal(cssColor(1), "rgb(8,119,189)");
  assert.deepEqual(Array.from(LUT.slice(0, 3)), [245, 147, 34]);
  assert.deepEqual(Array.from(LUT.slice(255 * 3, 256 * 3)), [8, 119, 189]);
  assert.deepEqual(COLORSCALE.map((s) => s[1]), ["#f59322", "#e8eaeb", "#0877bd"]);
});

test("values outside [-1, 1] are clamped; the index is round((t + 1)·127.5)", () => {
  assert.equal(lutIndex(-5), 0);
  assert.equal(lutIndex(5), 255);
  assert.equal(lutIndex(0), 128);
  assert.equal(cssColor(9), cssColor(1));
});

test("half way from the neutral grey to blue is the mean of their bytes", () => {
  // t = 0.5 at index round(1.5·127.5) = 191: (191/255·2 − 1) = 0.498 of the way
  const i = lutIndex(0.5) * 3;
  const u = (lutIndex(0.5) / 255) * 2 - 1;
  const expect = [232, 234, 235].map((a, c) => Math.round(a + ([8, 119, 189][c] - a) * u));
  assert.deepEqual(Array.from(LUT.slice(i, i + 3)), expect);
});

test("a label range maps its middle to 0 and its ends to ±1", () => {
  assert.equal(toUnit(0.5, 0, 1), 0);
  assert.equal(toUnit(1, 0, 1), 1);
  assert.equal(toUnit(0.75, 0, 1), 0.5);
  assert.equal(toUnit(-2, -2, 2), -1);
  assert.equal(toUnit(3, 3, 3), 0); // a flat range does not divide by zero
});
