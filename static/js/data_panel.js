// @ts-check
// Your own points: draw them on the surface (a click or tap adds a point of the chosen
// class; shift-click, right-click, a long press or a tap with the eraser on removes the
// nearest: gestures.js decides which; Clear empties the set), load them
// from a CSV file or pasted text, and download what the surface shows as CSV. Points
// go to the server as one `data` event (docs/PROTOCOL.md); a bad file is named by its
// line here, before anything is sent, so the data in use stay as they were. Your points
// all train unless "Hold out points for testing" keeps a share (10-50 %) aside: the
// config's train_share, 100 when none is held out.

import { CLASS_COLORS, CLASS_NAMES } from "./classes.js";
import { csvPayload, DrawnPoints } from "./drawing.js";
import { SurfaceGestures } from "./gestures.js";
import { pixelToData, unitsPerPixel } from "./plot_coords.js";
import { MAX_CLASSES, parsePointsCsv, PointsCsvError, pointsCsv } from "./points_csv.js";

const SEND_DELAY_MS = 150; // clicks in a burst go out as one `data` event
// A removal takes the nearest point within this reach; a fingertip covers more.
/** @type {Record<string, number>} */
const REMOVE_REACH_PX = { mouse: 24, pen: 24, touch: 40 };
const POINTER_EVENTS = ["pointerdown", "pointermove", "pointerup", "pointercancel"];
const ALL_TRAIN = 100; // train_share with no hold-out: every point trains

/**
 * The panel's elements (templates/index.html).
 * @typedef {{toggle: HTMLElement, start: HTMLElement, tools: HTMLElement, palette: HTMLElement,
 *   eraser: HTMLElement, clear: HTMLElement, done: HTMLElement, hint: HTMLElement, file: HTMLInputElement,
 *   paste: HTMLTextAreaElement, pasteLoad: HTMLElement, download: HTMLElement,
 *   error: HTMLElement, note: HTMLElement, surface: HTMLElement,
 *   holdout: HTMLInputElement, holdoutShare: HTMLSelectElement}} DataEls
 */
/**
 * Points as (x, y, label) triples.
 * @typedef {{trainPoints: Float32Array | null, testPoints: Float32Array | null}} FramePoints
 */
/**
 * What the surface shows (main.js).
 * @typedef {FramePoints & {domain: number[], classes: number | null, classification: boolean}} ShownFrame
 */

export class DataPanel {
  /**
   * @param {DataEls} els the panel's elements (see templates/index.html)
   * @param {{send: (payload: object) => void, frame: () => ShownFrame | null,
   *   box: () => {width: number, height: number, margin: {l: number, r: number, t: number, b: number}},
   *   onDrawing?: (on: boolean) => void, setTrainShare?: (share: number) => void}} hooks
   *   frame(): what the surface shows, {domain, classes, classification, trainPoints,
   *   testPoints} (points as (x, y, label) triples), or null; box(): the surface's
   *   plot box, as plot_coords.js takes it; onDrawing(on): draw mode changed;
   *   setTrainShare(share): the hold-out changed while the session trains on own points
   */
  constructor(els, hooks) {
    this.els = els;
    this.hooks = hooks;
    this.drawn = new DrawnPoints();
    // The drawn set is the person's own once they changed it (a click, Clear, a file);
    // until then a click starts from the points the surface shows (a generator's).
    this.own = false;
    this.ownActive = false; // the session trains on its own points (state.data.active)
    this.drawing = false;
    this.cls = 0;
    this.gestures = new SurfaceGestures();
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    this.timer = undefined;
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    this.pressTimer = undefined; // a touch held still: the long press, when it comes
    this.buildPalette();
    els.toggle.addEventListener("click", () => this.setDrawing(!this.drawing));
    els.done.addEventListener("click", () => this.setDrawing(false));
    els.start.addEventListener("click", () => this.setDrawing(true));
    els.clear.addEventListener("click", () => this.clearPoints());
    els.file.addEventListener("change", () => this.loadFile());
    els.pasteLoad.addEventListener("click", () => this.loadText(els.paste.value, "the text"));
    els.download.addEventListener("click", () => this.download());
    els.eraser.addEventListener("click", () => this.setEraser(!this.gestures.eraser));
    els.holdout.addEventListener("change", () => this.holdoutChanged());
    els.holdoutShare.addEventListener("change", () => this.holdoutChanged());
    for (const type of POINTER_EVENTS) {
      els.surface.addEventListener(type, (e) => this.onPointer(/** @type {PointerEvent} */ (e)));
    }
    // The secondary button removes on its pointerdown; its menu (and a long press's,
    // on a phone) must not open over the surface.
    els.surface.addEventListener("contextmenu", (e) => {
      if (this.drawing) e.preventDefault();
    });
    this.setDrawing(false);
  }

  buildPalette() {
    const { palette } = this.els;
    palette.replaceChildren();
    for (let k = 0; k < MAX_CLASSES; k++) {
      const b = document.createElement("button");
      b.type = "button";
      b.className = "class-swatch";
      b.setAttribute("role", "radio");
      b.dataset.class = String(k);
      b.style.setProperty("--swatch", CLASS_COLORS[k]);
      b.setAttribute("aria-label", `Class ${k} (${CLASS_NAMES[k]})`);
      b.title = `Draw points of class ${k} (${CLASS_NAMES[k]})`;
      b.textContent = String(k);
      b.addEventListener("click", () => this.choose(k));
      palette.append(b);
    }
    // A radio group (WAI-ARIA APG): one Tab stop, the checked class; the arrows move
    // and choose, wrapping around.
    palette.addEventListener("keydown", (e) => {
      const step = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 }[e.key];
      if (!step) return;
      e.preventDefault();
      this.choose((this.cls + step + MAX_CLASSES) % MAX_CLASSES);
      /** @type {HTMLElement | undefined} */ (palette.children[this.cls])?.focus();
    });
    this.choose(0);
  }

  /** @param {number} k */
  choose(k) {
    this.cls = k;
    for (const b of this.els.palette.children) {
      const on = Number(/** @type {HTMLElement} */ (b).dataset.class) === k;
      b.setAttribute("aria-checked", String(on));
      b.setAttribute("tabindex", on ? "0" : "-1");
    }
    this.setEraser(false); // a class chosen is a class to draw with
  }

  /** @param {boolean} on the eraser: a tap or click removes the nearest point */
  setEraser(on) {
    this.gestures.eraser = on;
    this.els.eraser.setAttribute("aria-pressed", String(on));
    this.els.surface.classList.toggle("erasing", on);
    if (this.drawing) this.hint();
  }

  /** @param {boolean} on */
  setDrawing(on) {
    this.drawing = on;
    this.els.toggle.setAttribute("aria-pressed", String(on));
    this.els.toggle.textContent = on ? "Stop drawing" : "Draw points on the output";
    this.els.surface.classList.toggle("drawing", on);
    this.els.tools.hidden = !on;
    this.els.start.hidden = on;
    if (!on) this.setEraser(false);
    if (on) {
      this.hint();
      // The toggle may be far from the surface (below the data sets; on a phone, in
      // another screen): bring the tools, then the surface itself, into view.
      this.els.tools.scrollIntoView?.({ block: "nearest" });
      this.els.surface.scrollIntoView?.({ block: "nearest" });
    } else {
      this.els.hint.textContent = "";
    }
    this.hooks.onDrawing?.(on);
  }

  // The session's state: once it trains on a generator again, the next click starts
  // from that generator's points (the person's set is kept in their CSV, if saved).
  /** @param {State} state @param {boolean} [syncHoldout] show the session's split in the
   * hold-out control (not while the panel's own is on its way) */
  onState(state, syncHoldout = true) {
    const active = Boolean(state.data?.active);
    if (this.ownActive && !active) this.own = false;
    this.ownActive = active;
    // On your points, the control shows the hold-out the session runs.
    const share = Number(state.config.train_share);
    if (active && syncHoldout && Number.isFinite(share)) {
      this.els.holdout.checked = share < ALL_TRAIN;
      const held = String(ALL_TRAIN - share);
      if ([...this.els.holdoutShare.options].some((o) => o.value === held)) this.els.holdoutShare.value = held;
      this.els.holdoutShare.disabled = !this.els.holdout.checked;
    }
  }

  /** The train_share your points should run with: 100, or 100 minus the share held out. */
  trainShare() {
    return this.els.holdout.checked ? ALL_TRAIN - Number(this.els.holdoutShare.value) : ALL_TRAIN;
  }

  holdoutChanged() {
    this.els.holdoutShare.disabled = !this.els.holdout.checked;
    if (this.ownActive) this.hooks.setTrainShare?.(this.trainShare());
  }

  // Before a change to the drawn set: make it the person's own, from the points the
  // surface shows (two-class or multi-class points; a regression's are not classes).
  takeOwn() {
    if (this.own) return;
    const f = this.hooks.frame();
    this.drawn.replace(f && f.classification ? framePoints(f, true) : []);
    this.own = true;
  }

  /** A pointer event on the surface, as a record for the gestures (gestures.js). */
  /** @param {PointerEvent} e */
  onPointer(e) {
    if (!this.drawing) return;
    // The chart library covers the page with its own layer on a mouse press, so the
    // lift would land outside the surface: keep the pointer here until it lifts.
    if (e.type === "pointerdown" && e.isTrusted) this.els.surface.setPointerCapture(e.pointerId);
    const rect = this.els.surface.getBoundingClientRect();
    this.apply(this.gestures.feed({
      type: e.type, pointerId: e.pointerId, pointerType: e.pointerType, isPrimary: e.isPrimary,
      button: e.button, shiftKey: e.shiftKey, x: e.clientX - rect.left, y: e.clientY - rect.top,
      t: performance.now(),
    }));
    this.watchLongPress();
  }

  // While a touch is held still, wake when its long press is due (a timer may wake a
  // little early: then wait again).
  watchLongPress() {
    clearTimeout(this.pressTimer);
    const due = this.gestures.longPressDue;
    if (due === null) return;
    this.pressTimer = setTimeout(() => {
      this.apply(this.gestures.tick(performance.now()));
      this.watchLongPress();
    }, Math.max(0, due - performance.now()));
  }

  /** Add or remove a point where a gesture says; its x, y are pixels in the surface. */
  /** @param {import("./gestures.js").Gesture | null} g */
  apply(g) {
    if (!g || !this.drawing) return;
    const f = this.hooks.frame();
    if (!f) return;
    const box = this.hooks.box();
    const at = pixelToData(g.x, g.y, box, f.domain);
    if (!at) return;
    this.takeOwn();
    if (g.action === "remove") {
      const scale = unitsPerPixel(box, f.domain);
      this.drawn.removeNearest(at.x, at.y, scale, REMOVE_REACH_PX[g.pointerType] ?? REMOVE_REACH_PX.mouse);
    } else if (!this.drawn.add(at.x, at.y, this.cls)) {
      this.showError("At most 5000 points.");
      return;
    }
    this.changed();
  }

  clearPoints() {
    this.own = true;
    this.drawn.clear();
    this.changed();
  }

  // The set changed: say what it needs, or send it (a burst of clicks as one event).
  changed() {
    this.showError("");
    clearTimeout(this.timer);
    if (this.hint()) return;
    this.timer = setTimeout(() => {
      const f = this.hooks.frame();
      this.hooks.send(this.drawn.payload(f ? f.domain : null));
    }, SEND_DELAY_MS);
  }

  /** The hint under the tools; returns true while the points cannot be sent yet. */
  hint() {
    const problem = this.drawn.problem();
    const counts = this.drawn.counts();
    this.els.hint.textContent = (problem
      ? `Draw points of at least two classes (${this.drawn.size} so far).`
      : `${this.drawn.size} points: ${counts.map((n, k) => `${n} of class ${k}`).join(", ")}.`)
      + (this.gestures.eraser ? " Eraser on: a tap removes the nearest point." : "");
    return Boolean(problem);
  }

  async loadFile() {
    const file = this.els.file.files?.[0];
    if (!file) return;
    try {
      await this.loadText(await file.text(), file.name);
    } finally {
      this.els.file.value = ""; // the same file again is a new choice
    }
  }

  /** Parse CSV text and send it; a bad line is named and nothing changes. */
  /** @param {string} text @param {string} source */
  loadText(text, source) {
    let parsed;
    try {
      parsed = parsePointsCsv(text);
    } catch (err) {
      if (!(err instanceof PointsCsvError)) throw err;
      this.showError(`${source}: ${err.message}. Nothing was changed.`);
      return;
    }
    this.showError("");
    this.drawn.replace(parsed.task === "classification"
      ? parsed.points.map(([x, y], i) => [x, y, parsed.values[i]]) : []);
    this.own = parsed.task === "classification";
    if (this.drawing) this.hint();
    // A whole new set, like another data set: the run starts again from epoch 0.
    this.hooks.send({ ...csvPayload(parsed), restart: true });
  }

  /** @param {string} message */
  showError(message) {
    this.els.error.textContent = message;
    this.els.error.hidden = !message;
  }

  // The points in use as a CSV file: the person's own as drawn or loaded (without the
  // noise the server may add), else what the surface shows, training and test points.
  download() {
    const f = this.hooks.frame();
    let text;
    if (this.own && this.ownActive && this.drawn.size) {
      text = this.drawn.csv();
    } else {
      if (!f) return;
      const triples = framePoints(f, false);
      text = pointsCsv(triples.map(([x, y]) => [x, y]), triples.map((t) => t[2]),
        f.classification ? "classification" : "regression");
    }
    const url = URL.createObjectURL(new Blob([text], { type: "text/csv" }));
    const a = document.createElement("a");
    a.href = url;
    a.download = "points.csv";
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  }

  // The server refused the points (an `error` for event `data`): say so here. The
  // session keeps the points it had.
  /** @param {string} message */
  refused(message) {
    this.showError(`The server refused these points: ${message}. Nothing was changed.`);
  }

  /** A note under the panel's tools (a link's points; what to do next); "" hides it. */
  /** @param {string} message */
  showNote(message) {
    this.els.note.textContent = message;
    this.els.note.hidden = !message;
  }

  // "Your points" picked with none of that kind yet: start drawing (classes), or say
  // how to load targets (regression points cannot be drawn with a class palette).
  /** @param {string} task */
  askForPoints(task) {
    if (task === "classification") {
      this.showNote("You have no points yet: click on the output to add some (two classes "
        + "at least), or load a CSV file.");
      this.setDrawing(true);
    } else {
      this.showNote("Your own regression points: load a CSV file with columns x1, x2, target.");
      this.els.file.focus();
    }
  }
}

/** A frame's training and test points as [x, y, label] triples (labels rounded when
 * `labels`: a drawn set holds classes); test points that are the training points
 * themselves (XOR's four corners) once.
 * @param {FramePoints} frame @param {boolean} labels
 * @returns {number[][]} */
export function framePoints(frame, labels) {
  /** @type {number[][]} */
  const out = [];
  const { trainPoints: train, testPoints: test } = frame;
  const same = train && test && train.length === test.length && train.every((v, i) => v === test[i]);
  for (const pts of same ? [train] : [train, test]) {
    if (!pts) continue;
    for (let i = 0; i + 2 < pts.length; i += 3) {
      out.push([pts[i], pts[i + 1], labels ? Math.round(pts[i + 2]) : pts[i + 2]]);
    }
  }
  return out;
}
