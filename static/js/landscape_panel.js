// @ts-check
// Loss landscape: the training loss on a plane through the current weights (random
// filter-normalised directions, or the trajectory's two main directions), drawn as a
// contour with the recorded training path projected onto it.

import { el } from "./dom.js";

/* global Plotly */

const PLOT_CONFIG = { displayModeBar: false, responsive: false };

/**
 * A `landscape_result` (docs/PROTOCOL.md): loss[i][j] at (alphas[j], betas[i]).
 * @typedef {{alphas: number[], betas: number[], loss: (number | null)[][], center_loss: number | null,
 *   directions: string, trajectory?: number[][] | null}} LandscapeResult
 */

export class LandscapePanel {
  /** @param {HTMLElement} root @param {{send: Send}} hooks */
  constructor(root, { send }) {
    this.send = send;
    root.classList.add("lab-panel");
    el("h2", { class: "column-title", text: "Loss landscape" }, root);
    const form = el("div", { class: "lab-form" }, root);
    const box = el("label", { class: "lab-field", for: "landscape-directions" }, form);
    el("span", { class: "caption", text: "Directions" }, box);
    this.directions = el("select", { id: "landscape-directions" }, box);
    for (const d of ["random", "trajectory"]) el("option", { value: d, text: d }, this.directions);
    this.button = el("button", { type: "button", id: "landscape-run", class: "text-button", text: "Show landscape" }, form);
    this.button.addEventListener("click", () => this.request());
    this.caption = el("p", { class: "caption", id: "landscape-caption", "aria-live": "polite" }, root);
    this.plot = el("div", {
      class: "landscape-plot", id: "landscape-plot", role: "img", "aria-label": "Loss landscape",
      "aria-describedby": "landscape-caption",
    }, root);
    this.drawn = 0;
  }

  request() {
    this.caption.textContent = "computing 41 × 41 losses…";
    this.send("landscape", { steps: 41, span: 1.0, directions: this.directions.value });
  }

  /** @param {string} message */
  onError(message) {
    this.caption.textContent = message;
  }

  /** @param {LandscapeResult} r */
  onResult(r) {
    /** @type {object[]} */
    const traces = [{
      type: "contour", x: r.alphas, y: r.betas, z: r.loss, ncontours: 24,
      colorscale: "Viridis", reversescale: true, contours: { coloring: "heatmap" },
      colorbar: { thickness: 8, tickfont: { size: 9 } }, name: "loss",
    }];
    if (Array.isArray(r.trajectory) && r.trajectory.length) {
      traces.push({
        type: "scatter", mode: "lines+markers", name: "path",
        x: r.trajectory.map((p) => p[0]), y: r.trajectory.map((p) => p[1]),
        line: { color: "#f59322", width: 2 }, marker: { size: 3, color: "#f59322" },
      });
    }
    traces.push({
      type: "scatter", mode: "markers", name: "now", x: [0], y: [0],
      marker: { size: 9, color: "#fff", line: { color: "#183d4e", width: 2 } },
    });
    Plotly.react(this.plot, traces, {
      width: 320, height: 280, margin: { l: 34, r: 8, t: 6, b: 28 }, showlegend: false,
      xaxis: { tickfont: { size: 9 }, range: [r.alphas[0], r.alphas[r.alphas.length - 1]] },
      yaxis: { tickfont: { size: 9 }, range: [r.betas[0], r.betas[r.betas.length - 1]] },
      paper_bgcolor: "rgba(0,0,0,0)",
    }, PLOT_CONFIG);
    const centre = r.center_loss === null ? "n/a" : r.center_loss.toFixed(4);
    this.caption.textContent = `${r.directions} directions · loss here ${centre}`;
    this.drawn += 1;
    this.plot.dataset.drawn = String(this.drawn);
  }
}
