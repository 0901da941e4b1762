// @ts-check
// Rules that keep a set-up the server will accept, read from the schema (the engine's
// LOSSES outputs, PROBLEM_OUTPUTS, PROBLEM_DEFAULTS): which output and loss go
// together, what a change of one must bring along, which menu entries cannot apply and
// why, and which batch sizes make sense. Pure: no DOM; unit-tested with node --test.

import { sameValue, words } from "./schema.js";

/** @typedef {import("./schema.js").Schema} Schema */

/**
 * An option field of a config (dataset, output, loss): a string in every whole config
 * (the server's state, the schema's defaults), which is what this module is handed.
 * @param {Config} config @param {string} name
 * @returns {string}
 */
const option = (config, name) => /** @type {string} */ (config[name]);

/** @param {Schema} schema */
function lossOutputs(schema) {
  return /** @type {Object<string, string[]>} */ (schema.field("loss")?.extra?.outputs ?? {});
}

/** @param {Schema} schema @param {string} dataset */
export function problemOf(schema, dataset) {
  const regression = schema.field("dataset")?.extra?.regression ?? [];
  return regression.includes(dataset) ? "regression" : "classification";
}

/** @param {Schema} schema @param {string} problem */
function outputsFor(schema, problem) {
  const table = schema.field("dataset")?.extra?.problem_outputs;
  return table?.[problem] ?? schema.field("output")?.choices ?? [];
}

// How many classes a data set has: the schema's for a generator, the config's own for
// your points ("custom"); null for regression.
/** @param {Schema} schema @param {string} dataset @param {Config} [config] */
export function classesOf(schema, dataset, config = {}) {
  if (problemOf(schema, dataset) === "regression") return null;
  return schema.field("dataset")?.extra?.classes?.[dataset] ?? /** @type {number | undefined} */ (config.classes) ?? 2;
}

// The kind of a data set, as the schema's problem_defaults name them.
/** @param {Schema} schema @param {string} dataset @param {Config} [config] */
export function kindOf(schema, dataset, config = {}) {
  if (problemOf(schema, dataset) === "regression") return "regression";
  return (classesOf(schema, dataset, config) ?? 0) > 2 ? "multiclass" : "classification";
}

/** @param {Schema} schema @param {string} kind @param {string} output */
function outputFits(schema, kind, output) {
  if (kind === "multiclass") return output === "softmax"; // one unit per class
  return outputsFor(schema, kind).includes(output);
}

// The partial config to send when the user picks data set `name`: with the kind's
// output and loss (schema problem_defaults) when its kind differs from the current
// data set's (5 blobs back to XOR brings sigmoid and cross-entropy back, not the
// blobs' 2-unit softmax) or the current output cannot serve it; a data set of the same
// kind keeps the output and loss chosen.
/** @param {Schema} schema @param {Config} config @param {string} name */
export function datasetChange(schema, config, name) {
  const kind = kindOf(schema, name, config);
  const sameKind = kindOf(schema, option(config, "dataset"), config) === kind;
  if (sameKind && outputFits(schema, kind, option(config, "output"))) return { dataset: name };
  return { dataset: name, ...(schema.field("dataset")?.extra?.problem_defaults?.[kind] ?? {}) };
}

// The partial config to send when the user sets `name` to `value` on `config`: the
// change itself, plus the output or loss that must come along so the pair stays valid
// (Tanh output with Cross-entropy brings Mean squared error; Cross-entropy on a tanh
// output brings the problem's default output back). Other fields pass through.
/** @param {Schema} schema @param {Config} config @param {string} name @param {ConfigValue} value */
export function coherentChange(schema, config, name, value) {
  /** @type {Config} */
  const change = { [name]: value };
  const outputs = lossOutputs(schema);
  const problem = problemOf(schema, option(config, "dataset"));
  const picked = /** @type {string} */ (value); // read only where name is an option
  if (name === "output" && !(outputs[option(config, "loss")] ?? [picked]).includes(picked)) {
    const loss = Object.keys(outputs).find((l) => outputs[l].includes(picked));
    if (loss) change.loss = loss;
  }
  if (name === "loss" && !(outputs[picked] ?? [option(config, "output")]).includes(option(config, "output"))) {
    const allowed = outputsFor(schema, problem);
    const preferred = /** @type {string | undefined} */ (
      schema.field("dataset")?.extra?.problem_defaults?.[problem]?.output);
    const candidates = [preferred, ...(outputs[picked] ?? [])];
    const output = candidates.find((o) => o && outputs[picked].includes(o) && allowed.includes(o));
    if (output) change.output = output;
  }
  return change;
}

// Menu entries of `output` and `loss` that cannot apply to the current data set,
// each with the reason shown as its tooltip: {output: {linear: "..."}, loss: {...}}.
/** @param {Schema} schema @param {Config} config */
export function unavailableOptions(schema, config) {
  const problem = problemOf(schema, option(config, "dataset"));
  const allowed = outputsFor(schema, problem);
  const outputs = lossOutputs(schema);
  const other = problem === "regression" ? "classification" : "regression";
  /** @type {{output: Object<string, string>, loss: Object<string, string>}} */
  const out = { output: {}, loss: {} };
  if (kindOf(schema, option(config, "dataset"), config) === "multiclass") {
    const c = classesOf(schema, option(config, "dataset"), config);
    for (const o of schema.field("output")?.choices ?? []) {
      if (o !== "softmax") out.output[o] = `${c} classes need a Softmax output (one unit per class)`;
    }
    for (const loss of Object.keys(outputs)) {
      if (!outputs[loss].includes("softmax")) out.loss[loss] = `${c} classes need ${words("ce")}`;
    }
    return out;
  }
  for (const o of schema.field("output")?.choices ?? []) {
    if (!allowed.includes(o)) out.output[o] = `${words(o)} output is for ${other} data`;
  }
  for (const [loss, needs] of Object.entries(outputs)) {
    if (!needs.some((o) => allowed.includes(o))) {
      out.loss[loss] = `${words(loss)} needs a ${needs.map(words).join(" or ")} output, `
        + `which is for ${other} data`;
    }
  }
  return out;
}

// Batch sizes worth offering for a training set of `trainSize` rows: full batch (0),
// then powers of two below it. A size at or above the training set is the full batch.
/** @param {number} trainSize @param {{min: number, max: number}} field */
export function batchSizes(trainSize, field) {
  const out = [0];
  for (let b = 1; b < trainSize && b <= field.max; b *= 2) if (b >= field.min) out.push(b);
  return out;
}

// Does `config` still hold the set-up a preset gave? Display fields (frame resolution,
// speed) may change without leaving it.
/** @param {Schema} schema @param {Config} config @param {Config} presetConfig */
export function holdsSetup(schema, config, presetConfig) {
  return Object.entries(presetConfig)
    .every(([k, v]) => schema.field(k)?.group === "display" || sameValue(config[k], v));
}
