import { FaceshardError } from '@faceshard/contracts';
import { fusedDlibArcFaceConfig, type ArcFaceRecognizerConfig, type PipelineConfig } from '@faceshard/vision';

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
  /** For --recognizer fused: weight w of the dlib ResNet's cosine; the --recognizer-model (ArcFace family) gets 1 - w. */
  'fusion-weight'?: string;
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
  'fusion-weight': { type: 'string' },
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
  if (f['fusion-weight'] !== undefined && recognizerKind !== 'fused') throw new FaceshardError('VALIDATION_FAILED', '--fusion-weight needs --recognizer fused');
  if (recognizerKind === 'dlib') config.recognizer = { kind: 'dlib' };
  else if (recognizerKind === 'arcface' || recognizerKind === 'fused') {
    const norm = f['recognizer-norm'] ?? 'arcface';
    if (norm !== 'arcface' && norm !== 'imagenet') throw new FaceshardError('VALIDATION_FAILED', `--recognizer-norm must be arcface or imagenet`);
    const arcface: ArcFaceRecognizerConfig = { kind: 'arcface', modelPath: required(f['recognizer-model'], '--recognizer-model'), normalisation: norm };
    if (recognizerKind === 'arcface') config.recognizer = arcface;
    else {
      const w = f['fusion-weight'] === undefined ? undefined : Number(f['fusion-weight']);
      if (w !== undefined && !(w >= 0 && w <= 1)) throw new FaceshardError('VALIDATION_FAILED', `--fusion-weight must be in [0, 1], got ${f['fusion-weight']}`);
      config.recognizer = fusedDlibArcFaceConfig(arcface, w);
    }
  } else throw new FaceshardError('VALIDATION_FAILED', `--recognizer must be dlib, arcface or fused, got ${recognizerKind}`);
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
