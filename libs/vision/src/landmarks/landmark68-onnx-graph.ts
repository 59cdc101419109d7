import type { FloatTensor } from '../recognition/tfjs-weights';
import { hwioToOihw } from '../recognition/dlib/conv-folding';
import { OnnxGraphBuilder } from '../recognition/dlib/onnx-graph-builder';
import {
  LANDMARK68_BLOCKS,
  LANDMARK68_INPUT_DIVISOR,
  LANDMARK68_INPUT_SIZE,
  LANDMARK68_MEAN_RGB,
  LANDMARK68_POINTS,
  tfSamePadding,
} from './landmark68-architecture';

export const LANDMARK68_ONNX_INPUT = 'image';
export const LANDMARK68_ONNX_OUTPUT = 'landmarks';
const OPSET = 13;

/**
 * Builds face-api's FaceLandmark68Net as an ONNX model from its decoded weights.
 * Input `image` [batch, 3, 112, 112] float RGB 0..255; output `landmarks` [batch, 136]:
 * x0, y0, x1, y1, ... as fractions of the 112-pixel input side.
 */
export function buildLandmark68Onnx(weights: ReadonlyMap<string, FloatTensor>): Uint8Array {
  const g = new OnnxGraphBuilder();
  g.name(LANDMARK68_ONNX_INPUT);
  const get = (name: string): FloatTensor => {
    const t = weights.get(name);
    if (!t) throw new Error(`weight ${name} is missing`);
    return t;
  };

  /** TF 'same' pads for a 3x3 window on a square side, as ONNX [top, left, bottom, right]. */
  const samePads = (side: number, stride: number): number[] => {
    const p = tfSamePadding(side, 3, stride);
    return [p.before, p.before, p.after, p.after];
  };

  const plainConv = (x: string, prefix: string, side: number, stride: number): string => {
    const filters = get(`${prefix}/filters`);
    const oihw = hwioToOihw(filters.data, filters.shape);
    const w = g.floatInitializer(`${prefix}/W`, oihw.shape, oihw.data);
    const b = g.floatInitializer(`${prefix}/B`, [oihw.shape[0]!], get(`${prefix}/bias`).data);
    return g.node('Conv', [x, w, b], { kernel_shape: [3, 3], strides: [stride, stride], pads: samePads(side, stride) }, prefix);
  };

  /**
   * tf.separableConv2d(x, depthwise [3,3,C,1], pointwise [1,1,C,O], stride, 'same') + bias:
   * a grouped 3x3 conv (group = C, stride on it) and a 1x1 conv carrying the bias.
   */
  const separableConv = (x: string, prefix: string, side: number, stride: number): string => {
    const dw = get(`${prefix}/depthwise_filter`);
    const [kh, kw, c, multiplier] = dw.shape;
    if (kh !== 3 || kw !== 3 || multiplier !== 1) throw new Error(`${prefix}: depthwise filter [${dw.shape}], expected [3,3,C,1]`);
    // HWIO with O = 1 re-laid as OIHW is [1, C, 3, 3]; the same bytes read as [C, 1, 3, 3] are ONNX's grouped-conv layout.
    const dwW = g.floatInitializer(`${prefix}/depthwise`, [c!, 1, 3, 3], hwioToOihw(dw.data, dw.shape).data);
    const depthwise = g.node('Conv', [x, dwW], { kernel_shape: [3, 3], strides: [stride, stride], pads: samePads(side, stride), group: c! }, `${prefix}/dw`);
    const pw = get(`${prefix}/pointwise_filter`);
    const pwOihw = hwioToOihw(pw.data, pw.shape);
    const pwW = g.floatInitializer(`${prefix}/pointwise`, pwOihw.shape, pwOihw.data);
    const b = g.floatInitializer(`${prefix}/B`, [pwOihw.shape[0]!], get(`${prefix}/bias`).data);
    return g.node('Conv', [depthwise, pwW, b], { kernel_shape: [1, 1], strides: [1, 1], pads: [0, 0, 0, 0] }, prefix);
  };

  const mean = g.floatInitializer('mean_rgb', [1, 3, 1, 1], Float32Array.from(LANDMARK68_MEAN_RGB));
  const invDivisor = g.floatInitializer('inv_divisor', [1], Float32Array.of(1 / LANDMARK68_INPUT_DIVISOR));
  let x = g.node('Mul', [g.node('Sub', [LANDMARK68_ONNX_INPUT, mean]), invDivisor], {}, 'normalised');
  let side = LANDMARK68_INPUT_SIZE;

  for (const block of LANDMARK68_BLOCKS) {
    const first = `${block.name}/conv0`;
    const out1 = g.node('Relu', [block.plainFirstConv ? plainConv(x, first, side, 2) : separableConv(x, first, side, 2)]);
    side = tfSamePadding(side, 3, 2).out;
    const out2 = separableConv(out1, `${block.name}/conv1`, side, 1);
    const sum12 = g.node('Add', [out1, out2]);
    const out3 = separableConv(g.node('Relu', [sum12]), `${block.name}/conv2`, side, 1);
    const sum123 = g.node('Add', [sum12, out3]);
    const out4 = separableConv(g.node('Relu', [sum123]), `${block.name}/conv3`, side, 1);
    x = g.node('Relu', [g.node('Add', [sum123, out4])], {}, block.name);
  }
  // face-api: avgPool 7x7 stride 2 'valid' on the 7x7 map = the global mean.
  if (side !== 7) throw new Error(`feature map is ${side}x${side}, face-api pools a 7x7 one`);
  const pooled = g.node('Flatten', [g.node('GlobalAveragePool', [x])], { axis: 1 });
  const fcW = get('fc/weights');
  if (fcW.shape[0] !== 256 || fcW.shape[1] !== LANDMARK68_POINTS * 2) throw new Error(`fc/weights is [${fcW.shape}], expected [256, 136]`);
  const w = g.floatInitializer('fc/W', fcW.shape, fcW.data);
  const b = g.floatInitializer('fc/B', [LANDMARK68_POINTS * 2], get('fc/bias').data);
  const out = g.node('Add', [g.node('MatMul', [pooled, w]), b], {}, 'fc_out');
  if (g.node('Identity', [out], {}, LANDMARK68_ONNX_OUTPUT) !== LANDMARK68_ONNX_OUTPUT) throw new Error('output name taken');

  return g.toModel({
    graphName: 'face_landmark_68',
    input: { name: LANDMARK68_ONNX_INPUT, dims: ['batch', 3, LANDMARK68_INPUT_SIZE, LANDMARK68_INPUT_SIZE] },
    output: { name: LANDMARK68_ONNX_OUTPUT, dims: ['batch', LANDMARK68_POINTS * 2] },
    opset: OPSET,
    producer: 'faceshard landmark68-onnx-graph',
    docString: 'face-api FaceLandmark68Net rebuilt from @vladmandic/face-api weights (MIT)',
  });
}
