// node --test: a class's code and link (static/js/class_link.js). Expected values are the
// contract's (docs/PROTOCOL.md "Class mode": "abc-def" is "ABCDEF") and written by hand.
import assert from "node:assert/strict";
import { test } from "node:test";

import {
  joinUrl, normalizeCode, readMembership, rejoinPayload, takeClassCode,
} from "../../static/js/class_link.js";

test("a typed code: upper case, spaces and dashes dropped", () => {
  assert.equal(normalizeCode("abc-def"), "ABCDEF");
  assert.equal(normalizeCode("  k7q x2m "), "K7QX2M");
  assert.equal(normalizeCode("K7-QX-2M"), "K7QX2M");
});

test("the class is taken out of the hash, the set-up left exactly as written", () => {
  assert.deepEqual(takeClassCode("#class=k7qx2m"), { code: "K7QX2M", rest: "" });
  assert.deepEqual(takeClassCode("#hidden=2,2&class=K7QX2M&activation=relu"),
    { code: "K7QX2M", rest: "hidden=2,2&activation=relu" });
  assert.deepEqual(takeClassCode("#hidden=2,2&activation=relu"),
    { code: null, rest: "hidden=2,2&activation=relu" });
  assert.deepEqual(takeClassCode(""), { code: null, rest: "" });
  assert.deepEqual(takeClassCode("#class="), { code: null, rest: "" }, "an empty code is none");
  assert.deepEqual(takeClassCode("#class=abc%20def"), { code: "ABCDEF", rest: "" });
});

test("the link to hand out keeps the page's own path", () => {
  assert.equal(joinUrl("http://10.0.0.5:8000", "/", "K7QX2M"), "http://10.0.0.5:8000/#class=K7QX2M");
  assert.equal(joinUrl("https://school.example", "/playground/", "K7QX2M"),
    "https://school.example/playground/#class=K7QX2M");
});

test("a stored membership is read back only when whole", () => {
  const m = { code: "K7QX2M", key: "a".repeat(22), role: "student" };
  assert.deepEqual(readMembership(JSON.stringify(m)), m);
  assert.equal(readMembership(null), null);
  assert.equal(readMembership("not json"), null);
  assert.equal(readMembership(JSON.stringify({ ...m, role: "admin" })), null);
  assert.equal(readMembership(JSON.stringify({ ...m, code: "" })), null);
  assert.equal(readMembership(JSON.stringify({ code: "K7QX2M", role: "student" })), null);
});

test("joining again sends the code and the key", () => {
  assert.deepEqual(rejoinPayload({ code: "K7QX2M", key: "abc", role: "teacher" }),
    { action: "join", code: "K7QX2M", key: "abc" });
  assert.deepEqual(rejoinPayload({ code: "K7QX2M", key: "", role: "student" }),
    { action: "join", code: "K7QX2M" });
});
