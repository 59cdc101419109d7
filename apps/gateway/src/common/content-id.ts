import { createHash } from 'node:crypto';

/** First 128 bits of the SHA-256 of a string or of a vector's raw float32 bytes, as 32 hex digits. */
export function contentDigest(value: string | Float32Array): string {
  const bytes = typeof value === 'string' ? Buffer.from(value) : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  return createHash('sha256').update(bytes).digest('hex').slice(0, 32);
}

/**
 * The id of a face sent without one: derived from the vector itself, so a retried write (after
 * SHARD_TIMEOUT or any "outcome unknown" error) writes the same face again instead of adding a
 * second one. The face API derives its ids the same way from the embedding.
 */
export function contentFaceId(vector: Float32Array): string {
  return `f-${contentDigest(vector)}`;
}
