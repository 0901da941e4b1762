// @ts-check
// Wiring: builds the page from the schema, connects, and routes the server's events
// to the views. Each view lives in its own module; this file only connects them.

import { Connection } from "./connection.js";
import { Controls } from "./controls.js";
import { DatasetPicker } from "./datasets.js";
import { DiagnosticsPanel } from "./diagnostics_panel.js";
import { decodeFrame } from "./frame.js";
import { LabPanel } from "./lab_panel.js";
import { LandscapePanel } from "./landscape_panel.js";
import { LossChart } from "./loss_chart.js";
import { NetworkView } from "./network_view.js";
import { Presets } from "./presets.js";
import { Readouts } from "./readouts.js";
import { includes, Schema } from "./schema.js";
import { buildSettings, showSettingsFor } from "./settings.js";
import { Surface } from "./surface.js";

const SYNC_TIMEOUT_MS = 3000;

const $ = (id) => document.getElementById(id);
const schema = Schema.fromElement("schema");
const presetList = JSON.parse($("presets")?.textContent || "[]");

const page = {
  state: null, // the last `state` from the server
  synced: false, // the session holds the config the page asked for on connect
  wanted: null, // that config
  statesSinceConnect: 0,
  resumePlay: false, // playing when the connection dropped
  framesPainted: 0,
  lastFrame: null,
  firstFrame: null,
  rebuildFrame: null,
  errors: [],
  drawMs: null,
  idleClosed: false, // the server closed the session for silence: reconnect on a key or click
};

// ---- views ---------------------------------------------------------------------------

const readouts = new Readouts();
const surface = new Surface($("surface"), { size: Math.min($("surface").clientWidth || 300, 340) });
const lossChart = new LossChart($("loss-chart"), { width: Math.min($("loss-chart").clientWidth || 300, 340), height: 140 });
const controls = new Controls(schema, (name, value) => sendConfig({ [name]: value }));

buildSettings($("settings-top"), controls, schema);

// Switching between classification and regression changes the output (and loss)
// with the data set, since the engine refuses a sigmoid output on regression data and
// a linear one on classification data (the pairs: the schema's, engine PROBLEM_DEFAULTS).
const PROBLEM_DEFAULTS = schema.field("dataset")?.extra?.problem_defaults ?? {};

const picker = new DatasetPicker(
  $("datasets"),
  $("ctl-problem"),
  schema.field("dataset")?.choices ?? [],
  (name) => {
    const problem = picker.problemOf(name);
    const current = page.state ? picker.problemOf(page.state.config.dataset) : problem;
    sendConfig(problem === current ? { dataset: name } : { dataset: name, ...PROBLEM_DEFAULTS[problem] });
  },
  schema.field("dataset")?.extra?.regression ?? [],
);
picker.load().catch((err) => showStatus(`could not load the data sets: ${err.message}`));

const network = new NetworkView($("network"), {
  schema,
  tooltip: $("tooltip"),
  editor: $("weight-editor"),
  onFeatures: (features) => sendConfig({ features }),
  onHidden: (hidden) => sendConfig({ hidden }),
  onEdit: (payload) => connection.send("set_weight", payload),
  onHoverUnit: (u, label) => {
    $("surface-caption").textContent = u === null ? "" : `Showing ${label}`;
    surface.setUnit(u);
  },
});

new Presets(
  { presetList: $("preset-list"), scenarioList: $("scenario-list"), watch: $("watch") },
  presetList,
  (preset) => {
    // Always from epoch 0, even when the config is already the preset's.
    sendConfig(preset.config);
    control("reset");
    control("play");
  },
);

// ---- diagnostics, restart lab, loss landscape (docs/PAGE.md, "Lab panels") -----------

const send = (event, payload) => connection.send(event, payload);
const diagnostics = new DiagnosticsPanel($("diagnostics-panel"), {
  send, network, onSuggestion: (change) => sendConfig(change),
});
const lab = new LabPanel($("lab-panel"), {
  send,
  // The lab trained the session's config of its time with seeds seed, seed+1, ...:
  // that config with this seed, from epoch 0, for the lab's epochs is the same run.
  openSeed: (config, seed, epochs) => {
    sendConfig({ ...config, seed });
    control("reset");
    control("step", { epochs });
  },
});
const landscape = new LandscapePanel($("landscape-panel"), { send });

// ---- talking to the server -----------------------------------------------------------

function sendConfig(partial) {
  clearStatus();
  connection.send("config", partial);
}

function control(action, extra = {}) {
  connection.send("control", { action, ...extra });
}

// The defaults overridden by the URL hash; says which parts of the link it ignored.
function configFromUrl() {
  const { values, rejected } = schema.parseQuery(location.hash);
  if (rejected.length) showStatus(`ignored from the link: ${rejected.join(", ")}`);
  return schema.complete(values);
}

function applyUrl() {
  clearStatus();
  const config = configFromUrl();
  connection.send("config", config);
  return config;
}

function onConnect() {
  setConnection("connected", "connected");
  page.wanted = applyUrl();
  clearTimeout(page.syncTimer);
  page.syncTimer = setTimeout(() => markSynced(), SYNC_TIMEOUT_MS);
}

// The session now runs the page's config (or refused it and said why): from here on
// the URL follows the server, and frames may flow.
function markSynced() {
  if (page.synced) return;
  page.synced = true;
  clearTimeout(page.syncTimer);
  if (page.state) writeHash(page.state.query);
  connection.startCredits();
  if (page.resumePlay) control("play");
  page.resumePlay = false;
}

function onState(state) {
  page.state = state;
  page.statesSinceConnect += 1;
  const c = state.config;
  controls.setAll(c);
  showSettingsFor(controls, c, schema);
  network.setConfig(c, state.sizes);
  picker.setCurrent(c.dataset);
  setPlaying(state.status === "playing");
  if (state.epoch === 0 || !page.lastFrame) readouts.setEpoch(state.epoch);
  // The first state after connecting is the fresh session's default; the next one
  // answers the page's own config.
  if (!page.synced && ((page.wanted && includes(c, page.wanted)) || page.statesSinceConnect >= 2)) {
    markSynced();
  }
  else if (page.synced) writeHash(state.query);
}

function onError(err) {
  const { event, field, message } = err ?? {};
  page.errors.push({ event, field, message });
  const text = message ?? "error";
  if (field === "idle") {
    closedForSilence(text);
    return;
  }
  if (event === "lab") lab.onError();
  if (event === "landscape") landscape.onError(text);
  let shown = controls.showError(field, text);
  if (shown && page.state) controls.set(field, page.state.config[field], { force: true });
  if (!shown && (field === "hidden" || field === "features")) {
    network.showError(field, text);
    if (page.state) network.setConfig(page.state.config, page.state.sizes);
    shown = true;
  }
  if (!shown && field === "dataset") {
    showStatus(`dataset: ${text}`);
    shown = true;
  }
  if (!shown) showStatus(`${event ?? "server"}: ${text}`);
  if (!page.synced && event === "config") markSynced();
}

async function onFrame(raw) {
  const started = performance.now();
  const frame = decodeFrame(raw);
  if (frame.trainPoints) {
    surface.setPoints(frame.trainPoints, frame.testPoints ?? new Float32Array(0));
    page.rebuildFrame = Object.freeze({
      seq: frame.seq, epoch: frame.epoch, digest: frame.digest, sizes: frame.sizes.slice(),
    });
  }
  // Plotly first: it measures the page, best done before anything else moved.
  const drawn = surface.draw(frame);
  network.draw(frame, surface.colorDomain);
  readouts.update(frame);
  diagnostics.update(raw.diagnostics, frame.epoch);
  updateLegend();
  await Promise.all([drawn, lossChart.add(frame)]);
  page.framesPainted += 1;
  // Smoothed time to decode and draw one frame, for the benchmark.
  const took = performance.now() - started;
  page.drawMs = page.drawMs === null ? took : 0.9 * page.drawMs + 0.1 * took;
  const summary = Object.freeze({
    seq: frame.seq,
    epoch: frame.epoch,
    status: frame.status,
    sizes: frame.sizes.slice(),
    features: frame.features.slice(),
    trainLoss: frame.trainLoss,
    testLoss: frame.testLoss,
    trainAcc: frame.trainAcc,
    testAcc: frame.testAcc,
    grid: frame.grid,
    digest: frame.digest,
  });
  page.lastFrame = summary;
  if (!page.firstFrame) page.firstFrame = summary;
}

function updateLegend() {
  const [lo, hi] = surface.colorDomain;
  $("legend-lo").textContent = String(Number(lo.toPrecision(3)));
  $("legend-hi").textContent = String(Number(hi.toPrecision(3)));
}

const NO_WEBSOCKET =
  "This browser cannot open a WebSocket, which the playground needs to reach its server. " +
  "Please use a current browser.";
const WEBSOCKET_FAILED =
  "Could not open a WebSocket to the server: it may be down or restarting, or a proxy or " +
  "firewall may block WebSockets. Retrying…";

const connection = new Connection({
  onConnect,
  onState,
  onFrame,
  onError,
  onDisconnect: (reason) => {
    page.resumePlay = page.state?.status === "playing";
    page.synced = false;
    page.statesSinceConnect = 0;
    setConnection("reconnecting", "reconnecting…");
    setPlaying(false);
    lab.onConnectionLost();
    // The server hung up on purpose: Socket.IO will not retry by itself.
    if (reason === "io server disconnect" && !page.idleClosed) setTimeout(() => connection.socket.connect(), 1000);
    if (page.idleClosed) setConnection("refused", "closed: idle");
  },
  onReconnecting: (n) => setConnection("reconnecting", `reconnecting… (${n})`),
  onRefused: (message) => {
    if (message === "websocket error") {
      setConnection("refused", "cannot connect");
      showStatus(WEBSOCKET_FAILED);
    } else {
      setConnection("refused", message ? `refused: ${message}` : "cannot connect");
      if (message) showStatus(`connection: ${message}`);
    }
    if (!connection.socket.active) setTimeout(() => connection.socket.connect(), 5000);
  },
});

// The page reaches the server over WebSocket only (docs/PROTOCOL.md): say so plainly
// when it cannot open one, rather than "connecting…" for ever.
if (typeof WebSocket !== "function") {
  setConnection("refused", "no WebSocket");
  showStatus(NO_WEBSOCKET);
}

// The lab panels' answers (docs/PROTOCOL.md, last section).
for (const [name, fn] of Object.entries({
  lab_progress: (p) => lab.onProgress(p),
  lab_result: (r) => lab.onResult(r),
  gradcheck_result: (r) => diagnostics.showGradcheck(r),
  landscape_result: (r) => landscape.onResult(r),
})) connection.socket.on(name, fn);

// ---- URL hash ------------------------------------------------------------------------

function writeHash(query) {
  if (query === undefined || query === null) return;
  if (location.hash.replace(/^#/, "") === query) return;
  history.replaceState(null, "", query ? `#${query}` : location.pathname + location.search);
}

// A link pasted into this tab's address bar: apply it.
window.addEventListener("hashchange", () => applyUrl());

// ---- top bar -------------------------------------------------------------------------

function setPlaying(on) {
  const b = $("play");
  b.classList.toggle("playing", on);
  b.setAttribute("aria-pressed", String(on));
  b.setAttribute("aria-label", on ? "Pause" : "Play");
}

function togglePlay() {
  control(page.state?.status === "playing" ? "pause" : "play");
}

$("play").addEventListener("click", togglePlay);
$("step").addEventListener("click", () => control("step", { epochs: 1 }));
$("reset").addEventListener("click", () => control("reset"));
$("regenerate").addEventListener("click", () => control("regenerate"));

// Space plays and pauses, except where Space already means something.
document.addEventListener("keydown", (evt) => {
  if (evt.code !== "Space" && evt.key !== " ") return;
  if (evt.defaultPrevented || evt.altKey || evt.ctrlKey || evt.metaKey) return;
  const t = evt.target;
  const typing = t.closest?.(
    "input:not([type=range]), textarea, select, button, [contenteditable], [role=button], form",
  );
  if (typing) return;
  evt.preventDefault();
  togglePlay();
});

$("show-test").addEventListener("change", (e) => surface.setShowTest(e.target.checked));
$("discretize").addEventListener("change", (e) => surface.setDiscretize(e.target.checked));
$("log-scale").addEventListener("change", (e) => lossChart.setLogScale(e.target.checked));
$("show-acc").addEventListener("change", (e) => {
  document.querySelector(".output-column").classList.toggle("with-acc", e.target.checked);
  lossChart.setShowAcc(e.target.checked);
});

// ---- status --------------------------------------------------------------------------

// The server closes a session that sent nothing for a long time (docs/PROTOCOL.md):
// say so, and start a new one when the person comes back.
function closedForSilence(text) {
  page.idleClosed = true;
  showStatus(text);
  const back = () => {
    removeEventListener("keydown", back);
    removeEventListener("pointerdown", back);
    page.idleClosed = false;
    clearStatus();
    connection.socket.connect();
  };
  addEventListener("keydown", back);
  addEventListener("pointerdown", back);
}

function setConnection(state, text) {
  const el = $("connection");
  el.dataset.state = state;
  el.querySelector(".text").textContent = text;
}

function showStatus(text) {
  const el = $("status-line");
  el.textContent = text;
  el.hidden = false;
}

function clearStatus() {
  $("status-line").textContent = "";
  controls.clearErrors();
}

// ---- read-only hook for tests and benchmarks -----------------------------------------

window.playground = Object.freeze({
  get framesPainted() { return page.framesPainted; },
  get lastFrame() { return page.lastFrame; },
  get firstFrame() { return page.firstFrame; },
  get rebuildFrame() { return page.rebuildFrame; },
  get lastState() { return page.state ? JSON.parse(JSON.stringify(page.state)) : null; },
  get connected() { return connection.connected; },
  get synced() { return page.synced; },
  get lossPoints() { return lossChart.points; },
  get errors() { return page.errors.slice(); },
  get drawMs() { return page.drawMs; },
  get creditWaitMs() { return connection.waitMs; },
});
