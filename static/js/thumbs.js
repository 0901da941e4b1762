// @ts-check
// Small pictures on plain canvases: neuron outputs over the domain and data-set
// previews. A canvas holds one pixel per grid cell and CSS scales it up smoothly.

import { classRgb, decodeClassByte } from "./classes.js";
import { LUT, cssColor, lutIndex, NEUTRAL, toUnit } from "./colors.js";

/**
 * The canvas's 2D context; a browser that has none cannot show the pictures.
 * @param {HTMLCanvasElement} canvas
 */
function context2d(canvas) {
  const ctx = canvas.getContext("2d");
  if (!ctx) throw new Error("this browser gives a canvas no 2D context");
  return ctx;
}

/**
 * Writes cell i's red, green and blue at px[at..at+2].
 * @typedef {(i: number, px: Uint8ClampedArray, at: number) => void} Fill
 */

// Paint a t x t grid (row 0 = lowest y) onto `canvas`: fill(i, px, at) writes cell i's
// red, green and blue at px[at..at+2].
/** @param {HTMLCanvasElement} canvas @param {number} t @param {Fill} fill */
function paintGrid(canvas, t, fill) {
  if (canvas.width !== t || canvas.height !== t) {
    canvas.width = t;
    canvas.height = t;
  }
  const ctx = context2d(canvas);
  const image = ctx.createImageData(t, t);
  const px = image.data;
  for (let r = 0; r < t; r++) {
    const row = t - 1 - r; // canvas rows run top-down, the grid's bottom-up
    for (let c = 0; c < t; c++) {
      const at = (row * t + c) * 4;
      fill(r * t + c, px, at);
      px[at + 3] = 255;
    }
  }
  ctx.putImageData(image, 0, 0);
}

// Paint t x t quantised values (row 0 = lowest y) onto `canvas`. `toT(v)` maps a
// value to [-1, 1] for the colour scale.
/**
 * @param {HTMLCanvasElement} canvas @param {Uint8Array} bytes @param {number} offset
 * @param {number} t @param {number} lo @param {number} hi @param {(v: number) => number} toT
 */
export function paintQuantised(canvas, bytes, offset, t, lo, hi, toT) {
  // One colour per quantisation level, computed once per neuron.
  const levels = new Uint8Array(256);
  const scale = (hi - lo) / 255;
  for (let q = 0; q < 256; q++) levels[q] = lutIndex(toT(lo + q * scale));
  paintGrid(canvas, t, (i, px, at) => {
    const li = levels[bytes[offset + i]] * 3;
    px[at] = LUT[li];
    px[at + 1] = LUT[li + 1];
    px[at + 2] = LUT[li + 2];
  });
}

// Paint a function f(x, y) -> [-1, 1] sampled on t x t over `domain`.
/**
 * @param {HTMLCanvasElement} canvas @param {number} t @param {number[]} domain
 * @param {(x: number, y: number) => number} f
 */
export function paintFunction(canvas, t, domain, f) {
  canvas.width = t;
  canvas.height = t;
  const [x0, x1, y0, y1] = domain;
  const ctx = context2d(canvas);
  const image = ctx.createImageData(t, t);
  const px = image.data;
  for (let r = 0; r < t; r++) {
    const y = y1 - ((y1 - y0) * r) / (t - 1);
    for (let c = 0; c < t; c++) {
      const x = x0 + ((x1 - x0) * c) / (t - 1);
      const li = lutIndex(f(x, y)) * 3;
      const p = (r * t + c) * 4;
      px[p] = LUT[li];
      px[p + 1] = LUT[li + 1];
      px[p + 2] = LUT[li + 2];
      px[p + 3] = 255;
    }
  }
  ctx.putImageData(image, 0, 0);
}

// A data set's points (x, y, label) on a neutral background, coloured along the
// label range, or by `colorOf(label)` (more than two classes: classes.js labelColor).
/**
 * @param {HTMLCanvasElement} canvas @param {ArrayLike<number>[]} points @param {number[]} domain
 * @param {number} [size] @param {((label: number) => string) | null} [colorOf]
 */
export function paintPoints(canvas, points, domain, size = 64, colorOf = null) {
  const ratio = window.devicePixelRatio || 1;
  canvas.width = size * ratio;
  canvas.height = size * ratio;
  const ctx = context2d(canvas);
  ctx.scale(ratio, ratio);
  ctx.fillStyle = NEUTRAL;
  ctx.fillRect(0, 0, size, size);
  const [x0, x1, y0, y1] = domain;
  let lo = Infinity;
  let hi = -Infinity;
  for (const p of points) {
    lo = Math.min(lo, p[2]);
    hi = Math.max(hi, p[2]);
  }
  for (const p of points) {
    const x = ((p[0] - x0) / (x1 - x0)) * size;
    const y = size - ((p[1] - y0) / (y1 - y0)) * size;
    ctx.fillStyle = colorOf ? colorOf(Math.round(p[2])) : cssColor(toUnit(p[2], lo, hi));
    ctx.beginPath();
    ctx.arc(x, y, 2.2, 0, 2 * Math.PI);
    ctx.fill();
  }
}

// A decision surface (a decoded frame's n x n outputs, row 0 = lowest y) as a small
// picture: the surface's colours over `colorDomain`, or with `classes` > 2 each pixel's
// most probable class tinted by its probability (classes.js), as on the surface.
/**
 * @param {HTMLCanvasElement} canvas @param {ArrayLike<number>} surface @param {number} n
 * @param {number[]} colorDomain @param {number | null} [classes]
 */
export function paintBoundary(canvas, surface, n, colorDomain, classes = null) {
  canvas.width = n;
  canvas.height = n;
  const ctx = context2d(canvas);
  const image = ctx.createImageData(n, n);
  const px = image.data;
  const [lo, hi] = colorDomain;
  for (let r = 0; r < n; r++) {
    const row = n - 1 - r;
    for (let c = 0; c < n; c++) {
      const v = surface[r * n + c];
      let rgb;
      if (classes && classes > 2) {
        const { cls, p } = decodeClassByte(Math.round(Math.max(0, Math.min(1, v)) * 255), classes);
        rgb = classRgb(Math.min(cls, classes - 1), Math.min(p, 1), classes);
      } else {
        const li = lutIndex(toUnit(v, lo, hi)) * 3;
        rgb = [LUT[li], LUT[li + 1], LUT[li + 2]];
      }
      const p = (row * n + c) * 4;
      px[p] = rgb[0];
      px[p + 1] = rgb[1];
      px[p + 2] = rgb[2];
      px[p + 3] = 255;
    }
  }
  ctx.putImageData(image, 0, 0);
}

// Paint t x t quantised probabilities (row 0 = lowest y) as white mixed with `rgb` by
// the probability: one softmax output unit, its class's colour where it is sure.
/**
 * @param {HTMLCanvasElement} canvas @param {Uint8Array} bytes @param {number} offset
 * @param {number} t @param {number} lo @param {number} hi @param {number[]} rgb
 */
export function paintProbability(canvas, bytes, offset, t, lo, hi, rgb) {
  const scale = (hi - lo) / 255;
  paintGrid(canvas, t, (i, px, at) => {
    const p = Math.max(0, Math.min(1, lo + bytes[offset + i] * scale));
    for (let k = 0; k < 3; k++) px[at + k] = Math.round(255 + (rgb[k] - 255) * p);
  });
}
