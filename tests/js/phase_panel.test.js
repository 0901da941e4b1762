// node --test: the phase diagram panel's pure parts: the values typed for an axis
// (the server's rules, app/lab_phase.py), the rate colours (every rate's text must
// read on its cell: WCAG contrast ≥ 4.5, computed here from the sRGB definition) and
// a cell's words (its 95 % interval and the seed a click opens).
import assert from "node:assert/strict";
import { test } from "node:test";

import { AXES, describeCell, parseValues, rateColors } from "../../static/js/phase_panel.js";

test("values: 2-12 distinct numbers, whole ones for integer axes", () => {
  assert.deepEqual(parseValues("0.1, 0.5,1 ,2"), { values: [0.1, 0.5, 1, 2] });
  assert.deepEqual(parseValues("1,2,3", true), { values: [1, 2, 3] });
  assert.match(parseValues("3").error, /2 to 12/);
  assert.match(parseValues(Array.from({ length: 13 }, (_, i) => i).join(",")).error, /2 to 12/);
  assert.match(parseValues("1,2.5", true).error, /“2.5” is not a whole number/);
  assert.match(parseValues("1,fast").error, /“fast” is not a number/);
  assert.match(parseValues("1,Infinity").error, /not a number/);
  assert.match(parseValues("1,1.0").error, /each value once/);
});

test("an activation axis: names split by slashes, one per layer by commas", () => {
  assert.deepEqual(parseValues("relu,relu / relu,tanh / tanh", false, true),
    { values: [["relu", "relu"], ["relu", "tanh"], "tanh"] });
  assert.match(parseValues("relu", false, true).error, /2 to 12 activations/);
  assert.match(parseValues("relu / Tanh!", false, true).error, /“Tanh!” is not an activation's name/);
  assert.match(parseValues("tanh / tanh,tanh", false, true).error, /each value once/);
});

test("every axis's example values parse", () => {
  for (const [key, axis] of Object.entries(AXES)) {
    const parsed = parseValues(axis.values, axis.int, axis.names);
    assert.ok("values" in parsed, key);
    assert.equal(parsed.values.length, 4, key);
  }
});

function luminance(css) {
  const rgb = css.startsWith("#")
    ? [1, 3, 5].map((i) => parseInt(css.slice(i, i + 2), 16))
    : css.match(/\d+/g).map(Number);
  const [r, g, b] = rgb.map((c) => {
    const s = c / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

test("each rate's text reads on its colour (contrast >= 4.5), and colour darkens with rate", () => {
  let last = Infinity;
  for (let k = 0; k <= 100; k++) {
    const { background, color } = rateColors(k / 100);
    const [a, b] = [luminance(background), luminance(color)].sort((x, y) => y - x);
    const contrast = (a + 0.05) / (b + 0.05);
    assert.ok(contrast >= 4.5, `rate ${k} %: ${background} / ${color}: ${contrast.toFixed(2)}`);
    const lum = luminance(background);
    assert.ok(lum <= last, `rate ${k} % is lighter than ${k - 1} %`);
    last = lum;
  }
  assert.equal(rateColors(null).background, "#ffffff");
});

test("a cell says its rate, counts, interval and the seed a click opens", () => {
  const cell = {
    summary: { n: 50, successes: 20, rate: 0.4, wilson_low: 0.276, wilson_high: 0.538 },
    cancelled: false, first_failing: 3, config: { seed: 0 },
  };
  assert.equal(describeCell("Hidden units 2, Init scale 1", cell),
    "Hidden units 2, Init scale 1: 40 % solved (20/50), 95 % interval 28–54 %; opens seed 3, the first that failed");
  const all = { ...cell, first_failing: null, summary: { ...cell.summary, successes: 50, rate: 1 } };
  assert.match(describeCell("x", all), /all solved; opens seed 0$/);
  assert.equal(describeCell("x", { ...cell, summary: { n: 0 } }), "x: no seed finished");
});
