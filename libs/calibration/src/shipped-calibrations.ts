import type { ModelCalibration } from './calibration-types';
import { parseCalibration } from './parse-calibration';
import dlibBlazeface from '../data/dlib-resnet-v1.blazeface.json';
import mobileFaceNetYunet from '../data/mobilefacenet.yunet.json';
import dlibMobileFaceNetYunet from '../data/dlib-resnet-v1+mobilefacenet.yunet.json';

/**
 * The calibrations shipped with the code (libs/calibration/data, written by `npm run calibrate`),
 * by "<model id>.<detector>". Imported as modules so that the build carries them into dist/.
 */
const SHIPPED: Record<string, unknown> = {
  'dlib-resnet-v1.blazeface': dlibBlazeface,
  // Bring-your-own: applies only with FACE_RECOGNIZER_NAME=mobilefacenet and the same model file (sha256).
  'mobilefacenet.yunet': mobileFaceNetYunet,
  // Score fusion with dlib (FACE_RECOGNIZER_FUSION=dlib at the default weight), same MobileFaceNet file.
  'dlib-resnet-v1+mobilefacenet.yunet': dlibMobileFaceNetYunet,
};

const parsed = new Map<string, ModelCalibration>();

export function shippedCalibration(modelId: string, detector: string): ModelCalibration | undefined {
  const key = `${modelId}.${detector}`;
  const raw = SHIPPED[key];
  if (raw === undefined) return undefined;
  let calibration = parsed.get(key);
  if (!calibration) parsed.set(key, (calibration = parseCalibration(raw, `libs/calibration/data/${key}.json`)));
  return calibration;
}

export function shippedCalibrationKeys(): string[] {
  return Object.keys(SHIPPED);
}
