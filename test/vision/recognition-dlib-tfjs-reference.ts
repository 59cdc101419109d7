/**
 * An independent reference forward pass of the dlib ResNet in @tensorflow/tfjs (pure-JS CPU
 * backend), written from face-api's src/faceRecognitionNet/{FaceRecognitionNet,convLayer,
 * residualLayer,scaleLayer}.ts. It shares nothing with the ONNX builder: weights are decoded by
 * tfjs's own tf.io.decodeWeights, convs run NHWC with HWIO filters, bias and scale stay unfolded,
 * and the down-block padding is face-api's concat of zeros.
 * One deliberate difference from face-api: input divided by 256 (dlib's input layer), not 255.
 */
import * as tf from '@tensorflow/tfjs';
import type { RgbImage } from '../../libs/vision/src/types';
import { loadTfjsWeights } from './tfjs-weights-loader';

type Weights = tf.NamedTensorMap;

export function loadReferenceWeights(modelDir: string): Promise<Weights> {
  return loadTfjsWeights(modelDir, 'face_recognition_model-weights_manifest.json');
}

function convLayer(x: tf.Tensor4D, w: Weights, prefix: string, strides: number, relu: boolean, padding: 'valid' | 'same'): tf.Tensor4D {
  let out = tf.conv2d(x, w[`${prefix}/conv/filters`] as tf.Tensor4D, strides, padding);
  out = tf.add(out, w[`${prefix}/conv/bias`]);
  out = tf.add(tf.mul(out, w[`${prefix}/scale/weights`]), w[`${prefix}/scale/biases`]);
  return relu ? tf.relu(out) : out;
}

function residual(x: tf.Tensor4D, w: Weights, prefix: string): tf.Tensor4D {
  let out = convLayer(x, w, `${prefix}/conv1`, 1, true, 'same');
  out = convLayer(out, w, `${prefix}/conv2`, 1, false, 'same');
  return tf.relu(tf.add(out, x));
}

function residualDown(x: tf.Tensor4D, w: Weights, prefix: string): tf.Tensor4D {
  let out = convLayer(x, w, `${prefix}/conv1`, 2, true, 'valid');
  out = convLayer(out, w, `${prefix}/conv2`, 1, false, 'same');
  let pooled = tf.avgPool(x, 2, 2, 'valid') as tf.Tensor4D;
  const zeros = tf.zeros<tf.Rank.R4>(pooled.shape);
  if (pooled.shape[1] !== out.shape[1] || pooled.shape[2] !== out.shape[2]) {
    const sx = [...out.shape] as [number, number, number, number];
    sx[1] = 1;
    out = tf.concat([out, tf.zeros<tf.Rank.R4>(sx)], 1);
    const sy = [...out.shape] as [number, number, number, number];
    sy[2] = 1;
    out = tf.concat([out, tf.zeros<tf.Rank.R4>(sy)], 2);
  }
  pooled = pooled.shape[3] !== out.shape[3] ? tf.concat([pooled, zeros], 3) : pooled;
  return tf.relu(tf.add(pooled, out));
}

/** Raw (un-normalised) 128-D descriptors of 150x150 RGB crops. */
export function referenceDescriptors(w: Weights, crops: RgbImage[]): Float32Array[] {
  return tf.tidy(() => {
    const batch = tf.stack(crops.map((c) => tf.tensor3d(Float32Array.from(c.data), [c.height, c.width, 3]))) as tf.Tensor4D;
    const x = tf.div(tf.sub(batch, tf.tensor1d([122.782, 117.001, 104.298])), 256) as tf.Tensor4D;
    let out = convLayer(x, w, 'conv32_down', 2, true, 'valid');
    out = tf.maxPool(out, 3, 2, 'valid');
    for (const b of ['conv32_1', 'conv32_2', 'conv32_3']) out = residual(out, w, b);
    out = residualDown(out, w, 'conv64_down');
    for (const b of ['conv64_1', 'conv64_2', 'conv64_3']) out = residual(out, w, b);
    out = residualDown(out, w, 'conv128_down');
    for (const b of ['conv128_1', 'conv128_2']) out = residual(out, w, b);
    out = residualDown(out, w, 'conv256_down');
    for (const b of ['conv256_1', 'conv256_2']) out = residual(out, w, b);
    out = residualDown(out, w, 'conv256_down_out');
    const desc = tf.matMul(out.mean([1, 2]) as tf.Tensor2D, w.fc as tf.Tensor2D);
    const flat = desc.dataSync() as Float32Array;
    return crops.map((_, i) => flat.slice(i * 128, (i + 1) * 128));
  });
}
