/**
 * The folder shard-search-cost.ts --save writes and hop-ceiling.ts / move-ceiling.ts read: the
 * whole index and each shard's part (hnswlib files), the probes' vectors (little-endian float32,
 * one after another) and what they were built from. Written and read here only.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HierarchicalNSW } from 'hnswlib-node';

export interface HopIndexMeta {
  dimension: number;
  identities: number;
  shards: number;
  probes: number;
}

export interface HopIndex {
  meta: HopIndexMeta;
  /** Probe i is probes.subarray(i * meta.dimension, (i + 1) * meta.dimension). */
  probes: Float32Array;
  wholeFile: string;
  partFile(shard: number): string;
}

export function saveHopIndex(dir: string, meta: HopIndexMeta, whole: HierarchicalNSW, parts: HierarchicalNSW[], probes: Float32Array): void {
  mkdirSync(dir, { recursive: true });
  whole.writeIndexSync(join(dir, 'whole.hnsw'));
  parts.forEach((part, i) => part.writeIndexSync(join(dir, `part${i}.hnsw`)));
  writeFileSync(join(dir, 'probes.f32'), Buffer.from(probes.buffer, probes.byteOffset, probes.byteLength));
  writeFileSync(join(dir, 'meta.json'), JSON.stringify(meta));
}

export function readHopIndex(dir: string): HopIndex {
  const meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')) as HopIndexMeta;
  const raw = readFileSync(join(dir, 'probes.f32'));
  const probes = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
  return { meta, probes, wholeFile: join(dir, 'whole.hnsw'), partFile: (shard) => join(dir, `part${shard}.hnsw`) };
}

/** One JSON search body per probe ({vectorB64, k, ef}), as bench:cluster's client sends them. */
export function searchBodies(index: HopIndex, k: number, ef: number): string[] {
  const { dimension, probes: count } = index.meta;
  return Array.from({ length: count }, (_, i) =>
    JSON.stringify({ vectorB64: Buffer.from(index.probes.slice(i * dimension, (i + 1) * dimension).buffer).toString('base64'), k, ef }),
  );
}
