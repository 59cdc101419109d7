import { FaceshardError } from '@faceshard/contracts';
import { CALIBRATION_FORMAT, type CalibrationPoint, type ModelCalibration } from './calibration-types';

/**
 * Checks a calibration read from a file (shipped, or FACE_CALIBRATION_FILE) once, at load: the
 * points must be a usable curve (FMR strictly falling, thresholds never falling), or the server
 * would answer wrong thresholds silently.
 */
export function parseCalibration(json: unknown, source: string): ModelCalibration {
  const fail = (why: string) => new FaceshardError('VALIDATION_FAILED', `calibration ${source}: ${why}`);
  const c = json as Partial<ModelCalibration> | null;
  if (typeof c !== 'object' || c === null) throw fail('not a JSON object');
  if (c.format !== CALIBRATION_FORMAT) throw fail(`format ${String(c.format)} is not ${CALIBRATION_FORMAT}`);
  if (typeof c.modelId !== 'string' || typeof c.detector !== 'string') throw fail('modelId and detector must be strings');
  const points = c.points as CalibrationPoint[] | undefined;
  if (!Array.isArray(points) || points.length < 2) throw fail('needs at least two points');
  points.forEach((p, i) => {
    const ok = [p.fmr, p.threshold, p.tmr].every((v) => typeof v === 'number' && Number.isFinite(v)) && p.fmr > 0 && p.fmr < 1 && p.threshold >= -1 && p.threshold <= 1;
    if (!ok) throw fail(`point ${i} needs fmr in (0, 1), threshold in [-1, 1] and tmr`);
    const prev = points[i - 1];
    if (prev && !(p.fmr < prev.fmr && p.threshold >= prev.threshold)) throw fail(`point ${i}: FMR must fall and thresholds must not as the list goes on`);
  });
  for (const op of ['identify', 'verify'] as const) {
    const d = c.defaults?.[op];
    if (!d || !(d.farTarget > 0 && d.farTarget < 1) || !(d.threshold >= -1 && d.threshold <= 1)) throw fail(`defaults.${op} needs farTarget and threshold`);
  }
  return c as ModelCalibration;
}
