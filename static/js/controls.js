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
  batch_size: (v) => (v === 0 ? "full batch" : String(v)),
  speed: (v) => (v === 0 ? "max" : `${v}/s`),
};

export class Controls {
  constructor(schema, onChange) {
    this.schema = schema;
    this.onChange = onChange;
    this.controls = new Map();
  }

  // kind: "select" | "ladder" | "values" | "slider" | "number" | "checkbox" | "auto"
  add(container, name, { kind = "auto", label, zeroLabel, floor, values = [], caption = true } = {}) {
    const field = this.schema.field(name);
    if (!field || this.controls.has(name)) return null;
    if (kind === "auto") kind = autoKind(field);
    if (!kind) return null;
    const box = make("div", { class: `control control-${kind}`, "data-field": name }, container);
    const id = `ctl-${name}`;
    const text = label ?? field.label ?? words(name);
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
        for (const v of list) {
          make("option", { value: String(v), text: v === 0 && zeroLabel ? zeroLabel : formatNumber(v, 3) }, input);
        }
      } else if (kind === "slider") {
        const row = make("div", { class: "slider-row" }, box);
        input = make("input", {
          type: "range", id, name, min: field.min, max: field.max, step: niceStep(field),
        }, row);
        readout = make("output", { for: id, class: "slider-value" }, row);
        input.addEventListener("input", () => {
          readout.textContent = this.sliderText(name, Number(input.value));
        });
      } else {
        input = make("input", {
          type: "number", id, name, min: field.min, max: field.max,
          step: field.type === "int" ? 1 : "any", inputmode: "decimal",
        }, box);
      }
    }
    const error = make("span", { class: "field-error", "data-error-for": name, role: "alert" }, box);
    const control = { name, field, kind, box, input, readout, error, zeroLabel };
    input.title = field.label ?? text;
    input.addEventListener("change", () => this.changed(control));
    this.controls.set(name, control);
    this.set(name, field.default);
    return control;
  }

  sliderText(name, v) {
    return (SLIDER_TEXT[name] ?? ((x) => formatNumber(x, 3)))(v, this.schema.field(name));
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
        const opt = make("option", { value: text, text: value === 0 && c.zeroLabel ? c.zeroLabel : formatNumber(value, 4) });
        const after = [...input.options].find((o) => Number(o.value) > Number(value));
        input.insertBefore(opt, after ?? null);
      }
      input.value = [...input.options].find((o) => Number(o.value) === Number(value)).value;
    } else if (force || document.activeElement !== input || kind !== "number") {
      input.value = String(value);
    }
    if (c.readout) c.readout.textContent = this.sliderText(name, Number(value));
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
