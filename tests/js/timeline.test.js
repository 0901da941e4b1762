// The timeline's pure parts: the kept epochs by the engine's rule, worked by hand.
import { test } from "node:test";
import assert from "node:assert/strict";
import { isKept, keptEpochs, nearestIndex } from "../../static/js/timeline.js";

test("every epoch up to 100 is kept, then every 50th to 1000, every 500th to 10000", () => {
  const kept = keptEpochs(2000);
  assert.deepEqual(kept.slice(0, 101), Array.from({ length: 101 }, (_, i) => i));
  assert.deepEqual(kept.slice(101), [150, 200, 250, 300, 350, 400, 450, 500, 550, 600, 650, 700,
    750, 800, 850, 900, 950, 1000, 1500, 2000]);
  assert.ok(kept.every(isKept));
  assert.ok(!isKept(120) && !isKept(1050) && isKept(15000));
});

test("the run's own epoch ends the list even when it is not a kept one", () => {
  assert.deepEqual(keptEpochs(3), [0, 1, 2, 3]);
  assert.deepEqual(keptEpochs(123).slice(-2), [100, 123]);
  assert.deepEqual(keptEpochs(0), [0]);
});

test("the nearest kept epoch is nearest in log(1 + epoch)", () => {
  const kept = keptEpochs(1000);
  assert.equal(kept[nearestIndex(kept, 290)], 300);
  assert.equal(kept[nearestIndex(kept, 120)], 100); // log(121/101) < log(151/121)
  assert.equal(kept[nearestIndex(kept, 7)], 7);
});

import { mock } from "node:test";
import { Timeline } from "../../static/js/timeline.js";

// Just enough of the elements the timeline touches (no live changes: no el() calls).
function fakeEls() {
  const node = () => ({
    hidden: false, textContent: "", value: "0", max: "0", listeners: {},
    classList: { toggle() {} }, setAttribute() {}, replaceChildren() {},
    addEventListener(type, fn) { this.listeners[type] = fn; },
  });
  return { range: node(), label: node(), fork: node(), latest: node(), marks: node() };
}

function makeTimeline() {
  const sent = [];
  const shown = [];
  const els = fakeEls();
  const t = new Timeline(els, {
    send: (event, payload) => { sent.push([event, payload.epoch]); return true; },
    onFork: () => {}, onLeave: () => {}, onShown: (e) => shown.push(e),
  });
  t.setLive(500);
  return { t, sent, shown, els };
}

test("one rewind in flight: a drag sends only its latest position when the answer comes", () => {
  const { t, sent, shown, els } = makeTimeline();
  t.ask(1);
  t.ask(5);
  t.ask(9);
  assert.deepEqual(sent, [["rewind", 1]]);
  t.onRewound({ epoch: 1, live_epoch: 500 });
  assert.deepEqual(sent, [["rewind", 1], ["rewind", 9]]);
  assert.equal(els.range.value, "9"); // the slider stays where the hand put it
  t.onRewound({ epoch: 9, live_epoch: 500 });
  assert.equal(sent.length, 2);
  assert.deepEqual(shown, [1, 9]);
  assert.equal(els.label.textContent, "epoch 9 (rewound)");
  assert.equal(els.fork.hidden, false);
  t.leave();
  assert.equal(t.rewound, null);
  assert.equal(els.label.textContent, "epoch 500");
  assert.equal(els.fork.hidden, true);
  assert.deepEqual(shown, [1, 9, null]);
});

test("a refused rewind is asked again for the latest position", () => {
  mock.timers.enable({ apis: ["setTimeout"] });
  try {
    const { t, sent } = makeTimeline();
    t.ask(3);
    t.ask(7);
    t.onRefused();
    assert.deepEqual(sent, [["rewind", 3]]);
    mock.timers.tick(60);
    assert.deepEqual(sent, [["rewind", 3], ["rewind", 7]]);
  } finally {
    mock.timers.reset();
  }
});

test("the slider's end is the run as it stands: nothing asked, the live view back", () => {
  let left = 0;
  const sent = [];
  const els = fakeEls();
  const t = new Timeline(els, {
    send: (event, payload) => { sent.push(payload.epoch); return true; },
    onFork: () => {}, onLeave: () => { left += 1; }, onShown: () => {},
  });
  t.setLive(500);
  t.ask(40);
  t.onRewound({ epoch: 40, live_epoch: 500 });
  t.ask(500);
  assert.deepEqual(sent, [40]);
  assert.equal(t.rewound, null);
  assert.equal(left, 1);
  assert.equal(els.range.value, String(t.kept.length - 1));
});

test("an answer asked for before leaving (a setting changed meanwhile) is not shown", () => {
  const { t, sent } = makeTimeline();
  t.ask(20);
  t.leave();
  assert.equal(t.onRewound({ epoch: 20, live_epoch: 500 }), false);
  assert.equal(t.rewound, null);
  t.ask(30);
  assert.deepEqual(sent, [["rewind", 20], ["rewind", 30]]);
  assert.equal(t.onRewound({ epoch: 30, live_epoch: 500 }), true);
  assert.equal(t.rewound, 30);
});
