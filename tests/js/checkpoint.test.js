// node --test: the page's checkpoint store (static/js/checkpoint.js): when it asks, what it
// keeps where, the quota fallback, and what a reload finds. A fake clock and a fake
// sessionStorage (a Map with the Storage methods the store uses, and a quota in chars
// counted as the browsers count them: key plus value).
import assert from "node:assert/strict";
import { test } from "node:test";

import {
  ANSWER_TIMEOUT_MS, CheckpointStore, fromBase64, isRunOf, MAX_STORED_CHARS, PAUSED_AFTER_MS,
  PLAYING_EVERY_MS, STORAGE_KEY, storeEvery, toBase64,
} from "../../static/js/checkpoint.js";

class FakeStorage {
  /** @param {number} quota chars */
  constructor(quota = 5_000_000) {
    this.quota = quota;
    this.items = new Map();
  }
  getItem(k) { return this.items.has(k) ? this.items.get(k) : null; }
  setItem(k, v) {
    let used = k.length + v.length;
    for (const [key, value] of this.items) if (key !== k) used += key.length + value.length;
    if (used > this.quota) {
      const err = new Error("Setting the value exceeded the quota.");
      err.name = "QuotaExceededError";
      throw err;
    }
    this.items.set(k, String(v));
  }
  removeItem(k) { this.items.delete(k); }
}

function clocked(storage = new FakeStorage()) {
  const clock = { t: 1_000_000 };
  const store = new CheckpointStore({ storage, now: () => clock.t });
  return { clock, store, storage };
}

const bytes = (/** @type {number[]} */ list) => new Uint8Array(list).buffer;
const RUN = { name: "xor-2-2-1-tanh-adam-epoch-120.npz", epoch: 120, file: bytes([80, 75, 3, 4, 0, 255]) };
const PAGE = { query: "hidden=4,2&lr=0.03", playing: true };

test("base64 round-trips every byte value, and a file larger than one chunk", () => {
  const all = new Uint8Array(256).map((_, i) => i);
  assert.equal(toBase64(all.buffer).slice(0, 8), "AAECAwQF"); // RFC 4648's alphabet, by hand
  assert.deepEqual(new Uint8Array(fromBase64(toBase64(all.buffer))), all);
  const big = new Uint8Array(100_000).map((_, i) => (i * 7) % 256);
  assert.deepEqual(new Uint8Array(fromBase64(toBase64(big.buffer))), big);
  assert.equal(toBase64(big.buffer).length, 4 * Math.ceil(100_000 / 3));
});

test("nothing is asked before the run changes", () => {
  const { store } = clocked();
  assert.equal(store.due(true), false);
  assert.equal(store.due(false), false);
});

test("playing: at most one ask per PLAYING_EVERY_MS, however many frames change it", () => {
  const { clock, store } = clocked();
  store.changed();
  assert.equal(store.due(true), true); // the first change is asked for at once
  store.asked();
  store.keep(RUN, PAGE);
  let asks = 1;
  // 30 frames a second for 6 s, each at a new epoch, each answer coming 50 ms later
  for (let ms = 0; ms < 6000; ms += 33) {
    clock.t += 33;
    store.changed();
    if (store.due(true)) {
      store.asked();
      asks += 1;
      clock.t += 50;
      store.keep(RUN, PAGE);
    }
  }
  assert.equal(asks, 1 + Math.floor(6000 / PLAYING_EVERY_MS)); // one per 1.25 s
});

test("never two asks outstanding: the next waits for the answer, or for its timeout", () => {
  const { clock, store } = clocked();
  store.changed();
  store.asked();
  store.changed();
  clock.t += PLAYING_EVERY_MS + 1;
  assert.equal(store.due(true), false); // the answer has not come
  clock.t += ANSWER_TIMEOUT_MS;
  assert.equal(store.due(true), true); // lost: ask again
});

test("a pause (a state) is asked for PAUSED_AFTER_MS after the last ask, then nothing more", () => {
  const { clock, store } = clocked();
  store.changed();
  store.asked();
  store.keep(RUN, PAGE);
  clock.t += 100;
  store.changed(); // the `state` that says paused
  assert.equal(store.due(false), false);
  clock.t += PAUSED_AFTER_MS - 100;
  assert.equal(store.due(false), true);
  store.asked();
  store.keep({ ...RUN, epoch: 130 }, { ...PAGE, playing: false });
  clock.t += 60_000;
  assert.equal(store.due(false), false); // paused and unchanged: no more asks
});

test("a Save run's file is kept but does not stand for the checkpoint still awaited", () => {
  const { clock, store } = clocked();
  store.changed();
  store.asked();
  store.keep({ ...RUN, epoch: 90 }, PAGE, false); // the Runs panel's answer came first
  assert.equal(store.latest?.epoch, 90);
  store.changed();
  clock.t += PLAYING_EVERY_MS;
  assert.equal(store.due(true), false); // the checkpoint's answer is still on its way
  store.keep(RUN, PAGE);
  clock.t += PLAYING_EVERY_MS;
  assert.equal(store.due(true), true);
});

test("a lost connection drops the outstanding ask, and the run is asked for again later", () => {
  const { store } = clocked();
  store.changed();
  store.asked();
  store.lost();
  assert.equal(store.askedAt, null);
  assert.equal(store.dirty, true);
});

test("an answer is kept in memory and in sessionStorage, and a reload restores it", () => {
  const { store, storage } = clocked();
  store.keep(RUN, PAGE);
  assert.equal(store.kept, "session");
  const saved = JSON.parse(storage.getItem(STORAGE_KEY));
  assert.equal(saved.file, "UEsDBAD/"); // the six bytes in base64, by hand
  const reloaded = new CheckpointStore({ storage });
  const back = reloaded.restore();
  assert.ok(back);
  assert.deepEqual([back.epoch, back.name, back.query, back.playing], [120, RUN.name, PAGE.query, true]);
  assert.deepEqual(new Uint8Array(back.file), new Uint8Array(RUN.file));
});

test("over the quota: kept in memory only, says why, and the older stored one is gone", () => {
  const storage = new FakeStorage(2000);
  const { clock, store } = clocked(storage);
  store.keep(RUN, PAGE); // small: stored
  assert.equal(store.kept, "session");
  const big = { ...RUN, epoch: 200, file: new Uint8Array(3000).buffer };
  clock.t += PLAYING_EVERY_MS;
  store.keep(big, PAGE);
  assert.equal(store.kept, "memory");
  assert.match(store.why, /refused .*full/);
  assert.equal(store.latest?.epoch, 200); // the page still resumes from it after a reconnect
  assert.equal(storage.getItem(STORAGE_KEY), null); // a reload does not resume epoch 120
  clock.t += PLAYING_EVERY_MS;
  store.keep(RUN, PAGE); // small again: stored again
  assert.equal(store.kept, "session");
  assert.equal(store.why, "");
});

test("a run file past MAX_STORED_CHARS is not even tried in storage", () => {
  const storage = new FakeStorage(Infinity);
  const { store } = clocked(storage);
  const huge = { ...RUN, file: new Uint8Array(Math.ceil((MAX_STORED_CHARS * 3) / 4) + 3).buffer };
  store.keep(huge, PAGE);
  assert.equal(store.kept, "memory");
  assert.match(store.why, /bytes, more than/);
  assert.equal(storage.items.size, 0);
});

test("no storage at all (blocked by the browser): memory only", () => {
  const store = new CheckpointStore({ storage: null });
  store.keep(RUN, PAGE);
  assert.equal(store.kept, "memory");
  assert.equal(store.latest?.epoch, 120);
  assert.equal(store.restore(), null);
});

test("an unreadable stored entry is removed, not resumed", () => {
  for (const text of ["{not json", JSON.stringify({ format: 1, epoch: -1, name: "x", query: "", file: "" }),
    JSON.stringify({ format: 99, epoch: 1, name: "x", query: "", file: "" })]) {
    const storage = new FakeStorage();
    storage.setItem(STORAGE_KEY, text);
    const store = new CheckpointStore({ storage });
    assert.equal(store.restore(), null);
    assert.equal(storage.getItem(STORAGE_KEY), null);
  }
});

test("clear forgets it in memory and in storage", () => {
  const { store, storage } = clocked();
  store.keep(RUN, PAGE);
  store.clear();
  assert.equal(store.latest, null);
  assert.equal(storage.getItem(STORAGE_KEY), null);
});

test("a reload resumes only the run its address names (same set-up and points' digest)", () => {
  const saved = { query: "hidden=4%2C2&lr=0.03&data=ab12" };
  assert.equal(isRunOf(saved, "hidden=4,2&lr=0.03&data=ab12"), true); // encodings differ, same query
  assert.equal(isRunOf(saved, "#hidden=4,2&lr=0.03&data=ab12"), true);
  assert.equal(isRunOf(saved, "hidden=4,2&lr=0.1&data=ab12"), false);
  assert.equal(isRunOf(saved, "hidden=4,2&lr=0.03"), false);
  assert.equal(isRunOf(null, ""), false);
  assert.equal(isRunOf({ query: "" }, ""), true); // the defaults, no hash
});

test("storage is written at most every storeEvery(bytes); the newest goes in when due, or forced", () => {
  // 1.25 s up to 125 KB; a 1 MiB file: 10.49 s (100 KB/s), by hand
  assert.equal(storeEvery(26_000), PLAYING_EVERY_MS);
  assert.equal(storeEvery(1_048_576), 10_485.76);
  const { clock, store, storage } = clocked();
  const file = new Uint8Array(1_048_576).buffer;
  const stored = () => JSON.parse(storage.getItem(STORAGE_KEY)).epoch;
  store.keep({ ...RUN, epoch: 1, file }, PAGE);
  assert.equal(stored(), 1); // the first at once
  clock.t += PLAYING_EVERY_MS;
  store.keep({ ...RUN, epoch: 2, file }, PAGE);
  assert.equal(store.latest?.epoch, 2); // in memory at once
  assert.equal(stored(), 1); // in storage later
  clock.t += 5000;
  store.flush();
  assert.equal(stored(), 1);
  clock.t += 4300; // 10.55 s after the first write
  store.flush();
  assert.equal(stored(), 2);
  clock.t += 100;
  store.keep({ ...RUN, epoch: 3, file }, PAGE);
  store.flush(true); // pagehide: a reload finds the newest
  assert.equal(stored(), 3);
  store.flush(true);
  assert.equal(store.unstored, false); // nothing newer: no second write
});
