// @ts-check
// The decision surface: a Plotly heatmap of the network's output over the domain,
// with the training points on top (and the test points when asked). Each frame hands
// Plotly fresh arrays (Plotly.restyle; Plotly.react when the plot itself changes).
//
// Two Plotly plots share one box: the heatmap (and its hover read-out) below, on a
// plot whose axes are hidden; the points and the axes on a transparent static plot
// above. Points and axes change only when the data do, so a frame redraws the heatmap
// alone, without laying out tick labels: about half the cost of redrawing everything.
//
// A softmax output over C classes (frame.classes) is drawn from its class bytes
// (class_surface.js): each pixel the most probable class's colour, lighter the less sure
// the network is; the points in their classes' colours, test points hollow.

/* global Plotly */

import { classHeatmap, classMarkers } from "./class_surface.js";
import { CLASS_NAMES, levelsFor } from "./classes.js";
import { COLORSCALE } from "./colors.js";
import { paintSurface } from "./first_paint.js";
import { rows } from "./frame.js";
import { formatNumber } from "./schema.js";

const PLOT_CONFIG = { displayModeBar: false, responsive: false, scrollZoom: false };
const POINTS_CONFIG = { staticPlot: true, displayModeBar: false, responsive: false };
const MARGIN = Object.freeze({ l: 28, r: 6, t: 6, b: 24 });

// Marker size by how many distinct places the points occupy: the four XOR corners
// (even 1000 rows sampled from them) get big markers, a cloud of points small ones.
/** @param {Float32Array} points @param {number} n */
function markerSize(points, n) {
  const places = new Set();
  for (let i = 0; i < n && places.size <= 100; i++) {
    places.add(`${points[3 * i].toFixed(3)},${points[3 * i + 1].toFixed(3)}`);
  }
  return places.size <= 16 ? 12 : places.size <= 100 ? 7 : 6;
}

/**
 * @param {Float32Array | null} points (x, y, label) triples
 * @param {string} name @param {string} lineColor @param {boolean} visible
 * @param {number[]} colorDomain @param {number | null} [classes]
 */
function pointsTrace(points, name, lineColor, visible, colorDomain, classes = null) {
  const triples = points ?? new Float32Array(0);
  const n = triples.length / 3;
  const x = new Float32Array(n);
  const y = new Float32Array(n);
  const c = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    x[i] = triples[3 * i];
    y[i] = triples[3 * i + 1];
    c[i] = triples[3 * i + 2];
  }
  return {
    type: "scatter",
    mode: "markers",
    name,
    x,
    y,
    visible,
    hoverinfo: "skip",
    marker: classes
      ? { size: markerSize(triples, n), ...classMarkers(points, name === "test") }
      : {
        size: markerSize(triples, n),
        color: c,
        colorscale: COLORSCALE,
        cmin: colorDomain[0],
        cmax: colorDomain[1],
        // Test points hollow, as on a multi-class surface: an open symbol's ring takes
        // the point's colour (Plotly strokes it with marker.color).
        ...(name === "test" ? { symbol: "circle-open", line: { width: 2 } } : { line: { color: lineColor, width: 1 } }),
      },
  };
}

// Class bytes with every pixel at its class's full colour (Discretize output).
/** @param {Uint8Array} bytes @param {number} classes */
function sureBytes(bytes, classes) {
  const levels = levelsFor(classes);
  return bytes.map((/** @type {number} */ b) => Math.min(Math.floor(b / levels), classes - 1) * levels + levels - 1);
}

/** @typedef {ReturnType<typeof pointsTrace>} PointsTrace */
/** @typedef {ReturnType<Surface["layoutFor"]>} Layout */

export class Surface {
  /** @param {HTMLElement} el @param {{size?: number}} [opts] */
  constructor(el, { size = 300 } = {}) {
    this.el = el;
    el.classList.add("stacked");
    this.heatEl = document.createElement("div");
    this.heatEl.className = "surface-heat";
    this.pointsEl = document.createElement("div");
    this.pointsEl.className = "surface-points";
    el.append(this.heatEl, this.pointsEl);
    this.size = size;
    this.showTest = false;
    this.discretize = false;
    this.colorDomain = [0, 1];
    /** @type {PointsTrace | null} */
    this.train = null;
    /** @type {PointsTrace | null} */
    this.test = null;
    /** @type {Frame | null} */
    this.lastFrame = null;
    /** @type {Layout | null} */
    this.layout = null;
    /** @type {Layout | null} */
    this.pointsLayout = null;
    /** @type {string | null} */
    this.layoutKey = null;
    /** @type {string | null} the heatmap's domain and mode, as last drawn */
    this.heatKey = null;
    this.pointsDirty = false;
    /** @type {Float32Array | null} */
    this.trainPoints = null;
    /** @type {Float32Array | null} */
    this.testPoints = null;
    /** @type {number | null} */
    this.unit = null; // a neuron to show instead of the output (hovered in the diagram)
    /** @type {number | null} */
    this.classes = null; // C of a softmax output's points, else null
    /** @type {HTMLCanvasElement | null} */
    this.firstPaint = null; // the canvas of paintFirst, until Plotly has drawn
  }

  // The first paint (first_paint.js): `frame` on a canvas, before Plotly has loaded, as
  // the Plotly plots would draw it. The first draw() replaces it. A softmax output's
  // class colours are left to Plotly. True when painted.
  /** @param {Frame} frame */
  paintFirst(frame) {
    if (frame.classes || !frame.trainPoints) return false;
    this.setPoints(frame.trainPoints, frame.testPoints, null);
    this.firstPaint = paintSurface(frame, {
      size: this.size, margin: MARGIN, colorDomain: this.colorDomain, scale: COLORSCALE,
      opacity: 0.85, markerSize: markerSize(frame.trainPoints, frame.trainPoints.length / 3),
      lineColor: "#ffffff", frameColor: "#bbb",
    });
    this.el.append(this.firstPaint);
    return true;
  }

  // Called with the points of the first frame after a rebuild (and its classes).
  /** @param {Float32Array} train @param {Float32Array | null} test @param {number | null} [classes] */
  setPoints(train, test, classes = null) {
    this.classes = classes;
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 2; i < train.length; i += 3) {
      lo = Math.min(lo, train[i]);
      hi = Math.max(hi, train[i]);
    }
    // Labels on both sides of 0 (regression) get a domain symmetric about 0, so white
    // means 0 as in the TF Playground; 0/1 labels (classification) keep [0, 1].
    if (lo < 0 && hi > 0) {
      const m = Math.max(-lo, hi);
      this.colorDomain = [-m, m];
    } else {
      this.colorDomain = lo < hi ? [lo, hi] : [0, 1];
    }
    this.trainPoints = train;
    this.testPoints = test;
    this.train = pointsTrace(train, "train", "#ffffff", true, this.colorDomain, classes);
    this.test = pointsTrace(test, "test", "#222222", this.showTest, this.colorDomain, classes);
    this.pointsDirty = true;
  }

  /** @param {boolean} on */
  setShowTest(on) {
    this.showTest = on;
    if (this.test) this.test = { ...this.test, visible: on };
    this.pointsDirty = true;
    return this.redraw();
  }

  /** @param {boolean} on */
  setDiscretize(on) {
    this.discretize = on;
    return this.redraw();
  }

  redraw() {
    return this.lastFrame ? this.draw(this.lastFrame) : Promise.resolve();
  }

  // A new width (the page's layout changed): both plots are laid out again.
  /** @param {number} size */
  resize(size) {
    if (size === this.size || !(size > 0)) return Promise.resolve();
    this.size = size;
    this.layout = null;
    this.heatKey = null;
    return this.redraw();
  }

  // The plot box, as plot_coords.js maps a click in it to data coordinates.
  box() {
    return { width: this.size, height: this.size, margin: { ...MARGIN } };
  }

  // One sentence for a screen reader: what the surface shows now.
  /** @param {Frame | null} frame */
  summary(frame) {
    if (!frame) return "Decision surface: no frame yet.";
    const [lo, hi] = frame.surfaceRange;
    const what = this.unit === null ? "the network's output" : "one neuron's output";
    if (frame.classes && this.shownUnit(frame) === null) {
      const acc = frame.trainAcc !== null && Number.isFinite(frame.trainAcc)
        ? ` ${Math.round(frame.trainAcc * 100)}% of the training points lie in their class's region.`
        : "";
      const names = CLASS_NAMES.slice(0, frame.classes).join(", ");
      return `Decision surface at epoch ${frame.epoch}: the most probable of ${frame.classes} `
        + `classes over the plane (${names}), paler where the network is less sure.${acc}`;
    }
    const acc = frame.trainAcc !== null && Number.isFinite(frame.trainAcc)
      ? ` ${Math.round(frame.trainAcc * 100)}% of the training points lie on their label's side.`
      : "";
    return `Decision surface at epoch ${frame.epoch}: ${what} over the plane, from `
      + `${formatNumber(lo, 3)} (orange) to ${formatNumber(hi, 3)} (blue).${acc}`;
  }

  // Show neuron `u` (its thumbnail, in the frame's neuron order) until called with null.
  /** @param {number | null} u */
  setUnit(u) {
    this.unit = u;
    return this.redraw();
  }

  /** @param {Frame} frame @param {number} u */
  unitValues(frame, u) {
    const t = frame.thumb;
    const ranges = frame.neuronRanges;
    const neurons = frame.neurons;
    if (!ranges || !neurons) throw new Error("a frame without its neurons");
    const lo = ranges[2 * u];
    const hi = ranges[2 * u + 1];
    const out = new Float32Array(t * t);
    const scale = (hi - lo) / 255;
    for (let i = 0; i < t * t; i++) out[i] = lo + neurons[u * t * t + i] * scale;
    const m = Math.max(1, Math.abs(lo), Math.abs(hi)); // the diagram's scale for units
    return { values: out, n: t, range: [-m, m] };
  }

  // The hovered unit to show, or null for the output. A single output unit is the
  // surface itself; a softmax's output units are each one class's probability.
  /** @param {Frame} frame */
  shownUnit(frame) {
    const units = frame.neuronRanges ? frame.neuronRanges.length / 2 : 0;
    const last = frame.classes ? units : units - 1;
    return this.unit !== null && this.unit < last ? this.unit : null;
  }

  // What the heatmap shows: "classes" (a softmax output's class bytes) or "values".
  /** @param {Frame} frame */
  heatMode(frame) {
    return frame.classes && this.shownUnit(frame) === null ? `classes${frame.classes}` : "values";
  }

  /** @param {Frame} frame */
  heatmap(frame) {
    const unit = this.shownUnit(frame);
    if (frame.classes && unit === null) return this.classHeat(frame);
    let n = frame.grid;
    const [x0, x1, y0, y1] = frame.domain;
    let [lo, hi] = this.colorDomain;
    let z = frame.surface;
    if (unit !== null) ({ values: z, n, range: [lo, hi] } = this.unitValues(frame, unit));
    if (this.discretize) {
      const mid = (lo + hi) / 2;
      z = z.map((/** @type {number} */ v) => (v >= mid ? hi : lo));
    }
    return {
      type: "heatmap",
      z: rows(z, n),
      x0,
      dx: (x1 - x0) / (n - 1),
      y0,
      dy: (y1 - y0) / (n - 1),
      zmin: lo,
      zmax: hi,
      colorscale: COLORSCALE,
      showscale: false,
      zsmooth: "fast",
      opacity: 0.85,
      hovertemplate: "x₁ %{x:.2f}, x₂ %{y:.2f}<br>output %{z:.3f}<extra></extra>",
    };
  }

  /** @param {Frame} frame */
  classHeat(frame) {
    const classes = /** @type {number} */ (frame.classes); // called for a softmax frame only
    const n = frame.grid;
    const [x0, x1, y0, y1] = frame.domain;
    const bytes = this.discretize ? sureBytes(frame.surfaceBytes, classes) : frame.surfaceBytes;
    return {
      type: "heatmap",
      ...classHeatmap(bytes, n, classes),
      x0,
      dx: (x1 - x0) / (n - 1),
      y0,
      dy: (y1 - y0) / (n - 1),
      showscale: false,
      opacity: 0.85,
      // The bytes mean nothing to a reader, and decoding them per pixel for hover text
      // would cost every frame; the legend names the colours.
      hoverinfo: "skip",
    };
  }

  /** @param {number[]} domain @param {boolean} [bare] */
  layoutFor(domain, bare = false) {
    const [x0, x1, y0, y1] = domain;
    const axis = (/** @type {number[]} */ range) => ({
      range,
      fixedrange: true,
      showgrid: false,
      zeroline: false,
      visible: !bare,
      ticks: "outside",
      ticklen: 3,
      tickfont: { size: 10, color: "#777" },
      linecolor: "#bbb",
      mirror: true,
    });
    return {
      width: this.size,
      height: this.size,
      margin: { ...MARGIN },
      xaxis: axis([x0, x1]),
      yaxis: { ...axis([y0, y1]), scaleanchor: undefined },
      showlegend: false,
      paper_bgcolor: "rgba(0,0,0,0)",
      plot_bgcolor: "rgba(0,0,0,0)",
      dragmode: false,
    };
  }

  /** @param {Frame} frame */
  draw(frame) {
    this.lastFrame = frame;
    const key = frame.domain.join(",");
    if (!this.layout || this.layoutKey !== key) {
      // The axes live on the static top plot; the heatmap's own are hidden, so a frame
      // does not lay out tick labels again.
      this.layout = this.layoutFor(frame.domain, true);
      this.pointsLayout = this.layoutFor(frame.domain, false);
      this.layoutKey = key;
      this.pointsDirty = true;
    }
    /** @type {Record<string, unknown>} */
    const heat = this.heatmap(frame);
    const heatKey = `${key}|${this.heatMode(frame)}`;
    let drawn;
    if (this.heatKey === heatKey) {
      // Same plot, new numbers: restyle skips react's diff of the whole figure.
      /** @type {Record<string, unknown[]>} */
      const update = {};
      for (const k of ["z", "x0", "dx", "y0", "dy", "zmin", "zmax"]) update[k] = [heat[k]];
      drawn = [Plotly.restyle(this.heatEl, update, [0])];
    } else {
      drawn = [Plotly.react(this.heatEl, [heat], this.layout ?? undefined, PLOT_CONFIG)];
      this.heatKey = heatKey;
    }
    if (this.pointsDirty && this.train) {
      this.pointsDirty = false;
      const traces = /** @type {PointsTrace[]} */ ([this.train, this.test]); // test: set with train
      drawn.push(Plotly.react(this.pointsEl, traces, this.pointsLayout ?? undefined, POINTS_CONFIG));
    }
    if (this.firstPaint) {
      const canvas = this.firstPaint;
      this.firstPaint = null;
      return Promise.all(drawn).finally(() => canvas.remove());
    }
    return Promise.all(drawn);
  }
}
