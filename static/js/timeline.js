// @ts-check
// The timeline (docs/PAGE.md, "Timeline"): a scrubber under the loss chart over the run's
// kept epochs (engine/snapshots.py: every epoch up to 100, then every 50th to 1000, every
// 500th to 10 000, ...). Dragging it or pressing an arrow key asks the server for that
// epoch (`rewind`); its answer, a frame marked `rewound`, is shown paused ("epoch N
// (rewound)") while the loss chart keeps the whole run. "Go on from here" (`fork`) goes
// on from the epoch shown; the page pins the former future first, to compare. Live
// changes are marked on the track. One `rewind` is in flight at a time: a drag sends
// only its latest position when the answer comes (the server answers at most 50 a second).

import { el } from "./dom.js";

const DENSE = 100; // every epoch up to here is kept

/**
 * Whether the engine keeps `epoch` (engine/snapshots.py is_kept): every epoch up to
 * 100, then the multiples of half its decade's base (50 from 100, 500 from 1000, ...).
 * @param {number} epoch
 */
export function isKept(epoch) {
  if (epoch <= DENSE) return epoch >= 0;
  const base = 10 ** (String(epoch).length - 1);
  return epoch % (base / 2) === 0;
}

/**
 * The kept epochs from 0 to `last`, and `last` itself (where the run stands).
 * @param {number} last
 * @returns {number[]}
 */
export function keptEpochs(last) {
  /** @type {number[]} */
  const out = [];
  for (let e = 0; e <= Math.min(last, DENSE); e++) out.push(e);
  for (let base = 100; base <= last; base *= 10) {
    // 100 itself is the dense part's last; 1000, 10 000, ... open their decades
    for (let e = base === DENSE ? 150 : base; e < base * 10 && e <= last; e += base / 2) out.push(e);
  }
  if (out[out.length - 1] !== last) out.push(last);
  return out;
}

/**
 * The index of the kept epoch nearest `epoch` in log(1 + epoch).
 * @param {number[]} kept @param {number} epoch
 */
export function nearestIndex(kept, epoch) {
  let best = 0;
  for (let i = 1; i < kept.length; i++) {
    if (Math.abs(Math.log1p(kept[i]) - Math.log1p(epoch)) < Math.abs(Math.log1p(kept[best]) - Math.log1p(epoch))) best = i;
  }
  return best;
}

export class Timeline {
  /**
   * @param {{range: HTMLInputElement, label: HTMLElement, fork: HTMLButtonElement,
   *          latest: HTMLButtonElement, marks: HTMLElement}} els
   * @param {{send: Send, onFork: (epoch: number) => void, onLeave: () => void,
   *          onShown: (epoch: number | null) => void}} hooks
   *   onShown: the epoch now shown when rewound, null back on the run as it stands
   */
  constructor(els, hooks) {
    this.els = els;
    this.hooks = hooks;
    /** @type {number[]} */
    this.kept = [0];
    this.live = 0; // the epoch the run stands at
    /** @type {number | null} the epoch shown, when rewound */
    this.rewound = null;
    /** @type {number | null} a position asked for while a rewind was in flight */
    this.pending = null;
    /** @type {number | null} the latest position asked for (shown once answered) */
    this.wanted = null;
    this.inFlight = false;
    this.stale = false; // the answer in flight was asked before leaving: not shown
    /** @type {LiveChange[]} */
    this.changes = [];
    els.range.addEventListener("input", () => this.ask(this.kept[Number(els.range.value)]));
    els.fork.addEventListener("click", () => {
      if (this.rewound !== null) this.hooks.onFork(this.rewound);
    });
    els.latest.addEventListener("click", () => this.leave(true));
    this.render();
  }

  /** The run's own epoch (a live frame or a state). @param {number} epoch */
  setLive(epoch) {
    if (epoch === this.live && this.kept[this.kept.length - 1] === epoch) return;
    this.live = epoch;
    this.kept = keptEpochs(epoch);
    this.render();
  }

  /** The live changes to mark (a state's). @param {LiveChange[] | undefined} changes */
  setChanges(changes) {
    const next = changes ?? [];
    if (JSON.stringify(next) === JSON.stringify(this.changes)) return;
    this.changes = next;
    this.renderMarks();
  }

  /** Ask for `epoch` (the latest position only, one rewind in flight). @param {number} epoch */
  ask(epoch) {
    if (epoch === this.live && !this.inFlight) {
      this.leave(true); // the slider's end: the run as it stands, nothing to ask
      return;
    }
    this.wanted = epoch;
    if (this.inFlight) {
      this.pending = epoch;
      return;
    }
    this.pending = null;
    this.inFlight = this.hooks.send("rewind", { epoch });
  }

  /** A frame marked `rewound` arrived; true if it is to be shown (not asked before
   * leaving). @param {RawFrame} raw */
  onRewound(raw) {
    this.inFlight = false;
    if (this.stale) {
      this.stale = false;
      return false;
    }
    this.rewound = raw.epoch;
    this.hooks.onShown(raw.epoch);
    const next = this.pending;
    this.pending = null;
    if (next !== null && next !== raw.epoch) this.ask(next);
    if (raw.live_epoch !== undefined) this.setLive(raw.live_epoch);
    this.render();
    return true;
  }

  /** The server refused a rewind (too fast, say): ask again for the latest position. */
  onRefused() {
    this.inFlight = false;
    const want = this.pending ?? this.wanted;
    this.pending = null;
    if (want !== null && want !== this.rewound) setTimeout(() => this.ask(want), 50);
  }

  /** Back to the live run (play, step, a change, or "Latest"). @param {boolean} [redraw] */
  leave(redraw = false) {
    this.pending = null;
    this.wanted = null;
    this.stale = this.inFlight;
    if (this.rewound === null) return this.render();
    this.rewound = null;
    this.hooks.onShown(null);
    this.render();
    if (redraw) this.hooks.onLeave();
  }

  render() {
    const { range, label, fork, latest } = this.els;
    range.max = String(this.kept.length - 1);
    // The slider stays where the hand put it while its answer is on the way.
    const to = this.wanted ?? this.rewound;
    const at = to === null ? this.kept.length - 1 : nearestIndex(this.kept, to);
    range.value = String(at);
    const shown = this.rewound === null ? this.live : this.rewound;
    range.setAttribute("aria-valuetext", this.rewound === null ? `epoch ${shown}, live` : `epoch ${shown}, rewound`);
    label.textContent = this.rewound === null ? `epoch ${shown}` : `epoch ${shown} (rewound)`;
    label.classList.toggle("rewound", this.rewound !== null);
    const back = this.rewound !== null && this.rewound !== this.live;
    fork.hidden = !back;
    latest.hidden = this.rewound === null;
    this.renderMarks();
  }

  // A tick on the track at each live change, placed at its kept epoch's index.
  renderMarks() {
    const marks = this.els.marks;
    const last = Math.max(1, this.kept.length - 1);
    marks.replaceChildren(...this.changes.filter((c) => c.epoch <= this.live).map((c) => {
      const what = c.reason === "change" ? c.fields.join(", ") : c.reason === "edit" ? "weight set by hand" : "new points";
      const left = (100 * nearestIndex(this.kept, c.epoch)) / last;
      return el("span", { class: `timeline-mark ${c.reason}`, style: `left: ${left.toFixed(2)}%`,
        title: `epoch ${c.epoch}: ${what}` });
    }));
    marks.setAttribute("aria-label", this.changes.length
      ? `Live changes at epochs ${this.changes.map((c) => c.epoch).join(", ")}` : "No live changes");
  }
}
