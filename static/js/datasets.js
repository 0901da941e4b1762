// @ts-check
// The data-set picker: one thumbnail per data set (from /api/datasets), filtered by
// problem type like the TF Playground's, and the problem-type menu that switches
// between classification and regression sets. The thumbnails are one Tab stop (a
// toolbar, WAI-ARIA APG: the arrows move among them, Enter picks): fourteen Tab stops
// stood between the top bar and the network.

import { labelColor } from "./classes.js";
import { paintPoints } from "./thumbs.js";
import { words } from "./schema.js";

/**
 * A generator's preview as /api/datasets lists it (app/datasets.py).
 * @typedef {{problem: string, classes: number | null, domain: number[], points: number[][]}} Preview
 */

export class DatasetPicker {
  /**
   * onPick(name) asks for a data set.
   * @param {HTMLElement} root @param {HTMLSelectElement | null} problemSelect @param {string[]} names
   * @param {(name: string) => void} onPick @param {string[]} [regression]
   */
  constructor(root, problemSelect, names, onPick, regression = []) {
    this.root = root;
    this.regression = new Set(regression);
    this.problemSelect = problemSelect;
    this.onPick = onPick;
    /** @type {Record<string, Preview>} */
    this.info = {};
    /** @type {string | null} */
    this.current = null;
    /** @type {Map<string, {b: HTMLButtonElement, canvas: HTMLCanvasElement}>} */
    this.buttons = new Map();
    for (const name of names) {
      const b = document.createElement("button");
      b.type = "button";
      b.className = "dataset";
      b.dataset.dataset = name;
      b.setAttribute("aria-label", `Data set ${words(name)}`);
      b.setAttribute("aria-pressed", "false");
      b.tabIndex = -1;
      b.title = words(name);
      const canvas = document.createElement("canvas");
      canvas.width = 64;
      canvas.height = 64;
      const caption = document.createElement("span");
      caption.textContent = words(name);
      b.append(canvas, caption);
      b.addEventListener("click", () => this.onPick(name));
      root.appendChild(b);
      this.buttons.set(name, { b, canvas });
    }
    root.addEventListener("keydown", (e) => this.onKey(e));
    problemSelect?.addEventListener("change", () => this.pickProblem(problemSelect.value));
    this.rove();
  }

  /** The thumbnails shown (the current problem type's). */
  shown() {
    return [...this.buttons.values()].map(({ b }) => b).filter((b) => !b.hidden);
  }

  /** The one thumbnail Tab stops at: `b`, else the current data set, else the first shown. */
  /** @param {HTMLButtonElement | null} [b] */
  rove(b = null) {
    const current = this.buttons.get(this.current ?? "")?.b;
    const stop = [b, current, this.shown()[0]].find((x) => x && !x.hidden);
    for (const { b: x } of this.buttons.values()) x.tabIndex = x === stop ? 0 : -1;
  }

  // The arrows move focus among the shown thumbnails (wrapping; Home and End go to
  // the ends) without picking: each pick rebuilds the data.
  /** @param {KeyboardEvent} e */
  onKey(e) {
    const shown = this.shown();
    const at = shown.indexOf(/** @type {HTMLButtonElement} */ (e.target));
    if (at < 0) return;
    const steps = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 };
    let to;
    if (e.key in steps) to = (at + steps[/** @type {keyof typeof steps} */ (e.key)] + shown.length) % shown.length;
    else if (e.key === "Home") to = 0;
    else if (e.key === "End") to = shown.length - 1;
    else return;
    e.preventDefault();
    this.rove(shown[to]);
    shown[to].focus();
  }

  /** @param {string} [url] */
  async load(url = "/api/datasets") {
    const response = await fetch(url);
    if (!response.ok) throw new Error(`${url}: ${response.status}`);
    this.info = await response.json();
    for (const [name, { canvas }] of this.buttons) {
      const d = this.info[name];
      // More than two classes: each in its palette colour, as the surface draws them.
      if (d) paintPoints(canvas, d.points, d.domain, 64, (d.classes ?? 0) > 2 ? labelColor : null);
    }
    this.filter();
  }

  // A preview from points the page holds (your own points have none on the server's
  // list): (x, y, label) triples over `domain`.
  /**
   * @param {string} name @param {ArrayLike<number>[]} points @param {number[]} domain
   * @param {number | null} classes
   */
  setPreview(name, points, domain, classes) {
    const slot = this.buttons.get(name);
    if (slot) paintPoints(slot.canvas, points, domain, 64, (classes ?? 0) > 2 ? labelColor : null);
  }

  /** @param {string | null} name */
  problemOf(name) {
    if (name === null) return "classification"; // nothing picked yet
    return this.info[name]?.problem ?? (this.regression.has(name) ? "regression" : "classification");
  }

  /** @param {string | null} name */
  setCurrent(name) {
    this.current = name;
    for (const [n, { b }] of this.buttons) {
      b.classList.toggle("selected", n === name);
      b.setAttribute("aria-pressed", String(n === name));
    }
    this.filter();
  }

  filter() {
    const problem = this.problemOf(this.current);
    if (this.problemSelect) this.problemSelect.value = problem;
    for (const [n, { b }] of this.buttons) b.hidden = this.problemOf(n) !== problem;
    this.rove();
  }

  // Switching problem type picks that type's first data set.
  /** @param {string} problem */
  pickProblem(problem) {
    const first = [...this.buttons.keys()].find((n) => this.problemOf(n) === problem);
    if (first && first !== this.current) this.onPick(first);
  }
}
