// The timeline's pure parts: the kept epochs by the engine's rule, worked by hand.
import { test } from "node:test";
import assert from "node:assert/strict";
import { isKept, keptEpochs, nearestIndex } from "../../static/js/timeline.js";

test("every epoch up to 100 is kept, then every 50th to 1000, every 500th to 10000", () => {
  const kept = keptEpochs(2000);
  assert.deepEqual(kept.slice(0, 101), Array.from({ length: 101 }, (_, i) => i));
  assert.deepEqual(kept.slice(101), [150, 200, 250, 300, 350, 400, 450, 500, 550, 600, 650, 700,
    750, 800, 850, 900, 950, 1000, 1500, 2000]);
  assert.ok(kept.every(isKept));
  assert.ok(!isKept(120) && !isKept(1050) && isKept(15000));
});

test("the run's own epoch ends the list even when it is not a kept one", () => {
  assert.deepEqual(keptEpochs(3), [0, 1, 2, 3]);
  assert.deepEqual(keptEpochs(123).slice(-2), [100, 123]);
  assert.deepEqual(keptEpochs(0), [0]);
});

test("the nearest kept epoch is nearest in log(1 + epoch)", () => {
  const kept = keptEpochs(1000);
  assert.equal(kept[nearestIndex(kept, 290)], 300);
  assert.equal(kept[nearestIndex(kept, 120)], 100); // log(121/101) < log(151/121)
  assert.equal(kept[nearestIndex(kept, 7)], 7);
});
