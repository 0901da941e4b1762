// @ts-check
// The loss curve: train and test loss (and accuracy on a second axis) against epoch.
// By default both axes are logarithmic: the loss falls over decades (0.7 to 1e-4) and
// its plateaus (ln 2, ln2/2) sit far apart, and log epochs follow the auto pacing
// (equal time per decade), so the early drop is as wide as the long tail. New points
// are appended with Plotly.extendTraces, batched to a few updates a second, and kept
// to at most MAX_POINTS, thinned evenly in the axis's own coordinate (series.js). A
// rebuild (epoch going back) clears it. A short text summary (for screen readers, in
// the element named by `summaryEl`) follows the curve at the same pace. Pinned runs
// (pins.js) stay on the chart as dashed training-loss curves, each labelled at its end
// by what differs from the current set-up; they come after the current run's traces,
// so extendTraces's indices stay those of the current run. The y-range only widens
// (loss_range.js), so a falling loss moves down a still axis; before any data there
// are no axes at all, only a line saying what will be drawn.

import { widenRange } from "./loss_range.js";
import { formatNumber } from "./schema.js";
import { Series } from "./series.js";

const MAX_POINTS = 1000;
const FLUSH_MS = 300; // each update redraws the whole chart: ~25 ms, more on a busy machine
const SERIES = ["trainLoss", "testLoss", "trainAcc", "testAcc"];

const PLOT_CONFIG = { displayModeBar: false, responsive: false };

/** @param {number | undefined} v */
function finiteOrNull(v) {
  return v !== undefined && Number.isFinite(v) ? v : null;
}

export class LossChart {
  /** @param {HTMLElement} el @param {{width?: number, height?: number, summaryEl?: HTMLElement|null}} opts */
  constructor(el, { width = 300, height = 150, summaryEl = null } = {}) {
    this.el = el;
    this.summaryEl = summaryEl;
    this.width = width;
    this.height = height;
    this.logScale = true; // log loss
    this.logEpochs = true;
    // Accuracy doubles the traces and adds an axis, which doubles the cost of every
    // update; it is one click away, and the read-outs always show it.
    this.showAcc = false;
    this.series = new Series(SERIES, MAX_POINTS);
    this.series.setLog(this.logEpochs);
    /** @type {ReturnType<typeof setTimeout> | null} */
    this.flushTimer = null;
    this.lastFlush = 0;
    /** @type {number | null} the timeline's rewound epoch, marked by a dotted line */
    this.marker = null;
    /** @type {{label: string, color: string, x: number[], y: (number|null)[]}[]} */
    this.pins = [];
    this.plottedPoints = 0;
    this.lastEpoch = -1;
    this.plotted = false;
    this.framed = false;
    /** @type {{epoch: number, trainLoss: number | null} | null} */
    this.first = null;
    /** @type {[number, number] | null} the y-range shown (data units); only widens */
    this.yRange = null;
    this.reset();
  }

  reset() {
    this.series.clear();
    this.plottedPoints = 0; // series points already on the plot
    this.lastEpoch = -1;
    this.plotted = false;
    this.first = null; // {epoch, trainLoss} of the run's first point, for the summary
    this.yRange = null;
  }

  // Widen the y-range to the losses of series points `idx` and of the pinned runs
  // (`withPins`); true when it changed, so the axis must be laid out again.
  /** @param {number[]} idx @param {boolean} withPins */
  widen(idx, withPins) {
    const s = this.series;
    /** @type {(number | null)[]} */
    const values = [];
    for (const i of idx) values.push(s.y.trainLoss[i], s.y.testLoss[i]);
    if (withPins) {
      for (const p of this.pins) {
        p.y.forEach((v, i) => { if (!this.logEpochs || p.x[i] > 0) values.push(v); });
      }
    }
    const next = widenRange(this.yRange, values, this.logScale);
    const changed = next !== this.yRange;
    this.yRange = next;
    return changed;
  }

  layout() {
    const axisFont = { size: 10, color: "#666" };
    const range = this.yRange;
    const base = {
      width: this.width,
      height: this.height,
      showlegend: false,
      paper_bgcolor: "rgba(0,0,0,0)",
      plot_bgcolor: "#ffffff",
    };
    // Nothing to show yet: no axes (an empty log axis has only meaningless ticks), a
    // line saying what will be drawn here.
    if (!range) {
      const hidden = { visible: false, fixedrange: true };
      return {
        ...base,
        margin: { l: 8, r: 8, t: 6, b: 6 },
        xaxis: hidden,
        yaxis: hidden,
        annotations: [{
          text: "The loss will be drawn here as the network trains.",
          showarrow: false, xref: "paper", yref: "paper", x: 0.5, y: 0.5,
          font: { size: 12, color: "#666" },
        }],
      };
    }
    return {
      ...base,
      shapes: this.markerShapes(),
      margin: { l: 44, r: this.showAcc ? 34 : 8, t: 6, b: 30 },
      xaxis: {
        type: this.logEpochs ? "log" : "linear",
        fixedrange: true, zeroline: false, showgrid: false,
        rangemode: this.logEpochs ? "normal" : "nonnegative",
        tickfont: axisFont, linecolor: "#bbb", exponentformat: "power",
        title: { text: this.logEpochs ? "epoch (log)" : "epoch", font: axisFont, standoff: 2 },
      },
      yaxis: {
        type: this.logScale ? "log" : "linear",
        fixedrange: true, zeroline: false, gridcolor: "#eee",
        tickfont: axisFont, exponentformat: "power",
        // a short log axis over less than a decade would label every tenth
        nticks: Math.max(3, Math.round(this.height / 40)),
        autorange: false,
        range: this.logScale ? range.map(Math.log10) : range.slice(),
      },
      ...(this.showAcc ? {
        yaxis2: {
          overlaying: "y", side: "right", range: [0, 1.02], fixedrange: true,
          showgrid: false, tickfont: { size: 10, color: "#888" },
          tickvals: [0, 0.5, 1], ticktext: ["0", "50%", "100%"],
        },
      } : {}),
    };
  }

  shownKeys() {
    return this.showAcc ? SERIES : SERIES.slice(0, 2);
  }

  // Indices of series points the x axis can show (a log axis has no epoch 0).
  visible(from = 0) {
    /** @type {number[]} */
    const out = [];
    const xs = this.series.x;
    for (let i = from; i < xs.length; i++) if (!this.logEpochs || xs[i] > 0) out.push(i);
    return out;
  }

  traces() {
    const idx = this.visible();
    /** @param {string} name @param {string} key @param {string} color @param {string} dash @param {string} yaxis */
    const line = (name, key, color, dash, yaxis) => ({
      type: "scatter",
      mode: "lines",
      name,
      x: idx.map((i) => this.series.x[i]),
      y: idx.map((i) => this.series.y[key][i]),
      yaxis,
      line: { color, width: 1.5, dash },
      hovertemplate: `${name} %{y:.4g} (epoch %{x})<extra></extra>`,
    });
    /** @type {object[]} */
    const traces = [
      line("train", "trainLoss", "#333333", "solid", "y"),
      line("test", "testLoss", "#999999", "solid", "y"),
    ];
    if (this.showAcc) {
      traces.push(
        line("train acc", "trainAcc", "#0877bd", "dot", "y2"),
        line("test acc", "testAcc", "#7fb3d5", "dot", "y2"),
      );
    }
    return traces.concat(this.pins.map((pin) => this.pinTrace(pin)));
  }

  // A pinned run's training loss, dashed, its label written at its last point.
  /** @param {{label: string, color: string, x: number[], y: (number|null)[]}} pin */
  pinTrace(pin) {
    const keep = pin.x.map((_, i) => i).filter((i) => !this.logEpochs || pin.x[i] > 0);
    const text = keep.map((_, k) => (k === keep.length - 1 ? pin.label : ""));
    return {
      type: "scatter",
      mode: "lines+text",
      name: pin.label,
      x: keep.map((i) => pin.x[i]),
      y: keep.map((i) => pin.y[i]),
      text,
      textposition: "top left",
      textfont: { size: 10, color: pin.color },
      cliponaxis: false,
      yaxis: "y",
      line: { color: pin.color, width: 1.5, dash: "dash" },
      hovertemplate: `${pin.label}: %{y:.4g} (epoch %{x})<extra></extra>`,
    };
  }

  /** Mark `epoch` (the timeline's rewound epoch) with a dotted line, or nothing (null).
   * @param {number | null} epoch */
  setMarker(epoch) {
    if (epoch === this.marker) return;
    this.marker = epoch;
    if (this.plotted && this.yRange) Plotly.relayout(this.el, { shapes: this.markerShapes() });
  }

  markerShapes() {
    const e = this.marker;
    if (e === null || (this.logEpochs && e <= 0)) return [];
    // (a shape takes data coordinates on a log axis too: looked at, docs/PAGE.md)
    return [{ type: "line", xref: "x", yref: "paper", x0: e, x1: e, y0: 0, y1: 1,
      line: { color: "#a34700", width: 1.5, dash: "dot" } }];
  }

  /** The pinned runs to draw beside the current one (pins.js). */
  /** @param {Pin[]} pins */
  setPins(pins) {
    this.pins = pins.map((p) => ({ label: p.label ?? "", color: p.color, x: p.curve.x, y: p.curve.trainLoss }));
    this.yRange = null; // an unpinned curve's losses need no room any more
    return this.replot();
  }

  /**
   * The current run's training-loss curve as kept (thinned), for a pin to keep.
   * @returns {Curve}
   */
  snapshot() {
    return { x: this.series.x.slice(), trainLoss: this.series.y.trainLoss.slice(),
      testLoss: this.series.y.testLoss.slice() };
  }

  replot() {
    this.plotted = true;
    this.widen(this.visible(), true);
    // drawn without a range (no axes): the first points need a new layout
    this.framed = this.yRange === null;
    this.plottedPoints = this.series.x.length;
    this.summarise();
    return Plotly.react(this.el, this.traces(), this.layout(), PLOT_CONFIG);
  }

  /** @param {{logLoss?: boolean, logEpochs?: boolean, showAcc?: boolean}} view */
  setView({ logLoss = this.logScale, logEpochs = this.logEpochs, showAcc = this.showAcc }) {
    if (logLoss === this.logScale && logEpochs === this.logEpochs && showAcc === this.showAcc) {
      return Promise.resolve();
    }
    if (logLoss !== this.logScale || logEpochs !== this.logEpochs) this.yRange = null;
    this.logScale = logLoss;
    this.showAcc = showAcc;
    if (logEpochs !== this.logEpochs) {
      this.logEpochs = logEpochs;
      this.series.setLog(logEpochs);
    }
    return this.replot();
  }

  /** @param {number} width @param {number} [height] */
  resize(width, height = this.height) {
    if (width === this.width && height === this.height) return Promise.resolve();
    this.width = width;
    this.height = height;
    return this.replot();
  }

  // Add one frame's history. The redraw runs in a task of its own, never inside the
  // frame's drawing: the frame credit goes back at once and the server prepares the
  // next frame meanwhile.
  /** @param {Frame} frame */
  add(frame) {
    const h = frame.history;
    if (frame.trainPoints || frame.epoch < this.lastEpoch) {
      this.reset();
      this.replot();
    }
    this.lastEpoch = frame.epoch;
    if (!h || h.epoch.length === 0) return Promise.resolve();
    const n = h.epoch.length;
    /** @type {Record<string, (number | null)[]>} */
    const ys = {};
    /** @type {[string, Float32Array | null][]} */
    const sources = [["trainLoss", h.trainLoss], ["testLoss", h.testLoss],
      ["trainAcc", h.trainAcc], ["testAcc", h.testAcc]];
    for (const [k, src] of sources) {
      ys[k] = Array.from({ length: n }, (_, i) => finiteOrNull(src?.[i]));
    }
    if (!this.first) this.first = { epoch: h.epoch[0], trainLoss: ys.trainLoss[0] };
    this.series.push(Array.from(h.epoch), ys);
    if (!this.flushTimer) {
      const wait = Math.max(0, this.lastFlush + FLUSH_MS - performance.now());
      this.flushTimer = setTimeout(() => this.flush(), wait);
    }
    return Promise.resolve();
  }

  flush() {
    clearTimeout(this.flushTimer ?? undefined);
    this.flushTimer = null;
    this.lastFlush = performance.now();
    const s = this.series;
    if (s.x.length === this.plottedPoints) return Promise.resolve();
    if (s.bound() || !this.plotted || this.framed) return this.replot();
    const idx = this.visible(this.plottedPoints);
    // A new best loss (or a higher one) below or above the range: lay the axis out again.
    if (this.widen(idx, false)) return this.replot();
    this.plottedPoints = s.x.length;
    this.summarise();
    if (!idx.length) return Promise.resolve();
    const shown = this.shownKeys();
    const xs = idx.map((i) => s.x[i]);
    return Plotly.extendTraces(
      this.el,
      { x: shown.map(() => xs), y: shown.map((k) => idx.map((i) => s.y[k][i])) },
      shown.map((_, i) => i),
    );
  }

  // One sentence for a screen reader: where the loss started, where it is now.
  summary() {
    const s = this.series;
    const last = s.x.length - 1;
    if (last < 0) return "Loss curve: no epochs trained yet.";
    const now = `training loss ${formatNumber(s.y.trainLoss[last], 3)} at epoch ${s.x[last]}`;
    const test = s.y.testLoss[last] === null ? "" : `, test loss ${formatNumber(s.y.testLoss[last], 3)}`;
    const from = this.first && this.first.epoch < s.x[last]
      ? `, from ${formatNumber(this.first.trainLoss, 3)} at epoch ${this.first.epoch}` : "";
    return `Loss curve: ${now}${test}${from}.`;
  }

  summarise() {
    if (this.summaryEl) this.summaryEl.textContent = this.summary();
  }

  get points() {
    return this.series.x.length;
  }
}
