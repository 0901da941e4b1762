// @ts-check
// Restart lab: train N restarts of the current config on the server's worker thread,
// then show the success rate with its 95 % (Wilson) interval, a histogram of final
// losses (stuck runs pile up at the plateaus, e.g. 0.3466 and 0.4774) and a wall of
// the first seeds' decision surfaces. Clicking a seed opens that run in the live view.
// Against a pinned run (runs_panel.js "Compare"), the pinned set-up trains too, on the
// same seeds, and the two rates are compared: Newcombe's interval for the difference
// and McNemar's exact test on the seeds that went differently (engine/compare.py).

/* global Plotly */

import { LUT } from "./colors.js";
import { el } from "./dom.js";

const PLOT_CONFIG = { displayModeBar: false, responsive: false };
/** @type {Record<string, string>} */
const OUTCOME_COLORS = { solved: "#2e7d32", stuck: "#777", diverged: "#c62828" };
const WALL_LIMIT = 64;

/**
 * @param {HTMLElement} parent @param {string} id @param {string} label
 * @param {number} value @param {number} min @param {number} max
 */
function numberInput(parent, id, label, value, min, max) {
  const box = el("label", { class: "lab-field", for: id }, parent);
  el("span", { class: "caption", text: label }, box);
  return el("input", { type: "number", id, min: String(min), max: String(max), step: "1", value: String(value) }, box);
}

const pct = (/** @type {number} */ x) => `${(100 * x).toFixed(1)} %`;

export class LabPanel {
  // send(event, payload); openSeed(config, seed, epochs): replay one run live.
  /**
   * @param {HTMLElement} root
   * @param {{send: Send, openSeed: (config: Config, seed: number, epochs: number) => void}} hooks
   */
  constructor(root, { send, openSeed }) {
    this.send = send;
    this.openSeed = openSeed;
    /** @type {LabResult | null} */
    this.result = null;
    this.trainingText = "";
    /** @type {string | null} */
    this.againstLabel = null;
    this.running = false;
    root.classList.add("lab-panel");
    el("h2", { class: "column-title", text: "Restart lab" }, root);
    el("p", { class: "caption", text: "Train many seeds of the current set-up: how often does it work?" }, root);
    const form = el("div", { class: "lab-form" }, root);
    this.seeds = numberInput(form, "lab-seeds", "Restarts", 64, 1, 1000);
    this.epochs = numberInput(form, "lab-epochs", "Epochs", 2000, 1, 20000);
    this.runButton = el("button", { type: "button", id: "lab-run", class: "text-button", text: "Run restarts" }, form);
    this.cancelButton = el("button", { type: "button", id: "lab-cancel", class: "text-button", text: "Cancel", disabled: "" }, form);
    this.runButton.addEventListener("click", () => this.run());
    this.cancelButton.addEventListener("click", () => this.send("lab", { action: "cancel" }));
    this.progress = el("progress", { id: "lab-progress", max: "1", value: "0" }, root);
    this.summary = el("p", { class: "lab-summary", id: "lab-summary", "aria-live": "polite" }, root);
    this.comparison = el("p", { class: "lab-compare", id: "lab-compare", "aria-live": "polite" }, root);
    this.root = root;
    this.hist = el("div", {
      class: "lab-hist", id: "lab-hist", role: "img", "aria-label": "Histogram of final losses",
      "aria-describedby": "lab-summary",
    }, root);
    this.wall = el("div", { class: "lab-wall", id: "lab-wall", role: "group", "aria-label": "Seeds: click one to open it live" }, root);
  }

  /**
   * Run the current set-up and a pinned one ({config, label}) on the same seeds.
   * @param {{config: Config, label?: string} | null} pin
   */
  compareWith(pin) {
    this.root.scrollIntoView({ block: "nearest" });
    this.run(pin);
  }

  /** @param {{config: Config, label?: string} | null} [against] */
  run(against = null) {
    const seeds = Number(this.seeds.value);
    const epochs = Number(this.epochs.value);
    if (!Number.isInteger(seeds) || seeds < 1 || seeds > 1000
        || !Number.isInteger(epochs) || epochs < 1 || epochs > 20000) {
      this.summary.textContent = "restarts: 1-1000, epochs: 1-20000 (whole numbers)";
      return;
    }
    // Not connected: the run was not sent, and no answer will come (it used to show
    // "training…" for ever when clicked in the instant before a reconnect).
    const payload = { action: "run", seeds, epochs, loss_below: null, ...(against ? { against: against.config } : {}) };
    if (this.send("lab", payload) === false) {
      this.summary.textContent = "not connected to the server: run it again once connected";
      return;
    }
    this.running = true;
    this.runButton.disabled = true;
    this.cancelButton.disabled = false;
    this.progress.value = 0;
    this.trainingText = against
      ? `training ${seeds} restarts × ${epochs} epochs of the current set-up, then of the pinned one (${against.label})…`
      : `training ${seeds} restarts × ${epochs} epochs…`;
    this.summary.textContent = this.trainingText;
    this.comparison.textContent = "";
    this.againstLabel = against?.label ?? null;
  }

  // `waiting`: runs of other tabs ahead of this one in the server's lab queue.
  /** @param {LabProgress} progress */
  onProgress({ done, total, waiting }) {
    if (total > 0) this.progress.value = done / total;
    if (!this.running) return;
    this.summary.textContent = waiting
      ? `waiting for ${waiting} other run${waiting > 1 ? "s" : ""} to finish…`
      : this.trainingText;
  }

  onError() {
    this.running = false;
    this.runButton.disabled = false;
    this.cancelButton.disabled = true;
  }

  // The server cancels a session's lab run when its connection ends, and the new
  // session after a reconnect knows nothing of it: no result will come.
  onConnectionLost() {
    if (!this.running) return;
    this.onError();
    this.summary.textContent = "the connection dropped and the run with it: run it again";
  }

  /** @param {LabResult} result */
  onResult(result) {
    this.result = result;
    this.onError(); // buttons back to idle
    this.progress.value = result.cancelled ? this.progress.value : 1;
    const s = result.summary;
    const median = s.median_epochs_to_solve === null ? "" : `, median ${s.median_epochs_to_solve} epochs to solve`;
    const cancelled = result.cancelled ? " (cancelled: partial)" : "";
    this.summary.textContent = s.n
      ? `${s.successes}/${s.n} solved: ${pct(s.rate)} (95 % CI ${pct(s.wilson_low)}–${pct(s.wilson_high)})${median}${cancelled}`
      : `no run finished${cancelled}`;
    this.comparison.textContent = result.compare ? compareText(result.compare, this.againstLabel) : "";
    this.drawHistogram(result.runs);
    this.drawWall(result);
  }

  /** @param {LabRun[]} runs */
  drawHistogram(runs) {
    /** @type {Record<string, (number | null)[]>} */
    const byOutcome = {};
    for (const r of runs) (byOutcome[r.outcome] ??= []).push(r.final_loss);
    const traces = Object.entries(byOutcome).map(([outcome, xs]) => ({
      x: xs, type: "histogram", name: outcome, nbinsx: 40,
      marker: { color: OUTCOME_COLORS[outcome] ?? "#aaa" },
    }));
    Plotly.react(this.hist, traces, {
      width: 300, height: 170, barmode: "stack", margin: { l: 32, r: 8, t: 6, b: 34 },
      xaxis: { title: { text: "final training loss", font: { size: 10 } }, tickfont: { size: 9 } },
      yaxis: { tickfont: { size: 9 } },
      legend: { font: { size: 9 }, orientation: "h", y: 1.12 },
      paper_bgcolor: "rgba(0,0,0,0)", plot_bgcolor: "rgba(0,0,0,0)",
    }, PLOT_CONFIG);
  }

  /** @param {LabResult} result */
  drawWall(result) {
    this.wall.replaceChildren();
    const surf = result.surfaces;
    if (!surf) return;
    const bySeed = new Map(result.runs.map((r) => [r.seed, r]));
    const output = result.config?.output;
    surf.seeds.slice(0, WALL_LIMIT).forEach((seed, k) => {
      const run = bySeed.get(seed);
      const b = el("button", { type: "button", class: `seed-tile ${run?.outcome ?? ""}` }, this.wall);
      b.dataset.seed = String(seed);
      b.title = run
        ? `seed ${seed}: ${run.outcome}${run.case ? ` (${run.case.replaceAll("_", " ")})` : ""}, loss ${run.final_loss?.toFixed(4)}`
        : `seed ${seed}`;
      b.setAttribute("aria-label", b.title);
      const canvas = el("canvas", { width: "24", height: "24" }, b);
      paintSurface(canvas, surf.surfaces[k], output);
      b.addEventListener("click", () => this.openSeed(result.config, seed, result.epochs));
    });
  }
}

const points = (/** @type {number} */ x) => `${x > 0 ? "+" : x < 0 ? "−" : ""}${Math.abs(100 * x).toFixed(1)}`;

// The comparison in words: both rates with their intervals, the difference with its
// interval, the test's p-value and what it means.
/**
 * @param {{cancelled: boolean, test: CompareTest}} compare @param {string | null} label
 */
export function compareText(compare, label) {
  const t = compare.test;
  if (compare.cancelled || !t.n) return "The pinned set-up's run was cancelled: no comparison.";
  const rate = (/** @type {Rate} */ r) => `${r.successes}/${t.n} solved, ${pct(r.rate)} (95 % CI ${pct(r.wilson_low)}–${pct(r.wilson_high)})`;
  const verdict = t.differ
    ? `they differ beyond chance (p < ${t.alpha})`
    : `no difference beyond chance (p ≥ ${t.alpha})`;
  return `Current set-up: ${rate(t.a)}. Pinned (${label ?? "pinned"}): ${rate(t.b)}. `
    + `Difference ${points(t.difference)} points (95 % CI ${points(t.low)} to ${points(t.high)}, Newcombe). `
    + `${t.only_a} seeds solved only by the current set-up, ${t.only_b} only by the pinned one: `
    + `McNemar's exact test p = ${t.p_value.toPrecision(2)}, ${verdict}.`;
}

// Rows of the surface follow y upwards; the canvas's rows go down.
/**
 * @param {HTMLCanvasElement} canvas @param {(number | null)[][]} rows @param {ConfigValue | undefined} output
 */
function paintSurface(canvas, rows, output) {
  const n = rows.length;
  canvas.width = canvas.height = n;
  const ctx = canvas.getContext("2d");
  if (!ctx) throw new Error("this browser gives a canvas no 2D context");
  const img = ctx.createImageData(n, n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const v = rows[i][j] ?? 0;
      const t = output === "sigmoid" ? 2 * v - 1 : Math.max(-1, Math.min(1, v));
      const idx = Math.round((t + 1) * 127.5) * 3;
      const at = ((n - 1 - i) * n + j) * 4;
      img.data[at] = LUT[idx];
      img.data[at + 1] = LUT[idx + 1];
      img.data[at + 2] = LUT[idx + 2];
      img.data[at + 3] = 255;
    }
  }
  ctx.putImageData(img, 0, 0);
}
