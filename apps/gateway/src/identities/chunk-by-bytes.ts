import type { IdentityUpsert } from '@faceshard/contracts';

/**
 * A NATS message holds 1 MiB by default. A batch that fits the API's limit (1000 identities)
 * can still be larger than that for one shard (1000 x 512-D ArcFace vectors = 2 MB), so each
 * shard's part is sent as several messages of at most `maxBytes` of vectors. An identity is
 * never split: its faces stay in one message, so one write stays one log record on the shard.
 */
export function chunkByVectorBytes(identities: readonly IdentityUpsert[], maxBytes: number): IdentityUpsert[][] {
  const chunks: IdentityUpsert[][] = [];
  let current: IdentityUpsert[] = [];
  let bytes = 0;
  for (const identity of identities) {
    const size = identity.faces.reduce((n, face) => n + face.vector.byteLength, 0);
    if (current.length > 0 && bytes + size > maxBytes) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(identity);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}
