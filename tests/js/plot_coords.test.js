// node --test: a click's offset in the surface's box to data coordinates
// (static/js/plot_coords.js), worked by hand for a 300-pixel box with the surface's margins.
import assert from "node:assert/strict";
import { test } from "node:test";

import { pixelToData, unitsPerPixel } from "../../static/js/plot_coords.js";

const BOX = { width: 300, height: 300, margin: { l: 28, r: 6, t: 6, b: 24 } };

test("the plot area's corners are the domain's corners, y upwards", () => {
  // plot area: x 28..294 (266 px), y 6..276 (270 px)
  assert.deepEqual(pixelToData(28, 6, BOX, [-6, 6, -6, 6]), { x: -6, y: 6 });
  assert.deepEqual(pixelToData(294, 276, BOX, [-6, 6, -6, 6]), { x: 6, y: -6 });
  assert.deepEqual(pixelToData(161, 141, BOX, [-6, 6, -6, 6]), { x: 0, y: 0 });
  const p = pixelToData(28 + 66.5, 6 + 67.5, BOX, [0, 4, 10, 20]); // a quarter in
  assert.ok(Math.abs(p.x - 1) < 1e-12 && Math.abs(p.y - 17.5) < 1e-12);
});

test("a click in the margins is not on the plot", () => {
  assert.equal(pixelToData(10, 100, BOX, [-6, 6, -6, 6]), null);
  assert.equal(pixelToData(100, 290, BOX, [-6, 6, -6, 6]), null);
});

test("units per pixel follow each axis", () => {
  const [ux, uy] = unitsPerPixel(BOX, [0, 266, 0, 27]);
  assert.equal(ux, 1);
  assert.equal(uy, 0.1);
});
