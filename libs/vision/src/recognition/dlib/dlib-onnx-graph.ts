import type { FloatTensor } from '../tfjs-weights';
import { foldConvScale, hwioToOihw } from './conv-folding';
import { OnnxGraphBuilder } from './onnx-graph-builder';
import {
  DLIB_BLOCKS,
  DLIB_DIMENSION,
  DLIB_FC,
  DLIB_INPUT_DIVISOR,
  DLIB_INPUT_SIZE,
  DLIB_MEAN_RGB,
  DLIB_STEM,
  downBlockSides,
  validOutputSide,
} from './dlib-architecture';

export const DLIB_ONNX_INPUT = 'image';
export const DLIB_ONNX_OUTPUT = 'descriptor';
const OPSET = 13;

/**
 * Builds the dlib ResNet as an ONNX model from face-api's decoded weights.
 * Input `image` [batch, 3, 150, 150] float RGB 0..255; output `descriptor` [batch, 128] (raw, not
 * L2-normalised, so it matches dlib's Euclidean rule too).
 */
export function buildDlibResNetOnnx(weights: ReadonlyMap<string, FloatTensor>): Uint8Array {
  const g = new OnnxGraphBuilder();
  g.name(DLIB_ONNX_INPUT); // reserve the graph input's name
  const get = (name: string): FloatTensor => {
    const t = weights.get(name);
    if (!t) throw new Error(`weight ${name} is missing`);
    return t;
  };

  /** conv + bias + scale layer folded into one Conv; 'same' means symmetric padding k/2. */
  const conv = (x: string, prefix: string, kernel: number, stride: number, padding: 'valid' | 'same'): string => {
    const filters = get(`${prefix}/conv/filters`);
    if (filters.shape[0] !== kernel || filters.shape[1] !== kernel) throw new Error(`${prefix}: filters [${filters.shape}], expected ${kernel}x${kernel}`);
    const oihw = hwioToOihw(filters.data, filters.shape);
    const folded = foldConvScale(oihw.data, get(`${prefix}/conv/bias`).data, get(`${prefix}/scale/weights`).data, get(`${prefix}/scale/biases`).data);
    const w = g.floatInitializer(`${prefix}/W`, oihw.shape, folded.weights);
    const b = g.floatInitializer(`${prefix}/B`, [oihw.shape[0]], folded.bias);
    const p = padding === 'same' ? Math.floor(kernel / 2) : 0;
    return g.node('Conv', [x, w, b], { kernel_shape: [kernel, kernel], strides: [stride, stride], pads: [p, p, p, p] }, prefix);
  };

  // Normalisation inside the graph: (x - mean) * (1/256).
  const mean = g.floatInitializer('mean_rgb', [1, 3, 1, 1], Float32Array.from(DLIB_MEAN_RGB));
  const invDivisor = g.floatInitializer('inv_divisor', [1], Float32Array.of(1 / DLIB_INPUT_DIVISOR));
  let x = g.node('Mul', [g.node('Sub', [DLIB_ONNX_INPUT, mean]), invDivisor], {}, 'normalised');

  x = g.node('Relu', [conv(x, DLIB_STEM.name, DLIB_STEM.kernel, DLIB_STEM.stride, 'valid')]);
  x = g.node('MaxPool', [x], { kernel_shape: [3, 3], strides: [2, 2], pads: [0, 0, 0, 0] });
  let side = validOutputSide(validOutputSide(DLIB_INPUT_SIZE, DLIB_STEM.kernel, DLIB_STEM.stride), 3, 2);

  for (const block of DLIB_BLOCKS) {
    if (!block.down) {
      const main = conv(g.node('Relu', [conv(x, `${block.name}/conv1`, 3, 1, 'same')]), `${block.name}/conv2`, 3, 1, 'same');
      x = g.node('Relu', [g.node('Add', [main, x])], {}, block.name);
      continue;
    }
    const sides = downBlockSides(side);
    let main = conv(g.node('Relu', [conv(x, `${block.name}/conv1`, 3, 2, 'valid')]), `${block.name}/conv2`, 3, 1, 'same');
    if (sides.pad > 0) {
      // One zero row at the bottom and one zero column at the right, as face-api's concat does.
      main = g.node('Pad', [main, g.int64Initializer(`${block.name}/spatial_pads`, [0, 0, 0, 0, 0, 0, sides.pad, sides.pad])]);
    }
    let shortcut = g.node('AveragePool', [x], { kernel_shape: [2, 2], strides: [2, 2], pads: [0, 0, 0, 0] });
    const extra = block.outChannels - block.inChannels;
    if (extra > 0) {
      // Zero channels appended after the pooled ones.
      shortcut = g.node('Pad', [shortcut, g.int64Initializer(`${block.name}/channel_pads`, [0, 0, 0, 0, 0, extra, 0, 0])]);
    }
    x = g.node('Relu', [g.node('Add', [main, shortcut])], {}, block.name);
    side = sides.shortcut;
  }

  const pooled = g.node('Flatten', [g.node('GlobalAveragePool', [x])], { axis: 1 });
  const fc = get(DLIB_FC);
  if (fc.shape[0] !== 256 || fc.shape[1] !== DLIB_DIMENSION) throw new Error(`fc is [${fc.shape}], expected [256, ${DLIB_DIMENSION}]`);
  const fcName = g.floatInitializer(DLIB_FC, fc.shape, fc.data);
  const out = g.node('MatMul', [pooled, fcName], {}, 'fc_out');
  if (g.node('Identity', [out], {}, DLIB_ONNX_OUTPUT) !== DLIB_ONNX_OUTPUT) throw new Error('output name taken');

  return g.toModel({
    graphName: 'dlib_resnet_v1',
    input: { name: DLIB_ONNX_INPUT, dims: ['batch', 3, DLIB_INPUT_SIZE, DLIB_INPUT_SIZE] },
    output: { name: DLIB_ONNX_OUTPUT, dims: ['batch', DLIB_DIMENSION] },
    opset: OPSET,
    producer: 'faceshard dlib-onnx-graph',
    docString: 'dlib ResNet-29 face descriptor rebuilt from @vladmandic/face-api weights (dlib weights: public domain)',
  });
}
