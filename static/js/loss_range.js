// @ts-check
// The loss chart's y-range: one that only widens. An axis that rescales to its data at
// every update shows a falling loss only in its tick labels; a range that starts at the
// first loss and reaches down, in steps, to the best loss seen keeps the axis still
// while the curve moves down it. The steps are half decades on a log axis (0.316, 1,
// 3.16, ...) and 1-1.5-2-2.5-3-4-5-6-8 multiples of a power of ten on a linear one,
// so the axis moves now and then, not with every frame. Pure: no Plotly, no DOM.

/** @typedef {[number, number]} Range lowest and highest y shown, in data units */

// A value never sits on the edge of the range: it is this far inside it (in decades on
// a log axis, as a fraction of the value on a linear one).
const LOG_MARGIN = 0.02;
const LINEAR_MARGIN = 0.02;
const NICE = [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10];

/** The smallest nice number (NICE times a power of ten) at or above `v` (> 0). */
/** @param {number} v */
export function niceCeil(v) {
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of NICE) {
    // tolerate rounding: 3 * 0.1 is 0.30000000000000004
    if (m * p >= v * (1 - 1e-12)) return m * p;
  }
  return 10 * p;
}

/**
 * The y-range after new values: the previous one (or none), widened just enough, in
 * steps, to hold every finite value (on a log axis, every positive one). It never
 * shrinks. Null while there is nothing to show.
 * @param {Range | null} prev
 * @param {Iterable<number | null | undefined>} values
 * @param {boolean} log
 * @returns {Range | null}
 */
export function widenRange(prev, values, log) {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (v === null || v === undefined || !Number.isFinite(v) || (log && v <= 0)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (lo > hi) return prev;
  if (prev && prev[0] <= lo && hi <= prev[1]) return prev;
  let low;
  let high;
  if (log) {
    low = 10 ** (Math.floor(2 * (Math.log10(lo) - LOG_MARGIN)) / 2);
    high = 10 ** (Math.ceil(2 * (Math.log10(hi) + LOG_MARGIN)) / 2);
  } else {
    // A loss is never negative: the linear axis starts at 0 unless a value is below it.
    low = lo >= 0 ? 0 : -niceCeil(-lo * (1 + LINEAR_MARGIN));
    high = hi <= 0 ? 0 : niceCeil(hi * (1 + LINEAR_MARGIN));
    if (low === high) high = 1;
  }
  return prev ? [Math.min(prev[0], low), Math.max(prev[1], high)] : [low, high];
}
