// node --test: the loss chart's y-range only widens (static/js/loss_range.js).
// Expected ranges are worked by hand: log10(0.64) = -0.194, so on a log axis the range
// reaches down to the half decade below (10^-0.5 = 0.316) and up to the one above (1).
import assert from "node:assert/strict";
import { test } from "node:test";

import { niceCeil, widenRange } from "../../static/js/loss_range.js";

const close = (a, b) => assert.ok(Math.abs(a - b) < 1e-9 * Math.max(1, Math.abs(b)), `${a} != ${b}`);
const closeRange = (r, [lo, hi]) => { close(r[0], lo); close(r[1], hi); };

test("nothing to show: no range", () => {
  assert.equal(widenRange(null, [], true), null);
  assert.equal(widenRange(null, [null, NaN, Infinity, undefined], false), null);
  assert.equal(widenRange(null, [0, -1], true), null, "a log axis shows no loss <= 0");
});

test("log axis: the first loss gets the half decades around it", () => {
  closeRange(widenRange(null, [0.64], true), [10 ** -0.5, 1]);
  // 0.1 is a half-decade edge itself: it is kept inside, not on the edge
  closeRange(widenRange(null, [0.1], true), [10 ** -1.5, 10 ** -0.5]);
});

test("log axis: a loss inside the range changes nothing, a new best widens it down", () => {
  const first = widenRange(null, [0.64], true);
  assert.equal(widenRange(first, [0.47, 0.5], true), first, "same range object: no relayout");
  closeRange(widenRange(first, [0.3], true), [0.1, 1]);
  closeRange(widenRange(first, [2], true), [10 ** -0.5, 10 ** 0.5]);
});

test("linear axis: from 0 up to a nice number above the largest loss", () => {
  closeRange(widenRange(null, [0.64], false), [0, 0.8]);
  closeRange(widenRange(null, [0.25, 0.1], false), [0, 0.3]); // 0.255 -> 0.3
  closeRange(widenRange(null, [0], false), [0, 1]);
  closeRange(widenRange(null, [-0.5, 0.2], false), [-0.6, 0.25]); // 0.51 -> 0.6, 0.204 -> 0.25
});

test("niceCeil", () => {
  close(niceCeil(0.6528), 0.8);
  close(niceCeil(0.3), 0.3);
  close(niceCeil(7), 8);
  close(niceCeil(9), 10);
  close(niceCeil(1234), 1500);
});

test("a falling loss never shrinks the range, and every loss stays inside it", () => {
  for (const log of [true, false]) {
    let r = null;
    let loss = 0.9;
    for (let k = 0; k < 2000; k++) {
      loss *= 0.99 + 0.0105 * ((k * 7919) % 13) / 13; // falls, with small rises
      const next = widenRange(r, [loss], log);
      if (r) assert.ok(next[0] <= r[0] && next[1] >= r[1], `shrank at ${k}: ${r} -> ${next}`);
      assert.ok(next[0] < loss && loss < next[1], `${loss} outside ${next}`);
      r = next;
    }
  }
});
