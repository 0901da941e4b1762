// node --test: plain words for what a newcomer stops at (issue 22): the suggestion's
// hidden layers, the restart lab's histogram ticks and its comparison.
import assert from "node:assert/strict";
import { test } from "node:test";

import { compareHow, compareText, decadeTicks, lossTick } from "../../static/js/lab_panel.js";
import { hiddenWords } from "../../static/js/settings.js";

test("hidden layers say units, not a bare number that reads as layers", () => {
  assert.equal(hiddenWords([3]), "1 hidden layer of 3 units");
  assert.equal(hiddenWords([4, 2]), "2 hidden layers of 4 and 2 units");
  assert.equal(hiddenWords([5, 4, 3]), "3 hidden layers of 5, 4 and 3 units");
  assert.equal(hiddenWords([1]), "1 hidden layer of 1 unit");
  assert.equal(hiddenWords([]), "no hidden layer");
});

test("histogram ticks: powers of ten as numbers, never SI prefixes", () => {
  assert.deepEqual(decadeTicks(-7.3, -0.45), [-8, -6, -4, -2, 0]); // 8 decades, every 2nd
  assert.deepEqual(decadeTicks(-1.2, -0.4), [-2, -1, 0]);
  assert.equal(lossTick(0), "1");
  assert.equal(lossTick(-1), "0.1");
  assert.equal(lossTick(-3), "0.001");
  assert.equal(lossTick(-7), "10⁻⁷");
  assert.equal(lossTick(-12), "10⁻¹²");
  assert.equal(lossTick(2), "100");
});

const compare = {
  cancelled: false,
  test: {
    n: 16, difference: 0.25, low: -0.08, high: 0.52, only_a: 6, only_b: 2,
    p_value: 0.2890625, alpha: 0.05, differ: false,
    a: { successes: 9, rate: 0.5625, wilson_low: 0.33, wilson_high: 0.77 },
    b: { successes: 5, rate: 0.3125, wilson_low: 0.14, wilson_high: 0.56 },
  },
};

test("the comparison names no method; the how names them and gives p", () => {
  const text = compareText(compare, "optimizer: SGD");
  assert.match(text, /Current set-up: 9\/16 solved, 56\.3 % \(likely 33\.0 %–77\.0 %\)/);
  assert.match(text, /solves 25\.0 percentage points more \(likely −8\.0 to \+52\.0\)/);
  assert.match(text, /no difference beyond chance\.$/);
  assert.doesNotMatch(text, /Newcombe|McNemar|CI|p =/);
  const how = compareHow(compare);
  assert.match(how, /Wilson/);
  assert.match(how, /Newcombe/);
  assert.match(how, /McNemar's exact test/);
  assert.match(how, /p = 0\.29/);
  const fewer = compareText({ ...compare, test: { ...compare.test, difference: -0.125 } }, null);
  assert.match(fewer, /solves 12\.5 percentage points fewer/);
});

test("the stuck message's relu reads as the menu's ReLU", async () => {
  const { humanize, Schema } = await import("../../static/js/schema.js");
  new Schema([{ name: "activation", type: "choice", choices: ["relu"], labels: { relu: "ReLU" } }]);
  assert.equal(humanize("negative on every training point, so relu outputs 0"),
    "negative on every training point, so ReLU outputs 0");
});
