// node --test: what the teacher's page draws from a class_state (static/js/class_results.js).
// The Wilson intervals are worked by hand (z = 1.96): 4 of 10 gives centre
// (0.4 + 0.19208) / 1.38416 = 0.4278, half-width 1.96 * sqrt(0.024 + 0.009604) / 1.38416
// = 0.2596, so 0.168-0.687; 2 of 10 is the contract's example, 0.0567-0.5098.
import assert from "node:assert/strict";
import { test } from "node:test";

import {
  curveTraces, groupOf, lossBins, solvedText, studentLabel, studentsByNeed, studentsText,
} from "../../static/js/class_results.js";

/** @returns {any} */
const result = (pseudonym, loss, solved, stuck = null, curve = []) =>
  ({ pseudonym, epoch: 1200, loss, solved, stuck, seed: 1, curve });

test("the solved share in words, with its interval in whole percents", () => {
  assert.equal(solvedText({ count: 4, n: 10, share: 0.4, low: 0.168, high: 0.687 }),
    "4 of 10 solved, 40 % (17–69 %)");
  assert.equal(solvedText({ count: 2, n: 10, share: 0.2, low: 0.0567, high: 0.5098 }),
    "2 of 10 solved, 20 % (6–51 %)");
  assert.equal(solvedText({ count: 0, n: 0, share: null, low: null, high: null }), "No results yet");
  assert.equal(solvedText(undefined), "No results yet");
  assert.equal(studentsText(1), "1 student");
  assert.equal(studentsText(10), "10 students");
  assert.equal(studentsText(10, 200), "10 students");
  assert.equal(studentsText(200, 200), "200 students (the class is full)");
});

test("a student's group: solved, else stuck when the diagnosis says so, else still going", () => {
  assert.equal(groupOf(result("a", 0.003, true)), "solved");
  assert.equal(groupOf(result("b", 0.3466, false, "half_plateau")), "stuck");
  assert.equal(groupOf(result("c", 0.5, false)), "training");
  assert.equal(groupOf(result("d", 0.5, null)), "training", "a regression without loss_below");
});

test("curves: one trace per group, students split by a null, epoch 0 off a log axis", () => {
  const results = [
    result("Student 1", 0.003, true, null, [[0, 0.7], [10, 0.5], [100, 0.003]]),
    result("Student 2", 0.35, false, "half_plateau", [[0, 0.7], [100, 0.35]]),
    result("Student 3", 0.01, true, null, [[0, 0.69], [50, null], [100, 0.01]]),
  ];
  const [solved, stuck, training] = curveTraces(results);
  assert.deepEqual(solved.x, [10, 100, null, 100, null]);
  assert.deepEqual(solved.y, [0.5, 0.003, null, 0.01, null]);
  assert.deepEqual(solved.text, ["Student 1", "Student 1", "", "Student 3", ""]);
  assert.deepEqual(stuck.x, [100, null]);
  assert.deepEqual(training.x, []);
  const linear = curveTraces(results, { logEpochs: false });
  assert.deepEqual(linear[0].x, [0, 10, 100, null, 0, 100, null], "epoch 0 shows on a linear axis");
});

test("final losses in quarter-decade bins, stacked by group", () => {
  // log10(0.3466) = -0.460 and log10(0.5) = -0.301: bin -2 (-0.5 to -0.25);
  // log10(0.0031) = -2.509: bin -11 (-2.75 to -2.5). Centres from -2.625 to -0.375.
  const bins = lossBins([
    result("a", 0.0031, true), result("b", 0.3466, false, "half_plateau"), result("c", 0.5, false),
    result("d", null, false),
  ]);
  assert.equal(bins.x.length, 10);
  assert.ok(Math.abs(bins.x[0] + 2.625) < 1e-12 && Math.abs(bins.x[9] + 0.375) < 1e-12);
  assert.deepEqual(bins.counts.solved, [1, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  assert.deepEqual(bins.counts.stuck, [0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
  assert.deepEqual(bins.counts.training, [0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
  assert.equal(bins.other, 1, "no loss yet is counted apart");
  assert.deepEqual(lossBins([]).x, []);
});

test("the students a teacher looks for come first: stuck, then not solved, then solved", () => {
  const order = studentsByNeed([
    result("S1", 0.001, true), result("S2", 0.5, false), result("S3", 0.3466, false, "half_plateau"),
    result("S4", 0.4774, false, "dead_units"), result("S5", 0.1, false),
  ]).map((r) => r.pseudonym);
  assert.deepEqual(order, ["S4", "S3", "S2", "S5", "S1"]);
  assert.equal(studentLabel(result("Student 3", 0.34657, false, "half_plateau")),
    "Student 3: stuck (half plateau), loss 0.347 at epoch 1200");
  assert.equal(studentLabel(result("Student 4", null, false)), "Student 4: not solved yet, no loss yet at epoch 1200");
});
