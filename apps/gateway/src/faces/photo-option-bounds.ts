import { FaceshardError } from '@faceshard/contracts';

/**
 * Bounds of the photo routes' numeric options, checked before any model runs. An option outside
 * its range is refused rather than clamped: maxFaces 0 or minQuality 2 would otherwise answer "no
 * faces" for a photo full of them, which reads as a fact about the photo.
 */
export function boundedInteger(name: string, value: number, max: number): number {
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new FaceshardError('VALIDATION_FAILED', `${name} must be an integer in 1..${max}, got ${value}`, { max });
  }
  return value;
}

/** `quality.overall` is within [0, 1]; undefined: no floor. */
export function checkedMinQuality(value: number | undefined): number | undefined {
  if (value !== undefined && !(value >= 0 && value <= 1)) {
    throw new FaceshardError('VALIDATION_FAILED', `minQuality is a face quality within [0, 1] (quality.overall), got ${value}`, { field: 'minQuality' });
  }
  return value;
}
