// @ts-check
// Class mode on the page (docs/CLASS.md; the events: docs/PROTOCOL.md "Class mode"):
// the "Class" control in the header (Start a class, Join a class by code), a join link
// `#class=CODE` opened in the address bar, the tab's membership (code, key, role) kept in
// sessionStorage so a reconnect or a reload joins again with its key, and the routing of
// `class_state`, `class_view`, `class_ended` and the `class` errors to the teacher's
// panel (class_teacher.js) or the student's banner (class_student.js).

import { normalizeCode, readMembership, rejoinPayload, takeClassCode } from "./class_link.js";
import { StudentBanner } from "./class_student.js";
import { TeacherPanel } from "./class_teacher.js";
import { byId } from "./dom.js";
import { humanize, words } from "./schema.js";
import { hiddenWords } from "./settings.js";

/** @typedef {import("./class_link.js").Membership} Membership */

const STORE = "playground-class";

/**
 * The class a link in the address bar names, taken out of it (the rest of the hash is
 * the set-up, read as before). Called before anything reads the hash.
 * @returns {string | null}
 */
export function takeClassLink() {
  const { code, rest } = takeClassCode(location.hash);
  if (code !== null) history.replaceState(null, "", rest ? `#${rest}` : location.pathname + location.search);
  return code;
}

/**
 * The pushed set-up in a few words: "1 hidden layer of 2 units, ReLU, XOR".
 * @param {Config} c
 */
export function describeSetup(c) {
  const hidden = Array.isArray(c.hidden) ? hiddenWords(/** @type {number[]} */ (c.hidden)) : "";
  return [hidden, words(String(c.activation)), words(String(c.dataset))].filter(Boolean).join(", ");
}

/** @returns {Membership | null} */
function stored() {
  try {
    return readMembership(sessionStorage.getItem(STORE));
  } catch {
    return null; // storage turned off: the tab simply does not rejoin after a reload
  }
}

/** @param {Membership | null} m */
function store(m) {
  try {
    if (m) sessionStorage.setItem(STORE, JSON.stringify(m));
    else sessionStorage.removeItem(STORE);
  } catch {
    // as above
  }
}

/**
 * @typedef {{send: Send, setup: () => {config: Config, points: object | null} | null,
 *   load: (config: Config) => void, onLock: (locked: boolean) => void,
 *   showStatus: (text: string) => void}} ClassHooks
 */

export class ClassMode {
  /** @param {ClassHooks} hooks @param {string | null} linkCode a code from the address bar */
  constructor(hooks, linkCode) {
    this.hooks = hooks;
    /** @type {Membership | null} */
    this.membership = stored();
    /** the code of a link or a typed code, asked for and not yet answered */
    this.joining = linkCode;
    this.leaving = false;
    this.teacher = new TeacherPanel({
      send: hooks.send, setup: hooks.setup, describe: describeSetup, end: () => this.leave(),
      load: hooks.load,
    });
    this.student = new StudentBanner({ leave: () => this.leave(), onLock: hooks.onLock });
    this.button = byId("class-button", HTMLButtonElement);
    this.menu = byId("class-menu");
    this.start = byId("class-start", HTMLButtonElement);
    this.codeInput = byId("class-code-input", HTMLInputElement);
    this.joinButton = byId("class-join-form").querySelector("button");
    this.error = byId("class-error");
    this.hint = byId("class-menu-hint");
    this.hintText = this.hint.textContent ?? "";
    this.bindMenu();
  }

  get locked() {
    return this.student.locked;
  }

  bindMenu() {
    this.button.addEventListener("click", () => this.openMenu(this.menu.hidden));
    this.start.addEventListener("click", () => {
      this.error.textContent = "";
      this.hooks.send("class", { action: "create" });
    });
    byId("class-join-form").addEventListener("submit", (evt) => {
      evt.preventDefault();
      const code = normalizeCode(this.codeInput.value);
      if (!code) {
        this.error.textContent = "Type the code your teacher shows.";
        this.codeInput.focus();
        return;
      }
      this.error.textContent = "";
      this.joining = code;
      this.hooks.send("class", { action: "join", code });
    });
    this.menu.addEventListener("keydown", (evt) => {
      if (evt.key !== "Escape") return;
      this.openMenu(false);
      this.button.focus();
    });
    document.addEventListener("pointerdown", (evt) => {
      const t = /** @type {Node} */ (evt.target);
      if (!this.menu.hidden && !byId("class-entry").contains(t)) this.openMenu(false);
    });
  }

  /** @param {boolean} open */
  openMenu(open) {
    this.menu.hidden = !open;
    this.button.setAttribute("aria-expanded", String(open));
    if (open && !this.membership) this.start.focus();
  }

  // A new session on the server (first connect, or after the old one went away): take
  // the tab back into its class with its key, or join the class a link named.
  onConnect() {
    const m = this.membership;
    if (m) this.hooks.send("class", rejoinPayload(m));
    else if (this.joining) this.hooks.send("class", { action: "join", code: this.joining });
  }

  // A link pasted into the address bar of a tab that is already open.
  /** @param {string} code */
  followLink(code) {
    const m = this.membership;
    if (m?.code === code) return;
    if (m && !confirm(`Leave class ${m.code} and join class ${code}?`)) return;
    if (m) this.leave();
    this.joining = code;
    this.hooks.send("class", { action: "join", code });
  }

  leave() {
    this.leaving = true;
    this.hooks.send("class", { action: "leave" });
  }

  /** @param {ClassState} state */
  onState(state) {
    this.membership = { code: state.code, key: state.key, role: state.role };
    store(this.membership);
    this.joining = null;
    this.error.textContent = "";
    if (!this.menu.hidden) this.openMenu(false);
    this.showMembership();
    if (state.role === "teacher") {
      this.student.hide();
      this.teacher.show(state);
    } else {
      this.teacher.hide();
      this.student.show(state);
    }
  }

  /** @param {ClassView} view */
  onView(view) {
    this.teacher.showView(view);
  }

  /** @param {ClassEnded} ended */
  onEnded(ended) {
    const byMe = this.leaving;
    const role = this.membership?.role ?? "student";
    this.leaving = false;
    this.membership = null;
    store(null);
    this.teacher.hide();
    this.student.ended(ended, byMe, role);
    this.showMembership();
  }

  /** @param {ServerError} err */
  onError(err) {
    const text = humanize(err.message ?? "error");
    if (err.field === "student" || err.field === "busy") {
      this.teacher.viewError(text);
      return;
    }
    // A class that is gone by the time the tab comes back (a reload after it ended).
    if (err.field === "code" && this.membership && !this.joining) {
      const gone = this.membership.code;
      this.membership = null;
      store(null);
      this.teacher.hide();
      this.student.hide();
      this.showMembership();
      this.hooks.showStatus(`Class ${gone}: ${text}`);
      return;
    }
    this.joining = null;
    if (this.teacher.shown) {
      this.teacher.actionError(`Refused: ${text}`);
      return;
    }
    this.error.textContent = `Could not ${err.field === "code" ? "join" : "do that"}: ${text}`;
    this.openMenu(true);
  }

  // The header's control names the class the tab is in, and Start and Join wait until
  // it is left (one class per session). Written only when it changes: the teacher's
  // state comes twice a second.
  showMembership() {
    const m = this.membership;
    const label = m ? `Class ${m.code}` : "Class";
    if (this.button.textContent === label) return;
    this.button.textContent = label;
    this.start.disabled = Boolean(m);
    this.codeInput.disabled = Boolean(m);
    if (this.joinButton) this.joinButton.disabled = Boolean(m);
    this.hint.textContent = !m ? this.hintText
      : m.role === "teacher" ? `You teach class ${m.code}: end it to start or join another.`
        : `You are in class ${m.code}: leave it to start or join another.`;
  }
}
