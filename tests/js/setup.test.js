// node --test: keeping a set-up the server accepts (static/js/setup.js). The schema rows
// are copies of the engine's (LOSSES outputs: bce -> sigmoid; mse -> sigmoid, tanh,
// linear; PROBLEM_OUTPUTS; PROBLEM_DEFAULTS; the choices' display names, `labels`), so
// the expected changes and words follow from them.
import assert from "node:assert/strict";
import { test } from "node:test";

import { Schema } from "../../static/js/schema.js";
import { batchSizes, classesOf, coherentChange, datasetChange, holdsSetup, kindOf, unavailableOptions } from "../../static/js/setup.js";

const schema = new Schema([
  { name: "dataset", type: "choice", choices: ["xor4", "circle", "plane"], extra: {
    regression: ["plane"],
    problem_defaults: { classification: { output: "sigmoid", loss: "bce" }, regression: { output: "linear", loss: "mse" } },
    problem_outputs: { classification: ["sigmoid", "tanh"], regression: ["linear", "tanh"] },
  } },
  { name: "output", type: "choice", choices: ["sigmoid", "tanh", "linear"], labels: { sigmoid: "Sigmoid", tanh: "Tanh", linear: "Linear" } },
  { name: "loss", type: "choice", choices: ["bce", "mse"], labels: { bce: "Cross-entropy", mse: "Mean squared error" }, extra: { outputs: { bce: ["sigmoid"], mse: ["sigmoid", "tanh", "linear"] } } },
  { name: "lr", type: "float", min: 1e-6, max: 10 },
  { name: "hidden", type: "int_list", min: 1, max: 8 },
  { name: "speed", type: "int", min: -1, max: 100000, group: "display" },
  { name: "grid", type: "int", min: 10, max: 200, group: "display" },
]);
const XOR = { dataset: "xor4", output: "sigmoid", loss: "bce", lr: 0.03, hidden: [2], speed: -1, grid: 50 };

test("tanh output with cross-entropy brings mean squared error along", () => {
  assert.deepEqual(coherentChange(schema, XOR, "output", "tanh"), { output: "tanh", loss: "mse" });
});

test("a change the loss accepts goes alone", () => {
  const mse = { ...XOR, loss: "mse" };
  assert.deepEqual(coherentChange(schema, mse, "output", "tanh"), { output: "tanh" });
  assert.deepEqual(coherentChange(schema, XOR, "lr", 0.1), { lr: 0.1 });
});

test("cross-entropy on a tanh output brings the problem's sigmoid back", () => {
  const tanh = { ...XOR, output: "tanh", loss: "mse" };
  assert.deepEqual(coherentChange(schema, tanh, "loss", "bce"), { loss: "bce", output: "sigmoid" });
});

test("what the data set cannot take is disabled, with the reason", () => {
  const cls = unavailableOptions(schema, XOR);
  assert.deepEqual(Object.keys(cls.output), ["linear"]);
  assert.match(cls.output.linear, /Linear output is for regression data/);
  assert.deepEqual(cls.loss, {});
  const reg = unavailableOptions(schema, { ...XOR, dataset: "plane", output: "linear", loss: "mse" });
  assert.deepEqual(Object.keys(reg.output), ["sigmoid"]);
  assert.deepEqual(Object.keys(reg.loss), ["bce"]);
  assert.match(reg.loss.bce, /^Cross-entropy needs a Sigmoid output, which is for classification data$/);
});

test("batch sizes: full batch, then powers of two below the training set", () => {
  assert.deepEqual(batchSizes(4, { min: 0, max: 2000 }), [0, 1, 2]);
  assert.deepEqual(batchSizes(100, { min: 0, max: 2000 }), [0, 1, 2, 4, 8, 16, 32, 64]);
  assert.deepEqual(batchSizes(1020, { min: 0, max: 2000 }), [0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512]);
  assert.ok(!batchSizes(1020, { min: 0, max: 2000 }).includes(1020));
});

test("a preset's set-up holds until a training setting changes, not the display ones", () => {
  const preset = { ...XOR };
  assert.ok(holdsSetup(schema, { ...XOR, speed: 0, grid: 100 }, preset));
  assert.ok(!holdsSetup(schema, { ...XOR, lr: 0.1 }, preset));
  assert.ok(!holdsSetup(schema, { ...XOR, hidden: [4, 2] }, preset));
});

const multi = new Schema([
  { name: "dataset", type: "choice", choices: ["xor4", "blobs3", "plane", "custom"], extra: {
    regression: ["plane"],
    classes: { xor4: 2, blobs3: 3 },
    problem_defaults: { classification: { output: "sigmoid", loss: "bce" }, regression: { output: "linear", loss: "mse" }, multiclass: { output: "softmax", loss: "ce" } },
    problem_outputs: { classification: ["sigmoid", "tanh", "softmax"], regression: ["linear", "tanh"] },
  } },
  { name: "output", type: "choice", choices: ["sigmoid", "tanh", "linear", "softmax"] },
  { name: "loss", type: "choice", choices: ["bce", "mse", "ce"], extra: { outputs: { bce: ["sigmoid"], mse: ["sigmoid", "tanh", "linear"], ce: ["softmax"] } } },
]);

test("a data set of another kind brings the output and loss it needs", () => {
  assert.deepEqual(datasetChange(multi, XOR, "blobs3"), { dataset: "blobs3", output: "softmax", loss: "ce" });
  assert.deepEqual(datasetChange(multi, XOR, "plane"), { dataset: "plane", output: "linear", loss: "mse" });
  // Another kind brings its defaults back even where the current output would fit:
  // tanh serves targets too, and 2 classes could take a softmax (issue 23).
  assert.deepEqual(datasetChange(multi, { ...XOR, output: "tanh", loss: "mse" }, "plane"),
    { dataset: "plane", output: "linear", loss: "mse" });
  const three = { ...XOR, dataset: "blobs3", output: "softmax", loss: "ce" };
  assert.deepEqual(datasetChange(multi, three, "xor4"), { dataset: "xor4", output: "sigmoid", loss: "bce" });
  assert.deepEqual(datasetChange(multi, XOR, "custom"), { dataset: "custom" }); // your points: 2 classes by default
  assert.deepEqual(datasetChange(multi, { ...XOR, classes: 4 }, "custom"), { dataset: "custom", output: "softmax", loss: "ce" });
});

test("a data set of the same kind keeps the output and loss chosen", () => {
  const tanh = { ...XOR, output: "tanh", loss: "mse" };
  assert.deepEqual(datasetChange(multi, { ...tanh, dataset: "plane" }, "plane"), { dataset: "plane" });
  assert.deepEqual(datasetChange(multi, { ...XOR, dataset: "custom" }, "xor4"), { dataset: "xor4" });
  assert.deepEqual(datasetChange(schema, tanh, "circle"), { dataset: "circle" });
});

test("more than two classes leave only softmax and its loss in the menus", () => {
  const three = unavailableOptions(multi, { ...XOR, dataset: "blobs3", output: "softmax", loss: "ce" });
  assert.deepEqual(Object.keys(three.output).sort(), ["linear", "sigmoid", "tanh"]);
  assert.deepEqual(Object.keys(three.loss).sort(), ["bce", "mse"]);
  assert.match(three.output.sigmoid, /^3 classes need a Softmax output/);
  assert.equal(kindOf(multi, "blobs3"), "multiclass");
  assert.equal(classesOf(multi, "plane"), null);
});
