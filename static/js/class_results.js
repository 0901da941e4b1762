// @ts-check
// What the teacher's page draws from a `class_state` (docs/PROTOCOL.md "Class mode"):
// the solved share in words, every student's loss curve as a few thin-line traces, the
// histogram of final losses, and the students listed for "show me the stuck ones".
// Pure: no DOM and no Plotly calls, so node --test checks it (tests/js/class_results.test.js).
//
// Every curve of a group goes in ONE trace, students separated by a null (Plotly breaks
// the line there): 200 students cost three traces, not 200, at each update.

/** @typedef {"solved" | "stuck" | "training"} Group */

/** Okabe & Ito's bluish green, vermillion and a grey: solved, stuck, still going. */
export const GROUP_COLORS = Object.freeze({ solved: "#009e73", stuck: "#d55e00", training: "#8a8a8a" });
export const GROUP_WORDS = Object.freeze({ solved: "solved", stuck: "stuck", training: "not solved yet" });
/** @type {Group[]} */
export const GROUPS = ["solved", "stuck", "training"];

// Histogram bins: a quarter of a decade of loss each.
const BIN = 0.25;

/** @param {number} x a share in [0, 1] */
const pct = (x) => String(Math.round(100 * x));

/**
 * "4 of 10 solved, 40 % (17–69 %)": the share and its 95 % Wilson interval, rounded to
 * whole percents.
 * @param {ClassSolved | null | undefined} solved
 */
export function solvedText(solved) {
  if (!solved || !solved.n || solved.share === null || solved.low === null || solved.high === null) {
    return "No results yet";
  }
  return `${solved.count} of ${solved.n} solved, ${pct(solved.share)} % (${pct(solved.low)}–${pct(solved.high)} %)`;
}

/**
 * "10 students" / "1 student", and when the class holds all it may, that it is full.
 * @param {number} n @param {number | undefined} [size] the class's limit
 */
export function studentsText(n, size) {
  const full = size !== undefined && n >= size ? " (the class is full)" : "";
  return `${n} student${n === 1 ? "" : "s"}${full}`;
}

/** @param {ClassResult} r @returns {Group} */
export function groupOf(r) {
  if (r.solved) return "solved";
  return r.stuck ? "stuck" : "training";
}

/** A stuck case's name in words ("half_plateau" → "half plateau"). @param {string} kind */
export function stuckWords(kind) {
  return kind.replaceAll("_", " ");
}

/**
 * Plotly traces: every student's training loss, one trace per group, thin lines. On a
 * log-epoch axis epoch 0 cannot show, and on a log-loss axis neither can a loss <= 0:
 * such points are left out, as the main loss chart leaves them out.
 * @param {ClassResult[]} results
 * @param {{logEpochs?: boolean, logLoss?: boolean}} [axes]
 */
export function curveTraces(results, { logEpochs = true, logLoss = true } = {}) {
  return GROUPS.map((group) => {
    /** @type {(number | null)[]} */
    const x = [];
    /** @type {(number | null)[]} */
    const y = [];
    /** @type {string[]} */
    const text = [];
    for (const r of results) {
      if (groupOf(r) !== group) continue;
      let any = false;
      for (const [epoch, loss] of r.curve) {
        if (loss === null || !Number.isFinite(loss)) continue;
        if ((logEpochs && epoch <= 0) || (logLoss && loss <= 0)) continue;
        x.push(epoch);
        y.push(loss);
        text.push(r.pseudonym);
        any = true;
      }
      if (any) {
        x.push(null);
        y.push(null);
        text.push("");
      }
    }
    return {
      type: "scatter", mode: "lines", name: GROUP_WORDS[group], x, y, text,
      line: { color: GROUP_COLORS[group], width: 1 }, opacity: 0.8, connectgaps: false,
      hovertemplate: "%{text}<br>epoch %{x}, loss %{y:.4g}<extra></extra>",
    };
  });
}

/**
 * The final losses binned by a quarter decade (log10 units), counted per group: bar
 * centres `x` (log10 of the loss) and one list of counts per group. Losses that are not
 * finite and positive are counted apart (`other`: a diverged run, or no loss yet).
 * @param {ClassResult[]} results
 * @returns {{x: number[], counts: Record<Group, number[]>, other: number}}
 */
export function lossBins(results) {
  /** @type {{bin: number, group: Group}[]} */
  const seen = [];
  let other = 0;
  for (const r of results) {
    if (r.loss === null || !(r.loss > 0) || !Number.isFinite(r.loss)) {
      other += 1;
      continue;
    }
    seen.push({ bin: Math.floor(Math.log10(r.loss) / BIN), group: groupOf(r) });
  }
  /** @type {Record<Group, number[]>} */
  const counts = { solved: [], stuck: [], training: [] };
  if (!seen.length) return { x: [], counts, other };
  const lo = Math.min(...seen.map((s) => s.bin));
  const hi = Math.max(...seen.map((s) => s.bin));
  const x = [];
  for (let b = lo; b <= hi; b++) x.push((b + 0.5) * BIN);
  for (const g of GROUPS) counts[g] = x.map(() => 0);
  for (const s of seen) counts[s.group][s.bin - lo] += 1;
  return { x, counts, other };
}

/**
 * One student in words: "Student 3: stuck (half plateau), loss 0.347 at epoch 1200".
 * @param {ClassResult} r
 */
export function studentLabel(r) {
  const group = groupOf(r);
  const how = group === "stuck" && r.stuck ? `stuck (${stuckWords(r.stuck)})` : GROUP_WORDS[group];
  const loss = r.loss === null ? "no loss yet" : `loss ${r.loss.toPrecision(3)}`;
  return `${r.pseudonym}: ${how}, ${loss} at epoch ${r.epoch}`;
}

/**
 * The students in the order a teacher looks for them: stuck first, then those not
 * solved yet, then the solved; within each, the highest loss first.
 * @param {ClassResult[]} results
 */
export function studentsByNeed(results) {
  const rank = { stuck: 0, training: 1, solved: 2 };
  const loss = (/** @type {ClassResult} */ r) => (r.loss === null ? Infinity : r.loss);
  return results.slice().sort((a, b) => rank[groupOf(a)] - rank[groupOf(b)] || loss(b) - loss(a));
}
