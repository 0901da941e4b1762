// @ts-check
// A growing curve kept to a bounded number of points, thinned evenly in the chart's own
// display coordinate: epochs on a linear axis, log10(epoch) on a log axis, so the early
// drop keeps its points on a log axis after 10⁵ epochs. Pure: no DOM.

/** @param {boolean} log @returns {(x: number) => number} */
export function coordinate(log) {
  return log ? (x) => Math.log10(Math.max(x, 1)) : (x) => x;
}

export class Series {
  /** @param {string[]} keys the y series, e.g. ["trainLoss", "testLoss"] @param {number} maxPoints */
  constructor(keys, maxPoints) {
    this.keys = keys;
    this.maxPoints = maxPoints;
    /** @type {number[]} kept epochs, set by clear() */
    this.x;
    /** @type {Record<string, (number | null)[]>} the y series' values at those epochs */
    this.y;
    /** @type {number} */
    this.gap;
    this.clear();
    this.coord = coordinate(false);
  }

  clear() {
    this.x = [];
    this.y = Object.fromEntries(this.keys.map((k) => [k, []]));
    this.gap = 0; // the least distance between kept points, in display coordinates
  }

  /** The display coordinate changed (linear <-> log): thin again in the new one. */
  /** @param {boolean} log */
  setLog(log) {
    this.coord = coordinate(log);
    this.gap = 0;
    this.bound();
  }

  /**
   * Would a point at epoch x be kept after the last one (or `after`)?
   * @param {number} x @param {number} [after]
   */
  keeps(x, after = this.x.length ? this.x[this.x.length - 1] : -Infinity) {
    if (x <= after) return false; // never the same epoch twice, never backwards
    return after === -Infinity || this.coord(x) - this.coord(after) >= this.gap;
  }

  /**
   * Append points; returns how many were kept (the caller plots exactly those).
   * @param {number[]} xs @param {Record<string, (number | null)[]>} ys
   */
  push(xs, ys) {
    let kept = 0;
    for (let i = 0; i < xs.length; i++) {
      if (!this.keeps(xs[i])) continue;
      this.x.push(xs[i]);
      for (const k of this.keys) this.y[k].push(ys[k][i]);
      kept += 1;
    }
    return kept;
  }

  /** Thin until at most maxPoints remain; true when anything was dropped. */
  bound() {
    if (this.x.length <= this.maxPoints) return false;
    while (this.x.length > this.maxPoints) {
      const span = this.coord(this.x[this.x.length - 1]) - this.coord(this.x[0]);
      this.gap = this.gap > 0 ? this.gap * 2 : span / this.maxPoints;
      this.thin();
    }
    return true;
  }

  // Keep points at least `gap` apart (the first and the newest always stay).
  thin() {
    const keep = [];
    let at = -Infinity;
    const last = this.x.length - 1;
    for (let i = 0; i <= last; i++) {
      const c = this.coord(this.x[i]);
      if (i === 0 || i === last || c - at >= this.gap) {
        keep.push(i);
        at = c;
      }
    }
    this.x = keep.map((i) => this.x[i]);
    for (const k of this.keys) {
      const ys = this.y[k];
      this.y[k] = keep.map((i) => ys[i]);
    }
  }
}
