// @ts-check
// What a press on the drawing surface means: add a point, remove the nearest, or
// nothing. Pointer Events are the one source: a touch also produces compatibility
// mouse events and one or more clicks (Chromium's own, and any a library synthesises),
// so everything else is ignored here and one tap is one gesture. No DOM: the page
// feeds it event records and a clock (data_panel.js), tests feed it made-up ones.
//
// Mouse and pen: a click adds; shift-click, the secondary button or a pen's eraser
// end removes the nearest. Touch: a tap adds; a long press (LONG_PRESS_MS without moving more than
// SLOP_PX) removes, once, and the lift that ends it does nothing more. With the eraser
// on, a tap or click removes instead of adding. A second finger cancels the press (a
// pinch is not a tap), and a press that moves is a drag, which does nothing.

export const LONG_PRESS_MS = 500;
export const SLOP_PX = 8;

/**
 * One event as the page saw it. `t` is milliseconds on any steady clock.
 * @typedef {{type: string, pointerId?: number, pointerType?: string, isPrimary?: boolean,
 *   button?: number, shiftKey?: boolean, x: number, y: number, t: number}} PointerRecord
 */
/**
 * What to do, at the press's own position (x, y): `why` names the gesture.
 * @typedef {{action: "add" | "remove", x: number, y: number, pointerType: string,
 *   why: "tap" | "eraser" | "shift" | "secondary" | "long-press"}} Gesture
 */
/**
 * The press in progress.
 * @typedef {{id: number, pointerType: string, x: number, y: number, t: number,
 *   shiftKey: boolean, spent: boolean}} Press
 */

export class SurfaceGestures {
  /** @param {{longPressMs?: number, slopPx?: number}} [opts] */
  constructor({ longPressMs = LONG_PRESS_MS, slopPx = SLOP_PX } = {}) {
    this.longPressMs = longPressMs;
    this.slopPx = slopPx;
    this.eraser = false;
    /** @type {Press | null} */
    this.press = null;
  }

  /**
   * The time at which `tick` may report a long press, or null when none can come.
   * @returns {number | null}
   */
  get longPressDue() {
    const p = this.press;
    return p && !p.spent && p.pointerType === "touch" ? p.t + this.longPressMs : null;
  }

  /**
   * Feed one event; returns the gesture it completes, or null.
   * @param {PointerRecord} e
   * @returns {Gesture | null}
   */
  feed(e) {
    switch (e.type) {
      case "pointerdown": return this.down(e);
      case "pointermove": return this.move(e);
      case "pointerup": return this.up(e);
      case "pointercancel":
        if (this.press && this.press.id === e.pointerId) this.press = null;
        return null;
      default:
        // click, mousedown, mouseup, touchend, contextmenu: the echoes of a press the
        // pointer events already reported.
        return null;
    }
  }

  /**
   * The clock moved on to `t` with no event: a touch held long enough is a long press.
   * @param {number} t
   * @returns {Gesture | null}
   */
  tick(t) {
    const due = this.longPressDue;
    const p = this.press;
    if (due === null || !p || t < due) return null;
    p.spent = true;
    return { action: "remove", x: p.x, y: p.y, pointerType: p.pointerType, why: "long-press" };
  }

  /** @param {PointerRecord} e @returns {Gesture | null} */
  down(e) {
    const id = e.pointerId ?? 0;
    const pointerType = e.pointerType || "mouse";
    if (this.press) {
      // The same pointer again is an echo; another one (a second finger) ends the press.
      if (this.press.id !== id) this.press.spent = true;
      return null;
    }
    if (e.isPrimary === false) return null;
    // The secondary button (right, a pen's barrel) or a pen's eraser end (button 5).
    if (e.button === 2 || e.button === 5) {
      return { action: "remove", x: e.x, y: e.y, pointerType, why: "secondary" };
    }
    if ((e.button ?? 0) !== 0) return null;
    this.press = { id, pointerType, x: e.x, y: e.y, t: e.t, shiftKey: Boolean(e.shiftKey), spent: false };
    return null;
  }

  /** @param {PointerRecord} e @returns {Gesture | null} */
  move(e) {
    const p = this.press;
    if (!p || p.id !== (e.pointerId ?? 0)) return null;
    if (Math.hypot(e.x - p.x, e.y - p.y) > this.slopPx) p.spent = true;
    return null;
  }

  /** @param {PointerRecord} e @returns {Gesture | null} */
  up(e) {
    const p = this.press;
    if (!p || p.id !== (e.pointerId ?? 0)) return null;
    this.press = null;
    if (p.spent || Math.hypot(e.x - p.x, e.y - p.y) > this.slopPx) return null;
    const { x, y, pointerType } = p;
    if (this.eraser) return { action: "remove", x, y, pointerType, why: "eraser" };
    if (p.shiftKey || e.shiftKey) return { action: "remove", x, y, pointerType, why: "shift" };
    return { action: "add", x, y, pointerType, why: "tap" };
  }
}
