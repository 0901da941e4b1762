// @ts-check
// Where each setting goes on the page (speed beside Play, the top bar, the settings row
// that opens, the data and output columns) and which of them the current optimizer and
// initialiser use. Controls are built by controls.js from the schema; this module only
// places them.

import { formatNumber, ladder, words } from "./schema.js";
import { byId } from "./dom.js";
import { batchSizes } from "./setup.js";

/** @typedef {import("./schema.js").Schema} Schema */
/** @typedef {import("./controls.js").Controls} Controls */

const $ = byId;

// Which hyper-parameters each optimizer and initialiser reads comes from the schema
// (the `extra.fields` of `optimizer` and `init`, the engine's OPTIMIZER_FIELDS and
// INIT_FIELDS). It only decides what the settings row shows; limits come from there too.
/** @param {Schema} schema @param {string} name */
const fieldsOf = (schema, name) => schema.field(name)?.extra?.fields ?? {};

// Labels the page shows where the schema's own name the engine's options ("adam:
// beta1", "xor4: draw n_points rows..."): the settings row shows only the current
// optimizer's and initialiser's fields, so the prefix says nothing there.
/** @type {Record<string, string>} */
const LABELS = {
  momentum: "Momentum", dampening: "Dampening", nesterov: "Nesterov momentum",
  alpha: "Alpha (smoothing)", centered: "Centered", beta1: "Beta 1", beta2: "Beta 2",
  amsgrad: "AMSGrad", eps: "Epsilon", lr_decay: "Learning-rate decay",
  initial_accumulator_value: "Initial accumulator", eta_minus: "Eta minus",
  eta_plus: "Eta plus", step_min: "Smallest step", step_max: "Largest step",
  init_low: "Low", init_high: "High", init_mean: "Mean", init_std: "Standard deviation",
  bias_init: "Initial bias", seed: "Random seed", dtype: "Number precision",
  xor4_sample: "Sample rows from the 4 corners",
};
/** @type {Record<string, string>} */
const TOP_LABELS = {
  lr: "Learning rate", activation: "Activation", output: "Output", optimizer: "Optimizer",
  loss: "Loss", init: "Initialiser", regularization: "Regularisation",
  reg_rate: "Regularisation rate", hidden: "Hidden layers", features: "Features",
};

// A setting's name as the page shows it.
/** @param {Schema} schema @param {string} name */
export function fieldLabel(schema, name) {
  return LABELS[name] ?? TOP_LABELS[name] ?? schema.label(name);
}

// A partial config in words: "Hidden activation: Leaky ReLU; Learning rate: 0.09".
/** @param {Schema} schema @param {Config} change */
export function describeChange(schema, change) {
  /** @type {(v: ConfigValue) => string} */
  const value = (v) => (Array.isArray(v) ? v.map(value).join("-")
    : typeof v === "number" ? formatNumber(v, 3) : words(/** @type {string} */ (v)));
  return Object.entries(change).map(([k, v]) => (k === "hidden" && Array.isArray(v)
    ? hiddenWords(/** @type {number[]} */ (v))
    : k === "activation" && Array.isArray(v)
      ? `${fieldLabel(schema, k)}: ${v.map(value).join(", ")} (per layer)`
      : `${fieldLabel(schema, k)}: ${value(v)}`)).join("; ");
}

// Hidden layers in words: [3] is "1 hidden layer of 3 units", [4, 2] "2 hidden layers
// of 4 and 2 units" (a bare "Hidden layers: 3" reads as three layers).
/** @param {number[]} sizes */
export function hiddenWords(sizes) {
  if (sizes.length === 0) return "no hidden layer";
  const n = sizes.length;
  const units = n === 1 ? String(sizes[0]) : `${sizes.slice(0, -1).join(", ")} and ${sizes[n - 1]}`;
  const one = n === 1 && sizes[0] === 1;
  return `${n} hidden layer${n === 1 ? "" : "s"} of ${units} unit${one ? "" : "s"}`;
}

// Show only the current optimizer's and initialiser's hyper-parameters.
/** @param {Controls} controls @param {Config} config @param {Schema} schema */
export function showSettingsFor(controls, config, schema) {
  for (const [opt, names] of Object.entries(fieldsOf(schema, "optimizer"))) {
    if (opt !== config.optimizer) for (const n of names) controls.show(n, false);
  }
  for (const n of fieldsOf(schema, "optimizer")[String(config.optimizer)] ?? []) controls.show(n, true);
  for (const [init, names] of Object.entries(fieldsOf(schema, "init"))) {
    for (const n of names) controls.show(n, init === config.init);
  }
}

// Place every control: the TF Playground's top bar, then the settings row (optimizer and
// initialiser hyper-parameters, and any schema field placed nowhere else), the data
// column and the output column.
/** @param {HTMLElement} top @param {Controls} controls @param {Schema} schema */
export function buildSettings(top, controls, schema) {
  // Speed sits beside Play: auto (the default), a steady rate, or max.
  const speed = schema.field("speed");
  if (speed) {
    controls.add($("speed-slot"), "speed", {
      kind: "values",
      label: "Speed",
      values: [-1, ...ladder(1, /** @type {number} */ (speed.max)), 0],
      format: (v) => schema.special("speed", v) ?? `${v.toLocaleString("en")}/s`,
    });
  }
  controls.add(top, "lr", { kind: "ladder", label: TOP_LABELS.lr });
  // Every hidden layer's at once; each layer has its own menu in the network view.
  controls.add(top, "activation", { label: "Activation (all layers)" });
  controls.add(top, "output", { label: TOP_LABELS.output });
  const opt = controls.add(top, "optimizer", { label: TOP_LABELS.optimizer });
  if (opt) opt.box.appendChild(drawerToggle("Optimizer settings"));
  controls.add(top, "loss", { label: TOP_LABELS.loss });
  const init = controls.add(top, "init", { label: TOP_LABELS.init });
  if (init) init.box.appendChild(drawerToggle("Initialiser settings"));
  controls.add(top, "regularization", { label: TOP_LABELS.regularization });
  controls.add(top, "reg_rate", { kind: "ladder", label: TOP_LABELS.reg_rate, floor: 0.001 });
  problemControl(top);

  const optimizerRow = $("drawer-optimizer");
  const seen = new Set();
  for (const names of Object.values(fieldsOf(schema, "optimizer"))) {
    for (const n of names) {
      if (!seen.has(n)) controls.add(optimizerRow, n, { label: LABELS[n] });
      seen.add(n);
    }
  }
  const initRow = $("drawer-init");
  for (const n of ["init_low", "init_high", "init_mean", "init_std", "bias_init", "seed"]) {
    controls.add(initRow, n, { label: LABELS[n] });
  }

  const data = $("data-controls");
  controls.add(data, "train_share", { kind: "slider", label: "Ratio of training to test data" });
  controls.add(data, "noise", { kind: "slider", label: "Noise" });
  const batch = schema.field("batch_size");
  // Powers of two below the training set (set again for each data set: main.js)
  controls.add(data, "batch_size", {
    kind: "values", label: "Batch size", zeroLabel: "full batch",
    // batch_size is a whole number with both limits (engine/config.py).
    values: batch ? batchSizes(/** @type {number} */ (batch.max), /** @type {{min: number, max: number}} */ (batch))
      : [],
  });
  controls.add(data, "n_points", { kind: "slider", label: "Points" });
  controls.add(data, "xor4_sample", { label: LABELS.xor4_sample });
  controls.add(data, "data_seed", { kind: "number", label: "Data seed" });

  controls.add($("output-controls"), "grid", { kind: "slider", label: "Surface resolution" });

  // Whatever else the schema holds still gets a control.
  const placed = new Set([...controls.names(), "features", "hidden", "dataset"]);
  for (const f of schema.fields) {
    if (!placed.has(f.name)) controls.add($("drawer-advanced"), f.name, { label: LABELS[f.name] });
  }
  // The technical name stays on hover for whoever knows it.
  const dtype = document.querySelector('[data-field="dtype"] label');
  if (dtype instanceof HTMLElement) dtype.title = "The floating-point type (dtype) the network computes in";
}

/** @param {string} label */
function drawerToggle(label) {
  const b = document.createElement("button");
  b.type = "button";
  b.className = "gear";
  b.setAttribute("aria-label", label);
  b.setAttribute("aria-controls", "drawer");
  b.setAttribute("aria-expanded", "false");
  b.title = label;
  b.textContent = "⚙";
  b.addEventListener("click", () => {
    const drawer = $("drawer");
    drawer.hidden = !drawer.hidden;
    for (const g of document.querySelectorAll(".gear")) g.setAttribute("aria-expanded", String(!drawer.hidden));
  });
  return b;
}

/** @param {HTMLElement} parent */
function problemControl(parent) {
  const box = document.createElement("div");
  box.className = "control control-select";
  box.dataset.field = "problem";
  box.innerHTML = `<label class="caption" for="ctl-problem">Problem type</label>
    <select id="ctl-problem" name="problem">
      <option value="classification">Classification</option>
      <option value="regression">Regression</option>
    </select>`;
  parent.appendChild(box);
}
