import * as path from 'node:path';
import { FaceshardError } from '@faceshard/contracts';
import { fusedDlibArcFaceConfig, type PipelineConfig } from '@faceshard/vision';

/**
 * The pipelines a calibration can be made for, by model id: the same detector, recognizer and
 * options the gateway runs for that model (faces-config.ts), so the thresholds fit its embeddings.
 */
export interface CalibrationPreset {
  modelId: string;
  detector: string;
  config: PipelineConfig;
  /** Files the user brings (never in the repo); the calibration records their sha256. */
  modelFiles: string[];
}

export function calibrationPreset(modelId: string, sharedDir: string | undefined): CalibrationPreset {
  switch (modelId) {
    case 'dlib-resnet-v1':
      return { modelId, detector: 'blazeface', config: { detector: { kind: 'blazeface' }, recognizer: { kind: 'dlib' } }, modelFiles: [] };
    case 'mobilefacenet': {
      if (!sharedDir) throw new FaceshardError('VALIDATION_FAILED', 'mobilefacenet needs ../shared/models (set FACESHARD_SHARED_DIR)');
      const detectorModel = path.join(sharedDir, 'models', 'yunet_n_dynamic.onnx');
      const recognizerModel = path.join(sharedDir, 'models', 'mobilefacenet_112.onnx');
      return {
        modelId,
        detector: 'yunet',
        // What the gateway runs with FACE_DETECTOR_MODEL=yunet, FACE_RECOGNIZER_MODEL=mobilefacenet,
        // FACE_RECOGNIZER_NORMALISATION=imagenet, FACE_RECOGNIZER_NAME=mobilefacenet (README).
        config: {
          detector: { kind: 'yunet', modelPath: detectorModel },
          recognizer: { kind: 'arcface', modelPath: recognizerModel, normalisation: 'imagenet', name: 'mobilefacenet' },
        },
        modelFiles: [recognizerModel],
      };
    }
    case 'dlib-resnet-v1+mobilefacenet': {
      const mfn = calibrationPreset('mobilefacenet', sharedDir);
      const arcface = mfn.config.recognizer;
      if (arcface?.kind !== 'arcface') throw new FaceshardError('INTERNAL', 'the mobilefacenet preset is not an ArcFace-family recognizer');
      return {
        modelId,
        detector: 'yunet',
        // What the gateway runs with the mobilefacenet settings above and FACE_RECOGNIZER_FUSION=dlib (default weight).
        config: { detector: mfn.config.detector, recognizer: fusedDlibArcFaceConfig(arcface) },
        modelFiles: mfn.modelFiles,
      };
    }
    default:
      throw new FaceshardError('VALIDATION_FAILED', `no calibration preset for model "${modelId}" (dlib-resnet-v1, mobilefacenet, dlib-resnet-v1+mobilefacenet)`);
  }
}
