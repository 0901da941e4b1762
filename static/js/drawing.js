// @ts-check
// The points a person draws on the surface: add one of a class at a click, remove the
// nearest at a shift-click, clear them all; what is sent (the `data` event's binary
// attachments, docs/PROTOCOL.md) and what is saved (CSV) come from here. No DOM.

import { checked, MAX_CLASSES, MAX_POINTS, PointsCsvError, pointsCsv } from "./points_csv.js";

export class DrawnPoints {
  constructor() {
    /** @type {{x: number, y: number, label: number}[]} */
    this.points = [];
  }

  get size() {
    return this.points.length;
  }

  /**
   * A point of class `label` at (x, y); false when the set is full or the label bad.
   * @param {number} x @param {number} y @param {number} label
   */
  add(x, y, label) {
    if (this.points.length >= MAX_POINTS) return false;
    if (!Number.isInteger(label) || label < 0 || label >= MAX_CLASSES) return false;
    if (!Number.isFinite(x) || !Number.isFinite(y)) return false;
    this.points.push({ x, y, label });
    return true;
  }

  /**
   * Remove the point nearest to (x, y), distances measured in units of `scale` =
   * [x per unit, y per unit] (so a wide domain does not favour one axis); returns the
   * removed point or null when there is none within `reach` units.
   * @param {number} x @param {number} y @param {number[]} [scale] @param {number} [reach]
   */
  removeNearest(x, y, scale = [1, 1], reach = Infinity) {
    let best = -1;
    let bestD = Infinity;
    this.points.forEach((p, i) => {
      const d = Math.hypot((p.x - x) / scale[0], (p.y - y) / scale[1]);
      if (d < bestD) {
        bestD = d;
        best = i;
      }
    });
    if (best < 0 || bestD > reach) return null;
    return this.points.splice(best, 1)[0];
  }

  clear() {
    this.points = [];
  }

  /**
   * Replace the set with (x, y, label) triples (a frame's points or a CSV's).
   * @param {number[][]} triples
   */
  replace(triples) {
    this.points = triples.map(([x, y, label]) => ({ x, y, label }));
  }

  /** Counts per class, [n0, n1, ...] up to the largest label. */
  counts() {
    /** @type {number[]} */
    const counts = [];
    for (const p of this.points) counts[p.label] = (counts[p.label] ?? 0) + 1;
    return Array.from(counts, (c) => c ?? 0);
  }

  /** Why these points cannot be trained on yet, in words, or null when they can. */
  problem() {
    try {
      checked(this.points.map((p) => [p.x, p.y]), this.points.map((p) => p.label),
        "classification");
      return null;
    } catch (err) {
      if (err instanceof PointsCsvError) return err.message;
      throw err;
    }
  }

  /**
   * The `data` event's payload: float32 (x, y) pairs and uint8 labels as ArrayBuffers.
   * @param {number[] | null} domain [xmin, xmax, ymin, ymax] to keep, or null
   */
  payload(domain = null) {
    const n = this.points.length;
    const xy = new Float32Array(2 * n);
    const labels = new Uint8Array(n);
    this.points.forEach((p, i) => {
      xy[2 * i] = p.x;
      xy[2 * i + 1] = p.y;
      labels[i] = p.label;
    });
    /** @type {Record<string, unknown>} */
    const out = { n, points: xy.buffer, labels: labels.buffer };
    if (domain) out.domain = domainHolding(domain, xy);
    return out;
  }

  csv() {
    return pointsCsv(this.points.map((p) => [p.x, p.y]), this.points.map((p) => p.label),
      "classification");
  }
}

/**
 * `domain`, grown where needed to hold every float32 point (the server checks).
 * @param {number[]} domain @param {Float32Array} xy
 */
export function domainHolding(domain, xy) {
  let [x0, x1, y0, y1] = domain;
  for (let i = 0; i < xy.length; i += 2) {
    x0 = Math.min(x0, xy[i]);
    x1 = Math.max(x1, xy[i]);
    y0 = Math.min(y0, xy[i + 1]);
    y1 = Math.max(y1, xy[i + 1]);
  }
  return [x0, x1, y0, y1];
}

/**
 * A parsed CSV (points_csv.js) as the `data` payload: float32 coordinates, and uint8
 * labels or float32 targets.
 * @param {import("./points_csv.js").Points} parsed
 */
export function csvPayload(parsed) {
  const n = parsed.points.length;
  const xy = new Float32Array(2 * n);
  parsed.points.forEach(([x, y], i) => {
    xy[2 * i] = x;
    xy[2 * i + 1] = y;
  });
  if (parsed.task === "regression") {
    return { task: "regression", n, points: xy.buffer,
      targets: Float32Array.from(parsed.values).buffer };
  }
  return { n, points: xy.buffer, labels: Uint8Array.from(parsed.values).buffer };
}
