// node --test: drawn points (static/js/drawing.js): add, remove the nearest, clear, and
// the `data` payload's bytes (float32 pairs, uint8 labels, a domain holding them all).
import assert from "node:assert/strict";
import { test } from "node:test";

import { csvPayload, DrawnPoints } from "../../static/js/drawing.js";
import { parsePointsCsv } from "../../static/js/points_csv.js";

test("clicks add points of the chosen class; the payload carries their bytes", () => {
  const d = new DrawnPoints();
  assert.ok(d.add(-3, 0, 0) && d.add(3, 0.5, 1) && d.add(0, 3, 2));
  assert.ok(!d.add(0, 0, 6) && !d.add(Number.NaN, 0, 0));
  const p = d.payload([-6, 6, -6, 6]);
  assert.equal(p.n, 3);
  assert.deepEqual(Array.from(new Float32Array(p.points)), [-3, 0, 3, 0.5, 0, 3]);
  assert.deepEqual(Array.from(new Uint8Array(p.labels)), [0, 1, 2]);
  assert.deepEqual(p.domain, [-6, 6, -6, 6]);
  assert.deepEqual(d.counts(), [1, 1, 1]);
});

test("a domain grows to hold a point outside it", () => {
  const d = new DrawnPoints();
  d.add(7, 0, 0);
  d.add(0, -8, 1);
  assert.deepEqual(d.payload([-6, 6, -6, 6]).domain, [-6, 7, -8, 6]);
});

test("shift-click removes the nearest point, measured in the axes' own units", () => {
  const d = new DrawnPoints();
  d.add(0, 0, 0);
  d.add(10, 2, 1);
  // x spans 10 times y: (8, 0) is 0.8 units from (0, 0) and 2.01 from (10, 2)
  assert.deepEqual(d.removeNearest(8, 0, [10, 1]), { x: 0, y: 0, label: 0 });
  assert.equal(d.removeNearest(100, 100, [1, 1], 2), null); // nothing within reach
  d.clear();
  assert.equal(d.size, 0);
  assert.equal(d.removeNearest(0, 0), null);
});

test("one class is not enough, and says so", () => {
  const d = new DrawnPoints();
  assert.match(d.problem(), /need 2 to 5000 points, got 0/);
  d.add(0, 0, 2);
  d.add(1, 1, 2);
  assert.match(d.problem(), /at least two classes/);
  d.add(2, 2, 0);
  // classes 0 and 2 without 1: the engine refuses labels with a gap, and says which
  assert.match(d.problem(), /class 1 has no point/);
  d.add(3, 3, 1);
  assert.equal(d.problem(), null);
});

test("drawn points saved as CSV load back; a CSV becomes a payload", () => {
  const d = new DrawnPoints();
  d.add(-1.5, 2, 0);
  d.add(0.25, -3, 1);
  const parsed = parsePointsCsv(d.csv());
  assert.deepEqual(parsed.points, [[-1.5, 2], [0.25, -3]]);
  const p = csvPayload(parsed);
  assert.deepEqual(Array.from(new Uint8Array(p.labels)), [0, 1]);
  const r = csvPayload(parsePointsCsv("x1,x2,target\n0,0,0.5\n1,1,-2\n"));
  assert.equal(r.task, "regression");
  assert.deepEqual(Array.from(new Float32Array(r.targets)), [0.5, -2]);
});
