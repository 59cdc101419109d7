import { FaceshardError } from '@faceshard/contracts';
import type { PipelineConfig } from '@faceshard/vision';

/** The detector/recognizer flags shared by eval-lfw and speed. */
export interface PipelineFlags {
  detector?: string;
  'detector-model'?: string;
  recognizer?: string;
  'recognizer-model'?: string;
  /** For --recognizer arcface: arcface = (x-127.5)/128, imagenet = torchvision mean/std. */
  'recognizer-norm'?: string;
  /** For --detector blazeface: black margin around the photo on the model canvas (default BLAZEFACE_PAD_RATIO). */
  'blazeface-pad'?: string;
  /** face-api-68 (default): align on the 68-point net's landmarks; none: on the detector's keypoints. */
  landmarks?: string;
  /** 1 or 2 passes of the landmark net (default: the library's DEFAULT_LANDMARKER). */
  'landmark-passes'?: string;
}

export const PIPELINE_FLAG_OPTIONS = {
  detector: { type: 'string' },
  'detector-model': { type: 'string' },
  recognizer: { type: 'string' },
  'recognizer-model': { type: 'string' },
  'recognizer-norm': { type: 'string' },
  'blazeface-pad': { type: 'string' },
  landmarks: { type: 'string' },
  'landmark-passes': { type: 'string' },
} as const;

export function pipelineConfigFromFlags(f: PipelineFlags): PipelineConfig {
  const detectorKind = f.detector ?? 'blazeface';
  const recognizerKind = f.recognizer ?? 'dlib';
  const config: PipelineConfig = {};
  if (detectorKind === 'blazeface') {
    config.detector = {
      kind: 'blazeface',
      ...(f['detector-model'] ? { modelPath: f['detector-model'] } : {}),
      ...(f['blazeface-pad'] !== undefined ? { padRatio: Number(f['blazeface-pad']) } : {}),
    };
  }
  else if (detectorKind === 'yunet') config.detector = { kind: 'yunet', modelPath: required(f['detector-model'], '--detector-model') };
  else throw new FaceshardError('VALIDATION_FAILED', `--detector must be blazeface or yunet, got ${detectorKind}`);
  if (recognizerKind === 'dlib') config.recognizer = { kind: 'dlib' };
  else if (recognizerKind === 'arcface') {
    const norm = f['recognizer-norm'] ?? 'arcface';
    if (norm !== 'arcface' && norm !== 'imagenet') throw new FaceshardError('VALIDATION_FAILED', `--recognizer-norm must be arcface or imagenet`);
    config.recognizer = { kind: 'arcface', modelPath: required(f['recognizer-model'], '--recognizer-model'), normalisation: norm };
  } else throw new FaceshardError('VALIDATION_FAILED', `--recognizer must be dlib or arcface, got ${recognizerKind}`);
  const landmarks = f.landmarks ?? 'face-api-68';
  if (landmarks === 'none') config.landmarks = false;
  else if (landmarks === 'face-api-68') {
    const passes = f['landmark-passes'];
    if (passes !== undefined && passes !== '1' && passes !== '2') throw new FaceshardError('VALIDATION_FAILED', '--landmark-passes must be 1 or 2');
    config.landmarks = { kind: 'face-api-68', ...(passes ? { refine: passes === '2' } : {}) };
  } else throw new FaceshardError('VALIDATION_FAILED', `--landmarks must be face-api-68 or none, got ${landmarks}`);
  return config;
}

function required(v: string | undefined, flag: string): string {
  if (!v) throw new FaceshardError('VALIDATION_FAILED', `${flag} is required`);
  return v;
}
