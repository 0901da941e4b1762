// node --test: class bytes to Plotly's heatmap (static/js/class_surface.js): z keeps the
// bytes, each byte sits on its own stop; markers by class, test points hollow; legend.
import assert from "node:assert/strict";
import { test } from "node:test";

import { CLASS_COLORS, levelsFor } from "../../static/js/classes.js";
import {
  classHeatmap, classMarkers, decodeSurface, legendRows,
} from "../../static/js/class_surface.js";

test("the heatmap's z are the bytes, on a 256-stop scale, unsmoothed", () => {
  const bytes = Uint8Array.from([0, 84, 85, 169, 170, 255, 1, 2, 3]);
  const h = classHeatmap(bytes, 3, 3);
  assert.deepEqual(h.z, [[0, 84, 85], [169, 170, 255], [1, 2, 3]]);
  assert.equal(h.colorscale.length, 256);
  assert.equal(h.zsmooth, false);
  assert.deepEqual([h.zmin, h.zmax], [0, 255]);
});

test("decoded pixels name the class the server encoded", () => {
  const L = levelsFor(3);
  const { cls, p } = decodeSurface(Uint8Array.from([0, L - 1, 2 * L + L - 1]), 3);
  assert.deepEqual(Array.from(cls), [0, 0, 2]);
  assert.ok(Math.abs(p[0] - 1 / 3) < 1e-6 && Math.abs(p[2] - 1) < 1e-6);
});

test("points take their class colour; test points are hollow rings", () => {
  const pts = Float32Array.from([0, 0, 2, 1, 1, 0]);
  const train = classMarkers(pts, false);
  assert.deepEqual(train.color, [CLASS_COLORS[2], CLASS_COLORS[0]]);
  assert.equal(train.symbol, "circle");
  const t = classMarkers(pts, true);
  assert.equal(t.symbol, "circle-open");
  assert.deepEqual(t.line.color, t.color);
});

test("the legend counts each class's points, training and test together", () => {
  const rows = legendRows(3, [Float32Array.from([0, 0, 0, 1, 1, 2]), Float32Array.from([2, 2, 2])]);
  assert.deepEqual(rows.map((r) => r.count), [1, 0, 2]);
  assert.equal(rows[1].text, "Class 1 (blue): 0 points");
  assert.equal(rows[0].text, "Class 0 (orange): 1 point");
});
