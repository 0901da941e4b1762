// @ts-check
// The teacher's view of a class (docs/CLASS.md): the code, the join link with Copy and a
// QR code of it (drawn by the npm package `qrcode`, bundled: a QR code's Reed-Solomon
// coding and masking are not code to write by hand), the students' count and solved share
// (a live region: a screen reader hears the counts change), every student's loss curve
// overlaid thin on log axes like the main loss chart, the histogram of final losses,
// Push / Lock / End, and "show me the stuck ones": one student's decision surface,
// asked for with `show` and drawn by the page's own Surface from the `class_view`.
// What to draw comes from class_results.js (pure); this module owns the DOM and Plotly.

/* global Plotly */

import QRCode from "qrcode";

import { curveTraces, GROUP_COLORS, GROUP_WORDS, GROUPS, lossBins, solvedText, studentLabel,
  studentsByNeed, studentsText, stuckWords } from "./class_results.js";
import { joinUrl } from "./class_link.js";
import { byId } from "./dom.js";
import { decodeFrame } from "./frame.js";
import { decadeTicks, lossTick } from "./lab_panel.js";
import { Surface } from "./surface.js";

const PLOT_CONFIG = { displayModeBar: false, responsive: false };
const QR_PX = 168;
const FONT = { size: 10, color: "#666" };

/**
 * @typedef {{send: Send, setup: () => {config: Config, points: object | null} | null,
 *   describe: (config: Config) => string, end: () => void,
 *   load: (config: Config) => void}} TeacherHooks
 */

export class TeacherPanel {
  /** @param {TeacherHooks} hooks */
  constructor(hooks) {
    this.hooks = hooks;
    this.root = byId("class-teacher");
    this.code = byId("class-code");
    this.qr = byId("class-qr", HTMLCanvasElement);
    this.link = byId("class-link", HTMLInputElement);
    this.copied = byId("class-copied");
    this.counts = byId("class-counts");
    this.pushWhat = byId("class-push-what");
    this.seeds = byId("class-seeds", HTMLSelectElement);
    this.lossBelow = byId("class-loss-below", HTMLInputElement);
    this.lockButton = byId("class-lock", HTMLButtonElement);
    // The pushed set-up back on the teacher's own page (after trying something else, or
    // after a reload, which rejoins the class but starts the page afresh).
    this.loadButton = byId("class-load-pushed", HTMLButtonElement);
    this.loadButton.addEventListener("click", () => {
      if (this.state?.config) this.hooks.load(this.state.config);
    });
    this.curves = byId("class-curves");
    this.hist = byId("class-hist");
    this.student = byId("class-student", HTMLSelectElement);
    this.viewCaption = byId("class-view-caption");
    this.viewEl = byId("class-view");
    /** @type {Surface | null} made on the first view: Plotly runs only then */
    this.view = null;
    /** @type {ClassState | null} */
    this.state = null;
    this.qrUrl = "";
    this.countsText = "";
    this.pushed = ""; // the last push, to tell a new one
    this.pushText = "";
    byId("class-copy").addEventListener("click", () => this.copy());
    byId("class-push").addEventListener("click", () => this.push());
    byId("class-end").addEventListener("click", () => this.hooks.end());
    this.showButton = byId("class-show", HTMLButtonElement);
    this.showButton.addEventListener("click", () => this.askView());
    // The stuck view's surface takes its box's size (the stylesheet's: smaller on a
    // short screen), now and after a resize, as the main surface does.
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    let resizeTimer;
    window.addEventListener("resize", () => {
      clearTimeout(resizeTimer);
      resizeTimer = setTimeout(() => this.fitView(), 150);
    });
    this.lockButton.addEventListener("click", () => {
      this.hooks.send("class", { action: "lock", lock: !this.state?.locked });
    });
  }

  get shown() {
    return !this.root.hidden;
  }

  /** @param {ClassState} state */
  show(state) {
    const first = !this.shown;
    this.state = state;
    this.root.hidden = false;
    this.code.textContent = state.code;
    const url = joinUrl(location.origin, location.pathname, state.code);
    if (url !== this.qrUrl) {
      this.qrUrl = url;
      this.link.value = url;
      QRCode.toCanvas(this.qr, url, { width: QR_PX, margin: 2, errorCorrectionLevel: "M" })
        .catch((/** @type {Error} */ err) => { this.copied.textContent = `no QR code: ${err.message}`; });
    }
    const results = state.results ?? [];
    const text = `${studentsText(state.students ?? 0, state.class_size)} · ${solvedText(state.solved)}`;
    // Only a change is announced (the state comes twice a second while they train).
    if (text !== this.countsText) this.counts.textContent = this.countsText = text;
    this.lockButton.setAttribute("aria-pressed", String(state.locked));
    this.lockButton.textContent = state.locked ? "Unlock their set-up" : "Lock their set-up";
    const what = state.config
      ? `Pushed: ${this.hooks.describe(state.config)}, ${state.seeds === "each" ? "each their own seed" : "the same seed"}`
        + `${state.locked ? ", set-up locked" : ""}.`
      : "Set up the network below, then push it to every student.";
    // Written when it changes, so a refused push's reason (actionError) stays until then.
    if (what !== this.pushText) {
      this.pushText = what;
      this.pushWhat.textContent = what;
      this.pushWhat.classList.remove("error");
    }
    this.loadButton.hidden = !state.config;
    // A new push: the student shown belongs to the last one.
    const pushed = JSON.stringify([state.config, state.seeds]);
    if (pushed !== this.pushed) {
      this.pushed = pushed;
      this.viewEl.hidden = true;
      this.viewCaption.textContent = "";
    }
    this.drawCurves(results);
    this.drawHistogram(results);
    this.listStudents(results);
    if (first) this.root.scrollIntoView({ block: "nearest" });
  }

  hide() {
    this.root.hidden = true;
    this.state = null;
    this.qrUrl = "";
    this.countsText = "";
    this.pushed = "";
    this.pushText = "";
    this.viewCaption.textContent = "";
    this.viewEl.hidden = true;
  }

  push() {
    const setup = this.hooks.setup();
    if (!setup) return;
    const text = this.lossBelow.value.trim();
    /** @type {Record<string, unknown>} */
    const payload = {
      action: "push", config: setup.config, seeds: this.seeds.value,
      lock: Boolean(this.state?.locked), loss_below: text === "" ? null : Number(text),
    };
    if (setup.points) payload.points = setup.points;
    this.hooks.send("class", payload);
  }

  async copy() {
    const url = this.link.value;
    try {
      await navigator.clipboard.writeText(url);
    } catch {
      // No clipboard API off https and localhost (a class on a LAN address): select it,
      // and the browser's own copy does it.
      this.link.select();
      document.execCommand("copy");
    }
    this.copied.textContent = "Link copied";
  }

  askView() {
    const student = this.student.value;
    if (!student) return;
    this.viewCaption.textContent = `Asking for ${student}'s run…`;
    this.hooks.send("class", { action: "show", student });
  }

  /** @param {ClassView} v */
  showView(v) {
    const raw = /** @type {RawFrame} */ ({
      seq: 0, epoch: v.epoch, status: "paused", sizes: v.sizes, features: [], train_loss: v.loss,
      test_loss: null, train_acc: null, test_acc: null, history: null, domain: v.domain,
      grid: v.grid, classes: v.classes, surface: v.surface, surface_range: v.surface_range,
      thumb: 0, neurons: null, neuron_ranges: null, weights: null, train_points: v.train_points,
      test_points: null,
    });
    const frame = decodeFrame(raw);
    this.viewEl.hidden = false;
    this.view ??= new Surface(this.viewEl, { size: this.viewEl.clientWidth || 240 });
    this.fitView();
    // setPoints takes the colours' domain from the labels, as the student's page does.
    this.view.setPoints(frame.trainPoints ?? new Float32Array(0), new Float32Array(0), frame.classes);
    this.view.draw(frame);
    const how = v.solved ? "solved" : v.stuck ? `stuck: ${stuckWords(v.stuck)}` : "not solved yet";
    const loss = v.loss === null ? "no loss" : `loss ${v.loss.toPrecision(3)}`;
    this.viewCaption.textContent = `${v.student}, ${how}, ${loss} at epoch ${v.epoch} (seed ${v.config.seed}).`;
  }

  fitView() {
    const size = this.viewEl.clientWidth;
    if (this.view && size && size !== this.view.size) this.view.resize(size);
  }

  // The server refused a push, a lock or an end: say why under the buttons.
  /** @param {string} message */
  actionError(message) {
    this.pushWhat.textContent = message;
    this.pushWhat.classList.add("error");
  }

  /** @param {string} message */
  viewError(message) {
    this.viewCaption.textContent = message;
  }

  /** @param {ClassResult[]} results */
  listStudents(results) {
    const chosen = this.student.value;
    const sorted = studentsByNeed(results);
    const labels = sorted.map(studentLabel);
    const same = this.student.options.length === labels.length
      && labels.every((l, i) => this.student.options[i].textContent === l);
    if (same) return;
    this.student.replaceChildren(...sorted.map((r, i) => new Option(labels[i], r.pseudonym)));
    this.showButton.disabled = !sorted.length;
    if (sorted.some((r) => r.pseudonym === chosen)) this.student.value = chosen;
  }

  /** @param {ClassResult[]} results */
  drawCurves(results) {
    const traces = curveTraces(results);
    const any = traces.some((t) => t.x.length);
    // As the main loss chart's: log epochs and log loss, powers of ten written as such.
    const axis = {
      type: "log", fixedrange: true, zeroline: false, tickfont: FONT, linecolor: "#bbb",
      exponentformat: "power", gridcolor: "#eee",
    };
    Plotly.react(this.curves, traces, {
      width: this.curves.clientWidth || 420, height: this.curves.clientHeight || 200,
      margin: { l: 44, r: 8, t: 6, b: 30 }, showlegend: any,
      legend: { font: FONT, orientation: "h", x: 0, y: 1.12 },
      xaxis: { ...axis, title: { text: "epoch (log)", font: FONT, standoff: 2 }, showgrid: false, visible: any },
      yaxis: { ...axis, title: { text: "training loss", font: FONT }, visible: any },
      annotations: any ? [] : [{
        text: "Each student's loss will be drawn here as they train.", showarrow: false,
        xref: "paper", yref: "paper", x: 0.5, y: 0.5, font: { size: 12, color: "#666" },
      }],
      paper_bgcolor: "rgba(0,0,0,0)", plot_bgcolor: "#fff",
    }, PLOT_CONFIG);
  }

  /** @param {ClassResult[]} results */
  drawHistogram(results) {
    const bins = lossBins(results);
    const traces = GROUPS.map((g) => ({
      type: "bar", name: GROUP_WORDS[g], x: bins.x, y: bins.counts[g],
      marker: { color: GROUP_COLORS[g] }, width: 0.23,
      hovertemplate: `%{y} ${GROUP_WORDS[g]}<extra></extra>`,
    }));
    const ticks = bins.x.length ? decadeTicks(bins.x[0] - 0.125, bins.x[bins.x.length - 1] + 0.125) : [];
    Plotly.react(this.hist, traces, {
      width: this.hist.clientWidth || 300, height: this.hist.clientHeight || 200,
      barmode: "stack", showlegend: false, margin: { l: 30, r: 8, t: 6, b: 30 },
      xaxis: { title: { text: "final training loss", font: FONT }, tickfont: FONT, fixedrange: true,
        tickvals: ticks, ticktext: ticks.map(lossTick), visible: bins.x.length > 0 },
      yaxis: { tickfont: FONT, fixedrange: true, dtick: 1, visible: bins.x.length > 0 },
      paper_bgcolor: "rgba(0,0,0,0)", plot_bgcolor: "#fff",
    }, PLOT_CONFIG);
  }
}
