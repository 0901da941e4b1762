// @ts-check
// A student's side of a class (docs/CLASS.md): the banner "In class CODE" with the
// pseudonym and Leave, and the lock. While the teacher has locked the set-up, the page's
// set-up controls (every element marked `class-setup` in templates/index.html: the
// settings, presets, data, network, your own points, Open run) are disabled, and say
// why on hover and to a screen reader (the banner's lock note). Play, Step, Reset, the
// speed, the surface resolution, the view toggles and the lab stay. Nothing else on the
// page changes: the pushed set-up arrives as an ordinary `state`.

import { byId } from "./dom.js";

/** @type {Record<ClassEnded["reason"], string>} */
const ENDED = {
  left: "the teacher ended it",
  teacher_gone: "the teacher's page went away",
  idle: "the teacher's page was idle too long",
  expired: "the server no longer holds it",
};

export class StudentBanner {
  /** @param {{leave: () => void, onLock: (locked: boolean) => void}} hooks */
  constructor(hooks) {
    this.hooks = hooks;
    this.root = byId("class-banner");
    this.text = byId("class-banner-text");
    this.lockNote = byId("class-lock-note");
    this.leaveButton = byId("class-leave", HTMLButtonElement);
    this.locked = false;
    /** @type {"in" | "ended" | null} */
    this.mode = null;
    this.leaveButton.addEventListener("click", () => {
      if (this.mode === "in") this.hooks.leave();
      else this.hide();
    });
  }

  /** @param {ClassState} state */
  show(state) {
    this.mode = "in";
    this.root.hidden = false;
    this.root.dataset.mode = "in";
    this.text.textContent = `In class ${state.code} as ${state.pseudonym ?? "a student"}.`;
    this.leaveButton.textContent = "Leave";
    this.setLocked(Boolean(state.locked), state.code);
  }

  /**
   * @param {ClassEnded} ended @param {boolean} byMe this tab left or ended it
   * @param {"teacher" | "student"} role this tab's role in it
   */
  ended(ended, byMe, role) {
    this.setLocked(false, ended.code);
    this.mode = "ended";
    this.root.hidden = false;
    this.root.dataset.mode = "ended";
    const own = "this is your own playground again.";
    if (byMe) {
      this.text.textContent = role === "teacher" ? `You ended class ${ended.code}.` : `You left class ${ended.code}: ${own}`;
    } else {
      this.text.textContent = `Class ${ended.code} has ended (${ENDED[ended.reason] ?? ended.reason}): ${own}`;
    }
    this.leaveButton.textContent = "Dismiss";
  }

  hide() {
    this.setLocked(false, "");
    this.mode = null;
    this.root.hidden = true;
  }

  /** @param {boolean} locked @param {string} code */
  setLocked(locked, code) {
    const reason = locked
      ? `Your teacher has locked the set-up of class ${code} until the next push: the settings are disabled.`
      : "";
    this.lockNote.textContent = reason;
    for (const node of document.querySelectorAll(".class-setup")) {
      const e = /** @type {HTMLElement} */ (node);
      // An element's own tooltip (Open run has one) comes back when the lock lifts.
      if (locked) {
        if (e.dataset.titleUnlocked === undefined) e.dataset.titleUnlocked = e.title;
        e.title = reason;
        e.setAttribute("aria-describedby", "class-lock-note");
      } else if (e.dataset.titleUnlocked !== undefined) {
        e.title = e.dataset.titleUnlocked;
        if (!e.title) e.removeAttribute("title");
        e.removeAttribute("aria-describedby");
        delete e.dataset.titleUnlocked;
      }
    }
    if (locked !== this.locked) {
      this.locked = locked;
      this.hooks.onLock(locked);
    }
  }
}
