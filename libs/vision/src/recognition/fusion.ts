import { FaceshardError } from '@faceshard/contracts';
import { l2Normalise } from './vector-math';

/**
 * Score fusion of several recognizers, in embedding form. With each member's embedding e_i
 * L2-normalised and weights w_i >= 0 summing to 1, the vector
 *
 *   f = [ sqrt(w_1) e_1 , sqrt(w_2) e_2 , ... ]
 *
 * has unit length, and the dot product of two such vectors is the weighted sum of the members'
 * cosines: f . f' = sum_i w_i cos(e_i, e'_i). So a fused face is one unit vector (the members'
 * dimensions added up) that any cosine / inner-product index stores and searches as it is.
 */

/** Refuses weights that are not finite, negative, or do not sum to 1 (within 1e-9). */
export function checkFusionWeights(weights: readonly number[]): void {
  if (weights.length < 2) throw new FaceshardError('VALIDATION_FAILED', `score fusion needs 2 or more recognizers, got ${weights.length}`);
  let sum = 0;
  for (const w of weights) {
    if (!Number.isFinite(w) || w < 0) throw new FaceshardError('VALIDATION_FAILED', `fusion weights must be finite and >= 0, got ${weights.join(', ')}`);
    sum += w;
  }
  if (Math.abs(sum - 1) > 1e-9) throw new FaceshardError('VALIDATION_FAILED', `fusion weights must sum to 1, got ${weights.join(' + ')} = ${sum}`);
}

/** The fused unit vector of one face: each member's embedding L2-normalised, scaled by sqrt(weight), concatenated in member order. */
export function fuseEmbeddings(parts: readonly Float32Array[], weights: readonly number[]): Float32Array {
  checkFusionWeights(weights);
  if (parts.length !== weights.length) throw new RangeError(`${parts.length} embeddings for ${weights.length} weights`);
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  parts.forEach((part, i) => {
    const unit = l2Normalise(part);
    const k = Math.sqrt(weights[i]!);
    for (let j = 0; j < unit.length; j++) out[offset + j] = k * unit[j]!;
    offset += unit.length;
  });
  return out;
}

/** The fused similarity computed from the members' cosines: sum_i w_i cos(a_i, b_i) (what fuseEmbeddings' dot product equals). */
export function fusedSimilarity(cosines: readonly number[], weights: readonly number[]): number {
  checkFusionWeights(weights);
  if (cosines.length !== weights.length) throw new RangeError(`${cosines.length} cosines for ${weights.length} weights`);
  return cosines.reduce((s, c, i) => s + weights[i]! * c, 0);
}
