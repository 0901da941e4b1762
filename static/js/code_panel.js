// @ts-check
// "Code": the run as one standalone script that trains it again from epoch 0 (the
// engine's export: NumPy, PyTorch or Keras; docs/EXPORT.md). The server writes the
// script (`code` -> `code`); this dialog shows it, downloads it and copies it.

import { el } from "./dom.js";

const TARGETS = [["numpy", "NumPy"], ["torch", "PyTorch"], ["keras", "Keras"]];

export class CodePanel {
  /**
   * @param {HTMLButtonElement} button the Runs row's "Code" button
   * @param {HTMLDialogElement} dialog
   * @param {{send: Send}} hooks
   */
  constructor(button, dialog, { send }) {
    this.send = send;
    this.dialog = dialog;
    /** @type {{target: string, name: string, script: string} | null} */
    this.answer = null; // the last `code` answer: {target, name, script}
    const head = el("div", { class: "code-head" }, dialog);
    el("h2", { class: "column-title", id: "code-title", text: "Code that trains this run again" }, head);
    const pick = el("label", { class: "code-target", for: "code-target" }, head);
    el("span", { class: "caption", text: "Library" }, pick);
    this.target = el("select", { id: "code-target" }, pick);
    for (const [value, label] of TARGETS) el("option", { value, text: label }, this.target);
    this.note = el("p", { class: "code-note", id: "code-note", role: "status" }, dialog);
    this.pre = el("pre", { class: "code-text", id: "code-text", tabindex: "0", "aria-label": "The script" }, dialog);
    const buttons = el("div", { class: "code-buttons" }, dialog);
    this.download = el("button", { type: "button", class: "text-button", id: "code-download", text: "Download" }, buttons);
    this.copy = el("button", { type: "button", class: "text-button", id: "code-copy", text: "Copy" }, buttons);
    const close = el("button", { type: "button", class: "text-button", id: "code-close", text: "Close" }, buttons);
    dialog.setAttribute("aria-labelledby", "code-title");
    button.addEventListener("click", () => this.open());
    this.target.addEventListener("change", () => this.ask());
    this.download.addEventListener("click", () => this.save());
    this.copy.addEventListener("click", () => this.copyText());
    close.addEventListener("click", () => dialog.close());
  }

  open() {
    if (!this.dialog.open) this.dialog.showModal();
    this.ask();
  }

  ask() {
    this.answer = null;
    this.pre.textContent = "";
    this.download.disabled = this.copy.disabled = true;
    const label = this.target.selectedOptions[0]?.textContent ?? this.target.value;
    this.note.textContent = this.send("code", { target: this.target.value })
      ? `Writing the ${label} script for the run as it is now…`
      : "Not connected: no script now.";
  }

  /**
   * The server's `code` answer (one for the target shown, else ignored).
   * @param {{target: string, name: string, script: string}} answer
   */
  onCode(answer) {
    if (answer.target !== this.target.value) return;
    this.answer = answer;
    this.pre.textContent = answer.script;
    this.download.disabled = this.copy.disabled = false;
    this.note.textContent = `${answer.name}: trains this run again with the same data, weights, `
      + "optimizer and mini-batch order (its first lines say from which epoch). Run it with python; "
      + "--json prints the loss at every epoch.";
  }

  /** @param {string} text */
  onError(text) {
    this.note.textContent = `No script: ${text}`;
  }

  save() {
    if (!this.answer) return;
    const url = URL.createObjectURL(new Blob([this.answer.script], { type: "text/x-python" }));
    const a = el("a", { href: url, download: this.answer.name });
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  }

  async copyText() {
    if (!this.answer) return;
    try {
      await navigator.clipboard.writeText(this.answer.script);
      this.note.textContent = "Copied.";
    } catch {
      this.note.textContent = "The browser would not copy: select the text and copy it yourself.";
    }
  }
}
