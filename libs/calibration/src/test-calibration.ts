import { CALIBRATION_FORMAT, type ModelCalibration } from './calibration-types';

/** A small, valid calibration for unit tests (not a real model's). */
export function testCalibration(overrides: Partial<ModelCalibration> = {}): ModelCalibration {
  const points = [
    { fmr: 1e-2, threshold: 0.9, measuredFmr: 1e-2, impostorsAbove: 100, tmr: 0.99 },
    { fmr: 1e-3, threshold: 0.93, measuredFmr: 1e-3, impostorsAbove: 10, tmr: 0.95 },
    { fmr: 1e-4, threshold: 0.95, measuredFmr: 1e-4, impostorsAbove: 1, tmr: 0.9 },
  ];
  return {
    format: CALIBRATION_FORMAT,
    modelId: 'test-model',
    detector: 'test-detector',
    pipelineFingerprint: 'x',
    createdAt: '2026-11-27T00:00:00Z',
    command: 'none',
    photos: { dataset: 'none', rule: 'none', total: 0, embedded: 0, withoutFace: 0, people: 0 },
    impostorPairs: 10_000,
    genuinePairs: 100,
    points,
    defaults: { identify: { farTarget: 1e-4, threshold: 0.95 }, verify: { farTarget: 1e-3, threshold: 0.93 }, why: 'test' },
    ...overrides,
  };
}
