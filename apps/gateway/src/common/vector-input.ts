import { CollectionSpec, FaceshardError } from '@faceshard/contracts';

/**
 * Largest L2 norm accepted for an `ip` collection. hnswlib computes inner products in float32
 * (max ~3.4e38); by Cauchy-Schwarz every partial sum of q.v is at most |q||v| <= 1e30, so no
 * score can overflow to Infinity and come back as `"score": null`. Real embeddings have norms
 * of 1 to a few hundred. (cosine vectors are normalised in float64, so no bound is needed.)
 */
export const MAX_IP_VECTOR_NORM = 1e15;

/** A vector as a client may send it: a JSON array of numbers, or base64 of little-endian float32 bytes. */
export interface VectorInput {
  vector?: number[];
  vectorB64?: string;
}

/**
 * Turns a client's vector into the Float32Array the shards store, or explains what is
 * wrong with it. Pure: unit-tested without a server.
 */
export function readVector(input: VectorInput, collection: CollectionSpec, where = 'vector'): Float32Array {
  const hasArray = input.vector !== undefined;
  const hasB64 = input.vectorB64 !== undefined;
  if (hasArray === hasB64) {
    throw new FaceshardError('INVALID_VECTOR', `${where}: give exactly one of "vector" (array of numbers) or "vectorB64"`);
  }
  const vector = hasArray ? Float32Array.from(input.vector!) : decodeBase64Floats(input.vectorB64!, where);
  if (vector.length !== collection.dimension) {
    throw new FaceshardError(
      'DIMENSION_MISMATCH',
      `${where}: collection "${collection.name}" holds ${collection.dimension}-D vectors, got ${vector.length}`,
      { expected: collection.dimension, actual: vector.length },
    );
  }
  let squaredNorm = 0;
  for (let i = 0; i < vector.length; i++) {
    const v = vector[i];
    if (!Number.isFinite(v)) {
      const why = hasArray && Number.isFinite(input.vector![i]) ? ` (${input.vector![i]} is outside float32's range)` : '';
      throw new FaceshardError('INVALID_VECTOR', `${where}: component ${i} is ${v}${why}; vectors must be finite float32`, { index: i });
    }
    squaredNorm += v * v;
  }
  if (collection.metric === 'cosine' && squaredNorm === 0) {
    throw new FaceshardError('INVALID_VECTOR', `${where}: the zero vector has no direction; cosine is undefined for it`);
  }
  if (collection.metric === 'ip' && !(Math.sqrt(squaredNorm) <= MAX_IP_VECTOR_NORM)) {
    throw new FaceshardError(
      'INVALID_VECTOR',
      `${where}: vector norm ${Math.sqrt(squaredNorm).toExponential(3)} is over ${MAX_IP_VECTOR_NORM.toExponential(0)}, the largest an inner-product collection accepts (scores would overflow float32)`,
      { norm: Math.sqrt(squaredNorm), maxNorm: MAX_IP_VECTOR_NORM },
    );
  }
  return vector;
}

function decodeBase64Floats(b64: string, where: string): Float32Array {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64)) {
    throw new FaceshardError('INVALID_VECTOR', `${where}: vectorB64 is not base64`);
  }
  const bytes = Buffer.from(b64, 'base64');
  if (bytes.length % 4 !== 0) {
    throw new FaceshardError('INVALID_VECTOR', `${where}: vectorB64 holds ${bytes.length} bytes, not a whole number of float32`);
  }
  // Copy into an aligned buffer, reading little-endian whatever the host's order.
  const out = new Float32Array(bytes.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = bytes.readFloatLE(i * 4);
  return out;
}

export function encodeBase64Floats(vector: Float32Array): string {
  const bytes = Buffer.alloc(vector.length * 4);
  for (let i = 0; i < vector.length; i++) bytes.writeFloatLE(vector[i], i * 4);
  return bytes.toString('base64');
}
