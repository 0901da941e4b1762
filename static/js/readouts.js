// @ts-check
// Numbers beside the charts: epoch counter, losses, accuracies, the diverged notice.

import { byId } from "./dom.js";
import { formatNumber } from "./schema.js";

/** @param {number} n */
export function formatEpoch(n) {
  const s = String(Math.max(0, Math.floor(n))).padStart(6, "0");
  return s.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

/** @param {number | null | undefined} v */
function percent(v) {
  return v === null || v === undefined || Number.isNaN(v) ? "–" : `${(v * 100).toFixed(1)}%`;
}

export class Readouts {
  constructor() {
    this.epoch = byId("epoch");
    this.trainLoss = byId("ro-train-loss");
    this.testLoss = byId("ro-test-loss");
    this.trainAcc = byId("ro-train-acc");
    this.testAcc = byId("ro-test-acc");
    this.diverged = byId("diverged");
  }

  /** @param {number} n */
  setEpoch(n) {
    this.epoch.textContent = formatEpoch(n);
    this.epoch.dataset.epoch = String(n);
  }

  /** @param {Frame} frame */
  update(frame) {
    this.setEpoch(frame.epoch);
    this.trainLoss.textContent = formatNumber(frame.trainLoss, 4);
    this.testLoss.textContent = formatNumber(frame.testLoss, 4);
    this.trainAcc.textContent = percent(frame.trainAcc);
    this.testAcc.textContent = percent(frame.testAcc);
    this.diverged.hidden = frame.status !== "diverged";
  }
}
