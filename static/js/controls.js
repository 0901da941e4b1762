// @ts-check
// Form controls built from the Config schema: each one a labelled <select>, <input>
// or checkbox whose choices and limits come from the schema, with an error slot
// beside it for the server's `error` events. A field the schema does not have is
// simply not shown.

import { formatNumber, ladder, niceStep, words } from "./schema.js";

/** @typedef {import("./schema.js").Schema} Schema */
/**
 * One control: its field, its kind, its elements, and how its menu entries read.
 * @typedef {{name: string, field: Field, kind: string, box: HTMLDivElement,
 *   input: HTMLInputElement | HTMLSelectElement, readout: HTMLSpanElement | null,
 *   error: HTMLSpanElement, zeroLabel?: string, format: (v: number) => string, text: string,
 *   reason?: HTMLSpanElement}} Control
 */

/**
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Record<string, string | number | null | undefined>} [attrs] null and undefined: left out
 * @param {Node | null} [parent]
 * @returns {HTMLElementTagNameMap[K]}
 */
function make(tag, attrs = {}, parent = null) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "text") e.textContent = v === undefined || v === null ? null : String(v);
    else if (v !== undefined && v !== null) e.setAttribute(k, String(v));
  }
  if (parent) parent.appendChild(e);
  return e;
}

// How a slider's value reads next to it.
/** @type {Record<string, (v: number, f: {max: number}) => string>} */
const SLIDER_TEXT = {
  // 100 % holds nothing out: say so, since the test loss is then not computed
  train_share: (v, f) => {
    const percent = Math.round(f.max <= 1 ? v * 100 : v);
    return percent === 100 ? "100% (no test set)" : `${percent}%`;
  },
  noise: (v, f) => (f.max <= 1 ? formatNumber(v, 3) : `${formatNumber(v, 3)}%`),
};

export class Controls {
  /** @param {Schema} schema @param {(name: string, value: ConfigValue) => void} onChange */
  constructor(schema, onChange) {
    this.schema = schema;
    this.onChange = onChange;
    /** @type {Map<string, Control>} */
    this.controls = new Map();
  }

  // kind: "select" | "ladder" | "values" | "slider" | "number" | "checkbox" | "auto".
  // A menu's entries read `format(v)`: by default the schema's words for a special
  // value (speed -1 "auto", 0 "max"), `zeroLabel` for 0, else the number.
  /**
   * @param {HTMLElement} container @param {string} name
   * @param {{kind?: string | null, label?: string, zeroLabel?: string, floor?: number, values?: number[],
   *          caption?: boolean, format?: (v: number) => string}} [opts]
   * @returns {Control | null}
   */
  add(container, name, { kind = "auto", label, zeroLabel, floor, values = [], caption = true, format } = {}) {
    const field = this.schema.field(name);
    if (!field || this.controls.has(name)) return null;
    if (kind === "auto") kind = autoKind(field);
    if (!kind) return null;
    const box = make("div", { class: `control control-${kind}`, "data-field": name }, container);
    const id = `ctl-${name}`;
    const text = label ?? field.label ?? words(name);
    const special = field.extra?.special ?? {};
    const menuText = format ?? ((/** @type {number} */ v) => special[String(v)]
      ?? (v === 0 && zeroLabel ? zeroLabel : formatNumber(v, 3)));
    /** @type {HTMLInputElement | HTMLSelectElement} */
    let input;
    /** @type {HTMLSpanElement | null} */
    let readout = null;
    if (kind === "checkbox") {
      const lab = make("label", { for: id, class: "check" }, box);
      input = make("input", { type: "checkbox", id, name }, lab);
      lab.append(` ${text}`);
    } else {
      make("label", { for: id, class: caption ? "caption" : "visually-hidden", text }, box);
      if (kind === "select") {
        input = make("select", { id, name }, box);
        for (const c of field.choices ?? []) make("option", { value: c, text: words(c) }, input);
      } else if (kind === "ladder" || kind === "values") {
        // A menu of values inside the schema's limits: a 1-3-10 ladder from `floor`
        // (0 stays available as its own entry), or the given `values`.
        const menu = make("select", { id, name, "data-ladder": "1" }, box);
        input = menu;
        // Number fields: the schema gives both limits.
        const min = /** @type {number} */ (field.min);
        const max = /** @type {number} */ (field.max);
        const list = kind === "values"
          ? values.filter((v) => v >= min && v <= max)
          : ladder(Math.max(min, floor ?? min), max);
        if (kind === "ladder" && field.min === 0) list.unshift(0);
        fillMenu(menu, list, menuText);
      } else if (kind === "slider") {
        const row = make("div", { class: "slider-row" }, box);
        const slider = make("input", {
          type: "range", id, name, min: field.min, max: field.max, step: niceStep(field),
        }, row);
        input = slider;
        // Not an <output>: that is a live region, which would read out every step of
        // a drag. The input's aria-valuetext carries the same words.
        readout = make("span", { class: "slider-value", "aria-hidden": "true" }, row);
        slider.addEventListener("input", () => this.showSliderText(control, Number(slider.value)));
      } else {
        input = make("input", {
          type: "number", id, name, min: field.min, max: field.max,
          step: field.type === "int" ? 1 : "any", inputmode: "decimal",
        }, box);
      }
    }
    const error = make("span", { class: "field-error", "data-error-for": name, role: "alert" }, box);
    /** @type {Control} */
    const control = { name, field, kind, box, input, readout, error, zeroLabel, format: menuText, text };
    // why the control is disabled, for a screen reader too (setEnabled)
    control.reason = make("span", { class: "visually-hidden", id: `${id}-why` }, box);
    input.setAttribute("aria-describedby", `${id}-why`);
    input.title = text;
    input.addEventListener("change", () => this.changed(control));
    this.controls.set(name, control);
    this.set(name, field.default);
    return control;
  }

  /** @param {string} name @param {number} v */
  sliderText(name, v) {
    const field = /** @type {{max: number}} */ (this.schema.field(name)); // a slider's, with its limits
    return (SLIDER_TEXT[name] ?? ((/** @type {number} */ x) => formatNumber(x, 3)))(v, field);
  }

  /** @param {Control} control @param {number} v */
  showSliderText(control, v) {
    const text = this.sliderText(control.name, v);
    if (control.readout) control.readout.textContent = text;
    control.input.setAttribute("aria-valuetext", text);
  }

  // Replace a menu's entries (e.g. batch sizes for a new training-set size), keeping
  // the current value shown.
  /** @param {string} name @param {number[]} values */
  setMenu(name, values) {
    const c = this.controls.get(name);
    const menu = c?.input;
    if (!c || !(menu instanceof HTMLSelectElement)) return;
    const min = /** @type {number} */ (c.field.min);
    const max = /** @type {number} */ (c.field.max);
    const list = values.filter((v) => v >= min && v <= max);
    const now = menu.value;
    const same = list.length === menu.options.length
      && list.every((v, i) => Number(menu.options[i].value) === v);
    if (same) return;
    menu.replaceChildren();
    fillMenu(menu, list, c.format);
    if (now !== "") this.set(name, Number(now));
  }

  // Disable the menu entries named in `reasons` ({value: why}), each with its reason as
  // a tooltip; enable the others.
  /** @param {string} name @param {Record<string, string>} reasons */
  setUnavailable(name, reasons) {
    const c = this.controls.get(name);
    if (!c || !(c.input instanceof HTMLSelectElement)) return;
    for (const o of c.input.options) {
      const why = reasons[o.value];
      o.disabled = Boolean(why) && o.value !== c.input.value;
      if (why) o.title = why;
      else o.removeAttribute("title");
    }
  }

  // A control that does nothing for the current set-up is disabled, saying why.
  /** @param {string} name @param {boolean} enabled @param {string} [reason] */
  setEnabled(name, enabled, reason = "") {
    const c = this.controls.get(name);
    if (!c) return;
    c.input.disabled = !enabled;
    c.box.classList.toggle("unused", !enabled);
    const tip = enabled ? c.text : `${c.text}: ${reason}`;
    c.input.title = tip;
    c.box.title = enabled ? "" : reason;
    if (c.reason) c.reason.textContent = enabled ? "" : reason;
  }

  /** @param {Control} control @returns {ConfigValue | undefined} */
  read(control) {
    const { input, field, kind } = control;
    if (kind === "checkbox") return /** @type {HTMLInputElement} */ (input).checked;
    if (field.type === "choice" || field.type === "choice_per_layer") return input.value;
    const text = input.value.trim();
    if (text === "") return undefined;
    const v = Number(text);
    if (!Number.isFinite(v)) return undefined;
    return field.type === "int" ? Math.round(v) : v;
  }

  /** @param {Control} control */
  changed(control) {
    const value = this.read(control);
    control.error.textContent = "";
    if (value === undefined) {
      control.error.textContent = "enter a number";
      return;
    }
    this.onChange(control.name, value);
  }

  /** @param {string} name */
  has(name) {
    return this.controls.has(name);
  }

  /** @param {string} name */
  get(name) {
    return this.controls.get(name);
  }

  // Show a value from the server. A ladder select gains an option for a value that is
  // not on its ladder (from a link, a preset), so it always shows the truth.
  /** @param {string} name @param {ConfigValue | undefined} value @param {{force?: boolean}} [opts] */
  set(name, value, { force = false } = {}) {
    const c = this.controls.get(name);
    if (!c || value === undefined) return;
    const { input, kind } = c;
    if (kind === "checkbox") {
      /** @type {HTMLInputElement} */ (input).checked = Boolean(value);
    } else if (input instanceof HTMLSelectElement && (kind === "ladder" || kind === "values")) {
      const text = String(value);
      if (![...input.options].some((o) => Number(o.value) === Number(value))) {
        const opt = make("option", { value: text, text: c.format(Number(value)) });
        const after = [...input.options].find((o) => o.dataset.special === undefined
          && Number(o.value) > Number(value));
        input.insertBefore(opt, after ?? null);
      }
      // The option is there: added just above when it was missing.
      const option = [...input.options].find((o) => Number(o.value) === Number(value));
      input.value = /** @type {HTMLOptionElement} */ (option).value;
    } else if (input instanceof HTMLSelectElement && c.field.type === "choice_per_layer") {
      showPerLayer(input, value);
    } else if (force || document.activeElement !== input || kind !== "number") {
      input.value = String(value);
    }
    if (c.readout) this.showSliderText(c, Number(value));
  }

  /** @param {Config} config */
  setAll(config) {
    for (const name of this.controls.keys()) this.set(name, config[name]);
  }

  /** @param {string} field @param {string} message */
  showError(field, message) {
    const c = this.controls.get(field);
    if (!c) return false;
    c.error.textContent = message;
    return true;
  }

  /** @param {string} field */
  clearError(field) {
    const c = this.controls.get(field);
    if (c) c.error.textContent = "";
  }

  clearErrors() {
    for (const c of this.controls.values()) c.error.textContent = "";
  }

  /** @param {string} name @param {boolean} visible */
  show(name, visible) {
    const c = this.controls.get(name);
    if (c) c.box.hidden = !visible;
  }

  names() {
    return [...this.controls.keys()];
  }
}

// Options of a value menu; a special value (the schema's words for it) is marked, so
// a value added later is placed among the numbers, not among the specials.
/** @param {HTMLSelectElement} select @param {number[]} values @param {(v: number) => string} text */
function fillMenu(select, values, text) {
  for (const v of values) {
    const o = make("option", { value: String(v), text: text(v) }, select);
    if (v < 0) o.dataset.special = "1";
  }
}

// An "all layers" menu (the hidden activation): one name shows as itself; a name per
// layer as an entry "per layer" that cannot be picked (picking a name sets every layer).
/** @param {HTMLSelectElement} select @param {ConfigValue} value */
function showPerLayer(select, value) {
  let mixed = /** @type {HTMLOptionElement | null} */ (select.querySelector("option[data-per-layer]"));
  if (Array.isArray(value)) {
    if (!mixed) {
      mixed = make("option", { value: "", text: "per layer", "data-per-layer": "1" }, select);
      mixed.disabled = true;
    }
    mixed.hidden = false;
    mixed.title = value.map((v) => words(String(v))).join(", ");
    select.value = "";
  } else {
    if (mixed) mixed.hidden = true;
    select.value = String(value);
  }
}

/** @param {Field} field */
function autoKind(field) {
  switch (field.type) {
    case "bool":
      return "checkbox";
    case "choice":
    case "choice_per_layer": // the menu sets every layer; the network view, each one
      return "select";
    case "int":
      return typeof field.min === "number" && typeof field.max === "number"
        && Number.isFinite(field.min) && Number.isFinite(field.max) && field.max - field.min <= 1000
        ? "slider"
        : "number";
    case "float":
      return "number";
    default:
      return null;
  }
}
