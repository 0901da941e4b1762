// What the restart lab and the phase diagram receive (docs/PROTOCOL.md, "Restart lab"
// and "Phase diagrams"). Global declarations: the modules name them in JSDoc without an
// import.

/** A success rate with its 95 % Wilson interval. */
interface Rate {
  successes: number;
  rate: number;
  wilson_low: number;
  wilson_high: number;
}

/** The restart lab's summary over the seeds that ran. */
interface LabSummary extends Rate {
  n: number;
  median_epochs_to_solve: number | null;
}

/** One seed's run. */
interface LabRun {
  seed: number;
  final_loss: number | null;
  final_acc: number | null;
  epochs_to_success: number | null;
  outcome: string;
  case: string | null;
}

/** engine.compare.compare_rates over the seeds both set-ups ran. */
interface CompareTest {
  n: number;
  a: Rate;
  b: Rate;
  difference: number;
  low: number;
  high: number;
  only_a: number;
  only_b: number;
  p_value: number;
  alpha: number;
  differ: boolean;
}

/** A `lab_result`. */
interface LabResult {
  cancelled: boolean;
  summary: LabSummary;
  runs: LabRun[];
  surfaces?: { seeds: number[]; surfaces: (number | null)[][][] } | null;
  config: Config;
  epochs: number;
  compare?: { config: Config; summary: LabSummary; cancelled: boolean; test: CompareTest };
}

/** `lab_progress` and `phase_progress`; `waiting`: runs ahead in the lab's queue. */
interface LabProgress {
  done: number;
  total: number;
  waiting?: number;
}

/** One axis of a phase diagram: a setting and its values. */
interface PhaseAxis {
  key: string;
  /** numbers; for `activation`, names or lists of names (one per hidden layer) */
  values: (number | string | string[])[];
}

/** A `phase` run request. */
interface PhaseRequest {
  action: "run";
  x: PhaseAxis;
  y: PhaseAxis;
  seeds: number;
  epochs: number;
  loss_below: null;
}

/** A `phase_cell`. */
interface PhaseCell {
  row: number;
  col: number;
  summary: LabSummary;
  cancelled: boolean;
  config: Config;
  epochs: number;
  first_failing: number | null;
}

/** A `phase_result`. */
interface PhaseResult {
  cancelled: boolean;
  cells: number;
  rows: number;
  cols: number;
  seeds: number;
  epochs: number;
}
