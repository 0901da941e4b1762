// @ts-check
// Decode one `frame` event (docs/PROTOCOL.md) into typed arrays. Socket.IO hands
// binary attachments over as ArrayBuffers; nothing here copies a buffer unless its
// alignment forces it.

/**
 * @param {Attachment} value
 * @returns {Uint8Array | null}
 */
function bytesOf(value) {
  if (value === null || value === undefined) return null;
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (ArrayBuffer.isView(value)) {
    return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  }
  throw new TypeError("expected a binary attachment");
}

/**
 * @template {Float32Array | Uint32Array} T
 * @param {Attachment} value
 * @param {{new (buffer: ArrayBufferLike, byteOffset?: number, length?: number): T,
 *   BYTES_PER_ELEMENT: number}} Type
 * @returns {T | null}
 */
function typed(value, Type) {
  const bytes = bytesOf(value);
  if (bytes === null) return null;
  if (bytes.byteOffset % Type.BYTES_PER_ELEMENT !== 0) {
    return new Type(bytes.slice().buffer);
  }
  return new Type(bytes.buffer, bytes.byteOffset, bytes.byteLength / Type.BYTES_PER_ELEMENT);
}

// All parameters arrive as one float32 block: W0, b0, W1, b1, ...
/**
 * @param {Float32Array} flat
 * @param {number[]} sizes
 */
function splitWeights(flat, sizes) {
  const W = [];
  const b = [];
  let at = 0;
  for (let l = 0; l + 1 < sizes.length; l++) {
    const n = sizes[l] * sizes[l + 1];
    W.push(flat.subarray(at, at + n));
    at += n;
    b.push(flat.subarray(at, at + sizes[l + 1]));
    at += sizes[l + 1];
  }
  return { W, b };
}

/**
 * @param {RawHistory | null} h
 * @returns {FrameHistory | null}
 */
function decodeHistory(h) {
  if (!h) return null;
  return {
    epoch: typed(h.epoch, Uint32Array) ?? new Uint32Array(0),
    trainLoss: typed(h.train_loss, Float32Array),
    testLoss: typed(h.test_loss, Float32Array),
    trainAcc: typed(h.train_acc, Float32Array),
    testAcc: typed(h.test_acc, Float32Array),
    lr: typed(h.lr, Float32Array),
  };
}

// A cheap fingerprint (FNV-1a) of what the frame shows, so a test can tell whether
// two pages drew the same frame without shipping the arrays around.
/** @param {...(ArrayBufferView | null)} arrays */
function fingerprint(...arrays) {
  let h = 0x811c9dc5;
  for (const a of arrays) {
    if (!a) continue;
    const bytes = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
    for (let i = 0; i < bytes.length; i++) {
      h ^= bytes[i];
      h = Math.imul(h, 0x01000193);
    }
  }
  return (h >>> 0).toString(16).padStart(8, "0");
}

/**
 * @param {RawFrame} raw
 * @returns {Frame}
 */
export function decodeFrame(raw) {
  const sizes = raw.sizes;
  const surfaceBytes = bytesOf(raw.surface);
  if (surfaceBytes === null) throw new TypeError("a frame without its surface");
  const [lo, hi] = raw.surface_range;
  const n = raw.grid;
  const surface = new Float32Array(surfaceBytes.length);
  const scale = (hi - lo) / 255;
  for (let i = 0; i < surfaceBytes.length; i++) surface[i] = lo + surfaceBytes[i] * scale;
  const weightsFlat = typed(raw.weights, Float32Array);
  /** @type {Frame} */
  const frame = {
    seq: raw.seq,
    epoch: raw.epoch,
    status: raw.status,
    sizes,
    features: raw.features,
    trainLoss: raw.train_loss,
    testLoss: raw.test_loss,
    trainAcc: raw.train_acc,
    testAcc: raw.test_acc,
    history: decodeHistory(raw.history),
    domain: raw.domain,
    grid: n,
    // C for a softmax output: each surface byte is then a class and its probability
    // (classes.js decodeClassByte), drawn from the bytes themselves (class_surface.js).
    classes: raw.classes ?? null,
    surface,
    surfaceBytes,
    surfaceRange: [lo, hi],
    // the epoch of the last finite surface, sent instead of this one's (null: current)
    surfaceEpoch: raw.surface_epoch ?? null,
    thumb: raw.thumb,
    neurons: bytesOf(raw.neurons),
    neuronRanges: typed(raw.neuron_ranges, Float32Array),
    weights: weightsFlat ? splitWeights(weightsFlat, sizes) : null,
    trainPoints: typed(raw.train_points, Float32Array),
    testPoints: typed(raw.test_points, Float32Array),
    digest: fingerprint(surfaceBytes, weightsFlat),
  };
  return frame;
}

// Row r of an n x n grid as a view, for Plotly's z (rows are y ascending).
/**
 * @param {Float32Array} values
 * @param {number} n
 * @returns {Float32Array[]}
 */
export function rows(values, n) {
  const out = new Array(n);
  for (let r = 0; r < n; r++) out[r] = values.subarray(r * n, (r + 1) * n);
  return out;
}
