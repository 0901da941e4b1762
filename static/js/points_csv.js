// @ts-check
// Your points as CSV text: columns x1, x2 and label (0..5), or target for a regression,
// one point a line, a header optional. The same rules and the same messages as the
// engine's reader (engine/datasets.py parse_points_csv), so the page names the bad line
// before anything is sent: tests/js/points_csv.test.js and tests/engine/test_points_csv.py
// answer the same cases (tests/fixtures/points_csv_cases.json).

export const MAX_POINTS = 5000;
export const MAX_CLASSES = 6;
export const MAX_CSV_CHARS = 1_000_000;
const LABEL_NAMES = ["label", "class"];
const TARGET_NAMES = ["target", "value"];
// A number as written in a file: digits, an optional point and exponent (no "NaN",
// "Infinity", "0x10" or "1_000", which Number() or Python's float() would take).
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

export class PointsCsvError extends Error {}

/**
 * @typedef {{points: number[][], values: number[], task: "classification" | "regression",
 *   classes: number | null}} Points
 */

/** @param {string} line */
function fields(line) {
  const sep = line.includes(",") ? "," : line.includes("\t") ? "\t" : ";";
  return line.split(sep).map((f) => f.trim());
}

/** @param {string} text */
function finite(text) {
  if (!NUMBER.test(text)) return null;
  const value = Number(text);
  return Number.isFinite(value) ? value : null; // 1e999 is Infinity
}

/**
 * The points in CSV text, or a PointsCsvError whose message names the line.
 * @param {string} text
 * @returns {Points}
 */
export function parsePointsCsv(text) {
  if (text.length > MAX_CSV_CHARS) {
    throw new PointsCsvError(`the text has ${text.length} characters; at most ${MAX_CSV_CHARS}`);
  }
  /** @type {"classification" | "regression"} */
  let task = "classification";
  const points = [];
  const values = [];
  let headerSeen = false;
  const lines = text.split(/\r\n|\r|\n/);
  for (let i = 0; i < lines.length; i++) {
    const number = i + 1;
    const line = lines[i].trim().replace(/^\ufeff/, "");
    if (!line || line.startsWith("#")) continue;
    const f = fields(line);
    if (!points.length && !headerSeen && !f.some((x) => NUMBER.test(x))) {
      headerSeen = true;
      if (f.length !== 3) {
        throw new PointsCsvError(
          `line ${number}: expected 3 columns (x1, x2, label or target), got ${f.length}`);
      }
      const name = f[2].toLowerCase();
      if (TARGET_NAMES.includes(name)) task = "regression";
      else if (!LABEL_NAMES.includes(name)) {
        throw new PointsCsvError(
          `line ${number}: the third column must be called label or target, not '${f[2]}'`);
      }
      continue;
    }
    if (f.length !== 3) {
      const third = task === "regression" ? "target" : "label";
      throw new PointsCsvError(
        `line ${number}: expected 3 columns (x1, x2, ${third}), got ${f.length}`);
    }
    const point = [];
    for (const [c, column] of ["x1", "x2"].entries()) {
      const v = finite(f[c]);
      if (v === null) {
        throw new PointsCsvError(`line ${number}: ${column} '${f[c]}' is not a finite number`);
      }
      point.push(v);
    }
    const value = finite(f[2]);
    if (task === "regression") {
      if (value === null) {
        throw new PointsCsvError(`line ${number}: target '${f[2]}' is not a finite number`);
      }
    } else if (value === null || !Number.isInteger(value) || value < 0) {
      throw new PointsCsvError(
        `line ${number}: label '${f[2]}' is not a class number (a whole number 0, 1, 2...)`);
    } else if (value >= MAX_CLASSES) {
      throw new PointsCsvError(
        `line ${number}: label ${value} would make ${value + 1} classes: ` +
        `the limit is ${MAX_CLASSES} classes (labels 0..${MAX_CLASSES - 1})`);
    }
    if (points.length === MAX_POINTS) {
      throw new PointsCsvError(`line ${number}: more than ${MAX_POINTS} points`);
    }
    points.push(point);
    values.push(/** @type {number} */ (value));
  }
  if (!points.length) throw new PointsCsvError("no points: expected lines of x1, x2, label");
  return checked(points, values, task);
}

/**
 * What the engine's custom_data asks of any points: 2 to 5000 of them, and for a
 * classifier labels 0..C-1 with every class present, at least two.
 * @param {number[][]} points
 * @param {number[]} values
 * @param {"classification" | "regression"} task
 * @returns {Points}
 */
export function checked(points, values, task) {
  const n = points.length;
  if (n < 2 || n > MAX_POINTS) {
    throw new PointsCsvError(`need 2 to ${MAX_POINTS} points, got ${n}`);
  }
  if (task === "regression") return { points, values, task, classes: null };
  if (new Set(values).size < 2) {
    throw new PointsCsvError(
      `all ${n} points have label ${values[0]}: a classifier needs at least two classes`);
  }
  const present = [...new Set(values)].sort((a, b) => a - b);
  const top = present[present.length - 1];
  const missing = [];
  for (let c = 0; c < top; c++) if (!present.includes(c)) missing.push(c);
  if (missing.length) {
    const one = missing.length === 1;
    throw new PointsCsvError(
      `labels must be 0..${top} with every class present: ${one ? "class" : "classes"} ` +
      `${missing.join(", ")} ${one ? "has" : "have"} no point (labels present: ` +
      `${present.join(", ")}); number your classes 0..${present.length - 1}`);
  }
  return { points, values, task, classes: top + 1 };
}

/**
 * Points as CSV text with a header, numbers written exactly (JavaScript's shortest
 * round-trip form): parsePointsCsv and the engine read them back to the same numbers.
 * @param {number[][]} points
 * @param {number[]} values
 * @param {"classification" | "regression"} task
 */
export function pointsCsv(points, values, task) {
  const lines = [`x1,x2,${task === "regression" ? "target" : "label"}`];
  for (let i = 0; i < points.length; i++) {
    lines.push(`${points[i][0]},${points[i][1]},${values[i]}`);
  }
  return `${lines.join("\n")}\n`;
}
