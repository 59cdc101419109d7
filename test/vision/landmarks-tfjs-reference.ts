/**
 * An independent reference forward pass of face-api's FaceLandmark68Net in @tensorflow/tfjs
 * (pure-JS CPU backend), written from face-api's src/faceFeatureExtractor/{FaceFeatureExtractor,
 * denseBlock}.ts, src/common/depthwiseSeparableConv.ts and src/faceProcessor/FaceProcessor.ts.
 * It shares nothing with the ONNX builder: weights decoded by tf.io.decodeWeights, NHWC tensors,
 * tf.separableConv2d with TF's own 'same' padding, tf.avgPool 7x7/2, fc as matMul + bias.
 */
import * as tf from '@tensorflow/tfjs';
import type { RgbImage } from '../../libs/vision/src/types';
import { loadTfjsWeights } from './tfjs-weights-loader';

type Weights = tf.NamedTensorMap;

export function loadLandmarkReferenceWeights(modelDir: string): Promise<Weights> {
  return loadTfjsWeights(modelDir, 'face_landmark_68_model-weights_manifest.json');
}

function separable(x: tf.Tensor4D, w: Weights, prefix: string, stride: number): tf.Tensor4D {
  const out = tf.separableConv2d(x, w[`${prefix}/depthwise_filter`] as tf.Tensor4D, w[`${prefix}/pointwise_filter`] as tf.Tensor4D, stride, 'same');
  return tf.add(out, w[`${prefix}/bias`]!);
}

function denseBlock4(x: tf.Tensor4D, w: Weights, name: string, first: boolean): tf.Tensor4D {
  const out1 = tf.relu(
    first
      ? tf.add(tf.conv2d(x, w[`${name}/conv0/filters`] as tf.Tensor4D, 2, 'same'), w[`${name}/conv0/bias`]!)
      : separable(x, w, `${name}/conv0`, 2),
  ) as tf.Tensor4D;
  const out2 = separable(out1, w, `${name}/conv1`, 1);
  const in3 = tf.relu(tf.add(out1, out2)) as tf.Tensor4D;
  const out3 = separable(in3, w, `${name}/conv2`, 1);
  const in4 = tf.relu(tf.add(out1, tf.add(out2, out3))) as tf.Tensor4D;
  const out4 = separable(in4, w, `${name}/conv3`, 1);
  return tf.relu(tf.add(out1, tf.add(out2, tf.add(out3, out4)))) as tf.Tensor4D;
}

/** The net's raw output for 112x112 RGB crops: 136 values each (x, y interleaved, fractions of the side). */
export function referenceLandmarks(w: Weights, crops: RgbImage[]): Float32Array[] {
  return tf.tidy(() => {
    const batch = tf.stack(crops.map((c) => tf.tensor3d(Float32Array.from(c.data), [c.height, c.width, 3]))) as tf.Tensor4D;
    const x = tf.div(tf.sub(batch, tf.tensor1d([122.782, 117.001, 104.298])), 255) as tf.Tensor4D;
    let out = denseBlock4(x, w, 'dense0', true);
    out = denseBlock4(out, w, 'dense1', false);
    out = denseBlock4(out, w, 'dense2', false);
    out = denseBlock4(out, w, 'dense3', false);
    out = tf.avgPool(out, [7, 7], [2, 2], 'valid');
    const flat = tf.add(tf.matMul(out.as2D(out.shape[0], -1), w['fc/weights'] as tf.Tensor2D), w['fc/bias']!).dataSync() as Float32Array;
    return crops.map((_, i) => flat.slice(i * 136, (i + 1) * 136));
  });
}
