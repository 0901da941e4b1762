// @ts-check
// The surface of a network with more than one output unit (a softmax over C classes):
// the server sends one byte per pixel, the most probable class and its probability
// (docs/PROTOCOL.md), and this module turns that into what Plotly draws: a heatmap of
// the bytes over a colorscale with one stop per byte (classes.js), points coloured by
// their class (test points hollow, as the two-class surface draws them), and the
// legend's rows. No DOM, no Plotly: surface.js hands these to Plotly.

import { CLASS_NAMES, classColorscale, decodeClassByte, labelColor } from "./classes.js";

/**
 * Heatmap settings for class bytes: z holds the bytes themselves, zmin 0 and zmax 255
 * put byte b exactly on stop b, and no smoothing (between two classes' bytes an
 * interpolated value would be a third class's colour).
 * @param {Uint8Array} bytes n*n class bytes, row r = y index
 * @param {number} n
 * @param {number} classes
 */
export function classHeatmap(bytes, n, classes) {
  const z = [];
  for (let r = 0; r < n; r++) z.push(Array.from(bytes.subarray(r * n, (r + 1) * n)));
  return { z, zmin: 0, zmax: 255, colorscale: classColorscale(classes), zsmooth: false };
}

/**
 * The most probable class and its probability at each pixel: for hover text and tests.
 * @param {Uint8Array} bytes
 * @param {number} classes
 */
export function decodeSurface(bytes, classes) {
  const cls = new Uint8Array(bytes.length);
  const p = new Float32Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) {
    const d = decodeClassByte(bytes[i], classes);
    cls[i] = d.cls;
    p[i] = d.p;
  }
  return { cls, p };
}

/**
 * Marker settings for points (x, y, label) triples: each its class's colour, training
 * points filled with a dark rim, test points hollow rings.
 * @param {Float32Array | null} points
 * @param {boolean} test
 */
export function classMarkers(points, test) {
  const color = [];
  const n = points ? points.length / 3 : 0;
  for (let i = 0; points && i < n; i++) color.push(labelColor(Math.round(points[3 * i + 2])));
  return test
    ? { color, symbol: "circle-open", line: { color, width: 2 } }
    // A dark rim: a point sits on its own class's colour where the network is right.
    : { color, symbol: "circle", line: { color: "#333333", width: 1 } };
}

/**
 * The legend: one row per class with its colour and how many points it has.
 * @param {number} classes
 * @param {(Float32Array | null)[]} points
 */
export function legendRows(classes, points) {
  const counts = new Array(classes).fill(0);
  for (const pts of points) {
    if (!pts) continue;
    for (let i = 2; i < pts.length; i += 3) {
      const k = Math.round(pts[i]);
      if (k >= 0 && k < classes) counts[k] += 1;
    }
  }
  return counts.map((count, k) => ({
    cls: k, color: labelColor(k), name: CLASS_NAMES[k], count,
    text: `Class ${k} (${CLASS_NAMES[k]}): ${count} point${count === 1 ? "" : "s"}`,
  }));
}
