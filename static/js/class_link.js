// @ts-check
// A class's code and join link (docs/PROTOCOL.md "Class mode", docs/CLASS.md): the code a
// person types, `#class=CODE` read from the address bar (and taken out of it, so the rest
// of the hash is read as a set-up as before), the full link a teacher hands out, and the
// membership the tab keeps to join again after a reconnect or a reload. Pure: no DOM.

export const CLASS_PARAM = "class";

/** @typedef {{code: string, key: string, role: "teacher" | "student"}} Membership */

/**
 * A code as typed or read: upper case, spaces and dashes dropped ("abc-def" is
 * "ABCDEF", as the server reads it).
 * @param {string} text
 */
export function normalizeCode(text) {
  return String(text).toUpperCase().replace(/[\s-]+/g, "");
}

/**
 * The class a hash names (`class=CODE`), and the hash without it, its other parts kept
 * exactly as written (a set-up's `hidden=2,2` stays unescaped).
 * @param {string} hash with or without its `#`
 * @returns {{code: string | null, rest: string}}
 */
export function takeClassCode(hash) {
  let code = null;
  const rest = [];
  for (const part of hash.replace(/^#/, "").split("&")) {
    if (!part) continue;
    const eq = part.indexOf("=");
    const name = eq < 0 ? part : part.slice(0, eq);
    if (name !== CLASS_PARAM) rest.push(part);
    else code = normalizeCode(decodeURIComponent(part.slice(eq + 1))) || null;
  }
  return { code, rest: rest.join("&") };
}

/**
 * The link to hand out: this page's address with `#class=CODE`, whatever path the
 * server is mounted under (a proxy may serve it under /playground/).
 * @param {string} origin e.g. "http://10.0.0.5:8000"
 * @param {string} pathname e.g. "/"
 * @param {string} code
 */
export function joinUrl(origin, pathname, code) {
  return `${origin}${pathname}#${CLASS_PARAM}=${encodeURIComponent(code)}`;
}

/**
 * A stored membership (JSON text), or null when there is none or it is not one.
 * @param {string | null} text
 * @returns {Membership | null}
 */
export function readMembership(text) {
  if (!text) return null;
  let value;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (!value || typeof value !== "object") return null;
  const { code, key, role } = value;
  if (typeof code !== "string" || !code || typeof key !== "string") return null;
  if (role !== "teacher" && role !== "student") return null;
  return { code, key, role };
}

/**
 * The `join` that takes the tab back into its class (the key gives back its pseudonym
 * and seed, or the teacher's role).
 * @param {Membership} m
 */
export function rejoinPayload(m) {
  return { action: "join", code: m.code, ...(m.key ? { key: m.key } : {}) };
}
