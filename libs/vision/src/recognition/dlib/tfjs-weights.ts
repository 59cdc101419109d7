/**
 * Decoding of a tfjs *weights-only* manifest (weights_manifest.json + binary shards), as
 * face-api ships its models. Pure: bytes in, float tensors out.
 */

export interface TfjsQuantization {
  dtype: 'uint8' | 'uint16' | 'float16';
  scale?: number;
  min?: number;
}

export interface TfjsWeightSpec {
  name: string;
  shape: number[];
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
export function storedByteLength(spec: TfjsWeightSpec): number {
  const n = elementCount(spec.shape);
  const q = spec.quantization?.dtype;
  if (q === 'uint8') return n;
  if (q === 'uint16' || q === 'float16') return n * 2;
  if (spec.dtype === 'float32' || spec.dtype === 'int32') return n * 4;
  throw new Error(`unsupported dtype ${spec.dtype} for ${spec.name}`);
}

/**
 * Decodes one weight group. `bytes` is the concatenation of the group's shard files in `paths`
 * order; tensors sit back to back in `weights` order.
 */
export function decodeWeightGroup(group: TfjsWeightGroup, bytes: Uint8Array): Map<string, FloatTensor> {
  const out = new Map<string, FloatTensor>();
  let offset = 0;
  for (const spec of group.weights) {
    const len = storedByteLength(spec);
    if (offset + len > bytes.length) {
      throw new Error(`weights end at byte ${bytes.length}, ${spec.name} needs ${offset}..${offset + len}`);
    }
    const slice = copyOfRange(bytes, offset, offset + len);
    offset += len;
    out.set(spec.name, { shape: [...spec.shape], data: decodeTensor(spec, slice) });
  }
  if (offset !== bytes.length) throw new Error(`weights use ${offset} bytes of ${bytes.length}: manifest and shards disagree`);
  return out;
}

function decodeTensor(spec: TfjsWeightSpec, slice: Uint8Array): Float32Array {
  const q = spec.quantization;
  if (q) {
    if (q.dtype === 'float16') throw new Error(`float16 quantization (${spec.name}) is not supported`);
    if (q.scale === undefined || q.min === undefined) throw new Error(`${spec.name}: quantization without scale/min`);
    const values = q.dtype === 'uint8' ? slice : new Uint16Array(slice.buffer, slice.byteOffset, slice.length / 2);
    return dequantizeAffine(values, q.scale, q.min);
  }
  if (spec.dtype === 'float32') return new Float32Array(slice.buffer, slice.byteOffset, slice.length / 4);
  if (spec.dtype === 'int32') return Float32Array.from(new Int32Array(slice.buffer, slice.byteOffset, slice.length / 4));
  throw new Error(`unsupported dtype ${spec.dtype} for ${spec.name}`);
}
