// The run on screen and the pinned runs (runs_panel.js, pins.js, loss_chart.js).
// Global declarations: the modules name them in JSDoc without an import.

/** A run's training and test loss as the loss chart keeps it (thinned). */
interface Curve {
  x: number[];
  trainLoss: (number | null)[];
  testLoss: (number | null)[];
}

/** The run on screen, as main.js hands it to a pin: set-up, numbers, picture. */
interface CurrentRun {
  config: Config;
  epoch: number;
  trainLoss: number | null;
  curve: Curve;
  surface: Float32Array | Uint8Array;
  grid: number;
  colorDomain: number[];
  classes: number | null;
}

/** What a pin keeps of a run (runs_panel.js pin()); `picture` until it is painted. */
interface PinnedRun {
  config: Config;
  epoch: number;
  trainLoss: number | null;
  curve: Curve;
  picture?: CurrentRun;
}

/** A pinned run with its id, colour and label (what differs from the current set-up). */
interface Pin extends PinnedRun {
  id: number;
  color: string;
  label?: string;
}
