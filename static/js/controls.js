// @ts-check
// Form controls built from the Config schema: each one a labelled <select>, <input>
// or checkbox whose choices and limits come from the schema, with an error slot
// beside it for the server's `error` events. A field the schema does not have is
// simply not shown.

import { formatNumber, ladder, niceStep, words } from "./schema.js";

function make(tag, attrs = {}, parent = null) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "text") e.textContent = v;
    else if (v !== undefined && v !== null) e.setAttribute(k, v);
  }
  if (parent) parent.appendChild(e);
  return e;
}

// How a slider's value reads next to it.
const SLIDER_TEXT = {
  train_share: (v, f) => `${Math.round(f.max <= 1 ? v * 100 : v)}%`,
  noise: (v, f) => (f.max <= 1 ? formatNumber(v, 3) : `${formatNumber(v, 3)}%`),
};

export class Controls {
  constructor(schema, onChange) {
    this.schema = schema;
    this.onChange = onChange;
    this.controls = new Map();
  }

  // kind: "select" | "ladder" | "values" | "slider" | "number" | "checkbox" | "auto".
  // A menu's entries read `format(v)`: by default the schema's words for a special
  // value (speed -1 "auto", 0 "max"), `zeroLabel` for 0, else the number.
  /**
   * @param {HTMLElement} container @param {string} name
   * @param {{kind?: string, label?: string, zeroLabel?: string, floor?: number, values?: number[],
   *          caption?: boolean, format?: (v: number) => string}} [opts]
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
    const menuText = format ?? ((v) => special[String(v)]
      ?? (v === 0 && zeroLabel ? zeroLabel : formatNumber(v, 3)));
    let input;
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
        input = make("select", { id, name, "data-ladder": "1" }, box);
        const list = kind === "values"
          ? values.filter((v) => v >= field.min && v <= field.max)
          : ladder(Math.max(field.min, floor ?? field.min), field.max);
        if (kind === "ladder" && field.min === 0) list.unshift(0);
        fillMenu(input, list, menuText);
      } else if (kind === "slider") {
        const row = make("div", { class: "slider-row" }, box);
        input = make("input", {
          type: "range", id, name, min: field.min, max: field.max, step: niceStep(field),
        }, row);
        // Not an <output>: that is a live region, which would read out every step of
        // a drag. The input's aria-valuetext carries the same words.
        readout = make("span", { class: "slider-value", "aria-hidden": "true" }, row);
        input.addEventListener("input", () => this.showSliderText(control, Number(input.value)));
      } else {
        input = make("input", {
          type: "number", id, name, min: field.min, max: field.max,
          step: field.type === "int" ? 1 : "any", inputmode: "decimal",
        }, box);
      }
    }
    const error = make("span", { class: "field-error", "data-error-for": name, role: "alert" }, box);
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

  sliderText(name, v) {
    return (SLIDER_TEXT[name] ?? ((x) => formatNumber(x, 3)))(v, this.schema.field(name));
  }

  showSliderText(control, v) {
    const text = this.sliderText(control.name, v);
    control.readout.textContent = text;
    control.input.setAttribute("aria-valuetext", text);
  }

  // Replace a menu's entries (e.g. batch sizes for a new training-set size), keeping
  // the current value shown.
  setMenu(name, values) {
    const c = this.controls.get(name);
    if (!c || c.input.tagName !== "SELECT") return;
    const list = values.filter((v) => v >= c.field.min && v <= c.field.max);
    const now = c.input.value;
    const same = list.length === c.input.options.length
      && list.every((v, i) => Number(c.input.options[i].value) === v);
    if (same) return;
    c.input.replaceChildren();
    fillMenu(c.input, list, c.format);
    if (now !== "") this.set(name, Number(now));
  }

  // Disable the menu entries named in `reasons` ({value: why}), each with its reason as
  // a tooltip; enable the others.
  setUnavailable(name, reasons) {
    const c = this.controls.get(name);
    if (!c || c.input.tagName !== "SELECT") return;
    for (const o of c.input.options) {
      const why = reasons[o.value];
      o.disabled = Boolean(why) && o.value !== c.input.value;
      if (why) o.title = why;
      else o.removeAttribute("title");
    }
  }

  // A control that does nothing for the current set-up is disabled, saying why.
  setEnabled(name, enabled, reason = "") {
    const c = this.controls.get(name);
    if (!c) return;
    c.input.disabled = !enabled;
    c.box.classList.toggle("unused", !enabled);
    const tip = enabled ? c.text : `${c.text}: ${reason}`;
    c.input.title = tip;
    c.box.title = enabled ? "" : reason;
    c.reason.textContent = enabled ? "" : reason;
  }

  read(control) {
    const { input, field, kind } = control;
    if (kind === "checkbox") return input.checked;
    if (field.type === "choice") return input.value;
    const text = input.value.trim();
    if (text === "") return undefined;
    const v = Number(text);
    if (!Number.isFinite(v)) return undefined;
    return field.type === "int" ? Math.round(v) : v;
  }

  changed(control) {
    const value = this.read(control);
    control.error.textContent = "";
    if (value === undefined) {
      control.error.textContent = "enter a number";
      return;
    }
    this.onChange(control.name, value);
  }

  has(name) {
    return this.controls.has(name);
  }

  get(name) {
    return this.controls.get(name);
  }

  // Show a value from the server. A ladder select gains an option for a value that is
  // not on its ladder (from a link, a preset), so it always shows the truth.
  set(name, value, { force = false } = {}) {
    const c = this.controls.get(name);
    if (!c || value === undefined) return;
    const { input, kind } = c;
    if (kind === "checkbox") {
      input.checked = Boolean(value);
    } else if (kind === "ladder" || kind === "values") {
      const text = String(value);
      if (![...input.options].some((o) => Number(o.value) === Number(value))) {
        const opt = make("option", { value: text, text: c.format(Number(value)) });
        const after = [...input.options].find((o) => o.dataset.special === undefined
          && Number(o.value) > Number(value));
        input.insertBefore(opt, after ?? null);
      }
      input.value = [...input.options].find((o) => Number(o.value) === Number(value)).value;
    } else if (force || document.activeElement !== input || kind !== "number") {
      input.value = String(value);
    }
    if (c.readout) this.showSliderText(c, Number(value));
  }

  setAll(config) {
    for (const name of this.controls.keys()) this.set(name, config[name]);
  }

  showError(field, message) {
    const c = this.controls.get(field);
    if (!c) return false;
    c.error.textContent = message;
    return true;
  }

  clearError(field) {
    const c = this.controls.get(field);
    if (c) c.error.textContent = "";
  }

  clearErrors() {
    for (const c of this.controls.values()) c.error.textContent = "";
  }

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
function fillMenu(select, values, text) {
  for (const v of values) {
    const o = make("option", { value: String(v), text: text(v) }, select);
    if (v < 0) o.dataset.special = "1";
  }
}

function autoKind(field) {
  switch (field.type) {
    case "bool":
      return "checkbox";
    case "choice":
      return "select";
    case "int":
      return Number.isFinite(field.min) && Number.isFinite(field.max) && field.max - field.min <= 1000
        ? "slider"
        : "number";
    case "float":
      return "number";
    default:
      return null;
  }
}
