// node --test: the Config schema as the page reads it (static/js/schema.js). The fields
// here are small hand-written copies of rows of the engine's schema, with the limits
// the engine gives them (engine/config.py), so each expected value is worked by hand.
import assert from "node:assert/strict";
import { test } from "node:test";

import {
  formatNumber, humanize, includes, ladder, niceStep, perLayer, Schema, simplestActivation, words,
} from "../../static/js/schema.js";

const FIELDS = [
  { name: "lr", type: "float", default: 0.03, min: 1e-6, max: 10 },
  { name: "hidden", type: "int_list", default: [2], min: 1, max: 8, min_len: 0, max_len: 6 },
  { name: "activation", type: "choice_per_layer", default: "tanh", choices: ["relu", "tanh"], min_len: 1, max_len: 6 },
  { name: "features", type: "choice_list", default: ["x1", "x2"], choices: ["x1", "x2", "x1sq"], min_len: 1, max_len: 3,
    labels: { x1: "X₁", x2: "X₂", x1sq: "X₁²" } },
  { name: "amsgrad", type: "bool", default: false },
  { name: "seed", type: "int", default: 0, min: 0, max: 2147483647 },
  { name: "speed", type: "int", default: -1, min: -1, max: 100000, extra: { special: { "-1": "auto", "0": "max" } } },
];
const schema = new Schema(FIELDS);

test("a link's values are parsed with their types", () => {
  const { values, rejected } = schema.parseQuery("#lr=0.1&hidden=4,2&activation=relu&amsgrad=1&features=x1,x1sq&seed=7");
  assert.deepEqual(values, { lr: 0.1, hidden: [4, 2], activation: "relu", amsgrad: true, features: ["x1", "x1sq"], seed: 7 });
  assert.deepEqual(rejected, []);
});

test("an activation is one name, or one per hidden layer comma-separated", () => {
  assert.deepEqual(schema.parseQuery("hidden=4,3&activation=relu,tanh").values, { hidden: [4, 3], activation: ["relu", "tanh"] });
  assert.deepEqual(schema.parseQuery("activation=relu").values, { activation: "relu" });
  assert.deepEqual(schema.parseQuery("activation=relu,swish").rejected,
    [{ name: "activation", text: "relu,swish", reason: "not among the choices" }]);
  assert.equal(schema.parseQuery("activation=relu,tanh,relu,tanh,relu,tanh,relu").rejected[0].reason, "needs 1–6 names");
});

test("per layer: one name is every layer's; a list is cut, or grown by its last name", () => {
  assert.deepEqual(perLayer("relu", 3), ["relu", "relu", "relu"]);
  assert.deepEqual(perLayer(["relu", "tanh"], 3), ["relu", "tanh", "tanh"]);
  assert.deepEqual(perLayer(["relu", "tanh"], 1), ["relu"]);
  assert.deepEqual(perLayer("relu", 0), []);
  assert.equal(simplestActivation(["elu", "elu"]), "elu");
  assert.deepEqual(simplestActivation(["elu", "tanh"]), ["elu", "tanh"]);
});

test("an empty list is an empty value, as the engine writes it", () => {
  assert.deepEqual(schema.parseQuery("hidden=").values, { hidden: [] });
});

test("every part of a link the page cannot use is named with its reason", () => {
  const { values, rejected } = schema.parseQuery("lr=999&hidden=2,9&activation=swish&seed=1.5&nope=1&amsgrad=yes&lr=0.1");
  assert.deepEqual(values, { lr: 0.1 });
  assert.deepEqual(rejected, [
    { name: "lr", text: "999", reason: "outside 0.000001–10" },
    { name: "hidden", text: "2,9", reason: "entries outside 1–8" },
    { name: "activation", text: "swish", reason: "not one of the choices" },
    { name: "seed", text: "1.5", reason: "not a whole number" },
    { name: "nope", text: "1", reason: "not a setting" },
    { name: "amsgrad", text: "yes", reason: "not 0 or 1" },
  ]);
});

test("list limits: length, repeats", () => {
  assert.equal(schema.parseQuery("hidden=1,1,1,1,1,1,1").rejected[0].reason, "needs 0–6 entries");
  assert.equal(schema.parseQuery("features=x1,x1").rejected[0].reason, "repeats an entry");
  assert.equal(schema.parseQuery("features=").rejected[0].reason, "needs 1–3 entries");
});

test("defaults are completed and copied", () => {
  const full = schema.complete({ lr: 0.5 });
  assert.equal(full.lr, 0.5);
  assert.deepEqual(full.hidden, [2]);
  full.hidden.push(3);
  assert.deepEqual(schema.defaults().hidden, [2]);
});

test("includes compares lists by value", () => {
  assert.ok(includes({ hidden: [4, 2], lr: 1 }, { hidden: [4, 2] }));
  assert.ok(!includes({ hidden: [4, 2] }, { hidden: [4] }));
});

test("special values have the schema's words", () => {
  assert.equal(schema.special("speed", -1), "auto");
  assert.equal(schema.special("speed", 0), "max");
  assert.equal(schema.special("speed", 30), undefined);
});

test("ladder: 1-3-10 values inside the limits", () => {
  assert.deepEqual(ladder(0.001, 1), [0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1]);
  assert.deepEqual(ladder(1, 100), [1, 3, 10, 30, 100]);
});

test("niceStep: about 100 positions", () => {
  assert.equal(niceStep({ type: "float", min: 0, max: 50 }), 0.5);
  assert.equal(niceStep({ type: "int", min: 0, max: 50 }), 1);
});

test("numbers read as a person reads them", () => {
  assert.equal(formatNumber(0.034657), "0.0347");
  assert.equal(formatNumber(123456), "1.23e+5");
  assert.equal(formatNumber(NaN), "–");
  assert.equal(formatNumber(-Infinity), "−∞");
});

test("internal option names never reach the user", () => {
  // the display names come with the schema (each field's `labels`, the engine's)
  new Schema([
    { name: "loss", type: "choice", choices: ["bce"], labels: { bce: "Cross-entropy" } },
    { name: "optimizer", type: "choice", choices: ["sgd"], labels: { sgd: "SGD" } },
    { name: "init", type: "choice", choices: ["glorot_uniform"], labels: { glorot_uniform: "Glorot uniform" } },
    { name: "dataset", type: "choice", choices: ["xor4"], labels: { xor4: "XOR (4 points)" } },
    { name: "activation", type: "choice", choices: ["leaky_relu", "linear"], labels: { leaky_relu: "Leaky ReLU", linear: "Linear" } },
    { name: "regularization", type: "choice", choices: ["none"], labels: { none: "None" } },
  ]);
  assert.equal(humanize("loss bce needs output sigmoid, not tanh"), "loss Cross-entropy needs output sigmoid, not tanh");
  assert.equal(humanize("sgd with glorot_uniform on xor4 and leaky_relu"), "SGD with Glorot uniform on XOR (4 points) and Leaky ReLU");
  // plain words that are also option names stay
  assert.equal(humanize("none of the linear ones"), "none of the linear ones");
  assert.equal(words("x1sq"), "X₁²");
});

test("a choice's words are the schema's, so a new choice needs no table in the page", () => {
  assert.equal(words("softsign_made_up"), "softsign_made_up"); // not declared: as is
  new Schema([{ name: "activation", type: "choice", choices: ["softsign_made_up"], labels: { softsign_made_up: "Softsign (made up)" } }]);
  assert.equal(words("softsign_made_up"), "Softsign (made up)");
  assert.equal(humanize("try softsign_made_up"), "try Softsign (made up)");
});
