// @ts-check
// Reading and editing one parameter of the network diagram: a tooltip on hover or
// focus ("Weight X₁ → L1·2: 0.532"), and on click or Enter a small form whose value
// goes to the server as `set_weight` (docs/PROTOCOL.md). The form stays open until the
// server answers: its `state` closes it (confirm()), its `error` (a value out of range)
// shows under the field (showError()). Escape cancels.

import { find } from "./dom.js";
import { formatNumber } from "./schema.js";

/**
 * One parameter of the diagram: a weight W[layer][i, j] from unit `from` to unit `to`,
 * or the bias i of layer `layer`'s next units; value null until a frame gives it.
 * @typedef {{kind: "weight" | "bias", layer: number, i: number, j?: number, from?: string,
 *   to: string, value: number | null, hover?: boolean}} Param
 */

export class LinkEditor {
  // body: the element the anchors are relative to; tooltip: the shared tooltip;
  // form: the #weight-editor form; onEdit(payload) sends the edit.
  // canEdit(): false while the server is offline (an edit would be lost).
  /**
   * @param {{body: HTMLElement, tooltip: HTMLElement, form: HTMLFormElement,
   *   onEdit: (payload: object) => void, canEdit?: () => boolean}} parts
   */
  constructor({ body, tooltip, form, onEdit, canEdit = () => true }) {
    this.body = body;
    this.tooltip = tooltip;
    this.form = form;
    this.onEdit = onEdit;
    this.canEdit = canEdit;
    this.pending = false; // a value was sent and the server has not answered
    /** @type {(() => void) | null} */
    this.closeForm = null;
  }

  get isOpen() {
    return !this.form.hidden;
  }

  close() {
    this.closeForm?.();
  }

  // The server accepted the edit.
  confirm() {
    if (this.pending) this.close();
  }

  // The server refused it: say why at the field, keep the form open.
  /** @param {string} message */
  showError(message) {
    if (!this.isOpen) return false;
    this.pending = false;
    find(this.form, ".field-error").textContent = message;
    const input = find(this.form, "input", HTMLInputElement);
    input.setAttribute("aria-invalid", "true");
    input.focus();
    return true;
  }

  /** @param {Param} item */
  describe(item) {
    const what = item.kind === "weight"
      ? `Weight ${item.from} → ${item.to}`
      : `Bias of ${item.to}`;
    return `${what}: ${item.value === null ? "–" : formatNumber(item.value, 4)}`;
  }

  /**
   * @param {HTMLElement | SVGElement} target @param {Param} item
   * @param {() => {x: number, y: number}} anchor where the form opens, in the body's box
   */
  bind(target, item, anchor) {
    const tip = this.tooltip;
    const show = (/** @type {Event | null} */ evt) => {
      tip.textContent = `${this.describe(item)} · click to edit`;
      tip.hidden = false;
      const box = this.body.getBoundingClientRect();
      const at = evt instanceof MouseEvent
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
    const edit = (/** @type {Event} */ evt) => {
      evt.preventDefault();
      hide();
      if (!this.canEdit()) return;
      const box = this.body.getBoundingClientRect();
      const a = anchor();
      this.open(item, box.left + a.x + window.scrollX, box.top + a.y + window.scrollY, target);
    };
    target.addEventListener("click", edit);
    target.addEventListener("keydown", (evt) => {
      if (evt instanceof KeyboardEvent && (evt.key === "Enter" || evt.key === " ")) edit(evt);
    });
  }

  /**
   * @param {Param} item @param {number} x @param {number} y
   * @param {HTMLElement | SVGElement} returnFocus where focus goes back when the form closes
   */
  open(item, x, y, returnFocus) {
    const form = this.form;
    const input = find(form, "input", HTMLInputElement);
    const label = find(form, "label");
    const error = find(form, ".field-error");
    label.textContent = item.kind === "weight" ? `Weight ${item.from} → ${item.to}` : `Bias of ${item.to}`;
    input.value = item.value === null ? "" : String(Number(item.value.toPrecision(6)));
    error.textContent = "";
    input.removeAttribute("aria-invalid");
    this.pending = false;
    form.hidden = false;
    form.style.left = `${x}px`;
    form.style.top = `${y}px`;
    input.focus();
    input.select();
    const close = () => {
      form.hidden = true;
      this.pending = false;
      this.closeForm = null;
      form.onsubmit = null;
      form.onkeydown = null;
      find(form, "#weight-cancel").onclick = null;
      if (returnFocus?.isConnected) returnFocus.focus();
    };
    this.closeForm = close;
    form.onsubmit = (evt) => {
      evt.preventDefault();
      const value = Number(input.value);
      if (input.value.trim() === "" || !Number.isFinite(value)) {
        error.textContent = "a finite number, please";
        input.setAttribute("aria-invalid", "true");
        return;
      }
      if (!this.canEdit()) {
        error.textContent = "the server is offline: the edit would be lost";
        return;
      }
      const payload = item.kind === "weight"
        ? { kind: "weight", layer: item.layer, i: item.i, j: item.j, value }
        : { kind: "bias", layer: item.layer, i: item.i, value };
      error.textContent = "";
      input.removeAttribute("aria-invalid");
      this.pending = true;
      this.onEdit(payload); // the server's answer closes the form or shows its error
    };
    form.onkeydown = (evt) => {
      if (evt.key === "Escape") close();
    };
    find(form, "#weight-cancel").onclick = close;
  }
}
