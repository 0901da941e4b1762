// @ts-check
// The loss curve: train and test loss (and accuracy on a second axis) against epoch.
// New points are appended with Plotly.extendTraces, batched to a few updates a
// second. The chart keeps one point per `stride` epochs; when it would hold more than
// MAX_POINTS the stride doubles and the old points are thinned to match, so the cost
// of a redraw stays bounded however long a run lasts (a chart a few hundred pixels
// wide shows no more anyway). A rebuild (epoch going back) clears it.

/* global Plotly */

const MAX_POINTS = 1000;
const FLUSH_MS = 300; // each update redraws the whole chart: ~25 ms, more on a busy machine
const SERIES = ["trainLoss", "testLoss", "trainAcc", "testAcc"];

const PLOT_CONFIG = { displayModeBar: false, responsive: false };

function finiteOrNull(v) {
  return Number.isFinite(v) ? v : null;
}

export class LossChart {
  constructor(el, { width = 300, height = 150 } = {}) {
    this.el = el;
    this.width = width;
    this.height = height;
    this.logScale = false;
    // Accuracy doubles the traces and adds an axis, which doubles the cost of every
    // update; it is one click away, and the read-outs always show it.
    this.showAcc = false;
    this.lastEpoch = -1;
    this.pending = null;
    this.flushTimer = null;
    this.lastFlush = 0;
    this.reset();
  }

  reset() {
    this.x = [];
    this.y = { trainLoss: [], testLoss: [], trainAcc: [], testAcc: [] };
    this.pending = null;
    this.lastEpoch = -1;
    this.plotted = false;
    this.stride = 1;
  }

  layout() {
    return {
      width: this.width,
      height: this.height,
      margin: { l: 40, r: this.showAcc ? 34 : 8, t: 6, b: 22 },
      showlegend: false,
      xaxis: {
        fixedrange: true, zeroline: false, showgrid: false, rangemode: "nonnegative",
        tickfont: { size: 10, color: "#777" }, linecolor: "#bbb",
      },
      yaxis: {
        type: this.logScale ? "log" : "linear",
        fixedrange: true, zeroline: false, gridcolor: "#eee",
        tickfont: { size: 10, color: "#777" }, exponentformat: "power",
        rangemode: this.logScale ? "normal" : "tozero",
      },
      ...(this.showAcc ? {
        yaxis2: {
          overlaying: "y", side: "right", range: [0, 1.02], fixedrange: true,
          showgrid: false, tickfont: { size: 10, color: "#aaa" },
          tickvals: [0, 0.5, 1], ticktext: ["0", "50%", "100%"],
        },
      } : {}),
      paper_bgcolor: "rgba(0,0,0,0)",
      plot_bgcolor: "#ffffff",
    };
  }

  traces() {
    const line = (name, key, color, dash, yaxis) => ({
      type: "scatter",
      mode: "lines",
      name,
      x: this.x.slice(),
      y: this.y[key].slice(),
      yaxis,
      line: { color, width: 1.5, dash },
      hovertemplate: `${name} %{y:.4g} (epoch %{x})<extra></extra>`,
    });
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
    return traces;
  }

  replot() {
    this.plotted = true;
    return Plotly.react(this.el, this.traces(), this.layout(), PLOT_CONFIG);
  }

  setLogScale(on) {
    this.logScale = on;
    return this.replot();
  }

  setShowAcc(on) {
    this.showAcc = on;
    return this.replot();
  }

  // Add one frame's history. Returns a promise when the chart was redrawn now.
  add(frame) {
    const h = frame.history;
    if (frame.trainPoints || frame.epoch < this.lastEpoch) {
      this.reset();
      this.replot();
    }
    this.lastEpoch = frame.epoch;
    if (!h || h.epoch.length === 0) return Promise.resolve();
    const p = this.pending ?? { x: [], trainLoss: [], testLoss: [], trainAcc: [], testAcc: [] };
    const last = this.x.length ? this.x[this.x.length - 1] : -Infinity;
    let kept = p.x.length ? p.x[p.x.length - 1] : last;
    for (let i = 0; i < h.epoch.length; i++) {
      if (h.epoch[i] < kept + this.stride) continue; // also: never plot an epoch twice
      kept = h.epoch[i];
      p.x.push(kept);
      p.trainLoss.push(finiteOrNull(h.trainLoss?.[i]));
      p.testLoss.push(finiteOrNull(h.testLoss?.[i]));
      p.trainAcc.push(finiteOrNull(h.trainAcc?.[i]));
      p.testAcc.push(finiteOrNull(h.testAcc?.[i]));
    }
    this.pending = p;
    // The redraw runs in a task of its own, never inside the frame's drawing: the frame
    // credit goes back at once and the server prepares the next frame meanwhile.
    if (!this.flushTimer) {
      const wait = Math.max(0, this.lastFlush + FLUSH_MS - performance.now());
      this.flushTimer = setTimeout(() => this.flush(), wait);
    }
    return Promise.resolve();
  }

  flush() {
    clearTimeout(this.flushTimer);
    this.flushTimer = null;
    const p = this.pending;
    this.pending = null;
    this.lastFlush = performance.now();
    if (!p || p.x.length === 0) return Promise.resolve();
    this.x.push(...p.x);
    for (const k of SERIES) this.y[k].push(...p[k]);
    if (this.x.length > MAX_POINTS || !this.plotted) {
      while (this.x.length > MAX_POINTS) this.thin();
      return this.replot();
    }
    const shown = this.showAcc ? SERIES : SERIES.slice(0, 2);
    return Plotly.extendTraces(
      this.el,
      { x: shown.map(() => p.x), y: shown.map((k) => p[k]) },
      shown.map((_, i) => i),
    );
  }

  // Double the stride and keep the points at least one stride apart (the first and
  // the newest always stay): the curve's shape survives, its cost halves.
  thin() {
    this.stride *= 2;
    const keep = [];
    let at = -Infinity;
    for (let i = 0; i < this.x.length; i++) {
      if (this.x[i] >= at + this.stride || i === this.x.length - 1) {
        keep.push(i);
        at = this.x[i];
      }
    }
    this.x = keep.map((i) => this.x[i]);
    for (const k of SERIES) {
      const ys = this.y[k];
      this.y[k] = keep.map((i) => ys[i]);
    }
  }

  get points() {
    return this.x.length;
  }
}
