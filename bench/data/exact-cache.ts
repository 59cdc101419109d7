/**
 * Exact top-k of a seeded benchmark dataset, kept on disk between runs: at a million faces the
 * brute force is minutes of CPU on a busy 2-core machine, and its answer depends only on how the
 * vectors were made. The key is everything that makes them (dataset options, k, and the embedding
 * statistics file's contents), so a stale entry cannot be read by mistake.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TopK } from './exact-search';

export function exactCacheKey(parts: Record<string, unknown>, statsFileContents: Buffer | string): string {
  const h = createHash('sha256');
  h.update(JSON.stringify(Object.keys(parts).sort().map((key) => [key, parts[key]])));
  h.update(statsFileContents);
  return h.digest('hex').slice(0, 24);
}

/** Layout: k, count (uint32 LE), then indices (int32 LE), then scores (float32 LE). */
export function encodeTopK(top: TopK): Buffer {
  const header = Buffer.alloc(8);
  header.writeUInt32LE(top.k, 0);
  header.writeUInt32LE(top.count, 4);
  return Buffer.concat([header, Buffer.from(top.indices.buffer, top.indices.byteOffset, top.indices.byteLength), Buffer.from(top.scores.buffer, top.scores.byteOffset, top.scores.byteLength)]);
}

export function decodeTopK(bytes: Buffer): TopK {
  if (bytes.length < 8) throw new Error('cached top-k: too short');
  const k = bytes.readUInt32LE(0);
  const count = bytes.readUInt32LE(4);
  const n = k * count;
  if (bytes.length !== 8 + n * 8) throw new Error(`cached top-k: ${bytes.length} bytes, expected ${8 + n * 8}`);
  // Copies: the Buffer's memory may not be aligned for typed arrays.
  const indices = new Int32Array(n);
  const scores = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    indices[i] = bytes.readInt32LE(8 + i * 4);
    scores[i] = bytes.readFloatLE(8 + n * 4 + i * 4);
  }
  return { k, count, indices, scores };
}

/** The cached answer for `key`, or compute() written there first (atomically: a crash leaves no half file). */
export function cachedTopK(dir: string, key: string, compute: () => TopK): { top: TopK; fromCache: boolean } {
  const file = join(dir, `exact-${key}.bin`);
  if (existsSync(file)) return { top: decodeTopK(readFileSync(file)), fromCache: true };
  const top = compute();
  mkdirSync(dir, { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, encodeTopK(top));
  renameSync(tmp, file);
  return { top, fromCache: false };
}
