// @ts-check
// The network diagram: input features (click to toggle), hidden layers with +/- and a
// slider for their width and a menu of their own activation, every neuron a small
// canvas showing its output over the domain, links as SVG paths (width by |w|, colour
// by sign). Hover or focus a link or a bias to read its value; click it (or press
// Enter) to edit it (link_editor.js).

import { cssColor, toUnit } from "./colors.js";
import { LinkEditor } from "./link_editor.js";
import { CLASS_COLORS, CLASS_NAMES, rgb } from "./classes.js";
import { paintFunction, paintProbability, paintQuantised } from "./thumbs.js";
import { perLayer, simplestActivation, words } from "./schema.js";
import { el } from "./dom.js";

/** @typedef {import("./schema.js").Schema} Schema */
/** @typedef {import("./link_editor.js").Param} Param */
/** A neuron on the diagram: its place, its picture and its names. */
/** @typedef {{x: number, y: number, canvas: HTMLCanvasElement, name: string, label?: string}} Unit */
/** @typedef {Param & {line: SVGPathElement, hit: SVGPathElement}} Link */
/** @typedef {Param & {el: HTMLButtonElement}} Bias */
/**
 * @typedef {{box: HTMLDivElement, plus: HTMLButtonElement, minus: HTMLButtonElement,
 *   slider: HTMLInputElement, count: HTMLSpanElement, label: HTMLLabelElement,
 *   activation: HTMLSelectElement}} Header
 */
/** The hidden layers' and the features' limits (the schema's, or these defaults). */
/** @typedef {{min: number, max: number, min_len: number, max_len: number}} Limits */
/**
 * onHidden's `activation`: with one activation per layer, the list fitted to the new
 * depth (undefined when one name serves every layer); onActivation: the hidden
 * activation as one name or one per layer.
 * @typedef {{schema: Schema, tooltip: HTMLElement, editor: HTMLFormElement,
 *   onFeatures: (features: string[]) => void,
 *   onHidden: (hidden: number[], activation?: string[]) => void,
 *   onActivation?: (activation: string | string[]) => void,
 *   onEdit: (payload: object) => void, canEdit?: () => boolean, onRepaint?: () => void,
 *   onHoverUnit?: (u: number | null, label: string) => void}} NetworkOptions
 */

const NODE_MAX = 36; // neuron size in CSS pixels, shrinking to NODE_MIN when crowded
const NODE_MIN = 24;
const GAP = 12; // vertical gap between neurons
const TOP = 8; // first neuron's top inside the body
const INPUT_X = 58; // left edge of the input column (labels sit to its left)
const THROTTLE_MS = 90; // slider drags send at most ~11 configs a second

// Inputs the page can preview before the server has drawn them. Display only: the
// engine computes the real features; these just show what a feature looks like.
/** @type {Record<string, (x: number, y: number) => number>} */
const FEATURE_PREVIEW = {
  x1: (x) => x,
  x2: (x, y) => y,
  x1sq: (x) => x * x,
  x2sq: (x, y) => y * y,
  x1x2: (x, y) => x * y,
  sinx1: (x) => Math.sin(x),
  sinx2: (x, y) => Math.sin(y),
};

// Symmetric colour scale for a hidden or input unit: magnitudes below 1 stay pale, so
// a unit that barely moves looks like it.
/** @param {number} lo @param {number} hi */
function unitScale(lo, hi) {
  const m = Math.max(1, Math.abs(lo), Math.abs(hi));
  return (/** @type {number} */ v) => v / m;
}

export class NetworkView {
  /** @param {HTMLElement} root @param {NetworkOptions} opts */
  constructor(root, opts) {
    this.root = root;
    this.opts = opts;
    this.schema = opts.schema;
    const featureField = this.schema.field("features");
    this.allFeatures = featureField?.choices ?? ["x1", "x2"];
    this.featureField = featureField ?? { min_len: 1, max_len: 7 };
    // The schema's hidden field has all four limits (engine/config.py).
    this.hiddenField = /** @type {Limits} */ (
      this.schema.field("hidden") ?? { min: 1, max: 8, min_len: 0, max_len: 6 });
    /** @type {string[]} */
    this.features = ["x1", "x2"];
    /** @type {number[]} */
    this.hidden = [];
    // The hidden activation as the server holds it: one name, or one per hidden layer.
    /** @type {string | string[]} */
    this.activation = String(this.schema.field("activation")?.default ?? "tanh");
    this.activationChoices = this.schema.field("activation")?.choices ?? [];
    /** @type {number[] | null} */
    this.sizes = null;
    this.domain = [-1, 1, -1, 1];
    this.outputDomain = [0, 1];
    this.structureKey = "";
    /** @type {Header[]} */
    this.headers = [];
    /** @type {number[] | null} */
    this.pendingHidden = null;
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    this.sendTimer = undefined;
    this.width = 0; // measured once and on resize: reading it per frame forces a layout
    this.lastSend = 0;
    // Set by build(), columnXs(), drawStructure() and draw():
    /** @type {HTMLSpanElement} */ this.featuresTitle;
    /** @type {HTMLButtonElement} */ this.addLayerBtn;
    /** @type {HTMLButtonElement} */ this.removeLayerBtn;
    /** @type {HTMLSpanElement} */ this.layerCountText;
    /** @type {HTMLSpanElement} */ this.errorSlot;
    /** @type {HTMLDivElement} */ this.headRow;
    /** @type {HTMLDivElement} */ this.body;
    /** @type {HTMLDivElement} */ this.inputs;
    /** @type {SVGSVGElement} */ this.svg;
    /** @type {HTMLDivElement} */ this.nodes;
    /** @type {HTMLSpanElement} */ this.featureErrorSlot;
    /** @type {number} neuron size, CSS pixels */ this.node;
    /** @type {number} */ this.spacing;
    /** @type {string[]} */ this.activeFeatures;
    /** @type {number | null} softmax: the classes, one output unit each */ this.classes;
    /** @type {Map<string, {node: HTMLButtonElement, canvas: HTMLCanvasElement, row: number}>} */
    this.featureNodes;
    /** @type {Unit[][]} */ this.layerUnits;
    /** @type {Link[]} */ this.links;
    /** @type {Bias[]} */ this.biases;
    /** @type {Frame | undefined} */ this.lastFrame;
    /** @type {boolean | undefined} */ this.painted;
    this.build();
    this.editor = new LinkEditor({
      body: this.body, tooltip: opts.tooltip, form: opts.editor, onEdit: opts.onEdit,
      canEdit: opts.canEdit,
    });
    /** @type {number | null} */
    this.hovered = null; // the unit shown on the big surface while the pointer is on it
    this.measure();
    window.addEventListener("resize", () => {
      this.measure();
      this.placeHeaders();
      if (!this.sizes || !this.ensureStructure(this.sizes, this.activeFeatures)) return;
      // New nodes are blank: paint the last frame again (a paused run sends no other).
      const f = this.lastFrame;
      if (f && f.sizes.join(",") === this.sizes.join(",")) {
        this.draw(f, this.outputDomain);
        this.opts.onRepaint?.();
      }
    });
  }

  measure() {
    this.width = this.root.clientWidth;
  }

  build() {
    this.root.innerHTML = "";
    const head = el("div", { class: "net-header" }, this.root);
    this.featuresTitle = el("span", { class: "column-title features-title", text: "Features" }, head);
    const layers = el("div", { class: "layer-count" }, head);
    this.addLayerBtn = el("button", { type: "button", class: "round tiny", "aria-label": "Add a hidden layer", title: "Add a hidden layer", text: "+" }, layers);
    this.removeLayerBtn = el("button", { type: "button", class: "round tiny", "aria-label": "Remove the last hidden layer", title: "Remove the last hidden layer", text: "−" }, layers);
    this.layerCountText = el("span", { class: "column-title", text: "0 hidden layers" }, layers);
    this.addLayerBtn.addEventListener("click", () => this.changeLayers(+1));
    this.removeLayerBtn.addEventListener("click", () => this.changeLayers(-1));
    this.errorSlot = el("span", { class: "field-error", "data-error-for": "hidden", role: "alert" }, head);

    this.headRow = el("div", { class: "layer-heads" }, this.root);
    this.body = el("div", { class: "net-body" }, this.root);
    // The input features first, then the links and the other neurons: Tab follows
    // the diagram from left to right (features before weights).
    this.inputs = el("div", { class: "net-nodes net-inputs" }, this.body);
    this.svg = el("svg", { class: "net-links", "aria-label": "Links: weights between neurons" }, this.body);
    this.nodes = el("div", { class: "net-nodes" }, this.body);
    this.featureErrorSlot = el("span", { class: "field-error", "data-error-for": "features", role: "alert" }, this.root);
  }

  // ---- state from the server -------------------------------------------------------

  /** @param {Config} config @param {number[] | null | undefined} sizes */
  setConfig(config, sizes) {
    this.features = /** @type {string[] | undefined} */ (config.features) ?? this.features;
    this.hidden = /** @type {number[] | undefined} */ (config.hidden) ?? this.hidden;
    if (config.activation !== undefined) {
      this.activation = /** @type {string | string[]} */ (config.activation);
    }
    this.syncHeaders();
    const shape = sizes ?? [this.features.length, ...this.hidden, 1];
    // A softmax output: one unit per class, each drawn and named as its class.
    const outputs = shape[shape.length - 1];
    this.classes = config.output === "softmax" && outputs > 1 ? outputs : null;
    this.ensureStructure(shape, this.features);
  }

  // ---- layer headers: kept across rebuilds so a slider drag is never interrupted ----

  syncHeaders() {
    const f = this.hiddenField;
    const shown = this.pendingHidden ?? this.hidden;
    while (this.headers.length < shown.length) this.headers.push(this.makeHeader(this.headers.length));
    while (this.headers.length > shown.length) this.headers.pop()?.box.remove();
    shown.forEach((n, l) => {
      const h = this.headers[l];
      if (document.activeElement !== h.slider || this.pendingHidden === null) h.slider.value = String(n);
      h.count.innerHTML = `${n}<span class="unit"> neuron${n === 1 ? "" : "s"}</span>`;
      h.minus.disabled = n <= f.min;
      h.plus.disabled = n >= f.max;
      h.activation.value = perLayer(this.activation, shown.length)[l];
      // the name in full on hover, where a narrow head cuts it
      h.activation.title = `Activation of layer ${l + 1}: ${words(h.activation.value)}`;
    });
    const L = shown.length;
    this.layerCountText.textContent = `${L} hidden layer${L === 1 ? "" : "s"}`;
    this.addLayerBtn.disabled = L >= f.max_len;
    this.removeLayerBtn.disabled = L <= (f.min_len ?? 0);
    this.placeHeaders();
  }

  /** @param {number} l @returns {Header} */
  makeHeader(l) {
    const f = this.hiddenField;
    const box = el("div", { class: "layer-head" }, this.headRow);
    const buttons = el("div", { class: "layer-buttons" }, box);
    const plus = el("button", { type: "button", class: "round tiny", "aria-label": `Add a neuron to layer ${l + 1}`, title: "Add a neuron", text: "+" }, buttons);
    const minus = el("button", { type: "button", class: "round tiny", "aria-label": `Remove a neuron from layer ${l + 1}`, title: "Remove a neuron", text: "−" }, buttons);
    const id = `layer-${l + 1}-size`;
    const label = el("label", { for: id, class: "visually-hidden", text: `Neurons in layer ${l + 1}` }, box);
    const slider = el("input", { type: "range", id, min: String(f.min), max: String(f.max), step: "1", "data-layer": String(l), class: "layer-slider" }, box);
    const count = el("span", { class: "neuron-count" }, box);
    const menuId = `layer-${l + 1}-activation`;
    el("label", { for: menuId, class: "visually-hidden", text: `Activation of layer ${l + 1}` }, box);
    const activation = el("select", { id: menuId, class: "layer-activation", "data-layer": String(l), title: `Activation of layer ${l + 1}` }, box);
    for (const name of this.activationChoices) el("option", { value: name, text: words(name) }, activation);
    plus.addEventListener("click", () => this.changeNeurons(l, +1));
    minus.addEventListener("click", () => this.changeNeurons(l, -1));
    slider.addEventListener("input", () => this.setNeurons(l, Number(slider.value)));
    activation.addEventListener("change", () => this.setActivation(l, activation.value));
    return { box, plus, minus, slider, count, label, activation };
  }

  // One layer's activation changed: the list of every layer's, or one name when they
  // are all the same (the server's canonical form; the "all layers" menu shows it).
  /** @param {number} l @param {string} name */
  setActivation(l, name) {
    const names = perLayer(this.activation, (this.pendingHidden ?? this.hidden).length);
    names[l] = name;
    this.opts.onActivation?.(simplestActivation(names));
  }

  placeHeaders() {
    const xs = this.columnXs(this.headers.length);
    const width = Math.min(76, this.spacing - 6);
    this.headRow.classList.toggle("narrow", width < 64);
    this.headers.forEach((h, l) => {
      h.box.style.left = `${xs[l + 1] + this.node / 2}px`;
      h.box.style.width = `${width}px`;
    });
  }

  /** @param {number} delta */
  changeLayers(delta) {
    const f = this.hiddenField;
    const hidden = (this.pendingHidden ?? this.hidden).slice();
    if (delta > 0 && hidden.length < f.max_len) hidden.push(Math.max(f.min, Math.min(f.max, 2)));
    if (delta < 0 && hidden.length > (f.min_len ?? 0)) hidden.pop();
    this.requestHidden(hidden, true);
  }

  /** @param {number} l @param {number} delta */
  changeNeurons(l, delta) {
    const hidden = (this.pendingHidden ?? this.hidden).slice();
    this.setNeurons(l, hidden[l] + delta, true);
  }

  /** @param {number} l @param {number} n @param {boolean} [now] */
  setNeurons(l, n, now = false) {
    const f = this.hiddenField;
    const hidden = (this.pendingHidden ?? this.hidden).slice();
    hidden[l] = Math.max(f.min, Math.min(f.max, n));
    this.requestHidden(hidden, now);
  }

  // Ask for a new shape. Slider drags are throttled (the last position always goes
  // out); the headers show the requested shape at once.
  /** @param {number[]} hidden @param {boolean} now */
  requestHidden(hidden, now) {
    this.pendingHidden = hidden;
    this.syncHeaders();
    const wait = now ? 0 : this.lastSend + THROTTLE_MS - performance.now();
    clearTimeout(this.sendTimer);
    const send = () => {
      this.lastSend = performance.now();
      const list = this.pendingHidden;
      this.pendingHidden = null;
      // One activation per layer must follow a change of depth (the server refuses a
      // list of another length): cut, or grown by repeating the last layer's; with no
      // hidden layer left, the first layer's name stays (one name, for a layer added).
      const perLayerList = Array.isArray(this.activation) && list
        ? perLayer(this.activation, Math.max(1, list.length)) : undefined;
      if (list) this.opts.onHidden(list, perLayerList);
    };
    if (wait <= 0) send();
    else this.sendTimer = setTimeout(send, wait);
  }

  // ---- structure: nodes and links for the current sizes ----------------------------

  // Column positions, and the neuron size that leaves room for the links between them.
  /** @param {number} hiddenCount */
  columnXs(hiddenCount) {
    const width = Math.max(this.width, 360);
    const right = width - NODE_MAX - 52; // room for the "output" label
    const spacing = (right - INPUT_X) / (hiddenCount + 1);
    this.node = Math.max(NODE_MIN, Math.min(NODE_MAX, Math.floor(spacing * 0.5)));
    this.spacing = spacing;
    const xs = [INPUT_X];
    for (let k = 1; k <= hiddenCount; k++) xs.push(INPUT_X + spacing * k);
    xs.push(right);
    return xs;
  }

  // True when the nodes and links were drawn anew (blank until the next draw()).
  /** @param {number[]} sizes @param {string[]} features */
  ensureStructure(sizes, features) {
    const key = `${sizes.join(",")}|${features.join(",")}|${this.width}|${this.classes}`;
    if (key === this.structureKey) return false;
    this.structureKey = key;
    this.sizes = sizes;
    this.activeFeatures = features;
    this.drawStructure();
    return true;
  }

  drawStructure() {
    // The hovered node is about to go without a mouseleave: the big surface must not
    // stay on a unit that no longer exists (or is now another one).
    this.hover(null);
    this.editor.close();
    const sizes = this.sizes;
    if (!sizes) throw new Error("the diagram has no layer sizes yet");
    const L = sizes.length - 2;
    const xs = this.columnXs(L);
    const rowsNeeded = Math.max(this.allFeatures.length, ...sizes.slice(1));
    const NODE = this.node;
    const height = TOP + rowsNeeded * (NODE + GAP);
    this.body.style.height = `${height}px`;
    this.svg.setAttribute("width", String(this.width));
    this.svg.setAttribute("height", String(height));
    this.svg.innerHTML = "";
    this.nodes.innerHTML = "";
    this.inputs.innerHTML = "";
    const y = (/** @type {number} */ r) => TOP + r * (NODE + GAP);

    // Unit positions, layer by layer: inputs are the active features in input order.
    this.featureNodes = new Map();
    for (const [r, name] of this.allFeatures.entries()) {
      const active = this.activeFeatures.includes(name);
      const node = el("button", {
        type: "button",
        class: `node feature${active ? " active" : ""}`,
        "aria-pressed": String(active),
        "aria-label": `Input feature ${words(name)}`,
        title: `${words(name)}: click to ${active ? "remove" : "add"}`,
        "data-feature": name,
      }, this.inputs);
      node.style.left = `${xs[0]}px`;
      node.style.top = `${y(r)}px`;
      node.style.width = node.style.height = `${NODE}px`;
      const canvas = el("canvas", { width: "16", height: "16" }, node);
      el("span", { class: "node-label", text: words(name) }, node);
      node.addEventListener("click", () => this.toggleFeature(name));
      this.featureNodes.set(name, { node, canvas, row: r });
    }
    let unitIndex = 0;
    const hoverable = (/** @type {HTMLElement} */ node, /** @type {number} */ u, /** @type {string} */ label) => {
      node.addEventListener("mouseenter", () => this.hover(u, label));
      node.addEventListener("mouseleave", () => this.hover(null));
    };
    /** @type {Unit[][]} */
    const layerUnits = [this.activeFeatures.map((name) => {
      const f = this.featureNodes.get(name);
      if (!f) throw new Error(`no node for the feature ${name}`);
      hoverable(f.node, unitIndex++, `input ${words(name)}`);
      return { x: xs[0], y: y(f.row), canvas: f.canvas, name: words(name) };
    })];
    for (let l = 1; l < sizes.length; l++) {
      /** @type {Unit[]} */
      const units = [];
      const isOutput = l === sizes.length - 1;
      for (let i = 0; i < sizes[l]; i++) {
        const perClass = isOutput && this.classes;
        const label = perClass ? `the probability of class ${i} (${CLASS_NAMES[i]})`
          : isOutput ? "the output" : `neuron ${i + 1} of layer ${l}`;
        const node = el("div", { class: `node ${isOutput ? "output" : "hidden"}`, title: label }, this.nodes);
        node.style.left = `${xs[l]}px`;
        node.style.top = `${y(i)}px`;
        node.style.width = node.style.height = `${NODE}px`;
        const canvas = el("canvas", { width: "16", height: "16" }, node);
        if (perClass) node.style.borderColor = CLASS_COLORS[i];
        if (isOutput) el("span", { class: "node-label right", text: perClass ? `class ${i}` : "output" }, node);
        hoverable(node, unitIndex++, label);
        units.push({ x: xs[l], y: y(i), canvas, name: isOutput ? "output" : `L${l}·${i + 1}`, label });
      }
      layerUnits.push(units);
    }
    this.layerUnits = layerUnits;

    // Links W[l][i, j] from unit i of layer l to unit j of layer l+1, then biases.
    this.links = [];
    this.biases = [];
    for (let l = 0; l + 1 < layerUnits.length; l++) {
      const from = layerUnits[l];
      const to = layerUnits[l + 1];
      for (let i = 0; i < from.length; i++) {
        for (let j = 0; j < to.length; j++) {
          const a = from[i];
          const b = to[j];
          const x0 = a.x + NODE;
          const y0 = a.y + NODE / 2;
          const x1 = b.x;
          const y1 = b.y + NODE / 2;
          const mx = (x0 + x1) / 2;
          const d = `M${x0},${y0} C${mx},${y0} ${mx},${y1} ${x1},${y1}`;
          const line = el("path", { d, class: "link" }, this.svg);
          const hit = el("path", {
            d, class: "link-hit", tabindex: "0", role: "button",
            "aria-label": `Weight from ${a.name} to ${b.label ?? b.name}`,
          }, this.svg);
          /** @type {Link} */
          const link = { kind: "weight", layer: l, i, j, line, hit, from: a.name, to: b.name, value: null };
          this.editor.bind(hit, link, () => ({ x: mx, y: (y0 + y1) / 2 }));
          this.links.push(link);
        }
      }
      for (let j = 0; j < to.length; j++) {
        const b = to[j];
        const btn = el("button", {
          type: "button", class: "bias",
          "aria-label": `Bias of ${b.label ?? b.name}`,
        }, this.nodes);
        btn.style.left = `${b.x - 5}px`;
        btn.style.top = `${b.y + NODE - 5}px`;
        /** @type {Bias} */
        const bias = { kind: "bias", layer: l, i: j, el: btn, to: b.name, value: null };
        this.editor.bind(btn, bias, () => ({ x: b.x, y: b.y + NODE }));
        this.biases.push(bias);
      }
    }
    this.previewFeatures();
  }

  /** @param {string} name */
  toggleFeature(name) {
    const f = this.featureField;
    const on = this.features.includes(name);
    if (on && this.features.length <= (f.min_len ?? 1)) {
      this.showError("features", `at least ${f.min_len ?? 1} feature is needed`);
      return;
    }
    const next = on
      ? this.features.filter((x) => x !== name)
      : this.allFeatures.filter((x) => x === name || this.features.includes(x));
    this.opts.onFeatures(next);
  }

  /** @param {number | null} u @param {string} [label] */
  hover(u, label = "") {
    if (u === null && this.hovered === null) return;
    this.hovered = u;
    this.opts.onHoverUnit?.(u, label);
  }

  /** @param {string} field @param {string} message */
  showError(field, message) {
    const slot = field === "features" ? this.featureErrorSlot : this.errorSlot;
    slot.textContent = message;
  }

  /** @param {string} field */
  clearError(field) {
    this.showError(field, "");
  }

  // ---- per-frame drawing -----------------------------------------------------------

  previewFeatures() {
    const t = 16;
    const [x0, x1, y0, y1] = this.domain;
    for (const [name, f] of this.featureNodes) {
      if (this.activeFeatures.includes(name) && this.painted) continue;
      const fn = FEATURE_PREVIEW[name];
      if (!fn) continue;
      // Each preview is scaled by its own largest magnitude over the domain.
      let peak = 1e-9;
      for (let r = 0; r < t; r++) {
        for (let c = 0; c < t; c++) {
          const v = fn(x0 + ((x1 - x0) * c) / (t - 1), y0 + ((y1 - y0) * r) / (t - 1));
          peak = Math.max(peak, Math.abs(v));
        }
      }
      paintFunction(f.canvas, t, this.domain, (x, y) => fn(x, y) / peak);
    }
  }

  // frame: decoded frame; outputDomain: the surface's colour domain [lo, hi].
  /** @param {Frame} frame @param {number[]} outputDomain */
  draw(frame, outputDomain) {
    this.lastFrame = frame;
    if (frame.domain.join(",") !== this.domain.join(",")) {
      this.domain = frame.domain;
      this.painted = false;
      this.previewFeatures();
    }
    this.outputDomain = outputDomain;
    this.classes = frame.classes ?? null;
    this.ensureStructure(frame.sizes, frame.features);
    const t = frame.thumb;
    const ranges = frame.neuronRanges;
    const neurons = frame.neurons;
    if (!ranges || !neurons) throw new Error("a frame without its neurons");
    let u = 0;
    const last = this.layerUnits.length - 1;
    this.layerUnits.forEach((units, l) => {
      for (const [i, unit] of units.entries()) {
        const lo = ranges[2 * u];
        const hi = ranges[2 * u + 1];
        if (l === last && this.classes) {
          // One class's probability: white to the class's colour.
          paintProbability(unit.canvas, neurons, u * t * t, t, lo, hi, rgb(CLASS_COLORS[i]));
          u++;
          continue;
        }
        const toT = l === last
          ? (/** @type {number} */ v) => toUnit(v, outputDomain[0], outputDomain[1])
          : unitScale(lo, hi);
        paintQuantised(unit.canvas, neurons, u * t * t, t, lo, hi, toT);
        u++;
      }
    });
    this.painted = true;
    if (frame.weights) this.drawWeights(frame.weights);
  }

  /** @param {{W: Float32Array[], b: Float32Array[]}} weights */
  drawWeights({ W, b }) {
    const sizes = /** @type {number[]} */ (this.sizes); // drawn: the structure is there
    for (const link of this.links) {
      const w = W[link.layer]?.[link.i * sizes[link.layer + 1] + /** @type {number} */ (link.j)];
      if (w === undefined) continue;
      link.value = w;
      link.hit.dataset.value = String(w);
      const width = 1 + Math.min(Math.abs(w), 5) * 1.6;
      link.line.style.strokeWidth = `${width.toFixed(2)}px`;
      link.line.style.stroke = cssColor(w);
    }
    for (const bias of this.biases) {
      const v = b[bias.layer]?.[bias.i];
      if (v === undefined) continue;
      bias.value = v;
      bias.el.dataset.value = String(v);
      bias.el.style.background = cssColor(v);
    }
  }
}
