// Class mode's events (docs/PROTOCOL.md, "Class mode"), as the server sends them.
// Global declarations: the modules name them in JSDoc without an import.

/** One student's run in the teacher's `class_state`. */
interface ClassResult {
  pseudonym: string;
  epoch: number;
  loss: number | null;
  solved: boolean | null;
  stuck: string | null;
  seed: number;
  /** Training loss at up to 64 epochs, spread evenly in log(1 + epoch). */
  curve: [number, number | null][];
}

/** The solved share: count of n, with its 95 % Wilson interval (null when n is 0). */
interface ClassSolved {
  count: number;
  n: number;
  share: number | null;
  low: number | null;
  high: number | null;
}

/** A `class_state`: the teacher's carries the class, a student's only its own place. */
interface ClassState {
  code: string;
  role: "teacher" | "student";
  key: string;
  link: string;
  locked: boolean;
  config: Config | null;
  // the teacher's
  students?: number;
  class_size?: number;
  results?: ClassResult[];
  solved?: ClassSolved;
  seeds?: "same" | "each" | null;
  loss_below?: number | null;
  // a student's
  pseudonym?: string;
}

/** A `class_view`: one student's run as it is now, its surface as a frame carries it. */
interface ClassView {
  student: string;
  epoch: number;
  loss: number | null;
  solved: boolean | null;
  stuck: string | null;
  sizes: number[];
  config: Config;
  domain: number[];
  grid: number;
  classes: number | null;
  surface_range: [number, number];
  surface: Attachment;
  train_points: Attachment;
}

/** A `class_ended`. */
interface ClassEnded {
  code: string;
  reason: "left" | "teacher_gone" | "idle" | "expired";
}
