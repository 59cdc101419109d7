import { FaceshardError } from '@faceshard/contracts';
import type { FaceDetector, FaceRecognizer } from '../types';
import { BlazeFaceDetector, YuNetDetector } from '../detection';
import {
  ARCFACE_NORMALISATION,
  checkFusionWeights,
  DlibResNetRecognizer,
  FusedRecognizer,
  IMAGENET_NORMALISATION,
  OnnxArcFaceRecognizer,
  type FusionMember,
  type OnnxSessionSettings,
} from '../recognition';
import { FaceLandmarker } from '../landmarks';
import { FacePipeline, type PipelineLimitsInput } from './face-pipeline';
import type { DetectorConfig, LandmarksConfig, PipelineConfig, RecognizerConfig } from './pipeline-config';
import { WorkerFacePipeline } from './worker-face-pipeline';

export async function createDetector(config: DetectorConfig = { kind: 'blazeface' }, session?: OnnxSessionSettings): Promise<FaceDetector> {
  switch (config.kind) {
    case 'blazeface':
      return BlazeFaceDetector.create({ ...config, session });
    case 'yunet':
      return YuNetDetector.create({ ...config, session });
    default:
      throw new FaceshardError('VALIDATION_FAILED', `unknown detector kind '${(config as { kind: string }).kind}'`);
  }
}

export async function createRecognizer(config: RecognizerConfig = { kind: 'dlib' }, session?: OnnxSessionSettings): Promise<FaceRecognizer> {
  switch (config.kind) {
    case 'fused': {
      checkFusionWeights(config.members.map((m) => m.weight));
      const members: FusionMember[] = [];
      try {
        for (const m of config.members) {
          if ((m.recognizer.kind as string) === 'fused') throw new FaceshardError('VALIDATION_FAILED', 'a fused recognizer cannot have a fused member');
          members.push({ recognizer: await createRecognizer(m.recognizer, session), weight: m.weight });
        }
      } catch (err) {
        await Promise.all(members.map((m) => m.recognizer.close()));
        throw err;
      }
      const threshold = config.defaultThreshold ?? members.reduce((t, m) => t + m.weight * m.recognizer.defaultThreshold, 0);
      return new FusedRecognizer(members, threshold, config.name);
    }
    case 'dlib':
      return DlibResNetRecognizer.create({ ...config, session });
    case 'arcface': {
      const n = config.normalisation;
      const normalisation = n === 'imagenet' ? IMAGENET_NORMALISATION : n === 'arcface' || n === undefined ? ARCFACE_NORMALISATION : n;
      return OnnxArcFaceRecognizer.create({
        modelPath: config.modelPath,
        inputSize: config.inputSize,
        normalisation,
        channelOrder: config.channelOrder,
        defaultThreshold: config.defaultThreshold,
        name: config.name,
        session,
      });
    }
    default:
      throw new FaceshardError('VALIDATION_FAILED', `unknown recognizer kind '${(config as { kind: string }).kind}'`);
  }
}

export async function createLandmarker(
  config: LandmarksConfig | false = { kind: 'face-api-68' },
  session?: OnnxSessionSettings,
): Promise<FaceLandmarker | undefined> {
  if (config === false) return undefined;
  if (config.kind !== 'face-api-68') throw new FaceshardError('VALIDATION_FAILED', `unknown landmarks kind '${(config as { kind: string }).kind}'`);
  return FaceLandmarker.create({ ...config, session });
}

/**
 * The pipeline in the calling thread (model runs block it: see FacePipeline). For benches,
 * tests and the worker threads themselves; servers want createPipelineFromConfig.
 */
export async function createInProcessPipeline(config: PipelineConfig = {}): Promise<FacePipeline> {
  const detector = await createDetector(config.detector, config.session);
  let recognizer: FaceRecognizer | undefined;
  try {
    recognizer = await createRecognizer(config.recognizer, config.session);
    const landmarker = await createLandmarker(config.landmarks, config.session);
    return new FacePipeline({ detector, recognizer, landmarker, limits: config.limits });
  } catch (err) {
    await (detector as { close?: () => Promise<void> }).close?.();
    await recognizer?.close();
    throw err;
  }
}

/**
 * Bring-your-own models, on worker threads (off the event loop), e.g.
 * { detector: { kind: 'yunet', modelPath }, recognizer: { kind: 'arcface', modelPath, normalisation: 'imagenet' } }.
 */
export function createPipelineFromConfig(config: PipelineConfig = {}): Promise<WorkerFacePipeline> {
  return WorkerFacePipeline.create(config);
}

/** Everything from npm packages: BlazeFace + face-api's 68 landmarks + dlib ResNet, on worker threads. */
export function createDefaultPipeline(limits?: PipelineLimitsInput): Promise<WorkerFacePipeline> {
  return WorkerFacePipeline.create({ detector: { kind: 'blazeface' }, recognizer: { kind: 'dlib' }, limits });
}
