// @ts-check
// Pinned runs (docs/PAGE.md, "Runs"): up to MAX_PINS runs kept beside the current one,
// each labelled by what differs from the current set-up ("optimizer: sgd"), so the
// natural flow, pin, change one setting, play, reads as a comparison. Pure: no DOM.

import { sameValue, words } from "./schema.js";

export const MAX_PINS = 4;
// Dashed curves in colours apart from the current run's (#333 train, #999 test) and
// from one another (Okabe & Ito's palette, told apart by colour-blind readers too).
export const PIN_COLORS = ["#d55e00", "#0072b2", "#009e73", "#cc79a7"];
const SHOWN = 2; // differences named in a label; the rest are counted

/**
 * A setting's value as a label shows it: option names in words, lists joined.
 * @param {ConfigValue | undefined} value
 * @returns {string}
 */
export function formatSetting(value) {
  if (Array.isArray(value)) return value.length ? value.map(formatSetting).join("-") : "none";
  if (typeof value === "string") return words(value);
  if (typeof value === "boolean") return value ? "on" : "off";
  return String(value);
}

/**
 * The settings in which `pinned` differs from `current`, in schema order; display
 * settings (speed, grid) are not part of a set-up.
 * @param {{fields: Field[]}} schema @param {Config} pinned @param {Config | null | undefined} current
 * @returns {{name: string, value: ConfigValue}[]}
 */
export function differences(schema, pinned, current) {
  return schema.fields
    .filter((f) => f.group !== "display" && f.name in pinned)
    .filter((f) => !sameValue(pinned[f.name], current?.[f.name]))
    .map((f) => ({ name: f.name, value: pinned[f.name] }));
}

/**
 * "optimizer: SGD", "optimizer: SGD, lr: 0.1 and 2 more", or "same set-up".
 * @param {{fields: Field[]}} schema @param {Config} pinned @param {Config | null | undefined} current
 */
export function pinLabel(schema, pinned, current) {
  const diff = differences(schema, pinned, current);
  if (!diff.length) return "same set-up";
  const named = diff.slice(0, SHOWN).map((d) => `${d.name}: ${formatSetting(d.value)}`).join(", ");
  return diff.length > SHOWN ? `${named} and ${diff.length - SHOWN} more` : named;
}

/** The pinned runs, in the order pinned; each keeps a colour until unpinned. */
export class PinList {
  /** @param {number} [max] */
  constructor(max = MAX_PINS) {
    this.max = max;
    /** @type {Pin[]} */
    this.items = [];
    this.nextId = 1;
  }

  get full() {
    return this.items.length >= this.max;
  }

  /**
   * Pin `run` ({config, curve, ...}); null when full. Returns the pin with id and colour.
   * @param {PinnedRun} run
   * @returns {Pin | null}
   */
  add(run) {
    if (this.full) return null;
    const used = new Set(this.items.map((p) => p.color));
    const color = PIN_COLORS.find((c) => !used.has(c)) ?? PIN_COLORS[0];
    const pin = { ...run, id: this.nextId++, color };
    this.items.push(pin);
    return pin;
  }

  /** @param {number} id */
  remove(id) {
    const before = this.items.length;
    this.items = this.items.filter((p) => p.id !== id);
    return this.items.length !== before;
  }

  /** @param {number} id */
  get(id) {
    return this.items.find((p) => p.id === id) ?? null;
  }
}
