// @ts-check
// Reading and editing one parameter of the network diagram: a tooltip on hover or
// focus ("Weight X₁ → L1·2: 0.532"), and on click or Enter a small form whose value
// goes to the server as `set_weight` (docs/PROTOCOL.md). Escape cancels.

import { formatNumber } from "./schema.js";

export class LinkEditor {
  // body: the element the anchors are relative to; tooltip: the shared tooltip;
  // form: the #weight-editor form; onEdit(payload) sends the edit.
  constructor({ body, tooltip, form, onEdit }) {
    this.body = body;
    this.tooltip = tooltip;
    this.form = form;
    this.onEdit = onEdit;
  }

  describe(item) {
    const what = item.kind === "weight"
      ? `Weight ${item.from} → ${item.to}`
      : `Bias of ${item.to}`;
    return `${what}: ${item.value === null ? "–" : formatNumber(item.value, 4)}`;
  }

  bind(target, item, anchor) {
    const tip = this.tooltip;
    const show = (evt) => {
      tip.textContent = `${this.describe(item)} · click to edit`;
      tip.hidden = false;
      const box = this.body.getBoundingClientRect();
      const at = evt && evt.clientX !== undefined
        ? { x: evt.clientX, y: evt.clientY }
        : { x: box.left + anchor().x, y: box.top + anchor().y };
      tip.style.left = `${at.x + window.scrollX + 12}px`;
      tip.style.top = `${at.y + window.scrollY + 12}px`;
      item.hover = true;
    };
    const hide = () => {
      tip.hidden = true;
      item.hover = false;
    };
    target.addEventListener("mouseenter", show);
    target.addEventListener("mousemove", show);
    target.addEventListener("mouseleave", hide);
    target.addEventListener("focus", () => show(null));
    target.addEventListener("blur", hide);
    const edit = (evt) => {
      evt.preventDefault();
      hide();
      const box = this.body.getBoundingClientRect();
      const a = anchor();
      this.open(item, box.left + a.x + window.scrollX, box.top + a.y + window.scrollY, target);
    };
    target.addEventListener("click", edit);
    target.addEventListener("keydown", (evt) => {
      if (evt.key === "Enter" || evt.key === " ") edit(evt);
    });
  }

  open(item, x, y, returnFocus) {
    const form = this.form;
    const input = form.querySelector("input");
    const label = form.querySelector("label");
    const error = form.querySelector(".field-error");
    label.textContent = item.kind === "weight" ? `Weight ${item.from} → ${item.to}` : `Bias of ${item.to}`;
    input.value = item.value === null ? "" : Number(item.value.toPrecision(6));
    error.textContent = "";
    form.hidden = false;
    form.style.left = `${x}px`;
    form.style.top = `${y}px`;
    input.focus();
    input.select();
    const close = () => {
      form.hidden = true;
      form.onsubmit = null;
      form.onkeydown = null;
      form.querySelector("#weight-cancel").onclick = null;
      returnFocus?.focus?.();
    };
    form.onsubmit = (evt) => {
      evt.preventDefault();
      const value = Number(input.value);
      if (input.value.trim() === "" || !Number.isFinite(value)) {
        error.textContent = "a finite number, please";
        return;
      }
      const payload = item.kind === "weight"
        ? { kind: "weight", layer: item.layer, i: item.i, j: item.j, value }
        : { kind: "bias", layer: item.layer, i: item.i, value };
      this.onEdit(payload);
      close();
    };
    form.onkeydown = (evt) => {
      if (evt.key === "Escape") close();
    };
    form.querySelector("#weight-cancel").onclick = close;
  }
}
