// @ts-check
// Runs: take a run with you and compare runs (docs/PAGE.md, "Runs").
//  * Save run: the server sends the run file (`save_run` -> `run_file`), downloaded as is.
//  * Open run: a file chosen, or dropped anywhere on the page, goes to the server as one
//    binary attachment (`open_run`); the server checks it and says what is wrong, and
//    the run goes on from it, paused.
//  * Pin: up to four runs kept as they are now (their loss curve, final boundary and
//    set-up), drawn dashed on the loss chart and listed under the surface, each
//    labelled by what differs from the current set-up (pins.js).
//  * Animation: the server draws the run as a GIF (`animation` -> `animation`), one
//    picture per kept epoch, downloaded as is.

import { el, find } from "./dom.js";
import { MAX_PINS, pinLabel, PinList } from "./pins.js";
import { formatNumber } from "./schema.js";
import { paintBoundary } from "./thumbs.js";

export class RunsPanel {
  /**
   * @param {{save: HTMLButtonElement, open: HTMLButtonElement, file: HTMLInputElement,
   *          pin: HTMLButtonElement, message: HTMLElement, pins: HTMLElement,
   *          animation: HTMLButtonElement}} els
   * @param {{send: Send, schema: {fields: Field[]},
   *          current: () => CurrentRun | null, onPins: (pins: Pin[]) => void,
   *          onCompare?: (pin: Pin | null) => void}} hooks
   *   current(): {config, epoch, trainLoss, curve, surface, grid, colorDomain, classes}
   *   of the run on screen, or null before its first frame.
   */
  constructor(els, hooks) {
    this.els = els;
    this.hooks = hooks;
    this.maxBytes = Number(els.file.dataset.maxBytes) || 1 << 20;
    this.pins = new PinList();
    /** @type {string | null} */
    this.opening = null; // the name of a file sent and not yet answered
    this.saving = false;
    /** @type {Config | null} the current set-up, as the last `state` gave it */
    this.config = null;
    els.save.addEventListener("click", () => this.save());
    els.open.addEventListener("click", () => els.file.click());
    els.file.addEventListener("change", () => {
      const file = els.file.files?.[0];
      if (file) this.open(file);
      els.file.value = ""; // the same file again is a new choice
    });
    els.pin.addEventListener("click", () => this.pin());
    els.animation.addEventListener("click", () => this.animate());
    this.acceptDrops(document.body);
    this.render();
  }

  // ---- run files ------------------------------------------------------------------

  save() {
    if (!this.hooks.send("save_run")) return this.say("Not connected: the run cannot be saved now.");
    this.saving = true;
    this.say("Saving the run…");
  }

  /**
   * The server's `run_file`: download it under its own name.
   * @param {{name: string, epoch: number, file: ArrayBuffer}} answer
   */
  onRunFile({ name, epoch, file }) {
    this.saving = false;
    this.download(name, file, "application/zip");
    this.say(`Saved ${name} (epoch ${epoch}). Open it here or in another tab to go on from it.`);
  }

  animate() {
    if (!this.hooks.send("animation")) return this.say("Not connected: no animation now.");
    this.els.animation.disabled = true;
    this.say("Drawing the run's animation…");
  }

  /**
   * The server's `animation`: a GIF, downloaded under its own name.
   * @param {{name: string, epoch: number, frames: number, file: ArrayBuffer}} answer
   */
  onAnimation({ name, epoch, frames, file }) {
    this.els.animation.disabled = false;
    this.download(name, file, "image/gif");
    this.say(`Saved ${name}: ${frames} pictures of epochs 0 to ${epoch}.`);
  }

  /** @param {string} name @param {ArrayBuffer} file @param {string} type */
  download(name, file, type) {
    const url = URL.createObjectURL(new Blob([file], { type }));
    const a = el("a", { href: url, download: name });
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  }

  /** @param {File} file */
  async open(file) {
    if (file.size > this.maxBytes) {
      return this.say(`Could not open ${file.name}: it has ${file.size.toLocaleString("en")} bytes; `
        + `a run file may have at most ${this.maxBytes.toLocaleString("en")}.`, true);
    }
    const bytes = await file.arrayBuffer();
    if (!this.hooks.send("open_run", { file: bytes })) {
      return this.say("Not connected: the run cannot be opened now.", true);
    }
    this.opening = file.name;
    this.say(`Opening ${file.name}…`);
  }

  /**
   * A `state` arrived: the answer to an open, if one is waiting.
   * @param {State} state
   */
  onState(state) {
    if (this.opening === null) return;
    this.say(`Opened ${this.opening}: epoch ${state.epoch}, paused. Play or Step to train on.`);
    this.opening = null;
  }

  /**
   * An `error` for `open_run` or `save_run`.
   * @param {string} event @param {string} text
   */
  onError(event, text) {
    if (event === "animation") {
      this.els.animation.disabled = false;
      this.say(`Could not draw the animation: ${text}`, true);
    } else if (event === "open_run") {
      this.say(`Could not open ${this.opening ?? "the file"}: ${text}`, true);
      this.opening = null;
    } else {
      this.saving = false;
      this.say(`Could not save the run: ${text}`, true);
    }
  }

  /**
   * Dropping a file anywhere on `target` opens it.
   * @param {HTMLElement} target
   */
  acceptDrops(target) {
    const hasFiles = (/** @type {DragEvent} */ e) => Array.from(e.dataTransfer?.types ?? []).includes("Files");
    target.addEventListener("dragover", (e) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      document.body.classList.add("dropping");
    });
    target.addEventListener("dragleave", (e) => {
      if (e.target === target || !target.contains(/** @type {Node} */ (e.relatedTarget))) {
        document.body.classList.remove("dropping");
      }
    });
    target.addEventListener("drop", (e) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      document.body.classList.remove("dropping");
      const file = e.dataTransfer?.files[0];
      if (file) this.open(file);
    });
  }

  // ---- pins -----------------------------------------------------------------------

  /** Pin the run as it stands; `note` says why (else the usual words). @param {string} [note] */
  pin(note) {
    const run = this.hooks.current();
    if (!run) return this.say("Nothing to pin yet: wait for the first frame.");
    if (this.pins.full) return this.say(`At most ${MAX_PINS} pinned runs: unpin one first.`);
    const pin = this.pins.add({
      config: structuredClone(run.config), epoch: run.epoch, trainLoss: run.trainLoss,
      curve: run.curve, picture: run,
    });
    this.say(note ?? `Pinned the run at epoch ${run.epoch}. Change a setting and play to compare.`);
    this.relabel(run.config, pin !== null);
  }

  /** @param {number} id */
  unpin(id) {
    this.relabel(this.config, this.pins.remove(id));
  }

  /** The current set-up changed (a `state`): every label says what differs from it.
   * The chart is drawn again only when a label or the pins changed.
   * @param {Config | null} config @param {boolean} [changed] */
  relabel(config, changed = false) {
    this.config = config;
    for (const p of this.pins.items) {
      const label = pinLabel(this.hooks.schema, p.config, config);
      changed = changed || label !== p.label;
      p.label = label;
    }
    if (!changed) return;
    this.render();
    this.hooks.onPins(this.pins.items);
  }

  render() {
    const list = this.els.pins;
    const full = this.pins.full;
    this.els.pin.disabled = full;
    this.els.pin.title = full ? `At most ${MAX_PINS} pinned runs: unpin one first`
      : "Keep this run's loss curve and boundary to compare with what you try next";
    // Items are kept across renders (their pictures are painted once, when pinned).
    const keep = new Set(this.pins.items.map((p) => String(p.id)));
    for (const li of Array.from(list.children)) {
      if (!keep.has(/** @type {HTMLElement} */ (li).dataset.pin ?? "")) li.remove();
    }
    for (const p of this.pins.items) {
      let li = /** @type {HTMLElement|null} */ (list.querySelector(`[data-pin="${p.id}"]`));
      if (!li) li = this.item(p);
      find(li, ".pin-label").textContent = p.label ?? "";
      find(li, "canvas").setAttribute("aria-label",
        `Final boundary of the pinned run (${p.label}), epoch ${p.epoch}`);
      find(li, ".unpin").setAttribute("aria-label", `Unpin ${p.label}`);
      li.querySelector(".compare")?.setAttribute("aria-label", `Compare ${p.label} in the restart lab`);
      list.appendChild(li);
    }
    list.hidden = this.pins.items.length === 0;
  }

  /** @param {Pin} p */
  item(p) {
    const li = el("li", { class: "pin", "data-pin": String(p.id) });
    const canvas = el("canvas", { class: "pin-picture", role: "img" }, li);
    const run = p.picture;
    if (!run) throw new Error("a pin painted twice");
    paintBoundary(canvas, run.surface, run.grid, run.colorDomain, run.classes);
    delete p.picture; // painted: the pin keeps only what it shows
    const text = el("div", { class: "pin-text" }, li);
    el("span", { class: "pin-swatch", style: `border-color: ${p.color}`, "aria-hidden": "true" }, text);
    el("span", { class: "pin-label" }, text);
    el("span", { class: "pin-numbers", text: `epoch ${p.epoch} · loss ${formatNumber(p.trainLoss, 3)}` }, text);
    const buttons = el("div", { class: "pin-buttons" }, li);
    if (this.hooks.onCompare) {
      const compare = el("button", { type: "button", class: "text-button compare",
        title: "Restart lab: this pinned set-up against the current one, on the same seeds" }, buttons);
      compare.textContent = "Compare";
      compare.addEventListener("click", () => this.hooks.onCompare?.(this.pins.get(p.id)));
    }
    const unpin = el("button", { type: "button", class: "text-button unpin" }, buttons);
    unpin.textContent = "Unpin";
    unpin.addEventListener("click", () => this.unpin(p.id));
    return li;
  }

  /** @param {string} text @param {boolean} [isError] */
  say(text, isError = false) {
    const m = this.els.message;
    m.textContent = text;
    m.classList.toggle("error", isError);
  }
}
