// @ts-check
// Phase diagram: the restart lab over a grid of two settings (docs/PROTOCOL.md,
// "Phase diagrams"). The server trains the same seeds of the current set-up in every
// cell and streams each cell as it finishes; the panel draws the success rates as a
// grid of buttons coloured by rate (a heatmap that a keyboard and a screen reader can
// use too), says a cell's 95 % interval on hover or focus, and a click on a cell opens
// that set-up live with its first failing seed (or its first seed, if all solved).

import { el } from "./dom.js";

/**
 * Settings the server takes as an axis (app/lab/requests.py), with example values.
 * `names`: the values are activations, separated by "/", each one name or one name
 * per hidden layer ("relu,relu / relu,tanh").
 * @type {Record<string, {label: string, short: string, values: string, int?: boolean, names?: boolean}>}
 */
export const AXES = {
  units: { label: "Hidden units", short: "units", values: "1,2,3,4", int: true },
  activation: { label: "Activation", short: "act.", values: "relu / tanh / elu / leaky_relu", names: true },
  init_scale: { label: "Init scale a (U(−a, a))", short: "a", values: "0.1,0.5,1,2" },
  lr: { label: "Learning rate", short: "lr", values: "0.01,0.03,0.1,0.3" },
  momentum: { label: "Momentum (sgd)", short: "mom.", values: "0,0.5,0.9,0.99" },
  batch_size: { label: "Batch size (0 = full)", short: "batch", values: "0,1,2,4", int: true },
  bias_init: { label: "Initial bias", short: "bias", values: "0,0.1,0.5,1" },
  beta1: { label: "Adam β1", short: "β1", values: "0,0.5,0.9,0.99" },
  reg_rate: { label: "Regularisation rate", short: "reg.", values: "0,0.001,0.01,0.1" },
};

export const MAX_VALUES = 12;

/**
 * The values typed for an axis: 2-12 distinct finite numbers, whole for `int` axes;
 * for a `names` axis, 2-12 activations separated by "/", each one name (every layer's)
 * or names separated by commas (one per hidden layer), the names checked by the server.
 * @param {string} text comma-separated (names: slash-separated)
 * @param {boolean} [int]
 * @param {boolean} [names]
 * @returns {{ values: (number | string | string[])[] } | { error: string }}
 */
export function parseValues(text, int = false, names = false) {
  if (names) return parseNames(text);
  const parts = text.split(",").map((s) => s.trim()).filter((s) => s !== "");
  const values = parts.map(Number);
  if (parts.length < 2 || parts.length > MAX_VALUES) return { error: `2 to ${MAX_VALUES} values, separated by commas` };
  const bad = parts.find((s, i) => !Number.isFinite(values[i]) || (int && !Number.isInteger(values[i])));
  if (bad !== undefined) return { error: `“${bad}” is not ${int ? "a whole number" : "a number"}` };
  if (new Set(values).size !== values.length) return { error: "each value once" };
  return { values };
}

/**
 * @param {string} text
 * @returns {{ values: (string | string[])[] } | { error: string }}
 */
function parseNames(text) {
  const parts = text.split("/").map((s) => s.trim()).filter((s) => s !== "");
  if (parts.length < 2 || parts.length > MAX_VALUES) return { error: `2 to ${MAX_VALUES} activations, separated by “/”` };
  const lists = parts.map((p) => p.split(",").map((n) => n.trim()));
  const bad = lists.flat().find((n) => !/^[a-z_]+$/.test(n));
  if (bad !== undefined) return { error: `“${bad}” is not an activation's name` };
  const keys = lists.map((l) => (l.every((n) => n === l[0]) ? l[0] : l.join(",")));
  if (new Set(keys).size !== keys.length) return { error: "each value once" };
  return { values: lists.map((l) => (l.length === 1 ? l[0] : l)) };
}

/**
 * A rate's colour on a light-to-dark blue ramp, and the text colour that reads on it.
 * @param {number | null} rate 0..1, null: no seed finished
 */
export function rateColors(rate) {
  if (rate === null || rate === undefined) return { background: "#ffffff", color: "#000000" };
  const lo = [239, 243, 255]; // 0 %: nearly white
  const hi = [8, 48, 107]; // 100 %: dark blue
  const rgb = lo.map((c, i) => Math.round(c + (hi[i] - c) * rate));
  // WCAG relative luminance L: black text where it contrasts more than white, i.e.
  // (L + 0.05) / 0.05 > 1.05 / (L + 0.05); the worse of the two is then >= 4.58 : 1
  const lin = rgb.map((c) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  });
  const luminance = 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2];
  const black = (luminance + 0.05) / 0.05 > 1.05 / (luminance + 0.05);
  return { background: `rgb(${rgb.join(", ")})`, color: black ? "#000000" : "#ffffff" };
}

const pct = (/** @type {number} */ x) => `${Math.round(100 * x)} %`;

/**
 * What a cell says in words (its button's label and the hover readout).
 * @param {string} where e.g. "Hidden units 3, Learning rate 0.1"
 * @param {PhaseCell} cell a phase_cell payload
 */
export function describeCell(where, cell) {
  const s = cell.summary;
  if (!s.n) return `${where}: no seed finished`;
  const open = cell.first_failing === null ? "all solved; opens seed " + cell.config.seed : `opens seed ${cell.first_failing}, the first that failed`;
  return `${where}: ${pct(s.rate)} solved (${s.successes}/${s.n}), 95 % interval ${Math.round(100 * s.wilson_low)}–${pct(s.wilson_high)}${cell.cancelled ? " (stopped early)" : ""}; ${open}`;
}

export class PhasePanel {
  /**
   * @param {HTMLElement} root
   * @param {{ send: Send,
   *           openSeed: (config: Config, seed: number, epochs: number) => void }} hooks
   */
  constructor(root, { send, openSeed }) {
    this.send = send;
    this.openSeed = openSeed;
    this.running = false;
    this.stale = 0; // answers still to come from runs this page replaced
    /** @type {PhaseCell[]} */
    this.cells = [];
    /** @type {PhaseRequest | null} */
    this.grid = null;
    this.trainingText = "";
    /** @type {HTMLButtonElement[][] | undefined} */
    this.buttons = undefined;
    root.classList.add("lab-panel", "phase-panel");
    el("h2", { class: "column-title", id: "phase-heading", text: "Phase diagram" }, root);
    el("p", { class: "caption", text: "Sweep two settings against each other: where does the current set-up learn?" }, root);
    const form = el("div", { class: "phase-form" }, root);
    this.axisY = this.axisField(form, "phase-y", "Rows", "units");
    this.axisX = this.axisField(form, "phase-x", "Columns", "init_scale");
    const counts = el("div", { class: "lab-form" }, form);
    this.seeds = this.numberField(counts, "phase-seeds", "Restarts per cell", 50, 1, 1000);
    this.epochs = this.numberField(counts, "phase-epochs", "Epochs", 1000, 1, 20000);
    this.runButton = el("button", { type: "button", id: "phase-run", class: "text-button", text: "Run diagram" }, counts);
    this.cancelButton = el("button", { type: "button", id: "phase-cancel", class: "text-button", text: "Cancel", disabled: "" }, counts);
    this.runButton.addEventListener("click", () => this.run());
    this.cancelButton.addEventListener("click", () => this.send("phase", { action: "cancel" }));
    this.progress = el("progress", { id: "phase-progress", max: "1", value: "0", "aria-label": "Phase diagram progress" }, root);
    this.summary = el("p", { class: "lab-summary", id: "phase-summary", "aria-live": "polite" }, root);
    this.axes = el("p", { class: "phase-axes", id: "phase-axes" }, root);
    this.heatmap = el("div", { class: "phase-grid", id: "phase-grid", role: "group", "aria-labelledby": "phase-heading" }, root);
    this.readout = el("p", { class: "phase-readout", id: "phase-readout", "aria-live": "polite" }, root);
    this.legend = el("div", { class: "phase-legend", "aria-hidden": "true" }, root);
    el("span", { text: "0 %" }, this.legend);
    el("span", { class: "phase-ramp" }, this.legend);
    el("span", { text: "100 % solved" }, this.legend);
  }

  /**
   * @param {HTMLElement} parent
   * @param {string} id
   * @param {string} caption
   * @param {string} key
   */
  axisField(parent, id, caption, key) {
    // Each label names its control alone (a label wrapping a select would add the
    // chosen option to the control's name).
    const row = el("div", { class: "phase-axis" }, parent);
    const keyBox = el("div", { class: "lab-field" }, row);
    el("label", { class: "caption", for: `${id}-key`, text: caption }, keyBox);
    const select = el("select", { id: `${id}-key` }, keyBox);
    for (const [name, axis] of Object.entries(AXES)) el("option", { value: name, text: axis.label }, select);
    select.value = key;
    const valuesBox = el("div", { class: "lab-field phase-values" }, row);
    el("label", { class: "caption", for: `${id}-values`, text: `${caption}: values` }, valuesBox);
    const values = el("input", { type: "text", id: `${id}-values`, value: AXES[key].values, inputmode: "decimal" }, valuesBox);
    const fit = () => {
      const names = AXES[select.value].names;
      values.inputMode = names ? "text" : "decimal";
      values.title = names ? "Separated by “/”: one name each, or one per hidden layer (relu,relu / relu,tanh)" : "";
    };
    fit();
    select.addEventListener("change", () => {
      values.value = AXES[select.value].values;
      fit();
    });
    return { select, values };
  }

  /**
   * @param {HTMLElement} parent
   * @param {string} id
   * @param {string} label
   * @param {number} value
   * @param {number} min
   * @param {number} max
   */
  numberField(parent, id, label, value, min, max) {
    const box = el("label", { class: "lab-field", for: id }, parent);
    el("span", { class: "caption", text: label }, box);
    return el("input", { type: "number", id, min: String(min), max: String(max), step: "1", value: String(value) }, box);
  }

  /**
   * The request from the form, or an error to show.
   * @returns {PhaseRequest | {error: string}}
   */
  request() {
    /** @type {Record<string, PhaseAxis>} */
    const axes = {};
    /** @type {[string, { select: HTMLSelectElement, values: HTMLInputElement }, string][]} */
    const fields = [["y", this.axisY, "rows"], ["x", this.axisX, "columns"]];
    for (const [name, field, caption] of fields) {
      const key = field.select.value;
      const parsed = parseValues(field.values.value, AXES[key].int, AXES[key].names);
      if ("error" in parsed) return { error: `${caption}: ${parsed.error}` };
      axes[name] = { key, values: parsed.values };
    }
    if (axes.x.key === axes.y.key) return { error: "rows and columns: choose two different settings" };
    const seeds = Number(this.seeds.value);
    const epochs = Number(this.epochs.value);
    if (!Number.isInteger(seeds) || seeds < 1 || seeds > 1000 || !Number.isInteger(epochs) || epochs < 1 || epochs > 20000) {
      return { error: "restarts: 1-1000, epochs: 1-20000 (whole numbers)" };
    }
    return { action: "run", y: axes.y, x: axes.x, seeds, epochs, loss_below: null };
  }

  run() {
    const request = this.request();
    if ("error" in request) {
      this.summary.textContent = request.error;
      return;
    }
    if (this.send("phase", request) === false) {
      this.summary.textContent = "not connected to the server: run it again once connected";
      return;
    }
    if (this.running) this.stale += 1; // the server cancels it: its answers come first
    this.running = true;
    this.grid = request;
    this.cells = [];
    this.cancelButton.disabled = false;
    this.progress.value = 0;
    this.heatmap.dataset.state = "running";
    this.drawGrid();
    const n = request.y.values.length * request.x.values.length;
    this.trainingText = `training ${n} cells × ${request.seeds} restarts × ${request.epochs} epochs…`;
    this.summary.textContent = this.trainingText;
    this.readout.textContent = "";
  }

  /** @param {{ done: number, total: number, waiting?: number }} p */
  onProgress({ done, total, waiting }) {
    if (this.stale || !this.running) return;
    if (total > 0) this.progress.value = done / total;
    this.summary.textContent = waiting
      ? `waiting for ${waiting} other run${waiting > 1 ? "s" : ""} to finish…`
      : this.trainingText;
  }

  /** @param {PhaseCell} cell a phase_cell payload */
  onCell(cell) {
    if (this.stale || !this.grid) return;
    this.cells.push(cell);
    this.paintCell(cell);
  }

  /** @param {PhaseResult} result the phase_result payload */
  onResult(result) {
    if (this.stale) {
      this.stale -= 1;
      return;
    }
    this.idle();
    if (!result.cancelled) this.progress.value = 1;
    const total = result.rows * result.cols;
    this.heatmap.dataset.state = result.cancelled ? "cancelled" : "done";
    this.summary.textContent = result.cancelled
      ? `stopped: ${result.cells} of ${total} cells (partial)`
      : `${total} cells × ${result.seeds} restarts × ${result.epochs} epochs: click a cell to open its first failing seed live`;
  }

  // A refusal answers the last request; if it was to replace a run, that run goes on
  // (the server refused before cancelling it): stop it, its answers are ignored.
  /** @param {string} [message] */
  onError(message) {
    if (this.stale) this.send("phase", { action: "cancel" });
    this.idle();
    if (message) this.summary.textContent = message;
    if (this.heatmap.dataset.state === "running") this.heatmap.dataset.state = "failed";
  }

  // The server cancels a session's runs when its connection ends, and the session
  // after a reconnect knows nothing of them: no answer will come.
  onConnectionLost() {
    this.stale = 0;
    if (!this.running) return;
    this.idle();
    this.heatmap.dataset.state = "cancelled";
    this.summary.textContent = "the connection dropped and the diagram with it: run it again";
  }

  idle() {
    this.running = false;
    this.cancelButton.disabled = true;
  }

  /** The empty grid: row and column headings, one button per cell. */
  drawGrid() {
    if (!this.grid) return; // drawn for a request
    const { x, y } = this.grid;
    this.heatmap.replaceChildren();
    this.heatmap.style.gridTemplateColumns = `auto repeat(${x.values.length}, minmax(0, 1fr))`;
    this.axes.textContent = `Rows: ${AXES[y.key].label}. Columns: ${AXES[x.key].label}.`;
    el("span", { class: "phase-corner", "aria-hidden": "true", text: `${AXES[y.key].short} ↓ ${AXES[x.key].short} →` }, this.heatmap);
    for (const v of x.values) el("span", { class: "phase-head col", text: String(v) }, this.heatmap);
    /** @type {HTMLButtonElement[][]} */
    const buttons = [];
    this.buttons = buttons;
    y.values.forEach((yv, r) => {
      el("span", { class: "phase-head row", text: String(yv) }, this.heatmap);
      buttons.push(x.values.map((xv, c) => {
        const b = el("button", { type: "button", class: "phase-cell pending", disabled: "" }, this.heatmap);
        b.dataset.row = String(r);
        b.dataset.col = String(c);
        b.setAttribute("aria-label", `${this.where(r, c)}: not finished yet`);
        return b;
      }));
    });
  }

  /**
   * @param {number} r
   * @param {number} c
   */
  where(r, c) {
    const { x, y } = /** @type {PhaseRequest} */ (this.grid); // cells come for a request
    return `${AXES[y.key].label} ${y.values[r]}, ${AXES[x.key].label} ${x.values[c]}`;
  }

  /** @param {PhaseCell} cell */
  paintCell(cell) {
    const b = this.buttons?.[cell.row]?.[cell.col];
    if (!b) return;
    const s = cell.summary;
    const { background, color } = rateColors(s.n ? s.rate : null);
    b.style.background = background;
    b.style.color = color;
    b.className = `phase-cell${cell.cancelled ? " partial" : ""}`;
    b.textContent = s.n ? String(Math.round(100 * s.rate)) : "–";
    b.dataset.rate = s.n ? String(s.rate) : "";
    const text = describeCell(this.where(cell.row, cell.col), cell);
    b.setAttribute("aria-label", text);
    b.title = text;
    b.disabled = !s.n;
    const show = () => { this.readout.textContent = text; };
    b.onmouseenter = show;
    b.onfocus = show;
    b.onclick = () => {
      const seed = cell.first_failing ?? /** @type {number} */ (cell.config.seed);
      this.readout.textContent = `opened ${this.where(cell.row, cell.col)}, seed ${seed} live`;
      this.openSeed(cell.config, seed, cell.epochs);
    };
  }
}
