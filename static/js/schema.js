// @ts-check
// The engine's Config schema, the page's single source of truth for every setting:
// names, types, defaults, limits. Controls take their ranges from here and the URL
// hash is read with it. The hash is *written* from the server's `state.query` (the
// engine's own Config.to_query()), so the two can never disagree.

export class Schema {
  /** @param {Field[]} fields */
  constructor(fields) {
    this.fields = fields;
    this.byName = new Map(fields.map((f) => [f.name, f]));
    for (const f of fields) learnWords(f.labels);
  }

  /** @param {string} id */
  static fromElement(id) {
    const el = document.getElementById(id);
    return new Schema(el ? JSON.parse(el.textContent ?? "[]") : []);
  }

  /** @param {string} name */
  has(name) {
    return this.byName.has(name);
  }

  /** @param {string} name */
  field(name) {
    return this.byName.get(name);
  }

  /** @param {string} name */
  label(name) {
    const f = this.field(name);
    return (f && f.label) || name;
  }

  defaults() {
    /** @type {Config} */
    const out = {};
    for (const f of this.fields) out[f.name] = copyValue(f.default);
    return out;
  }

  // Parse a `a=1&b=x%2Cy` query (the engine's to_query format) into typed values.
  // Unknown names, unparsable values and values outside the schema's limits are
  // returned separately, each with the reason, so the page can say what it ignored
  // instead of silently dropping a link's settings (or the server refusing them all).
  /**
   * @param {string} query
   * @returns {{values: Config, rejected: Rejected[]}}
   */
  parseQuery(query) {
    /** @type {Config} */
    const values = {};
    /** @type {Rejected[]} */
    const rejected = [];
    const params = new URLSearchParams(query.replace(/^[#?]/, ""));
    for (const [name, text] of params) {
      const f = this.field(name);
      if (!f) {
        rejected.push({ name, text, reason: "not a setting" });
        continue;
      }
      const value = parseValue(f, text);
      const reason = value === undefined ? `not ${typeWords(f)}` : outOfLimits(f, value);
      if (reason) rejected.push({ name, text, reason });
      else if (value !== undefined) values[name] = value; // a reason whenever undefined
    }
    return { values, rejected };
  }

  // The words the page shows for a special value of a field (the schema's
  // `extra.special`, e.g. speed -1 = "auto", 0 = "max"), or undefined.
  /** @param {string} name @param {ConfigValue} value @returns {string | undefined} */
  special(name, value) {
    return this.field(name)?.extra?.special?.[String(value)];
  }

  // Defaults overridden by a partial config: what the server will hold after a
  // `config` event carrying it, whatever the session held before.
  /** @param {Config} partial @returns {Config} */
  complete(partial) {
    return { ...this.defaults(), ...partial };
  }
}

/** @param {Field} field */
function typeWords(field) {
  return /** @type {Record<string, string>} */ ({ int: "a whole number", float: "a number", bool: "0 or 1", int_list: "a list of whole numbers" })[field.type]
    ?? "a value";
}

// Why a parsed value is outside the field's limits (the same checks as the engine's
// Config), or "" when it is inside them.
/** @param {Field} field @param {ConfigValue} value @returns {string} */
function outOfLimits(field, value) {
  const range = () => `${field.min}–${field.max}`;
  const inRange = (/** @type {number} */ v) => (field.min === null || field.min === undefined || v >= field.min)
    && (field.max === null || field.max === undefined || v <= field.max);
  switch (field.type) {
    case "int":
    case "float":
      return inRange(/** @type {number} */ (value)) ? "" : `outside ${range()}`;
    case "choice":
      return field.choices?.includes(/** @type {string} */ (value)) ? "" : "not one of the choices";
    case "choice_per_layer": {
      // One name, or one per hidden layer (whose count the server checks with `hidden`).
      if (!Array.isArray(value)) return field.choices?.includes(String(value)) ? "" : "not one of the choices";
      const list = /** @type {string[]} */ (value);
      if (list.length < 1 || list.length > (field.max_len ?? Infinity)) return `needs 1–${field.max_len} names`;
      return list.every((v) => field.choices?.includes(v)) ? "" : "not among the choices";
    }
    case "int_list":
    case "choice_list": {
      const list = /** @type {(number | string)[]} */ (value);
      if (list.length < (field.min_len ?? 0) || list.length > (field.max_len ?? Infinity)) {
        return `needs ${field.min_len}–${field.max_len} entries`;
      }
      if (field.type === "int_list") return /** @type {number[]} */ (list).every(inRange) ? "" : `entries outside ${range()}`;
      if (!list.every((v) => field.choices?.includes(/** @type {string} */ (v)))) return "not among the choices";
      return new Set(list).size === list.length ? "" : "repeats an entry";
    }
    default:
      return "";
  }
}

/** @param {ConfigValue} v @returns {ConfigValue} */
function copyValue(v) {
  return Array.isArray(v) ? v.slice() : v;
}

/** @param {Field} field @param {string} text @returns {ConfigValue | undefined} */
function parseValue(field, text) {
  switch (field.type) {
    case "int": {
      if (!/^[+-]?\d+$/.test(text)) return undefined;
      return Number.parseInt(text, 10);
    }
    case "float": {
      const v = Number(text);
      return text.trim() === "" || !Number.isFinite(v) ? undefined : v;
    }
    case "bool":
      if (text === "1" || text === "true" || text === "True") return true;
      if (text === "0" || text === "false" || text === "False") return false;
      return undefined;
    case "choice":
      return text;
    case "choice_per_layer": // "relu" for every hidden layer, "relu,tanh" one per layer
      return text.includes(",") ? text.split(",") : text;
    case "int_list": {
      if (text === "") return [];
      const parts = text.split(",");
      if (!parts.every((p) => /^[+-]?\d+$/.test(p.trim()))) return undefined;
      return parts.map((p) => Number.parseInt(p, 10));
    }
    case "choice_list":
      return text === "" ? [] : text.split(",");
    default:
      return text;
  }
}

// Equality of two config values as the server would see them.
/** @param {ConfigValue | undefined} a @param {ConfigValue | undefined} b */
export function sameValue(a, b) {
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => x === b[i]);
  }
  return a === b;
}

// A hidden activation (one name, or one per hidden layer: the engine's
// choice_per_layer) as one name per hidden layer, for `layers` hidden layers: one name
// is every layer's; a list is cut to the layers or, grown, repeats its last name.
/** @param {ConfigValue | undefined} value @param {number} layers @returns {string[]} */
export function perLayer(value, layers) {
  const list = Array.isArray(value) ? value.map(String) : [String(value ?? "")];
  return Array.from({ length: layers }, (_, l) => list[Math.min(l, list.length - 1)]);
}

// The simplest value that says the same as a list of names (the server's canonical
// form): equal names are one name.
/** @param {string[]} names @returns {string | string[]} */
export function simplestActivation(names) {
  return names.length > 0 && names.every((n) => n === names[0]) ? names[0] : names;
}

// Does `config` hold every value of `partial`?
/** @param {Config} config @param {Config} partial */
export function includes(config, partial) {
  return Object.entries(partial).every(([k, v]) => sameValue(config[k], v));
}

// Nice numbers in [min, max] on a 1-3-10 ladder, for select-style float controls
// (learning rate, regularisation rate, speed): the same feel as the TF Playground's
// menus, with the limits from the schema.
/** @param {number} min @param {number} max */
export function ladder(min, max) {
  /** @type {number[]} */
  const out = [];
  const lo = Math.max(min, 1e-12);
  for (let e = Math.floor(Math.log10(lo)) - 1; e <= Math.ceil(Math.log10(max)) + 1; e++) {
    for (const m of [1, 3]) {
      const v = Number((m * 10 ** e).toPrecision(12));
      if (v >= min && v <= max) out.push(v);
    }
  }
  return out;
}

// A slider step that gives about 100 positions over the field's range.
/** @param {Field} field @returns {number | "any"} */
export function niceStep(field) {
  if (field.type === "int") return 1;
  const span = /** @type {number} */ (field.max) - /** @type {number} */ (field.min);
  if (!(span > 0)) return "any";
  const raw = span / 100;
  const p = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) if (m * p >= raw) return Number((m * p).toPrecision(6));
  return raw;
}

// Words the user reads for the engine's option names: each choice field's `labels`
// in the engine's schema (every choice's display name is declared once, with the
// choice, in the engine), gathered as a Schema is made. Anything missing shows as is.
/** @type {Map<string, string>} */
const WORDS = new Map();
/** @type {RegExp | null} */
let internal = null;

/** @param {Object<string, string> | null | undefined} labels */
function learnWords(labels) {
  for (const [name, text] of Object.entries(labels ?? {})) WORDS.set(name, text);
  internal = null;
}

/** @param {string} name */
export function words(name) {
  return WORDS.get(name) ?? String(name);
}

// Option names that are internal identifiers (bce, glorot_uniform, leaky_relu, xor4):
// a server message that quotes one reads the display words instead. Plain words that
// are also option names (none, linear, normal, circle...) stay as they are.
function internalNames() {
  if (!internal) {
    const names = [...WORDS.keys()].filter((k) => /[_\d]/.test(k) || ["bce", "mse", "ce", "sgd", "elu", "relu"].includes(k));
    internal = names.length ? new RegExp(`\\b(${names.join("|")})\\b`, "g") : null;
  }
  return internal;
}

/** @param {unknown} text */
export function humanize(text) {
  const names = internalNames();
  return names ? String(text).replace(names, (name) => words(name)) : String(text);
}

// Numbers as a person reads them: 3 significant digits, no exponent unless needed.
/** @param {number | null | undefined} v @param {number} [digits] */
export function formatNumber(v, digits = 3) {
  if (v === null || v === undefined || Number.isNaN(v)) return "–";
  if (!Number.isFinite(v)) return v > 0 ? "∞" : "−∞";
  if (v === 0) return "0";
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-3) return v.toExponential(digits - 1);
  return Number(v.toPrecision(digits)).toString();
}
