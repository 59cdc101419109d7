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
