import { describe, expect, it } from 'vitest';
import { FaceshardError } from '@faceshard/contracts';
import { BoundedSemaphore } from './bounded-semaphore';
import { averageUnit } from './embedding-math';
import { nearestCenterIndex, pickCenterFace } from './nearest-center';
import { requireSingleFace } from './single-face';
import { DEFAULT_PIPELINE_LIMITS, resolvePipelineLimits } from './face-pipeline';
import { DEFAULT_DECODE_LIMITS } from '../decode';

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('BoundedSemaphore', () => {
  it('runs at most maxConcurrent, queues up to maxQueued, refuses the rest with BUSY', async () => {
    const sem = new BoundedSemaphore(2, 1);
    const gates = [deferred(), deferred(), deferred()];
    const started: number[] = [];
    const jobs = gates.map((g, i) => sem.run(async () => {
      started.push(i);
      await g.promise;
      return i;
    }));
    await Promise.resolve();
    expect(started).toEqual([0, 1]);
    expect(sem.running).toBe(2);
    expect(sem.queued).toBe(1);
    const refused = sem.run(async () => 99);
    await expect(refused).rejects.toBeInstanceOf(FaceshardError);
    await expect(refused).rejects.toMatchObject({ code: 'BUSY', retryable: true });
    gates[0]!.resolve();
    expect(await jobs[0]).toBe(0);
    await new Promise((r) => setImmediate(r));
    expect(started).toEqual([0, 1, 2]);
    expect(sem.running).toBe(2);
    gates[1]!.resolve();
    gates[2]!.resolve();
    expect(await Promise.all(jobs)).toEqual([0, 1, 2]);
    expect(sem.running).toBe(0);
    expect(sem.queued).toBe(0);
  });

  it('frees the slot when a job throws', async () => {
    const sem = new BoundedSemaphore(1, 0);
    await expect(sem.run(async () => { throw new Error('boom'); })).rejects.toThrow('boom');
    expect(await sem.run(async () => 7)).toBe(7);
  });

  it('refuses bad limits', () => {
    expect(() => new BoundedSemaphore(0, 1)).toThrow(RangeError);
    expect(() => new BoundedSemaphore(1, -1)).toThrow(RangeError);
  });
});

describe('nearestCenterIndex', () => {
  const box = (x: number, y: number) => ({ box: { x, y, width: 10, height: 10 } });
  it('picks the face whose box centre is nearest the image centre', () => {
    expect(nearestCenterIndex([box(0, 0), box(45, 45), box(80, 10)], 100, 100)).toBe(1);
    expect(pickCenterFace({ width: 100, height: 100, faces: [box(0, 0), box(60, 40)] })).toEqual(box(60, 40));
  });
  it('gives -1 / undefined without faces', () => {
    expect(nearestCenterIndex([], 10, 10)).toBe(-1);
    expect(pickCenterFace({ width: 10, height: 10, faces: [] })).toBeUndefined();
  });
});

describe('averageUnit', () => {
  it('averages and renormalises', () => {
    const v = averageUnit(new Float32Array([1, 0]), new Float32Array([0, 1]));
    expect(v[0]).toBeCloseTo(Math.SQRT1_2, 6);
    expect(v[1]).toBeCloseTo(Math.SQRT1_2, 6);
    expect(Array.from(averageUnit(new Float32Array([1, 0]), new Float32Array([-1, 0])))).toEqual([0, 0]);
    expect(() => averageUnit(new Float32Array(2), new Float32Array(3))).toThrow(RangeError);
  });
});

describe('requireSingleFace', () => {
  const face = (x: number, passed: boolean) => ({
    box: { x, y: 40, width: 20, height: 20 },
    score: 0.9,
    landmarks: { leftEye: { x, y: 45 }, rightEye: { x: x + 10, y: 45 }, nose: { x: x + 5, y: 50 } },
    alignedBy: 'detector' as const,
    quality: { score: 0.9, faceSize: 20, eyeDistance: 10, sharpness: 5, yaw: 0, roll: 0, passed, failures: passed ? [] : (['faceSize'] as Array<'faceSize'>) },
    embedding: new Float32Array([1, 0]),
  });
  it('returns the face nearest the centre', () => {
    const centre = face(40, true);
    expect(requireSingleFace({ width: 100, height: 100, faces: [face(0, true), centre] })).toBe(centre);
  });
  it('throws NO_FACE without faces and FACE_QUALITY_TOO_LOW when the centre face fails', () => {
    expect(() => requireSingleFace({ width: 100, height: 100, faces: [] })).toThrow(expect.objectContaining({ code: 'NO_FACE' }));
    // A passing face off-centre does not stand in for the failing centre face.
    expect(() => requireSingleFace({ width: 100, height: 100, faces: [face(0, true), face(40, false)] })).toThrow(
      expect.objectContaining({ code: 'FACE_QUALITY_TOO_LOW', details: expect.objectContaining({ failures: ['faceSize'] }) }),
    );
  });
});

describe('resolvePipelineLimits', () => {
  it('fills defaults, decode caps included, when only some are given', () => {
    const l = resolvePipelineLimits({ maxQueued: 4, decode: { maxPixels: 1000 } });
    expect(l.maxQueued).toBe(4);
    expect(l.maxConcurrent).toBe(DEFAULT_PIPELINE_LIMITS.maxConcurrent);
    expect(l.decode).toEqual({ maxBytes: DEFAULT_DECODE_LIMITS.maxBytes, maxPixels: 1000 });
    expect(resolvePipelineLimits()).toEqual(DEFAULT_PIPELINE_LIMITS);
  });
});
