// node --test: the page's CSV reader (static/js/points_csv.js) answers every case of
// tests/fixtures/points_csv_cases.json as the engine's reader does (same points, same
// message naming the same line).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

import { parsePointsCsv, pointsCsv, PointsCsvError } from "../../static/js/points_csv.js";

const CASES = JSON.parse(
  readFileSync(new URL("../fixtures/points_csv_cases.json", import.meta.url), "utf8"));

for (const c of CASES) {
  test(c.name, () => {
    if (c.error) {
      assert.throws(() => parsePointsCsv(c.text),
        (err) => err instanceof PointsCsvError && err.message === c.error);
      return;
    }
    const got = parsePointsCsv(c.text);
    assert.deepEqual(got.points, c.points);
    assert.deepEqual(got.values, c.values);
    assert.equal(got.task, c.task);
  });
}

test("points written as CSV read back to the same numbers", () => {
  const points = [[0.1, -2e-7], [1234.5678, 3], [-0.30000000000000004, 1e21]];
  const text = pointsCsv(points, [0, 2, 1], "classification");
  assert.equal(text.split("\n")[0], "x1,x2,label");
  const back = parsePointsCsv(text);
  assert.deepEqual(back.points, points);
  assert.deepEqual(back.values, [0, 2, 1]);
  assert.equal(back.classes, 3);
});
