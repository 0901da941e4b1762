// @ts-check
// The first paint: a fresh session's first frame, which the server puts into the page
// (app/first_paint.py, the #first-frame JSON), drawn on a plain canvas the moment the
// page's script runs, before Plotly.js has loaded or the socket is up. The canvas
// draws what the Plotly surface draws (surface.js): the heatmap over the same
// colorscale and domain at the same opacity, and the training points; the first
// Plotly draw then takes its place. Pure functions, but for paintSurface.

/**
 * The #first-frame JSON as a RawFrame: each {base64} attachment becomes its bytes.
 * @param {Record<string, unknown>} json
 * @returns {RawFrame}
 */
export function decodeAttachments(json) {
  /** @type {Record<string, unknown>} */
  const out = {};
  for (const [key, value] of Object.entries(json)) {
    out[key] = isBase64(value) ? bytesOfBase64(value.base64) : value;
  }
  return /** @type {RawFrame} */ (/** @type {unknown} */ (out));
}

/** @param {unknown} value @returns {value is {base64: string}} */
function isBase64(value) {
  return typeof value === "object" && value !== null && typeof (/** @type {{base64?: unknown}} */ (value)).base64 === "string";
}

/** @param {string} text */
export function bytesOfBase64(text) {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** @param {string} hex @returns {[number, number, number]} */
function rgbOf(hex) {
  const v = Number.parseInt(hex.slice(1), 16);
  return [(v >> 16) & 255, (v >> 8) & 255, v & 255];
}

/**
 * The colour at t (0..1, clamped) of a Plotly colorscale [[stop, "#rrggbb"], ...]:
 * linear in RGB between the stops around it, as Plotly colours a heatmap.
 * @param {(number | string)[][]} scale @param {number} t @returns {[number, number, number]}
 */
export function colorAt(scale, t) {
  const x = Number.isFinite(t) ? Math.min(1, Math.max(0, t)) : 0;
  for (let i = 1; i < scale.length; i++) {
    const s1 = Number(scale[i][0]);
    if (x <= s1 || i === scale.length - 1) {
      const s0 = Number(scale[i - 1][0]);
      const a = rgbOf(String(scale[i - 1][1]));
      const b = rgbOf(String(scale[i][1]));
      const u = s1 > s0 ? (x - s0) / (s1 - s0) : 0;
      const mix = (/** @type {number} */ c) => Math.round(a[c] + (b[c] - a[c]) * u);
      return [mix(0), mix(1), mix(2)];
    }
  }
  return rgbOf(String(scale[0][1]));
}

/**
 * RGBA pixels of an n x n surface (rows y ascending, as frames carry them), top row
 * first as a canvas wants them, each value's colour over [lo, hi] at `opacity`.
 * @param {Float32Array} values @param {number} n @param {number[]} domain [lo, hi]
 * @param {(number | string)[][]} scale @param {number} opacity
 */
export function surfacePixels(values, n, domain, scale, opacity) {
  const [lo, hi] = domain;
  const span = hi - lo;
  const alpha = Math.round(opacity * 255);
  const out = new Uint8ClampedArray(n * n * 4);
  for (let r = 0; r < n; r++) {
    const from = (n - 1 - r) * n; // canvas row r is the frame's row n - 1 - r
    for (let c = 0; c < n; c++) {
      const v = values[from + c];
      const [red, green, blue] = colorAt(scale, span > 0 ? (v - lo) / span : 0.5);
      const at = (r * n + c) * 4;
      out[at] = red;
      out[at + 1] = green;
      out[at + 2] = blue;
      out[at + 3] = alpha;
    }
  }
  return out;
}

/**
 * Draw `frame`'s surface and its training points on a new canvas laid out as the Plotly
 * plots are (size x size with `margin`, axis ranges the frame's domain).
 * @param {Frame} frame
 * @param {{size: number, margin: {l: number, r: number, t: number, b: number},
 *   colorDomain: number[], scale: (number | string)[][], opacity: number,
 *   markerSize: number, lineColor: string, frameColor: string}} look
 */
export function paintSurface(frame, look) {
  const { size, margin } = look;
  const ratio = window.devicePixelRatio || 1;
  const canvas = document.createElement("canvas");
  canvas.width = Math.round(size * ratio);
  canvas.height = Math.round(size * ratio);
  canvas.style.cssText = `position:absolute;left:0;top:0;width:${size}px;height:${size}px`;
  canvas.setAttribute("aria-hidden", "true");
  const ctx = canvas.getContext("2d");
  if (!ctx) return canvas;
  ctx.scale(ratio, ratio);
  const n = frame.grid;
  const image = new ImageData(surfacePixels(frame.surface, n, look.colorDomain, look.scale, look.opacity), n, n);
  const cells = document.createElement("canvas");
  cells.width = n;
  cells.height = n;
  cells.getContext("2d")?.putImageData(image, 0, 0);
  const w = size - margin.l - margin.r;
  const h = size - margin.t - margin.b;
  const [x0, x1, y0, y1] = frame.domain;
  // Cell centres sit on the grid's points, so the outer cells are half outside the axes.
  const cw = w / (n - 1);
  const ch = h / (n - 1);
  ctx.save();
  ctx.beginPath();
  ctx.rect(margin.l, margin.t, w, h);
  ctx.clip();
  ctx.drawImage(cells, margin.l - cw / 2, margin.t - ch / 2, w + cw, h + ch);
  const points = frame.trainPoints ?? new Float32Array(0);
  const [lo, hi] = look.colorDomain;
  for (let i = 0; i + 2 < points.length; i += 3) {
    const px = margin.l + ((points[i] - x0) / (x1 - x0)) * w;
    const py = margin.t + (1 - (points[i + 1] - y0) / (y1 - y0)) * h;
    const [r, g, b] = colorAt(look.scale, hi > lo ? (points[i + 2] - lo) / (hi - lo) : 0.5);
    ctx.beginPath();
    ctx.arc(px, py, look.markerSize / 2, 0, 2 * Math.PI);
    ctx.fillStyle = `rgb(${r},${g},${b})`;
    ctx.fill();
    ctx.lineWidth = 1;
    ctx.strokeStyle = look.lineColor;
    ctx.stroke();
  }
  ctx.restore();
  ctx.strokeStyle = look.frameColor;
  ctx.lineWidth = 1;
  ctx.strokeRect(margin.l + 0.5, margin.t + 0.5, w - 1, h - 1);
  return canvas;
}
