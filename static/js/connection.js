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
  const Decoder = probe.decoder.constructor;
  class RoomyDecoder extends Decoder {
    constructor(opts) {
      const base = typeof opts === "function" ? { reviver: opts } : opts ?? {};
      super({ ...base, maxAttachments: MAX_ATTACHMENTS });
    }
  }
  return { Encoder, Decoder: RoomyDecoder };
}

export class Connection {
  // handlers: {onConnect, onDisconnect, onReconnecting, onState, onFrame, onError,
  //            onRefused}. onFrame(raw) returns a promise that settles once painted.
  constructor(handlers) {
    this.handlers = handlers;
    this.creditOut = false; // a `ready` was sent and its frame has not arrived
    this.drawing = false;
    this.creditsEnabled = false;
    this.socket = io({ reconnectionDelayMax: 4000, parser: roomyParser() });
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
    s.on("disconnect", (reason) => h.onDisconnect?.(reason));
    s.on("connect_error", (err) => h.onRefused?.(err && err.message));
    s.io.on("reconnect_attempt", (n) => h.onReconnecting?.(n));
    s.on("state", (state) => h.onState?.(state));
    s.on("error", (err) => h.onError?.(err));
    s.on("frame", (raw) => this.receive(raw));
  }

  get connected() {
    return this.socket.connected;
  }

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
    this.socket.emit("ready");
  }

  async receive(raw) {
    this.creditOut = false;
    this.drawing = true;
    try {
      await this.handlers.onFrame(raw);
    } catch (err) {
      console.error("could not draw a frame", err);
    }
    // Return the credit after the browser has painted what was drawn.
    requestAnimationFrame(() => {
      this.drawing = false;
      this.grant();
    });
  }
}
