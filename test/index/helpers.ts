import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IdentityUpsert } from '@faceshard/contracts';
import { seededRandom } from '../support/vectors';

// One seeded PRNG for all tests: the crash fixture derives the same vectors from a seed.
export { seededRandom };

/** A fresh folder under the OS temp dir; remove it with removeDir. */
export function makeTempDir(label: string): string {
  return mkdtempSync(join(tmpdir(), `faceshard-index-${label}-`));
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

export function stringSeed(text: string): number {
  let hash = 2166136261;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 16777619);
  return hash >>> 0;
}

/** Unit-length random vector (Gaussian-ish via sum of uniforms is enough for tests). */
export function randomUnitVector(dimension: number, random: () => number): Float32Array {
  const v = new Float32Array(dimension);
  let norm = 0;
  for (let i = 0; i < dimension; i++) {
    const x = random() + random() + random() - 1.5;
    v[i] = x;
    norm += x * x;
  }
  const inv = 1 / Math.sqrt(norm);
  for (let i = 0; i < dimension; i++) v[i] *= inv;
  return v;
}

/** The vector a given identity/face has in tests: derived from its ids, so any process can recompute it. */
export function vectorFor(identityId: string, faceId: string, dimension: number): Float32Array {
  return randomUnitVector(dimension, seededRandom(stringSeed(`${identityId}/${faceId}`)));
}

/** Vector near `base`: base + noise, renormalised. */
export function nearVector(base: Float32Array, noise: number, random: () => number): Float32Array {
  const v = new Float32Array(base.length);
  let norm = 0;
  for (let i = 0; i < base.length; i++) {
    v[i] = base[i] + (random() - 0.5) * noise;
    norm += v[i] * v[i];
  }
  const inv = 1 / Math.sqrt(norm);
  for (let i = 0; i < v.length; i++) v[i] *= inv;
  return v;
}

export function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** identities id-<from>..id-<to-1>, each with `faces` faces derived by vectorFor. */
export function makeIdentities(from: number, to: number, dimension: number, faces = 1, mode: 'replace' | 'append' = 'replace'): IdentityUpsert[] {
  const out: IdentityUpsert[] = [];
  for (let n = from; n < to; n++) {
    const identityId = `id-${n}`;
    out.push({
      identityId,
      mode,
      attributes: { n },
      faces: Array.from({ length: faces }, (_, f) => ({ faceId: `f${f}`, vector: vectorFor(identityId, `f${f}`, dimension) })),
    });
  }
  return out;
}
