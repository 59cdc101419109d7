/**
 * The dlib ResNet-29 face descriptor network ("dlib_face_recognition_resnet_model_v1"), as
 * face-api's FaceRecognitionNet runs it (src/faceRecognitionNet/*.ts in @vladmandic/face-api).
 * Data only; onnx graph construction lives in dlib-onnx-graph.ts.
 */

export const DLIB_INPUT_SIZE = 150;
export const DLIB_DIMENSION = 128;

/** dlib's input layer subtracts these RGB means ... */
export const DLIB_MEAN_RGB = [122.782, 117.001, 104.298] as const;
/**
 * ... and divides by 256 (dlib input_rgb_image: (pixel - avg) / 256). face-api divides by 255
 * instead; we follow dlib, whose training the weights come from. 1/256 is also exact in float.
 */
export const DLIB_INPUT_DIVISOR = 256;

/** One residual block: two 3x3 convs; '*_down' blocks start with a stride-2 'valid' conv. */
export interface DlibResidualBlock {
  name: string;
  down: boolean;
  inChannels: number;
  outChannels: number;
}

/** Stem: 7x7 stride 2 'valid' conv (+ ReLU), then MaxPool 3x3 stride 2 'valid'. */
export const DLIB_STEM = { name: 'conv32_down', kernel: 7, stride: 2, outChannels: 32 } as const;

export const DLIB_BLOCKS: readonly DlibResidualBlock[] = [
  { name: 'conv32_1', down: false, inChannels: 32, outChannels: 32 },
  { name: 'conv32_2', down: false, inChannels: 32, outChannels: 32 },
  { name: 'conv32_3', down: false, inChannels: 32, outChannels: 32 },
  { name: 'conv64_down', down: true, inChannels: 32, outChannels: 64 },
  { name: 'conv64_1', down: false, inChannels: 64, outChannels: 64 },
  { name: 'conv64_2', down: false, inChannels: 64, outChannels: 64 },
  { name: 'conv64_3', down: false, inChannels: 64, outChannels: 64 },
  { name: 'conv128_down', down: true, inChannels: 64, outChannels: 128 },
  { name: 'conv128_1', down: false, inChannels: 128, outChannels: 128 },
  { name: 'conv128_2', down: false, inChannels: 128, outChannels: 128 },
  { name: 'conv256_down', down: true, inChannels: 128, outChannels: 256 },
  { name: 'conv256_1', down: false, inChannels: 256, outChannels: 256 },
  { name: 'conv256_2', down: false, inChannels: 256, outChannels: 256 },
  { name: 'conv256_down_out', down: true, inChannels: 256, outChannels: 256 },
];

/** Final fully connected layer, [256, 128], applied after the global mean over H and W. */
export const DLIB_FC = 'fc';

/** Output side of a 'valid' window of size k and stride s over side n (TF/ONNX floor rule). */
export function validOutputSide(n: number, k: number, s: number): number {
  return Math.floor((n - k) / s) + 1;
}

/**
 * Spatial sides through a *_down block: the main path (3x3 stride 2 'valid' conv, then a 'same'
 * conv) and the shortcut (AveragePool 2x2 stride 2). face-api pads the main path with one zero row
 * and one zero column at the end when it comes out smaller (35->17/17, 17->8/8, 8->3/4, 4->1/2).
 */
export function downBlockSides(side: number): { main: number; shortcut: number; pad: number } {
  const main = validOutputSide(side, 3, 2);
  const shortcut = validOutputSide(side, 2, 2);
  const pad = shortcut - main;
  if (pad < 0 || pad > 1) throw new Error(`down block at side ${side}: main ${main} vs shortcut ${shortcut}, face-api pads by at most 1`);
  return { main, shortcut, pad };
}
