import { onnx } from 'onnx-proto';

/**
 * A minimal writer of ONNX graphs: float/int64 initializers, nodes with int/float/ints
 * attributes, one input and one output. Enough to rebuild a CNN from raw weights.
 */

type AttributeValue = number | number[] | string | { float: number };

const FLOAT = onnx.TensorProto.DataType.FLOAT;
const INT64 = onnx.TensorProto.DataType.INT64;

export interface GraphIo {
  name: string;
  /** Dimension sizes; a string makes that dimension symbolic (dynamic), e.g. 'batch'. */
  dims: Array<number | string>;
}

export class OnnxGraphBuilder {
  private readonly nodes: onnx.INodeProto[] = [];
  private readonly initializers: onnx.ITensorProto[] = [];
  private readonly names = new Set<string>();
  private counter = 0;

  /** A fresh value name with the given prefix. */
  name(prefix: string): string {
    let n = prefix;
    while (this.names.has(n)) n = `${prefix}_${++this.counter}`;
    this.names.add(n);
    return n;
  }

  floatInitializer(prefix: string, dims: number[], data: Float32Array): string {
    const count = dims.reduce((a, b) => a * b, 1);
    if (count !== data.length) throw new Error(`${prefix}: dims [${dims}] need ${count} values, got ${data.length}`);
    const name = this.name(prefix);
    this.initializers.push({ name, dims, dataType: FLOAT, rawData: littleEndianBytes(data) });
    return name;
  }

  int64Initializer(prefix: string, values: number[]): string {
    const name = this.name(prefix);
    const data = BigInt64Array.from(values.map((v) => BigInt(v)));
    this.initializers.push({ name, dims: [values.length], dataType: INT64, rawData: littleEndianBytes(data) });
    return name;
  }

  /** Adds a node and returns the name of its (single) output. */
  node(opType: string, inputs: string[], attributes: Record<string, AttributeValue> = {}, outputPrefix = opType.toLowerCase()): string {
    const output = this.name(outputPrefix);
    this.nodes.push({
      opType,
      name: `${output}_node`,
      input: inputs,
      output: [output],
      attribute: Object.entries(attributes).map(([key, value]) => attribute(key, value)),
    });
    return output;
  }

  /** Serialises the graph as an ONNX model (IR 8, default-domain opset `opset`). */
  toModel(options: { graphName: string; input: GraphIo; output: GraphIo; opset: number; producer: string; docString?: string }): Uint8Array {
    const model = onnx.ModelProto.create({
      irVersion: 8,
      producerName: options.producer,
      docString: options.docString,
      opsetImport: [{ domain: '', version: options.opset }],
      graph: {
        name: options.graphName,
        node: this.nodes,
        initializer: this.initializers,
        input: [valueInfo(options.input)],
        output: [valueInfo(options.output)],
      },
    });
    return onnx.ModelProto.encode(model).finish();
  }
}

function valueInfo(io: GraphIo): onnx.IValueInfoProto {
  return {
    name: io.name,
    type: {
      tensorType: {
        elemType: FLOAT,
        shape: { dim: io.dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

function attribute(name: string, value: AttributeValue): onnx.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) throw new Error(`attribute ${name}: use { float } for non-integers`);
    return { name, type: T.INT, i: value };
  }
  if (typeof value === 'string') return { name, type: T.STRING, s: new TextEncoder().encode(value) };
  if (Array.isArray(value)) return { name, type: T.INTS, ints: value };
  return { name, type: T.FLOAT, f: value.float };
}

/** ONNX raw_data is little-endian; so is every platform Node runs on, but say it rather than assume it. */
function littleEndianBytes(data: Float32Array | BigInt64Array): Uint8Array {
  const out = new Uint8Array(data.byteLength);
  const view = new DataView(out.buffer);
  if (data instanceof Float32Array) data.forEach((v, i) => view.setFloat32(i * 4, v, true));
  else data.forEach((v, i) => view.setBigInt64(i * 8, v, true));
  return out;
}
