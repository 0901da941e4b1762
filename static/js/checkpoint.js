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
// old. A run file of 300 epochs is ~6 KB and 0.7 ms for the server to build; of 20,000
// epochs ~26 KB and 2-8 ms (the session keeps 4096 rows of history); with 5,000 points
// of one's own ~105 KB and 11 ms: 5-85 KB/s on the wire (python -m bench.checkpoint).
// After a pause, a change is asked for PAUSED_AFTER_MS later (an edit, a drawn point).
//
// Storage: base64 in one sessionStorage entry (per tab: it survives a reload, not a
// closed tab), written at most every storeEvery(bytes): 1.25 s up to 125 KB, then
// 100 KB/s (a 1 MiB file every 10.5 s), since encoding costs ~30 ms per MiB on the
// page's main thread; the newest is in memory at once, and written when the page goes
// away (pagehide, a reload). Browsers allow ~5 MB per origin (Chrome counts UTF-16
// code units, 2 bytes each); a checkpoint over MAX_STORED_CHARS, or one the browser refuses, is kept in
// memory only, and the older stored one is removed so a reload never resumes a stale
// run. Pure: the clock and the storage are given.

export const PLAYING_EVERY_MS = 1250;
export const PAUSED_AFTER_MS = 250;
export const ANSWER_TIMEOUT_MS = 10_000; // an answer lost (a worker died): ask again
export const STORAGE_KEY = "playground-checkpoint";
export const MAX_STORED_CHARS = 2_500_000; // 5 MB in UTF-16
export const STORE_BYTES_PER_MS = 100; // 100 KB/s of run file into storage, at most
const FORMAT = 1;

/**
 * A checkpoint: the run file and what only the page knows about it.
 * @typedef {{epoch: number, name: string, file: ArrayBuffer, query: string, playing: boolean,
 *   at: number}} Checkpoint
 */

/** @param {ArrayBuffer} buffer */
export function toBase64(buffer) {
  const bytes = new Uint8Array(buffer);
  // btoa takes a binary string, built in chunks (a call's argument count is bounded).
  // fromCharCode.apply over 8 KiB chunks, joined once: 0.5 ms for 100 KB, 26 ms for
  // 1 MiB in Node 20 on a loaded machine, where spreading 32 KiB chunks into `+=` took
  // 21 ms and 290 ms.
  const parts = [];
  for (let i = 0; i < bytes.length; i += 0x2000) {
    // A typed array serves as apply's argument list (a copy to an Array costs 7x more).
    const codes = /** @type {number[]} */ (/** @type {unknown} */ (bytes.subarray(i, i + 0x2000)));
    parts.push(String.fromCharCode.apply(null, codes));
  }
  return btoa(parts.join(""));
}

/** @param {string} text @returns {ArrayBuffer} */
export function fromBase64(text) {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i += 1) bytes[i] = binary.charCodeAt(i);
  return bytes.buffer;
}

/**
 * How long after one storage write the next may come, for a run file of `bytes`.
 * @param {number} bytes
 */
export function storeEvery(bytes) {
  return Math.max(PLAYING_EVERY_MS, bytes / STORE_BYTES_PER_MS);
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
    this.unstored = false; // the latest is newer than what storage holds
    this.storedAt = -Infinity;
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
   * An answer: keep it in memory, and in storage if it fits (now, or at a later flush).
   * @param {{name: string, epoch: number, file: ArrayBuffer}} runFile
   * @param {{query: string, playing: boolean}} page what only the page knows
   * @param {boolean} [answers] it answers the outstanding ask (not a Save run's file)
   * @returns {Checkpoint}
   */
  keep({ name, epoch, file }, { query, playing }, answers = true) {
    if (answers) this.askedAt = null;
    const checkpoint = { name, epoch, file, query, playing, at: this.now() };
    this.latest = checkpoint;
    this.unstored = true;
    this.flush();
    return checkpoint;
  }

  /**
   * Write the latest to storage if it is newer than the stored one and its interval
   * (storeEvery) has passed since the last write; `force`: now (the page goes away).
   * @param {boolean} [force]
   */
  flush(force = false) {
    const c = this.latest;
    if (!c || !this.unstored) return;
    if (!force && this.now() - this.storedAt < storeEvery(c.file.byteLength)) return;
    this.unstored = false;
    this.storedAt = this.now();
    this.persist(c);
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
    this.unstored = false;
    this.forgetStored();
  }
}
