import type { OnnxArcFaceRecognizerOptions } from './onnx-arcface-recognizer';
import { IMAGENET_NORMALISATION } from './preprocess';

/**
 * MobileFaceNet (foamliu/MobileFaceNet, 128-D, input `input0` [1,3,112,112], fixed batch 1).
 * Normalisation: ImageNet mean/std on RGB, chosen on LFW View 1 DevTrain alone: with the same
 * crops it made 3-5 fewer errors of 2,200 than (x - 127.5) / 128 in every configuration tried
 * (bench/vision/README.md, "MobileFaceNet's input normalisation").
 */
export function mobileFaceNetOptions(modelPath: string): OnnxArcFaceRecognizerOptions {
  return {
    modelPath,
    name: 'mobilefacenet',
    inputSize: 112,
    normalisation: IMAGENET_NORMALISATION,
    channelOrder: 'rgb',
    defaultThreshold: MOBILEFACENET_THRESHOLD,
  };
}

/**
 * Best-accuracy cosine threshold on LFW View 1 pairsDevTrain.txt with YuNet + 68-point alignment
 * (5 points from the 68) + this model, no flip (`eval:lfw`, bench/vision/README.md).
 */
export const MOBILEFACENET_THRESHOLD = 0.308;

/**
 * Score fusion of the dlib ResNet with MobileFaceNet (fusedDlibArcFaceConfig): dlib's weight w in
 * w * cos_dlib + (1 - w) * cos_mobilefacenet, chosen on LFW View 1 pairsDevTrain.txt for what the
 * face API runs (YuNet, one landmark pass, no flip; bench/vision/fusion-study.ts): 9 DevTrain
 * errors of 2,200 at w = 0.6..0.8 against 12 for MobileFaceNet alone, 0.6 the lowest false
 * non-match rate at FMR 1e-3 of that plateau. dlib's cosines spread 3x less than MobileFaceNet's
 * (impostor sd 0.035 vs 0.10): w = 0.6 is about 1 : 2 after a per-model z-score.
 */
export const FUSION_DLIB_WEIGHT = 0.6;
/** Best-accuracy threshold of the fused cosine at FUSION_DLIB_WEIGHT on the same DevTrain pairs. */
export const FUSION_DLIB_MOBILEFACENET_THRESHOLD = 0.658;
