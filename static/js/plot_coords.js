// @ts-check
// Where a click on the surface lands in the data's coordinates: the plot area is the
// box inside the margins, x growing to the right over [xmin, xmax], y growing upwards
// over [ymin, ymax] (screen y grows downwards). No DOM: the surface hands it the
// click's offset within its box, its size and its margins.

/**
 * @param {number} px offset from the box's left edge, CSS pixels
 * @param {number} py offset from the box's top edge
 * @param {{width: number, height: number, margin: {l: number, r: number, t: number, b: number}}} box
 * @param {number[]} domain [xmin, xmax, ymin, ymax]
 * @returns {{x: number, y: number} | null} null outside the plot area
 */
export function pixelToData(px, py, box, domain) {
  const { width, height, margin } = box;
  const w = width - margin.l - margin.r;
  const h = height - margin.t - margin.b;
  const u = (px - margin.l) / w;
  const v = (py - margin.t) / h;
  if (!(w > 0 && h > 0) || u < 0 || u > 1 || v < 0 || v > 1) return null;
  const [x0, x1, y0, y1] = domain;
  return { x: x0 + u * (x1 - x0), y: y1 - v * (y1 - y0) };
}

/**
 * The data units one CSS pixel spans on each axis: [x per pixel, y per pixel].
 * @param {{width: number, height: number, margin: {l: number, r: number, t: number, b: number}}} box
 * @param {number[]} domain [xmin, xmax, ymin, ymax]
 */
export function unitsPerPixel(box, domain) {
  const { width, height, margin } = box;
  const [x0, x1, y0, y1] = domain;
  return [(x1 - x0) / (width - margin.l - margin.r), (y1 - y0) / (height - margin.t - margin.b)];
}
