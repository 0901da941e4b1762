// @ts-check
// No run is lost (docs/PAGE.md): the page keeps a checkpoint of its run (checkpoint.js)
// and, when a connection comes back to a session that does not know it (a worker that
// died, a restarted server), opens it there (`open_run`) and says "Resumed at epoch N".
// After a reload of the tab it does the same, paused, when the address still names that
// run. This module asks for the checkpoints, keeps them, starts a resume and shows its
// notice; main.js tells it what the connection and the session do.

import { CheckpointStore, isRunOf } from "./checkpoint.js";

const TICK_MS = 250; // how often the cadence is looked at (checkpoint.js decides)
const NOTICE_MS = 30_000; // the notice stays this long, then the epoch counter says it all

/** @returns {Storage | null} sessionStorage, or null where the browser forbids it */
function sessionStore() {
  try {
    return window.sessionStorage;
  } catch {
    return null;
  }
}

/**
 * @typedef {{send: Send, canAsk: () => boolean, playing: () => boolean,
 *   query: () => string, say: (text: string) => void}} ResumeHooks
 *   canAsk(): the session holds the page's run (synced, connected);
 *   query(): the set-up as the address bar names it (config and points' digest);
 *   say(text): a quiet line under the Runs buttons.
 */

export class Resume {
  /** @param {HTMLElement} notice @param {ResumeHooks} hooks */
  constructor(notice, hooks) {
    this.notice = notice;
    this.hooks = hooks;
    this.store = new CheckpointStore({ storage: sessionStore() });
    /** @type {{epoch: number, after: "reconnect" | "reload"} | null} an open_run sent, unanswered */
    this.resuming = null;
    /** Why the next resume happens: a first connect after a load is a reload. */
    this.after = /** @type {"reconnect" | "reload"} */ ("reload");
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    this.hideTimer = undefined;
    this.toldMemoryOnly = false;
    setInterval(() => this.tick(), TICK_MS);
    // A reload or a closed tab: the newest checkpoint into storage, whatever its interval.
    addEventListener("pagehide", () => this.store.flush(true));
  }

  /**
   * At load: a checkpoint this tab stored before a reload, if the address (its config
   * part) still names that run; any other is forgotten.
   * @param {string} configQuery
   */
  restore(configQuery) {
    const saved = this.store.restore();
    if (saved && !isRunOf(saved, configQuery)) this.store.clear();
  }

  tick() {
    this.store.flush();
    this.tellWhereKept();
    if (this.resuming || !this.hooks.canAsk() || !this.store.due(this.hooks.playing())) return;
    if (this.hooks.send("save_run", { checkpoint: true })) this.store.asked();
  }

  /** A frame was painted at `epoch`. @param {number} epoch */
  onFrame(epoch) {
    if (epoch !== this.store.latest?.epoch) this.store.changed();
  }

  /** A `state` of the session that holds the page's run (an edit, a pause, points). */
  onState() {
    this.store.changed();
  }

  /**
   * A run file: the checkpoint asked for, or one Save run asked for (as good a checkpoint).
   * @param {{name: string, epoch: number, file: ArrayBuffer, checkpoint?: boolean}} runFile
   */
  onRunFile(runFile) {
    const page = { query: this.hooks.query(), playing: this.hooks.playing() };
    this.store.keep(runFile, page, Boolean(runFile.checkpoint));
    this.tellWhereKept();
  }

  /** Once each time the checkpoint goes from storage to memory only: say so. */
  tellWhereKept() {
    if (this.store.kept === "memory" && !this.toldMemoryOnly) {
      this.toldMemoryOnly = true;
      this.hooks.say(`This run is kept in this page's memory only (${this.store.why}): it resumes `
        + "after a lost connection, not after a reload of the tab.");
    }
    if (this.store.kept === "session") this.toldMemoryOnly = false;
  }

  onDisconnect() {
    this.store.lost();
    this.resuming = null;
    this.after = "reconnect";
  }

  /**
   * Connected to a fresh session: open the checkpoint there, if there is one.
   * @returns {boolean} whether an open_run was sent (else the page applies its address)
   */
  begin() {
    const c = this.store.latest;
    const after = this.after;
    this.after = "reconnect";
    if (!c || !this.hooks.send("open_run", { file: c.file })) return false;
    this.resuming = { epoch: c.epoch, after };
    return true;
  }

  /**
   * The session answered the open_run: it holds the run again at `epoch`.
   * @param {number} epoch
   */
  resumed(epoch) {
    if (!this.resuming) return;
    const after = this.resuming.after;
    this.resuming = null;
    this.store.changed(); // the new session's run, checkpointed from here on
    const at = epoch.toLocaleString("en");
    this.show(after === "reload" ? `Resumed at epoch ${at}, paused: this tab's run from before the reload `
      + "(Reset starts over)" : `Resumed at epoch ${at} after the connection was lost`);
  }

  /**
   * The session refused the checkpoint (a server with other limits): forget it.
   * @param {string} text
   */
  refused(text) {
    const epoch = this.resuming?.epoch ?? 0;
    this.resuming = null;
    this.store.clear();
    this.show(`Could not resume the run at epoch ${epoch.toLocaleString("en")}: ${text}`, true);
  }

  /** @param {string} text @param {boolean} [isError] */
  show(text, isError = false) {
    const n = this.notice;
    n.textContent = text;
    n.classList.toggle("error", isError);
    n.hidden = false;
    clearTimeout(this.hideTimer);
    this.hideTimer = setTimeout(() => {
      n.hidden = true;
    }, NOTICE_MS);
  }
}
