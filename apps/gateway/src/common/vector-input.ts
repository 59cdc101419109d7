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

/** A client's vector decoded to float32, with its squared L2 norm (computed in the same pass). */
export interface DecodedVector {
  vector: Float32Array;
  squaredNorm: number;
}

/**
 * Turns a client's vector into the Float32Array the shards store, or explains what is
 * wrong with it. One pass over the components: type, range and norm are checked while
 * converting (this is the only validation a vector gets; no per-element decorators). Pure:
 * unit-tested without a server.
 */
export function readVector(input: VectorInput, collection: CollectionSpec, where = 'vector'): Float32Array {
  return checkVectorFits(decodeVector(input, where), collection, where);
}

/** The vector as float32, whatever form it came in; every component checked finite. */
export function decodeVector(input: VectorInput, where = 'vector'): DecodedVector {
  const hasArray = input.vector !== undefined && input.vector !== null;
  const hasB64 = input.vectorB64 !== undefined && input.vectorB64 !== null;
  if (hasArray === hasB64) {
    throw new FaceshardError('INVALID_VECTOR', `${where}: give exactly one of "vector" (array of numbers) or "vectorB64"`);
  }
  return hasArray ? decodeNumberArray(input.vector as unknown, where) : decodeBase64Floats(input.vectorB64 as unknown, where);
}

/** Dimension and metric rules of the collection, on an already decoded vector (O(1) but for nothing). */
export function checkVectorFits(decoded: DecodedVector, collection: CollectionSpec, where = 'vector'): Float32Array {
  const { vector, squaredNorm } = decoded;
  if (vector.length !== collection.dimension) {
    throw new FaceshardError(
      'DIMENSION_MISMATCH',
      `${where}: collection "${collection.name}" holds ${collection.dimension}-D vectors, got ${vector.length}`,
      { expected: collection.dimension, actual: vector.length },
    );
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

/**
 * A JSON array of numbers -> float32, in one pass. Something that is not a finite JSON number is
 * a malformed request (VALIDATION_FAILED, as any other wrongly typed field); a finite number
 * float32 cannot hold is an invalid vector.
 */
function decodeNumberArray(values: unknown, where: string): DecodedVector {
  if (!Array.isArray(values)) throw new FaceshardError('VALIDATION_FAILED', `${where}: vector must be an array of numbers`);
  const vector = new Float32Array(values.length);
  let squaredNorm = 0;
  for (let i = 0; i < values.length; i++) {
    const x: unknown = values[i];
    if (typeof x !== 'number' || !Number.isFinite(x)) {
      throw new FaceshardError('VALIDATION_FAILED', `${where}: component ${i} must be a finite number, got ${describeValue(x)}`, { index: i });
    }
    const v = Math.fround(x);
    if (!Number.isFinite(v)) {
      throw new FaceshardError('INVALID_VECTOR', `${where}: component ${i} is ${v} (${x} is outside float32's range); vectors must be finite float32`, { index: i });
    }
    vector[i] = v;
    squaredNorm += v * v;
  }
  return { vector, squaredNorm };
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Base64 of little-endian float32 bytes, decoded straight into the Float32Array's memory. */
function decodeBase64Floats(sent: unknown, where: string): DecodedVector {
  if (typeof sent !== 'string') throw new FaceshardError('VALIDATION_FAILED', `${where}: vectorB64 must be a string`);
  // MIME-style base64 (wrapped every 76 characters) is the same vector; the strip runs only when
  // the plain check fails, so the search path pays nothing for it.
  const b64 = BASE64.test(sent) ? sent : sent.replace(/[\r\n\t ]+/g, '');
  if (!BASE64.test(b64)) {
    throw new FaceshardError('INVALID_VECTOR', `${where}: vectorB64 is not base64`);
  }
  const padding = b64.endsWith('==') ? 2 : b64.endsWith('=') ? 1 : 0;
  const byteCount = Math.floor(((b64.length - padding) * 3) / 4);
  if (byteCount % 4 !== 0) {
    throw new FaceshardError('INVALID_VECTOR', `${where}: vectorB64 holds ${byteCount} bytes, not a whole number of float32`);
  }
  const vector = new Float32Array(byteCount / 4);
  if (LITTLE_ENDIAN) {
    Buffer.from(vector.buffer).write(b64, 'base64');
  } else {
    const bytes = Buffer.from(b64, 'base64');
    for (let i = 0; i < vector.length; i++) vector[i] = bytes.readFloatLE(i * 4);
  }
  let squaredNorm = 0;
  for (let i = 0; i < vector.length; i++) {
    const v = vector[i];
    if (!Number.isFinite(v)) {
      throw new FaceshardError('INVALID_VECTOR', `${where}: component ${i} is ${v}; vectors must be finite float32`, { index: i });
    }
    squaredNorm += v * v;
  }
  return { vector, squaredNorm };
}

function describeValue(x: unknown): string {
  if (typeof x === 'number') return String(x);
  if (x === null) return 'null';
  if (typeof x === 'string') return x.length > 20 ? 'a string' : JSON.stringify(x);
  return Array.isArray(x) ? 'an array' : typeof x;
}

export function encodeBase64Floats(vector: Float32Array): string {
  const bytes = Buffer.alloc(vector.length * 4);
  for (let i = 0; i < vector.length; i++) bytes.writeFloatLE(vector[i], i * 4);
  return bytes.toString('base64');
}
