/**
 * Decoding of tfjs weight shards: the tensors a manifest lists, stored back to back. One decoder
 * for both kinds of model this project reads: face-api's *weights-only* manifests (the dlib ResNet,
 * the 68-point net: float tensors out) and tfjs *graph models* (tfjs-graph-model.ts: int32 shape
 * constants stay integers). Pure: bytes in, tensors out.
 */

export interface TfjsQuantization {
  dtype: 'uint8' | 'uint16' | 'float16';
  scale?: number;
  min?: number;
}

/** One tensor of a manifest, as tfjs writes it (graph models' manifests name the same fields). */
export interface TfjsTensorSpec {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: { dtype: string; scale?: number; min?: number };
}

export interface TfjsWeightSpec extends TfjsTensorSpec {
  dtype: 'float32' | 'int32' | string;
  quantization?: TfjsQuantization;
}

export interface TfjsWeightGroup {
  paths: string[];
  weights: TfjsWeightSpec[];
}

export type TfjsWeightsManifest = TfjsWeightGroup[];

export interface FloatTensor {
  shape: number[];
  data: Float32Array;
}

export function elementCount(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Affine dequantization as tfjs does it: value = q * scale + min (rounded to float32). */
export function dequantizeAffine(q: Uint8Array | Uint16Array, scale: number, min: number): Float32Array {
  const out = new Float32Array(q.length);
  for (let i = 0; i < q.length; i++) out[i] = q[i] * scale + min;
  return out;
}

/**
 * A copy of bytes[start, end) in a fresh, aligned buffer, so typed-array views over it need no
 * particular offset. Not `bytes.slice`: on a Node Buffer (what readFile gives) slice is a view.
 */
export function copyOfRange(bytes: Uint8Array, start: number, end: number): Uint8Array {
  return Uint8Array.prototype.slice.call(bytes, start, end);
}

/** Bytes a tensor occupies in the shard stream. */
export function storedByteLength(spec: TfjsTensorSpec): number {
  const n = elementCount(spec.shape);
  const q = spec.quantization?.dtype;
  if (q === 'uint8') return n;
  if (q === 'uint16' || q === 'float16') return n * 2;
  if (spec.dtype === 'float32' || spec.dtype === 'int32') return n * 4;
  throw new Error(`unsupported dtype ${spec.dtype} for ${spec.name}`);
}

/** A tensor as stored: float32 unless the manifest says int32 (integers stay integers). */
export interface StoredTensor {
  shape: number[];
  data: Float32Array | Int32Array;
}

/**
 * Decodes the tensors `specs` lists, stored back to back in `bytes` in that order; `bytes` must
 * hold exactly them (a manifest and shards that disagree are refused, never half-read).
 */
export function decodeTensors(specs: readonly TfjsTensorSpec[], bytes: Uint8Array): Map<string, StoredTensor> {
  const out = new Map<string, StoredTensor>();
  let offset = 0;
  for (const spec of specs) {
    const len = storedByteLength(spec);
    if (offset + len > bytes.length) {
      throw new Error(`weights end at byte ${bytes.length}, ${spec.name} needs ${offset}..${offset + len}`);
    }
    const slice = copyOfRange(bytes, offset, offset + len);
    offset += len;
    out.set(spec.name, { shape: [...spec.shape], data: decodeTensor(spec, slice) });
  }
  if (offset !== bytes.length) throw new Error(`weights take ${offset} bytes but the shards hold ${bytes.length}: manifest and shards disagree`);
  return out;
}

/**
 * Decodes one weight group of a weights-only manifest into float tensors. `bytes` is the
 * concatenation of the group's shard files in `paths` order; tensors sit back to back in
 * `weights` order.
 */
export function decodeWeightGroup(group: TfjsWeightGroup, bytes: Uint8Array): Map<string, FloatTensor> {
  const out = new Map<string, FloatTensor>();
  for (const [name, { shape, data }] of decodeTensors(group.weights, bytes)) {
    out.set(name, { shape, data: data instanceof Int32Array ? Float32Array.from(data) : data });
  }
  return out;
}

/** `slice` is a fresh copy (copyOfRange), so typed views over it start aligned. */
function decodeTensor(spec: TfjsTensorSpec, slice: Uint8Array): Float32Array | Int32Array {
  const q = spec.quantization;
  if (q) {
    if (q.dtype === 'float16') return float16ToFloat32(slice);
    if (q.dtype !== 'uint8' && q.dtype !== 'uint16') throw new Error(`${spec.name}: quantization ${q.dtype} is not supported`);
    if (q.scale === undefined || q.min === undefined) throw new Error(`${spec.name}: quantization without scale/min`);
    const values = q.dtype === 'uint8' ? slice : new Uint16Array(slice.buffer, slice.byteOffset, slice.length / 2);
    return dequantizeAffine(values, q.scale, q.min);
  }
  if (spec.dtype === 'float32') return new Float32Array(slice.buffer, slice.byteOffset, slice.length / 4);
  if (spec.dtype === 'int32') return new Int32Array(slice.buffer, slice.byteOffset, slice.length / 4);
  throw new Error(`unsupported dtype ${spec.dtype} for ${spec.name}`);
}

/** IEEE half floats (little-endian) to float32. */
export function float16ToFloat32(bytes: Uint8Array): Float32Array {
  const out = new Float32Array(bytes.length / 2);
  for (let i = 0; i < out.length; i++) {
    const h = bytes[2 * i] | (bytes[2 * i + 1] << 8);
    const sign = h & 0x8000 ? -1 : 1;
    const exponent = (h >> 10) & 0x1f;
    const fraction = h & 0x3ff;
    if (exponent === 0) out[i] = sign * 2 ** -14 * (fraction / 1024);
    else if (exponent === 31) out[i] = fraction ? NaN : sign * Infinity;
    else out[i] = sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
  }
  return out;
}
