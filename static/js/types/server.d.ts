// What the server sends besides frames (docs/PROTOCOL.md, "Server -> client"), and the
// slice of the Socket.IO client the page uses. Global declarations: the modules name
// them in JSDoc without an import.

/** The session's own points, as a `state` describes them. */
interface StateData {
  n: number;
  task: string;
  classes: number | null;
  digest: string;
  active: boolean;
}

/** A `state` event. */
interface State {
  config: Config;
  status: string;
  epoch: number;
  diverged: boolean;
  sizes: number[];
  query: string;
  data: StateData | null;
  ignored: Record<string, string>;
  /** The latest live changes, for the timeline's marks (engine/snapshots.py). */
  changes?: LiveChange[];
}

/** A live change: a training setting ("change"), a weight set by hand ("edit"), new points ("data"). */
interface LiveChange {
  epoch: number;
  reason: string;
  fields: string[];
}

/** An `error` event: the refused event, the field and why. */
interface ServerError {
  event: string;
  field: string;
  message: string;
}

/** The Socket.IO client socket, as far as the page uses it. */
interface Socket {
  connected: boolean;
  active: boolean;
  io: { on(event: string, handler: (...args: never[]) => void): void };
  on(event: string, handler: (...args: never[]) => void): void;
  emit(event: string, payload?: unknown): void;
  connect(): void;
}
