/**
 * face-api's FaceLandmark68Net (@vladmandic/face-api src/faceFeatureExtractor/FaceFeatureExtractor.ts,
 * denseBlock.ts, src/faceLandmarkNet/*.ts, src/faceProcessor/FaceProcessor.ts), as data.
 * Graph construction lives in landmark68-onnx-graph.ts.
 *
 * input 112x112 RGB, (x - mean) / 255 -> dense0 (plain 3x3 conv, stride 2) -> dense1..3 (depthwise
 * separable convs, stride 2) -> 7x7 average pool -> fc 256 -> 136 = 68 (x, y) pairs in [0, 1] of the input.
 */

export const LANDMARK68_INPUT_SIZE = 112;
export const LANDMARK68_POINTS = 68;
/** face-api's FaceFeatureExtractor subtracts the same RGB means as dlib ... */
export const LANDMARK68_MEAN_RGB = [122.782, 117.001, 104.298] as const;
/** ... and divides by 255 (this net was trained by face-api with that input). */
export const LANDMARK68_INPUT_DIVISOR = 255;

/**
 * A dense block of four convs: conv0 (stride 2) then conv1..3 (stride 1), each conv's input being
 * the ReLU of the sum of all previous outputs of the block (out1, out1+out2, out1+out2+out3).
 */
export interface Landmark68DenseBlock {
  name: string;
  inChannels: number;
  outChannels: number;
  /** dense0's conv0 is a plain conv (filters + bias); every other conv is depthwise separable. */
  plainFirstConv: boolean;
}

export const LANDMARK68_BLOCKS: readonly Landmark68DenseBlock[] = [
  { name: 'dense0', inChannels: 3, outChannels: 32, plainFirstConv: true },
  { name: 'dense1', inChannels: 32, outChannels: 64, plainFirstConv: false },
  { name: 'dense2', inChannels: 64, outChannels: 128, plainFirstConv: false },
  { name: 'dense3', inChannels: 128, outChannels: 256, plainFirstConv: false },
];

/**
 * TensorFlow 'same' padding of one spatial axis: output ceil(n / s); the total padding goes
 * half before, and the odd pixel AFTER (unlike a symmetric pad). At stride 2 on an even side
 * a 3x3 window needs 0 before and 1 after.
 */
export function tfSamePadding(n: number, kernel: number, stride: number): { out: number; before: number; after: number } {
  const out = Math.ceil(n / stride);
  const total = Math.max((out - 1) * stride + kernel - n, 0);
  const before = Math.floor(total / 2);
  return { out, before, after: total - before };
}
