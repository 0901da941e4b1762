// @ts-check
// The page's checkpoint of its own run (docs/PAGE.md "No run is lost"): the run file the
// server sends for `save_run {"checkpoint": true}` (the same bytes Save run downloads),
// kept in this page's memory and in the tab's sessionStorage, never on the server.
// When a connection comes back to a session that does not know the page (another worker,
// a restarted server), the page opens it (`open_run`) and the run goes on from its epoch.
//
// Cadence: the page asks only when the run changed since the last answer (a frame at a
// new epoch, a `state`), never while an answer is outstanding, and at most every
// PLAYING_EVERY_MS while playing, so a checkpoint is at most that plus one round trip
// old. A run file of 300 epochs is ~6 KB and 0.7 ms to build; of 20,000 epochs, ~26 KB
// and 6-8 ms (the session keeps 4096 rows of history): ~17 KB/s on the wire at most.
// After a pause, a change is asked for PAUSED_AFTER_MS later (an edit, a drawn point).
//
// Storage: base64 in one sessionStorage entry (per tab: it survives a reload, not a
// closed tab). Browsers allow ~5 MB per origin (Chrome counts UTF-16 code units, 2 bytes
// each); a checkpoint over MAX_STORED_CHARS, or one the browser refuses, is kept in
// memory only, and the older stored one is removed so a reload never resumes a stale
// run. Pure: the clock and the storage are given.

export const PLAYING_EVERY_MS = 1250;
export const PAUSED_AFTER_MS = 250;
export const ANSWER_TIMEOUT_MS = 10_000; // an answer lost (a worker died): ask again
export const STORAGE_KEY = "playground-checkpoint";
export const MAX_STORED_CHARS = 2_500_000; // 5 MB in UTF-16
const FORMAT = 1;

/**
 * A checkpoint: the run file and what only the page knows about it.
 * @typedef {{epoch: number, name: string, file: ArrayBuffer, query: string, playing: boolean,
 *   at: number}} Checkpoint
 */

/** @param {ArrayBuffer} buffer */
export function toBase64(buffer) {
  const bytes = new Uint8Array(buffer);
  let text = "";
  // btoa takes a binary string; built in chunks (fromCharCode's argument count is bounded).
  for (let i = 0; i < bytes.length; i += 0x8000) {
    text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(text);
}

/** @param {string} text @returns {ArrayBuffer} */
export function fromBase64(text) {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i += 1) bytes[i] = binary.charCodeAt(i);
  return bytes.buffer;
}

/**
 * Whether a checkpoint found after a reload is this URL's run: its set-up (the config
 * part of the hash, your points' digest included) is the one the address bar names.
 * @param {{query: string} | null} saved @param {string} configQuery
 */
export function isRunOf(saved, configQuery) {
  if (!saved) return false;
  const norm = (/** @type {string} */ q) => new URLSearchParams(q.replace(/^[#?]/, "")).toString();
  return norm(saved.query) === norm(configQuery);
}

export class CheckpointStore {
  /**
   * @param {{storage?: Pick<Storage, "getItem" | "setItem" | "removeItem"> | null,
   *   now?: () => number}} [opts]
   */
  constructor({ storage = null, now = () => Date.now() } = {}) {
    this.storage = storage;
    this.now = now;
    /** @type {Checkpoint | null} */
    this.latest = null;
    this.dirty = false; // the run changed since the last ask
    /** @type {number | null} */
    this.askedAt = null; // an ask without its answer yet
    this.lastAskAt = -Infinity;
    /** Where the latest is kept: "session" (memory and sessionStorage), "memory", or null. */
    this.kept = /** @type {"session" | "memory" | null} */ (null);
    this.why = ""; // why it is in memory only
  }

  /** The run changed (a frame at another epoch than the latest's, a state). */
  changed() {
    this.dirty = true;
  }

  /**
   * Whether to ask for a checkpoint now.
   * @param {boolean} playing
   */
  due(playing) {
    const t = this.now();
    if (!this.dirty) return false;
    if (this.askedAt !== null && t - this.askedAt < ANSWER_TIMEOUT_MS) return false;
    return t - this.lastAskAt >= (playing ? PLAYING_EVERY_MS : PAUSED_AFTER_MS);
  }

  /** An ask was sent. */
  asked() {
    this.askedAt = this.lastAskAt = this.now();
    this.dirty = false;
  }

  /** The connection dropped: an outstanding answer will not come, and the next session
   * must not be checkpointed before it holds this run again (the page asks again only
   * once it is synced). */
  lost() {
    if (this.askedAt !== null) this.dirty = true;
    this.askedAt = null;
  }

  /**
   * An answer: keep it in memory, and in storage if it fits.
   * @param {{name: string, epoch: number, file: ArrayBuffer}} runFile
   * @param {{query: string, playing: boolean}} page what only the page knows
   * @returns {Checkpoint}
   */
  keep({ name, epoch, file }, { query, playing }) {
    this.askedAt = null;
    const checkpoint = { name, epoch, file, query, playing, at: this.now() };
    this.latest = checkpoint;
    this.persist(checkpoint);
    return checkpoint;
  }

  /** @param {Checkpoint} c */
  persist(c) {
    if (!this.storage) return this.inMemory("this browser gives the page no session storage");
    const text = JSON.stringify({ format: FORMAT, epoch: c.epoch, name: c.name, query: c.query,
      playing: c.playing, at: c.at, file: toBase64(c.file) });
    if (text.length > MAX_STORED_CHARS) {
      return this.inMemory(`the run file has ${c.file.byteLength.toLocaleString("en")} bytes, more than `
        + "the tab's storage is sure to hold");
    }
    try {
      this.storage.setItem(STORAGE_KEY, text);
    } catch {
      return this.inMemory("the browser refused to store it (its storage is full)");
    }
    this.kept = "session";
    this.why = "";
  }

  /** @param {string} why */
  inMemory(why) {
    this.forgetStored();
    this.kept = "memory";
    this.why = why;
  }

  forgetStored() {
    try {
      this.storage?.removeItem(STORAGE_KEY);
    } catch {
      // storage unusable: nothing was stored there either
    }
  }

  /**
   * The checkpoint a previous load of this tab stored, or null (none, or unreadable:
   * then it is removed).
   * @returns {Checkpoint | null}
   */
  restore() {
    let text = null;
    try {
      text = this.storage?.getItem(STORAGE_KEY) ?? null;
    } catch {
      return null;
    }
    if (text === null) return null;
    try {
      const s = JSON.parse(text);
      if (s.format !== FORMAT || !Number.isSafeInteger(s.epoch) || s.epoch < 0
        || typeof s.name !== "string" || typeof s.query !== "string" || typeof s.file !== "string") {
        throw new Error("not a checkpoint");
      }
      const checkpoint = { epoch: s.epoch, name: s.name, query: s.query, playing: Boolean(s.playing),
        at: Number(s.at) || 0, file: fromBase64(s.file) };
      this.latest = checkpoint;
      this.kept = "session";
      return checkpoint;
    } catch {
      this.forgetStored();
      return null;
    }
  }

  /** Forget the checkpoint, in memory and storage (the page started another run instead). */
  clear() {
    this.latest = null;
    this.kept = null;
    this.why = "";
    this.forgetStored();
  }
}
