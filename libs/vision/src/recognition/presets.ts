import type { OnnxArcFaceRecognizerOptions } from './onnx-arcface-recognizer';
import { IMAGENET_NORMALISATION } from './preprocess';

/**
 * MobileFaceNet (foamliu/MobileFaceNet, 128-D, input `input0` [1,3,112,112], fixed batch 1).
 * Normalisation: ImageNet mean/std on RGB, because the design note's reference run scored best
 * with it (99.27% DevTrain / 98.90% DevTest with YuNet). Provisional: the pipeline's LFW eval
 * is what confirms it. Threshold 0.29 is the cosine threshold that reference run chose.
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

export const MOBILEFACENET_THRESHOLD = 0.29;
