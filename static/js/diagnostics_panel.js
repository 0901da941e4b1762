// @ts-check
// Diagnostics panel: neuron badges on the network diagram, a dead/saturated read-out,
// per-layer gradient norms over time (log y), the "Why is it stuck?" box with one
// button per suggestion, and the gradient check. Everything it shows comes from
// `frame.diagnostics` and `gradcheck_result` (docs/PROTOCOL.md, last section).

import { el } from "./dom.js";
import { humanize } from "./schema.js";

/* global Plotly */

const MAX_POINTS = 300; // gradient-norm points kept per layer (older ones thinned)
const REDRAW_MS = 250; // the chart redraws at most this often: it is a side view
const PLOT_CONFIG = { displayModeBar: false, responsive: false, staticPlot: true };
const STUCK_TITLE = "Why is it stuck?";
// A run whose loss is still finite but blowing up (engine/diagnostics.py "diverging")
// gets the same box and fix buttons under its own heading.
const DIVERGING_TITLE = "It is diverging";
const LAYER_COLORS = ["#0877bd", "#f59322", "#183d4e", "#7b61ff", "#2e7d32", "#c62828", "#777"];

export class DiagnosticsPanel {
  // root: the panel's container; send(event, payload); network: the NetworkView whose
  // `layerUnits[l][i].canvas` sit in the neuron nodes that get the badges.
  // describe(change): a suggestion's config change in words, for its tooltip.
  /**
   * @param {HTMLElement} root
   * @param {{send: Send, network: {layerUnits?: {canvas: HTMLCanvasElement}[][]},
   *   onSuggestion: (change: Config) => void, describe?: (change: Config) => string}} hooks
   */
  constructor(root, { send, network, onSuggestion, describe = (c) => JSON.stringify(c) }) {
    this.send = send;
    this.describe = describe;
    this.network = network;
    this.onSuggestion = onSuggestion;
    root.classList.add("lab-panel");
    el("h2", { class: "column-title", text: "Diagnostics" }, root);
    // Not a live region: it changes with every frame's diagnostics; the stuck box
    // (role status) says what matters when it happens.
    this.counts = el("p", { class: "diag-counts", id: "diag-counts", text: "dead: –, saturated: –" }, root);
    el("p", { class: "caption", id: "grad-caption", text: "Gradient norm per layer (log scale)" }, root);
    this.chart = el("div", {
      class: "diag-chart", id: "grad-chart", role: "img", "aria-labelledby": "grad-caption",
      "aria-describedby": "grad-summary",
    }, root);
    this.chartSummary = el("p", { class: "visually-hidden", id: "grad-summary", text: "No gradients yet." }, root);
    this.stuck = el("div", { class: "stuck-box", id: "stuck-box", role: "status", hidden: "" }, root);
    this.stuckTitle = el("h3", { class: "caption", id: "stuck-title", text: STUCK_TITLE }, this.stuck);
    this.stuckText = el("p", { class: "stuck-message", id: "stuck-message" }, this.stuck);
    this.suggestions = el("div", { class: "stuck-suggestions", id: "stuck-suggestions" }, this.stuck);
    const row = el("div", { class: "lab-row-buttons" }, root);
    this.gcButton = el("button", { type: "button", id: "gradcheck", class: "text-button", text: "Gradient check" }, row);
    this.gcButton.addEventListener("click", () => {
      this.gcResult.textContent = "checking…";
      this.gcResult.className = "gradcheck-result";
      this.send("gradcheck", {});
    });
    this.gcResult = el("div", { class: "gradcheck-result", id: "gradcheck-result", "aria-live": "polite" }, root);
    /** @type {{epochs: number[], norms: (number | null)[][]} | null} norms per layer */
    this.series = null;
    this.lastEpoch = -1;
    this.lastDraw = 0;
    /** @type {ReturnType<typeof setTimeout> | null} */
    this.timer = null;
    /** @type {string | null} */
    this.stuckKey = null;
    /** @type {Diagnostics | null} */
    this.latest = null;
  }

  // One frame's diagnostics (or null/undefined from an older server).
  /** @param {Diagnostics | null | undefined} diag @param {number} epoch */
  update(diag, epoch) {
    if (!diag) return;
    this.latest = diag;
    this.badges(diag);
    const counts = `dead: ${diag.dead ?? "–"}, saturated: ${diag.saturated ?? "–"}`;
    if (this.counts.textContent !== counts) this.counts.textContent = counts;
    this.counts.classList.toggle("bad", (diag.dead ?? 0) + (diag.saturated ?? 0) > 0);
    this.addNorms(diag.grad_norms, epoch);
    this.showStuck(diag.stuck);
  }

  /** @param {Diagnostics} diag */
  badges(diag) {
    const units = this.network.layerUnits ?? [];
    (diag.layers ?? []).forEach((layer, k) => {
      const nodes = units[k + 1] ?? [];
      layer.status.forEach((status, i) => {
        const node = nodes[i]?.canvas?.parentElement;
        if (!node) return;
        node.classList.toggle("unit-dead", status === "dead");
        node.classList.toggle("unit-saturated", status === "saturated");
        node.dataset.health = status;
      });
    });
  }

  /** @param {(number | null)[] | undefined} norms @param {number} epoch */
  addNorms(norms, epoch) {
    if (!Array.isArray(norms)) return;
    let s = this.series;
    if (!s || epoch < this.lastEpoch || s.norms.length !== norms.length) {
      s = this.series = { epochs: [], norms: norms.map(() => []) };
    }
    if (epoch === this.lastEpoch && s.epochs.length) return;
    this.lastEpoch = epoch;
    s.epochs.push(epoch);
    const series = s;
    norms.forEach((v, l) => series.norms[l].push(v === null || v <= 0 ? null : v));
    if (s.epochs.length > MAX_POINTS) {
      // drop every second point of the older half: the whole run stays in view
      const keep = (/** @type {unknown} */ _, /** @type {number} */ i) => i >= MAX_POINTS / 2 || i % 2 === 0;
      s.epochs = s.epochs.filter(keep);
      s.norms = s.norms.map((a) => a.filter(keep));
    }
    this.scheduleDraw();
  }

  scheduleDraw() {
    if (this.timer) return;
    const wait = Math.max(0, REDRAW_MS - (performance.now() - this.lastDraw));
    this.timer = setTimeout(() => {
      this.timer = null;
      this.lastDraw = performance.now();
      this.drawChart();
    }, wait);
  }

  drawChart() {
    if (!this.series) return; // drawn only once norms came
    const { epochs, norms } = this.series;
    // Log epochs, as on the loss chart: on a linear axis the first epoch's fall (often
    // decades: the initial weights' gradient, then a unit dies) is a vertical line at
    // epoch 0. A log axis has no epoch 0, so that point is left out.
    const keep = epochs.flatMap((e, i) => (e > 0 ? [i] : []));
    const traces = norms.map((ys, l) => ({
      x: keep.map((i) => epochs[i]), y: keep.map((i) => ys[i]), type: "scatter",
      mode: keep.length > 20 ? "lines" : "lines+markers", name: `W${l + 1}`,
      line: { width: 1.5, color: LAYER_COLORS[l % LAYER_COLORS.length] },
    }));
    const layout = {
      width: 300, height: 150, margin: { l: 40, r: 8, t: 6, b: 24 },
      // no axes until an epoch past 0 (an empty log axis has only meaningless ticks)
      xaxis: { type: "log", title: "", tickfont: { size: 9 }, exponentformat: "power", visible: keep.length > 0 },
      yaxis: { type: "log", tickfont: { size: 9 }, exponentformat: "power", visible: keep.length > 0 },
      showlegend: norms.length <= 7 && keep.length > 0, legend: { font: { size: 9 }, orientation: "h", y: -0.25 },
      paper_bgcolor: "rgba(0,0,0,0)", plot_bgcolor: "rgba(0,0,0,0)",
    };
    if (layout.showlegend) {
      layout.height = 170;
      layout.margin.b = 40;
    }
    Plotly.react(this.chart, traces, layout, PLOT_CONFIG);
    const last = epochs.length - 1;
    this.chartSummary.textContent = last < 0 ? "No gradients yet." : `At epoch ${epochs[last]}: `
      + norms.map((ys, l) => `W${l + 1} ${ys[last] === null ? "n/a" : ys[last].toExponential(1)}`)
        .join(", ") + ".";
  }

  /** @param {Stuck | null | undefined} stuck */
  showStuck(stuck) {
    const key = stuck ? `${stuck.case}|${stuck.message}` : null;
    if (key === this.stuckKey) return;
    this.stuckKey = key;
    this.stuck.hidden = !stuck;
    this.suggestions.replaceChildren();
    if (!stuck) return;
    this.stuck.dataset.case = stuck.case;
    this.stuckTitle.textContent = stuck.case === "diverging" ? DIVERGING_TITLE : STUCK_TITLE;
    this.stuckText.textContent = humanize(stuck.message);
    for (const s of stuck.suggestions ?? []) {
      const b = el("button", { type: "button", class: "suggestion", text: humanize(s.label) }, this.suggestions);
      b.dataset.key = s.key;
      b.title = `Sets ${this.describe(s.config_change)}`;
      b.addEventListener("click", () => this.onSuggestion(s.config_change));
    }
  }

  // `gradcheck_result`: per weight layer, the largest relative error.
  /** @param {GradcheckResult} result */
  showGradcheck(result) {
    this.gcResult.replaceChildren();
    this.gcResult.className = `gradcheck-result ${result.ok ? "ok" : "fail"}`;
    el("span", { class: "verdict", text: result.ok ? "gradients OK" : "gradients WRONG" }, this.gcResult);
    const list = el("ul", {}, this.gcResult);
    for (const layer of result.layers ?? []) {
      const err = layer.max_relative_error;
      const item = el("li", { class: layer.ok ? "ok" : "fail" }, list);
      item.textContent = `W${layer.layer + 1}: ${err === null ? "n/a" : err.toExponential(1)}`;
    }
  }
}
