/**
 * The raw baseline in a child process (big runs build it while the cluster is filled): the real
 * forked process from dist/, real hnswlib, a real index file for the memory figure.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HierarchicalNSW } from 'hnswlib-node';
import { describe, expect, it } from 'vitest';
import { makeBenchDataset } from '../../bench/cluster/bench-dataset';
import { repoRoot } from '../../bench/cluster/deployments';
import { indexFileSize } from '../../bench/cluster/memory';
import { startRawAlongside } from '../../bench/cluster/raw-alongside';
import { cpuSeconds } from '../../bench/cluster/process-idle';
import { embeddingStatsPath } from '../../bench/data/embedding-stats';
import { collapseToIdentities, exactTopK } from '../../bench/data/exact-search';

const compiled = join(repoRoot(), 'dist', 'bench', 'cluster', 'raw-hnsw-process.js');
const why = !existsSync(compiled) ? `${compiled} is missing: npm run build` : !existsSync(embeddingStatsPath()) ? `${embeddingStatsPath()} is absent` : null;

describe.skipIf(why !== null)(`raw baseline in a child process${why ? ` SKIPPED: ${why}` : ''}`, () => {
  it('builds from the same seed as this process, then scores its ladder against our ground truth', async () => {
    const dataset = { identities: 500, facesPerIdentity: 1, probes: 60, unenrolledFraction: 0.2, seed: 9, centre: true };
    const data = makeBenchDataset(dataset);
    const truth = collapseToIdentities(exactTopK(data.gallery, data.probes, 10), data.gallery.identity, 10);
    const raw = startRawAlongside(dataset, 16, 100, () => undefined);
    try {
      expect((await raw.built).buildSeconds).toBeGreaterThan(0);
      const result = await raw.search(truth, { k: 10, efLadder: [16, 500], target: 0.99, minSeconds: 0 });
      // ef 500 over 500 vectors visits everything: exactly brute force, which only holds if both sides made the same vectors.
      expect(result.ladder.find((p) => p.ef === 500)!.recall).toBe(1);
      expect(result.chosen?.ef).toBe(500);
      expect(result.memory!.indexBytesPerIdentity).toBeGreaterThan(512); // at least the 128 floats
      expect(Number.isFinite(result.memory!.rssBytesPerIdentity)).toBe(true);
    } finally {
      raw.kill();
    }
  }, 120_000);

  it('stops a build that is out of time and reports the memory of what it inserted; such an index is never searched', async () => {
    const dataset = { identities: 60_000, facesPerIdentity: 1, probes: 10, unenrolledFraction: 0.2, seed: 9, centre: false };
    const raw = startRawAlongside(dataset, 16, 200, () => undefined);
    try {
      // Stop as soon as the child has made its vectors and started inserting.
      await new Promise((r) => setTimeout(r, 4_000));
      raw.stop();
      const report = await raw.built;
      expect(report.complete).toBe(false);
      expect(report.identitiesInserted).toBeGreaterThan(0);
      expect(report.identitiesInserted).toBeLessThan(60_000);
      expect(report.memory.indexBytesPerIdentity).toBeGreaterThan(512);
      const truth = { k: 10, count: 10, indices: new Int32Array(100), scores: new Float32Array(100) };
      await expect(raw.search(truth, { k: 10, efLadder: [16], target: 0.9, minSeconds: 0 })).rejects.toThrow(/not finished/);
    } finally {
      raw.kill();
    }
  }, 120_000);

  it('a paused build takes no CPU, and the time it was paused is left out of its build time', async () => {
    const dataset = { identities: 60_000, facesPerIdentity: 1, probes: 10, unenrolledFraction: 0.2, seed: 9, centre: false };
    const started = Date.now();
    const raw = startRawAlongside(dataset, 16, 200, () => undefined);
    try {
      await new Promise((r) => setTimeout(r, 3_000));
      raw.pause();
      const cpuAtPause = cpuSeconds(raw.pid);
      await new Promise((r) => setTimeout(r, 1_500));
      expect(cpuSeconds(raw.pid)).toBeCloseTo(cpuAtPause, 1);
      raw.resume();
      raw.stop();
      const report = await raw.built;
      expect(report.complete).toBe(false);
      expect(report.buildSeconds).toBeGreaterThan(0);
      expect(report.buildSeconds).toBeLessThan((Date.now() - started) / 1000 - 1.4);
    } finally {
      raw.kill();
    }
  }, 120_000);

  it('reads the element count and bytes per element back from a real hnswlib index file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'faceshard-test-index-'));
    try {
      const index = new HierarchicalNSW('ip', 8);
      index.initIndex(1000, 16, 50, 1);
      for (let i = 0; i < 300; i++) index.addPoint(Array.from({ length: 8 }, (_, j) => Math.sin(i * 8 + j)), i);
      index.writeIndexSync(join(dir, 'x.hnsw'));
      const size = indexFileSize(join(dir, 'x.hnsw'));
      expect(size.elements).toBe(300);
      // Level 0 of one element: 8 floats + its label + 2M links and their count; upper levels add a little.
      const level0 = 8 * 4 + 8 + (2 * 16 + 1) * 4;
      expect(size.bytesPerElement).toBeGreaterThanOrEqual(level0);
      expect(size.bytesPerElement).toBeLessThan(level0 * 1.5);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
