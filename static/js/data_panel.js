// @ts-check
// Your own points: draw them on the surface (click adds a point of the chosen class,
// shift-click or right-click removes the nearest, Clear empties the set), load them
// from a CSV file or pasted text, and download what the surface shows as CSV. Points
// go to the server as one `data` event (docs/PROTOCOL.md); a bad file is named by its
// line here, before anything is sent, so the data in use stay as they were.

import { CLASS_COLORS, CLASS_NAMES } from "./classes.js";
import { csvPayload, DrawnPoints } from "./drawing.js";
import { pixelToData, unitsPerPixel } from "./plot_coords.js";
import { MAX_CLASSES, parsePointsCsv, PointsCsvError, pointsCsv } from "./points_csv.js";

const SEND_DELAY_MS = 150; // clicks in a burst go out as one `data` event
const REMOVE_REACH_PX = 24; // shift-click removes the nearest point within this

export class DataPanel {
  /**
   * @param {Record<string, any>} els the panel's elements (see templates/index.html)
   * @param {{send: (payload: object) => void, frame: () => any,
   *   box: () => {width: number, height: number, margin: any}}} hooks
   *   frame(): the last decoded frame (its domain and points); box(): the surface's
   *   plot box, as plot_coords.js takes it
   */
  constructor(els, hooks) {
    this.els = els;
    this.hooks = hooks;
    this.drawn = new DrawnPoints();
    this.drawing = false;
    this.cls = 0;
    this.timer = null;
    this.buildPalette();
    els.toggle.addEventListener("click", () => this.setDrawing(!this.drawing));
    els.clear.addEventListener("click", () => this.clearPoints());
    els.file.addEventListener("change", () => this.loadFile());
    els.pasteLoad.addEventListener("click", () => this.loadText(els.paste.value, "the text"));
    els.download.addEventListener("click", () => this.download());
    els.surface.addEventListener("click", (e) => this.onSurfaceClick(e));
    els.surface.addEventListener("contextmenu", (e) => {
      if (!this.drawing) return;
      e.preventDefault();
      this.onSurfaceClick(e, true);
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
    this.choose(0);
  }

  choose(k) {
    this.cls = k;
    for (const b of this.els.palette.children) {
      b.setAttribute("aria-checked", String(Number(b.dataset.class) === k));
    }
  }

  setDrawing(on) {
    this.drawing = on;
    this.els.toggle.setAttribute("aria-pressed", String(on));
    this.els.surface.classList.toggle("drawing", on);
    this.els.palette.hidden = !on;
    this.els.clear.hidden = !on;
    if (on) {
      // Start from what the surface shows: a click adds to those points.
      const f = this.hooks.frame();
      if (!this.drawn.size && f) this.drawn.replace(framePoints(f, true));
      this.hint();
    } else {
      this.els.hint.textContent = "";
    }
  }

  onSurfaceClick(e, remove = false) {
    if (!this.drawing) return;
    const f = this.hooks.frame();
    if (!f) return;
    const rect = this.els.surface.getBoundingClientRect();
    const box = this.hooks.box();
    const at = pixelToData(e.clientX - rect.left, e.clientY - rect.top, box, f.domain);
    if (!at) return;
    if (remove || e.shiftKey) {
      const scale = unitsPerPixel(box, f.domain);
      this.drawn.removeNearest(at.x, at.y, scale, REMOVE_REACH_PX);
    } else if (!this.drawn.add(at.x, at.y, this.cls)) {
      this.showError("At most 5000 points.");
      return;
    }
    this.changed();
  }

  clearPoints() {
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
    this.els.hint.textContent = problem
      ? `Draw points of at least two classes (${this.drawn.size} so far).`
      : `${this.drawn.size} points: ${counts.map((n, k) => `${n} of class ${k}`).join(", ")}.`;
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
    if (parsed.task === "classification") {
      this.drawn.replace(parsed.points.map(([x, y], i) => [x, y, parsed.values[i]]));
      if (this.drawing) this.hint();
    }
    this.hooks.send(csvPayload(parsed));
  }

  showError(message) {
    this.els.error.textContent = message;
    this.els.error.hidden = !message;
  }

  // What the surface shows (training and test points) as a CSV file.
  download() {
    const f = this.hooks.frame();
    if (!f) return;
    const triples = framePoints(f, false);
    const regression = !f.classes && f.problem === "regression";
    const text = pointsCsv(triples.map(([x, y]) => [x, y]), triples.map((t) => t[2]),
      regression ? "regression" : "classification");
    const url = URL.createObjectURL(new Blob([text], { type: "text/csv" }));
    const a = document.createElement("a");
    a.href = url;
    a.download = "points.csv";
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  }

  // The server refused the points (an `error` for event `data`): say so here.
  refused(err) {
    this.showError(`Refused: ${err.message}`);
  }
}

/** A frame's training and test points as [x, y, label] triples (labels rounded when
 * `labels`: a drawn set holds classes). */
export function framePoints(frame, labels) {
  const out = [];
  for (const pts of [frame.trainPoints, frame.testPoints]) {
    if (!pts) continue;
    for (let i = 0; i + 2 < pts.length; i += 3) {
      out.push([pts[i], pts[i + 1], labels ? Math.round(pts[i + 2]) : pts[i + 2]]);
    }
  }
  return out;
}
