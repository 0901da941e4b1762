// @ts-check
// The TF Playground's colours: orange for negative, blue for positive, a light grey
// in the middle. One scale for the surface, the thumbnails, the points and the links.

export const ORANGE = "#f59322";
export const NEUTRAL = "#e8eaeb";
export const BLUE = "#0877bd";

// Plotly colorscale over [lo, hi] of the colour domain.
export const COLORSCALE = [
  [0, ORANGE],
  [0.5, NEUTRAL],
  [1, BLUE],
];

/** @param {string} hex @returns {number[]} */
function rgb(hex) {
  const v = Number.parseInt(hex.slice(1), 16);
  return [(v >> 16) & 255, (v >> 8) & 255, v & 255];
}

const STOPS = [rgb(ORANGE), rgb(NEUTRAL), rgb(BLUE)];

// 256 RGB entries for t in [-1, 1]: index = round((t + 1) * 127.5).
export const LUT = (() => {
  const lut = new Uint8ClampedArray(256 * 3);
  for (let i = 0; i < 256; i++) {
    const t = (i / 255) * 2 - 1;
    const [a, b, u] = t < 0 ? [STOPS[1], STOPS[0], -t] : [STOPS[1], STOPS[2], t];
    for (let c = 0; c < 3; c++) lut[i * 3 + c] = Math.round(a[c] + (b[c] - a[c]) * u);
  }
  return lut;
})();

/** @param {number} t */
export function lutIndex(t) {
  const i = Math.round((Math.max(-1, Math.min(1, t)) + 1) * 127.5);
  return i;
}

// CSS colour for a value t in [-1, 1].
/** @param {number} t */
export function cssColor(t) {
  const i = lutIndex(t) * 3;
  return `rgb(${LUT[i]},${LUT[i + 1]},${LUT[i + 2]})`;
}

// The colour domain of a problem: labels span [lo, hi]; the middle is neutral.
/** @param {number} v @param {number} lo @param {number} hi */
export function toUnit(v, lo, hi) {
  const mid = (lo + hi) / 2;
  const half = (hi - lo) / 2 || 1;
  return (v - mid) / half;
}
