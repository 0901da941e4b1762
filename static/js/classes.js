// @ts-check
// More than two classes: a palette colour-blind readers can tell apart (Okabe & Ito,
// "Color Universal Design", 2008: orange, blue, bluish green, vermillion, reddish purple,
// sky blue; its yellow is left out, too faint on white), and the surface's class bytes
// (docs/PROTOCOL.md: b = c·L + level, L = 256 // C) turned into colours: the most
// probable class's colour, lighter the less sure the network is. Class 0 is orange
// and class 1 blue, as the two-class surface draws labels 0 and 1.

export const CLASS_COLORS = ["#e69f00", "#0072b2", "#009e73", "#d55e00", "#cc79a7", "#56b4e9"];
export const CLASS_NAMES = ["orange", "blue", "green", "vermillion", "purple", "sky blue"];
const WHITE = [255, 255, 255];
// The faintest tint, for a pixel whose classes tie: still the argmax's hue.
const MIN_TINT = 0.15;

/**
 * A colour `#rrggbb` as [r, g, b].
 * @param {string} hex
 * @returns {number[]}
 */
export function rgb(hex) {
  const v = Number.parseInt(hex.slice(1), 16);
  return [(v >> 16) & 255, (v >> 8) & 255, v & 255];
}

/**
 * Levels per class in a class byte: floor(256 / C).
 * @param {number} classes
 */
export function levelsFor(classes) {
  return Math.floor(256 / classes);
}

/**
 * A class byte as {cls, p}: the most probable class and its probability.
 * @param {number} b
 * @param {number} classes
 */
export function decodeClassByte(b, classes) {
  const levels = levelsFor(classes);
  const cls = Math.floor(b / levels);
  const p = 1 / classes + ((b % levels) / (levels - 1)) * (1 - 1 / classes);
  return { cls, p };
}

/**
 * The colour of class `cls` at probability `p`: white mixed with the class colour by
 * MIN_TINT + (1 − MIN_TINT)·(p − 1/C)/(1 − 1/C), so a sure pixel is the class colour.
 * @param {number} cls
 * @param {number} p
 * @param {number} classes
 * @returns {number[]} [r, g, b]
 */
export function classRgb(cls, p, classes) {
  const sure = Math.max(0, Math.min(1, (p - 1 / classes) / (1 - 1 / classes)));
  const tint = MIN_TINT + (1 - MIN_TINT) * sure;
  const full = rgb(CLASS_COLORS[cls % CLASS_COLORS.length]);
  return full.map((v, i) => Math.round(WHITE[i] + (v - WHITE[i]) * tint));
}

/**
 * A Plotly colorscale that maps every class byte 0..255 (z, with zmin 0 and zmax 255)
 * to its colour: one stop per byte, so nothing is interpolated between classes.
 * @param {number} classes
 * @returns {[number, string][]}
 */
export function classColorscale(classes) {
  const levels = levelsFor(classes);
  /** @type {[number, string][]} */
  const scale = [];
  for (let b = 0; b < 256; b++) {
    const cls = Math.min(Math.floor(b / levels), classes - 1);
    const { p } = decodeClassByte(b, classes);
    const [r, g, bl] = classRgb(cls, Math.min(p, 1), classes);
    scale.push([b / 255, `rgb(${r},${g},${bl})`]);
  }
  return scale;
}

/**
 * A label's colour for the points (full strength).
 * @param {number} label
 */
export function labelColor(label) {
  return CLASS_COLORS[label % CLASS_COLORS.length];
}
