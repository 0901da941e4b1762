// @ts-check
// Wiring: builds the page from the schema, connects, and routes the server's events
// to the views. Each view lives in its own module; this file only connects them and
// owns the one `page` record (what the page asked for, what the server runs).

import { ClassMode, takeClassLink } from "./class_mode.js";
import { legendRows } from "./class_surface.js";
import { CodePanel } from "./code_panel.js";
import { Connection } from "./connection.js";
import { Controls } from "./controls.js";
import { linkNote, takeDigest, withDigest } from "./data_link.js";
import { DataPanel, framePoints } from "./data_panel.js";
import { csvPayload } from "./drawing.js";
import { DatasetPicker } from "./datasets.js";
import { DiagnosticsPanel } from "./diagnostics_panel.js";
import { byId, find } from "./dom.js";
import { decodeAttachments } from "./first_paint.js";
import { decodeFrame } from "./frame.js";
import { LabPanel } from "./lab_panel.js";
import { loadLateScripts } from "./late_scripts.js";
import { PhasePanel } from "./phase_panel.js";
import { LandscapePanel } from "./landscape_panel.js";
import { LossChart } from "./loss_chart.js";
import { NetworkView } from "./network_view.js";
import { Presets } from "./presets.js";
import { Readouts } from "./readouts.js";
import { Resume } from "./resume.js";
import { RunsPanel } from "./runs_panel.js";
import { humanize, includes, Schema } from "./schema.js";
import { buildSettings, describeChange, showSettingsFor } from "./settings.js";
import { batchSizes, coherentChange, datasetChange, holdsSetup, problemOf, unavailableOptions } from "./setup.js";
import { Surface } from "./surface.js";
import { Timeline } from "./timeline.js";
import { joinHash, splitHash, VIEW_DEFAULTS } from "./view.js";

/** @typedef {import("./view.js").View} View */
/**
 * What the test hook shows of a painted frame.
 * @typedef {{seq: number, epoch: number, status: string, sizes: number[], features: string[],
 *   trainLoss: number | null, testLoss: number | null, trainAcc: number | null,
 *   testAcc: number | null, grid: number, classes: number | null, surfaceEpoch: number | null,
 *   digest: string}} FrameSummary
 */

const SYNC_TIMEOUT_MS = 3000;
const SUMMARY_MS = 1000; // the charts' text summaries follow at most this often
const DATA_FIELDS = ["n_points", "train_share", "data_seed", "xor4_sample"];

// An element the page must have (of a type, where it matters): dom.js byId.
const $ = byId;
const schema = Schema.fromElement("schema");
/** @type {Preset[]} */
const presetList = JSON.parse(document.getElementById("presets")?.textContent || "[]");
// A class's join link (#class=CODE) leaves the address bar before the set-up is read
// from it (class_mode.js).
const classLink = takeClassLink();

/**
 * @type {{state: State | null, synced: boolean, wanted: Config | null, statesSinceConnect: number,
 *   wantPlaying: boolean | null, view: View, sent: Config | null, framesPainted: number,
 *   lastFrame: Readonly<FrameSummary> | null, firstFrame: Readonly<FrameSummary> | null,
 *   firstFrameMs: number | null, firstPaint: Readonly<{ms: number, digest: string}> | null,
 *   rebuildFrame: Readonly<{seq: number, epoch: number, digest: string, sizes: number[]}> | null,
 *   errors: Partial<ServerError>[], drawMs: number | null, summaryAt: number, idleClosed: boolean,
 *   classes: number | null, linkDigest: string | null, shareDue: boolean,
 *   syncTimer?: ReturnType<typeof setTimeout>}}
 */
const page = {
  state: null, // the last `state` from the server
  synced: false, // the session holds the config the page asked for on connect
  wanted: null, // that config
  statesSinceConnect: 0,
  // Play or pause asked for while the session is not synced (Space pressed before the
  // connection is up; playing when it dropped): applied once it is. null = no wish.
  wantPlaying: /** @type {boolean|null} */ (null),
  view: { ...VIEW_DEFAULTS },
  sent: null, // the last config change sent: when a state holds it, it succeeded
  framesPainted: 0,
  lastFrame: null,
  firstFrame: null,
  firstFrameMs: null, // performance.now() when the first frame was painted
  firstPaint: null, // when the inlined first frame was painted, before Plotly (and which)
  rebuildFrame: null,
  errors: [],
  drawMs: null,
  summaryAt: 0,
  idleClosed: false, // the server closed the session for silence: reconnect on a key or click
  classes: null, // the last frame's classes (a softmax output), for pinned pictures
  shareDue: false, // points sent: their hold-out follows once the session takes them
  linkDigest: null, // the content hash of the own points a link named (data_link.js)
};

// ---- views ---------------------------------------------------------------------------

const readouts = new Readouts();
// The surface and the loss chart take the size their box has in the stylesheet (its
// media queries make them larger where the screen has room, smaller on a short one).
const chartWidth = (/** @type {HTMLElement} */ el) => el.clientWidth || 300;
const chartHeight = (/** @type {HTMLElement} */ el) => el.clientHeight || 150;
const surface = new Surface($("surface"), { size: chartWidth($("surface")) });
const lossChart = new LossChart($("loss-chart"), {
  width: chartWidth($("loss-chart")), height: chartHeight($("loss-chart")), summaryEl: $("loss-summary"),
});
const controls = new Controls(schema, (name, value) => {
  const config = page.state?.config ?? schema.defaults();
  sendConfig(coherentChange(schema, config, name, value));
});

buildSettings($("settings-top"), controls, schema);

// Switching to a data set of another kind (classification, regression, more than two
// classes) changes the output and loss with it when the current ones cannot serve it
// (the pairs: the schema's, engine PROBLEM_DEFAULTS; setup.js datasetChange).
const picker = new DatasetPicker(
  $("datasets"),
  $("ctl-problem", HTMLSelectElement),
  schema.field("dataset")?.choices ?? [],
  pickDataset,
  schema.field("dataset")?.extra?.regression ?? [],
);
picker.load().catch((err) => showStatus(`could not load the data sets: ${err.message}`));

// The caption over the surface: the hovered unit, and when the net's output overflowed,
// that the surface is the last finite one (the server sends it instead: app/frames.py).
let hoverCaption = "";
let staleCaption = "";
function showSurfaceCaption() {
  const text = [hoverCaption, staleCaption].filter(Boolean).join(" · ");
  const caption = $("surface-caption");
  if (caption.textContent !== text) caption.textContent = text;
}

const network = new NetworkView($("network"), {
  schema,
  tooltip: $("tooltip"),
  editor: $("weight-editor", HTMLFormElement),
  onFeatures: (features) => sendConfig({ features }),
  onHidden: (hidden, activation) => sendConfig(activation ? { hidden, activation } : { hidden }),
  onActivation: (activation) => sendConfig({ activation }),
  onEdit: (payload) => connection.send("set_weight", payload),
  canEdit: () => connection.connected,
  onRepaint: () => diagnostics.badges(diagnostics.latest ?? {}), // new nodes need their badges
  onHoverUnit: (u, label) => {
    hoverCaption = u === null ? "" : `Showing ${label}`;
    showSurfaceCaption();
    surface.setUnit(u);
  },
});


// ---- your own points (static/js/data_panel.js, docs/PAGE.md "Your own points") -------

/** @type {Record<string, string>} */
const OWN_DATASETS = { custom: "classification", custom_regression: "regression" };

const dataPanel = new DataPanel({
  toggle: $("draw-toggle"), start: $("draw-start"), tools: $("draw-tools"), palette: $("class-palette"),
  eraser: $("draw-eraser"), clear: $("draw-clear"), done: $("draw-done"), hint: $("draw-hint"),
  file: $("csv-file", HTMLInputElement), paste: $("csv-paste", HTMLTextAreaElement), pasteLoad: $("csv-paste-load"),
  download: $("csv-download"), error: $("data-error"), note: $("data-note"),
  surface: $("surface"), holdout: $("holdout-on", HTMLInputElement), holdoutShare: $("holdout-share", HTMLSelectElement),
}, {
  send: (payload) => {
    clearStatus();
    connection.send("data", payload);
    // Once the session takes them, your points train with the panel's hold-out (all of
    // them by default), not the share a generator had (onState).
    page.shareDue = true;
  },
  setTrainShare: (share) => sendConfig({ train_share: share }),
  frame: () => {
    const f = surface.lastFrame;
    if (!f) return null;
    return {
      domain: f.domain, classes: f.classes,
      classification: problemOf(schema, /** @type {string | undefined} */ (page.state?.config.dataset) ?? "") === "classification",
      trainPoints: surface.trainPoints, testPoints: surface.testPoints,
    };
  },
  box: () => surface.box(),
  onDrawing: (on) => showTestPoints(on), // called while the panel is being built, too
});

// Test points show with "Show test data", and always while drawing and on your own
// points (hollow, when some are held out): a point you drew never vanishes.
/** @param {boolean} [drawing] */
function showTestPoints(drawing = dataPanel.drawing) {
  const on = page.view.show_test || drawing || Boolean(page.state?.data?.active);
  if (on !== surface.showTest) surface.setShowTest(on);
}

// "Your points" in the picker: the session's own points if it has them, else the
// panel asks for some (draw, or a file).
/** @param {string} name */
function pickDataset(name) {
  const config = page.state?.config ?? schema.defaults();
  const task = OWN_DATASETS[name];
  if (!task) {
    // Back to a generator from your points: its own split (TFP's 50 %), not their hold-out.
    /** @type {Config} */
    const change = datasetChange(schema, config, name);
    if (OWN_DATASETS[String(config.dataset)]) change.train_share = schema.defaults().train_share;
    sendConfig(change);
    return;
  }
  const own = page.state?.data;
  if (!own || own.task !== task) {
    dataPanel.askForPoints(task);
    return;
  }
  /** @type {Config} */
  const classes = own.classes ? { classes: own.classes } : {};
  sendConfig({ ...datasetChange(schema, { ...config, ...classes }, name), ...classes,
    train_share: dataPanel.trainShare() });
}

const presets = new Presets(
  { presetList: $("preset-list"), scenarioList: $("scenario-list"), watch: $("watch") },
  presetList,
  (preset) => {
    // Always from epoch 0, even when the config is already the preset's.
    sendConfig(preset.config);
    control("reset");
    control("play");
  },
);

// ---- first paint (docs/PAGE.md "First paint") ---------------------------------------

// A fresh session's first frame, which the server inlines, drawn on a canvas once the
// page's layout is built; Plotly.js and Socket.IO run only after it, so nothing above
// may call Plotly or io. A link (a hash) may ask for another network or view: then the
// first surface waits for the socket. Its time is that of the frame showing the canvas.
if (!location.hash.replace(/^#/, "")) {
  const inlined = document.getElementById("first-frame")?.textContent;
  const first = inlined ? decodeFrame(decodeAttachments(JSON.parse(inlined))) : null;
  if (first && surface.paintFirst(first)) {
    requestAnimationFrame(() => {
      page.firstPaint = Object.freeze({ ms: performance.now(), digest: first.digest });
      performance.mark("playground:first-paint");
    });
    $("surface-summary").textContent = surface.summary(first);
  }
}
await loadLateScripts(["plotly-src", "socketio-src"]);

// ---- diagnostics, restart lab, loss landscape (docs/PAGE.md, "Lab panels") -----------

/** @type {Send} */
const send = (event, payload) => connection.send(event, payload);
const diagnostics = new DiagnosticsPanel($("diagnostics-panel"), {
  send, network, onSuggestion: (change) => sendConfig(change),
  describe: (change) => describeChange(schema, change),
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
// A phase diagram's cell opens like a lab seed: its config, its first failing seed.
const phase = new PhasePanel($("phase-panel"), { send, openSeed: (...a) => lab.openSeed(...a) });
const landscape = new LandscapePanel($("landscape-panel"), { send });

// ---- runs: save, open, pin (docs/PAGE.md, "Runs") ----------------------------------

const runs = new RunsPanel(
  { save: $("save-run", HTMLButtonElement), open: $("open-run", HTMLButtonElement),
    file: $("open-run-file", HTMLInputElement), pin: $("pin-run", HTMLButtonElement),
    message: $("run-message"), pins: $("pins"), animation: $("animation", HTMLButtonElement) },
  {
    send,
    schema,
    // the run as it stands (while rewound too: then its last live frame)
    current: () => (liveFrame && page.state ? {
      config: page.state.config, epoch: liveFrame.epoch, trainLoss: liveFrame.trainLoss,
      curve: lossChart.snapshot(), surface: liveFrame.surface, grid: liveFrame.grid,
      colorDomain: liveColorDomain.slice(), classes: liveFrame.classes ?? null,
    } : null),
    onPins: (pins) => lossChart.setPins(pins),
    onCompare: (pin) => lab.compareWith(pin),
  },
);
// ---- no run is lost: the page's checkpoint (docs/PAGE.md, "No run is lost") ---------

const resume = new Resume($("resume-notice"), {
  send,
  canAsk: () => page.synced && connection.connected,
  playing: () => page.state?.status === "playing",
  query: () => withDigest(page.state?.query ?? "", page.state?.data),
  say: (text) => runs.say(text),
});
resume.restore(splitHash(location.hash).configQuery);

// ---- timeline: back to a kept epoch, and on from there (docs/PAGE.md, "Timeline") -----

/** @type {Frame | null} the last live frame (not a rewound one), to show again on leaving */
let liveFrame = null;
/** @type {number[]} its colour domain */
let liveColorDomain = [0, 1];
/** @type {Diagnostics | null} the run's latest diagnostics, shown again on leaving */
let liveDiagnostics = null;
const timeline = new Timeline(
  { range: $("timeline-range", HTMLInputElement), label: $("timeline-label"),
    fork: $("timeline-fork", HTMLButtonElement), latest: $("timeline-latest", HTMLButtonElement),
    marks: $("timeline-marks") },
  {
    send,
    onFork: (epoch) => {
      runs.pin(`Pinned the former future (to epoch ${liveFrame?.epoch ?? "?"}); going on from epoch ${epoch}.`);
      timeline.leave(false);
      send("fork", { epoch });
    },
    onLeave: () => {
      if (liveFrame) drawViews(liveFrame);
      if (liveFrame && liveDiagnostics) diagnostics.update(liveDiagnostics, liveFrame.epoch);
    },
    onShown: (epoch) => lossChart.setMarker(epoch),
  },
);

/** The surface, network and read-outs of `frame`; resolves once the surface is drawn.
 * @param {Frame} frame */
function drawViews(frame) {
  const drawn = surface.draw(frame);
  staleCaption = frame.surfaceEpoch === null ? "" : `Last finite surface, epoch ${frame.surfaceEpoch}`;
  showSurfaceCaption();
  network.draw(frame, surface.colorDomain);
  readouts.update(frame);
  updateLegend();
  return drawn;
}

/** A kept epoch's frame (the answer to `rewind`): shown, the loss chart left whole.
 * @param {RawFrame} raw @param {Frame} frame */
async function showRewound(raw, frame) {
  if (timeline.onRewound(raw)) {
    diagnostics.update(raw.diagnostics, frame.epoch); // that epoch's own
    await drawViews(frame);
  }
  page.framesPainted += 1;
}

const code = new CodePanel($("show-code", HTMLButtonElement), $("code-dialog", HTMLDialogElement), { send });

// ---- talking to the server -----------------------------------------------------------

/** @param {Config} partial */
function sendConfig(partial) {
  clearStatus();
  timeline.leave(true); // a change applies to the run as it stands
  page.sent = partial;
  connection.send("config", partial);
}

/** @param {string} action @param {object} [extra] */
function control(action, extra = {}) {
  timeline.leave(true); // play, step, reset: the run as it stands
  connection.send("control", { action, ...extra });
}

// The defaults overridden by the URL hash, and the view toggles it carries. Whatever
// it could not use is said, with the reason; once the session runs the result, the
// address bar is rewritten to it (markSynced), so it never shows ignored settings.
function readUrl() {
  const { configQuery: query, view, rejected: badView } = splitHash(location.hash);
  // Own points cannot travel in a link: it names their hash, and the note says where
  // they live; the rest of the link runs.
  const { configQuery, digest, needsPoints, rejected: badDigest } = takeDigest(query);
  page.linkDigest = digest;
  dataPanel.showNote(needsPoints ? linkNote(digest) : "");
  const { values, rejected } = schema.parseQuery(configQuery);
  const ignored = [...rejected, ...badView, ...badDigest];
  if (ignored.length) {
    const what = ignored.map((r) => `${r.name}=${r.text} (${r.reason})`).join(", ");
    showStatus(`Ignored from the link: ${what}. The address bar now shows what runs.`);
  }
  setView(view);
  return schema.complete(values);
}

function applyUrl() {
  clearStatus();
  const config = readUrl();
  page.sent = null;
  connection.send("config", config);
  return config;
}

function onConnect() {
  setConnection("connected", "connected");
  setOnline(true);
  // A fresh session: it goes on from the page's checkpoint if there is one, else it
  // runs what the address names. Either way the page is synced once it answers.
  if (resume.begin()) {
    clearStatus(); // "could not open a WebSocket…" is over
    page.wanted = null;
  } else page.wanted = applyUrl();
  classes.onConnect();
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
  if (page.wantPlaying !== null) control(page.wantPlaying ? "play" : "pause");
  page.wantPlaying = null;
}

/** @param {State} state */
function onState(state) {
  page.state = state;
  page.statesSinceConnect += 1;
  // The first state after connecting is the fresh session's default; the next one
  // answers the page (its config, or the checkpoint it opened).
  if (resume.resuming && page.statesSinceConnect >= 2) resume.resumed(state.epoch);
  else if (page.synced) resume.onState();
  const c = state.config;
  controls.setAll(c);
  showSettingsFor(controls, c, schema);
  showWhatApplies(state);
  network.setConfig(c, state.sizes);
  network.editor.confirm();
  picker.setCurrent(/** @type {string} */ (c.dataset));
  runs.onState(state);
  runs.relabel(c);
  timeline.setLive(state.epoch);
  timeline.setChanges(state.changes);
  // Points just taken: the panel's hold-out, not the split a generator had, applies
  // (and the panel keeps its own until the answer comes).
  const shareDue = page.shareDue && Boolean(state.data?.active);
  if (shareDue) {
    page.shareDue = false;
    const share = dataPanel.trainShare();
    if (c.train_share !== share) sendConfig({ train_share: share });
  }
  dataPanel.onState(state, !shareDue);
  showTestPoints();
  if (page.linkDigest && state.data) dataPanel.showNote(linkNote(page.linkDigest, state.data.digest));
  setPlaying(page.synced || page.wantPlaying === null ? state.status === "playing" : page.wantPlaying);
  if (state.epoch === 0 || !page.lastFrame) readouts.setEpoch(state.epoch);
  // A change the page sent has succeeded: the errors of earlier attempts are stale.
  if (page.sent && includes(c, page.sent)) {
    clearFieldErrors();
    page.sent = null;
  }
  // "Watch for" belongs to the set-up the preset gave.
  if (presets.selected && !holdsSetup(schema, c, presets.selected.config)) presets.clear();
  // The first state after connecting is the fresh session's default; the next one
  // answers the page's own config.
  if (!page.synced && ((page.wanted && includes(c, page.wanted)) || page.statesSinceConnect >= 2)) {
    markSynced();
  }
  else if (page.synced) writeHash(state.query);
}

// Controls that do nothing for this set-up are disabled and say why (the server's
// `ignored`, from the engine); menu entries the data set cannot take likewise.
/** @param {State} state */
function showWhatApplies(state) {
  /** @type {Record<string, string>} */
  const ignored = state.ignored ?? {};
  for (const f of DATA_FIELDS) controls.setEnabled(f, !(f in ignored), ignored[f] ?? "");
  const regenerate = $("regenerate", HTMLButtonElement);
  regenerate.disabled = "data_seed" in ignored;
  regenerate.title = regenerate.disabled
    ? `Regenerate: ${ignored.data_seed}` : "Draw a new data set (data seed + 1)";
  $("regenerate-why").textContent = regenerate.disabled ? ignored.data_seed : "";
  const unavailable = unavailableOptions(schema, state.config);
  controls.setUnavailable("output", unavailable.output);
  controls.setUnavailable("loss", unavailable.loss);
}

/** @param {ServerError | null | undefined} err */
function onError(err) {
  /** @type {Partial<ServerError>} */
  const { event, field, message } = err ?? {};
  page.errors.push({ event, field, message });
  const text = humanize(message ?? "error");
  if (field === "idle") {
    closedForSilence(text);
    return;
  }
  if (event === "rewind") {
    timeline.onRefused();
    return;
  }
  if (event === "class") {
    classes.onError(/** @type {ServerError} */ (err));
    return;
  }
  if (event === "lab") lab.onError();
  if (event === "phase") phase.onError(text);
  if (event === "landscape") landscape.onError(text);
  if (event === "code") {
    code.onError(text);
    return;
  }
  if (event === "open_run" && resume.resuming) {
    resume.refused(text);
    page.wanted = applyUrl();
    return;
  }
  if (event === "open_run" || event === "save_run" || event === "animation") {
    runs.onError(event, text);
    return;
  }
  if (event === "set_weight" && network.editor.showError(text)) return;
  if (event === "data") {
    page.shareDue = false;
    dataPanel.refused(text);
    return;
  }
  let shown = event === "config" && controls.showError(field ?? "", text);
  if (shown && page.state) controls.set(field ?? "", page.state.config[field ?? ""], { force: true });
  if (!shown && event === "config" && (field === "hidden" || field === "features")) {
    network.showError(field ?? "", text);
    if (page.state) network.setConfig(page.state.config, page.state.sizes);
    shown = true;
  }
  if (!shown && !page.synced && event === "config") {
    showStatus(`The link's settings could not be applied (${text}); running the defaults.`);
    shown = true;
  }
  if (!shown) showStatus(`${event ?? "server"}: ${text}`);
  if (!page.synced && event === "config") markSynced();
}

/** @param {RawFrame} raw */
async function onFrame(raw) {
  const started = performance.now();
  const frame = decodeFrame(raw);
  if (raw.rewound) return showRewound(raw, frame);
  timeline.setLive(frame.epoch);
  if (timeline.rewound !== null && (frame.status === "playing" || frame.trainPoints)) timeline.leave(false);
  if (timeline.rewound !== null) {
    // Rewound: the view stays on the epoch shown; the chart keeps the whole run.
    liveFrame = frame;
    liveDiagnostics = raw.diagnostics ?? liveDiagnostics;
    return lossChart.add(frame);
  }
  page.classes = raw.classes ?? null;
  if (frame.trainPoints) {
    // A rebuild: new points, and the hovered unit may be another one (or gone).
    network.hover(null);
    // No separate test set (your points unless some are held out, exact XOR): the test
    // points are the training points again, so none are drawn as test points (hollow).
    const test = samePoints(frame.trainPoints, frame.testPoints) ? null : frame.testPoints;
    surface.setPoints(frame.trainPoints, test ?? new Float32Array(0), frame.classes);
    showClassLegend(frame);
    if (page.state?.data?.active) {
      picker.setPreview(String(page.state.config.dataset), framePoints(frame, false), frame.domain, frame.classes);
    }
    const batch = schema.field("batch_size");
    // batch_size is a whole number with both limits (engine/config.py).
    const limits = /** @type {{min: number, max: number}} */ (batch);
    if (batch) controls.setMenu("batch_size", batchSizes(frame.trainPoints.length / 3, limits));
    page.rebuildFrame = Object.freeze({
      seq: frame.seq, epoch: frame.epoch, digest: frame.digest, sizes: frame.sizes.slice(),
    });
  }
  // Plotly first: it measures the page, best done before anything else moved.
  const drawn = drawViews(frame);
  liveFrame = frame;
  liveColorDomain = surface.colorDomain.slice();
  liveDiagnostics = raw.diagnostics ?? liveDiagnostics;
  diagnostics.update(raw.diagnostics, frame.epoch);
  await Promise.all([drawn, lossChart.add(frame)]);
  page.framesPainted += 1;
  if (page.firstFrameMs === null) page.firstFrameMs = performance.now();
  if (page.synced) resume.onFrame(frame.epoch);
  if (started - page.summaryAt > SUMMARY_MS || frame.trainPoints) {
    page.summaryAt = started;
    $("surface-summary").textContent = surface.summary(frame);
  }
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
    classes: frame.classes,
    surfaceEpoch: frame.surfaceEpoch,
    digest: frame.digest,
  });
  page.lastFrame = summary;
  if (!page.firstFrame) page.firstFrame = summary;
}

/**
 * Whether a frame's test points are its training points again (no separate test set).
 * @param {Float32Array | null | undefined} train
 * @param {Float32Array | null | undefined} test
 */
function samePoints(train, test) {
  return Boolean(train && test && train.length === test.length && train.every((v, i) => v === test[i]));
}

// More than two classes: a row per class (its colour, its points) instead of the
// orange-to-blue bar.
/** @param {Frame} frame */
function showClassLegend(frame) {
  const list = $("class-legend");
  $("legend").hidden = Boolean(frame.classes);
  list.hidden = !frame.classes;
  if (!frame.classes) return;
  const { trainPoints: train, testPoints: test } = frame;
  // No separate test set: the test points are the training points again, counted once.
  const same = samePoints(train, test);
  list.replaceChildren(...legendRows(frame.classes, same ? [train] : [train, test]).map((row) => {
    const li = document.createElement("li");
    const swatch = document.createElement("span");
    swatch.className = "swatch";
    swatch.style.background = row.color;
    li.append(swatch, row.text);
    return li;
  }));
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

// ---- class mode (static/js/class_mode.js, docs/CLASS.md) -----------------------------

const classes = new ClassMode({
  send,
  // What Push sends: the teacher's set-up, and their own points when it trains on them.
  setup: () => {
    if (!page.state) return null;
    const own = page.state.data?.active ? framePoints(surface, false) : null;
    const task = page.state.data?.task === "regression" ? "regression" : "classification";
    const points = own && own.length ? csvPayload({
      task, points: own.map(([x, y]) => [x, y]), values: own.map((t) => t[2]), classes: page.state.data?.classes ?? null,
    }) : null;
    return { config: page.state.config, points };
  },
  load: (config) => sendConfig(config),
  onLock: () => setOnline(connection.connected),
  showStatus,
}, classLink);

const connection = new Connection({
  onConnect,
  onState,
  onFrame,
  onError,
  onDisconnect: (reason) => {
    if (page.state && page.wantPlaying === null) page.wantPlaying = page.state.status === "playing";
    page.synced = false;
    // Socket.IO hands over the new session's first `state` before its `connect`: with
    // no `wanted` it cannot pass for the answer to this page's config.
    page.wanted = null;
    page.statesSinceConnect = 0;
    resume.onDisconnect();
    setConnection("offline", "Server offline, retrying…");
    setOnline(false);
    lab.onConnectionLost();
    phase.onConnectionLost();
    // The server hung up on purpose: Socket.IO will not retry by itself.
    if (reason === "io server disconnect" && !page.idleClosed) setTimeout(() => connection.socket.connect(), 1000);
    if (page.idleClosed) setConnection("refused", "closed: idle");
  },
  onRefused: (err) => {
    setOnline(false);
    // A refusal by the server (e.g. "server full") carries its reason; anything else
    // (no answer, a WebSocket that would not open) means it cannot be reached, or a
    // proxy blocks WebSockets: say both, and Socket.IO retries.
    if (err && "data" in err) {
      setConnection("refused", `refused: ${err.message}`);
      showStatus(`connection: ${err.message}`);
      if (!connection.socket.active) setTimeout(() => connection.socket.connect(), 5000);
    } else {
      setConnection("offline", "Server offline, retrying…");
      showStatus(WEBSOCKET_FAILED);
    }
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
  lab_progress: (/** @type {LabProgress} */ p) => lab.onProgress(p),
  lab_result: (/** @type {LabResult} */ r) => lab.onResult(r),
  phase_progress: (/** @type {LabProgress} */ p) => phase.onProgress(p),
  phase_cell: (/** @type {PhaseCell} */ c) => phase.onCell(c),
  phase_result: (/** @type {PhaseResult} */ r) => phase.onResult(r),
  gradcheck_result: (/** @type {GradcheckResult} */ r) => diagnostics.showGradcheck(r),
  landscape_result: (/** @type {import("./landscape_panel.js").LandscapeResult} */ r) => landscape.onResult(r),
  run_file: (/** @type {{name: string, epoch: number, file: ArrayBuffer, checkpoint?: boolean}} */ r) => {
    resume.onRunFile(r);
    if (!r.checkpoint) runs.onRunFile(r);
  },
  animation: (/** @type {{name: string, epoch: number, frames: number, file: ArrayBuffer}} */ r) => runs.onAnimation(r),
  class_state: (/** @type {ClassState} */ s) => classes.onState(s),
  class_view: (/** @type {ClassView} */ v) => classes.onView(v),
  class_ended: (/** @type {ClassEnded} */ e) => classes.onEnded(e),
  code: (/** @type {{target: string, name: string, script: string}} */ r) => code.onCode(r),
})) connection.socket.on(name, fn);

// ---- URL hash: the running config, then the view toggles -----------------------------

/** @param {string | null | undefined} query */
function writeHash(query) {
  if (query === undefined || query === null) return;
  const hash = joinHash(withDigest(query, page.state?.data), page.view);
  if (location.hash.replace(/^#/, "") === hash) return;
  history.replaceState(null, "", hash ? `#${hash}` : location.pathname + location.search);
}

// A link pasted into this tab's address bar: apply it (a class link joins the class;
// with nothing else in it, the set-up stays as it is).
window.addEventListener("hashchange", () => {
  const code = takeClassLink();
  if (code) classes.followLink(code);
  if (!code || location.hash) page.wanted = applyUrl();
});

// ---- top bar -------------------------------------------------------------------------

/** @param {boolean} on */
function setPlaying(on) {
  const b = $("play");
  b.classList.toggle("playing", on);
  b.setAttribute("aria-pressed", String(on));
  b.setAttribute("aria-label", on ? "Pause" : "Play");
}

// Before the session holds the page's config (connecting, offline), a press is kept
// and applied once it does: it is never lost.
function togglePlay() {
  if (!page.synced) {
    page.wantPlaying = !(page.wantPlaying ?? page.state?.status === "playing");
    setPlaying(page.wantPlaying);
    return;
  }
  control(page.state?.status === "playing" ? "pause" : "play");
}

$("play").addEventListener("click", togglePlay);
$("step").addEventListener("click", () => control("step", { epochs: 1 }));
$("reset").addEventListener("click", () => control("reset"));
$("regenerate").addEventListener("click", () => control("regenerate"));

// "Skip to the output" moves focus there without following its href: the URL's hash
// holds the set-up, and "#output" would be read as a new (default) one.
$("skip-link").addEventListener("click", (evt) => {
  evt.preventDefault();
  $("output").focus();
});

// Space plays and pauses everywhere but where it is the only key for the job: typing
// (text fields, menus), ticking a box, choosing in the class palette, and the weight
// editor's form or a dialog (the page behind them is not in use). On any other button
// it plays too, rather than pressing that button again (Enter presses it): after "Use
// these points", Space should train on them, not load them twice. A link's or bias's
// own Space (edit the weight) prevents the default first, so it is left alone.
const SPACE_IS_THEIRS =
  "input:not([type=range]), textarea, select, [contenteditable], .class-palette, form, dialog";
document.addEventListener("keydown", (evt) => {
  if (evt.code !== "Space" && evt.key !== " ") return;
  if (evt.defaultPrevented || evt.altKey || evt.ctrlKey || evt.metaKey) return;
  const t = /** @type {HTMLElement} */ (evt.target);
  if (t.closest?.(SPACE_IS_THEIRS)) return;
  evt.preventDefault(); // a focused button is not pressed as well
  if (!evt.repeat) togglePlay();
});

// ---- view toggles: the charts only, kept in the URL ----------------------------------

/** @type {Record<keyof View, string>} */
const VIEW_BOXES = {
  show_test: "show-test", discretize: "discretize", log_loss: "log-scale",
  log_epochs: "log-epochs", show_acc: "show-acc",
};

const VIEW_ENTRIES = /** @type {[keyof View, string][]} */ (Object.entries(VIEW_BOXES));

/** @param {View} view */
function setView(view) {
  page.view = { ...view };
  for (const [name, id] of VIEW_ENTRIES) $(id, HTMLInputElement).checked = view[name];
  showTestPoints();
  surface.setDiscretize(view.discretize);
  find(document, ".output-column").classList.toggle("with-acc", view.show_acc);
  lossChart.setView({ logLoss: view.log_loss, logEpochs: view.log_epochs, showAcc: view.show_acc });
}

for (const [name, id] of VIEW_ENTRIES) {
  const box = $(id, HTMLInputElement);
  box.addEventListener("change", () => {
    setView({ ...page.view, [name]: box.checked });
    if (page.synced && page.state) writeHash(page.state.query);
  });
}

setView(splitHash(location.hash).view);

// ---- layout: the charts follow their column's width ---------------------------------

/** @type {ReturnType<typeof setTimeout> | undefined} */
let resizeTimer;
window.addEventListener("resize", () => {
  clearTimeout(resizeTimer);
  resizeTimer = setTimeout(() => {
    surface.resize(chartWidth($("surface")));
    lossChart.resize(chartWidth($("loss-chart")), chartHeight($("loss-chart")));
  }, 150);
});

// ---- status --------------------------------------------------------------------------

// The server closes a session that sent nothing for a long time (docs/PROTOCOL.md):
// say so, and start a new one when the person comes back.
/** @param {string} text */
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

/** @param {string} state @param {string} text */
function setConnection(state, text) {
  const el = $("connection");
  el.dataset.state = state;
  find(el, ".text").textContent = text;
}

// While the server cannot be reached, controls whose message would be lost are
// disabled (one `disabled` on each fieldset, so the controls' own disabled states stay
// as they are; Reset and Step themselves). Play stays: a press is kept for the
// connection (togglePlay), and so do the view toggles, which need no server. The set-up
// controls (`class-setup`) stay disabled too while a class's teacher has locked them.
/** @param {boolean} on */
function setOnline(on) {
  document.body.dataset.online = String(on);
  for (const f of document.querySelectorAll(".needs-server")) {
    const locked = classes.locked && f.classList.contains("class-setup");
    /** @type {HTMLFieldSetElement|HTMLButtonElement} */ (f).disabled = !on || locked;
  }
  if (!on) network.editor.close();
}

/** @param {string} text */
function showStatus(text) {
  const el = $("status-line");
  el.textContent = text;
  el.hidden = false;
}

function clearStatus() {
  $("status-line").textContent = "";
}

function clearFieldErrors() {
  controls.clearErrors();
  network.clearError("features");
  network.clearError("hidden");
}

// ---- read-only hook for tests and benchmarks -----------------------------------------

window.playground = Object.freeze({
  get framesPainted() { return page.framesPainted; },
  get lastFrame() { return page.lastFrame; },
  get firstFrame() { return page.firstFrame; },
  get firstFrameMs() { return page.firstFrameMs; },
  get firstPaint() { return page.firstPaint; },
  get rebuildFrame() { return page.rebuildFrame; },
  get lastState() { return page.state ? JSON.parse(JSON.stringify(page.state)) : null; },
  get connected() { return connection.connected; },
  get synced() { return page.synced; },
  get view() { return { ...page.view }; },
  get lossPoints() { return lossChart.points; },
  get checkpoint() {
    const c = resume.store.latest;
    return c && { epoch: c.epoch, bytes: c.file.byteLength, kept: resume.store.kept, at: c.at };
  },
  get timeline() {
    return { rewound: timeline.rewound, live: timeline.live, kept: timeline.kept.length,
      changes: timeline.changes.map((c) => c.epoch) };
  },
  get pins() { return runs.pins.items.map((p) => ({ id: p.id, label: p.label, color: p.color, epoch: p.epoch })); },
  get errors() { return page.errors.slice(); },
  get classCode() { return classes.membership?.code ?? null; },
  get classRole() { return classes.membership?.role ?? null; },
  get drawMs() { return page.drawMs; },
  get creditWaitMs() { return connection.waitMs; },
  // The last painted surface (its class bytes) and every point it shows, [x, y, label].
  get lastSurface() {
    const f = surface.lastFrame;
    return f && {
      domain: f.domain.slice(), grid: f.grid, classes: f.classes, bytes: Array.from(f.surfaceBytes),
      range: f.surfaceRange.slice(), epoch: f.epoch,
    };
  },
  get lastPoints() {
    return surface.lastFrame ? framePoints(surface, false) : [];
  },
});
