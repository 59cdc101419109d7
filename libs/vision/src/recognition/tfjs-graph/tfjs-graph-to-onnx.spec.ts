import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { loadGraphModel } from '@tensorflow/tfjs-converter';
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import type { TfjsGraphModelJson, TfjsGraphNode, TfjsGraphWeightSpec } from './tfjs-graph-model';
import { decodeGraphWeights } from './tfjs-graph-model';
import { tfjsGraphToOnnx } from './tfjs-graph-to-onnx';

/**
 * The converter against tfjs itself (an independent implementation of every op) on a small graph
 * with the shapes of MobileFaceNet's ops: a fused conv with SAME padding and stride 2 (TF pads the
 * odd pixel at the end), a depthwise conv with a channel multiplier and VALID padding, PReLU as
 * relu(x) + alpha * (x - |x|), squeeze, and an L2 normalisation by Square/Sum/Maximum/Rsqrt.
 */

const b64 = (s: string) => Buffer.from(s).toString('base64');
const ints = (...v: number[]) => ({ list: { i: v.map(String) } });
const f32 = { type: 'DT_FLOAT' };

function random(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    out[i] = (s / 0x7fffffff) * 2 - 1;
  }
  return out;
}

const SIDE = 8; // even: SAME padding of a 3x3 kernel at stride 2 is asymmetric (0 before, 1 after in TF)
const C_IN = 3;
const C1 = 4;
const MULT = 2;

function tinyGraph(): { model: TfjsGraphModelJson; bytes: Uint8Array } {
  const consts: Array<{ spec: TfjsGraphWeightSpec; data: Float32Array | Int32Array }> = [
    { spec: { name: 'conv/W', shape: [3, 3, C_IN, C1], dtype: 'float32' }, data: random(3 * 3 * C_IN * C1, 1) },
    { spec: { name: 'conv/B', shape: [C1], dtype: 'float32' }, data: random(C1, 2) },
    { spec: { name: 'prelu/half_alpha', shape: [C1], dtype: 'float32' }, data: random(C1, 3) },
    { spec: { name: 'dw/W', shape: [4, 4, C1, MULT], dtype: 'float32' }, data: random(4 * 4 * C1 * MULT, 4) },
    { spec: { name: 'dw/B', shape: [C1 * MULT], dtype: 'float32' }, data: random(C1 * MULT, 5) },
    { spec: { name: 'sum/axes', shape: [1], dtype: 'int32' }, data: Int32Array.of(1) },
    { spec: { name: 'eps', shape: [], dtype: 'float32' }, data: Float32Array.of(1e-10) },
  ];
  const constNode = (name: string): TfjsGraphNode => ({ name, op: 'Const', attr: { dtype: name === 'sum/axes' ? { type: 'DT_INT32' } : f32 } });
  const node: TfjsGraphNode[] = [
    { name: 'x', op: 'Placeholder', attr: { dtype: f32, shape: { shape: { dim: [{ size: '-1' }, { size: String(SIDE) }, { size: String(SIDE) }, { size: String(C_IN) }] } } } },
    ...consts.map((c) => constNode(c.spec.name)),
    {
      name: 'conv',
      op: '_FusedConv2D',
      input: ['x', 'conv/W', 'conv/B'],
      attr: { T: f32, num_args: { i: '1' }, padding: { s: b64('SAME') }, strides: ints(1, 2, 2, 1), dilations: ints(1, 1, 1, 1), data_format: { s: b64('NHWC') }, fused_ops: { list: { s: [b64('BiasAdd')] } }, epsilon: { f: 0 } },
    },
    { name: 'relu', op: 'Relu', input: ['conv'], attr: { T: f32 } },
    { name: 'abs', op: 'Abs', input: ['conv'], attr: { T: f32 } },
    { name: 'sub', op: 'Sub', input: ['conv', 'abs'], attr: { T: f32 } },
    { name: 'mul', op: 'Mul', input: ['sub', 'prelu/half_alpha'], attr: { T: f32 } },
    { name: 'prelu', op: 'Add', input: ['relu', 'mul'], attr: { T: f32 } },
    {
      name: 'dw',
      op: 'FusedDepthwiseConv2dNative',
      input: ['prelu', 'dw/W', 'dw/B'],
      attr: { T: f32, num_args: { i: '1' }, padding: { s: b64('VALID') }, strides: ints(1, 1, 1, 1), dilations: ints(1, 1, 1, 1), data_format: { s: b64('NHWC') }, fused_ops: { list: { s: [b64('BiasAdd'), b64('Relu')] } } },
    },
    { name: 'squeeze', op: 'Squeeze', input: ['dw'], attr: { T: f32, squeeze_dims: ints(1, 2) } },
    { name: 'sq', op: 'Square', input: ['squeeze'], attr: { T: f32 } },
    { name: 'sum', op: 'Sum', input: ['sq', 'sum/axes'], attr: { T: f32, Tidx: { type: 'DT_INT32' }, keep_dims: { b: true } } },
    { name: 'max', op: 'Maximum', input: ['sum', 'eps'], attr: { T: f32 } },
    { name: 'rsqrt', op: 'Rsqrt', input: ['max'], attr: { T: f32 } },
    { name: 'out', op: 'Mul', input: ['squeeze', 'rsqrt'], attr: { T: f32 } },
  ];
  const bytes = Buffer.concat(consts.map((c) => Buffer.from(c.data.buffer)));
  return { model: { format: 'graph-model', modelTopology: { node, versions: { producer: 1395 } }, weightsManifest: [{ paths: ['w.bin'], weights: consts.map((c) => c.spec) }] }, bytes };
}

/** The tiny graph converted up to `outputNode`, and tfjs loading the same graph as the reference. */
async function convertedAndReference(outputNode: string): Promise<{ session: ort.InferenceSession; reference: Awaited<ReturnType<typeof loadGraphModel>> }> {
  const { model, bytes } = tinyGraph();
  const onnxBytes = tfjsGraphToOnnx(model, decodeGraphWeights(model, bytes), { outputNode, inputSize: SIDE, inputName: 'input', outputName: 'embedding', dimension: C1 * MULT, graphName: 'tiny' });
  const session = await ort.InferenceSession.create(onnxBytes);
  const reference = await loadGraphModel(
    tf.io.fromMemory({ modelTopology: model.modelTopology, weightSpecs: model.weightsManifest[0].weights as tf.io.WeightsManifestEntry[], weightData: Uint8Array.from(bytes).buffer, format: 'graph-model' }),
  );
  return { session, reference };
}

describe('tfjsGraphToOnnx', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('computes what tfjs computes on the same graph (SAME/stride 2, depthwise with multiplier, PReLU arithmetic, squeeze, L2 norm)', async () => {
    const { session, reference } = await convertedAndReference('out');
    const batch = 2;
    const nhwc = random(batch * SIDE * SIDE * C_IN, 99);
    const expected = (reference.execute(tf.tensor4d(nhwc, [batch, SIDE, SIDE, C_IN])) as tf.Tensor).dataSync() as Float32Array;
    const nchw = new Float32Array(nhwc.length);
    for (let n = 0; n < batch; n++)
      for (let y = 0; y < SIDE; y++)
        for (let x = 0; x < SIDE; x++) for (let c = 0; c < C_IN; c++) nchw[((n * C_IN + c) * SIDE + y) * SIDE + x] = nhwc[((n * SIDE + y) * SIDE + x) * C_IN + c];
    const actual = (await session.run({ input: new ort.Tensor('float32', nchw, [batch, C_IN, SIDE, SIDE]) })).embedding;
    expect(actual.dims).toEqual([batch, C1 * MULT]);
    expect(expected.length).toBe(batch * C1 * MULT);
    let maxDiff = 0;
    for (let i = 0; i < expected.length; i++) maxDiff = Math.max(maxDiff, Math.abs(expected[i] - (actual.data as Float32Array)[i]));
    expect(maxDiff).toBeLessThan(1e-5);
    await session.release();
  });

  it('applies the input map inside the graph: reversed channels and x * scale + bias give what the plain graph gives on the mapped input', async () => {
    const { model, bytes } = tinyGraph();
    const weights = decodeGraphWeights(model, bytes);
    const base = { outputNode: 'out', inputSize: SIDE, inputName: 'input', outputName: 'embedding', dimension: C1 * MULT, graphName: 'tiny' };
    const plain = await ort.InferenceSession.create(tfjsGraphToOnnx(model, weights, base));
    const mapped = await ort.InferenceSession.create(tfjsGraphToOnnx(model, weights, { ...base, inputAffine: { scale: 128, bias: 127.5 }, reverseChannels: true }));
    const plane = SIDE * SIDE;
    const fed = random(C_IN * plane, 5);
    const byHand = new Float32Array(fed.length);
    for (let c = 0; c < C_IN; c++) for (let i = 0; i < plane; i++) byHand[c * plane + i] = fed[(C_IN - 1 - c) * plane + i] * 128 + 127.5;
    const a = (await mapped.run({ input: new ort.Tensor('float32', fed, [1, C_IN, SIDE, SIDE]) })).embedding.data as Float32Array;
    const b = (await plain.run({ input: new ort.Tensor('float32', byHand, [1, C_IN, SIDE, SIDE]) })).embedding.data as Float32Array;
    const unmapped = (await plain.run({ input: new ort.Tensor('float32', fed, [1, C_IN, SIDE, SIDE]) })).embedding.data as Float32Array;
    for (let i = 0; i < a.length; i++) expect(a[i]).toBeCloseTo(b[i], 5);
    expect(Math.max(...Array.from(a, (v, i) => Math.abs(v - unmapped[i])))).toBeGreaterThan(1e-3); // the map changes the answer
    await Promise.all([plain.release(), mapped.release()]);
  });

  it('flattens a pooled 4-D output ([n, 1, 1, c], e.g. the depthwise before the squeeze) to what tfjs gives for that node', async () => {
    const { session, reference } = await convertedAndReference('dw');
    const nhwc = random(SIDE * SIDE * C_IN, 17);
    const expected = (reference.execute(tf.tensor4d(nhwc, [1, SIDE, SIDE, C_IN]), 'dw') as tf.Tensor).dataSync() as Float32Array;
    const nchw = new Float32Array(nhwc.length);
    for (let y = 0; y < SIDE; y++) for (let x = 0; x < SIDE; x++) for (let c = 0; c < C_IN; c++) nchw[(c * SIDE + y) * SIDE + x] = nhwc[(y * SIDE + x) * C_IN + c];
    const actual = (await session.run({ input: new ort.Tensor('float32', nchw, [1, C_IN, SIDE, SIDE]) })).embedding;
    expect(actual.dims).toEqual([1, C1 * MULT]);
    expect(expected.length).toBe(C1 * MULT);
    for (let i = 0; i < expected.length; i++) expect((actual.data as Float32Array)[i]).toBeCloseTo(expected[i], 5);
    await session.release();
  });

  it('names the node and op it cannot convert instead of guessing', () => {
    const { model, bytes } = tinyGraph();
    const broken: TfjsGraphModelJson = { ...model, modelTopology: { node: model.modelTopology.node.map((n) => (n.name === 'abs' ? { ...n, op: 'Erf' } : n)) } };
    expect(() => tfjsGraphToOnnx(broken, decodeGraphWeights(broken, bytes), { outputNode: 'out', inputSize: SIDE, inputName: 'input', outputName: 'embedding', dimension: 8, graphName: 'tiny' })).toThrow(
      /abs: op Erf is not supported/,
    );
  });
});
