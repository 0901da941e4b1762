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
    this.comparison = el("div", { class: "lab-compare", id: "lab-compare", "aria-live": "polite" }, root);
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
    this.comparison.replaceChildren();
    if (result.compare) {
      el("p", { text: compareText(result.compare, this.againstLabel) }, this.comparison);
      const how = compareHow(result.compare);
      if (how) {
        const details = el("details", { class: "how" }, this.comparison);
        el("summary", { text: "how" }, details);
        el("p", { text: how }, details);
      }
    }
    this.drawHistogram(result.runs);
    this.drawWall(result);
  }

  /** @param {LabRun[]} runs */
  drawHistogram(runs) {
    // Final losses span decades (1e-7 solved, 0.35 stuck): binned by their power of ten,
    // ticked as numbers a person reads ("0.001"), not Plotly's SI prefixes ("200n").
    /** @type {Record<string, (number | null)[]>} */
    const byOutcome = {};
    let lo = Infinity;
    let hi = -Infinity;
    for (const r of runs) {
      const v = r.final_loss;
      const x = v !== null && v > 0 && Number.isFinite(v) ? Math.log10(v) : null;
      if (x !== null) { lo = Math.min(lo, x); hi = Math.max(hi, x); }
      (byOutcome[r.outcome] ??= []).push(x);
    }
    const traces = Object.entries(byOutcome).map(([outcome, xs]) => ({
      x: xs, type: "histogram", name: outcome, nbinsx: 40,
      marker: { color: OUTCOME_COLORS[outcome] ?? "#aaa" },
      hovertemplate: "%{y} runs<extra></extra>",
    }));
    const ticks = lo <= hi ? decadeTicks(lo, hi) : [];
    Plotly.react(this.hist, traces, {
      width: 300, height: 170, barmode: "stack", margin: { l: 32, r: 8, t: 6, b: 34 },
      xaxis: {
        title: { text: "final training loss (log scale)", font: { size: 10 } }, tickfont: { size: 9 },
        tickvals: ticks, ticktext: ticks.map(lossTick),
      },
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

// Whole powers of ten from lo to hi (log10 units), at most about 6 of them.
/** @param {number} lo @param {number} hi */
export function decadeTicks(lo, hi) {
  const a = Math.floor(lo);
  const b = Math.ceil(hi);
  const step = Math.max(1, Math.ceil((b - a) / 6));
  /** @type {number[]} */
  const out = [];
  for (let k = a; k <= b; k += step) out.push(k);
  return out;
}

// 10^k as a person writes it: 1, 0.1, 0.001, then 10⁻⁵.
/** @param {number} k */
export function lossTick(k) {
  if (k >= 0 && k <= 4) return String(10 ** k);
  if (k < 0 && k >= -3) return (10 ** k).toFixed(-k);
  const sup = String(k).replace("-", "⁻").replace(/\d/g, (d) => "⁰¹²³⁴⁵⁶⁷⁸⁹"[Number(d)]);
  return `10${sup}`;
}

const points = (/** @type {number} */ x) => `${x > 0 ? "+" : x < 0 ? "−" : ""}${Math.abs(100 * x).toFixed(1)}`;

// The comparison in plain words: both rates with the range they are likely in, the
// difference with its range, the seeds only one solved and whether that is beyond
// chance. The methods and the p-value are named in `compareHow` (the "how" under it),
// not in the sentence a newcomer reads.
/**
 * @param {{cancelled: boolean, test: CompareTest}} compare @param {string | null} label
 */
export function compareText(compare, label) {
  const t = compare.test;
  if (compare.cancelled || !t.n) return "The pinned set-up's run was cancelled: no comparison.";
  const rate = (/** @type {Rate} */ r) => `${r.successes}/${t.n} solved, ${pct(r.rate)} (likely ${pct(r.wilson_low)}–${pct(r.wilson_high)})`;
  const verdict = t.differ ? "they differ beyond chance" : "no difference beyond chance";
  const more = t.difference > 0 ? "more" : t.difference < 0 ? "fewer" : "more";
  return `Current set-up: ${rate(t.a)}. Pinned (${label ?? "pinned"}): ${rate(t.b)}. `
    + `The current set-up solves ${Math.abs(100 * t.difference).toFixed(1)} percentage points ${more} `
    + `(likely ${points(t.low)} to ${points(t.high)}). `
    + `${t.only_a} seeds solved only by the current set-up, ${t.only_b} only by the pinned one: `
    + `${verdict}.`;
}

// How the comparison was made: the intervals' and the test's names, and the p-value.
/** @param {{cancelled: boolean, test: CompareTest}} compare */
export function compareHow(compare) {
  const t = compare.test;
  if (compare.cancelled || !t.n) return "";
  return "The ranges are 95 % intervals: Wilson's score interval for each rate, Newcombe's "
    + "hybrid score interval for the difference. Beyond chance or not: McNemar's exact test on "
    + `the seeds only one set-up solved (the runs are paired by seed), p = ${t.p_value.toPrecision(2)}; `
    + `they differ when p < ${t.alpha}.`;
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
