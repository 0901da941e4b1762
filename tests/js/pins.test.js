// node --test: pinned runs' labels and slots (static/js/pins.js). The expected labels
// are written out by hand from the two set-ups of each case.
import assert from "node:assert/strict";
import { test } from "node:test";

import { differences, formatSetting, MAX_PINS, PIN_COLORS, pinLabel, PinList } from "../../static/js/pins.js";
import { Schema } from "../../static/js/schema.js";

const schema = new Schema([
  { name: "dataset", type: "choice" },
  { name: "hidden", type: "int_list" },
  { name: "optimizer", type: "choice", labels: { adam: "Adam", sgd: "SGD" } },
  { name: "lr", type: "float" },
  { name: "batch_norm", type: "bool" },
  { name: "speed", type: "int", group: "display" },
  { name: "grid", type: "int", group: "display" },
]);
const BASE = { dataset: "xor4", hidden: [2], optimizer: "adam", lr: 0.03, batch_norm: false, speed: -1, grid: 50 };

test("one change is named by the pinned run's value, in words", () => {
  assert.equal(pinLabel(schema, { ...BASE, optimizer: "sgd" }, BASE), "optimizer: SGD");
});

test("the same set-up says so, and display settings are not a difference", () => {
  assert.equal(pinLabel(schema, BASE, { ...BASE, speed: 0, grid: 80 }), "same set-up");
});

test("two changes are both named, in schema order; more are counted", () => {
  const pinned = { ...BASE, lr: 0.1, optimizer: "sgd" };
  assert.equal(pinLabel(schema, pinned, BASE), "optimizer: SGD, lr: 0.1");
  const four = { ...pinned, hidden: [4, 2], batch_norm: true };
  assert.equal(pinLabel(schema, four, BASE), "hidden: 4-2, optimizer: SGD and 2 more");
  assert.deepEqual(differences(schema, four, BASE).map((d) => d.name), ["hidden", "optimizer", "lr", "batch_norm"]);
});

test("lists compare by value and read as shapes", () => {
  assert.equal(pinLabel(schema, { ...BASE, hidden: [2] }, { ...BASE, hidden: [2] }), "same set-up");
  assert.equal(formatSetting([5, 3]), "5-3");
  assert.equal(formatSetting([]), "none");
  assert.equal(formatSetting(true), "on");
});

test("at most four pins; a freed colour is given again", () => {
  const pins = new PinList();
  const made = Array.from({ length: MAX_PINS }, (_, i) => pins.add({ n: i }));
  assert.deepEqual(made.map((p) => p.color), PIN_COLORS);
  assert.equal(pins.full, true);
  assert.equal(pins.add({ n: 9 }), null);
  assert.equal(pins.remove(made[1].id), true);
  assert.equal(pins.remove(made[1].id), false);
  assert.equal(pins.add({ n: 5 }).color, PIN_COLORS[1]);
  assert.deepEqual(pins.items.map((p) => p.n), [0, 2, 3, 5]);
});
