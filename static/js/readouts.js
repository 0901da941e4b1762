// @ts-check
// Numbers beside the charts: epoch counter, losses, accuracies, the diverged notice.

import { formatNumber } from "./schema.js";

export function formatEpoch(n) {
  const s = String(Math.max(0, Math.floor(n))).padStart(6, "0");
  return s.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

function percent(v) {
  return v === null || v === undefined || Number.isNaN(v) ? "–" : `${(v * 100).toFixed(1)}%`;
}

export class Readouts {
  constructor() {
    this.epoch = document.getElementById("epoch");
    this.trainLoss = document.getElementById("ro-train-loss");
    this.testLoss = document.getElementById("ro-test-loss");
    this.trainAcc = document.getElementById("ro-train-acc");
    this.testAcc = document.getElementById("ro-test-acc");
    this.diverged = document.getElementById("diverged");
  }

  setEpoch(n) {
    this.epoch.textContent = formatEpoch(n);
    this.epoch.dataset.epoch = String(n);
  }

  update(frame) {
    this.setEpoch(frame.epoch);
    this.trainLoss.textContent = formatNumber(frame.trainLoss, 4);
    this.testLoss.textContent = formatNumber(frame.testLoss, 4);
    this.trainAcc.textContent = percent(frame.trainAcc);
    this.testAcc.textContent = percent(frame.testAcc);
    this.diverged.hidden = frame.status !== "diverged";
  }
}
