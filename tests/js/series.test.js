// node --test: a curve kept to a bounded number of points (static/js/series.js).
import assert from "node:assert/strict";
import { test } from "node:test";

import { coordinate, Series } from "../../static/js/series.js";

const range = (a, b) => Array.from({ length: b - a }, (_, i) => a + i);
const ys = (xs) => ({ y: xs.map((x) => 1 / (x + 1)) });

test("points are kept in order, never the same epoch twice", () => {
  const s = new Series(["y"], 100);
  assert.equal(s.push([0, 1, 2], ys([0, 1, 2])), 3);
  assert.equal(s.push([2, 3], ys([2, 3])), 1);
  assert.deepEqual(s.x, [0, 1, 2, 3]);
  assert.deepEqual(s.y.y, [1, 1 / 2, 1 / 3, 1 / 4]);
});

test("on a linear axis thinning keeps evenly spaced epochs and both ends", () => {
  const s = new Series(["y"], 100);
  const xs = range(0, 1001);
  s.push(xs, ys(xs));
  assert.ok(s.bound());
  assert.ok(s.x.length <= 100);
  assert.equal(s.x[0], 0);
  assert.equal(s.x.at(-1), 1000);
  const gaps = s.x.slice(1, -1).map((x, i) => x - s.x[i]);
  assert.ok(Math.max(...gaps) - Math.min(...gaps) <= 1, `uneven gaps ${gaps}`);
});

test("on a log axis the early epochs keep their points after 10^5 epochs", () => {
  const s = new Series(["y"], 200);
  s.setLog(true);
  const xs = range(1, 100001);
  s.push(xs, ys(xs));
  s.bound();
  assert.ok(s.x.length <= 200);
  // every decade holds about the same share of the points (200 / 5 decades)
  const perDecade = [1, 10, 100, 1000, 10000].map((lo) => s.x.filter((x) => x >= lo && x < lo * 10).length);
  // the first decade has only 9 epochs to give
  assert.equal(perDecade[0], 9);
  for (const n of perDecade.slice(2)) assert.ok(n >= 25 && n <= 50, `per decade ${perDecade}`);
});

test("after thinning, new points keep the same spacing", () => {
  const s = new Series(["y"], 50);
  const xs = range(0, 1000);
  s.push(xs, ys(xs));
  s.bound();
  const gap = s.gap;
  assert.ok(gap > 1);
  const kept = s.push(range(1000, 1100), ys(range(1000, 1100)));
  assert.ok(kept <= Math.ceil(100 / gap) + 1);
});

test("the display coordinate", () => {
  assert.equal(coordinate(false)(250), 250);
  assert.equal(coordinate(true)(1000), 3);
  assert.equal(coordinate(true)(0), 0); // epoch 0 sits with epoch 1 on a log axis
});
