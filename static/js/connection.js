// @ts-check
// The socket and the frame credit (docs/PROTOCOL.md). The server sends a frame only
// while the page holds a credit; the page returns the credit (`ready`) only after the
// previous frame has been painted, so a slow page never builds a backlog and never
// has more than one frame in flight.

/* global io */

// A frame right after a rebuild carries 11 binary attachments (surface, neurons,
// ranges, weights, both point sets, five history series), one more than the stock
// socket.io-parser decoder accepts (maxAttachments: 10): it would drop the connection
// with "parse error". The bundle does not export its parser, so borrow the classes
// from an unconnected Manager and raise the limit.
const MAX_ATTACHMENTS = 64;

function roomyParser() {
  const probe = new io.Manager(location.origin, { autoConnect: false });
  const Encoder = probe.encoder.constructor;
  // socket.io-parser's Decoder: the bundle declares no type for it.
  const Decoder = /** @type {new (opts: object) => object} */ (probe.decoder.constructor);
  class RoomyDecoder extends Decoder {
    /** @param {object | ((key: string, value: unknown) => unknown) | undefined} opts */
    constructor(opts) {
      const base = typeof opts === "function" ? { reviver: opts } : opts ?? {};
      super({ ...base, maxAttachments: MAX_ATTACHMENTS });
    }
  }
  return { Encoder, Decoder: RoomyDecoder };
}

/**
 * @typedef {{onConnect?: () => void, onDisconnect?: (reason: string) => void,
 *   onReconnecting?: (n: number) => void, onState?: (state: State) => void,
 *   onFrame: (raw: RawFrame) => Promise<void>, onError?: (err: ServerError) => void,
 *   onRefused?: (err: Error) => void}} ConnectionHandlers
 */

export class Connection {
  // onFrame(raw) returns a promise that settles once painted.
  /** @param {ConnectionHandlers} handlers */
  constructor(handlers) {
    this.handlers = handlers;
    this.creditOut = false; // a `ready` was sent and its frame has not arrived
    this.drawing = false;
    this.creditsEnabled = false;
    /** @type {number | null} */
    this.readyAt = null;
    /** @type {number | null} */
    this.waitMs = null;
    this.socket = io({ reconnectionDelayMax: 4000, parser: roomyParser(), transports: ["websocket"] });
    this.bind();
  }

  bind() {
    const s = this.socket;
    const h = this.handlers;
    s.on("connect", () => {
      // A new session on the server: it holds no credit for us.
      this.creditOut = false;
      this.creditsEnabled = false;
      h.onConnect?.();
    });
    s.on("disconnect", (/** @type {string} */ reason) => h.onDisconnect?.(reason));
    // A refusal by the server carries `data`; a transport error (server down) does not.
    s.on("connect_error", (/** @type {Error} */ err) => h.onRefused?.(err));
    s.io.on("reconnect_attempt", (/** @type {number} */ n) => h.onReconnecting?.(n));
    s.on("state", (/** @type {State} */ state) => h.onState?.(state));
    s.on("error", (/** @type {ServerError} */ err) => h.onError?.(err));
    s.on("frame", (/** @type {RawFrame} */ raw) => this.receive(raw));
  }

  get connected() {
    return this.socket.connected;
  }

  /** @type {Send} */
  send(event, payload) {
    if (!this.socket.connected) return false;
    this.socket.emit(event, payload);
    return true;
  }

  // Start the credit loop: called once the session holds the page's config.
  startCredits() {
    this.creditsEnabled = true;
    this.grant();
  }

  grant() {
    if (!this.creditsEnabled || this.creditOut || this.drawing || !this.socket.connected) return;
    this.creditOut = true;
    this.readyAt = performance.now();
    this.socket.emit("ready");
  }

  /** @param {RawFrame} raw */
  async receive(raw) {
    if (this.readyAt !== null) {
      // Smoothed wait from `ready` to its frame: the server's share of a frame's time.
      const waited = performance.now() - this.readyAt;
      this.waitMs = this.waitMs === null ? waited : 0.9 * this.waitMs + 0.1 * waited;
      this.readyAt = null;
    }
    this.creditOut = false;
    this.drawing = true;
    try {
      await this.handlers.onFrame(raw);
    } catch (err) {
      console.error("could not draw a frame", err);
    }
    // Return the credit once the drawing is done. A visible page returns it at once:
    // the browser paints what was drawn at its next frame, well before the server's
    // next frame can arrive, and waiting for that frame would add up to 16 ms to every
    // frame. A hidden page waits for an animation frame, which comes only when it is
    // shown again, so a background tab stops the stream instead of drawing unseen.
    const release = () => {
      this.drawing = false;
      this.grant();
    };
    if (document.visibilityState === "visible") release();
    else requestAnimationFrame(release);
  }
}
