// A `frame` event as the server sends it and as frame.js decodes it (docs/PROTOCOL.md,
// "frame"). Global declarations: the modules name them in JSDoc without an import.

/** A binary attachment as Socket.IO hands it over, or null where the frame has none. */
type Attachment = ArrayBuffer | ArrayBufferView | null | undefined;

/** The per-epoch values since the previous frame, as sent. */
interface RawHistory {
  epoch: Attachment;
  train_loss: Attachment;
  test_loss: Attachment;
  train_acc: Attachment;
  test_acc: Attachment;
}

/** One `frame` event's payload (JSON fields and binary attachments). */
interface RawFrame {
  seq: number;
  epoch: number;
  status: string;
  sizes: number[];
  features: string[];
  train_loss: number | null;
  test_loss: number | null;
  train_acc: number | null;
  test_acc: number | null;
  history: RawHistory | null;
  domain: number[];
  grid: number;
  classes?: number | null;
  surface: Attachment;
  surface_range: [number, number];
  surface_epoch?: number | null;
  thumb: number;
  neurons: Attachment;
  neuron_ranges: Attachment;
  weights: Attachment;
  train_points: Attachment;
  test_points: Attachment;
  diagnostics?: Diagnostics | null;
  /** A kept epoch's frame, the answer to `rewind` (app/timeline.py). */
  rewound?: boolean;
  /** With `rewound`: the epoch the run itself stands at. */
  live_epoch?: number;
}

/** The history decoded: NaN where a value does not apply. */
interface FrameHistory {
  epoch: Uint32Array;
  trainLoss: Float32Array | null;
  testLoss: Float32Array | null;
  trainAcc: Float32Array | null;
  testAcc: Float32Array | null;
}

/** A decoded frame (frame.js decodeFrame). */
interface Frame {
  seq: number;
  epoch: number;
  status: string;
  sizes: number[];
  features: string[];
  trainLoss: number | null;
  testLoss: number | null;
  trainAcc: number | null;
  testAcc: number | null;
  history: FrameHistory | null;
  domain: number[];
  grid: number;
  classes: number | null;
  surface: Float32Array;
  surfaceBytes: Uint8Array;
  surfaceRange: [number, number];
  surfaceEpoch: number | null;
  thumb: number;
  neurons: Uint8Array | null;
  neuronRanges: Float32Array | null;
  weights: { W: Float32Array[]; b: Float32Array[] } | null;
  trainPoints: Float32Array | null;
  testPoints: Float32Array | null;
  digest: string;
}

/** One suggestion of the stuck-run explanation: a partial Config to send. */
interface StuckSuggestion {
  key: string;
  label: string;
  config_change: Config;
}

/** Why a run is stuck (engine explain_stuck), or null while it learns. */
interface Stuck {
  case: string;
  message: string;
  suggestions: StuckSuggestion[];
  epoch?: number;
  loss?: number;
  replica?: number;
  details?: Record<string, unknown>;
}

/** The neuron health and gradient norms a frame carries (docs/PROTOCOL.md); an older
 * server may leave any of them out. */
interface Diagnostics {
  layers?: { units: number; status: string[]; dead: number; saturated: number }[];
  dead?: number;
  saturated?: number;
  grad_norms?: (number | null)[];
  stuck?: Stuck | null;
}

/** A `gradcheck_result`: per weight layer, the largest relative error. */
interface GradcheckResult {
  layers?: { layer: number; max_relative_error: number | null; ok: boolean; kinks_skipped?: number }[];
  threshold?: number;
  ok: boolean;
}
