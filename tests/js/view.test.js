// node --test: the view toggles in the URL hash (static/js/view.js).
import assert from "node:assert/strict";
import { test } from "node:test";

import { joinHash, splitHash, VIEW_DEFAULTS, viewQuery } from "../../static/js/view.js";

test("defaults: log loss and log epochs on, the rest off", () => {
  assert.deepEqual({ ...VIEW_DEFAULTS }, {
    show_test: false, discretize: false, log_loss: true, log_epochs: true, show_acc: false,
  });
});

test("only toggles that differ from the defaults are written", () => {
  assert.equal(viewQuery(VIEW_DEFAULTS), "");
  assert.equal(viewQuery({ ...VIEW_DEFAULTS, discretize: true, log_loss: false }), "discretize=1&log_loss=0");
});

test("the hash is the config's query, then the view", () => {
  assert.equal(joinHash("hidden=3&lr=0.1", { ...VIEW_DEFAULTS, show_test: true }), "hidden=3&lr=0.1&show_test=1");
  assert.equal(joinHash("", { ...VIEW_DEFAULTS, show_test: true }), "show_test=1");
  assert.equal(joinHash("hidden=3", VIEW_DEFAULTS), "hidden=3");
});

test("reading a hash splits the view from the config and names a bad toggle", () => {
  const { configQuery, view, rejected } = splitHash("#hidden=3&show_test=1&log_epochs=0&lr=0.1&discretize=yes");
  assert.equal(configQuery, "hidden=3&lr=0.1");
  assert.deepEqual(view, { ...VIEW_DEFAULTS, show_test: true, log_epochs: false });
  assert.deepEqual(rejected, [{ name: "discretize", text: "yes", reason: "not 0 or 1" }]);
});

test("a written hash reads back to the same view and config", () => {
  const view = { show_test: true, discretize: true, log_loss: false, log_epochs: false, show_acc: true };
  const back = splitHash(`#${joinHash("hidden=4%2C2", view)}`);
  assert.deepEqual(back.view, view);
  assert.equal(new URLSearchParams(back.configQuery).get("hidden"), "4,2");
});
