import { OnnxGraphBuilder } from '../dlib/onnx-graph-builder';
import { attrInts, attrString, attrStrings, type ConstTensor, type TfjsGraphModelJson, type TfjsGraphNode } from './tfjs-graph-model';

/**
 * Converts a tfjs graph model of a face-embedding CNN into an ONNX graph, for exactly the ops such
 * models use (fused and plain convolutions, depthwise convolutions, element-wise arithmetic, PReLU
 * written as arithmetic, Pad, Reshape + MatMul, squeeze, Sum/Mean and an L2 normalisation). Only
 * the nodes the output depends on are converted. Anything else fails loudly with the op's name:
 * a converter that guesses would produce a model that embeds wrongly and quietly.
 *
 * TensorFlow runs NHWC; the ONNX graph runs NCHW (what ONNX Runtime's CPU kernels and the
 * project's embedding runner use): the input is [batch, 3, size, size] and every 4-D value inside
 * is NCHW, so per-channel constants are reshaped to [1, C, 1, 1] and axes are remapped.
 */

export interface TfjsGraphToOnnxOptions {
  /** The TF node whose value is the embedding. */
  outputNode: string;
  /** Square input side (the placeholder's H and W). */
  inputSize: number;
  /** Names of the ONNX graph's input and output. */
  inputName: string;
  outputName: string;
  /** Embedding size, for the output's declared shape. */
  dimension: number;
  graphName: string;
  docString?: string;
  /** An affine map applied to the input inside the graph (x * scale + bias), for a model trained on another pixel range than its callers feed. */
  inputAffine?: { scale: number; bias: number };
  /** Reverse the input's channels inside the graph (a model trained on BGR fed RGB). */
  reverseChannels?: boolean;
}

const OPSET = 13;

/** An ONNX value and whether it is a 4-D tensor in NCHW order (TF's NHWC axes must be remapped). */
interface Value {
  name: string;
  nchw: boolean;
}

/** NHWC axis → NCHW axis. */
const NHWC_TO_NCHW = [0, 2, 3, 1];

const ELEMENTWISE: Record<string, string> = { Add: 'Add', AddV2: 'Add', Sub: 'Sub', Mul: 'Mul', Maximum: 'Max', Minimum: 'Min' };
const UNARY: Record<string, string> = { Relu: 'Relu', Abs: 'Abs', Sigmoid: 'Sigmoid' };

export function tfjsGraphToOnnx(model: TfjsGraphModelJson, weights: ReadonlyMap<string, ConstTensor>, options: TfjsGraphToOnnxOptions): Uint8Array {
  const nodes = new Map(model.modelTopology.node.map((n) => [n.name, n]));
  const g = new OnnxGraphBuilder();
  g.name(options.inputName);
  const values = new Map<string, Value>();

  const constOf = (name: string): ConstTensor | undefined => {
    const node = nodes.get(name);
    return node?.op === 'Const' ? weights.get(name) : undefined;
  };
  const requireConst = (name: string, what: string): ConstTensor => {
    const t = constOf(name);
    if (!t) throw new Error(`${what}: input ${name} is not a constant with weights`);
    return t;
  };

  /** A constant used beside `partner` in an element-wise op: per-channel vectors follow NCHW. */
  const constValue = (t: ConstTensor, prefix: string, partner: Value | null): Value => {
    const data = Float32Array.from(t.data);
    if (t.shape.length <= 1 && data.length === 1) return { name: g.floatInitializer(prefix, [], data), nchw: false };
    if (t.shape.length === 1 && partner?.nchw) return { name: g.floatInitializer(prefix, [1, data.length, 1, 1], data), nchw: true };
    if (t.shape.length === 4 || (partner?.nchw && t.shape.length > 1)) throw new Error(`${prefix}: a ${t.shape.length}-D constant in an element-wise op is not supported`);
    return { name: g.floatInitializer(prefix, t.shape, data), nchw: false };
  };

  const convolution = (node: TfjsGraphNode, depthwise: boolean): Value => {
    const [inputName, weightName, biasName, extra] = node.input ?? [];
    const x = valueOf(inputName);
    if (!x.nchw) throw new Error(`${node.name}: a convolution needs a 4-D input`);
    const w = requireConst(weightName, node.name);
    if (w.shape.length !== 4) throw new Error(`${node.name}: filters of shape [${w.shape}]`);
    const [kh, kw, cin, cout] = w.shape; // HWIO, or for a depthwise conv [H, W, C, multiplier]
    const format = attrString(node, 'data_format') ?? 'NHWC';
    if (format !== 'NHWC') throw new Error(`${node.name}: data_format ${format}`);
    const strides = attrInts(node, 'strides') ?? [1, 1, 1, 1];
    const dilations = attrInts(node, 'dilations') ?? [1, 1, 1, 1];
    const padding = attrString(node, 'padding');
    const fused = node.op.startsWith('_Fused') || node.op.startsWith('Fused') ? attrStrings(node, 'fused_ops') : [];
    const outChannels = depthwise ? cin * cout : cout;
    const oihw = new Float32Array(outChannels * (depthwise ? 1 : cin) * kh * kw);
    for (let y = 0; y < kh; y++)
      for (let xk = 0; xk < kw; xk++)
        for (let i = 0; i < cin; i++)
          for (let o = 0; o < cout; o++) {
            const from = ((y * kw + xk) * cin + i) * cout + o;
            const to = depthwise ? ((i * cout + o) * kh + y) * kw + xk : ((o * cin + i) * kh + y) * kw + xk;
            oihw[to] = w.data[from];
          }
    const inputs = [x.name, g.floatInitializer(`${node.name}/W`, [outChannels, depthwise ? 1 : cin, kh, kw], oihw)];
    const rest = [...fused];
    if (rest[0] === 'BiasAdd') {
      rest.shift();
      const b = requireConst(biasName, node.name);
      inputs.push(g.floatInitializer(`${node.name}/B`, [outChannels], Float32Array.from(b.data)));
    }
    const attributes: Record<string, number | number[] | string> = { kernel_shape: [kh, kw], strides: [strides[1], strides[2]], dilations: [dilations[1], dilations[2]] };
    if (depthwise) attributes.group = cin;
    if (padding === 'SAME') attributes.auto_pad = 'SAME_UPPER'; // TF puts the odd pixel at the end, as SAME_UPPER does
    else if (padding === 'VALID') attributes.pads = [0, 0, 0, 0];
    else throw new Error(`${node.name}: padding ${padding}`);
    let out = g.node('Conv', inputs, attributes, node.name);
    for (const op of rest) {
      if (op === 'Relu') out = g.node('Relu', [out]);
      else if (op === 'Relu6') out = g.node('Clip', [out, g.floatInitializer('zero', [], Float32Array.of(0)), g.floatInitializer('six', [], Float32Array.of(6))]);
      else if (op === 'Prelu') {
        const alpha = requireConst(extra, node.name);
        out = g.node('PRelu', [out, g.floatInitializer(`${node.name}/alpha`, [outChannels, 1, 1], Float32Array.from(alpha.data))]);
      } else throw new Error(`${node.name}: fused op ${op} is not supported`);
    }
    return { name: out, nchw: true };
  };

  const convert = (node: TfjsGraphNode): Value => {
    const inputs = (node.input ?? []).filter((i) => !i.startsWith('^'));
    if (node.op === 'Placeholder') {
      const affine = options.inputAffine;
      const input = options.reverseChannels ? g.node('Gather', [options.inputName, g.int64Initializer('bgr', [2, 1, 0])], { axis: 1 }, 'input_reversed') : options.inputName;
      if (!affine) return { name: input, nchw: true };
      const scaled = g.node('Mul', [input, g.floatInitializer('input_scale', [], Float32Array.of(affine.scale))]);
      return { name: g.node('Add', [scaled, g.floatInitializer('input_bias', [], Float32Array.of(affine.bias))], {}, 'input_mapped'), nchw: true };
    }
    if (node.op === '_FusedConv2D' || node.op === 'Conv2D') return convolution(node, false);
    if (node.op === 'FusedDepthwiseConv2dNative' || node.op === 'DepthwiseConv2dNative') return convolution(node, true);
    if (UNARY[node.op]) {
      const x = valueOf(inputs[0]);
      return { name: g.node(UNARY[node.op], [x.name], {}, node.name), nchw: x.nchw };
    }
    if (ELEMENTWISE[node.op]) {
      const [a, b] = inputs;
      const ca = constOf(a);
      const cb = constOf(b);
      if (ca && cb) throw new Error(`${node.name}: both inputs constant`);
      const va = ca ? null : valueOf(a);
      const vb = cb ? null : valueOf(b);
      const left = va ?? constValue(ca!, a, vb);
      const right = vb ?? constValue(cb!, b, va);
      return { name: g.node(ELEMENTWISE[node.op], [left.name, right.name], {}, node.name), nchw: left.nchw || right.nchw };
    }
    if (node.op === 'Square') {
      const x = valueOf(inputs[0]);
      return { name: g.node('Mul', [x.name, x.name], {}, node.name), nchw: x.nchw };
    }
    if (node.op === 'Rsqrt') {
      const x = valueOf(inputs[0]);
      return { name: g.node('Reciprocal', [g.node('Sqrt', [x.name])], {}, node.name), nchw: x.nchw };
    }
    if (node.op === 'Squeeze') {
      const x = valueOf(inputs[0]);
      const dims = attrInts(node, 'squeeze_dims') ?? [];
      if (!x.nchw || dims.length !== 2) throw new Error(`${node.name}: only squeezing a 4-D value to 2-D is supported`);
      const axes = dims.map((d) => NHWC_TO_NCHW[d]).sort();
      return { name: g.node('Squeeze', [x.name, g.int64Initializer(`${node.name}/axes`, axes)], {}, node.name), nchw: false };
    }
    if (node.op === 'Sum' || node.op === 'Mean') {
      const x = valueOf(inputs[0]);
      const axes = Array.from(requireConst(inputs[1], node.name).data).map((a) => (x.nchw ? NHWC_TO_NCHW[a] : a));
      const keep = node.attr?.keep_dims?.b ?? false;
      if (x.nchw && !keep && axes.length !== 2) throw new Error(`${node.name}: reducing a 4-D value to a 4-D value of another order`);
      const op = node.op === 'Sum' ? 'ReduceSum' : 'ReduceMean';
      const out =
        op === 'ReduceSum'
          ? g.node(op, [x.name, g.int64Initializer(`${node.name}/axes`, axes)], { keepdims: keep ? 1 : 0 }, node.name)
          : g.node(op, [x.name], { axes, keepdims: keep ? 1 : 0 }, node.name);
      return { name: out, nchw: x.nchw && keep };
    }
    if (node.op === 'Pad') {
      const x = valueOf(inputs[0]);
      const paddings = Array.from(requireConst(inputs[1], node.name).data); // [[before, after] per NHWC axis]
      if (!x.nchw || paddings.length !== 8) throw new Error(`${node.name}: only padding a 4-D value is supported`);
      const order = [0, 3, 1, 2]; // NCHW axis -> its NHWC axis
      const pads = [...order.map((a) => paddings[2 * a]), ...order.map((a) => paddings[2 * a + 1])];
      return { name: g.node('Pad', [x.name, g.int64Initializer(`${node.name}/pads`, pads)], {}, node.name), nchw: true };
    }
    if (node.op === 'Reshape') {
      let x = valueOf(inputs[0]);
      // TF flattens in NHWC order: go back to it first, or the features come out permuted.
      if (x.nchw) x = { name: g.node('Transpose', [x.name], { perm: [0, 2, 3, 1] }), nchw: false };
      const shape = Array.from(requireConst(inputs[1], node.name).data);
      if (shape.length === 4) throw new Error(`${node.name}: reshaping to 4-D is not supported`);
      return { name: g.node('Reshape', [x.name, g.int64Initializer(`${node.name}/shape`, shape)], {}, node.name), nchw: false };
    }
    if (node.op === 'MatMul') {
      const x = valueOf(inputs[0]);
      const w = requireConst(inputs[1], node.name);
      if (x.nchw || w.shape.length !== 2 || node.attr?.transpose_a?.b || node.attr?.transpose_b?.b) throw new Error(`${node.name}: only [n, k] x constant [k, m] is supported`);
      return { name: g.node('MatMul', [x.name, g.floatInitializer(`${node.name}/W`, w.shape, Float32Array.from(w.data))], {}, node.name), nchw: false };
    }
    throw new Error(`${node.name}: op ${node.op} is not supported by this converter`);
  };

  const valueOf = (ref: string): Value => {
    const name = ref.replace(/:0$/, '');
    const known = values.get(name);
    if (known) return known;
    const node = nodes.get(name);
    if (!node) throw new Error(`node ${name} is not in the graph`);
    if (node.op === 'Const') throw new Error(`${name}: a constant used where a computed value is expected`);
    const value = convert(node);
    values.set(name, value);
    return value;
  };

  let output = valueOf(options.outputNode);
  // A 4-D output (e.g. a pooled [n, 1, 1, c] feature map) is flattened in TF's NHWC order, so the
  // features come out in the order tfjs gives them whatever the map's size.
  if (output.nchw) output = { name: g.node('Flatten', [g.node('Transpose', [output.name], { perm: [0, 2, 3, 1] })], { axis: 1 }), nchw: false };
  const named = g.node('Identity', [output.name], {}, options.outputName);
  if (named !== options.outputName) throw new Error(`output name ${options.outputName} is taken`);
  return g.toModel({
    graphName: options.graphName,
    input: { name: options.inputName, dims: ['batch', 3, options.inputSize, options.inputSize] },
    output: { name: options.outputName, dims: ['batch', options.dimension] },
    opset: OPSET,
    producer: 'faceshard tfjs-graph-to-onnx',
    docString: options.docString,
  });
}
