// node --test: what a press on the drawing surface means (static/js/gestures.js), fed
// with the event records a browser produces. The touch sequence is the one Chromium
// sends for one tap (pointer events, then the compatibility mouse events and the click,
// plus a second click such as a chart library synthesises).
import assert from "node:assert/strict";
import { test } from "node:test";

import { LONG_PRESS_MS, SLOP_PX, SurfaceGestures } from "../../static/js/gestures.js";

/** @param {string} type @param {object} [more] */
const touch = (type, more = {}) => ({
  type, pointerId: 7, pointerType: "touch", isPrimary: true, button: 0, x: 100, y: 50, t: 0, ...more,
});
/** @param {string} type @param {object} [more] */
const mouse = (type, more = {}) => ({
  type, pointerId: 1, pointerType: "mouse", isPrimary: true, button: 0, x: 10, y: 20, t: 0, ...more,
});

/**
 * @param {SurfaceGestures} g
 * @param {import("../../static/js/gestures.js").PointerRecord[]} records
 */
const run = (g, records) => records.map((r) => g.feed(r)).filter(Boolean);

test("one tap with all its echoes is one point, where the finger went down", () => {
  const g = new SurfaceGestures();
  const out = run(g, [
    touch("pointerdown", { t: 0 }),
    touch("touchstart", { t: 0 }),
    touch("pointermove", { x: 102, y: 51, t: 40 }), // a finger wobbles a little
    touch("pointerup", { x: 102, y: 51, t: 90 }),
    touch("touchend", { t: 90 }),
    { type: "mousedown", button: 0, x: 102, y: 51, t: 95 },
    { type: "mouseup", button: 0, x: 102, y: 51, t: 95 },
    { type: "click", button: 0, x: 102, y: 51, t: 96 },
    { type: "click", button: 0, x: 102, y: 51, t: 97 },
    touch("pointerup", { x: 102, y: 51, t: 98 }), // a repeated lift: no press to end
  ]);
  assert.deepEqual(out, [{ action: "add", x: 100, y: 50, pointerType: "touch", why: "tap" }]);
  assert.equal(g.press, null);
});

test("a click adds, shift-click and the secondary button remove", () => {
  const g = new SurfaceGestures();
  assert.deepEqual(run(g, [mouse("pointerdown"), mouse("pointerup"), mouse("click")]),
    [{ action: "add", x: 10, y: 20, pointerType: "mouse", why: "tap" }]);
  assert.deepEqual(run(g, [mouse("pointerdown", { shiftKey: true }), mouse("pointerup", { shiftKey: true })]),
    [{ action: "remove", x: 10, y: 20, pointerType: "mouse", why: "shift" }]);
  // The secondary button removes at once; its contextmenu is an echo.
  assert.deepEqual(run(g, [mouse("pointerdown", { button: 2 }), mouse("contextmenu", { button: 2 }),
    mouse("pointerup", { button: 2 })]),
  [{ action: "remove", x: 10, y: 20, pointerType: "mouse", why: "secondary" }]);
  // A pen's eraser end removes too.
  assert.deepEqual(run(g, [mouse("pointerdown", { pointerType: "pen", button: 5 }),
    mouse("pointerup", { pointerType: "pen", button: 5 })]),
  [{ action: "remove", x: 10, y: 20, pointerType: "pen", why: "secondary" }]);
  // The middle button does nothing.
  assert.deepEqual(run(g, [mouse("pointerdown", { button: 1 }), mouse("pointerup", { button: 1 })]), []);
});

test("with the eraser on, a tap or a click removes instead of adding", () => {
  const g = new SurfaceGestures();
  g.eraser = true;
  assert.deepEqual(run(g, [touch("pointerdown"), touch("pointerup"), touch("click")]),
    [{ action: "remove", x: 100, y: 50, pointerType: "touch", why: "eraser" }]);
  assert.deepEqual(run(g, [mouse("pointerdown"), mouse("pointerup")]),
    [{ action: "remove", x: 10, y: 20, pointerType: "mouse", why: "eraser" }]);
});

test("a touch held still for the long-press time removes once; its lift adds nothing", () => {
  const g = new SurfaceGestures();
  assert.deepEqual(run(g, [touch("pointerdown", { t: 1000 })]), []);
  assert.equal(g.longPressDue, 1000 + LONG_PRESS_MS);
  assert.equal(g.tick(1000 + LONG_PRESS_MS - 1), null); // not yet
  assert.deepEqual(g.tick(1000 + LONG_PRESS_MS),
    { action: "remove", x: 100, y: 50, pointerType: "touch", why: "long-press" });
  assert.equal(g.tick(1000 + 2 * LONG_PRESS_MS), null); // once only
  assert.equal(g.longPressDue, null);
  assert.deepEqual(run(g, [touch("pointerup", { t: 1700 }), touch("click", { t: 1701 })]), []);
  assert.equal(g.press, null);
});

test("a touch that moves beyond the slop is a drag: no long press, no point", () => {
  const g = new SurfaceGestures();
  run(g, [touch("pointerdown"), touch("pointermove", { x: 100 + SLOP_PX + 1, t: 100 })]);
  assert.equal(g.longPressDue, null);
  assert.equal(g.tick(LONG_PRESS_MS), null);
  assert.deepEqual(run(g, [touch("pointerup", { x: 100, t: 600 })]), []);
  // Within the slop it is still a tap.
  run(g, [touch("pointerdown"), touch("pointermove", { x: 100 + SLOP_PX, t: 10 })]);
  assert.equal(g.longPressDue, LONG_PRESS_MS);
});

test("mouse and pen have no long press: a slow click still adds", () => {
  for (const pointerType of ["mouse", "pen"]) {
    const g = new SurfaceGestures();
    run(g, [mouse("pointerdown", { pointerType })]);
    assert.equal(g.longPressDue, null);
    assert.equal(g.tick(5000), null);
    assert.deepEqual(run(g, [mouse("pointerup", { pointerType, t: 5000 })]),
      [{ action: "add", x: 10, y: 20, pointerType, why: "tap" }]);
  }
});

test("a second finger ends the press: a pinch adds and removes nothing", () => {
  const g = new SurfaceGestures();
  const out = run(g, [
    touch("pointerdown"),
    touch("pointerdown", { pointerId: 8, isPrimary: false, x: 200 }),
    touch("pointerup", { pointerId: 8, isPrimary: false, x: 200 }),
  ]);
  assert.equal(g.tick(LONG_PRESS_MS), null);
  out.push(...run(g, [touch("pointerup", { t: 700 })]));
  assert.deepEqual(out, []);
  // The next tap counts again.
  assert.equal(run(g, [touch("pointerdown"), touch("pointerup")]).length, 1);
});

test("a cancelled press (the browser took the touch) does nothing", () => {
  const g = new SurfaceGestures();
  assert.deepEqual(run(g, [touch("pointerdown"), touch("pointercancel"), touch("pointerup")]), []);
  assert.equal(g.tick(LONG_PRESS_MS), null);
});
